//! The password never leaves: for well-formed and mistyped URLs, given by `BISK_REDIS_URL`,
//! `[redis] url` or `[targets.x] url`, every byte of every output is searched for it:
//! `check` (text, JSON, JUnit; stdout and stderr), `build --snapshot` (every file of the
//! site), the runbook log and its reports, and `serve` (every endpoint, the event stream,
//! its own log).

use crate::kit;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use bisk_docs::redact::redact_url;
use kit::serve::ServeProcess;
use kit::{RedisOptions, RedisServer, Tree, bisk_docs, free_port};

/// Every spelling of the secret a leak could take: the password is `SECRET` (some forms
/// write it percent-encoded, some split by a character that breaks the URL).
const NEEDLES: &[&str] = &["SECRET", "S%45CRET", "%53%45%43%52%45%54", "CRET"];

fn assert_clean(what: &str, url: &str, text: &str) {
    for n in NEEDLES {
        if let Some(at) = text.find(n) {
            let from = text[..at]
                .char_indices()
                .rev()
                .nth(80)
                .map_or(0, |(i, _)| i);
            let to = (at + 80).min(text.len());
            let to = (to..=text.len())
                .find(|&i| text.is_char_boundary(i))
                .unwrap();
            panic!("{what} leaks {n:?} for URL {url:?}: …{}…", &text[from..to]);
        }
    }
}

/// Each URL form: what the operator typed. `{port}`/`{sock}` name the private server.
fn forms(r: &RedisServer) -> Vec<String> {
    let port = r.port;
    let sock = r.socket_path().display().to_string();
    [
        // Well-formed: these authenticate, so the probes pass and show real data.
        format!("redis://:SECRET@127.0.0.1:{port}/1"),
        format!("redis://:S%45CRET@127.0.0.1:{port}/1"),
        format!("unix://{sock}?db=1&password=SECRET"),
        format!("redis://127.0.0.1:{port}/1?password=SECRET"),
        // Mistyped.
        format!("redis//:SECRET@127.0.0.1:{port}/1"),
        "redis:/:SECRET@127.0.0.1/1".to_string(),
        "redis:SECRET@127.0.0.1".to_string(),
        format!(":SECRET@127.0.0.1:{port}"),
        "redis://:SECRET@127.0.0.1:notaport/1".to_string(),
        "redis://u:SECRET@[::1/1".to_string(),
        "rediss//u:SECRET@127.0.0.1".to_string(),
        "redis://:S%45CRET@127.0.0.1:x/1".to_string(),
        format!("redis://:SE@CRET@127.0.0.1:{port}/1"),
        format!("redis://:SE/CRET@127.0.0.1:{port}/1"),
        "redis://:SE#CRET@127.0.0.1/1".to_string(),
        "redis://:SE?CRET@127.0.0.1/1".to_string(),
        format!("redis://127.0.0.1:{port}/1?password=SECRET#frag"),
        format!("redis://SE#CRET@127.0.0.1:{port}/1"),
        "SECRET".to_string(),
    ]
    .into()
}

#[derive(Clone, Copy, Debug)]
enum Via {
    Env,
    Redis,
    Target,
}

const PAGE: &str = "# Redis\n\n## Checks\n\n```probe\nid = \"ping\"\ncheck = \"redis.ping\"\ntitle = \"Redis answers PONG\"\n```\n\n```probe\nid = \"key\"\ncheck = \"cache.key\"\nkey = \"ping\"\n```\n\n```probe\nid = \"scan\"\ncheck = \"redis.scan\"\npattern = \"*\"\n```\n\n```probe\nid = \"crumbs\"\ncheck = \"enforcer.breadcrumbs\"\n```\n";

const GUIDE: &str = "---\ntitle: Deploy\n---\n\n# Deploy\n\n## Check Redis\n\n```probe\nid = \"g-ping\"\ncheck = \"redis.ping\"\n```\n\n## Check the key\n\n```probe\nid = \"g-key\"\ncheck = \"cache.key\"\nkey = \"ping\"\n```\n";

