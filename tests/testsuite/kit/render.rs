//! Rendering pieces in process: a page's Markdown as `build` renders it at `ops/page.md`,
//! the theme's static files and the search index, for tests that assemble a site by hand.

use std::path::Path;

use bisk_docs::render::{ProbeFence, RenderInput, Rendered, render_markdown};

/// Renders `src` with highlighting; each probe fence becomes `<div class="probe">N</div>`
/// (its index), so tests see where the widgets go without the widget markup.
pub fn render(src: &str) -> Rendered {
    let input = RenderInput {
        source: src,
        line_offset: 0,
        src_path: Path::new("ops/page.md"),
        highlight: true,
        highlighter: Default::default(),
        link_base: None,
    };
    let mut hook =
        |f: &ProbeFence| Ok::<_, String>(format!("<div class=\"probe\">{}</div>", f.index));
    render_markdown(&input, &mut hook)
}

/// Writes `bytes` to `rel` under `root` (folders created).
pub fn write_file(root: &std::path::Path, rel: &str, bytes: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

/// The default theme's static files under `out/_static/`, as a build writes them.
pub fn write_theme_static(out: &std::path::Path) -> bisk_docs::theme::Theme {
    let theme = bisk_docs::theme::Theme::load(None).unwrap();
    for (rel, bytes) in theme.static_files() {
        write_file(out, &format!("_static/{rel}"), &bytes);
    }
    theme
}

/// The search index files (output path, text; the manifest first) of pages given as
/// (url, title, sections).
pub fn search_index<U: AsRef<str>, T: AsRef<str>>(
    pages: &[(U, T, Vec<bisk_docs::render::SearchSection>)],
) -> Vec<(String, String)> {
    let docs: Vec<bisk_docs::site::search::SearchDoc> = pages
        .iter()
        .map(
            |(url, title, sections)| bisk_docs::site::search::SearchDoc {
                url: url.as_ref(),
                title: title.as_ref(),
                sections,
            },
        )
        .collect();
    bisk_docs::site::search::build_index(&docs)
}

/// Writes the search index of `pages` under `out/_static/`, as a build does.
pub fn write_search_index<U: AsRef<str>, T: AsRef<str>>(
    out: &Path,
    pages: &[(U, T, Vec<bisk_docs::render::SearchSection>)],
) {
    for (rel, text) in search_index(pages) {
        write_file(out, &rel, text.as_bytes());
    }
}

/// A search section (anchor, heading, text).
pub fn section(anchor: &str, heading: &str, text: &str) -> bisk_docs::render::SearchSection {
    bisk_docs::render::SearchSection {
        anchor: anchor.into(),
        heading: heading.into(),
        text: text.into(),
    }
}
