//! `serve` behind a real nginx under a sub-path (`/ops-docs/`), as a team runs it on an
//! intranet: pages, assets, the event stream (reload), widget results, a token POST and a
//! walkthrough action all work through the proxy; the proxy's authenticated user is the
//! operator (recorded as `proxy`), and nobody else can claim a user with the same header.
//! Then in real Chromium through the proxy: widgets, re-run, search, reload, a walkthrough.

use crate::kit;

use std::time::Duration;

use kit::RedisServer;
use kit::nginx::Nginx;
use kit::runbook::{events, run_ids};
use kit::serve::{EventStream, request};
use serde_json::Value;

/// nginx as an intranet proxy: strips the sub-path, connects from 127.0.0.2 (the address
/// `serve` trusts; tests talking to `serve` directly come from 127.0.0.1), and says who the
/// user is, as an `auth_request` set-up would.
const PROXY: &str = "    location /ops-docs/ {
      proxy_pass http://{UPSTREAM}/;
      proxy_bind 127.0.0.2;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
      proxy_set_header Host docs.bisk.internal;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Prefix /ops-docs;
      proxy_set_header X-Forwarded-User alice;
      proxy_read_timeout 1h;
    }";

fn site(redis_url: &str, marker: &std::path::Path) -> kit::Tree {
    let config = format!(
        "title = \"Ops\"\n[redis]\nurl = \"{redis_url}\"\nconnect_timeout = \"500ms\"\ndeadline = \"1s\"\n\
         [serve]\npublic_url = \"https://docs.bisk.internal/ops-docs/\"\ntrusted_proxies = [\"127.0.0.2\"]\n\
         operator_header = \"X-Forwarded-User\"\nprobe_interval = \"1s\"\n"
    );
    kit::Tree::site(
        &config,
        &[("ops/DEPLOY.md", &kit::runbook::guide(marker, ""))],
    )
}

/// The `src`/`href` values of a page that point at the site itself (relative URLs).
fn local_refs(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(at) = rest.find(attr) {
            rest = &rest[at + attr.len()..];
            let v: String = rest.chars().take_while(|c| *c != '"').collect();
            if !v.contains("://") && !v.starts_with('#') && !v.starts_with("mailto:") {
                out.push(v);
            }
        }
    }
    out
}

