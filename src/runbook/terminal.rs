//! The walkthrough in a terminal: each step's text, commands and live probe results, then
//! a prompt — done, skip (reason), re-run probes, note, override (reason), quit.
//!
//! Input and output are plain `BufRead`/`Write`, so a script (or a test) can drive it
//! through stdin. Everything shown from probe results (which carry data read from Redis)
//! is stripped of control characters: nothing read from Redis can move the cursor.

use std::io::{BufRead, Write};

use super::RunbookError;
use super::log::Actor;
use super::session::{Session, SignOff};
use super::state::{RunState, StepStatus};
use super::termtext::{self, Style};
use crate::probe::result::Tally;
use crate::probe::{ProbeResult, Status};

/// How the terminal walkthrough ended.
#[derive(Debug)]
pub(crate) enum TermEnd {
    /// The run is finished (by this terminal or someone else).
    Finished,
    /// The operator quit; the run stays open.
    Quit,
    /// Input ended; the run stays open.
    InputClosed,
}

/// Terminal settings.
#[derive(Debug, Clone)]
pub(crate) struct TermOptions {
    pub style: Style,
    /// Show every probe's evidence, not only for failures.
    pub verbose: bool,
    /// Where hint links point: `base_url`, else the site under `serve` (`http://` + bind).
    pub link_base: String,
    /// Hint links as OSC 8 hyperlinks (stdout is a terminal that takes them).
    pub hyperlinks: bool,
}

/// A hint's docs-relative link (`ops/REDIS.md#anchor`) as a full URL under `base`.
pub(crate) fn hint_url(base: &str, link: &str) -> String {
    if link.contains("://") {
        return link.to_string();
    }
    let (page, anchor) = match link.split_once('#') {
        Some((p, a)) => (p, Some(a)),
        None => (link, None),
    };
    let mut url = format!(
        "{}/{}",
        base.trim_end_matches('/'),
        crate::content::paths::output_path(std::path::Path::new(page))
    );
    if let Some(a) = anchor {
        url.push('#');
        url.push_str(a);
    }
    url
}

/// `url` shown as itself, and clickable (OSC 8) where the terminal supports it.
fn link_text(url: &str, hyperlinks: bool) -> String {
    if hyperlinks {
        format!("\x1b]8;;{url}\x1b\\{url}\x1b]8;;\x1b\\")
    } else {
        url.to_string()
    }
}

const HELP: &str = "  d, done             sign the step off (its probes run again as evidence)
  o, override REASON  sign off although a probe failed, with the reason
  s, skip REASON      skip the step, with the reason
  r, rerun            run the step's probes again
  t, tick N           tick task N of the step (u N unticks it)
  n, note TEXT        add a note to the step
  reopen N REASON     open settled step N again
  abandon REASON      end the run early (the report says why)
  q, quit             leave; the run stays open (--resume RUN_ID)
  Enter               look again (a browser or another terminal may have moved on)
  ?, help             this list";

const PROMPT: &str = "[d]one [s]kip [r]erun [t]ick [n]ote [o]verride [q]uit [?] > ";

/// Control characters out (ANSI escapes from Redis data included); one line.
pub(crate) fn plain(s: &str) -> String {
    s.chars()
        .map(|c| if c == '\n' || c == '\t' { ' ' } else { c })
        .filter(|c| !c.is_control())
        .collect()
}

fn io(e: std::io::Error) -> RunbookError {
    RunbookError::io("<terminal>", e)
}

/// Lines describing probe results: status, title, summary; details for non-passing ones.
pub(crate) fn result_lines(results: &[ProbeResult], opts: &TermOptions) -> Vec<String> {
    let verbose = opts.verbose;
    let mut out = Vec::new();
    if results.is_empty() {
        out.push("  (no probes in this step: check it by eye)".to_string());
    }
    for r in results {
        out.push(format!(
            "  {} {:<7} {} — {}",
            r.status.icon(),
            r.status.word(),
            plain(&r.title),
            plain(&r.summary)
        ));
        let detail = verbose || !matches!(r.status, Status::Pass | Status::Skipped);
        if !detail {
            continue;
        }
        if let Some(e) = &r.expected {
            out.push(format!("            expected: {}", plain(e)));
        }
        if let Some(o) = &r.observed {
            out.push(format!("            observed: {}", plain(o)));
        }
        for e in &r.evidence {
            out.push(format!(
                "            {}: {}",
                plain(&e.label),
                plain(&e.value)
            ));
        }
        if let Some(h) = &r.hint {
            out.push(format!("            hint: {}", plain(&h.text)));
            if let Some(l) = h.link.as_deref() {
                let url = hint_url(&opts.link_base, &plain(l));
                out.push(format!("            {}", link_text(&url, opts.hyperlinks)));
            }
        }
    }
    out
}

