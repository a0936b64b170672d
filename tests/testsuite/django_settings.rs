//! `[django]`: the `django.settings` check row by row of the manual's `## django.settings`
//! table, and `target = "django"`, with real Django 5.2 importing real settings modules
//! (`tests/fixtures/django-settings/bisksite`, one per case) against a private
//! redis-server, a FileBasedCache folder and a SQLite DatabaseCache of the test's own.

use crate::kit;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bisk_docs::config::{Backend, Config, DjangoSection, RedisTarget};
use bisk_docs::probe::{ProbeResult, RunOptions, Status};
use kit::django::{Project, python_without_django, python_without_redis};
use kit::probe::{run_probe, run_probes};
use kit::{RedisServer, Tree, closed_port};

const CHECK: &str = "check = \"django.settings\"\n";

/// A config whose `[redis]` is `url` (prefix bisk, version 1) and whose `[django]` is
/// `section`.
fn config(url: &str, section: Option<DjangoSection>) -> Config {
    Config {
        redis: RedisTarget {
            url: url.into(),
            ..RedisTarget::default()
        },
        django: section,
        ..Config::default()
    }
}

fn evidence<'a>(r: &'a ProbeResult, label: &str) -> Option<&'a str> {
    r.evidence
        .iter()
        .find(|e| e.label == label)
        .map(|e| e.value.as_str())
}

fn hint_link(r: &ProbeResult) -> Option<&str> {
    r.hint.as_ref().and_then(|h| h.link.as_deref())
}

#[track_caller]
fn assert_status(r: &ProbeResult, status: Status, needle: &str) {
    assert_eq!(r.status, status, "{r:#?}");
    assert!(
        r.summary.contains(needle),
        "{needle:?} not in {:?}",
        r.summary
    );
}

/// A place nothing listens on: a config pointing there proves the probe did not use it.
fn nowhere() -> String {
    format!("redis://127.0.0.1:{}/1", closed_port())
}

// ---- The manual's table ----------------------------------------------------------------

/// The first two columns of each row, in order, as the tests below replay them.
const ROWS: &[(&str, &str)] = &[
    ("no `[django]` section", "skipped"),
    (
        "`python` or `project_dir` does not exist on this host",
        "skipped",
    ),
    ("`python` cannot import Django", "error"),
    (
        "the settings module raises when imported, or ends Python",
        "error",
    ),
    ("no answer within `[django] timeout`", "error"),
    ("`CACHES` has no `'default'`", "fail"),
    (
        "`LocMemCache` (also Django's fallback when `CACHES` is not set) or `DummyCache`",
        "fail",
    ),
    (
        "another backend (memcached, django-redis, a custom class)",
        "error",
    ),
    ("`VERSION` is not an integer", "error"),
    (
        "`RedisCache`, and `import redis` fails in that Python",
        "fail",
    ),
    ("`KEY_PREFIX` differs from a target's `key_prefix`", "fail"),
    ("`VERSION` differs from a target's `version`", "fail"),
    (
        "the place differs: Redis host and port (or socket), the FileBasedCache folder, the DatabaseCache table",
        "fail",
    ),
    (
        "the database differs: the Redis DB index, the DatabaseCache's database file or server",
        "fail",
    ),
    ("the backend differs from a target's `backend`", "fail"),
    (
        "`MAX_ENTRIES` differs from a file or db target's `max_entries`",
        "fail",
    ),
    (
        "`USE_TZ`/`TIME_ZONE` read naive times otherwise than a target's `use_tz`/`time_zone`",
        "fail",
    ),
    (
        "`TIMEOUT` is a number (300 when not set) and `breadcrumbs_persist = true` (the default)",
        "warn",
    ),
    ("`KEY_FUNCTION` is set", "warn"),
    ("everything matches every compared target", "pass"),
    (
        "everything matches, and the settings print (300 KiB, at exit) or fork a daemon that keeps stdout open",
        "pass",
    ),
];

#[test]
fn table_matches_the_manual() {
    let body = kit::manual_verdict_section("django.settings");
    let rows: Vec<(String, String)> = body
        .lines()
        .filter(|l| l.starts_with('|') && !l.starts_with("|---") && !l.starts_with("| state"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
            (cells[0].to_string(), cells[1].to_string())
        })
        .collect();
    let ours: Vec<(String, String)> = ROWS
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(
        rows, ours,
        "the manual's django.settings table vs the tests"
    );
}

// ---- One test per row -------------------------------------------------------------------

#[test]
fn no_django_section_is_skipped() {
    let r = run_probe(config(&nowhere(), None), CHECK);
    assert_status(&r, Status::Skipped, "no [django] section");
    assert!(r.hint.as_ref().unwrap().text.contains("[django]"), "{r:#?}");
}

