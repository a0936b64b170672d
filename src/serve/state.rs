//! [`ServeState`]: the one handle every handler, the rebuilder and other features (runbook
//! walkthroughs) share. Cheap to clone.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use tokio::sync::{broadcast, watch};
use tokio_util::sync::CancellationToken;

use super::events::Event;
use super::files::SiteFiles;
use super::probes::ProbeHub;
use crate::diag::Diagnostic;

/// Shared state of a running server.
#[derive(Clone)]
pub struct ServeState {
    inner: Arc<Inner>,
}

struct Inner {
    token: String,
    read_only: bool,
    access: super::proxy::Access,
    files: RwLock<Arc<SiteFiles>>,
    /// The theme and config of the last good load, for pages rendered on request.
    look: RwLock<Option<crate::site::SiteLook>>,
    /// The page index of the served site (the primary target's), kept current by the
    /// rebuild thread: what the runbook routes read instead of the disk.
    index: RwLock<Option<Arc<crate::content::index::Index>>>,
    ready: watch::Sender<bool>,
    /// False while the first pass is still rendering pages after the home page.
    complete: watch::Sender<bool>,
    bus: broadcast::Sender<Event>,
    probes: Arc<ProbeHub>,
    /// Current problems by the file they concern, for the overlay.
    problems: Mutex<BTreeMap<String, Vec<Diagnostic>>>,
    shutdown: CancellationToken,
    metrics: Metrics,
    /// The target of readers who chose none (`--target`, else `default`); `files` are its
    /// pages.
    default_target: String,
    /// The config's targets, `default` first (after each rebuild).
    targets: RwLock<Vec<String>>,
    /// The pages of the other targets readers chose, rendered on first request and kept
    /// current by the rebuild thread (bounded by the config's targets).
    others: RwLock<BTreeMap<String, Arc<TargetFiles>>>,
    /// Targets asked for whose pages the rebuild thread has not started rendering.
    wanted: Mutex<Vec<String>>,
    /// Wakes the rebuild thread (an empty batch of paths), and asks it for a full rebuild.
    /// Weak: the thread ends when the watcher's sender goes at shutdown.
    rebuild: std::sync::OnceLock<(
        tokio::sync::mpsc::WeakUnboundedSender<Vec<std::path::PathBuf>>,
        std::path::PathBuf,
    )>,
}

/// The served pages of one non-default target.
struct TargetFiles {
    files: RwLock<Arc<SiteFiles>>,
    loaded: watch::Sender<Loaded>,
}

#[derive(Clone, PartialEq, Eq)]
enum Loaded {
    Pending,
    Ready,
    Failed(String),
}

/// A target name a request asked for that the config does not declare.
#[derive(Debug, thiserror::Error)]
#[error("no target {asked:?}; configured targets: {}", known.join(", "))]
pub struct UnknownTarget {
    pub asked: String,
    pub known: Vec<String>,
}

/// Counters for `/metrics`.
#[derive(Default)]
pub struct Metrics {
    pub requests: AtomicU64,
    pub rebuilds: AtomicU64,
    pub last_rebuild_us: AtomicU64,
    /// Pages still waiting for background syntax highlighting.
    pub unhighlighted: AtomicU64,
    sse_clients: Arc<AtomicI64>,
}

impl Metrics {
    /// Counts an open event stream until the guard drops.
    pub fn sse_client(&self) -> ClientGuard {
        self.sse_clients.fetch_add(1, Ordering::Relaxed);
        ClientGuard(self.sse_clients.clone())
    }

    pub fn sse_clients(&self) -> i64 {
        self.sse_clients.load(Ordering::Relaxed)
    }
}

/// Decrements the open-stream count on drop.
pub struct ClientGuard(Arc<AtomicI64>);

