//! A run's report for a change ticket: who, where, when, each step with its evidence, skips
//! and overrides with their reasons, notes, and the before/after comparison.
//!
//! Markdown (to paste), HTML (one self-contained page, every value escaped) and JSON (the
//! run's state plus the comparison). Targets appear only as redacted URLs.

use std::fmt::Write as _;

use serde::Serialize;

use super::diff::{self, ProbeDiff, Verdict};
use super::state::{RunState, StepStatus};
use crate::probe::{ProbeResult, Status};
use crate::render::escape::{escape, escape_into};

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Md,
    Html,
    Json,
}

/// The JSON report: the run and its comparison.
#[derive(Serialize)]
pub struct JsonReport<'a> {
    pub run: &'a RunState,
    /// The probes with something to say (a change or still failing); the others are counted
    /// in `unchanged`.
    pub before_after: Vec<ProbeDiff>,
    pub unchanged: usize,
    pub unexpected: usize,
    pub still_failing: Vec<String>,
}

/// The step of the run that restarted the process: the first step signed off (done or done
/// with override) whose title says "restart". The run knows its steps only by their titles
/// (the guide may have changed since), and the guides name the step that restarts a service
/// after what it does ("Restart the enforcer").
pub fn restart_step(state: &RunState) -> Option<diff::Restart<'_>> {
    state
        .steps
        .iter()
        .find(|s| {
            matches!(s.status, StepStatus::Done | StepStatus::Overridden)
                && s.title.to_lowercase().contains("restart")
        })
        .map(|s| diff::Restart {
            step: s.number,
            title: &s.title,
        })
}

/// The before/after comparison of a run (empty until both snapshots exist).
pub fn before_after(state: &RunState) -> Vec<ProbeDiff> {
    match (&state.before, &state.after) {
        (Some(b), Some(a)) => diff::compare(b, a, restart_step(state)),
        _ => Vec::new(),
    }
}

fn still_failing(diffs: &[ProbeDiff]) -> Vec<&ProbeDiff> {
    diffs.iter().filter(|d| d.still_failing).collect()
}

/// Renders the report of `state`.
pub fn render(state: &RunState, format: Format) -> String {
    match format {
        Format::Md => markdown(state),
        Format::Html => html(state),
        Format::Json => json(state),
    }
}

fn unexpected_count(diffs: &[ProbeDiff]) -> usize {
    diffs
        .iter()
        .flat_map(|d| &d.changes)
        .filter(|c| c.verdict == Verdict::Unexpected)
        .count()
}

