//! The caches Django keeps outside Redis, read and written exactly as Django does:
//! FileBasedCache files ([`file`]) and DatabaseCache rows ([`db`], SQLite or PostgreSQL).
//!
//! `cache.roundtrip`, `cache.key` and `enforcer.breadcrumbs` use one [`Store`] for both, so
//! the three checks give the same result shape and the same judgement on every backend (the
//! judging itself is the pure code the Redis path uses). Redis keeps its own path in
//! `catalogue/`: pipelined and unchanged.
//!
//! What a store hands back is untrusted bytes: values are decoded by the safe decoder in
//! `crate::django`, every read is bounded, and nothing read is ever executed.

pub(crate) mod db;
pub(crate) mod diagnose;
pub mod file;

use std::time::Duration;

use crate::config::{Backend, RedisTarget};
use crate::probe::result::Hint;
use crate::probe::run::connect::{ErrorKind, ProbeError};

/// When an entry stops being returned by Django's `cache.get`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Expiry {
    /// `timeout=None`: FileBasedCache pickles `None`; DatabaseCache stores `datetime.max`.
    Never,
    /// Unix seconds.
    At(f64),
}

impl Expiry {
    /// A Redis-style TTL for the shared judges: -1 for no expiry, else the seconds left,
    /// rounded (Redis rounds too), never below 0.
    pub fn ttl(self, now: f64) -> i64 {
        match self {
            Expiry::Never => -1,
            Expiry::At(t) => (t - now).round().max(0.0) as i64,
        }
    }
}

/// A present entry: the pickle Django reads (decompressed or base64-decoded), at most
/// [`crate::probe::run::pyval::max_value_bytes`] of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub raw: Vec<u8>,
    /// The pickle's full length (more than `raw.len()` when it was too large to read whole).
    pub len: usize,
    pub expiry: Expiry,
}

/// What Django's `cache.get` would find for one key.
#[derive(Debug, Clone, PartialEq)]
pub enum Read {
    /// No file, no row: `cache.get` returns the default.
    Missing,
    /// There, but past its expiry: `cache.get` returns the default (and deletes it; the
    /// probe does not).
    Expired {
        at: f64,
    },
    Present(Stored),
    /// `cache.get` raises on it (a garbage or truncated file, a value that is not base64,
    /// an expiry that is not a time): the words why.
    Broken(String),
}

impl Read {
    /// The TTL the shared judges expect: -2 for what Django does not return.
    pub fn ttl(&self, now: f64) -> i64 {
        match self {
            Read::Present(s) => s.expiry.ttl(now),
            Read::Missing | Read::Expired { .. } => -2,
            Read::Broken(_) => -1,
        }
    }
}

/// How many entries the cache holds, for the culling diagnosis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    pub entries: u64,
    /// False when a bound (time or entries) stopped the count first: `entries` is then a
    /// lower bound.
    pub complete: bool,
}

/// The other key under which a missing one turned up.
#[derive(Debug, Clone, PartialEq)]
pub struct Elsewhere {
    /// The full stored key (`:1:ping`, `bisk:2:ping`, `other:1:ping`).
    pub key: String,
    pub prefix: String,
    pub version: i64,
}

/// An open FileBasedCache directory or DatabaseCache table.
pub enum Store {
    File(file::FileStore),
    Db(Box<db::DbStore>),
}

impl Store {
    /// Opens the target's store (a database connection; nothing for files). Errors are
    /// "cannot judge" with the cause, password-free.
    pub async fn open(target: &RedisTarget) -> Result<Store, ProbeError> {
        match target.backend {
            Backend::File => Ok(Store::File(file::FileStore::new(target))),
            Backend::Db => Ok(Store::Db(Box::new(db::DbStore::open(target).await?))),
            Backend::Redis => Err(ProbeError::new(
                ErrorKind::Other,
                "internal: a Redis target has no file or table store",
                None,
            )),
        }
    }

