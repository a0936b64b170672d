//! Size of the search index for a generated ops docs tree (2–8 KB of text per page): it
//! must stay well under the size of the text it indexes. The 2,000-page measurement is
//! slow in a debug build, so it is opt-in:
//! `cargo test --release --test search_size -- --ignored --nocapture`
//! (set `BISK_SEARCH_INDEX_OUT` to keep the generated index file).

use bisk_docs::render::SearchSection;

/// Small deterministic generator (xorshift), so the figures are reproducible.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Skewed towards small indices, like word frequencies in prose.
    fn zipf(&mut self, n: usize) -> usize {
        let a = self.below(n) + 1;
        self.below(a)
    }
}

const COMMON: &[&str] = &[
    "the",
    "a",
    "to",
    "of",
    "and",
    "is",
    "in",
    "for",
    "on",
    "with",
    "when",
    "this",
    "that",
    "it",
    "be",
    "as",
    "by",
    "if",
    "then",
    "check",
    "restart",
    "service",
    "redis",
    "cache",
    "enforcer",
    "worker",
    "django",
    "key",
    "value",
    "timeout",
    "config",
    "server",
    "process",
    "systemd",
    "journal",
    "logs",
    "error",
    "warning",
    "status",
    "deploy",
    "release",
    "rollback",
    "database",
    "connection",
    "memory",
    "latency",
    "queue",
    "request",
    "response",
    "session",
    "prefix",
    "version",
    "backup",
    "restore",
    "disk",
    "cpu",
    "alert",
    "threshold",
    "metric",
    "prometheus",
    "grafana",
    "nginx",
    "gunicorn",
    "celery",
    "postgres",
    "replica",
    "primary",
    "failover",
    "health",
    "probe",
    "heartbeat",
    "interval",
    "seconds",
    "minutes",
    "user",
    "permission",
    "token",
    "secret",
    "rotate",
    "certificate",
    "expire",
    "ttl",
    "evict",
    "policy",
    "maxmemory",
    "snapshot",
    "persistence",
    "command",
    "shell",
    "script",
    "run",
];

fn word(rng: &mut Rng) -> String {
    // Most words are common ones; the rest come from a long tail of made-up terms, as
    // project-specific names, hosts and identifiers do in real guides.
    if rng.below(10) < 9 {
        COMMON[rng.zipf(COMMON.len())].to_string()
    } else {
        const SYL: &[&str] = &[
            "ka", "ro", "mi", "ten", "sul", "bra", "vex", "dor", "pli", "un", "qua", "zen",
        ];
        let n = 2 + rng.below(3);
        let mut w: String = (0..n).map(|_| SYL[rng.zipf(SYL.len())]).collect();
        if rng.below(8) == 0 {
            w.push_str(&rng.below(10_000).to_string());
        }
        w
    }
}

fn sentence(rng: &mut Rng) -> String {
    let n = 6 + rng.below(14);
    let mut s: Vec<String> = (0..n).map(|_| word(rng)).collect();
    s[0][..1].make_ascii_uppercase();
    format!("{}.", s.join(" "))
}

fn page(rng: &mut Rng) -> (String, Vec<SearchSection>) {
    let title = (0..2 + rng.below(3))
        .map(|_| word(rng))
        .collect::<Vec<_>>()
        .join(" ");
    let target = 2048 + rng.below(6 * 1024);
    let mut sections = Vec::new();
    let mut size = 0;
    let mut i = 0;
    while size < target {
        let heading = if i == 0 {
            String::new()
        } else {
            (0..2 + rng.below(4))
                .map(|_| word(rng))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut text = String::new();
        for _ in 0..3 + rng.below(6) {
            text.push_str(&sentence(rng));
            text.push(' ');
        }
        size += heading.len() + text.len();
        sections.push(SearchSection {
            anchor: bisk_docs::site::search::ascii_slug(&heading),
            heading,
            text,
        });
        i += 1;
    }
    (title, sections)
}

#[test]
fn index_for_300_pages_is_well_under_the_text_size() {
    measure(300);
}

#[test]
#[ignore = "slow in debug builds; run with --release -- --ignored"]
fn index_for_2000_pages_is_well_under_the_text_size() {
    measure(2000);
}

/// `n` generated pages as (url, title, sections); the same `n` always gives the same pages.
pub(crate) fn generated_pages(n: usize) -> Vec<(String, String, Vec<SearchSection>)> {
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    (0..n)
        .map(|i| {
            let (title, sections) = page(&mut rng);
            (
                format!("sec{}/dir{}/page{i}.html", i % 7, i % 31),
                title,
                sections,
            )
        })
        .collect()
}

fn measure(n: usize) {
    let pages = generated_pages(n);
    let raw: usize = pages
        .iter()
        .map(|(_, t, s)| {
            t.len()
                + s.iter()
                    .map(|s| s.heading.len() + s.text.len())
                    .sum::<usize>()
        })
        .sum();
    let start = std::time::Instant::now();
    let files = crate::kit::render::search_index(&pages);
    let took = start.elapsed();
    let js: String = files.iter().map(|(_, text)| text.as_str()).collect();
    let sections: usize = pages.iter().map(|p| p.2.len()).sum();
    println!(
        "{n} pages, {sections} sections, text {:.2} MB → index {:.2} MB ({:.0}% of the text), built in {:.0} ms",
        raw as f64 / 1e6,
        js.len() as f64 / 1e6,
        100.0 * js.len() as f64 / raw as f64,
        took.as_secs_f64() * 1e3
    );
    if let Some(out) = std::env::var_os("BISK_SEARCH_INDEX_OUT") {
        std::fs::write(out, &js).unwrap();
    }
    assert!(raw > n * 2048, "generator makes pages of at least 2 KB");
    // Sections here are short (~400 bytes), so the per-section heading and snippet weigh
    // more than in real guides (the benchmark tree: 40%); 60% guards against regressions.
    assert!(
        js.len() * 10 < raw * 6,
        "index {} bytes vs text {raw} bytes",
        js.len()
    );
}
