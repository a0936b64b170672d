//! What the first search costs at 10,000 pages, in headless Chromium: the bytes of the
//! index files the browser fetched for it (every script search.js adds to the page, as a
//! MutationObserver sees them, sized from the files on disk: `file://` loads leave no
//! Performance resource entries) must be at most 1 MB, and the results must be on screen
//! within 100 ms of the last part arriving.
//!
//! Generating and indexing 10,000 pages is slow in a debug build, so the test is opt-in
//! and run by `benches/search_first_fetch.sh` (release).

use std::time::Duration;

use crate::kit::browser::Browser;

/// Runs before search.js (which is deferred): the parts object search.js adopts records
/// when each part's data arrives, i.e. when its script has run.
const ARRIVALS: &str = r#"<script>
window.__arrived = {};
window.BISK_SEARCH_PARTS = new Proxy({}, { set: function (t, k, v) {
  t[k] = v; window.__arrived[k] = performance.now(); return true;
} });
</script></head>"#;

/// Loads the page fresh, searches `query` once, and returns (bytes of index files fetched,
/// ms from the last part's arrival to results on screen, the same from the last term
/// shard's arrival (ranking, then fetching the result chunks), number of results, files).
async fn first_search(
    browser: &Browser,
    out: &std::path::Path,
    query: &str,
) -> (u64, f64, f64, usize, Vec<String>) {
    browser
        .goto(&format!("file://{}", out.join("ops/DEPLOY.html").display()))
        .await;
    let start = r#"
        var box = document.getElementById("search-results"), input = document.getElementById("search-input");
        window.__shown = null;
        window.__parts = [];
        new MutationObserver(function (changes) {
          changes.forEach(function (c) {
            c.addedNodes.forEach(function (n) {
              if (n.tagName !== "SCRIPT" || !/_static\/search-/.test(n.src)) return;
              window.__parts.push(n.src);
            });
          });
        }).observe(document.head, { childList: true });
        new MutationObserver(function () {
          if (window.__shown === null && box.querySelector("a, .r-empty:not(:empty)") &&
              !/^Loading/.test(box.textContent)) window.__shown = performance.now();
        }).observe(box, { childList: true, subtree: true });
        input.focus();
        input.value = __Q__;
        input.dispatchEvent(new Event("input"));
        return true;
    "#
    .replace("__Q__", &serde_json::to_string(query).unwrap());
    browser.js(&start).await;
    browser
        .wait(
            "search results",
            Duration::from_secs(60),
            "return window.__shown;",
            |v| v.is_number(),
        )
        .await;
    let v = browser
        .js(r##"
            var times = Object.keys(window.__arrived).map(function (k) { return window.__arrived[k]; });
            return {
              shown: window.__shown,
              names: window.__parts,
              last: Math.max.apply(null, times),
              lastShard: Math.max.apply(null, Object.keys(window.__arrived).filter(function (k) {
                return k[0] === "t";
              }).map(function (k) { return window.__arrived[k]; })),
              results: document.querySelectorAll("#search-results a").length,
            };
        "##)
        .await;
    let names: Vec<String> = v["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect();
    let mut bytes = 0;
    for name in &names {
        let path = name
            .strip_prefix("file://")
            .and_then(|p| p.split('?').next())
            .unwrap_or_else(|| panic!("unexpected URL {name}"));
        bytes += std::fs::metadata(path)
            .unwrap_or_else(|e| panic!("{path}: {e}"))
            .len();
    }
    let (Some(shown), Some(last)) = (v["shown"].as_f64(), v["last"].as_f64()) else {
        panic!("no timings: {v}");
    };
    let after = shown - last;
    let after_shard = v["lastShard"].as_f64().map_or(f64::NAN, |t| shown - t);
    (
        bytes,
        after,
        after_shard,
        v["results"].as_u64().unwrap() as usize,
        names,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "10,000 pages: slow in debug builds; run by benches/search_first_fetch.sh"]
async fn first_search_at_10000_pages_fetches_at_most_1_mb() {
    if crate::kit::browser::skipped("the first-search browser test") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    let theme = crate::kit::render::write_theme_static(out);
    // `BISK_FIRST_FETCH_PAGES` tries the test on a smaller site.
    let n = std::env::var("BISK_FIRST_FETCH_PAGES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let pages = crate::search_size::generated_pages(n);
    let started = std::time::Instant::now();
    let files = crate::kit::render::search_index(&pages);
    let built = started.elapsed();
    let total: usize = files.iter().map(|(_, t)| t.len()).sum();
    for (rel, text) in &files {
        crate::kit::render::write_file(out, rel, text.as_bytes());
    }
    crate::kit::render::write_file(
        out,
        "_static/nav.js",
        bisk_docs::theme::nav_js(&bisk_docs::theme::NavNode {
            title: "Docs".into(),
            url: Some("index.html".into()),
            children: vec![],
        })
        .as_bytes(),
    );
    crate::kit::render::write_file(
        out,
        "ops/DEPLOY.html",
        crate::search_browser::search_page(&theme)
            .replacen("</head>", ARRIVALS, 1)
            .as_bytes(),
    );
    println!(
        "{n} pages: index {:.1} MB in {} files, built in {:.0} ms",
        total as f64 / 1e6,
        files.len(),
        built.as_secs_f64() * 1e3
    );

    let browser = Browser::start().await;
    // A common word, a one-letter prefix (its terms may span shards), two words, a rare
    // made-up word: each the first search of a freshly loaded page.
    for query in [
        "redis",
        "r",
        "restart service",
        "cache timeout worker",
        "tenka",
    ] {
        let (bytes, after, after_shard, results, names) = first_search(&browser, out, query).await;
        println!(
            "first search {query:?}: {results} results, {} files, {:.0} KB fetched, shown {after:.1} ms after the last part arrived ({after_shard:.1} ms after the last term shard)",
            names.len(),
            bytes as f64 / 1024.0
        );
        assert!(results > 0, "{query:?} finds something");
        assert!(
            names.iter().any(|n| n.contains("search-index.js")),
            "{names:?}"
        );
        assert!(bytes <= 1024 * 1024, "{query:?}: {bytes} bytes: {names:?}");
        assert!(
            after <= 100.0,
            "{query:?}: results {after} ms after the last part"
        );
    }
    browser.close().await;
}
