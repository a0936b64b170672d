//! The actions of a walkthrough, shared by the terminal and the browser: start a run, run a
//! step's probes, sign a step off, skip it, add a note, finish. Each action is validated
//! against the log as it is at that instant (under the log's lock), so two operators, or
//! a terminal and a browser, can work on the same run.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use super::RunbookError;
use super::log::{self, Actor, Event, Outcome, Phase, RunLog, StepInfo};
use super::state::{RunState, StepStatus, blocking};
use super::steps::Guide;
use crate::config::Config;
use crate::probe::{ProbeDecl, ProbeResult, RunOptions, Runner};

// The bounds of untrusted text live on the lowest floor (`serve::proxy` needs the operator
// name's too); re-exported here for the callers that know them by this path.
pub use crate::text::{MAX_OPERATOR, clean_operator, clean_text};
/// Longest note and reason accepted (anything longer is cut).
pub const MAX_TEXT: usize = 4000;

/// Where runs are: the site root, its docs and its runs folder.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub root: PathBuf,
    pub docs_dir: PathBuf,
    pub runs_dir: PathBuf,
    pub config: Arc<Config>,
    /// Skip probes that write (serve `--read-only`).
    pub read_only: bool,
}

/// One line of `runbook list`.
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub run_id: String,
    pub guide: String,
    pub guide_title: String,
    pub target: String,
    pub host: String,
    pub operators: Vec<String>,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub outcome: Option<Outcome>,
    pub settled: usize,
    pub steps: usize,
    pub log_problems: usize,
}

impl Workspace {
    pub fn new(root: &Path, config: Config) -> Workspace {
        Workspace {
            root: root.to_path_buf(),
            docs_dir: root.join(&config.docs_dir),
            runs_dir: root.join(&config.runbook.runs_dir),
            config: Arc::new(config),
            read_only: false,
        }
    }

    /// The log of `run_id`, which must look like a run id and exist.
    pub fn log(&self, run_id: &str) -> Result<RunLog, RunbookError> {
        if !log::is_run_id(run_id) {
            return Err(RunbookError::UnknownRun(run_id.into()));
        }
        let path = self.runs_dir.join(format!("{run_id}.jsonl"));
        if !path.is_file() {
            return Err(RunbookError::UnknownRun(run_id.into()));
        }
        Ok(RunLog::at(path))
    }

    /// The state of `run_id`.
    pub fn load(&self, run_id: &str) -> Result<RunState, RunbookError> {
        let log = self.log(run_id)?;
        RunState::replay(&log.read()?).map_err(|e| match e {
            RunbookError::Refused(m) => RunbookError::Log {
                path: log.path().to_path_buf(),
                line: 1,
                message: m,
            },
            e => e,
        })
    }

    /// The guide at `page`; its probes must name commands and targets the config has.
    pub fn guide(&self, page: &Path) -> Result<Guide, RunbookError> {
        Guide::load_in(&self.docs_dir, page, Some((&self.config, "default")))?.checked(&self.config)
    }

    /// Every run in the runs folder, newest first. Unreadable logs are skipped.
    pub fn list(&self) -> Result<Vec<RunSummary>, RunbookError> {
        let entries = match std::fs::read_dir(&self.runs_dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(RunbookError::io(&self.runs_dir, e)),
        };
        let mut out = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(id) = name.strip_suffix(".jsonl") else {
                continue;
            };
            if let Ok(s) = self.load(id) {
                out.push(summary(&s));
            }
        }
        out.sort_by(|a, b| b.run_id.cmp(&a.run_id));
        Ok(out)
    }

    fn runner(&self, target: &str) -> Arc<Runner> {
        Arc::new(Runner::new(
            self.config.clone(),
            RunOptions {
                target: Some(target.to_string()),
                read_only: self.read_only,
            },
        ))
    }
}

/// The summary of one run.
pub fn summary(s: &RunState) -> RunSummary {
    let (settled, steps) = s.progress();
    RunSummary {
        run_id: s.run_id.clone(),
        guide: s.guide.clone(),
        guide_title: s.guide_title.clone(),
        target: s.target.name.clone(),
        host: s.host.clone(),
        operators: s.operators.clone(),
        started_at: s.started_at.clone(),
        finished_at: s.finished_at.clone(),
        outcome: s.outcome,
        settled,
        steps,
        log_problems: s.log_problems.len(),
    }
}

