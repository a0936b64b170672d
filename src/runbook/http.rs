//! The browser walkthrough, as an axum [`Router`] that `serve` mounts.
//!
//! Progress lives in the run's log on the server, so a reload, a second tab, a second
//! operator and a terminal (`bisk-docs runbook --resume`) all see and act on the same run.
//!
//! Pages: `/runs/` (past and open runs), `/runs/start?page=ops/X.md` (start a walkthrough),
//! `/runs/{id}/` (the walkthrough), `/runs/{id}/report?format=md|html|json`.
//! JSON: `GET /api/runs`, `GET /api/runs/{id}`; actions (POST, JSON bodies):
//! `/api/runs` `{page, operator, target?}`, `/api/runs/{id}/steps/{n}/probes`,
//! `/api/runs/{id}/steps/{n}/done` `{operator, override_reason?}`,
//! `/api/runs/{id}/steps/{n}/skip` `{operator, reason}`, `/api/runs/{id}/notes`
//! `{operator, step?, text}`, `/api/runs/{id}/finish` `{operator, abandon?}`.
//!
//! Every POST passes the server's one write guard ([`crate::serve::guard::write_refusal`]):
//! the server's token in `x-bisk-token` (the pages carry it in `<meta name="bisk-token">`)
//! and, when the browser sends them, an `Origin` equal to the `Host` and a same-origin
//! `Sec-Fetch-Site`. The router applies that guard itself, so it is guarded wherever it is
//! mounted; inside `serve` the server's own middleware runs the same check first. A request only ever names a page (which must
//! be a Markdown file of the docs folder), a step number and free text: what runs is the
//! step's declared probes, nothing else.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use pulldown_cmark::{CodeBlockKind, CowStr, Event, Parser, Tag, TagEnd};
use serde::Deserialize;

use super::RunbookError;
use super::log::Actor;
use super::report::{self, Format};
use super::session::{Session, SignOff, Workspace, clean_operator};
use crate::content::paths::{output_path, resolve_relative};
use crate::probe::discover;
use crate::render::escape::escape;
use crate::serve::guard;

/// What the runbook routes need from the server.
#[derive(Clone)]
pub struct RunbookHttp {
    pub ws: Arc<Workspace>,
    /// The server's per-process token, required on every POST.
    pub token: Arc<str>,
}

