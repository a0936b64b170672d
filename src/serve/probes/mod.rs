//! Probe results while serving, per probe and target: cached for the probe interval, one
//! execution at a time per probe and target however many requests ask (single flight), the
//! last [`HISTORY`] results kept (and every result written to the history store, which
//! seeds them after a restart), and refreshed in the background for every target in use,
//! whether or not a page is open.
//!
//! Nothing a request sends reaches a probe beyond choosing one of the config's target
//! names: requests name a probe by id and a target by name (checked by the caller), and the
//! hub runs the declaration from the Markdown with the server's own options.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::broadcast;

use super::events::Event;
use super::history::{Day, Key, Store};
use crate::config::Config;
use crate::probe::show::health::PageHealth;
use crate::probe::show::widget;
use crate::probe::{ProbeDecl, ProbeResult, RunOptions, Status};
use crate::theme::Theme;

/// Results kept per probe.
pub(crate) const HISTORY: usize = 100;

mod in_use;
mod view;

pub(crate) use view::{Point, ProbeInfo, ProbeView, Stats};
use view::{figures, stats};

struct Entry {
    decl: ProbeDecl,
    page_url: String,
    /// Its rows in the history store; `key.target` is the target it runs against.
    key: Key,
    /// The config generation it was made under.
    generation: u64,
    /// The last 24 hours as last read from the store, and when.
    day: Mutex<Option<(Instant, Day)>>,
    /// Held while the probe runs: the single flight.
    flight: tokio::sync::Mutex<()>,
    state: Mutex<EntryState>,
}

#[derive(Default)]
struct EntryState {
    latest: Option<(Instant, ProbeResult)>,
    history: VecDeque<Point>,
    /// The live widget of `latest` (its `checked_at`) under theme generation `.1`: drawn
    /// once per result, however many browsers and requests ask.
    html: Option<(String, u64, std::sync::Arc<str>)>,
}

impl Entry {
    fn latest_within(&self, max_age: Duration) -> Option<ProbeResult> {
        let st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        st.latest
            .as_ref()
            .filter(|(at, _)| at.elapsed() < max_age)
            .map(|(_, r)| r.clone())
    }

    fn latest_after(&self, t: Instant) -> Option<ProbeResult> {
        let st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        st.latest
            .as_ref()
            .filter(|(at, _)| *at >= t)
            .map(|(_, r)| r.clone())
    }
}

/// Why a probe could not be run on request.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RunError {
    #[error("no probe with id `{0}`")]
    Unknown(String),
    #[error("probe `{0}` writes to Redis and this server is read-only (--read-only)")]
    ReadOnly(String),
}

/// All probes of the site and their results, per target.
///
/// A result belongs to a probe on the target it ran against (its *effective* target: the
/// declaration's own `target = …`, else the reader's). A page shown for target `T` (the
/// reader's choice) declares its probes with `T`'s values; [`Self::set_probes`] records
/// them as `T`'s *view*. Views that resolve a probe to the same effective target and the
/// same declaration share one entry, so one single flight, one history, one execution per
/// interval serves them all.
pub struct ProbeHub {
    /// Every probe on every target in any view, by (effective target, id).
    entries: RwLock<BTreeMap<(String, String), Arc<Entry>>>,
    /// Each reader target's probes by id (what its pages declare).
    views: RwLock<BTreeMap<String, BTreeMap<String, Arc<Entry>>>>,
    config: RwLock<Arc<Config>>,
    /// Bumped when the config changes: results made under an older config are not reused.
    config_generation: AtomicU64,
    /// `--read-only`, and the target of readers who chose none (`--target`, else `default`).
    read_only: bool,
    default_target: String,
    interval: RwLock<Duration>,
    bus: broadcast::Sender<Event>,
    executions: AtomicU64,
    /// Open event streams per reader target: a target with one is in use.
    streams: Mutex<HashMap<String, usize>>,
    /// When each reader target was last asked for (a page, `/status/`, the API).
    seen: Mutex<HashMap<String, Instant>>,
    /// The site's Markdown pages (docs-relative, slash form): a hint linking to a guide
    /// this site does not have is sent without its link.
    pages: RwLock<Arc<std::collections::HashSet<String>>>,
    /// Each page's title by output URL, so listings name guides as the sidebar does.
    titles: RwLock<Arc<HashMap<String, String>>>,
    /// Each reader target's pages' health as last announced (pages with at least one
    /// result): a `status` event goes to that target's browsers only when a page's entry
    /// changes, so the sidebars stay current without a stream of every result.
    health: Mutex<BTreeMap<String, BTreeMap<String, PageHealth>>>,
    /// Where every result is also written; `None` when it could not be opened.
    store: Option<Arc<Store>>,
    /// The theme live widgets are drawn with, and its generation (bumped on every new
    /// theme, so widgets drawn with the old one are drawn again).
    theme: RwLock<Option<(u64, Arc<Theme>)>>,
}

