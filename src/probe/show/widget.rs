//! Probe widgets: the sentence that says what a probe checks, and the facts the theme's
//! `probe.html` draws the widget from — one template for every widget the site shows: not
//! checked (`build`, `serve`'s pages), with a build-time result (`build --snapshot`), and
//! with a current result (what `serve` sends live, swapped in by the page's script). Only
//! the server renders widget markup; a theme that overrides `probe.html` changes them all.
//!
//! Every text is escaped by the theme's autoescape (the project's one escape); the
//! description is HTML built here from escaped parts.

use std::path::Path;

use serde::Serialize;

use crate::config::{Backend, RedisTarget};
use crate::content::paths::{output_path, relative_url};
use crate::probe::declare::{Check, Literal, Presence, ProbeDecl, ScanExpect};
use crate::probe::result::{ProbeResult, Status};
use crate::render::escape::escape;
use crate::theme::{Chip, Theme, ThemeError};

fn code(s: &str) -> String {
    format!("<code>{}</code>", escape(s))
}

/// The db a target URL selects, for descriptions: redis-py's reading (`?db=` before the
/// path), the one the probes use. Only a number is ever shown, never text of the URL.
fn db_of(url: &str) -> String {
    match crate::redis_url::RedisUrl::parse(url.trim()) {
        Ok(u) => u.db.to_string(),
        Err(_) => "(unknown: the target URL does not parse)".into(),
    }
}

fn dur(d: std::time::Duration) -> String {
    humantime::format_duration(d).to_string()
}

