//! The one orchestrator: load the docs, render every page (in parallel), check links against
//! the whole site, then write pages, navigation, search index and assets to a [`Sink`].
//!
//! A page's HTML is a pure function of its Markdown plus the site index held here (titles,
//! tree, anchors), which is what lets `serve` re-render a single page cheaply.

pub mod incremental;
pub mod links;
pub mod look;
pub mod output;
pub mod pages;
pub mod probes;
pub mod search;
mod sitemap;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::{Config, LinkPolicy};
use crate::content::index::Index;
use crate::content::{self, Asset, NavTree, Page};
use crate::diag::Diagnostic;
use crate::probe::decl::ProbeDecl;
use crate::render::{self, Rendered};
use crate::theme::Theme;

pub use look::SiteLook;
pub use output::Sink;
pub use pages::output_dirs;
pub use probes::Snapshot;

/// Choices that differ between `build`, `serve` and a static site with live probes.
#[derive(Debug, Clone, Default)]
pub struct OutputOptions {
    /// Absolute URL of the published site; enables `sitemap.xml`.
    pub base_url: Option<String>,
    /// Pages subscribe to `serve`'s reload events.
    pub live_reload: bool,
    /// URL of a running `serve` whose probe API the widgets should call.
    pub probe_api: Option<String>,
    /// Each guide's health from a `build --snapshot` (output path → worst status), for the
    /// sidebar's dots; empty otherwise (`serve` sends it over the event stream).
    pub health: std::collections::BTreeMap<String, crate::probe::show::health::PageHealth>,
    /// When a `build --snapshot` ran its probes: every page says so in a banner.
    pub snapshot: Option<crate::theme::SnapshotTaken>,
    /// Under `serve`, the target of readers who chose none (`None`: `default`): pages of
    /// another target say so in a banner.
    pub default_target: Option<String>,
}

/// Pages rendered so far, for progress display; shared with whoever draws it.
#[derive(Debug, Default)]
pub struct Progress {
    done: std::sync::atomic::AtomicUsize,
    total: std::sync::atomic::AtomicUsize,
}

impl Progress {
    /// `(done, total)`; total is 0 until the docs folder has been walked.
    pub fn get(&self) -> (usize, usize) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.done.load(Relaxed), self.total.load(Relaxed))
    }
}

/// How to load a site; the defaults suit `serve` and tests.
#[derive(Default)]
pub struct LoadOptions<'a> {
    /// Build-time probe results to embed in the widgets.
    pub snapshot: Option<&'a Snapshot>,
    /// Counts rendered pages for a progress display.
    pub progress: Option<&'a Progress>,
    /// Leave code blocks unhighlighted: a fast first pass for `serve`, which highlights
    /// afterwards. Links, anchors and diagnostics are the same either way.
    pub plain_code: bool,
    /// Drop each page's Markdown as soon as it is rendered (a one-shot build never needs it
    /// again, and at 10,000 pages that is ~50 MB less at the peak).
    pub release_sources: bool,
    /// The target whose `[vars]` values the pages show (`None`: `default`).
    pub target: Option<&'a str>,
}

/// One page of the site: where it comes from and where it goes ([`Page::src_rel`],
/// [`Page::out_rel`], front matter), and everything rendered from it.
#[derive(Debug, Clone)]
pub struct SitePage {
    /// Shared with the [`Index`] the site hands out (see [`Site::index`]).
    pub page: std::sync::Arc<Page>,
    pub rendered: Rendered,
    /// The probes it declares, in document order.
    pub probes: Vec<ProbeDecl>,
    /// The resolved title.
    pub title: String,
}

impl AsRef<Page> for SitePage {
    fn as_ref(&self) -> &Page {
        &self.page
    }
}

/// A loaded and rendered site, ready to be written.
pub struct Site {
    pub root: PathBuf,
    pub config: Config,
    pub docs_dir: PathBuf,
    pub theme: std::sync::Arc<Theme>,
    /// The target whose variable values the pages show.
    pub target: String,
    /// One entry per page; indexes are the page numbers [`NavTree`] uses.
    pub pages: Vec<SitePage>,
    pub assets: Vec<Asset>,
    pub tree: NavTree,
    /// Everything found wrong, errors and warnings, with file:line.
    pub diagnostics: Vec<Diagnostic>,
}

