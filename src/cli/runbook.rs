//! `bisk-docs runbook`: walk a guide step by step with its probes, and keep the record.
//!
//! - `runbook PAGE [--target T] [--operator NAME] [--yes]` starts a run;
//!   `runbook [PAGE] --resume RUN_ID` continues one.
//! - `runbook report RUN_ID [--format md|html|json]` renders a run for a change ticket.
//! - `runbook list` lists the runs.
//!
//! Exit codes: 0 ok (also when the operator quits: the run stays open), 1 a `--yes` run had
//! a failing probe or an action was refused, 2 usage errors (unknown page, run or target).

use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Subcommand, ValueEnum};

use super::{Common, Failure, load_config, output};
use crate::runbook::log::Actor;
use crate::runbook::report;
use crate::runbook::session::{Session, Workspace, clean_operator};
use crate::runbook::terminal::{self, TermEnd, TermOptions};
use crate::runbook::termtext::Style;
use crate::runbook::{RunbookError, steps};
use crate::site::SiteLook;

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct RunbookArgs {
    #[command(flatten)]
    pub common: Common,
    #[command(subcommand)]
    pub action: Option<Action>,
    /// The guide to walk (docs-relative, or a path under the docs folder).
    #[arg(value_name = "PAGE", required_unless_present = "resume")]
    pub page: Option<PathBuf>,
    /// Named target from `[targets.NAME]` (default: `[redis]`).
    #[arg(long, value_name = "NAME", conflicts_with = "resume")]
    pub target: Option<String>,
    /// Who is walking (default: $USER).
    #[arg(long, value_name = "NAME")]
    pub operator: Option<String>,
    /// Continue an interrupted run.
    #[arg(long, value_name = "RUN_ID")]
    pub resume: Option<String>,
    /// Non-interactive: run every probe, sign off the steps that pass, record the rest as
    /// failed; exit 1 if any probe failed.
    #[arg(long)]
    pub yes: bool,
}

#[derive(Subcommand, Debug)]
pub enum Action {
    /// Render a run's report (for a change ticket).
    Report(ReportArgs),
    /// List the runs, newest first.
    List(ListArgs),
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[arg(value_name = "RUN_ID")]
    pub run_id: String,
    #[arg(long, value_enum, default_value_t = ReportFormat::Md)]
    pub format: ReportFormat,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Md,
    Html,
    Json,
}

fn failure(e: RunbookError) -> Failure {
    match e {
        RunbookError::UnknownRun(_)
        | RunbookError::NoSuchGuide { .. }
        | RunbookError::Config(_) => Failure::Usage(e.to_string()),
        RunbookError::Guide { .. } | RunbookError::Refused(_) | RunbookError::Log { .. } => {
            Failure::Reported(e.to_string())
        }
        RunbookError::Io { .. } => Failure::Other(e.into()),
    }
}

pub(super) fn run(args: RunbookArgs) -> Result<(), Failure> {
    let config = load_config(&args.common.root)?;
    let ws = Arc::new(Workspace::new(&args.common.root, config));
    match args.action {
        Some(Action::Report(r)) => report_cmd(&ws, &r),
        Some(Action::List(l)) => list_cmd(&ws, &l),
        None => walk_cmd(ws, &args),
    }
}

fn report_cmd(ws: &Workspace, args: &ReportArgs) -> Result<(), Failure> {
    let state = ws.load(&args.run_id).map_err(failure)?;
    for p in &state.log_problems {
        output::warning(&format!("{}.jsonl: {p}", state.run_id));
    }
    let text = match args.format {
        ReportFormat::Md => report::markdown(&state),
        ReportFormat::Json => report::json(&state),
        ReportFormat::Html => {
            // One file for a ticket, in the site's theme (its folder's overrides included).
            let look = SiteLook::load(&ws.root, (*ws.config).clone(), false).map_err(|diags| {
                Failure::Reported(
                    diags
                        .iter()
                        .map(|d| match d.line {
                            0 => format!("{}: {}", d.file.display(), d.message),
                            n => format!("{}:{n}: {}", d.file.display(), d.message),
                        })
                        .collect::<Vec<_>>()
                        .join("\n"),
                )
            })?;
            report::html(&state, &look).map_err(|e| {
                Failure::Reported(format!("the theme cannot render the report: {e}"))
            })?
        }
    };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    Ok(())
}

fn list_cmd(ws: &Workspace, args: &ListArgs) -> Result<(), Failure> {
    let runs = ws.list().map_err(failure)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        let mut s = serde_json::to_string_pretty(&runs).unwrap_or_else(|_| "[]".into());
        s.push('\n');
        let _ = out.write_all(s.as_bytes());
        return Ok(());
    }
    if runs.is_empty() {
        let _ = writeln!(out, "No runs in {}.", ws.runs_dir.display());
        return Ok(());
    }
    // Two lines a run, so a row fits 80 columns: the facts, then the guide and who.
    let _ = writeln!(
        out,
        "{:<23}  {:<16}  {:<5}  OUTCOME",
        "RUN", "STARTED", "STEPS"
    );
    for r in runs {
        let outcome = r
            .outcome
            .map(|o| format!("{o:?}").to_lowercase())
            .unwrap_or_else(|| "open".into());
        let outcome = if r.log_problems > 0 {
            format!("{outcome}, {} unreadable log line(s)", r.log_problems)
        } else {
            outcome
        };
        let _ = writeln!(
            out,
            "{:<23}  {:<16}  {:<5}  {}",
            r.run_id,
            r.started_at
                .get(..16)
                .unwrap_or(&r.started_at)
                .replace('T', " "),
            format!("{}/{}", r.settled, r.steps),
            outcome,
        );
        for l in terminal::fit(
            &format!(
                "  {} · target {} · {}",
                r.guide,
                terminal::plain(&r.target),
                terminal::plain(&r.operators.join(", "))
            ),
            80,
        ) {
            let _ = writeln!(out, "{l}");
        }
    }
    Ok(())
}

