//! `serve` over a real socket: the probe API, the token and Host checks, path traversal,
//! CORS, read-only mode, single flight, security headers and secrets.

use crate::kit;

use std::time::Duration;

use kit::Tree;
use kit::serve::{get, request};
use kit::{RedisOptions, RedisServer};

const ORIGIN_OK: &str = "http://docs.example";

fn fixture(redis: &RedisServer) -> Tree {
    kit::serve::site(
        &redis.url(1),
        &format!("[serve]\nprobe_interval = \"30s\"\nallowed_origins = [\"{ORIGIN_OK}\"]\n"),
    )
}

fn token_of(html: &str) -> String {
    let at = html
        .find("<meta name=\"bisk-token\" content=\"")
        .expect("pages carry the token")
        + "<meta name=\"bisk-token\" content=\"".len();
    html[at..at + 32].to_string()
}

/// Waits until the background refresh's first round has run every probe of the fixture
/// (`ping` and `roundtrip`) once: counts taken afterwards see only what requests cause,
/// for the rest of the fixture's 30 s interval.
async fn settled(server: &bisk_docs::serve::Server) -> u64 {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let n = server.state.probes().executions();
        let done = ["ping", "roundtrip"]
            .iter()
            .all(|id| server.state.probes().latest(id, "default").is_some());
        if done {
            return n;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the background refresh ran no first round ({n} executions)"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn ping_calls(redis: &RedisServer) -> u64 {
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(&mut redis.conn(0))
        .unwrap();
    info.lines()
        .find(|l| l.starts_with("cmdstat_ping:"))
        .and_then(|l| l.split("calls=").nth(1))
        .and_then(|v| v.split(',').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn api_lists_probes_and_returns_results() {
    let redis = RedisServer::start();
    let site = fixture(&redis);
    let server = site.serve(false).await;
    let addr = server.addr;

    // Every probe is run in the background as soon as the site is loaded, page or not.
    let ran = settled(&server).await;
    assert_eq!(ran, 2);
    let list = get(addr, "/api/probes").await;
    assert_eq!(list.status, 200);
    assert_eq!(list.header("content-type"), Some("application/json"));
    let probes = list.json()["probes"].as_array().unwrap().clone();
    let ids: Vec<&str> = probes.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["ping", "roundtrip"]);
    assert_eq!(probes[0]["page"], "ops/REDIS.md");
    assert_eq!(probes[0]["page_url"], "ops/REDIS.html");
    assert_eq!(probes[0]["check"], "redis.ping");
    assert_eq!(probes[0]["title"], "Redis answers PONG");

    let one = get(addr, "/api/probes/ping").await;
    assert_eq!(one.status, 200, "{}", one.body);
    let v = one.json();
    assert_eq!(v["status"], "pass", "{v}");
    assert_eq!(v["id"], "ping");
    assert!(v["duration_ms"].as_f64().unwrap() >= 0.0);
    assert_eq!(v["history"].as_array().unwrap().len(), 1);
    assert_eq!(v["stats"]["uptime_pct"], 100.0);

    // A GET within the interval is the cached (background) result, not a new run.
    let again = get(addr, "/api/probes/ping").await.json();
    assert_eq!(again["checked_at"], v["checked_at"]);
    assert_eq!(server.state.probes().executions(), ran);

    let missing = get(addr, "/api/probes/nope").await;
    assert_eq!(missing.status, 404);
    assert!(missing.json()["error"].as_str().unwrap().contains("nope"));

    let health = get(addr, "/healthz").await;
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["status"], "ok");

    let metrics = get(addr, "/metrics").await;
    assert!(
        metrics
            .body
            .contains("bisk_probe_up{id=\"ping\",page=\"ops/REDIS.md\",check=\"redis.ping\",target=\"default\"} 1"),
        "{}",
        metrics.body
    );
    assert!(
        metrics
            .body
            .contains("bisk_probe_status{id=\"ping\",page=\"ops/REDIS.md\",check=\"redis.ping\",target=\"default\",status=\"pass\"} 1")
    );
    assert!(
        metrics
            .body
            .contains("# TYPE bisk_probe_duration_seconds gauge")
    );
    assert!(
        metrics
            .body
            .contains("bisk_probe_last_check_timestamp_seconds{id=\"ping\",page=\"ops/REDIS.md\",check=\"redis.ping\",target=\"default\"}")
    );

    let status = get(addr, "/status/").await;
    assert_eq!(status.status, 200);
    assert!(status.body.contains("Redis answers PONG"));
    assert!(status.body.contains("probe-chip-pass"));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writes_need_the_token_and_our_own_origin() {
    let redis = RedisServer::start();
    let site = fixture(&redis);
    let server = site.serve(false).await;
    let addr = server.addr;
    let page = get(addr, "/ops/REDIS.html").await;
    let token = token_of(&page.body);
    assert_eq!(token, server.state.token());

    let run = "/api/probes/ping/run";
    let ran = settled(&server).await;
    let no_token = request(addr, "POST", run, &[], None).await;
    assert_eq!(no_token.status, 403);
    let wrong = request(
        addr,
        "POST",
        run,
        &[("X-Bisk-Token", "0123456789abcdef0123456789abcdef")],
        None,
    )
    .await;
    assert_eq!(wrong.status, 403);
    let foreign = request(
        addr,
        "POST",
        run,
        &[("X-Bisk-Token", &token), ("Origin", "http://evil.example")],
        None,
    )
    .await;
    assert_eq!(foreign.status, 403);
    assert!(foreign.body.contains("cross-origin"));
    // Even an origin allowed to read may not write.
    let allowed_reader = request(
        addr,
        "POST",
        run,
        &[("X-Bisk-Token", &token), ("Origin", ORIGIN_OK)],
        None,
    )
    .await;
    assert_eq!(allowed_reader.status, 403);
    assert_eq!(
        server.state.probes().executions(),
        ran,
        "refused requests ran nothing"
    );

    let own = format!("http://{addr}");
    let ok = request(
        addr,
        "POST",
        run,
        &[("X-Bisk-Token", &token), ("Origin", &own)],
        None,
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.json()["status"], "pass");
    // A request body cannot change what the probe does.
    let ok2 = request(
        addr,
        "POST",
        run,
        &[
            ("X-Bisk-Token", &token),
            ("Content-Type", "application/json"),
        ],
        Some("{\"check\":\"command\",\"name\":\"rm\"}"),
    )
    .await;
    assert_eq!(ok2.status, 200);
    assert_eq!(ok2.json()["check"], "redis.ping");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn host_header_must_name_this_server() {
    let redis = RedisServer::start();
    let site = fixture(&redis);
    let server = site.serve(false).await;
    let addr = server.addr;
    for bad in ["evil.example", "evil.example:80", "127.0.0.1.nip.io"] {
        let r = request(addr, "GET", "/api/probes", &[("Host", bad)], None).await;
        assert_eq!(r.status, 421, "Host {bad}");
        let r = request(addr, "GET", "/ops/REDIS.html", &[("Host", bad)], None).await;
        assert_eq!(r.status, 421, "Host {bad}");
    }
    let port = addr.port().to_string();
    for good in [format!("localhost:{port}"), format!("127.0.0.1:{port}")] {
        let r = request(addr, "GET", "/ops/REDIS.html", &[("Host", &good)], None).await;
        assert_eq!(r.status, 200, "Host {good}");
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn static_files_cannot_escape_and_carry_security_headers() {
    let redis = RedisServer::start();
    let site = fixture(&redis);
    std::fs::write(site.path("secret.txt"), "top secret").unwrap();
    let server = site.serve(false).await;
    let addr = server.addr;

    for path in [
        "/../secret.txt",
        "/../../../etc/passwd",
        "/ops/%2e%2e/%2e%2e/secret.txt",
        "/ops/..%2f..%2fsecret.txt",
        "/ops/..%5c..%5csecret.txt",
        "/%00",
    ] {
        let r = get(addr, path).await;
        assert!(
            r.status == 400 || r.status == 404,
            "{path}: {} {}",
            r.status,
            r.body
        );
        assert!(
            !r.body.contains("top secret") && !r.body.contains("root:"),
            "{path}"
        );
    }
    // The config and the Markdown are not part of the site.
    assert_eq!(get(addr, "/bisk-docs.toml").await.status, 404);
    assert_eq!(get(addr, "/ops/REDIS.md").await.status, 404);

    let page = get(addr, "/ops/REDIS.html").await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let csp = page.header("content-security-policy").expect("CSP header");
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("script-src 'self' 'unsafe-inline'"));
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert!(page.body.contains("_static/live.js"));
    assert!(page.body.contains("data-probe-id=\"ping\""));

    let folder = get(addr, "/ops").await;
    assert_eq!(folder.status, 308);
    // Relative (`ops/` from `/ops` is `/ops/`), so it also holds under a proxy's sub-path.
    assert_eq!(folder.header("location"), Some("ops/"));
    let missing = get(addr, "/nope.html").await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        request(
            addr,
            "DELETE",
            "/ops/REDIS.html",
            &[("X-Bisk-Token", server.state.token())],
            None
        )
        .await
        .status,
        405
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cors_only_for_allowed_origins_and_only_for_reading() {
    let redis = RedisServer::start();
    let site = fixture(&redis);
    let server = site.serve(false).await;
    let addr = server.addr;

    let allowed = request(addr, "GET", "/api/probes", &[("Origin", ORIGIN_OK)], None).await;
    assert_eq!(allowed.status, 200);
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some(ORIGIN_OK)
    );
    assert_eq!(allowed.header("vary"), Some("Origin"));

    let other = request(
        addr,
        "GET",
        "/api/probes",
        &[("Origin", "http://evil.example")],
        None,
    )
    .await;
    assert_eq!(other.header("access-control-allow-origin"), None);

    // Pages themselves are never shared cross-origin.
    let page = request(
        addr,
        "GET",
        "/ops/REDIS.html",
        &[("Origin", ORIGIN_OK)],
        None,
    )
    .await;
    assert_eq!(page.header("access-control-allow-origin"), None);

    let preflight = request(
        addr,
        "OPTIONS",
        "/api/probes/ping",
        &[
            ("Origin", ORIGIN_OK),
            ("Access-Control-Request-Method", "GET"),
        ],
        None,
    )
    .await;
    assert_eq!(preflight.status, 204);
    assert_eq!(
        preflight.header("access-control-allow-methods"),
        Some("GET")
    );
    let bad_preflight = request(
        addr,
        "OPTIONS",
        "/api/probes/ping/run",
        &[
            ("Origin", "http://evil.example"),
            ("Access-Control-Request-Method", "POST"),
        ],
        None,
    )
    .await;
    assert_eq!(bad_preflight.status, 403);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn read_only_skips_and_refuses_writing_probes() {
    let redis = RedisServer::start();
    let site = fixture(&redis);
    let server = site.serve(true).await;
    let addr = server.addr;
    let token = server.state.token().to_string();

    let r = request(
        addr,
        "POST",
        "/api/probes/roundtrip/run",
        &[("X-Bisk-Token", &token)],
        None,
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(r.json()["error"].as_str().unwrap().contains("read-only"));
    let skipped = get(addr, "/api/probes/roundtrip").await.json();
    assert_eq!(skipped["status"], "skipped", "{skipped}");
    assert!(
        redis.get(1, "bisk:1:ping").is_none(),
        "read-only wrote to Redis"
    );

    let ping = request(
        addr,
        "POST",
        "/api/probes/ping/run",
        &[("X-Bisk-Token", &token)],
        None,
    )
    .await;
    assert_eq!(ping.status, 200);
    let listed = get(addr, "/api/probes").await.json();
    assert_eq!(listed["read_only"], true);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_share_one_execution() {
    let redis = RedisServer::start();
    let site = fixture(&redis);
    let before = ping_calls(&redis);
    // The requests race the background refresh's first round for the first result: one
    // flight between them all.
    let server = site.serve(false).await;
    let addr = server.addr;

    let gets: Vec<_> = (0..40)
        .map(|_| tokio::spawn(async move { get(addr, "/api/probes/ping").await }))
        .collect();
    let mut stamps = std::collections::HashSet::new();
    for g in gets {
        let r = g.await.unwrap();
        assert_eq!(r.status, 200);
        stamps.insert(r.json()["checked_at"].as_str().unwrap().to_string());
    }
    assert_eq!(stamps.len(), 1, "every request got the same result");
    assert_eq!(
        ping_calls(&redis) - before,
        1,
        "exactly one PING reached Redis"
    );
    let ran = settled(&server).await;
    assert_eq!(ran, 2, "one execution of each probe");

    // Concurrent "run now" clicks share runs too.
    let token = server.state.token().to_string();
    let posts: Vec<_> = (0..20)
        .map(|_| {
            let token = token.clone();
            tokio::spawn(async move {
                request(
                    addr,
                    "POST",
                    "/api/probes/ping/run",
                    &[("X-Bisk-Token", &token)],
                    None,
                )
                .await
            })
        })
        .collect();
    for p in posts {
        assert_eq!(p.await.unwrap().status, 200);
    }
    let runs = server.state.probes().executions() - ran;
    assert!(
        (1..=3).contains(&runs),
        "20 concurrent clicks ran {runs} times"
    );
    assert_eq!(ping_calls(&redis) - before, 1 + runs);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_redis_password_never_appears_in_responses() {
    let password = "pw-Zq8Lrm3Kx";
    let redis = RedisServer::start_with(RedisOptions {
        password: Some(password.into()),
        ..RedisOptions::default()
    });
    let site = fixture(&redis);
    let server = site.serve(false).await;
    let addr = server.addr;
    let ping = get(addr, "/api/probes/ping").await;
    assert_eq!(ping.json()["status"], "pass", "{}", ping.body);
    let mut events = kit::serve::EventStream::open(addr, "ops/REDIS.html").await;
    let token = server.state.token().to_string();
    request(
        addr,
        "POST",
        "/api/probes/ping/run",
        &[("X-Bisk-Token", &token)],
        None,
    )
    .await;
    let ev = events
        .wait_for("probe", Duration::from_secs(10), |_| true)
        .await
        .expect("probe event");
    for body in [
        ping.body,
        ev.data,
        get(addr, "/api/probes").await.body,
        get(addr, "/status/").await.body,
        get(addr, "/metrics").await.body,
        get(addr, "/ops/REDIS.html").await.body,
    ] {
        assert!(!body.contains(password), "password leaked: {body}");
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn merged_routes_of_other_features_share_the_guards() {
    use axum::routing::{get as get_route, post};
    let redis = RedisServer::start();
    let site = fixture(&redis);
    let server = bisk_docs::serve::start(bisk_docs::serve::ServeOptions {
        root: site.root().to_path_buf(),
        config: None,
        bind: Some("127.0.0.1:0".into()),
        extra: Some(Box::new(|state: &bisk_docs::serve::ServeState| {
            let token = state.token().to_string();
            axum::Router::new()
                .route("/runs/", get_route(|| async { "runs" }))
                .route(
                    "/api/runs",
                    post(move || async move { format!("started {}", token.len()) }),
                )
        })),
        ..Default::default()
    })
    .await
    .unwrap();
    let addr = server.addr;
    assert_eq!(get(addr, "/runs/").await.body, "runs");
    assert_eq!(
        request(addr, "POST", "/api/runs", &[], None).await.status,
        403
    );
    let evil = request(addr, "GET", "/runs/", &[("Host", "evil.example")], None).await;
    assert_eq!(evil.status, 421);
    let token = server.state.token().to_string();
    let ok = request(addr, "POST", "/api/runs", &[("X-Bisk-Token", &token)], None).await;
    assert_eq!((ok.status, ok.body.as_str()), (200, "started 32"));
    // The site is still served next to them.
    assert_eq!(get(addr, "/ops/REDIS.html").await.status, 200);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn probes_refresh_once_per_interval_with_or_without_browsers() {
    let redis = RedisServer::start();
    let site = kit::serve::site(&redis.url(1), "[serve]\nprobe_interval = \"1s\"\n");
    let server = site.serve(false).await;
    let addr = server.addr;

    // Nobody watches: probes are kept current anyway, once per interval.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let before = ping_calls(&redis);
    tokio::time::sleep(Duration::from_secs(4)).await;
    let pings = ping_calls(&redis) - before;
    assert!(
        (3..=5).contains(&pings),
        "no browser, 4 intervals: {pings} PINGs reached Redis"
    );

    let mut streams = Vec::new();
    for _ in 0..30 {
        streams.push(kit::serve::EventStream::open(addr, "ops/REDIS.html").await);
    }
    // Settle on the first round, then count over 4 intervals.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = ping_calls(&redis);
    tokio::time::sleep(Duration::from_secs(4)).await;
    let pings = ping_calls(&redis) - before;
    assert!(
        (3..=5).contains(&pings),
        "30 watching browsers, 4 intervals: {pings} PINGs reached Redis"
    );
    // Every watcher got the results as events.
    let ev = streams[29]
        .wait_for("probe", Duration::from_secs(5), |e| {
            e.json()["probe"]["id"] == "ping"
        })
        .await
        .expect("probe event");
    assert_eq!(ev.json()["page"], "ops/REDIS.html");
    drop(streams);
    server.shutdown().await;
}
