//! `/status/` ("what is wrong now": failures and errors grouped by cause, one hint per
//! cause; then every probe, grouped by guide, worst first, under an overall verdict; the
//! theme's `status.html` renders it like the guides),
//! `/metrics` (Prometheus text format) and `/healthz`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

use super::probes::{ProbeInfo, ProbeView};
use super::state::ServeState;
use crate::probe::Status;
use crate::probe::show::health::worst as verdict;
use crate::probe::show::widget::doc_href;
use crate::theme::{Chip, When};

pub fn routes() -> Router<ServeState> {
    Router::new()
        .route("/status/", get(status_page))
        .route(
            "/status",
            // Relative, so it stays under a reverse proxy's sub-path.
            get(|| async { axum::response::Redirect::permanent("status/") }),
        )
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
}

/// Fresh results (single flight, cached for the interval) of every probe of reader target
/// `target`, in listing order.
async fn all_results(state: &ServeState, target: &str) -> Vec<(ProbeInfo, Option<ProbeView>)> {
    let infos = state.probes().list(target);
    results_of(
        state,
        infos.into_iter().map(|i| (target.to_string(), i)).collect(),
    )
    .await
}

/// Fresh results of these probes, each asked for on its reader target.
async fn results_of(
    state: &ServeState,
    infos: Vec<(String, ProbeInfo)>,
) -> Vec<(ProbeInfo, Option<ProbeView>)> {
    let mut set = tokio::task::JoinSet::new();
    for (i, (target, info)) in infos.iter().enumerate() {
        let hub = state.probes().clone();
        let (id, target) = (info.id.clone(), target.clone());
        set.spawn(async move { (i, hub.fresh(&id, &target).await.ok()) });
    }
    let infos: Vec<ProbeInfo> = infos.into_iter().map(|(_, i)| i).collect();
    let mut views: Vec<Option<ProbeView>> = vec![None; infos.len()];
    while let Some(Ok((i, v))) = set.join_next().await {
        views[i] = v;
    }
    infos.into_iter().zip(views).collect()
}

/// `/status/` as the theme renders it (`status.html`).
#[derive(Serialize)]
struct StatusPage {
    overall: Chip,
    /// "Some probes fail", "All judged probes pass", …
    verdict: &'static str,
    /// How many probes have each status, worst first, statuses without probes left out.
    counts: Vec<(Chip, usize)>,
    total: usize,
    /// Seconds between refreshes of the page's content.
    refresh: u64,
    checked: When,
    /// The server's clock when it rendered the page (RFC 3339): the page counts ages with
    /// it, so a browser with a wrong clock still says how old a result is.
    now: String,
    /// The probe interval in seconds: a result older than two of them is shown grey,
    /// "unknown — last seen … ago".
    interval: f64,
    /// What is wrong now: failures and errors by cause, worst first, then the largest.
    wrong: Vec<CauseView>,
    groups: Vec<GroupView>,
}

/// One cause of failures or errors and the probes it affects ("22 probes: cannot connect
/// to redis://…", one hint).
#[derive(Serialize)]
struct CauseView {
    /// Its element id (`cause-1`), for the rows that refer to it.
    anchor: String,
    chip: Chip,
    summary: String,
    hint: Option<HintView>,
    probes: Vec<CauseProbe>,
    /// The oldest of its results.
    checked: Option<When>,
}

#[derive(Serialize)]
struct CauseProbe {
    id: String,
    title: String,
    /// Its row below, on this page.
    url: String,
    page_title: String,
}

/// One guide and its probes, worst first.
#[derive(Serialize)]
struct GroupView {
    /// The page's title, as the sidebar names it.
    title: String,
    /// Docs-relative source path.
    page: String,
    /// From `/status/`.
    url: String,
    worst: Chip,
    probes: Vec<ProbeRow>,
}

#[derive(Serialize)]
struct ProbeRow {
    id: String,
    title: String,
    check: String,
    /// The probe's widget on its guide page, from `/status/`.
    url: String,
    chip: Chip,
    summary: String,
    hint: Option<HintView>,
    /// When the same cause affects other probes too: where "what is wrong now" explains it
    /// (the row then has no hint of its own).
    same_cause: Option<SameCause>,
    /// `None` when the probe has no result (it could not be run).
    checked: Option<When>,
}

#[derive(Serialize)]
struct SameCause {
    /// `#cause-1`.
    url: String,
    /// How many other probes it affects.
    others: usize,
}

