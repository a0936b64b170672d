//! `bisk-docs.toml`: the typed site configuration.
//!
//! Every key has a default so a bare `docs/` folder builds. Unknown keys and wrong types are
//! errors that name the key and its file:line, because a typo in a config silently ignored
//! is how a probe ends up pointing at the wrong Redis.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Deserializer};

pub const CONFIG_FILE: &str = "bisk-docs.toml";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Site title shown in the header and the browser tab.
    pub title: String,
    /// Folder holding the Markdown, relative to the root.
    pub docs_dir: PathBuf,
    /// Default output folder of `build`, relative to the root.
    pub out_dir: PathBuf,
    /// Optional theme folder whose files override the embedded default theme.
    pub theme: Option<PathBuf>,
    /// Absolute URL the site is published at; enables `sitemap.xml`. Links stay relative.
    pub base_url: Option<String>,
    /// Order of the top-level sections (folder names); unlisted ones follow alphabetically.
    pub sections: Vec<String>,
    /// What a broken internal link or anchor does to the build.
    pub broken_links: LinkPolicy,
    /// The default probe target (mirrors the app's Django `CACHES` block).
    pub redis: RedisTarget,
    /// More named targets, chosen with `--target NAME`.
    pub targets: BTreeMap<String, RedisTarget>,
    /// Operator-declared commands that `command` probes may run, by name.
    pub commands: BTreeMap<String, CommandSpec>,
    /// Where to ask Django for its `CACHES` (`target = "django"`, `django.settings`).
    pub django: Option<DjangoSection>,
    /// Values pages and probes use as `{{ name }}`; `[targets.NAME.vars]` overrides them.
    pub vars: BTreeMap<String, crate::vars::VarDef>,
    pub probes: ProbeSettings,
    pub serve: ServeSettings,
    pub runbook: RunbookSettings,
    pub render: RenderSettings,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            title: "Documentation".into(),
            docs_dir: "docs".into(),
            out_dir: "site".into(),
            theme: None,
            base_url: None,
            sections: Vec::new(),
            broken_links: LinkPolicy::Error,
            redis: RedisTarget::default(),
            targets: BTreeMap::new(),
            commands: BTreeMap::new(),
            django: None,
            vars: BTreeMap::new(),
            probes: ProbeSettings::default(),
            serve: ServeSettings::default(),
            runbook: RunbookSettings::default(),
            render: RenderSettings::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkPolicy {
    Error,
    Warn,
}

/// Which of Django's shared cache backends a target is, mirroring `CACHES['BACKEND']`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// `django.core.cache.backends.redis.RedisCache` (or django-redis): `url`.
    #[default]
    Redis,
    /// `django.core.cache.backends.filebased.FileBasedCache`: `location` is the directory.
    File,
    /// `django.core.cache.backends.db.DatabaseCache`: `location` is the table, `database`
    /// the database holding it.
    Db,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Redis => "redis",
            Backend::File => "file",
            Backend::Db => "db",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where probes look: one cache (Redis, a FileBasedCache directory or a DatabaseCache
/// table) plus the Django cache dialect spoken there. The name stays `RedisTarget` because
/// Redis is the default and most code paths speak of it; `backend` says which it is.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedisTarget {
    /// `redis` (the default), `file` or `db`.
    pub backend: Backend,
    /// `redis://[:PASSWORD@]host:port/db` or `unix:///path.sock?db=N`. May hold a secret:
    /// never print it; use [`RedisTarget::display_url`]. Redis only.
    pub url: String,
    /// Django's `LOCATION` for the other backends: the cache directory (`file`, absolute)
    /// or the table name (`db`).
    pub location: Option<String>,
    /// `db` only: `sqlite:////abs/path.sqlite3` or `postgres://user:PASSWORD@host:5432/name`.
    /// May hold a secret: never print it; use [`RedisTarget::display_database`].
    pub database: Option<String>,
    /// Django's `OPTIONS["MAX_ENTRIES"]` for file and db targets (Django's default 300):
    /// the culling diagnosis compares the entry count with it.
    pub max_entries: u64,
    pub key_prefix: String,
    pub version: i64,
    #[serde(deserialize_with = "de_duration")]
    pub connect_timeout: Duration,
    /// Whole-probe deadline.
    #[serde(deserialize_with = "de_duration")]
    pub deadline: Duration,
    /// Whether probes that write (cache.roundtrip) may run against this target.
    pub allow_writes: bool,
    /// Whether this Redis (and so the enforcer whose PID it holds) runs on this host;
    /// unset: decided from the addresses the URL resolves to (see `probe::locality`).
    pub local: Option<bool>,
    /// `[targets.NAME.vars]`: this target's values of `[vars]` (not allowed in `[redis]`).
    pub vars: BTreeMap<String, crate::vars::VarDef>,
    /// The app's Django `USE_TZ`; unset: Django's default since 5.0, `True` (aware UTC
    /// times). With `false` Django writes naive local times (breadcrumbs, DatabaseCache's
    /// `expires` on SQLite) in `time_zone`.
    pub use_tz: Option<bool>,
    /// The app's Django `TIME_ZONE` (an IANA name, e.g. "Asia/Kolkata"); needed with
    /// `use_tz = false`.
    pub time_zone: Option<String>,
}

impl Default for RedisTarget {
    fn default() -> Self {
        RedisTarget {
            backend: Backend::Redis,
            url: "redis://127.0.0.1:6379/1".into(),
            location: None,
            database: None,
            max_entries: 300,
            key_prefix: "bisk".into(),
            version: 1,
            connect_timeout: Duration::from_secs(1),
            deadline: Duration::from_secs(2),
            allow_writes: true,
            local: None,
            vars: BTreeMap::new(),
            use_tz: None,
            time_zone: None,
        }
    }
}