fn site(url: &str, via: Via) -> Tree {
    let url_line =
        |u: &str| format!("url = '{u}'\nconnect_timeout = \"500ms\"\ndeadline = \"1s\"\n");
    let config = match via {
        Via::Env => {
            "title = \"t\"\n[redis]\nconnect_timeout = \"500ms\"\ndeadline = \"1s\"\n".to_string()
        }
        Via::Redis => format!("title = \"t\"\n[redis]\n{}", url_line(url)),
        Via::Target => format!(
            "title = \"t\"\n[redis]\nurl = \"redis://127.0.0.1:{}/1\"\n[targets.x]\n{}",
            kit::closed_port(),
            url_line(url)
        ),
    };
    Tree::site(&config, &[("ops/REDIS.md", PAGE), ("ops/DEPLOY.md", GUIDE)])
}

fn env_of(url: &str, via: Via) -> Vec<(&str, &str)> {
    match via {
        Via::Env => vec![("BISK_REDIS_URL", url)],
        _ => vec![],
    }
}

fn with_target<'a>(args: &[&'a str], via: Via) -> Vec<&'a str> {
    let mut out = args.to_vec();
    if let Via::Target = via {
        out.extend(["--target", "x"]);
    }
    out
}

fn all_files(dir: &Path, out: &mut Vec<(String, String)>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            all_files(&p, out);
        } else {
            let bytes = std::fs::read(&p).unwrap();
            out.push((
                p.display().to_string(),
                String::from_utf8_lossy(&bytes).into_owned(),
            ));
        }
    }
}

fn cli_outputs(url: &str, via: Via, site: &Tree) {
    let root = site.root();
    let env = env_of(url, via);
    for format in ["text", "json", "junit"] {
        let (_, out, err) = bisk_docs(
            root,
            &with_target(&["check", "--format", format], via),
            &env,
        );
        assert_clean(&format!("check --format {format} ({via:?})"), url, &out);
        if format == "json" {
            // Not vacuous: the report does show the target, redacted.
            let doc: serde_json::Value = serde_json::from_str(&out).expect("JSON report");
            assert_eq!(doc["target"]["url"], redact_url(url), "{out}");
        }
        assert_clean(
            &format!("check --format {format} stderr ({via:?})"),
            url,
            &err,
        );
    }
    let plain = root.join("plain");
    let (_, out, err) = bisk_docs(root, &["build", "--out", plain.to_str().unwrap()], &env);
    assert_clean(&format!("build ({via:?})"), url, &(out + &err));
    let (_, out, err) = bisk_docs(root, &with_target(&["build", "--snapshot"], via), &env);
    assert_clean(&format!("build --snapshot ({via:?})"), url, &(out + &err));
    let mut files = Vec::new();
    all_files(&plain, &mut files);
    all_files(&root.join("site"), &mut files);
    assert!(files.len() > 3, "the site was built: {files:?}");
    for (path, text) in &files {
        assert_clean(&format!("{path} ({via:?})"), url, text);
    }
    let (_, out, err) = bisk_docs(
        root,
        &with_target(
            &["runbook", "ops/DEPLOY.md", "--yes", "--operator", "ci"],
            via,
        ),
        &env,
    );
    assert_clean(&format!("runbook --yes ({via:?})"), url, &(out + &err));
    let mut logs = Vec::new();
    all_files(&root.join("runs"), &mut logs);
    assert!(!logs.is_empty(), "a run log was written");
    for (path, text) in &logs {
        assert_clean(&format!("{path} ({via:?})"), url, text);
    }
    let id = run_id(root);
    for f in ["md", "html", "json"] {
        let (_, out, err) = bisk_docs(root, &["runbook", "report", &id, "--format", f], &env);
        assert_clean(
            &format!("runbook report --format {f} ({via:?})"),
            url,
            &(out + &err),
        );
    }
}