#[test]
fn a_missing_interpreter_or_project_is_skipped() {
    let p = Project::new(&nowhere());
    let mut s = p.section("matching");
    s.python = PathBuf::from("/nonexistent/bisk/.venv/bin/python");
    let r = run_probe(config(&nowhere(), Some(s)), CHECK);
    assert_status(
        &r,
        Status::Skipped,
        "/nonexistent/bisk/.venv/bin/python does not exist",
    );
    let mut s = p.section("matching");
    s.project_dir = Some(p.path().join("not-checked-out"));
    let r = run_probe(config(&nowhere(), Some(s)), CHECK);
    assert_status(
        &r,
        Status::Skipped,
        "not-checked-out does not exist on this host",
    );
    // A bare program name that is not in PATH is the same case.
    let mut s = p.section("matching");
    s.python = PathBuf::from("bisk-no-such-python3");
    let r = run_probe(config(&nowhere(), Some(s)), CHECK);
    assert_status(&r, Status::Skipped, "bisk-no-such-python3 does not exist");
}

#[test]
fn an_interpreter_without_django_is_an_error() {
    let p = Project::new(&nowhere());
    let s = p.section_with(&python_without_django(), "matching");
    let r = run_probe(config(&nowhere(), Some(s)), CHECK);
    assert_status(&r, Status::Error, "Django is not importable with");
    assert!(
        r.summary.contains("No module named 'django'"),
        "{}",
        r.summary
    );
}

#[test]
fn settings_that_fail_to_import_are_an_error_without_secrets() {
    let p = Project::new(&nowhere());
    let r = run_probe(config(&nowhere(), Some(p.section("broken"))), CHECK);
    assert_status(
        &r,
        Status::Error,
        "cannot load the settings module bisksite.broken",
    );
    assert!(r.summary.contains("RuntimeError"), "{}", r.summary);
    assert!(
        r.summary.contains("redis://:***@cache-host:6379/1"),
        "{}",
        r.summary
    );
    let all = serde_json::to_string(&r).unwrap();
    assert!(!all.contains("fixture-hunter2"), "{all}");
    // A module that does not exist is the same row.
    let mut s = p.section("matching");
    s.settings = "bisksite.no_such_module".into();
    let r = run_probe(config(&nowhere(), Some(s)), CHECK);
    assert_status(&r, Status::Error, "ModuleNotFoundError");
    // A module that ends the interpreter leaves no answer: its exit code and last words.
    let r = run_probe(config(&nowhere(), Some(p.section("exits"))), CHECK);
    assert_status(
        &r,
        Status::Error,
        "ended without an answer (exit code 3): settings: giving up",
    );
    // The paths were right: the hint is about the module, not about [django].
    let h = r.hint.as_ref().expect("a hint");
    assert!(
        h.text.contains("ended Python before Django answered"),
        "{h:?}"
    );
    assert!(!h.text.contains("Fix [django]"), "{h:?}");
}

/// The answer does not travel on stdout: a module that writes 300 KiB there and prints at
/// exit, or forks a daemon that holds the pipes open, is answered as soon as Django answers.
#[test]
fn noisy_settings_and_daemons_do_not_hide_the_answer() {
    let redis = RedisServer::start();
    let url = redis.url(1);
    let p = Project::new(&url);
    for module in ["noisy_exit", "daemon"] {
        let t = Instant::now();
        let r = run_probe(config(&url, Some(p.section(module))), CHECK);
        assert_status(&r, Status::Pass, "matches target default");
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "{module}: took {:?} (waited for the pipes?)",
            t.elapsed()
        );
    }
}

#[test]
fn settings_that_hang_are_killed_at_the_timeout() {
    let p = Project::new(&nowhere());
    let mut s = p.section("slow");
    s.timeout = Duration::from_millis(1500);
    let t = Instant::now();
    let r = run_probe(config(&nowhere(), Some(s)), CHECK);
    assert_status(
        &r,
        Status::Error,
        "did not answer within 1s 500ms and was killed",
    );
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "took {:?}",
        t.elapsed()
    );
}

#[test]
fn caches_without_default_fail() {
    let p = Project::new(&nowhere());
    let r = run_probe(config(&nowhere(), Some(p.section("no_default"))), CHECK);
    assert_status(&r, Status::Fail, "no 'default' alias");
    assert!(r.summary.contains("\"shared\""), "{}", r.summary);
    assert_eq!(hint_link(&r), Some("ops/REDIS_CACHE.md#django-config"));
}

#[test]
fn locmem_and_dummy_caches_fail() {
    let p = Project::new(&nowhere());
    for (module, class) in [
        ("locmem", "LocMemCache"),
        ("no_caches", "LocMemCache"),
        ("dummy", "DummyCache"),
    ] {
        let r = run_probe(config(&nowhere(), Some(p.section(module))), CHECK);
        assert_status(
            &r,
            Status::Fail,
            &format!("{class}: not shared across processes"),
        );
        assert_eq!(hint_link(&r), Some("ops/REDIS_CACHE.md#other-backends"));
    }
}

