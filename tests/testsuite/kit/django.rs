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
    with_cache(command(url), code)
}

/// Runs Python `code` through `python` (an interpreter command whose environment names the
/// settings) after `django.setup()`, with `cache` in scope; returns its stdout, trimmed.
/// Panics with stderr when the code fails.
#[track_caller]
pub fn with_cache(mut python: Command, code: &str) -> String {
    let out = python
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
    with_cache(
        cache.command_with_max_entries(max_entries),
        &format!("from django.core.management import call_command\n{code}"),
    )
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
/// (this test process, old enough: [`super::process::enforcer_pid`]) and no error, under
/// the app's key prefix in db 1.
pub fn crumbs(r: &RedisServer, ago: i64) {
    // First: it may wait for this process to be old enough, and the times are taken after.
    let pid = super::process::enforcer_pid(ago);
    put(r, "bisk:1:enforcer:last_run", &utc_ago(ago));
    put(r, "bisk:1:enforcer:last_ok", &utc_ago(ago));
    put(r, "bisk:1:enforcer:last_error", &PyValue::None);
    put(r, "bisk:1:enforcer:running_pid", &PyValue::Int(pid.into()));
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

/// A private Django project for `[django]` and `target = "django"`: the settings package
/// `tests/fixtures/django-settings/bisksite` (one module per case) copied into a folder of
/// its own, with `bisksite/place.py` saying where the caches are: `REDIS_URL` (a private
/// redis-server), `CACHE_DIR` and `SQLITE_PATH` (inside the folder). A folder per test also
/// keeps bisk-docs' reuse of Django's answer (keyed on `[django]`) from crossing tests.
pub struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    pub fn new(redis_url: &str) -> Project {
        let dir = tempfile::tempdir().expect("project folder");
        super::copy_dir(
            &super::fixture_path("django-settings/bisksite"),
            &dir.path().join("bisksite"),
        );
        let p = Project { dir };
        std::fs::write(
            p.path().join("bisksite/place.py"),
            format!(
                "REDIS_URL = {:?}\nCACHE_DIR = {:?}\nSQLITE_PATH = {:?}\n",
                redis_url,
                p.cache_dir().display().to_string(),
                p.sqlite_path().display().to_string()
            ),
        )
        .expect("write place.py");
        p
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `CACHE_DIR` of the FileBasedCache fixture.
    pub fn cache_dir(&self) -> PathBuf {
        self.path().join("cache")
    }

    /// `SQLITE_PATH` of the DatabaseCache fixture.
    pub fn sqlite_path(&self) -> PathBuf {
        self.path().join("db.sqlite3")
    }

    /// `[django]` for the settings module `bisksite.<module>`, run with `python`.
    pub fn section_with(&self, python: &Path, module: &str) -> bisk_docs::config::DjangoSection {
        bisk_docs::config::DjangoSection {
            python: python.to_path_buf(),
            settings: format!("bisksite.{module}"),
            project_dir: Some(self.path().to_path_buf()),
            timeout: std::time::Duration::from_secs(20),
        }
    }

    /// `[django]` with the Python that has Django and redis-py.
    pub fn section(&self, module: &str) -> bisk_docs::config::DjangoSection {
        self.section_with(&django_python(), module)
    }

    /// The same as TOML, for bisk-docs.toml of a tree.
    pub fn toml(&self, module: &str) -> String {
        format!(
            "[django]\npython = {:?}\nsettings = \"bisksite.{module}\"\nproject_dir = {:?}\ntimeout = \"20s\"\n",
            absolute_python().display().to_string(),
            self.path().display().to_string()
        )
    }

    /// Runs `code` with Django set up on `bisksite.<module>` (`cache` in scope); its stdout,
    /// trimmed. Panics with stderr when it fails.
    #[track_caller]
    pub fn django(&self, module: &str, code: &str) -> String {
        let mut python = Command::new(django_python());
        python
            .current_dir(self.path())
            .env("PYTHONPATH", self.path())
            .env("DJANGO_SETTINGS_MODULE", format!("bisksite.{module}"));
        with_cache(python, code)
    }
}

/// [`django_python`] as an absolute path (bisk-docs.toml wants one, or a bare name).
pub fn absolute_python() -> PathBuf {
    let out = Command::new(django_python())
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("run python");
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// A virtualenv with Django but without redis-py: the seed's troubleshooting A, for real.
/// Built once under the target folder, without PyPI: Django and its two dependencies are
/// linked in from [`django_python`]'s site-packages.
pub fn python_without_redis() -> PathBuf {
    static PYTHON: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let venv = bare_venv("django-noredis-venv");
            let python = venv.join("bin/python");
            let site = purelib(&python);
            let out = Command::new(django_python())
                .args([
                    "-c",
                    "import os, django, asgiref, sqlparse\nfor m in (django, asgiref, sqlparse): print(os.path.dirname(m.__file__))",
                ])
                .output()
                .expect("run python");
            for dir in String::from_utf8_lossy(&out.stdout).lines() {
                let dir = Path::new(dir.trim());
                let link = site.join(dir.file_name().expect("package folder"));
                if !link.exists() {
                    std::os::unix::fs::symlink(dir, &link).expect("link a package");
                }
            }
            assert!(
                imports(&python, "django") && !imports(&python, "redis"),
                "{} should import django but not redis",
                python.display()
            );
            python
        })
        .clone()
}

/// A virtualenv with neither Django nor redis-py.
pub fn python_without_django() -> PathBuf {
    static PYTHON: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let python = bare_venv("django-bare-venv").join("bin/python");
            assert!(
                !imports(&python, "django"),
                "{} imports django",
                python.display()
            );
            python
        })
        .clone()
}

/// `python3 -m venv --without-pip` under the target folder (created once, reused).
fn bare_venv(name: &str) -> PathBuf {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    if venv.join("bin/python").exists() {
        return venv;
    }
    std::fs::create_dir_all(env!("CARGO_TARGET_TMPDIR")).unwrap();
    // Built aside and renamed, so a concurrent or interrupted build never leaves half a venv.
    let building =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&building);
    let st = Command::new("python3")
        .args(["-m", "venv", "--without-pip"])
        .arg(&building)
        .status()
        .expect("python3 -m venv");
    assert!(st.success(), "python3 -m venv --without-pip failed");
    if std::fs::rename(&building, &venv).is_err() {
        // Someone else finished first.
        let _ = std::fs::remove_dir_all(&building);
    }
    venv
}

fn purelib(python: &Path) -> PathBuf {
    let out = Command::new(python)
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ])
        .output()
        .expect("run python");
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

fn imports(python: &Path, module: &str) -> bool {
    Command::new(python)
        .args(["-c", &format!("import {module}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
