//! `command` probes, row by row of the manual's `## command` verdict table
//! (`manual/docs/verdicts.md`), with real programs: the systemd tools of this machine (which
//! has them installed but was not booted with systemd), a missing binary, and commands that
//! answer right or wrong.

use crate::kit;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use bisk_docs::config::{CommandSpec, Config, Requirement, StdoutPattern};
use bisk_docs::probe::{ProbeResult, Status};
use kit::probe::run_probe;
use kit::{Tree, bisk_docs};

fn systemd_here() -> bool {
    Path::new("/run/systemd/system").is_dir()
}

fn installed(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
}

fn spec(argv: &[&str], pattern: Option<&str>) -> CommandSpec {
    CommandSpec {
        timeout: Duration::from_secs(5),
        expect_stdout: pattern.map(|p| StdoutPattern::new(p).unwrap()),
        ..CommandSpec::new(argv)
    }
}

fn run(spec: CommandSpec) -> ProbeResult {
    let mut commands = BTreeMap::new();
    commands.insert("c".to_string(), spec);
    let config = Config {
        commands,
        ..Config::default()
    };
    run_probe(config, "check = \"command\"\nname = \"c\"\n")
}

fn evidence<'a>(r: &'a ProbeResult, label: &str) -> Option<&'a str> {
    r.evidence
        .iter()
        .find(|e| e.label == label)
        .map(|e| e.value.as_str())
}

#[test]
fn right_answer_passes() {
    let r = run(spec(
        &["printf", "MainPID=4242\\n"],
        Some("^MainPID=[1-9][0-9]*$"),
    ));
    assert_eq!(r.status, Status::Pass, "{r:#?}");
    assert!(r.hint.is_none());
}

#[test]
fn wrong_answer_fails_quoting_the_first_line_not_the_regex() {
    let r = run(spec(
        &["printf", "\\n0\\nsecond line\\n"],
        Some("^[1-9][0-9]*\\s*$"),
    ));
    assert_eq!(r.status, Status::Fail, "{r:#?}");
    assert!(
        r.summary.contains("unexpected output \"0\""),
        "{}",
        r.summary
    );
    assert!(
        !r.summary.contains("[1-9]"),
        "regex in the summary: {}",
        r.summary
    );
    // The regex is still there, as what was expected.
    assert!(r.expected.as_deref().unwrap().contains("[1-9]"), "{r:#?}");
    let r = run(spec(&["true"], Some("x")));
    assert_eq!(r.status, Status::Fail);
    assert!(r.summary.contains("printed nothing"), "{}", r.summary);
}

#[test]
fn shown_output_is_bounded_and_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.txt");
    let hostile = format!("\u{1b}]0;owned\u{7}<script>{}\n", "A".repeat(10_000));
    std::fs::write(&file, hostile).unwrap();
    let r = run(spec(&["cat", file.to_str().unwrap()], Some("^ok$")));
    assert_eq!(r.status, Status::Fail, "{r:#?}");
    assert!(!r.summary.chars().any(char::is_control), "{:?}", r.summary);
    assert!(r.summary.chars().count() < 400, "{}", r.summary);
    assert!(r.summary.contains("\\u{1b}]0;owned"), "{}", r.summary);
}

#[test]
fn wrong_exit_code_fails_quoting_stderr() {
    let r = run(spec(&["ls", "/nonexistent-bisk-path"], None));
    assert_eq!(r.status, Status::Fail, "{r:#?}");
    assert!(
        r.summary.contains("exit code 2, expected 0"),
        "{}",
        r.summary
    );
    assert!(r.summary.contains("nonexistent-bisk-path"), "{}", r.summary);
}

#[test]
fn missing_binary_is_skipped_with_the_cause() {
    let r = run(spec(&["bisk-no-such-program", "--x"], None));
    assert_eq!(r.status, Status::Skipped, "{r:#?}");
    assert!(
        r.summary
            .contains("`bisk-no-such-program` is not installed")
            && r.summary.contains("PATH"),
        "{}",
        r.summary
    );
    let r = run(spec(&["/opt/bisk/no/python", "-V"], None));
    assert_eq!(r.status, Status::Skipped, "{r:#?}");
    assert!(r.summary.contains("no such file"), "{}", r.summary);
}

#[test]
fn a_program_that_cannot_start_is_an_error() {
    // A directory: found, but not executable.
    let r = run(spec(&["/"], None));
    assert_eq!(r.status, Status::Error, "{r:#?}");
    assert!(r.summary.contains("cannot start"), "{}", r.summary);
}

#[test]
fn requires_systemd_skips_without_running_on_a_host_without_it() {
    if systemd_here() {
        eprintln!("this host runs systemd: the row is judged by the other tests");
        return;
    }
    let mut s = spec(&["bisk-no-such-program"], None);
    s.requires = vec![Requirement::Systemd];
    let r = run(s);
    assert_eq!(r.status, Status::Skipped, "{r:#?}");
    assert!(
        r.summary.contains("needs systemd") && r.summary.contains("/run/systemd/system"),
        "{}",
        r.summary
    );
    // Not run: no stdout evidence at all.
    assert!(evidence(&r, "stdout").is_none(), "{r:#?}");
}