fn walk_cmd(ws: Arc<Workspace>, args: &RunbookArgs) -> Result<(), Failure> {
    crate::content::walk::docs_root(&ws.docs_dir).map_err(|e| Failure::Reported(e.to_string()))?;
    let operator = args
        .operator
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .and_then(|o| clean_operator(&o));
    let actor = Actor {
        operator,
        via: Some(if args.yes { "yes" } else { "terminal" }.into()),
        identity: None,
    };
    let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::io::stdout().is_terminal();
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .unwrap_or(80)
        .clamp(40, 100);
    let link_base = ws
        .config
        .base_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", ws.config.serve.bind));
    let hyperlinks = color && std::env::var("TERM").is_ok_and(|t| t != "dumb");
    let opts = TermOptions {
        style: Style { width, color },
        verbose: args.common.verbose,
        link_base,
        hyperlinks,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Other(e.into()))?;
    rt.block_on(async {
        let resume = match &args.resume {
            Some(id) => Some(id.clone()),
            None if args.yes => None,
            None => match offer_resume(&ws, args)? {
                Offer::Resume(id) => Some(id),
                Offer::New => None,
                Offer::Quit => return Ok(()),
            },
        };
        let session = match &resume {
            Some(id) => {
                let (session, warnings) = Session::open(ws.clone(), id).map_err(failure)?;
                for w in &warnings {
                    output::warning(w);
                }
                if let Some(page) = args.page.as_ref().filter(|_| args.resume.is_some()) {
                    let rel = steps::docs_relative(&ws.docs_dir, page).map_err(failure)?;
                    if crate::content::paths::to_slash(&rel) != session.guide.page {
                        return Err(Failure::Usage(format!(
                            "run {id} walks {}, not {}",
                            session.guide.page,
                            page.display()
                        )));
                    }
                }
                let state = session.state().map_err(failure)?;
                if state.is_finished() {
                    return Err(Failure::Usage(format!(
                        "run {id} is already finished; see `bisk-docs runbook report {id}`"
                    )));
                }
                session.mark_resumed(&actor).map_err(failure)?;
                session
            }
            None => {
                let page = args.page.as_ref().ok_or_else(|| {
                    Failure::Usage("give the PAGE to walk, or --resume RUN_ID".into())
                })?;
                let guide = ws.guide(page).map_err(failure)?;
                Session::start(ws.clone(), guide, args.target.as_deref(), &actor)
                    .await
                    .map_err(failure)?
            }
        };
        let mut stdout = std::io::stdout().lock();
        if args.yes {
            let state = terminal::walk_yes(&session, &actor, &mut stdout, &opts)
                .await
                .map_err(failure)?;
            return if terminal::run_failed(&state) {
                Err(Failure::Reported(format!(
                    "run {} failed: a probe did not pass",
                    state.run_id
                )))
            } else {
                Ok(())
            };
        }
        let stdin = std::io::stdin().lock();
        match terminal::walk(&session, &actor, stdin, &mut stdout, &opts)
            .await
            .map_err(failure)?
        {
            TermEnd::Finished | TermEnd::Quit | TermEnd::InputClosed => Ok(()),
        }
    })
}

/// What to do when a run of the guide is already open.
enum Offer {
    Resume(String),
    New,
    Quit,
}

/// Starting a guide that has an open run on the same target: at a terminal, offers to
/// resume it (Enter resumes); from a script, says so and starts another.
fn offer_resume(ws: &Workspace, args: &RunbookArgs) -> Result<Offer, Failure> {
    let Some(page) = &args.page else {
        return Ok(Offer::New);
    };
    let Ok(rel) = steps::docs_relative(&ws.docs_dir, page) else {
        return Ok(Offer::New);
    };
    let guide = crate::content::paths::to_slash(&rel);
    let target = ws
        .config
        .target(args.target.as_deref())
        .map(|t| t.name)
        .unwrap_or_default();
    let open = ws
        .list()
        .map_err(failure)?
        .into_iter()
        .find(|r| r.outcome.is_none() && r.guide == guide && r.target == target);
    let Some(run) = open else {
        return Ok(Offer::New);
    };
    let about = format!(
        "Run {} of {guide} on {target} is open: {} of {} steps settled, started {} by {}.",
        run.run_id,
        run.settled,
        run.steps,
        run.started_at
            .get(..16)
            .unwrap_or(&run.started_at)
            .replace('T', " "),
        terminal::plain(&run.operators.join(", "))
    );
    if !std::io::stdin().is_terminal() {
        output::warning(&format!(
            "{about} Starting another; continue that one with --resume {}.",
            run.run_id
        ));
        return Ok(Offer::New);
    }
    let mut out = std::io::stdout().lock();
    for l in terminal::fit(&about, 80) {
        let _ = writeln!(out, "{l}");
    }
    let _ = write!(out, "[r]esume it (Enter), start a [n]ew run, [q]uit > ");
    let _ = out.flush();
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
    Ok(match line.trim().to_lowercase().as_str() {
        "" | "r" | "resume" => Offer::Resume(run.run_id),
        "n" | "new" => Offer::New,
        _ => Offer::Quit,
    })
}
