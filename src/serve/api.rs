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
        .route("/api/target", get(target).post(switch_target))
}

async fn target(State(state): State<ServeState>) -> Response {
    Json(json!({ "target": state.target(), "targets": state.targets() })).into_response()
}

#[derive(serde::Deserialize)]
struct SwitchTarget {
    target: String,
}

/// The header's target switcher: pages, probes and walkthrough starts follow the chosen
/// target, for every browser of this server. Only the config's targets can be chosen (the
/// request names one; what the probes do stays the Markdown's), and the POST passes the
/// same guard as probe runs. Answers once the pages show the target.
async fn switch_target(
    State(state): State<ServeState>,
    Json(body): Json<SwitchTarget>,
) -> Response {
    state.ready().await;
    let targets = state.targets();
    if !targets.contains(&body.target) {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": format!(
                "no target {:?}; configured targets: {}",
                body.target,
                targets.join(", ")
            ) })),
        )
            .into_response();
    }
    if state.target() != body.target {
        state.set_target(&body.target);
        // Values and probe parameters come from the config: rebuild as after a config edit.
        if !state.request_full_rebuild() {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "error": "the server is shutting down" })),
            )
                .into_response();
        }
    }
    if !state
        .rendered(&body.target, std::time::Duration::from_secs(60))
        .await
    {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({ "error": "the pages could not be rebuilt for this target (see the problems overlay)" })),
        )
            .into_response();
    }
    Json(json!({ "target": body.target })).into_response()
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
