//! Probe declarations: the TOML body of a fenced ```probe block, parsed into a typed,
//! validated [`ProbeDecl`].
//!
//! Syntax (one flat TOML table):
//!
//! ```toml
//! check = "cache.key"          # required: which check runs
//! title = "Last run is fresh"  # optional: otherwise a default per check
//! id = "last-run"              # optional: unique in the site, [A-Za-z0-9_.-], ≤ 64 chars
//! description = "…"            # optional: replaces the generated sentence
//! target = "prod"              # optional: a `[targets.NAME]` from bisk-docs.toml
//! key = "enforcer:last_run"    # the check's own parameters
//! max_age = "15m"
//! ```
//!
//! When `id` is absent it is derived from the page path relative to the docs folder and the
//! block's 1-based position among the page's probe fences: the path without `.md`,
//! lowercased, every run of characters outside `[a-z0-9]` turned into one `-`, then
//! `-<index>`. `ops/REDIS_CACHE.md`, third probe → `ops-redis-cache-3`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Deserializer};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// A parsed probe declaration.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeDecl {
    /// Site-unique id: explicit, or derived (see the module docs).
    pub id: String,
    /// Page the block sits on, as given to [`parse`] (docs-relative in discovery).
    pub page: PathBuf,
    /// 1-based line of the opening fence.
    pub line: usize,
    /// 1-based position among the page's probe fences.
    pub index: usize,
    /// The explicit title, or the check's default title.
    pub title: String,
    /// Author's override of the generated "what is checked" sentence.
    pub description: Option<String>,
    /// Named target (`[targets.NAME]`); `None` means the run's target.
    pub target: Option<String>,
    /// The check and its typed parameters.
    pub check: Check,
    /// The TOML body as written, shown in the widget's `<details>`.
    pub source: String,
    /// Variables the body uses that have no value for its target: the probe cannot be
    /// judged and is skipped with this as the cause.
    pub unset: Vec<String>,
    /// The author's fix text (`hint = "…"`, `{{ vars }}` allowed): shown instead of the
    /// check's built-in hint when the probe does not pass.
    pub hint: Option<String>,
    /// Where the fix is explained (`hint_link`): a docs page (`ops/APP.md#anchor`) or an
    /// `https://` URL; replaces the built-in hint's link into the bundled guides.
    pub hint_link: Option<String>,
}

impl ProbeDecl {
    /// The check's name as written in declarations, e.g. `cache.key`.
    pub fn check_name(&self) -> &'static str {
        self.check.name()
    }
}

/// A check with its parameters. Each variant maps to one module of `probe::catalogue`.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    RedisPing,
    CacheRoundtrip(RoundtripParams),
    CacheKey(KeyParams),
    Breadcrumbs(BreadcrumbParams),
    RedisScan(ScanParams),
    RedisInfo(InfoParams),
    RedisConfig,
    SystemdUnit(UnitParams),
    TcpConnect(TcpParams),
    HttpGet(HttpParams),
    Command(CommandParams),
    DjangoSettings(DjangoSettingsParams),
}

/// Every check name, in documentation order.
pub const CHECK_NAMES: &[&str] = &[
    "redis.ping",
    "cache.roundtrip",
    "cache.key",
    "enforcer.breadcrumbs",
    "redis.scan",
    "redis.info",
    "redis.config",
    "systemd.unit",
    "tcp.connect",
    "http.get",
    "command",
    "django.settings",
];

