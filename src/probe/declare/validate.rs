//! Checks serde cannot express (bounds, contradictions, names), the checks against the
//! config, and the id rule.

use std::path::Path;

use super::{Check, DEFAULT_DATABASES, DeclError, Literal, Presence, ProbeDecl};

/// Checks a parsed declaration against the config it runs under: the `[commands.NAME]`
/// and `[targets.NAME]` it names must exist. Wherever pages are read with a config (the
/// site build behind `build` and `serve`, `check`), so a typo is a declaration error at
/// the probe's line rather than an error widget at run time.
pub fn check_config(decl: &ProbeDecl, config: &crate::config::Config) -> Result<(), DeclError> {
    let at = |key: &str, message: String| DeclError {
        page: decl.page.clone(),
        line: decl.declaration.key_line(key),
        message,
    };
    // A name holding an unset value's placeholder cannot be looked up: the probe is
    // skipped with that cause rather than refused.
    let unknowable = |v: &str| {
        decl.unset
            .iter()
            .any(|n| v.contains(&crate::vars::unset_marker(n)))
    };
    if let Check::Command(p) = &decl.check
        && !config.commands.contains_key(&p.name)
        && !unknowable(&p.name)
    {
        let known: Vec<&str> = config.commands.keys().map(String::as_str).collect();
        return Err(at(
            "name",
            format!(
                "probe `command`: no [commands.{}] in bisk-docs.toml ({})",
                p.name,
                if known.is_empty() {
                    "none is declared".to_string()
                } else {
                    format!("declared: {}", known.join(", "))
                }
            ),
        ));
    }
    if let Check::DjangoSettings(p) = &decl.check {
        for name in p.targets.iter().flatten().filter(|n| !unknowable(n)) {
            if let Err(e) = config.target(Some(name)) {
                return Err(at("targets", format!("probe `django.settings`: {e}")));
            }
        }
    }
    if let Some(t) = &decl.target
        && !unknowable(t)
        && let Err(e) = config.target(Some(t))
    {
        return Err(at("target", format!("probe `{}`: {e}", decl.check_name())));
    }
    Ok(())
}

