//! INI-style configuration: `.ini`, `.cfg`, systemd units, `.properties`. Stateless.

use super::{Tok, number_len, push_tok, scan_while};
use crate::render::escape::escape_into;

pub(crate) fn line(body: &str, out: &mut String) {
    let b = body.as_bytes();
    let i = scan_while(b, 0, |c| c == b' ' || c == b'\t');
    escape_into(out, &body[..i]);
    match b.get(i) {
        None => {}
        Some(b'#' | b';') => push_tok(out, Tok::Comment, &body[i..]),
        Some(b'[') => {
            let close = b[i..].iter().position(|&c| c == b']').map(|p| i + p);
            push_tok(out, Tok::Punctuation, "[");
            match close {
                Some(close) => {
                    push_tok(out, Tok::Section, &body[i + 1..close]);
                    push_tok(out, Tok::Punctuation, "]");
                    value(body, close + 1, out);
                }
                None => push_tok(out, Tok::Section, &body[i + 1..]),
            }
        }
        Some(_) if i > 0 => value(body, i, out),
        Some(_) => match b.iter().position(|&c| c == b'=' || c == b':') {
            Some(sep) => {
                let key_end = b[..sep]
                    .iter()
                    .rposition(|&c| c != b' ' && c != b'\t')
                    .map_or(i, |p| p + 1);
                // `key_end` follows a non-blank ASCII byte or ends a UTF-8 sequence.
                let key_end = (key_end..=sep)
                    .find(|&k| body.is_char_boundary(k))
                    .unwrap_or(sep);
                push_tok(out, Tok::IniKey, &body[i..key_end]);
                escape_into(out, &body[key_end..sep]);
                push_tok(out, Tok::Punctuation, &body[sep..sep + 1]);
                value(body, sep + 1, out);
            }
            None => escape_into(out, &body[i..]),
        },
    }
}

/// A value: quoted strings, numbers, booleans, trailing comments; the rest plain.
fn value(body: &str, from: usize, out: &mut String) {
    let b = body.as_bytes();
    let start = scan_while(b, from, |c| c == b' ' || c == b'\t');
    escape_into(out, &body[from..start]);
    let rest = &body[start..];
    if rest.is_empty() {
        return;
    }
    let comment = rest
        .find(" #")
        .or_else(|| rest.find(" ;"))
        .map_or(rest.len(), |p| p + 1);
    let (val, comment) = rest.split_at(comment);
    let trimmed = val.trim_end_matches([' ', '\t']);
    let vb = trimmed.as_bytes();
    let quoted = vb.len() >= 2 && matches!(vb[0], b'"' | b'\'') && vb[vb.len() - 1] == vb[0];
    let lower = trimmed.to_ascii_lowercase();
    let tok = if quoted {
        Some(Tok::String)
    } else if matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off"
    ) {
        Some(Tok::Constant)
    } else if !vb.is_empty() && number_len(vb, 0) == vb.len() {
        Some(Tok::Number)
    } else {
        None
    };
    match tok {
        Some(tok) => push_tok(out, tok, trimmed),
        None => escape_into(out, trimmed),
    }
    escape_into(out, &val[trimmed.len()..]);
    push_tok(out, Tok::Comment, comment);
}
