//! Probe results while serving: cached for the probe interval, one execution at a time per
//! probe however many requests ask (single flight), the last [`HISTORY`] results kept (and
//! every result written to the history store, which seeds them after a restart), and
//! refreshed in the background for pages a browser is watching.
//!
//! Nothing a request sends reaches a probe: requests name a probe by id, and the hub runs
//! the declaration from the Markdown with the server's own target and options.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::broadcast;

use super::events::Event;
use super::history::{Day, Key, Store};
use crate::config::Config;
use crate::probe::health::PageHealth;
use crate::probe::{ProbeDecl, ProbeResult, RunOptions, Status};

/// Results kept per probe.
pub const HISTORY: usize = 100;

/// One past run, as the sparkline needs it.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    pub status: Status,
    pub duration_ms: f64,
    pub checked_at: String,
}

/// Figures over the kept history.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    pub runs: usize,
    /// Share of judged runs (skipped excluded) that passed, in percent.
    pub uptime_pct: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
}

/// What the API and the event stream send for a probe: its latest result (same fields as
/// `check --format json`) plus history and figures.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeView {
    #[serde(flatten)]
    pub result: ProbeResult,
    /// Output page the probe sits on (`ops/REDIS_CACHE.html`).
    pub page_url: String,
    /// Oldest first.
    pub history: Vec<Point>,
    pub stats: Stats,
    /// The last 24 hours from the history store, hour by hour: only in
    /// `GET /api/probes/{id}`, and absent when the store is not kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day: Option<Day>,
}

/// A declared probe, for listings.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeInfo {
    pub id: String,
    /// Docs-relative source page (`ops/REDIS_CACHE.md`).
    pub page: String,
    pub page_url: String,
    /// The page's title as the site shows it (its path while the site has not said).
    pub page_title: String,
    pub title: String,
    pub check: String,
    pub line: usize,
    /// Whether the probe writes to Redis (refused to run under `--read-only`).
    pub writes: bool,
    /// The target it runs against (`default` for `[redis]`).
    pub target: String,
}

struct Entry {
    decl: ProbeDecl,
    page_url: String,
    /// Its rows in the history store.
    key: Key,
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

    fn view(&self, result: ProbeResult) -> ProbeView {
        let st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let history: Vec<Point> = st.history.iter().cloned().collect();
        ProbeView {
            result,
            page_url: self.page_url.clone(),
            stats: stats(&history),
            history,
            day: None,
        }
    }
}

