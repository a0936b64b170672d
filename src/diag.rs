//! Diagnostics: problems found in user content or config, each pinned to a file and line.
//!
//! Builds collect every diagnostic instead of stopping at the first, so an author can fix
//! a whole batch of broken links in one pass.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Path as the user would type it (relative to the root when possible).
    pub file: PathBuf,
    /// 1-based; 0 when the problem concerns the whole file.
    pub line: usize,
    pub message: String,
}

impl Diagnostic {
    pub fn error(file: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: file.into(),
            line,
            message: message.into(),
        }
    }

    pub fn warning(file: impl Into<PathBuf>, line: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, line, message)
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if self.line > 0 {
            write!(
                f,
                "{kind}: {}:{}: {}",
                self.file.display(),
                self.line,
                self.message
            )
        } else {
            write!(f, "{kind}: {}: {}", self.file.display(), self.message)
        }
    }
}

/// Line numbers of many offsets in one text: the newlines are found once, then each
/// lookup is a binary search. Asking [`line_of`] for every link or fence of a page would
/// rescan the page from the top each time, which is quadratic in its size.
pub struct LineIndex {
    newlines: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        LineIndex {
            newlines: text
                .bytes()
                .enumerate()
                .filter_map(|(i, b)| (b == b'\n').then_some(i))
                .collect(),
        }
    }

    /// 1-based line number of a byte offset, as [`line_of`] counts it.
    pub fn line_of(&self, byte_offset: usize) -> usize {
        self.newlines.partition_point(|&nl| nl < byte_offset) + 1
    }
}

/// 1-based line number of a byte offset in `text`.
pub fn line_of(text: &str, byte_offset: usize) -> usize {
    let end = byte_offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_agrees_with_line_of() {
        let text = "a\nbc\n\nd\n";
        let index = LineIndex::new(text);
        for offset in 0..=text.len() + 2 {
            assert_eq!(
                index.line_of(offset),
                line_of(text, offset),
                "offset {offset}"
            );
        }
        assert_eq!(LineIndex::new("").line_of(5), 1);
    }
}
