//! End to end in real headless Chromium: the bundled Redis guide served against a private
//! redis-server; the PING widget turns PASS, turns red with its hint when Redis stops, and
//! the page reloads with new text when the Markdown is edited.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`apt-get install -y chromium
//! chromium-driver`). The browser is driven over the W3C WebDriver protocol by the kit's
//! [`Browser`] (the maintained `fantoccini` client).
//! Set `BISK_SERVE_SCREENSHOT=/path/shot.png` to keep a screenshot of the live widgets.

use crate::kit;

use std::path::Path;
use std::time::{Duration, Instant};

use kit::RedisServer;
use kit::browser::Browser;
use serde_json::json;

const PING_STATUS: &str = "var w = document.querySelector('[data-probe-id=\"redis-ping\"]'); return w ? w.getAttribute('data-status') : null;";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_guide_widgets_live_in_chromium() {
    if kit::browser::skipped("the live widgets browser test") {
        return;
    }
    let redis = RedisServer::start();
    let site = kit::Tree::bundled(&redis.url(1), "[serve]\nprobe_interval = \"1s\"\n");
    // BISK_REDIS_URL would point the probes elsewhere.
    assert!(
        std::env::var_os("BISK_REDIS_URL").is_none(),
        "unset BISK_REDIS_URL to run this test"
    );
    let server = bisk_docs::serve::start(bisk_docs::serve::ServeOptions {
        root: site.root().to_path_buf(),
        config: None,
        bind: Some("127.0.0.1:0".into()),
        ..Default::default()
    })
    .await
    .expect("serve starts");
    let page_url = format!("{}/ops/REDIS_CACHE.html", server.url());

    let browser = Browser::start().await;
    browser.goto(&page_url).await;

    // PASS against the running private Redis.
    browser
        .wait(
            "PING widget to pass",
            Duration::from_secs(20),
            PING_STATUS,
            |v| v == "pass",
        )
        .await;
    let chip = browser
        .js("return document.querySelector('[data-probe-id=\"redis-ping\"] .probe-chip').textContent;")
        .await;
    assert!(chip.as_str().unwrap().contains("PASS"), "chip says {chip}");
    let live = browser
        .js("var w = document.querySelector('[data-probe-id=\"redis-ping\"]'); return [w.querySelector('.probe-checked').textContent, !!w.querySelector('.probe-spark'), !!w.querySelector('.probe-rerun'), w.querySelector('.probe-stats').textContent];")
        .await;
    assert!(live[0].as_str().unwrap().contains("checked"), "{live}");
    assert_eq!(live[1], true, "sparkline");
    assert_eq!(live[2], true, "re-run button");
    assert!(live[3].as_str().unwrap().contains("uptime"), "{live}");
    if let Some(to) = std::env::var_os("BISK_SERVE_SCREENSHOT") {
        // Let a few refreshes fill the sparkline, then frame the widgets.
        tokio::time::sleep(Duration::from_secs(4)).await;
        browser
            .js("var w = document.querySelector('[data-probe-id=\"redis-ping\"]'); window.scrollTo(0, w.getBoundingClientRect().top + window.scrollY - 140); return 0;")
            .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        browser.screenshot(Path::new(&to)).await;
    }

    // The re-run button runs it now, with the page's token.
    let before = server.state.probes().executions();
    browser
        .js("document.querySelector('[data-probe-id=\"redis-ping\"] .probe-rerun').click(); return 0;")
        .await;
    let until = Instant::now() + Duration::from_secs(10);
    while server.state.probes().executions() == before {
        assert!(Instant::now() < until, "re-run click ran nothing");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Stop Redis: the widget turns red and shows the hint with its link.
    drop(redis);
    let status = browser
        .wait(
            "PING widget to fail",
            Duration::from_secs(20),
            PING_STATUS,
            |v| v == "fail" || v == "error",
        )
        .await;
    let hint = browser
        .js("var h = document.querySelector('[data-probe-id=\"redis-ping\"] .probe-hint'); return h ? [h.textContent, h.querySelector('a') ? h.querySelector('a').getAttribute('href') : null] : null;")
        .await;
    assert!(!hint.is_null(), "no hint shown for {status}");
    assert!(!hint[0].as_str().unwrap().is_empty());
    let href = hint[1].as_str().expect("the hint links to the guide");
    // With two or more targets, links carry the page's target (`?target=default`).
    let (path, anchor) = href.split_once('#').expect("an anchor");
    assert!(
        path.ends_with(".html") || path.ends_with(".html?target=default"),
        "hint link {href}"
    );
    assert!(!anchor.is_empty(), "hint link {href}");
    let word = browser
        .js("return document.querySelector('[data-probe-id=\"redis-ping\"] .probe-word').textContent;")
        .await;
    assert!(word == "FAIL" || word == "ERROR", "chip word {word}");

    // Edit the Markdown: the browser reloads and shows the new text.
    browser.js("window.__beforeEdit = true; return 0;").await;
    let md = site.path("docs/ops/REDIS_CACHE.md");
    let text = std::fs::read_to_string(&md).unwrap();
    let marker = "Edited while the browser watched (e2e marker).";
    let edited = text.replacen("\n# ", &format!("\n{marker}\n\n# "), 1);
    let edited = if edited == text {
        format!("{marker}\n\n{text}")
    } else {
        edited
    };
    let tmp = md.with_file_name(".REDIS_CACHE.md.swp-new");
    std::fs::write(&tmp, edited).unwrap();
    std::fs::rename(&tmp, &md).unwrap();
    browser
        .wait(
            "the page to reload with the edit",
            Duration::from_secs(20),
            &format!(
                "return !window.__beforeEdit && document.body.innerText.indexOf({}) >= 0;",
                json!(marker)
            ),
            |v| v == true,
        )
        .await;

    // A broken link: the overlay names file:line and the page keeps its last good text;
    // fixing it clears the overlay.
    let good = std::fs::read_to_string(&md).unwrap();
    let broken = good.replacen(marker, "See [a page that is not there](NOWHERE.md).", 1);
    std::fs::write(&tmp, &broken).unwrap();
    std::fs::rename(&tmp, &md).unwrap();
    let overlay = browser
        .wait(
            "the problem overlay",
            Duration::from_secs(20),
            "var o = document.getElementById('bisk-overlay'); return o && !o.hidden ? o.textContent : null;",
            |v| v.is_string(),
        )
        .await;
    let overlay = overlay.as_str().unwrap();
    assert!(
        overlay.contains("REDIS_CACHE.md:") && overlay.contains("NOWHERE.md"),
        "{overlay}"
    );
    let still = browser
        .js(&format!(
            "return document.body.innerText.indexOf({}) >= 0;",
            json!(marker)
        ))
        .await;
    assert_eq!(still, true, "the last good version stays on screen");
    std::fs::write(&tmp, &good).unwrap();
    std::fs::rename(&tmp, &md).unwrap();
    browser
        .wait(
            "the overlay to clear",
            Duration::from_secs(20),
            "return !document.getElementById('bisk-overlay');",
            |v| v == true,
        )
        .await;

    // serve goes away: the page says so.
    server.shutdown().await;
    let banner = browser
        .wait(
            "the unreachable banner",
            Duration::from_secs(20),
            "var b = document.getElementById('bisk-offline'); return b ? b.textContent : null;",
            |v| v.is_string(),
        )
        .await;
    assert!(banner.as_str().unwrap().contains("unreachable"), "{banner}");
    let word = browser
        .wait(
            "the PING widget to say UNREACHABLE",
            Duration::from_secs(10),
            "return document.querySelector('[data-probe-id=\"redis-ping\"] .probe-word').textContent;",
            |v| v == "UNREACHABLE",
        )
        .await;
    assert_eq!(word, "UNREACHABLE");
    browser.close().await;
}
