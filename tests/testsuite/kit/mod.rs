//! The one test kit of the suite, in the spirit of mdBook's `BookTest`: write a tree
//! (config and pages, [`tree::Tree`]), run a command (`build`, `check`, `runbook`, `serve`),
//! and assert on files, stdout and the exit code with `#[track_caller]` helpers that print
//! the run's output when they fail ([`tree::Run`]).
//!
//! The real parts the tests need are helpers of this kit, each started privately and torn
//! down on drop (also on panic): a `redis-server` on a free loopback port and a peer that
//! never answers ([`redis`]), `serve` in process with a raw HTTP/SSE client ([`serve`]), an
//! interactive `runbook` process ([`runbook`]), Chromium driven through WebDriver
//! ([`browser`]), and real Django writing cache state ([`django`]). Probes are run in
//! process with [`probe`]; snapshots of volatile output go through [`snap`].
#![allow(dead_code)]

pub mod alone;
pub mod browser;
pub mod django;
pub mod nginx;
pub mod postgres;
pub mod probe;
pub mod process;
pub mod redis;
pub mod render;
pub mod runbook;
pub mod serve;
pub mod snap;
pub mod system;
pub mod tmux;
pub mod tree;

use std::path::{Path, PathBuf};

pub use alone::alone;
pub use redis::{BlackHole, RedisOptions, RedisServer, closed_port, free_port};
pub use tree::{Tree, bisk_docs};

/// The repository (for its fixtures, bundled docs and themes).
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The manual's page `manual/docs/<rel>` (the manual is a bisk-docs site: `manual/`).
pub fn manual_page(rel: &str) -> String {
    let path = repo().join("manual/docs").join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The body of `## {heading}` on the manual's verdict tables page (`manual/docs/verdicts.md`),
/// up to the next `## `: one check's table with the text around it.
pub fn manual_verdict_section(heading: &str) -> String {
    let page = manual_page("verdicts.md");
    let marker = format!("\n## {heading}\n");
    let body = page
        .split(marker.as_str())
        .nth(1)
        .unwrap_or_else(|| panic!("manual/docs/verdicts.md has no `## {heading}`"));
    body.split("\n## ").next().unwrap_or(body).to_string()
}

/// `tests/fixtures/<rel>` in the repository.
pub fn fixture_path(rel: &str) -> PathBuf {
    repo().join("tests/fixtures").join(rel)
}

/// Copies the folder `src` into `dst` (created), files and subfolders.
pub fn copy_dir(src: &Path, dst: &Path) {
    for e in walkdir::WalkDir::new(src) {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(src).unwrap();
        let to = dst.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
}
