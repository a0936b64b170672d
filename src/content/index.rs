//! The page index: the docs folder walked once, every page read and parsed once into its
//! [`Document`](super::document::Document), nothing rendered. It is the one source the
//! readers of pages share: `build` and `serve` render from it, `check` and
//! `build --snapshot` take their probes from it, the runbook (terminal and `serve`'s
//! `/runs/` routes) splits its guides from it. `serve` keeps the index of the site it
//! serves and updates it page by page as files change.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::load::{self, Asset, Page};
use crate::diag::Diagnostic;

/// Every page and asset of a docs folder, with each page's document.
#[derive(Debug, Clone, Default)]
pub struct Index {
    pub docs_dir: PathBuf,
    /// In the walk's order, generated folder indexes last. Shared: `serve` hands a new
    /// index to its readers on every publish, and a page's source is not copied for that.
    pub pages: Vec<Arc<Page>>,
    pub assets: Vec<Asset>,
    /// Problems met while walking and reading (unreadable pages, bad front matter, …).
    pub diagnostics: Vec<Diagnostic>,
}

impl Index {
    /// Walks `docs_dir`, reading and parsing every page (in parallel).
    pub fn load(docs_dir: &Path) -> Index {
        let (loaded, diagnostics) = load::load(docs_dir);
        Index {
            docs_dir: docs_dir.to_path_buf(),
            pages: loaded.pages.into_iter().map(Arc::new).collect(),
            assets: loaded.assets,
            diagnostics,
        }
    }

    /// The page at docs-relative `rel` (a file the author wrote, not a generated index).
    pub fn page(&self, rel: &Path) -> Option<&Page> {
        self.pages
            .iter()
            .map(|p| &**p)
            .find(|p| !p.generated && p.src_rel == rel)
    }

    /// The pages authors wrote, in path order (the order `check` reports in and the
    /// first-declared rule of duplicate probe ids reads them).
    pub fn authored(&self) -> Vec<&Page> {
        let mut pages: Vec<&Page> = self
            .pages
            .iter()
            .map(|p| &**p)
            .filter(|p| !p.generated)
            .collect();
        pages.sort_by(|a, b| a.src_rel.cmp(&b.src_rel));
        pages
    }

    /// Replaces (or adds) a page, as `serve` does when a file changes.
    pub fn put(&mut self, page: Page) {
        let page = Arc::new(page);
        match self
            .pages
            .iter_mut()
            .find(|p| !p.generated && p.src_rel == page.src_rel)
        {
            Some(slot) => *slot = page,
            None => self.pages.push(page),
        }
    }

    /// Forgets a page that is gone.
    pub fn remove(&mut self, rel: &Path) {
        self.pages.retain(|p| p.generated || p.src_rel != rel);
    }
}
