//! Probes against real private redis-servers: every check's verdicts on the states the
//! guide describes, written with the Django encoder (or real Django bytes from fixtures).

use crate::kit;

use std::path::Path;
use std::time::{Duration, Instant};

use bisk_docs::config::Config;
use bisk_docs::django::{PyValue, encode};
use bisk_docs::probe::{ProbeResult, RunOptions, Status};
use kit::django::utc_ago;
use kit::probe::{redis_config, run_probe, run_probes};
use kit::{BlackHole, RedisOptions, RedisServer, closed_port};

fn config(url: &str) -> Config {
    redis_config(url, 500, 800)
}

fn run(url: &str, body: &str) -> ProbeResult {
    run_probe(config(url), body)
}

fn put(r: &RedisServer, db: u32, key: &str, v: &PyValue, ex: Option<u64>) {
    r.set(db, key, &encode(v).expect("encode"), ex);
}

struct Crumbs {
    run_ago: i64,
    ok_ago: i64,
    error: PyValue,
    pid: PyValue,
}

fn healthy() -> Crumbs {
    Crumbs {
        run_ago: 60,
        ok_ago: 60,
        error: PyValue::None,
        pid: PyValue::Int(crate::kit::process::enforcer_pid(60) as i64),
    }
}

fn write_crumbs(r: &RedisServer, db: u32, prefix: &str, c: &Crumbs, ex: Option<u64>) {
    put(
        r,
        db,
        &format!("{prefix}:1:enforcer:last_run"),
        &utc_ago(c.run_ago),
        ex,
    );
    put(
        r,
        db,
        &format!("{prefix}:1:enforcer:last_ok"),
        &utc_ago(c.ok_ago),
        ex,
    );
    put(
        r,
        db,
        &format!("{prefix}:1:enforcer:last_error"),
        &c.error,
        ex,
    );
    put(
        r,
        db,
        &format!("{prefix}:1:enforcer:running_pid"),
        &c.pid,
        ex,
    );
}

const CRUMBS: &str = "check = \"enforcer.breadcrumbs\"\n";

fn assert_hint(r: &ProbeResult, anchor: &str) {
    let link = r
        .hint
        .as_ref()
        .and_then(|h| h.link.clone())
        .unwrap_or_default();
    assert!(
        link.ends_with(anchor),
        "hint {link:?} should point to {anchor}: {r:#?}"
    );
}

#[test]
fn ping_passes_with_latency() {
    let r = RedisServer::start();
    let res = run(&r.url(1), "check = \"redis.ping\"\n");
    assert_eq!(res.status, Status::Pass, "{res:#?}");
    assert!(
        res.evidence
            .iter()
            .any(|e| e.label == "round trip" && e.value.ends_with("ms"))
    );
    assert!(res.hint.is_none());
}

#[test]
fn breadcrumbs_healthy() {
    let r = RedisServer::start();
    write_crumbs(&r, 1, "bisk", &healthy(), None);
    let res = run(&r.url(1), CRUMBS);
    assert_eq!(res.status, Status::Pass, "{res:#?}");
    assert!(
        res.summary.contains("last run 1 min ago"),
        "{}",
        res.summary
    );
    assert!(res.summary.contains("alive"), "{}", res.summary);
    assert!(
        res.evidence
            .iter()
            .any(|e| e.label == "bisk:1:enforcer:last_run")
    );
}

#[test]
fn breadcrumbs_stale_warns_then_fails() {
    let r = RedisServer::start();
    write_crumbs(
        &r,
        1,
        "bisk",
        &Crumbs {
            run_ago: 20 * 60,
            ok_ago: 20 * 60,
            // No process here may be 20 min old: one started since would read as a reused PID.
            pid: PyValue::None,
            ..healthy()
        },
        None,
    );
    let res = run(&r.url(1), CRUMBS);
    assert_eq!(res.status, Status::Warn, "{res:#?}");
    assert!(res.summary.contains("20 min ago"), "{}", res.summary);
    write_crumbs(
        &r,
        1,
        "bisk",
        &Crumbs {
            run_ago: 2 * 3600,
            ok_ago: 2 * 3600,
            pid: PyValue::None,
            ..healthy()
        },
        None,
    );
    let res = run(&r.url(1), CRUMBS);
    assert_eq!(res.status, Status::Fail, "{res:#?}");
    assert_hint(&res, "#troubleshooting-d");
    // A custom threshold moves the line.
    let res = run(
        &r.url(1),
        "check = \"enforcer.breadcrumbs\"\nmax_age = \"3h\"\nfail_after = \"4h\"\n",
    );
    assert_eq!(res.status, Status::Pass, "{res:#?}");
}

