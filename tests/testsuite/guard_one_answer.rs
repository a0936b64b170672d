//! One write guard for every POST route: a runbook action and a probe run without the
//! token (or from another site) get the very same refusal from a server that mounts both,
//! and the runbook router refuses the same way when mounted on its own.

use crate::kit;

use std::sync::Arc;

use bisk_docs::config::Config;
use bisk_docs::runbook::Workspace;
use bisk_docs::serve::{ServeOptions, ServeState, start};
use kit::serve::{Resp, request};

const PROBE_POST: &str = "/api/probes/ping/run";
const RUNBOOK_POST: &str = "/api/runs";
const RUNBOOK_BODY: &str = r#"{"page":"ops/REDIS.md","operator":"eve"}"#;

fn answer(r: &Resp) -> (u16, Option<&str>, &str) {
    (r.status, r.header("content-type"), r.body.as_str())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runbook_and_probe_posts_get_the_same_refusal() {
    // Nothing listens on the Redis port: no request here may reach a probe anyway.
    let site = kit::serve::site(&format!("redis://127.0.0.1:{}/0", kit::closed_port()), "");
    let root = site.root().to_path_buf();
    let config = Config::load(&root).expect("fixture config");
    let ws = Arc::new(Workspace::new(&root, config));
    let server = start(ServeOptions {
        root: root.clone(),
        config: None,
        bind: Some("127.0.0.1:0".into()),
        target: None,
        read_only: false,
        extra: Some(Box::new(move |s: &ServeState| {
            bisk_docs::runbook::http::for_server(ws, s)
        })),
        log: false,
        state_dir: None,
    })
    .await
    .expect("serve starts");
    let addr = server.addr;
    let own = format!("http://{addr}");
    let token = server.state.token().to_string();

    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("no token", vec![]),
        (
            "wrong token",
            vec![("X-Bisk-Token", "0123456789abcdef0123456789abcdef")],
        ),
        ("own origin, no token", vec![("Origin", own.as_str())]),
        (
            "foreign origin",
            vec![("X-Bisk-Token", &token), ("Origin", "http://evil.example")],
        ),
        (
            "cross-site fetch",
            vec![("X-Bisk-Token", &token), ("Sec-Fetch-Site", "cross-site")],
        ),
    ];
    for (what, headers) in &cases {
        let mut with_json = headers.clone();
        with_json.push(("Content-Type", "application/json"));
        let probe = request(addr, "POST", PROBE_POST, &with_json, None).await;
        let runbook = request(addr, "POST", RUNBOOK_POST, &with_json, Some(RUNBOOK_BODY)).await;
        assert_eq!(probe.status, 403, "{what}: {}", probe.body);
        assert_eq!(answer(&runbook), answer(&probe), "{what}");
    }
    // No run was started by any of them.
    let runs = request(addr, "GET", "/api/runs", &[], None).await;
    assert_eq!(runs.json(), serde_json::json!([]), "{}", runs.body);

    // The runbook router alone (as tests and other embedders mount it) refuses the same way.
    let ws = Arc::new(Workspace::new(&root, Config::load(&root).unwrap()));
    let alone = kit::runbook::router_alone(&root, ws, &token);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let alone_addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, alone).await });
    let probe = request(addr, "POST", PROBE_POST, &[], None).await;
    let runbook = request(alone_addr, "POST", RUNBOOK_POST, &[], Some(RUNBOOK_BODY)).await;
    assert_eq!(
        (runbook.status, runbook.body.as_str()),
        (probe.status, probe.body.as_str())
    );

    // With the token and our own origin the same runbook POST goes through.
    let ok = request(
        addr,
        "POST",
        RUNBOOK_POST,
        &[
            ("X-Bisk-Token", &token),
            ("Origin", &own),
            ("Sec-Fetch-Site", "same-origin"),
            ("Content-Type", "application/json"),
        ],
        Some(RUNBOOK_BODY),
    )
    .await;
    assert_eq!(ok.status, 201, "{}", ok.body);
}
