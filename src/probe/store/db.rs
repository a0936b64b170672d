//! Django's DatabaseCache: a table (`manage.py createcachetable`) of rows `cache_key` (the
//! full stored key), `value` (base64 of `pickle.dumps(value)`) and `expires` (a datetime in
//! whole seconds; `datetime.max` for `timeout=None`), in SQLite or PostgreSQL.
//!
//! Read as Django's `get_many` reads: a row whose `expires` is before now is expired (Django
//! deletes it; the probe leaves it), `value` goes through Python's lenient base64 (characters
//! outside the alphabet are skipped, padding is required) and `pickle.loads`. Written as
//! Django's `set` writes, as one upsert. The table name was checked when the config was read
//! (a plain identifier) and is double-quoted, as Django quotes it; everything else is a bound
//! parameter.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;

use super::{Count, Elsewhere, Expiry, Read, Stored, now_secs, split_stored};
use crate::config::{DatabaseUrl, RedisTarget, valid_table_name};
use crate::django::time::AppClock;
use crate::probe::run::connect::{ErrorKind, ProbeError};
use crate::probe::run::pyval;
use crate::probe::show::hint;

mod connect;
use connect::{open_sqlite, pg_connect, scrub};

/// `expires` at or after this (9999-12-31 00:00 UTC) is Django's `datetime.max`: no expiry.
const NEVER_AFTER: f64 = 253_402_214_400.0;

pub struct DbStore {
    table: String,
    /// The redacted database URL.
    shown: String,
    secrets: Vec<String>,
    deadline: Duration,
    conn: Conn,
    /// How the app's naive `expires` read (USE_TZ / TIME_ZONE of the target).
    clock: AppClock,
    /// Keys the last read found in more than one row, with the row count: said in the
    /// evidence (`where`), since Django's answer then depends on the rows' order.
    duplicates: Mutex<Vec<(String, usize)>>,
}

enum Conn {
    Sqlite(Arc<Mutex<rusqlite::Connection>>),
    Postgres(tokio_postgres::Client),
}

/// One row as read, before judging.
struct Row {
    key: String,
    /// At most the bound's worth of base64 text.
    value: String,
    /// Length of the whole `value`, in characters.
    value_len: usize,
    /// `Err`: an `expires` Django could not read either.
    expires: Result<Expires, String>,
}

/// An `expires` as stored.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expires {
    /// PostgreSQL's `timestamp with time zone`, in Unix seconds: an instant, which Django
    /// reads in its session's zone (UTC, or TIME_ZONE with USE_TZ = False).
    Instant(f64),
    /// SQLite text with an offset, in Unix seconds: Django reads an aware datetime.
    Aware(f64),
    /// SQLite text without an offset: UTC with USE_TZ = True, the app's local wall time
    /// with USE_TZ = False.
    Naive(jiff::civil::DateTime),
    /// Django's `datetime.max` (`timeout=None`).
    Max,
}

impl DbStore {
    pub async fn open(target: &RedisTarget) -> Result<DbStore, ProbeError> {
        let table = target.location.clone().unwrap_or_default();
        let raw_url = target.database.clone().unwrap_or_default();
        let shown = crate::redact::redact_url(&raw_url);
        let secrets = crate::redact::secrets_of(&raw_url);
        if !valid_table_name(&table) {
            return Err(ProbeError::new(
                ErrorKind::BadUrl,
                format!("{table:?} is not a table name bisk-docs can query"),
                hint::database_cache("Set `location` to the cache table's name, as in CACHES."),
            ));
        }
        let url = DatabaseUrl::parse(&raw_url).map_err(|why| {
            ProbeError::new(
                ErrorKind::BadUrl,
                why,
                hint::database_cache("Fix `database` of the target (or BISK_DATABASE_URL)."),
            )
        })?;
        let conn = match url {
            DatabaseUrl::Sqlite(path) => {
                Conn::Sqlite(open_sqlite(&path, target.allow_writes, target.deadline).await?)
            }
            DatabaseUrl::Postgres(url) => {
                Conn::Postgres(pg_connect(&url, target.connect_timeout, &shown, &secrets).await?)
            }
        };
        Ok(DbStore {
            table,
            shown,
            secrets,
            deadline: target.deadline,
            conn,
            clock: target.app_clock(),
            duplicates: Mutex::new(Vec::new()),
        })
    }

