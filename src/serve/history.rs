//! The probe history store: every probe result `serve` produces, in a SQLite file under
//! `[serve] state_dir`, so a probe's sparkline, uptime and p50/p95 survive a restart and
//! the API can summarise the last 24 hours.
//!
//! Why SQLite (through `rusqlite`, bundled): one file, crash-safe transactions with a
//! write-ahead log, indexes for "the newest N of a probe" and "everything since T", and
//! the same crate another feature of bisk-docs already builds, so no second database
//! engine. Each result is committed in its own transaction before it is shown to anyone
//! (`synchronous = FULL`), so a crash loses at most the result being written.
//!
//! The store is bounded both ways on every write: at most `history_max_results` rows per
//! probe and nothing older than `history_max_age`.
//!
//! Nothing here is trusted more than a cache: rows with an unknown status are skipped, and
//! the text fields only ever reach pages through the escaping of whoever shows them.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, params};
use serde::Serialize;

use super::probes::Point;
use crate::probe::Status;

/// File name of the store inside the state folder.
pub(crate) const FILE: &str = "history.sqlite3";

/// Schema version written to `PRAGMA user_version`.
const SCHEMA: i64 = 1;

/// Why the store cannot be used. Each message is one line naming the path and what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "probe history is not kept: cannot create the state folder {} ({source}); make it writable for this user or set `[serve] state_dir`",
        path.display()
    )]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "probe history is not kept: cannot write {} ({detail}); make the folder and file writable for this user or set `[serve] state_dir`",
        path.display()
    )]
    Unwritable { path: PathBuf, detail: String },
    #[error(
        "probe history is not kept: {} is damaged ({detail}); move it aside (mv {0} {0}.damaged) and restart serve to begin a fresh history",
        path.display()
    )]
    Damaged { path: PathBuf, detail: String },
    #[error(
        "probe history is not kept: {} was written by a newer bisk-docs (schema {found}); upgrade, or set `[serve] state_dir` to another folder",
        path.display()
    )]
    Newer { path: PathBuf, found: i64 },
}

/// Which probe a row belongs to: its id, check and target. A probe whose check or target
/// changed starts a new history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub id: String,
    pub check: String,
    pub target: String,
}

/// One hour of the last 24 (oldest first in [`Day::hours`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Hour {
    /// Start of the hour (RFC 3339, UTC).
    pub start: String,
    pub runs: u64,
    pub pass: u64,
    pub warn: u64,
    pub fail: u64,
    pub error: u64,
    pub skipped: u64,
    /// Slowest run of the hour.
    pub max_ms: Option<f64>,
}

/// The last 24 hours of a probe, hour by hour, from the store.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Day {
    pub runs: u64,
    /// Share of judged runs (skipped excluded) that passed, in percent.
    pub uptime_pct: Option<f64>,
    /// 24 entries, the current hour last.
    pub hours: Vec<Hour>,
}

/// The open store.
pub struct Store {
    path: PathBuf,
    conn: Mutex<Connection>,
    max_results: usize,
    max_age: Duration,
    /// Set at the first failed write: one warning, then serving goes on without it.
    broken: AtomicBool,
}

