//! Interop with a real Django: values `cache.roundtrip` writes are read back by Django's
//! own `cache.get`, and breadcrumbs written by Django's cache are judged as the guide says.
//!
//! Needs Python 3 with `django` and `redis` (`pip install django redis`); CI installs them.
//! Without them these tests fail with that message: a silent pass would prove nothing.
//! The Django side is tests/fixtures/django_writer (settings mirror the app's CACHES).

use crate::kit;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use bisk_docs::config::{Config, RedisTarget};
use bisk_docs::probe::{ProbeResult, RunOptions, Status, decl, runner};
use kit::RedisServer;

fn writer_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/django_writer")
}

fn python() -> std::path::PathBuf {
    kit::django::django_python()
}

fn require_django() {
    let out = Command::new(python())
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

/// Runs Python code with Django set up against `url`; returns stdout.
fn django(url: &str, code: &str) -> String {
    let out = Command::new(python())
        .current_dir(writer_dir())
        .env("PYTHONPATH", writer_dir())
        .env("DJANGO_SETTINGS_MODULE", "bisk_settings")
        .env("BISK_REDIS_URL", url)
        .args([
            "-c",
            &format!("import django; django.setup()\nfrom django.core.cache import cache\n{code}"),
        ])
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn write_state(url: &str, args: &[&str]) {
    let out = Command::new(python())
        .current_dir(writer_dir())
        .env("PYTHONPATH", writer_dir())
        .arg("write_state.py")
        .arg("--redis-url")
        .arg(url)
        .args(args)
        .output()
        .expect("run write_state.py");
    assert!(
        out.status.success(),
        "write_state failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn run(url: &str, body: &str) -> ProbeResult {
    let config = Config {
        redis: RedisTarget {
            url: url.into(),
            deadline: Duration::from_secs(2),
            ..RedisTarget::default()
        },
        ..Config::default()
    };
    let d = decl::parse(body, Path::new("ops/T.md"), 1, 1).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(runner::run_all(
        Arc::new(config),
        RunOptions::default(),
        &[d],
    ))
    .remove(0)
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
