//! Build-time syntax highlighting, emitted as `hl-` prefixed CSS classes.
//!
//! # Two highlighters
//! The languages ops guides are mostly written in (shell and `console`, Python and `pycon`,
//! TOML, YAML, JSON, INI/systemd) go through the hand-written lexers in `lexers/`; every
//! other language goes through syntect. `[render] highlighter = "syntect"` in the config sends
//! everything through syntect, to compare the two or as a fallback; the choice is a value
//! ([`Highlighter`]) handed down with each page, not process-wide state.
//!
//! Why: measured on the code blocks of a 2,000-page generated tree (`gen_tree`; release;
//! 2 shared cores; CPU time per unique line, median of 5), syntect's regex-driven grammars
//! cost, with fancy-regex, ~125 µs (bash) to ~250–375 µs (python) per line, and even with
//! Oniguruma (`default-onig`) bash ~55, python ~75, toml ~10, yaml ~40 µs: ~2 s CPU for
//! the tree's ~48,000 code lines before any HTML is written, against a 1.2 s wall budget
//! for the whole build. The lexers are linear byte scanners: bash 0.6, python 0.7, toml
//! 0.3, yaml 0.2 µs a line, HTML included. The full
//! 2,000-page `bisk-docs build` (median of 5): syntect (fancy) 5.6 s CPU, 4.3 s wall,
//! 146 MB peak; lexers 0.90 s CPU, 0.86 s wall, 90 MB peak.
//!
//! The lexers emit the same scope classes syntect's grammars give those constructs (see
//! `lexers::class`), so [`css_pair`] styles both.
//!
//! # syntect
//! Two grammar sets are available: syntect's bundled defaults and two-face's larger set
//! (TOML, INI, nginx, Dockerfile, …). Each is deserialised once, lazily, and shared by
//! every rayon worker; regexes compile on first use of a language and are cached inside
//! the set, so the hot path takes no lock. The one global lock syntect has (its scope
//! name repository) is avoided by caching each scope's class string per thread.
//!
//! Only what the two shipped themes can style is emitted: a scope's span carries just the
//! atoms some theme selector uses, and a scope no selector can match gets no span at all.
//! CSS matching is unchanged by this (a compound selector's atoms are all "used" atoms), and
//! pages shrink by more than half.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use syntect::highlighting::Theme;
use syntect::html::{ClassStyle, css_for_theme_with_class_style};
use syntect::parsing::{
    BasicScopeStackOp, ParseState, ParsingError, Scope, ScopeStack, ScopeStackOp, SyntaxReference,
    SyntaxSet,
};

use super::escape::escape_into;
use super::lexers::{Lang, Lexer};

/// Prefix of every highlighting class; the theme CSS from [`css_pair`] uses the same.
pub(crate) const CLASS_PREFIX: &str = "hl-";
const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed {
    prefix: CLASS_PREFIX,
};

static DEFAULT_SET: LazyLock<SyntaxSet> = LazyLock::new(SyntaxSet::load_defaults_newlines);
static EXTRA_SET: LazyLock<SyntaxSet> = LazyLock::new(two_face::syntax::extra_newlines);

/// A grammar together with the set it belongs to (syntect needs both to parse).
#[derive(Clone, Copy)]
pub(crate) struct SyntectGrammar {
    set: &'static SyntaxSet,
    syntax: &'static SyntaxReference,
}

/// Which grammar set a language is looked up in first. Measured with
/// `examples/render_bench.rs --compare-sets`: for the languages both sets know, syntect's
/// bundled grammars are the faster ones (see the module report), so they are preferred and
/// two-face only supplies what syntect lacks.
fn lookup_syntect(token: &str) -> Option<SyntectGrammar> {
    let in_set = |set: &'static SyntaxSet, tok: &str| {
        set.find_syntax_by_token(tok)
            .map(|syntax| SyntectGrammar { set, syntax })
    };
    match token {
        // Grammars syntect does not bundle, or bundles only in an outdated form.
        "toml" | "ini" | "nginx" | "dockerfile" => in_set(&EXTRA_SET, token),
        _ => in_set(&DEFAULT_SET, token).or_else(|| in_set(&EXTRA_SET, token)),
    }
}

/// Maps the many spellings used in info strings to a token syntect's sets resolve.
fn canonical_token(token: &str) -> &str {
    match token {
        "sh" | "shell" | "zsh" | "ksh" | "bash" => "bash",
        "py" | "python3" | "python" => "python",
        "yml" | "yaml" => "yaml",
        "cfg" | "conf" | "ini" | "systemd" | "service" | "timer" | "socket" | "desktop"
        | "properties" | "editorconfig" => "ini",
        "docker" | "containerfile" => "dockerfile",
        "rs" => "rust",
        "js" | "javascript" => "js",
        "postgresql" | "psql" | "mysql" => "sql",
        other => other,
    }
}

