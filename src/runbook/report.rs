//! A run's report for a change ticket: who, where, when, each step with its evidence, skips
//! and overrides with their reasons, notes, and the before/after comparison.
//!
//! Markdown (to paste), HTML (the theme's `report.html`: a page of the site under `serve`,
//! one self-contained file from the command line; every value escaped by the template) and
//! JSON (the run's state plus the comparison). Targets appear only as redacted URLs.

use std::fmt::Write as _;

use serde::Serialize;

use std::path::Path;

use super::diff::{self, ProbeDiff, Verdict};
use super::log::Outcome;
use super::report_view::*;
use super::state::{RunState, StepStatus};
use super::terminal::hint_url;
use super::verify;
use crate::content::paths::output_path;
use crate::probe::show::widget::doc_href;
use crate::probe::{ProbeResult, Status};
use crate::render::escape::escape_into;
use crate::site::SiteLook;
use crate::theme::{Chip, ThemeError, When};

/// The JSON report: the run and its comparison.
#[derive(Serialize)]
pub(crate) struct JsonReport<'a> {
    pub run: &'a RunState,
    /// The probes with something to say (a change or still failing); the others are counted
    /// in `unchanged`.
    pub before_after: Vec<ProbeDiff>,
    pub unchanged: usize,
    pub unexpected: usize,
    pub still_failing: Vec<String>,
}

/// A step of the run meant to restart a process: the first one signed off (done or done
/// with override) whose title says "restart". Only used to call an *unchanged* PID
/// unexpected; a PID that changed is attributed from the record ([`verify::attribute`]).
pub(crate) fn restart_step(state: &RunState) -> Option<diff::Restart<'_>> {
    let restarts = || {
        state.steps.iter().filter(|s| {
            matches!(s.status, StepStatus::Done | StepStatus::Overridden)
                && s.title.to_lowercase().contains("restart")
        })
    };
    // Of several, the one whose own probes watch a PID (the enforcer's, not the web's).
    restarts()
        .find(|s| verify::watches_pid(state, s.number))
        .or_else(|| restarts().next())
        .map(|s| diff::Restart {
            step: s.number,
            title: &s.title,
        })
}

/// The before/after comparison of a run (empty until both snapshots exist).
pub(crate) fn before_after(state: &RunState) -> Vec<ProbeDiff> {
    match (&state.before, &state.after) {
        (Some(b), Some(a)) => diff::compare_with(b, a, restart_step(state), &|old, new| {
            verify::attribute(state, old, new)
        }),
        _ => Vec::new(),
    }
}

fn still_failing(diffs: &[ProbeDiff]) -> Vec<&ProbeDiff> {
    diffs.iter().filter(|d| d.still_failing).collect()
}

fn unexpected_count(diffs: &[ProbeDiff]) -> usize {
    diffs
        .iter()
        .flat_map(|d| &d.changes)
        .filter(|c| c.verdict == Verdict::Unexpected)
        .count()
}

pub(crate) fn json(state: &RunState) -> String {
    let diffs = before_after(state);
    let unchanged = diffs.iter().filter(|d| !d.is_notable()).count();
    let doc = JsonReport {
        run: state,
        unexpected: unexpected_count(&diffs),
        still_failing: still_failing(&diffs).iter().map(|d| d.id.clone()).collect(),
        unchanged,
        before_after: diffs.into_iter().filter(|d| d.is_notable()).collect(),
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

fn outcome_word(state: &RunState) -> String {
    match state.outcome {
        Some(o) => format!("{o:?}").to_lowercase(),
        None => {
            let (done, total) = state.progress();
            format!("open ({done} of {total} steps settled)")
        }
    }
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Expected => "expected",
        Verdict::Unexpected => "UNEXPECTED",
        Verdict::Changed => "changed",
    }
}

/// Untrusted text made inert in Markdown: one line, punctuation that Markdown acts on
/// backslash-escaped, `<` and `>` as entities (no raw HTML reaches a renderer).
pub(crate) fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            '<' | '>' | '&' => escape_into(&mut out, c.encode_utf8(&mut [0; 4])),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn status_md(s: Status) -> String {
    format!("{} {}", s.icon(), s.word())
}

fn step_status_md(s: StepStatus) -> &'static str {
    match s {
        StepStatus::Pending => "… pending",
        StepStatus::Done => "✔ done",
        StepStatus::Overridden => "⚠ done with override",
        StepStatus::Skipped => "– skipped",
        StepStatus::Failed => "✖ failed",
    }
}

