//! YAML.

use super::{Tok, number_len, push_tok, scan_while};
use crate::render::escape::escape_into;

#[derive(Default)]
pub(crate) struct Yaml {
    /// Inside a block scalar (`|`, `>`) whose parent line had this indentation: lines
    /// indented deeper (and blank lines) are its text.
    block_parent: Option<usize>,
}

impl Yaml {
    pub(crate) fn line(&mut self, body: &str, out: &mut String) {
        let b = body.as_bytes();
        let indent = scan_while(b, 0, |c| c == b' ');
        if let Some(parent) = self.block_parent {
            if indent == b.len() || indent > parent {
                escape_into(out, &body[..indent]);
                push_tok(out, Tok::String, &body[indent..]);
                return;
            }
            self.block_parent = None;
        }
        let mut i = indent;
        escape_into(out, &body[..i]);
        if body[i..].starts_with("---") || body[i..].starts_with("...") {
            let end = i + 3;
            if end == b.len() || b[end] == b' ' {
                push_tok(out, Tok::Punctuation, &body[i..end]);
                i = end;
            }
        }
        // Sequence dashes: `- - key: v`.
        while i < b.len() && b[i] == b'-' && matches!(b.get(i + 1), None | Some(b' ')) {
            push_tok(out, Tok::Punctuation, "-");
            let next = scan_while(b, i + 1, |c| c == b' ');
            escape_into(out, &body[i + 1..next]);
            i = next;
        }
        if let Some(colon) = (i < b.len() && b[i] != b'#')
            .then(|| key_colon(b, i))
            .flatten()
        {
            push_tok(out, Tok::Key, &body[i..colon]);
            push_tok(out, Tok::Punctuation, ":");
            i = colon + 1;
        }
        self.value(body, i, indent, out);
    }

    /// The rest of the line after any key: a scalar, a flow collection, a comment.
    fn value(&mut self, body: &str, mut i: usize, indent: usize, out: &mut String) {
        let b = body.as_bytes();
        let mut plain = i;
        while i < b.len() {
            let c = b[i];
            let start = i;
            let at_word = i == 0 || matches!(b[i - 1], b' ' | b'\t' | b'[' | b'{' | b',');
            let end = match c {
                b' ' | b'\t' | b',' | b'[' | b']' | b'{' | b'}' => {
                    i += 1;
                    continue;
                }
                b'#' if at_word => {
                    escape_into(out, &body[plain..i]);
                    push_tok(out, Tok::Comment, &body[i..]);
                    return;
                }
                b'"' | b'\'' if at_word => quoted_end(b, i),
                b'&' | b'*' | b'!' if at_word => {
                    scan_while(b, i, |x| !matches!(x, b' ' | b',' | b']' | b'}'))
                }
                b'|' | b'>' if at_word => {
                    let end =
                        scan_while(b, i + 1, |x| matches!(x, b'-' | b'+') || x.is_ascii_digit());
                    let rest = scan_while(b, end, |x| x == b' ');
                    if rest == b.len() || b[rest] == b'#' {
                        self.block_parent = Some(indent);
                    }
                    end
                }
                _ if at_word => scan_scalar(b, i),
                _ => {
                    i += 1;
                    continue;
                }
            };
            let text = &body[start..end];
            let tok = match c {
                b'"' | b'\'' => Tok::String,
                b'&' | b'*' => Tok::Variable,
                b'!' => Tok::Tag,
                b'|' | b'>' => Tok::Operator,
                _ if matches!(
                    text,
                    "true"
                        | "false"
                        | "True"
                        | "False"
                        | "null"
                        | "Null"
                        | "~"
                        | "yes"
                        | "no"
                        | "on"
                        | "off"
                ) =>
                {
                    Tok::Constant
                }
                _ if number_len(b, start) == text.len() => Tok::Number,
                _ => Tok::String,
            };
            escape_into(out, &body[plain..start]);
            // In a flow mapping (`{a: 1}`), `a:` is a key.
            if tok == Tok::String && c != b'"' && c != b'\'' && b.get(end) == Some(&b':') {
                push_tok(out, Tok::Key, text);
            } else {
                push_tok(out, tok, text);
            }
            i = end.max(start + 1);
            plain = i;
        }
        escape_into(out, &body[plain..]);
    }
}

/// End of a quoted scalar starting at `i` (the line end if it is not closed on this line).
fn quoted_end(b: &[u8], i: usize) -> usize {
    let q = b[i];
    let mut j = i + 1;
    while j < b.len() {
        if q == b'"' && b[j] == b'\\' && j + 1 < b.len() && b[j + 1].is_ascii() {
            j += 2;
            continue;
        }
        if b[j] == q {
            if q == b'\'' && b.get(j + 1) == Some(&b'\'') {
                j += 2;
                continue;
            }
            return j + 1;
        }
        j += 1;
    }
    b.len()
}

/// End of a plain scalar at `i`: up to ` #`, a `: ` or a flow indicator in a flow context,
/// or the line end. Trailing spaces are left out.
fn scan_scalar(b: &[u8], i: usize) -> usize {
    let mut j = i;
    let mut last = i;
    while j < b.len() {
        let c = b[j];
        if c == b'#' && j > i && matches!(b[j - 1], b' ' | b'\t') {
            break;
        }
        if c == b':' && matches!(b.get(j + 1), None | Some(b' ' | b',' | b']' | b'}')) {
            break;
        }
        if matches!(c, b',' | b']' | b'}') {
            break;
        }
        if c != b' ' && c != b'\t' {
            last = j + 1;
        }
        j += 1;
    }
    // `last` follows an ASCII byte or ends a non-ASCII run that `j` walked over whole.
    while last < b.len() && !b[last].is_ascii() {
        last += 1;
    }
    last.max(i + 1).min(b.len())
}

/// If a mapping key starts at `i`, where its `:` is: a quoted or plain key followed by `:`
/// and a space or the line end.
fn key_colon(b: &[u8], i: usize) -> Option<usize> {
    let end = match b[i] {
        b'"' | b'\'' => quoted_end(b, i),
        b'[' | b'{' | b'|' | b'>' | b'&' | b'*' | b'!' => return None,
        _ => {
            let mut j = i;
            loop {
                if j >= b.len() {
                    return None;
                }
                if b[j] == b':' && matches!(b.get(j + 1), None | Some(b' ' | b'\t')) {
                    break j;
                }
                if b[j] == b'#' && j > i && b[j - 1] == b' ' {
                    return None;
                }
                j += 1;
            }
        }
    };
    let colon = scan_while(b, end, |c| c == b' ');
    (b.get(colon) == Some(&b':') && matches!(b.get(colon + 1), None | Some(b' ' | b'\t')))
        .then_some(colon)
}
