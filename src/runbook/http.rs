//! The browser walkthrough, as an axum [`Router`] that `serve` mounts.
//!
//! Progress lives in the run's log on the server, so a reload, a second tab, a second
//! operator and a terminal (`bisk-docs runbook --resume`) all see and act on the same run.
//!
//! Pages (the site's theme renders them, templates `runs.html`, `run-start.html`,
//! `walkthrough.html`): `/runs/` (past and open runs), `/runs/start?page=ops/X.md` (start a
//! walkthrough), `/runs/{id}/` (the walkthrough), `/runs/{id}/report?format=md|html|json`.
//! JSON: `GET /api/runs`, `GET /api/runs/{id}`; actions (POST, JSON bodies):
//! `/api/runs` `{page, operator, target?}`, `/api/runs/{id}/steps/{n}/probes`,
//! `/api/runs/{id}/steps/{n}/done` `{operator, override_reason?}`,
//! `/api/runs/{id}/steps/{n}/skip` `{operator, reason}`,
//! `/api/runs/{id}/steps/{n}/reopen` `{operator, reason}`,
//! `/api/runs/{id}/steps/{n}/tasks/{k}` `{operator, done}`, `/api/runs/{id}/notes`
//! `{operator, step?, text}`, `/api/runs/{id}/finish` `{operator, abandon?}`.
//!
//! Every POST passes the server's one write guard ([`crate::serve::guard::write_refusal`]):
//! the server's token in `x-bisk-token` (the pages carry it in `<meta name="bisk-token">`)
//! and, when the browser sends them, an `Origin` equal to the `Host` and a same-origin
//! `Sec-Fetch-Site`. The router applies that guard itself, so it is guarded wherever it is
//! mounted; inside `serve` the server's own middleware runs the same check first. A request only ever names a page (which must
//! be a Markdown file of the docs folder), a step number and free text: what runs is the
//! step's declared probes, nothing else.

use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};

use super::RunbookError;
use super::log::{Actor, Outcome};
use super::report;
use super::session::{Session, SignOff, Workspace, clean_operator};
use super::state::StepStatus;
use super::steps::Guide;
use crate::content::index::Index;
use crate::content::paths::output_path;
use crate::serve::guard;
use crate::serve::proxy::ProxyUser;
use crate::site::SiteLook;
use crate::site::look::Fragment;
use crate::theme::{Chrome, When};

/// Where the pages get the site's current look: `serve` hands its latest (the theme is
/// reloaded while it runs); an embedder without a server hands a fixed one.
pub type LookSource = Arc<dyn Fn() -> Option<SiteLook> + Send + Sync>;

/// Where the pages get the guides: `serve` hands the page index of the site it serves
/// (kept current as files change); an embedder without a server reads the docs folder.
pub type IndexSource = Arc<dyn Fn() -> Option<Arc<Index>> + Send + Sync>;

/// What the runbook routes need from the server.
#[derive(Clone)]
pub struct RunbookHttp {
    pub ws: Arc<Workspace>,
    /// The server's per-process token, required on every POST.
    pub token: Arc<str>,
    pub look: LookSource,
    pub index: IndexSource,
    /// The walkable guides of the last index `/runs/` listed, so a listing costs no
    /// work until the index changes.
    walkable: Arc<std::sync::Mutex<Option<Walkable>>>,
}

/// The walkable guides of one index.
type Walkable = (Arc<Index>, Arc<Vec<Guide>>);

/// The runbook routes (absolute paths: merge them into the server's router), reading the
/// guides from the docs folder on each request.
pub fn router(ws: Arc<Workspace>, token: &str, look: LookSource) -> Router {
    let docs = ws.docs_dir.clone();
    router_on(
        ws,
        token,
        look,
        Arc::new(move || Some(Arc::new(Index::load(&docs)))),
    )
}

