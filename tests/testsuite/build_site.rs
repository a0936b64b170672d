//! End-to-end: build fixture trees with the real binary and check the site it writes.

use crate::kit;

use kit::tree::{Tree, urls};

fn built() -> Tree {
    let t = Tree::fixture("ops-book");
    t.build().ok();
    t
}

#[test]
fn writes_one_page_per_markdown_file_and_shared_files() {
    let t = built();
    let outs = t.outputs();
    for expected in [
        "index.html",
        "ops/index.html",
        "ops/REDIS.html",
        "ops/deploy.html",
        "ops/alpha.html",
        "ops/zeta.html",
        "backend/MODELS.html",
        "backend/index.html",
        "backend/deep/index.html",
        "backend/deep/nested/index.html",
        "backend/deep/nested/page.html",
        "img/diagram.svg",
        "404.html",
        "_static/nav.js",
        "_static/search-index.js",
        "_static/highlight-light.css",
        "_static/highlight-dark.css",
    ] {
        assert!(
            outs.contains(&expected.to_string()),
            "missing {expected} in {outs:?}"
        );
    }
    assert!(!outs.iter().any(|o| o.ends_with(".md")), "{outs:?}");
    assert!(
        !outs.contains(&"img/index.html".to_string()),
        "asset-only folder became a section"
    );
    assert!(
        !outs.contains(&"sitemap.xml".to_string()),
        "sitemap needs a base URL"
    );
}

#[test]
fn navigation_follows_sections_weights_then_names() {
    let t = built();
    let nav = t.page("_static/nav.js");
    let pos = |needle: &str| {
        nav.find(needle)
            .unwrap_or_else(|| panic!("{needle} not in nav.js:\n{nav}"))
    };
    // sections = ["ops", "backend"]; in ops: REDIS (weight 1), deploy (2), then alpha, zeta.
    assert!(pos("ops/index.html") < pos("backend/index.html"));
    assert!(pos("ops/REDIS.html") < pos("ops/deploy.html"));
    assert!(pos("ops/deploy.html") < pos("ops/alpha.html"));
    assert!(pos("ops/alpha.html") < pos("ops/zeta.html"));
    // Front matter titles win over the first H1.
    assert!(nav.contains("\"Redis cache\""), "{nav}");
    assert!(nav.contains("\"Operations\""), "{nav}");
    assert!(nav.contains("\"Deploy checklist\""), "{nav}");

    // prev/next follow the same order.
    let redis = t.page("ops/REDIS.html");
    assert!(redis.contains("href=\"deploy.html\""), "next link missing");
    assert!(
        redis.contains("href=\"index.html\""),
        "prev link (ops index) missing"
    );
}

#[test]
fn relative_md_links_are_rewritten_and_work_from_any_depth() {
    let t = built();
    let redis = t.page("ops/REDIS.html");
    assert!(
        redis.contains("href=\"../backend/MODELS.html#key-naming\""),
        "{redis}"
    );
    assert!(redis.contains("href=\"deploy.html#restart-both\""));
    assert!(redis.contains("href=\"#install\""));
    assert!(redis.contains("../img/diagram.svg"));
    let home = t.page("index.html");
    assert!(home.contains("href=\"ops/REDIS.html\""));
    assert!(
        home.contains("href=\"ops/index.html\""),
        "folder link → its index page"
    );
    let deep = t.page("backend/deep/nested/page.html");
    assert!(deep.contains("href=\"../../../index.html\""));
    assert!(
        deep.contains("../../../_static/"),
        "assets relative to the root"
    );
}

#[test]
fn no_absolute_urls_so_the_site_works_under_any_subpath_and_from_file() {
    let t = built();
    for rel in t
        .outputs()
        .iter()
        .filter(|o| o.ends_with(".html") && *o != "404.html")
    {
        let html = t.page(rel);
        for url in urls(&html) {
            assert!(
                !url.starts_with('/')
                    && !url.starts_with("http://")
                    && !url.starts_with("https://"),
                "{rel}: absolute URL {url}"
            );
            // Every relative URL (minus fragment) must exist on disk.
            let path = url.split(['#', '?']).next().unwrap();
            if path.is_empty() || url.starts_with("mailto:") || url.starts_with("data:") {
                continue;
            }
            let base = t.out().join(rel);
            let target = base.parent().unwrap().join(path);
            assert!(
                target.exists(),
                "{rel}: link {url} → {} does not exist",
                target.display()
            );
        }
    }
}

