//! Applying a [`Plan`] to the site in memory and the served files, then telling the
//! browsers. A broken page, template or config never replaces good output: the last good
//! files keep being served and the problem goes to the overlay until it is fixed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use super::classify::{Layout, Plan};
use super::events::Event;
use super::files::{Collector, SiteFiles};
use super::state::ServeState;
use crate::config::Config;
use crate::diag::Diagnostic;
use crate::site::{OutputOptions, Site, pages};

/// Serve's first pass renders code unhighlighted (it highlights in the background).
const FIRST_PASS: crate::site::LoadOptions<'static> = crate::site::LoadOptions {
    snapshot: None,
    progress: None,
    plain_code: true,
    release_sources: false,
    target: None,
};

/// Problems that are not about one page.
const THEME: &str = "theme";
const CONFIG: &str = "config";

/// What a rebuild did, for the log line and the benchmarks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Done {
    Nothing,
    Full { pages: usize },
    AllPages { pages: usize },
    Pages { pages: Vec<String> },
    Stylesheets { files: Vec<String> },
    KeptLastGood,
}

/// Owns the loaded site of one reader target; the server's default target has one from
/// the start (the *primary*), every other target a reader chose gets one on its first
/// request. All are driven from one thread, the primary first, so its reload latency does
/// not depend on how many targets are in use.
pub(crate) struct Rebuilder {
    state: ServeState,
    /// `None` for the primary (whose files are [`ServeState::files`], and which alone
    /// reports problems, the site's look and page titles); else the target it renders.
    other: Option<String>,
    site: Site,
    opts: OutputOptions,
    layout: Layout,
    /// Pages still served without syntax highlighting (the fast first pass), highlighted
    /// in the background a batch at a time between file events.
    unhighlighted: BTreeSet<usize>,
    /// Pages not rendered yet in the first pass (the home page and shared files go first).
    unrendered: BTreeSet<usize>,
}

impl Rebuilder {
    /// Loads the site, serves it and publishes its probes and problems.
    pub(crate) fn initial(
        root: &Path,
        config: Config,
        state: ServeState,
        opts: OutputOptions,
    ) -> Result<Rebuilder, Vec<Diagnostic>> {
        // Code highlighting is most of the work; it follows in the background so the
        // first page is served (and every link checked) as soon as possible.
        let target = state.default_target().to_string();
        let opts_in = crate::site::LoadOptions {
            target: Some(&target),
            ..FIRST_PASS
        };
        let site = Site::load_opts(root, config, &opts_in)?;
        let layout = layout_of(root, &site.config);
        let unhighlighted = (0..site.pages.len()).collect();
        let mut me = Rebuilder {
            state,
            other: None,
            site,
            opts,
            layout,
            unhighlighted,
            unrendered: BTreeSet::new(),
        };
        me.note_unhighlighted();
        me.state.set_look(me.site.look(true));
        me.publish_index();
        let (files, rest) = me.first_files()?;
        me.unrendered = rest;
        if me.unrendered.is_empty() {
            me.state.set_files(files);
        } else {
            me.state.set_partial_files(files);
        }
        me.sync_problems();
        me.sync_probes();
        Ok(me)
    }

    /// The pages of another reader target, rendered whole (code highlighted in the
    /// background) and served as that target's; `Err` says why they cannot be.
    pub(crate) fn for_target(
        root: &Path,
        config: Config,
        state: ServeState,
        opts: OutputOptions,
        target: &str,
    ) -> Result<Rebuilder, String> {
        let opts_in = crate::site::LoadOptions {
            target: Some(target),
            ..FIRST_PASS
        };
        let site = Site::load_opts(root, config, &opts_in).map_err(|d| {
            format!(
                "the pages for target {target} cannot be rendered: {}",
                d.first().map(|d| d.message.clone()).unwrap_or_default()
            )
        })?;
        let layout = layout_of(root, &site.config);
        let unhighlighted = (0..site.pages.len()).collect();
        let me = Rebuilder {
            state,
            other: Some(target.to_string()),
            site,
            opts,
            layout,
            unhighlighted,
            unrendered: BTreeSet::new(),
        };
        let files = me.write_all().map_err(|d| {
            format!(
                "the pages for target {target} cannot be rendered: {}",
                d.message
            )
        })?;
        me.sync_probes();
        me.put_files(files);
        Ok(me)
    }

    /// A rebuilder for another reader target, from the site as this one last loaded it.
    pub(crate) fn spawn_for(&self, target: &str) -> Result<Rebuilder, String> {
        Rebuilder::for_target(
            &self.site.root,
            self.site.config.clone(),
            self.state.clone(),
            self.opts.clone(),
            target,
        )
    }

