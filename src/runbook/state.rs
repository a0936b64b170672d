//! A run's state, rebuilt from its log; and the rules an action must pass against it.

use serde::Serialize;

use super::RunbookError;
use super::log::{Event, LogProblem, Outcome, Phase, Record, Replay, StepInfo};
use crate::probe::result::TargetRef;
use crate::probe::{ProbeResult, Status};

/// Where a step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Pending,
    Done,
    /// Signed off although a probe failed, with a reason.
    Overridden,
    Skipped,
    /// Could not be signed off (non-interactive run).
    Failed,
}

impl StepStatus {
    pub fn word(self) -> &'static str {
        match self {
            StepStatus::Pending => "pending",
            StepStatus::Done => "done",
            StepStatus::Overridden => "done (override)",
            StepStatus::Skipped => "skipped",
            StepStatus::Failed => "failed",
        }
    }

    /// Whether the walkthrough has moved past this step.
    pub fn is_settled(self) -> bool {
        !matches!(self, StepStatus::Pending)
    }
}

/// One step of a run.
#[derive(Debug, Clone, Serialize)]
pub struct StepState {
    pub number: usize,
    pub id: String,
    pub title: String,
    pub probes: Vec<String>,
    pub status: StepStatus,
    /// When and by whom the step was settled.
    pub settled_at: Option<String>,
    pub settled_by: Option<String>,
    pub settled_via: Option<String>,
    /// The skip reason, the override reason, or why it failed.
    pub reason: Option<String>,
    /// Evidence: the probes captured at sign-off, or the latest run while pending.
    pub results: Vec<ProbeResult>,
    /// How many times its probes ran.
    pub probe_runs: usize,
    /// The step's task-list items that were ticked or unticked, latest state of each.
    pub tasks: Vec<TaskState>,
    /// Every time the step was opened again after being settled, oldest first.
    pub reopened: Vec<Reopening>,
    /// The step's task-list items when the run started (empty in logs of older versions).
    pub task_texts: Vec<String>,
    /// Sign-offs refused because a probe failed, oldest first.
    pub refusals: Vec<Refusal>,
}

/// A sign-off that was refused.
#[derive(Debug, Clone, Serialize)]
pub struct Refusal {
    pub at: String,
    pub by: Option<String>,
    pub via: Option<String>,
    /// "Title (FAIL)" of each probe that blocked it.
    pub failing: Vec<String>,
}

/// One moment of the record at which probes were observed: the order of these, with the
/// sign-offs among them, is what the report attributes a change to (never a step's title).
#[derive(Debug, Clone)]
pub struct Mark {
    pub seq: u64,
    pub at: String,
    pub kind: MarkKind,
    pub results: Vec<ProbeResult>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkKind {
    Snapshot(Phase),
    /// A step's probes run on request.
    Probes(usize),
    /// A step signed off (done or with override), its evidence captured at that moment.
    SignOff(usize),
    /// A sign-off attempt that a failing probe refused.
    Refused(usize),
    /// A step that could not be signed off (`--yes`).
    Failed(usize),
}

/// A task-list item as the run's log last left it.
#[derive(Debug, Clone, Serialize)]
pub struct TaskState {
    /// 1-based position in the step.
    pub task: usize,
    pub text: String,
    pub done: bool,
    pub at: String,
    pub by: Option<String>,
}

/// A settled step opened again.
#[derive(Debug, Clone, Serialize)]
pub struct Reopening {
    pub at: String,
    pub by: Option<String>,
    pub reason: String,
    /// What the step was before (`done`, `skipped`, …).
    pub was: StepStatus,
}

/// A note on the run or one step.
#[derive(Debug, Clone, Serialize)]
pub struct NoteState {
    pub step: Option<usize>,
    pub text: String,
    pub at: String,
    pub by: Option<String>,
}

/// A run, as its log says.
#[derive(Debug, Clone, Serialize)]
pub struct RunState {
    pub run_id: String,
    pub guide: String,
    pub guide_title: String,
    pub guide_sha256: String,
    pub target: TargetRef,
    pub host: String,
    pub tool_version: String,
    pub started_at: String,
    pub started_by: Option<String>,
    /// Everyone who acted on the run, in order of first appearance.
    pub operators: Vec<String>,
    pub steps: Vec<StepState>,
    pub notes: Vec<NoteState>,
    pub before: Option<Vec<ProbeResult>>,
    pub after: Option<Vec<ProbeResult>>,
    pub finished_at: Option<String>,
    pub outcome: Option<Outcome>,
    /// Time of the last event.
    pub updated_at: String,
    pub last_seq: u64,
    /// Lines of the log that could not be read (a torn last line after a crash…).
    pub log_problems: Vec<LogProblem>,
    /// Sequence gaps and events that made no sense, as sentences.
    pub anomalies: Vec<String>,
    /// Every result of each probe in this run (start, re-runs, sign-offs, end), oldest
    /// first: the walkthrough's widgets draw it as their history.
    pub probe_history: std::collections::BTreeMap<String, Vec<HistoryPoint>>,
    /// Every observation of probes and every sign-off, in the log's order (not serialised:
    /// the events themselves are the record).
    #[serde(skip)]
    pub timeline: Vec<Mark>,
}

/// One result of a probe in a run's history.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryPoint {
    pub status: Status,
    pub duration_ms: f64,
    pub checked_at: String,
}