    /// `table bisk_cache in sqlite:////srv/bisk/db.sqlite3`.
    pub fn place(&self) -> String {
        format!("table {} in {}", self.table, self.shown)
    }

    fn quoted(&self) -> String {
        format!("\"{}\"", self.table)
    }

    pub async fn read_many(&self, keys: &[String]) -> Result<Vec<Read>, ProbeError> {
        let cap = max_b64_chars();
        let rows = match &self.conn {
            Conn::Sqlite(c) => {
                let sql = format!(
                    "SELECT cache_key, substr(value, 1, ?1), length(value), expires FROM {} WHERE cache_key IN ({})",
                    self.quoted(),
                    (0..keys.len())
                        .map(|i| format!("?{}", i + 2))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                let keys = keys.to_vec();
                self.sqlite(c, move |conn| {
                    let mut stmt = conn.prepare(&sql)?;
                    let mut params: Vec<rusqlite::types::Value> = vec![(cap as i64).into()];
                    params.extend(keys.into_iter().map(rusqlite::types::Value::from));
                    let rows = stmt.query_map(rusqlite::params_from_iter(params), |r| {
                        let key: String = r.get(0)?;
                        let value: Option<String> = r.get(1).ok();
                        let len: Option<i64> = r.get(2)?;
                        let expires: rusqlite::types::Value = r.get(3)?;
                        Ok(Row {
                            key,
                            value_len: len.unwrap_or(0).max(0) as usize,
                            value: value.unwrap_or_default(),
                            expires: sqlite_expires(&expires),
                        })
                    })?;
                    rows.collect::<Result<Vec<_>, _>>()
                })
                .await?
            }
            Conn::Postgres(client) => {
                let sql = format!(
                    "SELECT cache_key, left(value, $2), length(value), EXTRACT(EPOCH FROM expires)::float8 FROM {} WHERE cache_key = ANY($1)",
                    self.quoted()
                );
                let rows = self.pg(client.query(&sql, &[&keys, &(cap as i32)])).await?;
                rows.iter()
                    .map(|r| {
                        Ok(Row {
                            key: r.try_get(0)?,
                            value: r.try_get::<_, Option<String>>(1)?.unwrap_or_default(),
                            value_len: r.try_get::<_, Option<i32>>(2)?.unwrap_or(0).max(0) as usize,
                            expires: pg_expires(r.try_get::<_, Option<f64>>(3)?),
                        })
                    })
                    .collect::<Result<Vec<_>, tokio_postgres::Error>>()
                    .map_err(|e| self.pg_error(&e))?
            }
        };
        let now = now_secs();
        let mut duplicates = Vec::new();
        let mut reads = Vec::with_capacity(keys.len());
        for k in keys {
            // In the order the database returned them, as Django's loop sees them.
            let mine: Vec<&Row> = rows.iter().filter(|r| &r.key == k).collect();
            if mine.len() > 1 {
                duplicates.push((k.clone(), mine.len()));
            }
            reads.push(self.judge_rows(&mine, now)?);
        }
        *self.duplicates.lock().unwrap_or_else(|p| p.into_inner()) = duplicates;
        Ok(reads)
    }

    /// What Django's `get_many` makes of a key's rows: it loops over them in the
    /// database's order, raising on any it cannot read, keeping the value of each unexpired
    /// row in a dict (so the last one wins) and deleting the key when any row is expired.
    fn judge_rows(&self, rows: &[&Row], now: f64) -> Result<Read, ProbeError> {
        let mut present = None;
        let mut expired: Option<f64> = None;
        for r in rows {
            match judge_row(r, now, &self.clock).map_err(|why| self.cannot_judge(&r.key, why))? {
                Read::Broken(why) => return Ok(Read::Broken(why)),
                Read::Expired { at } => expired = Some(expired.map_or(at, |e| e.max(at))),
                Read::Missing => {}
                p @ Read::Present(_) => present = Some(p),
            }
        }
        Ok(match (present, expired) {
            (Some(p), _) => p,
            (None, Some(at)) => Read::Expired { at },
            (None, None) => Read::Missing,
        })
    }

    /// A row whose expiry bisk-docs cannot place in time: said, never guessed.
    fn cannot_judge(&self, key: &str, why: String) -> ProbeError {
        ProbeError::new(
            ErrorKind::Other,
            format!(
                "cannot judge whether row cache_key = '{key}' in {} has expired: {why}",
                self.place()
            ),
            hint::database_cache(
                "Tell the target the zone the app's naive times are in: `use_tz = false` and `time_zone = \"<the app's TIME_ZONE>\"`. With `--target django`, Django's TIME_ZONE = None leaves them in the app host's own zone, which bisk-docs cannot know: set TIME_ZONE in the settings.",
            ),
        )
    }

    /// Where one key lives, for evidence; says when the last read found it in several rows.
    pub fn where_is(&self, key: &str) -> String {
        let rows = self
            .duplicates
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, n)| *n);
        match rows {
            Some(n) => format!(
                "{n} rows cache_key = '{key}' in {} (duplicates: Django's get keeps the last unexpired one in the table's order, and deletes them all once one has expired; judged the same way)",
                self.place()
            ),
            None => format!("row cache_key = '{key}' in {}", self.place()),
        }
    }

    pub async fn write(&self, key: &str, pickle: &[u8], ttl: u64) -> Result<String, ProbeError> {
        let b64 = base64::engine::general_purpose::STANDARD.encode(pickle);
        // Django: datetime.fromtimestamp(time.time() + timeout, tz=utc).replace(microsecond=0).
        let expires = (now_secs() + ttl as f64).floor();
        let upsert = "ON CONFLICT (cache_key) DO UPDATE SET value = excluded.value, expires = excluded.expires";
        match &self.conn {
            Conn::Sqlite(c) => {
                let sql = format!(
                    "INSERT INTO {} (cache_key, value, expires) VALUES (?1, ?2, ?3) {upsert}",
                    self.quoted()
                );
                // In the app's wall clock, as Django's SQLite backend stores it (UTC with
                // USE_TZ = True, TIME_ZONE's local time with USE_TZ = False).
                let text = sqlite_datetime(expires, &self.clock).map_err(|why| {
                    self.cannot_judge(
                        key,
                        format!("no expiry Django would read right can be written: {why}"),
                    )
                })?;
                let (key, b64) = (key.to_string(), b64.clone());
                self.sqlite(c, move |conn| {
                    conn.execute(&sql, rusqlite::params![key, b64, text])
                        .map(|_| ())
                })
                .await?;
            }
            Conn::Postgres(client) => {
                let sql = format!(
                    "INSERT INTO {} (cache_key, value, expires) VALUES ($1, $2, to_timestamp($3)) {upsert}",
                    self.quoted()
                );
                self.pg(client.execute(&sql, &[&key, &b64, &expires]))
                    .await?;
            }
        }
        Ok(format!(
            "upserted the row cache_key = '{key}' in {}: value = {} base64 characters of the {}-byte pickle, expires = now + {ttl} s in whole seconds, as Django's set does",
            self.table,
            b64.len(),
            pickle.len()
        ))
    }

    pub async fn count(&self) -> Result<Count, ProbeError> {
        let sql = format!("SELECT COUNT(*) FROM {}", self.quoted());
        let n: i64 = match &self.conn {
            Conn::Sqlite(c) => {
                self.sqlite(c, move |conn| conn.query_row(&sql, [], |r| r.get(0)))
                    .await?
            }
            Conn::Postgres(client) => self
                .pg(client.query_one(&sql, &[]))
                .await?
                .try_get(0)
                .map_err(|e| self.pg_error(&e))?,
        };
        Ok(Count {
            entries: n.max(0) as u64,
            complete: true,
        })
    }

    pub async fn elsewhere(
        &self,
        target: &RedisTarget,
        django_key: &str,
    ) -> Result<Vec<Elsewhere>, ProbeError> {
        let exact = crate::probe::run::pyval::key(target, django_key);
        let pattern = format!("%:{}", like_escape(django_key));
        let keys: Vec<String> = match &self.conn {
            Conn::Sqlite(c) => {
                let sql = format!(
                    "SELECT cache_key FROM {} WHERE cache_key LIKE ?1 ESCAPE '\\' AND cache_key <> ?2 ORDER BY cache_key LIMIT 5",
                    self.quoted()
                );
                self.sqlite(c, move |conn| {
                    let mut stmt = conn.prepare(&sql)?;
                    let rows = stmt.query_map(rusqlite::params![pattern, exact], |r| r.get(0))?;
                    rows.collect::<Result<Vec<String>, _>>()
                })
                .await?
            }
            Conn::Postgres(client) => {
                let sql = format!(
                    "SELECT cache_key FROM {} WHERE cache_key LIKE $1 ESCAPE '\\' AND cache_key <> $2 ORDER BY cache_key LIMIT 5",
                    self.quoted()
                );
                self.pg(client.query(&sql, &[&pattern, &exact]))
                    .await?
                    .iter()
                    .filter_map(|r| r.try_get(0).ok())
                    .collect()
            }
        };
        Ok(keys
            .into_iter()
            .filter_map(|key| {
                let (prefix, version) = split_stored(&key, django_key)?;
                Some(Elsewhere {
                    key,
                    prefix,
                    version,
                })
            })
            .collect())
    }

    /// Whether the database holds Django's own tables (`django_migrations`): with them, a
    /// missing cache table is the app's; without, `database` most likely names another
    /// database.
    pub async fn is_django_database(&self) -> Result<bool, ProbeError> {
        match &self.conn {
            Conn::Sqlite(c) => {
                self.sqlite(c, |conn| {
                    conn.query_row(
                        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'",
                        [],
                        |r| r.get::<_, i64>(0),
                    )
                    .map(|n| n > 0)
                })
                .await
            }
            Conn::Postgres(client) => self
                .pg(client.query_one(
                    "SELECT to_regclass('django_migrations') IS NOT NULL",
                    &[],
                ))
                .await?
                .try_get(0)
                .map_err(|e| self.pg_error(&e)),
        }
    }

    /// Runs SQLite work on the blocking pool under the deadline.
    async fn sqlite<T: Send + 'static>(
        &self,
        conn: &Arc<Mutex<rusqlite::Connection>>,
        f: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, ProbeError> {
        let conn = conn.clone();
        let task = tokio::task::spawn_blocking(move || {
            let guard = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&guard)
        });
        match tokio::time::timeout(self.deadline, task).await {
            Ok(Ok(Ok(v))) => Ok(v),
            Ok(Ok(Err(e))) => Err(self.sql_error(&e.to_string())),
            Ok(Err(e)) => Err(ProbeError::new(
                ErrorKind::Other,
                format!("internal: SQLite task failed: {e}"),
                None,
            )),
            Err(_) => Err(self.timeout()),
        }
    }

    async fn pg<T>(
        &self,
        f: impl std::future::Future<Output = Result<T, tokio_postgres::Error>>,
    ) -> Result<T, ProbeError> {
        match tokio::time::timeout(self.deadline, f).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(self.pg_error(&e)),
            Err(_) => Err(self.timeout()),
        }
    }

    fn timeout(&self) -> ProbeError {
        ProbeError::new(
            ErrorKind::Timeout,
            format!(
                "command stage: {} sent no answer within {} ms (deadline)",
                self.shown,
                self.deadline.as_millis()
            ),
            hint::database_cache(
                "The database is busy or locked (a long transaction?); retry, or raise `deadline`.",
            ),
        )
    }

    fn pg_error(&self, e: &tokio_postgres::Error) -> ProbeError {
        use tokio_postgres::error::SqlState;
        let text = match e.as_db_error() {
            Some(db) => db.message().to_string(),
            None => e.to_string(),
        };
        let text = scrub(&text, &self.secrets);
        match e.code() {
            Some(c) if *c == SqlState::UNDEFINED_TABLE => self.missing_table(&text),
            Some(c)
                if *c == SqlState::UNDEFINED_COLUMN
                    || *c == SqlState::UNDEFINED_FUNCTION
                    || *c == SqlState::DATATYPE_MISMATCH
                    || *c == SqlState::INVALID_COLUMN_REFERENCE
                    || *c == SqlState::INVALID_TEXT_REPRESENTATION =>
            {
                self.wrong_columns(&text)
            }
            _ if e.is_closed() => ProbeError::new(
                ErrorKind::Refused,
                format!("the connection to {} broke: {text}", self.shown),
                hint::database_cache("Is PostgreSQL running (`pg_isready`)?"),
            ),
            _ => ProbeError::new(
                ErrorKind::Other,
                format!("{}: {text}", self.place()),
                hint::database_cache(
                    "Check the database and table the target names against the app's DATABASES and CACHES.",
                ),
            ),
        }
    }

    fn sql_error(&self, message: &str) -> ProbeError {
        let text = scrub(message, &self.secrets);
        let lower = text.to_ascii_lowercase();
        if lower.contains("no such table") {
            self.missing_table(&text)
        } else if lower.contains("no such column")
            || lower.contains("has no column named")
            || lower.contains("on conflict clause does not match")
        {
            self.wrong_columns(&text)
        } else if lower.contains("file is not a database") {
            ProbeError::new(
                ErrorKind::Other,
                format!("{} is not an SQLite database ({text})", self.shown),
                hint::database_cache(
                    "Point `database` at the app's DATABASES NAME (sqlite:////absolute/path).",
                ),
            )
        } else if lower.contains("locked") || lower.contains("busy") {
            self.timeout()
        } else {
            ProbeError::new(
                ErrorKind::Other,
                format!("{}: {text}", self.place()),
                hint::database_cache(
                    "Check the database and table the target names against the app's DATABASES and CACHES.",
                ),
            )
        }
    }

    /// Marked so the caller can tell a missing table from other failures (and ask whether
    /// this is Django's database at all).
    fn missing_table(&self, text: &str) -> ProbeError {
        ProbeError::new(
            ErrorKind::MissingTable,
            format!(
                "the cache table {} does not exist in {} ({text})",
                self.table, self.shown
            ),
            hint::database_cache(format!(
                "Run `python manage.py createcachetable {}` with the app's settings; if the app's table exists, `database` names another database than the app's DATABASES.",
                self.table
            )),
        )
    }

    fn wrong_columns(&self, text: &str) -> ProbeError {
        ProbeError::new(
            ErrorKind::CacheBroken,
            format!(
                "{} is not a DatabaseCache table (cache_key, value text, expires datetime): {text}",
                self.place()
            ),
            hint::database_cache(format!(
                "Django's cache.get fails on it as well: drop it and run `python manage.py createcachetable {}`, or point `location` at the app's cache table.",
                self.table
            )),
        )
    }
}

