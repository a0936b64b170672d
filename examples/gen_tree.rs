//! Deterministic generator of a synthetic ops documentation tree, for benchmarks.
//!
//! ```text
//! cargo run --release --example gen_tree -- --pages N --out DIR [--seed S] [--hugo DIR2] [--force]
//! ```
//!
//! Writes `DIR/docs/…`: N Markdown pages of 2–8 KB in nested section folders, each folder
//! with a `README.md` index, headings, prose, tables, lists, alerts, 2–4 code blocks in
//! bash/python/toml/yaml whose lines differ from page to page, and relative links whose
//! `#anchors` exist. The same seed always gives a byte-identical tree; the PRNG is our own
//! (splitmix64) so no crate version can change the output.
//!
//! `--hugo DIR2` writes the same pages as a Hugo site (content, layouts with sidebar nav,
//! TOC and class-based highlighting, `hugo.toml`) so that a bisk-docs build can be compared
//! with a Hugo build of the same content.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: gen_tree --pages N --out DIR [--seed S] [--hugo DIR2] [--force]

  --pages N    number of Markdown pages to write (including every README.md), N >= 1
  --out DIR    writes DIR/docs/...; DIR must be empty or missing unless --force
  --seed S     PRNG seed (default 1); the same seed gives a byte-identical tree
  --hugo DIR2  also write the same content as a Hugo site into DIR2
  --force      write into a non-empty DIR (replacing DIR/docs, and DIR2's generated parts)";

/// Top-level sections, in the order an ops team would list them.
const SECTIONS: &[&str] = &["ops", "backend", "runbooks", "platform", "security"];

const TOPICS: &[&str] = &[
    "redis",
    "cache",
    "enforcer",
    "deploy",
    "postgres",
    "nginx",
    "celery",
    "monitoring",
    "backups",
    "alerts",
    "networking",
    "storage",
    "logging",
    "secrets",
    "certificates",
    "workers",
    "queues",
    "migrations",
    "incidents",
    "oncall",
    "dns",
    "systemd",
    "firewall",
    "replication",
    "capacity",
    "releases",
    "sessions",
    "tls",
    "cron",
    "metrics",
];

const VERBS: &[&str] = &[
    "restart", "check", "rotate", "restore", "drain", "scale", "inspect", "flush", "migrate",
    "upgrade", "rollback", "verify", "debug", "tune", "reset", "pause", "resume", "audit",
];

const NOUNS: &[&str] = &[
    "cache",
    "enforcer",
    "worker",
    "replica",
    "primary",
    "queue",
    "socket",
    "certificate",
    "snapshot",
    "heartbeat",
    "lock",
    "pool",
    "backlog",
    "shard",
    "keyspace",
    "deployment",
    "release",
    "timer",
    "service",
    "database",
    "proxy",
    "session",
    "token",
    "volume",
    "scheduler",
    "listener",
];

const H2_FIXED: &[&str] = &[
    "Overview",
    "Prerequisites",
    "Symptoms",
    "Diagnosis",
    "Escalation",
    "Configuration",
    "Rollback",
    "Verification",
    "Background",
    "Known issues",
    "Monitoring",
    "Cleanup",
];

const H3_PREFIX: &[&str] = &[
    "On", "Using", "From", "With", "Without", "Before", "After", "During",
];

const QUALIFIERS: &[&str] = &[
    "the",
    "a stale",
    "the primary",
    "every",
    "a single",
    "the local",
    "the shared",
];

/// Prose vocabulary; sentences are drawn from it so pages differ but read like ops notes.
const WORDS: &[&str] = &[
    "the",
    "enforcer",
    "worker",
    "cache",
    "redis",
    "primary",
    "replica",
    "runs",
    "every",
    "minute",
    "and",
    "writes",
    "its",
    "heartbeat",
    "key",
    "before",
    "after",
    "restart",
    "deploy",
    "host",
    "port",
    "timeout",
    "latency",
    "backlog",
    "queue",
    "drains",
    "when",
    "the",
    "lock",
    "expires",
    "stale",
    "value",
    "means",
    "operator",
    "should",
    "check",
    "logs",
    "journal",
    "service",
    "unit",
    "socket",
    "connection",
    "pool",
    "is",
    "exhausted",
    "under",
    "load",
    "spikes",
    "during",
    "release",
    "window",
    "on-call",
    "engineer",
    "pages",
    "team",
    "if",
    "alert",
    "fires",
    "twice",
    "within",
    "hour",
    "snapshot",
    "restore",
    "takes",
    "minutes",
    "on",
    "large",
    "keyspace",
    "eviction",
    "policy",
    "memory",
    "limit",
    "reached",
    "django",
    "web",
    "process",
    "shares",
    "same",
    "database",
    "prefix",
    "version",
    "config",
    "file",
    "owned",
    "by",
    "root",
    "permissions",
    "certificate",
    "rotation",
    "happens",
    "quarterly",
    "dashboard",
    "shows",
    "error",
    "rate",
    "rises",
    "slowly",
    "not",
    "a",
    "to",
    "of",
    "in",
    "with",
    "from",
    "until",
    "only",
    "usually",
    "never",
    "safe",
    "retry",
    "failover",
    "promotes",
    "healthy",
    "node",
    "cluster",
];

const INLINE_CODE: &[&str] = &[
    "bisk:1:ping",
    "bisk:1:enforcer:last_run",
    "bisk:1:enforcer:last_ok",
    "bisk:1:enforcer:last_error",
    "bisk:1:enforcer:running_pid",
    "KEY_PREFIX",
    "CACHES",
    "maxmemory-policy",
    "systemctl daemon-reload",
    "redis-cli INFO replication",
    "TIMEOUT",
    "/etc/bisk/enforcer.toml",
];

const HOST_KINDS: &[&str] = &[
    "web", "cache", "worker", "db", "lb", "queue", "api", "batch",
];
const DATACENTRES: &[&str] = &["fra1", "ams2", "par1", "lon3", "waw1"];
const SERVICES: &[&str] = &[
    "bisk-web",
    "bisk-enforcer",
    "bisk-worker@1",
    "bisk-worker@2",
    "nginx",
    "redis-server",
    "postgresql@15-main",
    "bisk-scheduler",
    "bisk-enforcer.timer",
];
const CACHE_KEYS: &[&str] = &[
    "ping",
    "enforcer:last_run",
    "enforcer:last_ok",
    "enforcer:last_error",
    "enforcer:running_pid",
    "session:index",
    "rate:api",
    "feature:flags",
];
const TABLES: &[&str] = &[
    "auth_user",
    "bisk_event",
    "bisk_device",
    "django_session",
    "bisk_rule",
    "bisk_audit",
];
const ALERT_KINDS: &[&str] = &["NOTE", "TIP", "IMPORTANT", "WARNING", "WARNING", "CAUTION"];

/// splitmix64: tiny, fast, and good enough for content; output never changes with crates.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Self {
        let mut r = Rng(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
        r.next_u64();
        r
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`; `n` must be positive.
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Heading id as bisk-docs (and GitHub/Hugo for plain words) computes it: lowercase,
/// runs of non-alphanumerics become one `-`, no leading or trailing `-`.
fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.extend(c.to_lowercase());
        } else {
            pending_dash = true;
        }
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

struct Folder {
    /// Docs-relative, `/`-separated, e.g. `ops/redis/replication`.
    path: String,
    depth: usize,
    children: Vec<usize>,
    pages: Vec<usize>,
}

struct Heading {
    level: u8,
    text: String,
    slug: String,
}

struct Page {
    /// Docs-relative path of the Markdown file.
    path: String,
    /// Folder the page lives in (`None`: the home page `docs/README.md`).
    folder: Option<usize>,
    /// Index page of this folder, if it is a README.md.
    index_of: Option<usize>,
    title: String,
    weight: Option<usize>,
    front_matter: bool,
    headings: Vec<Heading>,
}

struct Tree {
    folders: Vec<Folder>,
    pages: Vec<Page>,
    seed: u64,
}

/// How links to other pages are written: as in the docs tree, or as Hugo's `.html` outputs.
#[derive(Clone, Copy, PartialEq)]
enum Flavour {
    Docs,
    Hugo,
}

fn plan(pages: usize, seed: u64) -> Tree {
    let mut rng = Rng::new(seed, 0);
    let available = pages - 1; // the home page is always there
    let folder_count = (available / 20).max(available.min(SECTIONS.len()));
    let section_count = folder_count.min(SECTIONS.len());
    let mut folders: Vec<Folder> = SECTIONS[..section_count]
        .iter()
        .map(|s| Folder {
            path: (*s).to_string(),
            depth: 1,
            children: Vec::new(),
            pages: Vec::new(),
        })
        .collect();
    while folders.len() < folder_count {
        // Prefer shallow parents a little so the tree is 2–3 levels below each section.
        let parent = rng.below(folders.len());
        if folders[parent].depth >= 3 || (folders[parent].depth == 2 && rng.chance(40)) {
            continue;
        }
        let mut name = rng.pick(TOPICS).to_string();
        if rng.chance(50) {
            name = format!("{name}-{}", rng.pick(NOUNS));
        }
        let base = name.clone();
        let mut n = 2;
        while folders[parent]
            .children
            .iter()
            .any(|&c| folders[c].path.rsplit('/').next() == Some(name.as_str()))
        {
            name = format!("{base}-{n}");
            n += 1;
        }
        let idx = folders.len();
        let path = format!("{}/{name}", folders[parent].path);
        let depth = folders[parent].depth + 1;
        folders.push(Folder {
            path,
            depth,
            children: Vec::new(),
            pages: Vec::new(),
        });
        folders[parent].children.push(idx);
    }

    let mut tree = Tree {
        folders,
        pages: Vec::with_capacity(pages),
        seed,
    };
    tree.add_page(&mut rng, None, None);
    for f in 0..tree.folders.len() {
        tree.add_page(&mut rng, Some(f), Some(f));
    }
    for _ in 0..available - tree.folders.len() {
        let f = rng.below(tree.folders.len());
        tree.add_page(&mut rng, Some(f), None);
    }
    tree
}

impl Tree {
    fn add_page(&mut self, rng: &mut Rng, folder: Option<usize>, index_of: Option<usize>) {
        let idx = self.pages.len();
        let (path, title) = match (folder, index_of) {
            (None, _) => ("README.md".to_string(), "Operations handbook".to_string()),
            (Some(f), Some(_)) => {
                let name = self.folders[f].path.rsplit('/').next().unwrap_or("section");
                (
                    format!("{}/README.md", self.folders[f].path),
                    capitalise(&name.replace('-', " ")),
                )
            }
            (Some(f), None) => {
                let verb = rng.pick(VERBS);
                let noun = rng.pick(NOUNS);
                let base = if rng.chance(50) {
                    format!("{verb}-{}-{noun}", rng.pick(TOPICS))
                } else {
                    format!("{verb}-{noun}")
                };
                let mut stem = base.clone();
                let mut n = 2;
                let taken = |stem: &str, pages: &[Page]| {
                    let want = format!("{}/{stem}.md", self.folders[f].path);
                    self.folders[f].pages.iter().any(|&p| pages[p].path == want)
                };
                while taken(&stem, &self.pages) {
                    stem = format!("{base}-{n}");
                    n += 1;
                }
                let title = capitalise(&stem.replace('-', " "));
                (format!("{}/{stem}.md", self.folders[f].path), title)
            }
        };
        let front_matter = rng.chance(45);
        let weight = front_matter.then(|| rng.range(1, 100));
        let headings = plan_headings(rng, &title);
        if let Some(f) = folder {
            self.folders[f].pages.push(idx);
        }
        self.pages.push(Page {
            path,
            folder,
            index_of,
            title,
            weight,
            front_matter,
            headings,
        });
    }
}

/// H2/H3 headings of a page, all unique (and distinct from the H1) so every id is stable
/// without de-duplication suffixes, which renderers number differently.
fn plan_headings(rng: &mut Rng, title: &str) -> Vec<Heading> {
    let mut out: Vec<Heading> = Vec::new();
    let mut seen = vec![slug(title)];
    let mut push = |level: u8, text: String, out: &mut Vec<Heading>| -> bool {
        let s = slug(&text);
        if seen.contains(&s) {
            return false;
        }
        seen.push(s.clone());
        out.push(Heading {
            level,
            text,
            slug: s,
        });
        true
    };
    let h2s = rng.range(3, 5);
    let mut made = 0;
    while made < h2s {
        let text = if rng.chance(40) {
            rng.pick(H2_FIXED).to_string()
        } else {
            format!(
                "{} {} {}",
                capitalise(rng.pick(VERBS)),
                rng.pick(QUALIFIERS),
                rng.pick(NOUNS)
            )
        };
        if !push(2, text, &mut out) {
            continue;
        }
        made += 1;
        let h3s = if rng.chance(40) { 1 } else { 0 };
        let mut made3 = 0;
        let mut tries = 0;
        while made3 < h3s && tries < 10 {
            tries += 1;
            let text = format!(
                "{} {} {}",
                rng.pick(H3_PREFIX),
                rng.pick(&["the", "a", "each"]),
                if rng.chance(50) {
                    rng.pick(NOUNS)
                } else {
                    rng.pick(HOST_KINDS)
                }
            );
            if push(3, text, &mut out) {
                made3 += 1;
            }
        }
    }
    out
}

/// Relative path from the folder of `from` to `to`, both docs-relative file paths.
fn relative(from: &str, to: &str) -> String {
    let from_dir: Vec<&str> = from.split('/').collect();
    let from_dir = &from_dir[..from_dir.len() - 1];
    let to_parts: Vec<&str> = to.split('/').collect();
    let common = from_dir
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = String::new();
    for _ in common..from_dir.len() {
        out.push_str("../");
    }
    out.push_str(&to_parts[common..].join("/"));
    out
}

fn host(rng: &mut Rng) -> String {
    format!(
        "{}-{:02}.{}.internal",
        rng.pick(HOST_KINDS),
        rng.range(1, 24),
        rng.pick(DATACENTRES)
    )
}

fn path_value(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => format!("/var/lib/bisk/{}", rng.pick(TOPICS)),
        1 => format!("/etc/bisk/{}.toml", rng.pick(NOUNS)),
        2 => format!(
            "/srv/bisk/releases/2025{:02}{:02}-{}",
            rng.range(1, 12),
            rng.range(1, 28),
            rng.range(1, 9)
        ),
        _ => format!("/var/log/bisk/{}.log", rng.pick(NOUNS)),
    }
}

fn redis_port(rng: &mut Rng) -> usize {
    rng.range(6379, 6390)
}

fn bash_lines(rng: &mut Rng, target: usize) -> Vec<String> {
    let mut lines = Vec::new();
    while lines.len() < target {
        let line = match rng.below(15) {
            0 => format!(
                "redis-cli -h {} -p {} -n {} GET bisk:1:{}",
                host(rng),
                redis_port(rng),
                rng.range(0, 3),
                rng.pick(CACHE_KEYS)
            ),
            1 => format!(
                "redis-cli -h {} -p {} --latency-history -i {}",
                host(rng),
                redis_port(rng),
                rng.range(1, 30)
            ),
            2 => format!("sudo systemctl restart {}", rng.pick(SERVICES)),
            3 => format!("sudo systemctl status {} --no-pager", rng.pick(SERVICES)),
            4 => format!(
                "journalctl -u {} --since \"-{}min\" --no-pager | tail -n {}",
                rng.pick(SERVICES),
                rng.range(5, 120),
                rng.range(20, 500)
            ),
            5 => format!(
                "curl -fsS --max-time {} https://{}:{}/healthz",
                rng.range(2, 30),
                host(rng),
                rng.pick(&["443", "8443", "8000", "8080", "9100"])
            ),
            6 => format!("ssh deploy@{} 'df -h {}'", host(rng), path_value(rng)),
            7 => format!(
                "rsync -az --delete /var/lib/bisk/{}/ backup@{}:/srv/backup/{}/",
                rng.pick(TOPICS),
                host(rng),
                rng.pick(TOPICS)
            ),
            8 => format!(
                "export BISK_REDIS_URL=redis://{}:{}/{}",
                host(rng),
                redis_port(rng),
                rng.range(0, 3)
            ),
            9 => format!(
                "# {} {} on {}",
                capitalise(rng.pick(VERBS)),
                rng.pick(NOUNS),
                host(rng)
            ),
            10 => format!(
                "tail -n {} {} | grep -E '{}|{}'",
                rng.range(50, 2000),
                path_value(rng),
                rng.pick(&["ERROR", "WARN", "Traceback", "timeout"]),
                rng.pick(NOUNS)
            ),
            11 => format!(
                "psql -h {} -p {} -U bisk -c 'SELECT count(*) FROM {};'",
                host(rng),
                rng.range(5432, 5434),
                rng.pick(TABLES)
            ),
            12 => format!(
                "for h in {} {}; do ssh \"$h\" uptime; done",
                host(rng),
                host(rng)
            ),
            13 => format!("ls -lh {}", path_value(rng)),
            _ => format!(
                "sudo kill -HUP \"$(cat /run/bisk/{}.pid)\"",
                rng.pick(NOUNS)
            ),
        };
        lines.push(line);
    }
    lines
}

fn python_lines(rng: &mut Rng, target: usize) -> Vec<String> {
    let mut lines = vec![
        "from django.core.cache import cache".to_string(),
        "import time".to_string(),
    ];
    while lines.len() < target {
        let key = rng.pick(CACHE_KEYS);
        let chunk: Vec<String> = match rng.below(6) {
            0 => vec![format!("value = cache.get(\"{key}\")")],
            1 => vec![format!(
                "cache.set(\"{key}\", {}, timeout={})",
                rng.range(1, 1_000_000),
                rng.range(30, 3600)
            )],
            2 => vec![
                format!("if cache.get(\"{key}\") is None:"),
                format!("    print(\"missing {key} on {}\")", host(rng)),
            ],
            3 => vec![
                format!("for attempt in range({}):", rng.range(2, 10)),
                format!(
                    "    if cache.add(\"lock:{}\", {}, timeout={}):",
                    rng.pick(NOUNS),
                    rng.range(1000, 65000),
                    rng.range(10, 600)
                ),
                "        break".to_string(),
                format!("    time.sleep({}.{})", rng.range(0, 5), rng.range(1, 9)),
            ],
            4 => vec![
                "age = time.time() - float(cache.get(\"enforcer:last_run\", 0))".to_string(),
                format!(
                    "assert age < {}, f\"enforcer stale for {{age:.0f}} s\"",
                    rng.range(60, 900)
                ),
            ],
            _ => {
                let noun = rng.pick(NOUNS);
                vec![
                    format!(
                        "def check_{noun}(host=\"{}\", port={}):",
                        host(rng),
                        redis_port(rng)
                    ),
                    format!("    return cache.get_many([\"{key}\", \"{noun}:state\"])"),
                ]
            }
        };
        lines.extend(chunk);
    }
    lines
}

fn toml_lines(rng: &mut Rng, target: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut used: Vec<String> = Vec::new();
    while lines.len() < target {
        let table = match rng.below(4) {
            0 => rng
                .pick(&["redis", "enforcer", "web", "logging", "backup"])
                .to_string(),
            1 => format!("alerts.{}", rng.pick(NOUNS)),
            2 => format!("hosts.{}", rng.pick(HOST_KINDS)),
            _ => format!("services.{}", rng.pick(TOPICS)),
        };
        if used.contains(&table) {
            continue;
        }
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.push(format!("[{table}]"));
        used.push(table);
        let mut keys: Vec<&str> = Vec::new();
        for _ in 0..rng.range(2, 4) {
            let key = rng.pick(&[
                "url",
                "timeout_ms",
                "workers",
                "enabled",
                "hosts",
                "path",
                "retries",
                "interval",
            ]);
            if keys.contains(&key) {
                continue;
            }
            keys.push(key);
            let value = match key {
                "url" => format!(
                    "\"redis://{}:{}/{}\"",
                    host(rng),
                    redis_port(rng),
                    rng.range(0, 3)
                ),
                "timeout_ms" => rng.range(50, 5000).to_string(),
                "workers" => rng.range(1, 32).to_string(),
                "enabled" => rng.pick(&["true", "false"]).to_string(),
                "hosts" => format!("[\"{}\", \"{}\"]", host(rng), host(rng)),
                "path" => format!("\"{}\"", path_value(rng)),
                "retries" => rng.range(0, 10).to_string(),
                _ => format!("\"{}s\"", rng.range(5, 600)),
            };
            lines.push(format!("{key} = {value}"));
        }
    }
    lines
}

fn yaml_lines(rng: &mut Rng, target: usize) -> Vec<String> {
    let mut lines = Vec::new();
    if rng.chance(50) {
        // A compose-like map of services.
        let mut used: Vec<&str> = Vec::new();
        while lines.len() < target {
            let svc = rng.pick(&["web", "enforcer", "worker", "scheduler", "cache", "proxy"]);
            if used.contains(&svc) {
                if used.len() == 6 {
                    break;
                }
                continue;
            }
            used.push(svc);
            lines.push(format!("{svc}:"));
            lines.push(format!(
                "  image: registry.internal/bisk/{svc}:{}.{}.{}",
                rng.range(1, 4),
                rng.range(0, 20),
                rng.range(0, 9)
            ));
            if rng.chance(60) {
                lines.push(format!("  replicas: {}", rng.range(1, 12)));
            }
            if rng.chance(60) {
                lines.push("  environment:".to_string());
                lines.push(format!(
                    "    REDIS_URL: redis://{}:{}/{}",
                    host(rng),
                    redis_port(rng),
                    rng.range(0, 3)
                ));
            }
        }
    } else {
        // An ansible-like task list.
        while lines.len() < target {
            lines.push(format!(
                "- name: {} {}",
                capitalise(rng.pick(VERBS)),
                rng.pick(NOUNS)
            ));
            lines.push(format!("  hosts: {}", rng.pick(HOST_KINDS)));
            lines.push(format!(
                "  command: systemctl restart {}",
                rng.pick(SERVICES)
            ));
            if rng.chance(40) {
                lines.push(format!("  timeout: {}", rng.range(10, 600)));
            }
        }
    }
    lines
}

fn sentence(rng: &mut Rng, out: &mut String) {
    let n = rng.range(7, 16);
    for i in 0..n {
        if i > 0 {
            out.push(' ');
        }
        if i > 2 && rng.chance(4) {
            let _ = write!(out, "`{}`", rng.pick(INLINE_CODE));
            continue;
        }
        let w = rng.pick(WORDS);
        if i == 0 {
            out.push_str(&capitalise(w));
        } else {
            out.push_str(w);
        }
    }
    out.push('.');
}

/// Renders the Markdown of page `idx`. The page's own RNG stream makes it independent of
/// the other pages, and `flavour` only changes how links are spelled, never the RNG draws,
/// so both flavours carry the same content.
fn render_page(tree: &Tree, idx: usize, flavour: Flavour) -> String {
    let page = &tree.pages[idx];
    let mut rng = Rng::new(tree.seed, idx as u64 + 1);
    let mut out = String::with_capacity(8192);

    if page.front_matter || flavour == Flavour::Hugo {
        out.push_str("+++\n");
        let _ = writeln!(out, "title = \"{}\"", page.title);
        if let Some(w) = page.weight {
            let _ = writeln!(out, "weight = {w}");
        }
        out.push_str("+++\n\n");
    }
    let _ = writeln!(out, "# {}\n", page.title);
    let target = rng.range(2200, 7400);

    // Slots are the places blocks go: the intro, then each H2/H3 in order.
    let slots = page.headings.len() + 1;
    let mut code = vec![0usize; slots];
    for _ in 0..rng.range(2, 4) {
        code[rng.range(1, slots - 1)] += 1;
    }
    let table_slot = rng.range(1, slots - 1);
    let alert_slot = rng.chance(35).then(|| rng.below(slots));
    let mut lists = vec![0usize; slots];
    for _ in 0..rng.range(1, 2) {
        lists[rng.below(slots)] += 1;
    }
    let mut links: Vec<Vec<String>> = vec![Vec::new(); slots];
    for _ in 0..rng.range(2, 6) {
        let slot = rng.below(slots);
        links[slot].push(link_to_other(tree, idx, &mut rng, flavour));
    }
    if rng.chance(40) && !page.headings.is_empty() {
        let h = &page.headings[rng.below(page.headings.len())];
        let slot = rng.below(slots);
        links[slot].push(format!("[{}](#{})", h.text.to_lowercase(), h.slug));
    }

    // Render each slot's fixed blocks first, then spread prose over the slots so the page
    // lands near its target size whatever its code blocks and tables weigh.
    let mut parts: Vec<String> = Vec::with_capacity(slots);
    for slot in 0..slots {
        let mut s = String::new();
        if slot > 0 {
            let h = &page.headings[slot - 1];
            let hashes = if h.level == 2 { "##" } else { "###" };
            let _ = writeln!(s, "{hashes} {}\n", h.text);
        }
        if slot == 0 {
            if let Some(f) = page.index_of {
                index_list(tree, idx, f, flavour, &mut s);
            } else if page.folder.is_none() {
                home_list(tree, flavour, &mut s);
            }
        }
        paragraph(&mut rng, &links[slot], &mut s);
        if alert_slot == Some(slot) {
            let _ = write!(s, "> [!{}]\n> ", rng.pick(ALERT_KINDS));
            sentence(&mut rng, &mut s);
            s.push_str("\n\n");
        }
        for _ in 0..lists[slot] {
            list(&mut rng, &mut s);
        }
        if slot == table_slot {
            table(&mut rng, &mut s);
        }
        for _ in 0..code[slot] {
            code_block(&mut rng, &mut s);
        }
        parts.push(s);
    }
    let fixed: usize = out.len() + parts.iter().map(String::len).sum::<usize>();
    let mut filler = target.saturating_sub(fixed);
    for (slot, part) in parts.iter().enumerate() {
        out.push_str(part);
        let budget = filler / (slots - slot);
        let mut prose = String::new();
        while prose.len() + 150 < budget {
            paragraph(&mut rng, &[], &mut prose);
        }
        filler -= budget.min(filler);
        out.push_str(&prose);
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn link_to_other(tree: &Tree, from: usize, rng: &mut Rng, flavour: Flavour) -> String {
    let n = tree.pages.len();
    if n == 1 {
        return "[the home page](README.md)".to_string();
    }
    let mut to = rng.below(n - 1);
    if to >= from {
        to += 1;
    }
    let target = &tree.pages[to];
    let href = href(tree, from, to, flavour);
    if target.headings.is_empty() || rng.chance(20) {
        format!("[{}]({href})", target.title.to_lowercase())
    } else {
        let h = &target.headings[rng.below(target.headings.len())];
        format!("[{}]({href}#{})", h.text.to_lowercase(), h.slug)
    }
}

/// Link from page `from` to page `to`: the Markdown path, or between Hugo's `uglyURLs`
/// output files (`x.md` → `x.html`, a section's `a/b/README.md` → `a/b.html`).
fn href(tree: &Tree, from: usize, to: usize, flavour: Flavour) -> String {
    let (from, to) = (&tree.pages[from].path, &tree.pages[to].path);
    match flavour {
        Flavour::Docs => relative(from, to),
        Flavour::Hugo => relative(&hugo_output(from), &hugo_output(to)),
    }
}

fn hugo_output(md_path: &str) -> String {
    match md_path.strip_suffix("/README.md") {
        Some(dir) => format!("{dir}.html"),
        None if md_path == "README.md" => "index.html".to_string(),
        None => format!("{}.html", md_path.trim_end_matches(".md")),
    }
}

fn index_list(tree: &Tree, idx: usize, folder: usize, flavour: Flavour, out: &mut String) {
    let f = &tree.folders[folder];
    for &c in &f.children {
        let readme = tree.folders[c]
            .pages
            .iter()
            .copied()
            .find(|&p| tree.pages[p].index_of == Some(c));
        if let Some(p) = readme {
            let _ = writeln!(
                out,
                "- [{}]({})",
                tree.pages[p].title,
                href(tree, idx, p, flavour)
            );
        }
    }
    for &p in &f.pages {
        if p != idx {
            let _ = writeln!(
                out,
                "- [{}]({})",
                tree.pages[p].title,
                href(tree, idx, p, flavour)
            );
        }
    }
    out.push('\n');
}

fn home_list(tree: &Tree, flavour: Flavour, out: &mut String) {
    for (i, p) in tree.pages.iter().enumerate() {
        if let Some(f) = p.index_of
            && tree.folders[f].depth == 1
        {
            let _ = writeln!(out, "- [{}]({})", p.title, href(tree, 0, i, flavour));
        }
    }
    out.push('\n');
}

fn paragraph(rng: &mut Rng, links: &[String], out: &mut String) {
    let n = rng.range(1, 4);
    let link_at = if links.is_empty() { n } else { rng.below(n) };
    for i in 0..n {
        if i > 0 {
            out.push(' ');
        }
        if i == link_at {
            for (k, l) in links.iter().enumerate() {
                if k > 0 {
                    out.push(' ');
                }
                let _ = write!(out, "See {l} for the details.");
            }
            out.push(' ');
        }
        sentence(rng, out);
    }
    out.push_str("\n\n");
}

fn list(rng: &mut Rng, out: &mut String) {
    let ordered = rng.chance(40);
    for i in 1..=rng.range(3, 6) {
        if ordered {
            let _ = write!(out, "{i}. ");
        } else {
            out.push_str("- ");
        }
        let _ = write!(out, "{} {}", capitalise(rng.pick(VERBS)), rng.pick(NOUNS));
        if rng.chance(40) {
            let _ = write!(out, " with `{}`", rng.pick(INLINE_CODE));
        }
        let _ = writeln!(out, " on `{}`", host(rng));
    }
    out.push('\n');
}

fn table(rng: &mut Rng, out: &mut String) {
    out.push_str("| Host | Port | Role | Notes |\n|---|---:|---|---|\n");
    for _ in 0..rng.range(3, 6) {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} {} |",
            host(rng),
            redis_port(rng),
            rng.pick(&["primary", "replica", "worker", "standby", "proxy"]),
            rng.pick(WORDS),
            rng.pick(NOUNS)
        );
    }
    out.push('\n');
}

fn code_block(rng: &mut Rng, out: &mut String) {
    let lang = rng.pick(&["bash", "python", "toml", "yaml"]);
    let target = rng.range(4, 10);
    let lines = match lang {
        "bash" => bash_lines(rng, target),
        "python" => python_lines(rng, target),
        "toml" => toml_lines(rng, target),
        _ => yaml_lines(rng, target),
    };
    let _ = writeln!(out, "```{lang}");
    for l in lines.iter().take(15) {
        out.push_str(l);
        out.push('\n');
    }
    out.push_str("```\n\n");
}

struct Args {
    pages: usize,
    out: PathBuf,
    seed: u64,
    hugo: Option<PathBuf>,
    force: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut pages = None;
    let mut out = None;
    let mut seed = 1u64;
    let mut hugo = None;
    let mut force = false;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--pages" => {
                let v = value("--pages")?;
                pages = Some(
                    v.parse::<usize>()
                        .ok()
                        .filter(|&n| n >= 1)
                        .ok_or(format!("--pages: expected a number >= 1, got `{v}`"))?,
                );
            }
            "--out" => out = Some(PathBuf::from(value("--out")?)),
            "--seed" => {
                let v = value("--seed")?;
                seed = v
                    .parse()
                    .map_err(|_| format!("--seed: expected an unsigned integer, got `{v}`"))?;
            }
            "--hugo" => hugo = Some(PathBuf::from(value("--hugo")?)),
            "--force" => force = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(Args {
        pages: pages.ok_or("--pages is required")?,
        out: out.ok_or("--out is required")?,
        seed,
        hugo,
        force,
    })
}