impl RedisTarget {
    /// How the app's naive datetimes are read (`use_tz`, `time_zone`).
    pub fn app_clock(&self) -> crate::django::time::AppClock {
        crate::django::time::AppClock::of(self.use_tz, self.time_zone.as_deref())
    }

    /// The URL with any password replaced by `***`, safe for pages, logs and JSON.
    /// For file and db targets, where the cache lives ([`RedisTarget::display_place`]): what
    /// every report shows as the target.
    pub fn display_url(&self) -> String {
        match self.backend {
            Backend::Redis => redact_url(&self.url),
            _ => self.display_place(),
        }
    }

    /// The `database` URL with any password replaced by `***`.
    pub fn display_database(&self) -> Option<String> {
        self.database.as_deref().map(redact_url)
    }

    /// Where this target's cache lives, safe to show: the Redis URL, `files in /dir`, or
    /// `table bisk_cache in postgres://u:***@host/db`.
    pub fn display_place(&self) -> String {
        match self.backend {
            Backend::Redis => redact_url(&self.url),
            Backend::File => format!("files in {}", self.location.as_deref().unwrap_or("")),
            Backend::Db => format!(
                "table {} in {}",
                self.location.as_deref().unwrap_or(""),
                self.display_database().unwrap_or_default()
            ),
        }
    }
}

// Debug must not leak the password either: configs end up in panic messages and logs.
impl fmt::Debug for RedisTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTarget")
            .field("backend", &self.backend)
            .field("url", &redact_url(&self.url))
            .field("location", &self.location)
            .field("database", &self.display_database())
            .field("max_entries", &self.max_entries)
            .field("key_prefix", &self.key_prefix)
            .field("version", &self.version)
            .field("connect_timeout", &self.connect_timeout)
            .field("deadline", &self.deadline)
            .field("allow_writes", &self.allow_writes)
            .field("local", &self.local)
            .field("vars", &self.vars)
            .finish()
    }
}

pub use crate::redact::redact_url;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandSpec {
    /// Program and arguments; never passed through a shell.
    #[serde(deserialize_with = "de_argv")]
    pub argv: Vec<String>,
    #[serde(default = "default_command_timeout", deserialize_with = "de_duration")]
    pub timeout: Duration,
    #[serde(default)]
    pub expect_exit: i32,
    /// Regular expression the standard output must match, compiled when the config is read
    /// so a bad pattern is a config error at its line, not a probe error at run time.
    #[serde(default)]
    pub expect_stdout: Option<StdoutPattern>,
    /// What the host must offer for the command's answer to mean anything; without it the
    /// probe is skipped with the cause instead of failing.
    #[serde(default)]
    pub requires: Vec<Requirement>,
}

impl CommandSpec {
    /// A spec with the defaults of an entry that gives only `argv`.
    pub fn new(argv: &[&str]) -> CommandSpec {
        CommandSpec {
            argv: argv.iter().map(|a| a.to_string()).collect(),
            timeout: default_command_timeout(),
            expect_exit: 0,
            expect_stdout: None,
            requires: Vec::new(),
        }
    }
}

/// Checked while parsing, so the error carries the line of this command's `argv`.
fn de_argv<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let argv = Vec::<String>::deserialize(d)?;
    match argv.first() {
        Some(program) if !program.trim().is_empty() => Ok(argv),
        _ => Err(serde::de::Error::custom(
            "`argv` must name a program: [\"program\", \"arg\", …]",
        )),
    }
}

/// Something a command needs from the host (`requires = ["systemd"]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Requirement {
    /// The host was booted with systemd (`/run/systemd/system` exists).
    Systemd,
}

/// `expect_stdout`: multi-line, so `^`/`$` match at line ends (every command's output ends
/// with a newline, and `^state=active$` should still match).
#[derive(Debug, Clone)]
pub struct StdoutPattern(pub regex::Regex);

impl StdoutPattern {
    pub fn new(pattern: &str) -> Result<StdoutPattern, regex::Error> {
        regex::RegexBuilder::new(pattern)
            .multi_line(true)
            // Patterns come from the operator, but bound the compiled size anyway.
            .size_limit(1 << 20)
            .build()
            .map(StdoutPattern)
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl<'de> Deserialize<'de> for StdoutPattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        StdoutPattern::new(&text).map_err(|e| {
            // regex's message spans several lines with a caret diagram; keep the last line.
            let why = e.to_string();
            let why = why
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            serde::de::Error::custom(format!(
                "`expect_stdout` {text:?} is not a valid regular expression: {}",
                why.trim().trim_start_matches("error: ")
            ))
        })
    }
}

fn default_command_timeout() -> Duration {
    Duration::from_secs(5)
}

/// The name of the target read from Django's own settings (`--target django`).
pub const DJANGO_TARGET: &str = "django";

/// `[django]`: how to ask the project's Django for its `CACHES`. bisk-docs runs
/// `python -c <embedded script> PROJECT_DIR SETTINGS` (argv, never a shell) under `timeout`
/// with `DJANGO_SETTINGS_MODULE = settings`, working folder `project_dir`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DjangoSection {
    /// The project's virtualenv interpreter (`/srv/bisk/.venv/bin/python`), or a program
    /// name looked up in `PATH`. Checked when the config is read: a relative path with a
    /// `/` would depend on the folder bisk-docs happens to run in.
    #[serde(deserialize_with = "de_python")]
    pub python: PathBuf,
    /// The settings module, as in `DJANGO_SETTINGS_MODULE` (`bisk.settings`).
    #[serde(deserialize_with = "de_module")]
    pub settings: String,
    /// The checkout whose folder holds the settings package (`/srv/bisk`); put first on
    /// `sys.path` and used as the working folder. Absolute.
    #[serde(default, deserialize_with = "de_project_dir")]
    pub project_dir: Option<PathBuf>,
    /// How long Django may take to import its settings before it is killed.
    #[serde(default = "default_django_timeout", deserialize_with = "de_duration")]
    pub timeout: Duration,
}

