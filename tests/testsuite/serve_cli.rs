//! The `serve` command as users run it: start-up line, the network warning, and a clean
//! exit on Ctrl-C (SIGINT) with a browser's event stream still open.

use crate::kit;

use std::process::Command;
use std::time::{Duration, Instant};

use kit::Tree;
use kit::serve::{EventStream, ServeProcess};

/// The serve process, killed on drop if a test fails before it exits.
fn start(site: &Tree, bind: &str) -> (ServeProcess, String, Vec<String>) {
    let serve = ServeProcess::start(site.root(), &["--bind", bind], &[]);
    let (url, lines) = (serve.url.clone(), serve.startup.clone());
    (serve, url, lines)
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
        .args(["-INT", &child.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let code = loop {
        if let Some(s) = child.try_wait() {
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
        .find("../runs/start?page=")
        .expect("the guide links to its walkthrough, relative to the page");
    let href: String = page.body[at..].chars().take_while(|c| *c != '"').collect();
    assert_eq!(href, "../runs/start?page=ops/REDIS.md");
    let start = kit::serve::get(addr, "/runs/start?page=ops/REDIS.md").await;
    assert_eq!(start.status, 200, "{}", start.body);
    assert!(start.body.contains("REDIS"), "{}", start.body);
    let runs = kit::serve::get(addr, "/runs/").await;
    assert_eq!(runs.status, 200);
}

#[test]
fn a_build_problem_after_a_save_is_printed_with_its_file_and_line() {
    let redis = kit::RedisServer::start();
    let site = kit::serve::site(&redis.url(1), "");
    let (child, _url, _) = start(&site, "127.0.0.1:0");
    // Line 5 links to a page that does not exist.
    std::fs::write(
        site.root().join("docs/ops/OTHER.md"),
        "# Other\n\nNothing live.\n\nSee [the missing page](GONE.md).\n",
    )
    .unwrap();
    let until = Instant::now() + Duration::from_secs(20);
    while !child.log().contains("OTHER.md:5:") {
        assert!(
            Instant::now() < until,
            "no file:line on stderr:\n{}",
            child.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = child.log();
    let line = log.lines().find(|l| l.contains("OTHER.md:5:")).unwrap();
    assert!(line.contains("GONE.md"), "{line}");
    // Fixed: said once, and the problem is not printed again.
    std::fs::write(
        site.root().join("docs/ops/OTHER.md"),
        "# Other\n\nNothing live.\n",
    )
    .unwrap();
    let until = Instant::now() + Duration::from_secs(20);
    while !child.log().contains("build problems fixed") {
        assert!(Instant::now() < until, "{}", child.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        child.log().matches("OTHER.md:5:").count(),
        1,
        "{}",
        child.log()
    );
}