#[test]
fn headings_get_unique_ids_anchors_and_a_toc() {
    let t = built();
    let redis = t.page("ops/REDIS.html");
    assert!(redis.contains("id=\"install\""));
    assert!(
        redis.contains("id=\"install-1\""),
        "duplicate heading text gets a suffix"
    );
    assert!(redis.contains("id=\"key-names\""), "explicit id wins");
    assert!(
        redis.contains("href=\"#key-names\""),
        "TOC or anchor link to the heading"
    );
}

#[test]
fn alerts_tables_code_and_probes_render() {
    let t = built();
    let redis = t.page("ops/REDIS.html");
    assert!(
        redis.contains("callout-warning"),
        "alert rendered as callout"
    );
    assert!(redis.contains("<table"), "table rendered");
    assert!(redis.contains("hl-"), "code highlighted with classes");
    assert!(
        redis.contains("data-probe-id=\"fixture-ping\""),
        "probe widget rendered"
    );
    assert!(!redis.contains("```probe"));
    let models = t.page("backend/MODELS.html");
    for lang in ["python", "toml", "yaml"] {
        assert!(
            models.contains(&format!("data-lang=\"{lang}\"")),
            "{lang} block"
        );
    }
}

#[test]
fn search_index_covers_titles_headings_and_text() {
    let t = built();
    let manifest = t.page("_static/search-index.js");
    assert!(
        manifest.starts_with("window.BISK_SEARCH_INDEX"),
        "{}",
        &manifest[..manifest.len().min(80)]
    );
    // The manifest's parts: term shards and page chunks.
    let idx: String = t
        .outputs()
        .iter()
        .filter(|rel| rel.starts_with("_static/search-") && *rel != "_static/search-index.js")
        .map(|rel| t.page(rel))
        .collect();
    assert!(idx.contains("ops/REDIS.html"));
    assert!(
        idx.contains("key-names"),
        "section anchors are in the index"
    );
    assert!(
        idx.to_lowercase().contains("enforcer"),
        "body text terms are in the index"
    );
}

#[test]
fn sitemap_with_base_url() {
    let t = Tree::fixture("ops-book");
    t.run(&["build", "--base-url", "https://intranet.example/docs/"])
        .ok();
    let sm = t.page("sitemap.xml");
    assert!(
        sm.contains("<loc>https://intranet.example/docs/ops/REDIS.html</loc>"),
        "{sm}"
    );
    t.run(&["build", "--base-url", "intranet/docs"])
        .fails_with(2);
}

#[test]
fn broken_links_fail_with_file_line_and_keep_the_previous_site() {
    let t = built();
    let before = t.page("ops/REDIS.html");
    t.write(
        "docs/ops/zeta.md",
        b"# Zeta\n\nA [missing page](nope.md) here.\n\nAnd a [bad anchor](REDIS.md#no-such-heading).\n",
    );
    let run = t.build().fails_with(1);
    let zeta = t.root().join("docs/ops/zeta.md");
    let expect1 = format!("{}:3:", zeta.display());
    let expect2 = format!("{}:5:", zeta.display());
    assert!(run.stderr.contains(&expect1), "{}", run.stderr);
    assert!(run.stderr.contains("nope.md"), "{}", run.stderr);
    assert!(run.stderr.contains(&expect2), "{}", run.stderr);
    assert!(run.stderr.contains("no-such-heading"), "{}", run.stderr);
    assert_eq!(
        t.page("ops/REDIS.html"),
        before,
        "previous site must stay intact"
    );
    let leftovers: Vec<_> = std::fs::read_dir(t.root())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains("bisk-new"))
        .collect();
    assert!(leftovers.is_empty(), "staging folder left behind");

    // The policy can lower broken links to warnings.
    let cfg = std::fs::read_to_string(t.root().join("bisk-docs.toml")).unwrap();
    t.write(
        "bisk-docs.toml",
        format!("{cfg}broken_links = \"warn\"\n").as_bytes(),
    );
    let run = t.build().ok();
    assert!(run.stderr.contains("warning:"), "{}", run.stderr);
}

#[test]
fn bad_front_matter_and_invalid_utf8_are_all_reported_with_paths() {
    let t = Tree::fixture("ops-book");
    t.write(
        "docs/ops/bad.md",
        b"+++\ntitle = \"x\"\nweight = \"3\"\n+++\n# Bad\n",
    );
    t.write("docs/ops/latin1.md", b"# Caf\xe9\n\nok\n");
    let run = t.build().fails_with(1);
    let bad = t.root().join("docs/ops/bad.md");
    let latin = t.root().join("docs/ops/latin1.md");
    assert!(
        run.stderr.contains(&format!("{}:3:", bad.display())),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("weight"), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("{}:1:", latin.display())),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("UTF-8"), "{}", run.stderr);
    assert!(!t.out().exists(), "nothing written on failure");
}

