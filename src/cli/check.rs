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
use crate::probe::result::{ProbeResult, Status, Tally};
use crate::probe::{RunOptions, discover, runner};

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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Junit,
}

pub fn run(args: CheckArgs) -> Result<(), Failure> {
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
    let mut decls = match discover::discover(&docs_dir, &paths, Some((&config, &named.name))) {
        Ok(d) => d,
        Err(diags) => {
            for d in &diags {
                output::diagnostic(d);
            }
            let n = diags.iter().filter(|d| d.is_error()).count();
            return Err(Failure::Usage(format!("{n} probe declaration error(s)")));
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
        for d in discover::unset_values(&docs_dir, &config, &named.name) {
            output::diagnostic(&d);
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
    let text = match args.format {
        Format::Text => text_report(
            &results,
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
        Err(Failure::Reported(String::new()))
    } else {
        Ok(())
    }
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
    if n == 1 {
        "1 probe".into()
    } else {
        format!("{n} probes")
    }
}

/// The text report, `width` columns wide: the target first; then, once, each cause that
/// made several probes error alike (Redis down: one line with the count, the ids, the hint);
/// then the other results grouped by page, each row with its status, id (what `--only`
/// takes), title (cut with "…") and duration, the summary and hint wrapped under it.
pub fn text_report(
    results: &[ProbeResult],
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
        crate::probe::causes::by_cause(results.iter().filter(|r| r.status == Status::Error))
            .into_iter()
            .filter(|c| c.results.len() > 1)
            .map(|c| (c.summary, hint_text(c.results[0]), c.results))
            .collect();
    let collapsed = |r: &ProbeResult| {
        causes
            .iter()
            .any(|(_, _, rs)| rs.iter().any(|x| std::ptr::eq(*x, r)))
    };
    for (summary, hint, rs) in &causes {
        out.push('\n');
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
    let t = Tally::of(results);
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
pub fn json_report(
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
pub fn junit_report(results: &[ProbeResult], wall: std::time::Duration, strict: bool) -> String {
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
