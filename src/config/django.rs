//! `[django]`: where to ask the project's Django for its `CACHES`.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

use super::de_duration;

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