/// The sentence that says in words what the probe checks (HTML, escaped).
pub fn describe(decl: &ProbeDecl, target: &RedisTarget) -> String {
    if let Some(d) = &decl.description {
        return escape(d);
    }
    let key = |k: &str| code(&format!("{}:{}:{}", target.key_prefix, target.version, k));
    let db = escape(&db_of(&target.url));
    // Where the cache checks look: a Redis db, a FileBasedCache directory, a table.
    let place = match target.backend {
        Backend::Redis => format!("in db {db}"),
        Backend::File => format!(
            "in the FileBasedCache directory {}",
            code(target.location.as_deref().unwrap_or(""))
        ),
        Backend::Db => format!(
            "in the DatabaseCache table {} of {}",
            code(target.location.as_deref().unwrap_or("")),
            code(&target.display_database().unwrap_or_default())
        ),
    };
    let miss_causes = match target.backend {
        Backend::Redis => "no KEY_PREFIX, another version, another DB".to_string(),
        Backend::File => format!(
            "expired, no KEY_PREFIX, another version, a missing or unreadable directory, culling past MAX_ENTRIES {}, the PrivateTmp trap",
            target.max_entries
        ),
        Backend::Db => format!(
            "expired, no KEY_PREFIX or another prefix, another version, a missing table, another database, culling past MAX_ENTRIES {}",
            target.max_entries
        ),
    };
    match &decl.check {
        Check::CacheRoundtrip(p) if target.backend != Backend::Redis => format!(
            "Writes {} to {} {place} exactly as Django's <code>cache.set({}, {}, {})</code> does ({}), reads it back as Django's <code>cache.get</code> does and decodes it, and checks it expires within {} s. Skipped where writes are not allowed.",
            escape(&format!("'{}'", p.value)),
            key(&p.key),
            escape(&format!("{:?}", p.key)),
            escape(&format!("{:?}", p.value)),
            p.ttl,
            if target.backend == Backend::File {
                "a file named after the MD5 of the key, holding the pickled expiry and the zlib-compressed pickle"
            } else {
                "one row: the key, the base64 of the pickle, the expiry"
            },
            p.ttl
        ),
        Check::RedisPing => format!(
            "Sends {} to Redis and expects {} back, with the round-trip time.",
            code("PING"),
            code("PONG")
        ),
        Check::CacheRoundtrip(p) => format!(
            "Writes {} to {} in db {db} exactly as Django's <code>cache.set({}, {}, {})</code> does (pickled, {}), reads it back and decodes it, checks the TTL is at most {} s, and that SCAN finds the key. Skipped where writes are not allowed.",
            escape(&format!("'{}'", p.value)),
            key(&p.key),
            escape(&format!("{:?}", p.key)),
            escape(&format!("{:?}", p.value)),
            p.ttl,
            code(&format!("SET … EX {}", p.ttl)),
            p.ttl
        ),
        Check::CacheKey(p) => {
            let mut wants = Vec::new();
            match p.expect {
                Presence::Absent => wants.push("absent".to_string()),
                Presence::Present => wants.push("present".to_string()),
            }
            if let Some(l) = &p.equals {
                wants.push(format!("equal to {}", code(&literal(l))));
            }
            if let Some(a) = p.max_age {
                wants.push(format!("a time newer than {}", escape(&dur(a))));
            }
            if p.persistent == Some(true) {
                wants.push("without expiry".into());
            }
            if p.persistent == Some(false) {
                wants.push("with an expiry".into());
            }
            if let Some(t) = p.min_ttl {
                wants.push(format!("with at least {t} s left"));
            }
            if let Some(t) = p.max_ttl {
                wants.push(format!("with at most {t} s left"));
            }
            format!(
                "Reads {} {place} and expects it {}. A miss is traced to the usual causes: {miss_causes}.",
                key(&p.key),
                wants.join(", ")
            )
        }
        Check::Breadcrumbs(p) => format!(
            "Reads {}, {}, {} and {} {place} in one round trip. Warns when the last run or the last success is older than {}, fails after {}, when either is more than 5 min in the future or missing, when an error is newer than the last success{}; warns when breadcrumbs expire (Django's 300 s default) and when leftover {} keys exist.",
            key(&format!("{}:last_run", p.namespace)),
            key(&format!("{}:last_ok", p.namespace)),
            key(&format!("{}:last_error", p.namespace)),
            key(&format!("{}:running_pid", p.namespace)),
            escape(&dur(p.max_age)),
            escape(&dur(p.fail_after)),
            match (p.check_pid, target.backend) {
                (false, _) => "",
                (true, Backend::Redis) => {
                    ", or when the recorded PID is not the enforcer's live process (gone, a zombie, or reused: started after the last run; looked up when Redis runs on this host)"
                }
                (true, _) => {
                    ", or when the recorded PID is not the enforcer's live process (gone, a zombie, or reused: started after the last run; looked up when the cache is on this host)"
                }
            },
            code(&format!(":{}:{}:*", target.version, p.namespace)),
        ),
        Check::RedisScan(p) => format!(
            "Scans db {} for keys matching {} and expects {}.",
            p.db.map(|d| d.to_string())
                .unwrap_or_else(|| db_of(&target.url)),
            code(&p.pattern),
            match p.expect {
                ScanExpect::None => "none",
                ScanExpect::Some => "at least one",
            }
        ),
        Check::RedisInfo(p) => format!(
            "Reads {}: version, uptime, role, persistence; warns above {:.0}% of maxmemory, more than {} evicted keys or {} rejected connections.",
            code("INFO"),
            p.max_memory_ratio * 100.0,
            p.max_evicted,
            p.max_rejected
        ),
        Check::RedisConfig => format!(
            "Reads {}: Redis must be bound to loopback or protected by a password, with a cache-friendly eviction policy; persistence settings are shown. Skipped when CONFIG is disabled.",
            code("CONFIG GET")
        ),
        Check::SystemdUnit(p) => format!(
            "Runs {} and expects the unit loaded and {}. Skipped on hosts without systemd.",
            code(&format!("systemctl show {}", p.unit)),
            code("active")
        ),
        Check::TcpConnect(p) => format!("Opens a TCP connection to {}.", code(&p.address)),
        Check::HttpGet(p) => format!(
            "Fetches {} and expects status {}{}.",
            code(&p.url),
            p.status,
            p.contains
                .as_ref()
                .map(|c| format!(" and a body containing {}", code(c)))
                .unwrap_or_default()
        ),
        Check::Command(p) => format!(
            "Runs the command {} declared in {} and checks its exit code and output.",
            code(&p.name),
            code("bisk-docs.toml")
        ),
        Check::DjangoSettings(p) => format!(
            "Asks the project's Django (the {} section of {}) for {} and compares its backend, location, database, {} and {} with {}. Fails on drift, on a cache that is not shared across processes and on a Redis client missing from the virtualenv{}.",
            code("[django]"),
            code("bisk-docs.toml"),
            code("CACHES['default']"),
            code("KEY_PREFIX"),
            code("VERSION"),
            match &p.targets {
                Some(t) => format!(
                    "the target{} {}",
                    if t.len() == 1 { "" } else { "s" },
                    t.iter().map(|n| code(n)).collect::<Vec<_>>().join(", ")
                ),
                None => "every target of the same backend".to_string(),
            },
            if p.breadcrumbs_persist {
                "; warns when entries expire after a finite TIMEOUT (Django's default: 300 s)"
            } else {
                ""
            }
        ),
    }
}