/// [`router`] reading the guides from `index`.
pub fn router_on(ws: Arc<Workspace>, token: &str, look: LookSource, index: IndexSource) -> Router {
    let token: Arc<str> = Arc::from(token);
    let app = RunbookHttp {
        ws,
        token: token.clone(),
        look,
        index,
        walkable: Arc::default(),
    };
    Router::new()
        .route("/runs/", get(runs_page))
        .route("/runs/start", get(start_page))
        .route("/runs/{id}/", get(run_page))
        .route("/runs/{id}/report", get(report_page))
        .route("/api/runs", get(list_json).post(start_run))
        .route("/api/runs/{id}", get(run_json))
        .route("/api/runs/{id}/steps/{n}/probes", post(step_probes))
        .route("/api/runs/{id}/steps/{n}/done", post(step_done))
        .route("/api/runs/{id}/steps/{n}/skip", post(step_skip))
        .route("/api/runs/{id}/steps/{n}/reopen", post(step_reopen))
        .route("/api/runs/{id}/steps/{n}/tasks/{k}", post(step_tick))
        .route("/api/runs/{id}/notes", post(add_note))
        .route("/api/runs/{id}/finish", post(finish_run))
        .layer(middleware::from_fn_with_state(token, guard::writes))
        .with_state(app)
}

/// The runbook routes of a running `serve`: its token, and its look as the theme reloads.
pub fn for_server(ws: Arc<Workspace>, state: &crate::serve::ServeState) -> Router {
    let s = state.clone();
    let i = state.clone();
    router_on(
        ws,
        state.token(),
        Arc::new(move || s.look()),
        Arc::new(move || i.index()),
    )
}

/// An error as a JSON response.
struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

impl From<RunbookError> for ApiError {
    fn from(e: RunbookError) -> Self {
        let code = match &e {
            RunbookError::UnknownRun(_) | RunbookError::NoSuchGuide { .. } => StatusCode::NOT_FOUND,
            RunbookError::Refused(_) => StatusCode::CONFLICT,
            RunbookError::Config(_) | RunbookError::Guide { .. } => StatusCode::BAD_REQUEST,
            RunbookError::Io { .. } | RunbookError::Log { .. } => {
                return ApiError(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the run's log could not be read or written (see the server's output)".into(),
                );
            }
        };
        ApiError(code, e.to_string())
    }
}

/// Who acts: the user a trusted proxy vouches for, else the typed name (taken on trust,
/// and recorded as such). A proxy that sent the identity header with an unusable value
/// refuses the action: falling back to the typed name would let anyone act as anyone.
fn actor(typed: Option<&str>, proxy: Option<&ProxyUser>) -> Result<Actor, ApiError> {
    match proxy {
        Some(ProxyUser::Named(user)) => Ok(Actor {
            operator: Some(user.clone()),
            via: Some("browser".into()),
            identity: Some("proxy".into()),
        }),
        Some(ProxyUser::Unusable(why)) => Err(ApiError(
            StatusCode::FORBIDDEN,
            format!(
                "refused: {why}, so who acts is unknown (a typed name is not taken instead); fix the proxy's user header"
            ),
        )),
        None => Ok(Actor {
            operator: typed.and_then(clean_operator),
            via: Some("browser".into()),
            identity: Some("typed".into()),
        }),
    }
}

/// The proxy's user on a request, when there is one.
type Proxied = Option<Extension<ProxyUser>>;

fn session(app: &RunbookHttp, id: &str) -> Result<Session, ApiError> {
    Ok(Session::open(app.ws.clone(), id)?.0)
}

async fn list_json(State(app): State<RunbookHttp>) -> Result<Response, ApiError> {
    Ok(Json(app.ws.list()?).into_response())
}

async fn run_json(
    State(app): State<RunbookHttp>,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    let state = app.ws.load(&id)?;
    let mut report = report::json(&state);
    // The report plus `"drawn": {STEP: {ID: HTML}}`, the widgets the page shows.
    if let Some(drawn) = drawn_widgets(&app, &state)
        && let Ok(serde_json::Value::Object(mut doc)) = serde_json::from_str(&report)
    {
        doc.insert("drawn".into(), drawn);
        report = serde_json::Value::Object(doc).to_string();
    }
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        report,
    )
        .into_response())
}

