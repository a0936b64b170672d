//! The verdict tables of the manual (`manual/docs/verdicts.md`), replayed row by row.
//!
//! Each table here is the manual's table as data: the first test of each check compares them
//! (so neither can change alone), the second writes every *Django* row into a private
//! redis-server with the real Django cache (tests/fixtures/django_writer/write_values.py, one
//! key namespace per row, one Python run per table) and runs the real probes through the runner;
//! *judge* rows drive the check's pure judgement function.

use crate::kit;
use crate::kit::probe::run_probes;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use bisk_docs::config::{Config, RedisTarget};
use bisk_docs::probe::catalogue::breadcrumbs::{self, CrumbState, ErrorCrumb, Pid, Stamp};
use bisk_docs::probe::catalogue::cache::{RoundtripRead, judge_roundtrip};
use bisk_docs::probe::catalogue::process::{Cgroup, Process};
use bisk_docs::probe::decl::{BreadcrumbParams, Check};
use bisk_docs::probe::{ProbeResult, RunOptions, Status, decl};
use kit::{RedisOptions, RedisServer};
use serde_json::{Value, json};

const PASSWORD: &str = "verdict-table-pw";

/// One row: the manual table's five columns.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TableRow {
    input: String,
    state: String,
    verdict: String,
    words: String,
    tested_by: String,
}

/// The rows of `## {check}` in the manual's verdict tables, in order.
fn manual_rows(check: &str) -> Vec<TableRow> {
    let body = kit::manual_verdict_section(check);
    body.lines()
        .filter(|l| l.starts_with('|'))
        .skip(2) // header and separator
        .map(|l| {
            let cells: Vec<String> = l
                .trim()
                .trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_string())
                .collect();
            assert_eq!(
                cells.len(),
                5,
                "manual row of {check} with {} cells: {l}",
                cells.len()
            );
            TableRow {
                input: cells[0].clone(),
                state: cells[1].clone(),
                verdict: cells[2].clone(),
                words: cells[3].clone(),
                tested_by: cells[4].clone(),
            }
        })
        .collect()
}

fn assert_same_table(check: &str, ours: Vec<TableRow>) {
    let readme = manual_rows(check);
    for (i, (a, b)) in readme.iter().zip(&ours).enumerate() {
        assert_eq!(a, b, "row {} of the {check} table: manual vs tests", i + 1);
    }
    assert_eq!(
        readme.len(),
        ours.len(),
        "the {check} table has {} rows in the manual and {} in the tests",
        readme.len(),
        ours.len()
    );
}

fn status_word(s: Status) -> &'static str {
    s.word()
}

// ---------------------------------------------------------------------------------------------
// Django and the runner