#[test]
fn a_backend_bisk_docs_cannot_read_is_an_error() {
    let p = Project::new(&nowhere());
    let r = run_probe(config(&nowhere(), Some(p.section("memcached"))), CHECK);
    assert_status(
        &r,
        Status::Error,
        "cannot be judged: Django's cache is PyMemcacheCache",
    );
}

#[test]
fn a_version_that_is_not_an_integer_is_an_error() {
    let p = Project::new(&nowhere());
    let r = run_probe(config(&nowhere(), Some(p.section("bad_version"))), CHECK);
    assert_status(&r, Status::Error, "VERSION is \"one\", not an integer");
}

#[test]
fn redis_not_importable_is_troubleshooting_a() {
    let redis = RedisServer::start();
    let url = redis.url(1);
    let p = Project::new(&url);
    let s = p.section_with(&python_without_redis(), "matching");
    let r = run_probe(config(&url, Some(s)), CHECK);
    assert_status(&r, Status::Fail, "`import redis` fails");
    assert!(
        r.summary.contains("No module named 'redis'"),
        "{}",
        r.summary
    );
    assert_eq!(hint_link(&r), Some("ops/REDIS_CACHE.md#troubleshooting-a"));
    assert!(
        r.hint.as_ref().unwrap().text.contains("pip install"),
        "{r:#?}"
    );
}

#[test]
fn prefix_drift_fails_naming_the_field() {
    let redis = RedisServer::start();
    let url = redis.url(1);
    let p = Project::new(&url);
    let mut c = config(&url, Some(p.section("matching")));
    c.redis.key_prefix = "bisk_old".into();
    let r = run_probe(c, CHECK);
    assert_status(
        &r,
        Status::Fail,
        "target default differs from Django: prefix \"bisk_old\" here, KEY_PREFIX \"bisk\" in Django",
    );
    assert_eq!(hint_link(&r), Some("ops/REDIS_CACHE.md#django-config"));
}

#[test]
fn version_drift_fails_naming_the_field() {
    let redis = RedisServer::start();
    let url = redis.url(1);
    let p = Project::new(&url);
    let mut c = config(&url, Some(p.section("matching")));
    c.redis.version = 2;
    let r = run_probe(c, CHECK);
    assert_status(&r, Status::Fail, "version 2 here, VERSION 1 in Django");
    assert!(!r.summary.contains("prefix"), "{}", r.summary);
}

/// Django's USE_TZ and TIME_ZONE are reported; a target that reads naive times otherwise
/// (unset: USE_TZ = True, UTC) is drift, and `target = "django"` takes them from Django.
#[test]
fn clock_drift_fails_naming_the_field() {
    let redis = RedisServer::start();
    let url = redis.url(1);
    let p = Project::new(&url);
    let r = run_probe(config(&url, Some(p.section("matching"))), CHECK);
    assert_eq!(r.status, Status::Pass, "{r:#?}");
    assert_eq!(
        evidence(&r, "USE_TZ / TIME_ZONE"),
        Some("USE_TZ True, TIME_ZONE \"America/Chicago\"")
    );
    let r = run_probe(config(&url, Some(p.section("local_time"))), CHECK);
    assert_status(
        &r,
        Status::Fail,
        "target default differs from Django: use_tz unset (Django's default, true) here, USE_TZ False, TIME_ZONE \"Asia/Kolkata\" in Django",
    );
    let mut c = config(&url, Some(p.section("local_time")));
    c.redis.use_tz = Some(false);
    c.redis.time_zone = Some("America/Los_Angeles".into());
    let r = run_probe(c.clone(), CHECK);
    assert_status(&r, Status::Fail, "time_zone \"America/Los_Angeles\" here");
    c.redis.time_zone = Some("Asia/Kolkata".into());
    let r = run_probe(c, CHECK);
    assert_eq!(r.status, Status::Pass, "{r:#?}");
    // USE_TZ = True: TIME_ZONE does not change how times are stored, so it is no drift.
    let mut c = config(&url, Some(p.section("matching")));
    c.redis.time_zone = Some("Asia/Kolkata".into());
    assert_eq!(run_probe(c, CHECK).status, Status::Pass);
    let named = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(bisk_docs::django::settings::resolve_target(
            &config(&nowhere(), Some(p.section("local_time"))),
            Some("django"),
        ))
        .unwrap();
    assert_eq!(
        named.target.app_clock(),
        bisk_docs::django::time::AppClock::Local("Asia/Kolkata".into())
    );
}