fn default_django_timeout() -> Duration {
    Duration::from_secs(10)
}

fn de_python<'de, D: Deserializer<'de>>(d: D) -> Result<PathBuf, D::Error> {
    let p = PathBuf::from(String::deserialize(d)?);
    let text = p.to_string_lossy();
    if text.trim().is_empty() {
        return Err(serde::de::Error::custom(
            "`python` must name the project's interpreter, e.g. \"/srv/bisk/.venv/bin/python\"",
        ));
    }
    if p.is_relative() && text.contains('/') {
        return Err(serde::de::Error::custom(format!(
            "`python` {text:?} must be an absolute path (or a bare program name found in PATH)"
        )));
    }
    Ok(p)
}

fn de_module<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let m = String::deserialize(d)?;
    let ok = !m.is_empty()
        && m.split('.').all(|part| {
            part.chars()
                .next()
                .is_some_and(|c| c == '_' || c.is_alphabetic())
                && part.chars().all(|c| c == '_' || c.is_alphanumeric())
        });
    if ok {
        Ok(m)
    } else {
        Err(serde::de::Error::custom(format!(
            "`settings` {m:?} is not a Python module path like \"bisk.settings\""
        )))
    }
}

fn de_project_dir<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
    let p = PathBuf::from(String::deserialize(d)?);
    if p.is_absolute() {
        Ok(Some(p))
    } else {
        Err(serde::de::Error::custom(format!(
            "`project_dir` {:?} must be an absolute path",
            p.display()
        )))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProbeSettings {
    /// How many probes run at once.
    pub concurrency: usize,
}

impl Default for ProbeSettings {
    fn default() -> Self {
        ProbeSettings { concurrency: 8 }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServeSettings {
    pub bind: String,
    #[serde(deserialize_with = "de_duration")]
    pub probe_interval: Duration,
    /// Origins of static sites allowed to read probe results (CORS).
    pub allowed_origins: Vec<String>,
    /// Folder for what outlives one run of `serve` (the probe history store), relative to
    /// the root unless absolute. Never published: it must lie outside `docs_dir` and
    /// `out_dir`.
    pub state_dir: PathBuf,
    /// Results the history store keeps per probe (older ones are dropped first).
    pub history_max_results: usize,
    /// Results older than this are dropped from the history store.
    #[serde(deserialize_with = "de_duration")]
    pub history_max_age: Duration,
    /// Host names accepted in `Host` besides loopback names, IP literals and this machine's
    /// own name: the names a reverse proxy forwards (the public URL's host is added).
    pub allowed_hosts: Vec<String>,
    /// Where people reach the server through a reverse proxy, sub-path included
    /// (`https://docs.bisk.internal/ops-docs/`).
    pub public_url: Option<PublicUrl>,
    /// Addresses (`10.0.0.5`, `10.0.0.0/24`) of the proxies whose `X-Forwarded-*` headers are
    /// believed. Nobody else's are.
    #[serde(deserialize_with = "de_nets")]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The header a trusted proxy sets to its authenticated user (`X-Forwarded-User`): the
    /// walkthrough's operator. Ignored from anyone but `trusted_proxies`.
    pub operator_header: Option<String>,
}

impl Default for ServeSettings {
    fn default() -> Self {
        ServeSettings {
            bind: "127.0.0.1:3000".into(),
            probe_interval: Duration::from_secs(5),
            allowed_origins: Vec::new(),
            state_dir: ".bisk-docs".into(),
            // 24 hours of results at a one-second interval.
            history_max_results: 100_000,
            history_max_age: Duration::from_secs(24 * 3600),
            allowed_hosts: Vec::new(),
            public_url: None,
            trusted_proxies: Vec::new(),
            operator_header: None,
        }
    }
}

/// `[serve] public_url`: an absolute http(s) URL whose path is the sub-path the proxy serves
/// the site under (always ending in `/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl {
    /// `https://docs.bisk.internal` (scheme, host and port: what a browser sends as `Origin`).
    pub origin: String,
    /// `docs.bisk.internal`, lower case.
    pub host: String,
    /// `/ops-docs/`, or `/`.
    pub prefix: String,
}

impl PublicUrl {
    pub fn parse(text: &str) -> Result<PublicUrl, String> {
        let url = url::Url::parse(text)
            .map_err(|e| format!("`public_url` is not a URL ({e}): {text:?}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("`public_url` must be an http(s) URL, got {text:?}"));
        }
        if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
            return Err(format!(
                "`public_url` is where the site is served: no query, fragment or user name, got {text:?}"
            ));
        }
        let host = url
            .host_str()
            .ok_or_else(|| format!("`public_url` has no host: {text:?}"))?
            .to_ascii_lowercase();
        let mut prefix = url.path().to_string();
        if !prefix.ends_with('/') {
            prefix.push('/');
        }
        Ok(PublicUrl {
            origin: url.origin().ascii_serialization(),
            host,
            prefix,
        })
    }
}

impl<'de> Deserialize<'de> for PublicUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        PublicUrl::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Accepts addresses (`10.0.0.5`, `::1`) and networks (`10.0.0.0/24`).
fn de_nets<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ipnet::IpNet>, D::Error> {
    let items = Vec::<String>::deserialize(d)?;
    items
        .iter()
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    serde::de::Error::custom(format!(
                        "`trusted_proxies`: {s:?} is not an IP address or a network like 10.0.0.0/24"
                    ))
                })
        })
        .collect()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RunbookSettings {
    /// Folder of the run logs, relative to the root.
    pub runs_dir: PathBuf,
}