/// A run being walked: its guide, its log and a probe runner on its target.
pub struct Session {
    pub ws: Arc<Workspace>,
    pub guide: Guide,
    pub log: RunLog,
    pub run_id: String,
    runner: Arc<Runner>,
}

/// The result of asking to sign a step off.
#[derive(Debug, Clone)]
pub enum SignOff {
    /// Signed off with this evidence.
    Done(Vec<ProbeResult>),
    /// A probe failed and no override reason was given; the evidence was recorded.
    Blocked(Vec<ProbeResult>),
}

/// This machine's host name, for the record.
pub fn host_name() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

impl Session {
    /// Starts a run of `guide` on `target` (`None`: `[redis]`): writes `run_started`, then
    /// captures every probe of the guide as the "before" snapshot.
    pub async fn start(
        ws: Arc<Workspace>,
        guide: Guide,
        target: Option<&str>,
        actor: &Actor,
    ) -> Result<Session, RunbookError> {
        let mut named = ws
            .config
            .target(target)
            .map_err(|e| RunbookError::Config(e.to_string()))?;
        // The django target's place is Django's answer; the log records where the run
        // looked. Unreadable settings are each probe's error, not a refused run.
        if named.name == crate::config::DJANGO_TARGET
            && let Ok(resolved) = crate::django::settings::resolve_target(&ws.config, target).await
        {
            named = resolved;
        }
        let run_id = log::new_run_id();
        let log = RunLog::at(ws.runs_dir.join(format!("{run_id}.jsonl")));
        log.create(
            Event::RunStarted {
                run_id: run_id.clone(),
                guide: guide.page.clone(),
                guide_title: guide.title.clone(),
                guide_sha256: guide.sha256.clone(),
                target: crate::probe::result::TargetRef {
                    name: named.name.clone(),
                    url: named.target.display_url(),
                },
                host: host_name(),
                steps: guide
                    .steps
                    .iter()
                    .map(|s| StepInfo {
                        number: s.number,
                        id: s.id.clone(),
                        title: s.title.clone(),
                        probes: s.probes.clone(),
                        tasks: s.tasks.clone(),
                    })
                    .collect(),
                tool_version: format!("bisk-docs {}", env!("CARGO_PKG_VERSION")),
            },
            actor,
        )?;
        let session = Session {
            runner: ws.runner(&named.name),
            ws,
            guide,
            log,
            run_id,
        };
        session.snapshot(Phase::Before, actor).await?;
        Ok(session)
    }

    /// Opens an existing run. Its guide must still have the same steps; a changed text
    /// only warns (returned). Writes nothing: call [`Session::mark_resumed`] to record it.
    pub fn open(ws: Arc<Workspace>, run_id: &str) -> Result<(Session, Vec<String>), RunbookError> {
        let log = ws.log(run_id)?;
        let state = ws.load(run_id)?;
        let guide = ws.guide(Path::new(&state.guide))?;
        let mut warnings = Vec::new();
        if guide.sha256 != state.guide_sha256 {
            let same_steps = guide.steps.len() == state.steps.len()
                && guide
                    .steps
                    .iter()
                    .zip(&state.steps)
                    .all(|(g, s)| g.id == s.id && g.probes == s.probes);
            if !same_steps {
                return Err(RunbookError::Refused(format!(
                    "{} changed since run {run_id} started and its steps or probes are not the same any more; start a new run",
                    state.guide
                )));
            }
            warnings.push(format!(
                "{} changed since the run started (sha256 {} → {}); its steps are the same",
                state.guide,
                short(&state.guide_sha256),
                short(&guide.sha256)
            ));
        }
        for p in &state.log_problems {
            warnings.push(format!("{}: {p}", log.path().display()));
        }
        let session = Session {
            runner: ws.runner(&state.target.name),
            ws,
            guide,
            log,
            run_id: run_id.to_string(),
        };
        Ok((session, warnings))
    }

    /// Records that `actor` picked the run up again.
    pub fn mark_resumed(&self, actor: &Actor) -> Result<(), RunbookError> {
        let sha = self.guide.sha256.clone();
        self.log
            .append_with(actor, |r| {
                open_run(r)?;
                Ok((
                    Event::Resumed {
                        guide_sha256: Some(sha),
                    },
                    (),
                ))
            })
            .map(|_| ())
    }

    /// The run's state now (re-read from the log).
    pub fn state(&self) -> Result<RunState, RunbookError> {
        RunState::replay(&self.log.read()?)
    }

