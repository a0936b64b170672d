//! Footnote numbering: GFM numbers footnotes in the order they are first referenced, and a
//! definition's back-links depend on how often it was referenced, so the walk counts both.

use std::collections::HashMap;

/// Footnote numbering in order of first appearance, and how often each is referenced.
#[derive(Default)]
pub(super) struct Footnotes {
    pub(super) by_label: HashMap<String, (usize, usize)>,
}

impl Footnotes {
    fn key(label: &str) -> String {
        label.to_lowercase()
    }

    pub(super) fn note(&mut self, label: &str, is_reference: bool) {
        let next = self.by_label.len() + 1;
        let entry = self.by_label.entry(Self::key(label)).or_insert((next, 0));
        if is_reference {
            entry.1 += 1;
        }
    }

    pub(super) fn get(&self, label: &str) -> (usize, usize) {
        self.by_label
            .get(&Self::key(label))
            .copied()
            .unwrap_or((0, 0))
    }
}
