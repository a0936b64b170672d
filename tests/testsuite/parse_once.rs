//! Each page is parsed once. The Markdown entry point counts every parser it makes
//! ([`parse_count`]): a `build` (with `--snapshot` too, whose probes come from the same page
//! index) makes exactly one per page, and a running `serve` answers `/runs/`, a guide's
//! start page and `/status/` from the index it serves, with no parse at all. The count is
//! process-wide, so each test runs alone in a child process ([`kit::alone`]).

use bisk_docs::content::markdown::parse_count;

use crate::kit::{self, Tree, closed_port};

/// A probe that fails fast (nothing listens): runs without any server.
fn probe(id: &str) -> String {
    format!(
        "```probe\nid = \"{id}\"\ncheck = \"tcp.connect\"\naddress = \"127.0.0.1:{}\"\n```\n",
        closed_port()
    )
}

/// A site of `pages` Markdown files: guides with front matter, steps, tasks, code,
/// links and probes, plain pages, and a folder without an index (its index is generated,
/// not parsed).
fn tree() -> (Tree, usize) {
    let deploy = format!(
        "+++\ntitle = \"Deploy\"\n+++\n# Deploy\n\n## Prepare\n\n- [ ] Announce it\n- [ ] Take a backup\n\n```bash\nsystemctl stop web\n```\n\n## Check\n\n{}\nBack [home](../README.md).\n",
        probe("deploy-port")
    );
    let checks = format!(
        "---\ntitle: Checks\n---\n\n## One\n\n{}\n## Two\n\n> [!NOTE]\n> quoted\n\n{}",
        probe("checks-a"),
        probe("checks-b")
    );
    let mut pages: Vec<(String, String)> = vec![
        (
            "README.md".into(),
            "# Home\n\nSee [deploy](ops/DEPLOY.md) and [checks](ops/CHECKS.md#one).\n".into(),
        ),
        ("ops/DEPLOY.md".into(), deploy),
        ("ops/CHECKS.md".into(), checks),
    ];
    for i in 0..9 {
        pages.push((
            format!("notes/n{i}.md"),
            format!("# Note {i}\n\nText with `code`, a table:\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nAnd a footnote[^1].\n\n[^1]: here.\n"),
        ));
    }
    let refs: Vec<(&str, &str)> = pages
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let t = Tree::site(
        &format!(
            "title = \"Once\"\n[redis]\nurl = \"redis://127.0.0.1:{}/0\"\nconnect_timeout = \"300ms\"\ndeadline = \"1s\"\n",
            closed_port()
        ),
        &refs,
    );
    (t, pages.len())
}

/// Runs `bisk-docs ARGS --root ROOT` in this process; the parses it made.
fn parses_of(t: &Tree, args: &[&str]) -> usize {
    let before = parse_count();
    let mut argv = vec!["bisk-docs".to_string()];
    argv.extend(args.iter().map(|a| a.to_string()));
    argv.extend([
        "--root".to_string(),
        t.root().display().to_string(),
        "--quiet".into(),
    ]);
    let code = bisk_docs::cli::run_from(argv);
    assert_eq!(code, std::process::ExitCode::SUCCESS, "{args:?} failed");
    parse_count() - before
}

#[test]
fn a_build_parses_each_page_once() {
    if kit::alone("parse_once::a_build_parses_each_page_once") {
        return;
    }
    let (t, pages) = tree();
    assert_eq!(parses_of(&t, &["build"]), pages, "plain build");
    assert!(
        t.page("ops/DEPLOY.html")
            .contains("data-probe-id=\"deploy-port\"")
    );
    // The snapshot's probes come from the same index the site renders from.
    assert_eq!(
        parses_of(&t, &["build", "--snapshot"]),
        pages,
        "build --snapshot"
    );
    assert!(t.page("ops/CHECKS.html").contains("checks-b"));
}

#[test]
fn serve_answers_runs_and_status_without_parsing() {
    if kit::alone("parse_once::serve_answers_runs_and_status_without_parsing") {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (t, pages) = tree();
        let before_start = parse_count();
        let server = kit::serve::with_runbooks(t.root()).await;
        server.state.complete().await;
        // Loading the site parsed each page once; highlighting re-renders from the
        // documents.
        assert_eq!(parse_count() - before_start, pages, "serve's load");
        let before = parse_count();
        for _ in 0..2 {
            let runs = kit::serve::get(server.addr, "/runs/").await;
            assert_eq!(runs.status, 200, "{}", runs.body);
            assert!(runs.body.contains("Deploy"), "{}", runs.body);
            assert!(runs.body.contains("Checks"), "{}", runs.body);
            let start = kit::serve::get(server.addr, "/runs/start?page=ops/DEPLOY.md").await;
            assert_eq!(start.status, 200, "{}", start.body);
            assert!(start.body.contains("Prepare"), "{}", start.body);
            let status = kit::serve::get(server.addr, "/status/").await;
            assert_eq!(status.status, 200, "{}", status.body);
            assert!(status.body.contains("deploy-port"), "{}", status.body);
        }
        assert_eq!(
            parse_count(),
            before,
            "GET /runs/ and /status/ parsed Markdown"
        );
    });
}
