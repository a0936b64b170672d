//! `cache.roundtrip`, `cache.key` and `enforcer.breadcrumbs` on FileBasedCache and
//! DatabaseCache targets (`probe::store`). Same result shape and same judgement as on Redis:
//! the verdicts come from the same pure judges (`cache::judge_roundtrip`,
//! `cache::judge_present`, `breadcrumbs::judge`); only the reading and the `(nil)`
//! diagnosis (`store::diagnose`) are the backend's.

use std::time::Instant;

use super::breadcrumbs;
use super::cache::{RoundtripRead, hex_preview, judge_roundtrip, judge_stored, write_refused};
use super::{ms_since, ttl_words};
use crate::config::Backend;
use crate::django::PyValue;
use crate::probe::decl::{BreadcrumbParams, KeyParams, Presence, RoundtripParams};
use crate::probe::result::{Hint, Outcome, Status};
use crate::probe::run::connect::{ErrorKind, ProbeError};
use crate::probe::run::pyval::{self, Undecoded};
use crate::probe::run::runner::Ctx;
use crate::probe::show::hint;
use crate::probe::store::{Read, Store, diagnose, now_secs};
use crate::text::bound;

/// The evidence label of the one read a probe makes.
fn read_label(store: &Store) -> &'static str {
    match store {
        Store::File(_) => "file read",
        Store::Db(_) => "SELECT round trip",
    }
}

fn pickled_hint(store: &Store) -> Option<Hint> {
    hint::pickled(match store {
        Store::File(_) => {
            "Django reads a pickled expiry then a zlib-compressed pickle; a file written by hand (or cut short) breaks cache.get()."
        }
        Store::Db(_) => {
            "Django reads value as base64 of a pickle; a row written by hand breaks cache.get()."
        }
    })
}

pub async fn roundtrip(p: &RoundtripParams, ctx: &Ctx<'_>) -> Result<Outcome, ProbeError> {
    if let Some(skip) = write_refused(ctx) {
        return Ok(skip);
    }
    let target = &ctx.session.named;
    let store = ctx.session.store().await?;
    let key = pyval::key(&target.target, &p.key);
    let value = PyValue::Str(p.value.clone());
    let stored = pyval::pickle(&value).map_err(|e| {
        ProbeError::new(
            ErrorKind::Other,
            format!("cannot encode the value as Django would: {e}"),
            None,
        )
    })?;
    let t = Instant::now();
    let command = store.write(&key, &stored, p.ttl).await?;
    let back = store.read_many(std::slice::from_ref(&key)).await?;
    let rtt = ms_since(t);
    let now = now_secs();
    let read = back.into_iter().next().unwrap_or(Read::Missing);
    let ttl = read.ttl(now);
    let expected = pyval::display(&value);
    let mut out = Outcome::pass(format!(
        "wrote and read back {expected} at {key}, TTL {ttl} s"
    ))
    .expected(format!("{expected}, TTL in (0, {}] s", p.ttl))
    .evidence("key", key.clone())
    .evidence("where", store.where_is(&key))
    .evidence("command", command)
    .evidence("stored bytes", hex_preview(&stored, 64))
    .evidence("TTL", ttl_words(ttl))
    .evidence("write+read round trip", rtt);
    let back_equal = match &read {
        Read::Present(s) => {
            let decoded = diagnose::decode(s);
            out = out.observed(match &decoded {
                Ok(v) => format!("{}, TTL {}", pyval::display(v), ttl_words(ttl)),
                Err(e) => format!("undecodable: {e}"),
            });
            Some(s.raw == stored && decoded.ok().as_ref() == Some(&value))
        }
        Read::Broken(why) => {
            out = out.observed(format!("undecodable: {why}"));
            Some(false)
        }
        Read::Missing | Read::Expired { .. } => {
            out = out.observed("(nil)");
            None
        }
    };
    let r = RoundtripRead {
        back_equal,
        ttl,
        // Files and rows have no SCAN: the read above looked the key up by its exact name.
        scan_found: true,
        scan_complete: true,
    };
    match judge_roundtrip(&key, p.ttl, &r) {
        None => Ok(out),
        Some((summary, hint)) => {
            out.status = Status::Fail;
            if back_equal.is_none() {
                let miss = diagnose::miss(&store, &target.target, &p.key, &key, &read, now).await?;
                out.status = miss.status;
                out.summary = bound(
                    &format!(
                        "wrote {key} but reading it back found nothing: {}",
                        miss.summary
                    ),
                    400,
                );
                for (l, v) in miss.evidence {
                    out = out.evidence(l, v);
                }
                return Ok(out.hint(miss.hint));
            }
            out.summary = summary;
            Ok(out.hint(if back_equal == Some(false) {
                pickled_hint(&store)
            } else {
                hint
            }))
        }
    }
}