impl Drop for ClientGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl ServeState {
    pub(crate) fn new(
        token: String,
        read_only: bool,
        default_target: String,
        access: super::proxy::Access,
        probes_for: impl FnOnce(broadcast::Sender<Event>) -> ProbeHub,
    ) -> Self {
        // Generous: a browser that falls this far behind gets a reload instead.
        let (bus, _) = broadcast::channel(1024);
        let probes = Arc::new(probes_for(bus.clone()));
        let (ready, _) = watch::channel(false);
        let (complete, _) = watch::channel(false);
        ServeState {
            inner: Arc::new(Inner {
                token,
                read_only,
                access,
                files: RwLock::new(Arc::new(SiteFiles::default())),
                look: RwLock::new(None),
                index: RwLock::new(None),
                ready,
                complete,
                bus,
                probes,
                problems: Mutex::new(BTreeMap::new()),
                shutdown: CancellationToken::new(),
                metrics: Metrics::default(),
                default_target,
                targets: RwLock::default(),
                others: RwLock::default(),
                wanted: Mutex::default(),
                rebuild: std::sync::OnceLock::new(),
            }),
        }
    }

    /// The per-server secret that POST requests must send as `X-Bisk-Token`. Pages carry
    /// it in `<meta name="bisk-token">`.
    pub fn token(&self) -> &str {
        &self.inner.token
    }

    /// `--read-only`: probes that write are skipped and cannot be run on request.
    pub fn read_only(&self) -> bool {
        self.inner.read_only
    }

    /// Who may reach the server and how (hosts, proxies, CORS origins).
    pub fn access(&self) -> &super::proxy::Access {
        &self.inner.access
    }

    /// The target of readers who chose none (`--target`, else `default`).
    pub fn default_target(&self) -> &str {
        &self.inner.default_target
    }

    /// The reader target a request names (`?target=prod`; absent or empty: the default).
    /// Only the config's target names are accepted: a request chooses among them, it never
    /// says where a probe goes.
    pub fn reader_target(&self, asked: Option<&str>) -> Result<String, UnknownTarget> {
        let asked = asked.map(str::trim).filter(|a| !a.is_empty());
        let Some(asked) = asked else {
            return Ok(self.inner.default_target.clone());
        };
        let known = self.targets();
        if known.iter().any(|t| t == asked) {
            Ok(asked.to_string())
        } else {
            // Bounded, so a long name in a request does not come back whole.
            let asked: String = asked.chars().take(64).collect();
            Err(UnknownTarget { asked, known })
        }
    }

    /// The site's look for pages of reader target `target`.
    pub fn look_for(&self, target: &str) -> Option<crate::site::SiteLook> {
        self.look().map(|mut l| {
            l.target = target.to_string();
            l
        })
    }

    /// The config's target names, `default` first.
    pub fn targets(&self) -> Vec<String> {
        self.inner
            .targets
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Records the config's targets (after a load); pages of targets it no longer has
    /// stop being served.
    pub(crate) fn set_targets(&self, names: Vec<String>) {
        self.inner
            .others
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|t, _| names.contains(t));
        *self
            .inner
            .targets
            .write()
            .unwrap_or_else(|p| p.into_inner()) = names;
    }

    /// The rebuild thread's queue and the config file (a change of it rebuilds everything).
    pub(crate) fn set_rebuild_channel(
        &self,
        tx: &tokio::sync::mpsc::UnboundedSender<Vec<std::path::PathBuf>>,
        config_file: std::path::PathBuf,
    ) {
        let _ = self.inner.rebuild.set((tx.downgrade(), config_file));
    }

    /// Wakes the rebuild thread to render the targets asked for.
    fn wake_rebuilder(&self) -> bool {
        self.inner
            .rebuild
            .get()
            .and_then(|(tx, _)| tx.upgrade())
            .is_some_and(|tx| tx.send(Vec::new()).is_ok())
    }

