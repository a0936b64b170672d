//! Live reload: real files edited on disk, real watcher, events read from `/api/events`
//! over a socket.

use crate::kit;

use std::time::{Duration, Instant};

use kit::RedisServer;
use kit::Tree;
use kit::serve::{EventStream, get};

const WAIT: Duration = Duration::from_secs(15);

fn fixture(redis: &RedisServer, extra: &str) -> Tree {
    kit::serve::site(
        &redis.url(1),
        &format!("[serve]\nprobe_interval = \"1h\"\n{extra}"),
    )
}

fn pages_of(ev: &kit::serve::SseEvent) -> Option<Vec<String>> {
    ev.json()["pages"].as_array().map(|a| {
        a.iter()
            .map(|p| p.as_str().unwrap_or("").to_string())
            .collect()
    })
}

/// The pages of the next `reload` event on `stream` (None: every page).
async fn next_reload(stream: &mut EventStream, after: &str) -> Option<Vec<String>> {
    let ev = stream
        .wait_for("reload", WAIT, |_| true)
        .await
        .unwrap_or_else(|| panic!("no reload event after {after}"));
    pages_of(&ev)
}

fn only(page: &str) -> Option<Vec<String>> {
    Some(vec![page.to_string()])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn editing_a_page_reloads_only_browsers_showing_it() {
    let redis = RedisServer::start();
    let site = fixture(&redis, "");
    let server = site.serve(false).await;
    let addr = server.addr;
    let mut redis_page = EventStream::open(addr, "ops/REDIS.html").await;
    let mut other_page = EventStream::open(addr, "ops/OTHER.html").await;
    assert_eq!(redis_page.status, 200);
    assert!(redis_page.wait_for("hello", WAIT, |_| true).await.is_some());
    assert!(other_page.wait_for("hello", WAIT, |_| true).await.is_some());

    let text = std::fs::read_to_string(site.path("docs/ops/REDIS.md")).unwrap();
    let saved = Instant::now();
    site.save_atomically(
        "docs/ops/REDIS.md",
        &text.replace("First version of the text.", "Second version of the text."),
    );
    let pages = next_reload(&mut redis_page, "saving the page").await;
    eprintln!("save → reload event: {:?}", saved.elapsed());
    assert_eq!(pages, only("ops/REDIS.html"));
    let page = get(addr, "/ops/REDIS.html").await;
    assert!(page.body.contains("Second version of the text."));
    // The other page's browser was not told to reload. Waiting a while for nothing would
    // pass when that reload is merely slow; instead edit the other page as a marker: events
    // on one stream arrive in order, so a reload sent for the first edit would come first.
    let other = std::fs::read_to_string(site.path("docs/ops/OTHER.md")).unwrap();
    site.save_atomically("docs/ops/OTHER.md", &format!("{other}\nMarker edit.\n"));
    assert_eq!(
        next_reload(&mut other_page, "editing the other page").await,
        only("ops/OTHER.html"),
        "the other page's first reload must be for its own edit"
    );
    // And the Redis page's browser is not told about the other page's edit: its next
    // reload is for its own next edit.

    // A body-only edit leaves navigation alone; a new heading updates the search index.
    let before = get(addr, "/_static/search-index.js").await.body;
    let text = std::fs::read_to_string(site.path("docs/ops/REDIS.md")).unwrap();
    site.save_atomically(
        "docs/ops/REDIS.md",
        &format!("{text}\n## Freshly added heading\n"),
    );
    assert_eq!(
        next_reload(&mut redis_page, "adding a heading").await,
        only("ops/REDIS.html")
    );
    let after = get(addr, "/_static/search-index.js").await.body;
    assert_ne!(before, after);
    // Headings are shown from the manifest's page chunks.
    let manifest: serde_json::Value = serde_json::from_str(
        after
            .strip_prefix("window.BISK_SEARCH_INDEX=")
            .and_then(|s| s.trim_end().strip_suffix(';'))
            .expect("manifest is one assignment"),
    )
    .unwrap();
    let mut after = String::new();
    for n in 0..manifest["docs"].as_array().unwrap().len() {
        after.push_str(&get(addr, &format!("/_static/search-d{n}.js")).await.body);
    }
    assert!(after.contains("Freshly added heading") || after.contains("freshly-added-heading"));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_broken_page_keeps_the_last_good_output_and_shows_the_error() {
    let redis = RedisServer::start();
    let site = fixture(&redis, "");
    let server = site.serve(false).await;
    let addr = server.addr;
    let mut events = EventStream::open(addr, "ops/REDIS.html").await;
    let hello = events.wait_for("problems", WAIT, |_| true).await.unwrap();
    assert_eq!(hello.json()["problems"].as_array().unwrap().len(), 0);

    let good = std::fs::read_to_string(site.path("docs/ops/REDIS.md")).unwrap();
    // A broken link (line 5): the page keeps its last good output.
    let broken = good.replace(
        "First version of the text.",
        "Broken edit.\n\nSee [nowhere](MISSING.md).",
    );
    site.save_atomically("docs/ops/REDIS.md", &broken);
    let ev = events
        .wait_for_problems(WAIT, true)
        .await
        .expect("problems event");
    let problem = &ev.json()["problems"][0];
    assert!(
        problem["file"]
            .as_str()
            .unwrap()
            .ends_with("docs/ops/REDIS.md"),
        "{problem}"
    );
    assert_eq!(problem["line"], 5, "{problem}");
    assert!(problem["message"].as_str().unwrap().contains("MISSING.md"));
    // Still the last good version.
    let page = get(addr, "/ops/REDIS.html").await;
    assert!(page.body.contains("First version of the text."));
    assert!(!page.body.contains("Broken edit."));
    let api = get(addr, "/api/problems").await.json();
    assert_eq!(api["problems"].as_array().unwrap().len(), 1);

    // Fixing it clears the overlay and reloads.
    site.save_atomically(
        "docs/ops/REDIS.md",
        &good.replace("First version", "Fixed version"),
    );
    events
        .wait_for_problems(WAIT, false)
        .await
        .expect("problems cleared");
    events
        .wait_for("reload", WAIT, |_| true)
        .await
        .expect("reload");
    assert!(
        get(addr, "/ops/REDIS.html")
            .await
            .body
            .contains("Fixed version")
    );

    // An invalid probe declaration (an unknown target): reported at the fence's line, with
    // the key's file:line in the message; the page renders with the error in the widget's
    // place, and fixing the declaration clears it.
    let fixed = std::fs::read_to_string(site.path("docs/ops/REDIS.md")).unwrap();
    let fence = fixed.lines().count() + 2;
    site.save_atomically(
        "docs/ops/REDIS.md",
        &format!(
            "{fixed}\n```probe\nid = \"bad\"\ncheck = \"redis.ping\"\ntarget = \"prod\"\n```\n"
        ),
    );
    let ev = events
        .wait_for_problems(WAIT, true)
        .await
        .expect("probe declaration problem");
    let problem = &ev.json()["problems"][0];
    assert!(
        problem["file"]
            .as_str()
            .unwrap()
            .ends_with("docs/ops/REDIS.md"),
        "{problem}"
    );
    assert_eq!(problem["line"], fence, "{problem}");
    let message = problem["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("REDIS.md:{}:", fence + 3))
            && message.contains("unknown target \"prod\""),
        "{problem}"
    );
    let api = get(addr, "/api/problems").await.json();
    assert_eq!(api["problems"].as_array().unwrap().len(), 1, "{api}");
    site.save_atomically("docs/ops/REDIS.md", &fixed);
    events
        .wait_for_problems(WAIT, false)
        .await
        .expect("probe problem cleared");
    let api = get(addr, "/api/problems").await.json();
    assert_eq!(api["problems"].as_array().unwrap().len(), 0, "{api}");

    // Bad front matter: reported with its line, last good page kept.
    site.save_atomically("docs/ops/REDIS.md", "+++\ntitle = \n+++\n# Redis\n");
    let ev = events
        .wait_for_problems(WAIT, true)
        .await
        .expect("front matter problem");
    assert!(
        ev.json()["problems"][0]["line"].as_u64().unwrap() >= 1,
        "{}",
        ev.data
    );
    assert!(
        get(addr, "/ops/REDIS.html")
            .await
            .body
            .contains("Fixed version")
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn theme_changes_swap_css_and_rerender_templates() {
    let redis = RedisServer::start();
    let site = fixture(&redis, "");
    // A theme folder overriding the stylesheet and nothing else yet.
    let config = std::fs::read_to_string(site.path("bisk-docs.toml")).unwrap();
    std::fs::write(
        site.path("bisk-docs.toml"),
        format!("theme = \"mytheme\"\n{config}"),
    )
    .unwrap();
    std::fs::create_dir_all(site.path("mytheme/static")).unwrap();
    std::fs::create_dir_all(site.path("mytheme/templates")).unwrap();
    std::fs::write(
        site.path("mytheme/static/style.css"),
        "body { color: red }\n",
    )
    .unwrap();
    let server = site.serve(false).await;
    let addr = server.addr;
    let mut events = EventStream::open(addr, "ops/REDIS.html").await;
    events.wait_for("hello", WAIT, |_| true).await.unwrap();

    std::fs::write(
        site.path("mytheme/static/style.css"),
        "body { color: blue }\n",
    )
    .unwrap();
    let ev = events
        .wait_for("stylesheet", WAIT, |_| true)
        .await
        .expect("stylesheet event");
    assert_eq!(ev.json()["files"][0], "_static/style.css");
    assert!(get(addr, "/_static/style.css").await.body.contains("blue"));

    // A template override re-renders every page.
    let default_page = include_str!("../../themes/default/templates/page.html");
    std::fs::write(
        site.path("mytheme/templates/page.html"),
        default_page.replacen(
            "{%- block main %}",
            "{%- block main %}<p id=\"tpl-marker\">custom template</p>",
            1,
        ),
    )
    .unwrap();
    let ev = events
        .wait_for("reload", WAIT, |_| true)
        .await
        .expect("reload");
    assert!(ev.json()["pages"].is_null(), "all pages: {}", ev.data);
    assert!(
        get(addr, "/ops/OTHER.html")
            .await
            .body
            .contains("tpl-marker")
    );

    // A broken template keeps the last good output and reports the template.
    std::fs::write(
        site.path("mytheme/templates/page.html"),
        "{% block main %}{{ oops(",
    )
    .unwrap();
    let ev = events
        .wait_for_problems(WAIT, true)
        .await
        .expect("template problem");
    assert!(ev.data.contains("page.html"), "{}", ev.data);
    assert!(
        get(addr, "/ops/OTHER.html")
            .await
            .body
            .contains("tpl-marker")
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn added_and_removed_pages_reload_the_site() {
    let redis = RedisServer::start();
    let site = fixture(&redis, "");
    let server = site.serve(false).await;
    let addr = server.addr;
    let mut events = EventStream::open(addr, "ops/OTHER.html").await;
    events.wait_for("hello", WAIT, |_| true).await.unwrap();
    assert_eq!(get(addr, "/ops/NEW.html").await.status, 404);

    site.save_atomically("docs/ops/NEW.md", "# A new page\n\nHello.\n");
    let ev = events
        .wait_for("reload", WAIT, |_| true)
        .await
        .expect("reload");
    assert!(ev.json()["pages"].is_null());
    let new = get(addr, "/ops/NEW.html").await;
    assert_eq!(new.status, 200);
    assert!(new.body.contains("A new page"));
    assert!(
        get(addr, "/_static/nav.js")
            .await
            .body
            .contains("A new page")
    );

    std::fs::remove_file(site.path("docs/ops/NEW.md")).unwrap();
    events
        .wait_for("reload", WAIT, |_| true)
        .await
        .expect("reload");
    assert_eq!(get(addr, "/ops/NEW.html").await.status, 404);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn shutdown_ends_open_event_streams() {
    let redis = RedisServer::start();
    let site = fixture(&redis, "");
    let server = site.serve(false).await;
    let addr = server.addr;
    let mut streams = Vec::new();
    for _ in 0..5 {
        let mut s = EventStream::open(addr, "ops/REDIS.html").await;
        s.wait_for("hello", WAIT, |_| true).await.unwrap();
        streams.push(s);
    }
    assert_eq!(server.state.metrics().sse_clients(), 5);
    let state = server.state.clone();
    let t = Instant::now();
    tokio::time::timeout(Duration::from_secs(10), server.shutdown())
        .await
        .expect("shutdown does not wait for browsers");
    assert!(t.elapsed() < Duration::from_secs(5));
    for s in &mut streams {
        assert!(
            s.closed_within(Duration::from_secs(5)).await,
            "stream left open"
        );
    }
    assert_eq!(state.metrics().sse_clients(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn config_changes_rebuild_everything_and_bad_config_is_reported() {
    let redis = RedisServer::start();
    let site = fixture(&redis, "");
    let server = site.serve(false).await;
    let addr = server.addr;
    let mut events = EventStream::open(addr, "ops/OTHER.html").await;
    events.wait_for("hello", WAIT, |_| true).await.unwrap();

    let config = std::fs::read_to_string(site.path("bisk-docs.toml")).unwrap();
    site.save_atomically(
        "bisk-docs.toml",
        &config.replace("title = \"Serve test\"", "title = \"Renamed site\""),
    );
    let ev = events
        .wait_for("reload", WAIT, |_| true)
        .await
        .expect("reload");
    assert!(ev.json()["pages"].is_null());
    assert!(
        get(addr, "/ops/OTHER.html")
            .await
            .body
            .contains("Renamed site")
    );

    site.save_atomically("bisk-docs.toml", "title = \"x\"\nno_such_key = 1\n");
    let ev = events
        .wait_for_problems(WAIT, true)
        .await
        .expect("config problem");
    assert!(ev.data.contains("no_such_key"), "{}", ev.data);
    assert!(
        get(addr, "/ops/OTHER.html")
            .await
            .body
            .contains("Renamed site")
    );

    site.save_atomically("bisk-docs.toml", &config);
    events
        .wait_for_problems(WAIT, false)
        .await
        .expect("config problem cleared");
    server.shutdown().await;
}