/// The widgets a walkthrough shows, drawn by the theme's `probe.html` as live widgets
/// (the page's script swaps them in): each step's latest results, else the run's start
/// snapshot of its probes, with this run's history of each probe. `None` when the guide
/// cannot be read (the page then keeps its widgets as they are).
fn drawn_widgets(app: &RunbookHttp, state: &super::state::RunState) -> Option<serde_json::Value> {
    let look = look_on(app, Some(&state.target.name)).ok()?;
    // From the served index (no disk, no parse), read with the run's target's values.
    let guide = guide(app, Path::new(&state.guide), &look.target).ok()?;
    let mut steps = serde_json::Map::new();
    for s in &state.steps {
        let shown: Vec<&crate::probe::ProbeResult> = if s.results.is_empty() {
            let before = state.before.as_deref().unwrap_or_default();
            before.iter().filter(|r| s.probes.contains(&r.id)).collect()
        } else {
            s.results.iter().collect()
        };
        let mut drawn = serde_json::Map::new();
        for r in shown {
            let Some(decl) = guide.probes.iter().find(|d| d.id == r.id) else {
                continue;
            };
            let history = state
                .probe_history
                .get(&r.id)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let live = crate::probe::show::widget::Live {
                history: history
                    .iter()
                    .map(|p| (p.status, p.duration_ms, p.checked_at.as_str()))
                    .collect(),
                stats: format!(
                    "{} check{} in this run · this one {}",
                    history.len(),
                    if history.len() == 1 { "" } else { "s" },
                    crate::probe::show::widget::ms(Some(r.duration_ms))
                ),
                // The walkthrough is at runs/ID/.
                root: Some("../../".into()),
            };
            if let Ok(html) = crate::probe::show::widget::render_live_in(
                &look.theme,
                decl,
                r,
                &live,
                &look.config,
            ) {
                drawn.insert(r.id.clone(), html.into());
            }
        }
        steps.insert(s.number.to_string(), drawn.into());
    }
    Some(steps.into())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StartBody {
    page: String,
    #[serde(default)]
    operator: Option<String>,
    #[serde(default)]
    target: Option<String>,
}

async fn start_run(
    State(app): State<RunbookHttp>,
    proxy: Proxied,
    Json(body): Json<StartBody>,
) -> Result<Response, ApiError> {
    // The session resolves each probe again for the run's target when it runs it.
    let guide = guide(&app, Path::new(&body.page), "default")?;
    let s = Session::start(
        app.ws.clone(),
        guide,
        body.target.as_deref(),
        &actor(body.operator.as_deref(), proxy.as_deref())?,
    )
    .await?;
    let url = format!("/runs/{}/", s.run_id);
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "run_id": s.run_id, "url": url })),
    )
        .into_response())
}

/// Every action's body. Unknown fields are refused: a request names a step and gives free
/// text, nothing else.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ActBody {
    #[serde(default)]
    operator: Option<String>,
    #[serde(default)]
    override_reason: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    step: Option<usize>,
    #[serde(default)]
    abandon: Option<String>,
}

async fn step_probes(
    State(app): State<RunbookHttp>,
    UrlPath((id, n)): UrlPath<(String, usize)>,
    proxy: Proxied,
    Json(body): Json<ActBody>,
) -> Result<Response, ApiError> {
    let s = session(&app, &id)?;
    let results = s
        .run_step_probes(n, &actor(body.operator.as_deref(), proxy.as_deref())?)
        .await?;
    Ok(Json(serde_json::json!({ "results": results })).into_response())
}

