//! Bounds for untrusted text: what a cache, a command, Django or a request hands us is cut
//! to a known size (and, for what a run records, cleaned of control characters) before it
//! is shown, logged or stored.
//!
//! The lowest floor, so every module that meets untrusted text (probe checks, the Django
//! dialect, the server's proxy identity, runbook records) bounds it the same way.

/// Longest operator name a run records, and a trusted proxy may vouch for.
pub const MAX_OPERATOR: usize = 80;

/// Cuts untrusted text to at most `max` characters (on a char boundary), marking the cut.
pub fn bound(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((i, _)) => format!("{}… ({} more bytes)", &text[..i], text.len() - i),
    }
}

/// Untrusted free text made safe to keep: no control characters but newlines and tabs,
/// trimmed, at most `max` characters.
pub fn clean_text(s: &str, max: usize) -> String {
    let kept: String = s
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .take(max)
        .collect();
    kept.trim().to_string()
}

/// An operator name as recorded: one line, bounded; `None` when empty.
pub fn clean_operator(s: &str) -> Option<String> {
    let s = clean_text(&s.replace(['\n', '\t'], " "), MAX_OPERATOR);
    (!s.is_empty()).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bound_cuts_on_char_boundary() {
        assert_eq!(bound("abc", 5), "abc");
        let b = bound("ééééé", 2);
        assert!(b.starts_with("éé…"), "{b}");
    }

    #[test]
    fn an_operator_name_is_one_bounded_line() {
        assert_eq!(clean_operator("  ana\nb\u{7}"), Some("ana b".to_string()));
        assert_eq!(clean_operator(" \t "), None);
        assert_eq!(
            clean_operator(&"x".repeat(200)).map(|s| s.len()),
            Some(MAX_OPERATOR)
        );
    }
}
