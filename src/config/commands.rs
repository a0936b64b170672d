//! `[commands.NAME]`: the argv a `command` probe may run, checked where it is written.

use std::time::Duration;

use serde::{Deserialize, Deserializer};

use super::de_duration;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandSpec {
    /// Program and arguments; never passed through a shell.
    #[serde(deserialize_with = "de_argv")]
    pub argv: Vec<String>,
    #[serde(default = "default_command_timeout", deserialize_with = "de_duration")]
    pub timeout: Duration,
    #[serde(default)]
    pub expect_exit: i32,
    /// Regular expression the standard output must match, compiled when the config is read
    /// so a bad pattern is a config error at its line, not a probe error at run time.
    #[serde(default)]
    pub expect_stdout: Option<StdoutPattern>,
    /// What the host must offer for the command's answer to mean anything; without it the
    /// probe is skipped with the cause instead of failing.
    #[serde(default)]
    pub requires: Vec<Requirement>,
}

impl CommandSpec {
    /// A spec with the defaults of an entry that gives only `argv`.
    pub fn new(argv: &[&str]) -> CommandSpec {
        CommandSpec {
            argv: argv.iter().map(|a| a.to_string()).collect(),
            timeout: default_command_timeout(),
            expect_exit: 0,
            expect_stdout: None,
            requires: Vec::new(),
        }
    }
}

/// Checked while parsing, so the error carries the line of this command's `argv`.
fn de_argv<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let argv = Vec::<String>::deserialize(d)?;
    match argv.first() {
        Some(program) if !program.trim().is_empty() => Ok(argv),
        _ => Err(serde::de::Error::custom(
            "`argv` must name a program: [\"program\", \"arg\", …]",
        )),
    }
}

/// Something a command needs from the host (`requires = ["systemd"]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Requirement {
    /// The host was booted with systemd (`/run/systemd/system` exists).
    Systemd,
}

/// `expect_stdout`: multi-line, so `^`/`$` match at line ends (every command's output ends
/// with a newline, and `^state=active$` should still match).
#[derive(Debug, Clone)]
pub struct StdoutPattern(pub regex::Regex);

impl StdoutPattern {
    pub fn new(pattern: &str) -> Result<StdoutPattern, regex::Error> {
        regex::RegexBuilder::new(pattern)
            .multi_line(true)
            // Patterns come from the operator, but bound the compiled size anyway.
            .size_limit(1 << 20)
            .build()
            .map(StdoutPattern)
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl<'de> Deserialize<'de> for StdoutPattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        StdoutPattern::new(&text).map_err(|e| {
            // regex's message spans several lines with a caret diagram; keep the last line.
            let why = e.to_string();
            let why = why
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            serde::de::Error::custom(format!(
                "`expect_stdout` {text:?} is not a valid regular expression: {}",
                why.trim().trim_start_matches("error: ")
            ))
        })
    }
}

fn default_command_timeout() -> Duration {
    Duration::from_secs(5)
}