async fn step_done(
    State(app): State<RunbookHttp>,
    UrlPath((id, n)): UrlPath<(String, usize)>,
    proxy: Proxied,
    Json(body): Json<ActBody>,
) -> Result<Response, ApiError> {
    let s = session(&app, &id)?;
    let out = s
        .sign_off(
            n,
            body.override_reason.as_deref(),
            &actor(body.operator.as_deref(), proxy.as_deref())?,
        )
        .await?;
    Ok(match out {
        SignOff::Done(results) => {
            Json(serde_json::json!({ "done": true, "results": results })).into_response()
        }
        SignOff::Blocked(results) => (
            StatusCode::CONFLICT,
            Json(serde_json::json!({
                "done": false,
                "error": "a probe did not pass: fix it and run the probes again, or sign off with an override reason",
                "results": results,
            })),
        )
            .into_response(),
    })
}

async fn step_skip(
    State(app): State<RunbookHttp>,
    UrlPath((id, n)): UrlPath<(String, usize)>,
    proxy: Proxied,
    Json(body): Json<ActBody>,
) -> Result<Response, ApiError> {
    let s = session(&app, &id)?;
    s.skip(
        n,
        body.reason.as_deref().unwrap_or(""),
        &actor(body.operator.as_deref(), proxy.as_deref())?,
    )?;
    Ok(Json(serde_json::json!({ "skipped": true })).into_response())
}

async fn add_note(
    State(app): State<RunbookHttp>,
    UrlPath(id): UrlPath<String>,
    proxy: Proxied,
    Json(body): Json<ActBody>,
) -> Result<Response, ApiError> {
    let s = session(&app, &id)?;
    s.note(
        body.step,
        body.text.as_deref().unwrap_or(""),
        &actor(body.operator.as_deref(), proxy.as_deref())?,
    )?;
    Ok(Json(serde_json::json!({ "noted": true })).into_response())
}

async fn finish_run(
    State(app): State<RunbookHttp>,
    UrlPath(id): UrlPath<String>,
    proxy: Proxied,
    Json(body): Json<ActBody>,
) -> Result<Response, ApiError> {
    let s = session(&app, &id)?;
    let abandon = body
        .abandon
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    let state = s
        .finish(abandon, &actor(body.operator.as_deref(), proxy.as_deref())?)
        .await?;
    Ok(Json(serde_json::json!({ "outcome": state.outcome })).into_response())
}

#[derive(Deserialize)]
struct ReportQuery {
    #[serde(default)]
    format: Option<String>,
}

async fn report_page(
    State(app): State<RunbookHttp>,
    UrlPath(id): UrlPath<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let state = app.ws.load(&id)?;
    let (body, ctype) = match q.format.as_deref().unwrap_or("html") {
        "md" => (report::markdown(&state), "text/markdown; charset=utf-8"),
        "json" => (report::json(&state), "application/json"),
        "html" => {
            let html = report::html(&state, &look(&app)?).map_err(|e| {
                ApiError(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("the theme cannot render this page: {e}"),
                )
            })?;
            (html, "text/html; charset=utf-8")
        }
        other => {
            return Err(ApiError(
                StatusCode::BAD_REQUEST,
                format!("unknown format {other:?} (md, html or json)"),
            ));
        }
    };
    Ok(([(header::CONTENT_TYPE, ctype)], body).into_response())
}

async fn step_tick(
    State(app): State<RunbookHttp>,
    UrlPath((id, n, task)): UrlPath<(String, usize, usize)>,
    proxy: Proxied,
    Json(body): Json<TickBody>,
) -> Result<Response, ApiError> {
    let s = session(&app, &id)?;
    s.tick(
        n,
        task,
        body.done,
        &actor(body.operator.as_deref(), proxy.as_deref())?,
    )?;
    Ok(Json(serde_json::json!({ "ticked": body.done })).into_response())
}

/// A tick: which way, and who.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TickBody {
    done: bool,
    #[serde(default)]
    operator: Option<String>,
}

async fn step_reopen(
    State(app): State<RunbookHttp>,
    UrlPath((id, n)): UrlPath<(String, usize)>,
    proxy: Proxied,
    Json(body): Json<ActBody>,
) -> Result<Response, ApiError> {
    let s = session(&app, &id)?;
    s.reopen(
        n,
        body.reason.as_deref().unwrap_or(""),
        &actor(body.operator.as_deref(), proxy.as_deref())?,
    )?;
    Ok(Json(serde_json::json!({ "reopened": true })).into_response())
}

