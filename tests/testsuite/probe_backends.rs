//! The cache probes on the guide's §6 backends, with real Django writing and reading:
//! FileBasedCache in a temp directory, DatabaseCache in SQLite and in a private PostgreSQL
//! server (kit::postgres). For each backend: breadcrumbs are judged as on Redis (the same
//! scenarios written through Django into a private redis-server give the same status and
//! summary), the ping key `cache.roundtrip` writes is read by Django's `cache.get` as
//! 'pong', each `(nil)` cause gets its own diagnosis and hint, and bad input is an error or
//! a fail with words, never a panic or a hang. Verdict tables: the manual's
//! `manual/docs/verdicts.md`, rows under `cache.roundtrip`, `cache.key` and
//! `enforcer.breadcrumbs`.

use crate::kit;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bisk_docs::config::{Backend, Config, RedisTarget};
use bisk_docs::probe::{ProbeResult, Status};
use kit::RedisServer;
use kit::django::{Cache, django_in, django_in_with, write_state_in};
use kit::postgres::{PASSWORD, PostgresServer};
use kit::probe::run_probe;

/// A temp dir outside /tmp: a FileBasedCache under /tmp gets the PrivateTmp diagnosis.
fn scratch() -> tempfile::TempDir {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(base).unwrap();
    tempfile::tempdir_in(base).unwrap()
}

/// One backend under test, with what keeps it alive.
struct Fixture {
    name: &'static str,
    cache: Cache,
    dir: tempfile::TempDir,
    pg: Option<PostgresServer>,
    max_entries: u64,
}

impl Fixture {
    fn file() -> Fixture {
        let dir = scratch();
        let cache = Cache::File(dir.path().join("bisk_cache"));
        Fixture {
            name: "file",
            cache,
            dir,
            pg: None,
            max_entries: 300,
        }
    }

    /// An SQLite database with Django's tables (`migrate`) and the cache table.
    fn sqlite() -> Fixture {
        let f = Fixture::sqlite_bare();
        f.migrate(true);
        f
    }

    /// The SQLite file path, with nothing created yet.
    fn sqlite_bare() -> Fixture {
        let dir = scratch();
        let cache = Cache::Db {
            database: format!("sqlite:///{}", dir.path().join("db.sqlite3").display()),
            table: "bisk_cache".into(),
        };
        Fixture {
            name: "sqlite",
            cache,
            dir,
            pg: None,
            max_entries: 300,
        }
    }

    fn postgres() -> Fixture {
        let f = Fixture::postgres_bare();
        f.migrate(true);
        f
    }

    fn postgres_bare() -> Fixture {
        let pg = PostgresServer::start();
        let cache = Cache::Db {
            database: pg.url("bisk"),
            table: "bisk_cache".into(),
        };
        Fixture {
            name: "postgres",
            cache,
            dir: scratch(),
            pg: Some(pg),
            max_entries: 300,
        }
    }

    /// Django's own tables (`migrate`), and the cache table when `cache_table`.
    fn migrate(&self, cache_table: bool) {
        let mut code = "call_command('migrate', verbosity=0)\n".to_string();
        if cache_table {
            code.push_str("call_command('createcachetable', verbosity=0)\n");
        }
        django_in(&self.cache, &code);
    }

    fn target(&self) -> RedisTarget {
        let (backend, location, database) = match &self.cache {
            Cache::File(d) => (Backend::File, d.display().to_string(), None),
            Cache::Db { database, table } => (Backend::Db, table.clone(), Some(database.clone())),
            Cache::Redis(_) => unreachable!(),
        };
        RedisTarget {
            backend,
            location: Some(location),
            database,
            max_entries: self.max_entries,
            connect_timeout: Duration::from_secs(3),
            deadline: Duration::from_secs(5),
            ..RedisTarget::default()
        }
    }

    fn config(&self) -> Config {
        Config {
            redis: self.target(),
            ..Config::default()
        }
    }

    fn run(&self, body: &str) -> ProbeResult {
        run_probe(self.config(), body)
    }

    fn django(&self, code: &str) -> String {
        django_in(&self.cache, code)
    }

    fn write_state(&self, args: &[&str]) {
        write_state_in(&self.cache, args)
    }

    fn cache_dir(&self) -> PathBuf {
        match &self.cache {
            Cache::File(d) => d.clone(),
            _ => unreachable!(),
        }
    }

    /// SQL in the fixture's database (psql for PostgreSQL, Python's sqlite3 for SQLite).
    fn sql(&self, sql: &str) {
        match (&self.pg, &self.cache) {
            (Some(pg), _) => {
                pg.psql("bisk", sql);
            }
            (None, Cache::Db { database, .. }) => {
                let path = database.trim_start_matches("sqlite:///");
                self.django(&format!(
                    "import sqlite3\nc = sqlite3.connect({path:?})\nc.executescript({sql:?})\nc.commit()"
                ));
            }
            _ => unreachable!(),
        }
    }
}

const CRUMBS: &str = "check = \"enforcer.breadcrumbs\"\n";
const LAST_RUN: &str = "check = \"cache.key\"\nkey = \"enforcer:last_run\"\n";

fn summary_shape(s: &str) -> String {
    // Ages and PIDs differ by a second or a number between the two writes.
    s.chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect::<String>()
        .replace("##", "#")
        .replace("##", "#")
        .replace("##", "#")
}