    pub(crate) fn site(&self) -> &Site {
        &self.site
    }

    pub(crate) fn state(&self) -> &ServeState {
        &self.state
    }

    /// The reader target this rebuilder renders (`None`: the server's default).
    pub(crate) fn other_target(&self) -> Option<&str> {
        self.other.as_deref()
    }

    fn put_files(&self, files: SiteFiles) {
        match &self.other {
            None => self.state.set_files(files),
            Some(t) => self.state.set_target_files(t, files),
        }
    }

    fn merge_files(&self, written: SiteFiles) {
        match &self.other {
            None => self.state.update_files(|files| files.merge(written)),
            Some(t) => self
                .state
                .update_target_files(t, |files| files.merge(written)),
        }
    }

    /// Problems are the primary's to report (every target's pages come from the same
    /// Markdown); returns whether anything changed.
    fn report(&self, source: &str, problems: Vec<Diagnostic>) -> bool {
        self.other.is_none() && self.state.set_problems(source, problems)
    }

    /// Tells the browsers showing these pages (`None`: all) of this target to reload.
    fn reload(&self, pages: Option<Vec<String>>) {
        self.state.publish(Event::Reload {
            pages,
            target: Some(self.site.target.clone()),
        });
    }

    pub(crate) fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Classifies `paths` and applies the plan.
    pub(crate) fn apply_paths(&mut self, paths: &[PathBuf]) -> Done {
        let site = &self.site;
        let plan =
            super::classify::classify(&self.layout, paths, |rel| site.page_by_src(rel).is_some());
        self.apply(&plan)
    }

