//! The site and a walkthrough on a phone (390 px wide, real headless Chromium): the Status
//! link is where a thumb taps it, the search opens as a full-width bar whose results are
//! all on screen, and after Done the focus is on the next step (also after a reload).

use crate::kit;

use std::time::Duration;

use super::walkthrough_browser::{click, site, wait_status};
use kit::RedisServer;
use kit::browser::Browser;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn at_390_px_the_header_search_and_walkthrough_focus_work() {
    if kit::browser::skipped("the phone browser test") {
        return;
    }
    let redis = RedisServer::start();
    let site = site(&redis.url(1));
    let root = site.root().to_path_buf();
    let server = kit::serve::with_runbooks(&root).await;
    let browser = Browser::start().await;
    browser.resize(390, 844).await;
    browser
        .goto(&format!("{}/runs/start?page=ops%2FDEPLOY.md", server.url()))
        .await;

    // The Status link: what a tap at its middle hits is the link itself.
    let status = browser
        .js("var a = document.querySelector('.serve-links a'), r = a.getBoundingClientRect(); \
             var hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2); \
             return {text: a.textContent, hit: hit === a || a.contains(hit), left: r.left, right: r.right, w: innerWidth};")
        .await;
    assert_eq!(status["text"], "Status", "{status}");
    assert_eq!(status["hit"], true, "a tap on Status reaches it: {status}");
    assert!(
        status["right"].as_f64().unwrap() <= status["w"].as_f64().unwrap(),
        "{status}"
    );

    // Search: focused, it spans the screen; its results are all visible.
    browser
        .js(
            "var i = document.getElementById('search-input'); i.focus(); i.value = 'deploy'; \
             i.dispatchEvent(new Event('input', {bubbles: true})); return 0;",
        )
        .await;
    let search = browser
        .wait(
            "search results",
            Duration::from_secs(10),
            "var b = document.getElementById('search-results'); if (b.hidden || !b.querySelector('a')) return null; \
             var r = b.getBoundingClientRect(), i = document.getElementById('search-input').getBoundingClientRect(); \
             return {left: r.left, right: r.right, input: i.width, w: innerWidth};",
            |v| !v.is_null(),
        )
        .await;
    let w = search["w"].as_f64().unwrap();
    assert!(search["left"].as_f64().unwrap() >= 0.0, "{search}");
    assert!(search["right"].as_f64().unwrap() <= w, "{search}");
    assert!(
        search["input"].as_f64().unwrap() >= w * 0.75,
        "a full-width field: {search}"
    );
    browser
        .js("document.getElementById('search-input').blur(); return 0;")
        .await;

    // A walkthrough: after Done, the focus is on step 2.
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
    click(&browser, 1, "done").await;
    wait_status(&browser, 1, "done").await;
    let focused = "var a = document.activeElement, s = a && a.closest('.rb-step'); return s ? s.id : (a ? a.tagName : null);";
    browser
        .wait(
            "the focus on step 2",
            Duration::from_secs(10),
            focused,
            |v| v == "step-2",
        )
        .await;
    // Reloaded, the run opens at its current step.
    browser.js("location.reload(); return 0;").await;
    browser
        .wait(
            "the focus on step 2 after a reload",
            Duration::from_secs(10),
            focused,
            |v| v == "step-2",
        )
        .await;
    browser.close().await;
    server.shutdown().await;
}