fn literal(l: &Literal) -> String {
    l.to_string()
}

/// The chip of a widget that has no result yet.
const UNCHECKED: Chip = Chip {
    status: "unchecked",
    icon: "○",
    word: "not checked",
};

/// What the theme's `probe.html` sees (see the template's header for the fields).
#[derive(Serialize)]
struct WidgetContext<'a> {
    probe: ProbeFacts<'a>,
    chip: Chip,
    snapshot: bool,
    result: Option<ResultFacts<'a>>,
    live: Option<LiveFacts>,
}

#[derive(Serialize)]
struct ProbeFacts<'a> {
    id: &'a str,
    check: &'a str,
    title: &'a str,
    source: &'a str,
    /// HTML: every part escaped by [`describe`].
    description: String,
}

#[derive(Serialize)]
struct ResultFacts<'a> {
    status: &'static str,
    word: &'static str,
    summary: &'a str,
    expected: Option<&'a str>,
    observed: Option<&'a str>,
    evidence: &'a [crate::probe::result::Evidence],
    /// Only on a result that did not pass.
    hint: Option<HintFacts<'a>>,
    duration: String,
    checked_at: &'a str,
    checked_text: String,
    target: &'a str,
}

#[derive(Serialize)]
struct HintFacts<'a> {
    text: &'a str,
    /// Relative to the page the widget sits on; absent when the hint has no link.
    href: Option<String>,
    link: Option<&'a str>,
}

#[derive(Serialize)]
struct LiveFacts {
    spark: Spark,
    stats: String,
}

/// The sparkline of a live widget: one bar per kept result, oldest first; judged results
/// (pass, warn) as tall as their latency, others full height.
#[derive(Serialize)]
struct Spark {
    width: u32,
    height: u32,
    label: String,
    bars: Vec<Bar>,
}

#[derive(Serialize)]
struct Bar {
    x: String,
    y: String,
    width: String,
    height: String,
    status: &'static str,
    title: String,
}

/// A live result's surroundings, as the server keeps them.
pub struct Live<'a> {
    /// Recent results, oldest first: status, duration in ms, RFC 3339 time.
    pub history: Vec<(Status, f64, &'a str)>,
    /// The figures line beside the sparkline (`uptime 99.0% · p50 1.2 ms · …`).
    pub stats: String,
    /// The prefix to the site's root from the page that shows the widget, when that is not
    /// the probe's own page (a walkthrough at `runs/ID/`: `../../`), for hint links.
    pub root: Option<String>,
}

/// A latency as the widgets write it: one decimal under 10 ms, whole ms above, `–` unknown.
pub fn ms(v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        Some(v) if v < 10.0 => format!("{v:.1} ms"),
        Some(v) => format!("{} ms", v.round()),
    }
}