impl Default for RunbookSettings {
    fn default() -> Self {
        RunbookSettings {
            runs_dir: "runs".into(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RenderSettings {
    /// `"fast"` (hand-written lexers for the common ops languages) or `"syntect"`.
    pub highlighter: crate::render::Highlighter,
}

/// Accepts `"1s"`, `"500ms"`, `"15m"` or a bare number of seconds.
fn de_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Secs(f64),
    }
    match Raw::deserialize(d)? {
        Raw::Text(s) => humantime::parse_duration(s.trim())
            .map_err(|e| serde::de::Error::custom(format!("invalid duration {s:?}: {e}")))
            .and_then(|d| nonzero(d, &s)),
        Raw::Secs(n) if n.is_finite() && n >= 0.0 => {
            nonzero(Duration::from_secs_f64(n), &n.to_string())
        }
        Raw::Secs(n) => Err(serde::de::Error::custom(format!(
            "invalid duration {n}: must be a positive number of seconds"
        ))),
    }
}

/// Every duration of the config bounds a wait (timeouts, deadlines, intervals): zero would
/// fail every probe, kill every command at once, or spin.
fn nonzero<E: serde::de::Error>(d: Duration, written: &str) -> Result<Duration, E> {
    if d.is_zero() {
        Err(E::custom(format!(
            "invalid duration {written:?}: must be greater than zero"
        )))
    } else {
        Ok(d)
    }
}

impl Config {
    /// Loads `<root>/bisk-docs.toml`, or the defaults when there is none.
    pub fn load(root: &Path) -> Result<Config, ConfigError> {
        let path = root.join(CONFIG_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Config::parse(&text, &path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(source) => Err(ConfigError::Read { path, source }),
        }
    }

    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| crate::diag::line_of(text, s.start))
                .unwrap_or(0);
            ConfigError::Invalid {
                path: path.to_path_buf(),
                line,
                message: e.message().trim().to_string(),
            }
        })?;
        config.validate(text, path)?;
        config.validate_django_target(text, path)?;
        Ok(config)
    }

    /// `django` names the target read from Django's settings: a `[targets.django]` would
    /// make `--target django` ambiguous.
    fn validate_django_target(&self, text: &str, path: &Path) -> Result<(), ConfigError> {
        if !self.targets.contains_key(DJANGO_TARGET) {
            return Ok(());
        }
        Err(ConfigError::Invalid {
            path: path.to_path_buf(),
            line: text
                .lines()
                .position(|l| l.trim_start().starts_with("[targets.django]"))
                .map(|i| i + 1)
                .unwrap_or(0),
            message: "`[targets.django]`: the name \"django\" is reserved for the target read from Django's settings (configure it with [django])".into(),
        })
    }

    fn validate(&self, text: &str, path: &Path) -> Result<(), ConfigError> {
        let invalid = |key: &str, message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            line: find_key_line(text, key),
            message,
        };
        if self.probes.concurrency == 0 {
            return Err(invalid(
                "concurrency",
                "`probes.concurrency` must be at least 1".into(),
            ));
        }
        if self.serve.history_max_results == 0 {
            return Err(invalid(
                "history_max_results",
                "`serve.history_max_results` must be at least 1".into(),
            ));
        }
        if self.serve.state_dir.as_os_str().is_empty() {
            return Err(invalid(
                "state_dir",
                "`serve.state_dir` is empty: name a folder (default `.bisk-docs`)".into(),
            ));
        }
        for (other, key) in [(&self.docs_dir, "docs_dir"), (&self.out_dir, "out_dir")] {
            let (state, other) = (lexical(&self.serve.state_dir), lexical(other));
            if state.starts_with(&other) || other.starts_with(&state) {
                return Err(invalid(
                    "state_dir",
                    format!(
                        "`serve.state_dir` ({}) overlaps `{key}` ({}): the state folder must lie outside what is read and published: set `state_dir` to another folder",
                        self.serve.state_dir.display(),
                        other.display()
                    ),
                ));
            }
        }
        if let Some(h) = &self.serve.operator_header {
            if axum::http::HeaderName::from_bytes(h.as_bytes()).is_err() {
                return Err(invalid(
                    "operator_header",
                    format!("`serve.operator_header` is not a header name: {h:?}"),
                ));
            }
            if self.serve.trusted_proxies.is_empty() {
                return Err(invalid(
                    "operator_header",
                    "`serve.operator_header` is only believed from a trusted proxy: list the proxy's address in `serve.trusted_proxies`".into(),
                ));
            }
        }
        if let Some(url) = &self.base_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(invalid(
                "base_url",
                format!("`base_url` must be an absolute http(s) URL, got {url:?}"),
            ));
        }
        // Which keys each target table spells out (a defaulted `url` is not "set"); the
        // typed parse above succeeded, so this one does too.
        let raw: toml::Table = text.parse().unwrap_or_default();
        let written = |table: &[&str], key: &str| -> bool {
            let mut t = &raw;
            for part in table {
                match t.get(*part).and_then(|v| v.as_table()) {
                    Some(inner) => t = inner,
                    None => return false,
                }
            }
            t.contains_key(key)
        };
        let mut all: Vec<(Vec<&str>, &RedisTarget)> = vec![(vec!["redis"], &self.redis)];
        for (name, t) in &self.targets {
            all.push((vec!["targets", name.as_str()], t));
        }
        for (table, target) in all {
            let header = table.join(".");
            let at = |key: &str, message: String| ConfigError::Invalid {
                path: path.to_path_buf(),
                line: find_key_line_in_table(text, &table, key),
                message: format!("[{header}] {message}"),
            };
            check_target(target, |key| written(&table, key)).map_err(|(key, m)| at(key, m))?;
        }
        self.validate_vars(text, path)?;
        Ok(())
    }

    /// Variable names are `{{ name }}`-able; a target may only set variables `[vars]`
    /// declares (a typo there would otherwise silently leave the default in place).
    fn validate_vars(&self, text: &str, path: &Path) -> Result<(), ConfigError> {
        let invalid = |key: &str, message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            line: find_key_line(text, key),
            message,
        };
        if let Some(name) = self.redis.vars.keys().next() {
            return Err(invalid(
                name,
                "`[redis.vars]`: the default target's values go in the top-level [vars]".into(),
            ));
        }
        for name in self.vars.keys() {
            if !crate::vars::valid_name(name) {
                return Err(invalid(
                    name,
                    format!(
                        "variable name {name:?}: use letters, digits and `_`, not starting with a digit"
                    ),
                ));
            }
        }
        for (target, t) in &self.targets {
            if let Some(name) = t.vars.keys().find(|n| !self.vars.contains_key(*n)) {
                return Err(invalid(
                    name,
                    format!(
                        "`[targets.{target}.vars]` sets `{name}`, which [vars] does not declare (declare it there with its default, or {{ unset = \"…\" }})"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The variables as target `name` sees them (`default` or an unknown name: `[vars]`).
    pub fn scope<'a>(&'a self, name: &'a str) -> crate::vars::Scope<'a> {
        crate::vars::Scope::new(name, &self.vars, self.targets.get(name).map(|t| &t.vars))
    }

    /// Every target name, `default` first.
    pub fn target_names(&self) -> Vec<String> {
        std::iter::once("default".to_string())
            .chain(self.targets.keys().cloned())
            .collect()
    }

    /// The probe target: `[redis]`, or `[targets.NAME]` when a name is given; the
    /// `BISK_REDIS_URL` environment variable overrides the URL of whichever is chosen.
    ///
    /// `django` is known when `[django]` is configured, but its place is only known once
    /// Django has been asked: this returns it with an empty `url` and `[redis]`'s other
    /// settings. Only `django::settings::resolve_target` (used by the runner) fills it in;
    /// an empty URL connects nowhere, so nothing can probe a place Django did not name.
    pub fn target(&self, name: Option<&str>) -> Result<NamedTarget, UnknownTarget> {
        let (name, mut target) = match name {
            None | Some("default") => ("default".to_string(), self.redis.clone()),
            Some(DJANGO_TARGET) => {
                if self.django.is_none() {
                    return Err(UnknownTarget {
                        name: DJANGO_TARGET.to_string(),
                        known: self.targets.keys().cloned().collect(),
                    });
                }
                let target = RedisTarget {
                    url: String::new(),
                    ..self.redis.clone()
                };
                return Ok(NamedTarget {
                    name: DJANGO_TARGET.to_string(),
                    target,
                });
            }
            Some(n) => match self.targets.get(n) {
                Some(t) => (n.to_string(), t.clone()),
                None => {
                    let mut known: Vec<String> = self.targets.keys().cloned().collect();
                    if self.django.is_some() {
                        known.push(DJANGO_TARGET.to_string());
                    }
                    return Err(UnknownTarget {
                        name: n.to_string(),
                        known,
                    });
                }
            },
        };
        // The secret belongs in the environment, not in the file: BISK_REDIS_URL for a
        // Redis target, BISK_DATABASE_URL for a database one.
        match target.backend {
            Backend::Redis => {
                if let Ok(url) = std::env::var("BISK_REDIS_URL")
                    && !url.trim().is_empty()
                {
                    target.url = url.trim().to_string();
                }
            }
            Backend::Db => {
                if let Ok(url) = std::env::var("BISK_DATABASE_URL")
                    && !url.trim().is_empty()
                {
                    target.database = Some(url.trim().to_string());
                }
            }
            Backend::File => {}
        }
        Ok(NamedTarget { name, target })
    }
}

#[derive(Debug, Clone)]
pub struct NamedTarget {
    pub name: String,
    pub target: RedisTarget,
}

#[derive(Debug, thiserror::Error)]
#[error("unknown target {name:?}; configured targets: default{}{}", known.iter().map(|k| format!(", {k}")).collect::<String>(), if name == DJANGO_TARGET { " (the \"django\" target needs a [django] section: python, settings, project_dir)" } else { "" })]
pub struct UnknownTarget {
    pub name: String,
    pub known: Vec<String>,
}

/// The rules between `backend` and the keys that only some backends have. `written` says
/// whether the table spells a key out; errors name the key they are about.
fn check_target(
    t: &RedisTarget,
    written: impl Fn(&str) -> bool,
) -> Result<(), (&'static str, String)> {
    let backend = t.backend;
    let not_here = |key: &'static str, why: &str| {
        Err((
            key,
            format!("`{key}` does not apply to backend = \"{backend}\": {why}"),
        ))
    };
    match backend {
        Backend::Redis => {
            if written("location") {
                return not_here(
                    "location",
                    "a Redis target's place is `url` (set backend = \"file\" or \"db\" for Django's FileBasedCache or DatabaseCache)",
                );
            }
            if written("database") {
                return not_here("database", "it names the database of backend = \"db\"");
            }
            if written("max_entries") {
                return not_here(
                    "max_entries",
                    "it is the MAX_ENTRIES of FileBasedCache and DatabaseCache",
                );
            }
        }
        Backend::File | Backend::Db => {
            if t.max_entries == 0 {
                return Err((
                    "max_entries",
                    "`max_entries` must be at least 1 (Django's MAX_ENTRIES; default 300)".into(),
                ));
            }
            if written("url") {
                return not_here(
                    "url",
                    "it is the Redis URL; this backend's place is `location`",
                );
            }
        }
    }
    if let Some(zone) = t.time_zone.as_deref()
        && !crate::django::time::known_zone(zone.trim())
    {
        return Err((
            "time_zone",
            format!(
                "`time_zone` {zone:?} is not a time zone of this host's tz database (/usr/share/zoneinfo): write the app's TIME_ZONE as an IANA name, e.g. \"Asia/Kolkata\""
            ),
        ));
    }
    if t.use_tz == Some(false) && t.time_zone.is_none() {
        return Err((
            "use_tz",
            "`use_tz = false` needs `time_zone`: with USE_TZ = False Django writes naive local times in its TIME_ZONE (Django's own default is \"America/Chicago\"), and without it no naive time can be judged".into(),
        ));
    }
    match backend {
        Backend::Redis => {}
        Backend::File => {
            if written("database") {
                return not_here("database", "it names the database of backend = \"db\"");
            }
            let Some(dir) = t.location.as_deref() else {
                return Err((
                    "backend",
                    "backend = \"file\" needs `location`: the cache directory, as in Django's CACHES LOCATION (e.g. \"/var/cache/bisk_cache\")".into(),
                ));
            };
            if !Path::new(dir).is_absolute() {
                return Err((
                    "location",
                    format!(
                        "`location` must be an absolute directory, got {dir:?}: a relative one would be read from where bisk-docs runs, not where the app runs"
                    ),
                ));
            }
        }
        Backend::Db => {
            let Some(table) = t.location.as_deref() else {
                return Err((
                    "backend",
                    "backend = \"db\" needs `location`: the cache table, as in Django's CACHES LOCATION (e.g. \"bisk_cache\")".into(),
                ));
            };
            if !valid_table_name(table) {
                return Err((
                    "location",
                    format!(
                        "`location` must be a table name (letters, digits, `_`, `$`, not starting with a digit, at most 63 characters), got {table:?}"
                    ),
                ));
            }
            let Some(db) = t.database.as_deref() else {
                return Err((
                    "backend",
                    "backend = \"db\" needs `database`: \"sqlite:////absolute/path.sqlite3\" or \"postgres://user@host:5432/name\" (the password may come from BISK_DATABASE_URL)".into(),
                ));
            };
            if let Err(why) = DatabaseUrl::parse(db) {
                return Err(("database", why));
            }
        }
    }
    Ok(())
}

/// A DatabaseCache table name bisk-docs will quote into its queries: conservative, since
/// it is spliced into SQL (as an identifier, in double quotes).
pub fn valid_table_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'$')
}

/// A `database` URL, split into what each driver needs.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite:////absolute/path.sqlite3` (three slashes, then the absolute path).
    Sqlite(PathBuf),
    /// `postgres://` or `postgresql://`, handed to the driver as written.
    Postgres(String),
}

