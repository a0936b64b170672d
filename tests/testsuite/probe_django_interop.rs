//! Interop with a real Django: values `cache.roundtrip` writes are read back by Django's
//! own `cache.get`, and breadcrumbs written by Django's cache are judged as the guide says.
//!
//! Needs Python 3 with `django` and `redis` (`pip install django redis`); CI installs them.
//! Without them these tests fail with that message: a silent pass would prove nothing.
//! The Django side is tests/fixtures/django_writer (settings mirror the app's CACHES).

use crate::kit;

use std::process::Command;

use bisk_docs::probe::{ProbeResult, Status};
use kit::RedisServer;
use kit::django::{django, django_python, write_state};
use kit::probe::{redis_config, run_probe};

fn require_django() {
    let out = Command::new(django_python())
        .args(["-c", "import django, redis; print(django.get_version())"])
        .output();
    match out {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "these tests need Python with Django and redis-py: run `pip install django redis` \
             (or set BISK_TEST_PYTHON to a Python that has them): {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => panic!(
            "these tests need python3 with Django and redis-py (`pip install django redis`): {e}"
        ),
    }
}

fn run(url: &str, body: &str) -> ProbeResult {
    run_probe(redis_config(url, 1000, 2000), body)
}

#[test]
fn django_reads_what_roundtrip_wrote() {
    require_django();
    let r = RedisServer::start();
    let res = run(&r.url(1), "check = \"cache.roundtrip\"\n");
    assert_eq!(res.status, Status::Pass, "{res:#?}");
    assert_eq!(
        django(&r.url(1), "print(repr(cache.get('ping')))"),
        "'pong'"
    );
    let res = run(
        &r.url(1),
        "check = \"cache.roundtrip\"\nkey = \"probe:é\"\nvalue = \"ünï <code> ✓\"\nttl = 30\n",
    );
    assert_eq!(res.status, Status::Pass, "{res:#?}");
    assert_eq!(
        django(&r.url(1), "print(cache.get('probe:é'))"),
        "ünï <code> ✓"
    );
}

#[test]
fn probes_read_what_django_wrote() {
    require_django();
    let r = RedisServer::start();
    let url = r.url(1);
    let pid = std::process::id().to_string();
    let crumbs = "check = \"enforcer.breadcrumbs\"\n";
    let cases: &[(&[&str], Status, &str)] = &[
        (&["healthy", "--pid", &pid], Status::Pass, "alive"),
        (
            &["healthy", "--pid", &pid, "--timeout", "default"],
            Status::Warn,
            "300 s",
        ),
        (&["stale"], Status::Fail, "older than 1h"),
        (
            &["failing", "--pid", &pid],
            Status::Fail,
            "the last run failed",
        ),
        (&["dead-pid"], Status::Fail, "stale PID"),
        (&["naive-datetime", "--pid", &pid], Status::Pass, "naive"),
        (&["legacy-unprefixed"], Status::Fail, "without KEY_PREFIX"),
        (
            &["healthy", "legacy-unprefixed", "--pid", &pid],
            Status::Warn,
            "legacy keys",
        ),
        (&["wrong-db"], Status::Fail, "exists in db 0"),
        (&["clear"], Status::Fail, "no breadcrumbs"),
    ];
    for (args, status, words) in cases {
        // wrong-db and legacy write outside the reset's reach: start from empty DBs.
        redis::cmd("FLUSHALL").query::<()>(&mut r.conn(0)).unwrap();
        write_state(&url, args);
        let res = run(&url, crumbs);
        let text = format!(
            "{} {}",
            res.summary,
            res.observed.clone().unwrap_or_default()
        );
        assert_eq!(res.status, *status, "{args:?}: {res:#?}");
        assert!(
            text.contains(words),
            "{args:?}: expected {words:?} in {text}"
        );
    }
    write_state(&url, &["ping"]);
    let res = run(
        &url,
        "check = \"cache.key\"\nkey = \"ping\"\nequals = \"pong\"\nmax_ttl = 60\n",
    );
    assert_eq!(res.status, Status::Pass, "{res:#?}");
}
