//! The values `report.html` renders (see [`super::report::html`]): every one plain text
//! (the template escapes it), times as [`When`]s.

use serde::Serialize;

use super::state::StepStatus;
use crate::theme::{Chip, When};

/// The report as `report.html` sees it. Every value is plain text (the template escapes
/// it); times are [`When`]s.
#[derive(Serialize)]
pub(super) struct ReportPage {
    /// A file opened from disk: the theme's stylesheet inlined, no scripts, no links into
    /// a server.
    pub(super) standalone: bool,
    /// The theme's `style.css`, for a standalone page.
    pub(super) inline_css: Option<String>,
    pub(super) run: RunView,
    pub(super) attention: Attention,
    pub(super) steps: Vec<StepView>,
    pub(super) notes: Vec<NoteView>,
    pub(super) before_after: BeforeAfter,
    pub(super) anomalies: Vec<String>,
    /// Under `serve`: the walkthrough and the other formats, relative to the report.
    pub(super) links: Option<Links>,
}

#[derive(Serialize)]
pub(super) struct Links {
    pub(super) walkthrough: String,
    pub(super) guide: String,
    pub(super) md: String,
    pub(super) json: String,
    pub(super) runs: String,
}

#[derive(Serialize)]
pub(super) struct RunView {
    pub(super) id: String,
    pub(super) guide: String,
    pub(super) guide_title: String,
    pub(super) guide_sha256: String,
    pub(super) target_name: String,
    /// Redacted, as the log stores it.
    pub(super) target_url: String,
    pub(super) host: String,
    pub(super) operators: String,
    pub(super) started: When,
    pub(super) finished: Option<When>,
    pub(super) tool: String,
    /// `completed`, `failed`, `abandoned`, `open`.
    pub(super) outcome: &'static str,
    /// "completed", "open (2 of 3 steps settled)".
    pub(super) outcome_text: String,
}

#[derive(Serialize)]
pub(super) struct Attention {
    pub(super) any: bool,
    pub(super) steps: Vec<FlaggedStep>,
    /// Nothing verified, skipped probes, refused sign-offs, unticked tasks.
    pub(super) flags: Vec<FlagView>,
    pub(super) unexpected: usize,
    pub(super) still_failing: Vec<StillFailing>,
    pub(super) log_problems: Vec<String>,
}

#[derive(Serialize)]
pub(super) struct FlaggedStep {
    pub(super) number: usize,
    pub(super) title: String,
    pub(super) status: &'static str,
    pub(super) by: String,
    pub(super) reason: String,
}

#[derive(Serialize)]
pub(super) struct FlagView {
    pub(super) number: usize,
    pub(super) title: String,
    pub(super) text: String,
}

#[derive(Serialize)]
pub(super) struct RefusalView {
    pub(super) at: When,
    pub(super) by: String,
    pub(super) failing: String,
}

#[derive(Serialize)]
pub(super) struct StillFailing {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) before: Option<Chip>,
    pub(super) after: Option<Chip>,
}

#[derive(Serialize)]
pub(super) struct StepView {
    pub(super) number: usize,
    pub(super) title: String,
    /// `pending`, `done`, `overridden`, … (the walkthrough's `data-status`).
    pub(super) status: StepStatus,
    pub(super) status_text: &'static str,
    pub(super) settled: Option<When>,
    pub(super) by: Option<String>,
    pub(super) via: Option<String>,
    pub(super) reason: Option<String>,
    pub(super) notes: Vec<NoteView>,
    pub(super) tasks: Vec<TaskView>,
    pub(super) reopened: Vec<ReopenView>,
    /// What the sign-off verified, or "Nothing verified: …".
    pub(super) verified: Option<String>,
    pub(super) nothing_verified: bool,
    pub(super) refusals: Vec<RefusalView>,
    pub(super) has_probes: bool,
    pub(super) results: Vec<ResultView>,
}

#[derive(Serialize)]
pub(super) struct NoteView {
    pub(super) by: String,
    pub(super) at: When,
    pub(super) text: String,
}

#[derive(Serialize)]
pub(super) struct TaskView {
    pub(super) task: usize,
    pub(super) text: String,
    pub(super) done: bool,
    /// `None`: never ticked.
    pub(super) at: Option<When>,
    pub(super) by: String,
}

#[derive(Serialize)]
pub(super) struct ReopenView {
    pub(super) at: When,
    pub(super) by: String,
    pub(super) reason: String,
    /// What the step was before it was reopened.
    pub(super) was: &'static str,
}

#[derive(Serialize)]
pub(super) struct ResultView {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) chip: Chip,
    pub(super) summary: String,
    pub(super) checked: When,
    pub(super) expected: Option<String>,
    pub(super) observed: Option<String>,
    pub(super) evidence: Vec<(String, String)>,
    pub(super) hint: Option<HintView>,
    pub(super) target_name: String,
    pub(super) target_url: String,
    pub(super) duration_ms: String,
}

#[derive(Serialize)]
pub(super) struct HintView {
    pub(super) text: String,
    /// Where the fix is explained: a link when the page can reach the guide.
    pub(super) url: Option<String>,
    /// The docs path of that section, when there is no link to give.
    pub(super) path: Option<String>,
}

#[derive(Serialize)]
pub(super) struct BeforeAfter {
    /// Both snapshots exist.
    pub(super) compared: bool,
    pub(super) rows: Vec<DiffRow>,
    /// "5 probes unchanged (relative ages aside).", or empty.
    pub(super) unchanged: String,
}

#[derive(Serialize)]
pub(super) struct DiffRow {
    pub(super) id: String,
    pub(super) title: String,
    pub(super) before: Option<Chip>,
    pub(super) after: Option<Chip>,
    pub(super) still_failing: bool,
    pub(super) changes: Vec<ChangeView>,
}

#[derive(Serialize)]
pub(super) struct ChangeView {
    /// `expected`, `unexpected`, `changed` (a class).
    pub(super) verdict: &'static str,
    /// As the Markdown report writes it (`UNEXPECTED` in capitals).
    pub(super) verdict_text: &'static str,
    pub(super) what: String,
    pub(super) before: String,
    pub(super) after: String,
    pub(super) note: String,
}