#[test]
fn bad_probe_declarations_fail_the_build_with_file_line() {
    let t = Tree::fixture("ops-book");
    t.write(
        "docs/ops/probes.md",
        b"# Probes\n\ntext\n\n```probe\ncheck = \"redis.pong\"\n```\n\n```probe\ncheck = \"redis.ping\"\nid = \"fixture-ping\"\n```\n",
    );
    let run = t.build().fails_with(1);
    let p = t.root().join("docs/ops/probes.md");
    assert!(
        run.stderr.contains(&format!("{}:", p.display())),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("redis.pong"), "{}", run.stderr);
    assert!(run.stderr.contains("duplicate probe id"), "{}", run.stderr);
}

#[test]
fn refuses_dangerous_output_folders() {
    let t = Tree::fixture("ops-book");
    let docs = t.root().join("docs");
    t.run(&["build", "--out", docs.to_str().unwrap()])
        .fails_with(1);
    t.run(&["build", "--out", t.root().to_str().unwrap()])
        .fails_with(1);
    // A folder with someone else's files is never replaced.
    let foreign = t.root().join("precious");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("thesis.tex"), "years of work").unwrap();
    let run = t
        .run(&["build", "--out", foreign.to_str().unwrap()])
        .fails_with(1);
    assert!(
        run.stderr.contains("not made by bisk-docs"),
        "{}",
        run.stderr
    );
    assert!(foreign.join("thesis.tex").exists());
    // Rebuilding over our own output is fine.
    t.build().ok();
    t.build().ok();
}

#[test]
fn config_errors_and_usage_errors_have_distinct_exit_codes() {
    let t = Tree::fixture("ops-book");
    t.write("bisk-docs.toml", b"title = \"x\"\n[redis]\nurl = 5\n");
    let run = t.build().fails_with(1);
    assert!(run.stderr.contains("bisk-docs.toml:3"), "{}", run.stderr);
    t.run(&["build", "--no-such-flag"]).fails_with(2);
}

#[test]
fn a_bare_docs_folder_builds_with_defaults() {
    let t = Tree::new().file("docs/guide.md", "# Guide\n\nHello.\n");
    t.build().ok();
    assert!(t.page("guide.html").contains("Hello."));
    assert!(
        t.page("index.html").contains("guide.html"),
        "generated home lists the pages"
    );
}

#[test]
fn clean_removes_only_our_output() {
    let t = built();
    t.run(&["clean"]).ok();
    assert!(!t.out().exists());
    std::fs::create_dir_all(t.out()).unwrap();
    std::fs::write(t.out().join("mine.txt"), "not yours").unwrap();
    t.run(&["clean"]).fails_with(1);
    assert!(t.out().join("mine.txt").exists());
}

#[test]
fn init_scaffolds_and_never_overwrites() {
    let t = Tree::new().file("docs/README.md", "# Ours\n");
    let run = t.run(&["init"]).ok();
    assert!(run.stderr.contains("kept"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(t.root().join("docs/README.md")).unwrap(),
        "# Ours\n"
    );
    assert!(t.root().join("bisk-docs.toml").exists());
    t.build().ok();
    // A second init changes nothing.
    let cfg = std::fs::read_to_string(t.root().join("bisk-docs.toml")).unwrap();
    t.run(&["init"]).ok();
    assert_eq!(
        std::fs::read_to_string(t.root().join("bisk-docs.toml")).unwrap(),
        cfg
    );
}

#[test]
fn derived_probe_ids_agree_between_build_and_check() {
    let t = Tree::new()
        .file(
            "docs/ops/GUIDE.md",
            "+++\ntitle = \"G\"\n+++\n# G\n\n```probe\ncheck = \"redis.ping\"\n```\n\ntext\n\n```probe\ncheck = \"tcp.connect\"\naddress = \"127.0.0.1:9\"\n```\n",
        )
        .file("bisk-docs.toml", "[redis]\nurl = \"redis://127.0.0.1:9/1\"\ndeadline = \"200ms\"\n");
    t.build().ok();
    let html = t.page("ops/GUIDE.html");
    let check = t.run(&["check", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&check.stdout).expect(&check.stderr);
    let ids: Vec<String> = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    for id in &ids {
        assert!(
            html.contains(&format!("data-probe-id=\"{id}\"")),
            "{id} not in page"
        );
    }
}
