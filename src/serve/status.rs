//! `/status/` (every probe, grouped by page, worst first, with an overall verdict),
//! `/metrics` (Prometheus text format) and `/healthz`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use super::probes::{ProbeInfo, ProbeView};
use super::state::ServeState;
use crate::probe::Status;
use crate::probe::health::worst as verdict;
use crate::render::escape::escape;

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

/// Fresh results (single flight, cached for the interval) of every probe, in listing order.
async fn all_results(state: &ServeState) -> Vec<(ProbeInfo, Option<ProbeView>)> {
    let infos = state.probes().list();
    let mut set = tokio::task::JoinSet::new();
    for (i, info) in infos.iter().enumerate() {
        let hub = state.probes().clone();
        let id = info.id.clone();
        set.spawn(async move { (i, hub.fresh(&id).await.ok()) });
    }
    let mut views: Vec<Option<ProbeView>> = vec![None; infos.len()];
    while let Some(Ok((i, v))) = set.join_next().await {
        views[i] = v;
    }
    infos.into_iter().zip(views).collect()
}

/// A page's probes with their results, and its worst status.
type Group = (String, Vec<(ProbeInfo, Option<ProbeView>)>, Status);

async fn status_page(State(state): State<ServeState>) -> Response {
    state.ready().await;
    let results = all_results(&state).await;
    let mut pages: BTreeMap<String, Vec<(ProbeInfo, Option<ProbeView>)>> = BTreeMap::new();
    for (info, view) in results {
        pages
            .entry(info.page_url.clone())
            .or_default()
            .push((info, view));
    }
    let status_of =
        |v: &Option<ProbeView>| v.as_ref().map(|v| v.result.status).unwrap_or(Status::Error);
    let mut groups: Vec<Group> = pages
        .into_iter()
        .map(|(page, mut probes)| {
            probes.sort_by_key(|p| std::cmp::Reverse(status_of(&p.1)));
            let worst = verdict(probes.iter().map(|p| status_of(&p.1)));
            (page, probes, worst)
        })
        .collect();
    groups.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    let overall = verdict(groups.iter().map(|g| g.2));
    let total: usize = groups.iter().map(|g| g.1.len()).sum();

    let refresh = state.probes().interval().as_secs().max(2);
    let mut html = String::new();
    let _ = write!(
        html,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta http-equiv=\"refresh\" content=\"{refresh}\"><title>Probe status</title>\
<link rel=\"stylesheet\" href=\"/_static/style.css\"><link rel=\"stylesheet\" href=\"/_static/live.css\"></head>\
<body class=\"status-page\"><main class=\"main status-main\"><p><a href=\"/index.html\">← Docs</a></p><h1>Probe status</h1>"
    );
    let _ = write!(
        html,
        "<p class=\"status-overall\">{} <strong>{}</strong> — {total} probe{} on {} page{}, refreshed every {refresh} s.</p>",
        chip(overall),
        match overall {
            Status::Pass => "All judged probes pass",
            Status::Warn => "Some probes warn",
            Status::Fail => "Some probes fail",
            Status::Error => "Some probes could not be judged",
            Status::Skipped => "Nothing judged",
        },
        if total == 1 { "" } else { "s" },
        groups.len(),
        if groups.len() == 1 { "" } else { "s" },
    );
    for (page, probes, worst) in &groups {
        let _ = write!(
            html,
            "<section class=\"status-group\"><h2>{} <a href=\"/{}\">{}</a></h2><table class=\"status-table\"><thead><tr><th>Status</th><th>Probe</th><th>Summary</th><th>Checked</th></tr></thead><tbody>",
            chip(*worst),
            escape(page),
            escape(&probes.first().map(|p| p.0.page.clone()).unwrap_or_default()),
        );
        for (info, view) in probes {
            let (summary, hint, checked) = match view {
                Some(v) => (
                    v.result.summary.clone(),
                    v.result.hint.as_ref().map(|h| h.text.clone()),
                    v.result.checked_at.clone(),
                ),
                None => ("no result".to_string(), None, String::new()),
            };
            let _ = write!(
                html,
                "<tr><td>{}</td><td><a href=\"/{}#probe-{}\">{}</a><br><code>{}</code></td><td>{}{}</td><td><time datetime=\"{}\">{}</time></td></tr>",
                chip(status_of(view)),
                escape(&info.page_url),
                escape(&info.id),
                escape(&info.title),
                escape(&info.check),
                escape(&summary),
                hint.map(|h| format!("<br><span class=\"status-hint\">{}</span>", escape(&h)))
                    .unwrap_or_default(),
                escape(&checked),
                escape(&checked),
            );
        }
        html.push_str("</tbody></table></section>");
    }
    if groups.is_empty() {
        html.push_str("<p>No page declares a probe.</p>");
    }
    html.push_str("</main></body></html>");
    Html(html).into_response()
}

fn chip(s: Status) -> String {
    format!(
        "<span class=\"probe-chip probe-chip-{}\"><span class=\"probe-icon\" aria-hidden=\"true\">{}</span> <span class=\"probe-word\">{}</span></span>",
        s.as_str(),
        s.icon(),
        s.word()
    )
}

/// Escapes a Prometheus label value.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

async fn metrics(State(state): State<ServeState>) -> Response {
    state.ready().await;
    let results = all_results(&state).await;
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
        "1 when the probe's latest result is pass or warn, 0 otherwise.",
    );
    for (info, view) in &results {
        let up = view
            .as_ref()
            .is_some_and(|v| matches!(v.result.status, Status::Pass | Status::Warn));
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