fn results_md(out: &mut String, results: &[ProbeResult]) {
    if results.is_empty() {
        out.push_str("No probes.\n\n");
        return;
    }
    out.push_str("| Probe | Status | Summary | Checked |\n|---|---|---|---|\n");
    for r in results {
        let _ = writeln!(
            out,
            "| {} (`{}`) | {} | {} | {} |",
            md(&r.title),
            md(&r.id).replace('`', ""),
            status_md(r.status),
            md(&r.summary),
            md(&r.checked_at)
        );
    }
    out.push('\n');
    for r in results {
        let _ = writeln!(
            out,
            "<details><summary>Evidence: {}</summary>\n",
            md(&r.title)
        );
        if let Some(e) = &r.expected {
            let _ = writeln!(out, "- expected: {}", md(e));
        }
        if let Some(o) = &r.observed {
            let _ = writeln!(out, "- observed: {}", md(o));
        }
        for e in &r.evidence {
            let _ = writeln!(out, "- {}: {}", md(&e.label), md(&e.value));
        }
        if let Some(h) = &r.hint {
            let _ = writeln!(
                out,
                "- hint: {}{}",
                md(&h.text),
                h.link
                    .as_deref()
                    .map(|l| format!(" ({})", md(l)))
                    .unwrap_or_default()
            );
        }
        let _ = writeln!(
            out,
            "- target: {} ({}), {} ms\n\n</details>\n",
            md(&r.target.name),
            md(&r.target.url),
            r.duration_ms
        );
    }
}

