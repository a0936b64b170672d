//! Heading ids: readable slugs, unique within a page.

use std::collections::{HashMap, HashSet};

/// Slug of a heading's plain text: lowercase; letters and digits kept (non-ASCII letters
/// too, as GitHub does, so `Überblick` stays readable); `_` kept; every other run of
/// characters becomes one `-`; no leading or trailing `-`.
pub fn slugify(text: &str) -> String {
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

/// Hands out unique ids for one page.
#[derive(Default)]
pub(crate) struct IdAllocator {
    taken: HashSet<String>,
    /// Per slug, the next suffix worth trying: every smaller one is taken already, so a
    /// page of 10,000 identical headings costs 10,000 steps, not 50 million.
    next_suffix: HashMap<String, usize>,
}

impl IdAllocator {
    /// Reserves an id that automatic ids must avoid (explicit `{#id}`s, footnote ids).
    pub(crate) fn reserve(&mut self, id: &str) {
        self.taken.insert(id.to_string());
    }

    /// A unique id derived from `text`: `slug`, then `slug-1`, `slug-2`, …;
    /// `section` when the text has no usable characters.
    pub(crate) fn unique_for(&mut self, text: &str) -> String {
        let mut base = slugify(text);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slugify("Hello, World!"), "hello-world");
        assert_eq!(slugify("  KEY_PREFIX & version  "), "key_prefix-version");
        assert_eq!(slugify("Überblick: Café"), "überblick-café");
        assert_eq!(slugify("`bisk:1:ping` — TTL"), "bisk-1-ping-ttl");
        assert_eq!(slugify("🚀"), "");
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
