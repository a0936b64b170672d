//! What a probe's result looks like to readers of the API and the event stream: the
//! result with its kept history, and the figures (uptime, p50, p95) over that history.

use serde::Serialize;

use super::super::history::Day;
use crate::probe::show::widget;
use crate::probe::{ProbeResult, Status};

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
    /// The widget with this result as the theme's `probe.html` draws it (live: with its
    /// sparkline and figures): the page's script swaps it in whole, so the browser never
    /// builds a widget from the fields above. Absent only when the theme could not render
    /// it (the server's log says why).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
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

/// The figures line of a live widget: `uptime 99.0% · p50 1.2 ms · p95 3.4 ms · 12 runs ·
/// this run 1.1 ms`.
pub(super) fn figures(s: &Stats, this_run_ms: f64) -> String {
    format!(
        "uptime {} · p50 {} · p95 {} · {} run{} · this run {}",
        s.uptime_pct
            .map_or_else(|| "–".to_string(), |u| format!("{u:.1}%")),
        widget::ms(s.p50_ms),
        widget::ms(s.p95_ms),
        s.runs,
        if s.runs == 1 { "" } else { "s" },
        widget::ms(Some(this_run_ms)),
    )
}

pub(super) fn stats(history: &[Point]) -> Stats {
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
