//! `runbook` for the tests: a small deploy guide against a private redis-server (write its
//! breadcrumbs with [`super::django::crumbs`]), and a driver for an
//! interactive `bisk-docs runbook` process over its stdin/stdout.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Tree;

/// The guide the tests walk: three steps, a command that must never run, probes.
/// `crumb_params`: extra TOML lines for the breadcrumbs probe (e.g. a short `max_age`).
pub fn guide(marker: &Path, crumb_params: &str) -> String {
    format!(
        r#"---
title: Test deploy
---

# Test deploy

Intro text.

## Check Redis {{#check-redis}}

Redis answers before anything is touched.

```probe
id = "t-ping"
check = "redis.ping"
title = "Redis answers PONG"
```

## Restart the enforcer

Restart it. bisk-docs shows this command and never runs it:

```bash
touch {}
```

## Verify the breadcrumbs

```probe
id = "t-crumbs"
check = "enforcer.breadcrumbs"
title = "Breadcrumbs are fresh"
{}
```
"#,
        marker.display(),
        crumb_params
    )
}

/// A site whose `[redis]` is the private server `url`.
pub fn site(url: &str, marker: &Path) -> Tree {
    site_with(url, marker, "")
}

/// [`site`] with extra parameters for the breadcrumbs probe.
pub fn site_with(url: &str, marker: &Path, crumb_params: &str) -> Tree {
    let config = format!(
        "title = \"t\"\n[redis]\nurl = \"{url}\"\nconnect_timeout = \"500ms\"\ndeadline = \"1s\"\n"
    );
    Tree::site(&config, &[("ops/DEPLOY.md", &guide(marker, crumb_params))])
}

/// The run logs in a site's runs folder.
pub fn run_ids(root: &Path) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(root.join("runs"))
        .map(|d| {
            d.flatten()
                .filter_map(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .strip_suffix(".jsonl")
                        .map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

pub fn log_path(root: &Path, id: &str) -> PathBuf {
    root.join("runs").join(format!("{id}.jsonl"))
}

/// The events of a log, as JSON values (every line must parse).
pub fn events(root: &Path, id: &str) -> Vec<serde_json::Value> {
    std::fs::read_to_string(log_path(root, id))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a complete JSON line"))
        .collect()
}

/// An interactive `bisk-docs runbook` process; killed on drop.
pub struct Walk {
    child: Child,
    stdin: Option<ChildStdin>,
    out: Arc<Mutex<String>>,
}

impl Walk {
    pub fn start(root: &Path, args: &[&str]) -> Walk {
        let mut child = super::tree::command(root, args)
            .env("COLUMNS", "80")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run bisk-docs");
        let out = Arc::new(Mutex::new(String::new()));
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let out = out.clone();
            std::thread::spawn(move || {
                let mut stream = stream;
                let mut buf = [0u8; 4096];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    out.lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            });
        }
        Walk {
            stdin: child.stdin.take(),
            child,
            out,
        }
    }

    pub fn output(&self) -> String {
        self.out.lock().unwrap().clone()
    }

    /// Waits until the output holds `text` `times` times (panics with the output after 20 s).
    pub fn wait_for_n(&self, text: &str, times: usize) {
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            let out = self.output();
            if out.matches(text).count() >= times {
                return;
            }
            assert!(
                Instant::now() < until,
                "timed out waiting for {text:?} ×{times}; output so far:\n{out}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn wait_for(&self, text: &str) {
        self.wait_for_n(text, 1);
    }

    pub fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
    }

    /// Closes stdin and waits for the exit code.
    pub fn finish(mut self) -> (i32, String) {
        self.stdin.take();
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader threads drain.
                std::thread::sleep(Duration::from_millis(50));
                return (status.code().unwrap_or(-1), self.output());
            }
            assert!(Instant::now() < until, "did not exit:\n{}", self.output());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL, as a closed laptop lid or an OOM kill would.
    pub fn kill(mut self) -> String {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        std::thread::sleep(Duration::from_millis(50));
        self.output()
    }
}

impl Drop for Walk {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Counts of each event kind in a log.
pub fn kinds(events: &[serde_json::Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["event"].as_str().unwrap_or("?").to_string())
        .collect()
}

/// The runbook routes mounted on their own (as an embedder without `serve` would), with the
/// look of the site at `root`.
pub fn router_alone(
    root: &Path,
    ws: std::sync::Arc<bisk_docs::runbook::Workspace>,
    token: &str,
) -> axum::Router {
    let config = bisk_docs::config::Config::load(root).expect("config");
    let look = bisk_docs::site::SiteLook::load(root, config, true).expect("the theme loads");
    bisk_docs::runbook::http::router(ws, token, std::sync::Arc::new(move || Some(look.clone())))
}
