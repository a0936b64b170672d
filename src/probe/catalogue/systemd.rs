//! `systemd.unit`: `systemctl is-active UNIT` says `active`.

use std::time::Duration;

use crate::probe::decl::UnitParams;
use crate::probe::hint;
use crate::probe::result::{Outcome, Status};

const TIMEOUT: Duration = Duration::from_secs(3);

/// Whether this host was booted with systemd (the documented test of sd_booted()).
pub fn systemd_present() -> bool {
    std::path::Path::new("/run/systemd/system").is_dir()
}

pub async fn run(p: &UnitParams) -> Outcome {
    if !systemd_present() {
        return Outcome::skipped("this host does not run systemd (no /run/systemd/system)");
    }
    let mut cmd = tokio::process::Command::new("systemctl");
    cmd.arg("is-active")
        .arg("--")
        .arg(&p.unit)
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
    let state = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let state = crate::probe::result::bound(&state, 100);
    let o = if state == "active" {
        Outcome::pass(format!("{} is active", p.unit))
    } else {
        let hint = if p.unit.starts_with("redis") {
            hint::server_down()
        } else {
            hint::plain(format!(
                "Start it: `sudo systemctl enable --now {}`; read why it stopped: `journalctl -u {}`.",
                p.unit, p.unit
            ))
        };
        Outcome::new(
            Status::Fail,
            format!(
                "{} is {}",
                p.unit,
                if state.is_empty() { "unknown" } else { &state }
            ),
        )
        .hint(hint)
    };
    o.expected("active")
        .observed(state)
        .evidence("command", format!("systemctl is-active -- {}", p.unit))
}