/// How long the 24-hour summary of a probe is reused before the store is read again.
const DAY_CACHE: Duration = Duration::from_secs(10);

impl ProbeHub {
    pub fn new(config: Arc<Config>, options: RunOptions, bus: broadcast::Sender<Event>) -> Self {
        let interval = config.serve.probe_interval;
        ProbeHub {
            entries: RwLock::new(BTreeMap::new()),
            views: RwLock::new(BTreeMap::new()),
            config: RwLock::new(config),
            config_generation: AtomicU64::new(0),
            read_only: options.read_only,
            default_target: options.target.unwrap_or_else(|| "default".into()),
            interval: RwLock::new(interval),
            bus,
            executions: AtomicU64::new(0),
            streams: Mutex::default(),
            seen: Mutex::default(),
            pages: RwLock::default(),
            titles: RwLock::default(),
            health: Mutex::default(),
            store: None,
            theme: RwLock::default(),
        }
    }

    /// Writes every result to `store` too, and seeds new probes' history from it.
    pub fn with_store(mut self, store: Option<Arc<Store>>) -> Self {
        self.store = store;
        self
    }

    /// Whether durable history is kept: `None` without a store, else whether its writes
    /// still work.
    pub fn store_healthy(&self) -> Option<bool> {
        self.store.as_ref().map(|s| s.healthy())
    }

    /// How long a result stays fresh.
    pub fn interval(&self) -> Duration {
        *self.interval.read().unwrap_or_else(|p| p.into_inner())
    }

    pub fn read_only(&self) -> bool {
        self.read_only
    }

    /// The target of readers who chose none.
    pub fn default_target(&self) -> &str {
        &self.default_target
    }

    /// Probes run so far (every execution, not cache hits).
    pub fn executions(&self) -> u64 {
        self.executions.load(Ordering::Relaxed)
    }

    /// The theme live widgets are drawn with (after it was loaded or edited).
    pub fn set_theme(&self, theme: Arc<Theme>) {
        let mut t = self.theme.write().unwrap_or_else(|p| p.into_inner());
        let generation = t.as_ref().map_or(0, |(g, _)| g + 1);
        *t = Some((generation, theme));
    }

    /// What the API and the event stream send for `entry` with `result`: the result, its
    /// history and figures, and the widget drawn by the theme (cached for the latest).
    fn view_of(&self, entry: &Entry, result: ProbeResult) -> ProbeView {
        let theme = self.theme.read().unwrap_or_else(|p| p.into_inner()).clone();
        let (history, cached) = {
            let st = entry.state.lock().unwrap_or_else(|p| p.into_inner());
            let history: Vec<Point> = st.history.iter().cloned().collect();
            let cached = st
                .html
                .as_ref()
                .filter(|(at, generation, _)| {
                    *at == result.checked_at && theme.as_ref().is_some_and(|(g, _)| g == generation)
                })
                .map(|(_, _, html)| html.clone());
            (history, cached)
        };
        let stats = stats(&history);
        let html = cached.or_else(|| {
            let (generation, theme) = theme?;
            let html: Arc<str> = self.draw(&theme, entry, &result, &history, &stats)?.into();
            let mut st = entry.state.lock().unwrap_or_else(|p| p.into_inner());
            if st
                .latest
                .as_ref()
                .is_some_and(|(_, r)| r.checked_at == result.checked_at)
            {
                st.html = Some((result.checked_at.clone(), generation, html.clone()));
            }
            Some(html)
        });
        let html = html.map(|h| h.to_string());
        ProbeView {
            result,
            page_url: entry.page_url.clone(),
            stats,
            history,
            day: None,
            html,
        }
    }