impl RunState {
    /// Rebuilds the state from a log; the first event must be `run_started`.
    pub fn replay(replay: &Replay) -> Result<RunState, RunbookError> {
        let Some(first) = replay.records.first() else {
            return Err(RunbookError::Refused(
                "the log holds no readable event".into(),
            ));
        };
        let Event::RunStarted {
            run_id,
            guide,
            guide_title,
            guide_sha256,
            target,
            host,
            steps,
            tool_version,
        } = &first.event
        else {
            return Err(RunbookError::Refused(
                "the log does not start with run_started".into(),
            ));
        };
        let mut state = RunState {
            run_id: run_id.clone(),
            guide: guide.clone(),
            guide_title: guide_title.clone(),
            guide_sha256: guide_sha256.clone(),
            target: target.clone(),
            host: host.clone(),
            tool_version: tool_version.clone(),
            started_at: first.at.clone(),
            started_by: first.operator.clone(),
            operators: Vec::new(),
            steps: steps.iter().map(step_state).collect(),
            notes: Vec::new(),
            before: None,
            after: None,
            finished_at: None,
            outcome: None,
            updated_at: first.at.clone(),
            last_seq: 0,
            log_problems: replay.problems.clone(),
            anomalies: Vec::new(),
            probe_history: Default::default(),
            timeline: Vec::new(),
        };
        for (i, r) in replay.records.iter().enumerate() {
            if r.seq != i as u64 + 1 {
                state.anomalies.push(format!(
                    "event {} follows event {} (lost or reordered events)",
                    r.seq, state.last_seq
                ));
            }
            state.apply(r, i == 0);
        }
        Ok(state)
    }

    fn record_history(&mut self, results: &[ProbeResult]) {
        for res in results {
            self.probe_history
                .entry(res.id.clone())
                .or_default()
                .push(HistoryPoint {
                    status: res.status,
                    duration_ms: res.duration_ms,
                    checked_at: res.checked_at.clone(),
                });
        }
    }

    fn apply(&mut self, r: &Record, first: bool) {
        self.last_seq = r.seq;
        let mark = match &r.event {
            Event::Snapshot { phase, results } => Some((MarkKind::Snapshot(*phase), results)),
            Event::ProbesRun { step, results } => Some((MarkKind::Probes(*step), results)),
            Event::StepDone { step, results, .. } => Some((MarkKind::SignOff(*step), results)),
            Event::SignOffRefused { step, results } => Some((MarkKind::Refused(*step), results)),
            Event::StepFailed { step, results, .. } => Some((MarkKind::Failed(*step), results)),
            _ => None,
        };
        if let Some((kind, results)) = mark {
            self.record_history(results);
            self.timeline.push(Mark {
                seq: r.seq,
                at: r.at.clone(),
                kind,
                results: results.clone(),
            });
        }
        self.updated_at = r.at.clone();
        if let Some(op) = &r.operator
            && !self.operators.contains(op)
        {
            self.operators.push(op.clone());
        }
        let settle = |s: &mut StepState, status: StepStatus, reason: Option<String>| {
            s.status = status;
            s.settled_at = Some(r.at.clone());
            s.settled_by = r.operator.clone();
            s.settled_via = r.via.clone();
            s.reason = reason;
        };
        match &r.event {
            Event::RunStarted { .. } => {
                if !first {
                    self.anomalies
                        .push(format!("event {}: a second run_started, ignored", r.seq));
                }
            }
            Event::Snapshot { phase, results } => match phase {
                Phase::Before => self.before = Some(results.clone()),
                Phase::After => self.after = Some(results.clone()),
            },
            Event::ProbesRun { step, results } => {
                if let Some(s) = self.step_mut(*step, r.seq) {
                    s.probe_runs += 1;
                    if !s.status.is_settled() {
                        s.results = results.clone();
                    }
                }
            }
            Event::StepDone {
                step,
                results,
                override_reason,
            } => {
                if let Some(s) = self.step_mut(*step, r.seq) {
                    s.probe_runs += 1;
                    s.results = results.clone();
                    let status = if override_reason.is_some() {
                        StepStatus::Overridden
                    } else {
                        StepStatus::Done
                    };
                    settle(s, status, override_reason.clone());
                }
            }
            Event::SignOffRefused { step, results } => {
                if let Some(s) = self.step_mut(*step, r.seq) {
                    s.probe_runs += 1;
                    if !s.status.is_settled() {
                        s.results = results.clone();
                    }
                    s.refusals.push(Refusal {
                        at: r.at.clone(),
                        by: r.operator.clone(),
                        via: r.via.clone(),
                        failing: blocking(results)
                            .iter()
                            .map(|p| format!("{} ({})", p.title, p.status.word()))
                            .collect(),
                    });
                }
            }
            Event::StepSkipped { step, reason } => {
                if let Some(s) = self.step_mut(*step, r.seq) {
                    settle(s, StepStatus::Skipped, Some(reason.clone()));
                }
            }
            Event::StepFailed {
                step,
                results,
                reason,
            } => {
                if let Some(s) = self.step_mut(*step, r.seq) {
                    s.probe_runs += 1;
                    s.results = results.clone();
                    settle(s, StepStatus::Failed, Some(reason.clone()));
                }
            }
            Event::Note { step, text } => self.notes.push(NoteState {
                step: *step,
                text: text.clone(),
                at: r.at.clone(),
                by: r.operator.clone(),
            }),
            Event::TaskTicked {
                step,
                task,
                text,
                done,
            } => {
                if let Some(s) = self.step_mut(*step, r.seq) {
                    let tick = TaskState {
                        task: *task,
                        text: text.clone(),
                        done: *done,
                        at: r.at.clone(),
                        by: r.operator.clone(),
                    };
                    match s.tasks.iter_mut().find(|t| t.task == *task) {
                        Some(t) => *t = tick,
                        None => {
                            s.tasks.push(tick);
                            s.tasks.sort_by_key(|t| t.task);
                        }
                    }
                }
            }
            Event::StepReopened { step, reason } => {
                if let Some(s) = self.step_mut(*step, r.seq) {
                    if s.status.is_settled() {
                        s.reopened.push(Reopening {
                            at: r.at.clone(),
                            by: r.operator.clone(),
                            reason: reason.clone(),
                            was: s.status,
                        });
                        s.status = StepStatus::Pending;
                        s.settled_at = None;
                        s.settled_by = None;
                        s.settled_via = None;
                        s.reason = None;
                    } else {
                        self.anomalies.push(format!(
                            "event {}: step {step} reopened while not settled, ignored",
                            r.seq
                        ));
                    }
                }
            }
            Event::Resumed { .. } => {}
            Event::RunFinished { outcome } => {
                self.outcome = Some(*outcome);
                self.finished_at = Some(r.at.clone());
            }
        }
    }