/// Makes sure `dir` exists and is empty, or (with `--force`) removes only the entries this
/// generator writes, so nothing else in it is touched.
fn prepare_dir(dir: &Path, force: bool, owned: &[&str]) -> Result<(), String> {
    let non_empty = match std::fs::read_dir(dir) {
        Ok(mut entries) => entries.next().is_some(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(format!("{}: {e}", dir.display())),
    };
    if non_empty {
        if !force {
            return Err(format!(
                "{}: not empty (use --force to replace the generated files)",
                dir.display()
            ));
        }
        for name in owned {
            let p = dir.join(name);
            let res = if p.is_dir() {
                std::fs::remove_dir_all(&p)
            } else if p.exists() {
                std::fs::remove_file(&p)
            } else {
                Ok(())
            };
            res.map_err(|e| format!("{}: {e}", p.display()))?;
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))
}

fn write_file(path: &Path, contents: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    std::fs::write(path, contents).map_err(|e| format!("{}: {e}", path.display()))
}

fn write_docs(tree: &Tree, out: &Path) -> Result<usize, String> {
    let docs = out.join("docs");
    let mut bytes = 0;
    for i in 0..tree.pages.len() {
        let md = render_page(tree, i, Flavour::Docs);
        bytes += md.len();
        write_file(&docs.join(&tree.pages[i].path), &md)?;
    }
    Ok(bytes)
}

fn write_hugo(tree: &Tree, dir: &Path) -> Result<(), String> {
    let content = dir.join("content");
    for i in 0..tree.pages.len() {
        let md = render_page(tree, i, Flavour::Hugo);
        let path = &tree.pages[i].path;
        let rel = match path.strip_suffix("README.md") {
            Some(d) => format!("{d}_index.md"),
            None => path.clone(),
        };
        write_file(&content.join(rel), &md)?;
    }
    for (name, text) in HUGO_FILES {
        write_file(&dir.join(name), text)?;
    }
    Ok(())
}

/// A minimal Hugo site shaped like a bisk-docs page: sidebar nav (sections plus the current
/// section open), breadcrumbs, TOC, content, prev/next; `.html` files and relative URLs as
/// bisk-docs writes them; code highlighted with CSS classes.
const HUGO_FILES: &[(&str, &str)] = &[
    (
        "hugo.toml",
        r#"baseURL = "/"
title = "Operations handbook"
uglyURLs = true
relativeURLs = true
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT"]

[markup.highlight]
noClasses = false
codeFences = true

[markup.goldmark.parser]
autoHeadingIDType = "github"

[markup.tableOfContents]
startLevel = 2
endLevel = 3
"#,
    ),
    (
        "layouts/_default/baseof.html",
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} · {{ .Site.Title }}</title>
<link rel="stylesheet" href="{{ "css/site.css" | relURL }}">
<link rel="stylesheet" href="{{ "css/syntax.css" | relURL }}">
</head>
<body>
<header><a href="{{ .Site.Home.RelPermalink }}">{{ .Site.Title }}</a></header>
<nav class="sidebar">{{ partial "nav.html" . }}</nav>
<main>
<nav class="crumbs">{{ range .Ancestors.Reverse }}<a href="{{ .RelPermalink }}">{{ .Title }}</a> / {{ end }}</nav>
<aside class="toc">{{ .TableOfContents }}</aside>
<article class="content">{{ block "main" . }}{{ end }}</article>
</main>
</body>
</html>
"#,
    ),
    (
        "layouts/_default/single.html",
        r#"{{ define "main" }}{{ .Content }}
<nav class="pager">{{ with .PrevInSection }}<a rel="prev" href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }} {{ with .NextInSection }}<a rel="next" href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</nav>
{{ end }}
"#,
    ),
    (
        "layouts/_default/list.html",
        r#"{{ define "main" }}{{ .Content }}{{ end }}
"#,
    ),
    (
        "layouts/partials/nav.html",
        r#"<ul class="sections">{{ range .Site.Sections.ByWeight }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>
{{ $here := .RelPermalink }}{{ with .CurrentSection }}<ul class="current">{{ range .Pages.ByWeight }}<li{{ if eq .RelPermalink $here }} class="active"{{ end }}><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}
"#,
    ),
    (
        "static/css/site.css",
        r#"body{font:16px/1.5 system-ui,sans-serif;margin:0;display:grid;grid-template-columns:16rem 1fr}
header{grid-column:1/3;padding:.5rem 1rem;border-bottom:1px solid #ddd}
.sidebar{padding:1rem;border-right:1px solid #ddd}
main{padding:1rem 2rem;max-width:60rem}
.toc{float:right;width:14rem;font-size:.9em}
pre{padding:.75rem;overflow:auto;background:#f6f8fa}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.25rem .5rem}
"#,
    ),
    (
        "static/css/syntax.css",
        r#".chroma .k,.chroma .kn,.chroma .kd{color:#cf222e}
.chroma .s,.chroma .s1,.chroma .s2{color:#0a3069}
.chroma .c,.chroma .c1{color:#6e7781;font-style:italic}
.chroma .m,.chroma .mi,.chroma .mf{color:#0550ae}
.chroma .nb,.chroma .nf{color:#8250df}
.chroma .nt,.chroma .na{color:#116329}
"#,
    ),
];

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let started = Instant::now();
    prepare_dir(&args.out, args.force, &["docs"])?;
    if let Some(h) = &args.hugo {
        prepare_dir(
            h,
            args.force,
            &["content", "layouts", "static", "hugo.toml"],
        )?;
    }
    let tree = plan(args.pages, args.seed);
    let bytes = write_docs(&tree, &args.out)?;
    if let Some(h) = &args.hugo {
        write_hugo(&tree, h)?;
    }
    println!(
        "gen_tree: {} pages, {} folders, {:.1} MB of Markdown in {:.2} s",
        tree.pages.len(),
        tree.folders.len(),
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_tree: {e}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slug_matches_the_documented_rule() {
        assert_eq!(slug("Check the primary cache"), "check-the-primary-cache");
        assert_eq!(slug("  Step 1: drain -- now!"), "step-1-drain-now");
    }

    #[test]
    fn relative_paths_climb_and_descend() {
        assert_eq!(relative("ops/a/x.md", "ops/a/y.md"), "y.md");
        assert_eq!(relative("ops/a/x.md", "backend/b.md"), "../../backend/b.md");
        assert_eq!(relative("README.md", "ops/README.md"), "ops/README.md");
        assert_eq!(relative("ops/x.md", "README.md"), "../README.md");
    }

    #[test]
    fn same_seed_same_pages_and_every_anchor_exists() {
        let a = plan(300, 7);
        let b = plan(300, 7);
        assert_eq!(a.pages.len(), 300);
        for i in 0..a.pages.len() {
            let md = render_page(&a, i, Flavour::Docs);
            assert_eq!(md, render_page(&b, i, Flavour::Docs));
            for (target, anchor) in md_links(&md) {
                let resolved = resolve(&a.pages[i].path, &target);
                let page = a
                    .pages
                    .iter()
                    .find(|p| p.path == resolved)
                    .unwrap_or_else(|| panic!("{}: no page {resolved}", a.pages[i].path));
                if let Some(anchor) = anchor {
                    assert!(
                        page.headings.iter().any(|h| h.slug == anchor),
                        "{}: no #{anchor} in {resolved}",
                        a.pages[i].path
                    );
                }
            }
        }
    }

    /// `(path, anchor)` of every `](x.md#y)` link, by plain string scanning.
    fn md_links(md: &str) -> Vec<(String, Option<String>)> {
        md.split("](")
            .skip(1)
            .filter_map(|rest| rest.split(')').next())
            .filter(|t| !t.starts_with('#'))
            .map(|t| match t.split_once('#') {
                Some((p, a)) => (p.to_string(), Some(a.to_string())),
                None => (t.to_string(), None),
            })
            .collect()
    }

    fn resolve(from: &str, target: &str) -> String {
        let mut parts: Vec<&str> = from.split('/').collect();
        parts.pop();
        for seg in target.split('/') {
            match seg {
                ".." => {
                    parts.pop();
                }
                s => parts.push(s),
            }
        }
        parts.join("/")
    }
}