/// How a language is highlighted: by a hand-written lexer or by a syntect grammar.
#[derive(Clone, Copy)]
pub(crate) enum Grammar {
    Lexer(Lang),
    Syntect(SyntectGrammar),
}

/// Which highlighter to use for the languages both can do (`[render] highlighter`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Highlighter {
    /// The hand-written lexers for shell, Python, TOML, YAML, JSON and INI; syntect for the
    /// rest.
    #[default]
    Fast,
    /// syntect for every language: to compare the two, or to fall back should a lexer
    /// misbehave (5–6 times the CPU of a build, see above).
    Syntect,
}

fn lookup(token: &str, highlighter: Highlighter) -> Option<Grammar> {
    let token = canonical_token(token);
    if let Some(lang) = Lang::for_token(token).filter(|_| highlighter == Highlighter::Fast) {
        return Some(Grammar::Lexer(lang));
    }
    lookup_syntect(token).map(Grammar::Syntect)
}

/// The grammar for an info-string language (already lowercased), if any.
pub(crate) fn grammar_for(lang: &str, highlighter: Highlighter) -> Option<Grammar> {
    if lang.is_empty() {
        return None;
    }
    lookup(lang, highlighter)
}

/// The shell grammar used for `console` sessions.
pub(crate) fn shell_grammar(highlighter: Highlighter) -> Option<Grammar> {
    lookup("bash", highlighter)
}

/// The Python grammar used for `pycon` sessions.
pub(crate) fn python_grammar(highlighter: Highlighter) -> Option<Grammar> {
    lookup("python", highlighter)
}

/// Highlights a stream of lines of one language, keeping state between lines.
///
/// Spans may stay open across lines (syntect's multi-line strings);
/// [`LineHighlighter::suspend`] closes them so that foreign markup (session output) can be
/// inserted, and the next [`LineHighlighter::line`] reopens them.
pub(crate) enum LineHighlighter {
    /// Lexer output closes every span on the line that opened it: nothing to suspend.
    Lexer(Lexer),
    Syntect(SyntectHighlighter),
}

impl LineHighlighter {
    pub(crate) fn new(grammar: Grammar) -> Self {
        match grammar {
            Grammar::Lexer(lang) => LineHighlighter::Lexer(Lexer::new(lang)),
            Grammar::Syntect(g) => LineHighlighter::Syntect(SyntectHighlighter::new(g)),
        }
    }

    /// Highlights one line (with its `\n`, if it has one) into `out`.
    pub(crate) fn line(&mut self, line: &str, out: &mut String) {
        match self {
            LineHighlighter::Lexer(l) => l.line(line, out),
            LineHighlighter::Syntect(h) => h.line(line, out),
        }
    }

    /// Closes the spans left open so that non-code markup can follow.
    pub(crate) fn suspend(&mut self, out: &mut String) {
        if let LineHighlighter::Syntect(h) = self {
            h.suspend(out);
        }
    }

    /// Closes everything; the highlighter is done.
    pub(crate) fn finish(self, out: &mut String) {
        if let LineHighlighter::Syntect(h) = self {
            h.finish(out);
        }
    }
}

/// The scope atoms the shipped themes' selectors are made of.
struct StyledAtoms {
    /// Every atom appearing in any selector.
    used: HashSet<String>,
    /// Each compound selector (one scope of a selector) as its atoms.
    compounds: Vec<Vec<String>>,
}

static STYLED: LazyLock<StyledAtoms> = LazyLock::new(|| {
    let mut styled = StyledAtoms {
        used: HashSet::new(),
        compounds: Vec::new(),
    };
    for theme in [light_theme(), dark_theme()] {
        for item in &theme.scopes {
            for selector in &item.scope.selectors {
                for scope in selector.extract_scopes() {
                    let atoms: Vec<String> =
                        scope.build_string().split('.').map(String::from).collect();
                    styled.used.extend(atoms.iter().cloned());
                    styled.compounds.push(atoms);
                }
            }
        }
    }
    styled
});