#[test]
fn breadcrumbs_failing_shows_error_text_escaped_later() {
    let r = RedisServer::start();
    let tb = "Traceback (most recent call last):\n  File \"/srv/bisk/enforcer.py\", line 42, in run\nValueError: quota <exceeded>\n";
    write_crumbs(
        &r,
        1,
        "bisk",
        &Crumbs {
            run_ago: 30,
            ok_ago: 3600,
            error: PyValue::Str(tb.into()),
            ..healthy()
        },
        None,
    );
    let res = run(&r.url(1), CRUMBS);
    assert_eq!(res.status, Status::Fail, "{res:#?}");
    assert!(
        res.summary.contains("ValueError: quota <exceeded>"),
        "{}",
        res.summary
    );
    assert!(
        res.observed
            .as_deref()
            .unwrap_or("")
            .contains("enforcer.py")
    );
    // The traceback as a person reads it: its own lines, not a repr with literal `\n`.
    assert_eq!(
        res.observed.as_deref(),
        Some(
            "last_error:\nTraceback (most recent call last):\n  File \"/srv/bisk/enforcer.py\", line 42, in run\nValueError: quota <exceeded>"
        ),
        "{res:#?}"
    );
    // The same error text with a success after the last run is history, not a failure.
    write_crumbs(
        &r,
        1,
        "bisk",
        &Crumbs {
            run_ago: 30,
            ok_ago: 30,
            error: PyValue::Str(tb.into()),
            ..healthy()
        },
        None,
    );
    let res = run(&r.url(1), CRUMBS);
    assert_eq!(res.status, Status::Pass, "{res:#?}");
}

#[test]
fn breadcrumbs_dead_pid() {
    let r = RedisServer::start();
    write_crumbs(
        &r,
        1,
        "bisk",
        &Crumbs {
            pid: PyValue::Int(4_194_303),
            ..healthy()
        },
        None,
    );
    let res = run(&r.url(1), CRUMBS);
    assert_eq!(res.status, Status::Fail, "{res:#?}");
    assert!(res.summary.contains("stale PID"), "{}", res.summary);
    let res = run(
        &r.url(1),
        "check = \"enforcer.breadcrumbs\"\ncheck_pid = false\n",
    );
    assert_eq!(res.status, Status::Pass, "{res:#?}");
}

#[test]
fn breadcrumbs_with_ttl_warn_about_default_timeout() {
    let r = RedisServer::start();
    write_crumbs(&r, 1, "bisk", &healthy(), Some(300));
    let res = run(&r.url(1), CRUMBS);
    assert_eq!(res.status, Status::Warn, "{res:#?}");
    assert!(res.summary.contains("300 s"), "{}", res.summary);
    assert_hint(&res, "ENFORCER_SYSTEMD_GUIDE.md#default-timeout");
}

#[test]
fn breadcrumbs_in_wrong_db() {
    let r = RedisServer::start();
    write_crumbs(&r, 1 - 1, "bisk", &healthy(), None);
    let res = run(&r.url(1), CRUMBS);
    assert_eq!(res.status, Status::Fail, "{res:#?}");
    assert!(res.summary.contains("exists in db 0"), "{}", res.summary);
}

#[test]
fn breadcrumbs_legacy_prefix() {
    let r = RedisServer::start();
    write_crumbs(&r, 1, "", &healthy(), None);
    let res = run(&r.url(1), CRUMBS);
    assert_eq!(res.status, Status::Fail, "{res:#?}");
    assert!(
        res.summary.contains("without KEY_PREFIX"),
        "{}",
        res.summary
    );
    // Nothing under the prefix: no empty "Observed" (the summary and evidence say what
    // was found).
    assert!(
        res.observed.as_deref().is_none_or(|o| !o.trim().is_empty()),
        "{res:#?}"
    );
    // Fresh prefixed breadcrumbs plus leftovers: a warning with the cleanup command.
    write_crumbs(&r, 1, "bisk", &healthy(), None);
    let res = run(&r.url(1), CRUMBS);
    assert_eq!(res.status, Status::Warn, "{res:#?}");
    assert_hint(&res, "#troubleshooting-f");
    let text = &res.hint.as_ref().unwrap().text;
    assert!(
        text.contains(&format!(
            "{} -n 1 --scan --pattern ':1:enforcer:*'",
            r.cli()
        )),
        "{text}"
    );
}