/// "Before: 2 probes: 1 pass, … — not passing: t-crumbs (Breadcrumbs are fresh)".
fn before_line(results: &[ProbeResult]) -> String {
    let mut line = tally_line("Before", results);
    let failing: Vec<String> = results
        .iter()
        .filter(|r| !matches!(r.status, Status::Pass | Status::Skipped))
        .map(|r| format!("{} ({})", plain(&r.id), plain(&r.title)))
        .collect();
    if !failing.is_empty() {
        line.push_str(" — not passing: ");
        line.push_str(&failing.join(", "));
    }
    line
}

fn tally_line(label: &str, results: &[ProbeResult]) -> String {
    // Only the counts that are not zero: the line fits 80 columns with what is failing.
    let t = Tally::of(results);
    let counts: Vec<String> = [
        (t.pass, "pass"),
        (t.warn, "warn"),
        (t.fail, "fail"),
        (t.error, "error"),
        (t.skipped, "skipped"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, w)| format!("{n} {w}"))
    .collect();
    format!(
        "{label}: {} probe{}{}{}",
        t.total,
        if t.total == 1 { "" } else { "s" },
        if counts.is_empty() { "" } else { ": " },
        counts.join(", ")
    )
}

fn write_lines<W: Write>(out: &mut W, lines: &[String]) -> Result<(), RunbookError> {
    for l in lines {
        writeln!(out, "{l}").map_err(io)?;
    }
    out.flush().map_err(io)
}

/// `line` wrapped to `width` between words, never inside one: continuation lines are
/// indented four more than the line's own indent. A word longer than the width (a URL, a
/// path) gets a line of its own.
pub(crate) fn fit(line: &str, width: usize) -> Vec<String> {
    if line.chars().count() <= width || line.contains('\x1b') {
        return vec![line.to_string()];
    }
    let indent = line.len() - line.trim_start_matches(' ').len();
    let hang = " ".repeat((indent + 4).min(width / 2));
    let mut out = Vec::new();
    let first = termtext::wrap(line.trim_start(), width.saturating_sub(indent).max(20));
    let mut rest = String::new();
    for (i, l) in first.into_iter().enumerate() {
        if i == 0 {
            out.push(format!("{}{l}", &line[..indent]));
        } else {
            if !rest.is_empty() {
                rest.push(' ');
            }
            rest.push_str(&l);
        }
    }
    if !rest.is_empty() {
        for l in termtext::wrap(&rest, width.saturating_sub(hang.len()).max(20)) {
            out.push(format!("{hang}{l}"));
        }
    }
    out
}

/// Writes `lines`, each [`fit`] to `width`.
fn say<W: Write>(out: &mut W, width: usize, lines: &[String]) -> Result<(), RunbookError> {
    let fitted: Vec<String> = lines.iter().flat_map(|l| fit(l, width)).collect();
    write_lines(out, &fitted)
}

/// The run's header: one fact a line, so none is cut at the terminal's edge.
pub(crate) fn header(session: &Session, state: &RunState) -> Vec<String> {
    vec![
        format!("{} ({})", plain(&state.guide_title), state.guide),
        format!("Run {} on host {}", state.run_id, plain(&state.host)),
        format!("Target {} ({})", state.target.name, state.target.url),
        format!("Log {}", session.log.path().display()),
    ]
}

/// Step `number`'s tasks with their ticks, numbered for `t N`.
fn task_lines(session: &Session, state: &RunState, number: usize) -> Vec<String> {
    let Some(step) = state.step(number) else {
        return Vec::new();
    };
    let mut tasks = super::verify::tasks(step);
    if tasks.is_empty()
        && let Some(g) = session.guide.step(number)
    {
        tasks = g
            .tasks
            .iter()
            .enumerate()
            .map(|(i, t)| super::verify::TaskLine {
                task: i + 1,
                text: t.clone(),
                done: false,
                at: None,
                by: None,
            })
            .collect();
    }
    if tasks.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![String::new(), "Tasks (t N ticks, u N unticks):".to_string()];
    for t in tasks {
        lines.push(format!(
            "  [{}] {}. {}{}",
            if t.done { "x" } else { " " },
            t.task,
            plain(&t.text),
            match (&t.at, t.done) {
                (Some(_), true) =>
                    format!(" (ticked by {})", plain(t.by.as_deref().unwrap_or("?"))),
                _ => String::new(),
            }
        ));
    }
    lines
}

