//! Showing a decoded value to a person: Python's `repr` for plain data (so `'pong'`, `42`,
//! `None`, `b'\x00'` read exactly as in a Python shell), and explicit forms for the rest:
//!
//! - datetime: `2025-01-02 03:04:05.678901+00:00 (UTC)`; naive ones say
//!   `(naive, no time zone)`; an unresolvable zone says so instead of guessing an offset;
//! - date: `2025-01-02 (date)`; timedelta: `1 day, 2:03:04 (timedelta)`;
//! - an exception: its repr, `ValueError('boom')` (`myapp.errors.EnforcerError('x')` outside
//!   builtins);
//! - anything not modelled: `<unsupported uuid.UUID: 8c0475…>`.
//!
//! Output is bounded: past the limit it ends with `… (N more chars)`.

use std::fmt::Write as _;

use super::time::format_offset;
use super::value::{PyDateTime, PyTz, PyValue};

/// Characters shown by [`PyValue::to_display`] before truncating.
pub const DISPLAY_LIMIT: usize = 2000;

impl PyValue {
    /// The value as a person reads it, at most [`DISPLAY_LIMIT`] characters plus the marker.
    pub fn to_display(&self) -> String {
        self.to_display_limited(DISPLAY_LIMIT)
    }

    /// A text value (`str`, or `bytes` that are UTF-8) as the lines a person reads, not
    /// its repr: a traceback keeps its line breaks. Other control characters are written
    /// as escapes (`\x1b`), at most `max_lines` lines and `max_chars` characters (read
    /// from a cache: untrusted). Other values: [`PyValue::to_display_limited`].
    pub fn to_readable_text(&self, max_lines: usize, max_chars: usize) -> String {
        let text = match self {
            PyValue::Str(s) => s.as_str(),
            PyValue::Bytes(b) | PyValue::ByteArray(b) => match std::str::from_utf8(b) {
                Ok(s) => s,
                Err(_) => return self.to_display_limited(max_chars),
            },
            _ => return self.to_display_limited(max_chars),
        };
        let mut escaped = String::with_capacity(text.len().min(max_chars + 16));
        for c in text.trim_end().chars() {
            match c {
                '\n' | '\t' => escaped.push(c),
                '\r' => {}
                c if c.is_control() => {
                    let _ = write!(escaped, "\\x{:02x}", c as u32);
                }
                c => escaped.push(c),
            }
        }
        let lines: Vec<&str> = escaped.lines().collect();
        let mut out = lines
            .iter()
            .take(max_lines)
            .copied()
            .collect::<Vec<_>>()
            .join("\n");
        if lines.len() > max_lines {
            let _ = write!(out, "\n… ({} more lines)", lines.len() - max_lines);
        }
        crate::text::bound(&out, max_chars)
    }

    /// [`PyValue::to_display`] with a custom character budget.
    pub fn to_display_limited(&self, max_chars: usize) -> String {
        let mut sink = Sink {
            out: String::new(),
            limit: max_chars,
            chars: 0,
        };
        write_value(&mut sink, self);
        if sink.chars > max_chars {
            let more = sink.chars - max_chars;
            let _ = write!(sink.out, "… ({more} more chars)");
        }
        sink.out
    }
}

/// Keeps the first `limit` characters and counts the rest, so a 4 MiB value costs time but
/// not memory.
struct Sink {
    out: String,
    limit: usize,
    chars: usize,
}

impl Sink {
    fn push(&mut self, c: char) {
        if self.chars < self.limit {
            self.out.push(c);
        }
        self.chars += 1;
    }

    fn push_str(&mut self, s: &str) {
        for c in s.chars() {
            self.push(c);
        }
    }
}

