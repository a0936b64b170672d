//! Headless Chromium for the tests: one place that finds it, one set of flags, and two ways
//! to drive it: a WebDriver session through chromedriver and the maintained `fantoccini`
//! client ([`Browser`]), and a one-shot `--dump-dom` of a page ([`dump_dom`]).
//!
//! Needs Debian's `chromium` and `chromium-driver`, installed on first use where the tests
//! run as root ([`super::system`]). A test that needs them fails when they cannot be had,
//! unless `BISK_SKIP_BROWSER_TESTS` is set: an opt-out only by explicit choice, so CI can
//! never pass a browser test by accident.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Quiet, reproducible headless Chromium: no sandbox (containers), no GPU, nothing
/// fetched in the background, no first-run or crash-reporter work.
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-crash-reporter",
    "--disable-breakpad",
    "--window-size=1280,1100",
];

/// True (with a note) when the caller should skip: `BISK_SKIP_BROWSER_TESTS` is set.
/// Otherwise installs what is missing, or panics with how to.
pub fn skipped(what: &str) -> bool {
    if std::env::var_os("BISK_SKIP_BROWSER_TESTS").is_some() {
        eprintln!("note: BISK_SKIP_BROWSER_TESTS set; {what} skipped");
        return true;
    }
    require(what);
    false
}

/// Installs Chromium and its driver where missing (first use), or panics saying how.
fn require(what: &str) {
    if let Err(e) =
        super::system::ensure_debian(&[(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")])
    {
        panic!("{what} needs a real browser: {e} (or set BISK_SKIP_BROWSER_TESTS=1)");
    }
}

/// Loads `url` in a fresh headless Chromium, lets its timers run for `budget` of virtual
/// time, and returns the DOM as it then is.
pub fn dump_dom(url: &str, budget: Duration) -> String {
    require("a browser test");
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(CHROMIUM)
        .args(FLAGS)
        .arg(format!("--virtual-time-budget={}", budget.as_millis()))
        .arg("--dump-dom")
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(url)
        .output()
        .expect("chromium runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// chromedriver, killed on drop (also on panic).
struct Driver {
    child: Child,
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

/// A WebDriver session in headless Chromium; chromedriver and the browser end on drop.
pub struct Browser {
    client: Client,
    // Dropped after the client: the session first, then the processes, then the profile.
    _driver: Driver,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver on a free port and opens a session.
    pub async fn start() -> Browser {
        require("a browser test");
        let port = super::free_port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let driver = Driver { child };
        let until = Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(Instant::now() < until, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let mut args: Vec<String> = FLAGS.iter().map(|f| f.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": CHROMIUM, "args": args }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| panic!("WebDriver session: {e}"));
        Browser {
            client,
            _driver: driver,
            _profile: profile,
        }
    }

    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("goto {url}: {e}"));
    }

    /// Runs `script` (a function body: `return …;`) in the page; returns its value.
    pub async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Waits until `script`'s value satisfies `pred` (re-evaluated every 100 ms); panics
    /// with `what` and the last value after `within`.
    pub async fn wait(
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

    /// Resizes the window (headless: the viewport), e.g. to a phone's 390 px.
    pub async fn resize(&self, width: u32, height: u32) {
        self.client
            .set_window_size(width, height)
            .await
            .unwrap_or_else(|e| panic!("resize to {width}x{height}: {e}"));
    }

    /// Saves a PNG of the viewport.
    pub async fn screenshot(&self, to: &Path) {
        let png = self.client.screenshot().await.expect("screenshot");
        assert!(png.starts_with(b"\x89PNG"));
        std::fs::write(to, png).expect("write screenshot");
    }

    /// Ends the session (the processes end on drop).
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}
