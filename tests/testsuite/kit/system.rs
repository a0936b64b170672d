//! Debian packages the tests need and a fresh machine may lack (Chromium and its driver,
//! Prometheus' promtool), installed on first use so a bare `cargo test` passes there. Only
//! as root (or with a password-less `sudo`); anywhere else the test fails and says what to
//! install.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;

/// What was asked for (as text) and how it went.
type Outcome = (String, Result<(), String>);

/// Makes sure each `(binary path, package)` is installed; one `apt-get` for all that are
/// missing. Test threads and test processes take turns through a lock file, so parallel
/// tests install once.
pub fn ensure_debian(wanted: &[(&str, &str)]) -> Result<(), String> {
    // One result per process: a failed install is not retried by every test.
    static DONE: Mutex<Vec<Outcome>> = Mutex::new(Vec::new());
    let key = format!("{wanted:?}");
    let mut done = DONE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, r)) = done.iter().find(|(k, _)| *k == key) {
        return r.clone();
    }
    let r = install_missing(wanted);
    done.push((key, r.clone()));
    r
}

fn missing<'a>(wanted: &[(&str, &'a str)]) -> Vec<&'a str> {
    wanted
        .iter()
        .filter(|(bin, _)| !Path::new(bin).exists())
        .map(|(_, pkg)| *pkg)
        .collect()
}

fn install_missing(wanted: &[(&str, &str)]) -> Result<(), String> {
    if missing(wanted).is_empty() {
        return Ok(());
    }
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(tmp).map_err(|e| e.to_string())?;
    let lock_path = tmp.join("apt.lock");
    let lock = std::fs::File::create(&lock_path)
        .map_err(|e| format!("cannot create {}: {e}", lock_path.display()))?;
    lock.lock()
        .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
    let packages = missing(wanted);
    if packages.is_empty() {
        return Ok(()); // another test process installed them while we waited
    }
    let advice = format!(
        "the tests need Debian's {}: install them (`apt-get install -y {}`) and run again",
        packages.join(", "),
        packages.join(" ")
    );
    let root = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
    let sudo = !root
        && Command::new("sudo")
            .args(["-n", "true"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    if !root && !sudo {
        return Err(format!("{advice} (not root, and no password-less sudo)"));
    }
    let apt = |args: &[&str]| -> Result<(), String> {
        let mut cmd = if sudo {
            let mut c = Command::new("sudo");
            c.args(["-n", "apt-get"]);
            c
        } else {
            Command::new("apt-get")
        };
        let out = cmd
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("apt-get: {e}; {advice}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "apt-get {} failed: {}\n{advice}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    };
    eprintln!("installing {} for the tests (once)", packages.join(", "));
    apt(&["update", "-qq"])?;
    let mut args = vec!["install", "-y", "-qq"];
    args.extend(&packages);
    apt(&args)?;
    match missing(wanted).as_slice() {
        [] => Ok(()),
        still => Err(format!(
            "still missing after apt-get: {}\n{advice}",
            still.join(", ")
        )),
    }
}

/// Prometheus' `promtool` (Debian package `prometheus`), installed on first use.
pub fn promtool() -> &'static str {
    const PROMTOOL: &str = "/usr/bin/promtool";
    ensure_debian(&[(PROMTOOL, "prometheus")])
        .unwrap_or_else(|e| panic!("promtool is needed: {e}"));
    PROMTOOL
}
