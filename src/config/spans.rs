//! Where a key of `bisk-docs.toml` is written, from the TOML parser's own spans: the line
//! of every error found after the typed parse (a rule between two keys, folders that
//! overlap, a variable a target may not set). One parse gives both the typed [`Config`]
//! and these positions, so a line is never guessed from the text.
//!
//! [`Config`]: super::Config

use std::ops::Range;

use toml::Spanned;
use toml::de::DeTable;

/// The parsed document, keeping the span of every key (a table's key is its header).
pub(super) struct Spans<'a> {
    text: &'a str,
    root: Spanned<DeTable<'a>>,
}

impl<'a> Spans<'a> {
    pub(super) fn new(text: &'a str, root: Spanned<DeTable<'a>>) -> Spans<'a> {
        Spans { text, root }
    }

    /// The table at `path` (`["targets", "prod"]`) and the span of its last name (in its
    /// `[header]`, or in the dotted key that made it); the root has no name.
    fn table(&self, path: &[&str]) -> Option<(&DeTable<'a>, Option<Range<usize>>)> {
        let mut table = self.root.get_ref();
        let mut name = None;
        for part in path {
            let (key, value) = table.get_key_value(*part)?;
            name = Some(key.span());
            table = value.get_ref().as_table()?;
        }
        Some((table, name))
    }

    /// Whether the table at `path` spells out `key` (a defaulted key is not written).
    pub(super) fn written(&self, path: &[&str], key: &str) -> bool {
        self.table(path).is_some_and(|(t, _)| t.contains_key(key))
    }

    /// Line of `key` in the table at `path`; the line of the table's name when the key is
    /// not written there; 0 when neither is written.
    pub(super) fn line(&self, path: &[&str], key: &str) -> usize {
        let Some((table, name)) = self.table(path) else {
            return 0;
        };
        match table.get_key_value(key) {
            Some((k, _)) => self.line_at(k.span()),
            None => name.map(|s| self.line_at(s)).unwrap_or(0),
        }
    }

    /// Line of the first of `candidates` (table path, key) that is written; 0 when none is.
    pub(super) fn first_line(&self, candidates: &[(&[&str], &str)]) -> usize {
        candidates
            .iter()
            .find(|(path, key)| self.written(path, key))
            .map(|(path, key)| self.line(path, key))
            .unwrap_or(0)
    }

    fn line_at(&self, span: Range<usize>) -> usize {
        crate::diag::line_of(self.text, span.start)
    }
}
