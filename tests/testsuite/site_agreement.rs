//! One loader decides which files are pages: `check`, `build --snapshot`, runbook walks, the
//! built site and `serve`'s probe API agree on the pages and their probes, for a tree with
//! hidden folders and files, `.markdown` pages, a symlinked folder inside `docs/` and
//! files that are not Markdown. Against a private redis-server.
//!
//! They all read one page index (`content::index`: one walk, one parse per page, one
//! function from probe fences to declarations), so this holds by construction; the test
//! stays as the guard that it keeps holding.

use std::collections::BTreeSet;
use std::path::Path;

use bisk_docs::runbook::Guide;

use crate::kit::{self, RedisServer, Tree, closed_port};

const PING: &str = "## Check\n\n```probe\ncheck = \"redis.ping\"\n```\n";

/// A probe that can only fail: if anything runs it, `--fail-on-probe` and `check` say so.
fn failing(id: &str) -> String {
    format!(
        "# Draft\n\n## Step\n\n```probe\nid = \"{id}\"\ncheck = \"tcp.connect\"\naddress = \"127.0.0.1:{}\"\n```\n",
        closed_port()
    )
}

fn tree(redis_url: &str) -> Tree {
    let t = Tree::site(
        &format!("title = \"Agree\"\n[redis]\nurl = \"{redis_url}\"\ndeadline = \"2s\"\n"),
        &[
            ("README.md", "# Home\n\nSee [extra](ops/extra.markdown).\n"),
            (
                "ops/A.md",
                "# A\n\n## Check\n\n```probe\nid = \"a\"\ncheck = \"redis.ping\"\n```\n",
            ),
            (
                "ops/extra.markdown",
                "# Extra\n\n## Check\n\n```probe\nid = \"extra\"\ncheck = \"redis.ping\"\n```\n",
            ),
            ("shared/CHECK.md", &format!("# Shared\n\n{PING}")),
            (".drafts/wip.md", &failing("wip")),
            ("ops/.hidden.md", &failing("hidden-file")),
            ("ops/notes.txt", "not a page\n"),
        ],
    );
    t.write("docs/img/a.png", b"\x89PNG\r\n\x1a\n");
    std::os::unix::fs::symlink("../shared", t.path("docs/ops/shared")).unwrap();
    t
}

/// The probe pages and ids of the tree: hidden ones left out, the `.markdown` page and the
/// page reached through the link in.
fn expected() -> BTreeSet<(String, String)> {
    [
        ("ops/A.md", "a"),
        ("ops/extra.markdown", "extra"),
        ("ops/shared/CHECK.md", "ops-shared-check-1"),
        ("shared/CHECK.md", "shared-check-1"),
    ]
    .iter()
    .map(|(p, i)| (p.to_string(), i.to_string()))
    .collect()
}

