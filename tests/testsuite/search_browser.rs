//! search.js in a real browser: a site built in a temp folder is opened from `file://` in
//! headless Chromium (the kit's `dump_dom`), queries are typed into the search box, and the result links are read
//! back from the DOM. Fails when Chromium is missing unless `BISK_SKIP_BROWSER_TESTS` is set.

use crate::kit::render::section;
use std::time::Duration;

use bisk_docs::site::search::{SearchDoc, build_index};
use bisk_docs::theme::{NavNode, PageContext, nav_js};

/// Types each query, waits for the results, records the result hrefs (and which one is
/// selected after one ArrowDown), then prints everything as JSON into `<pre id="out">`.
const DRIVER: &str = r##"<script>
window.addEventListener("load", function () {
  var queries = __QUERIES__, out = {}, input = document.getElementById("search-input");
  input.focus();
  function step(i) {
    if (i === queries.length) {
      var pre = document.createElement("pre");
      pre.id = "out";
      pre.textContent = JSON.stringify(out);
      document.body.appendChild(pre);
      return;
    }
    input.value = queries[i];
    input.dispatchEvent(new Event("input"));
    setTimeout(function () {
      var links = Array.prototype.map.call(document.querySelectorAll("#search-results a"), function (a) {
        return a.getAttribute("href");
      });
      input.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
      var sel = document.querySelector('#search-results a[aria-selected="true"]');
      out[queries[i]] = { links: links, selected: sel ? sel.getAttribute("href") : null,
        empty: (document.querySelector("#search-results .r-empty") || {}).textContent || null };
      step(i + 1);
    }, 400);
  }
  setTimeout(function () { step(0); }, 300);
});
</script></body>"##;

#[test]
fn search_box_finds_and_deep_links_from_file_urls() {
    if crate::kit::browser::skipped("the search.js browser test") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    let theme = crate::kit::render::write_theme_static(out);
    let write = |rel: &str, bytes: &[u8]| crate::kit::render::write_file(out, rel, bytes);
    let nav = NavNode {
        title: "Docs".into(),
        url: Some("index.html".into()),
        children: vec![],
    };
    write("_static/nav.js", nav_js(&nav).as_bytes());

    let a = [
        section("", "", "The web process and the enforcer share one cache."),
        section(
            "keys",
            "Keys the enforcer writes",
            "last_run and last_ok timestamps.",
        ),
        section(
            "expiry-and-ttl",
            "Expiry and TTL",
            "Entries expire after 300 seconds.",
        ),
    ];
    let b = [
        section("", "", "Restart the enforcer after each deploy."),
        section(
            "rollback",
            "Rolling back",
            "Redis is not touched by a rollback.",
        ),
    ];
    let c = [section(
        "größe",
        "Größe",
        "缓存失效 bedeutet: der Cache ist abgelaufen.",
    )];
    let docs = [
        SearchDoc {
            url: "ops/REDIS_CACHE.html",
            title: "Redis cache",
            sections: &a,
        },
        SearchDoc {
            url: "ops/DEPLOY.html",
            title: "Deploying",
            sections: &b,
        },
        SearchDoc {
            url: "i18n/DE.html",
            title: "Überblick",
            sections: &c,
        },
    ];
    for (rel, text) in build_index(&docs) {
        write(&rel, text.as_bytes());
    }

    let queries = [
        "enforcer keys",
        "redis ttl",
        "rollb",
        "REDIS",
        "缓存",
        "GRÖßE",
        "zzzqqq",
        "the enforcer",
        "enforcer",
    ];
    let html = search_page(&theme).replace(
        "</body>",
        &DRIVER.replace("__QUERIES__", &serde_json::to_string(&queries).unwrap()),
    );
    write("ops/DEPLOY.html", html.as_bytes());

    let dom = crate::kit::browser::dump_dom(
        &format!("file://{}", out.join("ops/DEPLOY.html").display()),
        Duration::from_secs(10),
    );
    let json = dom
        .split("<pre id=\"out\">")
        .nth(1)
        .and_then(|s| s.split("</pre>").next())
        .unwrap_or_else(|| panic!("driver output missing; DOM:\n{dom}"))
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    let res: serde_json::Value = serde_json::from_str(&json).unwrap();
    let links = |q: &str| -> Vec<String> {
        res[q]["links"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };

    // Both words in one heading: that section first, linked from this page's depth.
    assert_eq!(
        links("enforcer keys")[0],
        "../ops/REDIS_CACHE.html#keys",
        "{res}"
    );
    // Title word + heading word: the TTL section of the Redis page; DEPLOY's rollback
    // section mentions Redis but not TTL, so it is not a match.
    assert_eq!(
        links("redis ttl"),
        vec!["../ops/REDIS_CACHE.html#expiry-and-ttl"],
        "{res}"
    );
    // The last word is a prefix.
    assert_eq!(links("rollb")[0], "../ops/DEPLOY.html#rollback", "{res}");
    // Case-insensitive; the page whose title matches ranks above a text mention.
    assert_eq!(links("REDIS")[0], "../ops/REDIS_CACHE.html", "{res}");
    assert!(
        links("REDIS").contains(&"../ops/DEPLOY.html#rollback".to_string()),
        "{res}"
    );
    assert_eq!(links("缓存"), vec!["../i18n/DE.html#größe"], "{res}");
    assert_eq!(links("GRÖßE"), vec!["../i18n/DE.html#größe"], "{res}");
    assert!(links("zzzqqq").is_empty());
    assert!(
        res["zzzqqq"]["empty"]
            .as_str()
            .unwrap()
            .starts_with("No results"),
        "{res}"
    );
    // Stop words are ignored rather than matched.
    assert_eq!(links("the enforcer"), links("enforcer"), "{res}");
    assert_eq!(links("enforcer").len(), 3, "{res}");
    // ArrowDown moves the selection from the first result to the second.
    let many = links("REDIS");
    assert_eq!(
        res["REDIS"]["selected"].as_str(),
        Some(many[1].as_str()),
        "{res}"
    );
}

/// `ops/DEPLOY.html` as the default theme renders it: a page one folder deep with the
/// search box, for tests that drive search.js.
pub(crate) fn search_page(theme: &bisk_docs::theme::Theme) -> String {
    let ctx = PageContext {
        site_title: "Docs".into(),
        title: "Deploying".into(),
        description: None,
        extra: Default::default(),
        content: "<h1 id=\"deploying\">Deploying</h1>".into(),
        toc: vec![],
        breadcrumbs: vec![],
        prev: None,
        next: None,
        root: "../".into(),
        page_url: "ops/DEPLOY.html".into(),
        section: Some("ops".into()),
        is_home: false,
        children: vec![],
        edit_path: "ops/DEPLOY.md".into(),
        generator: "bisk-docs 0.1.0".into(),
        live_reload: false,
        serve: false,
        probe_api: None,
        walkthrough_url: None,
        target: "default".into(),
        targets: Vec::new(),
        snapshot: None,
        default_target: "default".into(),
        target_place: String::new(),
    };
    theme.render_page(&ctx).unwrap()
}
