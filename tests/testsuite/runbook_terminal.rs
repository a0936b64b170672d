//! The terminal walkthrough driven through stdin against a private redis-server: a healthy
//! start, breadcrumbs going stale mid-run, an override with its reason, a kill mid-run and
//! a resume (also over a torn last line), `--yes`, and the reports.

use crate::kit;

use std::io::Write as _;

use kit::django::crumbs;
use kit::runbook::{Walk, events, kinds, log_path, run_ids, site, site_with};
use kit::{RedisOptions, RedisServer, bisk_docs};

#[test]
fn healthy_start_then_stale_breadcrumbs_need_an_override_and_show_in_the_report() {
    let redis = RedisServer::start();
    let tmp = tempfile::tempdir().unwrap();
    let marker = tmp.path().join("guide-command-ran");
    // Breadcrumbs count as stale after 2 s here (15 min in the real guide), so the test
    // can watch them go stale while the operator is at step 2.
    let site = site_with(
        &redis.url(1),
        &marker,
        "max_age = \"2s\"\nfail_after = \"3s\"",
    );
    crumbs(&redis, 0);
    let root = site.root();

    let mut walk = Walk::start(root, &["runbook", "ops/DEPLOY.md", "--operator", "alice"]);
    walk.wait_for("Before: 2 probes: 2 pass");
    walk.wait_for("Step 1 of 3");
    walk.wait_for("✔ PASS    Redis answers PONG");
    walk.wait_for("[q]uit [?] > ");
    walk.send("d");
    walk.wait_for("Step 2 of 3");
    let out = walk.output();
    // The command is shown to be copied…
    // …with no box glyph on the command line: a mouse selection copies the command only.
    assert!(out.contains("── bash · copy ──"), "{out}");
    let command = out
        .lines()
        .find(|l| l.contains(&format!("touch {}", marker.display())))
        .expect("the command line");
    assert_eq!(
        command.trim(),
        format!("touch {}", marker.display()),
        "{out}"
    );
    assert!(!command.contains(['│', '┌', '└']), "{command:?}");
    // The enforcer died when the operator restarted it: no cycle since; the breadcrumbs
    // go stale while the operator is on this step.
    walk.wait_for_n("[q]uit [?] > ", 2);
    std::thread::sleep(std::time::Duration::from_millis(4500));
    walk.send("n restarted at <b>10:02</b>, PID changed");
    walk.wait_for("Noted.");
    walk.send("d");
    walk.wait_for("Step 3 of 3");
    walk.wait_for("FAIL    Breadcrumbs are fresh");
    walk.send("d");
    walk.wait_for("Step 3 cannot be marked done: Breadcrumbs are fresh did not pass");
    walk.send("o");
    walk.wait_for("Override reason: ");
    walk.send("cycle interval is 3 h; checked /dash/system/ by hand");
    walk.wait_for("Every step is done or skipped.");
    walk.send("f");
    walk.wait_for("Report: bisk-docs runbook report");
    let (code, out) = walk.finish();
    assert_eq!(code, 0, "{out}");
    // …and never run.
    assert!(!marker.exists(), "a guide command was executed");

    let ids = run_ids(root);
    assert_eq!(ids.len(), 1);
    let id = &ids[0];
    let ev = events(root, id);
    let k = kinds(&ev);
    assert_eq!(k[0], "run_started");
    assert_eq!(k[1], "snapshot");
    assert_eq!(k.last().unwrap(), "run_finished");
    assert_eq!(ev.last().unwrap()["outcome"], "completed");
    // Sequence numbers have no gaps; every event says who did it and from where.
    for (i, e) in ev.iter().enumerate() {
        assert_eq!(e["seq"], i as u64 + 1);
        assert_eq!(e["operator"], "alice");
        assert_eq!(e["via"], "terminal");
    }
    assert_eq!(ev[0]["guide"], "ops/DEPLOY.md");
    assert_eq!(ev[0]["guide_sha256"].as_str().unwrap().len(), 64);
    let done3 = ev
        .iter()
        .find(|e| e["event"] == "step_done" && e["step"] == 3)
        .expect("step 3 signed off");
    assert_eq!(
        done3["override_reason"],
        "cycle interval is 3 h; checked /dash/system/ by hand"
    );
    assert_eq!(done3["results"][0]["status"], "fail");
    assert_eq!(done3["results"][0]["id"], "t-crumbs");
    let done1 = ev
        .iter()
        .find(|e| e["event"] == "step_done" && e["step"] == 1)
        .unwrap();
    assert!(done1.get("override_reason").is_none());
    assert_eq!(done1["results"][0]["status"], "pass");

    // Markdown report: the override and its reason, the note, the before/after change.
    let (code, md, err) = bisk_docs(root, &["runbook", "report", id, "--format", "md"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(md.contains("# Runbook report: Test deploy"), "{md}");
    assert!(md.contains("⚠ done with override"), "{md}");
    assert!(
        md.contains("cycle interval is 3 h; checked /dash/system/ by hand"),
        "{md}"
    );
    assert!(
        md.contains("&lt;b&gt;10:02&lt;/b&gt;"),
        "note escaped: {md}"
    );
    assert!(md.contains("## Before and after"), "{md}");
    assert!(md.contains("**UNEXPECTED** status: PASS → FAIL"), "{md}");
    assert!(
        md.contains("**UNEXPECTED** bisk:1:enforcer:last\\_ok:") && md.contains("did not advance"),
        "{md}"
    );
    // Latencies are not changes.
    let before_after = &md[md.find("## Before and after").unwrap()..];
    assert!(!before_after.contains("round trip (MGET"), "{md}");
    assert!(!before_after.contains("connection (shared"), "{md}");
    // A probe with nothing that changed is counted, not listed.
    assert!(!before_after.contains("| Redis answers PONG |"), "{md}");
    assert!(before_after.contains("1 probe unchanged"), "{md}");
    assert!(md.contains("| Operators | alice |"), "{md}");

    // JSON report: the run's state and the comparison.
    let (code, json, _) = bisk_docs(root, &["runbook", "report", id, "--format", "json"], &[]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["run"]["steps"][2]["status"], "overridden");
    assert_eq!(doc["run"]["steps"][0]["status"], "done");
    assert_eq!(doc["run"]["before"][1]["status"], "pass");
    assert_eq!(doc["run"]["after"][1]["status"], "fail");
    assert!(doc["unexpected"].as_u64().unwrap() >= 2, "{json}");
    // Ping did not change: only the breadcrumbs are listed.
    assert_eq!(doc["unchanged"], 1, "{json}");
    let crumbs_diff = &doc["before_after"][0];
    assert_eq!(crumbs_diff["id"], "t-crumbs");
    assert!(
        crumbs_diff["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["what"] == "bisk:1:enforcer:last_run"
                && c["verdict"] == "unexpected"
                && c["note"].as_str().unwrap().contains("did not advance")),
        "{crumbs_diff}"
    );

    // HTML report: escaped, no script.
    let (code, html, _) = bisk_docs(root, &["runbook", "report", id, "--format", "html"], &[]);
    assert_eq!(code, 0);
    assert!(
        html.contains("restarted at &lt;b&gt;10:02&lt;/b&gt;"),
        "{html}"
    );
    assert!(!html.contains("<b>10:02"), "{html}");
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains("done with override"), "{html}");

    // The list shows it.
    let (code, list, _) = bisk_docs(root, &["runbook", "list"], &[]);
    assert_eq!(code, 0);
    assert!(
        list.contains(id) && list.contains("3/3") && list.contains("completed"),
        "{list}"
    );
}

#[test]
fn a_killed_walkthrough_keeps_everything_and_resumes_over_a_torn_line() {
    let redis = RedisServer::start();
    crumbs(&redis, 30);
    let tmp = tempfile::tempdir().unwrap();
    let site = site(&redis.url(1), &tmp.path().join("m"));
    let root = site.root();

    let mut walk = Walk::start(root, &["runbook", "ops/DEPLOY.md", "--operator", "bob"]);
    walk.wait_for("[q]uit [?] > ");
    walk.send("n started after the change window opened");
    walk.wait_for("Noted.");
    walk.send("d");
    walk.wait_for("Step 2 of 3");
    walk.wait_for_n("[q]uit [?] > ", 3);
    let out = walk.kill();
    let id = run_ids(root).pop().expect("a run");
    assert!(out.contains(&id), "{out}");

    // Everything acknowledged before the kill is on disk, in order.
    let ev = events(root, &id);
    assert_eq!(
        kinds(&ev),
        ["run_started", "snapshot", "probes_run", "note", "step_done",]
    );

    // A crash in the middle of a write leaves a torn last line.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(log_path(root, &id))
        .unwrap();
    f.write_all(br#"{"seq":6,"at":"2026-11-25T19:00:00Z","event":"step_sk"#)
        .unwrap();
    drop(f);

    let (code, list, _) = bisk_docs(root, &["runbook", "list"], &[]);
    assert_eq!(code, 0);
    assert!(
        list.contains("open, 1 unreadable log line(s)") && list.contains("1/3"),
        "{list}"
    );

    crumbs(&redis, 0);
    let mut walk = Walk::start(
        root,
        &[
            "runbook",
            "ops/DEPLOY.md",
            "--resume",
            &id,
            "--operator",
            "carol",
        ],
    );
    walk.wait_for("line 6: torn (");
    // It recaps what is settled, then continues where the run stood: step 2, not step 1.
    walk.wait_for("Already settled (1 of 3 steps):");
    walk.wait_for("  1. Check Redis — ");
    walk.wait_for("Step 2 of 3");
    assert!(!walk.output().contains("Step 1 of 3"));
    walk.wait_for("[q]uit [?] > ");
    walk.send("s");
    walk.wait_for("Why skip it? ");
    walk.send("no enforcer restart in this release");
    walk.wait_for("Step 3 of 3");
    walk.wait_for_n("[q]uit [?] > ", 2);
    walk.send("d");
    walk.wait_for("Every step is done or skipped.");
    walk.send("f");
    let (code, out) = walk.finish();
    assert_eq!(code, 0, "{out}");

    let raw = std::fs::read_to_string(log_path(root, &id)).unwrap();
    let lines: Vec<&str> = raw.lines().collect();
    // The torn fragment is kept (append-only) and sealed; new events follow on their own lines.
    assert!(lines[5].starts_with(r#"{"seq":6,"#) && lines[5].ends_with("step_sk"));
    let later: Vec<serde_json::Value> = lines[6..]
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(later[0]["event"], "resumed");
    assert_eq!(later[0]["seq"], 6);
    assert_eq!(later[0]["operator"], "carol");
    assert!(
        later.iter().any(|e| e["event"] == "step_skipped"
            && e["reason"] == "no enforcer restart in this release")
    );

    let (code, md, err) = bisk_docs(root, &["runbook", "report", &id], &[]);
    assert_eq!(code, 0);
    assert!(err.contains("line 6: torn"), "{err}");
    assert!(md.contains("line 6: torn"), "{md}");
    assert!(md.contains("| Operators | bob, carol |"), "{md}");
    assert!(md.contains("| 1 | Check Redis | ✔ done |"), "{md}");
    assert!(md.contains("– skipped"), "{md}");
    assert!(md.contains("no enforcer restart in this release"), "{md}");
    assert!(
        md.contains("started after the change window opened"),
        "{md}"
    );

    // A finished run cannot be resumed.
    let (code, _, err) = bisk_docs(root, &["runbook", "--resume", &id], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("already finished"), "{err}");
}

#[test]
fn yes_runs_every_probe_and_exits_1_when_one_fails() {
    let redis = RedisServer::start_with(RedisOptions {
        password: Some("s3cr3t-pw".into()),
        ..RedisOptions::default()
    });
    crumbs(&redis, 30);
    let tmp = tempfile::tempdir().unwrap();
    let marker = tmp.path().join("m");
    let site = site(&redis.url(1), &marker);
    let root = site.root();

    let (code, out, err) = bisk_docs(root, &["runbook", "ops/DEPLOY.md", "--yes"], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("✔ Step 3: Verify the breadcrumbs"), "{out}");

    let first = run_ids(root);
    crumbs(&redis, 2 * 3600);
    let (code, out, err) = bisk_docs(
        root,
        &["runbook", "ops/DEPLOY.md", "--yes", "--operator", "ci"],
        &[],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("✖ Step 3"), "{out}");
    // The Before line names what does not pass; hint links are full URLs (plain text here,
    // stdout is not a terminal), under the site `serve` would show.
    assert!(
        out.contains("— not passing: t-crumbs (Breadcrumbs are fresh)"),
        "{out}"
    );
    assert!(out.contains("            http://127.0.0.1:3000/"), "{out}");
    assert!(!out.contains('\x1b'), "{out}");
    let id = run_ids(root)
        .into_iter()
        .find(|id| !first.contains(id))
        .unwrap();
    let ev = events(root, &id);
    let failed = ev
        .iter()
        .find(|e| e["event"] == "step_failed")
        .expect("step_failed recorded");
    assert_eq!(failed["step"], 3);
    assert!(failed["reason"].as_str().unwrap().contains("t-crumbs"));
    assert_eq!(ev.last().unwrap()["outcome"], "failed");
    assert_eq!(ev[0]["via"], "yes");
    assert!(!marker.exists());

    // The password is nowhere: not in the logs, not in any report.
    for id in run_ids(root) {
        let raw = std::fs::read_to_string(log_path(root, &id)).unwrap();
        assert!(!raw.contains("s3cr3t"), "{raw}");
        for f in ["md", "html", "json"] {
            let (_, r, _) = bisk_docs(root, &["runbook", "report", &id, "--format", f], &[]);
            assert!(!r.contains("s3cr3t"), "{r}");
            assert!(r.contains(&format!("127.0.0.1:{}", redis.port)), "{r}");
        }
    }
}

#[test]
fn usage_errors_exit_2() {
    let redis = RedisServer::start();
    let tmp = tempfile::tempdir().unwrap();
    let site = site(&redis.url(1), &tmp.path().join("m"));
    let root = site.root();
    let (code, _, err) = bisk_docs(root, &["runbook", "ops/NOPE.md", "--yes"], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no such page"), "{err}");
    let (code, _, err) = bisk_docs(root, &["runbook", "../bisk-docs.toml", "--yes"], &[]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = bisk_docs(root, &["runbook", "report", "../../etc/passwd"], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no run"), "{err}");
    let (code, _, err) = bisk_docs(
        root,
        &["runbook", "ops/DEPLOY.md", "--yes", "--target", "prod"],
        &[],
    );
    assert_eq!(code, 2, "{err}");
    assert!(run_ids(root).is_empty());
}

#[test]
fn resuming_after_the_guide_changed_warns_or_refuses() {
    let redis = RedisServer::start();
    crumbs(&redis, 0);
    let tmp = tempfile::tempdir().unwrap();
    let site = site(&redis.url(1), &tmp.path().join("m"));
    let root = site.root();
    let page = root.join("docs/ops/DEPLOY.md");

    let start_and_quit = || {
        let mut walk = Walk::start(root, &["runbook", "ops/DEPLOY.md"]);
        walk.wait_for("[q]uit [?] > ");
        walk.send("q");
        walk.wait_for("left open at step 1 of 3");
        let (code, out) = walk.finish();
        assert_eq!(code, 0, "{out}");
        let ids = run_ids(root);
        ids.last().unwrap().clone()
    };

    // Only the text changed: the run continues, with a warning.
    let id = start_and_quit();
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(&page, text.replace("Intro text.", "Intro text, reworded.")).unwrap();
    let (code, out, err) = bisk_docs(root, &["runbook", "--resume", &id, "--yes"], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("changed since the run started"), "{err}");
    assert!(err.contains("its steps are the same"), "{err}");

    // A step was added: the run's record would not match the guide any more.
    std::fs::remove_dir_all(root.join("runs")).unwrap();
    let id = start_and_quit();
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(&page, format!("{text}\n## A new last step\n\ntext\n")).unwrap();
    let (code, out, err) = bisk_docs(root, &["runbook", "--resume", &id, "--yes"], &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("start a new run"), "{err}");
    // The refused resume wrote nothing.
    let ev = events(root, &id);
    assert_eq!(kinds(&ev).last().unwrap(), "probes_run");
}
