//! Test harness shared by integration tests (`mod support;`): private `redis-server`
//! processes on free loopback ports, closed ports, and a "black hole" server that accepts
//! connections and never answers. Everything is torn down on drop, also on panic.
#![allow(dead_code)]

use std::net::{Shutdown, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A free loopback port (bound then released; good enough for tests on one host).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind 127.0.0.1:0")
        .local_addr()
        .unwrap()
        .port()
}

/// A port nothing listens on: connecting is refused.
pub fn closed_port() -> u16 {
    free_port()
}

/// Options for [`RedisServer::start_with`].
#[derive(Default, Clone)]
pub struct RedisOptions {
    pub password: Option<String>,
    /// Also listen on a unix socket (path under the server's temp dir).
    pub unix_socket: bool,
    /// Extra `--name value` arguments.
    pub extra: Vec<String>,
    /// No TCP listener at all (`--port 0`), only the unix socket: the hardened set-up.
    /// Implies `unix_socket`; test connections then go through the socket.
    pub socket_only: bool,
}

/// A private `redis-server` (`--save "" --appendonly no`), killed on drop.
pub struct RedisServer {
    child: Child,
    pub port: u16,
    pub password: Option<String>,
    pub socket: Option<PathBuf>,
    dir: tempfile::TempDir,
}

impl RedisServer {
    pub fn start() -> RedisServer {
        RedisServer::start_with(RedisOptions::default())
    }

    pub fn start_with(opts: RedisOptions) -> RedisServer {
        for _attempt in 0..5 {
            let dir = tempfile::tempdir().expect("tempdir");
            let port = free_port();
            let mut cmd = Command::new("redis-server");
            cmd.args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no"])
                .arg("--dir")
                .arg(dir.path())
                .args(["--loglevel", "warning"]);
            if opts.socket_only {
                cmd.args(["--port", "0"]);
            }
            let socket =
                (opts.unix_socket || opts.socket_only).then(|| dir.path().join("redis.sock"));
            if let Some(s) = &socket {
                cmd.arg("--unixsocket")
                    .arg(s)
                    .args(["--unixsocketperm", "700"]);
            }
            if let Some(p) = &opts.password {
                cmd.arg("--requirepass").arg(p);
            }
            cmd.args(&opts.extra);
            let child = cmd
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("redis-server must be installed (apt-get install redis-server)");
            let mut server = RedisServer {
                child,
                port: if opts.socket_only { 0 } else { port },
                password: opts.password.clone(),
                socket,
                dir,
            };
            if server.wait_ready(Duration::from_secs(5)) {
                return server;
            }
            // Port taken between probing and binding, most likely: try another.
        }
        panic!("could not start a private redis-server");
    }

    fn wait_ready(&mut self, within: Duration) -> bool {
        let until = Instant::now() + within;
        while Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if let Ok(mut c) = self.try_conn(0)
                && redis::cmd("PING").query::<String>(&mut c).is_ok()
            {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// `redis://[:password@]127.0.0.1:PORT/db`.
    pub fn url(&self, db: u32) -> String {
        match &self.password {
            Some(p) => format!(
                "redis://:{}@127.0.0.1:{}/{db}",
                percent_encode(p),
                self.port
            ),
            None => format!("redis://127.0.0.1:{}/{db}", self.port),
        }
    }

    /// The server's temp dir (holds the unix socket).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn try_conn(&self, db: u32) -> redis::RedisResult<redis::Connection> {
        if self.port == 0 {
            let url = format!("unix://{}?db={db}", self.socket_path().display());
            return redis::Client::open(url)?.get_connection_with_timeout(Duration::from_secs(2));
        }
        redis::Client::open(self.url(db))?.get_connection_with_timeout(Duration::from_secs(2))
    }

    /// A synchronous connection to `db`, for test setup and inspection.
    pub fn conn(&self, db: u32) -> redis::Connection {
        self.try_conn(db)
            .expect("connect to the private redis-server")
    }

    /// SET key value (binary) in `db`, with an optional `EX`.
    pub fn set(&self, db: u32, key: &str, value: &[u8], ex: Option<u64>) {
        let mut cmd = redis::cmd("SET");
        cmd.arg(key).arg(value);
        if let Some(ex) = ex {
            cmd.arg("EX").arg(ex);
        }
        let () = cmd.query(&mut self.conn(db)).expect("SET");
    }

    /// GET as raw bytes (None when missing).
    pub fn get(&self, db: u32, key: &str) -> Option<Vec<u8>> {
        redis::cmd("GET")
            .arg(key)
            .query(&mut self.conn(db))
            .expect("GET")
    }

    /// TTL of a key (-2 missing, -1 no expiry).
    pub fn ttl(&self, db: u32, key: &str) -> i64 {
        redis::cmd("TTL")
            .arg(key)
            .query(&mut self.conn(db))
            .expect("TTL")
    }

    pub fn socket_path(&self) -> &Path {
        self.socket.as_deref().expect("started with unix_socket")
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP server that accepts connections and never answers (nor closes them).
pub struct BlackHole {
    pub port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BlackHole {
    pub fn start() -> BlackHole {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut held = Vec::new();
            while !flag.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((s, _)) => held.push(s),
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
            for s in held {
                let _ = s.shutdown(Shutdown::Both);
            }
        });
        BlackHole {
            port,
            stop,
            thread: Some(thread),
        }
    }

    pub fn url(&self, db: u32) -> String {
        format!("redis://127.0.0.1:{}/{db}", self.port)
    }
}

impl Drop for BlackHole {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A docs tree + bisk-docs.toml in a temp dir, for running the binary.
pub struct Site {
    pub dir: tempfile::TempDir,
}

impl Site {
    /// `config` is the bisk-docs.toml text; `pages` (docs-relative path, Markdown).
    pub fn new(config: &str, pages: &[(&str, &str)]) -> Site {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("bisk-docs.toml"), config).unwrap();
        for (path, text) in pages {
            let p = dir.path().join("docs").join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        Site { dir }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }
}

/// Runs the built `bisk-docs` binary (`args` start with the subcommand); returns (exit
/// code, stdout, stderr). Colour is off and `BISK_REDIS_URL` unset unless `env` sets it.
pub fn bisk_docs(root: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bisk-docs"));
    // `--root` after the subcommand: it is a subcommand option.
    cmd.args(args)
        .arg("--root")
        .arg(root)
        .env_remove("BISK_REDIS_URL")
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run bisk-docs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Percent-encodes everything but unreserved URL characters (for passwords in URLs).
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
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
            "import django, redis; assert django.VERSION >= (5, 2)",
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
