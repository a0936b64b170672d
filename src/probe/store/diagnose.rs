//! The `(nil)` diagnosis for FileBasedCache and DatabaseCache: why Django's `cache.get`
//! finds nothing for a key, in the order an operator would check: the entry expired; the
//! directory is not there (or is closed to us); the key was written under another prefix or
//! version; the cache was culled (more entries than MAX_ENTRIES); the `PrivateTmp` trap of a
//! LOCATION under /tmp; else plain absent.

use super::file::{self, DirProblem};
use super::{Read, Store};
use crate::config::RedisTarget;
use crate::probe::result::{Hint, Status};
use crate::probe::run::connect::{ErrorKind, ProbeError};
use crate::probe::run::pyval;
use crate::probe::show::hint;

/// Why a key is missing: the verdict's status, words, hint and the facts behind them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Miss {
    pub status: Status,
    pub summary: String,
    pub hint: Option<Hint>,
    pub evidence: Vec<(String, String)>,
}

impl Miss {
    fn fail(summary: String, hint: Option<Hint>) -> Miss {
        Miss {
            status: Status::Fail,
            summary,
            hint,
            evidence: Vec::new(),
        }
    }
}

/// Diagnoses `key` (the stored key of `django_key`) that `read` found missing or expired.
pub(crate) async fn miss(
    store: &Store,
    target: &RedisTarget,
    django_key: &str,
    key: &str,
    read: &Read,
    now: f64,
) -> Result<Miss, ProbeError> {
    let place = store.place();
    if let Read::Expired { at } = read {
        let ago = (now - at).max(0.0) as i64;
        let when = if *at == f64::NEG_INFINITY {
            "its expiry is minus infinity (or a negative integer beyond any time), always before now".to_string()
        } else if *at <= 0.0 {
            "the file is empty, which Django reads as expired".to_string()
        } else {
            format!(
                "it expired {} ago ({} UTC)",
                crate::django::time::human_duration(ago),
                jiff::Timestamp::from_second(*at as i64)
                    .map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string())
                    .unwrap_or_default()
            )
        };
        let mut m = Miss::fail(
            format!(
                "{key} is expired in {place}: {when}; Django's cache.get returns None for it (and deletes it)"
            ),
            hint::ping_gotchas(
                "An expired entry reads as missing: write it again, and write values that must persist with timeout=None.",
            ),
        );
        m.evidence.push(("where".into(), store.where_is(key)));
        return Ok(m);
    }
    if let Store::File(f) = store {
        match file::dir_problem(f.dir()) {
            Some(DirProblem::Missing) => {
                // No directory at all. Django creates it on every write, so nothing on this
                // host uses it (skipped); unless it sits under /tmp, where a unit with
                // PrivateTmp=yes writes into a private copy: found, that is the app's cache
                // elsewhere (fail); not found, it may be hidden from us (error).
                let dir = f.dir_display();
                let advice = hint::file_cache(file::missing_dir_advice(f.dir()));
                if !file::under_tmp(f.dir()) {
                    return Ok(Miss {
                        status: Status::Skipped,
                        summary: format!(
                            "not judged here: the cache directory {dir} does not exist on this host (Django creates it on its first write, so no process here uses it)"
                        ),
                        hint: advice,
                        evidence: Vec::new(),
                    });
                }
                let (copies, private, searchable) = file::private_tmp_copies(f.dir());
                let mut m = Miss::fail(
                    format!(
                        "{key} is missing: the cache directory {dir} does not exist in this host's shared /tmp{}",
                        private_tmp_words(&copies, private, searchable)
                    ),
                    advice,
                );
                if copies.is_empty() {
                    m.status = Status::Error;
                }
                m.evidence.push((
                    "PrivateTmp".into(),
                    private_tmp_evidence(&copies, private, searchable),
                ));
                return Ok(m);
            }
            Some(DirProblem::SymlinkLoop) => return Err(file::symlink_loop(f.dir())),
            Some(DirProblem::NotADirectory) => {
                return Err(ProbeError::new(
                    ErrorKind::Other,
                    format!(
                        "{} is not a directory: FileBasedCache's LOCATION must be one",
                        f.dir_display()
                    ),
                    hint::file_cache("Point `location` at the LOCATION of the app's CACHES block."),
                ));
            }
            Some(DirProblem::Unreadable { owner, mode }) => {
                return Err(ProbeError::new(
                    ErrorKind::Denied,
                    format!(
                        "cannot list the cache directory {} (owner {owner}, mode {mode:04o}): whether {key} is there cannot be judged",
                        f.dir_display()
                    ),
                    hint::file_cache(file::unreadable_advice(f.dir())),
                ));
            }
            None => {}
        }
    }
    let others = store.elsewhere(target, django_key).await?;
    if let Some(o) = others.first() {
        let why = if o.prefix.is_empty() && !target.key_prefix.is_empty() {
            "written without KEY_PREFIX (a leftover or a process with other settings)".to_string()
        } else if o.prefix == target.key_prefix {
            format!(
                "written under cache VERSION {} instead of {}",
                o.version, target.version
            )
        } else {
            format!(
                "written under KEY_PREFIX {:?} instead of {:?}",
                o.prefix, target.key_prefix
            )
        };
        let hint = if o.prefix == target.key_prefix {
            hint::ping_gotchas(
                "Align the VERSION setting of the processes that read and write this key.",
            )
        } else {
            hint::leftovers(format!(
                "Use the same CACHES block (KEY_PREFIX {:?}) in every process.",
                target.key_prefix
            ))
        };
        let mut m = Miss::fail(
            format!("{key} is missing in {place}, but {} exists: {why}", o.key),
            hint,
        );
        m.evidence.push((
            "found instead".into(),
            others
                .iter()
                .map(|o| o.key.clone())
                .collect::<Vec<_>>()
                .join(", "),
        ));
        return Ok(m);
    }
    let count = store.count().await?;
    let entries = format!(
        "{}{} against MAX_ENTRIES {}",
        count.entries,
        if count.complete {
            ""
        } else {
            "+ (count stopped at its bound)"
        },
        target.max_entries
    );
    // Django culls when a write finds the cache full, down to about two thirds of
    // MAX_ENTRIES: a count at or above that level is what culling leaves behind.
    if count.entries.saturating_mul(3) >= target.max_entries.saturating_mul(2) {
        let (how, h) = match store {
            Store::File(_) => (
                "FileBasedCache deletes a random third of its files whenever a write finds MAX_ENTRIES or more",
                hint::file_cache(format!(
                    "Raise OPTIONS MAX_ENTRIES in the app's CACHES above the number of keys it keeps (and `max_entries` on the target to match); {} now.",
                    count.entries
                )),
            ),
            Store::Db(_) => (
                "DatabaseCache deletes the expired rows, then a third of the rest (the lowest cache_key values), whenever a write finds more than MAX_ENTRIES",
                hint::database_cache(format!(
                    "Raise OPTIONS MAX_ENTRIES in the app's CACHES above the number of keys it keeps (and `max_entries` on the target to match); {} now.",
                    count.entries
                )),
            ),
        };
        let mut m = Miss::fail(
            format!(
                "{key} is missing in {place}, which holds {entries}: {how}, so it was most likely culled"
            ),
            h,
        );
        m.evidence.push(("entries".into(), entries));
        return Ok(m);
    }
    // Under /tmp, an empty directory (or a private copy found elsewhere) is the PrivateTmp
    // trap; one that holds other entries is shared, and the key is simply not there.
    let private = match store {
        Store::File(f) if file::under_tmp(f.dir()) => Some(file::private_tmp_copies(f.dir())),
        _ => None,
    };
    if let (Store::File(f), Some((copies, private, searchable))) = (store, private)
        && (count.entries == 0 || !copies.is_empty())
    {
        let mut m = Miss::fail(
            format!(
                "{key} is missing in {}{}",
                f.dir_display(),
                private_tmp_words(&copies, private, searchable)
            ),
            hint::file_cache(
                "Move LOCATION out of /tmp (e.g. /var/cache/bisk_cache, owned by the app's user) in the app's CACHES and in `location`, then restart the app and the enforcer.",
            ),
        );
        m.evidence.push(("entries".into(), entries));
        m.evidence.push((
            "PrivateTmp".into(),
            private_tmp_evidence(&copies, private, searchable),
        ));
        return Ok(m);
    }
    let mut m = Miss::fail(
        format!(
            "{key} is absent from {place} (never written, or deleted); not found under another prefix or version either, and the cache holds {entries}"
        ),
        hint::ping_gotchas(
            "Write it again (it may have expired) and check that every process uses the same CACHES block.",
        ),
    );
    m.evidence.push(("entries".into(), entries));
    Ok(m)
}

