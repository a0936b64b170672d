//! The deploy-time surfaces in the guides' look (issue 11): `/runs/`, a walkthrough,
//! `/status/` and the HTML run report load the guides' stylesheet and have their header and
//! sidebar; in dark mode every link on them reads at a contrast of at least 4.5:1 (WCAG
//! relative luminance, measured in Chromium against the colour actually behind it);
//! `/status/` fits a 390 px phone. The real `bisk-docs serve`, a private `redis-server`,
//! headless Chromium; the run is started and driven through the API from the browser.
//!
//! `BISK_SURFACES_SHOTS=DIR` keeps a screenshot of each page the contrast test measured.
//! `readme_screenshots` (ignored) retakes the README's pictures of the walkthrough and
//! `/status/`: `cargo test --test testsuite surfaces::readme_screenshots -- --ignored`.

use crate::kit;

use std::path::Path;
use std::time::Duration;

use kit::browser::Browser;
use kit::serve::ServeProcess;
use kit::{RedisServer, Tree, closed_port};
use serde_json::Value;

/// Every heading id the probes' hints link to in the Redis guide (`src/probe/show/hint.rs`), so
/// the hint links of the failing probe lead somewhere.
const REDIS_GUIDE: &str = "---\ntitle: Redis cache\n---\n\n# Redis cache\n\nHow the app's cache works.\n\n## Ping gotchas {#ping-gotchas}\n\nText.\n\n## Security {#security}\n\nText.\n\n## Production {#production}\n\nText.\n\n## Troubleshooting\n\n### B. Connection refused {#troubleshooting-b}\n\nStart Redis.\n\n### C. Auth {#troubleshooting-c}\n\nText.\n\n### D. Wrong db {#troubleshooting-d}\n\nText.\n\n### E. Keys {#troubleshooting-e}\n\nText.\n\n### F. Memory {#troubleshooting-f}\n\nText.\n";

/// A deploy guide with a task list, a command, a passing probe and one that fails (its
/// target's port is closed) with a hint that links to the Redis guide.
const DEPLOY_GUIDE: &str = r#"---
title: Deploy the enforcer
---

# Deploy the enforcer

Roll out a new enforcer release. See [the Redis guide](REDIS_CACHE.md) first.

## Check Redis {#check-redis}

- [ ] Tell the team in #deploys
- [ ] Open the dashboard

```probe
id = "deploy-ping"
check = "redis.ping"
title = "Redis answers PONG"
```

## Restart the enforcer

```bash
sudo systemctl restart bisk-enforcer.service
```

## Check the replica