/// The enforcer scenarios of probe_django_interop, written through Django into the backend
/// and into Redis: the breadcrumbs probe must say the same on both.
fn judged_as_on_redis(f: &Fixture) {
    let redis = RedisServer::start();
    let on_redis = Cache::Redis(redis.url(1));
    let pid = std::process::id().to_string();
    let cases: &[(&[&str], Status)] = &[
        (&["healthy", "--pid", &pid], Status::Pass),
        (
            &["healthy", "--pid", &pid, "--timeout", "default"],
            Status::Warn,
        ),
        (&["stale"], Status::Fail),
        (&["failing", "--pid", &pid], Status::Fail),
        (&["dead-pid"], Status::Fail),
        (&["naive-datetime", "--pid", &pid], Status::Pass),
        (
            &["healthy", "legacy-unprefixed", "--pid", &pid],
            Status::Warn,
        ),
    ];
    let redis_config = kit::probe::redis_config(&redis.url(1), 1000, 3000);
    for (args, want) in cases {
        write_state_in(&on_redis, args);
        f.write_state(args);
        // Past the whole second, so ages at a threshold ("failing": last OK 1 h ago) read
        // the same on both although the two writes are a moment apart.
        std::thread::sleep(Duration::from_millis(1100));
        let r = run_probe(redis_config.clone(), CRUMBS);
        let b = f.run(CRUMBS);
        assert_eq!(r.status, *want, "redis {args:?}: {r:#?}");
        assert_eq!(
            b.status, r.status,
            "{} {args:?}: {b:#?}\nredis: {r:#?}",
            f.name
        );
        assert_eq!(
            summary_shape(&b.summary),
            summary_shape(&r.summary),
            "{} {args:?}",
            f.name
        );
        assert_eq!(b.observed.is_some(), r.observed.is_some(), "{args:?}");
        if *want != Status::Pass {
            let h = b.hint.as_ref().expect("a hint");
            if args.contains(&"legacy-unprefixed") {
                // The cleanup names this backend's files or rows, never redis-cli.
                assert!(!h.text.contains("redis-cli"), "{h:?}");
                assert!(
                    h.text.contains(":1:enforcer:last_run") || h.text.contains(".djcache"),
                    "{h:?}"
                );
            } else {
                assert_eq!(Some(h), r.hint.as_ref(), "{args:?}");
            }
        }
    }
    // The naive scenario says so, as on Redis.
    f.write_state(&["naive-datetime", "--pid", &pid]);
    let b = f.run(CRUMBS);
    assert!(
        b.observed.as_deref().unwrap_or("").contains("naive"),
        "{b:#?}"
    );
}

/// What `cache.roundtrip` writes, Django's `cache.get` reads as 'pong'; and a key Django
/// wrote, `cache.key` reads.
fn roundtrip_read_by_django(f: &Fixture) {
    if let Cache::File(d) = &f.cache {
        // The app has written before: the directory exists (bisk-docs never creates it).
        f.django("cache.set('warm', 1)");
        assert!(d.is_dir());
    }
    let res = f.run("check = \"cache.roundtrip\"\n");
    assert_eq!(res.status, Status::Pass, "{}: {res:#?}", f.name);
    assert!(res.summary.contains("bisk:1:ping"), "{res:#?}");
    let ttl = f.django("print(repr(cache.get('ping')))");
    assert_eq!(ttl, "'pong'", "{}", f.name);
    let res = f.run(
        "check = \"cache.roundtrip\"\nkey = \"probe:é\"\nvalue = \"ünï <code> ✓\"\nttl = 30\n",
    );
    assert_eq!(res.status, Status::Pass, "{res:#?}");
    assert_eq!(f.django("print(cache.get('probe:é'))"), "ünï <code> ✓");
    // Django's own TTL for it is within (0, 30].
    let left: f64 = match &f.cache {
        Cache::File(_) => f
            .django("import time\nfrom django.core.cache import cache as c\nf = c._key_to_file('probe:é')\nimport pickle\nprint(pickle.load(open(f, 'rb')) - time.time())")
            .parse()
            .unwrap(),
        _ => 30.0,
    };
    assert!(left > 0.0 && left <= 30.0, "{left}");
    f.django("cache.set('enforcer:last_run', 'x', None)");
    let res = f.run(
        "check = \"cache.key\"\nkey = \"enforcer:last_run\"\nequals = \"x\"\npersistent = true\n",
    );
    assert_eq!(res.status, Status::Pass, "{}: {res:#?}", f.name);
}

/// Each cause of a miss that every backend shares: expired, no KEY_PREFIX, another version,
/// culled, plain absent.
fn shared_diagnoses(f: &Fixture) {
    // Never written (the cache holds a few entries only).
    f.django("cache.set('other', 1)");
    let res = f.run(LAST_RUN);
    assert_eq!(res.status, Status::Fail, "{res:#?}");
    assert!(res.summary.contains("is absent from"), "{res:#?}");
    assert!(res.hint.is_some());

    // Expired: Django wrote it with a 1 s timeout.
    f.django("cache.set('enforcer:last_run', 'soon gone', 1)\nimport time\ntime.sleep(2.2)");
    let res = f.run(LAST_RUN);
    assert_eq!(res.status, Status::Fail, "{res:#?}");
    assert!(res.summary.contains("is expired"), "{}: {res:#?}", f.name);
    assert!(res.summary.contains("cache.get returns None"), "{res:#?}");
    assert_eq!(res.observed.as_deref(), Some("(nil): expired"));
    // ... and Django agrees it is gone.
    assert_eq!(
        f.django("print(repr(cache.get('enforcer:last_run')))"),
        "None"
    );
    let crumbs = f.run(CRUMBS);
    assert_eq!(crumbs.status, Status::Fail);
    assert!(crumbs.summary.starts_with("no breadcrumbs:"), "{crumbs:#?}");

    // Expired breadcrumbs (Django's default 300 s, here 1 s): the hint is the default-timeout trap.
    f.django("for n in ['last_run','last_ok','last_error','running_pid']:\n    cache.set('enforcer:' + n, 1, 1)\nimport time\ntime.sleep(2.2)");
    let crumbs = f.run(CRUMBS);
    assert_eq!(crumbs.status, Status::Fail, "{crumbs:#?}");
    assert!(crumbs.summary.contains("expired"), "{crumbs:#?}");
    assert!(
        crumbs
            .hint
            .as_ref()
            .unwrap()
            .link
            .as_deref()
            .unwrap()
            .ends_with("#default-timeout"),
        "{crumbs:#?}"
    );

    // Without KEY_PREFIX.
    let pid = std::process::id().to_string();
    f.write_state(&["legacy-unprefixed", "--pid", &pid]);
    let res = f.run(LAST_RUN);
    assert_eq!(res.status, Status::Fail, "{res:#?}");
    assert!(
        res.summary.contains(":1:enforcer:last_run exists"),
        "{}: {res:#?}",
        f.name
    );
    assert!(res.summary.contains("without KEY_PREFIX"), "{res:#?}");

    // Another VERSION.
    f.write_state(&["other-version", "--pid", &pid]);
    let res = f.run(LAST_RUN);
    assert_eq!(res.status, Status::Fail, "{res:#?}");
    assert!(
        res.summary.contains("bisk:2:enforcer:last_run exists"),
        "{}: {res:#?}",
        f.name
    );
    assert!(res.summary.contains("VERSION 2"), "{res:#?}");
    let crumbs = f.run(CRUMBS);
    assert!(crumbs.summary.contains("VERSION 2"), "{crumbs:#?}");

    // Culled: Django with MAX_ENTRIES 30 after 90 writes.
    f.write_state(&["clear"]);
    django_in_with(
        &f.cache,
        Some(30),
        "for i in range(90):\n    cache.set('fill:%d' % i, i)",
    );
    let mut culled = Fixture {
        name: f.name,
        cache: f.cache.clone(),
        dir: scratch(),
        pg: None,
        max_entries: 30,
    };
    let res = culled.run(LAST_RUN);
    assert_eq!(res.status, Status::Fail, "{res:#?}");
    assert!(
        res.summary.contains("most likely culled"),
        "{}: {res:#?}",
        f.name
    );
    assert!(res.summary.contains("against MAX_ENTRIES 30"), "{res:#?}");
    assert!(res.hint.as_ref().unwrap().text.contains("MAX_ENTRIES"));
    // With the default 300 the same cache is not full: plain absent.
    culled.max_entries = 300;
    let res = culled.run(LAST_RUN);
    assert!(res.summary.contains("is absent from"), "{res:#?}");
}