    /// Reads `keys` (full stored keys) as Django's `cache.get_many` would, in one pass.
    pub async fn read_many(&self, keys: &[String]) -> Result<Vec<Read>, ProbeError> {
        let r = match self {
            Store::File(f) => f.read_many(keys).await,
            Store::Db(d) => d.read_many(keys).await,
        };
        self.settled(r).await
    }

    /// Writes `pickle` under `key` as Django's `cache.set(key, value, ttl)` would; returns
    /// the words for the "command" evidence.
    pub async fn write(&self, key: &str, pickle: &[u8], ttl: u64) -> Result<String, ProbeError> {
        let r = match self {
            Store::File(f) => f.write(key, pickle, ttl).await,
            Store::Db(d) => d.write(key, pickle, ttl).await,
        };
        self.settled(r).await
    }

    /// The entry count Django compares with MAX_ENTRIES before each write.
    pub async fn count(&self) -> Result<Count, ProbeError> {
        let r = match self {
            Store::File(f) => f.count().await,
            Store::Db(d) => d.count().await,
        };
        self.settled(r).await
    }

    /// The same Django key stored under another prefix or version (at most a few).
    pub async fn elsewhere(
        &self,
        target: &RedisTarget,
        django_key: &str,
    ) -> Result<Vec<Elsewhere>, ProbeError> {
        let r = match self {
            Store::File(f) => f.elsewhere(target, django_key).await,
            Store::Db(d) => d.elsewhere(target, django_key).await,
        };
        self.settled(r).await
    }

    async fn settled<T>(&self, r: Result<T, ProbeError>) -> Result<T, ProbeError> {
        match r {
            Ok(v) => Ok(v),
            Err(e) => Err(diagnose::settle(self, e).await),
        }
    }

    /// What the evidence calls the place ("file", "table").
    pub fn place(&self) -> String {
        match self {
            Store::File(f) => f.dir_display(),
            Store::Db(d) => d.place(),
        }
    }

    /// Where one key lives, for evidence (`/dir/<md5>.djcache`, `row 'bisk:1:ping'`).
    pub fn where_is(&self, key: &str) -> String {
        match self {
            Store::File(f) => f.path_of(key).display().to_string(),
            Store::Db(d) => d.where_is(key),
        }
    }
}

/// Splits a stored key `<prefix>:<version>:<key>` back into prefix and version, given the
/// Django key it ends with.
pub(crate) fn split_stored(stored: &str, django_key: &str) -> Option<(String, i64)> {
    let head = stored.strip_suffix(django_key)?.strip_suffix(':')?;
    let (prefix, version) = head.rsplit_once(':')?;
    Some((prefix.to_string(), version.parse().ok()?))
}

/// A probe error for an I/O or database failure, already free of secrets.
pub(crate) fn store_error(message: String, hint: Option<Hint>) -> ProbeError {
    ProbeError::new(ErrorKind::Other, message, hint)
}

/// The current time as Unix seconds (what Django's `time.time()` gives).
pub(crate) fn now_secs() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_keys_split_back() {
        assert_eq!(
            split_stored("bisk:1:ping", "ping"),
            Some(("bisk".into(), 1))
        );
        assert_eq!(split_stored(":2:ping", "ping"), Some(("".into(), 2)));
        assert_eq!(
            split_stored("a:b:3:enforcer:last_run", "enforcer:last_run"),
            Some(("a:b".into(), 3))
        );
        assert_eq!(split_stored("bisk:x:ping", "ping"), None);
        assert_eq!(split_stored("ping", "ping"), None);
    }

    #[test]
    fn ttls_read_like_redis() {
        assert_eq!(Expiry::Never.ttl(10.0), -1);
        assert_eq!(Expiry::At(70.2).ttl(10.0), 60);
        assert_eq!(Expiry::At(5.0).ttl(10.0), 0);
        assert_eq!(Read::Missing.ttl(0.0), -2);
        assert_eq!(Read::Expired { at: 1.0 }.ttl(2.0), -2);
    }
}
