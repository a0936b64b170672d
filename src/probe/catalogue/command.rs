//! `command`: runs only an argv the operator declared under `[commands.NAME]` in
//! bisk-docs.toml — no shell, its own timeout, killed when the timeout passes.

use std::process::Stdio;
use std::time::Instant;

use super::ms_since;
use crate::probe::decl::CommandParams;
use crate::probe::hint;
use crate::probe::result::{Outcome, Status, bound};
use crate::probe::runner::Ctx;

pub async fn run(p: &CommandParams, ctx: &Ctx<'_>) -> Outcome {
    let Some(spec) = ctx.config.commands.get(&p.name) else {
        return Outcome::new(
            Status::Error,
            format!("no [commands.{}] in bisk-docs.toml", p.name),
        )
        .hint(hint::plain(
            "Pages may only run commands the operator declares in bisk-docs.toml.",
        ));
    };
    // Multi-line: `^`/`$` match at line boundaries, so `^state=active$` works on output that
    // ends with a newline, as every command's does.
    let pattern = match spec
        .expect_stdout
        .as_deref()
        .map(|p| regex::RegexBuilder::new(p).multi_line(true).build())
        .transpose()
    {
        Ok(p) => p,
        Err(e) => {
            return Outcome::new(
                Status::Error,
                format!(
                    "commands.{}.expect_stdout is not a valid regex: {e}",
                    p.name
                ),
            );
        }
    };
    let shown_argv = spec.argv.join(" ");
    let mut cmd = tokio::process::Command::new(&spec.argv[0]);
    cmd.args(&spec.argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let t = Instant::now();
    let child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return Outcome::new(Status::Error, format!("cannot start {}: {e}", spec.argv[0]));
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
            .evidence("argv", shown_argv);
        }
    };
    let took = ms_since(t);
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let code = output.status.code();
    let mut problems = Vec::new();
    if code != Some(spec.expect_exit) {
        problems.push(match code {
            Some(c) => format!("exit code {c}, expected {}", spec.expect_exit),
            None => "killed by a signal".to_string(),
        });
    }
    if let Some(re) = &pattern
        && !re.is_match(&stdout)
    {
        problems.push(format!("stdout does not match /{}/", re.as_str()));
    }
    let mut expected = format!("exit {}", spec.expect_exit);
    if let Some(re) = &pattern {
        expected.push_str(&format!(", stdout matches /{}/", re.as_str()));
    }
    let out = if problems.is_empty() {
        Outcome::pass(format!("`{shown_argv}` succeeded in {took}"))
    } else {
        Outcome::new(
            Status::Fail,
            format!("`{shown_argv}`: {}", problems.join("; ")),
        )
    };
    out.expected(expected)
        .observed(format!(
            "exit {}",
            code.map(|c| c.to_string())
                .unwrap_or_else(|| "signal".into())
        ))
        .evidence("argv", shown_argv)
        .evidence("stdout", bound(stdout.trim_end(), 1000))
        .evidence("stderr", bound(stderr.trim_end(), 1000))
        .evidence("time", took)
}