impl Store {
    /// Opens (creating if needed) `dir/history.sqlite3` and checks that it is a healthy,
    /// writable store of a schema this version knows.
    pub fn open(dir: &Path, max_results: usize, max_age: Duration) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Folder {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = dir.join(FILE);
        let unwritable = |e: &dyn std::fmt::Display| StoreError::Unwritable {
            path: path.clone(),
            detail: e.to_string(),
        };
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| classify(&path, e))?;
        if conn
            .is_readonly(rusqlite::MAIN_DB)
            .map_err(|e| classify(&path, e))?
        {
            return Err(unwritable(&"opened read-only"));
        }
        // Waits out another process's write instead of failing at once.
        conn.busy_timeout(Duration::from_secs(2))
            .map_err(|e| classify(&path, e))?;
        let check: String = conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(|e| classify(&path, e))?;
        if check != "ok" {
            return Err(StoreError::Damaged {
                path,
                detail: check.lines().next().unwrap_or_default().to_string(),
            });
        }
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| classify(&path, e))?;
        if version > SCHEMA {
            return Err(StoreError::Newer {
                path,
                found: version,
            });
        }
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             CREATE TABLE IF NOT EXISTS results (
                 seq INTEGER PRIMARY KEY,
                 probe TEXT NOT NULL,
                 check_name TEXT NOT NULL,
                 target TEXT NOT NULL,
                 status TEXT NOT NULL,
                 duration_ms REAL NOT NULL,
                 checked_at TEXT NOT NULL,
                 at_s INTEGER NOT NULL
             );
             CREATE INDEX IF NOT EXISTS results_probe ON results (probe, seq);
             CREATE INDEX IF NOT EXISTS results_age ON results (at_s);
             PRAGMA user_version = 1;",
        )
        .map_err(|e| classify(&path, e))?;
        let store = Store {
            path,
            conn: Mutex::new(conn),
            max_results,
            max_age,
            broken: AtomicBool::new(false),
        };
        store.prune_all().map_err(|e| classify(&store.path, e))?;
        Ok(store)
    }

    /// Whether writes still work (false after the first failed one).
    pub fn healthy(&self) -> bool {
        !self.broken.load(Ordering::Relaxed)
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records one result and drops what falls outside the bounds, in one transaction.
    /// On failure the store is marked broken and the one-line reason returned (once; later
    /// calls return `Ok` without writing).
    pub fn append(&self, key: &Key, point: &Point) -> Result<(), String> {
        self.append_all(&[(key.clone(), point.clone())])
    }

    /// Records several results (a background round) in one transaction, like
    /// [`append`](Self::append): one commit instead of one per result.
    pub fn append_all(&self, rows: &[(Key, Point)]) -> Result<(), String> {
        if !self.healthy() || rows.is_empty() {
            return Ok(());
        }
        let oldest = jiff::Timestamp::now().as_second() - self.max_age.as_secs() as i64;
        let write = || -> rusqlite::Result<()> {
            let mut conn = self.conn();
            let tx = conn.transaction()?;
            for (key, point) in rows {
                let at_s = point
                    .checked_at
                    .parse::<jiff::Timestamp>()
                    .unwrap_or_else(|_| jiff::Timestamp::now())
                    .as_second();
                tx.prepare_cached(
                    "INSERT INTO results (probe, check_name, target, status, duration_ms, checked_at, at_s)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![
                    key.id,
                    key.check,
                    key.target,
                    point.status.as_str(),
                    point.duration_ms,
                    point.checked_at,
                    at_s
                ])?;
                trim(&tx, &key.id, &key.target, self.max_results)?;
            }
            tx.prepare_cached("DELETE FROM results WHERE at_s < ?1")?
                .execute(params![oldest])?;
            tx.commit()
        };
        write().map_err(|e| {
            self.broken.store(true, Ordering::Relaxed);
            format!(
                "probe history: cannot write {} ({e}); serving goes on without durable history: free space or fix permissions, then restart serve",
                self.path.display()
            )
        })
    }

    /// Bounds every probe's rows (at open: the limits may have been lowered).
    fn prune_all(&self) -> rusqlite::Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let oldest = jiff::Timestamp::now().as_second() - self.max_age.as_secs() as i64;
        tx.execute("DELETE FROM results WHERE at_s < ?1", params![oldest])?;
        let ids: Vec<(String, String)> = tx
            .prepare("SELECT DISTINCT probe, target FROM results")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (id, target) in ids {
            trim(&tx, &id, &target, self.max_results)?;
        }
        tx.commit()
    }

    /// The newest `n` results of `key`, oldest first (empty when the store fails to read).
    pub fn recent(&self, key: &Key, n: usize) -> Vec<Point> {
        let read = || -> rusqlite::Result<Vec<Point>> {
            let conn = self.conn();
            let mut stmt = conn.prepare_cached(
                "SELECT status, duration_ms, checked_at FROM results
                 WHERE probe = ?1 AND check_name = ?2 AND target = ?3
                 ORDER BY seq DESC LIMIT ?4",
            )?;
            let rows = stmt.query_map(params![key.id, key.check, key.target, n as i64], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, f64>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (status, duration_ms, checked_at) = row?;
                if let Some(status) = parse_status(&status) {
                    out.push(Point {
                        status,
                        duration_ms,
                        checked_at,
                    });
                }
            }
            out.reverse();
            Ok(out)
        };
        read().unwrap_or_default()
    }

    /// The last 24 hours of `key`, hour by hour, ending with the hour of `now`.
    pub fn day(&self, key: &Key, now: jiff::Timestamp) -> Option<Day> {
        let current = now.as_second().div_euclid(3600);
        let first = current - 23;
        let read = || -> rusqlite::Result<Vec<HourRow>> {
            let conn = self.conn();
            let mut stmt = conn.prepare_cached(
                "SELECT at_s / 3600 AS hour, status, COUNT(*), MAX(duration_ms) FROM results
                 WHERE probe = ?1 AND check_name = ?2 AND target = ?3 AND at_s >= ?4
                 GROUP BY hour, status",
            )?;
            stmt.query_map(params![key.id, key.check, key.target, first * 3600], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get::<_, i64>(2)?.max(0) as u64,
                    r.get(3)?,
                ))
            })?
            .collect()
        };
        let rows = read().ok()?;
        let mut hours: Vec<Hour> = (first..=current)
            .map(|h| Hour {
                start: jiff::Timestamp::from_second(h * 3600)
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
                ..Hour::default()
            })
            .collect();
        for (hour, status, count, max_ms) in rows {
            let (Some(status), Ok(i)) = (parse_status(&status), usize::try_from(hour - first))
            else {
                continue;
            };
            let Some(h) = hours.get_mut(i) else { continue };
            h.runs += count;
            *match status {
                Status::Pass => &mut h.pass,
                Status::Warn => &mut h.warn,
                Status::Fail => &mut h.fail,
                Status::Error => &mut h.error,
                Status::Skipped => &mut h.skipped,
            } += count;
            if let Some(ms) = max_ms {
                h.max_ms = Some(h.max_ms.map_or(ms, |m: f64| m.max(ms)));
            }
        }
        let runs = hours.iter().map(|h| h.runs).sum();
        let judged: u64 = hours.iter().map(|h| h.runs - h.skipped).sum();
        let pass: u64 = hours.iter().map(|h| h.pass).sum();
        let uptime_pct =
            (judged > 0).then(|| (pass as f64 * 1000.0 / judged as f64).round() / 10.0);
        Some(Day {
            runs,
            uptime_pct,
            hours,
        })
    }
}

