//! Headings, alerts, footnotes, probe fences, search sections and escaping.

use crate::kit;
use kit::render::render;

use std::path::{Path, PathBuf};

use bisk_docs::diag::Severity;
use bisk_docs::render::{Heading, ProbeFence, RenderInput, render_markdown};

fn h(level: u8, id: &str, text: &str) -> Heading {
    Heading {
        level,
        id: id.into(),
        text: text.into(),
    }
}

#[test]
fn heading_ids_are_unique_and_stable() {
    let r = render(include_str!("../fixtures/render/headings.md"));
    assert_eq!(
        r.headings,
        [
            h(1, "runbook-redis-cache", "Runbook: Redis cache"),
            h(2, "setup", "Setup"),
            h(2, "setup-1", "Setup"),
            h(2, "custom-id", "Setup"),
            // Its natural slug went to the duplicate above: first come, first served.
            h(2, "setup-1-1", "Setup-1"),
            h(2, "überblick-café", "Überblick Café"),
            h(2, "section", "🚀"),
            // Footnote 1's id is `fn-1`: the heading must not take it.
            h(2, "fn-1-1", "Fn 1"),
            h(2, "bisk1ping-key", "bisk:1:ping key"),
        ]
    );
    assert_eq!(r.title.as_deref(), Some("Runbook: Redis cache"));
    assert!(r.html.contains(
        "<h2 id=\"custom-id\" class=\"wide\">Setup <a class=\"anchor\" href=\"#custom-id\" aria-hidden=\"true\" tabindex=\"-1\">#</a></h2>"
    ), "{}", r.html);
    assert!(
        r.html.contains(
            "<h2 id=\"bisk1ping-key\"><a id=\"bisk-1-ping-key\" aria-hidden=\"true\"></a><code>bisk:1:ping</code> key <a class=\"anchor\""
        )
    );
}

#[test]
fn explicit_id_wins_even_when_a_slug_came_first() {
    let r = render("## Setup {#setup-1}\n\n## Setup-1\n");
    assert_eq!(
        r.headings,
        [h(2, "setup-1", "Setup"), h(2, "setup-1-1", "Setup-1")]
    );
}

#[test]
fn footnotes_have_prefixed_ids_and_backrefs() {
    let r =
        render("Text[^a] and again[^a], other[^b].\n\n# Fn 1\n\n[^a]: Note A.\n[^b]: Note B.\n");
    let html = &r.html;
    assert!(html.contains("<a id=\"fnref-1\" href=\"#fn-1\""), "{html}");
    assert!(
        html.contains("<a id=\"fnref-1-2\" href=\"#fn-1\""),
        "{html}"
    );
    assert!(html.contains("<a id=\"fnref-2\" href=\"#fn-2\""), "{html}");
    assert!(
        html.contains("<div class=\"footnote-definition\" id=\"fn-1\">"),
        "{html}"
    );
    assert!(html.contains("href=\"#fnref-1\" aria-label=\"Back to reference 1\">↩</a> <a class=\"footnote-backref\" href=\"#fnref-1-2\""), "{html}");
    assert!(
        html.contains("Note B. <a class=\"footnote-backref\" href=\"#fnref-2\""),
        "{html}"
    );
    assert_eq!(r.headings[0].id, "fn-1-1");
    // No bare numeric ids from pulldown-cmark's default footnote markup.
    assert!(!html.contains("id=\"1\""));
}

#[test]
fn every_alert_kind_becomes_a_titled_callout() {
    let r = render(include_str!("../fixtures/render/alerts.md"));
    for (class, title) in [
        ("note", "Note"),
        ("tip", "Tip"),
        ("important", "Important"),
        ("warning", "Warning"),
        ("caution", "Caution"),
    ] {
        let open = format!(
            "<div class=\"callout callout-{class}\" role=\"note\" aria-label=\"{title}\"><p class=\"callout-title\">{title}</p>"
        );
        assert!(r.html.contains(&open), "{class}: {}", r.html);
    }
    assert!(
        r.html
            .contains("<p>Urgent info: <strong>do not</strong> flush db 1.</p>\n</div>"),
        "{}",
        r.html
    );
    assert!(
        r.html
            .contains("<blockquote>\n<p>An ordinary quote.</p>\n</blockquote>")
    );
    assert_eq!(
        r.html.matches("<div").count(),
        r.html.matches("</div>").count()
    );
}