    /// The live widget of `result`, or `None` (said in the log) when the theme's
    /// `probe.html` cannot render it.
    fn draw(
        &self,
        theme: &Theme,
        entry: &Entry,
        result: &ProbeResult,
        history: &[Point],
        stats: &Stats,
    ) -> Option<String> {
        let config = self
            .config
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let live = widget::Live {
            history: history
                .iter()
                .map(|p| (p.status, p.duration_ms, p.checked_at.as_str()))
                .collect(),
            stats: figures(stats, result.duration_ms),
            root: None,
        };
        match widget::render_live_in(theme, &entry.decl, result, &live, &config) {
            Ok(html) => Some(html),
            Err(e) => {
                eprintln!("warning: probe {}: {e}", entry.decl.id);
                None
            }
        }
    }

    /// Records the site's pages (after a rebuild), for hint links.
    pub fn set_pages(&self, pages: std::collections::HashSet<String>) {
        *self.pages.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(pages);
    }

    /// Records the site's page titles by output URL (after a rebuild).
    pub fn set_titles(&self, titles: HashMap<String, String>) {
        *self.titles.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(titles);
    }

    /// A new config (after it was edited): every view's results are made anew by the
    /// [`set_probes`](Self::set_probes) calls that follow.
    pub fn set_config(&self, config: Arc<Config>) {
        *self.interval.write().unwrap_or_else(|p| p.into_inner()) = config.serve.probe_interval;
        *self.config.write().unwrap_or_else(|p| p.into_inner()) = config;
        self.config_generation.fetch_add(1, Ordering::Relaxed);
    }

    /// Replaces reader target `target`'s probes (after a rebuild of its pages). Results and
    /// history of probes whose declaration did not change are kept.
    pub fn set_probes(&self, target: &str, probes: Vec<(ProbeDecl, String)>) {
        let generation = self.config_generation.load(Ordering::Relaxed);
        let mut view = BTreeMap::new();
        {
            let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
            for (decl, page_url) in probes {
                let effective = decl.target.clone().unwrap_or_else(|| target.to_string());
                let k = (effective.clone(), decl.id.clone());
                let keep = entries.get(&k).filter(|e| {
                    e.generation == generation && e.decl == decl && e.page_url == page_url
                });
                let entry = match keep {
                    Some(e) => e.clone(),
                    None => {
                        let key = Key {
                            id: decl.id.clone(),
                            check: decl.check_name().to_string(),
                            target: effective,
                        };
                        // A probe seen before (by a previous run of serve) continues its
                        // history.
                        let history = self
                            .store
                            .as_ref()
                            .map(|s| s.recent(&key, HISTORY).into())
                            .unwrap_or_default();
                        let e = Arc::new(Entry {
                            decl: decl.clone(),
                            page_url,
                            key,
                            generation,
                            day: Mutex::new(None),
                            flight: tokio::sync::Mutex::new(()),
                            state: Mutex::new(EntryState {
                                latest: None,
                                history,
                                html: None,
                            }),
                        });
                        entries.insert(k, e.clone());
                        e
                    }
                };
                view.insert(decl.id.clone(), entry);
            }
            self.views
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .insert(target.to_string(), view);
            self.prune(&mut entries);
        }
        self.reannounce(target);
    }

    /// Forgets reader target `target` (the config no longer has it).
    pub fn drop_target(&self, target: &str) {
        self.views
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(target);
        self.health
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(target);
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        self.prune(&mut entries);
    }

    /// Drops entries no view holds any more.
    fn prune(&self, entries: &mut BTreeMap<(String, String), Arc<Entry>>) {
        let views = self.views.read().unwrap_or_else(|p| p.into_inner());
        entries.retain(|_, e| {
            views
                .values()
                .any(|v| v.get(&e.decl.id).is_some_and(|x| Arc::ptr_eq(x, e)))
        });
    }