#[test]
fn breadcrumbs_no_keys() {
    let r = RedisServer::start();
    let res = run(&r.url(1), CRUMBS);
    assert_eq!(res.status, Status::Fail, "{res:#?}");
    assert!(res.summary.starts_with("no breadcrumbs"), "{}", res.summary);
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/probe-django")
            .join(name),
    )
    .unwrap()
}

#[test]
fn breadcrumbs_on_real_django_bytes() {
    // Written by real Django 5.2 (fixtures dated 2025-01-02, so old by now).
    let r = RedisServer::start();
    for n in ["last_run", "last_ok", "last_error", "running_pid"] {
        r.set(
            1,
            &format!("bisk:1:enforcer:{n}"),
            &fixture(&format!("scn_failing__{n}.bin")),
            None,
        );
    }
    let res = run(&r.url(1), CRUMBS);
    assert_eq!(res.status, Status::Fail, "{res:#?}");
    assert!(
        res.summary.contains("the last run failed"),
        "{}",
        res.summary
    );
    assert!(
        res.evidence
            .iter()
            .any(|e| e.value.contains("2025-01-02 03:04:05")),
        "{:#?}",
        res.evidence
    );
    // Naive datetimes are flagged as such.
    for n in ["last_run", "last_ok", "last_error", "running_pid"] {
        r.set(
            1,
            &format!("bisk:1:enforcer:{n}"),
            &fixture(&format!("scn_naive_datetime__{n}.bin")),
            None,
        );
    }
    let res = run(&r.url(1), CRUMBS);
    assert!(
        res.evidence.iter().any(|e| e.value.contains("naive")),
        "{:#?}",
        res.evidence
    );
    // ISO strings are understood as times.
    for n in ["last_run", "last_ok", "last_error", "running_pid"] {
        r.set(
            1,
            &format!("bisk:1:enforcer:{n}"),
            &fixture(&format!("scn_iso_string__{n}.bin")),
            None,
        );
    }
    let res = run(&r.url(1), CRUMBS);
    assert_eq!(res.status, Status::Fail, "{res:#?}");
    assert!(res.summary.contains("last run"), "{}", res.summary);
}

#[test]
fn roundtrip_writes_what_django_writes() {
    let r = RedisServer::start();
    let res = run(&r.url(1), "check = \"cache.roundtrip\"\n");
    assert_eq!(res.status, Status::Pass, "{res:#?}");
    // Byte-identical to Django's own cache.set("ping", "pong", 60).
    assert_eq!(r.get(1, "bisk:1:ping").unwrap(), fixture("ping.bin"));
    let ttl = r.ttl(1, "bisk:1:ping");
    assert!(ttl > 0 && ttl <= 60, "{ttl}");
    assert_eq!(res.observed.as_deref(), Some("'pong', TTL 60 s"));
}

#[test]
fn roundtrip_is_skipped_without_writes() {
    let r = RedisServer::start();
    let mut c = config(&r.url(1));
    c.redis.allow_writes = false;
    let res = run_probes(c, RunOptions::default(), &["check = \"cache.roundtrip\"\n"]).remove(0);
    assert_eq!(res.status, Status::Skipped);
    assert!(
        res.summary.contains("allow_writes = false"),
        "{}",
        res.summary
    );
    let res = run_probes(
        config(&r.url(1)),
        RunOptions {
            read_only: true,
            ..RunOptions::default()
        },
        &["check = \"cache.roundtrip\"\n"],
    )
    .remove(0);
    assert_eq!(res.status, Status::Skipped);
    assert!(r.get(1, "bisk:1:ping").is_none());
}

#[test]
fn cache_key_reads_and_judges() {
    let r = RedisServer::start();
    r.set(1, "bisk:1:ping", &fixture("ping.bin"), Some(60));
    let res = run(
        &r.url(1),
        "check = \"cache.key\"\nkey = \"ping\"\nequals = \"pong\"\nmax_ttl = 60\n",
    );
    assert_eq!(res.status, Status::Pass, "{res:#?}");
    assert_eq!(res.observed.as_deref(), Some("'pong'"));
    let res = run(
        &r.url(1),
        "check = \"cache.key\"\nkey = \"ping\"\nequals = \"PONG\"\n",
    );
    assert_eq!(res.status, Status::Fail);
    let res = run(
        &r.url(1),
        "check = \"cache.key\"\nkey = \"ping\"\npersistent = true\n",
    );
    assert_eq!(res.status, Status::Fail);
    assert_hint(&res, "#default-timeout");
    put(&r, 1, "bisk:1:enforcer:last_run", &utc_ago(3600), None);
    let res = run(
        &r.url(1),
        "check = \"cache.key\"\nkey = \"enforcer:last_run\"\nmax_age = \"15m\"\n",
    );
    assert_eq!(res.status, Status::Fail, "{res:#?}");
    assert!(res.summary.contains("older than 15m"), "{}", res.summary);
    // A raw value a person wrote by hand is not something Django can read.
    r.set(1, "bisk:1:raw", b"pong", None);
    let res = run(&r.url(1), "check = \"cache.key\"\nkey = \"raw\"\n");
    assert_eq!(res.status, Status::Fail, "{res:#?}");
    assert_hint(&res, "#troubleshooting-e");
}