fn run_id(root: &Path) -> String {
    let mut files = Vec::new();
    all_files(&root.join("runs"), &mut files);
    let (path, _) = files
        .iter()
        .find(|(p, _)| p.ends_with(".jsonl"))
        .expect("a .jsonl run log");
    Path::new(path)
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

fn serve(root: &Path, url: &str, via: Via) -> (ServeProcess, String) {
    let bind = format!("127.0.0.1:{}", free_port());
    let args = with_target(&["--bind", &bind], via);
    (ServeProcess::start(root, &args, &env_of(url, via)), bind)
}

/// A plain HTTP/1.1 GET (or POST); the whole response, head included. Reads for at most
/// `for_at_most` (an event stream never ends on its own).
fn http(addr: &str, method: &str, path: &str, for_at_most: Duration) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let body = if method == "POST" { "{}" } else { "" };
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let until = Instant::now() + for_at_most;
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    while Instant::now() < until {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(_) => continue,
        }
    }
    String::from_utf8_lossy(&raw).into_owned()
}

fn serve_outputs(url: &str, via: Via, site: &Tree) {
    let root = site.root();
    let (proc, addr) = serve(root, url, via);
    let quick = Duration::from_secs(5);
    // Ask for fresh results first, so every endpoint below has something to show.
    for id in ["ping", "key", "scan", "crumbs"] {
        let r = http(&addr, "POST", &format!("/api/probes/{id}/run"), quick);
        assert_clean(&format!("POST /api/probes/{id}/run ({via:?})"), url, &r);
    }
    let events = http(
        &addr,
        "GET",
        "/api/events?page=ops/REDIS.md",
        Duration::from_millis(2500),
    );
    assert!(events.contains("200"), "{events}");
    assert_clean(&format!("/api/events ({via:?})"), url, &events);
    let id = run_id(root);
    let mut paths: Vec<String> = [
        "/",
        "/ops/REDIS.html",
        "/ops/DEPLOY.html",
        "/api/probes",
        "/api/probes/ping",
        "/api/probes/key",
        "/api/probes/scan",
        "/api/probes/crumbs",
        "/api/problems",
        "/status/",
        "/metrics",
        "/healthz",
        "/runs/",
        "/api/runs",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    paths.push(format!("/runs/{id}/"));
    paths.push(format!("/api/runs/{id}"));
    for f in ["md", "html", "json"] {
        paths.push(format!("/runs/{id}/report?format={f}"));
    }
    for p in &paths {
        let r = http(&addr, "GET", p, quick);
        assert!(r.starts_with("HTTP/1.1 "), "{p}: {r}");
        assert_clean(&format!("GET {p} ({via:?})"), url, &r);
    }
    let log = proc.log();
    assert_clean(&format!("serve's log ({via:?})"), url, &log);
}

fn leak_check(via: Via) {
    let redis = RedisServer::start_with(RedisOptions {
        password: Some("SECRET".into()),
        unix_socket: true,
        ..RedisOptions::default()
    });
    for (i, url) in forms(&redis).iter().enumerate() {
        let s = site(url, via);
        cli_outputs(url, via, &s);
        // `serve` is slower to exercise: each form once, under one of the three deliveries.
        if i % 3 == via as usize {
            serve_outputs(url, via, &s);
        }
    }
}

#[test]
fn no_leak_via_env() {
    leak_check(Via::Env);
}

#[test]
fn no_leak_via_redis_section() {
    leak_check(Via::Redis);
}

#[test]
fn no_leak_via_named_target() {
    leak_check(Via::Target);
}

/// The well-formed URLs really reach the server: the searched outputs hold live results,
/// not merely connection errors.
#[test]
fn well_formed_urls_authenticate() {
    let redis = RedisServer::start_with(RedisOptions {
        password: Some("SECRET".into()),
        unix_socket: true,
        ..RedisOptions::default()
    });
    for url in &forms(&redis)[..4] {
        let s = site(url, Via::Redis);
        let (_, out, err) = bisk_docs(s.root(), &["check", "--only", "ping"], &[]);
        assert!(out.contains("PASS"), "{url}: {out}{err}");
    }
}