    /// The pages of reader target `target` (one of the config's), rendered on first request
    /// (waiting for that, at most a minute) and kept current afterwards. `Err` says why
    /// they cannot be served.
    pub async fn files_for(&self, target: &str) -> Result<Arc<SiteFiles>, String> {
        self.ready().await;
        if target == self.inner.default_target {
            return Ok(self.files());
        }
        self.probes().use_target(target);
        let (tf, new) = {
            let mut others = self.inner.others.write().unwrap_or_else(|p| p.into_inner());
            match others.get(target) {
                Some(tf) => (tf.clone(), false),
                None => {
                    let tf = Arc::new(TargetFiles {
                        files: RwLock::default(),
                        loaded: watch::channel(Loaded::Pending).0,
                    });
                    others.insert(target.to_string(), tf.clone());
                    (tf, true)
                }
            }
        };
        if new {
            self.inner
                .wanted
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(target.to_string());
            if !self.wake_rebuilder() {
                return Err("the server is shutting down".into());
            }
        }
        let mut rx = tf.loaded.subscribe();
        let waited = tokio::time::timeout(
            std::time::Duration::from_secs(60),
            rx.wait_for(|l| *l != Loaded::Pending),
        )
        .await;
        match waited {
            Ok(Ok(l)) => match &*l {
                Loaded::Failed(why) => Err(why.clone()),
                _ => Ok(tf.files.read().unwrap_or_else(|p| p.into_inner()).clone()),
            },
            _ => Err(format!(
                "the pages for target {target} are still being rendered: reload in a moment"
            )),
        }
    }

