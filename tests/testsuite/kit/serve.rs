//! `serve` for the tests: a fixture site, the server in process, and a small HTTP/1.1
//! and server-sent-events client over a real socket (so tests see exactly the bytes a
//! browser would, headers included).

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use bisk_docs::serve::{ServeOptions, Server, start};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::Tree;

/// `serve` for the site at `root` with the runbook routes mounted, as the CLI runs it, on a
/// free loopback port.
pub async fn with_runbooks(root: &Path) -> Server {
    let config = bisk_docs::config::Config::load(root).expect("config");
    let ws = std::sync::Arc::new(bisk_docs::runbook::Workspace::new(root, config));
    start(ServeOptions {
        root: root.to_path_buf(),
        bind: Some("127.0.0.1:0".into()),
        extra: Some(Box::new(move |s: &bisk_docs::serve::ServeState| {
            bisk_docs::runbook::http::for_server(ws, s)
        })),
        ..ServeOptions::default()
    })
    .await
    .expect("serve starts")
}

/// A site in a temp dir: config pointing probes at `redis_url`, a home page and a Redis
/// page with a PING probe (id `ping`) and a writing probe (id `roundtrip`).
pub fn site(redis_url: &str, extra_config: &str) -> Tree {
    Tree::site(
        &format!(
            "title = \"Serve test\"\n[redis]\nurl = \"{redis_url}\"\nconnect_timeout = \"500ms\"\ndeadline = \"1s\"\n{extra_config}"
        ),
        &[
            (
                "README.md",
                "# Home\n\nRead [the Redis page](ops/REDIS.md#checks).\n",
            ),
            (
                "ops/REDIS.md",
                "# Redis\n\nFirst version of the text.\n\n## Checks\n\n```probe\nid = \"ping\"\ncheck = \"redis.ping\"\ntitle = \"Redis answers PONG\"\n```\n\n```probe\nid = \"roundtrip\"\ncheck = \"cache.roundtrip\"\ntitle = \"Round trip\"\n```\n",
            ),
            ("ops/OTHER.md", "# Other\n\nNothing live.\n"),
        ],
    )
}

impl Tree {
    /// `serve` on this tree, in process, on a free loopback port.
    pub async fn serve(&self, read_only: bool) -> Server {
        start(ServeOptions {
            root: self.root().to_path_buf(),
            config: None,
            bind: Some("127.0.0.1:0".into()),
            target: None,
            read_only,
            extra: None,
            log: false,
            state_dir: None,
        })
        .await
        .unwrap_or_else(|e| panic!("serve failed to start: {e}"))
    }
}

/// A parsed HTTP response.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// One request; `Host` defaults to the server address unless given in `headers`.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Resp {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let mut req = format!("{method} {path} HTTP/1.1\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        req.push_str(&format!("Host: {addr}\r\n"));
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    let body = body.unwrap_or("");
    req.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(
        Duration::from_secs(30),
        read_response(&mut stream, &mut raw),
    )
    .await
    .unwrap_or_else(|_| panic!("no complete response to {method} {path} within 30 s"));
    parse_response(&raw)
}

/// [`request`] from the local address `from` (e.g. 127.0.0.2, a trusted proxy's), with
/// header values as raw bytes: what a proxy may send that a `&str` cannot hold.
pub async fn request_from(
    from: std::net::IpAddr,
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &[u8])],
    body: &str,
) -> Resp {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind(SocketAddr::new(from, 0))
        .expect("bind the source address");
    let mut stream = socket.connect(addr).await.expect("connect");
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\n").into_bytes();
    for (k, v) in headers {
        req.extend_from_slice(k.as_bytes());
        req.extend_from_slice(b": ");
        req.extend_from_slice(v);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(
        format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    );
    stream.write_all(&req).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(
        Duration::from_secs(30),
        read_response(&mut stream, &mut raw),
    )
    .await
    .unwrap_or_else(|_| panic!("no complete response to {method} {path} within 30 s"));
    parse_response(&raw)
}

/// Reads until the response is complete (Content-Length, final chunk or EOF), so servers
/// that keep the connection open despite `Connection: close` do not stall the test.
async fn read_response(stream: &mut TcpStream, raw: &mut Vec<u8>) {
    let mut buf = [0u8; 16384];
    loop {
        let n = stream.read(&mut buf).await.unwrap_or(0);
        if n == 0 {
            return;
        }
        raw.extend_from_slice(&buf[..n]);
        let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
        let body = raw.len() - end - 4;
        if let Some(len) = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<usize>().ok())
        {
            if body >= len {
                return;
            }
        } else if head.contains("transfer-encoding: chunked") && raw.ends_with(b"0\r\n\r\n") {
            return;
        }
    }
}

