//! Probe history that survives restarts (the store under `[serve] state_dir`), and `serve`
//! as a service: a crash or a restart keeps every result, a damaged or unwritable store is
//! reported in one line and serving goes on, SIGTERM drains event streams and exits fast.

use crate::kit;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kit::Tree;
use kit::serve::{EventStream, ServeProcess, get};

/// Results are fresh for 50 ms, so each request a little later runs the probe again.
const FAST: &str = "[serve]\nprobe_interval = \"50ms\"\n";

fn addr(serve: &ServeProcess) -> SocketAddr {
    serve.addr().parse().unwrap()
}

fn store_file(site: &Tree) -> PathBuf {
    site.root().join(".bisk-docs/history.sqlite3")
}

/// Runs probe `ping` until its history holds `n` results; returns that history.
async fn run_ping(addr: SocketAddr, n: usize) -> Vec<Run> {
    loop {
        tokio::time::sleep(Duration::from_millis(60)).await;
        let r = get(addr, "/api/probes/ping").await;
        assert_eq!(r.status, 200, "{}", r.body);
        let runs = history(&r.json());
        if runs.len() >= n {
            return runs;
        }
    }
}

/// A past run as the history shows it: time (to the second) and duration (to the
/// microsecond), which together tell runs apart.
type Run = (String, String);

