//! Shell (bash/sh/zsh, and the commands of `console` sessions).

use super::{Tok, is_ident, is_ident_start, open, push_tok, scan_while};
use crate::render::escape::escape_into;

/// What an earlier line left open.
#[derive(Default)]
pub(crate) struct Shell {
    /// Inside a quoted string that started on an earlier line.
    quote: Option<u8>,
    /// Inside a heredoc body ending at this delimiter line.
    heredoc: Option<String>,
}

const KEYWORDS: &[&str] = &[
    "if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case", "esac",
    "in", "function", "select", "time", "coproc",
];

const BUILTINS: &[&str] = &[
    "echo", "cd", "export", "exit", "return", "set", "unset", "source", "local", "read", "printf",
    "test", "eval", "exec", "trap", "shift", "alias", "true", "false", "readonly", "declare",
    "wait", "kill", "pwd", "umask", "ulimit", "type", "command", "builtin", "let", "break",
    "continue", "getopts", "hash", "jobs", "bg", "fg", "disown", "typeset", ".",
];

/// Bytes that end an unquoted word.
fn ends_word(c: u8) -> bool {
    matches!(
        c,
        b' ' | b'\t' | b';' | b'|' | b'&' | b'<' | b'>' | b'(' | b')' | b'\'' | b'"' | b'`' | b'$'
    )
}

impl Shell {
    pub(crate) fn line(&mut self, body: &str, out: &mut String) {
        if let Some(delim) = &self.heredoc {
            let done = body.trim_start_matches('\t') == delim;
            if done {
                self.heredoc = None;
                push_tok(out, Tok::Keyword, body);
            } else {
                push_tok(out, Tok::String, body);
            }
            return;
        }
        let b = body.as_bytes();
        let mut i = 0;
        if let Some(q) = self.quote.take() {
            i = self.string_rest(body, 0, q, out);
        }
        // Whether the next word is in command position (not after a string's last line).
        let mut command = i == 0;
        let mut plain = i;
        while i < b.len() {
            let c = b[i];
            let flush =
                |out: &mut String, plain: usize, i: usize| escape_into(out, &body[plain..i]);
            match c {
                b' ' | b'\t' => {
                    i += 1;
                    continue;
                }
                b'#' if i == 0 || matches!(b[i - 1], b' ' | b'\t' | b';') => {
                    flush(out, plain, i);
                    push_tok(out, Tok::Comment, &body[i..]);
                    return;
                }
                b'\'' | b'"' => {
                    flush(out, plain, i);
                    // `VAR="x" cmd`: an assignment's value keeps the command position.
                    command &= i > 0 && b[i - 1] == b'=';
                    i = self.string(body, i, out);
                }
                b'`' => {
                    flush(out, plain, i);
                    push_tok(out, Tok::Punctuation, "`");
                    i += 1;
                    command = true;
                }
                b'$' => {
                    flush(out, plain, i);
                    let end = variable_end(b, i);
                    if end > i + 1 && b[i + 1] == b'(' {
                        push_tok(out, Tok::Punctuation, &body[i..end]);
                        command = true;
                    } else {
                        push_tok(out, Tok::Variable, &body[i..end]);
                        command &= i > 0 && b[i - 1] == b'=';
                    }
                    i = end;
                }
                b';' | b'|' | b'&' | b'(' | b')' | b'<' | b'>' | b'!' | b'{' | b'}' => {
                    flush(out, plain, i);
                    let end = if c == b'(' || c == b')' || c == b'{' || c == b'}' {
                        i + 1
                    } else {
                        scan_while(b, i, |x| {
                            matches!(x, b';' | b'|' | b'&' | b'<' | b'>' | b'!')
                        })
                    };
                    // `2>&1`, `>&-`: the fd belongs to the redirection.
                    let end = if matches!(c, b'<' | b'>') {
                        scan_while(b, end, |x| x.is_ascii_digit() || x == b'-')
                    } else {
                        end
                    };
                    let op = &body[i..end];
                    let heredoc = op.starts_with("<<") && !op.starts_with("<<<");
                    push_tok(out, Tok::Operator, op);
                    command = !matches!(c, b'<' | b'>' | b')' | b'}');
                    i = end;
                    if heredoc {
                        i = self.heredoc_start(body, i, out);
                    }
                }
                _ => {
                    flush(out, plain, i);
                    i = self.word(body, i, &mut command, out);
                }
            }
            plain = i;
        }
        escape_into(out, &body[plain..]);
    }

