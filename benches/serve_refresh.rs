//! The cost of `serve`'s background refresh: the bundled docs (`docs/`, 34 probes) with the
//! shipped `bisk-docs.toml`, its Redis URLs pointed at two private redis-servers (the
//! `default` target and `prod`), both targets in use, at the default probe interval, no
//! browser open.
//!
//! `cargo bench --bench serve_refresh` (release). After a warm-up (first rounds, the pages
//! of both targets rendered and highlighted), measures the CPU time of this process and of
//! the children it waited for (utime + stime + cutime + cstime from `/proc/self/stat`)
//! over several windows of wall time and prints the median share of one core. The goal
//! (issue 19) is < 1 %.
//!
//! The redis-servers are other processes: their CPU is not counted (it is the targets'
//! cost, not serve's).

#[path = "../tests/testsuite/kit/redis.rs"]
#[allow(dead_code)]
mod redis_server;

use std::path::Path;
use std::time::{Duration, Instant};

/// Measuring windows and their length.
const WINDOWS: usize = 3;
const WINDOW: Duration = Duration::from_secs(20);
/// Long enough for the first rounds and the background highlighting of both targets.
const WARM_UP: Duration = Duration::from_secs(15);

/// CPU seconds of this process and its waited-for children so far.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = &stat[stat.rfind(')').expect("stat format") + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // utime, stime, cutime, cstime are fields 14–17, i.e. 11–14 after the name and state.
    let ticks: f64 = f[11..15].iter().map(|v| v.parse::<f64>().unwrap()).sum();
    // USER_HZ: 100 on Linux whatever the kernel's own HZ.
    ticks / 100.0
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), &dst).unwrap();
        }
    }
}

/// Serves the bundled docs with `extra` appended to the config and returns the median CPU
/// share (percent of one core) over the windows, printing each.
fn measure(a: &redis_server::RedisServer, b: &redis_server::RedisServer, extra: &str) -> f64 {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo.join("docs"), &dir.path().join("docs"));
    // The shipped config, its two Redis targets pointed at the private servers (never the
    // Redis on 6379 of this machine).
    let config = std::fs::read_to_string(repo.join("bisk-docs.toml"))
        .unwrap()
        .replace("redis://127.0.0.1:6379/1", &a.url(1))
        .replace("redis://redis-host:6379/1", &b.url(1))
        + extra;
    std::fs::write(dir.path().join("bisk-docs.toml"), config).unwrap();
    let loaded = bisk_docs::config::Config::load(dir.path()).expect("the config");
    assert!(
        std::env::var_os("BISK_REDIS_URL").is_none(),
        "BISK_REDIS_URL would point both targets elsewhere"
    );
    assert_eq!(loaded.redis.url, a.url(1));
    assert_eq!(loaded.targets["prod"].url, b.url(1));

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let server = bisk_docs::serve::start(bisk_docs::serve::ServeOptions {
            root: dir.path().to_path_buf(),
            bind: Some("127.0.0.1:0".into()),
            state_dir: Some(dir.path().join("state")),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("serve: {e}"));
        let state = server.state.clone();
        // A reader on prod: its pages rendered, and an open event stream keeps it in use.
        state.files_for("prod").await.expect("prod's pages");
        let _reader = state.probes().watch("prod");
        let probes = state.probes().list("default").len();
        let interval = state.probes().interval();
        tokio::time::sleep(WARM_UP).await;

        let mut shares = Vec::new();
        for _ in 0..WINDOWS {
            let (t, c, runs) = (Instant::now(), cpu_seconds(), state.probes().executions());
            tokio::time::sleep(WINDOW).await;
            let (wall, cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - c);
            let runs = state.probes().executions() - runs;
            let share = cpu / wall * 100.0;
            println!(
                "  window: {wall:.1} s wall, {cpu:.2} s CPU = {share:.2} % of one core, {runs} executions ({probes} probes × 2 targets, interval {interval:?})"
            );
            shares.push(share);
        }
        server.shutdown().await;
        shares.sort_by(f64::total_cmp);
        shares[shares.len() / 2]
    })
}

fn main() {
    let a = redis_server::RedisServer::start();
    let b = redis_server::RedisServer::start();
    println!("background refresh at the default interval, two targets in use:");
    let busy = measure(&a, &b, "");
    println!("the same server idle (interval 1 h: nothing refreshed while measured):");
    let idle = measure(&a, &b, "\n[serve]\nprobe_interval = \"1h\"\n");
    println!(
        "background refresh of the bundled docs on two targets: median {busy:.2} % of one core \
         for the whole process (goal < 1 %); idle serve {idle:.2} %; the refresh itself {:.2} %",
        busy - idle
    );
}