impl Check {
    pub fn name(&self) -> &'static str {
        match self {
            Check::RedisPing => "redis.ping",
            Check::CacheRoundtrip(_) => "cache.roundtrip",
            Check::CacheKey(_) => "cache.key",
            Check::Breadcrumbs(_) => "enforcer.breadcrumbs",
            Check::RedisScan(_) => "redis.scan",
            Check::RedisInfo(_) => "redis.info",
            Check::RedisConfig => "redis.config",
            Check::SystemdUnit(_) => "systemd.unit",
            Check::TcpConnect(_) => "tcp.connect",
            Check::HttpGet(_) => "http.get",
            Check::Command(_) => "command",
            Check::DjangoSettings(_) => "django.settings",
        }
    }

    /// Title used when the declaration has none.
    pub fn default_title(&self) -> String {
        match self {
            Check::RedisPing => "Redis answers PING".into(),
            Check::CacheRoundtrip(p) => format!("Django cache round-trip of \"{}\"", p.key),
            Check::CacheKey(p) => format!("Cache key \"{}\"", p.key),
            Check::Breadcrumbs(p) => {
                let mut ns = p.namespace.clone();
                if let Some(first) = ns.get(..1) {
                    ns.replace_range(..1, &first.to_uppercase());
                }
                format!("{ns} breadcrumbs are fresh")
            }
            Check::RedisScan(p) => format!("Keys matching {}", p.pattern),
            Check::RedisInfo(_) => "Redis health (INFO)".into(),
            Check::RedisConfig => "Redis security and persistence settings".into(),
            Check::SystemdUnit(p) => format!("{} is active", p.unit),
            Check::TcpConnect(p) => format!("TCP connect to {}", p.address),
            Check::HttpGet(p) => format!("GET {}", p.url),
            Check::Command(p) => format!("Command {}", p.name),
            Check::DjangoSettings(_) => "Django's CACHES match bisk-docs.toml".into(),
        }
    }

    /// Whether the check writes to Redis (skipped when writes are not allowed).
    pub fn writes(&self) -> bool {
        matches!(self, Check::CacheRoundtrip(_))
    }

    /// Whether the check talks to the Redis target at all.
    pub fn uses_redis(&self) -> bool {
        matches!(
            self,
            Check::RedisPing
                | Check::CacheRoundtrip(_)
                | Check::CacheKey(_)
                | Check::Breadcrumbs(_)
                | Check::RedisScan(_)
                | Check::RedisInfo(_)
                | Check::RedisConfig
        )
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoundtripParams {
    #[serde(default = "default_ping_key")]
    pub key: String,
    #[serde(default = "default_pong")]
    pub value: String,
    /// Seconds; Django's `cache.set(key, value, ttl)`.
    #[serde(default = "default_roundtrip_ttl")]
    pub ttl: u64,
}

fn default_ping_key() -> String {
    "ping".into()
}
fn default_pong() -> String {
    "pong".into()
}
fn default_roundtrip_ttl() -> u64 {
    60
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Presence {
    #[default]
    Present,
    Absent,
}

/// A literal a cache value is compared with.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Literal {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

impl std::fmt::Display for Literal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Literal::Bool(true) => f.write_str("True"),
            Literal::Bool(false) => f.write_str("False"),
            Literal::Int(i) => write!(f, "{i}"),
            Literal::Float(x) => write!(f, "{x:?}"),
            Literal::Str(s) => write!(f, "'{s}'"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyParams {
    /// The Django key without prefix and version.
    pub key: String,
    #[serde(default)]
    pub expect: Presence,
    #[serde(default)]
    pub equals: Option<Literal>,
    #[serde(default, deserialize_with = "de_opt_duration")]
    pub max_age: Option<Duration>,
    #[serde(default)]
    pub min_ttl: Option<u64>,
    #[serde(default)]
    pub max_ttl: Option<u64>,
    #[serde(default)]
    pub persistent: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreadcrumbParams {
    #[serde(default = "default_namespace")]
    pub namespace: String,
    /// Older than this → warn.
    #[serde(default = "default_max_age", deserialize_with = "de_duration")]
    pub max_age: Duration,
    /// Older than this → fail.
    #[serde(default = "default_fail_after", deserialize_with = "de_duration")]
    pub fail_after: Duration,
    #[serde(default = "yes")]
    pub check_pid: bool,
    /// The systemd unit the enforcer runs in (`bisk-enforcer.service`): a `running_pid`
    /// whose cgroup names another unit, or none, is not the enforcer.
    #[serde(default)]
    pub pid_unit: Option<String>,
    /// Text the enforcer's command line contains (`manage.py enforce`): a `running_pid`
    /// whose command line lacks it is not the enforcer.
    #[serde(default)]
    pub pid_cmdline: Option<String>,
}

fn default_namespace() -> String {
    "enforcer".into()
}
fn default_max_age() -> Duration {
    Duration::from_secs(15 * 60)
}
fn default_fail_after() -> Duration {
    Duration::from_secs(60 * 60)
}
fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ScanExpect {
    None,
    #[default]
    Some,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanParams {
    /// Raw Redis glob, e.g. `:1:*`.
    pub pattern: String,
    #[serde(default)]
    pub expect: ScanExpect,
    /// DB index; default the target's.
    #[serde(default)]
    pub db: Option<u32>,
    /// How many databases the server has (`databases` in redis.conf, 16 unless raised):
    /// bounds `db`, so a typo is a declaration error rather than an empty scan.
    #[serde(default = "default_databases")]
    pub databases: u32,
    /// Most keys listed in the result.
    #[serde(default = "default_scan_limit")]
    pub limit: usize,
}

fn default_scan_limit() -> usize {
    20
}

/// Redis's default `databases`.
pub const DEFAULT_DATABASES: u32 = 16;

fn default_databases() -> u32 {
    DEFAULT_DATABASES
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InfoParams {
    /// used_memory / maxmemory above this → warn (only when maxmemory is set).
    #[serde(default = "default_memory_ratio")]
    pub max_memory_ratio: f64,
    /// evicted_keys above this → warn.
    #[serde(default)]
    pub max_evicted: u64,
    /// rejected_connections above this → warn.
    #[serde(default)]
    pub max_rejected: u64,
}

fn default_memory_ratio() -> f64 {
    0.9
}

impl Default for InfoParams {
    fn default() -> Self {
        InfoParams {
            max_memory_ratio: default_memory_ratio(),
            max_evicted: 0,
            max_rejected: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitParams {
    pub unit: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TcpParams {
    /// `host:port`.
    pub address: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpParams {
    /// `http://host[:port]/path`.
    pub url: String,
    #[serde(default = "default_status")]
    pub status: u16,
    #[serde(default)]
    pub contains: Option<String>,
}

fn default_status() -> u16 {
    200
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandParams {
    /// A `[commands.NAME]` in bisk-docs.toml.
    pub name: String,
}

/// `django.settings`: Django's `CACHES['default']` against the targets of bisk-docs.toml.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DjangoSettingsParams {
    /// Targets to compare (`"default"` is `[redis]`); default: every configured target.
    #[serde(default)]
    pub targets: Option<Vec<String>>,
    /// Whether cache entries (the enforcer's breadcrumbs) must outlive Django's default
    /// `TIMEOUT`; then a finite `TIMEOUT` warns.
    #[serde(default = "yes")]
    pub breadcrumbs_persist: bool,
}

fn de_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(d)?;
    parse_duration(&text).map_err(serde::de::Error::custom)
}

fn de_opt_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    de_duration(d).map(Some)
}

/// Every duration a declaration takes is an age limit: zero would fail on any value
/// written more than a nanosecond ago, so it is refused like a typo. (Negative durations
/// do not parse.)
fn parse_duration(text: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(text.trim()).map_err(|e| {
        format!("invalid duration {text:?} ({e}); write e.g. \"15m\", \"90s\", \"1h\"")
    })?;
    if d.is_zero() {
        return Err(format!(
            "invalid duration {text:?}: must be greater than zero (e.g. \"15m\")"
        ));
    }
    Ok(d)
}

/// A declaration problem, pinned to a line of the page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}: {message}", page.display())]
pub struct DeclError {
    pub page: PathBuf,
    pub line: usize,
    pub message: String,
}

impl DeclError {
    pub fn to_diagnostic(&self) -> crate::diag::Diagnostic {
        crate::diag::Diagnostic::error(&self.page, self.line, &self.message)
    }
}

const COMMON_KEYS: &[&str] = &[
    "check",
    "title",
    "id",
    "description",
    "target",
    "hint",
    "hint_link",
];

#[derive(Deserialize)]
struct Head {
    check: Option<String>,
    title: Option<String>,
    id: Option<String>,
    description: Option<String>,
    target: Option<String>,
    hint: Option<String>,
    hint_link: Option<String>,
}

/// Parses one probe body. `fence_line` is the 1-based line of the opening fence (the body
/// starts on the next line); `index` the 1-based position among the page's probe fences.
/// `{{ name }}` stays as written (see [`parse_in`] for the variables).
pub fn parse(
    body: &str,
    page: &Path,
    fence_line: usize,
    index: usize,
) -> Result<ProbeDecl, DeclError> {
    let doc = read_toml(body, page, fence_line)?;
    parse_doc(doc, body, page, fence_line, index, &[])
}

/// The body as a TOML document with the spans of its keys and values (into `body`).
fn read_toml<'b>(
    body: &'b str,
    page: &Path,
    fence_line: usize,
) -> Result<Spanned<DeTable<'b>>, DeclError> {
    DeTable::parse(body).map_err(|e| {
        let offset = e.span().map(|s| s.start);
        let line = offset.map_or(fence_line, |o| fence_line + crate::diag::line_of(body, o));
        let mut message = format!("invalid probe TOML: {}", e.message().trim());
        // A variable written as bare TOML (`ttl = {{ ttl }}`) is what breaks the line most
        // often since values are substituted after parsing: say how to write it.
        let line_text = offset
            .and_then(|o| body.get(..o.min(body.len())))
            .map(|before| before.rfind('\n').map_or(0, |i| i + 1))
            .and_then(|start| body[start..].lines().next());
        if let Some(r) = line_text.and_then(|l| {
            crate::vars::refs(l)
                .into_iter()
                .find(|r| !r.escaped)
                .map(|r| r.name.to_string())
        }) {
            message.push_str(&format!(
                "; `{{{{ {r} }}}}` is replaced only inside a quoted string value: write e.g. `key = \"{{{{ {r} }}}}\"`"
            ));
        }
        DeclError {
            page: page.to_path_buf(),
            line,
            message,
        }
    })
}

/// Parses a read (and possibly substituted) body. `unknowable` are top-level keys whose
/// values hold an unset variable's placeholder: the probe is skipped, so a placeholder that
/// is not a valid value there (an address, a URL, an enum) does not make it a declaration
/// error; such a key falls back to its default for the widget's sake.
fn parse_doc(
    doc: Spanned<DeTable<'_>>,
    body: &str,
    page: &Path,
    fence_line: usize,
    index: usize,
    unknowable: &[String],
) -> Result<ProbeDecl, DeclError> {
    let err = |line: usize, message: String| DeclError {
        page: page.to_path_buf(),
        line,
        message,
    };
    let body_line = |offset: usize| fence_line + crate::diag::line_of(body, offset);
    let key_line = |key: &str| {
        find_key_line(body, key)
            .map(|l| fence_line + l)
            .unwrap_or(fence_line)
    };

    let table =
        toml::Table::deserialize(toml::de::Deserializer::from(doc.clone())).map_err(|e| {
            let line = e.span().map(|s| body_line(s.start)).unwrap_or(fence_line);
            err(line, format!("invalid probe TOML: {}", e.message().trim()))
        })?;
    let head = Head::deserialize(toml::de::Deserializer::from(doc)).map_err(|e| {
        let line = e.span().map(|s| body_line(s.start)).unwrap_or(fence_line);
        err(line, format!("probe: {}", e.message().trim()))
    })?;
    let Some(check_name) = head.check else {
        return Err(err(
            fence_line,
            format!("probe has no `check`; one of: {}", CHECK_NAMES.join(", ")),
        ));
    };
    let mut rest = table.clone();
    for k in COMMON_KEYS {
        rest.remove(*k);
    }
    let typed = |rest: toml::Table| -> Result<Check, String> {
        let v = toml::Value::Table(rest);
        fn de<T: for<'de> Deserialize<'de>>(v: toml::Value) -> Result<T, String> {
            v.try_into::<T>()
                .map_err(|e| e.message().trim().to_string())
        }
        Ok(match check_name.as_str() {
            "redis.ping" => {
                no_params(&v)?;
                Check::RedisPing
            }
            "redis.config" => {
                no_params(&v)?;
                Check::RedisConfig
            }
            "cache.roundtrip" => Check::CacheRoundtrip(de(v)?),
            "cache.key" => Check::CacheKey(de(v)?),
            "enforcer.breadcrumbs" => Check::Breadcrumbs(de(v)?),
            "redis.scan" => Check::RedisScan(de(v)?),
            "redis.info" => Check::RedisInfo(de(v)?),
            "systemd.unit" => Check::SystemdUnit(de(v)?),
            "tcp.connect" => Check::TcpConnect(de(v)?),
            "http.get" => Check::HttpGet(de(v)?),
            "command" => Check::Command(de(v)?),
            "django.settings" => Check::DjangoSettings(de(v)?),
            other => {
                return Err(format!(
                    "unknown check {other:?}; known checks: {}",
                    CHECK_NAMES.join(", ")
                ));
            }
        })
    };
    let check = typed(rest.clone())
        .or_else(|first| {
            // Keys holding an unset placeholder cannot be judged anyway: read the
            // declaration without them rather than refuse it.
            if unknowable.is_empty() {
                return Err(first);
            }
            let mut known = rest.clone();
            known.retain(|k, _| !unknowable.iter().any(|u| u == k));
            typed(known).map_err(|_| first)
        })
        .map_err(|message| {
            // Point at the key the message names (serde quotes field names in backticks).
            let line = if !CHECK_NAMES.contains(&check_name.as_str()) {
                key_line("check")
            } else {
                backticked(&message)
                    .into_iter()
                    .find(|k| rest.contains_key(k))
                    .or_else(|| {
                        // Type errors do not name the key: the culprit is the key whose removal
                        // changes the error.
                        rest.keys()
                            .find(|k| {
                                let mut without = rest.clone();
                                without.remove(k.as_str());
                                typed(without).err().as_deref() != Some(message.as_str())
                            })
                            .cloned()
                    })
                    .map(|k| key_line(&k))
                    .unwrap_or(fence_line)
            };
            err(line, format!("probe `{check_name}`: {message}"))
        })?;
    match validate(&check) {
        Err((key, _)) if unknowable.iter().any(|k| k == key) => {}
        Err((key, message)) => {
            return Err(err(
                key_line(key),
                format!("probe `{check_name}`: {message}"),
            ));
        }
        Ok(()) => {}
    }

    let id = match head.id {
        Some(id) => {
            if !valid_id(&id) {
                return Err(err(
                    key_line("id"),
                    format!(
                        "probe id {id:?} must be 1–64 characters of letters, digits, '-', '_' or '.'"
                    ),
                ));
            }
            id
        }
        None => derive_id(page, index),
    };
    // ---- `hint` and `hint_link` (the probe's own fix text and where it is explained) ----
    if head
        .hint
        .as_deref()
        .is_some_and(|h| h.chars().count() > 1000)
    {
        return Err(err(
            key_line("hint"),
            "probe `hint` is longer than 1000 characters: link to a section with `hint_link` instead".into(),
        ));
    }
    if let Some(l) = head.hint_link.as_deref()
        && !valid_hint_link(l)
    {
        return Err(err(
            key_line("hint_link"),
            format!(
                "probe `hint_link` {l:?} must be a docs page (`ops/APP.md` or `ops/APP.md#anchor`) or an https:// or http:// URL"
            ),
        ));
    }
    // ---- end of `hint` and `hint_link` ----
    for (key, value) in [
        ("title", &head.title),
        ("description", &head.description),
        ("hint", &head.hint),
        ("hint_link", &head.hint_link),
    ] {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            return Err(err(key_line(key), format!("probe `{key}` is empty")));
        }
    }
    if let Some(t) = &head.target
        && t.trim().is_empty()
    {
        return Err(err(key_line("target"), "probe `target` is empty".into()));
    }
    Ok(ProbeDecl {
        id,
        page: page.to_path_buf(),
        line: fence_line,
        index,
        title: head.title.unwrap_or_else(|| check.default_title()),
        description: head.description,
        target: head.target,
        check,
        source: body.to_string(),
        unset: Vec::new(),
        hint: head.hint,
        hint_link: head.hint_link,
    })
}

/// A `hint_link`: an http(s) URL, or a docs-relative Markdown page with an optional anchor
/// (no `..`, no scheme, no spaces).
fn valid_hint_link(l: &str) -> bool {
    if l.starts_with("https://") || l.starts_with("http://") {
        return !l.chars().any(|c| c.is_whitespace() || c.is_control());
    }
    let page = l.split('#').next().unwrap_or("");
    page.ends_with(".md")
        && !page.starts_with('/')
        && !page.split('/').any(|seg| seg == ".." || seg.is_empty())
        && !l.contains(':')
        && !l.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// [`parse`] with the variables of the run's target (`run_target`; a probe naming its own
/// `target` takes that target's values).
///
/// The body is parsed as TOML first and `{{ name }}` is replaced only inside the parsed
/// string values (in arrays and tables too), so a value is only ever a value: whatever it
/// holds (quotes, newlines, `expect = …`) it cannot add or change a key. A reference in a
/// key is a declaration error at its line, one outside a string is invalid TOML (the error
/// says to quote it). An undefined variable is an error at its line; an unset one leaves
/// the probe parsed with [`ProbeDecl::unset`] set, so it is skipped with the cause instead
/// of running with a placeholder. `source` keeps the body as written.
pub fn parse_in(
    body: &str,
    page: &Path,
    fence_line: usize,
    index: usize,
    config: &crate::config::Config,
    run_target: &str,
) -> Result<ProbeDecl, DeclError> {
    let with = |target: &str| -> Result<Option<ProbeDecl>, DeclError> {
        let scope = config.scope(target);
        let mut doc = read_toml(body, page, fence_line)?;
        let found = substitute_doc(&mut doc, body, &scope, page, fence_line)?;
        if !found.any {
            return Ok(None);
        }
        if found.unset.is_empty() {
            return parse_doc(doc, body, page, fence_line, index, &[]).map(Some);
        }
        let mut decl = match parse_doc(doc.clone(), body, page, fence_line, index, &[]) {
            Ok(d) => d,
            // The placeholder of an unset value may not be a valid parameter (an address,
            // a URL, `expect`). The probe is skipped anyway: read it with the values of a
            // target that has them, so its widget and title still say what it checks, or
            // else without the keys that cannot be known.
            Err(_) => {
                let donor = config.target_names().into_iter().find_map(|t| {
                    let s = config.scope(&t);
                    if !found
                        .unset
                        .iter()
                        .all(|n| matches!(s.get(n), Some(crate::vars::VarDef::Value(_))))
                    {
                        return None;
                    }
                    let mut doc = read_toml(body, page, fence_line).ok()?;
                    substitute_doc(&mut doc, body, &s, page, fence_line).ok()?;
                    parse_doc(doc, body, page, fence_line, index, &[]).ok()
                });
                match donor {
                    Some(d) => d,
                    None => parse_doc(doc, body, page, fence_line, index, &found.unset_keys)?,
                }
            }
        };
        let names: Vec<String> = found.unset.iter().map(|n| format!("`{n}`")).collect();
        decl.description = Some(format!(
            "Not checked on target {target}: {} has no value there.",
            names.join(", ")
        ));
        decl.source = body.to_string();
        decl.unset = found.unset;
        Ok(Some(decl))
    };
    let Some(decl) = with(run_target)? else {
        return parse(body, page, fence_line, index);
    };
    match decl.target.clone() {
        Some(own) if own != run_target && config.targets.contains_key(&own) => {
            Ok(with(&own)?.unwrap_or(decl))
        }
        _ => Ok(decl),
    }
}

/// What [`substitute_doc`] found.
#[derive(Debug, Default)]
struct Substituted {
    /// Whether any string held a reference.
    any: bool,
    /// Unset variables used, sorted, once each.
    unset: Vec<String>,
    /// Top-level keys whose values use an unset variable.
    unset_keys: Vec<String>,
}

/// Replaces `{{ name }}` in every string value of `doc` (recursively) with the scope's
/// values. A reference in a key, or to an undefined variable, is an error at its line.
fn substitute_doc(
    doc: &mut Spanned<DeTable<'_>>,
    body: &str,
    scope: &crate::vars::Scope,
    page: &Path,
    fence_line: usize,
) -> Result<Substituted, DeclError> {
    fn walk(
        value: &mut Spanned<DeValue<'_>>,
        body: &str,
        top_key: &str,
        at: &dyn Fn(usize, String) -> DeclError,
        scope: &crate::vars::Scope,
        found: &mut Substituted,
    ) -> Result<(), DeclError> {
        let span = value.span();
        match value.get_mut() {
            DeValue::String(s) => {
                let Some((text, problems)) = crate::vars::substitute(s, scope) else {
                    return Ok(());
                };
                found.any = true;
                // A multi-line string drops the newline right after its opening quotes.
                let dropped = body.get(span.clone()).is_some_and(|raw| {
                    (raw.starts_with("\"\"\"") || raw.starts_with("'''"))
                        && (raw[3..].starts_with('\n') || raw[3..].starts_with("\r\n"))
                });
                for p in problems {
                    // The value's line, plus the lines of a multi-line string before it.
                    let within =
                        s[..p.at.min(s.len())].matches('\n').count() + usize::from(dropped);
                    if p.undefined {
                        return Err(at(span.start, p.message).at_line_offset(within));
                    }
                    if !found.unset.contains(&p.name) {
                        found.unset.push(p.name);
                    }
                    if !found.unset_keys.iter().any(|k| k == top_key) {
                        found.unset_keys.push(top_key.to_string());
                    }
                }
                *s = text.into();
            }
            DeValue::Array(items) => {
                for item in items.iter_mut() {
                    walk(item, body, top_key, at, scope, found)?;
                }
            }
            DeValue::Table(t) => walk_table(t, body, Some(top_key), at, scope, found)?,
            DeValue::Integer(_)
            | DeValue::Float(_)
            | DeValue::Boolean(_)
            | DeValue::Datetime(_) => {}
        }
        Ok(())
    }
    fn walk_table(
        table: &mut DeTable<'_>,
        body: &str,
        top_key: Option<&str>,
        at: &dyn Fn(usize, String) -> DeclError,
        scope: &crate::vars::Scope,
        found: &mut Substituted,
    ) -> Result<(), DeclError> {
        for (key, value) in table.iter_mut() {
            if let Some(r) = crate::vars::refs(key.get_ref())
                .into_iter()
                .find(|r| !r.escaped)
            {
                return Err(at(
                    key.span().start,
                    format!(
                        "`{{{{ {} }}}}` in the key `{}`: variables are replaced only in string values, never in keys",
                        r.name,
                        key.get_ref()
                    ),
                ));
            }
            let top = top_key.unwrap_or(key.get_ref()).to_string();
            walk(value, body, &top, at, scope, found)?;
        }
        Ok(())
    }
    let at = |offset: usize, message: String| DeclError {
        page: page.to_path_buf(),
        line: fence_line + crate::diag::line_of(body, offset),
        message,
    };
    let mut found = Substituted::default();
    walk_table(doc.get_mut(), body, None, &at, scope, &mut found)?;
    found.unset.sort();
    Ok(found)
}

impl DeclError {
    fn at_line_offset(mut self, lines: usize) -> Self {
        self.line += lines;
        self
    }
}

/// Checks a parsed declaration against the config it runs under: the `[commands.NAME]`
/// and `[targets.NAME]` it names must exist. Wherever pages are read with a config (the
/// site build behind `build` and `serve`, `check`), so a typo is a declaration error at
/// the probe's line rather than an error widget at run time.
pub fn check_config(decl: &ProbeDecl, config: &crate::config::Config) -> Result<(), DeclError> {
    let at = |key: &str, message: String| DeclError {
        page: decl.page.clone(),
        line: find_key_line(&decl.source, key)
            .map(|l| decl.line + l)
            .unwrap_or(decl.line),
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

fn no_params(v: &toml::Value) -> Result<(), String> {
    match v.as_table().and_then(|t| t.keys().next()) {
        Some(k) => Err(format!("unknown parameter `{k}`: this check takes none")),
        None => Ok(()),
    }
}

/// Checks that serde cannot express: non-empty names, sane bounds.
fn validate(check: &Check) -> Result<(), (&'static str, String)> {
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

fn valid_id(id: &str) -> bool {
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

fn backticked(message: &str) -> Vec<String> {
    message
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// 1-based line (within the body) of a top-level `key =`.
fn find_key_line(body: &str, key: &str) -> Option<usize> {
    body.lines()
        .position(|l| {
            let t = l.trim_start();
            let t = t
                .strip_prefix('"')
                .and_then(|r| r.strip_prefix(key).and_then(|r| r.strip_prefix('"')))
                .or_else(|| t.strip_prefix(key));
            t.is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(body: &str) -> Result<ProbeDecl, DeclError> {
        parse(body, Path::new("ops/REDIS_CACHE.md"), 10, 3)
    }

    #[test]
    fn minimal_ping_gets_defaults() {
        let d = p("check = \"redis.ping\"\n").unwrap();
        assert_eq!(d.id, "ops-redis-cache-3");
        assert_eq!(d.check, Check::RedisPing);
        assert_eq!(d.title, "Redis answers PING");
    }

    #[test]
    fn typed_params_and_defaults() {
        let d = p("check = \"enforcer.breadcrumbs\"\nmax_age = \"20m\"\n").unwrap();
        let Check::Breadcrumbs(b) = d.check else {
            panic!()
        };
        assert_eq!(b.max_age, Duration::from_secs(1200));
        assert_eq!(b.fail_after, Duration::from_secs(3600));
        assert!(b.check_pid);
        let d = p("check = \"cache.key\"\nkey = \"ping\"\nequals = \"pong\"\n").unwrap();
        let Check::CacheKey(k) = d.check else {
            panic!()
        };
        assert_eq!(k.equals, Some(Literal::Str("pong".into())));
        let d = p("check = \"cache.key\"\nkey = \"enforcer:running_pid\"\nequals = 42\n").unwrap();
        let Check::CacheKey(k) = d.check else {
            panic!()
        };
        assert_eq!(k.equals, Some(Literal::Int(42)));
    }

    #[test]
    fn unknown_check_points_at_check_line() {
        let e = p("title = \"x\"\ncheck = \"redis.pong\"\n").unwrap_err();
        assert_eq!(e.line, 12);
        assert!(e.message.contains("unknown check"), "{}", e.message);
    }

    #[test]
    fn unknown_parameter_points_at_its_line() {
        let e = p("check = \"cache.roundtrip\"\nkey = \"ping\"\nttl_secs = 5\n").unwrap_err();
        assert_eq!(e.line, 13, "{e}");
        assert!(e.message.contains("ttl_secs"), "{e}");
        let e = p("check = \"redis.ping\"\nkey = \"ping\"\n").unwrap_err();
        assert_eq!(e.line, 12, "{e}");
    }

    #[test]
    fn pid_identity_params_need_check_pid() {
        let ok = p("check = \"enforcer.breadcrumbs\"\npid_unit = \"bisk-enforcer.service\"\npid_cmdline = \"manage.py enforce\"\n").unwrap();
        let Check::Breadcrumbs(b) = ok.check else {
            panic!("{ok:?}")
        };
        assert_eq!(b.pid_unit.as_deref(), Some("bisk-enforcer.service"));
        assert_eq!(b.pid_cmdline.as_deref(), Some("manage.py enforce"));
        let e =
            p("check = \"enforcer.breadcrumbs\"\ncheck_pid = false\npid_unit = \"x.service\"\n")
                .unwrap_err();
        assert!(
            e.message.contains("`pid_unit` needs `check_pid = true`"),
            "{e}"
        );
        let e = p("check = \"enforcer.breadcrumbs\"\npid_cmdline = \" \"\n").unwrap_err();
        assert!(e.message.contains("`pid_cmdline` must not be empty"), "{e}");
    }

    #[test]
    fn wrong_type_points_at_its_line() {
        let e = p("check = \"cache.roundtrip\"\n\nttl = \"sixty\"\n").unwrap_err();
        assert_eq!(e.line, 13, "{e}");
        let e = p("check = \"enforcer.breadcrumbs\"\ncheck_pid = \"yes\"\n").unwrap_err();
        assert_eq!(e.line, 12, "{e}");
        let e = p("check = \"enforcer.breadcrumbs\"\nmax_age = \"soon\"\n").unwrap_err();
        assert_eq!(e.line, 12, "{e}");
        let e = p("check = 3\n").unwrap_err();
        assert_eq!(e.line, 11, "{e}");
    }

    #[test]
    fn missing_required_and_bad_syntax() {
        let e = p("check = \"cache.key\"\n").unwrap_err();
        assert!(e.message.contains("key"), "{e}");
        let e = p("title = \"x\"\n").unwrap_err();
        assert_eq!(e.line, 10);
        let e = p("check = \"redis.ping\"\ntitle = \n").unwrap_err();
        assert_eq!(e.line, 12, "{e}");
    }

    #[test]
    fn explicit_ids_are_validated() {
        assert_eq!(
            p("check = \"redis.ping\"\nid = \"ping-1\"\n").unwrap().id,
            "ping-1"
        );
        let e = p("check = \"redis.ping\"\nid = \"a b\"\n").unwrap_err();
        assert_eq!(e.line, 12);
    }

    #[test]
    fn derived_ids() {
        assert_eq!(
            derive_id(Path::new("ops/REDIS_CACHE.md"), 3),
            "ops-redis-cache-3"
        );
        assert_eq!(derive_id(Path::new("README.md"), 1), "readme-1");
        assert_eq!(derive_id(Path::new("__.md"), 2), "probe-2");
    }

    /// A config whose `k` is written in TOML as `value` (for `[vars]`) and `prod`
    /// (for `[targets.prod.vars]`).
    fn vars_config(value: &str, prod: &str) -> crate::config::Config {
        crate::config::Config::parse(
            &format!(
                "[targets.prod]\nurl = \"redis://h/1\"\n[vars]\nk = {value}\nother = \"x\"\n[targets.prod.vars]\nk = {prod}\n"
            ),
            Path::new("bisk-docs.toml"),
        )
        .unwrap()
    }

    fn p_in(
        body: &str,
        config: &crate::config::Config,
        target: &str,
    ) -> Result<ProbeDecl, DeclError> {
        parse_in(body, Path::new("ops/P.md"), 10, 1, config, target)
    }

    #[test]
    fn a_value_is_only_ever_a_value() {
        // The value closes the string and adds `expect = "absent"` if pasted into the text.
        let evil = r#""ping\"\nexpect = \"absent""#;
        let config = vars_config(evil, evil);
        let body = "check = \"cache.key\"\nkey = \"{{ k }}\"\n";
        for target in ["default", "prod"] {
            let d = p_in(body, &config, target).unwrap();
            let Check::CacheKey(k) = &d.check else {
                panic!("{d:?}")
            };
            assert_eq!(k.key, "ping\"\nexpect = \"absent", "{target}");
            assert_eq!(k.expect, Presence::Present, "{target}");
            assert_eq!(d.source, body);
            assert!(d.unset.is_empty());
        }
        // In arrays and inline tables too, and only where written.
        let d = p_in(
            "check = \"django.settings\"\ntargets = [\"{{ k }}\", \"default\"]\n",
            &vars_config("\"prod\"", "\"prod\""),
            "default",
        )
        .unwrap();
        let Check::DjangoSettings(ds) = &d.check else {
            panic!()
        };
        assert_eq!(
            ds.targets.as_deref(),
            Some(&["prod".to_string(), "default".into()][..])
        );
        // `\{{ k }}` (in a literal string: `\{` is no basic-string escape) stays as written.
        let d = p_in(
            "check = \"cache.key\"\nkey = '\\{{ k }}'\n",
            &config,
            "default",
        )
        .unwrap();
        let Check::CacheKey(k) = &d.check else {
            panic!("{d:?}")
        };
        assert_eq!(k.key, "{{ k }}");
        // A comment is not a value: nothing is looked up there.
        let d = p_in("check = \"redis.ping\" # {{ nope }}\n", &config, "default").unwrap();
        assert_eq!(d.check, Check::RedisPing);
    }

    #[test]
    fn references_outside_string_values_are_errors_at_their_line() {
        let config = vars_config("\"5\"", "\"6\"");
        let e = p_in(
            "check = \"cache.key\"\nkey = \"a\"\nmin_ttl = {{ k }}\n",
            &config,
            "default",
        )
        .unwrap_err();
        assert_eq!(e.line, 13, "{e}");
        assert!(e.message.contains("invalid probe TOML"), "{e}");
        assert!(
            e.message
                .contains("`{{ k }}` is replaced only inside a quoted string value"),
            "{e}"
        );
        let e = p_in(
            "check = \"cache.key\"\nkey = \"a\"\n\"{{ k }}\" = \"absent\"\n",
            &config,
            "default",
        )
        .unwrap_err();
        assert_eq!(e.line, 13, "{e}");
        assert!(
            e.message.contains(
                "`{{ k }}` in the key `{{ k }}`: variables are replaced only in string values"
            ),
            "{e}"
        );
        // Undefined: at the line of the value, also inside a multi-line string.
        let e = p_in(
            "check = \"http.get\"\nurl = \"http://h/\"\ncontains = \"\"\"\nline\n{{ nope }}\"\"\"\n",
            &config,
            "default",
        )
        .unwrap_err();
        assert_eq!(e.line, 15, "{e}");
        assert!(e.message.contains("undefined variable `{{ nope }}`"), "{e}");
        // A numeric value in a string stays a string: the type error names the key.
        let e = p_in(
            "check = \"cache.key\"\nkey = \"a\"\nmin_ttl = \"{{ k }}\"\n",
            &config,
            "default",
        )
        .unwrap_err();
        assert_eq!(e.line, 13, "{e}");
    }

    #[test]
    fn an_unset_value_anywhere_makes_a_skipped_probe_not_an_error() {
        let config = vars_config("{ unset = \"the thing\" }", "{ unset = \"the thing\" }");
        for body in [
            // Not a valid variant, not a duration, not an address, not a URL, not a unit.
            "check = \"cache.key\"\nkey = \"a\"\nexpect = \"{{ k }}\"\n",
            "check = \"cache.key\"\nkey = \"a\"\nmax_age = \"{{ k }}\"\n",
            "check = \"tcp.connect\"\naddress = \"{{ k }}\"\n",
            "check = \"http.get\"\nurl = \"{{ k }}\"\n",
            "check = \"systemd.unit\"\nunit = \"{{ k }} x\"\n",
            "check = \"command\"\nname = \"{{ k }}\"\n",
            "check = \"cache.key\"\nkey = \"{{ k }}\"\n",
        ] {
            for target in ["default", "prod"] {
                let d = p_in(body, &config, target).unwrap_or_else(|e| panic!("{body:?}: {e}"));
                assert_eq!(d.unset, ["k"], "{body:?}");
                assert_eq!(
                    d.description.as_deref(),
                    Some(
                        format!("Not checked on target {target}: `k` has no value there.").as_str()
                    )
                );
                assert_eq!(check_config(&d, &config), Ok(()), "{body:?}");
            }
        }
        // A key that does not hold the placeholder is still judged as written.
        let e = p_in(
            "check = \"cache.key\"\nkey = \"{{ k }}\"\nexpect = \"maybe\"\n",
            &config,
            "default",
        )
        .unwrap_err();
        assert!(e.message.contains("unknown variant"), "{e}");
    }

    #[test]
    fn config_names_must_exist() {
        let config = crate::config::Config::parse(
            "[commands.mainpid]\nargv = [\"true\"]\n[targets.prod]\nurl = \"redis://h/1\"\n",
            Path::new("bisk-docs.toml"),
        )
        .unwrap();
        let ok = p("check = \"command\"\nname = \"mainpid\"\ntarget = \"prod\"\n").unwrap();
        assert_eq!(check_config(&ok, &config), Ok(()));
        let typo = p("check = \"command\"\n\nname = \"mainpdi\"\n").unwrap();
        let e = check_config(&typo, &config).unwrap_err();
        assert_eq!(e.line, 13, "{e}");
        assert!(e.message.contains("declared: mainpid"), "{e}");
        let target = p("check = \"redis.ping\"\ntarget = \"qa\"\n").unwrap();
        assert_eq!(check_config(&target, &config).unwrap_err().line, 12);
    }

    #[test]
    fn impossible_combinations() {
        for (body, line) in [
            (
                "check = \"cache.key\"\nkey = \"k\"\nexpect = \"absent\"\npersistent = false\n",
                14,
            ),
            (
                "check = \"cache.key\"\nkey = \"k\"\nexpect = \"absent\"\nmin_ttl = 5\n",
                14,
            ),
            (
                "check = \"cache.key\"\nkey = \"k\"\nmax_age = \"0ms\"\n",
                13,
            ),
            (
                "check = \"enforcer.breadcrumbs\"\nfail_after = \"0s\"\n",
                12,
            ),
            ("check = \"redis.scan\"\npattern = \"*\"\ndb = 16\n", 13),
            (
                "check = \"redis.scan\"\npattern = \"*\"\ndatabases = 0\n",
                13,
            ),
            ("check = \"cache.key\"\nkey = \"k\"\nequals = nan\n", 13),
        ] {
            let e = p(body).unwrap_err();
            assert_eq!(e.line, line, "{body:?}: {e}");
        }
        let d = p("check = \"redis.scan\"\npattern = \"*\"\ndatabases = 64\ndb = 63\n").unwrap();
        let Check::RedisScan(s) = d.check else {
            panic!()
        };
        assert_eq!((s.db, s.databases), (Some(63), 64));
    }

    #[test]
    fn semantic_validation() {
        assert!(p("check = \"tcp.connect\"\naddress = \"nohost\"\n").is_err());
        assert!(p("check = \"http.get\"\nurl = \"ftp://x/\"\n").is_err());
        assert!(p("check = \"redis.scan\"\npattern = \":1:*\"\nlimit = 0\n").is_err());
        assert!(p("check = \"systemd.unit\"\nunit = \"--all\"\n").is_err());
        assert!(p("check = \"http.get\"\nurl = \"http://127.0.0.1:8000/dash/system/\"\ncontains = \"PID\"\n").is_ok());
    }
}