    /// Announces every page of `target` whose health changed (probes that went away or lost
    /// their results change their pages' dots).
    fn reannounce(&self, target: &str) {
        let mut pages: Vec<String> = self
            .health
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(target)
            .map(|h| h.keys().cloned().collect())
            .unwrap_or_default();
        pages.extend(self.list(target).into_iter().map(|i| i.page_url));
        pages.sort();
        pages.dedup();
        self.announce_health(target, &pages);
    }

    /// Whether `target`'s pages have been rendered (its probes are known).
    pub fn has_view(&self, target: &str) -> bool {
        self.views
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(target)
    }

    /// The current health of every page of `target` with a result, for a newly connected
    /// browser.
    pub fn health(&self, target: &str) -> BTreeMap<String, PageHealth> {
        self.health
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(target)
            .cloned()
            .unwrap_or_default()
    }

    /// Recomputes these pages' health on `target` from their probes' latest results and
    /// sends one `status` event with the pages whose health changed (`None`: no result any
    /// more).
    fn announce_health(&self, target: &str, pages: &[String]) {
        let mut fresh: BTreeMap<&str, (usize, Vec<Status>, Vec<String>)> = pages
            .iter()
            .map(|p| (p.as_str(), (0, Vec::new(), Vec::new())))
            .collect();
        for e in self.view(target).values() {
            if let Some((declared, statuses, times)) = fresh.get_mut(e.page_url.as_str()) {
                *declared += 1;
                let st = e.state.lock().unwrap_or_else(|p| p.into_inner());
                if let Some((_, r)) = &st.latest {
                    statuses.push(r.status);
                    times.push(r.checked_at.clone());
                }
            }
        }
        let mut changed = BTreeMap::new();
        {
            let mut all = self.health.lock().unwrap_or_else(|p| p.into_inner());
            let health = all.entry(target.to_string()).or_default();
            for (page, (declared, statuses, times)) in fresh {
                // Dated by its oldest result, so a newer check of the same verdict is news
                // too: every sidebar's age restarts from it.
                let now = PageHealth::of(declared, &statuses)
                    .map(|h| h.checked(times.iter().map(String::as_str)));
                if health.get(page) != now.as_ref() {
                    match &now {
                        Some(h) => health.insert(page.to_string(), h.clone()),
                        None => health.remove(page),
                    };
                    changed.insert(page.to_string(), now);
                }
            }
        }
        if !changed.is_empty() {
            let _ = self.bus.send(Event::Status {
                target: target.to_string(),
                pages: changed,
            });
        }
    }

    /// Reader target `target`'s probes by id (empty for a target not rendered yet).
    fn view(&self, target: &str) -> BTreeMap<String, Arc<Entry>> {
        self.views
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(target)
            .cloned()
            .unwrap_or_default()
    }

    fn entry(&self, id: &str, target: &str) -> Option<Arc<Entry>> {
        self.views
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(target)?
            .get(id)
            .cloned()
    }

