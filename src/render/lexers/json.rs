//! JSON (and the comments some JSON-ish configs allow). Stateless: JSON strings cannot span
//! lines.

use super::{Tok, number_len, open, push_tok, scan_while};
use crate::render::escape::escape_into;

pub(crate) fn line(body: &str, out: &mut String) {
    let b = body.as_bytes();
    let mut i = 0;
    let mut plain = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        match c {
            b'"' => {
                escape_into(out, &body[plain..i]);
                let end = string(body, i, out);
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                escape_into(out, &body[plain..i]);
                push_tok(out, Tok::Comment, &body[i..]);
                return;
            }
            b'{' | b'}' | b'[' | b']' | b':' | b',' => {
                escape_into(out, &body[plain..i]);
                push_tok(out, Tok::Punctuation, &body[i..i + 1]);
                i += 1;
            }
            b'-' | b'0'..=b'9' if number_len(b, i) > 0 => {
                escape_into(out, &body[plain..i]);
                let end = i + number_len(b, i);
                push_tok(out, Tok::Number, &body[start..end]);
                i = end;
            }
            b'a'..=b'z' => {
                let end = scan_while(b, i, |x| x.is_ascii_alphabetic());
                if matches!(&body[i..end], "true" | "false" | "null") {
                    escape_into(out, &body[plain..i]);
                    push_tok(out, Tok::Constant, &body[i..end]);
                    plain = end;
                }
                i = end;
                continue;
            }
            _ => {
                i += 1;
                continue;
            }
        }
        plain = i;
    }
    escape_into(out, &body[plain..]);
}

/// A string at `i`: a key if a `:` follows it. Returns where it ends.
fn string(body: &str, i: usize, out: &mut String) -> usize {
    let b = body.as_bytes();
    let mut end = i + 1;
    while end < b.len() && b[end] != b'"' {
        end += if b[end] == b'\\' && end + 1 < b.len() && b[end + 1].is_ascii() {
            2
        } else {
            1
        };
    }
    let end = (end + 1).min(b.len());
    let after = scan_while(b, end, |c| c == b' ' || c == b'\t');
    let tok = if b.get(after) == Some(&b':') {
        Tok::Key
    } else {
        Tok::String
    };
    open(out, tok);
    let mut plain = i;
    let mut j = i + 1;
    while j < end {
        if b[j] == b'\\' && j + 1 < end && b[j + 1].is_ascii() {
            escape_into(out, &body[plain..j]);
            let len = if b[j + 1] == b'u' {
                2 + scan_while(b, j + 2, |c| c.is_ascii_hexdigit()).min(j + 6) - (j + 2)
            } else {
                2
            };
            push_tok(out, Tok::Escape, &body[j..j + len]);
            j += len;
            plain = j;
        } else {
            j += 1;
        }
    }
    escape_into(out, &body[plain..end]);
    out.push_str("</span>");
    end
}
