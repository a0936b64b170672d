//! Private `redis-server` processes on free loopback ports, and a "black hole" peer that
//! accepts connections and never answers. Everything is torn down on drop, also on panic.
//! Never the user's Redis on 127.0.0.1:6379. Self-contained (benches/ includes it too).

use std::net::{Shutdown, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

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

    /// `127.0.0.1:PORT`, for checks that take an address.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `redis-cli` and the options that reach this server, as hints write them.
    pub fn cli(&self) -> String {
        format!("redis-cli -h 127.0.0.1 -p {}", self.port)
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
        // A loaded test machine (browsers, parallel builds) can miss one connect's timeout:
        // try again for a while before calling the server gone.
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            match self.try_conn(db) {
                Ok(c) => return c,
                Err(e) if Instant::now() >= until => {
                    panic!(
                        "connect to the private redis-server on port {}: {e}",
                        self.port
                    )
                }
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
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