/// Checks that serde cannot express: non-empty names, sane bounds.
pub(super) fn validate(check: &Check) -> Result<(), (&'static str, String)> {
    let nonempty = |key: &'static str, v: &str| {
        if v.trim().is_empty() {
            Err((key, format!("`{key}` must not be empty")))
        } else {
            Ok(())
        }
    };
    match check {
        Check::CacheRoundtrip(p) => {
            nonempty("key", &p.key)?;
            if p.ttl == 0 {
                return Err((
                    "ttl",
                    "`ttl` must be at least 1 second (Django deletes on 0)".into(),
                ));
            }
        }
        Check::CacheKey(p) => {
            nonempty("key", &p.key)?;
            if p.expect == Presence::Absent {
                // Every other condition reads the value or its TTL, which an absent key
                // does not have: the probe would pass while ignoring them.
                let conditions: [(&'static str, bool); 5] = [
                    ("equals", p.equals.is_some()),
                    ("max_age", p.max_age.is_some()),
                    ("min_ttl", p.min_ttl.is_some()),
                    ("max_ttl", p.max_ttl.is_some()),
                    ("persistent", p.persistent.is_some()),
                ];
                if let Some((key, _)) = conditions.iter().find(|(_, set)| *set) {
                    return Err((
                        *key,
                        format!(
                            "`expect = \"absent\"` contradicts `{key}`: an absent key has no value or TTL to compare"
                        ),
                    ));
                }
            }
            if let Some(Literal::Float(x)) = p.equals
                && !x.is_finite()
            {
                return Err((
                    "equals",
                    format!("`equals = {x}` can never hold: compare with a finite number"),
                ));
            }
            if p.max_ttl == Some(0) {
                return Err((
                    "max_ttl",
                    "`max_ttl = 0` cannot hold: a key with a TTL has at least 1 s left; use `persistent = false` or a positive bound".into(),
                ));
            }
            if let (Some(lo), Some(hi)) = (p.min_ttl, p.max_ttl)
                && lo > hi
            {
                return Err(("min_ttl", "`min_ttl` is larger than `max_ttl`".into()));
            }
            if p.persistent == Some(true) && (p.min_ttl.is_some() || p.max_ttl.is_some()) {
                return Err((
                    "persistent",
                    "`persistent = true` contradicts TTL bounds".into(),
                ));
            }
        }
        Check::Breadcrumbs(p) => {
            nonempty("namespace", &p.namespace)?;
            for (field, v) in [("pid_unit", &p.pid_unit), ("pid_cmdline", &p.pid_cmdline)] {
                if let Some(v) = v {
                    nonempty(field, v)?;
                    if !p.check_pid {
                        return Err((
                            field,
                            format!(
                                "`{field}` needs `check_pid = true`: with check_pid = false the process is not looked up"
                            ),
                        ));
                    }
                }
            }
            if p.fail_after < p.max_age {
                return Err((
                    "fail_after",
                    "`fail_after` is shorter than `max_age`".into(),
                ));
            }
        }
        Check::RedisScan(p) => {
            nonempty("pattern", &p.pattern)?;
            if p.limit == 0 || p.limit > 1000 {
                return Err(("limit", "`limit` must be between 1 and 1000".into()));
            }
            if p.databases == 0 {
                return Err(("databases", "`databases` must be at least 1".into()));
            }
            if let Some(db) = p.db
                && db >= p.databases
            {
                return Err((
                    "db",
                    if p.databases == DEFAULT_DATABASES {
                        format!(
                            "`db = {db}` does not exist: Redis has 16 databases (0–15) unless `databases` is raised in redis.conf; if this server has more, say so with `databases = N`"
                        )
                    } else {
                        format!(
                            "`db = {db}` does not exist: `databases = {}` allows 0–{}",
                            p.databases,
                            p.databases - 1
                        )
                    },
                ));
            }
        }
        Check::RedisInfo(p) => {
            if !(p.max_memory_ratio > 0.0 && p.max_memory_ratio <= 1.0) {
                return Err((
                    "max_memory_ratio",
                    "`max_memory_ratio` must be in (0, 1]".into(),
                ));
            }
        }
        Check::SystemdUnit(p) => {
            nonempty("unit", &p.unit)?;
            if p.unit.starts_with('-')
                || p.unit.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                return Err(("unit", format!("`unit` {:?} is not a unit name", p.unit)));
            }
        }
        Check::TcpConnect(p) => {
            if crate::probe::catalogue::net::split_host_port(&p.address).is_none() {
                return Err((
                    "address",
                    format!("`address` {:?} is not host:port", p.address),
                ));
            }
        }
        Check::HttpGet(p) => {
            if let Err(e) = crate::probe::catalogue::net::HttpUrl::parse(&p.url) {
                return Err(("url", e));
            }
            // 1xx answers are interim (the probe reads past them), so never the verdict.
            if !(200..=599).contains(&p.status) {
                return Err((
                    "status",
                    "`status` must be a final HTTP status (200–599)".into(),
                ));
            }
            if p.contains.as_deref() == Some("") {
                return Err((
                    "contains",
                    "`contains = \"\"` matches every body; give the text the page must show".into(),
                ));
            }
        }
        Check::Command(p) => nonempty("name", &p.name)?,
        Check::DjangoSettings(p) => {
            if let Some(targets) = &p.targets {
                if targets.is_empty() {
                    return Err((
                        "targets",
                        "`targets = []` compares nothing; name targets or leave it out for all"
                            .into(),
                    ));
                }
                for t in targets {
                    nonempty("targets", t)?;
                    if t == crate::config::DJANGO_TARGET {
                        return Err((
                            "targets",
                            "`targets` names \"django\": that target is Django's own settings, so it always matches".into(),
                        ));
                    }
                }
            }
        }
        Check::RedisPing | Check::RedisConfig => {}
    }
    Ok(())
}

pub(super) fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The id rule of the module docs: `ops/REDIS_CACHE.md`, 3 → `ops-redis-cache-3`.
pub fn derive_id(page: &Path, index: usize) -> String {
    let text = page.to_string_lossy();
    let stem = text
        .strip_suffix(".md")
        .or_else(|| text.strip_suffix(".markdown"))
        .unwrap_or(&text);
    let mut out = String::new();
    for c in stem.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        format!("probe-{index}")
    } else {
        format!("{out}-{index}")
    }
}