fn spark(history: &[(Status, f64, &str)]) -> Spark {
    const WIDTH: f64 = 120.0;
    const HEIGHT: f64 = 22.0;
    let n = history.len();
    let max = history.iter().map(|p| p.1).fold(0.0, f64::max);
    let bw = WIDTH / n.max(20) as f64;
    let bars = history
        .iter()
        .enumerate()
        .map(|(i, &(status, d, at))| {
            let judged = matches!(status, Status::Pass | Status::Warn);
            let h = if judged {
                (d / if max > 0.0 { max } else { 1.0 } * HEIGHT).max(4.0)
            } else {
                HEIGHT
            };
            Bar {
                x: format!("{:.2}", i as f64 * bw),
                y: format!("{:.2}", HEIGHT - h),
                width: format!("{:.2}", (bw - 1.0).max(1.0)),
                height: format!("{h:.2}"),
                status: status.as_str(),
                title: format!("{} · {} · {at}", status.word(), ms(Some(d))),
            }
        })
        .collect();
    Spark {
        width: WIDTH as u32,
        height: HEIGHT as u32,
        label: format!("Last {n} results"),
        bars,
    }
}

fn probe_facts<'a>(decl: &'a ProbeDecl, target: &RedisTarget) -> ProbeFacts<'a> {
    ProbeFacts {
        id: &decl.id,
        check: decl.check_name(),
        title: &decl.title,
        source: decl.source.trim_end(),
        description: describe(decl, target),
    }
}

/// `root`: the prefix to the site's root from the page showing the widget (`../../` on a
/// walkthrough), for hint links; `None`: the widget is on the probe's own page.
fn result_facts<'a>(
    decl: &ProbeDecl,
    result: &'a ProbeResult,
    root: Option<&str>,
) -> ResultFacts<'a> {
    let s = result.status;
    ResultFacts {
        status: s.as_str(),
        word: s.word(),
        summary: &result.summary,
        expected: result.expected.as_deref(),
        observed: result.observed.as_deref(),
        evidence: &result.evidence,
        hint: result
            .hint
            .as_ref()
            .filter(|_| s != Status::Pass)
            .map(|h| HintFacts {
                text: &h.text,
                href: h.link.as_deref().map(|l| match root {
                    // From a page at the root: the link's path from the root.
                    Some(root) => format!("{root}{}", doc_href(Path::new("README.md"), l)),
                    None => doc_href(&decl.page, l),
                }),
                link: h.link.as_deref(),
            }),
        duration: format!("{:.1} ms", result.duration_ms),
        checked_at: &result.checked_at,
        checked_text: human_time(&result.checked_at),
        target: &result.target.name,
    }
}

/// The widget in its "not checked" state, with key names and DB of `target` (pass the
/// configured `[redis]` or the probe's named target so the sentence names real keys).
pub fn render_static_for(
    theme: &Theme,
    decl: &ProbeDecl,
    target: &RedisTarget,
) -> Result<String, ThemeError> {
    theme.render_probe(&WidgetContext {
        probe: probe_facts(decl, target),
        chip: UNCHECKED,
        snapshot: false,
        result: None,
        live: None,
    })
}

/// The probe's own target from the config (`target = "NAME"`, else `[redis]`), for the
/// key names and DB in the sentence: as the probe runs against it (`BISK_REDIS_URL`
/// applied), so the description's db is the one its result names. An unknown target, or
/// `django` (its place known only once Django answers), falls back to `[redis]`; `check`
/// reports an unknown one.
pub fn target_for(decl: &ProbeDecl, config: &crate::config::Config) -> RedisTarget {
    config
        .target(decl.target.as_deref())
        .ok()
        .filter(|t| !t.target.url.is_empty())
        .or_else(|| config.target(None).ok())
        .map(|t| t.target)
        .unwrap_or_else(|| config.redis.clone())
}

/// [`render_static_for`] with the probe's target looked up in `config` — what `build` calls.
pub fn render_static_in(
    theme: &Theme,
    decl: &ProbeDecl,
    config: &crate::config::Config,
) -> Result<String, ThemeError> {
    render_static_for(theme, decl, &target_for(decl, config))
}