fn write_value(sink: &mut Sink, value: &PyValue) {
    match value {
        PyValue::None => sink.push_str("None"),
        PyValue::Bool(true) => sink.push_str("True"),
        PyValue::Bool(false) => sink.push_str("False"),
        PyValue::Int(v) => sink.push_str(&v.to_string()),
        PyValue::BigInt(v) => sink.push_str(v),
        PyValue::Float(v) => sink.push_str(&float_repr(*v)),
        PyValue::Str(s) => write_str_repr(sink, s),
        PyValue::Bytes(b) => write_bytes_repr(sink, b),
        PyValue::ByteArray(b) => {
            sink.push_str("bytearray(");
            write_bytes_repr(sink, b);
            sink.push(')');
        }
        PyValue::List(items) => write_seq(sink, "[", items, "]"),
        PyValue::Tuple(items) if items.len() == 1 => write_seq(sink, "(", items, ",)"),
        PyValue::Tuple(items) => write_seq(sink, "(", items, ")"),
        PyValue::Set(items) if items.is_empty() => sink.push_str("set()"),
        PyValue::Set(items) => write_seq(sink, "{", items, "}"),
        PyValue::FrozenSet(items) if items.is_empty() => sink.push_str("frozenset()"),
        PyValue::FrozenSet(items) => write_seq(sink, "frozenset({", items, "})"),
        PyValue::Dict(pairs) => {
            sink.push('{');
            for (i, (k, v)) in pairs.iter().enumerate() {
                if i > 0 {
                    sink.push_str(", ");
                }
                write_value(sink, k);
                sink.push_str(": ");
                write_value(sink, v);
            }
            sink.push('}');
        }
        PyValue::Decimal(text) => {
            sink.push_str("Decimal(");
            write_str_repr(sink, text);
            sink.push(')');
        }
        PyValue::Date { year, month, day } => {
            sink.push_str(&format!("{year:04}-{month:02}-{day:02} (date)"))
        }
        PyValue::TimeDelta {
            days,
            seconds,
            microseconds,
        } => sink.push_str(&format!(
            "{} (timedelta)",
            timedelta_str(*days, *seconds, *microseconds)
        )),
        PyValue::DateTime(dt) => sink.push_str(&datetime_display(dt)),
        PyValue::Exception { class, args } => {
            // Python's repr (`ValueError('boom')`), the module named unless it is builtins.
            sink.push_str(class.strip_prefix("builtins.").unwrap_or(class));
            write_seq(sink, "(", args, ")");
        }
        PyValue::Unsupported { class, preview_hex } => {
            sink.push_str("<unsupported ");
            sink.push_str(class);
            if !preview_hex.is_empty() {
                sink.push_str(": ");
                sink.push_str(preview_hex);
            }
            sink.push('>');
        }
    }
}

fn write_seq(sink: &mut Sink, open: &str, items: &[PyValue], close: &str) {
    sink.push_str(open);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            sink.push_str(", ");
        }
        write_value(sink, item);
    }
    sink.push_str(close);
}

/// Python's choice of quotes: single, unless the text has a single quote and no double one.
fn quote_for(has_single: bool, has_double: bool) -> char {
    if has_single && !has_double { '"' } else { '\'' }
}

fn write_str_repr(sink: &mut Sink, s: &str) {
    let quote = quote_for(s.contains('\''), s.contains('"'));
    sink.push(quote);
    for c in s.chars() {
        match c {
            '\\' => sink.push_str("\\\\"),
            '\n' => sink.push_str("\\n"),
            '\r' => sink.push_str("\\r"),
            '\t' => sink.push_str("\\t"),
            c if c == quote => {
                sink.push('\\');
                sink.push(c);
            }
            c if is_printable(c) => sink.push(c),
            c => {
                let code = u32::from(c);
                if code <= 0xff {
                    sink.push_str(&format!("\\x{code:02x}"));
                } else if code <= 0xffff {
                    sink.push_str(&format!("\\u{code:04x}"));
                } else {
                    sink.push_str(&format!("\\U{code:08x}"));
                }
            }
        }
    }
    sink.push(quote);
}

/// An approximation of Python's `str.isprintable` without a Unicode category table: controls,
/// separators other than the space, and the invisible format characters (bidi overrides,
/// zero-width marks) that could disguise text are escaped.
fn is_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let code = u32::from(c);
    let invisible = matches!(
        code,
        0xad | 0x34f
            | 0x61c
            | 0x115f..=0x1160
            | 0x180b..=0x180f
            | 0x200b..=0x200f
            | 0x202a..=0x202e
            | 0x2060..=0x206f
            | 0xfe00..=0xfe0f
            | 0xfeff
            | 0xfff0..=0xfffb
            | 0xe000..=0xf8ff
            | 0xe0000..=0xe0fff
            | 0xf0000..
    );
    !invisible
}

fn write_bytes_repr(sink: &mut Sink, b: &[u8]) {
    let quote = quote_for(b.contains(&b'\''), b.contains(&b'"'));
    sink.push('b');
    sink.push(quote);
    for &byte in b {
        match byte {
            b'\\' => sink.push_str("\\\\"),
            b'\n' => sink.push_str("\\n"),
            b'\r' => sink.push_str("\\r"),
            b'\t' => sink.push_str("\\t"),
            _ if char::from(byte) == quote => {
                sink.push('\\');
                sink.push(quote);
            }
            0x20..=0x7e => sink.push(char::from(byte)),
            _ => sink.push_str(&format!("\\x{byte:02x}")),
        }
    }
    sink.push(quote);
}

