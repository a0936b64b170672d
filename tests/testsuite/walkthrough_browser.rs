//! A runbook walkthrough driven end to end in real headless Chromium under `serve`, as an
//! operator mid-deploy would: start it from its start page, tick a task, sign off a step,
//! be refused on a failing probe (the refusal next to the button, in view), override, reopen
//! a step, finish, open the report from the finish screen; then read the run's log.
//! Also: a theme folder that overrides `walkthrough.html` changes the walkthrough.

use crate::kit;

use std::time::Duration;

use kit::RedisServer;
use kit::browser::Browser;
use kit::runbook::{events, kinds, run_ids};
use serde_json::Value;

/// Four steps: tasks and a passing probe; a failing probe (the enforcer never wrote its
/// breadcrumbs) below a long text; a restart; a last check.
fn guide() -> String {
    let filler = "The enforcer and the web process share the cache; this paragraph stands for \
                  the explanation a real guide gives before its check.\n\n"
        .repeat(12);
    format!(
        "---\ntitle: Deploy the enforcer\n---\n\n# Deploy the enforcer\n\n\
         ## Prepare {{#prepare}}\n\n- [ ] Announce the deploy in the ops channel\n- [ ] Take a backup of the database\n\n\
         ```probe\nid = \"w-ping\"\ncheck = \"redis.ping\"\ntitle = \"Redis answers PONG\"\n```\n\n\
         ## Check the breadcrumbs {{#crumbs}}\n\n{filler}\
         ```probe\nid = \"w-crumbs\"\ncheck = \"enforcer.breadcrumbs\"\ntitle = \"The enforcer's breadcrumbs are fresh\"\n```\n\n\
         ## Restart the enforcer {{#restart}}\n\n```console\n$ sudo systemctl restart bisk-enforcer\n```\n\n\
         ## Tell the team {{#tell}}\n\nSay it is done.\n"
    )
}

pub(crate) fn site(redis_url: &str) -> kit::Tree {
    kit::Tree::site(
        &format!(
            "title = \"Ops\"\n[redis]\nurl = \"{redis_url}\"\nconnect_timeout = \"500ms\"\ndeadline = \"1s\"\n"
        ),
        &[("ops/DEPLOY.md", &guide())],
    )
}

/// The run's state as its JSON API gives it.
async fn run_json(browser: &Browser) -> Value {
    browser
        .js("var x = new XMLHttpRequest(); x.open('GET', document.querySelector('.rb').dataset.api, false); \
             x.send(); return JSON.parse(x.responseText).run;")
        .await
}

async fn step_status(browser: &Browser, n: usize) -> Value {
    browser
        .js(&format!(
            "return document.getElementById('step-{n}').dataset.status;"
        ))
        .await
}

pub(crate) async fn wait_status(browser: &Browser, n: usize, status: &str) {
    browser
        .wait(
            &format!("step {n} to be {status}"),
            Duration::from_secs(20),
            &format!("return document.getElementById('step-{n}').dataset.status;"),
            |v| v == status,
        )
        .await;
}

/// With `BISK_SCREENSHOTS=DIR`, saves the viewport as `DIR/NAME.png` (to look at the page).
pub(crate) async fn shot(browser: &Browser, name: &str) {
    if let Some(dir) = std::env::var_os("BISK_SCREENSHOTS") {
        browser
            .screenshot(&std::path::Path::new(&dir).join(format!("{name}.png")))
            .await;
    }
}

