//! Probe widgets as static HTML.
//!
//! Structure (every text escaped; class names are the theme's contract, `data-*` the
//! live updater's):
//!
//! ```html
//! <div class="probe" id="probe-ID" data-probe-id="ID" data-check="cache.key"
//!      data-status="unchecked|pass|warn|fail|error|skipped">
//!   <div class="probe-head">
//!     <span class="probe-chip probe-chip-unchecked" role="status">
//!       <span class="probe-icon" aria-hidden="true">○</span>
//!       <span class="probe-word">not checked</span></span>
//!     <span class="probe-title">Title</span>
//!   </div>
//!   <p class="probe-description">Reads <code>bisk:1:enforcer:last_run</code> in db 1 …</p>
//!   <div class="probe-result" hidden></div>          <!-- static build: empty -->
//!   <details class="probe-declaration"><summary>Declaration</summary>
//!     <pre><code class="language-toml">check = "cache.key" …</code></pre></details>
//! </div>
//! ```
//!
//! In a snapshot the widget has `data-snapshot` (drawn grey: a build-time result), the chip
//! carries the result status and `.probe-result` is filled:
//!
//! ```html
//! <div class="probe-result">
//!   <p class="probe-checked">PASS as of the snapshot — checked <time datetime="…">2026-11-25
//!      17:02 UTC</time><span class="bisk-age" data-at="…"></span> on prod</p>
//!   <p class="probe-summary">…</p>
//!   <dl class="probe-compare"><dt>Expected</dt><dd>…</dd><dt>Observed</dt><dd><pre>…</pre></dd></dl>
//!   <dl class="probe-evidence"><dt>key</dt><dd><code>…</code></dd>…</dl>
//!   <p class="probe-hint">text <a href="../ops/REDIS_CACHE.html#troubleshooting-b"
//!      data-doc-link="ops/REDIS_CACHE.md#troubleshooting-b">How to fix</a></p>
//!   <!-- the link only when the site has that page: the site drops it otherwise -->
//!   <p class="probe-duration">3.2 ms</p>
//! </div>
//! ```

use std::fmt::Write as _;

use super::decl::{Check, Literal, Presence, ProbeDecl, ScanExpect};
use super::result::{ProbeResult, Status};
use crate::config::{Backend, RedisTarget};
use crate::content::paths::{output_path, relative_url};
use crate::render::escape::escape;

fn code(s: &str) -> String {
    format!("<code>{}</code>", escape(s))
}

/// The db a target URL selects, for descriptions: redis-py's reading (`?db=` before the
/// path), the one the probes use. Only a number is ever shown, never text of the URL.
fn db_of(url: &str) -> String {
    match super::redis_url::RedisUrl::parse(url.trim()) {
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

/// `extra`: more attributes, each with its leading space (` data-snapshot`).
fn open(decl: &ProbeDecl, status: &str, extra: &str, out: &mut String) {
    let _ = writeln!(
        out,
        "<div class=\"probe\" id=\"probe-{id}\" data-probe-id=\"{id}\" data-check=\"{check}\" data-status=\"{status}\"{extra}>",
        id = escape(&decl.id),
        check = escape(decl.check_name()),
    );
}

fn head(decl: &ProbeDecl, chip_class: &str, icon: &str, word: &str, out: &mut String) {
    let _ = writeln!(
        out,
        "<div class=\"probe-head\"><span class=\"probe-chip probe-chip-{chip_class}\" role=\"status\"><span class=\"probe-icon\" aria-hidden=\"true\">{icon}</span> <span class=\"probe-word\">{word}</span></span> <span class=\"probe-title\">{}</span></div>",
        escape(&decl.title)
    );
}

fn tail(decl: &ProbeDecl, out: &mut String) {
    let _ = writeln!(
        out,
        "<details class=\"probe-declaration\"><summary>Declaration</summary><pre><code class=\"language-toml\">{}</code></pre></details>\n</div>",
        escape(decl.source.trim_end())
    );
}

/// The widget in its "not checked" state, described against the default target.
pub fn render_static(decl: &ProbeDecl) -> String {
    render_static_for(decl, &RedisTarget::default())
}

/// The widget in its "not checked" state, with key names and DB of `target` (pass the
/// configured `[redis]` or the probe's named target so the sentence names real keys).
pub fn render_static_for(decl: &ProbeDecl, target: &RedisTarget) -> String {
    let mut out = String::new();
    open(decl, "unchecked", "", &mut out);
    head(decl, "unchecked", "○", "not checked", &mut out);
    let _ = writeln!(
        out,
        "<p class=\"probe-description\">{}</p>",
        describe(decl, target)
    );
    out.push_str("<div class=\"probe-result\" hidden></div>\n");
    tail(decl, &mut out);
    out
}

/// The probe's own target from the config (`target = "NAME"`, else `[redis]`), for the
/// key names and DB in the sentence. An unknown target falls back to `[redis]`; `check`
/// reports it.
pub fn target_for<'a>(decl: &ProbeDecl, config: &'a crate::config::Config) -> &'a RedisTarget {
    decl.target
        .as_deref()
        .and_then(|t| config.targets.get(t))
        .unwrap_or(&config.redis)
}

