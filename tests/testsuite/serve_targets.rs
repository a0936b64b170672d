//! `serve` keeps every probe current with no page open, and the target is the reader's:
//! chosen per browser, carried in the URL and on every link, never changing another
//! reader's page; probes, `/metrics` and the history keep targets apart. Real Redis
//! servers, real Chromium.

use crate::kit;

use std::time::{Duration, Instant};

use kit::RedisServer;
use kit::Tree;
use kit::browser::Browser;
use kit::serve::get;

/// The interval of these tests.
const INTERVAL: Duration = Duration::from_secs(1);

/// Two targets on two private Redis servers: `default` (whose `bisk:1:ping` key the tests
/// set) and `other`; a guide with a PING probe and a `cache.key` probe of that key, whose
/// text shows a per-target value; an unrelated guide linking to it.
fn site(a: &RedisServer, b: &RedisServer) -> Tree {
    Tree::site(
        &format!(
            "title = \"Targets\"\n\
             [redis]\nurl = \"{}\"\nconnect_timeout = \"500ms\"\ndeadline = \"1s\"\n\
             [targets.other]\nurl = \"{}\"\nconnect_timeout = \"500ms\"\ndeadline = \"1s\"\n\
             [vars]\nwhere = \"alpha-host\"\n\
             [targets.other.vars]\nwhere = \"beta-host\"\n\
             [serve]\nprobe_interval = \"1s\"\n",
            a.url(1),
            b.url(1)
        ),
        &[
            ("README.md", "# Home\n\nStart at [Redis](ops/REDIS.md).\n"),
            (
                "ops/REDIS.md",
                "# Redis\n\nSee also [the other guide](OTHER.md).\n\n```sh\nredis-cli -h {{ where }} ping\n```\n\n\
                 ```probe\nid = \"ping\"\ncheck = \"redis.ping\"\n```\n\n\
                 ```probe\nid = \"key\"\ncheck = \"cache.key\"\nkey = \"ping\"\n```\n",
            ),
            ("ops/OTHER.md", "# Other\n\nNothing live here.\n"),
        ],
    )
}

fn set_key(r: &RedisServer) {
    r.set(1, "bisk:1:ping", b"1", None);
}

fn status_of(server: &bisk_docs::serve::Server, id: &str, target: &str) -> Option<String> {
    let v = server.state.probes().latest(id, target)?;
    Some(v.result.status.as_str().to_string())
}