#[test]
fn location_drift_fails_naming_the_field() {
    // Redis: another port (and a password in Django's URL, never shown).
    let redis = RedisServer::start();
    let p = Project::new(&format!(
        "redis://:fixture-s3cret@127.0.0.1:{}/1",
        redis
            .url(1)
            .rsplit(':')
            .next()
            .unwrap()
            .split('/')
            .next()
            .unwrap()
    ));
    let other = nowhere();
    let r = run_probe(config(&other, Some(p.section("matching"))), CHECK);
    assert_status(
        &r,
        Status::Fail,
        &format!("location {other} here, redis://:***@127.0.0.1:"),
    );
    assert!(
        !serde_json::to_string(&r)
            .unwrap()
            .contains("fixture-s3cret")
    );
    // localhost and 127.0.0.1 are the same place.
    let same = redis.url(1).replace("127.0.0.1", "localhost");
    let p2 = Project::new(&redis.url(1));
    let r = run_probe(config(&same, Some(p2.section("matching"))), CHECK);
    assert_eq!(r.status, Status::Pass, "{r:#?}");

    // FileBasedCache: another folder.
    let r = run_probe(file_config(&p2, "/var/cache/elsewhere", "files"), CHECK);
    assert_status(&r, Status::Fail, "location \"/var/cache/elsewhere\" here");
    assert!(
        r.summary.contains(&p2.cache_dir().display().to_string()),
        "{}",
        r.summary
    );

    // DatabaseCache: another table.
    let mut c = db_config(
        &p2,
        &format!("sqlite:///{}", p2.sqlite_path().display()),
        "database",
    );
    c.redis.location = Some("bisk_cache_old".into());
    let r = run_probe(c, CHECK);
    assert_status(
        &r,
        Status::Fail,
        "location (table) \"bisk_cache_old\" here, \"bisk_cache\" in Django",
    );
}

#[test]
fn database_drift_fails_naming_the_field() {
    let redis = RedisServer::start();
    let p = Project::new(&redis.url(1));
    let r = run_probe(config(&redis.url(2), Some(p.section("matching"))), CHECK);
    assert_status(&r, Status::Fail, "database db 2 here, db 1 in Django");
    assert!(!r.summary.contains("location"), "{}", r.summary);
    // DatabaseCache: another SQLite file.
    let r = run_probe(
        db_config(&p, "sqlite:////srv/bisk/other.sqlite3", "database"),
        CHECK,
    );
    assert_status(
        &r,
        Status::Fail,
        "database sqlite:////srv/bisk/other.sqlite3 here",
    );
    assert!(
        r.summary.contains(&format!(
            "sqlite:///{} in Django",
            p.sqlite_path().display()
        )),
        "{}",
        r.summary
    );
}

#[test]
fn backend_drift_fails_naming_the_field() {
    let redis = RedisServer::start();
    let p = Project::new(&redis.url(1));
    // bisk-docs.toml describes only a FileBasedCache, Django uses Redis.
    let r = run_probe(file_config(&p, "/var/cache/bisk_cache", "matching"), CHECK);
    assert_status(
        &r,
        Status::Fail,
        "no target of bisk-docs.toml is a RedisCache like Django's cache, so the probes check other caches than the app (targets: default is file)",
    );
    assert_eq!(hint_link(&r), Some("ops/REDIS_CACHE.md#django-config"));
    // A target named in `targets` is compared whatever its backend.
    let r = run_probe(
        file_config(&p, "/var/cache/bisk_cache", "matching"),
        &format!("{CHECK}targets = [\"default\"]\n"),
    );
    assert_status(&r, Status::Fail, "backend file here, RedisCache in Django");
    // And the other way round.
    let r = run_probe(config(&redis.url(1), Some(p.section("files"))), CHECK);
    assert_status(
        &r,
        Status::Fail,
        "no target of bisk-docs.toml is a FileBasedCache",
    );
    let r = run_probe(
        config(&redis.url(1), Some(p.section("files"))),
        &format!("{CHECK}targets = [\"default\"]\n"),
    );
    assert_status(
        &r,
        Status::Fail,
        "backend redis here, FileBasedCache in Django",
    );
}

#[test]
fn max_entries_drift_fails_naming_the_field() {
    let p = Project::new(&nowhere());
    let dir = p.cache_dir().display().to_string();
    let r = run_probe(file_config(&p, &dir, "files_big"), CHECK);
    assert_status(
        &r,
        Status::Fail,
        "max_entries 300 here, MAX_ENTRIES 1000 in Django",
    );
    let mut c = file_config(&p, &dir, "files_big");
    c.redis.max_entries = 1000;
    let r = run_probe(c, CHECK);
    assert_eq!(r.status, Status::Pass, "{r:#?}");
    // `target = "django"` takes it from Django: the culling diagnosis counts against 1000.
    let named = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(bisk_docs::django::settings::resolve_target(
            &config(&nowhere(), Some(p.section("files_big"))),
            Some("django"),
        ))
        .unwrap();
    assert_eq!(named.target.max_entries, 1000);
    assert_eq!(named.target.location.as_deref(), Some(dir.as_str()));
}