pub async fn get(addr: SocketAddr, path: &str) -> Resp {
    request(addr, "GET", path, &[], None).await
}

fn parse_head(head: &str) -> (u16, Vec<(String, String)>) {
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    (status, headers)
}

fn parse_response(raw: &[u8]) -> Resp {
    let text = String::from_utf8_lossy(raw);
    let (head, rest) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {text:?}"));
    let (status, headers) = parse_head(head);
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked {
        let mut out = Vec::new();
        let _ = Dechunker::default().feed(rest.as_bytes(), &mut out);
        String::from_utf8_lossy(&out).into_owned()
    } else {
        rest.to_string()
    };
    Resp {
        status,
        headers,
        body,
    }
}

/// Incremental decoder of `Transfer-Encoding: chunked`.
#[derive(Default)]
struct Dechunker {
    buf: Vec<u8>,
}

impl Dechunker {
    /// Appends decoded bytes to `out`; false once the final chunk was seen.
    fn feed(&mut self, bytes: &[u8], out: &mut Vec<u8>) -> bool {
        self.buf.extend_from_slice(bytes);
        loop {
            let Some(eol) = self.buf.windows(2).position(|w| w == b"\r\n") else {
                return true;
            };
            let size_text = String::from_utf8_lossy(&self.buf[..eol]).to_string();
            let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
                .unwrap_or(0);
            if size == 0 {
                return false;
            }
            if self.buf.len() < eol + 2 + size + 2 {
                return true;
            }
            out.extend_from_slice(&self.buf[eol + 2..eol + 2 + size]);
            self.buf.drain(..eol + 2 + size + 2);
        }
    }
}

/// One server-sent event.
#[derive(Debug, Clone)]
pub struct SseEvent {
    pub name: String,
    pub data: String,
}

impl SseEvent {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.data).unwrap_or(serde_json::Value::Null)
    }
}

/// An open `/api/events` stream.
pub struct EventStream {
    stream: TcpStream,
    dechunk: Dechunker,
    text: String,
    pub status: u16,
}

impl EventStream {
    pub async fn open(addr: SocketAddr, page: &str) -> EventStream {
        EventStream::open_path(addr, &format!("/api/events?page={page}")).await
    }

    /// The stream at `path` (e.g. under a reverse proxy's sub-path).
    pub async fn open_path(addr: SocketAddr, path: &str) -> EventStream {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        let req =
            format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n");
        stream.write_all(req.as_bytes()).await.unwrap();
        // Read the head.
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut byte))
                .await
                .expect("event stream head")
                .unwrap();
            assert!(n == 1, "stream closed before headers");
            head.push(byte[0]);
        }
        let (status, _) = parse_head(String::from_utf8_lossy(&head).trim_end());
        EventStream {
            stream,
            dechunk: Dechunker::default(),
            text: String::new(),
            status,
        }
    }

    /// Next event (comments/keep-alives skipped), or None if the stream ended or `within`
    /// passed.
    pub async fn next(&mut self, within: Duration) -> Option<SseEvent> {
        let until = Instant::now() + within;
        loop {
            if let Some(end) = self.text.find("\n\n") {
                let block: String = self.text.drain(..end + 2).collect();
                let mut name = String::from("message");
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if block.lines().all(|l| l.starts_with(':') || l.is_empty()) {
                    continue;
                }
                return Some(SseEvent { name, data });
            }
            let left = until.checked_duration_since(Instant::now())?;
            let mut buf = [0u8; 8192];
            let n = match tokio::time::timeout(left, self.stream.read(&mut buf)).await {
                Ok(Ok(n)) => n,
                _ => return None,
            };
            if n == 0 {
                return None;
            }
            let mut out = Vec::new();
            let open = self.dechunk.feed(&buf[..n], &mut out);
            self.text.push_str(&String::from_utf8_lossy(&out));
            if !open && !self.text.contains("\n\n") {
                return None;
            }
        }
    }

    /// Waits for an event named `name` satisfying `pred`.
    pub async fn wait_for(
        &mut self,
        name: &str,
        within: Duration,
        pred: impl Fn(&SseEvent) -> bool,
    ) -> Option<SseEvent> {
        let until = Instant::now() + within;
        loop {
            let left = until.checked_duration_since(Instant::now())?;
            let ev = self.next(left).await?;
            if ev.name == name && pred(&ev) {
                return Some(ev);
            }
        }
    }

    /// Waits for a `problems` event whose list is non-empty (`any`) or empty (`!any`).
    pub async fn wait_for_problems(&mut self, within: Duration, any: bool) -> Option<SseEvent> {
        self.wait_for("problems", within, |e| {
            e.json()["problems"]
                .as_array()
                .is_some_and(|p| p.is_empty() != any)
        })
        .await
    }

    /// Whether the server closed the stream within `within`.
    pub async fn closed_within(&mut self, within: Duration) -> bool {
        let until = Instant::now() + within;
        loop {
            let Some(left) = until.checked_duration_since(Instant::now()) else {
                return false;
            };
            if self.next(left).await.is_none() {
                return Instant::now() < until;
            }
        }
    }
}