fn bad_input_is_words(f: &Fixture, corrupt: impl Fn(&Fixture)) {
    f.django("cache.set('enforcer:last_run', 'fine', None)");
    corrupt(f);
    let res = f.run(LAST_RUN);
    assert_eq!(res.status, Status::Fail, "{}: {res:#?}", f.name);
    assert!(res.summary.contains("Django cannot read"), "{res:#?}");
    assert!(
        res.hint
            .as_ref()
            .unwrap()
            .link
            .as_deref()
            .unwrap()
            .ends_with("#troubleshooting-e")
    );
    // Django itself fails on it too (the verdict is not stricter than the app).
    let out = f
        .cache
        .command()
        .args(["-c", "import django; django.setup()\nfrom django.core.cache import cache\ncache.get('enforcer:last_run')"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "{} read it", f.name);
}

#[test]
fn file_breadcrumbs_judged_as_on_redis() {
    judged_as_on_redis(&Fixture::file());
}

#[test]
fn sqlite_breadcrumbs_judged_as_on_redis() {
    judged_as_on_redis(&Fixture::sqlite());
}

#[test]
fn postgres_breadcrumbs_judged_as_on_redis() {
    judged_as_on_redis(&Fixture::postgres());
}

#[test]
fn file_roundtrip_read_by_django() {
    roundtrip_read_by_django(&Fixture::file());
}

#[test]
fn sqlite_roundtrip_read_by_django() {
    roundtrip_read_by_django(&Fixture::sqlite());
}

#[test]
fn postgres_roundtrip_read_by_django() {
    let f = Fixture::postgres();
    roundtrip_read_by_django(&f);
    // The password never shows, in the result or its JSON.
    let res = f.run("check = \"cache.roundtrip\"\n");
    let json = serde_json::to_string(&res).unwrap();
    assert!(!json.contains(PASSWORD), "{json}");
    assert!(
        res.target.url.contains("bisk:***@127.0.0.1"),
        "{:?}",
        res.target
    );
}

#[test]
fn file_nil_diagnoses() {
    shared_diagnoses(&Fixture::file());
}

#[test]
fn sqlite_nil_diagnoses() {
    shared_diagnoses(&Fixture::sqlite());
}

#[test]
fn postgres_nil_diagnoses() {
    let f = Fixture::postgres();
    shared_diagnoses(&f);
    // Another KEY_PREFIX altogether: rows can be searched by their end.
    let pid = std::process::id().to_string();
    f.write_state(&["other-prefix", "--pid", &pid]);
    let res = f.run(LAST_RUN);
    assert!(
        res.summary.contains("other:1:enforcer:last_run exists"),
        "{res:#?}"
    );
    assert!(res.summary.contains("KEY_PREFIX \"other\""), "{res:#?}");
}

#[test]
fn file_missing_directory_and_private_tmp() {
    // No directory: no process on this host uses it (Django creates it on every write), so
    // the probe is skipped with the cause, never passed. It must be outside /tmp and
    // /var/tmp (there it is the PrivateTmp trap, below), and the scratch folder may itself be
    // under /tmp (a clone of the repository there), so it is one that nothing creates.
    let f = Fixture {
        name: "file",
        cache: Cache::File(PathBuf::from(format!(
            "/var/lib/bisk-docs-test-missing-{}/bisk_cache",
            std::process::id()
        ))),
        dir: scratch(),
        pg: None,
        max_entries: 300,
    };
    let res = f.run(LAST_RUN);
    assert_eq!(res.status, Status::Skipped, "{res:#?}");
    assert!(
        res.summary.contains("does not exist on this host"),
        "{res:#?}"
    );
    assert!(
        res.hint.as_ref().unwrap().text.contains("install -d"),
        "{res:#?}"
    );
    // The round trip does not create it (an owner other than the app's would lock it out).
    let res = f.run("check = \"cache.roundtrip\"\n");
    assert_eq!(res.status, Status::Skipped, "{res:#?}");
    assert!(res.summary.contains("does not exist"), "{res:#?}");
    assert!(!f.cache_dir().exists());
    let res = f.run(CRUMBS);
    assert_eq!(res.status, Status::Skipped, "{res:#?}");

    // LOCATION under /tmp, and a unit with PrivateTmp=yes that wrote into its own copy.
    let private = tempfile::Builder::new()
        .prefix("systemd-private-bisktest-")
        .tempdir_in("/tmp")
        .unwrap();
    let name = format!("bisk-docs-test-{}", std::process::id());
    let copy = private.path().join("tmp").join(&name).join("bisk_cache");
    std::fs::create_dir_all(&copy).unwrap();
    let tmp = Fixture {
        name: "file",
        cache: Cache::File(Path::new("/tmp").join(&name).join("bisk_cache")),
        dir: scratch(),
        pg: None,
        max_entries: 300,
    };
    let res = tmp.run(CRUMBS);
    assert_eq!(res.status, Status::Fail, "{res:#?}");
    assert!(res.summary.contains("PrivateTmp"), "{res:#?}");
    assert!(
        res.summary.contains(&copy.display().to_string()),
        "{res:#?}"
    );
    assert!(
        res.hint.as_ref().unwrap().text.contains("out of /tmp"),
        "{res:#?}"
    );
    assert!(
        res.hint
            .as_ref()
            .unwrap()
            .link
            .as_deref()
            .unwrap()
            .ends_with("#file-cache")
    );
    // The directory exists in the shared /tmp too, but holds nothing: still the trap.
    let shared = Path::new("/tmp").join(&name).join("bisk_cache");
    std::fs::create_dir_all(&shared).unwrap();
    let res = tmp.run(LAST_RUN);
    assert!(res.summary.contains("PrivateTmp"), "{res:#?}");
    std::fs::remove_dir_all(Path::new("/tmp").join(&name)).unwrap();
}

#[test]
fn file_unreadable_directory_names_owner_and_mode() {
    let f = Fixture::file();
    f.django("cache.set('enforcer:last_run', 'x', None)");
    let dir = f.cache_dir();
    let root = std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap();
    let tree = kit::Tree::site(
        &format!(
            "[redis]\nbackend = \"file\"\nlocation = \"{}\"\n",
            dir.display()
        ),
        &[(
            "ops/P.md",
            &format!("# P\n\n```probe\nid = \"k\"\n{LAST_RUN}```\n"),
        )],
    );
    let mut cmd = if root {
        // Root reads everything: look as `nobody`, who may not enter a 0700 root directory.
        for p in [tree.root(), f.dir.path()] {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(kit::tree::bin());
        c
    } else {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o000)).unwrap();
        std::process::Command::new(kit::tree::bin())
    };
    std::fs::set_permissions(f.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    if root {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let out = cmd
        .args(["check", "--format", "json", "--root"])
        .arg(tree.root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let r = &json["results"][0];
    assert_eq!(r["status"], "error", "{json:#}");
    let summary = r["summary"].as_str().unwrap();
    assert!(summary.contains(&dir.display().to_string()), "{summary}");
    assert!(summary.contains("mode 0"), "{summary}");
    assert!(summary.contains("owner "), "{summary}");
    assert!(
        r["hint"]["text"].as_str().unwrap().contains("sudo -u"),
        "{json:#}"
    );
}

#[test]
fn file_bad_input_is_words() {
    let f = Fixture::file();
    let path = |f: &Fixture| {
        f.cache_dir().join(bisk_docs::probe::store::file::file_name(
            "bisk:1:enforcer:last_run",
        ))
    };
    bad_input_is_words(&f, |f| {
        std::fs::write(path(f), b"garbage, not a pickle").unwrap()
    });
    bad_input_is_words(&f, |f| {
        let bytes = std::fs::read(path(f)).unwrap();
        std::fs::write(path(f), &bytes[..bytes.len() - 3]).unwrap();
    });
    // A directory of 100,000 entries: the diagnosis of a miss stays bounded.
    let dir = f.cache_dir();
    for i in 0..100_000 {
        std::fs::File::create(dir.join(format!("{i:032x}.djcache"))).unwrap();
    }
    let t = Instant::now();
    let res = f.run("check = \"cache.key\"\nkey = \"never\"\n");
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert_eq!(res.status, Status::Fail, "{res:#?}");
    assert!(res.summary.contains("most likely culled"), "{res:#?}");
    let crumbs = f.run(CRUMBS);
    assert_ne!(crumbs.status, Status::Pass);
}

#[test]
fn sqlite_bad_input_and_missing_table() {
    let f = Fixture::sqlite();
    bad_input_is_words(&f, |f| {
        f.sql("UPDATE bisk_cache SET value = '!!!!' WHERE cache_key = 'bisk:1:enforcer:last_run';")
    });
    // Not base64 at all (Python: "Incorrect padding").
    bad_input_is_words(&f, |f| {
        f.sql("UPDATE bisk_cache SET value = 'not base64' WHERE cache_key = 'bisk:1:enforcer:last_run';")
    });
    db_table_problems(&f);
    // A wrong database: a file without Django's tables.
    let other = Fixture::sqlite_bare();
    other.django(&format!(
        "import sqlite3\nsqlite3.connect({:?}).execute('CREATE TABLE t (x)')",
        other.dir.path().join("db.sqlite3")
    ));
    let res = other.run(LAST_RUN);
    assert_eq!(res.status, Status::Error, "{res:#?}");
    assert!(res.summary.contains("another database"), "{res:#?}");
    // No file at all: not judged here (skipped with the cause), and never created.
    let missing = Fixture::sqlite_bare();
    let res = missing.run(LAST_RUN);
    assert_eq!(res.status, Status::Skipped, "{res:#?}");
    assert!(res.summary.contains("does not exist"), "{res:#?}");
    assert!(!missing.dir.path().join("db.sqlite3").exists());
}

#[test]
fn postgres_bad_input_and_missing_table() {
    let f = Fixture::postgres();
    bad_input_is_words(&f, |f| {
        f.sql("UPDATE bisk_cache SET value = '!!!!' WHERE cache_key = 'bisk:1:enforcer:last_run';")
    });
    bad_input_is_words(&f, |f| {
        f.sql("UPDATE bisk_cache SET value = 'not base64' WHERE cache_key = 'bisk:1:enforcer:last_run';")
    });
    db_table_problems(&f);
    let pg = f.pg.as_ref().unwrap();
    for (db, words) in [("other", "another database"), ("nope", "does not exist")] {
        let wrong = Fixture {
            name: "postgres",
            cache: Cache::Db {
                database: pg.url(db),
                table: "bisk_cache".into(),
            },
            dir: scratch(),
            pg: None,
            max_entries: 300,
        };
        let res = wrong.run(LAST_RUN);
        assert_eq!(res.status, Status::Error, "{db}: {res:#?}");
        assert!(res.summary.contains(words), "{db}: {res:#?}");
        assert!(!serde_json::to_string(&res).unwrap().contains(PASSWORD));
    }
    // Nothing listens: an error naming the place, password redacted.
    let port = kit::closed_port();
    let down = Fixture {
        name: "postgres",
        cache: Cache::Db {
            database: format!("postgres://bisk:{PASSWORD}@127.0.0.1:{port}/bisk"),
            table: "bisk_cache".into(),
        },
        dir: scratch(),
        pg: None,
        max_entries: 300,
    };
    let res = down.run(CRUMBS);
    assert_eq!(res.status, Status::Error, "{res:#?}");
    assert!(res.summary.contains("refused"), "{res:#?}");
    assert!(!serde_json::to_string(&res).unwrap().contains(PASSWORD));
}

/// A peer that accepts TCP connections and never speaks is a startup-stage failure, not a
/// connect-stage one; `POSTGRESQL://` is `postgresql://` (schemes are case-insensitive).
#[test]
fn postgres_silent_peer_and_scheme_case() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accepts and holds every connection, answering nothing, until the test ends.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming() {
            held.push(conn);
        }
    });
    let silent = Fixture {
        name: "postgres",
        cache: Cache::Db {
            database: format!("postgres://bisk:{PASSWORD}@127.0.0.1:{port}/bisk"),
            table: "bisk_cache".into(),
        },
        dir: scratch(),
        pg: None,
        max_entries: 300,
    };
    let mut config = silent.config();
    config.redis.connect_timeout = Duration::from_millis(500);
    let t = Instant::now();
    let res = run_probe(config, LAST_RUN);
    assert!(t.elapsed() < Duration::from_secs(4), "{:?}", t.elapsed());
    assert_eq!(res.status, Status::Error, "{res:#?}");
    assert!(
        res.summary
            .contains("startup/authentication stage: postgres://bisk:***@127.0.0.1"),
        "{res:#?}"
    );
    assert!(
        res.summary.contains("accepted the TCP connection"),
        "{res:#?}"
    );
    assert!(!res.summary.contains("connect stage"), "{res:#?}");
    assert!(!serde_json::to_string(&res).unwrap().contains(PASSWORD));

    let f = Fixture::postgres();
    let Cache::Db { database, .. } = &f.cache else {
        unreachable!()
    };
    let upper = database.replacen("postgres://", "POSTGRESQL://", 1);
    let config = Config {
        redis: RedisTarget {
            database: Some(upper.clone()),
            ..f.target()
        },
        ..Config::default()
    };
    let res = run_probe(config, "check = \"cache.roundtrip\"\n");
    assert_eq!(res.status, Status::Pass, "{res:#?}");
    assert!(!serde_json::to_string(&res).unwrap().contains(PASSWORD));
    assert_eq!(f.django("print(cache.get('ping'))"), "pong");
    // And the config accepts it where it is written.
    let dir = scratch();
    std::fs::write(
        dir.path().join("bisk-docs.toml"),
        format!(
            "[redis]\nbackend = \"db\"\nlocation = \"bisk_cache\"\ndatabase = \"{}\"\n",
            upper.replace(PASSWORD, "x")
        ),
    )
    .unwrap();
    bisk_docs::config::Config::load(dir.path()).expect("POSTGRESQL:// is accepted");
}

