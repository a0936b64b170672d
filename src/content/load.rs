//! Walking the docs folder: every Markdown file becomes a [`Page`], everything else an
//! [`Asset`] copied as is. All problems are collected, so one build reports them all.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::frontmatter::{self, FrontMatter};
use super::paths::{is_index_name, is_markdown, output_path, to_slash};
use crate::diag::Diagnostic;

/// Output paths the site itself writes; a docs file there would be silently replaced.
pub const RESERVED_OUTPUTS: &[&str] = &["_static", "404.html", "sitemap.xml"];

#[derive(Debug, Clone)]
pub struct Page {
    /// Docs-relative Markdown path (`ops/REDIS_CACHE.md`); for a generated folder index,
    /// the folder itself.
    pub src_rel: PathBuf,
    /// Docs-relative output path with `/` separators (`ops/REDIS_CACHE.html`).
    pub out_rel: String,
    /// The whole file.
    pub source: String,
    /// Byte offset of the Markdown body (after front matter) in `source`.
    pub body_start: usize,
    /// Lines before the body, so render errors point at file lines.
    pub body_line_offset: usize,
    pub front: FrontMatter,
    /// The Markdown parsed once: what the renderer, `check`, the runbook and `serve` read.
    pub doc: std::sync::Arc<super::document::Document>,
    /// `README.md`/`index.md` of its folder (or a generated one).
    pub is_index: bool,
    /// A folder index bisk-docs made because the folder has none.
    pub generated: bool,
}

impl AsRef<Page> for Page {
    fn as_ref(&self) -> &Page {
        self
    }
}

impl Page {
    pub fn body(&self) -> &str {
        &self.source[self.body_start..]
    }

    /// The folder this page belongs to in navigation: its own folder for an index page.
    pub fn folder(&self) -> PathBuf {
        if self.generated {
            self.src_rel.clone()
        } else {
            self.src_rel
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default()
        }
    }

    /// File name without extension, used to order pages and as a last-resort title.
    pub fn stem(&self) -> String {
        self.src_rel
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone)]
pub struct Asset {
    pub src_rel: PathBuf,
    pub out_rel: String,
}

/// Everything found in the docs folder.
#[derive(Debug, Default)]
pub struct Loaded {
    pub pages: Vec<Page>,
    pub assets: Vec<Asset>,
    /// Every folder (docs-relative), the root included as `""`.
    pub folders: Vec<PathBuf>,
}

/// Reads one Markdown file into a page, or a diagnostic naming the problem and its line.
/// The file must still resolve inside the docs folder: `serve` re-reads edited pages one by
/// one, and a page may have been replaced by a link since the docs folder was walked.
pub fn read_page(docs_dir: &Path, src_rel: &Path) -> Result<Page, Diagnostic> {
    super::walk::inside(docs_dir, src_rel)?;
    read_walked_page(docs_dir, src_rel)
}

/// [`read_page`] for a path the walk has just checked (two `realpath`s per page less).
fn read_walked_page(docs_dir: &Path, src_rel: &Path) -> Result<Page, Diagnostic> {
    let display = docs_display(docs_dir, src_rel);
    let bytes = std::fs::read(docs_dir.join(src_rel))
        .map_err(|e| Diagnostic::error(&display, 0, format!("cannot read: {e}")))?;
    let source = String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..valid]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        Diagnostic::error(
            &display,
            line,
            format!("invalid UTF-8 (byte {valid}); save the file as UTF-8"),
        )
    })?;
    parse_page(source, src_rel, &display)
}

/// Builds a page from text already in memory (also used by `serve` for edited files).
pub fn parse_page(source: String, src_rel: &Path, display: &Path) -> Result<Page, Diagnostic> {
    let (front, body_offset, body_line_offset) = {
        let split = frontmatter::split(&source)
            .map_err(|e| Diagnostic::error(display, e.line, e.message))?;
        let offset = split.body.as_ptr() as usize - source.as_ptr() as usize;
        (split.front, offset, split.body_line_offset)
    };
    let is_index = src_rel
        .file_name()
        .is_some_and(|n| is_index_name(&n.to_string_lossy()));
    let doc = super::document::Document::parse(&source, body_offset, body_line_offset);
    Ok(Page {
        out_rel: output_path(src_rel),
        src_rel: src_rel.to_path_buf(),
        doc: std::sync::Arc::new(doc),
        source,
        body_start: body_offset,
        body_line_offset,
        front,
        is_index,
        generated: false,
    })
}

/// How a docs-relative path is shown in messages: prefixed with the docs folder as given.
pub fn docs_display(docs_dir: &Path, src_rel: &Path) -> PathBuf {
    docs_dir.join(src_rel)
}

/// Hidden files, editor backups and lock files: never content.
pub fn is_hidden(name: &std::ffi::OsStr) -> bool {
    let n = name.to_string_lossy();
    n.starts_with('.') || n.ends_with('~') || n.starts_with('#')
}