/// A `bisk-docs serve` process (the real binary, for start-up lines, signals and logs),
/// killed on drop; its stderr and stdout are collected into [`ServeProcess::log`].
pub struct ServeProcess {
    child: std::process::Child,
    /// The URL of the "serving … at" line, e.g. `http://127.0.0.1:41234/`.
    pub url: String,
    /// The start-up lines, up to and including the one with the URL.
    pub startup: Vec<String>,
    log: std::sync::Arc<std::sync::Mutex<String>>,
    /// The threads copying stderr and stdout into `log`: they end when the process's pipes
    /// close, a moment after it exits.
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl ServeProcess {
    /// `bisk-docs serve <args> --root <root>` with extra `env` for the child; waits (60 s at
    /// most) for the line that names its URL.
    pub fn start(root: &Path, args: &[&str], env: &[(&str, &str)]) -> ServeProcess {
        use std::io::{BufRead, BufReader, Read};
        use std::process::Stdio;
        let mut all = vec!["serve"];
        all.extend_from_slice(args);
        let mut cmd = super::tree::command(root, &all);
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("run bisk-docs serve");
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        // The start-up lines go to stderr; read until the one with the URL.
        let mut err = BufReader::new(child.stderr.take().unwrap());
        let mut startup = Vec::new();
        let until = Instant::now() + Duration::from_secs(60);
        let url = loop {
            assert!(Instant::now() < until, "serve did not start: {startup:?}");
            let mut line = String::new();
            if err.read_line(&mut line).unwrap() == 0 {
                panic!("serve exited: {startup:?}");
            }
            log.lock().unwrap().push_str(&line);
            startup.push(line.clone());
            if let Some(at) = line.find("http://") {
                break line[at..].split_whitespace().next().unwrap().to_string();
            }
        };
        let sink = log.clone();
        let err_reader = std::thread::spawn(move || {
            for line in err.lines().map_while(Result::ok) {
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let mut out = child.stdout.take().unwrap();
        let sink = log.clone();
        let out_reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = out.read_to_string(&mut s);
            sink.lock().unwrap().push_str(&s);
        });
        ServeProcess {
            child,
            url,
            startup,
            log,
            readers: vec![err_reader, out_reader],
        }
    }

    /// `host:port` of [`ServeProcess::url`].
    pub fn addr(&self) -> String {
        self.url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string()
    }

    /// Everything it printed so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its exit status, if it has exited.
    pub fn try_wait(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().unwrap()
    }

    /// Sends `signal` (`TERM`, `INT`, `KILL`) with kill(1).
    pub fn signal(&self, signal: &str) {
        let status = std::process::Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal} failed");
    }

    /// Waits (polling every 5 ms) up to `within` for the process to exit: its status and
    /// how long that took, or `None` if it is still running.
    pub fn wait_exit(&mut self, within: Duration) -> Option<(std::process::ExitStatus, Duration)> {
        let t = Instant::now();
        loop {
            if let Some(s) = self.try_wait() {
                let took = t.elapsed();
                // Its last words (e.g. "stopped") may still be in the pipe: let the readers
                // drain it, for a bounded time (a grandchild could hold the pipe open).
                let until = Instant::now() + Duration::from_secs(2);
                while Instant::now() < until && !self.readers.iter().all(|r| r.is_finished()) {
                    std::thread::sleep(Duration::from_millis(5));
                }
                return Some((s, took));
            }
            if t.elapsed() > within {
                return None;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