#[test]
fn a_finite_timeout_warns() {
    let redis = RedisServer::start();
    let p = Project::new(&redis.url(1));
    let r = run_probe(
        config(&redis.url(1), Some(p.section("default_timeout"))),
        CHECK,
    );
    assert_status(&r, Status::Warn, "TIMEOUT not set: Django's default 300 s");
    assert_eq!(
        hint_link(&r),
        Some("ops/ENFORCER_SYSTEMD_GUIDE.md#default-timeout")
    );
    assert_eq!(
        evidence(&r, "TIMEOUT"),
        Some("300 s (not set: Django's default)")
    );
    // Where nothing must persist, the same settings pass.
    let r = run_probe(
        config(&redis.url(1), Some(p.section("default_timeout"))),
        &format!("{CHECK}breadcrumbs_persist = false\n"),
    );
    assert_eq!(r.status, Status::Pass, "{r:#?}");
}

#[test]
fn a_key_function_warns() {
    let redis = RedisServer::start();
    let p = Project::new(&redis.url(1));
    let r = run_probe(
        config(&redis.url(1), Some(p.section("key_function"))),
        CHECK,
    );
    assert_status(
        &r,
        Status::Warn,
        "KEY_FUNCTION \"bisksite.keys.reversed_key\" is set",
    );
}

#[test]
fn matching_settings_pass() {
    let redis = RedisServer::start();
    let url = redis.url(1);
    let p = Project::new(&url);
    for module in ["matching", "printing"] {
        let r = run_probe(config(&url, Some(p.section(module))), CHECK);
        assert_status(&r, Status::Pass, "matches target default");
        assert!(r.hint.is_none());
        assert_eq!(evidence(&r, "KEY_PREFIX"), Some("\"bisk\""));
        assert_eq!(evidence(&r, "TIMEOUT"), Some("None (no expiry)"));
        assert!(
            evidence(&r, "redis client")
                .unwrap()
                .starts_with("redis-py"),
            "{r:#?}"
        );
    }
    // Every configured target is compared unless `targets` says which.
    let mut c = config(&url, Some(p.section("matching")));
    c.targets.insert(
        "prod".into(),
        RedisTarget {
            url: "redis://10.0.0.5:6379/1".into(),
            ..RedisTarget::default()
        },
    );
    let r = run_probe(c.clone(), CHECK);
    assert_status(
        &r,
        Status::Fail,
        "target prod differs from Django: location",
    );
    assert!(!r.summary.contains("target default"), "{}", r.summary);
    let r = run_probe(c, &format!("{CHECK}targets = [\"default\"]\n"));
    assert_eq!(r.status, Status::Pass, "{r:#?}");
    // The guide's substitutes next to the Redis target (a file and a db target, as in the
    // shipped bisk-docs.toml) are other hosts' caches: not compared unless named.
    let mut c = config(&url, Some(p.section("matching")));
    c.targets.insert(
        "files".into(),
        RedisTarget {
            backend: Backend::File,
            location: Some("/var/cache/bisk_cache".into()),
            ..RedisTarget::default()
        },
    );
    let r = run_probe(c, CHECK);
    assert_status(&r, Status::Pass, "matches target default");
    assert!(
        evidence(&r, "not compared").is_some_and(|e| e.starts_with("files: another backend")),
        "{r:#?}"
    );
    // FileBasedCache and DatabaseCache (SQLite) at the place the target names.
    let dir = p.cache_dir().display().to_string();
    let r = run_probe(file_config(&p, &dir, "files"), CHECK);
    assert_status(&r, Status::Pass, &format!("FileBasedCache, files in {dir}"));
    let sqlite = format!("sqlite:///{}", p.sqlite_path().display());
    let r = run_probe(db_config(&p, &sqlite, "database"), CHECK);
    assert_status(
        &r,
        Status::Pass,
        &format!("DatabaseCache, table bisk_cache in {sqlite}"),
    );
    assert_eq!(
        evidence(&r, "database"),
        Some(format!("{sqlite} (default)").as_str())
    );
}

/// `[redis]` as a FileBasedCache target at `dir`, `[django]` on `module`.
fn file_config(p: &Project, dir: &str, module: &str) -> Config {
    Config {
        redis: RedisTarget {
            backend: Backend::File,
            location: Some(dir.into()),
            ..RedisTarget::default()
        },
        django: Some(p.section(module)),
        ..Config::default()
    }
}

/// `[redis]` as a DatabaseCache target (table bisk_cache) in `database`.
fn db_config(p: &Project, database: &str, module: &str) -> Config {
    Config {
        redis: RedisTarget {
            backend: Backend::Db,
            location: Some("bisk_cache".into()),
            database: Some(database.into()),
            ..RedisTarget::default()
        },
        django: Some(p.section(module)),
        ..Config::default()
    }
}

// ---- target = "django" ------------------------------------------------------------------