/// The runbook routes (absolute paths: merge them into the server's router).
pub fn router(ws: Arc<Workspace>, token: &str) -> Router {
    let token: Arc<str> = Arc::from(token);
    let app = RunbookHttp {
        ws,
        token: token.clone(),
    };
    Router::new()
        .route("/runs/", get(runs_page))
        .route("/runs/start", get(start_page))
        .route("/runs/runbook.js", get(script))
        .route("/runs/runbook.css", get(style))
        .route("/runs/{id}/", get(run_page))
        .route("/runs/{id}/report", get(report_page))
        .route("/api/runs", get(list_json).post(start_run))
        .route("/api/runs/{id}", get(run_json))
        .route("/api/runs/{id}/steps/{n}/probes", post(step_probes))
        .route("/api/runs/{id}/steps/{n}/done", post(step_done))
        .route("/api/runs/{id}/steps/{n}/skip", post(step_skip))
        .route("/api/runs/{id}/notes", post(add_note))
        .route("/api/runs/{id}/finish", post(finish_run))
        .layer(middleware::from_fn_with_state(token, guard::writes))
        .with_state(app)
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

fn actor(operator: Option<&str>) -> Actor {
    Actor {
        operator: operator.and_then(clean_operator),
        via: Some("browser".into()),
    }
}

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
    let report = report::json(&state);
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        report,
    )
        .into_response())
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
    Json(body): Json<StartBody>,
) -> Result<Response, ApiError> {
    let guide = app.ws.guide(Path::new(&body.page))?;
    let s = Session::start(
        app.ws.clone(),
        guide,
        body.target.as_deref(),
        &actor(body.operator.as_deref()),
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
    Json(body): Json<ActBody>,
) -> Result<Response, ApiError> {
    let s = session(&app, &id)?;
    let results = s
        .run_step_probes(n, &actor(body.operator.as_deref()))
        .await?;
    Ok(Json(serde_json::json!({ "results": results })).into_response())
}

async fn step_done(
    State(app): State<RunbookHttp>,
    UrlPath((id, n)): UrlPath<(String, usize)>,
    Json(body): Json<ActBody>,
) -> Result<Response, ApiError> {
    let s = session(&app, &id)?;
    let out = s
        .sign_off(
            n,
            body.override_reason.as_deref(),
            &actor(body.operator.as_deref()),
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
    Json(body): Json<ActBody>,
) -> Result<Response, ApiError> {
    let s = session(&app, &id)?;
    s.skip(
        n,
        body.reason.as_deref().unwrap_or(""),
        &actor(body.operator.as_deref()),
    )?;
    Ok(Json(serde_json::json!({ "skipped": true })).into_response())
}

async fn add_note(
    State(app): State<RunbookHttp>,
    UrlPath(id): UrlPath<String>,
    Json(body): Json<ActBody>,
) -> Result<Response, ApiError> {
    let s = session(&app, &id)?;
    s.note(
        body.step,
        body.text.as_deref().unwrap_or(""),
        &actor(body.operator.as_deref()),
    )?;
    Ok(Json(serde_json::json!({ "noted": true })).into_response())
}

async fn finish_run(
    State(app): State<RunbookHttp>,
    UrlPath(id): UrlPath<String>,
    Json(body): Json<ActBody>,
) -> Result<Response, ApiError> {
    let s = session(&app, &id)?;
    let abandon = body
        .abandon
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    let state = s.finish(abandon, &actor(body.operator.as_deref())).await?;
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
    let (format, ctype) = match q.format.as_deref().unwrap_or("html") {
        "md" => (Format::Md, "text/markdown; charset=utf-8"),
        "json" => (Format::Json, "application/json"),
        "html" => (Format::Html, "text/html; charset=utf-8"),
        other => {
            return Err(ApiError(
                StatusCode::BAD_REQUEST,
                format!("unknown format {other:?} (md, html or json)"),
            ));
        }
    };
    Ok((
        [(header::CONTENT_TYPE, ctype)],
        report::render(&state, format),
    )
        .into_response())
}

async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
        .into_response()
}

async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response()
}

fn page(title: &str, token: &str, body_attrs: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<meta name=\"bisk-token\" content=\"{}\"><title>{}</title>\
<link rel=\"stylesheet\" href=\"/runs/runbook.css\"></head>\
<body{body_attrs}>\n<nav><a href=\"/\">Guides</a> · <a href=\"/runs/\">Runs</a></nav>\n{body}\
<script src=\"/_static/site.js\" defer></script>\
<script src=\"/runs/runbook.js\" defer></script></body></html>\n",
        escape(token),
        escape(title)
    );
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        html,
    )
        .into_response()
}

async fn runs_page(State(app): State<RunbookHttp>) -> Result<Response, ApiError> {
    let runs = app.ws.list()?;
    let mut body = String::from("<main><h1>Runbook runs</h1>\n");
    if runs.is_empty() {
        body.push_str("<p>No runs yet. Open a guide and start a walkthrough, or run <code>bisk-docs runbook PAGE</code>.</p>\n");
    } else {
        body.push_str("<table><tr><th>Run</th><th>Guide</th><th>Target</th><th>Operators</th><th>Started</th><th>Steps</th><th>Outcome</th><th>Report</th></tr>\n");
        for r in runs {
            let outcome = r
                .outcome
                .map(|o| format!("{o:?}").to_lowercase())
                .unwrap_or_else(|| "open".into());
            let _ = writeln!(
                body,
                "<tr><td><a href=\"/runs/{id}/\">{id}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}/{}</td><td>{}{}</td><td><a href=\"/runs/{id}/report?format=html\">html</a> · <a href=\"/runs/{id}/report?format=md\">md</a> · <a href=\"/runs/{id}/report?format=json\">json</a></td></tr>",
                escape(&r.guide_title),
                escape(&r.target),
                escape(&r.operators.join(", ")),
                escape(&r.started_at),
                r.settled,
                r.steps,
                escape(&outcome),
                if r.log_problems > 0 {
                    " (unreadable log lines: see the report)"
                } else {
                    ""
                },
                id = escape(&r.run_id),
            );
        }
        body.push_str("</table>\n");
    }
    // Guides with probes, to start a walkthrough without going through the guide page.
    if let Ok(decls) = discover::discover(&app.ws.docs_dir, &[], Some((&app.ws.config, "default")))
    {
        let mut pages: Vec<String> = decls
            .iter()
            .map(|d| d.page.to_string_lossy().replace('\\', "/"))
            .collect();
        pages.dedup();
        if !pages.is_empty() {
            body.push_str("<h2>Start a walkthrough</h2>\n<ul>");
            for p in pages {
                let _ = write!(
                    body,
                    "<li><a href=\"{}\">{}</a></li>",
                    escape(&start_url(&p)),
                    escape(&p)
                );
            }
            body.push_str("</ul>\n");
        }
    }
    body.push_str("</main>\n");
    Ok(page("Runbook runs", &app.token, "", &body))
}

