//! GitHub-style alerts (`> [!WARNING]`) as titled callouts.
//!
//! The title word is always visible text, so the kind never depends on colour alone.

use pulldown_cmark::BlockQuoteKind;

/// `(css suffix, visible title)` of an alert kind.
fn names(kind: BlockQuoteKind) -> (&'static str, &'static str) {
    match kind {
        BlockQuoteKind::Note => ("note", "Note"),
        BlockQuoteKind::Tip => ("tip", "Tip"),
        BlockQuoteKind::Important => ("important", "Important"),
        BlockQuoteKind::Warning => ("warning", "Warning"),
        BlockQuoteKind::Caution => ("caution", "Caution"),
    }
}

/// Opening markup of a callout; its content follows, then [`CLOSE`].
pub(crate) fn open(kind: BlockQuoteKind) -> String {
    let (class, title) = names(kind);
    format!(
        "<div class=\"callout callout-{class}\" role=\"note\" aria-label=\"{title}\">\
         <p class=\"callout-title\">{title}</p>\n"
    )
}

/// Closing markup of a callout.
pub(crate) const CLOSE: &str = "</div>\n";