// ---- Pages: rendered on request by the site's theme, like the guides. ----

/// A theme page as the response, with the server's token for the page's POSTs.
fn themed<T: Serialize>(
    app: &RunbookHttp,
    template: &str,
    chrome: &Chrome,
    page: &T,
) -> Result<Response, ApiError> {
    let look = look(app)?;
    let html = look.render(template, chrome, page).map_err(|e| {
        ApiError(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the theme cannot render this page: {e}"),
        )
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        crate::serve::files::inject_token(html, &app.token),
    )
        .into_response())
}

/// A page that names a run or guide that does not exist gets the theme's not-found page
/// (with what was not found in the title), not a JSON error.
fn page_error(app: &RunbookHttp, depth: usize, e: RunbookError) -> Response {
    let missing = matches!(
        e,
        RunbookError::UnknownRun(_) | RunbookError::NoSuchGuide { .. }
    );
    let api = ApiError::from(e);
    if !missing {
        return api.into_response();
    }
    let Ok(look) = look(app) else {
        return api.into_response();
    };
    let ctx = crate::theme::NotFoundContext {
        site_title: look.config.title.clone(),
        root: "../".repeat(depth),
    };
    match look.theme.render_404(&ctx) {
        Ok(html) => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html,
        )
            .into_response(),
        Err(_) => api.into_response(),
    }
}

fn look(app: &RunbookHttp) -> Result<SiteLook, ApiError> {
    (app.look)().ok_or_else(|| {
        ApiError(
            StatusCode::SERVICE_UNAVAILABLE,
            "the site is still loading: reload in a moment".into(),
        )
    })
}

/// The URL of a guide's page from a page `depth` folders below the root.
fn guide_url(depth: usize, page: &str) -> String {
    format!("{}{}", "../".repeat(depth), output_path(Path::new(page)))
}

fn outcome_word(outcome: Option<Outcome>) -> &'static str {
    match outcome {
        None => "open",
        Some(Outcome::Completed) => "completed",
        Some(Outcome::Failed) => "failed",
        Some(Outcome::Abandoned) => "abandoned",
    }
}

#[derive(Serialize)]
struct RunsPage {
    runs: Vec<RunRow>,
    guides: Vec<GuideLink>,
}

#[derive(Serialize)]
struct RunRow {
    id: String,
    /// Relative to `/runs/`.
    url: String,
    report_url: String,
    guide_title: String,
    guide_url: String,
    target: String,
    host: String,
    operators: String,
    started: When,
    finished: Option<When>,
    settled: usize,
    steps: usize,
    outcome: &'static str,
    log_problems: usize,
}

#[derive(Serialize)]
struct GuideLink {
    title: String,
    page: String,
    url: String,
    start_url: String,
    steps: usize,
    probes: usize,
}

/// The guide at `page` from the index (the served one inside `serve`).
/// The guide at `page` from the served index, its probes read with `target`'s values.
fn guide(app: &RunbookHttp, page: &Path, target: &str) -> Result<Guide, RunbookError> {
    match (app.index)() {
        Some(index) => Guide::from_index_checked(&index, page, &app.ws.config, target),
        None => Err(RunbookError::NoSuchGuide {
            page: page.display().to_string(),
            why: "the site is still loading: reload in a moment".into(),
        }),
    }
}

/// The guides that can be walked (pages with probes), by title.
fn walkable_guides(app: &RunbookHttp, depth: usize) -> Vec<GuideLink> {
    let Some(index) = (app.index)() else {
        return Vec::new();
    };
    let guides = {
        let mut cache = app.walkable.lock().unwrap_or_else(|e| e.into_inner());
        match cache.as_ref() {
            Some((seen, guides)) if Arc::ptr_eq(seen, &index) => guides.clone(),
            _ => {
                let guides = Arc::new(Guide::walkable(&index, &app.ws.config));
                *cache = Some((index, guides.clone()));
                guides
            }
        }
    };
    let mut links: Vec<GuideLink> = guides
        .iter()
        .map(|guide| GuideLink {
            title: guide.title.clone(),
            url: guide_url(depth, &guide.page),
            start_url: format!(
                "{}runs/start?page={}",
                "../".repeat(depth),
                crate::percent::encode_query_value(&guide.page)
            ),
            steps: guide.steps.len(),
            probes: guide.probes.len(),
            page: guide.page.clone(),
        })
        .collect();
    links.sort_by_key(|g| g.title.to_lowercase());
    links
}