#[test]
fn cache_key_misses_are_diagnosed() {
    let r = RedisServer::start();
    let probe = "check = \"cache.key\"\nkey = \"ping\"\n";
    let res = run(&r.url(1), probe);
    assert_eq!(res.status, Status::Fail);
    assert!(
        res.summary.contains("never written, or its TTL expired"),
        "{}",
        res.summary
    );
    assert_hint(&res, "#ping-gotchas");
    r.set(3, "bisk:1:ping", &fixture("ping.bin"), None);
    let res = run(&r.url(1), probe);
    assert!(res.summary.contains("exists in db 3"), "{}", res.summary);
    r.set(1, "bisk:2:ping", &fixture("ping.bin"), None);
    let res = run(&r.url(1), probe);
    assert!(
        res.summary.contains("bisk:2:ping") && res.summary.contains("VERSION"),
        "{}",
        res.summary
    );
    r.set(1, ":1:ping", &fixture("ping.bin"), None);
    let res = run(&r.url(1), probe);
    assert!(
        res.summary.contains(":1:ping") && res.summary.contains("KEY_PREFIX"),
        "{}",
        res.summary
    );
    let res = run(
        &r.url(1),
        "check = \"cache.key\"\nkey = \"nothing\"\nexpect = \"absent\"\n",
    );
    assert_eq!(res.status, Status::Pass);
}

#[test]
fn scan_for_leftovers_warns_with_cleanup() {
    let r = RedisServer::start();
    let body = "check = \"redis.scan\"\npattern = \":1:*\"\nexpect = \"none\"\n";
    assert_eq!(run(&r.url(1), body).status, Status::Pass);
    for i in 0..30 {
        r.set(1, &format!(":1:old{i}"), b"x", None);
    }
    // Just written: a process still uses them, so no delete loop (tests/testsuite/probe_redis_verdicts.rs
    // has the aged-leftovers rows that get the cleanup).
    let res = run(&r.url(1), body);
    assert_eq!(res.status, Status::Fail, "{res:#?}");
    assert!(res.summary.starts_with("30 keys"), "{}", res.summary);
    assert!(res.evidence.iter().any(|e| e.label == "first 20 keys"));
    assert_hint(&res, "#troubleshooting-f");
    let res = run(
        &r.url(1),
        "check = \"redis.scan\"\npattern = \"bisk:1:*\"\n",
    );
    assert_eq!(res.status, Status::Fail);
    let res = run(
        &r.url(1),
        "check = \"redis.scan\"\npattern = \":1:*\"\ndb = 0\n",
    );
    assert_eq!(res.status, Status::Fail, "db 0 has no keys: {res:#?}");
}

#[test]
fn info_and_config() {
    let r = RedisServer::start();
    let res = run(&r.url(1), "check = \"redis.info\"\n");
    assert_eq!(res.status, Status::Pass, "{res:#?}");
    assert!(res.summary.starts_with("Redis "), "{}", res.summary);
    let res = run(&r.url(1), "check = \"redis.config\"\n");
    assert_eq!(res.status, Status::Pass, "{res:#?}");
    assert!(res.summary.contains("loopback"), "{}", res.summary);
    let locked = RedisServer::start_with(RedisOptions {
        extra: vec!["--rename-command".into(), "CONFIG".into(), "".into()],
        ..RedisOptions::default()
    });
    let res = run(&locked.url(1), "check = \"redis.config\"\n");
    assert_eq!(res.status, Status::Skipped, "{res:#?}");
    assert!(
        res.summary.contains("CONFIG is disabled"),
        "{}",
        res.summary
    );
}