    fn step_decls(&self, state: &RunState, step: usize) -> Result<Vec<ProbeDecl>, RunbookError> {
        let s = state
            .step(step)
            .ok_or_else(|| RunbookError::Refused(format!("no step {step}")))?;
        Ok(self.guide.decls(&s.probes))
    }

    async fn run(&self, decls: &[ProbeDecl]) -> Vec<ProbeResult> {
        self.runner.run(decls).await
    }

    /// Runs step `step`'s probes and records the evidence.
    pub async fn run_step_probes(
        &self,
        step: usize,
        actor: &Actor,
    ) -> Result<Vec<ProbeResult>, RunbookError> {
        let state = self.state()?;
        state.check_open_step(step)?;
        let decls = self.step_decls(&state, step)?;
        if decls.is_empty() {
            // Nothing ran, so there is no evidence to keep.
            return Ok(Vec::new());
        }
        let results = self.run(&decls).await;
        let rec = results.clone();
        self.log.append_with(actor, move |r| {
            open_run(r)?.check_open_step(step)?;
            Ok((Event::ProbesRun { step, results: rec }, ()))
        })?;
        Ok(results)
    }

    /// Signs step `step` off, capturing its probes at this moment. A failed probe blocks it
    /// unless `override_reason` is given.
    pub async fn sign_off(
        &self,
        step: usize,
        override_reason: Option<&str>,
        actor: &Actor,
    ) -> Result<SignOff, RunbookError> {
        let reason = override_reason
            .map(|r| clean_text(r, MAX_TEXT))
            .filter(|r| !r.is_empty());
        let state = self.state()?;
        state.check_open_step(step)?;
        let decls = self.step_decls(&state, step)?;
        let results = self.run(&decls).await;
        let blocked = !blocking(&results).is_empty();
        let rec = results.clone();
        let has_reason = reason.is_some();
        let event = if blocked && !has_reason {
            Event::SignOffRefused { step, results: rec }
        } else {
            Event::StepDone {
                step,
                results: rec,
                // An override reason only means something when a probe failed.
                override_reason: if blocked { reason } else { None },
            }
        };
        self.log.append_with(actor, move |r| {
            open_run(r)?.check_open_step(step)?;
            Ok((event, ()))
        })?;
        Ok(if blocked && !has_reason {
            SignOff::Blocked(results)
        } else {
            SignOff::Done(results)
        })
    }

    /// Records step `step` as failed (non-interactive runs: no override).
    pub fn fail_step(
        &self,
        step: usize,
        results: Vec<ProbeResult>,
        reason: &str,
        actor: &Actor,
    ) -> Result<(), RunbookError> {
        let reason = clean_text(reason, MAX_TEXT);
        self.log
            .append_with(actor, move |r| {
                open_run(r)?.check_open_step(step)?;
                Ok((
                    Event::StepFailed {
                        step,
                        results,
                        reason,
                    },
                    (),
                ))
            })
            .map(|_| ())
    }

    /// Skips step `step`; a reason is required.
    pub fn skip(&self, step: usize, reason: &str, actor: &Actor) -> Result<(), RunbookError> {
        let reason = clean_text(reason, MAX_TEXT);
        if reason.is_empty() {
            return Err(RunbookError::Refused(
                "a skipped step needs a reason".into(),
            ));
        }
        self.log
            .append_with(actor, move |r| {
                open_run(r)?.check_open_step(step)?;
                Ok((Event::StepSkipped { step, reason }, ()))
            })
            .map(|_| ())
    }

    /// Ticks (`done`) or unticks task `task` (1-based) of step `step`. The item's text is
    /// taken from the guide, so the record says what was ticked; a step whose text changed
    /// since the run started is refused rather than ticked against the wrong item.
    pub fn tick(
        &self,
        step: usize,
        task: usize,
        done: bool,
        actor: &Actor,
    ) -> Result<(), RunbookError> {
        let text = self.task_text(step, task)?;
        self.log
            .append_with(actor, move |r| {
                let state = open_run(r)?;
                if state.step(step).is_none() {
                    return Err(RunbookError::Refused(format!("no step {step}")));
                }
                Ok((
                    Event::TaskTicked {
                        step,
                        task,
                        text,
                        done,
                    },
                    (),
                ))
            })
            .map(|_| ())
    }