/// PostgreSQL's timestamptz holds 'infinity', which psycopg refuses to load: Django's
/// `cache.get` raises on the row, so the probe calls it unreadable (never "never expires").
#[test]
fn postgres_infinite_expires_fails_as_in_django() {
    let f = Fixture::postgres();
    f.django("cache.set('inf', 'x', None)");
    f.sql("UPDATE bisk_cache SET expires = 'infinity' WHERE cache_key = 'bisk:1:inf';");
    let django = f.django(
        "try:\n    print(cache.get('inf'))\nexcept Exception as e:\n    print(type(e).__name__)",
    );
    assert_eq!(django, "DataError");
    let r = f.run("check = \"cache.key\"\nkey = \"inf\"\n");
    assert_eq!(r.status, Status::Fail, "{r:#?}");
    assert!(r.summary.contains("'infinity'"), "{r:#?}");
}

/// A missing cache table in the app's database, and a table of another shape.
fn db_table_problems(f: &Fixture) {
    f.sql("DROP TABLE bisk_cache;");
    let res = f.run(LAST_RUN);
    assert_eq!(res.status, Status::Fail, "{}: {res:#?}", f.name);
    assert!(res.summary.contains("does not exist"), "{res:#?}");
    assert!(
        res.hint
            .as_ref()
            .unwrap()
            .text
            .contains("manage.py createcachetable bisk_cache"),
        "{res:#?}"
    );
    assert!(
        res.hint
            .as_ref()
            .unwrap()
            .link
            .as_deref()
            .unwrap()
            .ends_with("#database-cache")
    );
    f.sql("CREATE TABLE bisk_cache (cache_key varchar(255) PRIMARY KEY, payload text);");
    for body in [LAST_RUN, CRUMBS, "check = \"cache.roundtrip\"\n"] {
        let res = f.run(body);
        assert_eq!(res.status, Status::Fail, "{}: {res:#?}", f.name);
        assert!(
            res.summary.contains("is not a DatabaseCache table"),
            "{res:#?}"
        );
    }
}

