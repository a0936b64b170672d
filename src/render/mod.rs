//! Markdown → HTML for one page, as a pipeline over pulldown-cmark events.
//!
//! A page render is a pure function of its Markdown (plus the probe hook), so `serve` can
//! re-render a single page in milliseconds. Anything that needs the whole site (does that
//! link target exist? does it have that anchor?) is returned as data (`links`) and checked
//! later by `site`.
//!
//! # HTML emitted
//!
//! Everything not listed here is pulldown-cmark's usual output (`p`, `ul`/`ol`, `table`,
//! `blockquote`, `del`, task-list `<input disabled type="checkbox">`, …). Raw HTML in the
//! Markdown passes through unchanged. All text the renderer adds itself is escaped.
//!
//! Headings (id: explicit `{#id}`, else a unique slug; `{.class}` and `key=value` kept):
//! ```html
//! <h2 id="key-layout" class="…">Key layout <a class="anchor" href="#key-layout" aria-hidden="true" tabindex="-1">#</a></h2>
//! ```
//! Alerts (`> [!NOTE]`, `[!TIP]`, `[!IMPORTANT]`, `[!WARNING]`, `[!CAUTION]`):
//! ```html
//! <div class="callout callout-warning" role="note" aria-label="Warning"><p class="callout-title">Warning</p>
//! …content (paragraphs, lists)…</div>
//! ```
//! Code blocks (`data-lang`, `.codeblock-lang` and `language-…` only when a language is
//! given; `.codeblock-title` only for `title="…"` in the info string):
//! ```html
//! <div class="codeblock" data-lang="bash"><div class="codeblock-head"><span class="codeblock-title">deploy.sh</span><span class="codeblock-lang">bash</span><button class="copy" type="button" aria-label="Copy code">Copy</button></div><pre class="hl-code"><code class="language-bash"><span class="hl-source"><span class="hl-variable hl-function">systemctl</span> …</span></code></pre></div>
//! ```
//! Highlighting uses `hl-`-prefixed scope classes (`hl-keyword hl-control`, …), styled by
//! [`highlight_css`]; `.hl-code` carries the theme's foreground and background. Only scope
//! atoms the shipped themes style are emitted (no `hl-bash`/`hl-python` language classes:
//! use `data-lang` / `language-…` to target a language).
//! Sessions (`console`, and `pycon` or `python` blocks containing `>>> ` lines) mark prompts
//! and output; an output span includes its line's newline, so the copy button can copy
//! `code` minus `.prompt` and `.output` elements to get exactly the commands:
//! ```html
//! <span class="prompt">$ </span><span class="hl-…">redis-cli ping</span>
//! <span class="output">PONG
//! </span>
//! ```
//! Footnotes (ids never clash with heading ids, which avoid them):
//! ```html
//! <sup class="footnote-reference"><a id="fnref-1" href="#fn-1" aria-label="Footnote 1">1</a></sup>
//! <div class="footnote-definition" id="fn-1"><sup class="footnote-definition-label">1</sup><p>… <a class="footnote-backref" href="#fnref-1" aria-label="Back to reference 1">↩</a></p></div>
//! ```
//! Probe fences: the hook's HTML verbatim; when the hook fails, an escaped error box:
//! ```html
//! <div class="render-error" role="alert"><p class="render-error-title">Probe error (line 12)</p><p class="render-error-message">…</p><pre><code>…block body…</code></pre></div>
//! ```
//! Links: `.md` targets are rewritten to the output `.html` (relative to this page, keeping
//! `?query` and `#anchor`); folder links `dir/` → `dir/index.html`; docs-root asset URLs
//! `/img/x.png` are made relative; everything else is left as written.

mod alerts;
mod code;
pub(crate) mod escape;
mod fences;
mod footnotes;
mod highlight;
mod lexers;
pub(crate) mod links;
mod pipeline;
mod search_text;
pub use crate::content::slug;

pub use highlight::Highlighter;
pub use slug::slugify;

/// One code block as the guides render it (header with the language and a Copy button,
/// highlighting, session prompts and output marked for the copy), for pages built outside
/// the pipeline (runbook walkthrough steps). `info` is the fence's info string.
pub fn code_block_html(info: &str, code: &str, highlighter: Highlighter) -> String {
    let (lang, title) = match fences::parse_info(info) {
        fences::FenceKind::Code { lang, title } => (lang, title),
        fences::FenceKind::Probe => (String::new(), None),
    };
    let mut out = String::new();
    code::render_code_block(&lang, title.as_deref(), code, Some(highlighter), &mut out);
    out
}

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
    /// Syntax-highlight code blocks. `serve` turns it off for a fast first pass (code is
    /// then escaped plain text; everything else, links and headings included, is the same).
    pub highlight: bool,
    /// Which highlighter highlights (`[render] highlighter`).
    pub highlighter: Highlighter,
    /// Renders the Markdown for another page than its own (a runbook step shown on a
    /// walkthrough at `/runs/ID/`): the URL from that page to the source page's folder,
    /// e.g. `../../ops/`. Page-relative links and images get it as a prefix and same-page
    /// anchors point at the source page, so every link still reaches what the guide means.
    /// `None` for the page's own output.
    pub link_base: Option<&'a str>,
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
    /// Ids besides the headings' that a `#fragment` may name: a heading's id from before
    /// GitHub's slugs (see `content::slug`), which the heading still carries, and the ids
    /// raw HTML defines (`<a id="x">`, `<a name="x">`).
    pub anchors: Vec<String>,
    pub links: Vec<LinkRef>,
    pub sections: Vec<SearchSection>,
    /// Problems found while rendering (bad probe blocks, …), with file:line.
    pub diagnostics: Vec<crate::diag::Diagnostic>,
}

/// Renders one page. Never fails as a whole: problems are collected in `diagnostics`.
pub fn render_markdown(input: &RenderInput, probe_hook: &mut ProbeHook) -> Rendered {
    pipeline::render(input, None, probe_hook)
}

/// [`render_markdown`] with the variables of a target: `{{ name }}` in text, inline code,
/// code blocks and link destinations becomes the target's value (escaped like any text),
/// an unset value a visible marker (and a warning), an undefined name an error, each with
/// its file:line. Tabs named like the scope's target are selected by default.
pub fn render_markdown_in(
    input: &RenderInput,
    vars: Option<crate::vars::Scope<'_>>,
    probe_hook: &mut ProbeHook,
) -> Rendered {
    pipeline::render(input, vars, probe_hook)
}

/// [`render_markdown_in`] from the page's [`Document`](crate::content::document::Document)
/// events (the parse the page index made), so a page is parsed once however many readers
/// it has. `events` must be the parse of `input.source`.
pub fn render_document_in(
    input: &RenderInput,
    events: crate::content::document::Events,
    vars: Option<crate::vars::Scope<'_>>,
    probe_hook: &mut ProbeHook,
) -> Rendered {
    pipeline::render_events(input, events, vars, probe_hook)
}

/// Highlighting stylesheets, `(light, dark)`, matching the classes in rendered code.
///
/// Each is self-scoped so that exactly one applies whatever the state: light under
/// `<html data-theme="light">`, or with no `data-theme="dark"` and a light system
/// preference; dark under `data-theme="dark"`, or with no `data-theme="light"` and a dark
/// system preference. Include both, in any order.
pub fn highlight_css() -> (String, String) {
    highlight::css_pair()
}
