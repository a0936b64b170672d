//! The browser walkthrough over a real socket, on the same run as a terminal walkthrough:
//! both see and settle the same steps; POSTs need the token and the same origin; requests
//! can name steps and give text, never shape what runs.

use crate::kit;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bisk_docs::config::Config;
use bisk_docs::runbook::Workspace;
use kit::RedisServer;
use kit::django::crumbs;
use kit::runbook::{Walk, run_ids, site};

const TOKEN: &str = "test-token-5d1c";

/// Serves the runbook router on a free loopback port from a background runtime.
struct Server {
    port: u16,
    _rt: tokio::runtime::Runtime,
}

fn serve(root: &Path) -> Server {
    let config = Config::load(root).expect("config");
    let ws = Arc::new(Workspace::new(root, config));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = kit::runbook::router_alone(root, ws, TOKEN);
    rt.spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Server { port, _rt: rt }
}

/// One HTTP/1.1 request; returns (status, body).
fn request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let body = body.unwrap_or("");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if method == "POST" {
        req.push_str("Content-Type: application/json\r\n");
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = raw.split_once("\r\n\r\n").expect("a response");
    let status: u16 = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    (status, body)
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

fn get_json(port: u16, path: &str) -> serde_json::Value {
    let (code, body) = request(port, "GET", path, &[], None);
    assert_eq!(code, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// A POST as the run page makes it: token, same origin.
fn act(port: u16, path: &str, body: &str) -> (u16, serde_json::Value) {
    let origin = format!("http://127.0.0.1:{port}");
    let (code, text) = request(
        port,
        "POST",
        path,
        &[
            ("x-bisk-token", TOKEN),
            ("Origin", &origin),
            ("Sec-Fetch-Site", "same-origin"),
        ],
        Some(body),
    );
    let v = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    (code, v)
}

#[test]
fn browser_and_terminal_walk_the_same_run() {
    let redis = RedisServer::start();
    crumbs(&redis, 0);
    let tmp = tempfile::tempdir().unwrap();
    let marker = tmp.path().join("guide-command-ran");
    let site = site(&redis.url(1), &marker);
    let root = site.root();

    let mut term = Walk::start(root, &["runbook", "ops/DEPLOY.md", "--operator", "alice"]);
    term.wait_for("Step 1 of 3");
    term.wait_for("[q]uit [?] > ");
    let id = run_ids(root).pop().unwrap();
    let server = serve(root);
    let port = server.port;
    let api = format!("/api/runs/{id}");

    // The browser sees the terminal's run and the probes it ran.
    let list = get_json(port, "/api/runs");
    assert_eq!(list[0]["run_id"], id.as_str());
    assert_eq!(list[0]["settled"], 0);
    let doc = get_json(port, &api);
    assert_eq!(doc["run"]["steps"][0]["status"], "pending");
    assert_eq!(doc["run"]["steps"][0]["results"][0]["id"], "t-ping");
    assert_eq!(doc["run"]["steps"][0]["results"][0]["status"], "pass");

    // Sign-off from the browser: refused without the token, cross-origin or cross-site.
    let done1 = format!("{api}/steps/1/done");
    let body = r#"{"operator":"bob"}"#;
    let origin = format!("http://127.0.0.1:{port}");
    for headers in [
        vec![("Origin", origin.as_str())],
        vec![("x-bisk-token", "wrong"), ("Origin", origin.as_str())],
        vec![("x-bisk-token", TOKEN), ("Origin", "http://evil.example")],
        vec![("x-bisk-token", TOKEN), ("Sec-Fetch-Site", "cross-site")],
    ] {
        let (code, text) = request(port, "POST", &done1, &headers, Some(body));
        assert_eq!(code, 403, "{headers:?}: {text}");
    }
    assert_eq!(get_json(port, &api)["run"]["steps"][0]["status"], "pending");
    let (code, v) = act(port, &done1, body);
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["done"], true);
    // Twice is refused: the step is settled.
    let (code, v) = act(port, &done1, body);
    assert_eq!(code, 409, "{v}");
    assert!(
        v["error"].as_str().unwrap().contains("already done by bob"),
        "{v}"
    );

    // The terminal, on its next input, sees it and moves on.
    term.send("");
    term.wait_for("Step 1 was marked done by bob in the browser.");
    term.wait_for("Step 2 of 3");
    term.wait_for_n("[q]uit [?] > ", 2);

    // Notes from the browser; requests can name a step and give text, nothing else.
    let (code, v) = act(
        port,
        &format!("{api}/notes"),
        r#"{"operator":"bob","step":2,"text":"<img src=x onerror=alert(1)> web restarted"}"#,
    );
    assert_eq!(code, 200, "{v}");
    let sneaky = format!(
        r#"{{"operator":"bob","check":"command","argv":["touch","{}"]}}"#,
        marker.display()
    );
    let (code, _) = act(port, &format!("{api}/steps/3/probes"), &sneaky);
    assert_eq!(code, 422, "unknown fields are refused");
    let (code, v) = act(
        port,
        &format!("{api}/steps/3/probes"),
        r#"{"operator":"bob"}"#,
    );
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["results"][0]["id"], "t-crumbs");
    assert_eq!(v["results"][0]["status"], "pass");
    let (code, v) = act(port, &format!("{api}/steps/9/done"), body);
    assert_eq!(code, 409, "{v}");
    let (code, v) = act(
        port,
        &format!("{api}/steps/3/skip"),
        r#"{"operator":"bob"}"#,
    );
    assert_eq!(code, 409, "a skip needs a reason: {v}");

    // The terminal signs step 2 off; the browser skips step 3 with a reason.
    term.send("d");
    term.wait_for("Step 2 done.");
    term.wait_for("Step 3 of 3");
    term.wait_for_n("[q]uit [?] > ", 3);
    let (code, v) = act(
        port,
        &format!("{api}/steps/3/skip"),
        r#"{"operator":"bob","reason":"checked /dash/system/ instead"}"#,
    );
    assert_eq!(code, 200, "{v}");
    term.send("");
    term.wait_for("Step 3 was marked skipped by bob in the browser.");
    term.wait_for("Every step is done or skipped.");
    term.send("f");
    term.wait_for("Report: bisk-docs runbook report");
    let (code, out) = term.finish();
    assert_eq!(code, 0, "{out}");
    let (code, v) = act(port, &format!("{api}/finish"), body);
    assert_eq!(code, 409, "already finished: {v}");

    // One record, both operators, each step by whom and from where.
    let doc = get_json(port, &api);
    let run = &doc["run"];
    assert_eq!(run["outcome"], "completed");
    assert_eq!(run["operators"], serde_json::json!(["alice", "bob"]));
    assert_eq!(run["steps"][0]["settled_by"], "bob");
    assert_eq!(run["steps"][0]["settled_via"], "browser");
    assert_eq!(run["steps"][1]["settled_by"], "alice");
    assert_eq!(run["steps"][1]["settled_via"], "terminal");
    assert_eq!(run["steps"][2]["status"], "skipped");
    assert_eq!(run["steps"][2]["reason"], "checked /dash/system/ instead");
    assert_eq!(run["notes"][0]["step"], 2);
    // Both probes compared: the ones with something to say listed, the others counted.
    assert_eq!(
        doc["before_after"].as_array().unwrap().len() as u64 + doc["unchanged"].as_u64().unwrap(),
        2,
        "{doc}"
    );

    // Pages, through the site's theme: the list (guides by title), the run page (token,
    // step text, probe widgets, commands to copy).
    let (code, page) = request(port, "GET", "/runs/", &[], None);
    assert_eq!(code, 200);
    assert!(page.contains(&id) && page.contains("completed"), "{page}");
    assert!(
        page.contains("<a href=\"../runs/start?page=ops/DEPLOY.md\">Test deploy</a>"),
        "{page}"
    );
    assert!(
        page.contains("<header class=\"topbar\">"),
        "the theme's header: {page}"
    );
    let (code, page) = request(port, "GET", &format!("/runs/{id}/"), &[], None);
    assert_eq!(code, 200);
    assert!(page.contains(&format!("<meta name=\"bisk-token\" content=\"{TOKEN}\">")));
    assert!(page.contains("data-probe-id=\"t-ping\""), "{page}");
    assert!(
        page.contains("Redis answers before anything is touched."),
        "{page}"
    );
    assert!(
        page.contains(&format!("touch</span> {}", marker.display())),
        "{page}"
    );
    // Commands as on the guide pages: the theme's code block and Copy button (site.js).
    assert!(page.contains("<button class=\"copy\""), "{page}");
    assert!(page.contains("../../_static/site.js"), "{page}");
    assert!(page.contains("../../_static/runbook.js"), "{page}");
    assert_eq!(
        page.matches("<script>").count(),
        1,
        "one inline script, the theme's light/dark prelude; the rest from _static: {page}"
    );
    let theme = bisk_docs::theme::Theme::load(None).unwrap();
    let js = theme
        .static_files()
        .into_iter()
        .find(|(p, _)| p == "runbook.js")
        .expect("the theme ships runbook.js");
    assert!(String::from_utf8_lossy(&js.1).contains("x-bisk-token"));
    let (code, html) = request(
        port,
        "GET",
        &format!("/runs/{id}/report?format=html"),
        &[],
        None,
    );
    assert_eq!(code, 200);
    assert!(
        html.contains("&lt;img src=x onerror=alert(1)&gt; web restarted"),
        "{html}"
    );
    assert!(!html.contains("<img"), "{html}");
    let (code, md) = request(
        port,
        "GET",
        &format!("/runs/{id}/report?format=md"),
        &[],
        None,
    );
    assert_eq!(code, 200);
    assert!(md.contains("| 1 | Check Redis | ✔ done |"), "{md}");

    // Starting from the browser: only Markdown pages of the docs folder.
    let (code, v) = act(
        port,
        "/api/runs",
        r#"{"page":"../bisk-docs.toml","operator":"bob"}"#,
    );
    assert_eq!(code, 404, "{v}");
    let (code, v) = act(
        port,
        "/api/runs",
        r#"{"page":"/etc/passwd","operator":"bob"}"#,
    );
    assert_eq!(code, 404, "{v}");
    let (code, v) = act(
        port,
        "/api/runs",
        r#"{"page":"ops/DEPLOY.md","operator":"dave"}"#,
    );
    assert_eq!(code, 201, "{v}");
    let new_id = v["run_id"].as_str().unwrap().to_string();
    let doc = get_json(port, &format!("/api/runs/{new_id}"));
    assert_eq!(doc["run"]["started_by"], "dave");
    assert_eq!(doc["run"]["before"].as_array().unwrap().len(), 2);
    let (code, page) = request(port, "GET", "/runs/start?page=ops/DEPLOY.md", &[], None);
    assert_eq!(code, 200);
    assert!(page.contains("Start walkthrough") && page.contains("data-page=\"ops/DEPLOY.md\""));

    // Unknown runs are 404, whatever the id looks like.
    for bad in ["20991231T000000Z-abcdef", "..%2F..%2Fbisk-docs.toml", "x"] {
        let (code, _) = request(port, "GET", &format!("/api/runs/{bad}"), &[], None);
        assert_eq!(code, 404, "{bad}");
    }
    assert!(!marker.exists(), "a guide command was executed");
}

/// A walkthrough on target prod shows prod's values in its steps and widgets (they used to
/// be read with the default target's values whatever the run's target).
#[test]
fn a_run_on_a_target_shows_that_targets_values() {
    let port = kit::closed_port();
    let t = kit::Tree::site(
        &format!(
            "title = \"T\"\n[redis]\nurl = \"redis://127.0.0.1:{port}/0\"\nconnect_timeout = \"300ms\"\ndeadline = \"1s\"\n\
             [targets.prod]\nurl = \"redis://127.0.0.1:{port}/1\"\nconnect_timeout = \"300ms\"\ndeadline = \"1s\"\n\
             [vars]\nplace = \"place-of-default\"\n[targets.prod.vars]\nplace = \"place-of-prod\"\n"
        ),
        &[
            ("README.md", "# Home\n"),
            (
                "ops/DEPLOY.md",
                &format!(
                    "# Deploy\n\n## Check\n\nOn {{{{ place }}}}.\n\n```probe\nid = \"port\"\ncheck = \"tcp.connect\"\ntitle = \"Port on {{{{ place }}}}\"\naddress = \"127.0.0.1:{port}\"\n```\n"
                ),
            ),
        ],
    );
    let root = t.root().to_path_buf();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = kit::serve::with_runbooks(&root).await;
        server.state.complete().await;
        let config = Config::load(&root).expect("config");
        let ws = Arc::new(Workspace::new(&root, config));
        let guide = ws.guide(Path::new("ops/DEPLOY.md")).expect("guide");
        let actor = bisk_docs::runbook::Actor {
            operator: Some("alice".into()),
            via: Some("test".into()),
            identity: None,
        };
        let s = bisk_docs::runbook::session::Session::start(ws, guide, Some("prod"), &actor)
            .await
            .expect("run starts");
        let page = kit::serve::get(server.addr, &format!("/runs/{}/", s.run_id)).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("place-of-prod"), "{}", page.body);
        assert!(!page.body.contains("place-of-default"), "{}", page.body);
        let api = kit::serve::get(server.addr, &format!("/api/runs/{}", s.run_id)).await;
        assert_eq!(api.status, 200, "{}", api.body);
        let drawn = api.json()["drawn"].to_string();
        assert!(drawn.contains("place-of-prod"), "{drawn}");
        assert!(!drawn.contains("place-of-default"), "{drawn}");
    });
}
