//! `bisk-docs.toml`: the typed site configuration.
//!
//! Every key has a default so a bare `docs/` folder builds. Unknown keys and wrong types are
//! errors that name the key and its file:line, because a typo in a config silently ignored
//! is how a probe ends up pointing at the wrong Redis.
//!
//! One file per part of the schema: [`targets`] (`[redis]`, `[targets.NAME]`: where probes
//! look), [`commands`], [`django`], [`serve`]; the sections too small for a file of their
//! own are here. [`validate`] holds the rules between keys, and [`spans`] the position of
//! every key, taken from the TOML parser, for the errors those rules give.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Deserializer};

mod commands;
mod django;
mod serve;
mod spans;
mod targets;
#[cfg(test)]
mod tests;
mod validate;

pub use crate::redact::redact_url;
pub use commands::{CommandSpec, Requirement, StdoutPattern};
pub use django::{DJANGO_TARGET, DjangoSection};
pub use serve::{PublicUrl, ServeSettings};
pub use targets::{
    Backend, DatabaseUrl, NamedTarget, RedisTarget, UnknownTarget, valid_table_name,
};

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
        let invalid = |e: toml::de::Error| ConfigError::Invalid {
            path: path.to_path_buf(),
            line: e
                .span()
                .map(|s| crate::diag::line_of(text, s.start))
                .unwrap_or(0),
            message: e.message().trim().to_string(),
        };
        // One parse: the typed config is read from the same spanned document whose
        // positions place the errors of the rules checked after it.
        let doc = toml::de::DeTable::parse(text).map_err(invalid)?;
        let config =
            Config::deserialize(toml::de::Deserializer::from(doc.clone())).map_err(invalid)?;
        let spans = spans::Spans::new(text, doc);
        config.validate(&spans, path)?;
        config.validate_django_target(&spans, path)?;
        let mut config = config;
        config.derive_vars();
        Ok(config)
    }

    /// The variables as target `name` sees them (`default` or an unknown name: `[vars]`).
    pub fn scope<'a>(&'a self, name: &'a str) -> crate::vars::Scope<'a> {
        crate::vars::Scope::new(name, &self.vars, self.targets.get(name).map(|t| &t.vars))
    }

    /// Adds the variables computed from each target's effective URL (`BISK_REDIS_URL`
    /// included): `redis_cli`, so a guide's copied command reaches the reader's target. A
    /// variable the config defines itself wins.
    fn derive_vars(&mut self) {
        let name = crate::vars::REDIS_CLI;
        if self.vars.contains_key(name) {
            return;
        }
        let cli = |c: &Config, n: Option<&str>| {
            c.target(n)
                .ok()
                .and_then(|t| crate::probe::show::hint::redis_cli_command(&t.target))
        };
        if let Some(v) = cli(self, None) {
            self.vars
                .insert(name.to_string(), crate::vars::VarDef::Value(v));
        }
        let names: Vec<String> = self.targets.keys().cloned().collect();
        for n in names {
            if let Some(v) = cli(self, Some(&n))
                && let Some(t) = self.targets.get_mut(&n)
            {
                t.vars
                    .entry(name.to_string())
                    .or_insert(crate::vars::VarDef::Value(v));
            }
        }
    }

    /// Every target name, `default` first.
    pub fn target_names(&self) -> Vec<String> {
        std::iter::once("default".to_string())
            .chain(self.targets.keys().cloned())
            .collect()
    }
}