/// The longest base64 text read: enough for the decoder's bound, plus one.
fn max_b64_chars() -> usize {
    (pyval::max_value_bytes() / 3 + 2) * 4 + 1
}

/// One row as Django's `get_many` reads it; `Err` when its expiry cannot be placed in
/// time (a naive time in an unknown zone).
fn judge_row(r: &Row, now: f64, clock: &AppClock) -> Result<Read, String> {
    let broken = |why: String| {
        Ok(Read::Broken(format!(
            "its expires is {why}; Django's cache.get raises on it"
        )))
    };
    // Django: `if expires < timezone.now()`: expired, deleted, not returned. With
    // USE_TZ = False both sides are naive local wall times.
    let (at, expired) = match &r.expires {
        Err(why) => return broken(why.clone()),
        Ok(Expires::Max) => (f64::INFINITY, false),
        Ok(Expires::Aware(_)) if matches!(clock, AppClock::Local(_) | AppClock::Unknown) => {
            return broken(
                "a time with an offset while the app runs with USE_TZ = False (TypeError: can't compare offset-naive and offset-aware datetimes)".into(),
            );
        }
        Ok(Expires::Aware(at) | Expires::Instant(at)) => (*at, *at < now),
        Ok(Expires::Naive(civil)) => {
            let at = clock.naive_instant(*civil)?;
            let now_ts =
                jiff::Timestamp::from_microsecond((now * 1e6) as i64).map_err(|e| e.to_string())?;
            let wall_time = clock
                .wall_time(now_ts)
                .ok_or("the app's wall clock is unknown")?;
            (at.as_microsecond() as f64 / 1e6, *civil < wall_time)
        }
    };
    if expired {
        return Ok(Read::Expired { at });
    }
    let expiry = if at >= NEVER_AFTER {
        Expiry::Never
    } else {
        Expiry::At(at)
    };
    if r.value_len > max_b64_chars() - 1 {
        return Ok(Read::Present(Stored {
            raw: Vec::new(),
            len: r.value_len / 4 * 3,
            expiry,
        }));
    }
    Ok(match lenient_b64(&r.value) {
        Ok(raw) => Read::Present(Stored {
            len: raw.len(),
            raw,
            expiry,
        }),
        Err(why) => Read::Broken(format!(
            "its value is not base64 ({why}); Django's cache.get raises binascii.Error on it"
        )),
    })
}