#[derive(Deserialize)]
struct StartQuery {
    page: String,
    /// The target the guide page showed (its header's switcher): selected in the form.
    target: Option<String>,
}

async fn start_page(
    State(app): State<RunbookHttp>,
    Query(q): Query<StartQuery>,
) -> Result<Response, ApiError> {
    let guide = app.ws.guide(Path::new(&q.page))?;
    let mut body = format!(
        "<main><h1>Walk: {}</h1>\n<p>{} steps, {} probes. Every probe of the guide is checked now and again when the run is finished, so the report shows what changed.</p>\n<ol>",
        escape(&guide.title),
        guide.steps.len(),
        guide.probes.len()
    );
    for s in &guide.steps {
        let _ = write!(body, "<li>{}</li>", escape(&s.title));
    }
    let mut targets: Vec<String> = vec!["default".into()];
    targets.extend(app.ws.config.targets.keys().cloned());
    let _ = write!(
        body,
        "</ol>\n<form id=\"rb-start\" data-page=\"{}\"><label>Operator <input name=\"operator\" required maxlength=\"80\"></label> \
<label>Target <select name=\"target\">{}</select></label> <button>Start walkthrough</button></form><p class=\"rb-error\" role=\"alert\"></p></main>\n",
        escape(&guide.page),
        targets
            .iter()
            .map(|t| {
                let selected = if q.target.as_deref() == Some(t.as_str()) {
                    " selected"
                } else {
                    ""
                };
                format!("<option{selected}>{}</option>", escape(t))
            })
            .collect::<String>()
    );
    Ok(page(
        &format!("Walk: {}", guide.title),
        &app.token,
        "",
        &body,
    ))
}