/// The Markdown report.
pub(crate) fn markdown(state: &RunState) -> String {
    let mut out = String::new();
    let diffs = before_after(state);
    let _ = writeln!(out, "# Runbook report: {}\n", md(&state.guide_title));
    out.push_str("| | |\n|---|---|\n");
    let rows = [
        ("Run", format!("`{}`", state.run_id)),
        ("Outcome", outcome_word(state)),
        (
            "Guide",
            format!(
                "{} (sha256 `{}`)",
                md(&state.guide),
                state.guide_sha256.get(..16).unwrap_or(&state.guide_sha256)
            ),
        ),
        (
            "Target",
            format!("{} ({})", md(&state.target.name), md(&state.target.url)),
        ),
        ("Host", md(&state.host)),
        (
            "Operators",
            state
                .operators
                .iter()
                .map(|o| md(o))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ("Started", md(&state.started_at)),
        (
            "Finished",
            state.finished_at.as_deref().map(md).unwrap_or("—".into()),
        ),
        ("Tool", md(&state.tool_version)),
    ];
    for (k, v) in rows {
        let _ = writeln!(out, "| {k} | {v} |");
    }
    out.push('\n');

    let overrides: Vec<_> = state
        .steps
        .iter()
        .filter(|s| {
            matches!(
                s.status,
                StepStatus::Overridden | StepStatus::Skipped | StepStatus::Failed
            )
        })
        .collect();
    let unexpected = unexpected_count(&diffs);
    let failing = still_failing(&diffs);
    let flags = verify::flags(state);
    if !overrides.is_empty()
        || !flags.is_empty()
        || unexpected > 0
        || !failing.is_empty()
        || !state.log_problems.is_empty()
    {
        out.push_str("## Attention\n\n");
        for s in &overrides {
            let _ = writeln!(
                out,
                "- Step {} *{}*: {} by {} — {}",
                s.number,
                md(&s.title),
                step_status_md(s.status),
                md(s.settled_by.as_deref().unwrap_or("?")),
                md(s.reason.as_deref().unwrap_or(""))
            );
        }
        for f in &flags {
            let _ = writeln!(out, "- Step {} *{}*: {}", f.step, md(&f.title), md(&f.text));
        }
        if unexpected > 0 {
            let _ = writeln!(
                out,
                "- {unexpected} unexpected change(s) between the start and the end (see *Before and after*)."
            );
        }
        for d in &failing {
            let _ = writeln!(
                out,
                "- *{}* (`{}`) still failing: {} at the start, {} at the end.",
                md(&d.title),
                md(&d.id).replace('`', ""),
                d.before.map(status_md).unwrap_or_default(),
                d.after.map(status_md).unwrap_or_default()
            );
        }
        for p in &state.log_problems {
            let _ = writeln!(out, "- Log: {}", md(&p.to_string()));
        }
        out.push('\n');
    }

    out.push_str("## Steps\n\n");
    out.push_str("| # | Step | Status | When | Who | Reason |\n|---|---|---|---|---|---|\n");
    for s in &state.steps {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            s.number,
            md(&s.title),
            step_status_md(s.status),
            s.settled_at.as_deref().map(md).unwrap_or_default(),
            match (&s.settled_by, &s.settled_via) {
                (Some(b), Some(v)) => format!("{} ({})", md(b), md(v)),
                (Some(b), None) => md(b),
                (None, Some(v)) => md(v),
                _ => String::new(),
            },
            s.reason.as_deref().map(md).unwrap_or_default()
        );
    }
    out.push('\n');
    for s in &state.steps {
        let _ = writeln!(out, "### {}. {}\n", s.number, md(&s.title));
        let _ = writeln!(out, "{}\n", step_status_md(s.status));
        if let Some(line) = verify::step_check(s).and_then(|c| c.line(s.settled_at.as_deref())) {
            let _ = writeln!(out, "{}\n", md(&line));
        }
        for r in &s.refusals {
            let _ = writeln!(
                out,
                "> Done refused for {} at {}: {} did not pass\n",
                md(r.by.as_deref().unwrap_or("?")),
                md(&r.at),
                md(&r.failing.join(", "))
            );
        }
        for n in state.notes.iter().filter(|n| n.step == Some(s.number)) {
            let _ = writeln!(
                out,
                "> Note by {} at {}: {}\n",
                md(n.by.as_deref().unwrap_or("?")),
                md(&n.at),
                md(&n.text)
            );
        }
        for r in &s.reopened {
            let _ = writeln!(
                out,
                "> Reopened by {} at {} (was {}): {}\n",
                md(r.by.as_deref().unwrap_or("?")),
                md(&r.at),
                r.was.word(),
                md(&r.reason)
            );
        }
        let tasks = verify::tasks(s);
        if !tasks.is_empty() {
            out.push_str("Tasks:\n\n");
            for t in &tasks {
                let _ = writeln!(
                    out,
                    "- [{}] {} ({})",
                    if t.done { "x" } else { " " },
                    md(&t.text),
                    match &t.at {
                        Some(at) => format!(
                            "{} by {} at {}",
                            if t.done { "ticked" } else { "unticked" },
                            md(t.by.as_deref().unwrap_or("?")),
                            md(at)
                        ),
                        None => "never ticked".into(),
                    }
                );
            }
            out.push('\n');
        }
        if !s.probes.is_empty() {
            results_md(&mut out, &s.results);
        }
    }
    let general: Vec<_> = state.notes.iter().filter(|n| n.step.is_none()).collect();
    if !general.is_empty() {
        out.push_str("## Notes\n\n");
        for n in general {
            let _ = writeln!(
                out,
                "- {} ({}): {}",
                md(n.by.as_deref().unwrap_or("?")),
                md(&n.at),
                md(&n.text)
            );
        }
        out.push('\n');
    }

    out.push_str("## Before and after\n\n");
    if diffs.is_empty() {
        out.push_str(if state.after.is_none() {
            "The run has not finished: there is no end snapshot yet.\n"
        } else {
            "No probes.\n"
        });
    } else {
        let notable: Vec<_> = diffs.iter().filter(|d| d.is_notable()).collect();
        if !notable.is_empty() {
            out.push_str("| Probe | Before | After | Changes |\n|---|---|---|---|\n");
        }
        for d in &notable {
            let changes = if d.changes.is_empty() {
                "still failing".to_string()
            } else {
                d.changes
                    .iter()
                    .map(|c| {
                        format!(
                            "**{}** {}: {} → {}{}",
                            verdict_word(c.verdict),
                            md(&c.what),
                            md(&c.before),
                            md(&c.after),
                            if c.note.is_empty() {
                                String::new()
                            } else {
                                format!(" ({})", md(&c.note))
                            }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("<br>")
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                md(&d.title),
                d.before.map(status_md).unwrap_or("—".into()),
                d.after.map(status_md).unwrap_or("—".into()),
                changes
            );
        }
        let unchanged = diffs.len() - notable.len();
        if unchanged > 0 {
            let _ = writeln!(
                out,
                "{}{} unchanged (relative ages aside).",
                if notable.is_empty() { "" } else { "\n" },
                probes_word(unchanged)
            );
        }
    }
    for a in &state.anomalies {
        let _ = writeln!(out, "\n- Log anomaly: {}", md(a));
    }
    out
}

// ---- HTML: the theme's `report.html`, like every other page of the site. ----

/// The HTML report through the theme's `report.html`. Under `serve` (`look.serve`) it is a
/// page of the site at `/runs/ID/report`; otherwise one self-contained file for a ticket:
/// the stylesheet inlined, no scripts, nothing fetched.
pub(crate) fn html(state: &RunState, look: &SiteLook) -> Result<String, ThemeError> {
    let standalone = !look.serve;
    let now = jiff::Timestamp::now();
    let when = |t: &str| When::at(t, now);
    let diffs = before_after(state);
    // Hint links: relative to the report under serve; from disk, under `base_url` or none.
    let report_page = format!("runs/{}/report.md", state.run_id);
    let hint = |h: &crate::probe::result::Hint| HintView {
        text: h.text.clone(),
        url: h.link.as_deref().and_then(|l| {
            if standalone {
                look.config.base_url.as_deref().map(|b| hint_url(b, l))
            } else {
                Some(doc_href(Path::new(&report_page), l))
            }
        }),
        path: h.link.clone(),
    };
    let result = |r: &ProbeResult| ResultView {
        id: r.id.clone(),
        title: r.title.clone(),
        chip: Chip::of(r.status),
        summary: r.summary.clone(),
        checked: when(&r.checked_at),
        expected: r.expected.clone(),
        observed: r.observed.clone(),
        evidence: r
            .evidence
            .iter()
            .map(|e| (e.label.clone(), e.value.clone()))
            .collect(),
        hint: r.hint.as_ref().map(hint),
        target_name: r.target.name.clone(),
        target_url: r.target.url.clone(),
        duration_ms: format!("{:.1}", r.duration_ms),
    };
    let note = |n: &super::state::NoteState| NoteView {
        by: n.by.clone().unwrap_or_else(|| "?".into()),
        at: when(&n.at),
        text: n.text.clone(),
    };
    let failing = still_failing(&diffs);
    let flagged: Vec<FlaggedStep> = state
        .steps
        .iter()
        .filter(|s| {
            matches!(
                s.status,
                StepStatus::Overridden | StepStatus::Skipped | StepStatus::Failed
            )
        })
        .map(|s| FlaggedStep {
            number: s.number,
            title: s.title.clone(),
            status: step_status_md(s.status),
            by: s.settled_by.clone().unwrap_or_else(|| "?".into()),
            reason: s.reason.clone().unwrap_or_default(),
        })
        .collect();
    let unexpected = unexpected_count(&diffs);
    let log_problems: Vec<String> = state.log_problems.iter().map(|p| p.to_string()).collect();
    let flags: Vec<FlagView> = verify::flags(state)
        .into_iter()
        .map(|f| FlagView {
            number: f.step,
            title: f.title,
            text: f.text,
        })
        .collect();
    let attention = Attention {
        any: !flagged.is_empty()
            || !flags.is_empty()
            || unexpected > 0
            || !failing.is_empty()
            || !log_problems.is_empty(),
        steps: flagged,
        flags,
        unexpected,
        still_failing: failing
            .iter()
            .map(|d| StillFailing {
                id: d.id.clone(),
                title: d.title.clone(),
                before: d.before.map(Chip::of),
                after: d.after.map(Chip::of),
            })
            .collect(),
        log_problems,
    };
    let steps = state
        .steps
        .iter()
        .map(|s| StepView {
            number: s.number,
            title: s.title.clone(),
            status: s.status,
            status_text: step_status_md(s.status),
            settled: s.settled_at.as_deref().map(when),
            by: s.settled_by.clone(),
            via: s.settled_via.clone(),
            reason: s.reason.clone(),
            notes: state
                .notes
                .iter()
                .filter(|n| n.step == Some(s.number))
                .map(note)
                .collect(),
            tasks: verify::tasks(s)
                .into_iter()
                .map(|t| TaskView {
                    task: t.task,
                    text: t.text,
                    done: t.done,
                    at: t.at.as_deref().map(when),
                    by: t.by.unwrap_or_else(|| "?".into()),
                })
                .collect(),
            verified: verify::step_check(s).and_then(|c| c.line(s.settled_at.as_deref())),
            nothing_verified: verify::step_check(s).is_some_and(|c| c.nothing.is_some()),
            refusals: s
                .refusals
                .iter()
                .map(|r| RefusalView {
                    at: when(&r.at),
                    by: r.by.clone().unwrap_or_else(|| "?".into()),
                    failing: r.failing.join(", "),
                })
                .collect(),
            reopened: s
                .reopened
                .iter()
                .map(|r| ReopenView {
                    at: when(&r.at),
                    by: r.by.clone().unwrap_or_else(|| "?".into()),
                    reason: r.reason.clone(),
                    was: r.was.word(),
                })
                .collect(),
            has_probes: !s.probes.is_empty(),
            results: s.results.iter().map(result).collect(),
        })
        .collect();
    let notable: Vec<&ProbeDiff> = diffs.iter().filter(|d| d.is_notable()).collect();
    let unchanged = diffs.len() - notable.len();
    let before_after = BeforeAfter {
        compared: !diffs.is_empty(),
        rows: notable
            .iter()
            .map(|d| DiffRow {
                id: d.id.clone(),
                title: d.title.clone(),
                before: d.before.map(Chip::of),
                after: d.after.map(Chip::of),
                still_failing: d.still_failing,
                changes: d
                    .changes
                    .iter()
                    .map(|c| ChangeView {
                        verdict: match c.verdict {
                            Verdict::Expected => "expected",
                            Verdict::Unexpected => "unexpected",
                            Verdict::Changed => "changed",
                        },
                        verdict_text: verdict_word(c.verdict),
                        what: c.what.clone(),
                        before: c.before.clone(),
                        after: c.after.clone(),
                        note: c.note.clone(),
                    })
                    .collect(),
            })
            .collect(),
        unchanged: if unchanged > 0 {
            format!(
                "{} unchanged (relative ages aside).",
                probes_word(unchanged)
            )
        } else {
            String::new()
        },
    };
    let page = ReportPage {
        standalone,
        inline_css: standalone.then(|| stylesheet(look)),
        run: RunView {
            id: state.run_id.clone(),
            guide: state.guide.clone(),
            guide_title: state.guide_title.clone(),
            guide_sha256: state.guide_sha256.clone(),
            target_name: state.target.name.clone(),
            target_url: state.target.url.clone(),
            host: state.host.clone(),
            operators: state.operators.join(", "),
            started: when(&state.started_at),
            finished: state.finished_at.as_deref().map(when),
            tool: state.tool_version.clone(),
            outcome: match state.outcome {
                None => "open",
                Some(Outcome::Completed) => "completed",
                Some(Outcome::Failed) => "failed",
                Some(Outcome::Abandoned) => "abandoned",
            },
            outcome_text: outcome_word(state),
        },
        attention,
        steps,
        notes: state
            .notes
            .iter()
            .filter(|n| n.step.is_none())
            .map(note)
            .collect(),
        before_after,
        anomalies: state.anomalies.clone(),
        links: (!standalone).then(|| Links {
            walkthrough: "./".into(),
            guide: format!("../../{}", output_path(Path::new(&state.guide))),
            md: "report?format=md".into(),
            json: "report?format=json".into(),
            runs: "../".into(),
        }),
    };
    // Under serve the report is `/runs/ID/report`: two folders down, its guide marked in
    // the sidebar. From disk there is no site around it.
    let title = format!("Runbook report: {}", state.guide_title);
    let chrome = if standalone {
        let mut c = look.chrome(&title, 0, "");
        c.live_reload = false;
        c.serve = false;
        c
    } else {
        look.chrome(&title, 2, &output_path(Path::new(&state.guide)))
    };
    look.render("report.html", &chrome, &page)
}

/// The theme's stylesheet (an override's, if the theme folder has one), for a page that
/// must not fetch it.
fn stylesheet(look: &SiteLook) -> String {
    look.theme
        .static_files()
        .into_iter()
        .find(|(path, _)| path == "style.css")
        .map(|(_, bytes)| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default()
}

/// "1 probe", "3 probes".
fn probes_word(n: usize) -> String {
    if n == 1 {
        "1 probe".into()
    } else {
        format!("{n} probes")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn markdown_text_is_inert() {
        assert_eq!(
            super::md("a|b <script> *x* [l](u)\nnext"),
            "a\\|b &lt;script&gt; \\*x\\* \\[l\\](u) next"
        );
    }
}
