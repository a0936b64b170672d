//! `bisk-docs check`: run declared probes headlessly, for operators, deploy scripts and CI.
//!
//! Exit codes: 0 nothing failed (warn passes unless `--strict`), 1 a probe failed or
//! errored, 2 usage/config/declaration errors (unknown target, bad probe block, unknown id).

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, ValueEnum};

use super::{Common, Failure, output};
use crate::config::Config;
use crate::probe::RunOptions;
use crate::probe::declare::discover;
use crate::probe::result::{ProbeResult, Status, Tally};
use crate::probe::run::runner;

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub common: Common,
    /// Pages to check (docs-relative, or paths under the docs folder); default: all.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Named target from `[targets.NAME]` (default: `[redis]`).
    #[arg(long, value_name = "NAME")]
    pub target: Option<String>,
    /// Run only the probes with these ids (repeatable).
    #[arg(long, value_name = "ID")]
    pub only: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Treat warnings as failures.
    #[arg(long)]
    pub strict: bool,
    /// Skip probes that write (cache.roundtrip).
    #[arg(long)]
    pub read_only: bool,
    /// Accept a run that judged nothing (every probe skipped, or none found), and a
    /// `--target` all of whose probes were skipped; without it such a run exits 1.
    #[arg(long)]
    pub allow_skipped: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Junit,
}