    /// A word starting at `i`: keyword, command, assignment, option or argument.
    fn word(&mut self, body: &str, i: usize, command: &mut bool, out: &mut String) -> usize {
        let b = body.as_bytes();
        let mut end = i;
        while end < b.len() && !ends_word(b[end]) {
            // A backslash escapes the next byte (an ASCII one; UTF-8 goes through as text).
            end += if b[end] == b'\\' && end + 1 < b.len() && b[end + 1].is_ascii() {
                2
            } else {
                1
            };
        }
        let word = &body[i..end];
        let name_end = scan_while(b, i, is_ident);
        if *command && name_end > i && is_ident_start(b[i]) && b.get(name_end) == Some(&b'=') {
            // `NAME=value cmd`: an assignment keeps the command position.
            push_tok(out, Tok::Variable, &body[i..name_end]);
            push_tok(out, Tok::Operator, "=");
            escape_into(out, &body[name_end + 1..end]);
            return end;
        }
        if KEYWORDS.contains(&word) && (*command || word == "in" || word == "do") {
            push_tok(out, Tok::Keyword, word);
            *command = !matches!(word, "in" | "for" | "case" | "select" | "function");
        } else if *command {
            let tok = if BUILTINS.contains(&word) {
                Tok::Builtin
            } else {
                Tok::Call
            };
            push_tok(out, tok, word);
            *command = false;
        } else if word.starts_with('-') && word.len() > 1 {
            let opt_end = word.find('=').unwrap_or(word.len());
            push_tok(out, Tok::Parameter, &word[..opt_end]);
            escape_into(out, &word[opt_end..]);
        } else {
            escape_into(out, word);
        }
        end
    }

    /// A quoted string opening at `i`; returns where it ends (the line end if it stays open).
    fn string(&mut self, body: &str, i: usize, out: &mut String) -> usize {
        let q = body.as_bytes()[i];
        open(out, Tok::String);
        escape_into(out, &body[i..i + 1]);
        self.string_body(body, i + 1, q, out)
    }

    /// The rest of a string left open by an earlier line.
    fn string_rest(&mut self, body: &str, i: usize, q: u8, out: &mut String) -> usize {
        open(out, Tok::String);
        self.string_body(body, i, q, out)
    }

    /// Scans a string body from `i` inside an open string span; closes the span.
    fn string_body(&mut self, body: &str, mut i: usize, q: u8, out: &mut String) -> usize {
        let b = body.as_bytes();
        let mut plain = i;
        while i < b.len() {
            let c = b[i];
            if c == q {
                escape_into(out, &body[plain..=i]);
                out.push_str("</span>");
                return i + 1;
            }
            if q == b'"' && c == b'\\' && i + 1 < b.len() && b[i + 1].is_ascii() {
                escape_into(out, &body[plain..i]);
                push_tok(out, Tok::Escape, &body[i..i + 2]);
                i += 2;
                plain = i;
            } else if q == b'"' && c == b'$' {
                let end = variable_end(b, i);
                if end > i + 1 {
                    escape_into(out, &body[plain..i]);
                    push_tok(out, Tok::Interpolation, &body[i..end]);
                    plain = end;
                }
                i = end.max(i + 1);
            } else {
                i += 1;
            }
        }
        escape_into(out, &body[plain..]);
        out.push_str("</span>");
        self.quote = Some(q);
        b.len()
    }

    /// After `<<` / `<<-`: the delimiter word, remembered so the body lines are strings.
    fn heredoc_start(&mut self, body: &str, i: usize, out: &mut String) -> usize {
        let b = body.as_bytes();
        let start = scan_while(b, i, |c| c == b' ' || c == b'\t');
        escape_into(out, &body[i..start]);
        let quoted = matches!(b.get(start), Some(b'\'' | b'"'));
        let name_from = start + usize::from(quoted);
        let name_end = scan_while(b, name_from, |c| is_ident(c) || c == b'-');
        if name_end == name_from {
            return start;
        }
        let end = if quoted && name_end < b.len() && b[name_end] == b[start] {
            name_end + 1
        } else {
            name_end
        };
        push_tok(out, Tok::Keyword, &body[start..end]);
        self.heredoc = Some(body[name_from..name_end].to_string());
        end
    }
}

/// End of a `$…` expansion starting at `i` (`$VAR`, `${…}`, `$1`, `$?`, `$(`); `i + 1` for
/// a lone `$`.
fn variable_end(b: &[u8], i: usize) -> usize {
    match b.get(i + 1) {
        Some(b'{') => match b[i + 2..].iter().position(|&c| c == b'}') {
            Some(p) => i + 2 + p + 1,
            None => b.len(),
        },
        Some(b'(') => {
            if b.get(i + 2) == Some(&b'(') {
                i + 3
            } else {
                i + 2
            }
        }
        Some(c) if is_ident_start(*c) => scan_while(b, i + 1, is_ident),
        Some(c) if c.is_ascii_digit() || b"?#@*!$-".contains(c) => i + 2,
        _ => i + 1,
    }
}