impl Site {
    fn render_env(&self) -> RenderEnv<'_> {
        RenderEnv {
            theme: &self.theme,
            docs_dir: &self.docs_dir,
            config: &self.config,
            target: &self.target,
        }
    }

    /// The look the server's own pages share with the guides (see [`SiteLook`]).
    pub fn look(&self, serve: bool) -> SiteLook {
        SiteLook {
            theme: self.theme.clone(),
            config: std::sync::Arc::new(self.config.clone()),
            target: self.target.clone(),
            default_target: self.target.clone(),
            serve,
        }
    }

    /// Loads and renders everything under `root`. Problems are collected in
    /// `diagnostics`; `Err` only when the docs folder or the theme cannot be used at all.
    pub fn load(root: &Path, config: Config) -> Result<Site, Vec<Diagnostic>> {
        Site::load_opts(root, config, &LoadOptions::default())
    }

    /// The general form of [`Site::load`].
    pub fn load_opts(
        root: &Path,
        config: Config,
        opts: &LoadOptions,
    ) -> Result<Site, Vec<Diagnostic>> {
        let docs_dir = root.join(&config.docs_dir);
        content::walk::docs_root(&docs_dir).map_err(|e| vec![e.to_diagnostic()])?;
        let index = Index::load(&docs_dir);
        Site::from_index(root, config, index, opts)
    }

    /// Renders the site from a page index already loaded (each page's Markdown parsed once
    /// there; nothing is read or parsed again).
    pub fn from_index(
        root: &Path,
        config: Config,
        index: Index,
        opts: &LoadOptions,
    ) -> Result<Site, Vec<Diagnostic>> {
        use std::sync::atomic::Ordering::Relaxed;
        let default_progress = Progress::default();
        let progress = opts.progress.unwrap_or(&default_progress);
        let snapshot = opts.snapshot;
        let target = opts.target.unwrap_or("default").to_string();
        let docs_dir = root.join(&config.docs_dir);
        content::walk::docs_root(&docs_dir).map_err(|e| vec![e.to_diagnostic()])?;
        let theme = load_theme(root, &config)?;
        let Index {
            pages,
            assets,
            mut diagnostics,
            ..
        } = index;
        progress.total.store(pages.len(), Relaxed);

        let mut pages = pages;
        let page_paths: HashSet<String> = pages
            .iter()
            .filter(|p| !p.generated)
            .map(|p| content::paths::to_slash(&p.src_rel))
            .collect();
        let snapshot = snapshot.map(|results| probes::SnapshotIn {
            results,
            pages: &page_paths,
        });
        let outputs: Vec<(Rendered, Vec<ProbeDecl>)> = pages
            .par_iter_mut()
            .map(|page| {
                let events = page_events(page, opts.release_sources);
                let env = RenderEnv {
                    theme: &theme,
                    docs_dir: &docs_dir,
                    config: &config,
                    target: &target,
                };
                let out = render_one(&env, page, events, snapshot.as_ref(), !opts.plain_code);
                // Only a page no one else holds can be freed; the index a build renders
                // from is its own.
                if opts.release_sources
                    && let Some(page) = std::sync::Arc::get_mut(page)
                {
                    page.source = String::new();
                    page.body_start = 0;
                    page.doc = Default::default();
                }
                progress.done.fetch_add(1, Relaxed);
                out
            })
            .collect();
        let pages: Vec<SitePage> = pages
            .into_iter()
            .zip(outputs)
            .map(|(page, (rendered, probes))| SitePage {
                title: resolve_title(&page, &rendered, &config),
                page,
                rendered,
                probes,
            })
            .collect();
        let tree = content::tree::build(&pages, &config.sections);

        let mut site = Site {
            root: root.to_path_buf(),
            config,
            docs_dir,
            theme,
            target,
            pages,
            assets,
            tree,
            diagnostics: Vec::new(),
        };
        for p in &site.pages {
            diagnostics.extend(p.rendered.diagnostics.iter().cloned());
        }
        diagnostics.extend(site.check_links());
        diagnostics.extend(site.check_probe_ids());
        diagnostics
            .sort_by(|a, b| (&a.file, a.line, &a.message).cmp(&(&b.file, b.line, &b.message)));
        diagnostics.dedup();
        site.diagnostics = diagnostics;
        Ok(site)
    }

    /// The site's page index (pages and their documents as loaded; nothing re-read).
    pub fn index(&self) -> Index {
        Index {
            docs_dir: self.docs_dir.clone(),
            pages: self.pages.iter().map(|p| p.page.clone()).collect(),
            assets: self.assets.clone(),
            diagnostics: Vec::new(),
        }
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Path of a page's file as shown in messages.
    pub fn display_path(&self, page: usize) -> PathBuf {
        content::load::docs_display(&self.docs_dir, &self.pages[page].page.src_rel)
    }

    fn check_links(&self) -> Vec<Diagnostic> {
        let index = links::LinkIndex::new(&self.pages, &self.assets);
        let as_error = self.config.broken_links == LinkPolicy::Error;
        (0..self.pages.len())
            .into_par_iter()
            .flat_map_iter(|i| {
                let display = self.display_path(i);
                let mut out = index.check(i, &self.pages[i].rendered.links, &display, as_error);
                out.extend(index.check_hint_targets(i, &display));
                out
            })
            .collect()
    }

    fn check_probe_ids(&self) -> Vec<Diagnostic> {
        crate::probe::declare::discover::duplicate_ids(self.all_probes().map(|(_, d)| d), |page| {
            content::load::docs_display(&self.docs_dir, page)
        })
    }

    /// Every declared probe, with the page that declares it.
    pub fn all_probes(&self) -> impl Iterator<Item = (usize, &ProbeDecl)> {
        self.pages
            .iter()
            .enumerate()
            .flat_map(|(i, p)| p.probes.iter().map(move |d| (i, d)))
    }

    /// Writes the whole site. Returns the number of pages written.
    pub fn write(&self, sink: &dyn Sink, opts: &OutputOptions) -> Result<usize, Vec<Diagnostic>> {
        pages::write_all(self, sink, opts)
    }
}