impl DatabaseUrl {
    /// Checks the form; the error says what was expected (never quoting the URL, which may
    /// hold a password).
    pub fn parse(url: &str) -> Result<DatabaseUrl, String> {
        let url = url.trim();
        // Schemes are case-insensitive (RFC 3986 §3.1): `POSTGRESQL://` is `postgresql://`,
        // lowered here so the driver, which compares exactly, takes it too.
        let lowered;
        let url = match url.find("://") {
            Some(i) if url[..i].bytes().any(|b| b.is_ascii_uppercase()) => {
                lowered = format!("{}{}", url[..i].to_ascii_lowercase(), &url[i..]);
                lowered.as_str()
            }
            _ => url,
        };
        if let Some(path) = url.strip_prefix("sqlite:///") {
            if path.starts_with('/') && path.len() > 1 {
                return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
            }
            return Err(format!(
                "`database` {:?} must name an absolute file: \"sqlite:////absolute/path.sqlite3\" (four slashes)",
                redact_url(url)
            ));
        }
        let lower = url.to_ascii_lowercase();
        if let Some(rest) = lower
            .strip_prefix("postgres://")
            .or_else(|| lower.strip_prefix("postgresql://"))
        {
            let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
            if host.is_empty() || host.starts_with('/') {
                return Err(format!(
                    "`database` {:?} must name a host: \"postgres://user@host:5432/name\"",
                    redact_url(url)
                ));
            }
            return Ok(DatabaseUrl::Postgres(url.to_string()));
        }
        Err(format!(
            "`database` {:?} must start with sqlite:/// or postgres://",
            redact_url(url)
        ))
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(p) => f.debug_tuple("Sqlite").field(p).finish(),
            DatabaseUrl::Postgres(u) => f.debug_tuple("Postgres").field(&redact_url(u)).finish(),
        }
    }
}

