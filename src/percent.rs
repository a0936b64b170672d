//! The one percent-decoder (and the query-value encoder), on the `percent-encoding` crate.
//!
//! Two readings of the same `%XX` rules, because the callers want different things from
//! bad input:
//! - [`decode_lossy`] for text written by authors (link targets, anchors, secrets found in
//!   URLs): a malformed escape is kept as written and bytes that are not UTF-8 become
//!   U+FFFD, so a typo never loses the rest of the link;
//! - [`decode_strict`] for request paths from the network: a malformed escape or a result
//!   that is not UTF-8 is refused (`None`), never guessed at.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// Decodes `%XX` escapes; malformed escapes are kept as written, invalid UTF-8 is replaced.
pub(crate) fn decode_lossy(s: &str) -> Cow<'_, str> {
    percent_decode_str(s).decode_utf8_lossy()
}

/// Decodes `%XX` escapes; `None` when an escape is malformed (`%zz`, a truncated `%4`) or
/// the decoded bytes are not UTF-8.
pub(crate) fn decode_strict(s: &str) -> Option<Cow<'_, str>> {
    if !escapes_well_formed(s) {
        return None;
    }
    percent_decode_str(s).decode_utf8().ok()
}

/// Whether every `%` starts a two-hex-digit escape (the crate keeps malformed ones as
/// literal text, which a strict reader must refuse instead).
fn escapes_well_formed(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().all(|(i, &c)| {
        c != b'%'
            || (b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    })
}

/// What a query value keeps readable: RFC 3986 unreserved characters and `/` (page paths).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// What one path segment keeps readable: unreserved characters only.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment (UTF-8): `/`, `?`, `#` and `%` cannot leak out of it.
pub(crate) fn encode_path_segment(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// Percent-encodes a query value (UTF-8), keeping `/` readable.
pub(crate) fn encode_query_value(s: &str) -> String {
    utf8_percent_encode(s, QUERY_VALUE).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lossy_keeps_bad_escapes_as_written() {
        assert_eq!(decode_lossy("a%20b%zz%4"), "a b%zz%4");
        assert_eq!(decode_lossy("%C3%BC"), "ü");
        assert_eq!(decode_lossy("%"), "%");
        assert_eq!(decode_lossy("100%"), "100%");
        assert_eq!(decode_lossy("%2"), "%2");
        // Lone continuation byte and a truncated two-byte sequence: replaced, not dropped.
        assert_eq!(decode_lossy("a%80b"), "a\u{FFFD}b");
        assert_eq!(decode_lossy("%C3"), "\u{FFFD}");
        assert!(matches!(decode_lossy("plain"), Cow::Borrowed("plain")));
    }

    #[test]
    fn strict_refuses_bad_escapes_and_non_utf8() {
        assert_eq!(decode_strict("/a%20b").as_deref(), Some("/a b"));
        assert_eq!(decode_strict("%c3%bc").as_deref(), Some("ü"));
        assert_eq!(decode_strict("%2e%2E").as_deref(), Some(".."));
        for bad in [
            "%zz", "a%4", "%", "%4g", "%g4", "%C3", "%80", "%FF%FE", "x%",
        ] {
            assert_eq!(decode_strict(bad), None, "{bad}");
        }
        // Non-ASCII written as is (not escaped) is fine: the path is already UTF-8.
        assert_eq!(decode_strict("/ü").as_deref(), Some("/ü"));
    }

    #[test]
    fn query_values() {
        assert_eq!(encode_query_value("ops/A B.md"), "ops/A%20B.md");
        assert_eq!(encode_query_value("a&b=c?#"), "a%26b%3Dc%3F%23");
        assert_eq!(encode_query_value("ü~_-."), "%C3%BC~_-.");
    }
}
