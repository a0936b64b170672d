//! `bisk-docs serve`: build the site into memory, serve it, rebuild on save, run probes live.

use clap::Args;

use super::{Common, Failure, output};
use crate::serve::app::{ServeError, ServeOptions, is_loopback, start};

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub common: Common,
    /// Address to listen on (default: `[serve] bind`, 127.0.0.1:3000). Anything but a
    /// loopback address makes the probes reachable from the network.
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<String>,
    /// Open the site in the default browser.
    #[arg(long)]
    pub open: bool,
    /// The target of readers who choose none, from `[targets.NAME]` (default: `[redis]`); each reader can pick another (`?target=NAME`).
    #[arg(long, value_name = "NAME")]
    pub target: Option<String>,
    /// Never run probes that write to Redis (cache.roundtrip), even on request.
    #[arg(long)]
    pub read_only: bool,
    /// Folder of the probe history store (default: `[serve] state_dir`, `.bisk-docs` in
    /// the project root); a relative path is taken from the current directory.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<std::path::PathBuf>,
}

pub(super) fn run(args: ServeArgs) -> Result<(), Failure> {
    let root = &args.common.root;
    let config = super::load_config(root)?;
    // Before the server starts: a missing docs folder is one clear line, not a failed load.
    crate::content::walk::docs_root(&root.join(&config.docs_dir))
        .map_err(|e| Failure::Reported(e.to_string()))?;
    if let Some(t) = &args.target {
        config
            .target(Some(t))
            .map_err(|e| Failure::Usage(e.to_string()))?;
    }
    // Browser walkthroughs share the server (its token, Host check and CSP) and the same
    // run logs as `bisk-docs runbook` in a terminal.
    let mut workspace = crate::runbook::Workspace::new(root, config.clone());
    // The server takes this same config: the file is read once per command.
    workspace.read_only = args.read_only;
    let workspace = std::sync::Arc::new(workspace);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Other(e.into()))?;
    let state_dir = match &args.state_dir {
        Some(d) if d.is_relative() => Some(
            std::env::current_dir()
                .map_err(|e| Failure::Other(e.into()))?
                .join(d),
        ),
        other => other.clone(),
    };
    let served = runtime.block_on(async {
        let server = start(ServeOptions {
            root: root.clone(),
            config: Some(config),
            bind: args.bind.clone(),
            target: args.target.clone(),
            read_only: args.read_only,
            extra: Some(Box::new(move |s: &crate::serve::ServeState| {
                crate::runbook::http::for_server(workspace, s)
            })),
            log: !args.common.quiet,
            state_dir,
        })
        .await
        .map_err(|e| match e {
            ServeError::Site(diags) => super::report_diagnostics(&diags, &args.common),
            ServeError::Bind { .. } => Failure::Usage(e.to_string()),
            other => Failure::Other(other.into()),
        })?;
        if let Some(line) = &server.history_problem {
            output::warning(line);
        }
        if !is_loopback(&server.addr) {
            output::warning(&format!(
                "listening on {}: the site and its probes are reachable from the network; anyone who can reach this port can read probe results",
                server.addr
            ));
        }
        let problems = server.state.problems();
        if !problems.is_empty() && !args.common.quiet {
            super::print_diagnostics(&problems, &args.common);
        }
        tokio::spawn(echo_problems(
            server.state.subscribe(),
            problems,
            args.common.quiet,
        ));
        // Install the Ctrl-C and SIGTERM handlers before saying "serving": a signal handler
        // is only in place once installed, and a SIGINT or SIGTERM that arrives before that
        // (a script that stops serve as soon as it answers, systemd stopping a unit that
        // just started) would kill the process instead of stopping it.
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())
            .map_err(|e| Failure::Other(anyhow::anyhow!("cannot install the Ctrl-C handler: {e}")))?;
        let mut terminate = signal(SignalKind::terminate())
            .map_err(|e| Failure::Other(anyhow::anyhow!("cannot install the SIGTERM handler: {e}")))?;
        let url = if server.addr.ip().is_unspecified() {
            format!("http://localhost:{}/", server.addr.port())
        } else {
            format!("{}/", server.url())
        };
        if !args.common.quiet {
            output::status(&format!(
                "serving {} pages at {url} (loaded in {:.2} s; status at {url}status/; Ctrl-C to stop)",
                server.pages,
                server.load_time.as_secs_f64()
            ));
        }
        if args.open {
            let _ = std::process::Command::new("xdg-open")
                .arg(&url)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn();
        }
        // Either signal drains the event streams (browsers reconnect to the next serve)
        // and stops within a second; a service manager sees a clean exit.
        server
            .run_until(async move {
                tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = terminate.recv() => {}
                }
            })
            .await;
        Ok(())
    });
    // Blocking work still running (a probe's command past its deadline) must not hold the
    // exit: the runtime gets a moment, then the process ends.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    if served.is_ok() && !args.common.quiet {
        output::status("stopped");
    }
    served
}

/// Prints each build problem that appears after a save, with its `file:line`, as the overlay
/// shows it: whoever edits in a terminal sees it there too. A problem is printed once while
/// it lasts (again if it comes back after a fix); "build problems fixed" when none are left.
async fn echo_problems(
    mut events: tokio::sync::broadcast::Receiver<crate::serve::events::Event>,
    shown: Vec<crate::diag::Diagnostic>,
    quiet: bool,
) {
    use tokio::sync::broadcast::error::RecvError;
    let mut shown: Vec<String> = shown.iter().map(ToString::to_string).collect();
    loop {
        let problems = match events.recv().await {
            Ok(crate::serve::events::Event::Problems { problems }) => problems,
            Ok(_) | Err(RecvError::Lagged(_)) => continue,
            Err(RecvError::Closed) => break,
        };
        for d in &problems {
            if !shown.contains(&d.to_string()) && (d.is_error() || !quiet) {
                output::diagnostic(d);
            }
        }
        if problems.is_empty() && !shown.is_empty() && !quiet {
            output::status("build problems fixed");
        }
        shown = problems.iter().map(ToString::to_string).collect();
    }
}