/// Whether the docs-relative `rel` may be content at all: no hidden file or folder on
/// its way (`.drafts/wip.md` is not, however it is reached).
pub fn is_content(rel: &Path) -> bool {
    !rel.as_os_str().is_empty() && !rel.components().any(|c| is_hidden(c.as_os_str()))
}

/// The one rule for which docs-relative paths are pages: content with a page extension
/// ([`super::paths::PAGE_EXTENSIONS`]). `build`, `serve`, `check`, `build --snapshot`,
/// runbooks and `serve`'s change classification all ask this (or read the page index,
/// [`super::index::Index`]).
pub fn is_page(rel: &Path) -> bool {
    is_content(rel) && is_markdown(rel)
}

/// Walks `docs_dir`, reading pages in parallel. Hidden files and editor backups are skipped;
/// symlinks are followed only inside the docs folder ([`super::walk`]). Files that cannot
/// be read are left out and reported; the rest still loads, so `serve` can keep going
/// while `build` refuses to write. The root always gets an index page, so navigation can
/// be built even from a folder that vanished mid-walk.
pub fn load(docs_dir: &Path) -> (Loaded, Vec<Diagnostic>) {
    use rayon::prelude::*;

    let root = match super::walk::docs_root(docs_dir) {
        Ok(r) => r,
        Err(e) => return (Loaded::default(), vec![e.to_diagnostic()]),
    };
    let mut md_files = Vec::new();
    let mut loaded = Loaded::default();
    let (found, mut diags) = super::walk::walk(docs_dir, &root, is_hidden);
    for super::walk::Found { rel, is_dir } in found {
        if is_dir {
            loaded.folders.push(rel);
            continue;
        }
        if rel.components().count() == 1 && RESERVED_OUTPUTS.iter().any(|r| rel == Path::new(r)) {
            diags.push(Diagnostic::error(
                docs_dir.join(&rel),
                0,
                "this name is reserved for files bisk-docs generates; rename it",
            ));
            continue;
        }
        if is_page(&rel) {
            md_files.push(rel);
        } else {
            loaded.assets.push(Asset {
                out_rel: to_slash(&rel),
                src_rel: rel,
            });
        }
    }
    if let Some(top_static) = loaded.folders.iter().find(|f| *f == Path::new("_static")) {
        diags.push(Diagnostic::error(
            docs_dir.join(top_static),
            0,
            "the folder name `_static` is reserved for the theme's files; rename it",
        ));
    }

    let results: Vec<Result<Page, Diagnostic>> = md_files
        .par_iter()
        .map(|rel| read_walked_page(docs_dir, rel))
        .collect();
    for r in results {
        match r {
            Ok(p) => loaded.pages.push(p),
            Err(d) => diags.push(d),
        }
    }

    check_output_collisions(docs_dir, &loaded, &mut diags);
    add_generated_indexes(&mut loaded);

    diags.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    (loaded, diags)
}

/// Two sources must never map to one output (`README.md` and `index.md` in one folder,
/// or `a.md` next to a hand-written `a.html`).
fn check_output_collisions(docs_dir: &Path, loaded: &Loaded, diags: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<String, &Path> = HashMap::new();
    let sources = loaded
        .pages
        .iter()
        .map(|p| (p.out_rel.to_ascii_lowercase(), p.src_rel.as_path()))
        .chain(
            loaded
                .assets
                .iter()
                .map(|a| (a.out_rel.to_ascii_lowercase(), a.src_rel.as_path())),
        );
    for (out, src) in sources {
        if let Some(first) = seen.insert(out.clone(), src) {
            diags.push(Diagnostic::error(
                docs_dir.join(src),
                0,
                format!(
                    "produces the same output file `{out}` as {}; rename one of them",
                    docs_dir.join(first).display()
                ),
            ));
        }
    }
}

/// Every folder gets an index page so breadcrumbs and folder links always land somewhere.
fn add_generated_indexes(loaded: &mut Loaded) {
    if !loaded.folders.iter().any(|f| f.as_os_str().is_empty()) {
        loaded.folders.insert(0, PathBuf::new());
    }
    for folder in &loaded.folders {
        // Folders holding only images or downloads are not sections.
        let has_pages = folder.as_os_str().is_empty()
            || loaded.pages.iter().any(|p| p.src_rel.starts_with(folder));
        if !has_pages {
            continue;
        }
        let has_index = loaded
            .pages
            .iter()
            .any(|p| p.is_index && p.src_rel.parent() == Some(folder.as_path()));
        if !has_index {
            loaded.pages.push(Page {
                out_rel: if folder.as_os_str().is_empty() {
                    "index.html".into()
                } else {
                    format!("{}/index.html", to_slash(folder))
                },
                src_rel: folder.clone(),
                source: String::new(),
                body_start: 0,
                body_line_offset: 0,
                front: FrontMatter::default(),
                doc: Default::default(),
                is_index: true,
                generated: true,
            });
        }
    }
}
