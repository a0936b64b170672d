//! Every status carries its age and greys when old (issue 19): widgets, sidebar dots and a
//! closed folder's roll-up count "checked N s ago" with the server's clock, keep counting
//! while the server is gone and turn grey "unknown — last seen …" after two probe
//! intervals; a `build --snapshot` site says it is a snapshot, taken when, how long ago;
//! `/status/` opens with what is wrong now, one group per cause, and keeps skipped probes
//! quiet. Against private redis-servers and a real Chromium.

use crate::kit;

use std::time::Duration;

use kit::browser::Browser;
use kit::serve::{EventStream, get};
use kit::{RedisServer, Tree, bisk_docs};

/// The Redis guide's PING widget: `[data-status, stale?, chip word, checked line, left border colour]`.
const PING_WIDGET: &str = "var w = document.querySelector('[data-probe-id=\"ping\"]'); if (!w || !w.querySelector('.probe-checked')) return null; return [w.getAttribute('data-status'), w.hasAttribute('data-stale'), w.querySelector('.probe-word').textContent, w.querySelector('.probe-checked').textContent, getComputedStyle(w).borderLeftColor];";

/// The computed colour of the theme's `--muted` (what grey means here).
const MUTED: &str = "var p = document.createElement('span'); p.style.color = 'var(--muted)'; document.body.appendChild(p); var c = getComputedStyle(p).color; p.remove(); return c;";