/// Python with Django set up as an app with `USE_TZ = False` in `zone` (`cache` in scope).
fn django_local(f: &Fixture, zone: &str, code: &str) -> String {
    let mut python = f.cache.command();
    python.env("BISK_USE_TZ", "0").env("BISK_TIME_ZONE", zone);
    kit::django::with_cache(python, code)
}

/// Django with `USE_TZ = False` writes naive local times: in `expires` on SQLite (PostgreSQL
/// stores an instant: its session runs in TIME_ZONE; FileBasedCache stores time.time()) and
/// in the breadcrumbs everywhere. With the target's `use_tz = false` and `time_zone`, an
/// entry that expired east of UTC is expired, a fresh one west of UTC is present, and fresh
/// breadcrumbs are fresh, not "in the future"; without them SQLite shows the false green.
fn naive_times_in_the_apps_zone(f: &Fixture) {
    let pid = std::process::id();
    let naive_expires = f.name == "sqlite";
    for (zone, east) in [("Asia/Kolkata", true), ("America/Los_Angeles", false)] {
        django_local(
            f,
            zone,
            &format!(
                "from django.utils import timezone\n\
                 now = timezone.now()\n\
                 assert timezone.is_naive(now)\n\
                 cache.set('gone', 'x', -3600)\n\
                 cache.set('fresh', 'y', 3600)\n\
                 cache.set('enforcer:last_run', now, None)\n\
                 cache.set('enforcer:last_ok', now, None)\n\
                 cache.set('enforcer:last_error', None, None)\n\
                 cache.set('enforcer:running_pid', {pid}, None)\n"
            ),
        );
        let told = Config {
            redis: RedisTarget {
                use_tz: Some(false),
                time_zone: Some(zone.into()),
                ..f.target()
            },
            ..Config::default()
        };
        let gone = run_probe(told.clone(), "check = \"cache.key\"\nkey = \"gone\"\n");
        assert_eq!(gone.status, Status::Fail, "{} {zone}: {gone:#?}", f.name);
        assert!(gone.summary.contains("expired"), "{gone:#?}");
        let fresh = run_probe(told.clone(), "check = \"cache.key\"\nkey = \"fresh\"\n");
        assert_eq!(fresh.status, Status::Pass, "{} {zone}: {fresh:#?}", f.name);
        let crumbs = run_probe(told, CRUMBS);
        assert_eq!(
            crumbs.status,
            Status::Pass,
            "{} {zone}: {crumbs:#?}",
            f.name
        );
        assert!(!crumbs.summary.contains("future"), "{crumbs:#?}");
        // Not told: SQLite's naive expires and every backend's naive breadcrumbs read as UTC.
        let gone = f.run("check = \"cache.key\"\nkey = \"gone\"\n");
        let fresh = f.run("check = \"cache.key\"\nkey = \"fresh\"\n");
        let crumbs = f.run(CRUMBS);
        assert_eq!(
            crumbs.status,
            Status::Fail,
            "{} {zone}: {crumbs:#?}",
            f.name
        );
        if east {
            assert!(crumbs.summary.contains("in the future"), "{crumbs:#?}");
        }
        match (naive_expires, east) {
            // The false green of issue 18: expired an hour ago, read as 4 h 30 min ahead.
            (true, true) => assert_eq!(gone.status, Status::Pass, "{zone}: {gone:#?}"),
            (true, false) => assert!(fresh.summary.contains("expired"), "{zone}: {fresh:#?}"),
            (false, _) => {
                assert_eq!(gone.status, Status::Fail, "{} {zone}: {gone:#?}", f.name);
                assert_eq!(fresh.status, Status::Pass, "{} {zone}: {fresh:#?}", f.name);
            }
        }
        // Django itself agrees with the told verdicts.
        assert_eq!(
            django_local(f, zone, "print(cache.get('gone'), cache.get('fresh'))"),
            "None y",
            "{} {zone}",
            f.name
        );
    }
}

