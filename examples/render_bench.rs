//! Render-speed benchmark on generated runbook-like pages.
//!
//! ```text
//! cargo run --release --example render_bench                 # sequential + parallel timings
//! cargo run --release --example render_bench -- --sequential     # skip the parallel 2000-page runs
//! cargo run --release --example render_bench -- --compare-sets   # grammar set speed per language
//! cargo run --release --example render_bench -- --dump FILE.md   # print the HTML of one file
//! cargo run --release --example render_bench -- --syntect        # syntect for every language
//! ```
//!
//! `--syntect` (anywhere in the arguments) renders with `Highlighter::Syntect`, what
//! `[render] highlighter = "syntect"` does in a site, to compare the two highlighters.
//!
//! Pages are 2–8 KB with 2–4 code blocks in bash/python/toml/yaml, block lengths varying
//! per page, like the docs the site is built for. Reports medians over several rounds.

use std::path::Path;
use std::time::{Duration, Instant};

use bisk_docs::render::{Highlighter, ProbeFence, RenderInput, Rendered, render_markdown};
use rayon::prelude::*;

/// Small deterministic generator so every run renders the same pages.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const PROSE: &[&str] = &[
    "The enforcer runs every minute from a systemd timer and records its outcome in the shared cache.",
    "When `last_ok` is older than two intervals, check the unit's journal before restarting anything.",
    "Keys are written by Django with the `bisk` prefix and version 1, so `ping` lives at `bisk:1:ping`.",
    "See [the cache guide](REDIS_CACHE.md#key-layout) and [the backend notes](../backend/README.md).",
    "A **stale** `running_pid` usually means the worker was killed; the lock expires on its own.",
    "Do not flush database 1 in production: sessions and rate limits live there too.",
];

fn code_line(rng: &mut Rng, lang: &str, i: usize) -> String {
    match lang {
        "bash" => match rng.below(4) {
            0 => format!("redis-cli -n 1 get \"bisk:1:enforcer:last_run\" # check {i}"),
            1 => format!("if systemctl is-active --quiet bisk-enforcer; then echo up-{i}; fi"),
            2 => format!(
                "export BISK_REDIS_URL=\"redis://127.0.0.1:6379/{}\"",
                i % 16
            ),
            _ => format!("journalctl -u bisk-enforcer --since \"-{i}min\" | grep -c ERROR"),
        },
        "python" => match rng.below(4) {
            0 => format!("value = cache.get(\"enforcer:last_ok\", default={i})"),
            1 => format!("    if value is None:  # not written yet ({i})"),
            2 => format!("        raise RuntimeError(f\"missing key {{key!r}} #{i}\")"),
            _ => format!("def check_{i}(cache, timeout=2.5):"),
        },
        "toml" => match rng.below(3) {
            0 => format!("[probe_{i}]"),
            1 => format!("kind = \"redis_key_age\"  # {i}"),
            _ => format!("max_age = \"{}m\"", i + 1),
        },
        _ => match rng.below(3) {
            0 => format!("service_{i}:"),
            1 => format!("  timeout: {i}  # seconds"),
            _ => format!("  url: \"redis://127.0.0.1:6379/{}\"", i % 16),
        },
    }
}

/// One page and its number of code lines. With `unique`, code lines carry page-specific
/// numbers so no line repeats across pages (the worst case for the line memo); without,
/// lines come from a small vocabulary, as commands in real runbooks do.
fn page(seed: u64, unique: bool) -> (String, usize) {
    let salt = if unique { seed as usize * 1000 } else { 0 };
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let target = 2048 + rng.below(6 * 1024) as usize;
    let blocks = 2 + rng.below(3) as usize;
    let mut md = format!("# Runbook {seed}\n\n");
    let mut code_lines = 0;
    let mut section = 0;
    let mut blocks_done = 0;
    while md.len() < target || blocks_done < blocks {
        section += 1;
        md.push_str(&format!("## Step {section}\n\n"));
        for _ in 0..1 + rng.below(3) {
            md.push_str(PROSE[rng.below(PROSE.len() as u64) as usize]);
            md.push_str("\n\n");
        }
        if blocks_done < blocks {
            let lang = ["bash", "python", "toml", "yaml"][rng.below(4) as usize];
            let n = 3 + rng.below(20) as usize;
            md.push_str(&format!("```{lang}\n"));
            for i in 0..n {
                md.push_str(&code_line(&mut rng, lang, i + salt));
                md.push('\n');
            }
            md.push_str("```\n\n");
            code_lines += n;
            blocks_done += 1;
        }
    }
    (md, code_lines)
}