/// Every `data-probe-id` in the built site's pages, and the pages' output paths.
fn site_probes(t: &Tree) -> (BTreeSet<String>, Vec<String>) {
    let mut ids = BTreeSet::new();
    let pages: Vec<String> = t
        .outputs()
        .into_iter()
        .filter(|p| p.ends_with(".html") && p != "404.html")
        .collect();
    for p in &pages {
        let html = t.page(p);
        for part in html.split("data-probe-id=\"").skip(1) {
            ids.insert(part[..part.find('"').unwrap()].to_string());
        }
    }
    (ids, pages)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_snapshot_runbook_site_and_serve_agree_on_pages_and_probes() {
    let redis = RedisServer::start();
    let t = tree(&redis.url(1));
    let want = expected();
    let want_ids: BTreeSet<String> = want.iter().map(|(_, i)| i.clone()).collect();

    // check: every probe of every page, and nothing hidden (the hidden ones would fail).
    let check = t.run(&["check", "--format", "json"]).ok();
    let got: BTreeSet<(String, String)> = check.json()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["page"].as_str().unwrap().to_string(),
                r["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(got, want, "check");

    // The built site: the same probes; the `.markdown` page written as HTML; nothing
    // hidden published; non-Markdown files copied as they are.
    t.build().ok();
    let (ids, pages) = site_probes(&t);
    assert_eq!(ids, want_ids, "site");
    for page in [
        "index.html",
        "ops/A.html",
        "ops/extra.html",
        "shared/CHECK.html",
        "ops/shared/CHECK.html",
    ] {
        assert!(pages.iter().any(|p| p == page), "{page} missing: {pages:?}");
    }
    let outputs = t.outputs();
    assert!(
        !outputs
            .iter()
            .any(|o| o.ends_with(".markdown") || o.contains(".drafts") || o.contains(".hidden")),
        "{outputs:?}"
    );
    assert!(outputs.iter().any(|o| o == "ops/notes.txt"), "{outputs:?}");
    assert!(outputs.iter().any(|o| o == "img/a.png"), "{outputs:?}");
    assert!(t.page("index.html").contains("href=\"ops/extra.html\""));

    // build --snapshot runs exactly those probes: all pass, and a hidden one (which can only
    // fail) would trip --fail-on-probe.
    t.run(&["build", "--snapshot", "--fail-on-probe"]).ok();
    let passed: usize = site_probes(&t)
        .1
        .iter()
        .map(|p| t.page(p).matches("data-status=\"pass\"").count())
        .sum();
    assert_eq!(passed, want.len(), "snapshot results");

    // A runbook walks exactly the site's pages, with the same probes.
    let docs = t.path("docs");
    for (page, id) in &want {
        let g = Guide::load(&docs, Path::new(page))
            .unwrap_or_else(|e| panic!("runbook refused {page}: {e}"));
        assert_eq!(g.page, *page);
        let ids: Vec<&str> = g.probes.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, [id.as_str()], "{page}");
    }
    for hidden in [".drafts/wip.md", "ops/.hidden.md", "ops/notes.txt"] {
        assert!(
            Guide::load(&docs, Path::new(hidden)).is_err(),
            "runbook walked {hidden}"
        );
    }

    // serve: its probe API lists the same probes on the same pages.
    let server = t.serve(true).await;
    let list = kit::serve::get(server.addr, "/api/probes").await.json();
    let got: BTreeSet<(String, String)> = list["probes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["page"].as_str().unwrap().to_string(),
                p["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(got, want, "serve");
    assert_eq!(
        kit::serve::get(server.addr, "/ops/extra.html").await.status,
        200
    );
}

/// Regression: a `.markdown` page was copied into the site as `ops/extra.markdown` (HTML
/// under a Markdown name) and `check` never saw its probes.
#[test]
fn a_markdown_page_is_html_and_its_probes_are_checked() {
    let redis = RedisServer::start();
    let t = Tree::site(
        &format!("[redis]\nurl = \"{}\"\n", redis.url(1)),
        &[(
            "ops/extra.markdown",
            "# Extra\n\n```probe\nid = \"extra\"\ncheck = \"redis.ping\"\n```\n",
        )],
    );
    t.build().ok();
    assert!(t.page("ops/extra.html").contains("data-probe-id=\"extra\""));
    assert!(!t.out().join("ops/extra.markdown").exists());
    let check = t.run(&["check", "--format", "json"]).ok();
    assert_eq!(
        check.json()["results"][0]["id"],
        "extra",
        "{}",
        check.stdout
    );
}

/// Regression: a guide in a hidden folder, which the site does not publish, could still be
/// walked as a runbook (and offered as one).
#[test]
fn a_hidden_page_is_no_page_anywhere() {
    let t = Tree::site(
        "",
        &[
            ("README.md", "# Home\n"),
            (".drafts/wip.md", &failing("wip")),
        ],
    );
    // The hidden guide's failing probe is not run: nothing is left to judge.
    t.run(&["check"])
        .fails_with(1)
        .stderr_has("nothing was judged: no probe matched");
    t.build().ok();
    assert!(!t.outputs().iter().any(|o| o.contains("wip")));
    let err = Guide::load(&t.path("docs"), Path::new(".drafts/wip.md")).unwrap_err();
    assert!(err.to_string().contains("not a Markdown page"), "{err}");
}
