//! Real Django, for checking our values against it: a Python with Django and redis-py
//! ([`django_python`], bootstrapped under `target/` when the machine has none), code run
//! with the app's cache settings ([`django`]), the team's state writer ([`write_state`]),
//! and enforcer breadcrumbs written exactly as Django writes them ([`crumbs`]).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use bisk_docs::django::{PyValue, encode, value::PyDateTime};

use super::RedisServer;

/// `tests/fixtures/django_writer`: `bisk_settings.py` (the app's CACHES), `write_state.py`
/// (named scenarios), `write_values.py` (values from JSON).
pub fn writer_dir() -> PathBuf {
    super::fixture_path("django_writer")
}

/// A `python` command with the writer's settings importable and Django pointed at `url`.
pub fn command(url: &str) -> Command {
    let mut cmd = Command::new(django_python());
    cmd.current_dir(writer_dir())
        .env("PYTHONPATH", writer_dir())
        .env("DJANGO_SETTINGS_MODULE", "bisk_settings")
        .env("BISK_REDIS_URL", url);
    cmd
}

/// Runs Python `code` with Django's cache configured against `url` (`cache` in scope);
/// returns its stdout, trimmed. Panics with stderr when the code fails.
#[track_caller]
pub fn django(url: &str, code: &str) -> String {
    let out = command(url)
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

/// Writes enforcer state into `url` through the real Django, with `write_state.py` and its
/// arguments (scenario names, `--timeout`, `--pid` ...).
#[track_caller]
pub fn write_state(url: &str, args: &[&str]) {
    let out = command(url)
        .arg("write_state.py")
        .args(args)
        .arg("--redis-url")
        .arg(url)
        .output()
        .expect("run write_state.py");
    assert!(
        out.status.success(),
        "write_state.py {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Where the app's Django cache lives in a test: Redis (the URL), or one of the guide's §6
/// substitutes, configured for the writer through its environment (see bisk_settings.py).
#[derive(Debug, Clone)]
pub enum Cache {
    Redis(String),
    /// FileBasedCache in this directory.
    File(PathBuf),
    /// DatabaseCache: `database` is `sqlite:////abs` or `postgres://…`; `table` its table.
    Db {
        database: String,
        table: String,
    },
}

impl Cache {
    /// A `python` command with Django's CACHES (and DATABASES) pointed at this cache.
    pub fn command(&self) -> Command {
        self.command_with_max_entries(None)
    }

    /// [`Cache::command`] with OPTIONS MAX_ENTRIES set.
    pub fn command_with_max_entries(&self, max_entries: Option<u64>) -> Command {
        let mut cmd = match self {
            Cache::Redis(url) => command(url),
            Cache::File(dir) => {
                let mut c = command("redis://127.0.0.1:1/1");
                c.env("BISK_CACHE_BACKEND", "file")
                    .env("BISK_CACHE_LOCATION", dir);
                c
            }
            Cache::Db { database, table } => {
                let mut c = command("redis://127.0.0.1:1/1");
                c.env("BISK_CACHE_BACKEND", "db")
                    .env("BISK_CACHE_LOCATION", table)
                    .env("BISK_DATABASE_URL", database);
                c
            }
        };
        if let Some(n) = max_entries {
            cmd.env("BISK_CACHE_MAX_ENTRIES", n.to_string());
        }
        cmd
    }
}

/// Runs Python `code` with Django set up against `cache` (`cache` in scope; also
/// `call_command`); returns stdout, trimmed. Panics with stderr when the code fails.
#[track_caller]
pub fn django_in(cache: &Cache, code: &str) -> String {
    django_in_with(cache, None, code)
}

/// [`django_in`] with OPTIONS MAX_ENTRIES.
#[track_caller]
pub fn django_in_with(cache: &Cache, max_entries: Option<u64>, code: &str) -> String {
    let out = cache
        .command_with_max_entries(max_entries)
        .args([
            "-c",
            &format!(
                "import django; django.setup()\nfrom django.core.cache import cache\nfrom django.core.management import call_command\n{code}"
            ),
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

/// `write_state.py` against `cache` (scenario names and options as in [`write_state`]).
#[track_caller]
pub fn write_state_in(cache: &Cache, args: &[&str]) {
    let mut cmd = cache.command();
    cmd.arg("write_state.py").args(args);
    if let Cache::Redis(url) = cache {
        cmd.arg("--redis-url").arg(url);
    }
    let out = cmd.output().expect("run write_state.py");
    assert!(
        out.status.success(),
        "write_state.py {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// An aware UTC datetime `secs_ago` seconds before now, as Django's timezone.now() makes.
pub fn utc_ago(secs_ago: i64) -> PyValue {
    let t = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(secs_ago);
    PyValue::DateTime(PyDateTime::from_timestamp_utc(t))
}

/// Now, as Django's timezone.now() makes it.
pub fn now_utc() -> PyValue {
    utc_ago(0)
}

/// Stores `v` under `key` in db 1, pickled as Django's cache does.
pub fn put(r: &RedisServer, key: &str, v: &PyValue) {
    r.set(1, key, &encode(v).expect("encode"), None);
}

/// Breadcrumbs of an enforcer whose last cycle ended `ago` seconds ago, with a live PID
/// (this test process) and no error, under the app's key prefix in db 1.
pub fn crumbs(r: &RedisServer, ago: i64) {
    put(r, "bisk:1:enforcer:last_run", &utc_ago(ago));
    put(r, "bisk:1:enforcer:last_ok", &utc_ago(ago));
    put(r, "bisk:1:enforcer:last_error", &PyValue::None);
    put(
        r,
        "bisk:1:enforcer:running_pid",
        &PyValue::Int(std::process::id().into()),
    );
}

/// A Python interpreter that can `import django, redis`, for the tests that check our values
/// against the real Django cache. In order: `$BISK_TEST_PYTHON`; the machine's `python3` if it
/// already has both; else a virtualenv under the target folder, created on first use from
/// `tests/fixtures/python/requirements.txt`. Bootstrapping here (not only in `.ci/run`) is what
/// makes a bare `cargo test` pass on a fresh machine. Panics with what to do when none works.
pub fn django_python() -> PathBuf {
    static PYTHON: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();
    match PYTHON.get_or_init(find_or_bootstrap_python) {
        Ok(p) => p.clone(),
        Err(e) => panic!("{e}"),
    }
}

fn has_django(python: &Path) -> bool {
    Command::new(python)
        .args([
            "-c",
            // psycopg: DatabaseCache on PostgreSQL (probe_backends).
            "import django, redis, psycopg; assert django.VERSION >= (5, 2)",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn find_or_bootstrap_python() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("BISK_TEST_PYTHON") {
        let p = PathBuf::from(p);
        return if has_django(&p) {
            Ok(p)
        } else {
            Err(format!(
                "BISK_TEST_PYTHON={} cannot `import django, redis` (Django >= 5.2): install them \
                 there or unset BISK_TEST_PYTHON to let the tests make their own virtualenv",
                p.display()
            ))
        };
    }
    let system = PathBuf::from("python3");
    if has_django(&system) {
        return Ok(system);
    }
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("django-venv");
    let python = venv.join("bin/python");
    let requirements =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/python/requirements.txt");
    // Test binaries run in parallel: one builds the virtualenv while the others wait on the lock.
    std::fs::create_dir_all(env!("CARGO_TARGET_TMPDIR")).map_err(|e| e.to_string())?;
    let lock_path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("django-venv.lock");
    let lock = std::fs::File::create(&lock_path)
        .map_err(|e| format!("cannot create {}: {e}", lock_path.display()))?;
    lock.lock()
        .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
    if has_django(&python) {
        return Ok(python);
    }
    let _ = std::fs::remove_dir_all(&venv);
    let run = |cmd: &mut Command, what: &str| -> Result<(), String> {
        let out = cmd
            .output()
            .map_err(|e| format!("{what}: cannot start: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{what} failed:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    };
    let advice = "the Django tests need Python 3 with Django >= 5.2 and redis-py; either \
                  `pip install -r tests/fixtures/python/requirements.txt` or set \
                  BISK_TEST_PYTHON to an interpreter that has them";
    eprintln!(
        "python3 has no Django: creating {} (once; needs PyPI)",
        venv.display()
    );
    run(
        Command::new("python3").args(["-m", "venv"]).arg(&venv),
        "python3 -m venv",
    )
    .map_err(|e| format!("{e}\n{advice}"))?;
    run(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(&requirements),
        "pip install -r tests/fixtures/python/requirements.txt",
    )
    .map_err(|e| format!("{e}\n{advice}"))?;
    if has_django(&python) {
        Ok(python)
    } else {
        Err(format!(
            "{} still cannot import django after pip install\n{advice}",
            python.display()
        ))
    }
}

/// Lower-case hex of `bytes` (how fixtures and the Python side show pickles).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