fn render(src: &str) -> Rendered {
    let input = RenderInput {
        source: src,
        line_offset: 0,
        src_path: Path::new("ops/runbook.md"),
        highlight: true,
        highlighter: highlighter(),
        link_base: None,
    };
    let mut hook = |_: &ProbeFence| Ok::<_, String>(String::new());
    render_markdown(&input, &mut hook)
}

/// The highlighter under test: `--syntect` among the arguments picks syntect everywhere.
fn highlighter() -> Highlighter {
    static CHOICE: std::sync::OnceLock<Highlighter> = std::sync::OnceLock::new();
    *CHOICE.get_or_init(|| {
        if std::env::args().any(|a| a == "--syntect") {
            Highlighter::Syntect
        } else {
            Highlighter::Fast
        }
    })
}

/// CPU time used by this process so far (user + system), from `/proc/self/stat`. On a
/// shared machine wall time mostly measures the neighbours; CPU time measures the code.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the `(comm)`, which may itself hold spaces.
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the full line: 11 and 12 after `)`.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

/// Runs `f` `rounds` times; returns the median wall and median CPU time.
fn measure(rounds: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    let mut wall = Vec::new();
    let mut cpu = Vec::new();
    for _ in 0..rounds {
        let (t, c) = (Instant::now(), cpu_time());
        f();
        wall.push(t.elapsed());
        cpu.push(cpu_time().saturating_sub(c));
    }
    (median(wall), median(cpu))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn bench_pages(parallel: bool, unique: bool) {
    println!(
        "pages with {} code lines",
        if unique { "unique" } else { "repeating" }
    );
    // Every round renders pages never rendered before: the line memo is per process, and
    // re-rendering a sample would measure nothing but memo hits.
    let seed_base: u64 = if unique { 1_000_000 } else { 0 };
    let first = Instant::now();
    render(&page(seed_base + 999_999, unique).0);
    println!(
        "first page (loads grammars, compiles regexes): {:?}",
        first.elapsed()
    );

    let mut per_page = Vec::new();
    let mut per_line = Vec::new();
    let mut plain_per_page = Vec::new();
    for round in 0..5u64 {
        let pages: Vec<(String, usize)> = (0..200)
            .map(|i| page(seed_base + round * 200 + i, unique))
            .collect();
        let lines: usize = pages.iter().map(|p| p.1).sum();
        let (wall, cpu) = measure(1, || {
            for p in &pages {
                std::hint::black_box(render(&p.0));
            }
        });
        per_page.push((wall / 200, cpu / 200));
        per_line.push((wall / lines as u32, cpu / lines as u32));
        // The same pages with every block marked `text`: the pipeline without syntect.
        let plain: Vec<String> = pages
            .iter()
            .map(|p| {
                ["bash", "python", "toml", "yaml"]
                    .iter()
                    .fold(p.0.clone(), |md, l| {
                        md.replace(&format!("```{l}\n"), "```text\n")
                    })
            })
            .collect();
        let (wall, cpu) = measure(1, || {
            for p in &plain {
                std::hint::black_box(render(p));
            }
        });
        plain_per_page.push((wall / 200, cpu / 200));
    }
    let med = |v: &[(Duration, Duration)]| {
        (
            median(v.iter().map(|x| x.0).collect()),
            median(v.iter().map(|x| x.1).collect()),
        )
    };
    let (pw, pc) = med(&per_page);
    let (lw, lc) = med(&per_line);
    let (qw, qc) = med(&plain_per_page);
    println!("sequential, 5 rounds of 200 new pages, medians:");
    println!("  per page:      wall {pw:?}, cpu {pc:?}");
    println!("  per code line: wall {lw:?}, cpu {lc:?}");
    println!("  per page with highlighting off: wall {qw:?}, cpu {qc:?}");

    if !parallel {
        return;
    }
    let mut walls = Vec::new();
    let mut cpus = Vec::new();
    for round in 0..3u64 {
        let pages: Vec<(String, usize)> = (0..2000)
            .map(|i| page(seed_base + 10_000 + round * 2000 + i, unique))
            .collect();
        let (wall, cpu) = measure(1, || {
            let n: usize = pages.par_iter().map(|p| render(&p.0).html.len()).sum();
            std::hint::black_box(n);
        });
        if round == 0 {
            let bytes: usize = pages.iter().map(|p| p.0.len()).sum();
            let lines: usize = pages.iter().map(|p| p.1).sum();
            println!(
                "parallel: 2000 pages of {} KB, {lines} code lines",
                bytes / 1024
            );
        }
        walls.push(wall);
        cpus.push(cpu);
    }
    println!(
        "parallel ({} threads), 3 rounds of 2000 new pages, medians: wall {:?}, cpu {:?}",
        rayon::current_num_threads(),
        median(walls),
        median(cpus)
    );
}

/// µs per line for the same code highlighted with each grammar set that knows the language.
fn compare_sets() {
    const LINES: usize = 2000;
    use syntect::parsing::{ParseState, SyntaxSet};
    let t = Instant::now();
    let defaults = SyntaxSet::load_defaults_newlines();
    println!("load syntect defaults: {:?}", t.elapsed());
    let t = Instant::now();
    let extra = two_face::syntax::extra_newlines();
    println!("load two-face extra: {:?}", t.elapsed());
    for lang in [
        "bash", "python", "yaml", "json", "toml", "ini", "rust", "sql",
    ] {
        let mut rng = Rng(7);
        let code: String = (0..LINES)
            .map(|i| code_line(&mut rng, lang, i) + "\n")
            .collect();
        for (name, set) in [("syntect", &defaults), ("two-face", &extra)] {
            let Some(syntax) = set.find_syntax_by_token(lang) else {
                println!("{lang:>8} {name:>9}: not available");
                continue;
            };
            let run = || {
                let mut state = ParseState::new(syntax);
                for line in code.split_inclusive('\n') {
                    std::hint::black_box(state.parse_line(line, set).ok());
                }
            };
            let t = Instant::now();
            run();
            let cold = t.elapsed();
            let (wall, cpu) = measure(3, run);
            println!(
                "{lang:>8} {name:>9} ({}): first use {:?}, warm {:.1} µs/line wall, {:.1} µs/line cpu",
                syntax.name,
                cold,
                wall.as_secs_f64() * 1e6 / LINES as f64,
                cpu.as_secs_f64() * 1e6 / LINES as f64
            );
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--compare-sets") => compare_sets(),
        Some("--dump") => {
            let path = args.get(1).expect("--dump needs a Markdown file");
            let src = std::fs::read_to_string(path).expect("readable Markdown file");
            let r = render(&src);
            println!("{}", r.html);
            eprintln!("title: {:?}", r.title);
            eprintln!("headings: {:#?}", r.headings);
            eprintln!("links: {:#?}", r.links);
            eprintln!("sections: {:#?}", r.sections);
            eprintln!("diagnostics: {:#?}", r.diagnostics);
        }
        Some("--page") => println!("{}", page(1, true).0),
        Some("--sequential") => {
            bench_pages(false, false);
            bench_pages(false, true);
        }
        _ => {
            bench_pages(true, false);
            bench_pages(true, true);
        }
    }
}