/// What a resumed run looks like: what is settled, what was said, where it stands.
fn recap(state: &RunState) -> Vec<String> {
    let mut lines = Vec::new();
    let settled: Vec<_> = state
        .steps
        .iter()
        .filter(|s| s.status.is_settled())
        .collect();
    if !settled.is_empty() {
        lines.push(format!(
            "Already settled ({} of {} steps):",
            settled.len(),
            state.steps.len()
        ));
        for s in settled {
            lines.push(format!(
                "  {}. {} — {} by {}{}",
                s.number,
                plain(&s.title),
                s.status.word(),
                plain(s.settled_by.as_deref().unwrap_or("?")),
                s.reason
                    .as_deref()
                    .map(|r| format!(" ({})", plain(r)))
                    .unwrap_or_default()
            ));
        }
    }
    for n in &state.notes {
        lines.push(format!(
            "  Note{} by {}: {}",
            n.step.map(|s| format!(" on step {s}")).unwrap_or_default(),
            plain(n.by.as_deref().unwrap_or("?")),
            plain(&n.text)
        ));
    }
    if !lines.is_empty()
        && let Some(c) = state.current_step()
    {
        lines.push(format!(
            "Next: step {} of {}, {}.",
            c.number,
            state.steps.len(),
            plain(&c.title)
        ));
    }
    lines
}

/// Shows one step: its heading, its text wrapped, its commands and where its probes are.
pub(crate) fn step_lines(
    session: &Session,
    state: &RunState,
    number: usize,
    style: &Style,
) -> Vec<String> {
    let total = state.steps.len();
    let mut lines = vec![String::new(), format!("━━ Step {number} of {total} ━━")];
    let Some(step) = session.guide.step(number) else {
        return lines;
    };
    let titles: Vec<String> = session
        .guide
        .decls(&step.probes)
        .iter()
        .map(|d| format!("◆ probe {}: {}", d.id, plain(&d.title)))
        .collect();
    // The commands with the values of the run's target, as the guide page shows them.
    let scope = session.ws.config.scope(&state.target.name);
    let markdown = crate::vars::substitute(&step.markdown, &scope)
        .map(|(text, _)| text)
        .unwrap_or_else(|| step.markdown.clone());
    lines.extend(termtext::render(&markdown, style, &|n| {
        titles
            .get(n)
            .cloned()
            .unwrap_or_else(|| "◆ probe".to_string())
    }));
    lines
}

