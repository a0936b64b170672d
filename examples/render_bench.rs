//! Render-speed benchmark on generated runbook-like pages.
//!
//! ```text
//! cargo run --release --example render_bench                 # sequential + parallel timings
//! cargo run --release --example render_bench -- --sequential     # skip the parallel 2000-page run
//! cargo run --release --example render_bench -- --compare-sets   # grammar set speed per language
//! cargo run --release --example render_bench -- --dump FILE.md   # print the HTML of one file
//! ```
//!
//! Pages are 2–8 KB with 2–4 code blocks in bash/python/toml/yaml, block lengths varying
//! per page, like the docs the site is built for. Reports medians over several rounds.

use std::path::Path;
use std::time::{Duration, Instant};

use bisk_docs::render::{ProbeFence, RenderInput, Rendered, render_markdown};
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

/// One page and its number of code lines.
fn page(seed: u64) -> (String, usize) {
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
                md.push_str(&code_line(&mut rng, lang, i));
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
    };
    let mut hook = |_: &ProbeFence| Ok::<_, String>(String::new());
    render_markdown(&input, &mut hook)
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

fn bench_pages(parallel: bool) {
    let pages: Vec<(String, usize)> = (0..2000).map(page).collect();
    let bytes: usize = pages.iter().map(|p| p.0.len()).sum();
    let lines: usize = pages.iter().map(|p| p.1).sum();

    let first = Instant::now();
    render(&pages[0].0);
    println!(
        "first page (loads grammars, compiles regexes): {:?}",
        first.elapsed()
    );
    // Warm every language once, as a real build does after its first pages.
    for p in pages.iter().take(16) {
        render(&p.0);
    }

    let sample = &pages[..200];
    let sample_lines: usize = sample.iter().map(|p| p.1).sum();
    let (wall, cpu) = measure(5, || {
        for p in sample {
            std::hint::black_box(render(&p.0));
        }
    });
    for (what, d) in [("wall", wall), ("cpu", cpu)] {
        println!(
            "sequential, 200 pages, {what}: median {:?} → {:.0} µs/page, {:.1} µs/code line ({} code lines)",
            d,
            d.as_secs_f64() * 1e6 / 200.0,
            d.as_secs_f64() * 1e6 / sample_lines as f64,
            sample_lines
        );
    }

    // The same pages with every block marked `text`: what the pipeline costs without syntect.
    let plain: Vec<String> = sample
        .iter()
        .map(|p| {
            ["bash", "python", "toml", "yaml"]
                .iter()
                .fold(p.0.clone(), |md, l| {
                    md.replace(&format!("```{l}\n"), "```text\n")
                })
        })
        .collect();
    let (wall, cpu) = measure(5, || {
        for p in &plain {
            std::hint::black_box(render(p));
        }
    });
    println!(
        "sequential, same 200 pages without highlighting: median wall {:.0} µs/page, cpu {:.0} µs/page",
        wall.as_secs_f64() * 1e6 / 200.0,
        cpu.as_secs_f64() * 1e6 / 200.0
    );

    if !parallel {
        return;
    }
    let (wall, cpu) = measure(3, || {
        let n: usize = pages.par_iter().map(|p| render(&p.0).html.len()).sum();
        std::hint::black_box(n);
    });
    println!(
        "parallel ({} threads), 2000 pages ({} KB, {} code lines): median wall {:?}, cpu {:?}",
        rayon::current_num_threads(),
        bytes / 1024,
        lines,
        wall,
        cpu
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
        Some("--page") => println!("{}", page(1).0),
        Some("--sequential") => bench_pages(false),
        _ => bench_pages(true),
    }
}
