//! The one Markdown entry point: every pulldown-cmark parser in bisk-docs is made here, with
//! the one option set, so the renderer, the page index, the runbook and the terminal text
//! all see the same blocks (the same probe fences, headings, lists).
//!
//! Each call is counted: tests read [`parse_count`] to prove a `build` parses every page
//! once and that `serve`'s `/runs/` and `/status/` read the index without parsing at all.

use std::sync::atomic::{AtomicUsize, Ordering};

use pulldown_cmark::{Options, Parser};

/// Parsers made since the process started.
static PARSES: AtomicUsize = AtomicUsize::new(0);

/// The options every parse uses.
///
/// Metadata-block options stay off on purpose: front matter is split off before parsing
/// (see [`super::frontmatter`]), and with them on, a `---` rule followed by text and another
/// `---` anywhere in a page would silently swallow that text (and any probe fence in it) as
/// "metadata".
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
}

/// A parser over `text` with [`options`]; the only way bisk-docs parses Markdown.
pub fn parser(text: &str) -> Parser<'_> {
    PARSES.fetch_add(1, Ordering::Relaxed);
    Parser::new_ext(text, options())
}

/// How many parsers [`parser`] has made in this process (a relaxed count: exact once the
/// work being measured has finished).
pub fn parse_count() -> usize {
    PARSES.load(Ordering::Relaxed)
}

/// The language word that makes a fenced block a probe declaration.
pub const PROBE_LANGUAGE: &str = "probe";

/// The language of a fenced block's info string: its first word, lowercased, without the
/// `{.lang}` / `lang,attr` decorations authors write (```` ```{.bash} ````, ```` ```Probe ````).
/// The one rule: the renderer, the page index and the runbook all ask it.
pub fn fence_language(info: &str) -> String {
    let (first, _) = split_first_word(info.trim());
    first
        .trim_start_matches('{')
        .trim_end_matches('}')
        .trim_start_matches('.')
        .split([',', '{', '}'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Whether a fence's info string declares a probe.
pub fn is_probe_info(info: &str) -> bool {
    fence_language(info) == PROBE_LANGUAGE
}

/// `s` split at its first whitespace: the first word and the rest (spaces included).
pub fn split_first_word(s: &str) -> (&str, &str) {
    match s.find(char::is_whitespace) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    }
}