/// Where target `name`'s probes go, safe to show (passwords hidden): the banner of a page
/// shown for a target other than the default says it.
pub fn target_place(config: &Config, name: &str) -> String {
    match config.target(Some(name)) {
        Ok(t) if t.target.url.is_empty() && t.name == crate::config::DJANGO_TARGET => {
            "the cache Django's settings name".into()
        }
        Ok(t) => t.target.display_url(),
        Err(_) => String::new(),
    }
}

fn load_theme(root: &Path, config: &Config) -> Result<std::sync::Arc<Theme>, Vec<Diagnostic>> {
    let dir = config.theme.as_ref().map(|t| root.join(t));
    Theme::load(dir.as_deref())
        .map(std::sync::Arc::new)
        .map_err(|e| {
            let file = dir.unwrap_or_else(|| PathBuf::from("themes/default"));
            vec![Diagnostic::error(file, 0, e.to_string())]
        })
}

/// The events to render `page` from: moved out of its document when `take` (a one-shot
/// build renders each page once) and nobody else holds it, else copied (`serve` renders a
/// page again to highlight it).
fn page_events(page: &mut std::sync::Arc<Page>, take: bool) -> content::document::Events {
    let doc = std::sync::Arc::get_mut(page).and_then(|p| std::sync::Arc::get_mut(&mut p.doc));
    match doc {
        Some(doc) if take => doc.take_events(),
        _ => page.doc.events().to_vec(),
    }
}

/// What every page of one rendering shares: the theme, where the pages live, the config
/// and the target whose values and probes the pages show.
struct RenderEnv<'a> {
    theme: &'a Theme,
    docs_dir: &'a Path,
    config: &'a Config,
    target: &'a str,
}

fn render_one(
    env: &RenderEnv,
    page: &Page,
    events: content::document::Events,
    snapshot: Option<&probes::SnapshotIn>,
    highlight: bool,
) -> (Rendered, Vec<ProbeDecl>) {
    let RenderEnv {
        theme,
        docs_dir,
        config,
        target,
    } = *env;
    if page.generated {
        return (Rendered::default(), Vec::new());
    }
    let display = content::load::docs_display(docs_dir, &page.src_rel);
    let parsed = crate::probe::declare::discover::fence_decls(
        &page.doc.fences,
        &page.src_rel,
        Some((config, target)),
    );
    let input = render::RenderInput {
        source: page.body(),
        line_offset: page.body_line_offset,
        src_path: &page.src_rel,
        highlight,
        highlighter: config.render.highlighter,
        link_base: None,
    };
    let mut decls = Vec::new();
    let mut hint_links = Vec::new();
    let mut rendered = {
        let mut hook = probes::hook(
            theme,
            &page.src_rel,
            config,
            parsed,
            snapshot,
            &mut decls,
            &mut hint_links,
        );
        render::render_document_in(&input, events, Some(config.scope(target)), &mut hook)
    };
    rendered.links.extend(hint_links);
    // The renderer knows docs-relative paths; messages should name the file as the user
    // sees it from the root.
    for d in &mut rendered.diagnostics {
        if d.file == page.src_rel {
            d.file = display.clone();
        }
    }
    // Rendered pages live until the site is written; at 10,000 pages the growth slack of
    // these strings alone is tens of megabytes.
    rendered.html.shrink_to_fit();
    for section in &mut rendered.sections {
        section.text.shrink_to_fit();
    }
    (rendered, decls)
}

/// Front matter title, else the first H1, else a title made from the file name.
fn resolve_title(page: &Page, rendered: &Rendered, config: &Config) -> String {
    if let Some(t) = page.front.title.as_ref().filter(|t| !t.trim().is_empty()) {
        return t.trim().to_string();
    }
    if let Some(t) = rendered.title.as_ref().filter(|t| !t.trim().is_empty()) {
        return t.trim().to_string();
    }
    let folder = page.folder();
    if page.is_index && folder.as_os_str().is_empty() {
        return config.title.clone();
    }
    if page.is_index {
        let name = folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        return content::title_from_name(&name);
    }
    content::title_from_name(&page.stem())
}
