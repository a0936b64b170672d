//! Python (also the code lines of `pycon` sessions).

use super::{Tok, is_ident, is_ident_start, number_len, open, push_tok, scan_while};
use crate::render::escape::escape_into;

/// A triple-quoted string left open by an earlier line.
#[derive(Clone, Copy)]
struct OpenString {
    quote: u8,
    raw: bool,
    format: bool,
}

#[derive(Default)]
pub(crate) struct Python {
    open: Option<OpenString>,
}

const KEYWORDS: &[&str] = &[
    "if", "elif", "else", "for", "while", "break", "continue", "return", "pass", "raise", "try",
    "except", "finally", "with", "as", "import", "from", "yield", "await", "async", "in", "not",
    "and", "or", "is", "global", "nonlocal", "del", "assert", "match", "case",
];

const BUILTINS: &[&str] = &[
    "print",
    "len",
    "range",
    "str",
    "int",
    "float",
    "bool",
    "dict",
    "list",
    "set",
    "tuple",
    "open",
    "isinstance",
    "super",
    "repr",
    "type",
    "sorted",
    "min",
    "max",
    "sum",
    "any",
    "all",
    "enumerate",
    "zip",
    "map",
    "filter",
    "getattr",
    "setattr",
    "hasattr",
    "iter",
    "next",
    "bytes",
    "round",
    "abs",
    "format",
    "input",
    "id",
    "hash",
    "vars",
    "object",
    "Exception",
    "ValueError",
    "KeyError",
    "TypeError",
    "RuntimeError",
    "OSError",
    "TimeoutError",
];

impl Python {
    pub(crate) fn line(&mut self, body: &str, out: &mut String) {
        let b = body.as_bytes();
        let mut i = 0;
        if let Some(s) = self.open.take() {
            open(out, Tok::String);
            i = self.string_body(body, 0, s, true, out);
        }
        let mut plain = i;
        // What the previous word asks of the next identifier.
        let mut after: Option<Tok> = None;
        let indent = scan_while(b, 0, |c| c == b' ' || c == b'\t');
        while i < b.len() {
            let c = b[i];
            let start = i;
            let tok_end: usize;
            if c == b'#' {
                escape_into(out, &body[plain..i]);
                push_tok(out, Tok::Comment, &body[i..]);
                return;
            } else if let Some((prefix_len, s)) = string_start(b, i) {
                escape_into(out, &body[plain..i]);
                open(out, Tok::String);
                let triple = i + prefix_len + 2 < b.len()
                    && b[i + prefix_len + 1] == s.quote
                    && b[i + prefix_len + 2] == s.quote;
                let quote_len = if triple { 3 } else { 1 };
                let content = i + prefix_len + quote_len;
                escape_into(out, &body[i..content]);
                i = self.string_body(body, content, s, triple, out);
                plain = i;
                after = None;
                continue;
            } else if is_ident_start(c) {
                let end = scan_while(b, i, is_ident);
                let word = &body[i..end];
                let next = scan_while(b, end, |x| x == b' ');
                let call = b.get(next) == Some(&b'(');
                let tok = match (after.take(), word) {
                    (Some(t), _) => Some(t),
                    (None, "def" | "class" | "lambda") => {
                        after = match word {
                            "def" => Some(Tok::FunctionName),
                            "class" => Some(Tok::ClassName),
                            _ => None,
                        };
                        Some(Tok::Storage)
                    }
                    (None, "True" | "False" | "None" | "Ellipsis" | "NotImplemented") => {
                        Some(Tok::Constant)
                    }
                    (None, "self" | "cls") => Some(Tok::SelfVar),
                    (None, w) if KEYWORDS.contains(&w) => {
                        Some(if matches!(w, "and" | "or" | "not" | "is" | "in") {
                            Tok::Operator
                        } else {
                            Tok::Keyword
                        })
                    }
                    (None, w) if BUILTINS.contains(&w) && (call || w.ends_with("Error")) => {
                        Some(Tok::Builtin)
                    }
                    (None, _) if call => Some(Tok::Call),
                    _ => None,
                };
                if let Some(t) = tok {
                    escape_into(out, &body[plain..start]);
                    push_tok(out, t, word);
                    plain = end;
                }
                i = end;
                continue;
            } else if c == b'@' && i == indent {
                let end = scan_while(b, i + 1, |x| is_ident(x) || x == b'.');
                tok_end = end;
                escape_into(out, &body[plain..start]);
                push_tok(out, Tok::Decorator, &body[start..tok_end]);
            } else if c.is_ascii_digit() || (c == b'.' && number_len(b, i) > 0) {
                let n = number_len(b, i);
                tok_end = i + n.max(1);
                escape_into(out, &body[plain..start]);
                push_tok(out, Tok::Number, &body[start..tok_end]);
            } else if b"=+-*/%<>!&|^~:".contains(&c) {
                let end = if c == b':' {
                    if b.get(i + 1) != Some(&b'=') {
                        // A lone `:` (block, slice, annotation) is punctuation, left plain.
                        i += 1;
                        continue;
                    }
                    i + 2
                } else {
                    scan_while(b, i, |x| b"=+-*/%<>!&|^~".contains(&x))
                };
                tok_end = end;
                escape_into(out, &body[plain..start]);
                push_tok(out, Tok::Operator, &body[start..tok_end]);
            } else {
                i += 1;
                continue;
            }
            i = tok_end;
            plain = i;
        }
        escape_into(out, &body[plain..]);
    }