pub(super) fn run(args: CheckArgs) -> Result<(), Failure> {
    let root = &args.common.root;
    let config = Config::load(root).map_err(|e| Failure::Usage(e.to_string()))?;
    let named = config
        .target(args.target.as_deref())
        .map_err(|e| Failure::Usage(e.to_string()))?;
    let docs_dir = root.join(&config.docs_dir);
    crate::content::walk::docs_root(&docs_dir).map_err(|e| Failure::Reported(e.to_string()))?;
    let paths: Vec<PathBuf> = args
        .paths
        .iter()
        .map(|p| {
            // Accept paths relative to the root or the current directory.
            if p.is_relative() && root.join(p).exists() && !p.exists() {
                root.join(p)
            } else {
                p.clone()
            }
        })
        .collect();
    // One walk and one parse per page: the probes and the unset values below both read it.
    let index = crate::content::index::Index::load(&docs_dir);
    let mut decls = match discover::discover(&index, &paths, Some((&config, &named.name))) {
        Ok(d) => d,
        Err(diags) => {
            for d in &diags {
                output::diagnostic(d);
            }
            // A path that names no page is not a declaration error: say so in the summary.
            let missing: Vec<String> = paths
                .iter()
                .filter(|p| !p.exists())
                .map(|p| p.display().to_string())
                .collect();
            let n = diags
                .iter()
                .filter(|d| d.is_error())
                .count()
                .saturating_sub(missing.len());
            let summary = match (missing.is_empty(), n) {
                (true, n) => format!("{n} probe declaration error(s)"),
                (false, 0) => format!("no such page: {}", missing.join(", ")),
                (false, n) => format!(
                    "no such page: {}; {n} probe declaration error(s)",
                    missing.join(", ")
                ),
            };
            return Err(Failure::Usage(summary));
        }
    };
    let config_diags = discover::config_errors(&decls, &config);
    if !config_diags.is_empty() {
        for d in &config_diags {
            output::diagnostic(d);
        }
        return Err(Failure::Usage(format!(
            "{} probe declaration error(s)",
            config_diags.len()
        )));
    }
    if !args.only.is_empty() {
        let unknown: Vec<&String> = args
            .only
            .iter()
            .filter(|id| !decls.iter().any(|d| &d.id == *id))
            .collect();
        if !unknown.is_empty() {
            return Err(Failure::Usage(format!(
                "no probe with id {}",
                unknown
                    .iter()
                    .map(|s| format!("{s:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        decls.retain(|d| args.only.contains(&d.id));
    }
    // The values a reader of these pages would miss on this target (the probes using one
    // are skipped with the cause in the results).
    if !args.common.quiet {
        let unset = discover::unset_values(&index, &config, &named.name);
        // A handful is shown as is; more would push the results off the screen, so they
        // become one line with a count (`--verbose` and `build` list each use).
        if args.common.verbose || unset.len() <= 2 {
            for d in &unset {
                output::diagnostic(d);
            }
        } else {
            output::warning(&unset_summary(&unset, &named.name, output::width()));
        }
    }
    let options = RunOptions {
        target: Some(named.name.clone()),
        read_only: args.read_only,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Other(e.into()))?;
    // `--target django`: Django is asked first, so the first line names the place it uses
    // (the runner reuses the answer; a failure is each probe's error, with its cause).
    let place = if named.name == crate::config::DJANGO_TARGET {
        match rt.block_on(crate::django::settings::resolve_target(
            &config,
            Some(crate::config::DJANGO_TARGET),
        )) {
            Ok(resolved) => resolved.target.display_place(),
            Err(_) => "(Django's CACHES could not be read)".to_string(),
        }
    } else {
        named.target.display_url()
    };
    let started = std::time::Instant::now();
    let results = rt.block_on(runner::run_all(Arc::new(config), options, &decls));
    let wall = started.elapsed();

    let mut stdout = std::io::stdout().lock();
    let lines: std::collections::HashMap<&str, usize> =
        decls.iter().map(|d| (d.id.as_str(), d.line)).collect();
    let text = match args.format {
        Format::Text => text_report(
            &results,
            &|id| lines.get(id).copied(),
            wall,
            args.common.quiet,
            &format!("{} → {place}", named.name),
            output::width(),
        ),
        Format::Json => json_report(&results, &named.name, &place, wall),
        Format::Junit => junit_report(&results, wall, args.strict),
    };
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();

    let tally = Tally::of(&results);
    let failed = tally.fail + tally.error + if args.strict { tally.warn } else { 0 };
    if failed > 0 {
        return Err(Failure::Reported(String::new()));
    }
    if !args.allow_skipped
        && let Some(why) = unjudged(&results, args.target.as_deref())
    {
        // A CI gate must not read "nothing could be checked here" as success.
        output::error(&why);
        return Err(Failure::Reported(String::new()));
    }
    Ok(())
}

/// Why a run that failed nothing still proves nothing: no probe was judged at all, or the
/// target named on the command line had every one of its probes skipped. `None` when
/// something about that target was judged.
pub(super) fn unjudged(results: &[ProbeResult], named: Option<&str>) -> Option<String> {
    let judged = |r: &&ProbeResult| r.status != Status::Skipped;
    let accept = "pass --allow-skipped if that is expected on this host";
    if results.is_empty() {
        return Some(format!(
            "nothing was judged: no probe matched (check the pages and --only given); {accept}"
        ));
    }
    let (scope, of): (Vec<&ProbeResult>, String) = match named {
        Some(t) => (
            results.iter().filter(|r| r.target.name == t).collect(),
            format!(" for target {t}"),
        ),
        None => (results.iter().collect(), String::new()),
    };
    if scope.is_empty() {
        return Some(format!(
            "nothing was judged{of}: no probe ran against it (every probe names another target); {accept}"
        ));
    }
    if scope.iter().any(judged) {
        return None;
    }
    // The most common cause says what to fix; the others are in the table above.
    let mut causes: Vec<(&str, usize)> = Vec::new();
    for r in &scope {
        match causes.iter_mut().find(|(s, _)| *s == r.summary) {
            Some((_, n)) => *n += 1,
            None => causes.push((&r.summary, 1)),
        }
    }
    causes.sort_by_key(|c| std::cmp::Reverse(c.1));
    let every = if scope.len() == 1 {
        "its only probe was skipped".to_string()
    } else {
        format!("all {} probes were skipped", scope.len())
    };
    Some(format!(
        "nothing was judged{of}: {every} ({}); {accept}",
        one_line(causes[0].0)
    ))
}

/// One warning line for many uses of unset values: how many, which names, what to do.
fn unset_summary(unset: &[crate::diag::Diagnostic], target: &str, width: usize) -> String {
    let mut names: Vec<&str> = Vec::new();
    for d in unset {
        if let Some(name) = d.message.split('`').nth(1)
            && !names.contains(&name)
        {
            names.push(name);
        }
    }
    let head = format!(
        "{} of {} for target {target}: `check --verbose` lists them (",
        plural(unset.len(), "use"),
        plural(names.len(), "unset value")
    );
    // Two lines at most, "warning: " included.
    let room = (2 * width).saturating_sub("warning: ".len() + head.chars().count() + 2);
    let mut list = String::new();
    for (i, n) in names.iter().enumerate() {
        let sep = if i == 0 { "" } else { ", " };
        let more = names.len() - i;
        if list.chars().count() + sep.len() + n.chars().count() + if more > 1 { 3 } else { 0 }
            > room
        {
            list.push_str(sep);
            list.push('…');
            break;
        }
        list.push_str(sep);
        list.push_str(n);
    }
    format!("{head}{list})")
}

fn paint(code: &str, text: &str) -> String {
    use std::io::IsTerminal;
    let on = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::io::stdout().is_terminal();
    if on {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

fn status_cell(s: Status) -> String {
    let word = format!("{} {:<7}", s.icon(), s.word());
    let code = match s {
        Status::Pass => "32",
        Status::Warn => "33",
        Status::Fail | Status::Error => "1;31",
        Status::Skipped => "2",
    };
    paint(code, &word)
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
        .chars()
        .filter(|c| !c.is_control())
        .collect()
}

/// Where the status word ends and the text under a row starts.
const INDENT: usize = 11;

/// `text` cut to `room` characters, ending in "…" when cut.
fn cut(text: &str, room: usize) -> String {
    if text.chars().count() <= room {
        return text.to_string();
    }
    let mut s: String = text.chars().take(room.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// `text` word-wrapped to `width` columns, every line indented by `indent` spaces; a word
/// longer than a line (a URL, a key name) is split so that no line overflows.
fn wrapped(out: &mut String, text: &str, indent: usize, width: usize) {
    let room = width.saturating_sub(indent).max(10);
    for line in crate::runbook::termtext::wrap(&one_line(text), room) {
        let chars: Vec<char> = line.chars().collect();
        for piece in chars.chunks(room) {
            let piece: String = piece.iter().collect();
            out.push_str(&format!("{:indent$}{}\n", "", piece.trim_end()));
        }
    }
}

fn hint_text(r: &ProbeResult) -> Option<String> {
    r.hint.as_ref().map(|h| {
        let link = h
            .link
            .as_deref()
            .map(|l| format!(" ({l})"))
            .unwrap_or_default();
        format!("hint: {}{link}", one_line(&h.text))
    })
}

/// "1 probe", "5 probes".
fn probes(n: usize) -> String {
    plural(n, "probe")
}

/// "1 use", "34 uses".
fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The text report, `width` columns wide: the target first; then the results grouped by
/// page, each row with its status, id (what `--only` takes), title (cut with "…") and
/// duration, the summary and hint wrapped under it; then, worst first, what needs
/// attention: each cause that made several probes error alike once (Redis down: one line
/// with the count, the summary, the ids, the hint), and every other failing or warning
/// probe on one line (id, page:line, summary); the tally last. The end of the output is
/// what a person sees after a long run, so that is where the failures are.
pub(super) fn text_report(
    results: &[ProbeResult],
    line_of: &dyn Fn(&str) -> Option<usize>,
    wall: std::time::Duration,
    quiet: bool,
    target: &str,
    width: usize,
) -> String {
    let mut out = String::new();
    wrapped(&mut out, target, 0, width);
    // Errors that share their summary and hint have one cause: report it once (the same
    // grouping as `/status/`'s "what is wrong now").
    let causes: Vec<(&str, Option<String>, Vec<&ProbeResult>)> =
        crate::probe::show::causes::by_cause(results.iter().filter(|r| r.status == Status::Error))
            .into_iter()
            .filter(|c| c.results.len() > 1)
            .map(|c| (c.summary, hint_text(c.results[0]), c.results))
            .collect();
    let collapsed = |r: &ProbeResult| {
        causes
            .iter()
            .any(|(_, _, rs)| rs.iter().any(|x| std::ptr::eq(*x, r)))
    };
    let shown: Vec<&ProbeResult> = results
        .iter()
        .filter(|r| !collapsed(r))
        .filter(|r| !(quiet && matches!(r.status, Status::Pass | Status::Skipped)))
        .collect();
    // Columns: status (9) · id · title · duration (11), two spaces apart. The id column is
    // as wide as the longest id (an id is what `--only` takes: cut only when fewer than 4
    // columns would be left for the title); the title gets the rest, cut with "…".
    let fixed = 9 + 2 + 2 + 2 + 11;
    let free = width.saturating_sub(fixed);
    let id_width = shown
        .iter()
        .map(|r| r.id.chars().count())
        .max()
        .unwrap_or(0)
        .min(free.saturating_sub(4));
    let title_room = free - id_width;
    let mut pages: Vec<&str> = shown.iter().map(|r| r.page.as_str()).collect();
    pages.dedup();
    let mut seen: Vec<&str> = Vec::new();
    for page in pages {
        if seen.contains(&page) {
            continue;
        }
        seen.push(page);
        out.push('\n');
        out.push_str(&cut(&one_line(page), width));
        out.push('\n');
        for r in shown.iter().filter(|r| r.page == page) {
            let id = cut(&one_line(&r.id), id_width);
            let title = cut(&one_line(&r.title), title_room);
            out.push_str(&format!(
                "{}  {:<id_width$}  {:<title_room$}  {:>8.1} ms\n",
                status_cell(r.status),
                id,
                title,
                r.duration_ms,
            ));
            wrapped(&mut out, &r.summary, INDENT, width);
            if r.status != Status::Pass
                && let Some(h) = hint_text(r)
            {
                wrapped(&mut out, &h, INDENT, width);
            }
        }
    }

    // Worst first: the shared causes (errors), then each remaining error, fail and warn.
    let mut attention: Vec<&ProbeResult> = results
        .iter()
        .filter(|r| matches!(r.status, Status::Warn | Status::Fail | Status::Error))
        .filter(|r| !collapsed(r))
        .collect();
    attention.sort_by_key(|r| std::cmp::Reverse(r.status));
    let t = Tally::of(results);
    let needing = t.warn + t.fail + t.error;
    if needing > 0 {
        out.push('\n');
        let failing = t.fail + t.error;
        let head = match (failing, t.warn) {
            (0, w) => format!("Needs attention: {} warn", probes(w)),
            (f, 0) => format!("Failing now: {} of {}", f, probes(t.total)),
            (f, w) => format!("Failing now: {} of {}, and {w} warn", f, probes(t.total)),
        };
        wrapped(&mut out, &head, 0, width);
    }
    for (summary, hint, rs) in &causes {
        let head = format!("{} probes, one cause:", rs.len());
        out.push_str(&format!(
            "{}  {}\n",
            status_cell(Status::Error),
            cut(&head, width.saturating_sub(INDENT))
        ));
        wrapped(&mut out, summary, INDENT, width);
        let ids: Vec<&str> = rs.iter().map(|r| r.id.as_str()).collect();
        wrapped(&mut out, &format!("ids: {}", ids.join(", ")), INDENT, width);
        if let Some(h) = hint {
            wrapped(&mut out, h, INDENT, width);
        }
    }
    // One line each, so a screen holds them all: id and place first (never cut unless
    // the line cannot hold them), then as much of the summary as fits.
    for r in attention {
        let place = match line_of(&r.id) {
            Some(l) => format!("{}:{l}", one_line(&r.page)),
            None => one_line(&r.page),
        };
        let lead = format!("{}  {}", one_line(&r.id), place);
        let room = width.saturating_sub(INDENT);
        let lead_len = lead.chars().count();
        let text = if lead_len + 2 + 8 <= room {
            format!(
                "{lead}  {}",
                cut(&one_line(&r.summary), room - lead_len - 2)
            )
        } else {
            cut(&lead, room)
        };
        out.push_str(&format!("{}  {text}\n", status_cell(r.status)));
    }
    let summary = format!(
        "{}: {} pass, {} warn, {} fail, {} error, {} skipped in {:.0} ms",
        probes(t.total),
        t.pass,
        t.warn,
        t.fail,
        t.error,
        t.skipped,
        wall.as_secs_f64() * 1000.0
    );
    out.push('\n');
    wrapped(&mut out, &summary, 0, width);
    out
}

/// One JSON document: `{"target", "summary", "wall_ms", "results": [...]}`.
pub(super) fn json_report(
    results: &[ProbeResult],
    target: &str,
    url: &str,
    wall: std::time::Duration,
) -> String {
    #[derive(serde::Serialize)]
    struct TargetDoc<'a> {
        name: &'a str,
        url: &'a str,
    }
    #[derive(serde::Serialize)]
    struct Report<'a> {
        target: TargetDoc<'a>,
        summary: Tally,
        wall_ms: f64,
        results: &'a [ProbeResult],
    }
    let doc = Report {
        target: TargetDoc { name: target, url },
        summary: Tally::of(results),
        wall_ms: (wall.as_secs_f64() * 1e4).round() / 10.0,
        results,
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

/// One escape for the whole report: values come from an untrusted cache.
fn xml(s: &str) -> String {
    crate::render::escape::escape_xml(s)
}

/// JUnit XML: one testsuite per page, one testcase per probe.
pub(super) fn junit_report(
    results: &[ProbeResult],
    wall: std::time::Duration,
    strict: bool,
) -> String {
    let t = Tally::of(results);
    let failures = t.fail + if strict { t.warn } else { 0 };
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"bisk-docs check\" tests=\"{}\" failures=\"{failures}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3}\">\n",
        t.total,
        t.error,
        t.skipped,
        wall.as_secs_f64()
    ));
    let mut pages: Vec<&str> = results.iter().map(|r| r.page.as_str()).collect();
    pages.dedup();
    for page in pages {
        let rs: Vec<&ProbeResult> = results.iter().filter(|r| r.page == page).collect();
        let pt = Tally::of(&rs.iter().map(|r| (*r).clone()).collect::<Vec<_>>());
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">\n",
            xml(page),
            pt.total,
            pt.fail + if strict { pt.warn } else { 0 },
            pt.error,
            pt.skipped
        ));
        for r in rs {
            out.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{} ({})\" time=\"{:.4}\">\n",
                xml(&r.check),
                xml(&r.title),
                xml(&r.id),
                r.duration_ms / 1000.0
            ));
            let detail = format!(
                "{}\nexpected: {}\nobserved: {}\n{}",
                r.summary,
                r.expected.as_deref().unwrap_or("-"),
                r.observed.as_deref().unwrap_or("-"),
                r.hint
                    .as_ref()
                    .map(|h| format!("hint: {} {}", h.text, h.link.as_deref().unwrap_or("")))
                    .unwrap_or_default()
            );
            match r.status {
                Status::Fail => out.push_str(&format!(
                    "      <failure message=\"{}\" type=\"fail\">{}</failure>\n",
                    xml(&r.summary),
                    xml(&detail)
                )),
                Status::Warn if strict => out.push_str(&format!(
                    "      <failure message=\"{}\" type=\"warn\">{}</failure>\n",
                    xml(&r.summary),
                    xml(&detail)
                )),
                Status::Error => out.push_str(&format!(
                    "      <error message=\"{}\" type=\"error\">{}</error>\n",
                    xml(&r.summary),
                    xml(&detail)
                )),
                Status::Skipped => out.push_str(&format!(
                    "      <skipped message=\"{}\"/>\n",
                    xml(&r.summary)
                )),
                Status::Warn => out.push_str(&format!(
                    "      <system-out>WARN: {}</system-out>\n",
                    xml(&detail)
                )),
                Status::Pass => {}
            }
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