/// [`render_snapshot_for`] with the probe's target looked up in `config`.
pub fn render_snapshot_in(
    theme: &Theme,
    decl: &ProbeDecl,
    result: &ProbeResult,
    config: &crate::config::Config,
) -> Result<String, ThemeError> {
    render_snapshot_for(theme, decl, result, &target_for(decl, config))
}

/// The widget with a build-time result embedded ("PASS as of the snapshot — checked … UTC
/// on prod"): `data-snapshot`, so the theme draws it grey (a result from build time, never
/// a current green), and the page's script adds its age after the time.
pub fn render_snapshot_for(
    theme: &Theme,
    decl: &ProbeDecl,
    result: &ProbeResult,
    target: &RedisTarget,
) -> Result<String, ThemeError> {
    theme.render_probe(&WidgetContext {
        probe: probe_facts(decl, target),
        chip: Chip::of(result.status),
        snapshot: true,
        result: Some(result_facts(decl, result, None)),
        live: None,
    })
}

/// The widget with a current result, its sparkline and figures: what the server sends for
/// every live result (`html` in the probe API and the `probe` event), which the page's
/// script swaps in for the widget it shows.
pub fn render_live_in(
    theme: &Theme,
    decl: &ProbeDecl,
    result: &ProbeResult,
    live: &Live,
    config: &crate::config::Config,
) -> Result<String, ThemeError> {
    theme.render_probe(&WidgetContext {
        probe: probe_facts(decl, &target_for(decl, config)),
        chip: Chip::of(result.status),
        snapshot: false,
        result: Some(result_facts(decl, result, live.root.as_deref())),
        live: Some(LiveFacts {
            spark: spark(&live.history),
            stats: live.stats.clone(),
        }),
    })
}

/// A docs-relative `page.md#anchor` as a URL relative to the page the widget sits on.
pub fn doc_href(from_page: &std::path::Path, link: &str) -> String {
    // A probe's own `hint_link` may be a full URL: it stays as written.
    if link.starts_with("https://") || link.starts_with("http://") {
        return link.to_string();
    }
    let (page, anchor) = link.split_once('#').unwrap_or((link, ""));
    let from = output_path(from_page);
    let to = output_path(std::path::Path::new(page));
    let mut href = relative_url(&from, &to);
    if !anchor.is_empty() {
        href.push('#');
        href.push_str(anchor);
    }
    href
}

