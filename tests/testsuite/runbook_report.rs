//! What a run's report says happened, from real runs against a private redis-server: a PID
//! that stood still across the restart step, a probe failing from start to end, and probes
//! whose only change is a relative age.

use crate::kit;

use kit::django::crumbs;
use kit::runbook::{Walk, run_ids, site};
use kit::{RedisServer, bisk_docs};

fn report(root: &std::path::Path, id: &str, format: &str) -> String {
    let (code, out, err) = bisk_docs(root, &["runbook", "report", id, "--format", format], &[]);
    assert_eq!(code, 0, "{out}{err}");
    out
}

#[test]
fn a_pid_unchanged_across_the_restart_step_is_unexpected_and_a_probe_failing_throughout_is_still_failing()
 {
    let redis = RedisServer::start();
    // Breadcrumbs two hours old: the breadcrumbs probe fails at the start and at the end.
    crumbs(&redis, 2 * 3600);
    let tmp = tempfile::tempdir().unwrap();
    let site = site(&redis.url(1), &tmp.path().join("m"));
    let root = site.root();
    let (code, out, err) = bisk_docs(
        root,
        &["runbook", "ops/DEPLOY.md", "--yes", "--operator", "ci"],
        &[],
    );
    assert_eq!(code, 1, "{out}{err}");
    let id = run_ids(root).remove(0);

    let md = report(root, &id, "md");
    let attention = md
        .split("## Attention")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("an Attention section");
    assert!(
        attention.contains("*Breadcrumbs are fresh* (`t-crumbs`) still failing"),
        "{md}"
    );
    let table = md.split("## Before and after").nth(1).unwrap();
    // Step 2 restarted the enforcer, yet running_pid is the same: UNEXPECTED, not "changed".
    assert!(
        table.contains("**UNEXPECTED** bisk:1:enforcer:running\\_pid")
            && table.contains("same PID although step 2 (Restart the enforcer) restarted"),
        "{table}"
    );
    assert!(!table.contains("**changed**"), "{table}");
    // Redis answered PONG before and after: not a row, only counted.
    assert!(!table.contains("Redis answers PONG"), "{table}");
    assert!(table.contains("1 probe unchanged"), "{table}");

    let json: serde_json::Value = serde_json::from_str(&report(root, &id, "json")).unwrap();
    assert_eq!(json["still_failing"], serde_json::json!(["t-crumbs"]));
    assert_eq!(json["unchanged"], 1);
    let rows = json["before_after"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["still_failing"], true);
    let pid = rows[0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["what"].as_str().unwrap().ends_with("running_pid"))
        .expect("the PID is reported");
    assert_eq!(pid["verdict"], "unexpected");

    let html = report(root, &id, "html");
    assert!(html.contains("still failing"), "{html}");
}

#[test]
fn a_value_whose_only_change_is_its_relative_age_is_not_listed() {
    let redis = RedisServer::start();
    crumbs(&redis, 5);
    let tmp = tempfile::tempdir().unwrap();
    let site = site(&redis.url(1), &tmp.path().join("m"));
    let root = site.root();
    let mut walk = Walk::start(root, &["runbook", "ops/DEPLOY.md", "--operator", "ci"]);
    walk.wait_for("[q]uit [?] > ");
    // Long enough for "5 s ago" at the start to read "7 s ago" or more at the end.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    for n in 1..=3 {
        walk.send("d");
        walk.wait_for_n("> ", n + 1);
    }
    walk.wait_for("Every step is done or skipped.");
    walk.send("f");
    walk.wait_for("Report: bisk-docs runbook report");
    let (code, out) = walk.finish();
    assert_eq!(code, 0, "{out}");
    let id = run_ids(root).remove(0);

    let json: serde_json::Value = serde_json::from_str(&report(root, &id, "json")).unwrap();
    let observed = |snap: &str| {
        json["run"][snap]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == "t-crumbs")
            .unwrap()["observed"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (before, after) = (observed("before"), observed("after"));
    assert_ne!(before, after, "the ages moved between the two snapshots");
    for row in json["before_after"].as_array().unwrap() {
        for c in row["changes"].as_array().unwrap() {
            assert_ne!(c["what"], "observed", "an age-only change listed: {c}");
        }
    }
    let md = report(root, &id, "md");
    let table = md.split("## Before and after").nth(1).unwrap();
    assert!(!table.contains("observed:"), "{table}");
    assert!(!table.contains("Redis answers PONG"), "{table}");
}
