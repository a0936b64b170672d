//! The event stream (`GET /api/events?page=ops/REDIS_CACHE.html`): reloads, stylesheet
//! swaps, build problems for the overlay, and probe results, as server-sent events.
//!
//! A browser says which page it shows and for which target (`&target=prod`; absent: the
//! server's default); it gets only reloads and probe results for that page on that target
//! (plus site-wide events, such as every page's health on its target for the sidebar). Streams end when the server shuts down, so a graceful
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
use crate::probe::show::health::PageHealth;

/// Something connected browsers should know.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// Reload these output pages (`None`: every page) of reader target `target` (`None`:
    /// of every target).
    Reload {
        pages: Option<Vec<String>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        target: Option<String>,
    },
    /// Swap these stylesheets (`_static/style.css`) without reloading.
    Stylesheet { files: Vec<String> },
    /// The current build problems (empty: all fixed, hide the overlay).
    Problems { problems: Vec<Diagnostic> },
    /// A probe produced a result, shown on `page` for the reader targets `targets`.
    Probe {
        page: String,
        targets: Vec<String>,
        probe: Box<ProbeView>,
    },
    /// Pages of reader target `target` whose health (worst probe status) changed, for
    /// every sidebar: sent to every browser of that target, only on change (`None`: the
    /// page has no result any more).
    Status {
        target: String,
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

    /// Whether a browser showing `page` (None: not a page, e.g. a script) for reader
    /// target `target` wants it.
    pub fn concerns(&self, page: Option<&str>, target: &str) -> bool {
        match self {
            Event::Reload {
                target: Some(t), ..
            } if t != target => false,
            Event::Reload {
                pages: Some(pages), ..
            } => page.is_none_or(|p| pages.iter().any(|x| x == p)),
            Event::Probe {
                page: at, targets, ..
            } => targets.iter().any(|t| t == target) && page.is_none_or(|p| at == p),
            Event::Status { target: t, .. } => t == target,
            _ => true,
        }
    }

    fn to_sse(&self) -> SseEvent {
        let data = serde_json::to_string(self).unwrap_or_else(|_| "{}".into());
        SseEvent::default().event(self.name()).data(data)
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct EventsQuery {
    /// Output path of the page the browser shows (`ops/REDIS_CACHE.html`).
    pub page: Option<String>,
    /// The reader's target (one of the config's names; absent: the server's default).
    pub target: Option<String>,
}

/// `GET /api/events`.
pub(crate) async fn stream(
    State(state): State<ServeState>,
    Query(q): Query<EventsQuery>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let target = match state.reader_target(q.target.as_deref()) {
        Ok(t) => t,
        Err(e) => return super::api::unknown_target(e),
    };
    let page = q.page.map(|p| p.trim_start_matches('/').to_string());
    // An open page keeps its target's probes fresh for as long as it is open.
    let watch = state.probes().watch(&target);
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
        target: target.clone(),
        pages: state
            .probes()
            .health(&target)
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
            Ok(ev) if ev.concerns(filter_page.as_deref(), &target) => Some(Ok(ev.to_sse())),
            Ok(_) => None,
            // A slow client missed events: the safe catch-up is a reload.
            Err(_) => Some(Ok(Event::Reload {
                pages: None,
                target: None,
            }
            .to_sse())),
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
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(target: &str) -> Event {
        Event::Status {
            target: target.into(),
            pages: BTreeMap::new(),
        }
    }

    #[test]
    fn a_browser_hears_only_its_own_target() {
        let page = Some("ops/A.html");
        // Sidebar health: per target, on every page.
        assert!(status("prod").concerns(page, "prod"));
        assert!(!status("prod").concerns(page, "default"));
        assert!(!status("prod").concerns(None, "default"));
        // Reloads: of one target (or all), of some pages (or all).
        let reload = |pages: Option<Vec<String>>, target: Option<&str>| Event::Reload {
            pages,
            target: target.map(String::from),
        };
        assert!(reload(None, None).concerns(page, "prod"));
        assert!(reload(None, Some("prod")).concerns(page, "prod"));
        assert!(!reload(None, Some("prod")).concerns(page, "default"));
        assert!(reload(Some(vec!["ops/A.html".into()]), Some("default")).concerns(page, "default"));
        assert!(
            !reload(Some(vec!["ops/B.html".into()]), Some("default")).concerns(page, "default")
        );
        // Everyone hears problems and stylesheet swaps.
        assert!(Event::Problems { problems: vec![] }.concerns(page, "prod"));
        assert!(Event::Stylesheet { files: vec![] }.concerns(None, "qa"));
    }
}