/// The bundled `enforcer-mainpid` command without `requires`: systemctl itself says it
/// cannot operate, and the probe is skipped, not failed.
#[test]
fn systemctl_without_systemd_is_skipped_not_failed() {
    if systemd_here() || !installed("systemctl") {
        eprintln!("needs a host with systemctl but without systemd");
        return;
    }
    let r = run(spec(
        &[
            "systemctl",
            "show",
            "--property",
            "MainPID",
            "--value",
            "bisk-enforcer.service",
        ],
        Some("^[1-9][0-9]*\\s*$"),
    ));
    assert_eq!(r.status, Status::Skipped, "{r:#?}");
    assert!(r.summary.contains("does not run systemd"), "{}", r.summary);
    assert!(
        evidence(&r, "stderr").is_some_and(|e| e.contains("System has not been booted")),
        "{r:#?}"
    );
}

/// The bundled `enforcer-journal` command without `requires`: journalctl finds no journal.
#[test]
fn journalctl_without_a_journal_is_skipped_not_failed() {
    if systemd_here() || !installed("journalctl") {
        eprintln!("needs a host with journalctl but without systemd");
        return;
    }
    let r = run(spec(
        &[
            "journalctl",
            "--unit",
            "bisk-enforcer.service",
            "--lines",
            "20",
            "--no-pager",
            "--output",
            "short-iso",
        ],
        Some("(?m)^\\d{4}-\\d{2}-\\d{2}T"),
    ));
    assert_eq!(r.status, Status::Skipped, "{r:#?}");
    assert!(r.summary.contains("not judged here"), "{}", r.summary);
}

/// A command that ran and printed the systemd tools' words but met its expectations is
/// judged on its answer.
#[test]
fn markers_do_not_hide_a_right_answer() {
    let r = run(spec(
        &["printf", "42\\nSystem has not been booted with systemd\\n"],
        Some("^42$"),
    ));
    assert_eq!(r.status, Status::Pass, "{r:#?}");
}

/// The issue's symptom end to end: a site with the bundled command probes on a host
/// without systemd — `check` exits 0 with them skipped, and `build --snapshot
/// --fail-on-probe` writes the site.
#[test]
fn bundled_style_command_probes_do_not_keep_a_dev_machine_red() {
    if systemd_here() {
        eprintln!("this host runs systemd");
        return;
    }
    let config = "[redis]\nurl = \"redis://127.0.0.1:1/1\"\n\n\
        [commands.enforcer-journal]\n\
        argv = [\"journalctl\", \"--unit\", \"bisk-enforcer.service\", \"--lines\", \"20\", \"--no-pager\", \"--output\", \"short-iso\"]\n\
        expect_stdout = '(?m)^\\d{4}-\\d{2}-\\d{2}T'\n\
        requires = [\"systemd\"]\n\n\
        [commands.enforcer-mainpid]\n\
        argv = [\"systemctl\", \"show\", \"--property\", \"MainPID\", \"--value\", \"bisk-enforcer.service\"]\n\
        expect_stdout = '^[1-9][0-9]*\\s*$'\n\
        requires = [\"systemd\"]\n\n\
        [commands.mainpid-undeclared-requirement]\n\
        argv = [\"systemctl\", \"show\", \"--property\", \"MainPID\", \"--value\", \"bisk-enforcer.service\"]\n\
        expect_stdout = '^[1-9][0-9]*\\s*$'\n";
    let page = "# Enforcer\n\n```probe\nid = \"journal\"\ncheck = \"command\"\nname = \"enforcer-journal\"\n```\n\n\
        ```probe\nid = \"mainpid\"\ncheck = \"command\"\nname = \"enforcer-mainpid\"\n```\n\n\
        ```probe\nid = \"mainpid2\"\ncheck = \"command\"\nname = \"mainpid-undeclared-requirement\"\n```\n\n\
        ```probe\nid = \"unit\"\ncheck = \"systemd.unit\"\nunit = \"bisk-enforcer.service\"\n```\n";
    let site = Tree::site(config, &[("ops/ENFORCER.md", page)]);
    // Nothing judged is not a green gate; a dev machine says so with --allow-skipped.
    let (code, _, err) = bisk_docs(site.root(), &["check"], &[]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("nothing was judged: all 4 probes were skipped"),
        "{err}"
    );
    let (code, out, err) = bisk_docs(
        site.root(),
        &["check", "--format", "json", "--allow-skipped"],
        &[],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    for r in doc["results"].as_array().unwrap() {
        assert_eq!(r["status"], "skipped", "{r:#}");
    }
    let (code, out, err) = bisk_docs(
        site.root(),
        &["build", "--snapshot", "--fail-on-probe"],
        &[],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let html = std::fs::read_to_string(site.root().join("site/ops/ENFORCER.html")).unwrap();
    assert!(html.contains("data-status=\"skipped\""), "{html}");
    assert!(!html.contains("data-status=\"fail\""), "{html}");
}

/// The bundled guides' host-side probes on a host without systemd: skipped, so `check`
/// of them exits 0 (it failed with "stdout does not match /^[1-9][0-9]*\s*$/" before).
#[test]
fn bundled_host_probes_are_skipped_without_systemd() {
    if systemd_here() {
        eprintln!("this host runs systemd");
        return;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ids = [
        "enforcer-journal",
        "enforcer-mainpid",
        "enforcer-unit",
        "deploy-enforcer-mainpid",
        "deploy-enforcer-unit",
        "redis-service",
    ];
    let mut args = vec!["check", "--format", "json", "--allow-skipped"];
    for id in &ids {
        args.extend(["--only", id]);
    }
    let (code, out, err) = bisk_docs(repo, &args, &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let results = doc["results"].as_array().unwrap();
    assert_eq!(results.len(), ids.len(), "{out}");
    for r in results {
        assert_eq!(r["status"], "skipped", "{r:#}");
        assert!(r["summary"].as_str().unwrap().contains("systemd"), "{r:#}");
    }
}