/// The class attribute for `scope`'s span, or `None` when no theme rule can match it.
fn classes_for(scope: Scope) -> Option<Box<str>> {
    let name = scope.build_string();
    let atoms: Vec<&str> = name.split('.').collect();
    let styled = &*STYLED;
    let matchable = styled
        .compounds
        .iter()
        .any(|c| c.iter().all(|a| atoms.contains(&a.as_str())));
    if !matchable {
        return None;
    }
    let mut classes = String::with_capacity(name.len() + 16);
    for atom in atoms.iter().filter(|a| styled.used.contains(**a)) {
        if !classes.is_empty() {
            classes.push(' ');
        }
        classes.push_str(CLASS_PREFIX);
        // Scope atoms are grammar-defined identifiers; escaping keeps a stray quote in a
        // third-party grammar from breaking the attribute.
        escape_into(&mut classes, atom);
    }
    Some(classes.into_boxed_str())
}

/// The state a grammar returns to between top-level statements, found by parsing an empty
/// line after the first; `None` if even that fails.
fn reference_state(grammar: SyntectGrammar) -> Option<ParseState> {
    let mut state = ParseState::new(grammar.syntax);
    state.parse_line("\n", grammar.set).ok()?;
    Some(state)
}

/// Lines memoised per thread before the memo is emptied (bounds memory on huge sites).
const LINE_MEMO_CAP: usize = 16_384;

type MemoMap = HashMap<(usize, Box<str>), (Vec<(usize, ScopeStackOp)>, Option<ParseState>)>;

/// Borrowed lookup key for the memo (`(usize, &str)` against stored `(usize, Box<str>)`).
trait MemoKey {
    fn parts(&self) -> (usize, &str);
}

impl MemoKey for (usize, Box<str>) {
    fn parts(&self) -> (usize, &str) {
        (self.0, &self.1)
    }
}

impl MemoKey for (usize, &str) {
    fn parts(&self) -> (usize, &str) {
        (self.0, self.1)
    }
}

impl<'a> std::borrow::Borrow<dyn MemoKey + 'a> for (usize, Box<str>) {
    fn borrow(&self) -> &(dyn MemoKey + 'a) {
        self
    }
}

impl PartialEq for dyn MemoKey + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.parts() == other.parts()
    }
}

impl Eq for dyn MemoKey + '_ {}

impl std::hash::Hash for dyn MemoKey + '_ {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.parts().hash(state);
    }
}

thread_local! {
    /// `(grammar, line)` → the parse of that line from the grammar's initial state, and the
    /// state after it (`None`: back to the initial state).
    static LINE_MEMO: RefCell<MemoMap> = RefCell::new(HashMap::new());

    /// `Scope` → `hl-string hl-quoted`, or `None` for unstyled scopes. Scope names live in a
    /// process-wide mutex inside syntect; asking it once per scope per thread keeps workers
    /// from contending.
    static CLASS_CACHE: RefCell<HashMap<Scope, Option<Box<str>>>> = RefCell::new(HashMap::new());
}

/// Opens `scope`'s span if it has one; returns whether it did.
fn push_open_span(out: &mut String, scope: Scope) -> bool {
    CLASS_CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        match cache.entry(scope).or_insert_with(|| classes_for(scope)) {
            Some(classes) => {
                out.push_str("<span class=\"");
                out.push_str(classes);
                out.push_str("\">");
                true
            }
            None => false,
        }
    })
}

/// Highlights with a syntect grammar, keeping parser state between lines.
pub(crate) struct SyntectHighlighter {
    grammar: SyntectGrammar,
    state: ParseState,
    stack: ScopeStack,
    /// For each scope on `stack`: whether it has an open span in the output.
    spans: Vec<bool>,
    suspended: bool,
    /// Set once the parser failed; remaining lines are emitted as plain escaped text.
    failed: bool,
    /// The parser's state between top-level statements after the first line (syntect
    /// treats a block's first line specially), if the grammar has a usable one.
    reference: Option<ParseState>,
    /// True while the parser is in the `reference` state: only then is a line's parse a
    /// function of the line alone, and memoisable.
    at_reference: bool,
}

impl SyntectHighlighter {
    fn new(grammar: SyntectGrammar) -> Self {
        SyntectHighlighter {
            grammar,
            state: ParseState::new(grammar.syntax),
            stack: ScopeStack::new(),
            spans: Vec::new(),
            suspended: false,
            failed: false,
            reference: reference_state(grammar),
            at_reference: false,
        }
    }

