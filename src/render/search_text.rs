//! Plain text of a page split at headings, for the search index.

use super::SearchSection;

/// Accumulates text into the current section, collapsing whitespace as it goes.
#[derive(Default)]
pub(crate) struct SectionBuilder {
    done: Vec<SearchSection>,
    anchor: String,
    heading: String,
    text: String,
    /// A separator is owed before the next word.
    space: bool,
}

impl SectionBuilder {
    /// Appends text; runs of whitespace become one space.
    pub(crate) fn push_text(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        for word in s.split_whitespace() {
            if self.space || (s.starts_with(char::is_whitespace) && !self.text.is_empty()) {
                self.text.push(' ');
            }
            self.text.push_str(word);
            self.space = true;
        }
        // Text split by inline markup (`foo<em>bar</em>`) must not gain a space.
        self.space = s.ends_with(char::is_whitespace) && !self.text.is_empty();
    }

    /// Marks a boundary between blocks or lines (words must not run together).
    pub(crate) fn push_break(&mut self) {
        if !self.text.is_empty() {
            self.space = true;
        }
    }

    /// Closes the current section and starts one under a heading.
    pub(crate) fn start_section(&mut self, anchor: &str, heading: &str) {
        self.flush();
        self.anchor = anchor.to_string();
        self.heading = heading.to_string();
    }

    fn flush(&mut self) {
        let text = std::mem::take(&mut self.text);
        self.space = false;
        // Text before the first heading only counts if there is some.
        if !text.is_empty() || !self.anchor.is_empty() || !self.heading.is_empty() {
            self.done.push(SearchSection {
                anchor: std::mem::take(&mut self.anchor),
                heading: std::mem::take(&mut self.heading),
                text,
            });
        }
    }

    pub(crate) fn finish(mut self) -> Vec<SearchSection> {
        self.flush();
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapses_and_splits() {
        let mut b = SectionBuilder::default();
        b.push_text("Intro  text");
        b.push_break();
        b.push_text("more");
        b.start_section("setup", "Setup");
        b.push_text("run ");
        b.push_text("this");
        b.push_text("now");
        let s = b.finish();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].anchor, "");
        assert_eq!(s[0].text, "Intro text more");
        assert_eq!(s[1].heading, "Setup");
        assert_eq!(s[1].text, "run thisnow");
    }
}