    /// Applies one plan; returns what was done.
    pub(crate) fn apply(&mut self, plan: &Plan) -> Done {
        if plan.is_empty() {
            return Done::Nothing;
        }
        let started = Instant::now();
        let done = if plan.full() {
            self.full(plan.config)
        } else if plan.templates || plan.theme_assets {
            self.theme(true)
        } else {
            let mut done = Done::Nothing;
            if !plan.stylesheets.is_empty() {
                done = self.stylesheets(plan.stylesheets.iter().cloned().collect());
            }
            if !plan.pages.is_empty() {
                done = self.pages(plan.pages.iter().map(PathBuf::as_path).collect());
            }
            done
        };
        if self.other.is_some() {
            return done;
        }
        let m = self.state.metrics();
        m.rebuilds
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        m.last_rebuild_us.store(
            started.elapsed().as_micros() as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
        done
    }

    /// Reloads everything from disk (config too when `config`).
    fn full(&mut self, config: bool) -> Done {
        let cfg = if config {
            match Config::load(&self.site.root) {
                Ok(c) => {
                    self.report(CONFIG, Vec::new());
                    c
                }
                Err(e) => {
                    self.report(
                        CONFIG,
                        vec![Diagnostic::error(
                            self.layout.config_file.clone(),
                            0,
                            e.to_string(),
                        )],
                    );
                    return Done::KeptLastGood;
                }
            }
        } else {
            self.site.config.clone()
        };
        let target = self.site.target.clone();
        if self.other.is_none() {
            self.state.set_targets(cfg.target_names());
        }
        let opts_in = crate::site::LoadOptions {
            target: Some(&target),
            ..FIRST_PASS
        };
        let site = match Site::load_opts(&self.site.root, cfg, &opts_in) {
            Ok(site) => site,
            Err(diags) => {
                self.report(THEME, diags);
                return Done::KeptLastGood;
            }
        };
        if self.other.is_none() && config {
            self.state
                .probes()
                .set_config(Arc::new(site.config.clone()));
        }
        let old = std::mem::replace(&mut self.site, site);
        match self.write_all() {
            Ok(files) => {
                self.unrendered.clear();
                self.unhighlighted = (0..self.site.pages.len()).collect();
                self.note_unhighlighted();
                self.layout = layout_of(&self.site.root, &self.site.config);
                if self.other.is_none() {
                    self.state.set_look(self.site.look(true));
                }
                self.publish_index();
                self.put_files(files);
                self.sync_problems();
                self.sync_probes();
                self.reload(None);
                Done::Full {
                    pages: self.site.pages.len(),
                }
            }
            Err(d) => {
                self.site = old;
                self.report(THEME, vec![d]);
                Done::KeptLastGood
            }
        }
    }

    /// Reloads the theme and re-renders every page from the Markdown in memory.
    fn theme(&mut self, reload_theme: bool) -> Done {
        if reload_theme {
            if let Err(diags) = self.site.reload_theme() {
                self.report(THEME, diags);
                return Done::KeptLastGood;
            }
            // The widgets in the pages are the theme's too.
            self.site.redraw_widgets();
        }
        match self.write_all() {
            Ok(files) => {
                self.unrendered.clear();
                if self.other.is_none() {
                    self.state.set_look(self.site.look(true));
                }
                self.put_files(files);
                self.report(THEME, Vec::new());
                self.reload(None);
                Done::AllPages {
                    pages: self.site.pages.len(),
                }
            }
            Err(d) => {
                self.report(THEME, vec![d]);
                Done::KeptLastGood
            }
        }
    }

    /// Swaps changed stylesheets in the served files; browsers swap them without a reload.
    fn stylesheets(&mut self, names: Vec<String>) -> Done {
        if let Err(diags) = self.site.reload_theme() {
            self.report(THEME, diags);
            return Done::KeptLastGood;
        }
        let collector = Collector::new(self.state.token());
        let wanted: BTreeSet<&str> = names.iter().map(String::as_str).collect();
        if let Err(diags) =
            pages::write_theme_static(&self.site, &collector, |out| wanted.contains(out))
        {
            self.report(THEME, diags);
            return Done::KeptLastGood;
        }
        let written = collector.into_files();
        self.merge_files(written);
        self.report(THEME, Vec::new());
        // Stylesheets are the same for every target (pages load them without one): the
        // primary's swap tells every browser.
        if self.other.is_none() {
            self.state.publish(Event::Stylesheet {
                files: names.clone(),
            });
        }
        Done::Stylesheets { files: names }
    }

    /// Re-renders edited pages; regenerates navigation and search only when needed.
    fn pages(&mut self, rels: Vec<&Path>) -> Done {
        let mut changed: Vec<usize> = Vec::new();
        let mut chrome = false;
        let mut headings = false;
        let mut probes = false;
        for rel in rels {
            let key = self.site.docs_dir.join(rel).to_string_lossy().into_owned();
            match self.site.reload_page(rel) {
                Err(d) => {
                    self.report(&key, vec![d]);
                }
                Ok(update) => {
                    self.unhighlighted.remove(&update.index);
                    self.unrendered.remove(&update.index);
                    chrome |= update.chrome_changed();
                    headings |= update.headings_changed;
                    probes |= update.probes_changed;
                    if !update.has_errors() {
                        changed.push(update.index);
                    }
                    if !update.headings_changed {
                        let errors = update
                            .diagnostics
                            .into_iter()
                            .filter(Diagnostic::is_error)
                            .collect();
                        self.report(&key, errors);
                    }
                }
            }
        }
        self.publish_index();
        if headings {
            // Other pages' links to moved anchors changed verdict too.
            self.sync_problems();
        }
        // A new title renames the page in the probe listings (`/status/`) too.
        if probes || chrome {
            self.sync_probes();
        }
        if changed.is_empty() {
            return Done::KeptLastGood;
        }
        if chrome {
            return self.theme(false);
        }
        let collector = Collector::new(self.state.token());
        if let Err(diags) = pages::write_pages(&self.site, &collector, &self.opts, &changed) {
            self.report(THEME, diags);
        }
        if headings && let Err(diags) = pages::write_search_index(&self.site, &collector) {
            self.report(THEME, diags);
        }
        let written = collector.into_files();
        let urls: Vec<String> = changed
            .iter()
            .map(|&i| self.site.pages[i].page.out_rel.clone())
            .filter(|url| written.map.contains_key(url))
            .collect();
        self.merge_files(written);
        self.reload(Some(urls.clone()));
        Done::Pages { pages: urls }
    }

    /// Hands the served site's page index to the server (the primary's only: the runbook
    /// reads guides as the default target's pages show them).
    fn publish_index(&self) {
        if self.other.is_none() {
            self.state.set_index(Arc::new(self.site.index()));
        }
    }

    /// Whether background work (first-pass pages, highlighting) is left.
    pub(crate) fn background_pending(&self) -> bool {
        !self.unrendered.is_empty() || !self.unhighlighted.is_empty()
    }

    /// One step of background work: first render the pages the first pass left out, then
    /// highlight. Returns whether more is left.
    pub(crate) fn background_step(&mut self) -> bool {
        /// Plain pages per step: fast, so big batches.
        const RENDER_BATCH: usize = 256;
        /// Pages highlighted per step between checks for file events.
        const HIGHLIGHT_BATCH: usize = 8;
        if !self.unrendered.is_empty() {
            let next: Vec<usize> = self.unrendered.iter().take(RENDER_BATCH).copied().collect();
            for i in &next {
                self.unrendered.remove(i);
            }
            self.render_into_files(&next);
            if self.unrendered.is_empty() && self.other.is_none() {
                self.state.set_complete();
            }
        } else {
            self.highlight_step(HIGHLIGHT_BATCH);
        }
        self.background_pending()
    }

    fn render_into_files(&self, indexes: &[usize]) {
        let collector = Collector::new(self.state.token());
        // A page that cannot be rendered keeps serving its previous file (or the 404);
        // template errors are reported by the full writes that follow a theme change.
        let _ = pages::write_pages(&self.site, &collector, &self.opts, indexes);
        let written = collector.into_files();
        self.merge_files(written);
    }

    /// The first files served: the shared ones and the home page, written by the same
    /// functions as a build's; plus the indexes of the pages still to render.
    fn first_files(&self) -> Result<(SiteFiles, BTreeSet<usize>), Vec<Diagnostic>> {
        let collector = Collector::new(self.state.token());
        pages::write_shared(&self.site, &collector, &self.opts)?;
        let mut rest: BTreeSet<usize> = (0..self.site.pages.len()).collect();
        if let Some(home) = self.site.page_by_output("index.html") {
            pages::write_pages(&self.site, &collector, &self.opts, &[home])?;
            rest.remove(&home);
        }
        let mut files = collector.into_files();
        files.generation = self.state.generation() + 1;
        Ok((files, rest))
    }

    /// Highlights up to `batch` more pages and swaps them in (no reload: the next visit
    /// gets them). Returns how many pages are left.
    pub(crate) fn highlight_step(&mut self, batch: usize) -> usize {
        let next: Vec<usize> = self.unhighlighted.iter().take(batch).copied().collect();
        for i in &next {
            self.unhighlighted.remove(i);
        }
        self.site.highlight_pages(&next);
        self.render_into_files(&next);
        self.note_unhighlighted();
        self.unhighlighted.len()
    }

    fn note_unhighlighted(&self) {
        if self.other.is_some() {
            return;
        }
        self.state.metrics().unhighlighted.store(
            self.unhighlighted.len() as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    /// Every file of the site, rendered now.
    fn write_all(&self) -> Result<SiteFiles, Diagnostic> {
        let collector = Collector::new(self.state.token());
        self.site.write(&collector, &self.opts).map_err(|diags| {
            diags.into_iter().next().unwrap_or_else(|| {
                Diagnostic::error(self.site.root.clone(), 0, "cannot write the site")
            })
        })?;
        let mut files = collector.into_files();
        files.generation = self.state.generation() + 1;
        Ok(files)
    }

    /// Problems of the site as loaded now, by file (errors only: warnings go to the log).
    fn sync_problems(&self) {
        if self.other.is_some() {
            return;
        }
        let mut all: BTreeMap<String, Vec<Diagnostic>> = BTreeMap::new();
        for d in self.site.diagnostics.iter().filter(|d| d.is_error()) {
            all.entry(d.file.to_string_lossy().into_owned())
                .or_default()
                .push(d.clone());
        }
        self.state.set_all_problems(all);
    }

    fn sync_probes(&self) {
        let probes = self
            .site
            .all_probes()
            .map(|(i, d)| (d.clone(), self.site.pages[i].page.out_rel.clone()))
            .collect();
        if self.other.is_some() {
            self.state.probes().set_probes(&self.site.target, probes);
            return;
        }
        self.state.probes().set_pages(
            self.site
                .pages
                .iter()
                .filter(|p| !p.page.generated)
                .map(|p| crate::content::paths::to_slash(&p.page.src_rel))
                .collect(),
        );
        self.state.probes().set_titles(
            self.site
                .pages
                .iter()
                .map(|p| (p.page.out_rel.clone(), p.title.clone()))
                .collect(),
        );
        self.state.probes().set_probes(&self.site.target, probes);
    }
}

/// Where the rebuilder looks for changes.
pub(crate) fn layout_of(root: &Path, config: &Config) -> Layout {
    let abs = super::watch::absolute;
    Layout {
        config_file: abs(&root.join(crate::config::CONFIG_FILE)),
        docs_dir: abs(&root.join(&config.docs_dir)),
        theme_dir: config.theme.as_ref().map(|t| abs(&root.join(t))),
    }
}