#[test]
fn file_naive_times_in_the_apps_zone() {
    let f = Fixture::file();
    f.django("cache.set('warm', 1)");
    naive_times_in_the_apps_zone(&f);
}

#[test]
fn sqlite_naive_times_in_the_apps_zone() {
    naive_times_in_the_apps_zone(&Fixture::sqlite());
}

#[test]
fn postgres_naive_times_in_the_apps_zone() {
    naive_times_in_the_apps_zone(&Fixture::postgres());
}

/// A table without Django's primary key can hold one cache_key twice. Django's `get_many`
/// loops over the rows in the database's order, keeping each unexpired row's value in a dict:
/// the last unexpired one wins. `cache.key` judges the same row and says there are several.
fn duplicate_rows_judged_as_django(f: &Fixture) {
    let expires_type = if f.name == "postgres" {
        "timestamp with time zone"
    } else {
        "datetime"
    };
    f.django(&format!(
        "from django.db import connection\n\
         with connection.cursor() as c:\n    \
         c.execute('CREATE TABLE bisk_cache (cache_key varchar(255) NOT NULL, value text NOT NULL, expires {expires_type} NOT NULL)')\n"
    ));
    let rows = |values: &[(&str, u16)]| {
        let inserts: String = values
            .iter()
            .map(|(v, year)| {
                format!(
                    "    c.execute('INSERT INTO bisk_cache VALUES (%s, %s, %s)', ['bisk:1:dup', b({v:?}), connection.ops.adapt_datetimefield_value(datetime.datetime({year}, 1, 1, tzinfo=datetime.timezone.utc))])\n"
                )
            })
            .collect();
        f.django(&format!(
            "import base64, datetime, pickle\n\
             from django.db import connection\n\
             def b(v): return base64.b64encode(pickle.dumps(v, 5)).decode()\n\
             with connection.cursor() as c:\n    \
             c.execute('DELETE FROM bisk_cache')\n{inserts}"
        ));
    };
    let equals = |v: &str| format!("check = \"cache.key\"\nkey = \"dup\"\nequals = \"{v}\"\n");
    // Both fresh: the last.
    rows(&[("first", 2099), ("second", 2099)]);
    let r = f.run(&equals("second"));
    assert_eq!(r.status, Status::Pass, "{}: {r:#?}", f.name);
    let place = r.evidence.iter().find(|e| e.label == "where").unwrap();
    assert!(place.value.starts_with("2 rows"), "{place:?}");
    assert!(place.value.contains("duplicates"), "{place:?}");
    assert_eq!(f.run(&equals("first")).status, Status::Fail);
    assert_eq!(f.django("print(cache.get('dup'))"), "second");
    // The last expired: the last unexpired one (Django then deletes them all).
    rows(&[("first", 2099), ("second", 2000)]);
    let r = f.run(&equals("first"));
    assert_eq!(r.status, Status::Pass, "{}: {r:#?}", f.name);
    assert_eq!(f.django("print(cache.get('dup'))"), "first");
    // All expired: expired.
    rows(&[("first", 2000), ("second", 2001)]);
    let r = f.run(&equals("first"));
    assert_eq!(r.status, Status::Fail, "{r:#?}");
    assert!(r.summary.contains("expired"), "{r:#?}");
    assert_eq!(f.django("print(cache.get('dup'))"), "None");
}