#[test]
fn password_right_wrong_and_missing_never_leak() {
    let secret = "s3cr#t-pa55";
    let r = RedisServer::start_with(RedisOptions {
        password: Some(secret.into()),
        ..RedisOptions::default()
    });
    let enc = "s3cr%23t-pa55";
    let good = format!("redis://:{enc}@127.0.0.1:{}/1", r.port);
    let res = run(&good, "check = \"redis.ping\"\n");
    assert_eq!(res.status, Status::Pass, "{res:#?}");
    let bad = format!("redis://:wrong-{enc}@127.0.0.1:{}/1", r.port);
    let res = run(&bad, "check = \"redis.ping\"\n");
    assert_eq!(res.status, Status::Error);
    assert!(res.summary.contains("WRONGPASS"), "{}", res.summary);
    let none = format!("redis://127.0.0.1:{}/1", r.port);
    let res = run(&none, "check = \"redis.ping\"\n");
    assert_eq!(res.status, Status::Error);
    assert!(res.summary.contains("NOAUTH"), "{}", res.summary);
    assert_hint(&res, "#security");
    for url in [&good, &bad] {
        let all = run_probes(
            config(url),
            RunOptions::default(),
            &[
                "check = \"redis.ping\"\n",
                "check = \"cache.key\"\nkey = \"x\"\n",
                "check = \"redis.config\"\n",
                "check = \"redis.info\"\n",
            ],
        );
        let json = serde_json::to_string(&all).unwrap();
        assert!(
            !json.contains("s3cr") && !json.contains("pa55"),
            "password leaked: {json}"
        );
    }
}

#[test]
fn closed_port_is_refused_with_hint() {
    let port = closed_port();
    let res = run(
        &format!("redis://127.0.0.1:{port}/1"),
        "check = \"redis.ping\"\n",
    );
    assert_eq!(res.status, Status::Error, "{res:#?}");
    assert!(
        res.summary.contains("connection refused"),
        "{}",
        res.summary
    );
    assert_hint(&res, "REDIS_CACHE.md#troubleshooting-b");
}

#[test]
fn dns_failure_is_its_own_message() {
    let res = run(
        "redis://no-such-host.invalid:6379/1",
        "check = \"redis.ping\"\n",
    );
    assert_eq!(res.status, Status::Error, "{res:#?}");
    assert!(
        res.summary.contains("DNS") || res.summary.contains("no answer"),
        "{}",
        res.summary
    );
}

#[test]
fn black_hole_ends_as_error_within_the_deadline() {
    let hole = BlackHole::start();
    let started = Instant::now();
    let results = run_probes(
        config(&hole.url(1)),
        RunOptions::default(),
        &[
            "check = \"redis.ping\"\n",
            CRUMBS,
            "check = \"cache.key\"\nkey = \"ping\"\n",
        ],
    );
    let took = started.elapsed();
    assert!(took < Duration::from_millis(2500), "took {took:?}");
    for r in results {
        assert_eq!(r.status, Status::Error, "{r:#?}");
        assert!(r.duration_ms <= 1400.0, "{}", r.duration_ms);
    }
}

#[test]
fn unix_socket_url_with_django_password_spelling() {
    let r = RedisServer::start_with(RedisOptions {
        unix_socket: true,
        password: Some("sockpw".into()),
        ..RedisOptions::default()
    });
    let url = format!("unix://{}?db=2&password=sockpw", r.socket_path().display());
    r.set(2, "bisk:1:ping", &fixture("ping.bin"), None);
    let res = run(
        &url,
        "check = \"cache.key\"\nkey = \"ping\"\nequals = \"pong\"\n",
    );
    assert_eq!(res.status, Status::Pass, "{res:#?}");
    assert!(!serde_json::to_string(&res).unwrap().contains("sockpw"));
}

#[test]
fn twenty_probes_share_one_connection() {
    let r = RedisServer::start();
    write_crumbs(&r, 1, "bisk", &healthy(), None);
    let bodies: Vec<&str> = std::iter::repeat_n(
        [
            "check = \"redis.ping\"\n",
            CRUMBS,
            "check = \"cache.key\"\nkey = \"enforcer:last_run\"\nmax_age = \"15m\"\n",
            "check = \"cache.roundtrip\"\n",
        ],
        5,
    )
    .flatten()
    .collect();
    let before: String = redis::cmd("INFO")
        .arg("stats")
        .query(&mut r.conn(0))
        .unwrap();
    let results = run_probes(config(&r.url(1)), RunOptions::default(), &bodies);
    assert!(
        results.iter().all(|x| x.status == Status::Pass),
        "{results:#?}"
    );
    let after: String = redis::cmd("INFO")
        .arg("stats")
        .query(&mut r.conn(0))
        .unwrap();
    let conns = |s: &str| -> i64 {
        s.lines()
            .find_map(|l| l.strip_prefix("total_connections_received:"))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    // One shared connection for the run (plus the INFO connection of this test).
    assert_eq!(conns(&after) - conns(&before), 2, "{after}");
}