    /// Parses one line, reusing an earlier parse of the same line from the initial state.
    /// Runbooks repeat lines (`systemctl status …`, `redis-cli …`) within and across pages,
    /// and `serve` re-renders whole pages on every save.
    fn parse(&mut self, line: &str) -> Result<Vec<(usize, ScopeStackOp)>, ParsingError> {
        let Some(reference) = self.reference.as_ref() else {
            return self.state.parse_line(line, self.grammar.set);
        };
        let key = (self.grammar.syntax as *const SyntaxReference as usize, line);
        if self.at_reference {
            let hit = LINE_MEMO.with(|memo| {
                memo.borrow()
                    .get(&key as &dyn MemoKey)
                    .map(|(ops, after)| (ops.clone(), after.clone()))
            });
            if let Some((ops, after)) = hit {
                match after {
                    Some(after) => {
                        self.state = after;
                        self.at_reference = false;
                    }
                    None => self.state = reference.clone(),
                }
                return Ok(ops);
            }
        }
        let was_at_reference = self.at_reference;
        let ops = self.state.parse_line(line, self.grammar.set)?;
        self.at_reference = self.state == *reference;
        if was_at_reference {
            let after = (!self.at_reference).then(|| self.state.clone());
            LINE_MEMO.with(|memo| {
                let mut memo = memo.borrow_mut();
                if memo.len() >= LINE_MEMO_CAP {
                    memo.clear();
                }
                memo.insert((key.0, line.into()), (ops.clone(), after));
            });
        }
        Ok(ops)
    }

    fn line(&mut self, line: &str, out: &mut String) {
        if self.suspended {
            self.suspended = false;
            for (&scope, &open) in self.stack.as_slice().iter().zip(&self.spans) {
                if open {
                    push_open_span(out, scope);
                }
            }
        }
        if self.failed {
            escape_into(out, line);
            return;
        }
        let ops = match self.parse(line) {
            Ok(ops) => ops,
            Err(_) => {
                // A grammar/regex failure (e.g. fancy-regex backtrack limit) must not lose
                // the code: show the rest of the block unhighlighted.
                self.failed = true;
                escape_into(out, line);
                return;
            }
        };
        let mut cursor = 0;
        let mut empty_span_start: Option<usize> = None;
        for (at, op) in &ops {
            let at = (*at).min(line.len());
            if at > cursor {
                escape_into(out, &line[cursor..at]);
                cursor = at;
                empty_span_start = None;
            }
            let spans = &mut self.spans;
            let result = self.stack.apply_with_hook(op, |basic, _| match basic {
                BasicScopeStackOp::Push(scope) => {
                    let start = out.len();
                    let opened = push_open_span(out, scope);
                    if opened {
                        empty_span_start = Some(start);
                    }
                    spans.push(opened);
                }
                BasicScopeStackOp::Pop => {
                    if spans.pop() == Some(true) {
                        match empty_span_start.take() {
                            // Drop spans that would wrap nothing.
                            Some(start) => out.truncate(start),
                            None => out.push_str("</span>"),
                        }
                    }
                }
            });
            if result.is_err() {
                self.failed = true;
                break;
            }
        }
        escape_into(out, &line[cursor..]);
    }

    fn suspend(&mut self, out: &mut String) {
        if self.suspended {
            return;
        }
        for _ in self.spans.iter().filter(|&&open| open) {
            out.push_str("</span>");
        }
        self.suspended = true;
    }

    fn finish(mut self, out: &mut String) {
        if !self.suspended {
            self.suspend(out);
        }
    }
}

/// Theme used for the light stylesheet.
fn light_theme() -> Theme {
    two_face::theme::extra()
        .get(two_face::theme::EmbeddedThemeName::Github)
        .clone()
}

/// Theme used for the dark stylesheet.
fn dark_theme() -> Theme {
    two_face::theme::extra()
        .get(two_face::theme::EmbeddedThemeName::OneHalfDark)
        .clone()
}

/// `(light, dark)` highlighting CSS, each scoped so that exactly one applies:
/// light for `data-theme="light"` or no choice with a light system preference, dark for
/// `data-theme="dark"` or no choice with a dark system preference.
pub(crate) fn css_pair() -> (String, String) {
    let light = theme_css(&light_theme());
    let dark = theme_css(&dark_theme());
    let mut light_out = String::from("/* code highlighting: light (GitHub) */\n");
    light_out.push_str(&scoped(&light, ":root[data-theme=\"light\"]"));
    light_out.push_str("@media not all and (prefers-color-scheme: dark) {\n");
    light_out.push_str(&scoped(&light, ":root:not([data-theme=\"dark\"])"));
    light_out.push_str("}\n");
    let mut dark_out = String::from("/* code highlighting: dark (One Half Dark) */\n");
    dark_out.push_str(&scoped(&dark, ":root[data-theme=\"dark\"]"));
    dark_out.push_str("@media (prefers-color-scheme: dark) {\n");
    dark_out.push_str(&scoped(&dark, ":root:not([data-theme=\"light\"])"));
    dark_out.push_str("}\n");
    (light_out, dark_out)
}