/// Clicks the `act` button of step `n` as a person would: scrolled into view first.
pub(crate) async fn click(browser: &Browser, n: usize, act: &str) {
    browser
        .js(&format!(
            "var b = document.querySelector('#step-{n} [data-act=\"{act}\"]'); \
             b.scrollIntoView({{block: 'center'}}); b.click(); return 0;"
        ))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_operator_walks_a_guide_with_a_failing_step_end_to_end() {
    if kit::browser::skipped("the walkthrough browser test") {
        return;
    }
    let redis = RedisServer::start();
    let site = site(&redis.url(1));
    let root = site.root().to_path_buf();
    let server = kit::serve::with_runbooks(&root).await;
    let browser = Browser::start().await;
    browser.resize(1280, 800).await;

    // Start from the start page; the operator's name is remembered by this browser.
    browser
        .goto(&format!("{}/runs/start?page=ops%2FDEPLOY.md", server.url()))
        .await;
    browser
        .js("var f = document.getElementById('rb-start'); f.operator.value = 'alice'; f.requestSubmit(); return 0;")
        .await;
    browser
        .wait(
            "the walkthrough",
            Duration::from_secs(20),
            "return document.querySelector('.rb') ? location.pathname : null;",
            |v| v.as_str().is_some_and(|p| p.starts_with("/runs/")),
        )
        .await;
    let ids = run_ids(&root);
    assert_eq!(ids.len(), 1);
    let id = ids[0].clone();

    // The page is the guides' page: header, sidebar, stylesheet; the navigator marks step 1.
    let chrome = browser
        .js(
            "return [!!document.querySelector('header.topbar .serve-links'), \
             !!document.getElementById('sidebar'), \
             !!document.querySelector('link[href$=\"_static/style.css\"]'), \
             document.querySelector('.rb-nav li.current').dataset.step, \
             document.querySelector('.rb-where').textContent, \
             document.getElementById('rb-operator').value];",
        )
        .await;
    assert_eq!(
        chrome,
        serde_json::json!([true, true, true, "1", "Step 1 of 4", "alice"])
    );
    // Each step shows the results of the run's start until its probes run again.
    browser
        .wait(
            "step 1's probe to show the start snapshot",
            Duration::from_secs(10),
            "var w = document.querySelector('#step-1 .probe'); \
             return w.dataset.status + '|' + w.querySelector('.probe-checked').textContent;",
            |v| {
                v.as_str()
                    .is_some_and(|s| s.starts_with("pass|") && s.contains("at the run's start"))
            },
        )
        .await;
    let crumbs = browser
        .js("return document.querySelector('#step-2 .probe').dataset.status;")
        .await;
    assert_eq!(crumbs, "fail");

    // Tick a task of step 1.
    browser
        .js("var b = document.querySelector('#step-1 .rb-text input[type=checkbox]'); b.click(); return 0;")
        .await;
    browser
        .wait(
            "the tick to be recorded",
            Duration::from_secs(10),
            "return document.querySelector('#step-1 .rb-text input[type=checkbox]').title;",
            |v| v.as_str().is_some_and(|t| t.starts_with("Ticked by alice")),
        )
        .await;
    click(&browser, 1, "done").await;
    wait_status(&browser, 1, "done").await;

    // Done on the failing step: refused, and the refusal is beside the button, in view.
    click(&browser, 2, "done").await;
    let refusal = browser
        .wait(
            "the refusal next to step 2's Done",
            Duration::from_secs(20),
            "var e = document.querySelector('#step-2 .rb-error'); \
             if (e.hidden || !e.textContent) return null; \
             var r = e.getBoundingClientRect(), d = document.querySelector('#step-2 [data-act=done]').getBoundingClientRect(); \
             return {text: e.textContent, role: e.getAttribute('role'), live: e.getAttribute('aria-live'), \
                     top: r.top, bottom: r.bottom, height: innerHeight, gap: r.top - d.bottom};",
            |v| !v.is_null(),
        )
        .await;
    let text = refusal["text"].as_str().unwrap();
    assert!(
        text.contains("Not signed off") && text.contains("breadcrumbs"),
        "{refusal}"
    );
    assert_eq!(refusal["role"], "alert");
    assert_eq!(refusal["live"], "assertive");
    let (top, bottom, height) = (
        refusal["top"].as_f64().unwrap(),
        refusal["bottom"].as_f64().unwrap(),
        refusal["height"].as_f64().unwrap(),
    );
    assert!(
        top >= 0.0 && bottom <= height,
        "the refusal is in the viewport: {refusal}"
    );
    assert!(
        refusal["gap"].as_f64().unwrap() < 120.0,
        "right below the button: {refusal}"
    );
    assert_eq!(step_status(&browser, 2).await, "pending");
    // The step's widget: the failing result of the sign-off attempt, with this run's history
    // (the start snapshot and the attempt) and the hint's working link.
    let widget = browser
        .wait(
            "step 2's widget to show the attempt",
            Duration::from_secs(10),
            "var w = document.querySelector('#step-2 .probe'), s = w.querySelector('.probe-stats'),                  a = w.querySelector('.probe-hint a');              return s && [w.dataset.status, s.textContent, w.querySelectorAll('.probe-spark rect').length,                           a ? a.getAttribute('href') : null];",
            |v| v[1].as_str().is_some_and(|t| t.starts_with("2 checks in this run")),
        )
        .await;
    assert_eq!(widget[0], "fail", "{widget}");
    assert_eq!(widget[2], 2, "{widget}");
    shot(&browser, "walkthrough-refused").await;

    // An override with a reason signs it off.
    browser
        .js("document.getElementById('rb-reason-2').value = 'enforcer restarts in step 3'; return 0;")
        .await;
    click(&browser, 2, "override").await;
    wait_status(&browser, 2, "overridden").await;
    let cleared = browser
        .js("return document.querySelector('#step-2 .rb-error').hidden;")
        .await;
    assert_eq!(
        cleared, true,
        "the refusal goes once the step is signed off"
    );

    // Reopen step 1 (a reason is required and said next to the button when missing).
    click(&browser, 1, "reopen").await;
    browser
        .wait(
            "a request for a reason",
            Duration::from_secs(5),
            "var e = document.querySelector('#step-1 .rb-error'); return e.hidden ? '' : e.textContent;",
            |v| v.as_str().is_some_and(|t| t.contains("reason")),
        )
        .await;
    browser
        .js("document.getElementById('rb-reason-1').value = 'backup was of the wrong host'; return 0;")
        .await;
    click(&browser, 1, "reopen").await;
    wait_status(&browser, 1, "pending").await;
    let current = browser
        .js("return [document.querySelector('.rb-nav li.current').dataset.step, document.querySelector('.rb-where').textContent];")
        .await;
    assert_eq!(current, serde_json::json!(["1", "Step 1 of 4"]));
    click(&browser, 1, "done").await;
    wait_status(&browser, 1, "done").await;
    for n in [3, 4] {
        click(&browser, n, "done").await;
        wait_status(&browser, n, "done").await;
    }

    // Finish; the report is one click away.
    browser
        .js("var b = document.querySelector('.rb-finish [data-act=finish]'); b.scrollIntoView(); b.click(); return 0;")
        .await;
    browser
        .wait(
            "the report link after Finish",
            Duration::from_secs(20),
            "var p = document.querySelector('.rb-report-link'); return p.hidden ? null : document.activeElement.textContent;",
            |v| v == "Open the report",
        )
        .await;
    shot(&browser, "walkthrough-finished").await;
    browser
        .js("document.querySelector('.rb-report-link a').click(); return 0;")
        .await;
    browser
        .wait(
            "the report",
            Duration::from_secs(20),
            "return location.pathname + location.search;",
            |v| {
                v.as_str()
                    .is_some_and(|p| p.ends_with("/report?format=html"))
            },
        )
        .await;
    let report = browser.js("return document.body.textContent;").await;
    let report = report.as_str().unwrap();
    for said in [
        "enforcer restarts in step 3",
        "backup was of the wrong host",
        "Announce the deploy in the ops channel",
    ] {
        assert!(report.contains(said), "the report says {said:?}: {report}");
    }

    // The log: every event, in order, by alice from the browser.
    let log = events(&root, &id);
    assert_eq!(
        kinds(&log),
        [
            "run_started",
            "snapshot",
            "task_ticked",
            "step_done",
            "sign_off_refused",
            "step_done",
            "step_reopened",
            "step_done",
            "step_done",
            "step_done",
            "snapshot",
            "run_finished",
        ]
    );
    let tick = &log[2];
    assert_eq!(
        (&tick["step"], &tick["task"], &tick["done"], &tick["text"]),
        (
            &serde_json::json!(1),
            &serde_json::json!(1),
            &serde_json::json!(true),
            &serde_json::json!("Announce the deploy in the ops channel")
        )
    );
    assert_eq!(log[5]["override_reason"], "enforcer restarts in step 3");
    assert_eq!(log[6]["reason"], "backup was of the wrong host");
    for e in &log[2..] {
        assert_eq!(e["operator"], "alice", "{e}");
        assert_eq!(e["via"], "browser", "{e}");
    }

    // A second browser that never typed a name acts as the run's operator.
    browser.goto(&format!("{}/runs/{id}/", server.url())).await;
    browser
        .js("localStorage.removeItem('bisk-operator'); location.reload(); return 0;")
        .await;
    browser
        .wait(
            "the operator field prefilled from the run",
            Duration::from_secs(10),
            "var i = document.getElementById('rb-operator'); return i ? i.value : null;",
            |v| v == "alice",
        )
        .await;
    let run = run_json(&browser).await;
    assert_eq!(run["outcome"], "completed");
    browser.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_theme_folder_overrides_the_walkthrough_template() {
    let redis = RedisServer::start();
    let site = site(&redis.url(1));
    let root = site.root().to_path_buf();
    site.write(
        "bisk-docs.toml",
        format!(
            "title = \"Ops\"\ntheme = \"mytheme\"\n[redis]\nurl = \"{}\"\nconnect_timeout = \"500ms\"\ndeadline = \"1s\"\n",
            redis.url(1)
        )
        .as_bytes(),
    );
    site.write(
        "mytheme/templates/walkthrough.html",
        "{% extends \"base.html\" %}{% block main %}<p class=\"house-walk\">House walkthrough of {{ run.guide_title }}: \
         {% for step in steps %}[{{ step.number }} {{ step.title }}]{% endfor %}</p>{% endblock main %}"
            .as_bytes(),
    );
    let server = kit::serve::with_runbooks(&root).await;
    let addr = server.addr;
    let started = kit::serve::request(
        addr,
        "POST",
        "/api/runs",
        &[
            ("X-Bisk-Token", server.state.token()),
            ("Content-Type", "application/json"),
        ],
        Some(r#"{"page": "ops/DEPLOY.md", "operator": "ci"}"#),
    )
    .await;
    assert_eq!(started.status, 201, "{}", started.body);
    let url = started.json()["url"].as_str().unwrap().to_string();
    let page = kit::serve::get(addr, &url).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains(
            "<p class=\"house-walk\">House walkthrough of Deploy the enforcer: [1 Prepare][2 Check the breadcrumbs][3 Restart the enforcer][4 Tell the team]</p>"
        ),
        "{}",
        page.body
    );
    // Still the theme's base: its header and the server's token.
    assert!(page.body.contains("<header class=\"topbar\">"));
    assert!(page.body.contains("<meta name=\"bisk-token\""));
    // A run or guide that does not exist is the theme's not-found page, not JSON.
    for missing in [
        "/runs/20250101T000000Z-abcdef/",
        "/runs/start?page=ops%2FNOPE.md",
    ] {
        let page = kit::serve::get(addr, missing).await;
        assert_eq!(page.status, 404, "{missing}");
        assert!(
            page.body.contains("This page does not exist"),
            "{missing}: {}",
            page.body
        );
    }
    server.shutdown().await;
}