/// Walks the run interactively until it is finished, the operator quits or input ends.
pub(crate) async fn walk<R: BufRead, W: Write>(
    session: &Session,
    actor: &Actor,
    mut input: R,
    out: &mut W,
    opts: &TermOptions,
) -> Result<TermEnd, RunbookError> {
    let width = opts.style.width;
    let state = session.state()?;
    say(out, width, &header(session, &state))?;
    if let Some(before) = &state.before {
        say(out, width, &[before_line(before)])?;
    }
    // Resumed: what is already settled, so the operator knows where the run stands.
    say(out, width, &recap(&state))?;
    let mut shown: Option<usize> = None;
    let mut settled_here = false;
    let mut line = String::new();
    loop {
        let state = session.state()?;
        if state.is_finished() {
            say(out, width, &summary_lines(&state))?;
            return Ok(TermEnd::Finished);
        }
        // Another terminal or a browser may have settled the step shown here.
        if let Some(n) = shown
            && let Some(s) = state.step(n)
            && s.status.is_settled()
            && !settled_here
        {
            say(
                out,
                width,
                &[format!(
                    "Step {n} was marked {} by {} in the {}.",
                    s.status.word(),
                    plain(s.settled_by.as_deref().unwrap_or("someone")),
                    s.settled_via.as_deref().unwrap_or("log")
                )],
            )?;
        }
        let Some(current) = state.current_step().map(|s| s.number) else {
            say(
                out,
                width,
                &[String::new(), "Every step is done or skipped.".into()],
            )?;
            write!(
                out,
                "[f]inish the run, [n]ote TEXT, reopen N, abandon, [q]uit > "
            )
            .map_err(io)?;
            out.flush().map_err(io)?;
            line.clear();
            if input.read_line(&mut line).map_err(io)? == 0 {
                return closed(out, width, &state);
            }
            let (cmd, arg) = split_command(&line);
            let outcome = match cmd.as_str() {
                "f" | "finish" => {
                    let state = session.finish(None, actor).await?;
                    say(out, width, &summary_lines(&state))?;
                    return Ok(TermEnd::Finished);
                }
                "n" | "note" => note(session, None, arg, &mut input, out, actor),
                "reopen" => reopen(session, arg, &mut input, out, actor),
                "abandon" => match abandon(session, arg, &mut input, out, actor).await? {
                    Some(state) => {
                        say(out, width, &summary_lines(&state))?;
                        return Ok(TermEnd::Finished);
                    }
                    None => Ok(()),
                },
                "q" | "quit" => return left_open(out, width, &state),
                "" => Ok(()),
                _ => say(
                    out,
                    width,
                    &["  f, n TEXT, reopen N REASON, abandon REASON or q".into()],
                ),
            };
            match outcome {
                Ok(()) => {}
                Err(RunbookError::Refused(m)) => say(out, width, &[format!("  {}", plain(&m))])?,
                Err(e) => return Err(e),
            }
            shown = None;
            continue;
        };
        if shown != Some(current) {
            write_lines(out, &step_lines(session, &state, current, &opts.style))?;
            say(out, width, &task_lines(session, &state, current))?;
            say(out, width, &[String::new(), "Probes:".into()])?;
            match session.run_step_probes(current, actor).await {
                Ok(results) => say(out, width, &result_lines(&results, opts))?,
                Err(RunbookError::Refused(m)) => say(out, width, &[format!("  {m}")])?,
                Err(e) => return Err(e),
            }
            shown = Some(current);
            settled_here = false;
        }
        write!(out, "{PROMPT}").map_err(io)?;
        out.flush().map_err(io)?;
        line.clear();
        if input.read_line(&mut line).map_err(io)? == 0 {
            return closed(out, width, &state);
        }
        let (cmd, arg) = split_command(&line);
        let outcome = match cmd.as_str() {
            "d" | "done" => sign(session, current, None, out, opts, actor).await,
            "o" | "override" => {
                let reason = ask_if_empty(arg, "Override reason: ", &mut input, out)?;
                if reason.is_empty() {
                    say(out, width, &["  An override needs a reason.".into()])
                } else {
                    sign(session, current, Some(&reason), out, opts, actor).await
                }
            }
            "s" | "skip" => {
                let reason = ask_if_empty(arg, "Why skip it? ", &mut input, out)?;
                match session.skip(current, &reason, actor) {
                    Ok(()) => say(out, width, &[format!("  – Step {current} skipped.")]),
                    Err(e) => Err(e),
                }
            }
            "r" | "rerun" | "re-run" => match session.run_step_probes(current, actor).await {
                Ok(results) => say(out, width, &result_lines(&results, opts)),
                Err(e) => Err(e),
            },
            "t" | "tick" | "u" | "untick" => {
                let done = matches!(cmd.as_str(), "t" | "tick");
                match arg.trim().parse::<usize>() {
                    Ok(task) => match session.tick(current, task, done, actor) {
                        Ok(()) => {
                            let mut lines = vec![format!(
                                "  Task {task} {}.",
                                if done { "ticked" } else { "unticked" }
                            )];
                            lines.extend(task_lines(session, &session.state()?, current));
                            say(out, width, &lines)
                        }
                        Err(e) => Err(e),
                    },
                    Err(_) => say(
                        out,
                        width,
                        &["  Which task? t N ticks task N of this step (u N unticks it).".into()],
                    ),
                }
            }
            "n" | "note" => note(session, Some(current), arg, &mut input, out, actor),
            "reopen" => {
                let r = reopen(session, arg, &mut input, out, actor);
                if r.is_ok() {
                    // The reopened step may come before this one: show where the run is.
                    shown = None;
                }
                r
            }
            "abandon" => match abandon(session, arg, &mut input, out, actor).await? {
                Some(state) => {
                    say(out, width, &summary_lines(&state))?;
                    return Ok(TermEnd::Finished);
                }
                None => Ok(()),
            },
            "q" | "quit" => return left_open(out, width, &state),
            "?" | "h" | "help" => write_lines(out, &[HELP.to_string()]),
            "" => Ok(()),
            other => say(
                out,
                width,
                &[format!(
                    "  Unknown command {:?}; ? lists them.",
                    plain(other)
                )],
            ),
        };
        if outcome.is_ok() && matches!(cmd.as_str(), "d" | "done" | "o" | "override" | "s" | "skip")
        {
            settled_here = session
                .state()?
                .step(current)
                .is_some_and(|s| s.status.is_settled());
        }
        match outcome {
            Ok(()) => {}
            // Someone else settled the step, or the action is not allowed: say so, go on.
            Err(RunbookError::Refused(m)) => say(out, width, &[format!("  {}", plain(&m))])?,
            Err(e) => return Err(e),
        }
    }
}