/// With settings at a non-default place (db 3, KEY_PREFIX bisk_staging, VERSION 7) and
/// `[redis]` pointing where nothing listens, probes on `target = "django"` work on Django's
/// place: the ping round trip writes `bisk_staging:7:ping` in db 3, and Django reads it.
#[test]
fn target_django_probes_where_django_looks() {
    let redis = RedisServer::start();
    let p = Project::new(&redis.url(1));
    let c = config(&nowhere(), Some(p.section("staging")));
    let results = run_probes(
        c,
        RunOptions {
            target: Some("django".into()),
            read_only: false,
        },
        &["check = \"redis.ping\"", "check = \"cache.roundtrip\""],
    );
    for r in &results {
        assert_eq!(r.status, Status::Pass, "{r:#?}");
        assert_eq!(r.target.name, "django");
        assert_eq!(r.target.url, redis.url(3));
    }
    assert!(redis.get(3, "bisk_staging:7:ping").is_some());
    assert!(redis.get(1, "bisk:1:ping").is_none());
    assert_eq!(
        p.django("staging", "print(repr(cache.get('ping')))"),
        "'pong'"
    );
    // A check that never touches the cache runs without asking where it is: django.settings
    // itself compares Django with [redis] (which points elsewhere here).
    let c = config(&nowhere(), Some(p.section("staging")));
    let r = run_probes(
        c,
        RunOptions {
            target: Some("django".into()),
            read_only: false,
        },
        &[CHECK],
    )
    .remove(0);
    assert_status(&r, Status::Fail, "target default differs from Django");
    assert_eq!(
        (r.target.name.as_str(), r.target.url.as_str()),
        ("django", "")
    );
    // A declaration may name the target too, whatever the run's target.
    let c = config(&nowhere(), Some(p.section("staging")));
    p.django("staging", "cache.set('enforcer:last_run', 'x', None)");
    let r = run_probe(
        c,
        "check = \"cache.key\"\ntarget = \"django\"\nkey = \"enforcer:last_run\"\nequals = \"x\"\n",
    );
    assert_eq!(r.status, Status::Pass, "{r:#?}");
}

/// The same for Django's other shared backends: a FileBasedCache folder and a SQLite
/// DatabaseCache, both named only in the settings (`[redis]` points nowhere).
#[test]
fn target_django_follows_file_and_database_caches() {
    let p = Project::new(&nowhere());
    let django_target = || RunOptions {
        target: Some("django".into()),
        read_only: false,
    };
    p.django("files", "cache.set('warm', 1, None)");
    let r = run_probes(
        config(&nowhere(), Some(p.section("files"))),
        django_target(),
        &["check = \"cache.roundtrip\""],
    )
    .remove(0);
    assert_eq!(r.status, Status::Pass, "{r:#?}");
    assert_eq!(
        r.target.url,
        format!("files in {}", p.cache_dir().display())
    );
    assert_eq!(
        p.django("files", "print(repr(cache.get('ping')))"),
        "'pong'"
    );

    p.django(
        "database",
        "from django.core.management import call_command; call_command('createcachetable')",
    );
    let r = run_probes(
        config(&nowhere(), Some(p.section("database"))),
        django_target(),
        &["check = \"cache.roundtrip\""],
    )
    .remove(0);
    assert_eq!(r.status, Status::Pass, "{r:#?}");
    assert_eq!(
        r.target.url,
        format!(
            "table bisk_cache in sqlite:///{}",
            p.sqlite_path().display()
        )
    );
    assert_eq!(
        p.django("database", "print(repr(cache.get('ping')))"),
        "'pong'"
    );
}

/// `--target django` reads naive `expires` in Django's TIME_ZONE (USE_TZ = False): a fresh
/// entry west of UTC is present and the round trip's row is one Django reads. With
/// `TIME_ZONE = None` (the app host's zone) a naive expiry cannot be judged: an error, never
/// a guess.
#[test]
fn target_django_reads_naive_expiries_in_djangos_time_zone() {
    let p = Project::new(&nowhere());
    let django_target = || RunOptions {
        target: Some("django".into()),
        read_only: false,
    };
    p.django(
        "database_local",
        "from django.core.management import call_command; call_command('createcachetable')\n\
         cache.set('fresh', 'y', 3600)",
    );
    let r = run_probes(
        config(&nowhere(), Some(p.section("database_local"))),
        django_target(),
        &[
            "check = \"cache.key\"\nkey = \"fresh\"\nequals = \"y\"",
            "check = \"cache.roundtrip\"",
        ],
    );
    assert_eq!(r[0].status, Status::Pass, "{:#?}", r[0]);
    assert_eq!(r[1].status, Status::Pass, "{:#?}", r[1]);
    assert_eq!(
        p.django(
            "database_local",
            "print(cache.get('ping'), cache.get('fresh'))"
        ),
        "pong y"
    );
    let r = run_probes(
        config(&nowhere(), Some(p.section("database_host_zone"))),
        django_target(),
        &["check = \"cache.key\"\nkey = \"fresh\""],
    )
    .remove(0);
    assert_eq!(r.status, Status::Error, "{r:#?}");
    assert!(
        r.summary
            .contains("cannot judge whether row cache_key = 'bisk:1:fresh'"),
        "{r:#?}"
    );
    assert!(r.summary.contains("unknown time zone"), "{r:#?}");
}

