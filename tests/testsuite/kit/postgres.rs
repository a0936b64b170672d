//! A private PostgreSQL server on a free loopback port: `initdb` into a temp dir, then
//! `postgres` on 127.0.0.1 with its socket in that dir, trust authentication for the test
//! user plus a password user for the redaction tests. Stopped (fast shutdown) on drop, also
//! on panic. Never the machine's PostgreSQL on 5432. Debian's `postgresql` package is
//! installed on first use when its binaries are missing (as kit::system does for Chromium).
//! PostgreSQL refuses to run as root: run as root, the server runs as the `postgres` user
//! (or `nobody`) through `setpriv`.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::free_port;

pub struct PostgresServer {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
    bin: PathBuf,
    run_as: Option<(u32, u32)>,
}

/// The password of the `bisk` user (the app's user in the tests).
pub const PASSWORD: &str = "s3cr3t-pg";

impl PostgresServer {
    pub fn start() -> PostgresServer {
        let bin = bindir();
        let run_as = run_as();
        for _attempt in 0..5 {
            let dir = tempfile::tempdir().expect("tempdir");
            let data = dir.path().join("data");
            std::fs::create_dir(&data).unwrap();
            if let Some((uid, gid)) = run_as {
                for p in [dir.path(), data.as_path()] {
                    std::os::unix::fs::chown(p, Some(uid), Some(gid)).unwrap();
                }
            }
            let out = command(&bin.join("initdb"), run_as)
                .arg("-D")
                .arg(&data)
                .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
                .output()
                .expect("run initdb");
            assert!(
                out.status.success(),
                "initdb failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let port = free_port();
            let child = command(&bin.join("postgres"), run_as)
                .arg("-D")
                .arg(&data)
                .args(["-h", "127.0.0.1", "-p", &port.to_string()])
                .arg("-k")
                .arg(dir.path())
                .args(["-c", "fsync=off", "-c", "full_page_writes=off"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start postgres");
            let mut server = PostgresServer {
                child,
                port,
                dir,
                bin: bin.clone(),
                run_as,
            };
            if server.wait_ready(Duration::from_secs(20)) {
                // One statement per call: CREATE DATABASE refuses a transaction block.
                for sql in [
                    format!("CREATE USER bisk PASSWORD '{PASSWORD}'"),
                    "CREATE DATABASE bisk OWNER bisk".to_string(),
                    "CREATE DATABASE other OWNER bisk".to_string(),
                ] {
                    server.psql("postgres", &sql);
                }
                return server;
            }
        }
        panic!("could not start a private PostgreSQL server");
    }

    fn wait_ready(&mut self, within: Duration) -> bool {
        let until = Instant::now() + within;
        while Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            let ok = Command::new(self.bin.join("pg_isready"))
                .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-q"])
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    /// `postgres://bisk:PASSWORD@127.0.0.1:PORT/<db>`.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://bisk:{PASSWORD}@127.0.0.1:{}/{db}", self.port)
    }

    /// Runs SQL as the superuser in `db`; returns psql's unaligned output.
    #[track_caller]
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let out = Command::new(self.bin.join("psql"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
            ])
            .args([
                "-d",
                db,
                "-v",
                "ON_ERROR_STOP=1",
                "-X",
                "-q",
                "-A",
                "-t",
                "-c",
                sql,
            ])
            .output()
            .expect("run psql");
        assert!(
            out.status.success(),
            "psql {sql:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        // SIGINT: fast shutdown (the server ends its backends and exits).
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `program` as `run_as` when set (as root), else as this user.
fn command(program: &Path, run_as: Option<(u32, u32)>) -> Command {
    match run_as {
        Some((uid, gid)) => {
            let mut c = Command::new("setpriv");
            c.arg(format!("--reuid={uid}"))
                .arg(format!("--regid={gid}"))
                .arg("--clear-groups")
                .arg(program);
            c
        }
        None => Command::new(program),
    }
}

/// As root: the `postgres` user when there is one, else `nobody`.
fn run_as() -> Option<(u32, u32)> {
    let root = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
    if !root {
        return None;
    }
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let find = |name: &str| {
        passwd.lines().find_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() > 3 && f[0] == name)
                .then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?)))
                .flatten()
        })
    };
    find("postgres")
        .or_else(|| find("nobody"))
        .or(Some((65534, 65534)))
}

/// The server binaries: Debian's /usr/lib/postgresql/<version>/bin (the newest), installed
/// on first use.
pub fn bindir() -> PathBuf {
    if let Some(b) = newest_bindir() {
        return b;
    }
    if let Err(e) = super::system::ensure_debian(&[("/usr/lib/postgresql", "postgresql")]) {
        panic!("{e}");
    }
    newest_bindir().expect("postgresql installed but no /usr/lib/postgresql/*/bin/initdb")
}

fn newest_bindir() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, b)| b)
}