pub async fn key(p: &KeyParams, ctx: &Ctx<'_>) -> Result<Outcome, ProbeError> {
    let target = &ctx.session.named.target;
    let store = ctx.session.store().await?;
    let key = pyval::key(target, &p.key);
    let t = Instant::now();
    let read = store
        .read_many(std::slice::from_ref(&key))
        .await?
        .into_iter()
        .next()
        .unwrap_or(Read::Missing);
    let rtt = ms_since(t);
    let now = now_secs();
    let ttl = read.ttl(now);
    let base = |status: Status, summary: String| {
        Outcome::new(status, summary)
            .evidence("key", key.clone())
            .evidence("where", store.where_is(&key))
            .evidence("TTL", ttl_words(ttl))
            .evidence(read_label(&store), rtt.clone())
    };
    let stored = match &read {
        Read::Missing | Read::Expired { .. } => {
            let observed = if matches!(read, Read::Expired { .. }) {
                "(nil): expired"
            } else {
                "(nil)"
            };
            if p.expect == Presence::Absent {
                return Ok(base(Status::Pass, format!("{key} is absent, as expected"))
                    .expected("absent")
                    .observed(observed));
            }
            let miss = diagnose::miss(&store, target, &p.key, &key, &read, now).await?;
            let mut out = base(miss.status, bound(&miss.summary, 400))
                .expected("present")
                .observed(observed)
                .hint(miss.hint);
            for (l, v) in miss.evidence {
                out = out.evidence(l, v);
            }
            return Ok(out);
        }
        Read::Broken(why) => {
            return Ok(base(
                Status::Fail,
                format!("{key} holds a value Django cannot read: {why}"),
            )
            .observed(format!("undecodable: {why}"))
            .hint(pickled_hint(&store)));
        }
        Read::Present(s) => s,
    };
    let decoded = diagnose::decode(stored);
    let (len, raw) = (stored.len, &stored.raw);
    Ok(judge_stored(
        p,
        &key,
        decoded,
        len,
        raw,
        ttl,
        ctx,
        base,
        pickled_hint(&store),
    ))
}

