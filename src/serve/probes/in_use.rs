//! Which targets are in use (probed in the background) and the loop that keeps their
//! probes fresh.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{Entry, ProbeHub};

/// How many intervals a target stays "in use" (probed in the background) after a reader
/// last asked for it, when no event stream of it is open.
pub(crate) const IN_USE_INTERVALS: u32 = 3;

/// The shortest time a target stays in use after a request, however short the interval:
/// a reader who opened a page a moment ago is still reading it.
const IN_USE_AT_LEAST: Duration = Duration::from_secs(60);

impl ProbeHub {
    /// Notes that a reader asked for `target` (a page, `/status/`, the API): its probes are
    /// kept fresh for the next [`IN_USE_INTERVALS`] intervals.
    pub fn use_target(&self, target: &str) {
        if target == self.default_target {
            return;
        }
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(target.to_string(), Instant::now());
    }

    /// Registers an open event stream of reader target `target`: the target is in use
    /// while the guard lives.
    pub fn watch(self: &Arc<Self>, target: &str) -> WatchGuard {
        *self
            .streams
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(target.to_string())
            .or_default() += 1;
        WatchGuard {
            hub: self.clone(),
            target: target.to_string(),
        }
    }

    /// The reader targets probed in the background now: the default always, others while
    /// a browser streams their events or asked for them within the last few intervals.
    pub fn targets_in_use(&self) -> Vec<String> {
        let linger = (self.interval() * IN_USE_INTERVALS).max(IN_USE_AT_LEAST);
        let mut out = vec![self.default_target.clone()];
        let streams = self.streams.lock().unwrap_or_else(|p| p.into_inner());
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.retain(|_, at| at.elapsed() < linger);
        out.extend(
            streams
                .keys()
                .chain(seen.keys())
                .filter(|t| **t != self.default_target)
                .cloned(),
        );
        out.sort();
        out.dedup();
        out
    }

    /// Probes of the targets in use whose result is older than `max_age` (or missing),
    /// once each, and the time the next one falls due.
    fn due(&self, max_age: Duration) -> (Vec<Arc<Entry>>, Option<Instant>) {
        let in_use = self.targets_in_use();
        let views = self.views.read().unwrap_or_else(|p| p.into_inner());
        let mut due: Vec<Arc<Entry>> = Vec::new();
        let mut next: Option<Instant> = None;
        for e in in_use
            .iter()
            .filter_map(|t| views.get(t))
            .flat_map(|v| v.values())
        {
            if due.iter().any(|d| Arc::ptr_eq(d, e)) {
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
                _ => due.push(e.clone()),
            }
        }
        (due, next)
    }

    /// Keeps every probe of every target in use fresh until `stop` fires, whether or not a
    /// page is open: each probe runs again as soon as its result is one interval old
    /// (through the single flight), so however many browsers watch, a probe costs one
    /// execution per target per interval, and every surface (widgets, sidebar dots,
    /// `/status/`, `/metrics`) shows the same current verdict.
    ///
    /// Probes that write run here too: the runner itself refuses the write, before
    /// connecting, under `--read-only` and on a target with `allow_writes = false`, and
    /// records the probe as skipped with that cause.
    pub async fn refresh_loop(self: Arc<Self>, stop: tokio_util::sync::CancellationToken) {
        // New targets in use (and new probes after a rebuild) are noticed within this.
        const POLL: Duration = Duration::from_millis(250);
        loop {
            let interval = self.interval();
            let (due, next) = self.due(interval);
            if !due.is_empty() {
                // One runner (one connection) per target per round.
                let mut groups: BTreeMap<String, Vec<Arc<Entry>>> = BTreeMap::new();
                for entry in due {
                    groups
                        .entry(entry.key.target.clone())
                        .or_default()
                        .push(entry);
                }
                let mut set = tokio::task::JoinSet::new();
                for (_, group) in groups {
                    let hub = self.clone();
                    set.spawn(async move { hub.refresh_group(group, interval).await });
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

/// Unregisters an event stream on drop.
pub struct WatchGuard {
    hub: Arc<ProbeHub>,
    target: String,
}

impl Drop for WatchGuard {
    fn drop(&mut self) {
        let mut w = self.hub.streams.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = w.get_mut(&self.target) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                w.remove(&self.target);
            }
        }
        drop(w);
        // A reader who just closed the page may open the next one in a moment.
        self.hub.use_target(&self.target);
    }
}