/// Waits (without asking the server anything over HTTP, so only the background refresh
/// can move it) until probe `id` on `target` has status `want`; returns how long it took.
async fn until_status(
    server: &bisk_docs::serve::Server,
    id: &str,
    target: &str,
    want: &str,
    within: Duration,
) -> Duration {
    let t = Instant::now();
    loop {
        if status_of(server, id, target).as_deref() == Some(want) {
            return t.elapsed();
        }
        assert!(
            t.elapsed() < within,
            "{id} on {target} did not become {want} within {within:?} (now {:?})",
            status_of(server, id, target)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The sidebar dot of the Redis guide: [status, text alternative] or null.
const REDIS_DOT: &str = "var a = document.querySelector('#sidebar a[href*=\"ops/REDIS.html\"]'); var d = a && a.querySelector('.health-dot'); return d ? [d.getAttribute('data-status'), d.querySelector('.visually-hidden').textContent] : null;";

/// A widget's status, or null (also while a page is loading).
fn widget(id: &str) -> String {
    format!(
        "var w = document.querySelector('.probe[data-probe-id=\"{id}\"]'); return w ? w.getAttribute('data-status') : null;"
    )
}

const CODE: &str =
    "var c = document.querySelector('.content .codeblock code'); return c ? c.textContent : null;";
const BANNER: &str =
    "var b = document.querySelector('.target-banner'); return b ? b.textContent : null;";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_no_page_open_every_surface_follows_the_target_within_two_intervals() {
    if kit::browser::skipped("the background refresh browser test") {
        return;
    }
    let (a, b) = (RedisServer::start(), RedisServer::start());
    set_key(&a);
    let t = site(&a, &b);
    let server = t.serve(false).await;
    let addr = server.addr;

    // Nobody has opened anything: the background refresh judges every probe anyway.
    until_status(&server, "key", "default", "pass", Duration::from_secs(20)).await;
    until_status(&server, "ping", "default", "pass", Duration::from_secs(20)).await;
    // Only the default target is in use: nobody asked for `other`.
    assert!(status_of(&server, "key", "other").is_none());

    // The key goes away on the target, with no page open and no request to the server.
    redis::cmd("DEL")
        .arg("bisk:1:ping")
        .query::<()>(&mut a.conn(1))
        .unwrap();
    let took = until_status(&server, "key", "default", "fail", Duration::from_secs(10)).await;
    assert!(
        took <= 2 * INTERVAL,
        "the background refresh saw the change after {took:?} (interval {INTERVAL:?})"
    );

    // `/status/` and `/metrics` show that result: the background's, not one of their own.
    let runs = server.state.probes().executions();
    let status = get(addr, "/status/").await;
    assert_eq!(status.status, 200);
    assert!(status.body.contains("probe-chip-fail"), "{}", status.body);
    let metrics = get(addr, "/metrics").await.body;
    assert!(
        metrics.contains(
            "bisk_probe_up{id=\"key\",page=\"ops/REDIS.md\",check=\"cache.key\",target=\"default\"} 0"
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            "bisk_probe_up{id=\"ping\",page=\"ops/REDIS.md\",check=\"redis.ping\",target=\"default\"} 1"
        ),
        "{metrics}"
    );
    assert!(
        server.state.probes().executions() <= runs + 2,
        "at most the next background round ran meanwhile"
    );

    // A browser opening an unrelated page afterwards sees the guide's current dot at once.
    let browser = Browser::start().await;
    browser.goto(&format!("http://{addr}/ops/OTHER.html")).await;
    let dot = browser
        .wait(
            "the Redis guide's dot",
            Duration::from_secs(10),
            REDIS_DOT,
            |v| !v.is_null(),
        )
        .await;
    assert_eq!(dot[0], "fail", "{dot}");
    assert!(
        dot[1].as_str().unwrap().contains("1 failing"),
        "text alternative: {dot}"
    );

    // Repaired: the open page's dot follows without a reload.
    set_key(&a);
    browser
        .wait(
            "the Redis guide's dot to pass again",
            Duration::from_secs(10),
            REDIS_DOT,
            |v| v[0] == "pass",
        )
        .await;
    browser.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_readers_each_keep_their_own_target() {
    if kit::browser::skipped("the two-reader target browser test") {
        return;
    }
    let (a, b) = (RedisServer::start(), RedisServer::start());
    // The key is on the default target's Redis only: `key` passes there and fails on other.
    set_key(&a);
    let t = site(&a, &b);
    let server = t.serve(false).await;
    let addr = server.addr;
    let page = format!("http://{addr}/ops/REDIS.html");

    let (ra, rb) = (Browser::start().await, Browser::start().await);
    ra.goto(&page).await;
    ra.wait(
        "A's key widget",
        Duration::from_secs(20),
        &widget("key"),
        |v| v == "pass",
    )
    .await;
    ra.wait("A's dot", Duration::from_secs(20), REDIS_DOT, |v| {
        v[0] == "pass"
    })
    .await;
    assert_eq!(ra.js(CODE).await, "redis-cli -h alpha-host ping\n");
    ra.js("window.__sameDocument = true; return 0;").await;

    // Reader B picks `other` in the header.
    rb.goto(&page).await;
    rb.wait("B's page", Duration::from_secs(20), &widget("key"), |v| {
        v == "pass"
    })
    .await;
    rb.js(
        "var s = document.querySelector('.target-switch select'); s.value = 'other'; \
         s.dispatchEvent(new Event('change')); return 0;",
    )
    .await;
    rb.wait("B's page for other", Duration::from_secs(20), CODE, |v| {
        v == "redis-cli -h beta-host ping\n"
    })
    .await;
    assert_eq!(
        rb.js("return location.search;").await,
        "?target=other",
        "the target is in the URL"
    );
    rb.wait(
        "B's key widget on other",
        Duration::from_secs(20),
        &widget("key"),
        |v| v == "fail",
    )
    .await;
    rb.wait(
        "B's dot on other",
        Duration::from_secs(20),
        REDIS_DOT,
        |v| v[0] == "fail",
    )
    .await;
    let banner = rb.js(BANNER).await;
    let banner = banner.as_str().expect("B's page has the banner");
    assert!(
        banner.contains("You are viewing target other")
            && banner.contains(&b.url(1))
            && banner.contains("switch back to default"),
        "{banner}"
    );
    assert_eq!(
        rb.js("return document.querySelector('.target-switch select').value;")
            .await,
        "other"
    );

    // Reader A's page did not change, nor reload, nor did its dots or `/status/`.
    tokio::time::sleep(2 * INTERVAL).await;
    let seen = serde_json::json!([
        ra.js("return window.__sameDocument === true;").await,
        ra.js(CODE).await,
        ra.js(&widget("key")).await,
        ra.js(BANNER).await,
        ra.js("return document.querySelector('.target-switch select').value;")
            .await,
    ]);
    assert_eq!(
        seen,
        serde_json::json!([
            true,
            "redis-cli -h alpha-host ping\n",
            "pass",
            null,
            "default"
        ]),
        "A's page"
    );
    assert_eq!(ra.js(REDIS_DOT).await[0], "pass");
    let status = get(addr, "/status/").await.body;
    assert!(
        status.contains("probe-chip-pass") && !status.contains("probe-chip-fail"),
        "{status}"
    );
    let theirs = get(addr, "/status/?target=other").await.body;
    assert!(theirs.contains("probe-chip-fail"), "{theirs}");
    assert!(theirs.contains("You are viewing target <strong>other</strong>"));

    // A link copied from B's page opens B's target in A's browser.
    let link = rb
        .js("return document.querySelector('.content a[href*=\"OTHER.html\"]').href;")
        .await;
    let link = link.as_str().unwrap().to_string();
    assert!(link.ends_with("ops/OTHER.html?target=other"), "{link}");
    ra.goto(&link).await;
    ra.wait("A on B's link", Duration::from_secs(20), BANNER, |v| {
        v.as_str()
            .is_some_and(|s| s.contains("You are viewing target other"))
    })
    .await;
    // Opening a link is not a choice: A's browser still opens bare URLs on its own target.
    assert_eq!(
        ra.js("return localStorage.getItem('bisk-target');").await,
        serde_json::Value::Null
    );
    // B's choice is remembered: a bare URL in B's browser opens B's target.
    rb.goto(&format!("http://{addr}/ops/OTHER.html")).await;
    rb.wait(
        "B's remembered target",
        Duration::from_secs(20),
        BANNER,
        |v| {
            v.as_str()
                .is_some_and(|s| s.contains("You are viewing target other"))
        },
    )
    .await;
    assert_eq!(rb.js("return location.search;").await, "?target=other");

    ra.close().await;
    rb.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn targets_in_use_are_probed_apart_once_per_interval_each() {
    let (a, b) = (RedisServer::start(), RedisServer::start());
    set_key(&a);
    let t = site(&a, &b);
    let server = t.serve(false).await;
    let addr = server.addr;
    until_status(&server, "key", "default", "pass", Duration::from_secs(20)).await;

    // A reader on `other` (one request is enough to put it in use for a while).
    let page = get(addr, "/ops/REDIS.html?target=other").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("beta-host"), "{}", page.body);
    until_status(&server, "key", "other", "fail", Duration::from_secs(10)).await;
    let v = get(addr, "/api/probes/key?target=other").await.json();
    assert_eq!(v["status"], "fail", "{v}");
    assert_eq!(v["target"]["name"], "other", "{v}");
    let d = get(addr, "/api/probes/key").await.json();
    assert_eq!(d["status"], "pass", "{d}");
    // Each target's history is its own.
    let statuses = |v: &serde_json::Value| -> Vec<String> {
        v["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["status"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(statuses(&v).iter().all(|s| s == "fail"), "{v}");
    assert!(statuses(&d).iter().all(|s| s == "pass"), "{d}");
    let listed = get(addr, "/api/probes?target=other").await.json();
    assert_eq!(listed["target"], "other");
    assert!(
        listed["probes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["target"] == "other"),
        "{listed}"
    );

    // `/metrics` has every series once per target, told apart by the label.
    let metrics = get(addr, "/metrics").await.body;
    for (target, up) in [("default", 1), ("other", 0)] {
        let labels =
            format!("id=\"key\",page=\"ops/REDIS.md\",check=\"cache.key\",target=\"{target}\"");
        for series in [
            format!("bisk_probe_up{{{labels}}} {up}"),
            format!("bisk_probe_status{{{labels},status=\"pass\"}} {up}"),
            format!("bisk_probe_duration_seconds{{{labels}}} "),
            format!("bisk_probe_last_check_timestamp_seconds{{{labels}}} "),
        ] {
            assert_eq!(
                metrics.matches(&series).count(),
                1,
                "{series} once in:\n{metrics}"
            );
        }
    }

    // Many readers on both targets still cost one execution per probe per target per
    // interval: 2 probes × 2 targets.
    let mut streams = Vec::new();
    for i in 0..40 {
        let path = if i % 2 == 0 {
            "/api/events?page=ops/REDIS.html".to_string()
        } else {
            "/api/events?page=ops/REDIS.html&target=other".to_string()
        };
        streams.push(kit::serve::EventStream::open_path(addr, &path).await);
    }
    tokio::time::sleep(INTERVAL).await;
    let before = server.state.probes().executions();
    tokio::time::sleep(4 * INTERVAL).await;
    let runs = server.state.probes().executions() - before;
    assert!(
        (12..=20).contains(&runs),
        "40 readers on 2 targets, 2 probes, 4 intervals: {runs} executions"
    );
    // Each stream gets its own target's results only.
    let ev = streams[1]
        .wait_for("probe", Duration::from_secs(5), |e| {
            e.json()["probe"]["id"] == "key"
        })
        .await
        .expect("a probe event on other");
    assert_eq!(ev.json()["probe"]["status"], "fail", "{}", ev.data);
    let ev = streams[0]
        .wait_for("probe", Duration::from_secs(5), |e| {
            e.json()["probe"]["id"] == "key"
        })
        .await
        .expect("a probe event on default");
    assert_eq!(ev.json()["probe"]["status"], "pass", "{}", ev.data);
    drop(streams);
    server.shutdown().await;
}
