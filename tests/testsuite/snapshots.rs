//! Snapshots of what readers and scripts see, reviewed like code (`snapshots/`): rendered
//! HTML (headings and their ids, alerts, code blocks, probe widgets in a static build),
//! `check` as a table, as JSON and with a declaration error, and a runbook's Markdown
//! report. Volatile parts are redacted (`kit::snap::redacted`); substring tests elsewhere
//! keep checking the details.

use crate::kit;

use insta::{assert_json_snapshot, assert_snapshot};
use kit::django::crumbs;
use kit::render::render;
use kit::snap::{article, redacted};
use kit::{RedisServer, Tree};

#[test]
fn html_headings_and_ids() {
    let r = render(include_str!("../fixtures/render/headings.md"));
    redacted(|| assert_snapshot!("html_headings", r.html));
}

#[test]
fn html_alerts() {
    let r = render(include_str!("../fixtures/render/alerts.md"));
    redacted(|| assert_snapshot!("html_alerts", r.html));
}

#[test]
fn html_code_blocks() {
    let r = render(
        "```toml\n[redis]\nurl = \"redis://cache.internal:6379/1\" # the app's cache\n```\n\n\
         ```console\n$ redis-cli -n 1 ping\nPONG\n```\n\n\
         ```no-such-language\nshown <as> is & escaped\n```\n",
    );
    redacted(|| assert_snapshot!("html_code_blocks", r.html));
}

#[test]
fn html_hostile_input_is_escaped() {
    let r = render(include_str!("../fixtures/render/hostile.md"));
    redacted(|| assert_snapshot!("html_hostile", r.html));
}

/// A probe page as `build` writes it for a static site: the widgets with their titles and
/// declarations, no live code.
#[test]
fn html_static_probe_widgets() {
    let tree = Tree::site(
        "title = \"Snap\"\n[redis]\nurl = \"redis://127.0.0.1:6379/1\"\n",
        &[(
            "ops/REDIS.md",
            "# Redis\n\n## Checks\n\n```probe\nid = \"ping\"\ncheck = \"redis.ping\"\n\
             title = \"Redis answers PONG\"\n```\n\n```probe\nid = \"crumbs\"\n\
             check = \"enforcer.breadcrumbs\"\ntitle = \"Breadcrumbs are fresh\"\n\
             max_age = \"10m\"\n```\n",
        )],
    );
    tree.build().ok();
    redacted(|| assert_snapshot!("html_static_widgets", article(&tree.page("ops/REDIS.html"))));
}

fn check_site() -> std::path::PathBuf {
    kit::fixture_path("check-site")
}

#[test]
fn check_table_healthy() {
    let r = RedisServer::start();
    crumbs(&r, 0);
    let run = kit::tree::run_in(&check_site(), &["check"], &[("BISK_REDIS_URL", &r.url(1))]).ok();
    redacted(|| assert_snapshot!("check_table_healthy", run.stdout));
}

#[test]
fn check_table_failing() {
    let r = RedisServer::start();
    // No breadcrumbs at all: the breadcrumbs probe fails and says what to do.
    let run = kit::tree::run_in(&check_site(), &["check"], &[("BISK_REDIS_URL", &r.url(1))])
        .fails_with(1);
    redacted(|| assert_snapshot!("check_table_failing", run.stdout));
}

#[test]
fn check_table_redis_down() {
    // Every Redis probe errors with the same connect error: one cause block, the hint once.
    let url = format!("redis://127.0.0.1:{}/1", kit::closed_port());
    let run =
        kit::tree::run_in(&check_site(), &["check"], &[("BISK_REDIS_URL", &url)]).fails_with(1);
    redacted(|| assert_snapshot!("check_table_redis_down", run.stdout));
}

#[test]
fn check_json_healthy() {
    let r = RedisServer::start();
    crumbs(&r, 0);
    let run = kit::tree::run_in(
        &check_site(),
        &["check", "--format", "json"],
        &[("BISK_REDIS_URL", &r.url(1))],
    )
    .ok();
    redacted(|| assert_json_snapshot!("check_json_healthy", run.json()));
}

#[test]
fn check_declaration_error() {
    let tree = Tree::site(
        "title = \"t\"\n",
        &[(
            "ops/T.md",
            "# T\n\n```probe\nid = \"p\"\ncheck = \"redis.ping\"\ntarget = \"prod\"\n```\n",
        )],
    );
    let run = tree.run(&["check"]).fails_with(2);
    redacted(|| assert_snapshot!("check_declaration_error", run.stderr));
}

#[test]
fn runbook_report_md() {
    let redis = RedisServer::start();
    crumbs(&redis, 30);
    let tmp = tempfile::tempdir().unwrap();
    let site = kit::runbook::site(&redis.url(1), &tmp.path().join("m"));
    let root = site.root();
    kit::tree::run_in(
        root,
        &["runbook", "ops/DEPLOY.md", "--yes", "--operator", "ci"],
        &[],
    )
    .ok();
    let id = kit::runbook::run_ids(root).remove(0);
    let run = kit::tree::run_in(root, &["runbook", "report", &id, "--format", "md"], &[]).ok();
    redacted(|| {
        let mut s = insta::Settings::clone_current();
        s.add_filter(&regex::escape(&id), "[RUN-ID]");
        s.bind(|| assert_snapshot!("runbook_report_md", run.stdout));
    });
}
