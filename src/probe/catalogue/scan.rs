//! `redis.scan`: keys matching a raw glob, e.g. the guide's leftover `:1:*` keys.
//!
//! With `expect = "none"`, finding keys is not enough to call them leftovers: keys in the
//! wrong DB or under the empty prefix are just as often what a misconfigured process is
//! writing right now. So the matches are inspected (TTL and OBJECT IDLETIME, both read
//! without touching the keys) and deletion is offered only for keys proven unused: none
//! expires and none was read or written for [`LEGACY_IDLE`].

use std::time::Duration;

use super::{key_text, pipe, scan};
use crate::probe::decl::{ScanExpect, ScanParams};
use crate::probe::result::{Outcome, Status};
use crate::probe::run::connect::ProbeError;
use crate::probe::run::runner::Ctx;
use crate::probe::show::hint;

const SCAN_CALLS: usize = 1000;

/// Most matches inspected for TTL and idle time; with more, nothing is proven legacy.
const INSPECT: usize = 200;

/// Idle time from which a key without expiry counts as a leftover nobody uses.
pub const LEGACY_IDLE: Duration = Duration::from_secs(7 * 24 * 3600);

/// What TTL and OBJECT IDLETIME say about the matched keys.
#[derive(Debug, Clone, PartialEq)]
pub enum Usage {
    /// Every match inspected: none expires and none was touched for [`LEGACY_IDLE`].
    Legacy { least_idle: Duration },
    /// Some key was touched within [`LEGACY_IDLE`], or expires (written with a timeout).
    InUse {
        least_idle: Option<Duration>,
        expiring: usize,
    },
    /// Could not tell (OBJECT IDLETIME unavailable, or more matches than inspected).
    Unknown(String),
}

pub async fn run(p: &ScanParams, ctx: &Ctx<'_>) -> Result<Outcome, ProbeError> {
    let ep = ctx.session.endpoint()?;
    let db = p.db.map(i64::from).unwrap_or(ep.db);
    let mut conn = if db == ep.db {
        ctx.session.conn().await?
    } else {
        ep.connect(Some(db)).await?
    };
    let keep = match p.expect {
        ScanExpect::None => p.limit.max(INSPECT),
        ScanExpect::Some => p.limit,
    };
    let found = scan(ep, &mut conn, &p.pattern, keep, SCAN_CALLS).await?;
    let count = if found.complete {
        found.total.to_string()
    } else {
        format!("at least {}", found.total)
    };
    let listed: Vec<String> = found
        .keys
        .iter()
        .take(p.limit)
        .map(|k| key_text(k))
        .collect();
    let mut out = Outcome::pass("")
        .evidence("pattern", p.pattern.clone())
        .evidence("db", db.to_string())
        .evidence("matches", count.clone());
    if !listed.is_empty() {
        out = out.evidence(
            if found.total > listed.len() {
                format!("first {} keys", listed.len())
            } else {
                "keys".into()
            },
            listed.join("\n"),
        );
    }
    out.observed = Some(format!("{count} keys"));
    match (p.expect, found.total) {
        (ScanExpect::Some, 0) => {
            out.status = Status::Fail;
            out.summary = format!("no keys match {} in db {db}", p.pattern);
            out.hint = hint::keys_missing();
        }
        (ScanExpect::Some, _) => {
            out.summary = format!("{count} keys match {} in db {db}", p.pattern)
        }
        (ScanExpect::None, 0) => out.summary = format!("no keys match {} in db {db}", p.pattern),
        (ScanExpect::None, _) => {
            let usage = if !found.complete || found.total > found.keys.len() {
                Usage::Unknown(format!(
                    "more than {} matches, not all inspected",
                    found.keys.len()
                ))
            } else {
                inspect(ep, &mut conn, &found.keys).await?
            };
            let found_here = format!("{count} keys match {} in db {db}, expected none", p.pattern);
            let other_db = db != ep.db;
            match &usage {
                Usage::Legacy { least_idle } => {
                    out.status = Status::Warn;
                    out.summary = format!(
                        "{found_here}: leftovers (none expires, none used for {})",
                        words(*least_idle)
                    );
                    out.hint =
                        hint::legacy_cleanup(db, &p.pattern, LEGACY_IDLE.as_secs() / (24 * 3600));
                    out = out.evidence("least idle", words(*least_idle));
                }
                Usage::InUse {
                    least_idle,
                    expiring,
                } => {
                    out.status = Status::Fail;
                    let mut why = Vec::new();
                    if let Some(idle) = least_idle {
                        why.push(format!(
                            "the most recently used was touched {} ago",
                            words(*idle)
                        ));
                    }
                    if *expiring > 0 {
                        why.push(format!("{expiring} expire (written with a timeout)"));
                    }
                    out.summary = format!(
                        "{found_here}; {}: a process still uses them{}",
                        why.join(", "),
                        if other_db {
                            format!(" (a process on db {db} instead of db {})", ep.db)
                        } else {
                            String::new()
                        }
                    );
                    if let Some(idle) = least_idle {
                        out = out.evidence("least idle", words(*idle));
                    }
                    out = out.evidence("expiring", expiring.to_string());
                    out.hint = if other_db {
                        hint::wrong_db(db, ep.db, &p.pattern)
                    } else {
                        hint::still_in_use(db, &p.pattern)
                    };
                }
                Usage::Unknown(why) => {
                    out.status = Status::Warn;
                    out.summary = format!(
                        "{found_here}; whether a process still uses them cannot be told ({why})"
                    );
                    out.hint = if other_db {
                        hint::wrong_db(db, ep.db, &p.pattern)
                    } else {
                        hint::still_in_use(db, &p.pattern)
                    };
                }
            }
        }
    }
    out.expected = Some(match p.expect {
        ScanExpect::Some => "at least one key".into(),
        ScanExpect::None => "no keys".into(),
    });
    Ok(out)
}

