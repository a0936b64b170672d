//! Probe declarations: the TOML body of a fenced ```probe block, read once into a
//! [`Declaration`] and resolved for a target into a runnable [`ProbeDecl`].
//!
//! Syntax (one flat TOML table):
//!
//! ```toml
//! check = "cache.key"          # required: which check runs
//! title = "Last run is fresh"  # optional: otherwise a default per check
//! id = "last-run"              # optional: unique in the site, [A-Za-z0-9_.-], ≤ 64 chars
//! description = "…"            # optional: replaces the generated sentence
//! target = "prod"              # optional: a `[targets.NAME]` from bisk-docs.toml
//! key = "enforcer:last_run"    # the check's own parameters
//! max_age = "15m"
//! ```
//!
//! When `id` is absent it is derived from the page path relative to the docs folder and the
//! block's 1-based position among the page's probe fences: the path without `.md`,
//! lowercased, every run of characters outside `[a-z0-9]` turned into one `-`, then
//! `-<index>`. `ops/REDIS_CACHE.md`, third probe → `ops-redis-cache-3`.
//!
//! # Two steps: parse once, resolve per target
//!
//! - [`Declaration::parse`] reads the body once, without a config or a target: the TOML,
//!   the check's name, the line of every key, and every string value as a
//!   [`crate::vars::Template`] that keeps its `{{ name }}` unreplaced. A declaration
//!   without variables is also checked completely here (types, bounds), once.
//! - [`Declaration::resolve`] (`&Config`, target) is the one place variables are filled:
//!   each template is filled with the target's values *inside the string it was written
//!   in*, then the check's parameters are typed and validated. Whatever a value holds
//!   (quotes, newlines, `]]`, `{{ other }}`) it is only ever the text of that one string:
//!   it can add, remove or change no other key. The page's own render, the runner (for the
//!   target of its run) and `check` all call it; [`parse_in`] and [`parse`] are the
//!   one-call forms older callers use.
//!
//! Rules for variables in declarations:
//! - `{{ name }}` is replaced only inside quoted string values (in arrays and inline tables
//!   too). In a key, or in `check` or `id` (which name the probe on every target), it is
//!   an error at its line; written bare (`ttl = {{ ttl }}`) it is invalid TOML, and the
//!   error says to quote it.
//! - A value is text. A parameter that takes a number or true/false (`ttl`, `min_ttl`,
//!   `db`, `status`, `check_pid`, …) takes no variable: `min_ttl = "{{ ttl }}"` is an error
//!   at its line naming the variable, and says to write the number itself. Durations
//!   (`max_age = "{{ age }}"`) are strings and take variables; a value that is not a
//!   duration is an error naming the variable, its value and where to correct it.
//! - An undefined variable is an error at its line. An unset one (`{ unset = "…" }`) makes
//!   a parsed declaration with [`ProbeDecl::unset`] set: the probe is skipped with that
//!   cause, never run with the placeholder.
//! - A probe naming its own `target` takes that target's values.

mod check;
mod parse;
mod resolve;
mod validate;

#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::sync::Arc;

pub use check::*;
pub use resolve::{parse, parse_in};
pub use validate::{check_config, derive_id};

/// A probe declaration read once from its fence, not yet bound to a target: string values
/// keep their `{{ name }}` (see the module docs). Cheap to keep: the site and the index hold
/// these and resolve them for the target at hand.
#[derive(Debug, Clone, PartialEq)]
pub struct Declaration {
    /// Page the block sits on, as given to [`Declaration::parse`] (docs-relative in
    /// discovery).
    page: PathBuf,
    /// 1-based line of the opening fence.
    line: usize,
    /// 1-based position among the page's probe fences.
    index: usize,
    /// The TOML body as written.
    source: String,
    /// The check's name (a known one).
    check: String,
    /// The explicit id (validated), or `None` for the derived one.
    id: Option<String>,
    title: Option<StrNode>,
    description: Option<StrNode>,
    target: Option<StrNode>,
    /// The author's `hint` and `hint_link` (templates, like `description`).
    hint: Option<StrNode>,
    hint_link: Option<StrNode>,
    /// The check's own parameters (every key but the common ones), by key.
    params: Vec<(String, Node)>,
    /// Every top-level key with the 1-based page line it is written on.
    key_lines: Vec<(String, usize)>,
    /// Whether any string holds `{{ name }}` (or an escaped `\{{ name }}`).
    uses_vars: bool,
    /// The typed check of a declaration without variables: the same on every target, so
    /// read once at parse.
    fixed: Option<Check>,
}

impl Declaration {
    /// Page the block sits on.
    pub fn page(&self) -> &std::path::Path {
        &self.page
    }

    /// 1-based line of the opening fence.
    pub fn line(&self) -> usize {
        self.line
    }