#[test]
fn sqlite_duplicate_rows_judged_as_django() {
    let f = Fixture::sqlite_bare();
    f.migrate(false);
    duplicate_rows_judged_as_django(&f);
}

#[test]
fn postgres_duplicate_rows_judged_as_django() {
    let f = Fixture::postgres_bare();
    f.migrate(false);
    duplicate_rows_judged_as_django(&f);
}

/// Expiries Django's FileBasedCache writes and reads although they are no ordinary time:
/// `cache.set(k, v, float('inf'))` or `float('nan')` (never smaller than now: never
/// expires), 10**30 as a float or as an int, and -inf (always expired). Judged as Django's
/// `exp < time.time()` judges them, never "unreadable".
#[test]
fn file_odd_expiries_judged_as_django() {
    let f = Fixture::file();
    let out = f.django(
        "import pickle, zlib\n\
         cache.set('inf', 'a', float('inf'))\n\
         cache.set('nan', 'b', float('nan'))\n\
         cache.set('big', 'c', 1e30)\n\
         cache.set('past', 'd', float('-inf'))\n\
         with open(cache._key_to_file('bigint'), 'wb') as fh:\n    \
         fh.write(pickle.dumps(10**30, 5) + zlib.compress(pickle.dumps('e', 5)))\n\
         print([cache.get(k) for k in ('inf', 'nan', 'big', 'bigint')])",
    );
    assert_eq!(out, "['a', 'b', 'c', 'e']");
    for (key, value) in [("inf", "a"), ("nan", "b"), ("big", "c"), ("bigint", "e")] {
        let r = f.run(&format!(
            "check = \"cache.key\"\nkey = \"{key}\"\nequals = \"{value}\"\n"
        ));
        assert_eq!(r.status, Status::Pass, "{key}: {r:#?}");
    }
    let r = f.run("check = \"cache.key\"\nkey = \"past\"\n");
    assert_eq!(r.status, Status::Fail, "{r:#?}");
    assert!(r.summary.contains("expired"), "{r:#?}");
    assert!(!r.summary.contains("empty"), "{r:#?}");
    assert_eq!(f.django("print(cache.get('past'))"), "None");
}

/// The manual's table of these verdicts (`manual/docs/verdicts.md`) names its tests: each
/// must exist here (a `*` row on all three backends), so the table cannot drift from what is
/// tested.
#[test]
fn manual_table_names_real_tests() {
    let table = kit::manual_verdict_section("cache checks on file and db targets");
    let source = include_str!("probe_backends.rs");
    let mut rows = 0;
    for line in table
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| check"))
    {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        assert_eq!(cells.len(), 6, "{line}");
        let named = cells[5].trim_matches('`');
        let names: Vec<String> = match named.strip_prefix('*') {
            Some(rest) => {
                let backends: &[&str] = match cells[1] {
                    "all" => &["file_", "sqlite_", "postgres_"],
                    "db" => &["sqlite_", "postgres_"],
                    other => {
                        panic!("a `*` row names its backend as all or db, not {other}: {line}")
                    }
                };
                backends.iter().map(|b| format!("{b}{rest}")).collect()
            }
            None => vec![named.to_string()],
        };
        for n in names {
            assert!(
                source.contains(&format!("fn {n}()")),
                "the manual names {n}, not a test here"
            );
        }
        rows += 1;
    }
    assert!(rows >= 20, "{rows} rows");
}

/// The enforcer's breadcrumbs through Django's FileBasedCache, `running_pid` naming a real
/// process: written before `last_run` and alive (pass, with the identity evidence), a real
/// zombie (fail), and an unrelated `sleep` started after `last_run` was written (fail).
#[test]
fn file_process_identity() {
    let f = Fixture::file();
    let write_run = |ago: i64| {
        f.django(&format!(
            "import datetime\nfrom django.utils import timezone\nt = timezone.now() - datetime.timedelta(seconds={ago})\ncache.set_many({{'enforcer:last_run': t, 'enforcer:last_ok': t, 'enforcer:last_error': None}}, None)"
        ))
    };
    let write_pid = |pid: u32| f.django(&format!("cache.set('enforcer:running_pid', {pid}, None)"));
    let identity = |res: &ProbeResult| {
        res.evidence
            .iter()
            .find(|e| e.label == "process identity")
            .map(|e| e.value.clone())
            .unwrap_or_else(|| panic!("no process identity evidence: {res:#?}"))
    };

    // The enforcer: started, then it writes its PID and last_run.
    let enforcer = kit::process::Sleeper::start();
    write_run(0);
    write_pid(enforcer.pid());
    let res = f.run(&format!("{CRUMBS}pid_cmdline = \"sleep 300\"\n"));
    assert_eq!(res.status, Status::Pass, "{res:#?}");
    assert!(
        res.summary
            .contains(&format!("PID {} alive", enforcer.pid())),
        "{res:#?}"
    );
    let used = identity(&res);
    assert!(used.contains("before last_run"), "{used}");
    assert!(
        used.contains("command line contains \"sleep 300\""),
        "{used}"
    );
    drop(enforcer);

    // A zombie: exited, its parent never reaped it.
    let zombie = kit::process::Zombie::start();
    write_pid(zombie.pid);
    let res = f.run(CRUMBS);
    assert_eq!(res.status, Status::Fail, "{res:#?}");
    assert!(
        res.summary
            .contains(&format!("PID {} is a zombie", zombie.pid)),
        "{res:#?}"
    );
    assert!(identity(&res).contains("state Z (zombie)"));
    assert!(res.hint.is_some());
    drop(zombie);

    // A reused PID: last_run written (10 s back, beyond the 5 s tolerance), then an
    // unrelated process starts and its PID is recorded.
    write_run(10);
    let other = kit::process::Sleeper::start();
    write_pid(other.pid());
    let res = f.run(CRUMBS);
    assert_eq!(res.status, Status::Fail, "{res:#?}");
    assert!(
        res.summary.contains(&format!(
            "PID {} belongs to another process (`sleep 300`",
            other.pid()
        )),
        "{res:#?}"
    );
    assert!(res.summary.contains("after last_run"), "{res:#?}");
}