pub async fn breadcrumbs(p: &BreadcrumbParams, ctx: &Ctx<'_>) -> Result<Outcome, ProbeError> {
    let target = &ctx.session.named.target;
    let store = ctx.session.store().await?;
    let names = breadcrumbs::crumb_keys(target, &p.namespace);
    let (keys, legacy, legacy_pattern) = (&names.keys, &names.legacy, &names.legacy_pattern);
    // One pass over the four names and their legacy twins (unless the prefix is empty).
    let mut wanted = keys.clone();
    if !target.key_prefix.is_empty() {
        wanted.extend(legacy.iter().cloned());
    }
    let t = Instant::now();
    let reads = store.read_many(&wanted).await?;
    let rtt = ms_since(t);
    let now = now_secs();
    let legacy_count = reads[4..]
        .iter()
        .filter(|r| matches!(r, Read::Present(_) | Read::Broken(_)))
        .count() as i64;
    let ttls = [
        reads[0].ttl(now),
        reads[1].ttl(now),
        reads[2].ttl(now),
        reads[3].ttl(now),
    ];
    let mut out = Outcome::pass("").evidence("where", store.place()).evidence(
        format!("{} ({} keys)", read_label(&store), wanted.len()),
        rtt,
    );
    let mut decoded: Vec<Result<Option<PyValue>, Undecoded>> = Vec::new();
    let mut seen = Vec::new();
    for read in &reads[..4] {
        let d = match read {
            Read::Missing | Read::Expired { .. } => Ok(None),
            Read::Present(s) => diagnose::decode(s).map(Some),
            Read::Broken(why) => Err(Undecoded {
                message: why.clone(),
                too_large: false,
            }),
        };
        let shown = match (&d, read) {
            (_, Read::Expired { at }) => format!(
                "(nil): expired {} ago",
                crate::django::time::human_duration((now - at).max(0.0) as i64)
            ),
            _ => breadcrumbs::shown(&d, ctx.now, &names.clock),
        };
        seen.push(shown);
        decoded.push(d);
    }
    out = breadcrumbs::crumb_evidence(out, keys, &seen, &ttls, legacy_pattern, legacy_count);
    let pid = breadcrumbs::pid_of(&decoded[3], p, ctx).await;
    let state = breadcrumbs::crumb_state(&names, &decoded, pid, ttls, legacy_count, 0, ctx.now);
    let mut verdict = breadcrumbs::judge(&state, p, ctx.now);
    if let Some(identity) = &verdict.identity {
        out = out.evidence("process identity", identity.clone());
    }
    // The shared judge words the legacy cleanup for redis-cli; here it is files or rows.
    let redis_cleanup = hint::cleanup(0, legacy_pattern);
    for f in &mut verdict.findings {
        if f.hint == redis_cleanup {
            f.hint = legacy_cleanup(&store, legacy);
        }
    }
    verdict.hint = verdict
        .findings
        .iter()
        .filter(|f| f.status == verdict.status)
        .find_map(|f| f.hint.clone());

    out.status = verdict.status;
    out.summary = verdict.summary.clone();
    out.hint = verdict.hint.clone();
    if ttls.iter().all(|t| *t == -2) && legacy_count == 0 {
        // Nothing Django would return: say why (expired, directory, prefix, culling, /tmp).
        let miss = diagnose::miss(
            &store,
            target,
            &format!("{}:last_run", p.namespace),
            &keys[0],
            &reads[0],
            now,
        )
        .await?;
        out.status = miss.status;
        out.summary = if miss.status == Status::Skipped {
            miss.summary.clone()
        } else {
            bound(&format!("no breadcrumbs: {}", miss.summary), 400)
        };
        out.hint = if matches!(reads[0], Read::Expired { .. }) {
            hint::default_timeout()
        } else {
            miss.hint
        };
        for (l, v) in miss.evidence {
            out = out.evidence(l, v);
        }
        return Ok(out
            .expected(format!("{} keys present", keys.len()))
            .observed("none present"));
    }
    out.expected = Some(breadcrumbs::expected_words(p, "no expiry"));
    out.observed = breadcrumbs::observed_words(&verdict, &decoded[2]);
    Ok(out)
}

/// Deleting leftover unprefixed breadcrumbs, in the backend's own terms.
fn legacy_cleanup(store: &Store, legacy: &[String]) -> Option<Hint> {
    let list = legacy
        .iter()
        .map(|k| format!("'{k}'"))
        .collect::<Vec<_>>()
        .join(", ");
    match store {
        Store::File(f) => hint::leftovers(format!(
            "Leftover entries without the prefix: once no process writes them any more (see the warning in F), delete exactly those files: {}",
            legacy
                .iter()
                .map(|k| f.path_of(k).display().to_string())
                .collect::<Vec<_>>()
                .join(" ")
        )),
        Store::Db(_) => hint::leftovers(format!(
            "Leftover rows without the prefix: once no process writes them any more (see the warning in F), delete exactly those: DELETE FROM {} WHERE cache_key IN ({list});",
            store_table(store)
        )),
    }
}

fn store_table(store: &Store) -> String {
    store
        .place()
        .strip_prefix("table ")
        .and_then(|s| s.split(' ').next())
        .unwrap_or("")
        .to_string()
}

/// Whether a check on this target goes through the file/db store.
pub fn uses_store(ctx: &Ctx<'_>) -> bool {
    ctx.session.backend() != Backend::Redis
}
