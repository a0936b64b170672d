//! End to end in real headless Chromium: the bundled Redis guide served against a private
//! redis-server; the PING widget turns PASS, turns red with its hint when Redis stops, and
//! the page reloads with new text when the Markdown is edited.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`apt-get install -y chromium
//! chromium-driver`). The browser is driven over the W3C WebDriver protocol, spoken
//! directly over a socket with the same small HTTP client the other serve tests use.
//! Set `BISK_SERVE_SCREENSHOT=/path/shot.png` to keep a screenshot of the live widgets.

use crate::kit;

use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kit::RedisServer;
use kit::serve::request;
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver, killed on drop (also on panic).
struct Driver {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // chromedriver leads its own process group, and the browser it started is in it:
        // end them all, also when the test panicked before closing the session.
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    async fn start() -> Driver {
        for bin in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(bin).exists(),
                "{bin} is missing: this test needs a real browser. Install it with: apt-get install -y chromium chromium-driver"
            );
        }
        let port = kit::free_port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let driver = Driver { child, addr };
        let until = Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(addr).await.is_err() {
            assert!(Instant::now() < until, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        driver
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let text = body.map(|b| b.to_string());
        let r = request(
            self.addr,
            method,
            path,
            &[("Content-Type", "application/json")],
            text.as_deref(),
        )
        .await;
        let v = r.json();
        assert!(
            r.status < 400,
            "WebDriver {method} {path}: {} {v}",
            r.status
        );
        v["value"].clone()
    }

    async fn session(&self, profile: &Path) -> Session<'_> {
        let caps = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": CHROMIUM,
                    "args": [
                        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update",
                        "--disable-sync", "--disable-dev-shm-usage", "--window-size=1280,1100",
                        "--disable-crash-reporter", "--disable-breakpad",
                        format!("--user-data-dir={}", profile.display()),
                    ]
                }
            }}
        });
        let v = self.call("POST", "/session", Some(caps)).await;
        let id = v["sessionId"].as_str().expect("session id").to_string();
        Session { driver: self, id }
    }
}

struct Session<'a> {
    driver: &'a Driver,
    id: String,
}