/// A tree whose `[redis]` is the fixture's FileBasedCache, with one page of `bodies`.
fn file_tree(f: &Fixture, extra: &str, bodies: &[&str]) -> kit::Tree {
    let page: String = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| format!("```probe\nid = \"p{i}\"\n{b}```\n\n"))
        .collect();
    kit::Tree::site(
        &format!(
            "[redis]\nbackend = \"file\"\nlocation = \"{}\"\ndeadline = \"2s\"\n{extra}",
            f.cache_dir().display()
        ),
        &[("ops/P.md", &format!("# P\n\n{page}"))],
    )
}

fn threads_of(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .count()
}

/// A FIFO where a cache file should be: opening it would wait for a writer forever. The
/// probe says what it is at once; `check` exits; `serve` does not gain a thread per run.
#[test]
fn file_fifo_entry_never_blocks() {
    let f = Fixture::file();
    f.write_state(&["healthy"]);
    let entry = f.cache_dir().join(bisk_docs::probe::store::file::file_name(
        "bisk:1:enforcer:last_run",
    ));
    std::fs::remove_file(&entry).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&entry)
        .status()
        .unwrap();
    assert!(made.success());
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata(&entry).unwrap().file_type().is_fifo());

    // In process, both probes that read it.
    for body in [LAST_RUN, CRUMBS] {
        let t = Instant::now();
        let res = f.run(body);
        assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
        assert_eq!(res.status, Status::Error, "{res:#?}");
        assert!(
            res.summary
                .contains("is a FIFO (named pipe), not a cache file"),
            "{res:#?}"
        );
        assert!(res.hint.is_some(), "{res:#?}");
    }

    // The real binary: `check` must exit (it used to print its summary, then hang).
    let tree = file_tree(&f, "", &[LAST_RUN, CRUMBS]);
    let mut child = kit::tree::command(tree.root(), &["check", "--format", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > until {
            let _ = child.kill();
            let _ = child.wait();
            panic!("check did not exit within 20 s on a FIFO cache entry");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    for r in json["results"].as_array().unwrap() {
        assert_eq!(r["status"], "error", "{json:#}");
        assert!(
            r["summary"].as_str().unwrap().contains("is a FIFO"),
            "{json:#}"
        );
    }

    // `serve`: a fresh run each interval (1 s) must not leave a thread behind.
    let tree = file_tree(
        &f,
        "[serve]\nprobe_interval = \"1s\"\n",
        &[LAST_RUN, CRUMBS],
    );
    let serve = kit::serve::ServeProcess::start(tree.root(), &[], &[]);
    let addr: std::net::SocketAddr = serve.addr().parse().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut counts = Vec::new();
    for _ in 0..8 {
        for id in ["p0", "p1"] {
            let r = rt.block_on(kit::serve::get(addr, &format!("/api/probes/{id}")));
            assert_eq!(r.status, 200, "{r:?}");
            assert_eq!(r.json()["status"], "error", "{r:?}");
        }
        counts.push(threads_of(serve.pid()));
        std::thread::sleep(Duration::from_millis(1100));
    }
    // Sixteen runs: a blocked thread per run would add sixteen; the runtime's own pool may
    // grow by a few at first, then stays.
    let (first, last) = (counts[1], *counts.last().unwrap());
    assert!(last <= first + 2, "threads per sample: {counts:?}");
}

/// `location` that is a symlink loop resolves to nothing: its own diagnosis and hint, not
/// "does not exist" (which would skip the probe).
#[test]
fn file_symlink_loop_location() {
    let dir = scratch();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    std::os::unix::fs::symlink(&b, &a).unwrap();
    std::os::unix::fs::symlink(&a, &b).unwrap();
    let f = Fixture {
        name: "file",
        cache: Cache::File(a.clone()),
        dir,
        pg: None,
        max_entries: 300,
    };
    for body in [LAST_RUN, CRUMBS, "check = \"cache.roundtrip\"\n"] {
        let res = f.run(body);
        assert_eq!(res.status, Status::Error, "{body}: {res:#?}");
        assert!(
            res.summary.contains(&format!(
                "the cache directory {} is a symlink loop",
                a.display()
            )),
            "{body}: {res:#?}"
        );
        let hint = res.hint.as_ref().expect("a hint");
        assert!(hint.text.contains("namei -l"), "{hint:?}");
    }
}

/// An SQLite `database` that is a FIFO: SQLite would wait on its open forever; the probe
/// refuses it at once, with what it is.
#[test]
fn sqlite_fifo_database_never_blocks() {
    let f = Fixture::sqlite_bare();
    let path = f.dir.path().join("db.sqlite3");
    let made = std::process::Command::new("mkfifo")
        .arg(&path)
        .status()
        .unwrap();
    assert!(made.success());
    for body in [LAST_RUN, CRUMBS] {
        let t = Instant::now();
        let res = f.run(body);
        assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
        assert_eq!(res.status, Status::Error, "{res:#?}");
        assert!(res.summary.contains("is not a regular file"), "{res:#?}");
    }
}