#[test]
fn target_django_on_a_per_process_cache_is_an_error() {
    let p = Project::new(&nowhere());
    let c = config(&nowhere(), Some(p.section("locmem")));
    let r = run_probe(c, "check = \"redis.ping\"\ntarget = \"django\"\n");
    assert_status(
        &r,
        Status::Error,
        "target django: Django's cache is LocMemCache: not shared across processes",
    );
    assert_eq!(hint_link(&r), Some("ops/REDIS_CACHE.md#other-backends"));
}

#[test]
fn target_django_when_django_cannot_be_asked_is_an_error() {
    let p = Project::new(&nowhere());
    let mut s = p.section("matching");
    s.python = PathBuf::from("/nonexistent/bisk/.venv/bin/python");
    let r = run_probe(
        config(&nowhere(), Some(s)),
        "check = \"cache.roundtrip\"\ntarget = \"django\"\n",
    );
    assert_status(
        &r,
        Status::Error,
        "target django: cannot read Django's CACHES: the interpreter",
    );
    let r = run_probe(
        config(&nowhere(), Some(p.section("broken"))),
        "check = \"redis.ping\"\ntarget = \"django\"\n",
    );
    assert_status(
        &r,
        Status::Error,
        "cannot load the settings module bisksite.broken",
    );
    assert!(!r.summary.contains("fixture-hunter2"), "{}", r.summary);
}

/// `check --target django` names the place Django uses on its first line, and a config
/// without `[django]` refuses the target as a usage error that says what is missing.
#[test]
fn check_target_django_names_the_place() {
    let redis = RedisServer::start();
    let p = Project::new(&redis.url(1));
    let page = "# Cache\n\n```probe\ncheck = \"redis.ping\"\n```\n\n```probe\ncheck = \"django.settings\"\n```\n";
    let tree = Tree::site(
        &format!("[redis]\nurl = {:?}\n\n{}", nowhere(), p.toml("staging")),
        &[("index.md", page)],
    );
    let run = tree.run(&["check", "--target", "django"]).fails_with(1);
    let first = run.stdout.lines().next().unwrap().to_string();
    assert_eq!(
        first,
        format!("django → {}", redis.url(3)),
        "{}",
        run.stdout
    );
    // The ping passes on Django's place; django.settings compares [redis] (only), which
    // points elsewhere.
    assert!(run.stdout.contains("PASS"), "{}", run.stdout);
    assert!(
        run.stdout.contains("target default differs from Django"),
        "{}",
        run.stdout
    );

    let bare = Tree::site("", &[("index.md", page)]);
    let run = bare.run(&["check", "--target", "django"]).fails_with(2);
    assert!(
        run.stderr.contains("needs a [django] section"),
        "{}",
        run.stderr
    );
}

// ---- Config and declarations -------------------------------------------------------------

#[test]
fn django_section_mistakes_name_their_line() {
    let parse = |text: &str| Config::parse(text, Path::new("bisk-docs.toml"));
    let ok = parse("[django]\npython = \"/srv/bisk/.venv/bin/python\"\nsettings = \"bisk.settings\"\nproject_dir = \"/srv/bisk\"\n").unwrap();
    let d = ok.django.unwrap();
    assert_eq!(d.timeout, Duration::from_secs(10));
    for (text, line, needle) in [
        (
            "[django]\npython = \".venv/bin/python\"\nsettings = \"bisk.settings\"\n",
            2,
            "absolute",
        ),
        (
            "[django]\npython = \"python3\"\nsettings = \"bisk settings\"\n",
            3,
            "not a Python module path",
        ),
        (
            "[django]\npython = \"python3\"\nsettings = \"bisk.settings\"\nproject_dir = \"srv/bisk\"\n",
            4,
            "absolute",
        ),
        (
            "[django]\npython = \"python3\"\nsettings = \"bisk.settings\"\ntimeout = \"0s\"\n",
            4,
            "greater than zero",
        ),
        ("[django]\npython = \"python3\"\n", 1, "settings"),
        (
            "[django]\npython = \"python3\"\nsettings = \"s\"\nvenv = \"x\"\n",
            4,
            "venv",
        ),
        (
            "[redis]\nurl = \"redis://h/1\"\n\n[targets.django]\nurl = \"redis://h/1\"\n",
            4,
            "reserved",
        ),
    ] {
        let err = parse(text).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!("bisk-docs.toml:{line}:")),
            "{text:?}: {err}"
        );
        assert!(err.contains(needle), "{text:?}: {err}");
    }
}

#[test]
fn declaration_mistakes_name_their_line() {
    let page = |body: &str| format!("# T\n\n```probe\n{CHECK}{body}```\n");
    for (body, needle) in [
        ("targets = []\n", "compares nothing"),
        ("targets = [\"django\"]\n", "always matches"),
        ("targets = [\"qa\"]\n", "unknown target \"qa\""),
        ("breadcrumbs = true\n", "breadcrumbs"),
    ] {
        let tree = Tree::site("", &[("index.md", &page(body))]);
        let run = tree.run(&["check"]).fails_with(2);
        assert!(
            run.stderr.contains("index.md:5:"),
            "{body:?}: {}",
            run.stderr
        );
        assert!(run.stderr.contains(needle), "{body:?}: {}", run.stderr);
    }
}