/// [`render_static_for`] with the probe's target looked up in `config` — what `build` calls.
pub fn render_static_in(decl: &ProbeDecl, config: &crate::config::Config) -> String {
    render_static_for(decl, target_for(decl, config))
}

/// The widget with a build-time result embedded ("PASS — checked … UTC on prod").
pub fn render_snapshot(decl: &ProbeDecl, result: &ProbeResult) -> String {
    render_snapshot_for(decl, result, &RedisTarget::default())
}

/// [`render_snapshot_for`] with the probe's target looked up in `config`.
pub fn render_snapshot_in(
    decl: &ProbeDecl,
    result: &ProbeResult,
    config: &crate::config::Config,
) -> String {
    render_snapshot_for(decl, result, target_for(decl, config))
}

pub fn render_snapshot_for(decl: &ProbeDecl, result: &ProbeResult, target: &RedisTarget) -> String {
    let s = result.status;
    let mut out = String::new();
    // `data-snapshot`: the theme draws it grey (a result from build time, never a current
    // green), and the page's script adds its age after the time.
    open(decl, s.as_str(), " data-snapshot", &mut out);
    head(decl, s.as_str(), s.icon(), s.word(), &mut out);
    let _ = writeln!(
        out,
        "<p class=\"probe-description\">{}</p>",
        describe(decl, target)
    );
    out.push_str("<div class=\"probe-result\">\n");
    let _ = writeln!(
        out,
        "<p class=\"probe-checked\">{} as of the snapshot — checked <time datetime=\"{at}\">{}</time><span class=\"bisk-age\" data-at=\"{at}\"></span> on {}</p>",
        s.word(),
        escape(&human_time(&result.checked_at)),
        escape(&result.target.name),
        at = escape(&result.checked_at),
    );
    let _ = writeln!(
        out,
        "<p class=\"probe-summary\">{}</p>",
        escape(&result.summary)
    );
    if result.expected.is_some() || result.observed.is_some() {
        out.push_str("<dl class=\"probe-compare\">");
        if let Some(e) = &result.expected {
            let _ = write!(out, "<dt>Expected</dt><dd>{}</dd>", escape(e));
        }
        if let Some(o) = &result.observed {
            let _ = write!(out, "<dt>Observed</dt><dd><pre>{}</pre></dd>", escape(o));
        }
        out.push_str("</dl>\n");
    }
    if !result.evidence.is_empty() {
        out.push_str("<dl class=\"probe-evidence\">");
        for e in &result.evidence {
            let _ = write!(
                out,
                "<dt>{}</dt><dd><code>{}</code></dd>",
                escape(&e.label),
                escape(&e.value)
            );
        }
        out.push_str("</dl>\n");
    }
    if s != Status::Pass
        && let Some(h) = &result.hint
    {
        let _ = write!(
            out,
            "<p class=\"probe-hint\">{}",
            crate::render::escape::escape_code_spans(&h.text)
        );
        if let Some(link) = &h.link {
            let _ = write!(
                out,
                " <a href=\"{}\" data-doc-link=\"{}\">How to fix</a>",
                escape(&doc_href(&decl.page, link)),
                escape(link)
            );
        }
        out.push_str("</p>\n");
    }
    let _ = writeln!(
        out,
        "<p class=\"probe-duration\">{:.1} ms</p>",
        result.duration_ms
    );
    out.push_str("</div>\n");
    tail(decl, &mut out);
    out
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
        let html = render_static(&d);
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
        let html = render_snapshot(&d, &r);
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
    fn db_from_urls() {
        assert_eq!(db_of("redis://127.0.0.1:6379/1"), "1");
        assert_eq!(db_of("redis://h:1"), "0");
        assert_eq!(db_of("unix:///r.sock?db=3"), "3");
        assert_eq!(db_of("redis://h:6379/1?db=5"), "5");
    }
}
