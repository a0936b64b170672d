//! Command line: parse, dispatch, map outcomes to exit codes. One file per subcommand.
//!
//! Exit codes: 0 ok, 1 content/config/probe failures, 2 usage errors.

mod build;
mod check;
mod clean;
mod init;
pub(crate) mod output;
mod progress;
mod runbook;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "bisk-docs",
    version,
    about = "Ops runbooks as a site whose pages check the live system"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand takes.
#[derive(Args, Debug, Clone)]
pub struct Common {
    /// Folder holding bisk-docs.toml and docs/ (default: the current directory).
    #[arg(long, global = true, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,
    /// Print only errors.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more detail.
    #[arg(long, short, global = true)]
    pub verbose: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Render the docs tree into a static site.
    Build(build::BuildArgs),
    /// Run the probes declared in the guides against a target.
    Check(check::CheckArgs),
    /// Scaffold a config and a small docs tree (never overwrites a file).
    Init(init::InitArgs),
    /// Remove the output folder.
    Clean(clean::CleanArgs),
    /// Serve the site from memory with live reload and live probes.
    Serve(serve::ServeArgs),
    /// Walk a guide step by step with its probes, and keep the record (`report`, `list`).
    Runbook(runbook::RunbookArgs),
}

/// How a subcommand ended, beyond "ok".
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Content, config or probe problems: exit 1. Already reported.
    #[error("{0}")]
    Reported(String),
    /// Bad invocation: exit 2.
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

pub fn main() -> ExitCode {
    run_from(std::env::args_os())
}

/// Runs a command line (program name first) as `main` does, in this process: tests use it
/// to count what one command does (e.g. Markdown parses per `build`).
pub fn run_from<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.command {
        Command::Build(args) => build::run(args),
        Command::Check(args) => check::run(args),
        Command::Init(args) => init::run(args),
        Command::Clean(args) => clean::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Runbook(args) => runbook::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Reported(summary)) => {
            if !summary.is_empty() {
                output::error(&summary);
            }
            ExitCode::from(1)
        }
        Err(Failure::Usage(msg)) => {
            output::error(&msg);
            ExitCode::from(2)
        }
        Err(Failure::Other(e)) => {
            output::error(&format!("{e:#}"));
            ExitCode::from(1)
        }
    }
}

/// Loads the config of `root`; a bad config is exit 1 with its file:line.
pub(crate) fn load_config(root: &std::path::Path) -> Result<crate::config::Config, Failure> {
    if !root.is_dir() {
        return Err(Failure::Usage(format!(
            "--root {}: no such folder",
            root.display()
        )));
    }
    crate::config::Config::load(root).map_err(|e| Failure::Reported(e.to_string()))
}

/// Prints diagnostics (warnings only with `--verbose` or when there are no errors… always
/// printed unless `--quiet`); returns a short count like "2 errors, 1 warning".
pub(crate) fn print_diagnostics(diags: &[crate::diag::Diagnostic], common: &Common) -> String {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    for d in diags {
        if d.is_error() || !common.quiet {
            output::diagnostic(d);
        }
    }
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (e, 0) => plural(e, "error"),
        (e, w) => format!("{}, {}", plural(e, "error"), plural(w, "warning")),
    }
}

/// Prints diagnostics and turns them into an exit-1 failure.
pub(crate) fn report_diagnostics(diags: &[crate::diag::Diagnostic], common: &Common) -> Failure {
    let summary = print_diagnostics(diags, common);
    Failure::Reported(format!("failed: {summary}"))
}
