//! What a run verified, read from its record: which probes passed at each sign-off, which
//! sign-offs verified nothing (no probe, every probe skipped, `--yes`), which tasks nobody
//! ticked, which sign-offs were refused; and which step's sign-off a process restart falls
//! in (the last observation of the old PID and the first of the new one, in the log's order).
//!
//! The report ([`super::report`]) shows these; a change ticket at 3 a.m. needs to tell
//! "checked" from "someone clicked Done".

use super::diff::{Attribution, Verdict};
use super::log::Phase;
use super::state::{Mark, MarkKind, RunState, StepState, StepStatus};
use crate::probe::{ProbeResult, Status};

/// How much a settled step's sign-off verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StepCheck {
    /// "Title (PASS)" of each probe that passed (or warned) at the sign-off.
    pub passed: Vec<String>,
    /// "Title: why" of each probe skipped at the sign-off.
    pub skipped: Vec<String>,
    /// Set when the sign-off verified nothing: why, as a sentence.
    pub nothing: Option<String>,
}

impl StepCheck {
    /// One line for the report: what the sign-off verified, or that it verified nothing.
    pub(crate) fn line(&self, at: Option<&str>) -> Option<String> {
        if let Some(n) = &self.nothing {
            return Some(format!("Nothing verified: {n}."));
        }
        if self.passed.is_empty() {
            return None;
        }
        let mut s = format!(
            "Verified at sign-off{}: {}",
            at.map(|a| format!(" ({a})")).unwrap_or_default(),
            self.passed.join(", ")
        );
        if !self.skipped.is_empty() {
            s.push_str(&format!(
                "; not verified (skipped): {}",
                self.skipped.join("; ")
            ));
        }
        s.push('.');
        Some(s)
    }
}

fn passed(r: &ProbeResult) -> bool {
    matches!(r.status, Status::Pass | Status::Warn)
}

/// What the sign-off of `s` verified (`None` while the step is not signed off).
pub(crate) fn step_check(s: &StepState) -> Option<StepCheck> {
    if !matches!(s.status, StepStatus::Done | StepStatus::Overridden) {
        return None;
    }
    let passed_list: Vec<String> = s
        .results
        .iter()
        .filter(|r| passed(r))
        .map(|r| format!("{} ({})", r.title, r.status.word()))
        .collect();
    let skipped: Vec<String> = s
        .results
        .iter()
        .filter(|r| r.status == Status::Skipped)
        .map(|r| format!("{}: {}", r.title, r.summary))
        .collect();
    let yes = s.settled_via.as_deref() == Some("yes");
    let nothing = if s.probes.is_empty() {
        Some(if yes {
            "the step has no probe and `--yes` signed it off: nobody looked".to_string()
        } else {
            "the step has no probe: signed off on the operator's word".to_string()
        })
    } else if passed_list.is_empty() && s.status == StepStatus::Done {
        Some(format!(
            "every probe was skipped{}",
            if skipped.is_empty() {
                String::new()
            } else {
                format!(" ({})", skipped.join("; "))
            }
        ))
    } else {
        None
    };
    Some(StepCheck {
        passed: passed_list,
        skipped,
        nothing,
    })
}

/// A task of a step as the report shows it: the guide's item with its last tick, if any.
#[derive(Debug, Clone)]
pub(crate) struct TaskLine {
    pub task: usize,
    pub text: String,
    pub done: bool,
    /// When and by whom it was last ticked or unticked; `None`: never touched.
    pub at: Option<String>,
    pub by: Option<String>,
}

/// Every task of step `s`: the guide's items when the run started, with their last tick
/// (a log of an older version knows only the ticked ones).
pub(crate) fn tasks(s: &StepState) -> Vec<TaskLine> {
    let mut out: Vec<TaskLine> = s
        .task_texts
        .iter()
        .enumerate()
        .map(|(i, text)| TaskLine {
            task: i + 1,
            text: text.clone(),
            done: false,
            at: None,
            by: None,
        })
        .collect();
    for t in &s.tasks {
        let line = TaskLine {
            task: t.task,
            text: t.text.clone(),
            done: t.done,
            at: Some(t.at.clone()),
            by: t.by.clone(),
        };
        match out.iter_mut().find(|l| l.task == t.task) {
            Some(l) => *l = line,
            None => out.push(line),
        }
    }
    out.sort_by_key(|l| l.task);
    out
}

/// One line under *Attention* about a step.
#[derive(Debug, Clone)]
pub(crate) struct Flag {
    pub step: usize,
    pub title: String,
    pub text: String,
}