/// `reopen N REASON`: opens settled step N again (asks for the reason when missing).
fn reopen<R: BufRead, W: Write>(
    session: &Session,
    arg: String,
    input: &mut R,
    out: &mut W,
    actor: &Actor,
) -> Result<(), RunbookError> {
    let (n, reason) = match arg.split_once(char::is_whitespace) {
        Some((n, r)) => (n.to_string(), r.trim().to_string()),
        None => (arg, String::new()),
    };
    let Ok(step) = n.parse::<usize>() else {
        return write_lines(out, &["  Which step? reopen N REASON".into()]);
    };
    let reason = ask_if_empty(reason, "Why reopen it? ", input, out)?;
    session.reopen(step, &reason, actor)?;
    write_lines(out, &[format!("  Step {step} reopened.")])
}

/// `abandon REASON`: ends the run early; `None` when the operator gave no reason.
async fn abandon<R: BufRead, W: Write>(
    session: &Session,
    arg: String,
    input: &mut R,
    out: &mut W,
    actor: &Actor,
) -> Result<Option<RunState>, RunbookError> {
    let reason = ask_if_empty(arg, "Why abandon the run? ", input, out)?;
    if reason.is_empty() {
        write_lines(
            out,
            &["  Abandoning needs a reason; the run goes on.".into()],
        )?;
        return Ok(None);
    }
    session.finish(Some(&reason), actor).await.map(Some)
}

async fn sign<W: Write>(
    session: &Session,
    step: usize,
    reason: Option<&str>,
    out: &mut W,
    opts: &TermOptions,
    actor: &Actor,
) -> Result<(), RunbookError> {
    match session.sign_off(step, reason, actor).await? {
        SignOff::Done(results) => {
            let blocked = !super::state::blocking(&results).is_empty();
            let word = if blocked {
                "signed off with an override"
            } else {
                "done"
            };
            say(out, opts.style.width, &[format!("  ✔ Step {step} {word}.")])
        }
        SignOff::Blocked(results) => {
            let mut lines = result_lines(&results, opts);
            let failed: Vec<String> = super::state::blocking(&results)
                .iter()
                .map(|r| plain(&r.title))
                .collect();
            lines.push(format!(
                "  ✖ Step {step} cannot be marked done: {} did not pass. Fix it and [r]erun, or [o]verride REASON.",
                failed.join(", ")
            ));
            say(out, opts.style.width, &lines)
        }
    }
}

fn note<R: BufRead, W: Write>(
    session: &Session,
    step: Option<usize>,
    arg: String,
    input: &mut R,
    out: &mut W,
    actor: &Actor,
) -> Result<(), RunbookError> {
    let text = ask_if_empty(arg, "Note: ", input, out)?;
    if text.is_empty() {
        return write_lines(out, &["  Nothing noted.".into()]);
    }
    session.note(step, &text, actor)?;
    write_lines(out, &["  Noted.".into()])
}

fn ask_if_empty<R: BufRead, W: Write>(
    arg: String,
    question: &str,
    input: &mut R,
    out: &mut W,
) -> Result<String, RunbookError> {
    if !arg.is_empty() {
        return Ok(arg);
    }
    write!(out, "{question}").map_err(io)?;
    out.flush().map_err(io)?;
    let mut line = String::new();
    input.read_line(&mut line).map_err(io)?;
    Ok(line.trim().to_string())
}

fn split_command(line: &str) -> (String, String) {
    let line = line.trim();
    match line.split_once(char::is_whitespace) {
        Some((c, rest)) => (c.to_lowercase(), rest.trim().to_string()),
        None => (line.to_lowercase(), String::new()),
    }
}