/// Line of `key =` inside the table `[a.b]` (its header line when the key is not written
/// there), for errors about one target among several.
fn find_key_line_in_table(text: &str, table: &[&str], key: &str) -> usize {
    let mut inside = false;
    let mut header_line = 0;
    for (i, l) in text.lines().enumerate() {
        let t = l.trim();
        if t.starts_with('[') {
            let name: String = t
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("")
                .split('.')
                .map(|p| p.trim().trim_matches('"'))
                .collect::<Vec<_>>()
                .join(".");
            inside = name == table.join(".");
            if inside {
                header_line = i + 1;
            }
            continue;
        }
        if inside
            && t.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        {
            return i + 1;
        }
    }
    header_line
}

/// A root-relative path without `.` parts (`./site/` and `site` compare equal), for the
/// overlap check of `state_dir`; `..` parts are kept, so a path leaving the root never
/// overlaps one inside it.
fn lexical(p: &Path) -> PathBuf {
    p.components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect()
}

/// Best-effort line of the first `key =` in a TOML text, for errors found after parsing.
fn find_key_line(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| {
            let t = l.trim_start();
            t.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("bisk-docs.toml"))
    }

    #[test]
    fn empty_config_is_all_defaults() {
        let c = parse("").unwrap();
        assert_eq!(c.redis.url, "redis://127.0.0.1:6379/1");
        assert_eq!(c.redis.key_prefix, "bisk");
        assert_eq!(c.redis.version, 1);
        assert_eq!(c.redis.deadline, Duration::from_secs(2));
        assert_eq!(c.docs_dir, PathBuf::from("docs"));
    }

    #[test]
    fn unknown_key_names_key_and_line() {
        let err = parse("title = \"x\"\n\n[redis]\nurl = \"redis://h/1\"\nprefix = \"bisk\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("bisk-docs.toml:5:"), "{err}");
        assert!(err.contains("prefix"), "{err}");
    }

    #[test]
    fn wrong_type_names_line() {
        let err = parse("title = 3\n").unwrap_err().to_string();
        assert!(err.starts_with("bisk-docs.toml:1:"), "{err}");
    }

    #[test]
    fn highlighter_is_a_config_value() {
        use crate::render::Highlighter;
        assert_eq!(parse("").unwrap().render.highlighter, Highlighter::Fast);
        let c = parse("[render]\nhighlighter = \"syntect\"\n").unwrap();
        assert_eq!(c.render.highlighter, Highlighter::Syntect);
        let err = parse("[render]\nhighlighter = \"slow\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("bisk-docs.toml:2:"), "{err}");
        assert!(err.contains("fast") && err.contains("syntect"), "{err}");
    }

    #[test]
    fn durations_accept_text_and_numbers() {
        let c = parse("[redis]\nconnect_timeout = \"250ms\"\ndeadline = 3\n").unwrap();
        assert_eq!(c.redis.connect_timeout, Duration::from_millis(250));
        assert_eq!(c.redis.deadline, Duration::from_secs(3));
        assert!(parse("[redis]\ndeadline = \"soon\"\n").is_err());
    }

    #[test]
    fn redaction_hides_passwords() {
        assert_eq!(
            redact_url("redis://:s3cret@h:6379/1"),
            "redis://:***@h:6379/1"
        );
        assert_eq!(
            redact_url("redis://user:p%40ss@h/2"),
            "redis://user:***@h/2"
        );
        assert_eq!(
            redact_url("unix:///run/r.sock?db=1&password=x"),
            "unix:///run/r.sock?db=1&password=***"
        );
        assert_eq!(
            redact_url("redis://127.0.0.1:6379/1"),
            "redis://127.0.0.1:6379/1"
        );
        let t = RedisTarget {
            url: "redis://:hunter2@h/1".into(),
            ..RedisTarget::default()
        };
        assert!(!format!("{t:?}").contains("hunter2"));
    }

    #[test]
    fn command_specs_are_checked_where_written() {
        let text = "[commands.a]\nargv = [\"true\"]\nexpect_stdout = '^ok$'\n\n[commands.b]\nargv = [\"true\"]\nexpect_stdout = '(unclosed'\n";
        let err = parse(text).unwrap_err().to_string();
        assert!(err.starts_with("bisk-docs.toml:7:"), "{err}");
        assert!(err.contains("not a valid regular expression"), "{err}");
        let c = parse(
            "[commands.a]\nargv = [\"true\"]\nexpect_stdout = '^ok$'\nrequires = [\"systemd\"]\n",
        )
        .unwrap();
        let a = &c.commands["a"];
        assert!(a.expect_stdout.as_ref().unwrap().0.is_match("x\nok\n"));
        assert_eq!(a.requires, vec![Requirement::Systemd]);
        let err = parse("[commands.a]\nargv = [\"true\"]\ntimeout = \"0s\"\n").unwrap_err();
        assert!(err.to_string().starts_with("bisk-docs.toml:3:"), "{err}");
        let err = parse("[commands.a]\nargv = [\"true\"]\n[commands.b]\nargv = []\n").unwrap_err();
        assert!(err.to_string().starts_with("bisk-docs.toml:4:"), "{err}");
        let err = parse("[commands.a]\nargv = [\"true\"]\nrequires = [\"dbus\"]\n").unwrap_err();
        assert!(err.to_string().starts_with("bisk-docs.toml:3:"), "{err}");
        assert!(parse("[redis]\ndeadline = 0\n").is_err());
        assert!(parse("[serve]\nprobe_interval = \"0s\"\n").is_err());
    }

    #[test]
    fn the_apps_clock_keys() {
        let c = parse(
            "[redis]\nuse_tz = false\ntime_zone = \"Asia/Kolkata\"\n\n[targets.west]\nuse_tz = false\ntime_zone = \"America/Los_Angeles\"\n",
        )
        .unwrap();
        assert_eq!(
            c.redis.app_clock(),
            crate::django::time::AppClock::Local("Asia/Kolkata".into())
        );
        assert_eq!(
            c.targets["west"].app_clock(),
            crate::django::time::AppClock::Local("America/Los_Angeles".into())
        );
        assert_eq!(
            parse("").unwrap().redis.app_clock(),
            crate::django::time::AppClock::Utc
        );
        // USE_TZ = False needs the zone: naive times cannot be placed without it.
        let err = parse("[targets.t]\nurl = \"redis://h/1\"\nuse_tz = false\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("bisk-docs.toml:3:"), "{err}");
        assert!(err.contains("needs `time_zone`"), "{err}");
        let err = parse("[redis]\nuse_tz = false\ntime_zone = \"Mars/Base\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("bisk-docs.toml:3:"), "{err}");
        assert!(err.contains("not a time zone"), "{err}");
        // Schemes are case-insensitive.
        assert!(matches!(
            DatabaseUrl::parse("POSTGRESQL://u:p@h:5432/n"),
            Ok(DatabaseUrl::Postgres(u)) if u == "postgresql://u:p@h:5432/n"
        ));
        assert!(matches!(
            DatabaseUrl::parse("SQLite:////srv/db.sqlite3"),
            Ok(DatabaseUrl::Sqlite(_))
        ));
    }

    #[test]
    fn backends_and_their_keys() {
        let c = parse(
            "[targets.files]\nbackend = \"file\"\nlocation = \"/var/cache/bisk_cache\"\n\n[targets.db]\nbackend = \"db\"\nlocation = \"bisk_cache\"\ndatabase = \"postgres://bisk:hunter2@db:5432/bisk\"\nallow_writes = false\n\n[targets.lite]\nbackend = \"db\"\nlocation = \"bisk_cache\"\ndatabase = \"sqlite:////srv/bisk/db.sqlite3\"\n",
        )
        .unwrap();
        assert_eq!(c.redis.backend, Backend::Redis);
        let files = &c.targets["files"];
        assert_eq!(files.backend, Backend::File);
        assert_eq!(files.location.as_deref(), Some("/var/cache/bisk_cache"));
        assert_eq!(files.key_prefix, "bisk");
        let db = &c.targets["db"];
        assert_eq!(db.backend, Backend::Db);
        assert!(!db.allow_writes);
        assert_eq!(
            db.display_place(),
            "table bisk_cache in postgres://bisk:***@db:5432/bisk"
        );
        assert!(!format!("{db:?}").contains("hunter2"));
        assert_eq!(
            DatabaseUrl::parse(c.targets["lite"].database.as_deref().unwrap()).unwrap(),
            DatabaseUrl::Sqlite("/srv/bisk/db.sqlite3".into())
        );
    }

    #[test]
    fn backend_key_mistakes_name_the_line() {
        for (text, line, needle) in [
            // A file target without its directory: the line of `backend`.
            (
                "[targets.a]\nurl = \"redis://h/1\"\n\n[targets.b]\nbackend = \"file\"\n",
                5,
                "needs `location`",
            ),
            (
                "[targets.b]\nbackend = \"file\"\nlocation = \"tmp/bisk\"\n",
                3,
                "absolute",
            ),
            (
                "[targets.b]\nbackend = \"file\"\nurl = \"redis://h/1\"\nlocation = \"/tmp/b\"\n",
                3,
                "`url` does not apply",
            ),
            (
                "[targets.b]\nbackend = \"db\"\nlocation = \"bisk_cache\"\n",
                2,
                "needs `database`",
            ),
            (
                "[targets.b]\nbackend = \"db\"\nlocation = \"bisk cache; drop\"\ndatabase = \"sqlite:////x.db\"\n",
                3,
                "table name",
            ),
            (
                "[targets.b]\nbackend = \"db\"\nlocation = \"c\"\ndatabase = \"sqlite:///rel.db\"\n",
                4,
                "four slashes",
            ),
            (
                "[targets.b]\nbackend = \"db\"\nlocation = \"c\"\ndatabase = \"mysql://u:pw@h/x\"\n",
                4,
                "sqlite:/// or postgres://",
            ),
            (
                "[redis]\nurl = \"redis://h/1\"\nlocation = \"/tmp/x\"\n",
                3,
                "`location` does not apply",
            ),
            ("[redis]\nbackend = \"memcached\"\n", 2, "redis"),
        ] {
            let err = parse(text).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("bisk-docs.toml:{line}:")),
                "{text}: {err}"
            );
            assert!(err.contains(needle), "{text}: {err}");
            assert!(!err.contains("pw@"), "{err}");
        }
    }

    #[test]
    fn the_state_folder_stays_out_of_docs_and_output() {
        let c = parse("").unwrap();
        assert_eq!(c.serve.state_dir, PathBuf::from(".bisk-docs"));
        assert_eq!(c.serve.history_max_results, 100_000);
        assert_eq!(c.serve.history_max_age, Duration::from_secs(86_400));
        assert!(parse("[serve]\nstate_dir = \"../state\"\n").is_ok());
        let err = parse("[serve]\nstate_dir = \"./site/state\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("bisk-docs.toml:2:"), "{err}");
        assert!(err.contains("overlaps `out_dir`"), "{err}");
        // A docs folder inside the state folder overlaps too.
        assert!(parse("docs_dir = \"var/docs\"\n[serve]\nstate_dir = \"var\"\n").is_err());
        assert!(parse("[serve]\nstate_dir = \"\"\n").is_err());
        assert!(parse("[serve]\nhistory_max_results = 0\n").is_err());
    }

    #[test]
    fn named_targets() {
        let c =
            parse("[targets.prod]\nurl = \"redis://prod:6379/1\"\nallow_writes = false\n").unwrap();
        let t = c.target(Some("prod")).unwrap();
        assert!(!t.target.allow_writes);
        assert_eq!(t.target.key_prefix, "bisk");
        let err = c.target(Some("qa")).unwrap_err().to_string();
        assert!(err.contains("prod"), "{err}");
    }

    #[test]
    fn proxy_settings_are_checked_with_their_line() {
        let c = parse(
            "[serve]\npublic_url = \"https://Docs.Example/ops-docs\"\ntrusted_proxies = [\"10.0.0.0/8\", \"127.0.0.1\"]\noperator_header = \"X-Forwarded-User\"\n",
        )
        .unwrap();
        let p = c.serve.public_url.unwrap();
        assert_eq!(
            (p.origin.as_str(), p.host.as_str(), p.prefix.as_str()),
            ("https://docs.example", "docs.example", "/ops-docs/")
        );
        assert_eq!(c.serve.trusted_proxies.len(), 2);
        for (text, line, says) in [
            (
                "title = \"x\"\n[serve]\noperator_header = \"X-Forwarded-User\"\n",
                3,
                "trusted_proxies",
            ),
            (
                "[serve]\ntrusted_proxies = [\"10.0.0.1\"]\noperator_header = \"bad header\"\n",
                3,
                "not a header name",
            ),
            ("[serve]\npublic_url = \"docs/ops\"\n", 2, "not a URL"),
            (
                "[serve]\npublic_url = \"ftp://docs.example/\"\n",
                2,
                "http(s)",
            ),
            (
                "[serve]\npublic_url = \"https://docs.example/?x=1\"\n",
                2,
                "no query",
            ),
            (
                "[serve]\ntrusted_proxies = [\"10.0.0.300\"]\n",
                2,
                "not an IP address",
            ),
        ] {
            let e = parse(text).unwrap_err().to_string();
            assert!(
                e.starts_with(&format!("bisk-docs.toml:{line}:")) && e.contains(says),
                "{text:?} → {e}"
            );
        }
    }
}