#[derive(Serialize)]
struct HintView {
    text: String,
    /// The guide section that explains the fix, from `/status/`.
    url: Option<String>,
}

/// What the overall verdict says in words.
fn verdict_words(s: Status) -> &'static str {
    match s {
        Status::Pass => "All judged probes pass",
        Status::Warn => "Some probes warn",
        Status::Fail => "Some probes fail",
        Status::Error => "Some probes could not be judged",
        Status::Skipped => "Nothing judged",
    }
}

/// `/status/` is one folder below the root; links from it climb one level.
const STATUS_DEPTH: usize = 1;
/// The page the links on `/status/` are relative to, as a docs path (for [`doc_href`]).
const STATUS_PAGE: &str = "status/index.md";

async fn status_page(
    State(state): State<ServeState>,
    axum::extract::Query(q): axum::extract::Query<super::api::TargetQuery>,
) -> Response {
    state.ready().await;
    // The reader's target (`?target=prod`): its probes, and links that keep it.
    let target = match state.reader_target(q.target.as_deref()) {
        Ok(t) => t,
        Err(e) => return (StatusCode::NOT_FOUND, format!("{e}\n")).into_response(),
    };
    if target != state.default_target()
        && let Err(why) = state.files_for(&target).await
    {
        return (StatusCode::SERVICE_UNAVAILABLE, format!("{why}\n")).into_response();
    }
    let Some(look) = state.look_for(&target) else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "the site is still loading: reload in a moment",
        )
            .into_response();
    };
    let results = all_results(&state, &target).await;
    let now = jiff::Timestamp::now();
    let wrong = causes(&results, now);
    // A probe whose cause is shared with others is explained once, above: its row refers
    // there instead of repeating the hint.
    let shared: BTreeMap<&str, (String, usize)> = wrong
        .iter()
        .filter(|c| c.probes.len() > 1)
        .flat_map(|c| {
            c.probes.iter().map(|p| {
                (
                    p.id.as_str(),
                    (format!("#{}", c.anchor), c.probes.len() - 1),
                )
            })
        })
        .collect();
    let root = "../".repeat(STATUS_DEPTH);
    // A probe without a result could not be run: it counts as not judged, never as passing.
    let status_of =
        |v: &Option<ProbeView>| v.as_ref().map(|v| v.result.status).unwrap_or(Status::Error);
    let mut pages: BTreeMap<String, Vec<(ProbeInfo, Option<ProbeView>)>> = BTreeMap::new();
    for (info, view) in results {
        pages
            .entry(info.page_url.clone())
            .or_default()
            .push((info, view));
    }
    let mut counts: BTreeMap<Status, usize> = BTreeMap::new();
    let mut groups: Vec<(Status, GroupView)> = pages
        .into_iter()
        .map(|(page_url, mut probes)| {
            probes.sort_by_key(|p| std::cmp::Reverse(status_of(&p.1)));
            let worst = verdict(probes.iter().map(|p| status_of(&p.1)));
            let first = &probes[0].0;
            let group = GroupView {
                title: first.page_title.clone(),
                page: first.page.clone(),
                url: format!("{root}{page_url}"),
                worst: Chip::of(worst),
                probes: probes
                    .iter()
                    .map(|(info, view)| {
                        let status = status_of(view);
                        *counts.entry(status).or_default() += 1;
                        let mut r = row(info, view.as_ref(), status, &root, now);
                        if let Some((url, others)) = shared.get(info.id.as_str()) {
                            r.hint = None;
                            r.same_cause = Some(SameCause {
                                url: url.clone(),
                                others: *others,
                            });
                        }
                        r
                    })
                    .collect(),
            };
            (worst, group)
        })
        .collect();
    groups.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.title.cmp(&b.1.title)));
    let overall = verdict(groups.iter().map(|g| g.0));
    let page = StatusPage {
        overall: Chip::of(overall),
        verdict: verdict_words(overall),
        counts: counts
            .into_iter()
            .rev()
            .map(|(s, n)| (Chip::of(s), n))
            .collect(),
        total: groups.iter().map(|g| g.1.probes.len()).sum(),
        refresh: state.probes().interval().as_secs().max(2),
        checked: When::at(&now.to_string(), now),
        now: now.to_string(),
        interval: state.probes().interval().as_secs_f64(),
        wrong,
        groups: groups.into_iter().map(|g| g.1).collect(),
    };
    let chrome = look.chrome("Probe status", STATUS_DEPTH, "status/");
    match look.render("status.html", &chrome, &page) {
        Ok(html) => ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the theme cannot render /status/: {e}"),
        )
            .into_response(),
    }
}

