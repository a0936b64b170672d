//! `command`: runs only an argv the operator declared under `[commands.NAME]` in
//! bisk-docs.toml — no shell, its own timeout, killed when the timeout passes.
//!
//! A command can only be judged where it means something. A `systemctl` or `journalctl`
//! query on a host without systemd, or a journal this user may not read, answers about the
//! host, not about the service: those are SKIPPED with the cause (never FAIL, which would
//! keep `/status/` red on every dev machine, and never PASS). The verdict table is in the
//! README (`### command`); [`judge`] is its pure half.

use std::process::Stdio;
use std::time::Instant;

use super::ms_since;
use super::systemd::systemd_present;
use crate::config::{CommandSpec, Requirement};
use crate::probe::decl::CommandParams;
use crate::probe::hint;
use crate::probe::result::{Outcome, Status};
use crate::probe::runner::Ctx;
use crate::text::bound;

/// Longest quote of the command's output in a summary.
const QUOTE_CHARS: usize = 120;

pub async fn run(p: &CommandParams, ctx: &Ctx<'_>) -> Outcome {
    // Declarations naming an unknown command are refused when the pages are read; this
    // covers a config reloaded under a running server.
    let Some(spec) = ctx.config.commands.get(&p.name) else {
        return Outcome::new(
            Status::Error,
            format!("no [commands.{}] in bisk-docs.toml", p.name),
        )
        .hint(hint::plain(
            "Pages may only run commands the operator declares in bisk-docs.toml.",
        ));
    };
    let shown_argv = short_argv(spec);
    if spec.requires.contains(&Requirement::Systemd) && !systemd_present() {
        return Outcome::skipped(format!(
            "not judged here: `{shown_argv}` needs systemd, and this host does not run it (no /run/systemd/system)"
        ))
        .evidence("argv", spec.argv.join(" "));
    }
    let mut cmd = tokio::process::Command::new(&spec.argv[0]);
    cmd.args(&spec.argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let t = Instant::now();
    let child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Outcome::skipped(format!(
                "not judged here: `{}` is not installed on this host ({})",
                spec.argv[0],
                if spec.argv[0].contains('/') {
                    "no such file"
                } else {
                    "not found in PATH"
                }
            ))
            .evidence("argv", spec.argv.join(" "));
        }
        Err(e) => {
            return Outcome::new(Status::Error, format!("cannot start {}: {e}", spec.argv[0]))
                .evidence("argv", spec.argv.join(" "));
        }
    };
    // Dropping the future on timeout drops the child, and kill_on_drop kills it.
    let output = match tokio::time::timeout(spec.timeout, child.wait_with_output()).await {
        Ok(Ok(o)) => o,
        Ok(Err(e)) => return Outcome::new(Status::Error, format!("{} failed: {e}", spec.argv[0])),
        Err(_) => {
            return Outcome::new(
                Status::Fail,
                format!(
                    "`{shown_argv}` did not finish within {} and was killed",
                    humantime::format_duration(spec.timeout)
                ),
            )
            .evidence("argv", spec.argv.join(" "));
        }
    };
    let ran = Ran {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    judge(spec, &ran, systemd_present()).evidence("time", ms_since(t))
}

/// What a finished command left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ran {
    /// `None` when a signal ended it.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Why a command's answer says nothing about the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotJudgeable {
    /// systemctl/journalctl report that systemd is not running here.
    NoSystemd,
    /// journalctl ran but may not read the system journal (or there is none).
    NoJournalAccess,
    /// systemd runs here, but systemctl cannot reach it over D-Bus.
    BusUnreachable,
}

/// The systemd tools' own words for "I cannot answer here", checked only when the command
/// did not meet its expectations: a command that succeeded is judged on its answer.
pub fn not_judgeable(ran: &Ran, systemd_here: bool) -> Option<NotJudgeable> {
    let said = |needle: &str| ran.stderr.contains(needle) || ran.stdout.contains(needle);
    if said("System has not been booted with systemd") || said("Running in chroot, ignoring") {
        return Some(NotJudgeable::NoSystemd);
    }
    if said("Failed to connect to bus") {
        return Some(if systemd_here {
            NotJudgeable::BusUnreachable
        } else {
            NotJudgeable::NoSystemd
        });
    }
    if said("No journal files were found")
        || said("No journal files were opened due to insufficient permissions")
        || said("not seeing messages from other users and the system")
    {
        return Some(if systemd_here {
            NotJudgeable::NoJournalAccess
        } else {
            NotJudgeable::NoSystemd
        });
    }
    None
}