/// Python's `base64.b64decode(s)` (not strict): characters outside the alphabet are
/// skipped, then the padding must be right.
pub(crate) fn lenient_b64(text: &str) -> Result<Vec<u8>, String> {
    let kept: Vec<u8> = text
        .bytes()
        .filter(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
        .collect();
    // Data after the padding is ignored by Python too.
    let end = match kept.iter().position(|b| *b == b'=') {
        Some(i) => {
            let pad = kept[i..].iter().take_while(|b| **b == b'=').count().min(2);
            i + pad
        }
        None => kept.len(),
    };
    base64::engine::general_purpose::STANDARD
        .decode(&kept[..end])
        .map_err(|e| match e {
            base64::DecodeError::InvalidPadding | base64::DecodeError::InvalidLength(_) => {
                "incorrect padding".to_string()
            }
            other => other.to_string(),
        })
}

/// SQLite's `expires` as Django reads it: the column's `datetime` converter runs
/// `parse_datetime` on the text (Python's `fromisoformat`); anything else (a number,
/// NULL) leaves Django comparing `None` with a datetime, which raises.
fn sqlite_expires(v: &rusqlite::types::Value) -> Result<Expires, String> {
    let rusqlite::types::Value::Text(t) = v else {
        return Err(match v {
            rusqlite::types::Value::Null => "NULL".into(),
            rusqlite::types::Value::Integer(n) => format!("the number {n}, not a datetime text"),
            rusqlite::types::Value::Real(x) => format!("the number {x}, not a datetime text"),
            _ => "not a datetime text".into(),
        });
    };
    parse_expires_text(t)
}

/// PostgreSQL's `expires` (`timestamp with time zone`, an instant whatever USE_TZ: Django
/// sets the session's zone to TIME_ZONE when USE_TZ = False) as Unix seconds.
fn pg_expires(epoch: Option<f64>) -> Result<Expires, String> {
    match epoch {
        None => Err("NULL".into()),
        // psycopg refuses to load ±infinity timestamps (DataError), so Django raises.
        Some(t) if t.is_infinite() => Err(format!(
            "'{}infinity', which psycopg cannot load as a datetime (DataError)",
            if t < 0.0 { "-" } else { "" }
        )),
        Some(t) if t.is_nan() => Err("not a time".into()),
        Some(t) if t >= NEVER_AFTER => Ok(Expires::Max),
        Some(t) => Ok(Expires::Instant(t)),
    }
}

/// An `expires` text as Django's `parse_datetime` reads it: naive (no offset) or aware.
fn parse_expires_text(t: &str) -> Result<Expires, String> {
    let not_a_datetime = || format!("{:?}, not a datetime", crate::text::bound(t, 40));
    let trimmed = t.trim();
    let Some((civil, offset)) = crate::django::time::parse_isoformat(trimmed) else {
        // Django's fallback pattern also allows a space before the offset.
        return trimmed
            .replacen(' ', "T", 1)
            .parse::<jiff::Timestamp>()
            .map(|ts| Expires::Aware(ts.as_microsecond() as f64 / 1e6))
            .map_err(|_| not_a_datetime());
    };
    // Django's datetime.max lies past the last instant jiff represents: it means no expiry.
    if civil.year() == 9999 {
        return Ok(Expires::Max);
    }
    match offset {
        None => Ok(Expires::Naive(civil)),
        Some(micros) => crate::django::time::instant_with_offset(civil, micros)
            .map(|ts| Expires::Aware(ts.as_microsecond() as f64 / 1e6))
            .ok_or_else(not_a_datetime),
    }
}

/// Unix seconds of an `expires` text read as the default clock does (USE_TZ = True);
/// the tests' reference for the parser the store uses.
#[cfg(test)]
pub(crate) fn parse_datetime_text(t: &str) -> Result<f64, String> {
    match parse_expires_text(t)? {
        Expires::Max => Ok(f64::INFINITY),
        Expires::Aware(at) | Expires::Instant(at) => Ok(at),
        Expires::Naive(civil) => AppClock::Utc
            .naive_instant(civil)
            .map(|ts| ts.as_microsecond() as f64 / 1e6),
    }
}

/// `YYYY-MM-DD HH:MM:SS` in the app's wall clock, as Django's SQLite backend stores a
/// whole-second datetime.
fn sqlite_datetime(secs: f64, clock: &AppClock) -> Result<String, String> {
    let Ok(ts) = jiff::Timestamp::from_second(secs as i64) else {
        return Ok("9999-12-31 23:59:59".into());
    };
    let wall = clock
        .wall_time(ts)
        .ok_or("the app's TIME_ZONE is unknown (USE_TZ = False)")?;
    Ok(wall.strftime("%Y-%m-%d %H:%M:%S").to_string())
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with ESCAPE '\'.
fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests;
