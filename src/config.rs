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

/// Where probes look: one Redis plus the Django cache dialect spoken there.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedisTarget {
    /// `redis://[:PASSWORD@]host:port/db` or `unix:///path.sock?db=N`. May hold a secret:
    /// never print it; use [`RedisTarget::display_url`].
    pub url: String,
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
}

impl Default for RedisTarget {
    fn default() -> Self {
        RedisTarget {
            url: "redis://127.0.0.1:6379/1".into(),
            key_prefix: "bisk".into(),
            version: 1,
            connect_timeout: Duration::from_secs(1),
            deadline: Duration::from_secs(2),
            allow_writes: true,
            local: None,
        }
    }
}

impl RedisTarget {
    /// The URL with any password replaced by `***`, safe for pages, logs and JSON.
    pub fn display_url(&self) -> String {
        redact_url(&self.url)
    }
}

// Debug must not leak the password either: configs end up in panic messages and logs.
impl fmt::Debug for RedisTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTarget")
            .field("url", &self.display_url())
            .field("key_prefix", &self.key_prefix)
            .field("version", &self.version)
            .field("connect_timeout", &self.connect_timeout)
            .field("deadline", &self.deadline)
            .field("allow_writes", &self.allow_writes)
            .field("local", &self.local)
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
        Ok(config)
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
        Ok(())
    }

    /// The probe target: `[redis]`, or `[targets.NAME]` when a name is given; the
    /// `BISK_REDIS_URL` environment variable overrides the URL of whichever is chosen.
    pub fn target(&self, name: Option<&str>) -> Result<NamedTarget, UnknownTarget> {
        let (name, mut target) = match name {
            None | Some("default") => ("default".to_string(), self.redis.clone()),
            Some(n) => match self.targets.get(n) {
                Some(t) => (n.to_string(), t.clone()),
                None => {
                    return Err(UnknownTarget {
                        name: n.to_string(),
                        known: self.targets.keys().cloned().collect(),
                    });
                }
            },
        };
        if let Ok(url) = std::env::var("BISK_REDIS_URL")
            && !url.trim().is_empty()
        {
            target.url = url.trim().to_string();
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
#[error("unknown target {name:?}; configured targets: default{}", known.iter().map(|k| format!(", {k}")).collect::<String>())]
pub struct UnknownTarget {
    pub name: String,
    pub known: Vec<String>,
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
