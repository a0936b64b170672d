//! The JSON probe API:
//!
//! - `GET /api/probes`: every declared probe (id, page, title, check).
//! - `GET /api/probes/{id}`: the latest result, run first if older than the interval, with
//!   its recent history and (when the history store is kept) its last 24 hours.
//! - `POST /api/probes/{id}/run`: run now (token required; refused for writing probes
//!   under `--read-only`).
//! - `GET /api/events`: the event stream (see [`super::events`]).
//! - `GET /api/problems`: current build problems.

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use super::events;
use super::probes::RunError;
use super::state::ServeState;

/// Routes under `/api/`.
pub fn routes() -> Router<ServeState> {
    Router::new()
        .route("/api/probes", get(list))
        .route("/api/probes/{id}", get(latest))
        .route("/api/probes/{id}/run", post(run))
        .route("/api/events", get(events::stream))
        .route("/api/problems", get(problems))
}

async fn list(State(state): State<ServeState>) -> Response {
    state.ready().await;
    Json(json!({
        "interval_ms": state.probes().interval().as_millis() as u64,
        "read_only": state.read_only(),
        "probes": state.probes().list(),
    }))
    .into_response()
}

async fn latest(State(state): State<ServeState>, Path(id): Path<String>) -> Response {
    state.ready().await;
    match state.probes().fresh(&id).await {
        Ok(mut view) => {
            view.day = state.probes().day(&id).await;
            Json(view).into_response()
        }
        Err(e) => error(e),
    }
}

async fn run(State(state): State<ServeState>, Path(id): Path<String>) -> Response {
    state.ready().await;
    match state.probes().run_now(&id).await {
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
