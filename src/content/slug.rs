//! Heading ids: GitHub's slugs, unique within a page.
//!
//! The rule is the one GitHub applies to a README's headings (and github-slugger
//! reproduces), so links written against GitHub's rendering of a tree keep working here:
//! lowercase; drop every character that is not a letter, a combining mark, a decimal digit,
//! a letter-number, connector punctuation (`_`), `-` or a space; then each space becomes
//! `-`. Nothing is collapsed or trimmed: `✨ Features` is `-features`, `a - b` is `a---b`.
//!
//! Before GitHub's rule, bisk-docs joined words with one `-` per run of punctuation
//! ([`legacy_slugify`]). Where that old id differs, the heading also carries it (an empty
//! anchor before the text) and the link checker accepts it, so links written before the
//! change still land on the heading.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// What GitHub removes: everything but letters, marks (non-enclosing), decimal and letter
/// numbers, connector punctuation, `-` and the plain space.
static REMOVED: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"[^\p{L}\p{Mn}\p{Mc}\p{Nd}\p{Nl}\p{Pc} \-]")
        .expect("the slug character class is a valid regex")
});

/// GitHub's slug of a heading's plain text (see the module comment). May be empty
/// (a heading of emoji only); [`IdAllocator`] gives such headings `section`.
pub fn slugify(text: &str) -> String {
    let lower = text.to_lowercase();
    REMOVED.replace_all(&lower, "").replace(' ', "-")
}

/// bisk-docs' slug before GitHub's rule: letters and digits kept (any script), `_` kept,
/// every other run of ASCII punctuation or whitespace one `-`, no leading or trailing `-`,
/// other symbols dropped. Kept only so ids readers already linked to keep resolving.
pub fn legacy_slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            if pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            pending_dash = false;
            slug.extend(c.to_lowercase());
        } else if c.is_whitespace() || c == '-' || c.is_ascii_punctuation() {
            pending_dash = true;
        }
        // Other symbols (emoji, ©, …) are dropped without separating words.
    }
    slug
}

/// A start tag of raw HTML and its attributes.
static TAG: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"<([A-Za-z][A-Za-z0-9-]*)(\s[^<>]*)?>").expect("the tag regex is valid")
});
/// An `id` or `name` attribute, with its value double-, single- or un-quoted.
static ID_ATTR: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r#"(?i)(?:^|\s)(id|name)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))"#)
        .expect("the attribute regex is valid")
});

/// The fragment targets raw HTML in a page defines: every element's `id`, and an `<a>`'s
/// `name` (how older Markdown marks anchors), so links to them are not reported missing.
pub(crate) fn html_ids(html: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for tag in TAG.captures_iter(html) {
        let Some(attrs) = tag.get(2) else { continue };
        let is_a = tag[1].eq_ignore_ascii_case("a");
        for attr in ID_ATTR.captures_iter(attrs.as_str()) {
            if !is_a && attr[1].eq_ignore_ascii_case("name") {
                continue;
            }
            let value = attr.get(2).or(attr.get(3)).or(attr.get(4));
            if let Some(v) = value.map(|v| v.as_str()).filter(|v| !v.is_empty()) {
                ids.push(v.to_string());
            }
        }
    }
    ids
}

/// Hands out unique ids for one page: GitHub's ids, and beside them the ids the same
/// headings had under [`legacy_slugify`] (numbered among themselves, as they were).
#[derive(Default)]
pub(crate) struct IdAllocator {
    ids: Pool,
    legacy: Pool,
}

/// A set of ids with GitHub's duplicate numbering: `slug`, then `slug-1`, `slug-2`, …
#[derive(Default)]
struct Pool {
    taken: HashSet<String>,
    /// Per slug, the next suffix worth trying: every smaller one is taken already, so a
    /// page of 10,000 identical headings costs 10,000 steps, not 50 million.
    next_suffix: HashMap<String, usize>,
}

impl Pool {
    fn claim(&mut self, mut base: String) -> String {
        if base.is_empty() {
            base.push_str("section");
        }
        if self.taken.insert(base.clone()) {
            return base;
        }
        let next = self.next_suffix.entry(base.clone()).or_insert(1);
        loop {
            let candidate = format!("{base}-{next}");
            *next += 1;
            if self.taken.insert(candidate.clone()) {
                return candidate;
            }
        }
    }
}

