//! `[redis]` and `[targets.NAME]`: where probes look, which backend speaks there, and the
//! rules between the keys only some backends have.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::{Config, DJANGO_TARGET, de_duration, redact_url};

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

impl Config {
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
pub(super) fn check_target(
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