    fn step_mut(&mut self, number: usize, seq: u64) -> Option<&mut StepState> {
        let found = number
            .checked_sub(1)
            .and_then(|i| self.steps.get_mut(i))
            .is_some();
        if !found {
            self.anomalies.push(format!(
                "event {seq}: no step {number} in this run, ignored"
            ));
            return None;
        }
        self.steps.get_mut(number - 1)
    }

    /// The first step not yet settled.
    pub fn current_step(&self) -> Option<&StepState> {
        self.steps.iter().find(|s| !s.status.is_settled())
    }

    pub fn step(&self, number: usize) -> Option<&StepState> {
        number.checked_sub(1).and_then(|i| self.steps.get(i))
    }

    pub fn is_finished(&self) -> bool {
        self.outcome.is_some()
    }

    /// Refuses actions on a finished run or a settled/unknown step.
    pub fn check_open_step(&self, number: usize) -> Result<&StepState, RunbookError> {
        if self.is_finished() {
            return Err(RunbookError::Refused(format!(
                "run {} is finished",
                self.run_id
            )));
        }
        let s = self.step(number).ok_or_else(|| {
            RunbookError::Refused(format!(
                "no step {number} (the run has {} steps)",
                self.steps.len()
            ))
        })?;
        if s.status.is_settled() {
            return Err(RunbookError::Refused(format!(
                "step {number} ({}) is already {} by {} at {}",
                s.title,
                s.status.word(),
                s.settled_by.as_deref().unwrap_or("someone"),
                s.settled_at.as_deref().unwrap_or("?")
            )));
        }
        Ok(s)
    }

    /// Counts of steps by status.
    pub fn progress(&self) -> (usize, usize) {
        let settled = self.steps.iter().filter(|s| s.status.is_settled()).count();
        (settled, self.steps.len())
    }
}

fn step_state(info: &StepInfo) -> StepState {
    StepState {
        number: info.number,
        id: info.id.clone(),
        title: info.title.clone(),
        probes: info.probes.clone(),
        status: StepStatus::Pending,
        settled_at: None,
        settled_by: None,
        settled_via: None,
        reason: None,
        results: Vec::new(),
        probe_runs: 0,
        tasks: Vec::new(),
        reopened: Vec::new(),
        task_texts: info.tasks.clone(),
        refusals: Vec::new(),
    }
}

/// Probes that block a sign-off: failed, or could not be judged.
pub fn blocking(results: &[ProbeResult]) -> Vec<&ProbeResult> {
    results
        .iter()
        .filter(|r| matches!(r.status, Status::Fail | Status::Error))
        .collect()
}
