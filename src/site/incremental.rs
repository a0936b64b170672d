//! Updating a loaded [`Site`] in place after one file changed, so `serve` can re-render a
//! single page in milliseconds instead of reloading the whole tree.
//!
//! A page's HTML depends on its own Markdown plus the site index (titles, tree, anchors).
//! [`Site::reload_page`] re-reads and re-renders one page and reports which parts of the
//! index moved, so the caller knows whether the sidebar, the search index or other pages'
//! chrome must be regenerated too.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{Site, links, load_theme, render_one, resolve_title};
use crate::content;
use crate::diag::Diagnostic;

/// Marks the diagnostics [`Site::check_probe_ids`] produces, so they can be recomputed.
const DUPLICATE_PROBE: &str = crate::probe::declare::discover::DUPLICATE_ID;

/// What re-rendering one page changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageUpdate {
    /// Index of the page in [`Site::pages`].
    pub index: usize,
    /// The page's title changed: the sidebar, breadcrumbs and prev/next of other pages
    /// name it.
    pub title_changed: bool,
    /// Its headings changed: the search index and anchors other pages link to.
    pub headings_changed: bool,
    /// Its weight changed: the reading order (sidebar, prev/next).
    pub order_changed: bool,
    /// The probes it declares changed (ids, order or declarations).
    pub probes_changed: bool,
    /// Problems of this page now (rendering and its links); errors mean it is broken.
    pub diagnostics: Vec<Diagnostic>,
}

impl PageUpdate {
    /// Whether navigation, search or other pages' chrome must be regenerated.
    pub fn outline_changed(&self) -> bool {
        self.title_changed || self.headings_changed || self.order_changed
    }

    /// Whether every page's chrome (not only nav.js and the search index) must be
    /// re-rendered: titles and order appear in breadcrumbs, prev/next and section lists.
    pub fn chrome_changed(&self) -> bool {
        self.title_changed || self.order_changed
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

impl Site {
    /// The page whose docs-relative source path is `src_rel`.
    pub fn page_by_src(&self, src_rel: &Path) -> Option<usize> {
        self.pages
            .iter()
            .position(|p| !p.page.generated && p.page.src_rel == src_rel)
    }

    /// The page served at output path `out_rel` (`ops/REDIS_CACHE.html`).
    pub fn page_by_output(&self, out_rel: &str) -> Option<usize> {
        self.pages.iter().position(|p| p.page.out_rel == out_rel)
    }

    /// Re-reads page `src_rel` from disk and re-renders its Markdown. On `Err` (unreadable
    /// file, bad front matter) the site is left as it was.
    pub fn reload_page(&mut self, src_rel: &Path) -> Result<PageUpdate, Diagnostic> {
        let index = self.page_by_src(src_rel).ok_or_else(|| {
            Diagnostic::error(
                content::load::docs_display(&self.docs_dir, src_rel),
                0,
                "not a page of this site (added files need a full reload)",
            )
        })?;
        let page = content::load::read_page(&self.docs_dir, src_rel)?;
        let (rendered, decls) = render_one(
            &self.render_env(),
            &page,
            page.doc.events().to_vec(),
            None,
            true,
        );
        let title = resolve_title(&page, &rendered, &self.config);

        let old = &self.pages[index];
        let title_changed = title != old.title;
        let headings_changed = old.rendered.headings != rendered.headings;
        let order_changed = page.front.weight != old.page.front.weight;
        let probes_changed = decls != old.probes;

        self.pages[index] = super::SitePage {
            page: std::sync::Arc::new(page),
            rendered,
            probes: decls,
            title,
        };
        if order_changed {
            self.tree = content::tree::build(&self.pages, &self.config.sections);
        }

        // Other pages' links can only change verdict when this page's anchors moved.
        let recheck: Vec<usize> = if headings_changed {
            (0..self.pages.len()).collect()
        } else {
            vec![index]
        };
        self.refresh_diagnostics(&recheck, probes_changed);
        let display = self.display_path(index);
        let diagnostics = self
            .diagnostics
            .iter()
            .filter(|d| d.file == display)
            .cloned()
            .collect();
        Ok(PageUpdate {
            index,
            title_changed,
            headings_changed,
            order_changed,
            probes_changed,
            diagnostics,
        })
    }

    /// Re-renders `pages` with syntax highlighting (after a [`Site::load_opts`] without
    /// it). Only the HTML changes: headings, links and diagnostics are the same.
    pub fn highlight_pages(&mut self, pages: &[usize]) {
        let fresh: Vec<(usize, String)> = pages
            .par_iter()
            .filter(|&&i| !self.pages[i].page.generated)
            .map(|&i| {
                let page = &self.pages[i].page;
                (
                    i,
                    render_one(
                        &self.render_env(),
                        page,
                        page.doc.events().to_vec(),
                        None,
                        true,
                    )
                    .0
                    .html,
                )
            })
            .collect();
        for (i, html) in fresh {
            self.pages[i].rendered.html = html;
        }
    }

    /// Draws every probe widget again with the current theme: the theme's `probe.html`
    /// draws them into the pages' HTML, so after a theme change the pages that declare
    /// probes are rendered again (only their HTML changes).
    pub fn redraw_widgets(&mut self) {
        let pages: Vec<usize> = (0..self.pages.len())
            .filter(|&i| !self.pages[i].probes.is_empty())
            .collect();
        self.highlight_pages(&pages);
    }

    /// Reloads the theme (templates and static files) without touching the Markdown. On
    /// `Err` the old theme stays in place.
    pub fn reload_theme(&mut self) -> Result<(), Vec<Diagnostic>> {
        self.theme = load_theme(&self.root, &self.config)?;
        Ok(())
    }

    /// Replaces the diagnostics of pages `pages` (rendering and links) with fresh ones.
    fn refresh_diagnostics(&mut self, pages: &[usize], probes_changed: bool) {
        let files: HashSet<PathBuf> = pages.iter().map(|&i| self.display_path(i)).collect();
        let index = self.link_index();
        let as_error = self.config.broken_links == crate::config::LinkPolicy::Error;
        let fresh: Vec<Diagnostic> = pages
            .par_iter()
            .flat_map_iter(|&i| {
                let mut out = self.pages[i].rendered.diagnostics.clone();
                let display = self.display_path(i);
                out.extend(index.check(i, &self.pages[i].rendered.links, &display, as_error));
                out.extend(index.check_hint_targets(i, &display));
                out
            })
            .collect();
        self.diagnostics.retain(|d| {
            let duplicate = d.message.starts_with(DUPLICATE_PROBE);
            // Page diagnostics are replaced below; duplicate-id ones only when probes moved.
            if duplicate {
                !probes_changed
            } else {
                !files.contains(&d.file)
            }
        });
        self.diagnostics.extend(fresh);
        if probes_changed {
            let dups = self.check_probe_ids();
            self.diagnostics.extend(dups);
        }
        self.diagnostics
            .sort_by(|a, b| (&a.file, a.line, &a.message).cmp(&(&b.file, b.line, &b.message)));
        self.diagnostics.dedup();
    }

    fn link_index(&self) -> links::LinkIndex {
        links::LinkIndex::new(&self.pages, &self.assets)
    }
}
