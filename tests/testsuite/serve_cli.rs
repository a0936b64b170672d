//! The `serve` command as users run it: start-up line, the network warning, and a clean
//! exit on Ctrl-C (SIGINT) with a browser's event stream still open.

use crate::kit;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kit::Tree;
use kit::serve::EventStream;

/// The serve process, killed on drop if a test fails before it exits.
struct Proc(std::process::Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(site: &Tree, bind: &str) -> (Proc, String, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bisk-docs"))
        .args(["serve", "--root"])
        .arg(site.root())
        .args(["--bind", bind])
        .env_remove("BISK_REDIS_URL")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run bisk-docs serve");
    // The start-up lines go to stderr; read until the "serving" line.
    let mut lines = Vec::new();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let until = Instant::now() + Duration::from_secs(60);
    let url = loop {
        assert!(Instant::now() < until, "no start-up line: {lines:?}");
        let mut line = String::new();
        if err.read_line(&mut line).unwrap() == 0 {
            panic!("serve exited: {lines:?}");
        }
        lines.push(line.clone());
        if let Some(at) = line.find("http://") {
            let url: String = line[at..].split_whitespace().next().unwrap().to_string();
            break url;
        }
    };
    std::thread::spawn(move || for _ in err.lines() {});
    (Proc(child), url, lines)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_cleanly_with_browsers_connected() {
    let redis = kit::RedisServer::start();
    let site = kit::serve::site(&redis.url(1), "");
    let (mut child, url, lines) = start(&site, "127.0.0.1:0");
    assert!(
        lines.iter().any(|l| l.contains("serving 4 pages at")),
        "{lines:?}"
    );
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("reachable from the network"))
    );
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    let mut events = EventStream::open(addr, "ops/REDIS.html").await;
    assert!(
        events
            .wait_for("hello", Duration::from_secs(10), |_| true)
            .await
            .is_some()
    );

    let t = Instant::now();
    let status = Command::new("kill")
        .args(["-INT", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let code = loop {
        if let Some(s) = child.0.try_wait().unwrap() {
            break s;
        }
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "serve did not stop on SIGINT"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(code.success(), "exit status {code}");
    assert!(events.closed_within(Duration::from_secs(5)).await);
}

#[test]
fn binding_beyond_loopback_warns() {
    let redis = kit::RedisServer::start();
    let site = kit::serve::site(&redis.url(1), "");
    let (child, url, lines) = start(&site, "0.0.0.0:0");
    drop(child);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("reachable from the network")),
        "{lines:?}"
    );
    assert!(url.starts_with("http://localhost:"), "{url}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guides_with_probes_offer_a_walkthrough_served_by_the_same_server() {
    let redis = kit::RedisServer::start();
    let site = kit::serve::site(&redis.url(1), "");
    let (_child, url, _) = start(&site, "127.0.0.1:0");
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    let page = kit::serve::get(addr, "/ops/REDIS.html").await;
    assert_eq!(page.status, 200);
    let at = page
        .body
        .find("/runs/start?page=")
        .expect("the guide links to its walkthrough");
    let href: String = page.body[at..].chars().take_while(|c| *c != '"').collect();
    assert_eq!(href, "/runs/start?page=ops%2FREDIS.md");
    let start = kit::serve::get(addr, &href).await;
    assert_eq!(start.status, 200, "{}", start.body);
    assert!(start.body.contains("REDIS"), "{}", start.body);
    let runs = kit::serve::get(addr, "/runs/").await;
    assert_eq!(runs.status, 200);
}