/// "2026-11-25 17:02 UTC" from an RFC 3339 instant.
fn human_time(rfc3339: &str) -> String {
    rfc3339
        .parse::<jiff::Timestamp>()
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|_| rfc3339.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::decl::parse;
    use crate::probe::result::{Evidence, Hint, TargetRef};
    use std::path::Path;

    fn theme() -> Theme {
        Theme::load(None).unwrap()
    }

    fn decl(body: &str) -> ProbeDecl {
        parse(body, Path::new("ops/REDIS_CACHE.md"), 1, 1).unwrap()
    }

    #[test]
    fn file_and_db_targets_are_described_in_their_terms() {
        let file = RedisTarget {
            backend: Backend::File,
            location: Some("/var/cache/bisk_cache".into()),
            ..RedisTarget::default()
        };
        let db = RedisTarget {
            backend: Backend::Db,
            location: Some("bisk_cache".into()),
            database: Some("postgres://bisk:hunter2@db:5432/bisk".into()),
            ..RedisTarget::default()
        };
        for body in [
            "check = \"cache.key\"\nkey = \"ping\"\n",
            "check = \"cache.roundtrip\"\n",
            "check = \"enforcer.breadcrumbs\"\n",
        ] {
            let f = describe(&decl(body), &file);
            assert!(f.contains("/var/cache/bisk_cache"), "{f}");
            assert!(!f.contains("db 1") && !f.contains("SCAN"), "{f}");
            let d = describe(&decl(body), &db);
            assert!(d.contains("<code>bisk_cache</code>"), "{d}");
            assert!(d.contains("bisk:***@db") && !d.contains("hunter2"), "{d}");
        }
    }

    #[test]
    fn static_widget_escapes_and_describes() {
        let d = decl(
            "check = \"cache.key\"\nkey = \"enforcer:last_run\"\nmax_age = \"15m\"\ntitle = \"<b>x</b>\"\n",
        );
        let html = render_static_for(&theme(), &d, &RedisTarget::default()).unwrap();
        assert!(html.contains("data-probe-id=\"ops-redis-cache-1\""));
        assert!(html.contains("&lt;b&gt;x&lt;/b&gt;"));
        assert!(!html.contains("<b>x</b>"));
        assert!(
            html.contains("<code>bisk:1:enforcer:last_run</code> in db 1"),
            "{html}"
        );
        assert!(html.contains("newer than 15m"));
        assert!(html.contains("not checked"));
    }

    /// A mistyped URL's "db" may be its password: descriptions show only a number.
    #[test]
    fn descriptions_never_take_the_db_from_a_password() {
        for url in [
            "redis//:SECRET@127.0.0.1:6379/1",
            "redis:/:SECRET@h/1",
            "redis://:SE/CRET@h:6379/1",
            "SECRET/1",
        ] {
            let target = RedisTarget {
                url: url.into(),
                ..RedisTarget::default()
            };
            for body in [
                "check = \"cache.key\"\nkey = \"k\"\n",
                "check = \"redis.scan\"\npattern = \"*\"\n",
            ] {
                let text = describe(&decl(body), &target);
                assert!(!text.contains("CRET"), "{url}: {text}");
            }
        }
        let target = RedisTarget {
            url: "redis://:pw@h:6379/3".into(),
            ..RedisTarget::default()
        };
        let text = describe(&decl("check = \"redis.scan\"\npattern = \"*\"\n"), &target);
        assert!(text.contains("db 3"), "{text}");
    }

    #[test]
    fn snapshot_shows_time_target_and_relative_hint() {
        let d = decl("check = \"redis.ping\"\n");
        let r = ProbeResult {
            id: d.id.clone(),
            page: "ops/REDIS_CACHE.md".into(),
            check: "redis.ping".into(),
            title: d.title.clone(),
            status: Status::Error,
            summary: "connection refused <script>".into(),
            expected: Some("PONG".into()),
            observed: None,
            evidence: vec![Evidence {
                label: "db".into(),
                value: "1".into(),
            }],
            hint: Some(Hint {
                text: "Start Redis".into(),
                link: Some("ops/REDIS_CACHE.md#troubleshooting-b".into()),
            }),
            duration_ms: 1.25,
            checked_at: "2026-11-25T17:02:00Z".into(),
            target: TargetRef {
                name: "prod".into(),
                url: "redis://h/1".into(),
            },
        };
        let html = render_snapshot_for(&theme(), &d, &r, &RedisTarget::default()).unwrap();
        assert!(html.contains("ERROR as of the snapshot — checked <time datetime=\"2026-11-25T17:02:00Z\">2026-11-25 17:02 UTC</time><span class=\"bisk-age\" data-at=\"2026-11-25T17:02:00Z\"></span> on prod"), "{html}");
        assert!(
            html.starts_with("<div class=\"probe\" id=\"probe-")
                && html.contains("data-status=\"error\" data-snapshot>"),
            "{html}"
        );
        assert!(
            html.contains("href=\"REDIS_CACHE.html#troubleshooting-b\""),
            "{html}"
        );
        assert!(html.contains("&lt;script&gt;"));
    }

    #[test]
    fn live_widget_has_sparkline_figures_and_escaped_values() {
        let d = decl("check = \"redis.ping\"\n");
        let mut r = ProbeResult {
            id: d.id.clone(),
            page: "ops/REDIS_CACHE.md".into(),
            check: "redis.ping".into(),
            title: d.title.clone(),
            status: Status::Fail,
            summary: "<img src=x onerror=alert(1)>".into(),
            expected: None,
            observed: Some("</pre><script>x</script>".into()),
            evidence: vec![Evidence {
                label: "<b>".into(),
                value: "`v`".into(),
            }],
            hint: Some(Hint {
                text: "Run `redis-cli <x>`".into(),
                link: None,
            }),
            duration_ms: 12.5,
            checked_at: "2026-11-25T17:02:00Z".into(),
            target: TargetRef {
                name: "prod".into(),
                url: "redis://h/1".into(),
            },
        };
        let live = Live {
            history: vec![
                (Status::Pass, 2.0, "2026-11-25T17:01:00Z"),
                (Status::Fail, 12.5, "2026-11-25T17:02:00Z"),
            ],
            stats: "uptime 50.0% · p50 2.0 ms".into(),
            root: None,
        };
        let config = crate::config::Config::default();
        let html = render_live_in(&theme(), &d, &r, &live, &config).unwrap();
        assert!(html.contains("data-status=\"fail\">") && !html.contains("data-snapshot"));
        assert!(html.contains("<span class=\"probe-checked-word\">FAIL — checked </span><time class=\"probe-ago\" datetime=\"2026-11-25T17:02:00Z\">2026-11-25 17:02 UTC</time> on prod</p>"), "{html}");
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{html}"
        );
        assert!(
            html.contains("<pre>&lt;/pre&gt;&lt;script&gt;x&lt;/script&gt;</pre>"),
            "{html}"
        );
        assert!(
            !html.contains("<img") && !html.contains("<script"),
            "{html}"
        );
        assert!(html.contains("<summary>Evidence (1)</summary><dl class=\"probe-evidence\"><dt>&lt;b&gt;</dt><dd><code>`v`</code></dd></dl></details>"), "{html}");
        assert!(
            html.contains("<p class=\"probe-hint\">Run <code>redis-cli &lt;x&gt;</code></p>"),
            "{html}"
        );
        assert_eq!(html.matches("<rect ").count(), 2, "{html}");
        // The passing run is as tall as its share of the slowest; the failure full height.
        assert!(html.contains("<rect x=\"0.00\" y=\"18.00\" width=\"5.00\" height=\"4.00\" class=\"spark-pass\"><title>PASS · 2.0 ms · 2026-11-25T17:01:00Z</title></rect>"), "{html}");
        assert!(
            html.contains("height=\"22.00\" class=\"spark-fail\"><title>FAIL · 13 ms ·"),
            "{html}"
        );
        assert!(html.contains("<span class=\"probe-stats\">uptime 50.0% · p50 2.0 ms</span><button class=\"probe-rerun\" type=\"button\">Re-run</button>"), "{html}");
        // On another page (a walkthrough at runs/ID/), the hint links from the site's root.
        r.hint = Some(Hint {
            text: "Start Redis".into(),
            link: Some("ops/REDIS_CACHE.md#troubleshooting-b".into()),
        });
        let away = Live {
            root: Some("../../".into()),
            ..live
        };
        let html = render_live_in(&theme(), &d, &r, &away, &config).unwrap();
        assert!(html.contains("<a href=\"../../ops/REDIS_CACHE.html#troubleshooting-b\" data-doc-link=\"ops/REDIS_CACHE.md#troubleshooting-b\">How to fix</a>"), "{html}");
        let live = Live { root: None, ..away };
        // A pass shows no hint.
        r.status = Status::Pass;
        let html = render_live_in(&theme(), &d, &r, &live, &config).unwrap();
        assert!(!html.contains("probe-hint"), "{html}");
        assert_eq!(ms(None), "–");
        assert_eq!(ms(Some(9.96)), "10.0 ms");
        assert_eq!(ms(Some(10.4)), "10 ms");
    }

    #[test]
    fn db_from_urls() {
        assert_eq!(db_of("redis://127.0.0.1:6379/1"), "1");
        assert_eq!(db_of("redis://h:1"), "0");
        assert_eq!(db_of("unix:///r.sock?db=3"), "3");
        assert_eq!(db_of("redis://h:6379/1?db=5"), "5");
    }
}