/// Seconds in "12 s ago" / "just now" (0).
fn seconds(text: &str) -> Option<u64> {
    if text.contains("just now") {
        return Some(0);
    }
    let at = text.find(" s ago")?;
    text[..at]
        .rsplit(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hello_carries_the_server_clock_and_the_interval() {
    let redis = RedisServer::start();
    let site = kit::serve::site(&redis.url(1), "[serve]\nprobe_interval = \"3s\"\n");
    let server = site.serve(true).await;
    let mut events = EventStream::open(server.addr, "ops/REDIS.html").await;
    let hello = events
        .wait_for("hello", Duration::from_secs(5), |_| true)
        .await
        .expect("hello");
    let h = hello.json();
    assert_eq!(h["interval_s"], 3.0, "{h}");
    let now: jiff::Timestamp = h["now"].as_str().unwrap().parse().expect("RFC 3339");
    let skew = (jiff::Timestamp::now().as_second() - now.as_second()).abs();
    assert!(skew <= 2, "the server's clock: {h}");
    // Each page's health is dated by its oldest result.
    let ev = events
        .wait_for("status", Duration::from_secs(20), |e| {
            e.json()["pages"]["ops/REDIS.html"]["checked_at"].is_string()
        })
        .await
        .expect("a dated health");
    let at = ev.json()["pages"]["ops/REDIS.html"]["checked_at"].clone();
    at.as_str()
        .unwrap()
        .parse::<jiff::Timestamp>()
        .expect("a time");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn widgets_and_dots_go_grey_with_a_growing_age_when_serve_stops() {
    if kit::browser::skipped("the serve-stopped ages browser test") {
        return;
    }
    let redis = RedisServer::start();
    let site = kit::serve::site(&redis.url(1), "[serve]\nprobe_interval = \"1s\"\n");
    let server = site.serve(false).await;
    let browser = Browser::start().await;
    browser
        .goto(&format!("http://{}/ops/REDIS.html", server.addr))
        .await;
    let live = browser
        .wait(
            "the PING widget to pass",
            Duration::from_secs(20),
            PING_WIDGET,
            |v| !v.is_null() && v[0] == "pass",
        )
        .await;
    assert_eq!(live[1], false, "a fresh result is not stale: {live}");
    let checked = live[3].as_str().unwrap();
    assert!(
        checked.starts_with("PASS — checked ") && seconds(checked).is_some(),
        "{live}"
    );
    let green = live[4].clone();
    let muted = browser.js(MUTED).await;
    assert_ne!(green, muted, "a passing widget is not grey: {live}");
    // The Redis guide's own sidebar dot says its age too.
    let dot = browser
        .wait(
            "the Redis dot",
            Duration::from_secs(10),
            "var d = document.querySelector('#sidebar a[href$=\"ops/REDIS.html\"] .health-dot'); return d ? [d.getAttribute('data-status'), d.hasAttribute('data-stale'), d.title] : null;",
            |v| !v.is_null() && v[0] == "pass",
        )
        .await;
    assert_eq!(dot[1], false, "{dot}");
    let title = dot[2].as_str().unwrap();
    assert!(
        title.starts_with("2 probes: all passing, checked ") && seconds(title).is_some(),
        "{dot}"
    );

    // serve stops: within two intervals (2 s) plus a tick, the widget is grey and says so.
    server.shutdown().await;
    let grey = browser
        .wait(
            "the widget to go grey",
            Duration::from_secs(4),
            PING_WIDGET,
            |v| v[1] == true,
        )
        .await;
    assert_eq!(grey[2], "UNKNOWN", "{grey}");
    let text = grey[3].as_str().unwrap();
    assert!(text.starts_with("unknown — last seen "), "{grey}");
    assert_eq!(grey[4], muted, "no green border once unknown: {grey}");
    let first = seconds(text).expect("an age in seconds");
    // And the age keeps counting without the server.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let later = browser.js(PING_WIDGET).await;
    let then = seconds(later[3].as_str().unwrap()).expect("an age");
    assert!(then >= first + 2, "the age grows: {grey} then {later}");
    assert_eq!(later[2], "UNKNOWN", "{later}");
    let dot = browser
        .js("var d = document.querySelector('#sidebar a[href$=\"ops/REDIS.html\"] .health-dot'); return [d.hasAttribute('data-stale'), d.title, getComputedStyle(d).backgroundColor];")
        .await;
    assert_eq!(dot[0], true, "the dot is grey too: {dot}");
    assert!(
        dot[1].as_str().unwrap().starts_with("unknown — last seen "),
        "{dot}"
    );
    assert_ne!(
        dot[2], green,
        "the dot keeps no green: {dot} (green {green})"
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_closed_folder_shows_the_worst_dot_inside_with_its_age() {
    if kit::browser::skipped("the sidebar roll-up browser test") {
        return;
    }
    let redis = RedisServer::start();
    let site = kit::serve::site(&redis.url(1), "[serve]\nprobe_interval = \"2s\"\n");
    let server = site.serve(false).await;
    let browser = Browser::start().await;
    // The Redis guide is open (so its probes stay fresh); its folder is open with it.
    browser
        .goto(&format!("http://{}/ops/REDIS.html", server.addr))
        .await;
    browser
        .wait(
            "the Redis dot",
            Duration::from_secs(20),
            "var d = document.querySelector('#sidebar a[href$=\"ops/REDIS.html\"] .health-dot'); return d ? d.getAttribute('data-status') : null;",
            |v| v == "pass",
        )
        .await;
    const ROLLUP: &str = "var b = document.querySelector('#sidebar a[href$=\"ops/REDIS.html\"]').closest('ul').closest('li').querySelector('.tog'); var row = b.parentNode; var d = row.querySelector('.health-rollup'); return [b.getAttribute('aria-expanded'), d ? d.getAttribute('data-status') : null, d ? d.title : null, d ? d.querySelector('.visually-hidden').textContent : null];";
    let open = browser.js(ROLLUP).await;
    assert_eq!(open[0], "true", "{open}");
    assert!(open[1].is_null(), "an open folder has no roll-up: {open}");
    // Closed: one dot for the folder, the worst guide's, in the same words and with its age.
    browser
        .js("document.querySelector('#sidebar a[href$=\"ops/REDIS.html\"]').closest('ul').closest('li').querySelector('.tog').click(); return 0;")
        .await;
    let closed = browser
        .wait("the roll-up dot", Duration::from_secs(5), ROLLUP, |v| {
            !v[1].is_null()
        })
        .await;
    assert_eq!(closed[0], "false", "{closed}");
    assert_eq!(closed[1], "pass", "{closed}");
    let title = closed[2].as_str().unwrap();
    assert!(
        title.starts_with(
            "1 guide with probes inside; worst: Redis, 2 probes: all passing, checked "
        ) && seconds(title).is_some(),
        "{closed}"
    );
    assert_eq!(closed[3], format!(" ({title})"), "screen readers hear it");

    // Redis stops: the roll-up turns to the failing guide.
    drop(redis);
    let failing = browser
        .wait(
            "the roll-up to fail",
            Duration::from_secs(20),
            ROLLUP,
            |v| v[1] == "fail" || v[1] == "error",
        )
        .await;
    assert!(
        failing[2]
            .as_str()
            .unwrap()
            .contains("worst: Redis, 2 probes: "),
        "{failing}"
    );
    // Open again: the guide's own dot, no roll-up.
    browser
        .js("document.querySelector('#sidebar a[href$=\"ops/REDIS.html\"]').closest('ul').closest('li').querySelector('.tog').click(); return 0;")
        .await;
    let reopened = browser.js(ROLLUP).await;
    assert!(reopened[1].is_null(), "{reopened}");
    browser.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_snapshot_site_says_so_with_its_age_and_grey_results() {
    if kit::browser::skipped("the snapshot banner browser test") {
        return;
    }
    let redis = RedisServer::start();
    let site = kit::serve::site(&redis.url(1), "");
    let url = redis.url(1);
    let (code, _, err) = bisk_docs(
        site.root(),
        &["build", "--snapshot"],
        &[("BISK_REDIS_URL", &url)],
    );
    assert_eq!(code, 0, "{err}");
    // Without scripts: the absolute time, on every page.
    for page in ["index.html", "ops/REDIS.html", "ops/OTHER.html"] {
        let html = site.page(page);
        assert!(
            html.contains("<p class=\"snapshot-banner\" role=\"note\"><strong>Snapshot</strong> taken <time datetime=\""),
            "{page}: {html}"
        );
        assert!(
            html.contains(" UTC</time><span class=\"bisk-age\" data-at=\""),
            "{page}"
        );
    }
    let redis_page = site.page("ops/REDIS.html");
    assert!(
        redis_page.contains("data-status=\"pass\" data-snapshot>"),
        "{redis_page}"
    );
    assert!(redis_page.contains("PASS as of the snapshot — checked <time datetime="));

    // Taken three hours ago: the page counts the age from the time it carries.
    let path = site.root().join("site/ops/REDIS.html");
    let then = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(3);
    let html = std::fs::read_to_string(&path).unwrap();
    let start = html.find("class=\"bisk-age\" data-at=\"").unwrap() + 26;
    let end = start + html[start..].find('"').unwrap();
    let taken = html[start..end].to_string();
    std::fs::write(&path, html.replace(&taken, &then.to_string())).unwrap();
    let nav = site.read("site/_static/nav.js");
    assert!(nav.contains("window.BISK_SNAPSHOT = {\"iso\":\""), "{nav}");
    std::fs::write(
        site.root().join("site/_static/nav.js"),
        nav.replace(&taken, &then.to_string()),
    )
    .unwrap();

    let browser = Browser::start().await;
    browser.goto(&format!("file://{}", path.display())).await;
    let seen = browser
        .wait(
            "the banner's age",
            Duration::from_secs(5),
            "var b = document.querySelector('.snapshot-banner'); var w = document.querySelector('[data-probe-id=\"ping\"]'); var d = document.querySelector('#sidebar a[href$=\"ops/REDIS.html\"] .health-dot'); return b && d && b.querySelector('.bisk-age').textContent ? [b.textContent, getComputedStyle(w).borderLeftColor, getComputedStyle(w.querySelector('.probe-chip')).color, d.getAttribute('data-status'), d.hasAttribute('data-stale'), d.title] : null;",
            |v| !v.is_null(),
        )
        .await;
    let banner = seen[0].as_str().unwrap();
    assert!(
        banner.starts_with("Snapshot taken ") && banner.contains(" UTC (3 h ago) on default"),
        "{seen}"
    );
    let muted = browser.js(MUTED).await;
    assert_eq!(seen[1], muted, "a snapshot's widget is grey: {seen}");
    assert_eq!(seen[2], muted, "and so is its chip: {seen}");
    assert_eq!(seen[3], "pass", "{seen}");
    assert_eq!(seen[4], true, "the dot is grey: {seen}");
    let title = seen[5].as_str().unwrap();
    assert!(
        title.starts_with("2 probes: all passing, as of the snapshot ")
            && (title.ends_with(" s ago") || title.ends_with("just now")),
        "{seen}"
    );
    browser.close().await;
}

/// Three guides whose PING probes all fail alike when Redis is down, and one probe that is
/// skipped on this host (no `[django]` section) with a hint on how to enable it.
fn cause_site(redis_url: &str) -> Tree {
    let ping = |id: &str| {
        format!(
            "```probe\nid = \"{id}\"\ncheck = \"redis.ping\"\ntitle = \"Redis answers for {id}\"\n```\n"
        )
    };
    Tree::site(
        &format!(
            "title = \"Causes\"\n[redis]\nurl = \"{redis_url}\"\nconnect_timeout = \"300ms\"\ndeadline = \"1s\"\n[serve]\nprobe_interval = \"1s\"\n"
        ),
        &[
            ("README.md", "# Home\n"),
            ("ops/A.md", &format!("# Alpha\n\n{}", ping("alpha"))),
            ("ops/B.md", &format!("# Beta\n\n{}", ping("beta"))),
            (
                "backend/C.md",
                &format!(
                    "# Gamma\n\n{}\n```probe\nid = \"settings\"\ncheck = \"django.settings\"\n```\n",
                    ping("gamma")
                ),
            ),
        ],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn status_opens_with_one_group_per_cause_and_keeps_skipped_quiet() {
    let redis = RedisServer::start();
    let site = cause_site(&redis.url(1));
    let server = site.serve(true).await;
    // Healthy: nothing is wrong, and the skipped probe has no red box.
    let page = get(server.addr, "/status/").await;
    assert!(!page.body.contains("status-wrong"), "{}", page.body);
    assert!(
        page.body
            .contains("<span class=\"status-note\">Add a [django] section"),
        "{}",
        page.body
    );
    assert_eq!(page.body.matches("class=\"probe-hint\"").count(), 0);

    drop(redis);
    // Within an interval or two (the results before are cached for one).
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let page = loop {
        let page = get(server.addr, "/status/").await;
        if page.body.contains("status-wrong") || std::time::Instant::now() > deadline {
            break page;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    let body = &page.body;
    let wrong_at = body.find("<h2 id=\"status-wrong-title\">What is wrong now</h2>");
    let tables_at = body.find("<table class=\"status-table\">");
    assert!(
        wrong_at.is_some() && wrong_at < tables_at,
        "what is wrong comes first: {body}"
    );
    assert_eq!(
        body.matches("<div class=\"status-cause").count(),
        1,
        "one cause: {body}"
    );
    assert!(
        body.contains("<strong class=\"status-cause-count\">3 probes:</strong> <span class=\"status-cause-summary\">"),
        "{body}"
    );
    let cause = &body[wrong_at.unwrap()..tables_at.unwrap()];
    assert_eq!(
        cause.matches("class=\"probe-hint\"").count(),
        1,
        "one hint: {cause}"
    );
    for id in ["alpha", "beta", "gamma"] {
        assert!(
            cause.contains(&format!(
                "<a href=\"#row-{id}\">Redis answers for {id}</a> <code>{id}</code>"
            )),
            "{id}: {cause}"
        );
        assert!(body.contains(&format!("id=\"row-{id}\"")), "{id}");
    }
    assert!(!cause.contains("settings"), "skipped is not wrong: {cause}");
    // The per-guide tables follow, as before; a row whose cause is explained above refers
    // there instead of repeating the hint.
    assert_eq!(body.matches("<tr class=\"status-row").count(), 4);
    assert_eq!(
        body.matches("class=\"probe-hint\"").count(),
        1,
        "the hint once on the whole page: {body}"
    );
    assert_eq!(
        body.matches("<span class=\"status-same-cause\">Same cause as 2 other probes: <a href=\"#cause-1\">see what is wrong now</a></span>").count(),
        3,
        "{body}"
    );
    assert!(
        body.contains("<div class=\"status-cause bisk-fresh\" id=\"cause-1\""),
        "{body}"
    );

    if kit::browser::skipped("the /status/ cause groups browser test") {
        server.shutdown().await;
        return;
    }
    let browser = Browser::start().await;
    browser
        .goto(&format!("http://{}/status/", server.addr))
        .await;
    let seen = browser
        .wait(
            "the cause group",
            Duration::from_secs(10),
            "var c = document.querySelector('.status-cause'); if (!c) return null; var s = document.querySelector('tr[data-probe-id=\"settings\"]'); var n = s.querySelector('.status-note'); var chip = s.querySelector('.probe-chip'); return [c.getAttribute('data-status'), c.querySelectorAll('.status-cause-probes li').length, getComputedStyle(c).borderLeftColor, s.getAttribute('data-status'), s.querySelectorAll('.probe-hint').length, getComputedStyle(n).color, getComputedStyle(n).backgroundColor, getComputedStyle(n).borderLeftWidth, getComputedStyle(chip).color];",
            |v| !v.is_null(),
        )
        .await;
    let muted = browser.js(MUTED).await;
    let bad = browser
        .js("var p = document.createElement('span'); p.style.color = 'var(--bad)'; document.body.appendChild(p); var c = getComputedStyle(p).color; p.remove(); return c;")
        .await;
    assert_eq!(seen[0], "error", "{seen}");
    assert_eq!(seen[1], 3, "{seen}");
    assert_eq!(seen[2], bad, "the cause is drawn as wrong: {seen}");
    assert_eq!(seen[3], "skipped", "{seen}");
    assert_eq!(seen[4], 0, "no fix box on a skipped row: {seen}");
    assert_eq!(seen[5], muted, "its note is quiet grey: {seen}");
    assert_eq!(seen[6], "rgba(0, 0, 0, 0)", "no background: {seen}");
    assert_eq!(seen[7], "0px", "no coloured bar: {seen}");
    assert_eq!(seen[8], muted, "a grey chip: {seen}");
    // `BISK_STATUS_SCREENSHOT=/path/shot.png` keeps a picture of the cause group.
    if let Some(to) = std::env::var_os("BISK_STATUS_SCREENSHOT") {
        browser.screenshot(std::path::Path::new(&to)).await;
    }
    browser.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn status_rows_go_grey_with_a_growing_age_when_serve_stops() {
    if kit::browser::skipped("the /status/ ages browser test") {
        return;
    }
    let redis = RedisServer::start();
    let site = kit::serve::site(&redis.url(1), "[serve]\nprobe_interval = \"1s\"\n");
    let server = site.serve(false).await;
    let browser = Browser::start().await;
    browser
        .goto(&format!("http://{}/status/", server.addr))
        .await;
    const ROW: &str = "var r = document.querySelector('tr[data-probe-id=\"ping\"]'); var o = document.querySelector('.status-overall'); var shown = function (e) { return Array.prototype.filter.call(e.querySelectorAll('.probe-chip'), function (c) { return c.offsetParent !== null; }).map(function (c) { return c.textContent.trim(); }).join(','); }; return r && o ? [r.hasAttribute('data-stale'), shown(r), r.cells[3].innerText, o.hasAttribute('data-stale'), shown(o), getComputedStyle(o).borderLeftColor] : null;";
    let fresh = browser
        .wait("the PING row", Duration::from_secs(10), ROW, |v| {
            !v.is_null()
        })
        .await;
    assert_eq!(fresh[0], false, "{fresh}");
    assert_eq!(fresh[1], "✔ PASS", "one chip shows: {fresh}");
    let muted = browser.js(MUTED).await;
    assert_ne!(fresh[5], muted, "{fresh}");
    server.shutdown().await;
    let grey = browser
        .wait("the row to go grey", Duration::from_secs(6), ROW, |v| {
            v[0] == true && v[3] == true
        })
        .await;
    assert_eq!(grey[1], "? UNKNOWN", "{grey}");
    assert_eq!(grey[4], "? UNKNOWN", "{grey}");
    assert_eq!(grey[5], muted, "the verdict's border is grey: {grey}");
    let first = grey[2].as_str().unwrap().to_string();
    assert!(first.starts_with("last seen "), "{grey}");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let later = browser.js(ROW).await;
    assert!(
        seconds(later[2].as_str().unwrap()) > seconds(&first),
        "the age grows: {first} then {later}"
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_browser_clock_an_hour_ahead_does_not_age_results() {
    if kit::browser::skipped("the clock skew browser test") {
        return;
    }
    let redis = RedisServer::start();
    let site = kit::serve::site(&redis.url(1), "[serve]\nprobe_interval = \"1s\"\n");
    let server = site.serve(false).await;
    let browser = Browser::start().await;
    browser
        .goto(&format!("http://{}/status/", server.addr))
        .await;
    // The browser's clock jumps an hour ahead; the page learns the server's time again with
    // its next refresh and counts ages with that.
    browser
        .js("var real = Date.now; Date.now = function () { return real.call(Date) + 3600e3; }; var a = document.querySelector('.status-page'); window.__old = a; return 0;")
        .await;
    let seen = browser
        .wait(
            "a refresh after the jump",
            Duration::from_secs(10),
            "var a = document.querySelector('.status-page'); var r = document.querySelector('tr[data-probe-id=\"ping\"]'); return a !== window.__old ? [r.hasAttribute('data-stale'), r.cells[3].innerText] : null;",
            |v| !v.is_null(),
        )
        .await;
    // Two ticks of the page's clock with the skewed Date.now.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let seen_later = browser
        .js("var r = document.querySelector('tr[data-probe-id=\"ping\"]'); return [r.hasAttribute('data-stale'), r.cells[3].innerText];")
        .await;
    for v in [&seen, &seen_later] {
        assert_eq!(v[0], false, "not stale: {v}");
        let text = v[1].as_str().unwrap();
        assert!(seconds(text).is_some_and(|s| s < 10), "{v}");
    }
    browser.close().await;
    server.shutdown().await;
}