/// One `GROUP BY hour, status` row: hour number (Unix hours), status, runs, slowest run.
type HourRow = (i64, String, u64, Option<f64>);

/// Deletes all but the newest `keep` rows of probe `id` on `target`: each target keeps its
/// own history (a busy target must not push a quiet one's results out).
fn trim(
    tx: &rusqlite::Transaction<'_>,
    id: &str,
    target: &str,
    keep: usize,
) -> rusqlite::Result<usize> {
    tx.prepare_cached(
        "DELETE FROM results WHERE probe = ?1 AND target = ?2 AND seq <=
             (SELECT seq FROM results WHERE probe = ?1 AND target = ?2
              ORDER BY seq DESC LIMIT 1 OFFSET ?3)",
    )?
    .execute(params![id, target, keep as i64])
}

fn parse_status(s: &str) -> Option<Status> {
    Some(match s {
        "pass" => Status::Pass,
        "warn" => Status::Warn,
        "fail" => Status::Fail,
        "error" => Status::Error,
        "skipped" => Status::Skipped,
        _ => return None,
    })
}

/// Sorts an SQLite error at open into "damaged" (the file is not a sound database) and
/// "unwritable" (everything else: permissions, read-only file system, full disk).
fn classify(path: &Path, e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase};
    match e.sqlite_error_code() {
        Some(DatabaseCorrupt | NotADatabase) => StoreError::Damaged {
            path: path.to_path_buf(),
            detail: e.to_string(),
        },
        _ => StoreError::Unwritable {
            path: path.to_path_buf(),
            detail: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str) -> Key {
        Key {
            id: id.into(),
            check: "redis.ping".into(),
            target: "default".into(),
        }
    }

    fn point(status: Status, ms: f64, at: jiff::Timestamp) -> Point {
        Point {
            status,
            duration_ms: ms,
            checked_at: at.to_string(),
        }
    }

    #[test]
    fn keeps_the_newest_results_per_probe_within_count_and_age() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), 3, Duration::from_secs(3600)).unwrap();
        let now = jiff::Timestamp::now();
        for i in 0..5 {
            store
                .append(&key("a"), &point(Status::Pass, i as f64, now))
                .unwrap();
        }
        store
            .append(&key("b"), &point(Status::Fail, 9.0, now))
            .unwrap();
        let a: Vec<f64> = store
            .recent(&key("a"), 10)
            .iter()
            .map(|p| p.duration_ms)
            .collect();
        assert_eq!(a, [2.0, 3.0, 4.0]);
        assert_eq!(store.recent(&key("b"), 10).len(), 1);
        // Another check under the same id is another history.
        let other = Key {
            check: "cache.roundtrip".into(),
            ..key("a")
        };
        assert!(store.recent(&other, 10).is_empty());
        // So is the same probe on another target, which keeps its own rows within the
        // bound instead of trimming the first target's.
        let prod = Key {
            target: "prod".into(),
            ..key("a")
        };
        for i in 0..2 {
            store
                .append(&prod, &point(Status::Fail, 10.0 + i as f64, now))
                .unwrap();
        }
        assert_eq!(store.recent(&prod, 10).len(), 2);
        assert_eq!(store.recent(&key("a"), 10).len(), 3);
        // Too old: dropped at the next write.
        let old = now - jiff::SignedDuration::from_secs(7200);
        store
            .append(&key("c"), &point(Status::Pass, 1.0, old))
            .unwrap();
        store
            .append(&key("c"), &point(Status::Pass, 2.0, now))
            .unwrap();
        assert_eq!(store.recent(&key("c"), 10).len(), 1);
        // Reopening with a lower bound trims at once.
        drop(store);
        let store = Store::open(dir.path(), 1, Duration::from_secs(3600)).unwrap();
        assert_eq!(store.recent(&key("a"), 10).len(), 1);
    }

    #[test]
    fn the_day_counts_each_hour_by_status() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), 100, Duration::from_secs(48 * 3600)).unwrap();
        let now = jiff::Timestamp::now();
        let hour_ago = now - jiff::SignedDuration::from_secs(3600);
        for (s, ms, at) in [
            (Status::Pass, 1.0, now),
            (Status::Fail, 5.0, now),
            (Status::Skipped, 0.0, now),
            (Status::Pass, 2.0, hour_ago),
        ] {
            store.append(&key("a"), &point(s, ms, at)).unwrap();
        }
        let day = store.day(&key("a"), now).unwrap();
        assert_eq!(day.hours.len(), 24);
        assert_eq!(day.runs, 4);
        assert_eq!(day.uptime_pct, Some(66.7));
        let last = day.hours.last().unwrap();
        assert_eq!(
            (last.runs, last.pass, last.fail, last.skipped),
            (3, 1, 1, 1)
        );
        assert_eq!(last.max_ms, Some(5.0));
        assert_eq!(day.hours[22].pass, 1);
    }

    #[test]
    fn a_file_that_is_not_a_database_is_reported_damaged_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let junk = b"this is not SQLite, just some text that happens to be here\n".repeat(200);
        std::fs::write(dir.path().join(FILE), &junk).unwrap();
        let err = Store::open(dir.path(), 10, Duration::from_secs(60))
            .err()
            .expect("junk is refused");
        assert!(matches!(err, StoreError::Damaged { .. }), "{err}");
        assert!(err.to_string().contains("move it aside"), "{err}");
        assert_eq!(std::fs::read(dir.path().join(FILE)).unwrap(), junk);
    }
}