/// The verdict on a command that ran (see the README's `### command` table).
pub fn judge(spec: &CommandSpec, ran: &Ran, systemd_here: bool) -> Outcome {
    let shown_argv = short_argv(spec);
    let mut problems = Vec::new();
    if ran.code != Some(spec.expect_exit) {
        problems.push(match ran.code {
            Some(c) => format!("exit code {c}, expected {}", spec.expect_exit),
            None => "killed by a signal".to_string(),
        });
    }
    let stdout_ok = spec
        .expect_stdout
        .as_ref()
        .is_none_or(|re| re.0.is_match(&ran.stdout));
    if !stdout_ok {
        problems.push(match first_line(&ran.stdout) {
            Some(line) => format!("unexpected output {}", quote(line)),
            None => "printed nothing".to_string(),
        });
    }
    if !problems.is_empty() {
        // What the command said on stderr is usually the reason; quote it too.
        if let Some(line) = first_line(&ran.stderr) {
            problems.push(format!("stderr {}", quote(line)));
        }
    }
    let mut expected = format!("exit {}", spec.expect_exit);
    if let Some(re) = &spec.expect_stdout {
        expected.push_str(&format!(", stdout matches /{}/", re.as_str()));
    }
    let out = if problems.is_empty() {
        Outcome::pass(format!("`{shown_argv}` succeeded"))
    } else {
        match not_judgeable(ran, systemd_here) {
            Some(NotJudgeable::NoSystemd) => Outcome::skipped(format!(
                "not judged here: this host does not run systemd (`{shown_argv}`: {})",
                problems.join("; ")
            )),
            Some(NotJudgeable::NoJournalAccess) => Outcome::skipped(format!(
                "not judged here: this user cannot read the system journal (`{shown_argv}`: {})",
                problems.join("; ")
            ))
            .hint(hint::plain(
                "Run bisk-docs as a user in the `systemd-journal` (or `adm`) group to judge journal probes.",
            )),
            Some(NotJudgeable::BusUnreachable) => Outcome::new(
                Status::Error,
                format!(
                    "systemd runs here but `{shown_argv}` cannot reach it over D-Bus: {}",
                    problems.join("; ")
                ),
            )
            .hint(hint::plain(
                "Check that dbus is running and that this user may talk to the system manager.",
            )),
            None => Outcome::new(
                Status::Fail,
                format!("`{shown_argv}`: {}", problems.join("; ")),
            ),
        }
    };
    out.expected(expected)
        .observed(format!(
            "exit {}",
            ran.code
                .map(|c| c.to_string())
                .unwrap_or_else(|| "signal".into())
        ))
        .evidence("argv", spec.argv.join(" "))
        .evidence("stdout", bound(ran.stdout.trim_end(), 1000))
        .evidence("stderr", bound(ran.stderr.trim_end(), 1000))
}

/// The argv as a summary shows it: on one line and short (the evidence has all of it).
fn short_argv(spec: &CommandSpec) -> String {
    bound(&spec.argv.join(" ").escape_debug().to_string(), 100)
}

/// The first line with something on it.
fn first_line(text: &str) -> Option<&str> {
    text.lines()
        .map(str::trim_end)
        .find(|l| !l.trim().is_empty())
}

/// A line of untrusted output for a one-line summary, in double quotes: bounded, with
/// control characters, `"` and `\` escaped so the quote cannot be closed early or a
/// terminal driven (HTML escaping is the renderer's job).
pub(crate) fn quote(line: &str) -> String {
    let mut escaped = String::with_capacity(line.len());
    for c in line.chars() {
        if c.is_control() || c == '"' || c == '\\' {
            escaped.extend(c.escape_debug());
        } else {
            escaped.push(c);
        }
    }
    format!("\"{}\"", bound(&escaped, QUOTE_CHARS))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::StdoutPattern;

    fn spec(pattern: Option<&str>) -> CommandSpec {
        CommandSpec {
            expect_stdout: pattern.map(|p| StdoutPattern::new(p).unwrap()),
            ..CommandSpec::new(&["systemctl", "show"])
        }
    }

    fn ran(code: i32, stdout: &str, stderr: &str) -> Ran {
        Ran {
            code: Some(code),
            stdout: stdout.into(),
            stderr: stderr.into(),
        }
    }

    #[test]
    fn wrong_answer_quotes_the_first_line_not_the_regex() {
        let o = judge(&spec(Some("^[1-9][0-9]*$")), &ran(0, "\n0\n", ""), true);
        assert_eq!(o.status, Status::Fail);
        assert!(
            o.summary.contains("unexpected output \"0\""),
            "{}",
            o.summary
        );
        assert!(!o.summary.contains("[1-9]"), "{}", o.summary);
        let o = judge(&spec(Some("x")), &ran(0, "", ""), true);
        assert!(o.summary.contains("printed nothing"), "{}", o.summary);
    }

    #[test]
    fn quotes_are_bounded_and_escaped() {
        let long = format!("\u{1b}[31m\"{}", "a".repeat(5000));
        let o = judge(&spec(Some("^ok$")), &ran(0, &long, ""), true);
        assert!(!o.summary.contains('\u{1b}'), "{}", o.summary);
        assert!(o.summary.contains("\\u{1b}[31m\\\""), "{}", o.summary);
        assert!(o.summary.chars().count() < 300, "{}", o.summary);
    }

    #[test]
    fn markers_skip_only_what_failed() {
        let no_boot = "System has not been booted with systemd as init system (PID 1). Can't operate.\nFailed to connect to bus: Host is down\n";
        let o = judge(&spec(Some("^[1-9]")), &ran(1, "", no_boot), false);
        assert_eq!(o.status, Status::Skipped, "{o:?}");
        // The same words after a good answer change nothing.
        let o = judge(&spec(Some("^[1-9]")), &ran(0, "42\n", no_boot), false);
        assert_eq!(o.status, Status::Pass, "{o:?}");
        // With systemd running, an unreachable bus cannot be judged either: an error.
        let o = judge(
            &spec(None),
            &ran(1, "", "Failed to connect to bus: Permission denied\n"),
            true,
        );
        assert_eq!(o.status, Status::Error, "{o:?}");
        let o = judge(
            &spec(Some("^\\d{4}")),
            &ran(
                0,
                "-- No entries --\n",
                "Hint: You are currently not seeing messages from other users and the system.\n",
            ),
            true,
        );
        assert_eq!(o.status, Status::Skipped, "{o:?}");
        assert!(o.summary.contains("journal"), "{}", o.summary);
        // A plain wrong answer fails.
        let o = judge(
            &spec(Some("^\\d{4}")),
            &ran(0, "-- No entries --\n", ""),
            true,
        );
        assert_eq!(o.status, Status::Fail, "{o:?}");
    }
}