    /// The reader targets whose pages show `entry`.
    fn readers_of(&self, entry: &Arc<Entry>) -> Vec<String> {
        self.views
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|(_, v)| v.get(&entry.decl.id).is_some_and(|e| Arc::ptr_eq(e, entry)))
            .map(|(t, _)| t.clone())
            .collect()
    }

    fn info(&self, e: &Entry, titles: &HashMap<String, String>) -> ProbeInfo {
        let page = crate::content::paths::to_slash(&e.decl.page);
        ProbeInfo {
            id: e.decl.id.clone(),
            page_title: titles
                .get(&e.page_url)
                .cloned()
                .unwrap_or_else(|| page.clone()),
            page,
            page_url: e.page_url.clone(),
            title: e.decl.title.clone(),
            check: e.decl.check_name().to_string(),
            line: e.decl.line,
            writes: e.decl.check.writes(),
            target: e.key.target.clone(),
        }
    }

    /// Every probe the pages of reader target `target` declare, ordered by id.
    pub fn list(&self, target: &str) -> Vec<ProbeInfo> {
        let titles = self
            .titles
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        self.view(target)
            .values()
            .map(|e| self.info(e, &titles))
            .collect()
    }

    /// Every probe of every target in use, once each (a probe two readers' targets run
    /// against the same place is one), ordered by (target, id), with the reader target to
    /// ask for it: what `/metrics` reports. Targets nobody uses any more are left out, so a
    /// scrape never keeps probing them.
    pub fn list_all(&self) -> Vec<(String, ProbeInfo)> {
        let titles = self
            .titles
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let in_use = self.targets_in_use();
        let entries: Vec<Arc<Entry>> = self
            .entries
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        entries
            .iter()
            .filter_map(|e| {
                let reader = self
                    .readers_of(e)
                    .into_iter()
                    .find(|t| in_use.contains(t))?;
                Some((reader, self.info(e, &titles)))
            })
            .collect()
    }

    /// The latest result on reader target `target` if it is younger than the interval,
    /// else a fresh run (shared with any concurrent request for the same probe).
    pub async fn fresh(&self, id: &str, target: &str) -> Result<ProbeView, RunError> {
        self.fresh_within(id, target, self.interval()).await
    }

    /// Like [`fresh`](Self::fresh) with an explicit maximum age.
    pub async fn fresh_within(
        &self,
        id: &str,
        target: &str,
        max_age: Duration,
    ) -> Result<ProbeView, RunError> {
        let entry = self
            .entry(id, target)
            .ok_or_else(|| RunError::Unknown(id.to_string()))?;
        self.fresh_entry(&entry, max_age).await
    }

    async fn fresh_entry(
        &self,
        entry: &Arc<Entry>,
        max_age: Duration,
    ) -> Result<ProbeView, RunError> {
        if let Some(r) = entry.latest_within(max_age) {
            return Ok(self.view_of(entry, r));
        }
        let _flight = entry.flight.lock().await;
        // Whoever held the flight before us may have just produced what we need.
        if let Some(r) = entry.latest_within(max_age) {
            return Ok(self.view_of(entry, r));
        }
        Ok(self.execute(entry).await)
    }

    /// Runs the probe now, unless a run that started after this request already finished
    /// (concurrent clicks share one run).
    pub async fn run_now(&self, id: &str, target: &str) -> Result<ProbeView, RunError> {
        let asked = Instant::now();
        let entry = self
            .entry(id, target)
            .ok_or_else(|| RunError::Unknown(id.to_string()))?;
        if self.read_only() && entry.decl.check.writes() {
            return Err(RunError::ReadOnly(id.to_string()));
        }
        let _flight = entry.flight.lock().await;
        if let Some(r) = entry.latest_after(asked) {
            return Ok(self.view_of(&entry, r));
        }
        Ok(self.execute(&entry).await)
    }

    /// The latest result without running anything.
    pub fn latest(&self, id: &str, target: &str) -> Option<ProbeView> {
        let entry = self.entry(id, target)?;
        let r = entry
            .state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .latest
            .as_ref()
            .map(|(_, r)| r.clone())?;
        Some(self.view_of(&entry, r))
    }

    async fn execute(&self, entry: &Arc<Entry>) -> ProbeView {
        let mut views = self.execute_all(std::slice::from_ref(entry)).await;
        views
            .pop()
            .unwrap_or_else(|| self.view_of(entry, unreachable_result(&entry.decl)))
    }

    /// Runs these probes, which all run against the same target (the caller holds their
    /// flights), with one runner: one connection for them all, one transaction in the
    /// history store. A fresh runner each time, so a restarted Redis is seen at the next
    /// run instead of through a dead socket.
    async fn execute_all(&self, entries: &[Arc<Entry>]) -> Vec<ProbeView> {
        let Some(first) = entries.first() else {
            return Vec::new();
        };
        self.executions
            .fetch_add(entries.len() as u64, Ordering::Relaxed);
        let config = self
            .config
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let options = RunOptions {
            target: Some(first.key.target.clone()),
            read_only: self.read_only,
        };
        let decls: Vec<ProbeDecl> = entries.iter().map(|e| e.decl.clone()).collect();
        let mut results = crate::probe::run::runner::run_all(config, options, &decls)
            .await
            .into_iter();
        let results: Vec<ProbeResult> = entries
            .iter()
            .map(|e| {
                let mut result = results
                    .next()
                    .unwrap_or_else(|| unreachable_result(&e.decl));
                if let Some(hint) = result.hint.as_mut()
                    && let Some(link) = &hint.link
                {
                    let page = link.split('#').next().unwrap_or_default();
                    if !self
                        .pages
                        .read()
                        .unwrap_or_else(|p| p.into_inner())
                        .contains(page)
                    {
                        hint.link = None;
                    }
                }
                result
            })
            .collect();
        let points: Vec<Point> = results
            .iter()
            .map(|r| Point {
                status: r.status,
                duration_ms: r.duration_ms,
                checked_at: r.checked_at.clone(),
            })
            .collect();
        // Durable before anyone sees them: a crash then loses at most the results being
        // written.
        if let Some(store) = self.store.clone() {
            let rows: Vec<(Key, Point)> = entries
                .iter()
                .zip(&points)
                .map(|(e, p)| (e.key.clone(), p.clone()))
                .collect();
            let written = tokio::task::spawn_blocking(move || store.append_all(&rows)).await;
            if let Ok(Err(line)) = written {
                eprintln!("warning: {line}");
            }
        }
        let mut views = Vec::with_capacity(entries.len());
        // Pages whose health may have changed, per reader target: one `status` event per
        // target for the whole round, not one per probe (a round of 34 probes would send
        // every open browser 34 events).
        let mut touched: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for ((entry, result), point) in entries.iter().zip(results).zip(points) {
            {
                let mut st = entry.state.lock().unwrap_or_else(|p| p.into_inner());
                st.history.push_back(point);
                while st.history.len() > HISTORY {
                    st.history.pop_front();
                }
                st.latest = Some((Instant::now(), result.clone()));
            }
            let view = self.view_of(entry, result);
            let readers = self.readers_of(entry);
            let _ = self.bus.send(Event::Probe {
                page: entry.page_url.clone(),
                targets: readers.clone(),
                probe: Box::new(view.clone()),
            });
            for t in readers {
                let pages = touched.entry(t).or_default();
                if !pages.contains(&entry.page_url) {
                    pages.push(entry.page_url.clone());
                }
            }
            views.push(view);
        }
        for (t, pages) in &touched {
            self.announce_health(t, pages);
        }
        views
    }

    /// One background round for probes on one target: those whose flight is free and whose
    /// result is still older than `max_age` run together (a request already running one
    /// will produce its result).
    async fn refresh_group(&self, entries: Vec<Arc<Entry>>, max_age: Duration) {
        let mut flights = Vec::with_capacity(entries.len());
        let mut run = Vec::with_capacity(entries.len());
        for e in &entries {
            if let Ok(flight) = e.flight.try_lock()
                && e.latest_within(max_age).is_none()
            {
                flights.push(flight);
                run.push(e.clone());
            }
        }
        self.execute_all(&run).await;
        drop(flights);
    }

    /// The last 24 hours of probe `id` (on reader target `target`) from the history store
    /// (read again at most every [`DAY_CACHE`]); `None` for an unknown probe or without a
    /// store.
    pub async fn day(&self, id: &str, target: &str) -> Option<Day> {
        let store = self.store.clone()?;
        let entry = self.entry(id, target)?;
        if let Some((at, day)) = &*entry.day.lock().unwrap_or_else(|p| p.into_inner())
            && at.elapsed() < DAY_CACHE
        {
            return Some(day.clone());
        }
        let key = entry.key.clone();
        let day = tokio::task::spawn_blocking(move || store.day(&key, jiff::Timestamp::now()))
            .await
            .ok()
            .flatten()?;
        *entry.day.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), day.clone()));
        Some(day)
    }
}

fn unreachable_result(decl: &ProbeDecl) -> ProbeResult {
    ProbeResult {
        id: decl.id.clone(),
        page: crate::content::paths::to_slash(&decl.page),
        check: decl.check_name().to_string(),
        title: decl.title.clone(),
        status: Status::Error,
        summary: "the runner returned no result (internal error)".into(),
        expected: None,
        observed: None,
        evidence: Vec::new(),
        hint: None,
        duration_ms: 0.0,
        checked_at: jiff::Timestamp::now().to_string(),
        target: crate::probe::result::TargetRef {
            name: String::new(),
            url: String::new(),
        },
    }
}
