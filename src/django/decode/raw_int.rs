//! Django stores a value whose type is exactly `int` as its decimal text, and reads values back
//! with `int(data)` first. This mirrors Python's `int(bytes)` grammar: surrounding ASCII
//! whitespace, an optional sign, digits with single underscores between them.

use super::DecodeError;
use crate::django::value::PyValue;

/// `Ok(None)` when Python's `int()` would reject the bytes (so Django falls back to pickle).
pub(super) fn parse_python_int(
    raw: &[u8],
    max_digits: usize,
) -> Result<Option<PyValue>, DecodeError> {
    let trimmed = raw.trim_ascii();
    let (negative, body) = match trimmed.first() {
        Some(b'-') => (true, &trimmed[1..]),
        Some(b'+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    if body.is_empty() || !body[0].is_ascii_digit() || !body[body.len() - 1].is_ascii_digit() {
        return Ok(None);
    }
    let mut digits = String::with_capacity(body.len());
    let mut previous_underscore = false;
    for &b in body {
        match b {
            b'0'..=b'9' => {
                digits.push(char::from(b));
                previous_underscore = false;
            }
            b'_' if !previous_underscore => previous_underscore = true,
            _ => return Ok(None),
        }
    }
    if digits.len() > max_digits {
        // Python itself raises here (int max str digits), and Django would then fail to
        // unpickle the digits: refusing is the faithful answer.
        return Err(DecodeError::IntTooLarge {
            len: digits.len(),
            limit: max_digits,
            unit: "decimal digits",
        });
    }
    Ok(Some(int_from_decimal(negative, &digits)))
}

/// An [`PyValue::Int`] when the value fits in i64, else [`PyValue::BigInt`] with normalised
/// digits (no leading zeros, no `-0`).
pub(crate) fn int_from_decimal(negative: bool, digits: &str) -> PyValue {
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return PyValue::Int(0);
    }
    let text = if negative {
        format!("-{digits}")
    } else {
        digits.to_string()
    };
    match text.parse::<i64>() {
        Ok(v) => PyValue::Int(v),
        Err(_) => PyValue::BigInt(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &[u8]) -> Option<PyValue> {
        parse_python_int(raw, 4300).unwrap()
    }

    #[test]
    fn accepts_what_python_int_accepts() {
        assert_eq!(parse(b"42"), Some(PyValue::Int(42)));
        assert_eq!(parse(b"-7"), Some(PyValue::Int(-7)));
        assert_eq!(parse(b" +1_000\n"), Some(PyValue::Int(1000)));
        assert_eq!(parse(b"-0"), Some(PyValue::Int(0)));
        assert_eq!(parse(b"0007"), Some(PyValue::Int(7)));
        assert_eq!(
            parse(b"-9223372036854775809"),
            Some(PyValue::BigInt("-9223372036854775809".into()))
        );
        assert_eq!(parse(b"-9223372036854775808"), Some(PyValue::Int(i64::MIN)));
    }

    #[test]
    fn rejects_what_python_int_rejects() {
        for raw in [
            &b"1__0"[..],
            b"_1",
            b"1_",
            b"",
            b"-",
            b"1.5",
            b"0x10",
            b"\x80\x05N.",
            b"1 2",
        ] {
            assert_eq!(parse(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn too_many_digits_is_an_error() {
        let long = vec![b'9'; 4301];
        assert!(matches!(
            parse_python_int(&long, 4300),
            Err(DecodeError::IntTooLarge { len: 4301, .. })
        ));
    }
}