/// The steps that need a second look beyond overrides and skips: signed off with nothing
/// verified or with skipped probes, refused sign-offs, tasks nobody ticked.
pub(crate) fn flags(state: &RunState) -> Vec<Flag> {
    let mut out = Vec::new();
    for s in &state.steps {
        let flag = |text: String| Flag {
            step: s.number,
            title: s.title.clone(),
            text,
        };
        if let Some(c) = step_check(s) {
            if let Some(n) = &c.nothing {
                out.push(flag(format!(
                    "signed off by {}{} with nothing verified: {n}",
                    s.settled_by.as_deref().unwrap_or("?"),
                    s.settled_via
                        .as_deref()
                        .map(|v| format!(" ({v})"))
                        .unwrap_or_default()
                )));
            } else if !c.skipped.is_empty() && s.status == StepStatus::Done {
                out.push(flag(format!(
                    "partly verified: skipped {}",
                    c.skipped.join("; ")
                )));
            }
        }
        for r in &s.refusals {
            out.push(flag(format!(
                "Done refused for {} at {}: {} did not pass",
                r.by.as_deref().unwrap_or("?"),
                r.at,
                if r.failing.is_empty() {
                    "a probe".to_string()
                } else {
                    r.failing.join(", ")
                }
            )));
        }
        let open: Vec<String> = tasks(s)
            .into_iter()
            .filter(|t| !t.done)
            .map(|t| format!("“{}”", t.text))
            .collect();
        if !open.is_empty() {
            out.push(flag(format!(
                "{} not ticked: {}",
                if open.len() == 1 {
                    "1 task".to_string()
                } else {
                    format!("{} tasks", open.len())
                },
                open.join(", ")
            )));
        }
    }
    out
}

/// A PID in a value as the probes show it: the value is the number, or starts with it
/// ("4242 · TTL none").
pub(crate) fn pid_of(value: &str) -> Option<&str> {
    let v = value.trim().trim_matches('"');
    let end = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let (digits, rest) = v.split_at(end);
    let clean_end = rest
        .chars()
        .next()
        .is_none_or(|c| c.is_whitespace() || matches!(c, '·' | ',' | ';' | '('));
    (!digits.is_empty() && !digits.starts_with('0') && clean_end).then_some(digits)
}

/// The PIDs a mark's probes saw: the observed value of a probe about a PID, and evidence
/// labelled as one (or of a probe about one).
fn pids(mark: &Mark) -> Vec<&str> {
    let mut out = Vec::new();
    for r in &mark.results {
        let about = format!("{} {}", r.id, r.title).to_ascii_lowercase();
        let probe_is_pid = about.contains("pid");
        if probe_is_pid && let Some(p) = r.observed.as_deref().and_then(pid_of) {
            out.push(p);
        }
        for e in &r.evidence {
            if (probe_is_pid || e.label.to_ascii_lowercase().contains("pid"))
                && let Some(p) = pid_of(&e.value)
            {
                out.push(p);
            }
        }
    }
    out
}

/// Whether the probes of step `n` saw a PID when it was signed off.
pub(crate) fn watches_pid(state: &RunState, n: usize) -> bool {
    state
        .timeline
        .iter()
        .any(|m| m.kind == MarkKind::SignOff(n) && !pids(m).is_empty())
}

fn describe(mark: &Mark) -> String {
    match mark.kind {
        MarkKind::Snapshot(Phase::Before) => "at the run's start".into(),
        MarkKind::Snapshot(Phase::After) => "at the run's end".into(),
        MarkKind::Probes(n) => format!("by step {n}'s probes"),
        MarkKind::SignOff(n) => format!("at step {n}'s sign-off"),
        MarkKind::Refused(n) => format!("at step {n}'s refused sign-off"),
        MarkKind::Failed(n) => format!("when step {n} failed"),
    }
}

/// Which sign-off a PID change from `old` to `new` falls in, from the record: the steps
/// signed off after the last observation of the old PID and up to the first observation of
/// the new one. `None` when the values are not PIDs or the record never saw them.
pub(crate) fn attribute(state: &RunState, old: &str, new: &str) -> Option<Attribution> {
    let (o, n) = (pid_of(old)?, pid_of(new)?);
    let tl = &state.timeline;
    let last_old = tl.iter().rposition(|m| pids(m).contains(&o))?;
    let first_new = last_old
        + 1
        + tl[last_old + 1..]
            .iter()
            .position(|m| pids(m).contains(&n))?;
    let steps: Vec<&StepState> = tl[last_old + 1..=first_new]
        .iter()
        .filter_map(|m| match m.kind {
            MarkKind::SignOff(k) => state.step(k),
            _ => None,
        })
        .collect();
    let seen = format!(
        "PID {o} last seen {}, PID {n} first seen {}",
        describe(&tl[last_old]),
        describe(&tl[first_new])
    );
    Some(match steps.as_slice() {
        [] => Attribution {
            verdict: Verdict::Changed,
            note: format!(
                "new PID: the process restarted with no step signed off in between ({seen})"
            ),
        },
        [s] => Attribution {
            verdict: Verdict::Expected,
            note: format!(
                "new PID: restarted during step {} ({}); {seen}",
                s.number, s.title
            ),
        },
        many => Attribution {
            verdict: Verdict::Expected,
            note: format!(
                "new PID: restarted during one of steps {} ({seen}; no check in between tells which)",
                many.iter()
                    .map(|s| format!("{} ({})", s.number, s.title))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::pid_of;

    #[test]
    fn pids_are_read_from_the_start_of_a_value() {
        assert_eq!(pid_of("4242"), Some("4242"));
        assert_eq!(pid_of("4242 · TTL none"), Some("4242"));
        assert_eq!(pid_of("\"17\"\n"), Some("17"));
        assert_eq!(pid_of("0"), None);
        assert_eq!(pid_of("2026-11-25 17:00:00 UTC"), None);
        assert_eq!(pid_of("/tmp/x1/pid"), None);
        assert_eq!(pid_of("12ab"), None);
    }
}
