//! Link rewriting and the internal links reported for checking, with file lines.

use std::path::{Path, PathBuf};

use bisk_docs::render::{LinkRef, LinkTarget, ProbeFence, RenderInput, Rendered, render_markdown};

fn render_at(src: &str, path: &str, line_offset: usize) -> Rendered {
    let input = RenderInput {
        source: src,
        line_offset,
        src_path: Path::new(path),
        highlight: true,
        highlighter: Default::default(),
        link_base: None,
    };
    let mut hook = |_: &ProbeFence| Ok::<_, String>(String::new());
    render_markdown(&input, &mut hook)
}

fn page(path: &str, anchor: Option<&str>) -> LinkTarget {
    LinkTarget::Page {
        path: PathBuf::from(path),
        anchor: anchor.map(String::from),
    }
}

#[test]
fn links_are_rewritten_and_reported_with_file_lines() {
    // Three lines of front matter precede the body in the file.
    let r = render_at(
        include_str!("../fixtures/render/links.md"),
        "ops/runbook.md",
        3,
    );
    let got: Vec<(LinkTarget, usize, &str)> = r
        .links
        .iter()
        .map(|l: &LinkRef| (l.target.clone(), l.line, l.raw.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (page("ops/REDIS_CACHE.md", None), 6, "REDIS_CACHE.md"),
            (
                page("ops/REDIS_CACHE.md", Some("key-layout")),
                6,
                "REDIS_CACHE.md#key-layout"
            ),
            (
                page("backend/API.md", Some("auth")),
                7,
                "../backend/API.md?tab=1#auth"
            ),
            (page("README.md", None), 7, "../README.md"),
            (page("ops/index.md", None), 7, "./"),
            (page("backend/index.md", None), 8, "../backend/"),
            (
                LinkTarget::SamePage {
                    anchor: "links".into()
                },
                10,
                "#links"
            ),
            (
                LinkTarget::Asset {
                    path: "ops/img/flow chart.png".into()
                },
                13,
                "img/flow%20chart.png"
            ),
            (page("ops/My Guide.md", None), 14, "My%20Guide.md"),
            (
                LinkTarget::OutsideDocs {
                    raw: "../../etc/passwd".into()
                },
                15,
                "../../etc/passwd"
            ),
            (
                LinkTarget::Asset {
                    path: "img/logo.png".into()
                },
                16,
                "/img/logo.png"
            ),
        ]
    );
    let html = &r.html;
    for href in [
        "href=\"REDIS_CACHE.html\"",
        "href=\"REDIS_CACHE.html#key-layout\"",
        "href=\"../backend/API.html?tab=1#auth\"",
        "href=\"../index.html\"",
        "href=\"index.html\"",
        "href=\"../backend/index.html\"",
        "href=\"#links\"",
        "href=\"https://example.com/a.md\"",
        "href=\"mailto:ops@example.com\"",
        "href=\"//cdn.example.com/x.md\"",
        "src=\"img/flow%20chart.png\"",
        "href=\"My%20Guide.html\"",
        "href=\"../../etc/passwd\"",
        "href=\"../img/logo.png\"",
    ] {
        assert!(html.contains(href), "missing {href} in {html}");
    }
}

#[test]
fn sub_paths_and_index_pages() {
    let r = render_at(
        "[a](../../README.md) [b](../c/d.md#x) [c](deep/)\n",
        "a/b/page.md",
        0,
    );
    assert!(r.html.contains("href=\"../../index.html\""), "{}", r.html);
    assert!(r.html.contains("href=\"../c/d.html#x\""), "{}", r.html);
    assert!(r.html.contains("href=\"deep/index.html\""), "{}", r.html);
    // From a folder index page, relative links start in that folder.
    let r = render_at("[sib](other.md) [up](../x.md)\n", "ops/README.md", 0);
    assert!(r.html.contains("href=\"other.html\""), "{}", r.html);
    assert!(r.html.contains("href=\"../x.html\""), "{}", r.html);
    assert_eq!(r.links[0].target, page("ops/other.md", None));
}

#[test]
fn reference_links_and_links_in_headings_are_handled() {
    let r = render_at(
        "## See [guide][g]\n\ntext\n\n[g]: guide.md#top\n",
        "ops/a.md",
        0,
    );
    assert!(
        r.html.contains("<a href=\"guide.html#top\">guide</a>"),
        "{}",
        r.html
    );
    assert_eq!(r.links[0].target, page("ops/guide.md", Some("top")));
    assert_eq!(r.links[0].line, 1);
    assert_eq!(r.headings[0].text, "See guide");
}