    fn task_text(&self, step: usize, task: usize) -> Result<String, RunbookError> {
        let state = self.state()?;
        let run_step = state.step(step).ok_or_else(|| {
            RunbookError::Refused(format!(
                "no step {step} (the run has {} steps)",
                state.steps.len()
            ))
        })?;
        let guide_step = self
            .guide
            .step(step)
            .filter(|g| g.id == run_step.id)
            .ok_or_else(|| {
                RunbookError::Refused(format!(
                    "step {step} ({}) changed in the guide since the run started: its tasks cannot be ticked",
                    run_step.title
                ))
            })?;
        task.checked_sub(1)
            .and_then(|i| guide_step.tasks.get(i))
            .cloned()
            .ok_or_else(|| {
                RunbookError::Refused(format!(
                    "step {step} has {} task{}, not a task {task}",
                    guide_step.tasks.len(),
                    if guide_step.tasks.len() == 1 { "" } else { "s" }
                ))
            })
    }

    /// Opens settled step `step` again, for a reason; it is pending until settled anew.
    pub fn reopen(&self, step: usize, reason: &str, actor: &Actor) -> Result<(), RunbookError> {
        let reason = clean_text(reason, MAX_TEXT);
        if reason.is_empty() {
            return Err(RunbookError::Refused(
                "reopening a step needs a reason".into(),
            ));
        }
        self.log
            .append_with(actor, move |r| {
                let state = open_run(r)?;
                let s = state.step(step).ok_or_else(|| {
                    RunbookError::Refused(format!(
                        "no step {step} (the run has {} steps)",
                        state.steps.len()
                    ))
                })?;
                if !s.status.is_settled() {
                    return Err(RunbookError::Refused(format!(
                        "step {step} ({}) is not settled: there is nothing to reopen",
                        s.title
                    )));
                }
                Ok((Event::StepReopened { step, reason }, ()))
            })
            .map(|_| ())
    }

    /// Adds a note to the run, or to one of its steps.
    pub fn note(&self, step: Option<usize>, text: &str, actor: &Actor) -> Result<(), RunbookError> {
        let text = clean_text(text, MAX_TEXT);
        if text.is_empty() {
            return Err(RunbookError::Refused("an empty note".into()));
        }
        self.log
            .append_with(actor, move |r| {
                let state = RunState::replay(r)?;
                if let Some(n) = step
                    && state.step(n).is_none()
                {
                    return Err(RunbookError::Refused(format!("no step {n}")));
                }
                Ok((Event::Note { step, text }, ()))
            })
            .map(|_| ())
    }

    async fn snapshot(&self, phase: Phase, actor: &Actor) -> Result<(), RunbookError> {
        let results = self.run(&self.guide.probes).await;
        self.log.append_with(actor, move |r| {
            open_run(r)?;
            Ok((Event::Snapshot { phase, results }, ()))
        })?;
        Ok(())
    }

    /// Ends the run: captures the "after" snapshot and records the outcome. Completing needs
    /// every step settled; `abandon` ends it early (the reason becomes a note).
    pub async fn finish(
        &self,
        abandon: Option<&str>,
        actor: &Actor,
    ) -> Result<RunState, RunbookError> {
        let state = self.state()?;
        if state.is_finished() {
            return Err(RunbookError::Refused(format!(
                "run {} is already finished",
                self.run_id
            )));
        }
        if abandon.is_none()
            && let Some(s) = state.current_step()
        {
            return Err(RunbookError::Refused(format!(
                "step {} ({}) is not done or skipped yet",
                s.number, s.title
            )));
        }
        if let Some(reason) = abandon {
            self.note(None, &format!("Run abandoned: {reason}"), actor)?;
        }
        self.snapshot(Phase::After, actor).await?;
        let abandoned = abandon.is_some();
        self.log.append_with(actor, move |r| {
            let state = open_run(r)?;
            let outcome = if abandoned {
                Outcome::Abandoned
            } else if state.current_step().is_some() {
                return Err(RunbookError::Refused("steps are still pending".into()));
            } else if state.steps.iter().any(|s| s.status == StepStatus::Failed) {
                Outcome::Failed
            } else {
                Outcome::Completed
            };
            Ok((Event::RunFinished { outcome }, ()))
        })?;
        self.state()
    }
}

/// The state of a log that must still be open for actions.
fn open_run(r: &log::Replay) -> Result<RunState, RunbookError> {
    let state = RunState::replay(r)?;
    if state.is_finished() {
        return Err(RunbookError::Refused(format!(
            "run {} is finished",
            state.run_id
        )));
    }
    Ok(state)
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}