/// Failures and errors grouped by cause (the grouping `check` uses), worst first, then the
/// cause with the most probes; probes without a result make one cause of their own.
fn causes(results: &[(ProbeInfo, Option<ProbeView>)], now: jiff::Timestamp) -> Vec<CauseView> {
    let info_of = |id: &str| results.iter().find(|(i, _)| i.id == id).map(|(i, _)| i);
    let probe = |info: &ProbeInfo| CauseProbe {
        id: info.id.clone(),
        title: info.title.clone(),
        url: format!("#row-{}", info.id),
        page_title: info.page_title.clone(),
    };
    let oldest = |times: Vec<&str>| {
        times
            .into_iter()
            .filter_map(|t| t.parse::<jiff::Timestamp>().ok().map(|ts| (ts, t)))
            .min_by_key(|(ts, _)| *ts)
            .map(|(_, t)| When::at(t, now))
    };
    let wrong = results
        .iter()
        .filter_map(|(_, v)| v.as_ref().map(|v| &v.result))
        .filter(|r| matches!(r.status, Status::Fail | Status::Error));
    let mut out: Vec<CauseView> = crate::probe::show::causes::by_cause(wrong)
        .into_iter()
        .map(|c| CauseView {
            anchor: String::new(),
            chip: Chip::of(c.status),
            summary: c.summary.to_string(),
            hint: c.hint.map(|h| HintView {
                text: h.text.clone(),
                url: h
                    .link
                    .as_deref()
                    .map(|l| doc_href(Path::new(STATUS_PAGE), l)),
            }),
            checked: oldest(c.results.iter().map(|r| r.checked_at.as_str()).collect()),
            probes: c
                .results
                .iter()
                .filter_map(|r| info_of(&r.id))
                .map(probe)
                .collect(),
        })
        .collect();
    let unrun: Vec<CauseProbe> = results
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(i, _)| probe(i))
        .collect();
    if !unrun.is_empty() {
        out.push(CauseView {
            anchor: String::new(),
            chip: Chip::of(Status::Error),
            summary: NO_RESULT.to_string(),
            hint: None,
            probes: unrun,
            checked: None,
        });
    }
    // Stable: causes of one status and size keep the order of the listing.
    out.sort_by(|a, b| {
        (b.chip.status == "error", b.probes.len()).cmp(&(a.chip.status == "error", a.probes.len()))
    });
    for (i, c) in out.iter_mut().enumerate() {
        c.anchor = format!("cause-{}", i + 1);
    }
    out
}

/// What `/status/` says of a probe that has no result.
const NO_RESULT: &str = "no result: the probe could not be run (see the server's output)";

fn row(
    info: &ProbeInfo,
    view: Option<&ProbeView>,
    status: Status,
    root: &str,
    now: jiff::Timestamp,
) -> ProbeRow {
    let url = format!("{root}{}#probe-{}", info.page_url, info.id);
    let (summary, hint, checked) = match view {
        Some(v) => (
            v.result.summary.clone(),
            v.result
                .hint
                .as_ref()
                .filter(|_| status != Status::Pass)
                .map(|h| HintView {
                    text: h.text.clone(),
                    url: h
                        .link
                        .as_deref()
                        .map(|l| doc_href(Path::new(STATUS_PAGE), l)),
                }),
            Some(When::at(&v.result.checked_at, now)),
        ),
        None => (NO_RESULT.to_string(), None, None),
    };
    ProbeRow {
        id: info.id.clone(),
        title: info.title.clone(),
        check: info.check.clone(),
        url,
        chip: Chip::of(status),
        summary,
        hint,
        same_cause: None,
        checked,
    }
}

/// Escapes a Prometheus label value.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