fn theme_css(theme: &Theme) -> String {
    // Only fails on a formatting error writing into a String, which cannot happen.
    css_for_theme_with_class_style(theme, CLASS_STYLE).unwrap_or_default()
}

/// Prefixes every selector of every rule in `css` with `scope` and a space.
fn scoped(css: &str, scope: &str) -> String {
    let mut out = String::with_capacity(css.len() * 2);
    let stripped = strip_comments(css);
    let mut text: &str = &stripped;
    while let Some(open) = text.find('{') {
        let Some(close_rel) = text[open..].find('}') else {
            break;
        };
        let selectors = text[..open].trim();
        let body = &text[open + 1..open + close_rel];
        let mut first = true;
        for sel in selectors.split(',') {
            let sel = sel.trim();
            if sel.is_empty() {
                continue;
            }
            if !first {
                out.push_str(",\n");
            }
            first = false;
            out.push_str(scope);
            out.push(' ');
            out.push_str(sel);
        }
        out.push_str(" {");
        for decl in body.lines().map(str::trim).filter(|l| !l.is_empty()) {
            out.push(' ');
            out.push_str(decl);
        }
        out.push_str(" }\n");
        text = &text[open + close_rel + 1..];
    }
    out
}

fn strip_comments(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        match rest[start + 2..].find("*/") {
            Some(end) => rest = &rest[start + 2 + end + 2..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoping_prefixes_every_selector() {
        let css =
            "/* c */\n.hl-code {\n color: #000;\n}\n.hl-a.hl-b, .hl-c .hl-d {\n color: #111;\n}\n";
        let out = scoped(css, ":root[data-theme=\"dark\"]");
        assert_eq!(
            out,
            ":root[data-theme=\"dark\"] .hl-code { color: #000; }\n\
             :root[data-theme=\"dark\"] .hl-a.hl-b,\n:root[data-theme=\"dark\"] .hl-c .hl-d { color: #111; }\n"
        );
    }

    fn highlight(lang: &str, code: &str, memo: bool) -> String {
        let mut out = String::new();
        let mut hl = SyntectHighlighter::new(lookup_syntect(canonical_token(lang)).unwrap());
        if !memo {
            hl.reference = None;
        }
        for line in code.split_inclusive('\n') {
            hl.line(line, &mut out);
        }
        hl.finish(&mut out);
        out
    }

    #[test]
    fn memoised_lines_highlight_exactly_like_fresh_parses() {
        for (lang, code) in [
            (
                "bash",
                "echo a\necho \"multi\nline\" a\necho a\nx=1\necho a\nx=1\n",
            ),
            (
                "python",
                "x = 1\ns = \"\"\"\nx = 1\n\"\"\"\nx = 1\ndef f():\n    x = 1\nx = 1\n",
            ),
            ("yaml", "a: 1\nb: |\n  a: 1\na: 1\n"),
        ] {
            LINE_MEMO.with(|m| m.borrow_mut().clear());
            let plain = highlight(lang, code, false);
            let cold = highlight(lang, code, true);
            assert!(
                LINE_MEMO.with(|m| m.borrow().len()) > 0,
                "{lang}: nothing memoised"
            );
            let warm = highlight(lang, code, true);
            assert_eq!(plain, cold, "{lang}");
            assert_eq!(plain, warm, "{lang}");
        }
    }

    #[test]
    fn required_languages_resolve() {
        for lang in [
            "bash",
            "sh",
            "shell",
            "zsh",
            "python",
            "py",
            "toml",
            "ini",
            "cfg",
            "conf",
            "yaml",
            "yml",
            "json",
            "rust",
            "sql",
            "nginx",
            "dockerfile",
            "systemd",
        ] {
            for hl in [Highlighter::Fast, Highlighter::Syntect] {
                assert!(grammar_for(lang, hl).is_some(), "no grammar for {lang}");
            }
            let token = canonical_token(lang);
            assert!(
                lookup_syntect(token).is_some(),
                "no syntect grammar for {lang}: the escape hatch needs one"
            );
        }
        assert!(grammar_for("no-such-language", Highlighter::Fast).is_none());
    }

    #[test]
    fn the_config_value_picks_the_highlighter() {
        assert!(matches!(
            grammar_for("bash", Highlighter::Fast),
            Some(Grammar::Lexer(_))
        ));
        assert!(matches!(
            grammar_for("bash", Highlighter::Syntect),
            Some(Grammar::Syntect(_))
        ));
        // Languages without a lexer go through syntect either way.
        assert!(matches!(
            grammar_for("rust", Highlighter::Fast),
            Some(Grammar::Syntect(_))
        ));
    }
}