    /// Targets asked for whose pages the rebuild thread should render now.
    pub(crate) fn take_wanted_targets(&self) -> Vec<String> {
        std::mem::take(&mut *self.inner.wanted.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Serves `files` as target `target`'s pages.
    pub(crate) fn set_target_files(&self, target: &str, files: SiteFiles) {
        let others = self.inner.others.read().unwrap_or_else(|p| p.into_inner());
        if let Some(tf) = others.get(target) {
            *tf.files.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(files);
            tf.loaded.send_replace(Loaded::Ready);
        }
    }

    /// Changes target `target`'s served pages in place (copy on write).
    pub(crate) fn update_target_files(&self, target: &str, f: impl FnOnce(&mut SiteFiles)) {
        let others = self.inner.others.read().unwrap_or_else(|p| p.into_inner());
        if let Some(tf) = others.get(target) {
            let mut guard = tf.files.write().unwrap_or_else(|p| p.into_inner());
            let mut next = (**guard).clone();
            f(&mut next);
            next.generation += 1;
            *guard = Arc::new(next);
        }
    }

    /// Target `target`'s pages cannot be rendered: requests get `why`, and the next
    /// request tries again.
    pub(crate) fn target_failed(&self, target: &str, why: String) {
        let mut others = self.inner.others.write().unwrap_or_else(|p| p.into_inner());
        if let Some(tf) = others.remove(target) {
            tf.loaded.send_replace(Loaded::Failed(why));
        }
    }

    /// Probe results, single flight and history.
    pub fn probes(&self) -> &Arc<ProbeHub> {
        &self.inner.probes
    }

    /// Sends an event to every connected browser that it concerns.
    pub fn publish(&self, event: Event) {
        let _ = self.inner.bus.send(event);
    }

    /// A receiver of every future event.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.inner.bus.subscribe()
    }

    /// Cancelled when the server shuts down; long-running handlers should stop on it.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.inner.shutdown.clone()
    }

    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// The files being served now.
    pub fn files(&self) -> Arc<SiteFiles> {
        self.inner
            .files
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Swaps in a new, complete set of served files and marks the site ready.
    /// The site's look, once the site has loaded (handlers wait for [`Self::ready`]).
    pub fn look(&self) -> Option<crate::site::SiteLook> {
        self.inner
            .look
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The served site's page index, once the site has loaded.
    pub fn index(&self) -> Option<Arc<crate::content::index::Index>> {
        self.inner
            .index
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub(crate) fn set_index(&self, index: Arc<crate::content::index::Index>) {
        *self.inner.index.write().unwrap_or_else(|e| e.into_inner()) = Some(index);
    }

    pub(crate) fn set_look(&self, look: crate::site::SiteLook) {
        // Live widgets are drawn with the pages' theme.
        self.inner.probes.set_theme(look.theme.clone());
        *self.inner.look.write().unwrap_or_else(|e| e.into_inner()) = Some(look);
    }

    pub(crate) fn set_files(&self, files: SiteFiles) {
        *self.inner.files.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(files);
        self.inner.complete.send_replace(true);
        self.inner.ready.send_replace(true);
    }

    /// Serves a first part of the site (shared files and the home page) while the other
    /// pages are still being rendered; see [`set_complete`](Self::set_complete).
    pub(crate) fn set_partial_files(&self, files: SiteFiles) {
        *self.inner.files.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(files);
        self.inner.complete.send_replace(false);
        self.inner.ready.send_replace(true);
    }

    /// Every page is in the served files.
    pub(crate) fn set_complete(&self) {
        self.inner.complete.send_replace(true);
    }

    /// Whether every page is rendered (a miss is then a real 404).
    pub fn is_complete(&self) -> bool {
        *self.inner.complete.borrow()
    }

    /// Waits until every page of the first pass is rendered.
    pub async fn complete(&self) {
        let mut rx = self.inner.complete.subscribe();
        let _ = rx.wait_for(|c| *c).await;
    }

    /// Changes served files in place (copy on write: readers keep their snapshot).
    pub(crate) fn update_files(&self, f: impl FnOnce(&mut SiteFiles)) {
        let mut guard = self.inner.files.write().unwrap_or_else(|p| p.into_inner());
        let mut next = (**guard).clone();
        f(&mut next);
        next.generation += 1;
        *guard = Arc::new(next);
    }

    /// Bumped on every change of the served files.
    pub fn generation(&self) -> u64 {
        self.files().generation
    }

    /// Waits until the first build is in memory.
    pub async fn ready(&self) {
        let mut rx = self.inner.ready.subscribe();
        let _ = rx.wait_for(|r| *r).await;
    }

    /// Current problems, errors first, each with its file:line.
    pub fn problems(&self) -> Vec<Diagnostic> {
        let p = self.problems_map();
        let mut all: Vec<Diagnostic> = p.values().flatten().cloned().collect();
        all.sort_by_key(|d| std::cmp::Reverse(d.severity));
        all
    }

    /// The recorded problems by source. A writer that panicked left the map whole (every
    /// write replaces whole entries), so a poisoned lock is still read.
    fn problems_map(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Vec<Diagnostic>>> {
        self.inner
            .problems
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    fn publish_problems(&self) {
        self.publish(Event::Problems {
            problems: self.problems(),
        });
    }

    /// Replaces the problems of one source (a file, `theme`, `config`, `site`); returns
    /// whether anything changed (and publishes the new list if so).
    pub(crate) fn set_problems(&self, source: &str, problems: Vec<Diagnostic>) -> bool {
        let changed = {
            let mut p = self.problems_map();
            let old = p.get(source).cloned().unwrap_or_default();
            if old == problems {
                false
            } else {
                if problems.is_empty() {
                    p.remove(source);
                } else {
                    p.insert(source.to_string(), problems);
                }
                true
            }
        };
        if changed {
            self.publish_problems();
        }
        changed
    }

    /// Replaces every recorded problem at once (after a full rebuild) and publishes the
    /// list if it changed.
    pub(crate) fn set_all_problems(&self, all: BTreeMap<String, Vec<Diagnostic>>) {
        let changed = {
            let mut p = self.problems_map();
            let changed = *p != all;
            *p = all;
            changed
        };
        if changed {
            self.publish_problems();
        }
    }
}
