//! Arbitrary-size integers as pickle stores them (little-endian two's complement, LONG1/LONG4)
//! and as people read them (decimal text). Only conversions: no arithmetic is needed.

/// Decimal text of a little-endian two's-complement integer. Empty input is 0, as in pickle.
pub(crate) fn le_signed_to_decimal(bytes: &[u8]) -> String {
    let negative = bytes.last().is_some_and(|b| b & 0x80 != 0);
    let mut magnitude: Vec<u8> = bytes.to_vec();
    if negative {
        // |x| = !x + 1 over the same width.
        let mut carry = true;
        for b in magnitude.iter_mut() {
            let (sum, overflow) = (!*b).overflowing_add(u8::from(carry));
            *b = sum;
            carry = overflow;
        }
    }
    // Little-endian base-2^32 limbs, then repeated division by 10^9.
    let mut limbs: Vec<u32> = magnitude
        .chunks(4)
        .map(|c| {
            c.iter()
                .rev()
                .fold(0u32, |acc, &b| (acc << 8) | u32::from(b))
        })
        .collect();
    while limbs.last() == Some(&0) {
        limbs.pop();
    }
    if limbs.is_empty() {
        return "0".to_string();
    }
    let mut chunks: Vec<u32> = Vec::new();
    while !limbs.is_empty() {
        let mut rem: u64 = 0;
        for limb in limbs.iter_mut().rev() {
            let cur = (rem << 32) | u64::from(*limb);
            *limb = (cur / 1_000_000_000) as u32;
            rem = cur % 1_000_000_000;
        }
        chunks.push(rem as u32);
        while limbs.last() == Some(&0) {
            limbs.pop();
        }
    }
    let mut out = String::with_capacity(chunks.len() * 9 + 1);
    if negative {
        out.push('-');
    }
    let mut iter = chunks.iter().rev();
    if let Some(first) = iter.next() {
        out.push_str(&first.to_string());
    }
    for chunk in iter {
        out.push_str(&format!("{chunk:09}"));
    }
    out
}

/// The shortest little-endian two's-complement bytes for a decimal integer (an optional `-`
/// then ASCII digits), as CPython's pickler writes for LONG1/LONG4. `None` for other text.
pub(crate) fn decimal_to_le_signed(text: &str) -> Option<Vec<u8>> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut limbs: Vec<u32> = Vec::new();
    for chunk in digits.as_bytes().chunks(9) {
        let mut scale: u64 = 1;
        let mut value: u64 = 0;
        for &d in chunk {
            scale *= 10;
            value = value * 10 + u64::from(d - b'0');
        }
        let mut carry = value;
        for limb in limbs.iter_mut() {
            let cur = u64::from(*limb) * scale + carry;
            *limb = cur as u32;
            carry = cur >> 32;
        }
        if carry != 0 {
            limbs.push(carry as u32);
        }
    }
    let mut bytes: Vec<u8> = limbs.iter().flat_map(|l| l.to_le_bytes()).collect();
    while bytes.last() == Some(&0) {
        bytes.pop();
    }
    if bytes.is_empty() {
        return Some(Vec::new());
    }
    // One spare byte so the sign bit is free, then trim what two's complement does not need.
    bytes.push(0);
    if negative {
        let mut carry = true;
        for b in bytes.iter_mut() {
            let (sum, overflow) = (!*b).overflowing_add(u8::from(carry));
            *b = sum;
            carry = overflow;
        }
        while bytes.len() > 1
            && bytes[bytes.len() - 1] == 0xff
            && bytes[bytes.len() - 2] & 0x80 != 0
        {
            bytes.pop();
        }
    } else {
        while bytes.len() > 1 && bytes[bytes.len() - 1] == 0 && bytes[bytes.len() - 2] & 0x80 == 0 {
            bytes.pop();
        }
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_boundaries() {
        for text in [
            "1",
            "-1",
            "127",
            "128",
            "-128",
            "-129",
            "255",
            "2147483648",
            "-2147483649",
            "-549755813888",
            "549755813887",
            "549755813888",
            "18446744073709551616",
            "-18446744073709551616",
            "123456789012345678901234567890123456789",
        ] {
            let bytes = decimal_to_le_signed(text).unwrap();
            assert_eq!(le_signed_to_decimal(&bytes), text, "{text} -> {bytes:02x?}");
        }
    }

    #[test]
    fn matches_cpython_encodings() {
        assert_eq!(
            decimal_to_le_signed("2147483648").unwrap(),
            [0, 0, 0, 0x80, 0]
        );
        assert_eq!(
            decimal_to_le_signed("-2147483649").unwrap(),
            [0xff, 0xff, 0xff, 0x7f, 0xff]
        );
        assert_eq!(
            decimal_to_le_signed("-549755813888").unwrap(),
            [0, 0, 0, 0, 0x80]
        );
        assert_eq!(le_signed_to_decimal(&[]), "0");
        assert_eq!(le_signed_to_decimal(&[0xff]), "-1");
        assert!(decimal_to_le_signed("12a").is_none());
        assert!(decimal_to_le_signed("-").is_none());
    }
}