impl Session<'_> {
    async fn goto(&self, url: &str) {
        self.driver
            .call(
                "POST",
                &format!("/session/{}/url", self.id),
                Some(json!({ "url": url })),
            )
            .await;
    }

    async fn js(&self, script: &str) -> Value {
        self.driver
            .call(
                "POST",
                &format!("/session/{}/execute/sync", self.id),
                Some(json!({ "script": script, "args": [] })),
            )
            .await
    }

    /// Polls `script` until `pred` holds on its value; panics with `what` and the last value.
    async fn wait(
        &self,
        what: &str,
        within: Duration,
        script: &str,
        pred: impl Fn(&Value) -> bool,
    ) -> Value {
        let until = Instant::now() + within;
        loop {
            let v = self.js(script).await;
            if pred(&v) {
                return v;
            }
            assert!(
                Instant::now() < until,
                "timed out waiting for {what}; last value: {v}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn screenshot(&self, to: &Path) {
        let v = self
            .driver
            .call("GET", &format!("/session/{}/screenshot", self.id), None)
            .await;
        let png = base64_decode(v.as_str().expect("screenshot data"));
        assert!(png.starts_with(b"\x89PNG"));
        std::fs::write(to, png).expect("write screenshot");
    }

    async fn close(self) {
        self.driver
            .call("DELETE", &format!("/session/{}", self.id), None)
            .await;
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes().filter_map(val) {
        acc = (acc << 6) | c;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// The repository's own docs and config, copied so the test can edit them.
fn copy_bundled_site(to: &Path, redis_url: &str) {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for entry in walk(&repo.join("docs")) {
        let rel = entry.strip_prefix(&repo).unwrap();
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&entry, &dest).unwrap();
    }
    let config = std::fs::read_to_string(repo.join("bisk-docs.toml")).unwrap();
    let config = config.replace("redis://127.0.0.1:6379/1", redis_url);
    assert!(config.contains(redis_url), "the config's [redis] url moved");
    std::fs::write(
        to.join("bisk-docs.toml"),
        format!("{config}\n[serve]\nprobe_interval = \"1s\"\n"),
    )
    .unwrap();
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

const PING_STATUS: &str = "var w = document.querySelector('[data-probe-id=\"redis-ping\"]'); return w ? w.getAttribute('data-status') : null;";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_guide_widgets_live_in_chromium() {
    if std::env::var_os("BISK_SKIP_BROWSER_TESTS").is_some() {
        eprintln!("note: BISK_SKIP_BROWSER_TESTS set; browser test skipped");
        return;
    }
    let redis = RedisServer::start();
    let site = tempfile::tempdir().unwrap();
    copy_bundled_site(site.path(), &redis.url(1));
    // BISK_REDIS_URL would point the probes elsewhere.
    assert!(
        std::env::var_os("BISK_REDIS_URL").is_none(),
        "unset BISK_REDIS_URL to run this test"
    );
    let server = bisk_docs::serve::start(bisk_docs::serve::ServeOptions {
        root: site.path().to_path_buf(),
        bind: Some("127.0.0.1:0".into()),
        ..Default::default()
    })
    .await
    .expect("serve starts");
    let page_url = format!("{}/ops/REDIS_CACHE.html", server.url());

    let driver = Driver::start().await;
    let profile = tempfile::tempdir().unwrap();
    let browser = driver.session(profile.path()).await;
    browser.goto(&page_url).await;

    // PASS against the running private Redis.
    browser
        .wait(
            "PING widget to pass",
            Duration::from_secs(20),
            PING_STATUS,
            |v| v == "pass",
        )
        .await;
    let chip = browser
        .js("return document.querySelector('[data-probe-id=\"redis-ping\"] .probe-chip').textContent;")
        .await;
    assert!(chip.as_str().unwrap().contains("PASS"), "chip says {chip}");
    let live = browser
        .js("var w = document.querySelector('[data-probe-id=\"redis-ping\"]'); return [w.querySelector('.probe-checked').textContent, !!w.querySelector('.probe-spark'), !!w.querySelector('.probe-rerun'), w.querySelector('.probe-stats').textContent];")
        .await;
    assert!(live[0].as_str().unwrap().contains("checked"), "{live}");
    assert_eq!(live[1], true, "sparkline");
    assert_eq!(live[2], true, "re-run button");
    assert!(live[3].as_str().unwrap().contains("uptime"), "{live}");
    if let Some(to) = std::env::var_os("BISK_SERVE_SCREENSHOT") {
        // Let a few refreshes fill the sparkline, then frame the widgets.
        tokio::time::sleep(Duration::from_secs(4)).await;
        browser
            .js("var w = document.querySelector('[data-probe-id=\"redis-ping\"]'); window.scrollTo(0, w.getBoundingClientRect().top + window.scrollY - 140); return 0;")
            .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        browser.screenshot(Path::new(&to)).await;
    }

    // The re-run button runs it now, with the page's token.
    let before = server.state.probes().executions();
    browser
        .js("document.querySelector('[data-probe-id=\"redis-ping\"] .probe-rerun').click(); return 0;")
        .await;
    let until = Instant::now() + Duration::from_secs(10);
    while server.state.probes().executions() == before {
        assert!(Instant::now() < until, "re-run click ran nothing");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Stop Redis: the widget turns red and shows the hint with its link.
    drop(redis);
    let status = browser
        .wait(
            "PING widget to fail",
            Duration::from_secs(20),
            PING_STATUS,
            |v| v == "fail" || v == "error",
        )
        .await;
    let hint = browser
        .js("var h = document.querySelector('[data-probe-id=\"redis-ping\"] .probe-hint'); return h ? [h.textContent, h.querySelector('a') ? h.querySelector('a').getAttribute('href') : null] : null;")
        .await;
    assert!(!hint.is_null(), "no hint shown for {status}");
    assert!(!hint[0].as_str().unwrap().is_empty());
    let href = hint[1].as_str().expect("the hint links to the guide");
    assert!(href.contains(".html#"), "hint link {href}");
    let word = browser
        .js("return document.querySelector('[data-probe-id=\"redis-ping\"] .probe-word').textContent;")
        .await;
    assert!(word == "FAIL" || word == "ERROR", "chip word {word}");

    // Edit the Markdown: the browser reloads and shows the new text.
    browser.js("window.__beforeEdit = true; return 0;").await;
    let md = site.path().join("docs/ops/REDIS_CACHE.md");
    let text = std::fs::read_to_string(&md).unwrap();
    let marker = "Edited while the browser watched (e2e marker).";
    let edited = text.replacen("\n# ", &format!("\n{marker}\n\n# "), 1);
    let edited = if edited == text {
        format!("{marker}\n\n{text}")
    } else {
        edited
    };
    let tmp = md.with_file_name(".REDIS_CACHE.md.swp-new");
    std::fs::write(&tmp, edited).unwrap();
    std::fs::rename(&tmp, &md).unwrap();
    browser
        .wait(
            "the page to reload with the edit",
            Duration::from_secs(20),
            &format!(
                "return !window.__beforeEdit && document.body.innerText.indexOf({}) >= 0;",
                json!(marker)
            ),
            |v| v == true,
        )
        .await;

    // A broken link: the overlay names file:line and the page keeps its last good text;
    // fixing it clears the overlay.
    let good = std::fs::read_to_string(&md).unwrap();
    let broken = good.replacen(marker, "See [a page that is not there](NOWHERE.md).", 1);
    std::fs::write(&tmp, &broken).unwrap();
    std::fs::rename(&tmp, &md).unwrap();
    let overlay = browser
        .wait(
            "the problem overlay",
            Duration::from_secs(20),
            "var o = document.getElementById('bisk-overlay'); return o && !o.hidden ? o.textContent : null;",
            |v| v.is_string(),
        )
        .await;
    let overlay = overlay.as_str().unwrap();
    assert!(
        overlay.contains("REDIS_CACHE.md:") && overlay.contains("NOWHERE.md"),
        "{overlay}"
    );
    let still = browser
        .js(&format!(
            "return document.body.innerText.indexOf({}) >= 0;",
            json!(marker)
        ))
        .await;
    assert_eq!(still, true, "the last good version stays on screen");
    std::fs::write(&tmp, &good).unwrap();
    std::fs::rename(&tmp, &md).unwrap();
    browser
        .wait(
            "the overlay to clear",
            Duration::from_secs(20),
            "return !document.getElementById('bisk-overlay');",
            |v| v == true,
        )
        .await;

    // serve goes away: the page says so.
    server.shutdown().await;
    let banner = browser
        .wait(
            "the unreachable banner",
            Duration::from_secs(20),
            "var b = document.getElementById('bisk-offline'); return b ? b.textContent : null;",
            |v| v.is_string(),
        )
        .await;
    assert!(banner.as_str().unwrap().contains("unreachable"), "{banner}");
    let word = browser
        .wait(
            "the PING widget to say UNREACHABLE",
            Duration::from_secs(10),
            "return document.querySelector('[data-probe-id=\"redis-ping\"] .probe-word').textContent;",
            |v| v == "UNREACHABLE",
        )
        .await;
    assert_eq!(word, "UNREACHABLE");
    browser.close().await;
}
