//! `systemd.unit`: the unit is loaded and active, read from `systemctl show` (not
//! `is-active`, which prints `inactive` for a unit that does not exist and so cannot tell a
//! typo from a stopped service). The verdict table is in the README (`### systemd.unit`);
//! [`judge`] is its pure half, tested on `systemctl show` output.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::probe::decl::UnitParams;
use crate::probe::hint;
use crate::probe::result::{Hint, Outcome, Status};
use crate::text::bound;

const TIMEOUT: Duration = Duration::from_secs(3);

/// The properties read, in one `systemctl show` call.
pub const PROPERTIES: &str =
    "LoadState,ActiveState,SubState,Result,MainPID,NRestarts,UnitFileState";

/// Whether this host was booted with systemd (the documented test of sd_booted()).
pub fn systemd_present() -> bool {
    std::path::Path::new("/run/systemd/system").is_dir()
}

/// The argv run for a unit (shown as evidence too).
pub fn argv(unit: &str) -> Vec<String> {
    ["systemctl", "show", "--property", PROPERTIES, "--", unit]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

pub async fn run(p: &UnitParams) -> Outcome {
    if !systemd_present() {
        return Outcome::skipped("this host does not run systemd (no /run/systemd/system)");
    }
    let argv = argv(&p.unit);
    let mut cmd = tokio::process::Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    let out = match tokio::time::timeout(TIMEOUT, cmd.output()).await {
        Err(_) => return Outcome::new(Status::Error, "systemctl did not answer within 3 s"),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            return Outcome::skipped("systemctl is not installed on this host");
        }
        Ok(Err(e)) => return Outcome::new(Status::Error, format!("cannot run systemctl: {e}")),
        Ok(Ok(o)) => o,
    };
    judge(
        &p.unit,
        out.status.code(),
        &String::from_utf8_lossy(&out.stdout),
        &String::from_utf8_lossy(&out.stderr),
    )
    .evidence("command", argv.join(" "))
}

/// `Key=value` lines of `systemctl show`.
pub fn parse_show(stdout: &str) -> BTreeMap<String, String> {
    stdout
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// The verdict on one `systemctl show` answer (exit code, stdout, stderr) for `unit`.
pub fn judge(unit: &str, code: Option<i32>, stdout: &str, stderr: &str) -> Outcome {
    let props = parse_show(stdout);
    let get = |k: &str| props.get(k).map(String::as_str).unwrap_or("");
    let (load, active, sub) = (get("LoadState"), get("ActiveState"), get("SubState"));
    if code != Some(0) || load.is_empty() || active.is_empty() {
        let why = stderr
            .lines()
            .find(|l| !l.trim().is_empty())
            .map(|l| format!(": {}", super::command::quote(l.trim())))
            .unwrap_or_default();
        let exit = code.map_or("a signal".to_string(), |c| format!("exit {c}"));
        return Outcome::new(
            Status::Error,
            format!("systemctl show gave no unit state for {unit} ({exit}){why}"),
        )
        .evidence("stdout", bound(stdout.trim_end(), 1000))
        .evidence("stderr", bound(stderr.trim_end(), 1000));
    }
    let state = if sub.is_empty() {
        active.to_string()
    } else {
        format!("{active} ({sub})")
    };
    let restarts = get("NRestarts");
    let result = get("Result");
    let (status, summary, hint) = match (load, active) {
        ("not-found", _) => (
            Status::Fail,
            format!("{unit} is not installed on this host (LoadState=not-found)"),
            hint::plain(format!(
                "Check the unit name (`systemctl list-unit-files '{}*'`) or install the unit file.",
                unit.trim_end_matches(".service")
            )),
        ),
        ("masked", _) => (
            Status::Fail,
            format!("{unit} is masked and cannot start"),
            hint::plain(format!("Unmask it: `sudo systemctl unmask {unit}`.")),
        ),
        ("loaded", "active" | "reloading" | "refreshing") => {
            (Status::Pass, format!("{unit} is {state}"), None)
        }
        ("loaded", "activating") if sub == "auto-restart" => (
            Status::Fail,
            format!(
                "{unit} keeps crashing: waiting to restart ({}restarts so far: {})",
                if result.is_empty() || result == "success" {
                    String::new()
                } else {
                    format!("last result {result}; ")
                },
                if restarts.is_empty() { "?" } else { restarts }
            ),
            read_why(unit),
        ),
        ("loaded", "activating") => (
            Status::Warn,
            format!("{unit} is still starting ({state})"),
            read_why(unit),
        ),
        ("loaded", "failed") => (
            Status::Fail,
            format!(
                "{unit} has failed{}",
                if result.is_empty() {
                    String::new()
                } else {
                    format!(" (Result={result})")
                }
            ),
            start_it(unit),
        ),
        ("loaded", _) => (Status::Fail, format!("{unit} is {state}"), start_it(unit)),
        (other, _) => (
            Status::Fail,
            format!("{unit} could not be loaded (LoadState={other})"),
            hint::plain(format!(
                "Read why: `systemctl status {unit}`; fix the unit file, then `sudo systemctl daemon-reload`."
            )),
        ),
    };
    let mut out = Outcome::new(status, summary)
        .expected("loaded, active")
        .observed(format!("{load}, {state}"))
        .hint(hint);
    for key in PROPERTIES.split(',') {
        if let Some(v) = props.get(key) {
            out = out.evidence(key, bound(v, 200));
        }
    }
    out
}

fn start_it(unit: &str) -> Option<Hint> {
    if unit.starts_with("redis") {
        hint::server_down()
    } else {
        hint::plain(format!(
            "Start it: `sudo systemctl enable --now {unit}`; read why it stopped: `journalctl -u {unit}`."
        ))
    }
}

fn read_why(unit: &str) -> Option<Hint> {
    hint::plain(format!(
        "Read why it does not stay up: `journalctl -u {unit} -n 50`."
    ))
}
