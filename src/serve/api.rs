//! The JSON probe API. Every route takes the reader's target as `?target=NAME` (one of the
//! config's names; absent: the server's default); an unknown name is a 404 naming the
//! configured ones.
//!
//! - `GET /api/probes`: every probe the target's pages declare (id, page, title, check).
//! - `GET /api/probes/{id}`: the latest result, run first if older than the interval, with
//!   its recent history, (when the history store is kept) its last 24 hours, and `html`:
//!   the widget as the theme's `probe.html` draws it (the `probe` event carries it too).
//! - `POST /api/probes/{id}/run`: run now (token required; refused for writing probes
//!   under `--read-only`).
//! - `GET /api/events`: the event stream (see [`super::events`]).
//! - `GET /api/problems`: current build problems.
//! - `GET /api/target`: the default target and the configured ones (the header's switcher
//!   is the reader's: it changes nothing on the server).

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use super::events;
use super::probes::RunError;
use super::state::{ServeState, UnknownTarget};

/// Routes under `/api/`.
pub(crate) fn routes() -> Router<ServeState> {
    Router::new()
        .route("/api/probes", get(list))
        .route("/api/probes/{id}", get(latest))
        .route("/api/probes/{id}/run", post(run))
        .route("/api/events", get(events::stream))
        .route("/api/problems", get(problems))
        .route("/api/target", get(target))
}

/// `?target=NAME`.
#[derive(serde::Deserialize)]
pub(crate) struct TargetQuery {
    pub target: Option<String>,
}

/// The answer to a request naming a target the config does not declare.
pub(crate) fn unknown_target(e: UnknownTarget) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "error": e.to_string() })),
    )
        .into_response()
}

/// The reader target of a request, once the site is loaded (and the target's probes
/// known: its pages are rendered on first use).
async fn reader(state: &ServeState, q: &TargetQuery) -> Result<String, Response> {
    state.ready().await;
    let target = state
        .reader_target(q.target.as_deref())
        .map_err(unknown_target)?;
    if target != state.default_target() {
        state.files_for(&target).await.map_err(|why| {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "error": why })),
            )
                .into_response()
        })?;
    }
    Ok(target)
}

async fn target(State(state): State<ServeState>) -> Response {
    state.ready().await;
    Json(json!({
        "default": state.default_target(),
        "targets": state.targets(),
    }))
    .into_response()
}

async fn list(State(state): State<ServeState>, Query(q): Query<TargetQuery>) -> Response {
    let target = match reader(&state, &q).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    Json(json!({
        "target": target,
        "interval_ms": state.probes().interval().as_millis() as u64,
        "read_only": state.read_only(),
        "probes": state.probes().list(&target),
    }))
    .into_response()
}

async fn latest(
    State(state): State<ServeState>,
    Path(id): Path<String>,
    Query(q): Query<TargetQuery>,
) -> Response {
    let target = match reader(&state, &q).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    match state.probes().fresh(&id, &target).await {
        Ok(mut view) => {
            view.day = state.probes().day(&id, &target).await;
            Json(view).into_response()
        }
        Err(e) => error(e),
    }
}

async fn run(
    State(state): State<ServeState>,
    Path(id): Path<String>,
    Query(q): Query<TargetQuery>,
) -> Response {
    let target = match reader(&state, &q).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    match state.probes().run_now(&id, &target).await {
        Ok(view) => Json(view).into_response(),
        Err(e) => error(e),
    }
}

async fn problems(State(state): State<ServeState>) -> Response {
    Json(json!({ "problems": state.problems() })).into_response()
}

fn error(e: RunError) -> Response {
    let status = match e {
        RunError::Unknown(_) => StatusCode::NOT_FOUND,
        RunError::ReadOnly(_) => StatusCode::FORBIDDEN,
    };
    (status, Json(json!({ "error": e.to_string() }))).into_response()
}