    /// 1-based position among the page's probe fences.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The body as written (shown in the widget's `<details>`).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The check's name as written, e.g. `cache.key`.
    pub fn check_name(&self) -> &str {
        &self.check
    }

    /// The id on every target: explicit, or derived from the page and the index.
    pub fn id(&self) -> String {
        self.id
            .clone()
            .unwrap_or_else(|| derive_id(&self.page, self.index))
    }

    /// Whether resolving depends on the target's variables.
    pub fn uses_vars(&self) -> bool {
        self.uses_vars
    }

    /// The variables the declaration uses, sorted, once each.
    pub fn var_names(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut add = |t: &crate::vars::Template| {
            for n in t.names() {
                if !out.iter().any(|o| o == n) {
                    out.push(n.to_string());
                }
            }
        };
        for s in [
            &self.title,
            &self.description,
            &self.target,
            &self.hint,
            &self.hint_link,
        ]
        .into_iter()
        .flatten()
        {
            add(&s.template);
        }
        for (_, node) in &self.params {
            node.each_template(&mut add);
        }
        out.sort();
        out
    }

    /// 1-based page line of a top-level `key`, or the fence's line when it is not written.
    pub fn key_line(&self, key: &str) -> usize {
        self.key_lines
            .iter()
            .find(|(k, _)| k == key)
            .map_or(self.line, |(_, l)| *l)
    }
}

/// A string value as written: its template and where it starts.
#[derive(Debug, Clone, PartialEq)]
struct StrNode {
    template: crate::vars::Template,
    /// 1-based page line of the value's first character (its opening quote).
    line: usize,
    /// Whether the string is multi-line with a newline right after its opening quotes
    /// (which TOML drops, so the text's first line is the next page line).
    dropped_newline: bool,
}

impl StrNode {
    /// The page line of byte `at` of the text.
    fn line_at(&self, at: usize) -> usize {
        let text = self.template.as_written();
        self.line
            + text[..at.min(text.len())].matches('\n').count()
            + usize::from(self.dropped_newline)
    }
}

/// A parameter's value: strings with variables stay templates, wherever they are nested;
/// anything without one is kept as the TOML value it is.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Str(StrNode),
    Array(Vec<Node>),
    Table(Vec<(String, Node)>),
    Value(toml::Value),
}

impl Node {
    fn each_template<'a>(&'a self, f: &mut impl FnMut(&'a crate::vars::Template)) {
        match self {
            Node::Str(s) => f(&s.template),
            Node::Array(items) => items.iter().for_each(|n| n.each_template(f)),
            Node::Table(entries) => entries.iter().for_each(|(_, n)| n.each_template(f)),
            Node::Value(_) => {}
        }
    }
}

/// A declaration resolved for one target: what the runner runs and the widget shows.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeDecl {
    /// Site-unique id: explicit, or derived (see the module docs).
    pub id: String,
    /// Page the block sits on, as given to [`parse`] (docs-relative in discovery).
    pub page: PathBuf,
    /// 1-based line of the opening fence.
    pub line: usize,
    /// 1-based position among the page's probe fences.
    pub index: usize,
    /// The explicit title, or the check's default title.
    pub title: String,
    /// Author's override of the generated "what is checked" sentence.
    pub description: Option<String>,
    /// Named target (`[targets.NAME]`); `None` means the run's target.
    pub target: Option<String>,
    /// The check and its typed parameters.
    pub check: Check,
    /// The TOML body as written, shown in the widget's `<details>`.
    pub source: String,
    /// Variables the body uses that have no value for its target: the probe cannot be
    /// judged and is skipped with this as the cause.
    pub unset: Vec<String>,
    /// The author's fix text (`hint = "…"`, `{{ vars }}` allowed): shown instead of the
    /// check's built-in hint when the probe does not pass.
    pub hint: Option<String>,
    /// Where the fix is explained (`hint_link`): a docs page (`ops/APP.md#anchor`) or an
    /// `https://` URL; replaces the built-in hint's link into the bundled guides.
    pub hint_link: Option<String>,
    /// What it was resolved from: the runner resolves it again for the target of its run,
    /// and key lines come from it.
    pub declaration: Arc<Declaration>,
}

impl ProbeDecl {
    /// The check's name as written in declarations, e.g. `cache.key`.
    pub fn check_name(&self) -> &'static str {
        self.check.name()
    }
}

/// A declaration problem, pinned to a line of the page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}: {message}", page.display())]
pub struct DeclError {
    pub page: PathBuf,
    pub line: usize,
    pub message: String,
}

impl DeclError {
    pub fn to_diagnostic(&self) -> crate::diag::Diagnostic {
        crate::diag::Diagnostic::error(&self.page, self.line, &self.message)
    }
}

/// The keys every declaration may have, whatever its check.
const COMMON_KEYS: &[&str] = &[
    "check",
    "title",
    "id",
    "description",
    "target",
    "hint",
    "hint_link",
];