fn history(view: &serde_json::Value) -> Vec<Run> {
    view["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|p| {
            (
                p["checked_at"].as_str().unwrap().to_string(),
                p["duration_ms"].to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_survives_a_crash_and_a_restart() {
    let redis = kit::RedisServer::start();
    let site = kit::serve::site(&redis.url(1), FAST);
    let serve = ServeProcess::start(site.root(), &["--bind", "127.0.0.1:0"], &[]);
    let before = run_ping(addr(&serve), 4).await;
    // A crash: no chance to close anything.
    serve.signal("KILL");
    drop(serve);
    assert!(store_file(&site).is_file());

    let serve = ServeProcess::start(site.root(), &["--bind", "127.0.0.1:0"], &[]);
    assert!(
        !serve.log().contains("probe history"),
        "no warning expected: {}",
        serve.log()
    );
    let view = get(addr(&serve), "/api/probes/ping").await.json();
    let times = history(&view);
    // Every result from before the crash, in order, then this run's.
    assert!(
        times.len() > before.len(),
        "history after the restart: {times:?}"
    );
    assert_eq!(&times[..before.len()], &before[..], "{times:?}");
    assert_eq!(view["stats"]["runs"], times.len());
    assert_eq!(view["stats"]["uptime_pct"], 100.0);
    assert!(view["stats"]["p95_ms"].is_number());
    // The last 24 hours, hour by hour, from the store.
    let day = &view["day"];
    assert_eq!(day["hours"].as_array().unwrap().len(), 24, "{day}");
    assert_eq!(day["runs"], times.len(), "{day}");
    assert_eq!(day["hours"][23]["pass"], times.len(), "{day}");
    assert_eq!(day["uptime_pct"], 100.0);
    // Another probe's history is its own (both are refreshed in the background, so it
    // has runs of its own, none of them ping's).
    let other = get(addr(&serve), "/api/probes/roundtrip").await.json();
    let theirs = history(&other);
    assert!(!theirs.is_empty(), "{other}");
    assert_eq!(
        other["stats"]["runs"],
        theirs.len(),
        "the roundtrip's figures count its own runs: {other}"
    );
    assert_ne!(theirs, times, "{other}");
    drop(serve);

    // `build` never publishes the state folder.
    site.build().ok();
    let out = site.root().join("site");
    assert!(out.join("index.html").is_file());
    for e in walkdir::WalkDir::new(&out) {
        let name = e.unwrap().file_name().to_string_lossy().to_string();
        assert!(
            !name.starts_with("history.sqlite3") && name != ".bisk-docs",
            "{name} published"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_ahead_log_torn_by_a_crash_loses_at_most_the_last_result() {
    let redis = kit::RedisServer::start();
    let site = kit::serve::site(&redis.url(1), FAST);
    let serve = ServeProcess::start(site.root(), &["--bind", "127.0.0.1:0"], &[]);
    let before = run_ping(addr(&serve), 5).await;
    serve.signal("KILL");
    drop(serve);
    // The crash came in the middle of writing the last result's log frame.
    let wal = site.root().join(".bisk-docs/history.sqlite3-wal");
    let len = std::fs::metadata(&wal).expect("the write-ahead log").len();
    assert!(len > 1000, "{len}");
    let f = std::fs::OpenOptions::new().write(true).open(&wal).unwrap();
    f.set_len(len - 700).unwrap();
    drop(f);

    let serve = ServeProcess::start(site.root(), &["--bind", "127.0.0.1:0"], &[]);
    assert!(!serve.log().contains("probe history"), "{}", serve.log());
    let view = get(addr(&serve), "/api/probes/ping").await.json();
    let times = history(&view);
    let kept: Vec<&Run> = before.iter().filter(|t| times.contains(t)).collect();
    assert!(
        kept.len() >= before.len() - 1,
        "before {before:?}, after {times:?}"
    );
    assert_eq!(kept[..], before.iter().collect::<Vec<_>>()[..kept.len()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_store_is_reported_left_alone_and_serving_goes_on() {
    let redis = kit::RedisServer::start();
    let site = kit::serve::site(&redis.url(1), FAST);
    let serve = ServeProcess::start(site.root(), &["--bind", "127.0.0.1:0"], &[]);
    run_ping(addr(&serve), 3).await;
    let mut serve = serve;
    serve.signal("TERM");
    serve.wait_exit(Duration::from_secs(5)).expect("exits");
    // A clean stop folds the log into the file, which is then cut short mid-page.
    let file = store_file(&site);
    let len = std::fs::metadata(&file).unwrap().len();
    assert!(len >= 4 * 4096, "{len}");
    std::fs::OpenOptions::new()
        .write(true)
        .open(&file)
        .unwrap()
        .set_len(len / 2 + 100)
        .unwrap();
    let damaged = std::fs::read(&file).unwrap();

    let serve = ServeProcess::start(site.root(), &["--bind", "127.0.0.1:0"], &[]);
    let log = serve.log();
    let line = log
        .lines()
        .find(|l| l.contains("probe history is not kept"))
        .unwrap_or_else(|| panic!("no warning: {log}"));
    assert!(line.starts_with("warning: "), "{line}");
    assert!(line.contains(&file.display().to_string()), "{line}");
    assert!(
        line.contains("damaged") && line.contains("move it aside"),
        "{line}"
    );
    // Serving goes on, without durable history.
    let view = get(addr(&serve), "/api/probes/ping").await.json();
    assert_eq!(view["status"], "pass", "{view}");
    assert_eq!(history(&view).len(), 1);
    assert!(view.get("day").is_none(), "{view}");
    let metrics = get(addr(&serve), "/metrics").await.body;
    assert!(
        metrics.contains("\nbisk_serve_history_store_up 0\n"),
        "{metrics}"
    );
    drop(serve);
    // Nothing was deleted or rewritten.
    assert_eq!(std::fs::read(&file).unwrap(), damaged);
}

/// Starts serve with `state_dir` and returns its warning line about the store.
async fn warning_for(site: &Tree, state_dir: &Path) -> String {
    let serve = ServeProcess::start(
        site.root(),
        &[
            "--bind",
            "127.0.0.1:0",
            "--state-dir",
            state_dir.to_str().unwrap(),
        ],
        &[],
    );
    let view = get(addr(&serve), "/api/probes/ping").await.json();
    assert_eq!(view["status"], "pass", "serving goes on: {view}");
    let log = serve.log();
    log.lines()
        .find(|l| l.contains("probe history is not kept"))
        .unwrap_or_else(|| panic!("no warning: {log}"))
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unwritable_state_folder_is_reported_and_serving_goes_on() {
    let redis = kit::RedisServer::start();
    let site = kit::serve::site(&redis.url(1), "");
    // Permissions do not stop root, so the folder cannot be made for another reason: a
    // file stands where its parent should be.
    let blocker = site.root().join("blocker");
    std::fs::write(&blocker, "a file\n").unwrap();
    let dir = blocker.join("state");
    let line = warning_for(&site, &dir).await;
    assert!(line.contains(&dir.display().to_string()), "{line}");
    assert!(line.contains("cannot create the state folder"), "{line}");
    assert!(line.contains("make it writable"), "{line}");

    // The folder exists but the store cannot be created in it.
    let dir = site.root().join("state");
    std::fs::create_dir_all(dir.join("history.sqlite3")).unwrap();
    let line = warning_for(&site, &dir).await;
    assert!(
        line.contains(&dir.join("history.sqlite3").display().to_string()),
        "{line}"
    );
    assert!(line.contains("cannot write"), "{line}");
}

#[test]
fn a_state_folder_inside_the_docs_is_refused_with_its_line() {
    let site = kit::serve::site(
        "redis://127.0.0.1:1/1",
        "[serve]\nstate_dir = \"docs/.state\"\n",
    );
    let run = site.run(&["serve", "--bind", "127.0.0.1:0"]);
    assert_ne!(run.code, 0);
    assert!(
        run.stderr
            .contains(":7: `serve.state_dir` (docs/.state) overlaps `docs_dir`"),
        "{}",
        run.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_event_streams_and_exits_within_a_second() {
    let redis = kit::RedisServer::start();
    let site = kit::serve::site(&redis.url(1), "");
    let mut serve = ServeProcess::start(site.root(), &["--bind", "127.0.0.1:0"], &[]);
    let mut streams = Vec::new();
    for i in 0..20 {
        let page = if i % 2 == 0 {
            "ops/REDIS.html"
        } else {
            "index.html"
        };
        let mut s = EventStream::open(addr(&serve), page).await;
        assert!(
            s.wait_for("hello", Duration::from_secs(10), |_| true)
                .await
                .is_some()
        );
        streams.push(s);
    }
    // A watched page's probe has run: the store is being written to.
    assert!(
        streams[0]
            .wait_for("probe", Duration::from_secs(10), |_| true)
            .await
            .is_some()
    );
    let t = Instant::now();
    serve.signal("TERM");
    let (status, _) = serve
        .wait_exit(Duration::from_secs(5))
        .expect("serve did not stop on SIGTERM");
    let took = t.elapsed();
    eprintln!("serve exited {took:?} after SIGTERM with 20 event streams open");
    assert!(status.success(), "exit status {status}");
    assert!(took < Duration::from_secs(1), "took {took:?}");
    for s in &mut streams {
        assert!(s.closed_within(Duration::from_secs(2)).await);
    }
    assert!(serve.log().contains("stopped"), "{}", serve.log());
}