async fn run_page(
    State(app): State<RunbookHttp>,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    let state = app.ws.load(&id)?;
    // The run page shows the guide as it is now; the steps are the run's.
    let guide = app.ws.guide(Path::new(&state.guide)).ok();
    let mut body = format!(
        "<main><h1>{}</h1>\n<p class=\"rb-meta\">Run <code>{}</code> · target {} ({}) · host {} · started {} · <a href=\"/runs/{}/report?format=html\">report</a></p>\n\
<p><label>Operator <input id=\"rb-operator\" maxlength=\"80\" placeholder=\"your name\"></label> <span id=\"rb-progress\" aria-live=\"polite\"></span></p>\n<p class=\"rb-error\" role=\"alert\"></p>\n",
        escape(&state.guide_title),
        escape(&state.run_id),
        escape(&state.target.name),
        escape(&state.target.url),
        escape(&state.host),
        escape(&state.started_at),
        escape(&state.run_id),
    );
    for s in &state.steps {
        let text = guide
            .as_ref()
            .and_then(|g| g.step(s.number).filter(|gs| gs.id == s.id))
            .map(|gs| {
                // The step shows the values of the run's target, as its guide page does.
                let scope = app.ws.config.scope(&state.target.name);
                let markdown = crate::vars::substitute(&gs.markdown, &scope)
                    .map(|(text, _)| text)
                    .unwrap_or_else(|| gs.markdown.clone());
                step_html(
                    guide.as_ref().map(|g| g.page.as_str()).unwrap_or(""),
                    &markdown,
                    &gs.probes,
                )
            })
            .unwrap_or_else(|| {
                format!(
                    "<h2>{}</h2><p>(the guide changed: this step's text is gone)</p>",
                    escape(&s.title)
                )
            });
        let _ = write!(
            body,
            "<section class=\"rb-step\" data-step=\"{n}\" id=\"step-{n}\">\n<p class=\"rb-status\"><span class=\"rb-check\" aria-hidden=\"true\">☐</span> Step {n} of {total}: <strong class=\"rb-word\">pending</strong> <span class=\"rb-who\"></span></p>\n\
<div class=\"rb-text\">{text}</div>\n<div class=\"rb-results\" aria-live=\"polite\"></div>\n\
<div class=\"rb-actions\"><button data-act=\"probes\">Run probes</button> <button data-act=\"done\">Done</button> \
<input class=\"rb-reason\" maxlength=\"1000\" placeholder=\"reason (skip or override)\"> <button data-act=\"skip\">Skip</button> <button data-act=\"override\">Done with override</button> \
<input class=\"rb-note\" maxlength=\"4000\" placeholder=\"note\"> <button data-act=\"note\">Add note</button></div>\n<ul class=\"rb-notes\"></ul>\n</section>\n",
            n = s.number,
            total = state.steps.len(),
        );
    }
    body.push_str("<section class=\"rb-finish\"><button data-act=\"finish\">Finish the run</button> <input class=\"rb-abandon\" maxlength=\"1000\" placeholder=\"reason to abandon\"> <button data-act=\"abandon\">Abandon</button> <span class=\"rb-outcome\"></span></section></main>\n");
    Ok(page(
        &state.guide_title,
        &app.token,
        &format!(" data-run=\"{}\"", escape(&state.run_id)),
        &body,
    ))
}

/// A step's Markdown as HTML: raw HTML in the guide shown as text, links to other guides
/// made absolute (the run page is not where the guide is), probe fences replaced by the
/// slot their live result goes into, commands with a copy button.
pub fn step_html(page: &str, markdown: &str, probe_ids: &[String]) -> String {
    let mut probe_no = 0;
    let mut in_probe = false;
    // The code block being read: its info string and text.
    let mut code: Option<(String, String)> = None;
    let mut events: Vec<Event> = Vec::new();
    for event in Parser::new_ext(markdown, discover::markdown_options()) {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(ref info)))
                if discover::is_probe_info(info) =>
            {
                in_probe = true;
                let id = probe_ids.get(probe_no).cloned().unwrap_or_default();
                probe_no += 1;
                events.push(Event::Html(CowStr::from(format!(
                    "<div class=\"rb-probe\" data-probe=\"{}\"></div>",
                    escape(&id)
                ))));
            }
            Event::End(TagEnd::CodeBlock) if in_probe => in_probe = false,
            _ if in_probe => {}
            // Commands are rendered as on the guide page (prompts and output marked), so the
            // theme's Copy button copies the commands only.
            Event::Start(Tag::CodeBlock(kind)) => {
                code = Some((
                    match kind {
                        CodeBlockKind::Fenced(info) => info.to_string(),
                        CodeBlockKind::Indented => String::new(),
                    },
                    String::new(),
                ));
            }
            Event::Text(t) if code.is_some() => {
                if let Some((_, text)) = code.as_mut() {
                    text.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((info, text)) = code.take() {
                    events.push(Event::Html(CowStr::from(crate::render::code_block_html(
                        &info,
                        &text,
                        crate::render::Highlighter::default(),
                    ))));
                }
            }
            Event::Html(h) | Event::InlineHtml(h) => events.push(Event::Text(h)),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => events.push(Event::Start(Tag::Link {
                link_type,
                dest_url: CowStr::from(site_url(page, &dest_url)),
                title,
                id,
            })),
            e => events.push(e),
        }
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    html
}

/// `/runs/start?page=…` for a docs-relative page: where a guide page's "Start walkthrough"
/// button points.
pub fn start_url(page: &str) -> String {
    format!(
        "/runs/start?page={}",
        crate::percent::encode_query_value(page)
    )
}