/// `?target=` on the runbook pages: the reader's target, for the header's switcher.
#[derive(Deserialize)]
struct ReaderQuery {
    target: Option<String>,
}

/// The look with the header showing `target` (the reader's, or a run's) when the config
/// names it; the site's default otherwise (a name from a request only selects among the
/// config's targets).
fn look_on(app: &RunbookHttp, target: Option<&str>) -> Result<SiteLook, ApiError> {
    let mut look = look(app)?;
    if let Some(t) = target
        && look.config.target_names().iter().any(|n| n == t)
    {
        look.target = t.to_string();
    }
    Ok(look)
}

async fn runs_page(
    State(app): State<RunbookHttp>,
    Query(q): Query<ReaderQuery>,
) -> Result<Response, ApiError> {
    let look = look_on(&app, q.target.as_deref())?;
    let now = jiff::Timestamp::now();
    let runs = app
        .ws
        .list()?
        .into_iter()
        .map(|r| RunRow {
            url: format!("{}/", r.run_id),
            report_url: format!("{}/report?format=html", r.run_id),
            guide_url: guide_url(1, &r.guide),
            guide_title: r.guide_title,
            target: r.target,
            host: r.host,
            operators: r.operators.join(", "),
            started: When::at(&r.started_at, now),
            finished: r.finished_at.as_deref().map(|t| When::at(t, now)),
            settled: r.settled,
            steps: r.steps,
            outcome: outcome_word(r.outcome),
            log_problems: r.log_problems,
            id: r.run_id,
        })
        .collect();
    let page = RunsPage {
        runs,
        guides: walkable_guides(&app, 1),
    };
    let chrome = look.chrome("Runbook runs", 1, "runs/");
    themed(&app, "runs.html", &chrome, &page)
}

#[derive(Deserialize)]
struct StartQuery {
    page: String,
    /// The target the guide page showed (its header's switcher): selected in the form.
    target: Option<String>,
}

#[derive(Serialize)]
struct StartPage {
    guide: GuideLink,
    step_titles: Vec<String>,
    targets: Vec<String>,
    /// The target the form selects.
    selected_target: String,
    /// The user a trusted proxy signed in.
    signed_in: Option<String>,
}

async fn start_page(
    State(app): State<RunbookHttp>,
    proxy: Proxied,
    Query(q): Query<StartQuery>,
) -> Result<Response, ApiError> {
    let look = look_on(&app, q.target.as_deref())?;
    let guide = match guide(&app, Path::new(&q.page), &look.target) {
        Ok(g) => g,
        Err(e) => return Ok(page_error(&app, 1, e)),
    };
    let mut targets: Vec<String> = vec!["default".into()];
    targets.extend(app.ws.config.targets.keys().cloned());
    let page = StartPage {
        guide: GuideLink {
            title: guide.title.clone(),
            url: guide_url(1, &guide.page),
            start_url: String::new(),
            steps: guide.steps.len(),
            probes: guide.probes.len(),
            page: guide.page.clone(),
        },
        step_titles: guide.steps.iter().map(|s| s.title.clone()).collect(),
        selected_target: q
            .target
            .clone()
            .filter(|t| targets.contains(t))
            .unwrap_or_else(|| "default".into()),
        targets,
        signed_in: proxy.and_then(|p| p.0.name().map(str::to_string)),
    };
    let chrome = look.chrome(
        &format!("Walk through {}", guide.title),
        1,
        &output_path(Path::new(&guide.page)),
    );
    themed(&app, "run-start.html", &chrome, &page)
}

