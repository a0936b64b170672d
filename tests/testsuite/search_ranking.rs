//! Ranking of the real search.js in headless Chromium, against a golden fixture: the top
//! 10 results of 50 queries (single words, prefixes, several words, stop words, rare and
//! common terms, no match) over 400 generated pages (`search_size::generated_pages`, fixed
//! seed). The fixture `tests/fixtures/search_ranking_golden.json` was recorded with the
//! single-file index (before sharding); a change to how the index is split or loaded must
//! give the same top 10. To re-record after a deliberate ranking change, run with
//! `BISK_UPDATE_SEARCH_GOLDEN=1` and say in the commit which rows changed and why.

use std::collections::BTreeMap;
use std::path::Path;

use crate::kit::browser::Browser;

pub(crate) const QUERIES: &[&str] = &[
    // Single common and rarer words.
    "redis",
    "cache",
    "enforcer",
    "restart",
    "timeout",
    "prometheus",
    "failover",
    "maxmemory",
    "run",
    "ttl",
    "cpu",
    "shell",
    "heartbeat",
    "certificate",
    "gunicorn",
    // Prefixes (the last word is a prefix), down to one letter.
    "r",
    "re",
    "red",
    "cach",
    "pro",
    "fail",
    "sec",
    "ka",
    "vex",
    "zen",
    "qua",
    "dor",
    "ten",
    "kar",
    "brav",
    // Several words.
    "redis cache",
    "restart service",
    "django timeout",
    "backup restore",
    "celery queue",
    "nginx latency",
    "token rotate",
    "disk alert",
    "primary replica",
    "session secret",
    "redis cache timeout",
    "check service status worker",
    // A trailing space: every word exact.
    "redis ",
    "pro ",
    // Stop words and case.
    "the redis",
    "check the",
    "a",
    "REDIS Cache",
    // Unusual: digits, and nothing at all.
    "ka1",
    "zzzqqq",
];

/// Types every query into the search box of `page` and returns the first 10 result links
/// of each, as the page shows them.
pub(crate) async fn top10(browser: &Browser, page: &Path) -> BTreeMap<String, Vec<String>> {
    browser.goto(&format!("file://{}", page.display())).await;
    let script = r#"
        var queries = __QUERIES__, out = {};
        var input = document.getElementById("search-input");
        var box = document.getElementById("search-results");
        input.focus();
        function settle(q) {
          return new Promise(function (resolve, reject) {
            var until = Date.now() + 20000;
            (function poll() {
              var empty = box.querySelector(".r-empty");
              var links = box.querySelectorAll("a");
              if (links.length || (empty && !/^Loading/.test(empty.textContent))) {
                resolve(Array.prototype.map.call(links, function (a) {
                  return a.getAttribute("href");
                }).slice(0, 10));
              } else if (Date.now() > until) {
                reject(new Error("no results for " + q + ": " + box.innerHTML));
              } else {
                setTimeout(poll, 10);
              }
            })();
          });
        }
        return (async function () {
          for (var i = 0; i < queries.length; i++) {
            box.textContent = "";
            input.value = queries[i];
            input.dispatchEvent(new Event("input"));
            out[queries[i]] = await settle(queries[i]);
          }
          return out;
        })();
    "#
    .replace("__QUERIES__", &serde_json::to_string(QUERIES).unwrap());
    let v = browser.js(&script).await;
    serde_json::from_value(v).expect("query → links")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn top_10_of_50_queries_match_the_golden_ranking() {
    if crate::kit::browser::skipped("the search ranking browser test") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    let theme = crate::kit::render::write_theme_static(out);
    let pages = crate::search_size::generated_pages(400);
    crate::kit::render::write_search_index(out, &pages);
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
        crate::search_browser::search_page(&theme).as_bytes(),
    );

    let browser = Browser::start().await;
    let got = top10(&browser, &out.join("ops/DEPLOY.html")).await;
    browser.close().await;

    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/search_ranking_golden.json");
    if std::env::var_os("BISK_UPDATE_SEARCH_GOLDEN").is_some() {
        let mut json = serde_json::to_string_pretty(&got).unwrap();
        json.push('\n');
        std::fs::write(&fixture, json).unwrap();
    }
    let want: BTreeMap<String, Vec<String>> =
        serde_json::from_str(&std::fs::read_to_string(&fixture).unwrap()).unwrap();
    assert_eq!(want.len(), QUERIES.len(), "fixture has every query");
    // Most queries must find something, or the comparison would prove little.
    let found = want.values().filter(|l| !l.is_empty()).count();
    assert!(found >= 45, "only {found} queries have results: {want:?}");
    for q in QUERIES {
        assert_eq!(got.get(*q), want.get(*q), "top 10 for {q:?} changed");
    }
}