fn stats(history: &[Point]) -> Stats {
    let judged: Vec<&Point> = history
        .iter()
        .filter(|p| p.status != Status::Skipped)
        .collect();
    let uptime_pct = (!judged.is_empty()).then(|| {
        let pass = judged.iter().filter(|p| p.status == Status::Pass).count();
        (pass as f64 * 1000.0 / judged.len() as f64).round() / 10.0
    });
    let mut d: Vec<f64> = history.iter().map(|p| p.duration_ms).collect();
    d.sort_by(f64::total_cmp);
    let pct = |q: f64| -> Option<f64> {
        if d.is_empty() {
            return None;
        }
        // Nearest rank.
        let rank = ((q * d.len() as f64).ceil() as usize).clamp(1, d.len());
        Some(d[rank - 1])
    };
    Stats {
        runs: history.len(),
        uptime_pct,
        p50_ms: pct(0.50),
        p95_ms: pct(0.95),
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

/// All probes of the site and their results.
pub struct ProbeHub {
    entries: RwLock<BTreeMap<String, Arc<Entry>>>,
    config: RwLock<Arc<Config>>,
    /// The target follows the page header's switcher, so it can change while serving.
    options: RwLock<RunOptions>,
    interval: RwLock<Duration>,
    bus: broadcast::Sender<Event>,
    executions: AtomicU64,
    /// Open event streams per page URL: those pages' probes are kept fresh.
    watchers: Mutex<HashMap<String, usize>>,
    /// The site's Markdown pages (docs-relative, slash form): a hint linking to a guide
    /// this site does not have is sent without its link.
    pages: RwLock<Arc<std::collections::HashSet<String>>>,
    /// Each page's title by output URL, so listings name guides as the sidebar does.
    titles: RwLock<Arc<HashMap<String, String>>>,
    /// Each page's health as last announced (pages with at least one result): a `status`
    /// event goes to every browser only when a page's entry changes, so the sidebars stay
    /// current without a stream of every result.
    health: Mutex<BTreeMap<String, PageHealth>>,
    /// Where every result is also written; `None` when it could not be opened.
    store: Option<Arc<Store>>,
}

/// How long the 24-hour summary of a probe is reused before the store is read again.
const DAY_CACHE: Duration = Duration::from_secs(10);

impl ProbeHub {
    pub fn new(config: Arc<Config>, options: RunOptions, bus: broadcast::Sender<Event>) -> Self {
        let interval = config.serve.probe_interval;
        ProbeHub {
            entries: RwLock::new(BTreeMap::new()),
            config: RwLock::new(config),
            options: RwLock::new(options),
            interval: RwLock::new(interval),
            bus,
            executions: AtomicU64::new(0),
            watchers: Mutex::new(HashMap::new()),
            pages: RwLock::default(),
            titles: RwLock::default(),
            health: Mutex::default(),
            store: None,
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

    /// The target a declaration runs against.
    fn target_of(&self, decl: &ProbeDecl) -> String {
        decl.target
            .clone()
            .or_else(|| self.options().target)
            .unwrap_or_else(|| "default".into())
    }

    /// How long a result stays fresh.
    pub fn interval(&self) -> Duration {
        *self.interval.read().unwrap_or_else(|p| p.into_inner())
    }

    pub fn read_only(&self) -> bool {
        self.options().read_only
    }

    fn options(&self) -> RunOptions {
        self.options
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Runs from now on go to target `name` (one of the config's; the caller checked).
    /// Results of the previous target are dropped by the rebuild that follows.
    pub fn set_target(&self, name: &str) {
        self.options
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .target = Some(name.to_string());
    }

    /// Probes run so far (every execution, not cache hits).
    pub fn executions(&self) -> u64 {
        self.executions.load(Ordering::Relaxed)
    }

    /// Records the site's pages (after a rebuild), for hint links.
    pub fn set_pages(&self, pages: std::collections::HashSet<String>) {
        *self.pages.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(pages);
    }

    /// Records the site's page titles by output URL (after a rebuild).
    pub fn set_titles(&self, titles: HashMap<String, String>) {
        *self.titles.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(titles);
    }

    /// Replaces the set of declared probes (after a rebuild). Results and history of probes
    /// whose declaration did not change are kept.
    pub fn set_probes(&self, config: Arc<Config>, probes: Vec<(ProbeDecl, String)>) {
        *self.interval.write().unwrap_or_else(|p| p.into_inner()) = config.serve.probe_interval;
        let config_changed = {
            let mut c = self.config.write().unwrap_or_else(|p| p.into_inner());
            let changed = !Arc::ptr_eq(&c, &config);
            *c = config;
            changed
        };
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        let mut next = BTreeMap::new();
        for (decl, page_url) in probes {
            let keep = entries
                .remove(&decl.id)
                .filter(|e| !config_changed && e.decl == decl && e.page_url == page_url);
            let entry = keep.unwrap_or_else(|| {
                let key = Key {
                    id: decl.id.clone(),
                    check: decl.check_name().to_string(),
                    target: self.target_of(&decl),
                };
                // A probe seen before (by a previous run of serve) continues its history.
                let history = self
                    .store
                    .as_ref()
                    .map(|s| s.recent(&key, HISTORY).into())
                    .unwrap_or_default();
                Arc::new(Entry {
                    decl: decl.clone(),
                    page_url,
                    key,
                    day: Mutex::new(None),
                    flight: tokio::sync::Mutex::new(()),
                    state: Mutex::new(EntryState {
                        latest: None,
                        history,
                    }),
                })
            });
            next.insert(decl.id.clone(), entry);
        }
        *entries = next;
        drop(entries);
        // Probes that went away or lost their results change their pages' dots.
        let mut pages: Vec<String> = self
            .health
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .cloned()
            .collect();
        pages.extend(self.list().into_iter().map(|i| i.page_url));
        pages.sort();
        pages.dedup();
        self.announce_health(&pages);
    }

    /// The current health of every page with a result, for a newly connected browser.
    pub fn health(&self) -> BTreeMap<String, PageHealth> {
        self.health
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Recomputes these pages' health from their probes' latest results and sends one
    /// `status` event with the pages whose health changed (`None`: no result any more).
    fn announce_health(&self, pages: &[String]) {
        let mut fresh: BTreeMap<&str, (usize, Vec<Status>, Vec<String>)> = pages
            .iter()
            .map(|p| (p.as_str(), (0, Vec::new(), Vec::new())))
            .collect();
        for e in self
            .entries
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
        {
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
            let mut health = self.health.lock().unwrap_or_else(|p| p.into_inner());
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
            let _ = self.bus.send(Event::Status { pages: changed });
        }
    }

    fn entry(&self, id: &str) -> Option<Arc<Entry>> {
        self.entries
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()
    }

    /// Every declared probe, ordered by id.
    pub fn list(&self) -> Vec<ProbeInfo> {
        let titles = self
            .titles
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        entries
            .values()
            .map(|e| {
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
            })
            .collect()
    }

    /// The latest result if it is younger than the interval, else a fresh run (shared with
    /// any concurrent request for the same probe).
    pub async fn fresh(&self, id: &str) -> Result<ProbeView, RunError> {
        self.fresh_within(id, self.interval()).await
    }

    /// Like [`fresh`](Self::fresh) with an explicit maximum age.
    pub async fn fresh_within(&self, id: &str, max_age: Duration) -> Result<ProbeView, RunError> {
        let entry = self
            .entry(id)
            .ok_or_else(|| RunError::Unknown(id.to_string()))?;
        if let Some(r) = entry.latest_within(max_age) {
            return Ok(entry.view(r));
        }
        let _flight = entry.flight.lock().await;
        // Whoever held the flight before us may have just produced what we need.
        if let Some(r) = entry.latest_within(max_age) {
            return Ok(entry.view(r));
        }
        Ok(self.execute(&entry).await)
    }

    /// Runs the probe now, unless a run that started after this request already finished
    /// (concurrent clicks share one run).
    pub async fn run_now(&self, id: &str) -> Result<ProbeView, RunError> {
        let asked = Instant::now();
        let entry = self
            .entry(id)
            .ok_or_else(|| RunError::Unknown(id.to_string()))?;
        if self.read_only() && entry.decl.check.writes() {
            return Err(RunError::ReadOnly(id.to_string()));
        }
        let _flight = entry.flight.lock().await;
        if let Some(r) = entry.latest_after(asked) {
            return Ok(entry.view(r));
        }
        Ok(self.execute(&entry).await)
    }

    /// The latest result without running anything.
    pub fn latest(&self, id: &str) -> Option<ProbeView> {
        let entry = self.entry(id)?;
        let r = entry
            .state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .latest
            .as_ref()
            .map(|(_, r)| r.clone())?;
        Some(entry.view(r))
    }

    async fn execute(&self, entry: &Entry) -> ProbeView {
        self.executions.fetch_add(1, Ordering::Relaxed);
        let config = self
            .config
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        // A fresh runner per execution: its connection is opened for this run only, so a
        // restarted Redis is seen at the next run instead of through a dead socket.
        let mut results = crate::probe::runner::run_all(
            config,
            self.options(),
            std::slice::from_ref(&entry.decl),
        )
        .await;
        let mut result = results
            .pop()
            .unwrap_or_else(|| unreachable_result(&entry.decl));
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
        let point = Point {
            status: result.status,
            duration_ms: result.duration_ms,
            checked_at: result.checked_at.clone(),
        };
        // Durable before anyone sees it: a crash then loses at most the result being
        // written.
        if let Some(store) = self.store.clone() {
            let key = entry.key.clone();
            let p = point.clone();
            let written = tokio::task::spawn_blocking(move || store.append(&key, &p)).await;
            if let Ok(Err(line)) = written {
                eprintln!("warning: {line}");
            }
        }
        {
            let mut st = entry.state.lock().unwrap_or_else(|p| p.into_inner());
            st.history.push_back(point);
            while st.history.len() > HISTORY {
                st.history.pop_front();
            }
            st.latest = Some((Instant::now(), result.clone()));
        }
        let view = entry.view(result);
        let _ = self.bus.send(Event::Probe {
            page: entry.page_url.clone(),
            probe: Box::new(view.clone()),
        });
        self.announce_health(std::slice::from_ref(&entry.page_url));
        view
    }

    /// The last 24 hours of probe `id` from the history store (read again at most every
    /// [`DAY_CACHE`]); `None` for an unknown probe or without a store.
    pub async fn day(&self, id: &str) -> Option<Day> {
        let store = self.store.clone()?;
        let entry = self.entry(id)?;
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

    /// Registers a browser watching `page_url`; dropping the guard unregisters it.
    pub fn watch(self: &Arc<Self>, page_url: &str) -> WatchGuard {
        *self
            .watchers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(page_url.to_string())
            .or_default() += 1;
        WatchGuard {
            hub: self.clone(),
            page_url: page_url.to_string(),
        }
    }

    /// Watched probes whose result is older than `max_age` (or missing), and the time the
    /// next one falls due.
    fn due(&self, max_age: Duration) -> (Vec<String>, Option<Instant>) {
        let watchers = self.watchers.lock().unwrap_or_else(|p| p.into_inner());
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        let mut due = Vec::new();
        let mut next: Option<Instant> = None;
        for e in entries.values() {
            if !watchers.contains_key(&e.page_url) {
                continue;
            }
            let latest = e
                .state
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .latest
                .as_ref()
                .map(|(at, _)| *at);
            match latest {
                Some(at) if at.elapsed() < max_age => {
                    let when = at + max_age;
                    next = Some(next.map_or(when, |n| n.min(when)));
                }
                _ => due.push(e.decl.id.clone()),
            }
        }
        (due, next)
    }

    /// Keeps watched probes fresh until `stop` fires: each probe runs again as soon as its
    /// result is one interval old (through the single flight), so however many browsers
    /// watch, a probe costs one execution per interval.
    pub async fn refresh_loop(self: Arc<Self>, stop: tokio_util::sync::CancellationToken) {
        // New watchers are noticed within this.
        const POLL: Duration = Duration::from_millis(250);
        loop {
            let interval = self.interval();
            let (due, next) = self.due(interval);
            if !due.is_empty() {
                let mut set = tokio::task::JoinSet::new();
                for id in due {
                    let hub = self.clone();
                    set.spawn(async move {
                        let _ = hub.fresh_within(&id, interval).await;
                    });
                }
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = async { while set.join_next().await.is_some() {} } => {}
                }
                continue;
            }
            let wait = next
                .map(|t| t.saturating_duration_since(Instant::now()))
                .unwrap_or(POLL)
                .min(POLL);
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }
}

/// Unregisters a watching browser on drop.
pub struct WatchGuard {
    hub: Arc<ProbeHub>,
    page_url: String,
}

impl Drop for WatchGuard {
    fn drop(&mut self) {
        let mut w = self.hub.watchers.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = w.get_mut(&self.page_url) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                w.remove(&self.page_url);
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn p(status: Status, ms: f64) -> Point {
        Point {
            status,
            duration_ms: ms,
            checked_at: String::new(),
        }
    }

    #[test]
    fn stats_use_nearest_rank_and_ignore_skipped_for_uptime() {
        let h: Vec<Point> = (1..=20)
            .map(|i| {
                p(
                    if i % 4 == 0 {
                        Status::Fail
                    } else {
                        Status::Pass
                    },
                    i as f64,
                )
            })
            .chain([p(Status::Skipped, 0.5)])
            .collect();
        let s = stats(&h);
        assert_eq!(s.runs, 21);
        assert_eq!(s.uptime_pct, Some(75.0));
        assert_eq!(s.p50_ms, Some(10.0));
        // 21 durations (the skipped run counts for latency): rank ceil(0.95 × 21) = 20.
        assert_eq!(s.p95_ms, Some(19.0));
        assert_eq!(stats(&[]).p50_ms, None);
    }
}