/// TTL and OBJECT IDLETIME of every key (neither touches the key's access time).
async fn inspect(
    ep: &crate::probe::run::connect::Endpoint,
    conn: &mut redis::aio::MultiplexedConnection,
    keys: &[Vec<u8>],
) -> Result<Usage, ProbeError> {
    let mut pl = redis::pipe();
    for k in keys {
        pl.cmd("TTL").arg(k);
    }
    let ttls: Vec<i64> = pipe(ep, conn, &pl).await?;
    let mut pl = redis::pipe();
    for k in keys {
        pl.cmd("OBJECT").arg("IDLETIME").arg(k);
    }
    // Under an LFU policy Redis has no idle time (an error reply): nothing proven then.
    let idles: Vec<Option<i64>> = match pl.query_async::<Vec<Option<i64>>>(conn).await {
        Ok(v) => v,
        Err(e) if e.code().is_some() => {
            return Ok(Usage::Unknown(
                "OBJECT IDLETIME is not available (an LFU maxmemory-policy?)".into(),
            ));
        }
        Err(e) => return Err(ep.classify(&e)),
    };
    // A key gone between SCAN and now (-2 / nil) says nothing either way.
    let expiring = ttls.iter().filter(|t| **t >= 0).count();
    let least_idle = idles
        .iter()
        .flatten()
        .map(|s| Duration::from_secs((*s).max(0) as u64))
        .min();
    Ok(match least_idle {
        Some(idle) if expiring == 0 && idle >= LEGACY_IDLE => Usage::Legacy { least_idle: idle },
        None if expiring == 0 => {
            Usage::Unknown("every match vanished while it was inspected".into())
        }
        _ => Usage::InUse {
            least_idle,
            expiring,
        },
    })
}

/// "3 s", "2 h 5 min", "8 days": a rounded duration for summaries.
fn words(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..86400 => format!("{} h {} min", s / 3600, (s % 3600) / 60),
        _ => format!("{} days", s / 86400),
    }
}