/// Resolves a relative `reference` against the directory of `base` (both absolute paths).
fn resolve(base: &str, reference: &str) -> String {
    let mut parts: Vec<&str> = base.split('/').collect();
    parts.pop();
    for seg in reference.split('/') {
        match seg {
            ".." => {
                parts.pop();
            }
            "." => {}
            s => parts.push(s),
        }
    }
    parts.join("/")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn behind_nginx_under_a_sub_path_everything_works_and_only_the_proxy_names_the_user() {
    let redis = RedisServer::start();
    let marker = tempfile::tempdir().unwrap();
    let site = site(&redis.url(1), &marker.path().join("never"));
    let root = site.root().to_path_buf();
    let server = kit::serve::with_runbooks(&root).await;
    let nginx = Nginx::start(&server.addr.to_string(), PROXY, &[]);
    let px = nginx.addr();
    let origin = format!("http://{px}");

    // A page and every asset it refers to, through the sub-path.
    let page_path = "/ops-docs/ops/DEPLOY.html";
    let page = request(px, "GET", page_path, &[], None).await;
    assert_eq!(page.status, 200, "{}\n{}", page.body, nginx.error_log());
    let refs = local_refs(&page.body);
    assert!(
        refs.iter().any(|r| r.ends_with("_static/live.js")),
        "{refs:?}"
    );
    for r in &refs {
        let url = resolve(page_path, r.split('#').next().unwrap());
        assert!(
            url.starts_with("/ops-docs/"),
            "{r} leaves the sub-path: {url}"
        );
        let got = request(px, "GET", &url, &[], None).await;
        assert_eq!(got.status, 200, "{url} (from {r:?})");
    }
    // A folder without its slash is redirected within the sub-path.
    let folder = request(px, "GET", "/ops-docs/ops", &[], None).await;
    assert_eq!(folder.status, 308);
    assert_eq!(
        resolve("/ops-docs/ops", folder.header("location").unwrap()),
        "/ops-docs/ops/"
    );

    // Widget results and the event stream through the proxy: a saved page reloads.
    let probe = request(px, "GET", "/ops-docs/api/probes/t-ping", &[], None).await;
    assert_eq!(probe.status, 200, "{}", probe.body);
    assert_eq!(probe.json()["status"], "pass", "{}", probe.body);
    let mut sse = EventStream::open_path(px, "/ops-docs/api/events?page=ops/DEPLOY.html").await;
    assert_eq!(sse.status, 200);
    assert!(
        sse.wait_for("hello", Duration::from_secs(10), |e| e.name == "hello")
            .await
            .is_some(),
        "the first event arrives through nginx (not held in its buffer)"
    );
    let text = std::fs::read_to_string(root.join("docs/ops/DEPLOY.md")).unwrap();
    std::fs::write(
        root.join("docs/ops/DEPLOY.md"),
        text.replace("Intro text.", "Intro text, edited."),
    )
    .unwrap();
    assert!(
        sse.wait_for("reload", Duration::from_secs(15), |e| e.name == "reload")
            .await
            .is_some(),
        "a reload event reaches the browser through the proxy"
    );

    // A token POST from the page's own (proxied) origin.
    let token = server.state.token().to_string();
    let rerun = request(
        px,
        "POST",
        "/ops-docs/api/probes/t-ping/run",
        &[
            ("X-Bisk-Token", &token),
            ("Origin", &origin),
            ("Sec-Fetch-Site", "same-origin"),
        ],
        None,
    )
    .await;
    assert_eq!(rerun.status, 200, "{}", rerun.body);

    // A walkthrough action: the operator is the proxy's user, whatever the body says.
    let started = request(
        px,
        "POST",
        "/ops-docs/api/runs",
        &[
            ("X-Bisk-Token", &token),
            ("Origin", &origin),
            ("Content-Type", "application/json"),
            ("X-Forwarded-User", "mallory"),
        ],
        Some(r#"{"page": "ops/DEPLOY.md", "operator": "mallory"}"#),
    )
    .await;
    assert_eq!(started.status, 201, "{}", started.body);
    let id = started.json()["run_id"].as_str().unwrap().to_string();
    let first = &events(&root, &id)[0];
    assert_eq!(
        (&first["operator"], &first["identity"], &first["via"]),
        (
            &Value::from("alice"),
            &Value::from("proxy"),
            &Value::from("browser")
        )
    );

    // Straight to serve (not through the trusted proxy): the header is not believed.
    let direct = server.addr;
    let note = request(
        direct,
        "POST",
        &format!("/api/runs/{id}/notes"),
        &[
            ("X-Bisk-Token", &token),
            ("Content-Type", "application/json"),
            ("X-Forwarded-User", "mallory"),
            ("X-Forwarded-Host", "evil.example"),
        ],
        Some(r#"{"operator": "carol", "text": "typed by hand"}"#),
    )
    .await;
    assert_eq!(note.status, 200, "{}", note.body);
    let last = events(&root, &id).pop().unwrap();
    assert_eq!(
        (&last["operator"], &last["identity"]),
        (&Value::from("carol"), &Value::from("typed"))
    );
    // Nor can an untrusted peer borrow the proxy's origin by saying it is forwarded.
    let forged = request(
        direct,
        "POST",
        "/api/probes/t-ping/run",
        &[
            ("X-Bisk-Token", &token),
            ("Origin", "https://evil.example"),
            ("X-Forwarded-Host", "evil.example"),
            ("X-Forwarded-Proto", "https"),
        ],
        None,
    )
    .await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    // The public URL's host is accepted, others are not; the sub-path also works unstripped.
    let named = request(
        direct,
        "GET",
        "/ops-docs/ops/DEPLOY.html",
        &[("Host", "docs.bisk.internal")],
        None,
    )
    .await;
    assert_eq!(named.status, 200);
    let other = request(direct, "GET", "/", &[("Host", "docs.evil.example")], None).await;
    assert_eq!(other.status, 421);
    assert_eq!(run_ids(&root).len(), 1);
    drop(nginx);
    server.shutdown().await;
}

/// nginx with basic auth passing `$remote_user` on, as it does: the user's name as raw
/// bytes (UTF-8 when the browser sent UTF-8).
const PROXY_AUTH: &str = "    location /ops-docs/ {
      auth_basic \"ops\";
      auth_basic_user_file {HTPASSWD};
      proxy_pass http://{UPSTREAM}/;
      proxy_bind 127.0.0.2;
      proxy_set_header Host docs.bisk.internal;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Prefix /ops-docs;
      proxy_set_header X-Forwarded-User $remote_user;
    }";

/// Issue 18, 8: `X-Forwarded-User: José` from the trusted proxy was dropped and the typed
/// name recorded. The proxy's header is the identity, or the action is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_trusted_proxys_utf8_user_is_the_operator_and_an_unusable_one_refuses() {
    let redis = RedisServer::start();
    let marker = tempfile::tempdir().unwrap();
    let site = site(&redis.url(1), &marker.path().join("never"));
    let root = site.root().to_path_buf();
    let server = kit::serve::with_runbooks(&root).await;
    let nginx = Nginx::start(&server.addr.to_string(), PROXY_AUTH, &[("José", "pw")]);
    let px = nginx.addr();
    let origin = format!("http://{px}");
    let token = server.state.token().to_string();

    // base64("José:pw") with the name in UTF-8, as a browser sends it.
    let started = request(
        px,
        "POST",
        "/ops-docs/api/runs",
        &[
            ("Authorization", "Basic Sm9zw6k6cHc="),
            ("X-Bisk-Token", &token),
            ("Origin", &origin),
            ("Content-Type", "application/json"),
        ],
        Some(r#"{"page": "ops/DEPLOY.md", "operator": "mallory"}"#),
    )
    .await;
    assert_eq!(
        started.status,
        201,
        "{}\n{}",
        started.body,
        nginx.error_log()
    );
    let id = started.json()["run_id"].as_str().unwrap().to_string();
    let first = &events(&root, &id)[0];
    assert_eq!(
        (&first["operator"], &first["identity"]),
        (&Value::from("José"), &Value::from("proxy")),
        "{first}"
    );

    // From the trusted proxy's address, straight to serve: bytes nginx could pass on.
    let trusted: std::net::IpAddr = "127.0.0.2".parse().unwrap();
    let note = |user: &'static [u8]| {
        let token = token.clone();
        let path = format!("/api/runs/{id}/notes");
        async move {
            kit::serve::request_from(
                trusted,
                server.addr,
                "POST",
                &path,
                &[
                    ("X-Bisk-Token", token.as_bytes()),
                    ("Content-Type", b"application/json"),
                    ("X-Forwarded-User", user),
                ],
                r#"{"operator": "mallory", "text": "who am I"}"#,
            )
            .await
        }
    };
    let before = events(&root, &id).len();
    for (user, why) in [
        (&b"Jos\xe9"[..], "is not valid UTF-8"),
        (
            b"UTF-8''Jos%E9",
            "is an RFC 8187 value that does not decode to UTF-8",
        ),
        (
            "x".repeat(81).leak().as_bytes(),
            "is longer than 80 characters",
        ),
    ] {
        let refused = note(user).await;
        assert_eq!(refused.status, 403, "{user:?}: {}", refused.body);
        let message = refused.json()["error"].as_str().unwrap().to_string();
        assert!(
            message.contains(&format!(
                "the trusted proxy's x-forwarded-user header {why}"
            )) && message.contains("a typed name is not taken instead"),
            "{message}"
        );
        assert_eq!(events(&root, &id).len(), before, "nothing is recorded");
    }
    // The RFC 8187 spelling of the same name is that name.
    let ok = note(b"UTF-8''Jos%C3%A9").await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let last = events(&root, &id).pop().unwrap();
    assert_eq!(
        (&last["operator"], &last["identity"]),
        (&Value::from("José"), &Value::from("proxy")),
        "{last}"
    );
    drop(nginx);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn in_chromium_through_the_proxy_widgets_rerun_search_reload_and_walkthroughs_work() {
    if kit::browser::skipped("the browser-through-nginx test") {
        return;
    }
    let redis = RedisServer::start();
    let marker = tempfile::tempdir().unwrap();
    let site = site(&redis.url(1), &marker.path().join("never"));
    let root = site.root().to_path_buf();
    let server = kit::serve::with_runbooks(&root).await;
    let nginx = Nginx::start(&server.addr.to_string(), PROXY, &[]);
    let base = format!("http://{}/ops-docs/", nginx.addr());
    let browser = kit::browser::Browser::start().await;

    browser.goto(&format!("{base}ops/DEPLOY.html")).await;
    browser
        .wait(
            "the ping widget's live result",
            Duration::from_secs(20),
            "var w = document.querySelector('[data-probe-id=\"t-ping\"]'); return w && w.dataset.status;",
            |v| v == "pass",
        )
        .await;
    let sidebar = browser
        .js("return document.querySelectorAll('#sidebar a').length;")
        .await;
    assert!(sidebar.as_u64().unwrap() > 0, "the sidebar (nav.js) loads");
    // Re-run posts with the token through the proxy.
    browser
        .js("document.querySelector('[data-probe-id=\"t-ping\"] .probe-rerun').click(); return 0;")
        .await;
    browser
        .wait(
            "the re-run to come back",
            Duration::from_secs(20),
            "var b = document.querySelector('[data-probe-id=\"t-ping\"] .probe-rerun'); return b && b.textContent;",
            |v| v == "Re-run",
        )
        .await;
    // Search loads its index from the sub-path.
    browser
        .js(
            "var i = document.getElementById('search-input'); i.focus(); i.value = 'breadcrumbs'; \
             i.dispatchEvent(new Event('input', {bubbles: true})); return 0;",
        )
        .await;
    browser
        .wait(
            "search results",
            Duration::from_secs(10),
            "return document.querySelectorAll('#search-results a').length;",
            |v| v.as_u64().is_some_and(|n| n > 0),
        )
        .await;
    // A saved page reloads the open browser (the event stream through nginx).
    browser.js("window.__before_reload = 1; return 0;").await;
    let text = std::fs::read_to_string(root.join("docs/ops/DEPLOY.md")).unwrap();
    std::fs::write(
        root.join("docs/ops/DEPLOY.md"),
        text.replace("Intro text.", "Intro text, edited in the browser test."),
    )
    .unwrap();
    browser
        .wait(
            "the page to reload with the edit",
            Duration::from_secs(20),
            "return !window.__before_reload && document.body.textContent.indexOf('edited in the browser test') >= 0;",
            |v| *v == Value::Bool(true),
        )
        .await;
    // A walkthrough from the guide's own link: the operator is the proxy's user.
    browser
        .js("document.querySelector('.walkthrough-start a').click(); return 0;")
        .await;
    browser
        .wait(
            "the start page",
            Duration::from_secs(10),
            "var i = document.getElementById('rb-start-operator'); return i && [i.value, i.readOnly];",
            |v| *v == serde_json::json!(["alice", true]),
        )
        .await;
    browser
        .js("document.getElementById('rb-start').requestSubmit(); return 0;")
        .await;
    browser
        .wait(
            "the walkthrough",
            Duration::from_secs(20),
            "return document.querySelector('.rb') ? location.pathname : null;",
            |v| v.as_str().is_some_and(|p| p.starts_with("/ops-docs/runs/")),
        )
        .await;
    browser
        .js("document.querySelector('#step-1 [data-act=done]').click(); return 0;")
        .await;
    browser
        .wait(
            "step 1 done",
            Duration::from_secs(20),
            "return document.getElementById('step-1').dataset.status;",
            |v| v == "done",
        )
        .await;
    let ids = run_ids(&root);
    let log = events(&root, &ids[0]);
    let done = log.iter().find(|e| e["event"] == "step_done").unwrap();
    assert_eq!(
        (&done["operator"], &done["identity"]),
        (&Value::from("alice"), &Value::from("proxy"))
    );
    browser.close().await;
    drop(nginx);
    server.shutdown().await;
}