pub fn json(state: &RunState) -> String {
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
pub fn md(s: &str) -> String {
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
pub fn markdown(state: &RunState) -> String {
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
    if !overrides.is_empty()
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
        for n in state.notes.iter().filter(|n| n.step == Some(s.number)) {
            let _ = writeln!(
                out,
                "> Note by {} at {}: {}\n",
                md(n.by.as_deref().unwrap_or("?")),
                md(&n.at),
                md(&n.text)
            );
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

const CSS: &str = "body{font:15px/1.5 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{border:1px solid #ccd;padding:.25rem .5rem;vertical-align:top;text-align:left}
.pass{color:#116329}.warn{color:#7a4d00}.fail,.error,.unexpected{color:#b3261e;font-weight:600}.skipped{color:#555}
code{background:#f2f3f5;padding:0 .2rem}details{margin:.25rem 0}.attention{border-left:4px solid #b3261e;padding-left:.75rem}";

fn status_html(s: Status) -> String {
    format!(
        "<span class=\"{}\">{} {}</span>",
        s.as_str(),
        s.icon(),
        s.word()
    )
}

fn results_html(out: &mut String, results: &[ProbeResult]) {
    out.push_str("<table><tr><th>Probe</th><th>Status</th><th>Summary</th><th>Checked</th></tr>\n");
    for r in results {
        let _ = writeln!(
            out,
            "<tr><td>{} <code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&r.title),
            escape(&r.id),
            status_html(r.status),
            escape(&r.summary),
            escape(&r.checked_at)
        );
    }
    out.push_str("</table>\n");
    for r in results {
        let _ = write!(
            out,
            "<details><summary>Evidence: {}</summary><ul>",
            escape(&r.title)
        );
        if let Some(e) = &r.expected {
            let _ = write!(out, "<li>expected: {}</li>", escape(e));
        }
        if let Some(o) = &r.observed {
            let _ = write!(out, "<li>observed: {}</li>", escape(o));
        }
        for e in &r.evidence {
            let _ = write!(
                out,
                "<li>{}: <code>{}</code></li>",
                escape(&e.label),
                escape(&e.value)
            );
        }
        if let Some(h) = &r.hint {
            let _ = write!(
                out,
                "<li>hint: {}{}</li>",
                escape(&h.text),
                h.link
                    .as_deref()
                    .map(|l| format!(" ({})", escape(l)))
                    .unwrap_or_default()
            );
        }
        let _ = writeln!(
            out,
            "<li>target: {} ({})</li></ul></details>",
            escape(&r.target.name),
            escape(&r.target.url)
        );
    }
}

/// The HTML report: one page, no scripts, every value escaped.
pub fn html(state: &RunState) -> String {
    let mut out = String::new();
    let diffs = before_after(state);
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Runbook report: {}</title><style>{CSS}</style></head><body>\n",
        escape(&state.guide_title)
    );
    out.push_str(&html_body(state, &diffs));
    out.push_str("</body></html>\n");
    out
}

/// The report's content without the page around it (the run page under `serve` embeds it).
pub fn html_body(state: &RunState, diffs: &[ProbeDiff]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<h1>Runbook report: {}</h1>",
        escape(&state.guide_title)
    );
    out.push_str("<table>\n");
    let rows = [
        ("Run", state.run_id.clone()),
        ("Outcome", outcome_word(state)),
        (
            "Guide",
            format!("{} (sha256 {})", state.guide, state.guide_sha256),
        ),
        (
            "Target",
            format!("{} ({})", state.target.name, state.target.url),
        ),
        ("Host", state.host.clone()),
        ("Operators", state.operators.join(", ")),
        ("Started", state.started_at.clone()),
        (
            "Finished",
            state.finished_at.clone().unwrap_or_else(|| "—".into()),
        ),
    ];
    for (k, v) in rows {
        let _ = writeln!(out, "<tr><th>{k}</th><td>{}</td></tr>", escape(&v));
    }
    out.push_str("</table>\n");
    let unexpected = unexpected_count(diffs);
    let failing = still_failing(diffs);
    let flagged: Vec<_> = state
        .steps
        .iter()
        .filter(|s| {
            matches!(
                s.status,
                StepStatus::Overridden | StepStatus::Skipped | StepStatus::Failed
            )
        })
        .collect();
    if !flagged.is_empty()
        || unexpected > 0
        || !failing.is_empty()
        || !state.log_problems.is_empty()
    {
        out.push_str("<section class=\"attention\"><h2>Attention</h2><ul>\n");
        for s in flagged {
            let _ = writeln!(
                out,
                "<li>Step {} <em>{}</em>: {} by {} — {}</li>",
                s.number,
                escape(&s.title),
                step_status_md(s.status),
                escape(s.settled_by.as_deref().unwrap_or("?")),
                escape(s.reason.as_deref().unwrap_or(""))
            );
        }
        if unexpected > 0 {
            let _ = writeln!(
                out,
                "<li>{unexpected} unexpected change(s) between the start and the end.</li>"
            );
        }
        for d in &failing {
            let _ = writeln!(
                out,
                "<li><em>{}</em> (<code>{}</code>) still failing: {} at the start, {} at the end.</li>",
                escape(&d.title),
                escape(&d.id),
                d.before.map(status_html).unwrap_or_default(),
                d.after.map(status_html).unwrap_or_default()
            );
        }
        for p in &state.log_problems {
            let _ = writeln!(out, "<li>Log: {}</li>", escape(&p.to_string()));
        }
        out.push_str("</ul></section>\n");
    }
    out.push_str("<h2>Steps</h2>\n");
    for s in &state.steps {
        let _ = writeln!(
            out,
            "<h3 id=\"step-{}\">{}. {}</h3><p>{}{}{}</p>",
            s.number,
            s.number,
            escape(&s.title),
            step_status_md(s.status),
            s.settled_by
                .as_deref()
                .map(|b| format!(
                    " by {} ({}) at {}",
                    escape(b),
                    escape(s.settled_via.as_deref().unwrap_or("?")),
                    escape(s.settled_at.as_deref().unwrap_or("?"))
                ))
                .unwrap_or_default(),
            s.reason
                .as_deref()
                .map(|r| format!(" — reason: {}", escape(r)))
                .unwrap_or_default()
        );
        for n in state.notes.iter().filter(|n| n.step == Some(s.number)) {
            let _ = writeln!(
                out,
                "<blockquote>Note by {} at {}: {}</blockquote>",
                escape(n.by.as_deref().unwrap_or("?")),
                escape(&n.at),
                escape(&n.text)
            );
        }
        if !s.results.is_empty() {
            results_html(&mut out, &s.results);
        }
    }
    let general: Vec<_> = state.notes.iter().filter(|n| n.step.is_none()).collect();
    if !general.is_empty() {
        out.push_str("<h2>Notes</h2><ul>\n");
        for n in general {
            let _ = writeln!(
                out,
                "<li>{} ({}): {}</li>",
                escape(n.by.as_deref().unwrap_or("?")),
                escape(&n.at),
                escape(&n.text)
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("<h2>Before and after</h2>\n");
    if diffs.is_empty() {
        out.push_str("<p>No end snapshot yet.</p>\n");
    } else {
        out.push_str(
            "<table><tr><th>Probe</th><th>Before</th><th>After</th><th>Changes</th></tr>\n",
        );
        for d in diffs.iter().filter(|d| d.is_notable()) {
            let changes = if d.changes.is_empty() {
                "still failing".to_string()
            } else {
                d.changes
                    .iter()
                    .map(|c| {
                        format!(
                            "<span class=\"{}\">{}</span> {}: {} → {}{}",
                            verdict_word(c.verdict).to_lowercase(),
                            verdict_word(c.verdict),
                            escape(&c.what),
                            escape(&c.before),
                            escape(&c.after),
                            if c.note.is_empty() {
                                String::new()
                            } else {
                                format!(" ({})", escape(&c.note))
                            }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("<br>")
            };
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{changes}</td></tr>",
                escape(&d.title),
                d.before.map(status_html).unwrap_or("—".into()),
                d.after.map(status_html).unwrap_or("—".into()),
            );
        }
        out.push_str("</table>\n");
        let unchanged = diffs.iter().filter(|d| !d.is_notable()).count();
        if unchanged > 0 {
            let _ = writeln!(
                out,
                "<p>{} unchanged (relative ages aside).</p>",
                probes_word(unchanged)
            );
        }
    }
    out
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
