//! TOML.

use super::{Tok, number_len, open, push_tok, scan_while};
use crate::render::escape::escape_into;

/// A multi-line string (`"""` or `'''`) left open by an earlier line.
#[derive(Default)]
pub(crate) struct Toml {
    open: Option<u8>,
}

fn is_bare_key(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

impl Toml {
    pub(crate) fn line(&mut self, body: &str, out: &mut String) {
        let b = body.as_bytes();
        let mut i = 0;
        if let Some(q) = self.open.take() {
            open(out, Tok::String);
            i = self.string_body(body, 0, q, true, out);
        }
        let first = scan_while(b, i, |c| c == b' ' || c == b'\t');
        if i == 0 && first < b.len() && b[first] == b'[' {
            escape_into(out, &body[..first]);
            i = table_header(body, first, out);
        }
        let mut plain = i;
        // Everything before this `=` is a key (found once per key, keeping the scan linear).
        // Likewise, a key chain that turned out not to be one needs no second look.
        let (mut key_until, mut not_key_until) = (0, 0);
        let mut is_key = |i: usize| {
            if i < key_until {
                return true;
            }
            if i < not_key_until {
                return false;
            }
            match key_end(b, i) {
                Ok(eq) => {
                    key_until = eq;
                    true
                }
                Err(end) => {
                    not_key_until = end;
                    false
                }
            }
        };
        while i < b.len() {
            let c = b[i];
            let start = i;
            match c {
                b'#' => {
                    escape_into(out, &body[plain..i]);
                    push_tok(out, Tok::Comment, &body[i..]);
                    return;
                }
                b'"' | b'\'' => {
                    escape_into(out, &body[plain..i]);
                    let key = is_key(i);
                    let triple = !key && b.get(i + 1) == Some(&c) && b.get(i + 2) == Some(&c);
                    let q = if triple { 3 } else { 1 };
                    open(out, if key { Tok::Key } else { Tok::String });
                    escape_into(out, &body[i..i + q]);
                    i = self.string_body(body, i + q, c, triple, out);
                }
                b'=' => {
                    escape_into(out, &body[plain..i]);
                    push_tok(out, Tok::Punctuation, "=");
                    i += 1;
                }
                _ if is_bare_key(c) || (matches!(c, b'+' | b'.') && number_len(b, i) > 0) => {
                    let end = scan_while(b, i, |x| is_bare_key(x) || b"+.:".contains(&x));
                    let word = &body[i..end];
                    let tok = if is_bare_key(c) && is_key(i) {
                        // A (possibly dotted) key: colour the names, not the dots.
                        let end = scan_while(b, i, is_bare_key);
                        escape_into(out, &body[plain..i]);
                        push_tok(out, Tok::Key, &body[i..end]);
                        i = end;
                        plain = i;
                        continue;
                    } else if matches!(word, "true" | "false") {
                        Some(Tok::Constant)
                    } else if matches!(word, "inf" | "nan" | "+inf" | "-inf" | "+nan" | "-nan")
                        || number_len(b, i) > 0
                    {
                        Some(Tok::Number)
                    } else {
                        None
                    };
                    if let Some(tok) = tok {
                        // Dates and times (`1979-05-27T07:32:00Z`) are one number token.
                        let end = if tok == Tok::Number {
                            scan_while(b, i, |x| is_bare_key(x) || b"+.:".contains(&x))
                        } else {
                            end
                        };
                        escape_into(out, &body[plain..i]);
                        push_tok(out, tok, &body[start..end]);
                        plain = end;
                    }
                    i = end.max(start + 1);
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

    /// Scans a string's content from `i` inside its open span, through the closing quote;
    /// closes the span. An open multi-line string is remembered for the next line.
    fn string_body(
        &mut self,
        body: &str,
        mut i: usize,
        q: u8,
        triple: bool,
        out: &mut String,
    ) -> usize {
        let b = body.as_bytes();
        let mut plain = i;
        while i < b.len() {
            let c = b[i];
            if c == q && (!triple || (b.get(i + 1) == Some(&q) && b.get(i + 2) == Some(&q))) {
                let end = i + if triple { 3 } else { 1 };
                escape_into(out, &body[plain..end]);
                out.push_str("</span>");
                return end;
            }
            if q == b'"' && c == b'\\' && i + 1 < b.len() && b[i + 1].is_ascii() {
                escape_into(out, &body[plain..i]);
                push_tok(out, Tok::Escape, &body[i..i + 2]);
                i += 2;
                plain = i;
            } else {
                i += 1;
            }
        }
        escape_into(out, &body[plain..]);
        out.push_str("</span>");
        if triple {
            self.open = Some(q);
        }
        b.len()
    }
}

/// If a key (bare, quoted or dotted) starts at `i` and is followed by `=`: `Ok` with where
/// the `=` is; otherwise `Err` with where the would-be key chain ends.
fn key_end(b: &[u8], mut i: usize) -> Result<usize, usize> {
    loop {
        match b.get(i) {
            Some(q @ (b'"' | b'\'')) => match b[i + 1..].iter().position(|c| c == q) {
                Some(close) => i += close + 2,
                None => return Err(b.len()),
            },
            Some(c) if is_bare_key(*c) => i = scan_while(b, i, is_bare_key),
            _ => return Err(i + 1),
        }
        i = scan_while(b, i, |c| c == b' ' || c == b'\t');
        match b.get(i) {
            Some(b'=') => return Ok(i),
            Some(b'.') => i = scan_while(b, i + 1, |c| c == b' ' || c == b'\t'),
            _ => return Err(i + 1),
        }
    }
}

/// `[table]` / `[[array.of.tables]]` at `i`; returns where the header ends.
fn table_header(body: &str, i: usize, out: &mut String) -> usize {
    let b = body.as_bytes();
    let open_end = scan_while(b, i, |c| c == b'[').min(i + 2);
    push_tok(out, Tok::Punctuation, &body[i..open_end]);
    let mut j = open_end;
    let mut plain = j;
    while j < b.len() && b[j] != b']' && b[j] != b'#' {
        match b[j] {
            q @ (b'"' | b'\'') => {
                let end = b[j + 1..]
                    .iter()
                    .position(|&c| c == q)
                    .map_or(b.len(), |p| j + p + 2);
                escape_into(out, &body[plain..j]);
                push_tok(out, Tok::Table, &body[j..end]);
                j = end;
                plain = j;
            }
            c if is_bare_key(c) => {
                let end = scan_while(b, j, is_bare_key);
                escape_into(out, &body[plain..j]);
                push_tok(out, Tok::Table, &body[j..end]);
                j = end;
                plain = j;
            }
            _ => j += 1,
        }
    }
    escape_into(out, &body[plain..j]);
    let close_end = scan_while(b, j, |c| c == b']').min(j + 2);
    push_tok(out, Tok::Punctuation, &body[j..close_end]);
    close_end
}
