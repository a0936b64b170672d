//! The bundled guides stay true: they build with no broken link or invalid probe, and their
//! Redis-side probes pass against a Redis holding a healthy state written by the real Django
//! cache (tests/fixtures/django_writer), and fail with the right hints against stale and
//! misconfigured states.
//!
//! Host-side probes (systemd units, the journal, the web app's `/dash/system/`) are left out
//! of the `check` runs: the test machine has neither systemd nor the BISK web process.

use crate::kit;

use kit::{RedisServer, repo};

/// Writes Django cache state through the real Django (the writer the team uses), with
/// this process as the enforcer's live PID.
fn write_state(redis: &RedisServer, scenarios: &[&str]) {
    let pid = std::process::id().to_string();
    let mut args = scenarios.to_vec();
    args.extend(["--pid", &pid]);
    kit::django::write_state(&redis.url(1), &args);
}

/// Runs `check --format json` on the Redis-side guides; returns (exit code, results).
fn check(redis: &RedisServer) -> (i32, Vec<serde_json::Value>) {
    let run = kit::tree::run_in(
        repo(),
        &[
            "check",
            "--format",
            "json",
            "docs/ops/REDIS_CACHE.md",
            "docs/backend",
        ],
        &[("BISK_REDIS_URL", &redis.url(1))],
    );
    let doc = run.json();
    let results = doc["results"].as_array().cloned().unwrap_or_default();
    assert!(
        results.len() >= 10,
        "expected the guides' probes, got {}",
        results.len()
    );
    (run.code, results)
}

fn by_id<'a>(results: &'a [serde_json::Value], id: &str) -> &'a serde_json::Value {
    results
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no probe {id} in results"))
}

fn summary(results: &[serde_json::Value]) -> String {
    results
        .iter()
        .map(|r| format!("{} {} {}", r["status"], r["id"], r["summary"]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The only warnings are the ones the guides carry on purpose until a team adopts them
/// (issue 14): values nobody has set yet and sections still to be written. No broken link,
/// no other warning, no error.
#[test]
fn bundled_docs_build_without_warnings() {
    let out_dir = tempfile::tempdir().unwrap();
    let site = out_dir.path().join("site");
    let run = kit::tree::run_in(repo(), &["build", "--out", site.to_str().unwrap()], &[]).ok();
    let stderr = run.stderr;
    for line in stderr.lines().filter(|l| l.contains("warning")) {
        assert!(
            line.contains(": unset value `") || line.contains(": to be written by the team: "),
            "{line}\n{stderr}"
        );
    }
    assert!(!stderr.contains("error"), "{stderr}");
    for page in [
        "index.html",
        "ops/REDIS_CACHE.html",
        "ops/ENFORCER_SYSTEMD_GUIDE.html",
        "ops/DEPLOY_CHECKLIST.html",
        "backend/SCHEDULER_OVERVIEW.html",
        "backend/MODELS_GUIDE.html",
    ] {
        assert!(site.join(page).is_file(), "{page} missing");
    }
    let redis = std::fs::read_to_string(site.join("ops/REDIS_CACHE.html")).unwrap();
    for anchor in [
        "troubleshooting-a",
        "troubleshooting-f",
        "ping-gotchas",
        "security",
    ] {
        assert!(
            redis.contains(&format!("id=\"{anchor}\"")),
            "anchor {anchor}"
        );
    }
    assert!(redis.contains("data-probe-id=\"redis-ping\""));
}

#[test]
fn healthy_django_state_passes() {
    let redis = RedisServer::start();
    write_state(&redis, &["healthy", "ping"]);
    let (code, results) = check(&redis);
    let bad: Vec<_> = results
        .iter()
        .filter(|r| r["status"] == "fail" || r["status"] == "error")
        .collect();
    assert!(
        bad.is_empty(),
        "unexpected failures:\n{}",
        summary(&results)
    );
    assert_eq!(code, 0, "{}", summary(&results));
    assert_eq!(
        by_id(&results, "cache-shared-breadcrumbs")["status"],
        "pass"
    );
    assert_eq!(by_id(&results, "redis-ping")["status"], "pass");
}

#[test]
fn stale_breadcrumbs_fail_with_the_enforcer_hint() {
    let redis = RedisServer::start();
    write_state(&redis, &["stale"]);
    let (code, results) = check(&redis);
    assert_eq!(code, 1, "{}", summary(&results));
    let crumbs = by_id(&results, "cache-shared-breadcrumbs");
    assert_eq!(crumbs["status"], "fail", "{}", summary(&results));
    let text = crumbs.to_string();
    assert!(text.contains("ago"), "age shown: {text}");
    assert!(
        crumbs["hint"]["link"].is_string(),
        "hint with a link: {text}"
    );
}

#[test]
fn wrong_db_is_diagnosed_as_such() {
    let redis = RedisServer::start();
    write_state(&redis, &["wrong-db"]);
    let (code, results) = check(&redis);
    assert_eq!(code, 1);
    let key = by_id(&results, "enforcer-last-run-key");
    assert_eq!(key["status"], "fail", "{}", summary(&results));
    assert!(
        key["summary"].as_str().unwrap_or("").contains("db 0"),
        "the miss names the DB where the key is: {key}"
    );
    // The keys sit in db 0, where they must not be: that probe fails too.
    assert_eq!(
        by_id(&results, "no-bisk-keys-in-db0")["status"],
        "fail",
        "{}",
        summary(&results)
    );
}

#[test]
fn legacy_unprefixed_keys_are_flagged_with_the_cleanup() {
    let redis = RedisServer::start();
    write_state(&redis, &["healthy", "ping", "legacy-unprefixed"]);
    let (code, results) = check(&redis);
    let legacy = by_id(&results, "no-legacy-enforcer-keys");
    // Keys a process still touches: FAIL (the table's row for recently used legacy keys),
    // and the guides' breadcrumb probes warn about them.
    assert_eq!(legacy["status"], "fail", "{}", summary(&results));
    assert_eq!(
        by_id(&results, "cache-shared-breadcrumbs")["status"],
        "warn",
        "{}",
        summary(&results)
    );
    assert!(legacy.to_string().contains(":1:enforcer:"), "{legacy}");
    assert!(
        legacy["hint"]["link"]
            .as_str()
            .is_some_and(|l| l.contains("troubleshooting-f")),
        "{legacy}"
    );
    // A failing probe fails the run: `check` exits 1.
    assert_eq!(code, 1, "{}", summary(&results));
}