fn left_open<W: Write>(
    out: &mut W,
    width: usize,
    state: &RunState,
) -> Result<TermEnd, RunbookError> {
    say(
        out,
        width,
        &[format!(
            "Run {} left open at step {} of {}; continue with `bisk-docs runbook {} --resume {}`.",
            state.run_id,
            state
                .current_step()
                .map(|s| s.number)
                .unwrap_or(state.steps.len()),
            state.steps.len(),
            state.guide,
            state.run_id
        )],
    )?;
    Ok(TermEnd::Quit)
}

fn closed<W: Write>(out: &mut W, width: usize, state: &RunState) -> Result<TermEnd, RunbookError> {
    writeln!(out).map_err(io)?;
    left_open(out, width, state)?;
    Ok(TermEnd::InputClosed)
}

/// The closing lines: steps by status and the after snapshot.
pub(crate) fn summary_lines(state: &RunState) -> Vec<String> {
    let mut lines = vec![
        String::new(),
        format!(
            "Run {} {}.",
            state.run_id,
            match state.outcome {
                Some(o) => format!("{o:?}").to_lowercase(),
                None => "open".into(),
            }
        ),
    ];
    for s in &state.steps {
        let reason = s
            .reason
            .as_deref()
            .map(|r| format!(" — {}", plain(r)))
            .unwrap_or_default();
        lines.push(format!(
            "  {:>2}. {:<16} {}{reason}",
            s.number,
            s.status.word(),
            plain(&s.title)
        ));
    }
    if let Some(after) = &state.after {
        lines.push(tally_line("After", after));
    }
    lines.push(format!(
        "Report: bisk-docs runbook report {} --format md",
        state.run_id
    ));
    lines
}

/// `--yes`: runs every step's probes and signs off the steps whose probes pass; a step whose
/// probes fail is recorded as failed (never overridden). Then finishes the run.
pub(crate) async fn walk_yes<W: Write>(
    session: &Session,
    actor: &Actor,
    out: &mut W,
    opts: &TermOptions,
) -> Result<RunState, RunbookError> {
    let state = session.state()?;
    say(out, opts.style.width, &header(session, &state))?;
    if let Some(before) = &state.before {
        say(out, opts.style.width, &[before_line(before)])?;
    }
    for s in state
        .steps
        .iter()
        .filter(|s| s.status == StepStatus::Pending)
    {
        let n = s.number;
        let results = match session.sign_off(n, None, actor).await? {
            SignOff::Done(r) => {
                say(
                    out,
                    opts.style.width,
                    &[format!("✔ Step {n}: {}", plain(&s.title))],
                )?;
                r
            }
            SignOff::Blocked(r) => {
                let failed: Vec<String> = super::state::blocking(&r)
                    .iter()
                    .map(|x| x.id.clone())
                    .collect();
                session.fail_step(
                    n,
                    r.clone(),
                    &format!(
                        "probes failed: {} (--yes never overrides)",
                        failed.join(", ")
                    ),
                    actor,
                )?;
                say(
                    out,
                    opts.style.width,
                    &[format!("✖ Step {n}: {}", plain(&s.title))],
                )?;
                r
            }
        };
        say(out, opts.style.width, &result_lines(&results, opts))?;
    }
    let state = session.finish(None, actor).await?;
    say(out, opts.style.width, &summary_lines(&state))?;
    Ok(state)
}

/// Whether a finished run should make a script fail: a step failed or the final snapshot
/// has a failing probe.
pub(crate) fn run_failed(state: &RunState) -> bool {
    state.steps.iter().any(|s| s.status == StepStatus::Failed)
        || state
            .after
            .as_ref()
            .is_some_and(|a| !super::state::blocking(a).is_empty())
}

#[cfg(test)]
mod link_tests {
    #[test]
    fn hint_links_are_full_urls_and_osc8_only_when_asked() {
        assert_eq!(
            super::hint_url(
                "https://docs.example/",
                "ops/REDIS_CACHE.md#troubleshooting-b"
            ),
            "https://docs.example/ops/REDIS_CACHE.html#troubleshooting-b"
        );
        assert_eq!(
            super::hint_url("http://127.0.0.1:3000", "ops/README.md"),
            "http://127.0.0.1:3000/ops/index.html"
        );
        assert_eq!(super::link_text("http://h/x", false), "http://h/x");
        assert_eq!(
            super::link_text("http://h/x", true),
            "\x1b]8;;http://h/x\x1b\\http://h/x\x1b]8;;\x1b\\"
        );
    }
}
