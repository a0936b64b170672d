//! Markdown → HTML for one page, as a pipeline over pulldown-cmark events.
//!
//! A page render is a pure function of its Markdown (plus the probe hook), so `serve` can
//! re-render a single page in milliseconds. Anything that needs the whole site (does that
//! link target exist? does it have that anchor?) is returned as data (`links`) and checked
//! later by `site`.

use std::path::{Path, PathBuf};

/// What the renderer needs to know about the page it renders.
pub struct RenderInput<'a> {
    /// Markdown body, front matter already removed.
    pub source: &'a str,
    /// Number of lines that precede `source` in the file (front matter), so that reported
    /// line numbers are those of the file.
    pub line_offset: usize,
    /// Docs-relative path of the Markdown file, e.g. `ops/REDIS_CACHE.md`.
    pub src_path: &'a Path,
}

/// A fenced block whose info string is `probe`, handed to the probe hook.
pub struct ProbeFence<'a> {
    /// The TOML body of the block.
    pub body: &'a str,
    /// 1-based line of the opening fence in the file.
    pub line: usize,
    /// 0-based position among the page's probe fences, in document order.
    pub index: usize,
}

/// Called once per probe fence; returns the widget HTML, or an error message that the
/// renderer reports with the fence's file:line.
pub type ProbeHook<'h> = dyn FnMut(&ProbeFence) -> Result<String, String> + 'h;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Heading {
    /// 1..=6
    pub level: u8,
    /// Unique within the page.
    pub id: String,
    /// Plain text of the heading.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkTarget {
    /// `#anchor` in the same page.
    SamePage { anchor: String },
    /// Another Markdown page (docs-relative `.md` path), optionally with an anchor.
    Page {
        path: PathBuf,
        anchor: Option<String>,
    },
    /// A non-Markdown file inside the docs folder (image, download).
    Asset { path: PathBuf },
    /// A relative link that climbs above the docs folder.
    OutsideDocs { raw: String },
}

/// An internal link found in the page, to be checked once the whole site is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRef {
    pub target: LinkTarget,
    /// 1-based line in the file.
    pub line: usize,
    /// The link as written, for error messages.
    pub raw: String,
}

/// One searchable chunk: the text between a heading and the next one.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SearchSection {
    /// Heading id to deep-link to; empty for the text before the first heading.
    pub anchor: String,
    pub heading: String,
    pub text: String,
}

#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub html: String,
    /// Text of the first H1, if any.
    pub title: Option<String>,
    pub headings: Vec<Heading>,
    pub links: Vec<LinkRef>,
    pub sections: Vec<SearchSection>,
    /// Problems found while rendering (bad probe blocks, …), with file:line.
    pub diagnostics: Vec<crate::diag::Diagnostic>,
}

/// Renders one page. Never fails as a whole: problems are collected in `diagnostics`.
pub fn render_markdown(_input: &RenderInput, _probe_hook: &mut ProbeHook) -> Rendered {
    unimplemented!("render pipeline: owned by the render work")
}

/// Highlighting stylesheets, `(light, dark)`, matching the classes in rendered code.
pub fn highlight_css() -> (String, String) {
    unimplemented!("render pipeline: owned by the render work")
}
