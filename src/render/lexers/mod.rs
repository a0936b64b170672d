//! Hand-written, line-at-a-time lexers for the languages ops guides are made of (shell,
//! Python, TOML, YAML, JSON, INI), emitting the `hl-` classes the syntect themes style.
//!
//! Why they exist: see the measurements in `highlight.rs`. In short, syntect's grammars
//! cost 100–400 µs per unique line on this machine; these cost well under 1 µs.
//!
//! Every lexer follows the same rules, which the tests check on fixtures and random input:
//! - linear: each byte is looked at a bounded number of times;
//! - lossless: stripping the tags and unescaping gives back the input, byte for byte;
//! - never panics: text is only ever cut at ASCII bytes (always `char` boundaries);
//! - self-contained lines: every span opened on a line is closed on it, so session output
//!   can be inserted between any two lines. State that outlives a line (an open
//!   triple-quoted string, a heredoc, a YAML block scalar) lives in the lexer.

mod ini;
mod json;
mod python;
mod shell;
mod toml;
mod yaml;

use super::escape::escape_into;

/// What a piece of code is, as far as colouring goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    Comment,
    String,
    /// `\n`, `\"` inside a string.
    Escape,
    /// `{name}` inside a Python f-string, `$VAR` inside a shell string.
    Interpolation,
    Number,
    /// `true`, `None`, `null`, `~`.
    Constant,
    /// Control keywords: `if`, `for`, `import`, `then`, `done`.
    Keyword,
    Operator,
    /// `def`, `class`, `lambda`.
    Storage,
    /// The name being defined by `def`.
    FunctionName,
    /// The name being defined by `class`.
    ClassName,
    /// A called function or a shell command.
    Call,
    /// Built-in functions and shell builtins.
    Builtin,
    /// `$VAR`, `${x}`, `$1`; YAML anchors and aliases.
    Variable,
    /// `self`, `cls`.
    SelfVar,
    /// Shell options: `-n`, `--since`.
    Parameter,
    /// Decorators: `@property`.
    Decorator,
    /// Mapping keys: TOML, YAML and JSON keys.
    Key,
    /// TOML table names.
    Table,
    /// INI section names.
    Section,
    /// INI keys.
    IniKey,
    /// YAML tags (`!Ref`).
    Tag,
    Punctuation,
}

/// The class attribute of a token's span. Each is a scope syntect's grammars assign to the
/// same construct, reduced to the atoms the shipped themes style, so that `highlight_css`
/// colours lexer output and syntect output alike.
pub(crate) fn class(tok: Tok) -> &'static str {
    match tok {
        Tok::Comment => "hl-comment",
        Tok::String => "hl-string hl-quoted",
        Tok::Escape => "hl-constant hl-character hl-escape",
        Tok::Interpolation => "hl-constant hl-other hl-placeholder",
        Tok::Number => "hl-constant hl-numeric",
        Tok::Constant => "hl-constant hl-language",
        Tok::Keyword => "hl-keyword hl-control",
        Tok::Operator => "hl-keyword hl-operator",
        Tok::Storage => "hl-storage hl-type",
        Tok::FunctionName => "hl-entity hl-name hl-function",
        Tok::ClassName => "hl-entity hl-name hl-class",
        Tok::Call => "hl-variable hl-function",
        Tok::Builtin => "hl-support hl-function",
        Tok::Variable => "hl-variable hl-other",
        Tok::SelfVar => "hl-variable hl-language",
        Tok::Parameter => "hl-variable hl-parameter",
        Tok::Decorator => "hl-entity hl-name hl-function hl-decorator",
        Tok::Key => "hl-entity hl-name hl-tag",
        Tok::Table => "hl-entity hl-name",
        Tok::Section => "hl-entity hl-section",
        Tok::IniKey => "hl-keyword hl-name",
        Tok::Tag => "hl-storage hl-type",
        Tok::Punctuation => "hl-punctuation",
    }
}

