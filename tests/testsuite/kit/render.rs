//! The Markdown renderer in process, as `build` calls it for a page at `ops/page.md`.

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
    };
    let mut hook =
        |f: &ProbeFence| Ok::<_, String>(format!("<div class=\"probe\">{}</div>", f.index));
    render_markdown(&input, &mut hook)
}