impl IdAllocator {
    /// Reserves an id that automatic ids must avoid (explicit `{#id}`s, footnote ids).
    pub(crate) fn reserve(&mut self, id: &str) {
        self.ids.taken.insert(id.to_string());
        self.legacy.taken.insert(id.to_string());
    }

    /// A unique id derived from `text`: `slug`, then `slug-1`, `slug-2`, …;
    /// `section` when the text has no usable characters.
    #[cfg(test)]
    pub(crate) fn unique_for(&mut self, text: &str) -> String {
        self.unique_with_legacy(text).0
    }

    /// The unique id for `text`, and the id the heading had before GitHub's rule when that
    /// differs and is not an id of this page already (the heading then carries both).
    pub(crate) fn unique_with_legacy(&mut self, text: &str) -> (String, Option<String>) {
        let id = self.ids.claim(slugify(text));
        let old = self.legacy.claim(legacy_slugify(text));
        let old = (old != id && !self.ids.taken.contains(&old)).then_some(old);
        (id, old)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        // GitHub's ids (were `hello-world`, `key_prefix-version`, `überblick-café`,
        // `bisk-1-ping-ttl`, ``): the old ones are `legacy_slugify`'s below.
        assert_eq!(slugify("Hello, World!"), "hello-world");
        assert_eq!(slugify("KEY_PREFIX & version"), "key_prefix--version");
        assert_eq!(slugify("Überblick: Café"), "überblick-café");
        assert_eq!(slugify("bisk:1:ping — TTL"), "bisk1ping--ttl");
        assert_eq!(slugify("🚀"), "");
        assert_eq!(slugify("What's new"), "whats-new");
        assert_eq!(slugify("HTML/XML tags"), "htmlxml-tags");
        assert_eq!(slugify("Access to Mutex<T>"), "access-to-mutext");
        assert_eq!(slugify("✨ Features"), "-features");
        assert_eq!(
            legacy_slugify("  KEY_PREFIX & version  "),
            "key_prefix-version"
        );
        assert_eq!(legacy_slugify("`bisk:1:ping` — TTL"), "bisk-1-ping-ttl");
        assert_eq!(legacy_slugify("🚀"), "");
    }

    #[test]
    fn duplicates_and_reserved() {
        let mut ids = IdAllocator::default();
        ids.reserve("setup");
        assert_eq!(ids.unique_for("Setup"), "setup-1");
        assert_eq!(ids.unique_for("Setup"), "setup-2");
        assert_eq!(ids.unique_for("!!!"), "section");
        assert_eq!(ids.unique_for(""), "section-1");
        // A heading whose own slug looks like a suffixed one is skipped over.
        assert_eq!(ids.unique_for("Setup 3"), "setup-3");
        assert_eq!(ids.unique_for("Setup"), "setup-4");
    }

    #[test]
    fn raw_html_ids() {
        assert_eq!(
            html_ids(
                "<a id=\"old\"></a> <a name='x'>x</a> <div class=c ID=box> <input name=q> <span id=\"\">"
            ),
            ["old", "x", "box"]
        );
        assert_eq!(
            html_ids("<p data-id=\"no\">text id=\"no\"</p>"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn legacy_ids_beside_changed_ones() {
        let mut ids = IdAllocator::default();
        assert_eq!(ids.unique_with_legacy("Install"), ("install".into(), None));
        assert_eq!(
            ids.unique_with_legacy("What's new"),
            ("whats-new".into(), Some("what-s-new".into()))
        );
        assert_eq!(
            ids.unique_with_legacy("What's new"),
            ("whats-new-1".into(), Some("what-s-new-1".into()))
        );
    }

    #[test]
    fn many_identical_headings_are_linear() {
        // 20,000 identical headings: with a rescan from `-1` each time this is 200 million
        // set probes (minutes in a debug build); with the remembered suffix, milliseconds.
        let started = std::time::Instant::now();
        let mut ids = IdAllocator::default();
        for _ in 0..20_000 {
            ids.unique_for("Setup");
        }
        assert_eq!(ids.unique_for("Setup"), "setup-20000");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }
}