#[test]
fn probe_fences_call_the_hook_with_file_lines() {
    let src = include_str!("../fixtures/render/probes.md");
    let mut seen = Vec::new();
    let mut hook = |f: &ProbeFence| {
        seen.push((f.body.to_string(), f.line, f.index));
        if f.body.contains("<bad>") {
            Err("unknown probe kind \"<bad>\"".to_string())
        } else {
            Ok("<div class=\"probe\" id=\"probe-0\"></div>".to_string())
        }
    };
    let input = RenderInput {
        source: src,
        line_offset: 4,
        src_path: Path::new("ops/probes.md"),
        highlight: true,
        highlighter: Default::default(),
        link_base: None,
    };
    let r = render_markdown(&input, &mut hook);
    assert_eq!(
        seen,
        [
            (
                "kind = \"redis_ping\"\ntarget = \"default\"\n".to_string(),
                5 + 4,
                0
            ),
            ("kind = \"<bad>\"\n".to_string(), 12 + 4, 1),
        ]
    );
    assert!(
        r.html
            .contains("<div class=\"probe\" id=\"probe-0\"></div>")
    );
    assert_eq!(r.diagnostics.len(), 1);
    let d = &r.diagnostics[0];
    assert_eq!(
        (d.severity, d.file.clone(), d.line),
        (Severity::Error, PathBuf::from("ops/probes.md"), 16)
    );
    assert_eq!(d.message, "unknown probe kind \"<bad>\"");
    // The page still renders, with a visible and escaped error box.
    assert!(r.html.contains("<div class=\"render-error\" role=\"alert\"><p class=\"render-error-title\">Probe error (line 16)</p><p class=\"render-error-message\">unknown probe kind &quot;&lt;bad&gt;&quot;</p>"), "{}", r.html);
    assert!(!r.html.contains("<bad>"));
    // Probe bodies are not page text.
    assert!(!r.sections.iter().any(|s| s.text.contains("redis_ping")));
}

#[test]
fn search_sections_split_at_headings() {
    let r = render(include_str!("../fixtures/render/headings.md"));
    let s = &r.sections;
    assert_eq!(s[0].anchor, "runbook-redis-cache");
    assert_eq!(s[0].text, "Intro text before the first section.");
    assert_eq!(s[1].anchor, "setup");
    assert!(
        s[1].text.starts_with("Text with a footnote and another."),
        "{:?}",
        s[1]
    );
    assert_eq!(s.len(), r.headings.len());

    let r = render(
        "Lead   paragraph\nsecond line.\n\n## Run it\n\n- one\n- two\n\n```bash\nredis-cli   ping\n```\n\n| a | b |\n|---|---|\n| c | d |\n",
    );
    assert_eq!(r.sections[0].anchor, "");
    assert_eq!(r.sections[0].heading, "");
    assert_eq!(r.sections[0].text, "Lead paragraph second line.");
    assert_eq!(r.sections[1].heading, "Run it");
    assert_eq!(r.sections[1].text, "one two redis-cli ping a b c d");
}

#[test]
fn hostile_text_is_escaped_where_the_renderer_writes_it() {
    let r = render(include_str!("../fixtures/render/hostile.md"));
    let html = &r.html;
    // Raw inline HTML in Markdown is trusted and passes; everything else must not.
    assert!(
        html.contains("<span class=\"codeblock-title\">&lt;script&gt;x&lt;/script&gt;</span>"),
        "{html}"
    );
    assert!(
        html.contains("&lt;script&gt;alert(&#39;code&#39;)&lt;/script&gt;")
            || html.contains("&lt;</span>"),
        "{html}"
    );
    assert!(!html.contains("<script>alert('code')"));
    assert!(!html.contains("<script>alert(\"text\")"));
    assert!(!html.contains("<img src=x"), "{html}");
    assert!(html.contains("data-lang=\"&lt;img\""), "{html}");
    assert!(html.contains("title=\"t&lt;&quot;itle\""), "{html}");
    // Plain text (title, headings) is raw text for templates to escape; the HTML is escaped.
    assert_eq!(
        r.title.as_deref(),
        Some("Title <script>alert(\"h1\")</script>")
    );
    assert_eq!(r.headings[0].id, "title-scriptalerth1script");
    assert!(
        html.contains("<h1 id=\"title-scriptalerth1script\"><a id=\"title-script-alert-h1-script\" aria-hidden=\"true\"></a>Title &lt;script&gt;"),
        "{html}"
    );
    assert!(
        html.contains(">&lt;script&gt;alert(\"link\")&lt;/script&gt;</a>"),
        "{html}"
    );
    assert!(
        html.contains("<p>&lt;script&gt;alert(\"alert\")&lt;/script&gt;</p>"),
        "{html}"
    );
    assert!(!html.contains("<script"), "{html}");
}

#[test]
fn stray_metadata_fences_stay_visible_text() {
    // Front matter is stripped by the caller; a later `---` pair must not swallow text.
    let r = render("Intro\n\n---\nowner: ops\n---\n\nEnd\n");
    assert!(r.html.contains("owner: ops"), "{}", r.html);
    assert!(r.html.contains("<hr />"));
    let r = render("+++\ntitle = \"x\"\n+++\n");
    assert!(r.html.contains("title = \"x\""), "{}", r.html);
}