async fn metrics(State(state): State<ServeState>) -> Response {
    state.ready().await;
    // Every probe on every target in use, once each: the `target` label keeps them apart.
    let results = results_of(&state, state.probes().list_all()).await;
    let mut out = String::new();
    let family = |out: &mut String, name: &str, kind: &str, help: &str| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    };
    // Every per-probe series carries the same labels, so alerts and dashboards over many
    // hosts can group by page and target and join series on them. Their number is bounded
    // by the declared probes (the labels come from the Markdown and the config, never from
    // a request or a result).
    let labels = |info: &ProbeInfo| {
        format!(
            "id=\"{}\",page=\"{}\",check=\"{}\",target=\"{}\"",
            label(&info.id),
            label(&info.page),
            label(&info.check),
            label(&info.target)
        )
    };
    family(
        &mut out,
        "bisk_probe_up",
        "gauge",
        "1 when the probe's latest result is pass or warn, 0 when fail, error or none; absent while it is skipped.",
    );
    for (info, view) in &results {
        let status = view.as_ref().map(|v| v.result.status);
        // A skipped probe does not apply here (or cannot be judged by design): a 0 would
        // read as "down" in every average over time, so it has no up sample at all.
        if status == Some(Status::Skipped) {
            continue;
        }
        let up = matches!(status, Some(Status::Pass | Status::Warn));
        let _ = writeln!(out, "bisk_probe_up{{{}}} {}", labels(info), u8::from(up));
    }
    family(
        &mut out,
        "bisk_probe_status",
        "gauge",
        "1 for the latest status of each probe.",
    );
    for (info, view) in &results {
        let current = view.as_ref().map(|v| v.result.status);
        for s in [
            Status::Pass,
            Status::Warn,
            Status::Fail,
            Status::Error,
            Status::Skipped,
        ] {
            let _ = writeln!(
                out,
                "bisk_probe_status{{{},status=\"{}\"}} {}",
                labels(info),
                s.as_str(),
                u8::from(current == Some(s))
            );
        }
    }
    family(
        &mut out,
        "bisk_probe_duration_seconds",
        "gauge",
        "Duration of the latest run.",
    );
    for (info, view) in &results {
        if let Some(v) = view {
            let _ = writeln!(
                out,
                "bisk_probe_duration_seconds{{{}}} {}",
                labels(info),
                v.result.duration_ms / 1000.0
            );
        }
    }
    family(
        &mut out,
        "bisk_probe_last_check_timestamp_seconds",
        "gauge",
        "Unix time of the latest run.",
    );
    for (info, view) in &results {
        if let Some(t) = view
            .as_ref()
            .and_then(|v| v.result.checked_at.parse::<jiff::Timestamp>().ok())
        {
            let _ = writeln!(
                out,
                "bisk_probe_last_check_timestamp_seconds{{{}}} {}",
                labels(info),
                t.as_second()
            );
        }
    }
    let m = state.metrics();
    let ordering = std::sync::atomic::Ordering::Relaxed;
    for (name, kind, help, value) in [
        (
            "bisk_probe_executions_total",
            "counter",
            "Probe executions (cache hits excluded).",
            state.probes().executions() as f64,
        ),
        (
            "bisk_serve_requests_total",
            "counter",
            "HTTP requests received.",
            m.requests.load(ordering) as f64,
        ),
        (
            "bisk_serve_rebuilds_total",
            "counter",
            "Rebuilds after file changes.",
            m.rebuilds.load(ordering) as f64,
        ),
        (
            "bisk_serve_last_rebuild_seconds",
            "gauge",
            "Duration of the latest rebuild.",
            m.last_rebuild_us.load(ordering) as f64 / 1e6,
        ),
        (
            "bisk_serve_event_clients",
            "gauge",
            "Open event streams.",
            m.sse_clients() as f64,
        ),
        (
            "bisk_serve_problems",
            "gauge",
            "Current build problems.",
            state.problems().len() as f64,
        ),
        (
            "bisk_serve_history_store_up",
            "gauge",
            "1 while probe results are written to the history store, 0 without durable history.",
            f64::from(u8::from(state.probes().store_healthy() == Some(true))),
        ),
    ] {
        family(&mut out, name, kind, help);
        let _ = writeln!(out, "{name} {value}");
    }
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}

async fn healthz(State(state): State<ServeState>) -> Response {
    let files = state.files();
    let ready = !files.map.is_empty();
    let body = serde_json::json!({
        "status": if ready { "ok" } else { "starting" },
        "generation": files.generation,
        "files": files.map.len(),
        "problems": state.problems().len(),
        "probe_executions": state.probes().executions(),
        "event_clients": state.metrics().sse_clients(),
        "unhighlighted_pages": state.metrics().unhighlighted.load(std::sync::atomic::Ordering::Relaxed),
    });
    let code = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, axum::Json(body)).into_response()
}