/// Appends `text` as one span of kind `tok` (nothing for empty text).
pub(crate) fn push_tok(out: &mut String, tok: Tok, text: &str) {
    if text.is_empty() {
        return;
    }
    open(out, tok);
    escape_into(out, text);
    out.push_str("</span>");
}

/// Opens a span of kind `tok`; the caller closes it with `</span>` on the same line.
pub(crate) fn open(out: &mut String, tok: Tok) {
    out.push_str("<span class=\"");
    out.push_str(class(tok));
    out.push_str("\">");
}

/// Splits a line into its content and its line ending (`\n`, `\r\n` or nothing).
pub(crate) fn split_eol(line: &str) -> (&str, &str) {
    let body = line.trim_end_matches(['\n', '\r']);
    line.split_at(body.len())
}

/// Index of the first byte at or after `i` that `keep` rejects.
pub(crate) fn scan_while(b: &[u8], mut i: usize, keep: impl Fn(u8) -> bool) -> usize {
    while i < b.len() && keep(b[i]) {
        i += 1;
    }
    i
}

pub(crate) fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

pub(crate) fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Length of a number literal starting at `i` (`-1.5e3`, `0x1F`, `1_000`, `2.5j`), or 0.
/// Only ASCII is consumed, so the end is a `char` boundary.
pub(crate) fn number_len(b: &[u8], i: usize) -> usize {
    let mut j = i;
    if j < b.len() && (b[j] == b'-' || b[j] == b'+') {
        j += 1;
    }
    if j < b.len() && b[j] == b'.' {
        j += 1;
    }
    if j >= b.len() || !b[j].is_ascii_digit() {
        return 0;
    }
    while j < b.len() {
        let c = b[j];
        // Signs only as an exponent's (`1e-3`).
        let sign = (c == b'-' || c == b'+') && matches!(b[j - 1], b'e' | b'E');
        if !(c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || sign) {
            break;
        }
        j += 1;
    }
    j - i
}

/// The languages with a hand-written lexer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    Shell,
    Python,
    Toml,
    Yaml,
    Json,
    Ini,
}

impl Lang {
    /// The lexer for a canonical language token (see `highlight::canonical_token`).
    pub(crate) fn for_token(token: &str) -> Option<Lang> {
        Some(match token {
            "bash" => Lang::Shell,
            "python" => Lang::Python,
            "toml" => Lang::Toml,
            "yaml" => Lang::Yaml,
            "json" => Lang::Json,
            "ini" => Lang::Ini,
            _ => return None,
        })
    }
}

/// A lexer for one block, carrying what a line leaves open for the next.
pub(crate) enum Lexer {
    Shell(shell::Shell),
    Python(python::Python),
    Toml(toml::Toml),
    Yaml(yaml::Yaml),
    Json,
    Ini,
}

impl Lexer {
    pub(crate) fn new(lang: Lang) -> Self {
        match lang {
            Lang::Shell => Lexer::Shell(shell::Shell::default()),
            Lang::Python => Lexer::Python(python::Python::default()),
            Lang::Toml => Lexer::Toml(toml::Toml::default()),
            Lang::Yaml => Lexer::Yaml(yaml::Yaml::default()),
            Lang::Json => Lexer::Json,
            Lang::Ini => Lexer::Ini,
        }
    }

    /// Highlights one line (with its line ending, if any) into `out`.
    pub(crate) fn line(&mut self, line: &str, out: &mut String) {
        let (body, eol) = split_eol(line);
        match self {
            Lexer::Shell(l) => l.line(body, out),
            Lexer::Python(l) => l.line(body, out),
            Lexer::Toml(l) => l.line(body, out),
            Lexer::Yaml(l) => l.line(body, out),
            Lexer::Json => json::line(body, out),
            Lexer::Ini => ini::line(body, out),
        }
        out.push_str(eol);
    }
}

#[cfg(test)]
mod differential;
#[cfg(test)]
mod tests;