#[derive(Serialize)]
struct WalkPage {
    run: RunView,
    steps: Vec<StepView>,
    total: usize,
    settled: usize,
    /// The first step not settled yet.
    current: Option<usize>,
    /// The user a trusted proxy signed in: the operator, not editable.
    signed_in: Option<String>,
}

#[derive(Serialize)]
struct RunView {
    id: String,
    guide: String,
    guide_title: String,
    guide_url: String,
    target_name: String,
    /// Redacted.
    target_url: String,
    host: String,
    started: When,
    /// Empty when the log does not say.
    started_by: String,
    operators: String,
    outcome: Option<&'static str>,
    finished: Option<When>,
    /// Root-relative prefix of the run's JSON API.
    api: String,
}

#[derive(Serialize)]
struct StepView {
    number: usize,
    id: String,
    title: String,
    status: StepStatus,
    status_word: &'static str,
    settled: bool,
    /// The step's text as the guides render it; `None` when the guide lost the step.
    html: Option<String>,
    tasks: usize,
    probes: Vec<String>,
}

async fn run_page(
    State(app): State<RunbookHttp>,
    UrlPath(id): UrlPath<String>,
    proxy: Proxied,
) -> Result<Response, ApiError> {
    let state = match app.ws.load(&id) {
        Ok(s) => s,
        Err(e) => return Ok(page_error(&app, 2, e)),
    };
    // The header shows the run's target: its steps show that target's values and probes.
    let look = look_on(&app, Some(&state.target.name))?;
    let now = jiff::Timestamp::now();
    // The run page shows the guide as it is now; the steps are the run's.
    let guide = guide(&app, Path::new(&state.guide), &look.target).ok();
    // From /runs/ID/ to the guide's folder.
    let base = {
        let out = output_path(Path::new(&state.guide));
        let folder = out.rsplit_once('/').map(|(f, _)| format!("{f}/"));
        format!("../../{}", folder.unwrap_or_default())
    };
    let steps = state
        .steps
        .iter()
        .map(|s| {
            let from_guide = guide.as_ref().and_then(|g| {
                g.step(s.number)
                    .filter(|gs| gs.id == s.id)
                    .map(|gs| (g, gs))
            });
            StepView {
                number: s.number,
                id: s.id.clone(),
                title: s.title.clone(),
                status: s.status,
                status_word: s.status.word(),
                settled: s.status.is_settled(),
                html: from_guide.map(|(g, gs)| {
                    look.render_fragment(
                        &state.target.name,
                        &Fragment {
                            guide: Path::new(&g.page),
                            markdown: &gs.markdown,
                            line_offset: gs.first_line.saturating_sub(1),
                            link_base: &base,
                            probe_ids: &gs.probes,
                            decls: &g.probes,
                        },
                    )
                }),
                tasks: from_guide.map(|(_, gs)| gs.tasks.len()).unwrap_or(0),
                probes: s.probes.clone(),
            }
        })
        .collect();
    let (settled, total) = state.progress();
    let page = WalkPage {
        run: RunView {
            id: state.run_id.clone(),
            guide: state.guide.clone(),
            guide_title: state.guide_title.clone(),
            guide_url: guide_url(2, &state.guide),
            target_name: state.target.name.clone(),
            target_url: state.target.url.clone(),
            host: state.host.clone(),
            started: When::at(&state.started_at, now),
            started_by: state.started_by.clone().unwrap_or_default(),
            operators: state.operators.join(", "),
            outcome: state.outcome.map(|o| outcome_word(Some(o))),
            finished: state.finished_at.as_deref().map(|t| When::at(t, now)),
            api: format!("api/runs/{}", state.run_id),
        },
        steps,
        total,
        settled,
        current: state.current_step().map(|s| s.number),
        signed_in: proxy.and_then(|p| p.0.name().map(str::to_string)),
    };
    let chrome = look.chrome(&state.guide_title, 2, &output_path(Path::new(&state.guide)));
    themed(&app, "walkthrough.html", &chrome, &page)
}
