//! Heading ids are GitHub's (a hand-written corpus), old ids still resolve, and heading
//! attributes give exactly one id (issue 21, classes 5 and 6).

use std::path::Path;

use crate::kit;
use bisk_docs::render::{ProbeFence, RenderInput, Rendered, render_markdown};
use kit::tree::Tree;

fn render(src: &str) -> Rendered {
    let input = RenderInput {
        source: src,
        line_offset: 0,
        src_path: Path::new("page.md"),
        highlight: false,
        highlighter: Default::default(),
        link_base: None,
    };
    let mut hook = |_: &ProbeFence| Ok::<_, String>(String::new());
    render_markdown(&input, &mut hook)
}

#[test]
fn corpus_ids_equal_githubs() {
    let corpus = std::fs::read_to_string(kit::fixture_path("heading_ids/github.tsv")).unwrap();
    let rows: Vec<(&str, &str)> = corpus
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            l.split_once('\t')
                .unwrap_or_else(|| panic!("no tab in {l:?}"))
        })
        .collect();
    assert!(rows.len() >= 80, "{} headings", rows.len());
    let page: String = rows.iter().map(|(h, _)| format!("## {h}\n\n")).collect();
    let r = render(&page);
    assert_eq!(r.headings.len(), rows.len(), "one heading per row");
    let mut wrong = Vec::new();
    for ((heading, want), got) in rows.iter().zip(&r.headings) {
        if got.id != *want {
            wrong.push(format!("{heading:?}: got {:?}, GitHub {want:?}", got.id));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn issue_examples_and_old_ids_beside_them() {
    let r = render("## What's new\n\n## HTML/XML tags\n\n## Install\n");
    assert!(
        r.html
            .contains("<h2 id=\"whats-new\"><a id=\"what-s-new\" aria-hidden=\"true\"></a>What"),
        "{}",
        r.html
    );
    assert!(
        r.html
            .contains("<h2 id=\"htmlxml-tags\"><a id=\"html-xml-tags\""),
        "{}",
        r.html
    );
    // Unchanged ids get no second anchor.
    assert!(r.html.contains("<h2 id=\"install\">Install"), "{}", r.html);
    assert_eq!(r.anchors, ["what-s-new", "html-xml-tags"]);
}

#[test]
fn heading_attributes_give_one_id() {
    let r = render(
        "## Setup { id=custom }\n\n## Release { id=\"9.7.0\" }\n\n## Notes {#n .warn}\n\n## Old { .a id='q' data-x=\"1\" }\n\n## Setup\n",
    );
    let ids: Vec<&str> = r.headings.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["custom", "9.7.0", "n", "q", "setup"]);
    for (tag, heading) in [
        ("<h2 id=\"custom\">", "Setup"),
        ("<h2 id=\"9.7.0\">", "Release"),
        ("<h2 id=\"n\" class=\"warn\">", "Notes"),
        ("<h2 id=\"q\" class=\"a\" data-x=\"1\">", "Old"),
    ] {
        assert!(
            r.html.contains(&format!("{tag}{heading}")),
            "{tag}: {}",
            r.html
        );
    }
    assert_eq!(
        r.html.matches(" id=").count(),
        5,
        "one id per heading: {}",
        r.html
    );
    assert!(!r.html.contains("&quot;"), "{}", r.html);
}

#[test]
fn link_checker_accepts_github_old_and_attribute_ids() {
    let tree = Tree::site(
        "title = \"T\"\n",
        &[
            (
                "index.md",
                "# Home\n\n[a](guide.md#whats-new) [b](guide.md#what-s-new) \
                 [c](guide.md#custom) [d](guide.md#970) [e](guide.md#-features)\n",
            ),
            (
                "guide.md",
                "# Guide\n\n## What's new\n\n## Setup { id=custom }\n\n## v9.7.0 {#970}\n\n## ✨ Features\n",
            ),
        ],
    );
    tree.run(&["build", "--strict"]).ok();
    let bad = Tree::site(
        "title = \"T\"\n",
        &[
            ("index.md", "# Home\n\n[a](guide.md#setup)\n"),
            ("guide.md", "# Guide\n\n## Setup { id=custom }\n"),
        ],
    );
    bad.run(&["build", "--strict"])
        .fails_with(1)
        .stderr_has("setup");
}

#[test]
fn raw_html_ids_are_anchors_for_the_link_checker() {
    // Issue 21 §5: `<a id="old">` / `<a name="x">` anchors the page really has.
    let tree = Tree::site(
        "title = \"T\"\n",
        &[
            (
                "index.md",
                "# Home\n\n[a](guide.md#old) [b](guide.md#x) [c](guide.md#box)\n",
            ),
            (
                "guide.md",
                "# Guide\n\n<a id=\"old\"></a>\n\n## New name\n\nText <a name=\"x\"></a> here.\n\n<div id=\"box\">\n\nIn a box.\n\n</div>\n",
            ),
        ],
    );
    tree.run(&["build", "--strict"]).ok();
    let bad = Tree::site(
        "title = \"T\"\n",
        &[
            ("index.md", "# Home\n\n[a](guide.md#nope)\n"),
            ("guide.md", "# Guide\n\n<a id=\"old\"></a>\n"),
        ],
    );
    bad.run(&["build", "--strict"])
        .fails_with(1)
        .stderr_has("nope");
}