The replica must answer too ([why](REDIS_CACHE.md#production)).

```probe
id = "replica-ping"
check = "redis.ping"
title = "The replica answers PONG"
target = "replica"
```
"#;

/// The site, its Redis and a running `serve` (the real binary, with the runbook routes).
struct Surfaces {
    _redis: RedisServer,
    site: Tree,
    serve: ServeProcess,
}

impl Surfaces {
    fn start() -> Surfaces {
        let redis = RedisServer::start();
        let config = format!(
            "title = \"Ops guides\"\nbase_url = \"https://docs.example.test/\"\n[redis]\nurl = \"{}\"\nconnect_timeout = \"300ms\"\ndeadline = \"1s\"\n[targets.replica]\nurl = \"redis://127.0.0.1:{}/1\"\n",
            redis.url(1),
            closed_port()
        );
        let site = Tree::site(
            &config,
            &[
                (
                    "README.md",
                    "# Ops guides\n\nStart with [the deploy](ops/DEPLOY.md).\n",
                ),
                ("ops/DEPLOY.md", DEPLOY_GUIDE),
                ("ops/REDIS_CACHE.md", REDIS_GUIDE),
            ],
        );
        let bind = format!("127.0.0.1:{}", closed_port());
        let serve = ServeProcess::start(site.root(), &["--bind", &bind], &[]);
        Surfaces {
            _redis: redis,
            site,
            serve,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.serve.addr())
    }
}

/// POSTs `body` to the run API from the page (its token, its origin); the answer as
/// `[status, json]`.
async fn api(browser: &Browser, path: &str, body: &str) -> Value {
    let start = format!(
        "window.__api = null; var t = document.querySelector('meta[name=\"bisk-token\"]').content; fetch({path:?}, {{method: 'POST', headers: {{'content-type': 'application/json', 'x-bisk-token': t}}, body: {body:?}}}).then(function (r) {{ return r.json().then(function (j) {{ window.__api = [r.status, j]; }}); }}); return 0;"
    );
    browser.js(&start).await;
    browser
        .wait(
            &format!("POST {path}"),
            Duration::from_secs(30),
            "return window.__api;",
            |v| !v.is_null(),
        )
        .await
}

/// Starts a run of the deploy guide from `/runs/` and walks it through the API: a task
/// ticked, a step done, reopened and done again, a note, the failing step overridden, the
/// run finished. Returns the run id.
async fn walk_a_run(browser: &Browser, s: &Surfaces) -> String {
    browser.goto(&s.url("/runs/")).await;
    let started = api(
        browser,
        "/api/runs",
        r#"{"page":"ops/DEPLOY.md","operator":"alice"}"#,
    )
    .await;
    assert_eq!(started[0], 201, "{started}");
    let id = started[1]["run_id"].as_str().unwrap().to_string();
    let step = |n: usize, what: &str| format!("/api/runs/{id}/steps/{n}/{what}");
    for (path, body, code) in [
        (
            step(1, "tasks/1"),
            r#"{"operator":"alice","done":true}"#,
            200,
        ),
        (step(1, "done"), r#"{"operator":"alice"}"#, 200),
        (
            step(1, "reopen"),
            r#"{"operator":"bob","reason":"the dashboard was not open yet"}"#,
            200,
        ),
        (step(1, "tasks/2"), r#"{"operator":"bob","done":true}"#, 200),
        (step(1, "done"), r#"{"operator":"bob"}"#, 200),
        (
            format!("/api/runs/{id}/notes"),
            r#"{"operator":"bob","step":2,"text":"restarted at 10:02"}"#,
            200,
        ),
        (step(2, "done"), r#"{"operator":"bob"}"#, 200),
        // The replica's port is closed: its probe fails and blocks Done.
        (step(3, "done"), r#"{"operator":"bob"}"#, 409),
        (
            step(3, "done"),
            r#"{"operator":"bob","override_reason":"the replica is being rebuilt (CHG-42)"}"#,
            200,
        ),
        (
            format!("/api/runs/{id}/finish"),
            r#"{"operator":"bob"}"#,
            200,
        ),
    ] {
        let answer = api(browser, &path, body).await;
        assert_eq!(answer[0], code, "POST {path} {body}: {answer}");
    }
    id
}

/// For every link on the page: its colour against the colour behind it (its own and its
/// ancestors' backgrounds, composited, down to the first opaque one; ancestors' opacity
/// fades the text into that background), as WCAG 2 contrast, with the link focused (as a
/// keyboard user sees it; links shown only on focus or hover are measured shown). Closed
/// `<details>` are opened first so the links inside them count too. Returns `{links, low: [..], unjudged: [..]}`.
const LINK_CONTRAST: &str = r#"
document.querySelectorAll('details').forEach(function (d) { d.open = true; });
function parse(c) {
  var m = /^rgba?\(([^)]*)\)$/.exec(c), p;
  if (m) { p = m[1].split(/[\s,\/]+/).filter(Boolean).map(parseFloat); return [p[0] / 255, p[1] / 255, p[2] / 255, p.length > 3 ? p[3] : 1]; }
  m = /^color\(srgb ([^)]*)\)$/.exec(c);
  if (m) { p = m[1].split(/[\s\/]+/).filter(Boolean).map(parseFloat); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; }
  return null;
}
function over(top, below) {
  var a = top[3];
  return [top[0] * a + below[0] * (1 - a), top[1] * a + below[1] * (1 - a), top[2] * a + below[2] * (1 - a), 1];
}
function lum(c) {
  var f = function (v) { return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
}
function hex(c) { return '#' + c.slice(0, 3).map(function (v) { return ('0' + Math.round(v * 255).toString(16)).slice(-2); }).join(''); }
var links = document.querySelectorAll('a[href]'), low = [], unjudged = [];
links.forEach(function (a) {
  // Links shown only on hover or focus (heading anchors) are measured as shown.
  a.focus({preventScroll: true});
  var layers = [], opacity = 1, why = null, base = null;
  for (var e = a; e; e = e.parentElement) {
    var st = getComputedStyle(e);
    opacity *= parseFloat(st.opacity);
    if (base) continue;
    if (st.backgroundImage !== 'none') { why = 'background image on ' + e.tagName + '.' + e.className; break; }
    var bg = parse(st.backgroundColor);
    if (!bg) { why = 'unreadable background ' + st.backgroundColor; break; }
    if (bg[3] >= 1) base = bg; else if (bg[3] > 0) layers.push(bg);
  }
  var fg = parse(getComputedStyle(a).color);
  if (!why && !base) why = 'no opaque background behind it';
  if (!why && !fg) why = 'unreadable colour ' + getComputedStyle(a).color;
  var label = (a.textContent.trim() || a.getAttribute('aria-label') || '').slice(0, 60) + ' -> ' + a.getAttribute('href');
  if (why) { unjudged.push(label + ': ' + why); return; }
  var back = base;
  for (var i = layers.length - 1; i >= 0; i--) back = over(layers[i], back);
  var text = over([fg[0], fg[1], fg[2], fg[3] * opacity], back);
  var l1 = lum(text), l2 = lum(back);
  var ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
  if (ratio < 4.5) low.push(label + ': ' + hex(text) + ' on ' + hex(back) + ' = ' + ratio.toFixed(2));
  a.blur();
});
return {links: links.length, low: low, unjudged: unjudged, dark: document.documentElement.dataset.theme === 'dark'};
"#;

/// The guides' look: their stylesheet loaded, the theme's header (brand, search, theme
/// toggle, Status and Runs) and a sidebar that the site's navigation filled in.
const THEMED: &str = r#"
var css = Array.prototype.some.call(document.styleSheets, function (s) {
  try { return /\/_static\/style\.css$/.test(s.href || '') && s.cssRules.length > 50; } catch (e) { return false; }
});
var q = function (sel) { return !!document.querySelector(sel); };
return [css, q('header.topbar .brand'), q('header.topbar #search-input'), q('header.topbar .theme-btn'),
  q('header.topbar .serve-links a[href$="status/"], header.topbar .serve-links a[href$="status/?target=default"]') &&
    q('header.topbar .serve-links a[href$="runs/"], header.topbar .serve-links a[href$="runs/?target=default"]'),
  document.querySelectorAll('#sidebar a[href]').length > 0];
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn server_pages_share_the_guides_look_and_their_links_read_in_dark_mode() {
    if kit::browser::skipped("the server pages' look and dark-mode contrast test") {
        return;
    }
    let s = Surfaces::start();
    let browser = Browser::start().await;
    let id = walk_a_run(&browser, &s).await;
    // A second run left open mid-way: its walkthrough still has its controls and a failing
    // step's probe (with its hint link) in view.
    let open = api(
        &browser,
        "/api/runs",
        r#"{"page":"ops/DEPLOY.md","operator":"carol"}"#,
    )
    .await;
    let open = open[1]["run_id"].as_str().unwrap().to_string();
    browser
        .js("localStorage.setItem('bisk-theme', 'dark'); return 0;")
        .await;

    let pages = [
        ("/runs/".to_string(), ".runs-table"),
        (format!("/runs/{id}/"), ".rb-step"),
        (format!("/runs/{open}/"), ".rb-step.current"),
        ("/status/".to_string(), ".status-table"),
        (format!("/runs/{id}/report?format=html"), ".report-step"),
    ];
    for (path, marker) in &pages {
        browser.goto(&s.url(path)).await;
        // The sidebar is drawn by the site's script; the status table is rendered at once.
        let look = browser
            .wait(
                &format!("{path} with its sidebar"),
                Duration::from_secs(20),
                &format!(
                    "return document.querySelector({marker:?}) && document.querySelectorAll('#sidebar a[href]').length > 0 ? (function () {{ {THEMED} }})() : null;"
                ),
                |v| !v.is_null(),
            )
            .await;
        assert_eq!(
            look,
            serde_json::json!([true, true, true, true, true, true]),
            "{path}: [stylesheet, brand, search, theme toggle, Status/Runs, sidebar]"
        );
        // `BISK_SURFACES_SHOTS=DIR` keeps a picture of each page, as measured.
        if let Some(dir) = std::env::var_os("BISK_SURFACES_SHOTS") {
            let name = marker.trim_start_matches('.').replace('.', "-");
            browser
                .screenshot(&Path::new(&dir).join(format!("{name}.png")))
                .await;
        }
        let seen = browser.js(LINK_CONTRAST).await;
        assert_eq!(seen["dark"], true, "{path} is in dark mode: {seen}");
        assert!(
            seen["links"].as_u64().unwrap() >= 5,
            "{path} has its links: {seen}"
        );
        assert_eq!(
            seen["unjudged"],
            serde_json::json!([]),
            "{path}: links whose background could not be judged"
        );
        assert_eq!(
            seen["low"],
            serde_json::json!([]),
            "{path}: links below 4.5:1 in dark mode"
        );
    }

    // The report lists what happened, the new events included, and its hint links lead to
    // the guide's section.
    let report = browser
        .js("return document.querySelector('.report-page').innerText;")
        .await;
    let report = report.as_str().unwrap();
    for want in [
        "Tell the team in #deploys",
        "ticked by alice",
        "Reopened by bob",
        "the dashboard was not open yet",
        "the replica is being rebuilt (CHG-42)",
        "restarted at 10:02",
    ] {
        assert!(report.contains(want), "{want:?} in the report:\n{report}");
    }
    let hint = browser
        .js("var a = document.querySelector('.report-page .probe-hint a'); return a ? a.href : null;")
        .await;
    // Under serve with two or more targets, links carry the page's target.
    assert!(
        [
            s.url("/ops/REDIS_CACHE.html#troubleshooting-b"),
            s.url("/ops/REDIS_CACHE.html?target=default#troubleshooting-b"),
        ]
        .iter()
        .any(|u| hint.as_str() == Some(u.as_str())),
        "{hint}"
    );

    // /status/ names the guides by their titles, and fits a phone.
    browser.goto(&s.url("/status/")).await;
    let groups = browser
        .js("return Array.prototype.map.call(document.querySelectorAll('.status-group h2 a'), function (a) { return a.textContent; });")
        .await;
    assert_eq!(
        groups,
        serde_json::json!(["Deploy the enforcer"]),
        "{groups}"
    );
    // A phone: no horizontal scroll on /status/ nor on the report.
    browser.resize(390, 844).await;
    for (path, marker) in [
        ("/status/".to_string(), ".status-table"),
        (format!("/runs/{id}/report?format=html"), ".report-step"),
    ] {
        browser.goto(&s.url(&path)).await;
        let sizes = browser
            .wait(
                &format!("{path} at 390 px"),
                Duration::from_secs(20),
                &format!("var d = document.documentElement; return document.querySelector({marker:?}) ? [window.innerWidth, d.scrollWidth, d.clientWidth] : null;"),
                |v| !v.is_null(),
            )
            .await;
        assert_eq!(sizes[0], 390, "{path}: {sizes}");
        assert!(
            sizes[1].as_u64() <= sizes[2].as_u64(),
            "{path}: horizontal scroll at 390 px: {sizes}"
        );
    }
    browser.close().await;
}

/// `runbook report --format html`: one file for a ticket, in the theme, that needs nothing
/// else: the stylesheet inline, no scripts, no links into a server. The Markdown and JSON
/// reports list the ticks and reopenings too.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_report_file_is_one_themed_page_and_every_form_lists_ticks_and_reopenings() {
    if kit::browser::skipped("the standalone report browser test") {
        return;
    }
    let s = Surfaces::start();
    let browser = Browser::start().await;
    let id = walk_a_run(&browser, &s).await;
    let (code, md, err) = kit::bisk_docs(
        s.site.root(),
        &["runbook", "report", &id, "--format", "md"],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let step1 =
        &md[md.find("### 1. Check Redis").expect("step 1")..md.find("### 2.").expect("step 2")];
    assert!(
        step1.contains("> Reopened by bob at ")
            && step1.contains(" (was done): the dashboard was not open yet"),
        "{step1}"
    );
    assert!(
        step1.contains("Tasks:\n\n- [x] Tell the team in \\#deploys (ticked by alice at ")
            && step1.contains("- [x] Open the dashboard (ticked by bob at "),
        "{step1}"
    );
    let (code, json, err) = kit::bisk_docs(
        s.site.root(),
        &["runbook", "report", &id, "--format", "json"],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&json).unwrap();
    let first = &doc["run"]["steps"][0];
    assert_eq!(
        first["tasks"][0]["text"], "Tell the team in #deploys",
        "{first}"
    );
    assert_eq!(first["tasks"][1]["by"], "bob", "{first}");
    assert_eq!(first["reopened"][0]["was"], "done", "{first}");
    assert_eq!(
        first["reopened"][0]["reason"], "the dashboard was not open yet",
        "{first}"
    );

    let (code, html, err) = kit::bisk_docs(
        s.site.root(),
        &["runbook", "report", &id, "--format", "html"],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<link"), "{html}");
    assert!(!html.contains("_static/"), "{html}");
    let css = bisk_docs::theme::Theme::load(None)
        .unwrap()
        .static_files()
        .into_iter()
        .find(|(p, _)| p == "style.css")
        .unwrap()
        .1
        .into_owned();
    assert!(
        html.contains(&format!(
            "<style>{}</style>",
            String::from_utf8(css).unwrap()
        )),
        "the theme's stylesheet, inline"
    );
    let file = s.site.root().join("report.html");
    std::fs::write(&file, &html).unwrap();
    browser.goto(&format!("file://{}", file.display())).await;
    let seen = browser
        .js("var b = getComputedStyle(document.body), h = document.querySelector('header.topbar'); return [b.fontFamily.indexOf('system-ui') >= 0, !!h && getComputedStyle(h).position, document.querySelector('.report-step .rb-state').textContent, document.querySelectorAll('.report-tasks li').length, !!document.querySelector('#sidebar'), document.documentElement.scrollWidth <= document.documentElement.clientWidth];")
        .await;
    assert_eq!(
        seen,
        serde_json::json!([true, "sticky", "✔ done", 2, false, true]),
        "[theme font, header, step state, tasks, no sidebar, no horizontal scroll]"
    );
    // Hint links from a file lead to the published docs (`base_url`).
    let hint = browser
        .js("var a = document.querySelector('.report-evidence .probe-hint a'); return a && a.href;")
        .await;
    assert_eq!(
        hint, "https://docs.example.test/ops/REDIS_CACHE.html#troubleshooting-b",
        "{hint}"
    );
    let light = browser.js(LINK_CONTRAST).await;
    assert!(light["links"].as_u64().unwrap() >= 2, "{light}");
    assert_eq!(light["low"], serde_json::json!([]), "{light}");
    assert_eq!(light["unjudged"], serde_json::json!([]), "{light}");
    // The file follows the reader's system setting; the dark palette it then uses is the
    // one `data-theme="dark"` selects (the same variables), so measure that too.
    browser
        .js("document.documentElement.dataset.theme = 'dark'; return 0;")
        .await;
    let dark = browser.js(LINK_CONTRAST).await;
    assert_eq!(dark["dark"], true);
    assert_eq!(dark["low"], serde_json::json!([]), "{dark}");
    assert_eq!(dark["unjudged"], serde_json::json!([]), "{dark}");
    browser.close().await;
}

/// Retakes `assets/walkthrough.png` and `assets/status.png` for the README (ignored: run it
/// by name with `--ignored`).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "writes the README's screenshots into assets/"]
async fn readme_screenshots() {
    let s = Surfaces::start();
    let browser = Browser::start().await;
    browser.resize(1280, 860).await;
    browser.goto(&s.url("/runs/")).await;
    let started = api(
        &browser,
        "/api/runs",
        r#"{"page":"ops/DEPLOY.md","operator":"alice"}"#,
    )
    .await;
    let id = started[1]["run_id"].as_str().unwrap().to_string();
    for (path, body) in [
        ("steps/1/tasks/1", r#"{"operator":"alice","done":true}"#),
        ("steps/1/done", r#"{"operator":"alice"}"#),
    ] {
        let answer = api(&browser, &format!("/api/runs/{id}/{path}"), body).await;
        assert_eq!(answer[0], 200, "{answer}");
    }
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    browser.goto(&s.url(&format!("/runs/{id}/"))).await;
    browser
        .wait(
            "the walkthrough with its sidebar",
            Duration::from_secs(20),
            "return document.querySelectorAll('#sidebar a[href]').length;",
            |v| v.as_u64() > Some(0),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    browser.screenshot(&assets.join("walkthrough.png")).await;
    browser
        .js("localStorage.setItem('bisk-theme', 'dark'); return 0;")
        .await;
    browser.goto(&s.url("/status/")).await;
    browser
        .wait(
            "/status/ with its sidebar",
            Duration::from_secs(20),
            "return document.querySelectorAll('#sidebar a[href]').length;",
            |v| v.as_u64() > Some(0),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    browser.screenshot(&assets.join("status.png")).await;
    browser.close().await;
}

/// `/status/` names each guide by its title and escapes what it shows: titles from the
/// docs, summaries from Redis.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_names_guides_by_title_and_escapes_what_it_shows() {
    let redis = RedisServer::start();
    let site = Tree::site(
        &format!("title = \"S\"\n[redis]\nurl = \"{}\"\n", redis.url(1)),
        &[
            ("README.md", "# Home\n"),
            (
                "ops/HOSTILE_PAGE.md",
                "---\ntitle: \"<script>alert('page')</script> Cache\"\n---\n\n```probe\nid = \"hostile\"\ncheck = \"redis.ping\"\ntitle = \"<img src=x onerror=alert(1)> answers\"\n```\n",
            ),
            (
                "ops/second.md",
                "# Second guide\n\n```probe\nid = \"second\"\ncheck = \"redis.ping\"\n```\n",
            ),
        ],
    );
    let server = site.serve(true).await;
    let page = kit::serve::get(server.addr, "/status/").await;
    assert_eq!(page.status, 200);
    let body = &page.body;
    assert!(
        body.contains("&lt;script&gt;alert(&#39;page&#39;)&lt;/script&gt; Cache"),
        "{body}"
    );
    assert!(
        body.contains("&lt;img src=x onerror=alert(1)&gt; answers"),
        "{body}"
    );
    assert!(
        !body.contains("<img") && !body.contains("<script>alert"),
        "{body}"
    );
    // Guides by title (not by file path), each linking to its page; the verdict first.
    assert!(
        body.contains("<a href=\"../ops/second.html\">Second guide</a>"),
        "{body}"
    );
    assert!(
        body.find("status-verdict").unwrap() < body.find("status-group").unwrap(),
        "{body}"
    );
    assert!(body.contains("All judged probes pass"), "{body}");
    // The guides' look: the theme's stylesheet and header.
    assert!(body.contains("<link rel=\"stylesheet\" href=\"../_static/style.css\">"));
    assert!(body.contains("<a href=\"../status/\">Status</a>"));
    // The probe listing names the page the same way.
    let list = kit::serve::get(server.addr, "/api/probes").await.json();
    let second = list["probes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "second")
        .cloned();
    assert_eq!(
        second.map(|p| p["page_title"].clone()),
        Some(serde_json::json!("Second guide")),
        "{list}"
    );
    server.shutdown().await;
}

/// A theme folder's `status.html` and `report.html` replace the built-in ones, under
/// `serve` and in the report file alike.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_theme_folder_overrides_the_status_and_report_templates() {
    let redis = RedisServer::start();
    let site = Tree::site(
        &format!(
            "title = \"S\"\ntheme = \"mytheme\"\n[redis]\nurl = \"{}\"\n",
            redis.url(1)
        ),
        &[
            ("README.md", "# Home\n"),
            (
                "ops/PING.md",
                "# Ping guide\n\n## Ping\n\n```probe\nid = \"ping\"\ncheck = \"redis.ping\"\n```\n",
            ),
        ],
    );
    site.write(
        "mytheme/templates/status.html",
        b"{% extends \"base.html\" %}{% block main %}<p class=\"house-status\">{{ verdict }}: {% for g in groups %}[{{ g.title }} {{ g.worst.word }}]{% endfor %}</p>{% endblock main %}",
    );
    site.write(
        "mytheme/templates/report.html",
        b"{% extends \"base.html\" %}{% block main %}<p class=\"house-report\">{{ run.guide_title }} {{ run.outcome }}{% if standalone %} (file){% endif %}</p>{% endblock main %}",
    );
    let server = site.serve(true).await;
    let page = kit::serve::get(server.addr, "/status/").await;
    assert!(
        page.body
            .contains("<p class=\"house-status\">All judged probes pass: [Ping guide PASS]</p>"),
        "{}",
        page.body
    );
    server.shutdown().await;

    let (code, _, err) = kit::bisk_docs(
        site.root(),
        &["runbook", "ops/PING.md", "--yes", "--operator", "ci"],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let id = kit::runbook::run_ids(site.root()).pop().expect("a run");
    let (code, html, err) = kit::bisk_docs(
        site.root(),
        &["runbook", "report", &id, "--format", "html"],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        html.contains("<p class=\"house-report\">Ping guide completed (file)</p>"),
        "{html}"
    );
    assert!(
        html.contains("<style>") && !html.contains("<script"),
        "{html}"
    );
}

/// `/status/` keeps itself current in an open browser: its content is fetched again and
/// swapped in, without a reload (the search box, the sidebar and the scroll position stay).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn status_refreshes_in_place_when_a_probe_starts_failing() {
    if kit::browser::skipped("the /status/ refresh browser test") {
        return;
    }
    let redis = RedisServer::start();
    let site = kit::serve::site(&redis.url(1), "[serve]\nprobe_interval = \"1s\"\n");
    let server = site.serve(true).await;
    let browser = Browser::start().await;
    browser
        .goto(&format!("http://{}/status/", server.addr))
        .await;
    let verdict = "var v = document.querySelector('.status-overall'); return v && v.getAttribute('data-status');";
    let first = browser.js(verdict).await;
    assert_eq!(first, "pass", "{first}");
    browser.js("window.__sameDocument = true; return 0;").await;
    drop(redis);
    browser
        .wait(
            "the verdict to turn",
            Duration::from_secs(20),
            verdict,
            |v| v == "fail" || v == "error",
        )
        .await;
    let same = browser
        .js("return [window.__sameDocument === true, document.querySelectorAll('.status-row[data-status=\"pass\"]').length];")
        .await;
    assert_eq!(
        same,
        serde_json::json!([true, 0]),
        "no reload, no stale row: {same}"
    );
    browser.close().await;
    server.shutdown().await;
}

/// A guide renamed while `serve` runs is renamed on `/status/` too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_follows_a_renamed_guide() {
    let redis = RedisServer::start();
    let site = kit::serve::site(&redis.url(1), "");
    let server = site.serve(true).await;
    let page = kit::serve::get(server.addr, "/status/").await;
    assert!(page.body.contains(">Redis</a></h2>"), "{}", page.body);
    let text = site
        .read("docs/ops/REDIS.md")
        .replace("# Redis\n", "# Redis, renamed\n");
    site.write("docs/ops/REDIS.md", text.as_bytes());
    let until = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let page = kit::serve::get(server.addr, "/status/").await;
        if page.body.contains(">Redis, renamed</a></h2>") {
            break;
        }
        assert!(
            std::time::Instant::now() < until,
            "still the old title: {}",
            page.body
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.shutdown().await;
}

/// Hint texts write commands in backticks: every surface shows them as code, never as
/// literal backticks (the status page here; the widget and the report share the escape).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hint_commands_show_as_code() {
    let site = Tree::site(
        &format!(
            "title = \"S\"\n[redis]\nurl = \"redis://127.0.0.1:{}/1\"\nconnect_timeout = \"300ms\"\ndeadline = \"1s\"\n",
            kit::closed_port()
        ),
        &[(
            "ops/DOWN.md",
            "# Down\n\n```probe\nid = \"down\"\ncheck = \"redis.ping\"\n```\n",
        )],
    );
    let server = site.serve(true).await;
    let page = kit::serve::get(server.addr, "/status/").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("<code>sudo systemctl enable --now redis-server</code>"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("`sudo"), "{}", page.body);
}
