//! `bisk-docs check` end to end: the built binary on a fixture docs tree against private
//! redis-servers — exit codes, the table, JSON and JUnit shapes, secrets kept out.

use crate::kit;

use std::path::PathBuf;
use std::time::Duration;

use kit::{RedisOptions, RedisServer, bisk_docs, closed_port};

fn site() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check-site")
}

/// Fresh breadcrumbs of a live enforcer (this process).
fn healthy(r: &RedisServer) {
    kit::django::crumbs(r, 0);
}

fn check(url: &str, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    bisk_docs(&site(), &all, &[("BISK_REDIS_URL", url)])
}

#[test]
fn healthy_site_passes_with_a_table() {
    let r = RedisServer::start();
    healthy(&r);
    let (code, out, err) = check(&r.url(1), &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("✔ PASS") && out.contains("Redis answers PONG"),
        "{out}"
    );
    assert!(
        out.contains("6 probes: 6 pass, 0 warn, 0 fail, 0 error, 0 skipped"),
        "{out}"
    );
    assert!(!out.contains('\x1b'), "no colour when not a TTY");
}

#[test]
fn json_document_shape() {
    let r = RedisServer::start();
    healthy(&r);
    let (code, out, err) = check(&r.url(1), &["--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    assert_eq!(doc["summary"]["total"], 6);
    let results = doc["results"].as_array().unwrap();
    for r in results {
        for field in [
            "id",
            "page",
            "check",
            "status",
            "summary",
            "expected",
            "observed",
            "evidence",
            "hint",
            "duration_ms",
            "checked_at",
            "target",
        ] {
            assert!(r.get(field).is_some(), "missing {field} in {r}");
        }
        assert!(
            ["pass", "warn", "fail", "error", "skipped"].contains(&r["status"].as_str().unwrap())
        );
        assert!(r["checked_at"].as_str().unwrap().ends_with('Z'));
    }
    let key = results
        .iter()
        .find(|r| r["id"] == "ops-redis-cache-3")
        .expect("derived id");
    assert_eq!(key["observed"], "'pong'");
    assert_eq!(key["page"], "ops/REDIS_CACHE.md");
    assert_eq!(
        results[0]["page"], "backend/COMMANDS.md",
        "pages in sorted order"
    );
}

#[test]
fn failures_exit_1_and_junit_reports_them() {
    let r = RedisServer::start();
    // No breadcrumbs: the breadcrumbs probe fails.
    let (code, out, _) = check(&r.url(1), &["--format", "junit"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("<?xml"), "{out}");
    assert!(
        out.contains(
            "<testsuites name=\"bisk-docs check\" tests=\"6\" failures=\"1\" errors=\"0\""
        ),
        "{out}"
    );
    assert!(out.contains("<failure message=\"no breadcrumbs"), "{out}");
    assert_eq!(out.matches("<testcase ").count(), 6);
}

#[test]
fn warnings_pass_unless_strict() {
    let r = RedisServer::start();
    healthy(&r);
    r.set(1, ":1:leftover", b"x", None);
    // A leftover nobody touched for a month (a fresh one is a process still writing: fail).
    let mut c = r.conn(1);
    let dump: Vec<u8> = redis::cmd("DUMP").arg(":1:leftover").query(&mut c).unwrap();
    let () = redis::cmd("RESTORE")
        .arg(":1:leftover")
        .arg(0)
        .arg(dump)
        .arg("REPLACE")
        .arg("IDLETIME")
        .arg(30 * 24 * 3600)
        .query(&mut c)
        .unwrap();
    let (code, out, _) = check(&r.url(1), &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("⚠ WARN"), "{out}");
    assert!(
        out.contains("ops/REDIS_CACHE.md#troubleshooting-f"),
        "hint under the row: {out}"
    );
    let (code, _, _) = check(&r.url(1), &["--strict"]);
    assert_eq!(code, 1);
}

#[test]
fn only_paths_and_read_only_select_probes() {
    let r = RedisServer::start();
    let (code, out, _) = check(&r.url(1), &["--only", "ping", "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["results"].as_array().unwrap().len(), 1);
    let (code, out, _) = check(&r.url(1), &["backend/COMMANDS.md", "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["results"][0]["id"], "cmd-true");
    // A run whose only probe is skipped judged nothing: exit 1 saying what to pass.
    let (code, out, err) = check(&r.url(1), &["--only", "roundtrip", "--read-only"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("SKIPPED") && out.contains("read-only"),
        "{out}"
    );
    assert!(
        err.contains("nothing was judged: its only probe was skipped (this run is read-only")
            && err.contains("pass --allow-skipped"),
        "{err}"
    );
    let (code, out, err) = check(
        &r.url(1),
        &["--only", "roundtrip", "--read-only", "--allow-skipped"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.is_empty(), "{err}");
    assert!(r.get(1, "bisk:1:ping").is_none());
    let (code, out, err) = check(
        &r.url(1),
        &[
            "--only",
            "roundtrip",
            "--target",
            "readonly",
            "--allow-skipped",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("allow_writes = false"), "{out}");
}

/// A named target none of whose probes could run (a mistyped SQLite path) is not a green
/// gate: `check --target db` exits 1 with the cause; other targets' passes do not hide it.
#[test]
fn a_named_target_with_every_probe_skipped_is_not_success() {
    let r = RedisServer::start();
    let missing = tempfile::tempdir().unwrap();
    let db = missing.path().join("mistyped/db.sqlite3");
    let config = format!(
        r#"
[redis]
url = "{url}"
key_prefix = "bisk"

[targets.db]
backend = "db"
location = "bisk_cache"
database = "sqlite:///{db}"
key_prefix = "bisk"
"#,
        url = r.url(1),
        db = db.display()
    );
    let page = "# Cache\n\n```probe\nid = \"ping\"\ncheck = \"redis.ping\"\n```\n\n\
        ```probe\nid = \"db-key\"\ncheck = \"cache.key\"\ntarget = \"db\"\nkey = \"ping\"\n```\n\n\
        ```probe\nid = \"db-crumbs\"\ncheck = \"enforcer.breadcrumbs\"\ntarget = \"db\"\n```\n";
    let t = kit::tree::Tree::site(&config, &[("CACHE.md", page)]);

    let (code, out, err) = t.run(&["check", "--target", "db"]).parts();
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("0 pass, 0 warn, 0 fail, 0 error"), "{out}");
    assert!(
        err.contains("nothing was judged for target db: all ")
            && err.contains("does not exist")
            && err.contains("pass --allow-skipped"),
        "{err}"
    );
    let (code, _, err) = t
        .run(&["check", "--target", "db", "--allow-skipped"])
        .parts();
    assert_eq!(code, 0, "{err}");

    // Without --target the Redis probe is judged: the db probes' skips are the host's.
    let (code, out, err) = t.run(&["check"]).parts();
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 pass"), "{out}");
    // An empty selection judged nothing either.
    let empty = kit::tree::Tree::site(&config, &[("EMPTY.md", "# No probes here\n")]);
    let (code, _, err) = empty.run(&["check"]).parts();
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("nothing was judged: no probe matched"),
        "{err}"
    );
}

/// At 80 columns on the shipped guides with a stale enforcer: at most two lines of warnings
/// come before the results, and the last screen (24 lines) names every failing probe.
#[test]
fn the_last_screen_names_every_failing_probe() {
    let r = RedisServer::start();
    let pid = std::process::id().to_string();
    kit::django::write_state(&r.url(1), &["stale", "--pid", &pid]);
    let env = [("BISK_REDIS_URL", r.url(1)), ("COLUMNS", "80".to_string())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (code, out, err) = bisk_docs(kit::repo(), &["check"], &env);
    assert_eq!(code, 1, "{out}{err}");
    assert_fits(&out, 80);
    // Rows on an 80-column terminal, where a long line wraps.
    let rows: usize = err
        .lines()
        .map(|l| l.chars().count().div_ceil(80).max(1))
        .sum();
    assert!(rows <= 2, "more than two lines before the results:\n{err}");
    assert!(err.contains("unset values for target default"), "{err}");

    let (_, json, _) = bisk_docs(kit::repo(), &["check", "--format", "json"], &env);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let failing: Vec<String> = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "fail" || r["status"] == "error")
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert!(
        failing
            .iter()
            .any(|id| id.contains("crumbs") || id.contains("enforcer")),
        "the stale enforcer fails: {failing:?}"
    );
    let lines: Vec<&str> = out.lines().collect();
    let last = lines[lines.len().saturating_sub(24)..].join("\n");
    for id in &failing {
        assert!(
            last.contains(&format!("  {id}  "))
                || last.contains(&format!(" {id},"))
                || last.contains(&format!(" {id}\n")),
            "{id} is not on the last screen:\n{last}"
        );
    }
    // The tally is the last line, and the failures are right above it, worst first.
    assert!(lines.last().unwrap().contains(" fail, "), "{last}");
    assert!(last.contains("Failing now: "), "{last}");

    // --verbose lists every use.
    let (_, _, err) = bisk_docs(kit::repo(), &["check", "--verbose"], &env);
    assert!(
        err.lines().filter(|l| l.contains("unset value `")).count() > 2,
        "{err}"
    );
}

#[test]
fn usage_and_declaration_errors_exit_2() {
    let r = RedisServer::start();
    let (code, _, err) = check(&r.url(1), &["--target", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown target \"nope\""), "{err}");
    let (code, _, err) = check(&r.url(1), &["--only", "missing-id"]);
    assert_eq!(code, 2);
    assert!(err.contains("missing-id"), "{err}");
    let bad = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check-bad");
    let (code, _, err) = bisk_docs(&bad, &["check"], &[("BISK_REDIS_URL", &r.url(1))]);
    assert_eq!(code, 2);
    assert!(err.contains("BAD.md:6:"), "file:line of the bad key: {err}");
    let (code, _, _) = check(&r.url(1), &["--format", "yaml"]);
    assert_eq!(code, 2);
}

#[test]
fn unreachable_redis_is_error_exit_1_fast() {
    let port = closed_port();
    let started = std::time::Instant::now();
    let (code, out, _) = check(&format!("redis://127.0.0.1:{port}/1"), &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("connection refused"), "{out}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn password_never_printed() {
    let r = RedisServer::start_with(RedisOptions {
        password: Some("hunter2-secret".into()),
        ..RedisOptions::default()
    });
    for pw in ["hunter2-secret", "wrong-hunter2"] {
        let url = format!("redis://:{pw}@127.0.0.1:{}/1", r.port);
        for format in ["text", "json", "junit"] {
            let (code, out, err) = check(&url, &["--format", format]);
            assert!(code == 0 || code == 1, "{err}");
            assert!(out.contains("ping"), "{out}");
            assert!(
                !out.contains("hunter2") && !err.contains("hunter2"),
                "leak in {format}: {out}{err}"
            );
        }
    }
}

/// Every line of `text` fits `width` columns (characters, not bytes: the glyphs are UTF-8).
fn assert_fits(text: &str, width: usize) {
    for line in text.lines() {
        assert!(
            line.chars().count() <= width,
            "{} columns: {line:?}\n{text}",
            line.chars().count()
        );
    }
}

#[test]
fn text_fits_the_width_names_the_target_and_groups_by_page_with_ids() {
    let r = RedisServer::start_with(RedisOptions {
        password: Some("pw-not-shown".into()),
        ..RedisOptions::default()
    });
    // No breadcrumbs: the failing row carries a long summary and a hint to wrap.
    for cols in ["80", "50"] {
        let (code, out, err) = bisk_docs(
            &site(),
            &["check"],
            &[("BISK_REDIS_URL", &r.url(1)), ("COLUMNS", cols)],
        );
        assert_eq!(code, 1, "{out}{err}");
        assert_fits(&out, cols.parse().unwrap());
        let first = out.lines().next().unwrap();
        assert_eq!(
            first,
            format!("default → redis://:***@127.0.0.1:{}/1", r.port),
            "{out}"
        );
        assert!(!out.contains("pw-not-shown"), "{out}");
        // Grouped by page, each row with the id `--only` takes.
        let ops = out.find("\nops/REDIS_CACHE.md\n").expect("a page heading");
        let backend = out.find("\nbackend/COMMANDS.md\n").expect("a page heading");
        let ping = out.find("✔ PASS     ping ").expect("the id on the row");
        assert!(ops < ping && (backend < ops || ping < backend), "{out}");
        assert!(out.contains(" cmd-true "), "{out}");
        assert!(
            out.contains("           hint: "),
            "the hint indented: {out}"
        );
    }
    // A title cut to the room left ends in "…".
    let (_, out, _) = bisk_docs(
        &site(),
        &["check", "--only", "roundtrip"],
        &[("BISK_REDIS_URL", &r.url(1)), ("COLUMNS", "40")],
    );
    assert_fits(&out, 40);
    assert!(out.contains("…"), "{out}");
    assert!(out.contains("1 probe: 1 pass"), "singular: {out}");
}

#[test]
fn redis_down_is_one_cause_line_with_the_count_and_the_hint_once() {
    let port = closed_port();
    let (code, out, _) = bisk_docs(
        &site(),
        &["check"],
        &[
            ("BISK_REDIS_URL", &format!("redis://127.0.0.1:{port}/1")),
            ("COLUMNS", "80"),
        ],
    );
    assert_eq!(code, 1, "{out}");
    assert_fits(&out, 80);
    assert_eq!(out.matches("5 probes, one cause:").count(), 1, "{out}");
    assert_eq!(out.matches("connection refused").count(), 1, "{out}");
    assert_eq!(out.matches("hint: ").count(), 1, "{out}");
    assert!(
        out.contains("ids: ping, roundtrip, ops-redis-cache-3, crumbs, leftovers"),
        "{out}"
    );
    // The probe that does not need Redis is still its own row.
    assert!(out.contains("✔ PASS     cmd-true"), "{out}");
    assert!(
        out.contains("6 probes: 1 pass, 0 warn, 0 fail, 5 error"),
        "{out}"
    );
}

#[test]
fn a_missing_page_is_reported_as_such_not_as_a_declaration_error() {
    let t = kit::tree::Tree::site(
        "title = \"Nope\"\n[redis]\nurl = \"redis://127.0.0.1:1/1\"\n",
        &[("ops/REAL.md", "# Real\n")],
    );
    let (code, out, err) = t.run(&["check", "docs/ops/NOPE.md"]).parts();
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("no such page: "), "{err}");
    assert!(err.contains("NOPE.md"), "{err}");
    assert!(!err.contains("probe declaration error"), "{err}");
}