/// Where a link of the guide points on the served site.
fn site_url(page: &str, dest: &str) -> String {
    if dest.contains("://") || dest.starts_with("mailto:") || dest.starts_with('/') {
        return dest.to_string();
    }
    let (path, anchor) = match dest.split_once('#') {
        Some((p, a)) => (p, format!("#{a}")),
        None => (dest, String::new()),
    };
    let page_path = Path::new(page);
    if path.is_empty() {
        return format!("/{}{anchor}", output_path(page_path));
    }
    match resolve_relative(page_path, path) {
        Some(p) if path.ends_with(".md") => format!("/{}{anchor}", output_path(&p)),
        Some(p) => format!("/{}{anchor}", p.to_string_lossy().replace('\\', "/")),
        None => dest.to_string(),
    }
}

const STYLE: &str = "body{font:15px/1.55 system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;color:#1b1f24;background:#fff}
nav{margin-bottom:1rem}table{border-collapse:collapse}td,th{border:1px solid #ccd;padding:.25rem .5rem;text-align:left;vertical-align:top}
.rb-step{border:1px solid #ccd;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}.rb-step.current{border:2px solid #0969da}.rb-step.settled{background:#f6f8fa}
.rb-status strong{text-transform:uppercase}.rb-error{color:#b3261e;font-weight:600}
.rb-result{margin:.25rem 0;padding:.25rem .5rem;border-left:4px solid #888}.rb-result.pass{border-color:#116329}.rb-result.warn{border-color:#9a6700}
.rb-result.fail,.rb-result.error{border-color:#b3261e}.rb-result .word{font-weight:700}pre{background:#f2f3f5;padding:.5rem;overflow:auto}
.rb-probe:empty::before{content:'probe: not run yet';color:#555}.rb-actions input{width:14rem}
.codeblock-head{display:flex;gap:.5rem;align-items:center;justify-content:flex-end;font-size:.8rem;color:#555}.codeblock pre{margin-top:0}
.codeblock .prompt{user-select:none}.codeblock .output{opacity:.8}
@media (prefers-color-scheme:dark){body{background:#111418;color:#e6e8eb}.rb-step.settled{background:#1a1f26}pre{background:#1a1f26}}";

const SCRIPT: &str = r#"(function () {
  'use strict';
  var token = (document.querySelector('meta[name="bisk-token"]') || {}).content || '';
  var errorBox = document.querySelector('.rb-error');
  function showError(text) { if (errorBox) errorBox.textContent = text || ''; }
  function post(url, body) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-bisk-token': token },
      body: JSON.stringify(body || {})
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) { showError(j.error || ('HTTP ' + r.status)); } else { showError(''); }
        return j;
      });
    });
  }
  var operatorInput = document.getElementById('rb-operator');
  function operator() {
    var v = operatorInput ? operatorInput.value.trim() : '';
    try { if (v) localStorage.setItem('bisk-operator', v); } catch (e) {}
    return v;
  }
  try { if (operatorInput) operatorInput.value = localStorage.getItem('bisk-operator') || ''; } catch (e) {}

  var start = document.getElementById('rb-start');
  if (start) {
    try { start.operator.value = localStorage.getItem('bisk-operator') || ''; } catch (e) {}
    start.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var op = start.operator.value.trim();
      try { localStorage.setItem('bisk-operator', op); } catch (e) {}
      post('/api/runs', { page: start.dataset.page, operator: op, target: start.target.value })
        .then(function (j) { if (j.url) location.href = j.url; });
    });
  }


  var runId = document.body.dataset.run;
  if (!runId) return;
  var base = '/api/runs/' + encodeURIComponent(runId);

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function resultNode(r) {
    var d = el('div', 'rb-result ' + r.status);
    d.appendChild(el('span', 'word', r.status.toUpperCase() + ' '));
    d.appendChild(el('span', '', r.title + ' — ' + r.summary));
    var det = el('details');
    det.appendChild(el('summary', '', 'evidence (checked ' + r.checked_at + ')'));
    var ul = el('ul');
    if (r.expected) ul.appendChild(el('li', '', 'expected: ' + r.expected));
    if (r.observed) ul.appendChild(el('li', '', 'observed: ' + r.observed));
    (r.evidence || []).forEach(function (e) { ul.appendChild(el('li', '', e.label + ': ' + e.value)); });
    if (r.hint) ul.appendChild(el('li', '', 'hint: ' + r.hint.text + (r.hint.link ? ' (' + r.hint.link + ')' : '')));
    det.appendChild(ul);
    d.appendChild(det);
    return d;
  }
  function render(doc) {
    var run = doc.run;
    var settled = 0, current = null;
    run.steps.forEach(function (s) {
      if (!current && s.status === 'pending') current = s.number;
      var sec = document.querySelector('.rb-step[data-step="' + s.number + '"]');
      if (!sec) return;
      var done = s.status !== 'pending';
      if (done) settled++;
      sec.classList.toggle('settled', done);
      sec.classList.toggle('current', current === s.number && !run.outcome);
      sec.querySelector('.rb-check').textContent = done ? (s.status === 'skipped' ? '⊘' : '☑') : '☐';
      sec.querySelector('.rb-word').textContent = s.status.replace('_', ' ');
      sec.querySelector('.rb-who').textContent = s.settled_by || s.settled_at ?
        ('by ' + (s.settled_by || '?') + ' (' + (s.settled_via || '?') + ') at ' + s.settled_at + (s.reason ? ' — ' + s.reason : '')) : '';
      sec.querySelectorAll('.rb-actions button').forEach(function (b) {
        b.disabled = (done && b.dataset.act !== 'note') || !!run.outcome;
      });
      sec.querySelectorAll('.rb-probe').forEach(function (slot) {
        slot.textContent = '';
        var r = (s.results || []).filter(function (x) { return x.id === slot.dataset.probe; })[0];
        if (r) slot.appendChild(resultNode(r));
      });
      var notes = sec.querySelector('.rb-notes');
      notes.textContent = '';
      run.notes.filter(function (n) { return n.step === s.number; }).forEach(function (n) {
        notes.appendChild(el('li', '', (n.by || '?') + ' (' + n.at + '): ' + n.text));
      });
    });
    document.getElementById('rb-progress').textContent = settled + ' of ' + run.steps.length + ' steps settled' +
      (run.outcome ? ' · run ' + run.outcome : '');
    var out = document.querySelector('.rb-outcome');
    if (out) out.textContent = run.outcome ? 'Finished: ' + run.outcome : '';
    document.querySelectorAll('.rb-finish button').forEach(function (b) { b.disabled = !!run.outcome; });
  }
  function refresh() {
    return fetch(base, { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) { return r.json(); }).then(render).catch(function () {
        showError('server unreachable: progress is kept on the server; reload when it is back');
      });
  }
  document.querySelectorAll('.rb-step').forEach(function (sec) {
    var n = sec.dataset.step;
    var reason = sec.querySelector('.rb-reason');
    var note = sec.querySelector('.rb-note');
    sec.querySelectorAll('.rb-actions button').forEach(function (b) {
      b.addEventListener('click', function () {
        var act = b.dataset.act, op = operator(), p;
        if (!op) { showError('Type your name in Operator first.'); return; }
        if (act === 'probes') p = post(base + '/steps/' + n + '/probes', { operator: op });
        if (act === 'done') p = post(base + '/steps/' + n + '/done', { operator: op });
        if (act === 'override') p = post(base + '/steps/' + n + '/done', { operator: op, override_reason: reason.value });
        if (act === 'skip') p = post(base + '/steps/' + n + '/skip', { operator: op, reason: reason.value });
        if (act === 'note') p = post(base + '/notes', { operator: op, step: Number(n), text: note.value }).then(function (j) { if (j.noted) note.value = ''; });
        if (p) p.then(refresh);
      });
    });
  });
  document.querySelectorAll('.rb-finish button').forEach(function (b) {
    b.addEventListener('click', function () {
      var op = operator();
      if (!op) { showError('Type your name in Operator first.'); return; }
      var body = { operator: op };
      if (b.dataset.act === 'abandon') body.abandon = document.querySelector('.rb-abandon').value || 'abandoned';
      post(base + '/finish', body).then(refresh);
    });
  });
  refresh();
  setInterval(function () { if (!document.hidden) refresh(); }, 3000);
})();
"#;
