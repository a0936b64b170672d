//! `systemd.unit`, row by row of the manual's `## systemd.unit` verdict table
//! (`manual/docs/verdicts.md`). This machine does not run systemd, so the rows that need a
//! unit state are judged by the pure [`systemd::judge`] on `systemctl show` output kept in tests/fixtures/systemctl-show; the
//! "no systemd" row runs for real.

use crate::kit;

use std::path::PathBuf;

use bisk_docs::config::Config;
use bisk_docs::probe::Status;
use bisk_docs::probe::catalogue::systemd;

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/systemctl-show")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// (fixture, status, words of the summary, words of the hint or "" for none)
const ROWS: &[(&str, Status, &str, &str)] = &[
    (
        "active-running.txt",
        Status::Pass,
        "bisk-enforcer.service is active (running)",
        "",
    ),
    ("active-exited.txt", Status::Pass, "is active (exited)", ""),
    ("reloading.txt", Status::Pass, "is reloading (reload)", ""),
    (
        "inactive-dead.txt",
        Status::Fail,
        "is inactive (dead)",
        "systemctl enable --now bisk-enforcer.service",
    ),
    (
        "failed.txt",
        Status::Fail,
        "has failed (Result=exit-code)",
        "journalctl -u bisk-enforcer.service",
    ),
    (
        "auto-restart.txt",
        Status::Fail,
        "keeps crashing: waiting to restart (last result exit-code; restarts so far: 7)",
        "journalctl -u bisk-enforcer.service -n 50",
    ),
    (
        "activating-start.txt",
        Status::Warn,
        "is still starting (activating (start))",
        "journalctl",
    ),
    (
        "deactivating.txt",
        Status::Fail,
        "is deactivating (stop-sigterm)",
        "systemctl enable --now",
    ),
    (
        "not-found.txt",
        Status::Fail,
        "is not installed on this host (LoadState=not-found)",
        "systemctl list-unit-files 'bisk-enforcer*'",
    ),
    (
        "masked.txt",
        Status::Fail,
        "is masked",
        "systemctl unmask bisk-enforcer.service",
    ),
    (
        "bad-setting.txt",
        Status::Fail,
        "could not be loaded (LoadState=bad-setting)",
        "daemon-reload",
    ),
];

#[test]
fn every_unit_state_row() {
    for (file, status, summary, hint) in ROWS {
        let o = systemd::judge("bisk-enforcer.service", Some(0), &fixture(file), "");
        assert_eq!(o.status, *status, "{file}: {o:#?}");
        assert!(o.summary.contains(summary), "{file}: {}", o.summary);
        match &o.hint {
            Some(h) => assert!(
                !hint.is_empty() && h.text.contains(hint),
                "{file}: hint {:?}, want {hint:?}",
                h.text
            ),
            None => assert!(hint.is_empty(), "{file}: no hint, want {hint:?}"),
        }
        // The unit's state is evidence, whatever the verdict.
        let load = o.evidence.iter().find(|e| e.label == "LoadState");
        assert!(load.is_some(), "{file}: {o:#?}");
        assert_eq!(o.expected.as_deref(), Some("loaded, active"));
    }
}

#[test]
fn a_stopped_redis_unit_links_to_the_redis_guide() {
    let o = systemd::judge("redis-server", Some(0), &fixture("inactive-dead.txt"), "");
    assert_eq!(o.status, Status::Fail);
    let hint = o.hint.expect("hint");
    assert!(
        hint.link
            .as_deref()
            .is_some_and(|l| l.contains("REDIS_CACHE.md")),
        "{hint:?}"
    );
}

#[test]
fn systemctl_that_cannot_answer_is_an_error() {
    for (code, stdout, stderr) in [
        (Some(1), String::new(), fixture("bus-denied.stderr.txt")),
        (Some(1), String::new(), fixture("no-systemd.stderr.txt")),
        // An answer without the unit's state (not systemctl's format).
        (Some(0), "hello\n".to_string(), String::new()),
        (None, String::new(), String::new()),
    ] {
        let o = systemd::judge("bisk-enforcer.service", code, &stdout, &stderr);
        assert_eq!(o.status, Status::Error, "{o:#?}");
        assert!(o.summary.contains("gave no unit state"), "{}", o.summary);
        if let Some(first) = stderr.lines().next() {
            // Quoted as written.
            assert!(
                o.summary.contains(&format!("\"{}\"", first.trim())),
                "{}",
                o.summary
            );
        }
    }
}

#[test]
fn hostile_unit_output_is_bounded() {
    let long = format!("LoadState=loaded\nActiveState={}\n", "x".repeat(100_000));
    let o = systemd::judge("u.service", Some(0), &long, "");
    assert_eq!(o.status, Status::Fail);
    assert!(o.summary.len() < 1000, "{}", o.summary.len());
    for e in &o.evidence {
        assert!(e.value.len() < 2100, "{}: {}", e.label, e.value.len());
    }
}

/// The one row this machine can show for real.
#[test]
fn no_systemd_here_is_skipped() {
    let r = kit::probe::run_probe(
        Config::default(),
        "check = \"systemd.unit\"\nunit = \"bisk-enforcer.service\"\n",
    );
    if systemd::systemd_present() {
        // On a systemd host the unit is judged: any verdict but skipped/error is honest.
        assert!(
            matches!(r.status, Status::Pass | Status::Warn | Status::Fail),
            "{r:#?}"
        );
        assert!(r.summary.contains("bisk-enforcer.service"), "{}", r.summary);
    } else {
        assert_eq!(r.status, Status::Skipped, "{r:#?}");
        assert_eq!(
            r.summary,
            "this host does not run systemd (no /run/systemd/system)"
        );
    }
}
