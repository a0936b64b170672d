//! Pages built to hit quadratic spots: every link and heading of a page must cost about the
//! same whatever its position, so time grows linearly with the page.

use std::path::Path;
use std::time::{Duration, Instant};

use bisk_docs::render::{LinkTarget, ProbeFence, RenderInput, render_markdown};

fn render(source: &str) -> (bisk_docs::render::Rendered, Duration) {
    let input = RenderInput {
        source,
        line_offset: 0,
        src_path: Path::new("page.md"),
        highlight: false,
        highlighter: Default::default(),
        link_base: None,
    };
    let mut hook = |_: &ProbeFence| Ok(String::new());
    let started = Instant::now();
    let rendered = render_markdown(&input, &mut hook);
    (rendered, started.elapsed())
}

#[test]
fn forty_thousand_links_render_in_linear_time_with_their_lines() {
    // Before the line index, each link's line was counted from the top of the page:
    // 40,000 links over 1.4 MB took minutes in a debug build.
    let mut page = String::from("# Links\n\n## Target\n\n");
    for i in 0..20_000 {
        page.push_str(&format!(
            "- [to b {i}](b.md#part) and [here {i}](#target)\n"
        ));
    }
    let (r, took) = render(&page);
    assert_eq!(r.links.len(), 40_000);
    let last = r.links.last().unwrap();
    assert_eq!(last.line, 5 + 19_999);
    assert!(matches!(&last.target, LinkTarget::SamePage { anchor } if anchor == "target"));
    assert!(took < Duration::from_secs(20), "{took:?}");
}

#[test]
fn sixteen_thousand_identical_headings_get_unique_ids_in_linear_time() {
    let page = "## Setup\n\nText.\n\n".repeat(16_000);
    let (r, took) = render(&page);
    assert_eq!(r.headings.len(), 16_000);
    assert_eq!(r.headings[0].id, "setup");
    assert_eq!(r.headings[15_999].id, "setup-15999");
    let unique: std::collections::HashSet<&str> =
        r.headings.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(unique.len(), 16_000);
    assert!(took < Duration::from_secs(20), "{took:?}");
}