/// Python's `repr(float)`: the shortest text that reads back to the same value, in positional
/// notation for exponents -4..16 and scientific otherwise.
pub fn float_repr(v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if v == 0.0 {
        return if v.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    // Rust's `{:e}` gives the shortest round-trip digits, e.g. "1.5e0", "-1e-7".
    let sci = format!("{v:e}");
    let (mantissa, exp) = sci.split_once('e').expect("{:e} always has an exponent");
    let exp: i32 = exp.parse().expect("{:e} exponent is an integer");
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if (-4..16).contains(&exp) {
        let point = exp + 1;
        if point <= 0 {
            format!("{sign}0.{}{digits}", "0".repeat((-point) as usize))
        } else if (point as usize) >= digits.len() {
            format!(
                "{sign}{digits}{}.0",
                "0".repeat(point as usize - digits.len())
            )
        } else {
            let (int, frac) = digits.split_at(point as usize);
            format!("{sign}{int}.{frac}")
        }
    } else {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{first}{frac}e{esign}{:02}", exp.abs())
    }
}

/// Python's `str(timedelta)`: `-1 day, 23:59:59`, `2 days, 0:00:00.000005`.
pub fn timedelta_str(days: i64, seconds: i64, microseconds: i64) -> String {
    let clock = format!(
        "{}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    );
    let clock = if microseconds != 0 {
        format!("{clock}.{microseconds:06}")
    } else {
        clock
    };
    match days {
        0 => clock,
        1 | -1 => format!("{days} day, {clock}"),
        _ => format!("{days} days, {clock}"),
    }
}

/// Python's `isoformat()` of the datetime: wall time, microseconds when non-zero, and the
/// offset when it is known.
pub fn datetime_iso(dt: &PyDateTime, separator: char) -> String {
    let mut out = format!(
        "{:04}-{:02}-{:02}{separator}{:02}:{:02}:{:02}",
        dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second
    );
    if dt.microsecond != 0 {
        let _ = write!(out, ".{:06}", dt.microsecond);
    }
    if let Some(offset) = dt.utc_offset_seconds() {
        out.push_str(&format_offset(offset));
    } else if let Some(PyTz::FixedMicros {
        offset_microseconds,
        ..
    }) = &dt.tz
    {
        out.push_str(&super::time::format_offset_micros(*offset_microseconds));
    }
    out
}

fn datetime_display(dt: &PyDateTime) -> String {
    let iso = datetime_iso(dt, ' ');
    let fold = if dt.fold { ", fold=1" } else { "" };
    match (&dt.tz, dt.utc_offset_seconds()) {
        (None, _) => format!("{iso} (naive, no time zone{fold})"),
        (Some(PyTz::FixedMicros { .. }), _) => {
            format!("{iso} ({}{fold})", dt.zone_label().unwrap_or_default())
        }
        (Some(PyTz::Other { class }), _) => {
            format!("{iso} (time zone {class}, not understood: offset unknown{fold})")
        }
        (Some(_), None) => format!(
            "{iso} ({}: not in this system's tz database, offset unknown{fold})",
            dt.zone_label().unwrap_or_default()
        ),
        (Some(_), Some(_)) => format!("{iso} ({}{fold})", dt.zone_label().unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_traceback_reads_as_its_lines_bounded_and_escaped() {
        let tb = PyValue::Str(
            "Traceback (most recent call last):\n  File \"x.py\", line 3\nValueError: \x1b[31mboom\n".into(),
        );
        assert_eq!(
            tb.to_readable_text(40, 1500),
            "Traceback (most recent call last):\n  File \"x.py\", line 3\nValueError: \\x1b[31mboom"
        );
        let long = PyValue::Str((0..50).map(|i| format!("line {i}\n")).collect());
        let shown = long.to_readable_text(3, 1500);
        assert_eq!(shown, "line 0\nline 1\nline 2\n… (47 more lines)");
        assert_eq!(PyValue::Int(3).to_readable_text(3, 100), "3");
    }
    use super::*;

    #[test]
    fn floats_print_like_python() {
        for (v, want) in [
            (1.5, "1.5"),
            (0.1, "0.1"),
            (3.0, "3.0"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.5e-7, "-2.5e-07"),
            (123456789.125, "123456789.125"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (f64::NEG_INFINITY, "-inf"),
            (-0.0, "-0.0"),
        ] {
            assert_eq!(float_repr(v), want, "{v:?}");
        }
    }

    #[test]
    fn strings_and_bytes_print_like_python() {
        let s = |t: &str| PyValue::Str(t.into()).to_display();
        assert_eq!(s("pong"), "'pong'");
        assert_eq!(s("it's"), "\"it's\"");
        assert_eq!(s("'\""), "'\\'\"'");
        assert_eq!(
            s("a\u{0}\u{7f}\u{a0}\u{202e}é🚀"),
            "'a\\x00\\x7f\\xa0\\u202eé🚀'"
        );
        assert_eq!(
            PyValue::Bytes(vec![0, b'\'', 0xff, b'a']).to_display(),
            "b\"\\x00'\\xffa\""
        );
        assert_eq!(PyValue::Tuple(vec![PyValue::Int(1)]).to_display(), "(1,)");
        assert_eq!(PyValue::Set(vec![]).to_display(), "set()");
        assert_eq!(
            PyValue::Decimal("12.340".into()).to_display(),
            "Decimal('12.340')"
        );
        assert_eq!(timedelta_str(-1, 86_399, 0), "-1 day, 23:59:59");
        assert_eq!(timedelta_str(2, 3661, 5), "2 days, 1:01:01.000005");
    }

    #[test]
    fn long_values_are_truncated_with_a_count() {
        let shown = PyValue::Str("x".repeat(5000)).to_display_limited(10);
        assert_eq!(shown, "'xxxxxxxxx… (4992 more chars)");
    }
}