/// The shipped bisk-docs.toml has a working `[django]` for the production layout
/// (`/srv/bisk`). On a machine without that checkout, the Redis guide's `django.settings`
/// probe is skipped with the cause (never a pass, never a usage error), and
/// `--target django` is an error per probe that names the missing interpreter.
#[test]
fn the_shipped_config_without_the_project_skips_with_the_cause() {
    if Path::new("/srv/bisk/.venv/bin/python").exists() {
        eprintln!("this machine has /srv/bisk/.venv/bin/python: nothing to show here");
        return;
    }
    let redis = RedisServer::start();
    let tree = Tree::bundled(&redis.url(1), "");
    let run = tree
        .run(&[
            "check",
            "--format",
            "json",
            "ops/REDIS_CACHE.md",
            "--only",
            "django-settings",
            "--allow-skipped",
        ])
        .ok();
    let doc = run.json();
    let r = &doc["results"][0];
    assert_eq!(r["status"], "skipped", "{doc:#}");
    assert!(
        r["summary"]
            .as_str()
            .unwrap()
            .contains("/srv/bisk/.venv/bin/python does not exist on this host"),
        "{doc:#}"
    );
    let run = tree
        .run(&[
            "check",
            "--target",
            "django",
            "ops/REDIS_CACHE.md",
            "--only",
            "redis-ping",
        ])
        .fails_with(1);
    assert!(
        run.stdout
            .contains("django → (Django's CACHES could not be read)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("target django: cannot read Django's CACHES"),
        "{}",
        run.stdout
    );
    // A static build with snapshots judges it the same way.
    let out = tempfile::tempdir().unwrap();
    tree.run(&[
        "build",
        "--snapshot",
        "--out",
        out.path().join("site").to_str().unwrap(),
    ])
    .ok();
}

/// `serve --target django`: the live API runs probes where Django's settings point, and says
/// so in each result's target.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_with_target_django_probes_where_django_looks() {
    let redis = RedisServer::start();
    let p = Project::new(&redis.url(1));
    let site = kit::serve::site(&nowhere(), &p.toml("staging"));
    let server = bisk_docs::serve::start(bisk_docs::serve::ServeOptions {
        root: site.root().to_path_buf(),
        config: None,
        bind: Some("127.0.0.1:0".into()),
        target: Some("django".into()),
        read_only: false,
        extra: None,
        log: false,
        state_dir: None,
    })
    .await
    .expect("serve starts");
    let v = kit::serve::get(server.addr, "/api/probes/roundtrip")
        .await
        .json();
    assert_eq!(v["status"], "pass", "{v:#}");
    assert_eq!(v["target"]["name"], "django", "{v:#}");
    assert_eq!(v["target"]["url"], redis.url(3).as_str(), "{v:#}");
    assert!(redis.get(3, "bisk_staging:7:ping").is_some());
}

/// Django's LOCATION carries the password of a protected Redis: `--target django` connects
/// with it, and no output shows it (check as text, JSON and JUnit, stderr, a snapshot build).
#[test]
fn passwords_in_djangos_location_never_leave() {
    let secret = "dj-SeCrEt-4711";
    let redis = RedisServer::start_with(kit::RedisOptions {
        password: Some(secret.into()),
        ..Default::default()
    });
    let p = Project::new(&redis.url(1));
    let page = "# Cache\n\n```probe\ncheck = \"cache.roundtrip\"\n```\n\n```probe\ncheck = \"django.settings\"\n```\n";
    let tree = Tree::site(
        &format!("[redis]\nurl = {:?}\n\n{}", nowhere(), p.toml("matching")),
        &[("index.md", page)],
    );
    let mut outputs = Vec::new();
    for format in ["text", "json", "junit"] {
        let run = tree.run(&["check", "--target", "django", "--format", format]);
        outputs.push(format!("{}{}", run.stdout, run.stderr));
    }
    assert!(
        outputs[1].contains("\"status\": \"pass\""),
        "{}",
        outputs[1]
    );
    assert!(
        outputs[0].contains("django → redis://:***@127.0.0.1:"),
        "{}",
        outputs[0]
    );
    let out = tempfile::tempdir().unwrap();
    let site = out.path().join("site");
    let run = tree
        .run(&[
            "build",
            "--snapshot",
            "--target",
            "django",
            "--out",
            site.to_str().unwrap(),
        ])
        .ok();
    outputs.push(format!("{}{}", run.stdout, run.stderr));
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(index.contains("redis://:***@127.0.0.1:"), "{index}");
    for e in walkdir::WalkDir::new(&site).into_iter().flatten() {
        if e.file_type().is_file() {
            outputs.push(String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).into_owned());
        }
    }
    for text in &outputs {
        assert!(!text.contains(secret), "the password leaked: {text}");
    }
}