/// Writes `writes` through the real Django cache; returns the writer's report.
fn django_write(url: &str, writes: &[Value]) -> Value {
    let mut child = kit::django::command(url)
        .arg("write_values.py")
        .arg("--redis-url")
        .arg(url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run write_values.py");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(json!({ "writes": writes }).to_string().as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "write_values.py failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("write_values.py prints JSON")
}

/// This host's LAN address (the source address of a route outwards; nothing is sent).
fn lan_address() -> String {
    let s = std::net::UdpSocket::bind("0.0.0.0:0").unwrap();
    s.connect("198.51.100.1:9")
        .expect("a route off this host (the LAN row needs a non-loopback address)");
    let ip = s.local_addr().unwrap().ip();
    assert!(!ip.is_loopback(), "no LAN address: {ip}");
    ip.to_string()
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .expect("this host's name")
        .trim()
        .to_string()
}

/// A private Redis with a password, on loopback, this host's LAN address and a unix socket.
fn table_redis() -> RedisServer {
    RedisServer::start_with(RedisOptions {
        password: Some(PASSWORD.into()),
        unix_socket: true,
        extra: vec!["--bind".into(), "127.0.0.1".into(), lan_address()],
        ..RedisOptions::default()
    })
}

/// Targets every row may name: the same server reached in different ways.
fn config_for(r: &RedisServer) -> Config {
    let t = |url: String, local: Option<bool>| RedisTarget {
        url,
        local,
        connect_timeout: Duration::from_secs(2),
        deadline: Duration::from_secs(3),
        ..RedisTarget::default()
    };
    let mut targets = BTreeMap::new();
    targets.insert(
        "name".to_string(),
        t(
            format!("redis://:{PASSWORD}@{}:{}/1", host_name(), r.port),
            None,
        ),
    );
    targets.insert(
        "lan".to_string(),
        t(
            format!("redis://:{PASSWORD}@{}:{}/1", lan_address(), r.port),
            None,
        ),
    );
    if let Some(socket) = &r.socket {
        targets.insert(
            "unix".to_string(),
            t(
                format!("unix://{}?db=1&password={PASSWORD}", socket.display()),
                None,
            ),
        );
    }
    targets.insert("remote".to_string(), t(r.url(1), Some(false)));
    Config {
        redis: t(r.url(1), None),
        targets,
        ..Config::default()
    }
}

fn check_row(row: &TableRow, res: &ProbeResult) {
    assert_eq!(
        status_word(res.status),
        row.verdict,
        "{} / {}: {res:#?}",
        row.input,
        row.state
    );
    let text = format!(
        "{}\n{}",
        res.summary,
        res.observed.clone().unwrap_or_default()
    );
    assert!(
        res.summary
            .to_lowercase()
            .contains(&row.words.to_lowercase()),
        "{} / {}: the summary should say {:?}:\n{text}",
        row.input,
        row.state,
        row.words
    );
}

// ---------------------------------------------------------------------------------------------
// enforcer.breadcrumbs

/// How one breadcrumbs row is produced.
struct CrumbRow {
    input: &'static str,
    state: &'static str,
    verdict: &'static str,
    words: &'static str,
    /// (name, value spec) replacing the healthy baseline; `{"delete": true}` removes a name.
    set: &'static [(&'static str, &'static str)],
    /// Cache alias the four names are written through ("default", "legacy", "wrongdb").
    alias: &'static str,
    /// Names also written through the `legacy` alias (KEY_PREFIX "").
    legacy_too: bool,
    timeout: &'static str,
    target: &'static str,
    probe_extra: &'static str,
    judge_only: bool,
    /// The process `running_pid` names, when not the baseline's live enforcer.
    process: Proc,
}

/// A real process for a `running_pid` row.
#[derive(Clone, Copy, PartialEq)]
enum Proc {
    /// This test process, old enough for the row's last_run.
    Enforcer,
    /// A zombie (state Z), checked before the write.
    Zombie,
    /// An unrelated `sleep`, started after the row's last_run (set 30 s back).
    Sleeper,
}

const BASE: CrumbRow = CrumbRow {
    input: "",
    state: "",
    verdict: "PASS",
    words: "",
    set: &[],
    alias: "default",
    legacy_too: false,
    timeout: "null",
    target: "",
    probe_extra: "",
    judge_only: false,
    process: Proc::Enforcer,
};
const NOW: &[(&str, &str)] = &[("last_run", r#"{"ago": 0}"#), ("last_ok", r#"{"ago": 0}"#)];
const RUN_30S_AGO: &[(&str, &str)] = &[
    ("last_run", r#"{"ago": 30}"#),
    ("last_ok", r#"{"ago": 30}"#),
];

const ALL_ABSENT: &[(&str, &str)] = &[
    ("last_run", r#"{"delete": true}"#),
    ("last_ok", r#"{"delete": true}"#),
    ("last_error", r#"{"delete": true}"#),
    ("running_pid", r#"{"delete": true}"#),
];
const DEAD: &[(&str, &str)] = &[("running_pid", r#"{"dead_pid": true}"#)];
const UNDECODABLE: &str = r#"{"raw_hex": "80059500deadbeef"}"#;

#[rustfmt::skip]
fn crumb_rows() -> Vec<CrumbRow> {
    vec![
        CrumbRow { input: "all four names", state: "absent", verdict: "FAIL", words: "no breadcrumbs", set: ALL_ABSENT, ..BASE },
        CrumbRow { input: "all four names", state: "absent here, present in another DB", verdict: "FAIL", words: "exists in db 0", alias: "wrongdb", ..BASE },
        CrumbRow { input: "all four names", state: "absent here, written without KEY_PREFIX", verdict: "FAIL", words: "without KEY_PREFIX", alias: "legacy", ..BASE },
        CrumbRow { input: "last_run", state: "fresh", words: "last run 1 min ago", ..BASE },
        CrumbRow { input: "last_run", state: "up to 5 min ahead (clock skew)", words: "last run in", set: &[("last_run", r#"{"ago": -120}"#)], ..BASE },
        CrumbRow { input: "last_run", state: "older than max_age", verdict: "WARN", words: "older than 15m", set: &[("last_run", r#"{"ago": 1200}"#), ("last_ok", r#"{"ago": 1200}"#)], ..BASE },
        CrumbRow { input: "last_run", state: "older than fail_after", verdict: "FAIL", words: "older than 1h", set: &[("last_run", r#"{"ago": 7200}"#), ("last_ok", r#"{"ago": 7200}"#)], ..BASE },
        CrumbRow { input: "last_run", state: "more than 5 min in the future", verdict: "FAIL", words: "in the future: check the clocks or the time zone", set: &[("last_run", r#"{"ago": -3600}"#)], ..BASE },
        CrumbRow { input: "last_run", state: "absent", verdict: "FAIL", words: "is missing", set: &[("last_run", r#"{"delete": true}"#)], ..BASE },
        CrumbRow { input: "last_run", state: "not a time", verdict: "FAIL", words: "not a datetime", set: &[("last_run", r#"{"str": "yesterday"}"#)], ..BASE },
        CrumbRow { input: "last_run", state: "undecodable", verdict: "FAIL", words: "not a value Django can read", set: &[("last_run", UNDECODABLE)], ..BASE },
        CrumbRow { input: "last_run", state: "beyond the decoder's bounds (over 32 MiB)", verdict: "ERROR", words: "cannot be judged", set: &[("last_run", r#"{"big_str": 34000000}"#)], ..BASE },
        CrumbRow { input: "last_run", state: "naive datetime", words: "naive", set: &[("last_run", r#"{"naive_ago": 60}"#), ("last_ok", r#"{"naive_ago": 60}"#)], ..BASE },
        CrumbRow { input: "last_run", state: "ISO-8601 string without offset", words: "naive", set: &[("last_run", r#"{"iso_ago": 60, "offset": false}"#), ("last_ok", r#"{"iso_ago": 60, "offset": false}"#)], ..BASE },
        CrumbRow { input: "last_run", state: "ISO-8601 string with offset", words: "last run 1 min ago", set: &[("last_run", r#"{"iso_ago": 60, "offset": true}"#), ("last_ok", r#"{"iso_ago": 60, "offset": true}"#)], ..BASE },
        CrumbRow { input: "last_ok", state: "absent, last_run fresh", verdict: "FAIL", words: "has never succeeded", set: &[("last_ok", r#"{"delete": true}"#)], ..BASE },
        CrumbRow { input: "last_ok", state: "None", verdict: "FAIL", words: "has never succeeded", set: &[("last_ok", r#"{"none": true}"#)], ..BASE },
        CrumbRow { input: "last_ok", state: "older than max_age, last_run fresh", verdict: "WARN", words: "last success 20 min ago", set: &[("last_ok", r#"{"ago": 1200}"#)], ..BASE },
        CrumbRow { input: "last_ok", state: "older than fail_after, last_run fresh, no error", verdict: "FAIL", words: "no success for 2 h", set: &[("last_ok", r#"{"ago": 7200}"#)], ..BASE },
        CrumbRow { input: "last_ok", state: "3 days old, last_run fresh, no error", verdict: "FAIL", words: "no success for 3 days", set: &[("last_ok", r#"{"ago": 259200}"#)], ..BASE },
        CrumbRow { input: "last_ok", state: "more than 5 min in the future", verdict: "FAIL", words: "in the future: check the clocks or the time zone", set: &[("last_ok", r#"{"ago": -2592000}"#)], ..BASE },
        CrumbRow { input: "last_ok", state: "not a time", verdict: "FAIL", words: "not a datetime", set: &[("last_ok", r#"{"int": 1}"#)], ..BASE },
        CrumbRow { input: "last_ok", state: "undecodable", verdict: "FAIL", words: "not a value Django can read", set: &[("last_ok", UNDECODABLE)], ..BASE },
        CrumbRow { input: "last_error", state: "absent", words: "last run 1 min ago", set: &[("last_error", r#"{"delete": true}"#)], ..BASE },
        CrumbRow { input: "last_error", state: "None", words: "last run 1 min ago", ..BASE },
        CrumbRow { input: "last_error", state: "text, last_ok older than last_run", verdict: "FAIL", words: "the last run failed: ValueError: boom", set: &[("last_ok", r#"{"ago": 120}"#), ("last_error", r#"{"str": "Traceback (most recent call last):\n  File \"enforcer.py\", line 1\nValueError: boom"}"#)], ..BASE },
        CrumbRow { input: "last_error", state: "text, last_ok not older than last_run", words: "an older error is recorded", set: &[("last_error", r#"{"str": "ValueError: boom"}"#)], ..BASE },
        CrumbRow { input: "last_error", state: "an exception object, last_ok older than last_run", verdict: "FAIL", words: "the last run failed: ValueError('boom')", set: &[("last_ok", r#"{"ago": 120}"#), ("last_error", r#"{"exception": ["builtins.ValueError", "boom"]}"#)], ..BASE },
        CrumbRow { input: "last_error", state: "a time newer than last_ok", verdict: "FAIL", words: "the last run failed", set: &[("last_ok", r#"{"ago": 120}"#), ("last_error", r#"{"ago": 60}"#)], ..BASE },
        CrumbRow { input: "last_error", state: "a time older than last_ok", words: "an older error is recorded", set: &[("last_error", r#"{"ago": 600}"#)], ..BASE },
        CrumbRow { input: "last_error", state: "more than 5 min in the future", verdict: "FAIL", words: "in the future: check the clocks or the time zone", set: &[("last_error", r#"{"ago": -3600}"#)], ..BASE },
        CrumbRow { input: "last_error", state: "undecodable", verdict: "FAIL", words: "not a value Django can read", set: &[("last_error", UNDECODABLE)], ..BASE },
        CrumbRow { input: "running_pid", state: "absent", words: "not running now", set: &[("running_pid", r#"{"delete": true}"#)], ..BASE },
        CrumbRow { input: "running_pid", state: "alive", words: "alive", ..BASE },
        CrumbRow { input: "running_pid", state: "a zombie (exited, not reaped)", verdict: "FAIL", words: "is a zombie", set: NOW, process: Proc::Zombie, ..BASE },
        CrumbRow { input: "running_pid", state: "dead (state X)", verdict: "FAIL", words: "is dead (state X)", judge_only: true, ..BASE },
        CrumbRow { input: "running_pid", state: "a process started after last_run (a reused PID)", verdict: "FAIL", words: "belongs to another process", set: RUN_30S_AGO, process: Proc::Sleeper, ..BASE },
        CrumbRow { input: "running_pid", state: "start time unknown", verdict: "WARN", words: "not identified", judge_only: true, ..BASE },
        CrumbRow { input: "running_pid", state: "command line contains pid_cmdline", words: "alive", set: NOW, process: Proc::Sleeper, probe_extra: "pid_cmdline = \"sleep\"\n", ..BASE },
        CrumbRow { input: "running_pid", state: "command line without pid_cmdline", verdict: "FAIL", words: "is not the enforcer", set: NOW, process: Proc::Sleeper, probe_extra: "pid_cmdline = \"manage.py enforce\"\n", ..BASE },
        CrumbRow { input: "running_pid", state: "in the unit pid_unit names", words: "alive", judge_only: true, ..BASE },
        CrumbRow { input: "running_pid", state: "started after last_run, command line contains pid_cmdline (restarted since its last cycle)", words: "alive", set: RUN_30S_AGO, process: Proc::Sleeper, probe_extra: "pid_cmdline = \"sleep\"\n", ..BASE },
        CrumbRow { input: "running_pid", state: "started after last_run, in the unit pid_unit names (restarted since its last cycle)", words: "alive", judge_only: true, ..BASE },
        CrumbRow { input: "running_pid", state: "not in the unit pid_unit names", verdict: "FAIL", words: "is not the enforcer", set: NOW, process: Proc::Sleeper, probe_extra: "pid_unit = \"bisk-enforcer.service\"\n", ..BASE },
        CrumbRow { input: "running_pid", state: "dead, Redis at 127.0.0.1", verdict: "FAIL", words: "stale PID", set: DEAD, ..BASE },
        CrumbRow { input: "running_pid", state: "dead, Redis addressed by this host's name", verdict: "FAIL", words: "stale PID", set: DEAD, target: "name", ..BASE },
        CrumbRow { input: "running_pid", state: "dead, Redis at this host's LAN address", verdict: "FAIL", words: "stale PID", set: DEAD, target: "lan", ..BASE },
        CrumbRow { input: "running_pid", state: "dead, Redis on a unix socket", verdict: "FAIL", words: "stale PID", set: DEAD, target: "unix", ..BASE },
        CrumbRow { input: "running_pid", state: "dead, Redis on another host (local = false)", verdict: "WARN", words: "not checked: Redis is on another host", set: DEAD, target: "remote", ..BASE },
        CrumbRow { input: "running_pid", state: "any, check_pid = false", words: "not checked: check_pid = false", set: DEAD, probe_extra: "check_pid = false\n", ..BASE },
        CrumbRow { input: "running_pid", state: "a PID, no /proc on this host", verdict: "WARN", words: "not checked: this host has no /proc", judge_only: true, ..BASE },
        CrumbRow { input: "running_pid", state: "not an int", verdict: "FAIL", words: "not a PID", set: &[("running_pid", r#"{"str": "1234"}"#)], ..BASE },
        CrumbRow { input: "running_pid", state: "undecodable", verdict: "FAIL", words: "not a value Django can read", set: &[("running_pid", UNDECODABLE)], ..BASE },
        CrumbRow { input: "TTL", state: "none (timeout=None)", words: "last run 1 min ago", ..BASE },
        CrumbRow { input: "TTL", state: "set (Django's default timeout)", verdict: "WARN", words: "breadcrumbs expire", timeout: r#""default""#, ..BASE },
        CrumbRow { input: "legacy names", state: "present next to fresh breadcrumbs", verdict: "WARN", words: "legacy keys", legacy_too: true, ..BASE },
    ]
}

fn table_of(rows: impl Iterator<Item = (String, String, String, String, bool)>) -> Vec<TableRow> {
    rows.map(|(input, state, verdict, words, judge)| TableRow {
        input,
        state,
        verdict,
        words,
        tested_by: if judge { "judge" } else { "Django" }.into(),
    })
    .collect()
}

#[test]
fn breadcrumbs_table_matches_the_manual() {
    assert_same_table(
        "enforcer.breadcrumbs",
        table_of(crumb_rows().iter().map(|r| {
            (
                r.input.into(),
                r.state.into(),
                r.verdict.into(),
                r.words.into(),
                r.judge_only,
            )
        })),
    );
}

/// How long ago a row's last_run is (60 s unless the row sets `ago`).
fn run_ago(row: &CrumbRow) -> i64 {
    row.set
        .iter()
        .find(|(n, _)| *n == "last_run")
        .and_then(|(_, spec)| serde_json::from_str::<Value>(spec).ok()?["ago"].as_i64())
        .unwrap_or(60)
}

/// The healthy baseline plus the row's changes, as write_values.py plan entries; `pid` is
/// the process `running_pid` names.
fn crumb_writes(ns: &str, row: &CrumbRow, pid: u32) -> Vec<Value> {
    let mut values: Vec<(&str, Value)> = vec![
        ("last_run", json!({"ago": 60})),
        ("last_ok", json!({"ago": 60})),
        ("last_error", json!({"none": true})),
        ("running_pid", json!({"int": pid})),
    ];
    for (name, spec) in row.set {
        let spec: Value = serde_json::from_str(spec).expect("row spec is JSON");
        values.iter_mut().find(|(n, _)| n == name).unwrap().1 = spec;
    }
    if run_ago(row) > 90 && !row.set.iter().any(|(n, _)| *n == "running_pid") {
        // No process here need be that old, and one started since is a reused PID: an
        // enforcer this late is not running now.
        values
            .iter_mut()
            .find(|(n, _)| *n == "running_pid")
            .unwrap()
            .1 = json!({"delete": true});
    }
    let timeout: Value = serde_json::from_str(row.timeout).unwrap();
    let mut writes: Vec<Value> = values
        .iter()
        .map(|(n, v)| json!({"key": format!("{ns}:{n}"), "value": v, "alias": row.alias, "timeout": timeout}))
        .collect();
    if row.legacy_too {
        writes.extend(values.iter().map(|(n, v)| {
            json!({"key": format!("{ns}:{n}"), "value": v, "alias": "legacy", "timeout": null})
        }));
    }
    writes
}

#[test]
fn breadcrumbs_table_rows_with_real_django() {
    let r = table_redis();
    let rows = crumb_rows();
    let mut writes = Vec::new();
    let mut bodies = Vec::new();
    let mut judged = Vec::new();
    let mut processes = (Vec::new(), Vec::new());
    for (i, row) in rows.iter().enumerate() {
        if row.judge_only {
            continue;
        }
        let ns = format!("row{i}");
        let pid = match row.process {
            Proc::Enforcer => kit::process::enforcer_pid(run_ago(row)),
            Proc::Zombie => {
                let z = kit::process::Zombie::start();
                let pid = z.pid;
                processes.0.push(z);
                pid
            }
            Proc::Sleeper => {
                let s = kit::process::Sleeper::start();
                let pid = s.pid();
                processes.1.push(s);
                pid
            }
        };
        writes.extend(crumb_writes(&ns, row, pid));
        let target = if row.target.is_empty() {
            String::new()
        } else {
            format!("target = \"{}\"\n", row.target)
        };
        bodies.push(format!(
            "check = \"enforcer.breadcrumbs\"\nnamespace = \"{ns}\"\n{target}{}",
            row.probe_extra
        ));
        judged.push(row);
    }
    django_write(&r.url(1), &writes);
    let results = run_probes(config_for(&r), RunOptions::default(), &bodies);
    for (row, res) in judged.iter().zip(&results) {
        let t = TableRow {
            input: row.input.into(),
            state: row.state.into(),
            verdict: row.verdict.into(),
            words: row.words.into(),
            tested_by: "Django".into(),
        };
        check_row(&t, res);
    }
}

fn crumbs_params() -> BreadcrumbParams {
    let d = decl::parse(
        "check = \"enforcer.breadcrumbs\"\n",
        Path::new("T.md"),
        1,
        1,
    )
    .unwrap();
    match d.check {
        Check::Breadcrumbs(p) => p,
        other => panic!("{other:?}"),
    }
}

/// A live enforcer: started an hour before `now`, in its unit, running its command.
fn live(now: jiff::Timestamp) -> Process {
    Process {
        pid: 42,
        state: 'S',
        ppid: 1,
        started: Ok(now - jiff::SignedDuration::from_secs(3600)),
        cmdline: Ok("/srv/bisk/.venv/bin/python manage.py enforce".into()),
        cgroup: Ok(Cgroup {
            path: "/system.slice/bisk-enforcer.service".into(),
            unit: Some("bisk-enforcer.service".into()),
        }),
    }
}

fn healthy_state(now: jiff::Timestamp) -> CrumbState {
    let at = now - jiff::SignedDuration::from_secs(60);
    CrumbState {
        keys: ["last_run", "last_ok", "last_error", "running_pid"]
            .map(|n| format!("bisk:1:enforcer:{n}")),
        last_run: Stamp::At { at, naive: false },
        last_ok: Stamp::At { at, naive: false },
        last_error: ErrorCrumb::Clear,
        pid: Pid::Found(live(now)),
        ttls: [-1; 4],
        legacy: 0,
        legacy_pattern: ":1:enforcer:*".into(),
        db: 1,
    }
}

#[test]
fn breadcrumbs_judge_only_rows() {
    let now = jiff::Timestamp::now();
    for row in crumb_rows().iter().filter(|r| r.judge_only) {
        let mut s = healthy_state(now);
        let mut p = crumbs_params();
        match row.state {
            "a PID, no /proc on this host" => {
                s.pid = Pid::Unverifiable {
                    pid: 42,
                    why: "this host has no /proc to look it up".into(),
                }
            }
            "dead (state X)" => {
                s.pid = Pid::Found(Process {
                    state: 'X',
                    ..live(now)
                })
            }
            "start time unknown" => {
                s.pid = Pid::Found(Process {
                    started: Err("/proc/42/stat is unreadable: no start time field (22)".into()),
                    ..live(now)
                })
            }
            "in the unit pid_unit names" => {
                p.pid_unit = Some("bisk-enforcer.service".into());
                s.pid = Pid::Found(live(now));
            }
            "started after last_run, in the unit pid_unit names (restarted since its last cycle)" =>
            {
                p.pid_unit = Some("bisk-enforcer.service".into());
                s.pid = Pid::Found(Process {
                    started: Ok(now - jiff::SignedDuration::from_secs(20)),
                    ..live(now)
                });
                let v = breadcrumbs::judge(&s, &p, now);
                let identity = v.identity.clone().unwrap_or_default();
                assert!(
                    identity.contains(
                        "the enforcer restarted since its last cycle (identified by pid_unit)"
                    ),
                    "{v:#?}"
                );
                // The same late start without pid_unit cannot be told from a reused PID.
                let mut bare = crumbs_params();
                bare.pid_unit = None;
                assert_eq!(breadcrumbs::judge(&s, &bare, now).status.word(), "FAIL");
            }
            other => panic!("no judge setup for the row {other:?}"),
        }
        let v = breadcrumbs::judge(&s, &p, now);
        assert_eq!(v.status.word(), row.verdict, "{}: {v:#?}", row.state);
        assert!(
            v.summary.contains(row.words),
            "{}: {}",
            row.state,
            v.summary
        );
    }
}

/// The worst cause comes first, so the person reading the summary at 3 a.m. starts there.
#[test]
fn breadcrumbs_summary_puts_the_worst_cause_first() {
    let r = table_redis();
    django_write(
        &r.url(1),
        &[
            json!({"key": "enforcer:last_run", "value": {"ago": 60}, "timeout": 300}),
            json!({"key": "enforcer:last_ok", "value": {"ago": 259200}, "timeout": 300}),
            json!({"key": "enforcer:last_error", "value": {"none": true}, "timeout": 300}),
            json!({"key": "enforcer:running_pid", "value": {"dead_pid": true}, "timeout": 300}),
        ],
    );
    let res = run_probes(
        config_for(&r),
        RunOptions::default(),
        &["check = \"enforcer.breadcrumbs\"\n".to_string()],
    )
    .remove(0);
    assert_eq!(res.status, Status::Fail, "{res:#?}");
    assert!(
        res.summary.starts_with("no success for 3 days"),
        "{}",
        res.summary
    );
    let expire = res.summary.find("breadcrumbs expire").expect("TTL said");
    let stale = res.summary.find("stale PID").expect("PID said");
    assert!(stale < expire, "FAILs before WARNs: {}", res.summary);
}

// ---------------------------------------------------------------------------------------------
// cache.key

struct KeyRow {
    input: &'static str,
    state: &'static str,
    verdict: &'static str,
    words: &'static str,
    /// Value spec for write_values.py; `None` writes nothing.
    value: Option<&'static str>,
    alias: &'static str,
    version: i64,
    timeout: &'static str,
    /// Probe parameters besides check and key.
    params: &'static str,
}

const KBASE: KeyRow = KeyRow {
    input: "",
    state: "",
    verdict: "PASS",
    words: "",
    value: Some(r#"{"str": "pong"}"#),
    alias: "default",
    version: 1,
    timeout: "null",
    params: "",
};

#[rustfmt::skip]
fn key_rows() -> Vec<KeyRow> {
    vec![
        KeyRow { input: "key", state: "present", words: "= 'pong'", ..KBASE },
        KeyRow { input: "key", state: "absent", verdict: "FAIL", words: "is absent in db 1", value: None, ..KBASE },
        KeyRow { input: "key", state: "absent, written without KEY_PREFIX", verdict: "FAIL", words: "written without KEY_PREFIX", alias: "legacy", ..KBASE },
        KeyRow { input: "key", state: "absent, present in another DB", verdict: "FAIL", words: "exists in db 0", alias: "wrongdb", ..KBASE },
        KeyRow { input: "key", state: "absent, present under another VERSION", verdict: "FAIL", words: "another cache VERSION", version: 2, ..KBASE },
        KeyRow { input: "key", state: "undecodable", verdict: "FAIL", words: "a value Django cannot read", value: Some(UNDECODABLE), ..KBASE },
        KeyRow { input: "key", state: "pickles a class from a module the app may not import", verdict: "WARN", words: "Django can load it only if the app can import nosuchmodule", value: Some(r#"{"foreign": "nosuchmodule.Foo"}"#), ..KBASE },
        KeyRow { input: "key", state: "an exception object", words: "= ValueError('boom')", value: Some(r#"{"exception": ["builtins.ValueError", "boom"]}"#), ..KBASE },
        KeyRow { input: "key", state: "an exception of a class from the app's module", verdict: "WARN", words: "pickles a `enforcer_errors.EnforcerError`", value: Some(r#"{"exception": ["enforcer_errors.EnforcerError", "lock held", 3]}"#), ..KBASE },
        KeyRow { input: "expect = \"absent\"", state: "absent", words: "is absent, as expected", value: None, params: "expect = \"absent\"\n", ..KBASE },
        KeyRow { input: "expect = \"absent\"", state: "present", verdict: "FAIL", words: "should be absent", params: "expect = \"absent\"\n", ..KBASE },
        KeyRow { input: "equals", state: "same value", words: "= 'pong'", params: "equals = \"pong\"\n", ..KBASE },
        KeyRow { input: "equals", state: "another value", verdict: "FAIL", words: "expected 'pong'", value: Some(r#"{"str": "pang"}"#), params: "equals = \"pong\"\n", ..KBASE },
        KeyRow { input: "max_age", state: "fresh", words: "1 min ago", value: Some(r#"{"ago": 60}"#), params: "max_age = \"15m\"\n", ..KBASE },
        KeyRow { input: "max_age", state: "up to 5 min ahead (clock skew)", words: "UTC, in", value: Some(r#"{"ago": -120}"#), params: "max_age = \"15m\"\n", ..KBASE },
        KeyRow { input: "max_age", state: "older than max_age", verdict: "FAIL", words: "older than 15m", value: Some(r#"{"ago": 1200}"#), params: "max_age = \"15m\"\n", ..KBASE },
        KeyRow { input: "max_age", state: "more than 5 min in the future", verdict: "FAIL", words: "in the future: check the clocks or the time zone", value: Some(r#"{"ago": -2592000}"#), params: "max_age = \"15m\"\n", ..KBASE },
        KeyRow { input: "max_age", state: "not a time", verdict: "FAIL", words: "not a datetime", params: "max_age = \"15m\"\n", ..KBASE },
        KeyRow { input: "max_age", state: "naive datetime", words: "naive", value: Some(r#"{"naive_ago": 60}"#), params: "max_age = \"15m\"\n", ..KBASE },
        KeyRow { input: "max_age", state: "ISO-8601 string without offset", words: "read as UTC", value: Some(r#"{"iso_ago": 60, "offset": false}"#), params: "max_age = \"15m\"\n", ..KBASE },
        KeyRow { input: "max_age", state: "datetime whose offset has microseconds (`timezone(timedelta(seconds=19800, microseconds=123456))`)", words: "+05:30:00.123456), 1 min ago", value: Some(r#"{"ago": 60, "offset_us": true}"#), params: "max_age = \"15m\"\n", ..KBASE },
        KeyRow { input: "max_age", state: "ISO-8601 string with an offset in seconds and microseconds (`+05:30:00.123456`)", words: "1 min ago (ISO string", value: Some(r#"{"iso_ago": 60, "offset_us": true}"#), params: "max_age = \"15m\"\n", ..KBASE },
        KeyRow { input: "persistent = true", state: "no TTL", words: "= 'pong'", params: "persistent = true\n", ..KBASE },
        KeyRow { input: "persistent = true", state: "TTL set", verdict: "FAIL", words: "should not expire", timeout: r#""default""#, params: "persistent = true\n", ..KBASE },
        KeyRow { input: "persistent = false", state: "no TTL", verdict: "FAIL", words: "never expires", params: "persistent = false\n", ..KBASE },
        KeyRow { input: "min_ttl", state: "TTL below", verdict: "FAIL", words: "is below", timeout: "60", params: "min_ttl = 120\n", ..KBASE },
        KeyRow { input: "max_ttl", state: "TTL above", verdict: "FAIL", words: "exceeds", timeout: "600", params: "max_ttl = 300\n", ..KBASE },
        KeyRow { input: "max_ttl", state: "no TTL", verdict: "FAIL", words: "exceeds", params: "max_ttl = 300\n", ..KBASE },
        KeyRow { input: "max_ttl", state: "TTL within", words: "= 'pong'", timeout: "60", params: "max_ttl = 300\n", ..KBASE },
    ]
}

#[test]
fn cache_key_table_matches_the_manual() {
    assert_same_table(
        "cache.key",
        table_of(key_rows().iter().map(|r| {
            (
                r.input.into(),
                r.state.into(),
                r.verdict.into(),
                r.words.into(),
                false,
            )
        })),
    );
}

#[test]
fn cache_key_table_rows_with_real_django() {
    let r = table_redis();
    let rows = key_rows();
    let mut writes = Vec::new();
    let mut bodies = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let key = format!("k{i}:value");
        if let Some(spec) = row.value {
            let spec: Value = serde_json::from_str(spec).unwrap();
            let timeout: Value = serde_json::from_str(row.timeout).unwrap();
            writes.push(json!({"key": key, "value": spec, "alias": row.alias, "version": row.version, "timeout": timeout}));
        }
        bodies.push(format!(
            "check = \"cache.key\"\nkey = \"{key}\"\n{}",
            row.params
        ));
    }
    django_write(&r.url(1), &writes);
    let results = run_probes(config_for(&r), RunOptions::default(), &bodies);
    for (row, res) in rows.iter().zip(&results) {
        let t = TableRow {
            input: row.input.into(),
            state: row.state.into(),
            verdict: row.verdict.into(),
            words: row.words.into(),
            tested_by: "Django".into(),
        };
        check_row(&t, res);
    }
}

/// Issue 18, 6: the WARN row is not caution for its own sake: Django itself cannot load
/// the value it wrote, from a process that cannot import the class's module.
#[test]
fn django_indeed_cannot_load_what_cache_key_warns_about() {
    let r = table_redis();
    django_write(
        &r.url(1),
        &[
            json!({"key": "foreign", "value": {"foreign": "nosuchmodule.Foo"}, "alias": "default", "version": 1, "timeout": null}),
        ],
    );
    let got = kit::django::django(
        &r.url(1),
        "try:\n    cache.get('foreign')\n    print('loaded')\nexcept ModuleNotFoundError as e:\n    print('ModuleNotFoundError', e.name)",
    );
    assert_eq!(got, "ModuleNotFoundError nosuchmodule");
    let res = &run_probes(
        config_for(&r),
        RunOptions::default(),
        &["check = \"cache.key\"\nkey = \"foreign\"\n".to_string()],
    )[0];
    assert_eq!(res.status, Status::Warn, "{res:#?}");
    assert_eq!(
        res.summary,
        "bisk:1:foreign: the value pickles a `nosuchmodule.Foo`; Django can load it only if the app can import nosuchmodule"
    );
    assert!(
        res.observed
            .as_deref()
            .unwrap_or("")
            .starts_with("<unsupported nosuchmodule.Foo"),
        "{res:#?}"
    );
}

// ---------------------------------------------------------------------------------------------
// cache.roundtrip

fn roundtrip_rows() -> Vec<TableRow> {
    let row = |input: &str, state: &str, verdict: &str, words: &str, by: &str| TableRow {
        input: input.into(),
        state: state.into(),
        verdict: verdict.into(),
        words: words.into(),
        tested_by: by.into(),
    };
    vec![
        row(
            "write and read back",
            "as Django writes it",
            "PASS",
            "wrote and read back 'pong'",
            "Django",
        ),
        row(
            "allow_writes",
            "false",
            "SKIPPED",
            "allow_writes = false",
            "Django",
        ),
        row("the run", "--read-only", "SKIPPED", "read-only", "Django"),
        row(
            "Redis",
            "refuses writes (read-only replica)",
            "ERROR",
            "READONLY",
            "Django",
        ),
        row(
            "Redis",
            "out of memory (maxmemory, noeviction)",
            "ERROR",
            "OOM",
            "Django",
        ),
        row(
            "read back",
            "nothing (evicted at once)",
            "FAIL",
            "found nothing",
            "judge",
        ),
        row(
            "read back",
            "other bytes",
            "FAIL",
            "read back differently",
            "judge",
        ),
        row(
            "TTL",
            "outside (0, ttl]",
            "FAIL",
            "instead of (0, 60] s",
            "judge",
        ),
        row(
            "SCAN",
            "does not find the key",
            "FAIL",
            "did not find it although GET did",
            "judge",
        ),
    ]
}

#[test]
fn roundtrip_table_matches_the_manual() {
    assert_same_table("cache.roundtrip", roundtrip_rows());
}

fn roundtrip_on(
    r: &RedisServer,
    configure: impl FnOnce(&mut Config),
    opts: RunOptions,
) -> ProbeResult {
    let mut c = config_for(r);
    configure(&mut c);
    run_probes(c, opts, &["check = \"cache.roundtrip\"\n".to_string()]).remove(0)
}

#[test]
fn roundtrip_table_rows() {
    let rows = roundtrip_rows();
    let r = table_redis();
    // PASS, and Django's own cache.get reads what the probe wrote.
    let res = roundtrip_on(&r, |_| {}, RunOptions::default());
    check_row(&rows[0], &res);
    assert_eq!(
        kit::django::django(&r.url(1), "print(repr(cache.get('ping')))"),
        "'pong'"
    );
    let res = roundtrip_on(&r, |c| c.redis.allow_writes = false, RunOptions::default());
    check_row(&rows[1], &res);
    let res = roundtrip_on(
        &r,
        |_| {},
        RunOptions {
            read_only: true,
            ..RunOptions::default()
        },
    );
    check_row(&rows[2], &res);
    // A replica (of a master that is not there) refuses writes.
    let replica = RedisServer::start_with(RedisOptions {
        extra: vec![
            "--replicaof".into(),
            "127.0.0.1".into(),
            kit::closed_port().to_string(),
        ],
        ..RedisOptions::default()
    });
    let res = roundtrip_on(
        &replica,
        |c| c.redis.url = replica.url(1),
        RunOptions::default(),
    );
    check_row(&rows[3], &res);
    let full = RedisServer::start_with(RedisOptions {
        extra: vec![
            "--maxmemory".into(),
            "1".into(),
            "--maxmemory-policy".into(),
            "noeviction".into(),
        ],
        ..RedisOptions::default()
    });
    let res = roundtrip_on(&full, |c| c.redis.url = full.url(1), RunOptions::default());
    check_row(&rows[4], &res);
    // Rows a real server cannot be made to show on demand: the pure judgement.
    let read = |back_equal, ttl, scan_found| RoundtripRead {
        back_equal,
        ttl,
        scan_found,
        scan_complete: true,
    };
    let cases = [
        (&rows[5], read(None, -2, false)),
        (&rows[6], read(Some(false), 60, true)),
        (&rows[7], read(Some(true), -1, true)),
        (&rows[8], read(Some(true), 60, false)),
    ];
    for (row, state) in cases {
        let (summary, hint) = judge_roundtrip("bisk:1:ping", 60, &state).expect("a failure");
        assert_eq!(row.verdict, "FAIL");
        assert!(summary.contains(&row.words), "{}: {summary}", row.state);
        assert!(hint.is_some(), "{}", row.state);
    }
    assert_eq!(
        judge_roundtrip("bisk:1:ping", 60, &read(Some(true), 60, true)),
        None
    );
}

// ---------------------------------------------------------------------------------------------
// Regressions of issue 9, each named after the defect.

/// Issue 9, item 1: a last_ok hours or days old passed when last_run was fresh and no error
/// was recorded; a missing last_ok passed too.
#[test]
fn regression_last_ok_age_and_absence_fail() {
    let r = table_redis();
    let pid = kit::process::enforcer_pid(30);
    let mut writes = Vec::new();
    for (ns, ok) in [
        ("ok2h", json!({"ago": 7200})),
        ("ok3d", json!({"ago": 259200})),
        ("okmissing", json!({"delete": true})),
    ] {
        writes.push(json!({"key": format!("{ns}:last_run"), "value": {"ago": 30}}));
        writes.push(json!({"key": format!("{ns}:last_ok"), "value": ok}));
        writes.push(json!({"key": format!("{ns}:last_error"), "value": {"delete": true}}));
        writes.push(json!({"key": format!("{ns}:running_pid"), "value": {"int": pid}}));
    }
    django_write(&r.url(1), &writes);
    let bodies: Vec<String> = ["ok2h", "ok3d", "okmissing"]
        .iter()
        .map(|ns| format!("check = \"enforcer.breadcrumbs\"\nnamespace = \"{ns}\"\n"))
        .collect();
    let res = run_probes(config_for(&r), RunOptions::default(), &bodies);
    for (res, words) in res.iter().zip([
        "no success for 2 h",
        "no success for 3 days",
        "has never succeeded",
    ]) {
        assert_eq!(res.status, Status::Fail, "{res:#?}");
        assert!(res.summary.contains(words), "{}", res.summary);
    }
}

/// Issue 9, item 2: a dead PID passed when Redis was addressed by this host's name or LAN IP.
#[test]
fn regression_dead_pid_fails_by_host_name_and_lan_address() {
    let r = table_redis();
    let writes: Vec<Value> = ["last_run", "last_ok", "last_error", "running_pid"]
        .iter()
        .zip([
            json!({"ago": 60}),
            json!({"ago": 60}),
            json!({"none": true}),
            json!({"dead_pid": true}),
        ])
        .map(|(n, v)| json!({"key": format!("enforcer:{n}"), "value": v}))
        .collect();
    django_write(&r.url(1), &writes);
    for target in ["name", "lan"] {
        let res = run_probes(
            config_for(&r),
            RunOptions::default(),
            &[format!(
                "check = \"enforcer.breadcrumbs\"\ntarget = \"{target}\"\n"
            )],
        )
        .remove(0);
        assert_eq!(res.status, Status::Fail, "{target}: {res:#?}");
        assert!(
            res.summary.contains("stale PID"),
            "{target}: {}",
            res.summary
        );
    }
}

/// Issue 9, item 3: a last_ok 30 days ahead passed `cache.key max_age` ("in 29 days 23 h"),
/// and a last_run ahead of the clock was only a warning.
#[test]
fn regression_future_times_fail() {
    let r = table_redis();
    let pid = std::process::id();
    django_write(
        &r.url(1),
        &[
            json!({"key": "enforcer:last_run", "value": {"ago": -7200}}),
            json!({"key": "enforcer:last_ok", "value": {"ago": -2592000}}),
            json!({"key": "enforcer:last_error", "value": {"none": true}}),
            json!({"key": "enforcer:running_pid", "value": {"int": pid}}),
        ],
    );
    let res = run_probes(
        config_for(&r),
        RunOptions::default(),
        &[
            "check = \"cache.key\"\nkey = \"enforcer:last_ok\"\nmax_age = \"15m\"\n".to_string(),
            "check = \"enforcer.breadcrumbs\"\n".to_string(),
        ],
    );
    for res in &res {
        assert_eq!(res.status, Status::Fail, "{res:#?}");
        assert!(
            res.summary
                .contains("in the future: check the clocks or the time zone"),
            "{}",
            res.summary
        );
    }
}

/// Issue 9, item 9: an ISO-8601 string without an offset was "not a datetime".
#[test]
fn regression_iso_string_without_offset_is_a_time() {
    let r = table_redis();
    django_write(
        &r.url(1),
        &[json!({"key": "enforcer:last_ok", "value": {"iso_ago": 60, "offset": false}})],
    );
    let res = run_probes(
        config_for(&r),
        RunOptions::default(),
        &["check = \"cache.key\"\nkey = \"enforcer:last_ok\"\nmax_age = \"15m\"\n".to_string()],
    )
    .remove(0);
    assert_eq!(res.status, Status::Pass, "{res:#?}");
    assert!(res.summary.contains("read as UTC"), "{}", res.summary);
}

/// `local = true | false` is a key of every target in bisk-docs.toml.
#[test]
fn local_is_a_target_setting() {
    let config = Config::parse(
        "[redis]\nlocal = true\n[targets.far]\nurl = \"redis://10.0.0.5:6379/1\"\nlocal = false\n",
        Path::new("bisk-docs.toml"),
    )
    .expect("config with local parses");
    assert_eq!(config.redis.local, Some(true));
    assert_eq!(config.targets["far"].local, Some(false));
}