fn private_tmp_words(copies: &[std::path::PathBuf], private: usize, searchable: bool) -> String {
    if let Some(c) = copies.first() {
        format!(
            "; a unit with PrivateTmp=yes writes to its own copy: {} exists (the PrivateTmp trap)",
            c.display()
        )
    } else if private > 0 && !searchable {
        format!(
            "; a LOCATION under /tmp is the PrivateTmp trap: a unit with PrivateTmp=yes writes into its own /tmp ({private} private /tmp folders here, closed to this user)"
        )
    } else {
        "; a LOCATION under /tmp is the PrivateTmp trap: a unit with PrivateTmp=yes (`systemctl show -p PrivateTmp UNIT`) writes into its own /tmp, which nobody else sees".into()
    }
}

fn private_tmp_evidence(copies: &[std::path::PathBuf], private: usize, searchable: bool) -> String {
    if !copies.is_empty() {
        copies
            .iter()
            .map(|c| c.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        format!(
            "{private} systemd-private folders{}",
            if searchable {
                ", none holds this directory"
            } else {
                " (not searchable as this user)"
            }
        )
    }
}

/// A missing cache table, settled: in a database with Django's own tables the app's cache
/// is broken (fail); in one without, the target most likely names another database (the
/// probe cannot judge the app's cache there).
pub(crate) async fn settle(store: &Store, e: ProbeError) -> ProbeError {
    let Store::Db(d) = store else { return e };
    if e.kind != ErrorKind::MissingTable {
        return e;
    }
    match d.is_django_database().await {
        Ok(true) => ProbeError {
            kind: ErrorKind::CacheBroken,
            message: format!(
                "{}; this is the app's database (it has Django's tables), so Django's cache.get raises here",
                e.message
            ),
            hint: e.hint,
        },
        Ok(false) => ProbeError {
            kind: ErrorKind::Other,
            message: format!(
                "{}, and the database has no Django tables either (no django_migrations): `database` most likely names another database than the app's",
                e.message
            ),
            hint: hint::database_cache(
                "Copy the database from the app's DATABASES into `database`; if it is the right one, run `python manage.py migrate` and `python manage.py createcachetable`.",
            ),
        },
        Err(_) => e,
    }
}

/// The value of a present entry, decoded as Django reads it (or why not).
pub(crate) fn decode(stored: &super::Stored) -> Result<crate::django::PyValue, pyval::Undecoded> {
    pyval::decode_pickle_prefix(&stored.raw, stored.len)
}
