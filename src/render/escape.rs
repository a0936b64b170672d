//! The one HTML (and XML) escape of the crate: the renderer, the theme's templates, probe
//! widgets, the status page, runbook pages and reports, the sitemap and JUnit all use it.

/// Appends `text` to `out`, escaped for use in HTML text and double- or single-quoted
/// attribute values.
pub(crate) fn escape_into(out: &mut String, text: &str) {
    let mut last = 0;
    for (i, b) in text.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&text[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&text[last..]);
}

/// Escaped copy of `text`.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    escape_into(&mut out, text);
    out
}

/// Escaped copy of `text` whose `code spans` (paired backticks, as hint texts write commands)
/// become `<code>` elements; an unpaired backtick stays as written. Only the two tags are
/// added: everything else in `text` is escaped, so it is as safe as [`escape`].
pub(crate) fn escape_code_spans(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    let pairs = (parts.len() - 1) / 2;
    let mut out = String::with_capacity(text.len() + 16);
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            let paired = (i - 1) / 2 < pairs;
            out.push_str(match (paired, i % 2 == 1) {
                (true, true) => "<code>",
                (true, false) => "</code>",
                (false, _) => "`",
            });
        }
        escape_into(&mut out, part);
    }
    out
}

/// Escaped copy of `text` for XML 1.0 text and attribute values (JUnit reports). Characters
/// XML 1.0 forbids even as references (C0 controls but tab, newline and carriage return;
/// U+FFFE, U+FFFF) become U+FFFD, so a value read from a cache cannot break the document.
pub(crate) fn escape_xml(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => '\u{fffd}',
            _ => c,
        })
        .collect();
    let mut out = String::with_capacity(clean.len() + 8);
    escape_into(&mut out, &clean);
    // A literal carriage return would be normalised away by the parser.
    out.replace('\r', "&#13;")
}

#[cfg(test)]
mod tests {
    #[test]
    fn code_spans_in_hints() {
        use super::escape_code_spans as spans;
        assert_eq!(
            spans("run `systemctl is-active <unit>` & see"),
            "run <code>systemctl is-active &lt;unit&gt;</code> &amp; see"
        );
        assert_eq!(spans("a `b` c `d"), "a <code>b</code> c `d");
        assert_eq!(spans("`"), "`");
        assert_eq!(spans("no code"), "no code");
        assert_eq!(spans("`<script>`"), "<code>&lt;script&gt;</code>");
    }

    #[test]
    fn xml_escape_replaces_forbidden_characters() {
        assert_eq!(
            super::escape_xml("a\u{fffe}b\u{ffff}\u{1}\u{1b}<]]>\"'\n\u{85}\u{10000}"),
            "a\u{fffd}b\u{fffd}\u{fffd}\u{fffd}&lt;]]&gt;&quot;&#39;\n\u{85}\u{10000}"
        );
    }

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            super::escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(super::escape("plain ünï"), "plain ünï");
    }
}
