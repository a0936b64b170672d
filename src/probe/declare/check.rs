//! The checks a declaration can name and their typed parameters, as serde reads them
//! from a declaration's TOML (after its variables are filled).

use std::time::Duration;

use serde::{Deserialize, Deserializer};

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
