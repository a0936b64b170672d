//! Health where people look (issue 11, part 4): under `serve` every page header links to
//! Status and Runs; the sidebar marks each guide with the worst current status of its
//! probes, live over the event stream (`status` events, sent to every browser on change)
//! and from a `build --snapshot`; `/status/` fits a 390 px phone.

use crate::kit;

use std::net::SocketAddr;
use std::time::Duration;

use kit::browser::Browser;
use kit::serve::{EventStream, ServeProcess, get};
use kit::{RedisServer, Tree, bisk_docs, closed_port};

/// The sidebar dot of the Redis guide: `[status, text alternative]`, or null.
const REDIS_DOT: &str = "var a = document.querySelector('#sidebar a[href$=\"ops/REDIS.html\"]'); var d = a && a.querySelector('.health-dot'); return d ? [d.getAttribute('data-status'), d.querySelector('.visually-hidden').textContent] : null;";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn header_links_to_status_and_runs_only_under_serve() {
    let redis = RedisServer::start();
    let site = kit::serve::site(&redis.url(1), "");
    // The real `serve`, with the runbook routes the Runs link leads to.
    let bind = format!("127.0.0.1:{}", closed_port());
    let serve = ServeProcess::start(site.root(), &["--bind", &bind], &[]);
    let addr: SocketAddr = serve.addr().parse().unwrap();
    let home = get(addr, "/index.html").await;
    assert_eq!(home.status, 200);
    assert!(
        home.body.contains("<a href=\"status/\">Status</a>"),
        "{}",
        home.body
    );
    assert!(home.body.contains("<a href=\"runs/\">Runs</a>"));
    // From a nested page the links climb to the root.
    let nested = get(addr, "/ops/REDIS.html").await;
    assert!(
        nested.body.contains("<a href=\"../status/\">Status</a>"),
        "{}",
        nested.body
    );
    assert!(nested.body.contains("<a href=\"../runs/\">Runs</a>"));
    // And they lead somewhere.
    assert_eq!(get(addr, "/status/").await.status, 200);
    assert_eq!(get(addr, "/runs/").await.status, 200);
    drop(serve);

    // A static build has no server to link to.
    let (code, _, err) = bisk_docs(site.root(), &["build"], &[]);
    assert_eq!(code, 0, "{err}");
    for page in ["index.html", "ops/REDIS.html"] {
        let html = site.page(page);
        assert!(!html.contains("status/\""), "{page}: {html}");
        assert!(!html.contains("runs/\""), "{page}: {html}");
        assert!(!html.contains("serve-links"), "{page}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_browser_hears_a_guides_health_when_it_changes() {
    let redis = RedisServer::start();
    let site = kit::serve::site(&redis.url(1), "[serve]\nprobe_interval = \"1s\"\n");
    let server = site.serve(false).await;
    // A browser on another page: it never receives the Redis page's probe events, but it
    // does hear the Redis guide's health.
    let mut other = EventStream::open(server.addr, "ops/OTHER.html").await;
    let _watcher = EventStream::open(server.addr, "ops/REDIS.html").await;
    let ev = other
        .wait_for("status", Duration::from_secs(20), |e| {
            e.json()["pages"]["ops/REDIS.html"]["label"] == "2 probes: all passing"
        })
        .await
        .expect("a status event with the Redis guide passing");
    assert_eq!(ev.json()["pages"]["ops/REDIS.html"]["worst"], "pass");

    drop(redis);
    let ev = other
        .wait_for("status", Duration::from_secs(20), |e| {
            matches!(
                e.json()["pages"]["ops/REDIS.html"]["worst"].as_str(),
                Some("fail" | "error")
            )
        })
        .await
        .expect("a status event with the Redis guide failing");
    let label = ev.json()["pages"]["ops/REDIS.html"]["label"].clone();
    assert!(label.as_str().unwrap().starts_with("2 probes: "), "{label}");

    // A browser that connects now gets every page's current health at once.
    let mut late = EventStream::open(server.addr, "index.html").await;
    let ev = late
        .wait_for("status", Duration::from_secs(5), |_| true)
        .await
        .expect("the current health on connect");
    // (Its other probe may have failed since: the worst stays failing either way.)
    let now = &ev.json()["pages"]["ops/REDIS.html"];
    assert!(
        matches!(now["worst"].as_str(), Some("fail" | "error")),
        "{now}"
    );
    assert!(
        now["label"].as_str().unwrap().starts_with("2 probes: "),
        "{now}"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sidebar_dot_turns_from_pass_to_fail_without_a_reload() {
    if kit::browser::skipped("the sidebar health dot browser test") {
        return;
    }
    let redis = RedisServer::start();
    let site = kit::serve::site(&redis.url(1), "[serve]\nprobe_interval = \"1s\"\n");
    let server = site.serve(false).await;
    let browser = Browser::start().await;
    browser
        .goto(&format!("http://{}/ops/REDIS.html", server.addr))
        .await;
    browser.js("window.__sameDocument = true; return 0;").await;
    let dot = browser
        .wait(
            "the Redis guide's dot to pass",
            Duration::from_secs(20),
            REDIS_DOT,
            // Both probes checked (the first result alone already makes the dot pass).
            |v| v[0] == "pass" && !v[1].as_str().unwrap_or("").contains("not checked"),
        )
        .await;
    assert!(
        dot[1]
            .as_str()
            .unwrap()
            .starts_with(" (2 probes: all passing, checked "),
        "text alternative, with its age: {dot}"
    );
    // `BISK_HEALTH_SCREENSHOT=/path/shot.png` keeps a picture of the header and the dot.
    if let Some(to) = std::env::var_os("BISK_HEALTH_SCREENSHOT") {
        browser.screenshot(std::path::Path::new(&to)).await;
    }

    drop(redis);
    let dot = browser
        .wait(
            "the Redis guide's dot to fail",
            Duration::from_secs(20),
            REDIS_DOT,
            |v| v[0] == "fail" || v[0] == "error",
        )
        .await;
    let text = dot[1].as_str().unwrap();
    assert!(
        text.contains("2 probes: ")
            && (text.contains("failing") || text.contains("could not be judged")),
        "{dot}"
    );
    // The dot's colour follows its status; the accessible name of the link says it too.
    let seen = browser
        .js("var a = document.querySelector('#sidebar a[href$=\"ops/REDIS.html\"]'); var d = a.querySelector('.health-dot'); return [getComputedStyle(d).width, a.textContent, window.__sameDocument === true];")
        .await;
    assert_ne!(seen[0], "0px", "the dot is visible: {seen}");
    assert!(
        seen[1].as_str().unwrap().starts_with("Redis (2 probes: "),
        "{seen}"
    );
    assert_eq!(seen[2], true, "no reload happened");
    browser.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn status_page_fits_a_phone() {
    if kit::browser::skipped("the /status/ phone width browser test") {
        return;
    }
    // Long titles, ids and summaries (Redis unreachable: failing probes with hints) are
    // what pushed the table wider than the screen.
    let port = closed_port();
    let site = Tree::site(
        &format!(
            "[redis]\nurl = \"redis://127.0.0.1:{port}/1\"\nconnect_timeout = \"300ms\"\ndeadline = \"1s\"\n"
        ),
        &[
            ("README.md", "# Home\n"),
            (
                "operations/caches/REDIS_SESSION_CACHE_FOR_THE_ENFORCER.md",
                "# Redis session cache\n\n```probe\nid = \"redis-session-cache-answers-ping-within-deadline\"\ncheck = \"redis.ping\"\ntitle = \"The Redis session cache of the enforcer answers PONG within its deadline\"\n```\n\n```probe\nid = \"roundtrip\"\ncheck = \"cache.roundtrip\"\n```\n",
            ),
        ],
    );
    let server = site.serve(true).await;
    let browser = Browser::start().await;
    browser.resize(390, 844).await;
    browser
        .goto(&format!("http://{}/status/", server.addr))
        .await;
    let sizes = browser
        .wait(
            "the status page at 390 px",
            Duration::from_secs(20),
            "var d = document.documentElement; return document.querySelector('.status-table') ? [window.innerWidth, d.scrollWidth, d.clientWidth] : null;",
            |v| !v.is_null(),
        )
        .await;
    assert_eq!(sizes[0], 390, "viewport width: {sizes}");
    assert!(
        sizes[1].as_u64() <= sizes[2].as_u64(),
        "horizontal scroll at 390 px: scrollWidth {} > clientWidth {}",
        sizes[1],
        sizes[2]
    );
    // The header's Status and Runs links fit on a phone too, beside the search, which is a
    // tap target there (it opens as a full-width bar on focus: phone_browser.rs).
    browser
        .goto(&format!("http://{}/index.html", server.addr))
        .await;
    let fit = browser
        .js("var d = document.documentElement, l = document.querySelector('.serve-links'); var s = document.querySelector('.search input').getBoundingClientRect(), r = l.getBoundingClientRect(); return [d.scrollWidth <= d.clientWidth, r.right <= d.clientWidth, s.right <= r.left && s.width >= 32, l.textContent];")
        .await;
    assert_eq!(
        fit,
        serde_json::json!([true, true, true, "StatusRuns"]),
        "{fit}"
    );
    if let Some(to) = std::env::var_os("BISK_HEALTH_SCREENSHOT") {
        browser.screenshot(std::path::Path::new(&to)).await;
    }
    browser.close().await;
    server.shutdown().await;
}

#[test]
fn snapshot_build_marks_guides_from_the_snapshot() {
    let redis = RedisServer::start();
    let site = kit::serve::site(&redis.url(1), "");
    let url = redis.url(1);
    let (code, _, err) = bisk_docs(
        site.root(),
        &["build", "--snapshot"],
        &[("BISK_REDIS_URL", &url)],
    );
    assert_eq!(code, 0, "{err}");
    let nav = site.read("site/_static/nav.js");
    assert!(
        nav.contains("window.BISK_HEALTH = {\"ops/REDIS.html\":{\"worst\":\"pass\",\"label\":\"2 probes: all passing\",\"checked_at\":\""),
        "{nav}"
    );
    assert!(nav.contains("window.BISK_SNAPSHOT = {"), "{nav}");
    // The dots are drawn from that map from file://, without a server.
    let dom = kit::browser::dump_dom(
        &format!(
            "file://{}",
            site.root().join("site/ops/OTHER.html").display()
        ),
        Duration::from_secs(2),
    );
    // As of the snapshot: grey, with its age, never a current-looking green.
    assert!(
        dom.contains("<span class=\"health-dot\" data-status=\"pass\" data-stale=\"\" title=\"2 probes: all passing, as of the snapshot "),
        "{dom}"
    );
    assert!(
        dom.contains(
            "<span class=\"visually-hidden\"> (2 probes: all passing, as of the snapshot "
        ),
        "{dom}"
    );
    assert!(
        !dom.contains("serve-links"),
        "no server links in a static build"
    );

    // Redis gone: the snapshot says so and so does the dot.
    drop(redis);
    let (code, _, err) = bisk_docs(
        site.root(),
        &["build", "--snapshot"],
        &[("BISK_REDIS_URL", &url)],
    );
    assert_eq!(code, 0, "{err}");
    let nav = site.read("site/_static/nav.js");
    assert!(
        nav.contains("\"ops/REDIS.html\":{\"worst\":\"error\"")
            || nav.contains("\"ops/REDIS.html\":{\"worst\":\"fail\""),
        "{nav}"
    );
    // A plain build has no health map.
    let (code, _, err) = bisk_docs(site.root(), &["build"], &[]);
    assert_eq!(code, 0, "{err}");
    let nav = site.read("site/_static/nav.js");
    assert!(!nav.contains("BISK_HEALTH") && !nav.contains("BISK_SNAPSHOT"));
    assert!(!site.page("ops/REDIS.html").contains("snapshot-banner"));
}
