//! The probe widget is the theme's `probe.html`, drawn by the server for built pages and for
//! every live result, and swapped in by the page's script (real headless Chromium): a theme
//! that overrides it changes both, and values read from Redis stay text on the way.

use crate::kit;

use std::time::Duration;

use kit::RedisServer;
use kit::browser::Browser;

/// A site whose probes go to `redis_url`, with a PING probe and a cache key probe (`evil`)
/// whose value the test writes; `theme` (a folder) when given.
fn site(redis_url: &str, theme: Option<&str>) -> kit::Tree {
    let theme = theme
        .map(|t| format!("theme = \"{t}\"\n"))
        .unwrap_or_default();
    kit::Tree::site(
        &format!(
            "title = \"Widgets\"\n{theme}[redis]\nurl = \"{redis_url}\"\nconnect_timeout = \"500ms\"\ndeadline = \"1s\"\n[serve]\nprobe_interval = \"1s\"\n"
        ),
        &[
            ("README.md", "# Home\n"),
            (
                "ops/REDIS.md",
                "# Redis\n\n```probe\nid = \"ping\"\ncheck = \"redis.ping\"\ntitle = \"Redis answers PONG\"\n```\n\n\
                 ```probe\nid = \"evil\"\ncheck = \"cache.key\"\nkey = \"evil\"\nequals = \"calm\"\ntitle = \"The evil key\"\n```\n",
            ),
        ],
    )
}

/// Django's pickle of the str `s` (protocol 5, a short str), as `cache.set` writes it.
fn pickled(s: &str) -> Vec<u8> {
    assert!(s.len() < 256);
    let mut out = b"\x80\x05\x8c".to_vec();
    out.push(s.len() as u8);
    out.extend_from_slice(s.as_bytes());
    out.push(b'.');
    out
}

const MY_WIDGET: &str = "<div class=\"probe\" id=\"probe-{{ probe.id }}\" data-probe-id=\"{{ probe.id }}\" data-status=\"{{ chip.status }}\">\
<p class=\"my-widget\">{{ probe.title }} says {% if result %}{{ result.word }}{% if live %} live{% endif %}{% else %}nothing yet{% endif %}</p></div>\n";

fn widget_text(id: &str) -> String {
    format!(
        "var w = document.querySelector('[data-probe-id=\"{id}\"] .my-widget'); return w ? w.textContent : null;"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_theme_overriding_the_widget_draws_built_and_live_widgets() {
    if kit::browser::skipped("the widget theme browser test") {
        return;
    }
    let redis = RedisServer::start();
    let tree = site(&redis.url(1), Some("mytheme"));
    tree.write("mytheme/templates/probe.html", MY_WIDGET.as_bytes());

    // `build`: the page's widget is the theme's.
    tree.build().ok();
    let page = tree.page("ops/REDIS.html");
    assert!(
        page.contains("<p class=\"my-widget\">Redis answers PONG says nothing yet</p>"),
        "{page}"
    );
    assert!(!page.contains("probe-description"), "{page}");

    // `serve`: the page and every live result too.
    let server = tree.serve(false).await;
    let browser = Browser::start().await;
    browser
        .goto(&format!("{}/ops/REDIS.html", server.url()))
        .await;
    let first = browser
        .wait(
            "the PING widget drawn by the theme with a live result",
            Duration::from_secs(20),
            &widget_text("ping"),
            |v| v == "Redis answers PONG says PASS live",
        )
        .await;
    assert_eq!(first, "Redis answers PONG says PASS live");
    let inside = browser
        .js("var w = document.querySelector('[data-probe-id=\"ping\"]'); return [w.getAttribute('data-status'), w.children.length, !!w.querySelector('.probe-chip, .probe-summary')];")
        .await;
    assert_eq!(inside, serde_json::json!(["pass", 1, false]));

    // Redis goes away: the next results reach the open page through the event stream,
    // drawn by the theme again.
    drop(redis);
    browser
        .wait(
            "the PING widget to turn red through the event stream",
            Duration::from_secs(20),
            &widget_text("ping"),
            |v| {
                v == "Redis answers PONG says ERROR live"
                    || v == "Redis answers PONG says FAIL live"
            },
        )
        .await;
    browser.close().await;
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hostile_cache_values_stay_text_in_the_live_widget() {
    if kit::browser::skipped("the hostile live widget browser test") {
        return;
    }
    let redis = RedisServer::start();
    let evil =
        "</pre><img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=2</script>&amp;";
    redis.set(1, "bisk:1:evil", &pickled(evil), None);
    let tree = site(&redis.url(1), None);
    let server = tree.serve(false).await;

    // The server's drawing: every character of the value escaped.
    let mut events = kit::serve::EventStream::open(server.addr, "ops/REDIS.html").await;
    let api = kit::serve::get(server.addr, "/api/probes/evil")
        .await
        .json();
    assert_eq!(api["status"], "fail", "{api}");
    let html = api["html"].as_str().expect("the API sends the widget");
    let from_event = events
        .wait_for("probe", Duration::from_secs(20), |e| {
            e.json()["probe"]["id"] == "evil"
        })
        .await
        .expect("a probe event for the evil key");
    let event_html = from_event.json()["probe"]["html"]
        .as_str()
        .expect("the event sends the widget")
        .to_string();
    for drawn in [html, event_html.as_str()] {
        assert!(drawn.contains("&lt;img src=x onerror="), "{drawn}");
        assert!(drawn.contains("&lt;/pre&gt;"), "{drawn}");
        assert!(drawn.contains("&amp;amp;"), "{drawn}");
        assert!(
            !drawn.contains("<img") && !drawn.contains("<script") && !drawn.contains("</pre><img"),
            "{drawn}"
        );
    }

    // In the browser: the value is the widget's text, nothing of it became an element or
    // ran.
    let browser = Browser::start().await;
    browser
        .goto(&format!("{}/ops/REDIS.html", server.url()))
        .await;
    browser
        .wait(
            "the evil key's widget to fail with its value",
            Duration::from_secs(20),
            "var w = document.querySelector('[data-probe-id=\"evil\"]'); return w && w.querySelector('.probe-compare pre') ? w.getAttribute('data-status') : null;",
            |v| v == "fail",
        )
        .await;
    // A few live updates later (the interval is one second), still text.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let seen = browser
        .js("var w = document.querySelector('[data-probe-id=\"evil\"]'); return [w.querySelector('.probe-compare pre').textContent, w.querySelectorAll('img, script').length, document.querySelectorAll('img[src=x]').length, typeof window.__pwned, w.querySelectorAll('.probe-compare').length];")
        .await;
    let observed = seen[0].as_str().unwrap();
    assert!(observed.contains(evil), "{seen}");
    assert_eq!(seen[1], 0, "{seen}");
    assert_eq!(seen[2], 0, "{seen}");
    assert_eq!(seen[3], "undefined", "{seen}");
    assert_eq!(seen[4], 1, "{seen}");
    browser.close().await;
    server.shutdown().await;
}
