//! The event stream (`GET /api/events?page=ops/REDIS_CACHE.html`): reloads, stylesheet
//! swaps, build problems for the overlay, and probe results, as server-sent events.
//!
//! A browser says which page it shows; it gets only reloads and probe results for that
//! page (plus site-wide events, such as every page's health for the sidebar). Streams end when the server shuts down, so a graceful
//! shutdown is not held up by open tabs.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::stream::{self, StreamExt};
use serde::{Deserialize, Serialize};
use tokio_stream::wrappers::BroadcastStream;

use super::probes::ProbeView;
use super::state::ServeState;
use crate::diag::Diagnostic;
use crate::probe::health::PageHealth;

/// Something connected browsers should know.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// Reload these output pages (`None`: every page).
    Reload { pages: Option<Vec<String>> },
    /// Swap these stylesheets (`_static/style.css`) without reloading.
    Stylesheet { files: Vec<String> },
    /// The current build problems (empty: all fixed, hide the overlay).
    Problems { problems: Vec<Diagnostic> },
    /// A probe produced a result.
    Probe { page: String, probe: Box<ProbeView> },
    /// Pages whose health (worst probe status) changed, for every sidebar: sent to every
    /// browser, only on change (`None`: the page has no result any more).
    Status {
        pages: BTreeMap<String, Option<PageHealth>>,
    },
}

impl Event {
    /// The SSE event name, which live.js listens for.
    pub fn name(&self) -> &'static str {
        match self {
            Event::Reload { .. } => "reload",
            Event::Stylesheet { .. } => "stylesheet",
            Event::Problems { .. } => "problems",
            Event::Probe { .. } => "probe",
            Event::Status { .. } => "status",
        }
    }

    /// Whether a browser showing `page` (None: not a page, e.g. a script) wants it.
    pub fn concerns(&self, page: Option<&str>) -> bool {
        match (self, page) {
            (_, None) => true,
            (Event::Reload { pages: Some(pages) }, Some(p)) => pages.iter().any(|x| x == p),
            (Event::Probe { page, .. }, Some(p)) => page == p,
            _ => true,
        }
    }

    fn to_sse(&self) -> SseEvent {
        let data = serde_json::to_string(self).unwrap_or_else(|_| "{}".into());
        SseEvent::default().event(self.name()).data(data)
    }
}

#[derive(Debug, Deserialize)]
pub struct EventsQuery {
    /// Output path of the page the browser shows (`ops/REDIS_CACHE.html`).
    pub page: Option<String>,
}

/// `GET /api/events`.
pub async fn stream(
    State(state): State<ServeState>,
    Query(q): Query<EventsQuery>,
) -> impl axum::response::IntoResponse {
    let page = q.page.map(|p| p.trim_start_matches('/').to_string());
    let watch = page.as_deref().map(|p| state.probes().watch(p));
    let client = state.metrics().sse_client();

    // Say hello with the current problems, so a page opened while something is broken
    // shows the overlay at once.
    // The server's clock and probe interval come with it: pages count results' ages with
    // the server's clock (a browser's may be wrong) and grey those older than two intervals.
    let hello = SseEvent::default().event("hello").data(
        serde_json::json!({
            "generation": state.generation(),
            "now": jiff::Timestamp::now().to_string(),
            "interval_s": state.probes().interval().as_secs_f64(),
        })
        .to_string(),
    );
    let problems = Event::Problems {
        problems: state.problems(),
    };
    // And with every page's health, so the sidebar's dots show before the next change.
    let health = Event::Status {
        pages: state
            .probes()
            .health()
            .into_iter()
            .map(|(page, h)| (page, Some(h)))
            .collect(),
    };
    let first = stream::iter([
        Ok::<SseEvent, Infallible>(hello),
        Ok(problems.to_sse()),
        Ok(health.to_sse()),
    ]);

    let rx = state.subscribe();
    let filter_page = page.clone();
    let live = BroadcastStream::new(rx).filter_map(move |msg| {
        let out = match msg {
            Ok(ev) if ev.concerns(filter_page.as_deref()) => Some(Ok(ev.to_sse())),
            Ok(_) => None,
            // A slow client missed events: the safe catch-up is a reload.
            Err(_) => Some(Ok(Event::Reload { pages: None }.to_sse())),
        };
        std::future::ready(out)
    });
    let stopped = state.shutdown_token().cancelled_owned();
    let body = first.chain(live).take_until(stopped).map(move |item| {
        // Keep the watcher registration and the client count alive with the stream.
        let _ = (&watch, &client);
        item
    });
    // nginx buffers proxied responses by default, which would hold events back until
    // the buffer fills: this header turns that off for the stream (no proxy config needed).
    (
        [("x-accel-buffering", "no")],
        Sse::new(body).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))),
    )
}