    /// Scans a string's content from `i`, inside its open span, up to and including the
    /// closing quote; closes the span. A triple-quoted string still open at the end of the
    /// line is remembered for the next.
    fn string_body(
        &mut self,
        body: &str,
        mut i: usize,
        s: OpenString,
        triple: bool,
        out: &mut String,
    ) -> usize {
        let b = body.as_bytes();
        let mut plain = i;
        while i < b.len() {
            let c = b[i];
            if c == s.quote
                && (!triple || (b.get(i + 1) == Some(&s.quote) && b.get(i + 2) == Some(&s.quote)))
            {
                let end = i + if triple { 3 } else { 1 };
                escape_into(out, &body[plain..end]);
                out.push_str("</span>");
                return end;
            }
            if c == b'\\' && i + 1 < b.len() && b[i + 1].is_ascii() {
                if s.raw {
                    i += 2;
                    continue;
                }
                escape_into(out, &body[plain..i]);
                push_tok(out, Tok::Escape, &body[i..i + 2]);
                i += 2;
                plain = i;
            } else if s.format && c == b'{' {
                if b.get(i + 1) == Some(&b'{') {
                    i += 2;
                    continue;
                }
                // The replacement field runs to its `}` (or the end of the string/line).
                let mut end = i + 1;
                while end < b.len() && b[end] != b'}' && b[end] != s.quote {
                    end += 1;
                }
                if end < b.len() && b[end] == b'}' {
                    end += 1;
                }
                escape_into(out, &body[plain..i]);
                push_tok(out, Tok::Interpolation, &body[i..end]);
                i = end;
                plain = i;
            } else {
                i += 1;
            }
        }
        escape_into(out, &body[plain..]);
        out.push_str("</span>");
        if triple {
            self.open = Some(s);
        }
        b.len()
    }
}

/// If a string literal starts at `i` (with its `r`/`b`/`f`/`u` prefix), the prefix length and
/// its kind.
fn string_start(b: &[u8], i: usize) -> Option<(usize, OpenString)> {
    if i > 0 && is_ident(b[i - 1]) {
        return None;
    }
    let prefix = scan_while(b, i, |c| {
        matches!(c, b'r' | b'R' | b'b' | b'B' | b'f' | b'F' | b'u' | b'U')
    });
    if prefix - i > 2 {
        return None;
    }
    let quote = *b.get(prefix)?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let p = &b[i..prefix];
    Some((
        prefix - i,
        OpenString {
            quote,
            raw: p.iter().any(|c| c.eq_ignore_ascii_case(&b'r')),
            format: p.iter().any(|c| c.eq_ignore_ascii_case(&b'f')),
        },
    ))
}
