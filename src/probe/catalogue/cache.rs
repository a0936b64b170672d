//! `cache.roundtrip` (the guide's sanity test, written exactly as Django writes) and
//! `cache.key` (read one Django key, diagnosing misses against the `(nil)` gotchas).

use std::time::Instant;

use redis::aio::MultiplexedConnection;

use super::{glob_escape, key_text, ms_since, pipe, query, scan, ttl_words};
use crate::django::PyValue;
use crate::probe::connect::{Endpoint, ProbeError};
use crate::probe::decl::{KeyParams, Literal, Presence, RoundtripParams};
use crate::probe::hint;
use crate::probe::pyval::{self, Freshness};
use crate::probe::result::{Outcome, Status};
use crate::probe::runner::Ctx;

/// Most SCAN calls one probe makes (COUNT 1000 each: a million keys).
const SCAN_CALLS: usize = 1000;
/// DB indexes searched when a key is missing (Redis' default `databases 16`).
const OTHER_DBS: i64 = 16;

/// Why this run may not write the round trip's key (a read-only run, or a target with
/// `allow_writes = false`): the skip, the same on every backend; `None` when it may.
pub(crate) fn write_refused(ctx: &Ctx<'_>) -> Option<Outcome> {
    let target = &ctx.session.named;
    if ctx.read_only {
        return Some(Outcome::skipped(
            "this run is read-only; the round-trip writes a key",
        ));
    }
    if !target.target.allow_writes {
        return Some(Outcome::skipped(format!(
            "writes are off for target {} (allow_writes = false); the round-trip writes a key",
            target.name
        )));
    }
    None
}

pub async fn roundtrip(p: &RoundtripParams, ctx: &Ctx<'_>) -> Result<Outcome, ProbeError> {
    if let Some(skip) = write_refused(ctx) {
        return Ok(skip);
    }
    let target = &ctx.session.named;
    let ep = ctx.session.endpoint()?;
    let mut conn = ctx.session.conn().await?;
    let key = pyval::key(&target.target, &p.key);
    let value = PyValue::Str(p.value.clone());
    let stored = pyval::encode(&value).map_err(|e| {
        ProbeError::new(
            crate::probe::connect::ErrorKind::Other,
            format!("cannot encode the value as Django would: {e}"),
            None,
        )
    })?;
    let t = Instant::now();
    // Django sends exactly SET key <pickle> EX ttl; read back and TTL in the same trip.
    let ((), back, ttl): ((), Option<Vec<u8>>, i64) = pipe(
        ep,
        &mut conn,
        redis::pipe()
            .cmd("SET")
            .arg(&key)
            .arg(&stored)
            .arg("EX")
            .arg(p.ttl)
            .cmd("GET")
            .arg(&key)
            .cmd("TTL")
            .arg(&key),
    )
    .await?;
    let rtt = ms_since(t);
    let found = scan(ep, &mut conn, &glob_escape(&key), 1, SCAN_CALLS).await?;
    let expected = pyval::display(&value);
    let mut out = Outcome::pass(format!(
        "wrote and read back {expected} at {key}, TTL {ttl} s"
    ))
    .expected(format!("{expected}, TTL in (0, {}] s", p.ttl))
    .evidence("key", key.clone())
    .evidence("db", ep.db_shown.clone())
    .evidence(
        "command",
        format!(
            "SET {key} <{} bytes, pickle protocol 5> EX {}",
            stored.len(),
            p.ttl
        ),
    )
    .evidence("stored bytes", hex_preview(&stored, 64))
    .evidence("TTL", ttl_words(ttl))
    .evidence("SET+GET+TTL round trip", rtt);
    let decoded = back.as_deref().map(pyval::decode);
    if let Some(d) = &decoded {
        out = out.observed(match d {
            Ok(v) => format!("{}, TTL {}", pyval::display(v), ttl_words(ttl)),
            Err(e) => format!("undecodable: {e}"),
        });
    } else {
        out = out.observed("(nil)");
    }
    let read = RoundtripRead {
        back_equal: back.as_deref().map(|b| {
            b == stored.as_slice() && decoded.as_ref().and_then(|d| d.as_ref().ok()) == Some(&value)
        }),
        ttl,
        scan_found: found.keys.iter().any(|k| k == key.as_bytes()),
        scan_complete: found.complete,
    };
    match judge_roundtrip(&key, p.ttl, &read) {
        None => Ok(out.evidence("SCAN", format!("found {key} (MATCH {})", glob_escape(&key)))),
        Some((summary, hint)) => {
            out.status = Status::Fail;
            out.summary = summary;
            Ok(out.hint(hint))
        }
    }
}

/// What the round trip read back after writing.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundtripRead {
    /// `None`: GET found nothing; `Some(false)`: other bytes (or a value Django reads differently).
    pub back_equal: Option<bool>,
    pub ttl: i64,
    pub scan_found: bool,
    pub scan_complete: bool,
}

/// The verdict table of `cache.roundtrip` once written, as code (no I/O): `None` is a pass,
/// else the failure's summary and hint, first failing condition first.
pub fn judge_roundtrip(
    key: &str,
    ttl_param: u64,
    r: &RoundtripRead,
) -> Option<(String, Option<crate::probe::result::Hint>)> {
    match r.back_equal {
        None => {
            return Some((
                format!("wrote {key} but reading it back found nothing (evicted at once?)"),
                hint::ping_gotchas("Check maxmemory/eviction and that nothing deletes the key."),
            ));
        }
        Some(false) => {
            return Some((
                format!("{key} read back differently from what was written"),
                hint::pickled("Something else rewrites this key; Django reads pickles only."),
            ));
        }
        Some(true) => {}
    }
    if !(r.ttl > 0 && r.ttl <= ttl_param as i64) {
        return Some((
            format!(
                "{key} has TTL {} instead of (0, {ttl_param}] s",
                ttl_words(r.ttl)
            ),
            hint::ping_gotchas("Expiry does not work as Django expects."),
        ));
    }
    if !r.scan_found {
        let text = if r.scan_complete {
            format!("SCAN for {key} did not find it although GET did")
        } else {
            format!("SCAN for {key} stopped after {SCAN_CALLS} calls without finding it")
        };
        return Some((text, hint::keys_missing()));
    }
    None
}

pub async fn key(p: &KeyParams, ctx: &Ctx<'_>) -> Result<Outcome, ProbeError> {
    let target = &ctx.session.named.target;
    let ep = ctx.session.endpoint()?;
    let mut conn = ctx.session.conn().await?;
    let key = pyval::key(target, &p.key);
    let t = Instant::now();
    // At most the bytes the decoder reads: a 512 MB value must not be pulled into memory
    // (or past the deadline) just to be found too large. TTL -2 is how a miss shows.
    let max = pyval::max_value_bytes();
    let (len, head, ttl): (usize, Vec<u8>, i64) = pipe(
        ep,
        &mut conn,
        redis::pipe()
            .cmd("STRLEN")
            .arg(&key)
            .cmd("GETRANGE")
            .arg(&key)
            .arg(0)
            .arg(max - 1)
            .cmd("TTL")
            .arg(&key),
    )
    .await?;
    let raw = (ttl != -2).then_some(head);
    let rtt = ms_since(t);
    let base = |status: Status, summary: String| {
        Outcome::new(status, summary)
            .evidence("key", key.clone())
            .evidence("db", ep.db_shown.clone())
            .evidence("TTL", ttl_words(ttl))
            .evidence("GET+TTL round trip", rtt.clone())
    };
    let Some(raw) = raw else {
        if p.expect == Presence::Absent {
            return Ok(base(Status::Pass, format!("{key} is absent, as expected"))
                .expected("absent")
                .observed("(nil)"));
        }
        let found = locate(ep, &mut conn, target, &p.key).await?;
        let (summary, hint) = miss_words(&key, ep.db, found.as_ref());
        let mut out = base(Status::Fail, summary)
            .expected("present")
            .observed("(nil)")
            .hint(hint);
        if let Some(f) = &found {
            out = out.evidence("found instead", format!("{} in db {}", f.name, f.db));
        }
        return Ok(out);
    };
    let unreadable =
        "Django stores pickles (or ASCII ints); a raw value written by hand breaks cache.get().";
    let decoded = pyval::decode_prefix(&raw, len);
    Ok(judge_stored(
        p,
        &key,
        decoded,
        len,
        &raw,
        ttl,
        ctx,
        base,
        hint::pickled(unreadable),
    ))
}

/// `cache.key`'s verdict on a value that is there, the same on every backend: `decoded` is
/// what the decoder made of its first bytes `raw` (`len` bytes in all); `unreadable` is the
/// backend's hint for bytes Django cannot read.
///
/// A value Django reads but the probe declines to decode (too large, too deep) is present:
/// `expect = "present"` and the TTL checks still judge it; what needs the value itself
/// (`equals`, `max_age`) cannot be judged and says so.
#[allow(clippy::too_many_arguments)]
pub(crate) fn judge_stored(
    p: &KeyParams,
    key: &str,
    decoded: Result<PyValue, pyval::Undecoded>,
    len: usize,
    raw: &[u8],
    ttl: i64,
    ctx: &Ctx<'_>,
    base: impl Fn(Status, String) -> Outcome,
    unreadable: Option<crate::probe::result::Hint>,
) -> Outcome {
    let (value, shown) = match decoded {
        Ok(v) => {
            let shown = pyval::display(&v);
            (Some(v), shown)
        }
        Err(e) if e.too_large => {
            let shown = format!("present, {len} bytes ({e})");
            if p.expect != Presence::Absent && (p.equals.is_some() || p.max_age.is_some()) {
                return base(Status::Error, format!("{key} cannot be judged: {e}"))
                    .observed(shown)
                    .evidence("stored bytes", hex_preview(raw, 48));
            }
            (None, shown)
        }
        Err(e) => {
            return base(
                Status::Fail,
                format!("{key} holds a value Django cannot read: {e}"),
            )
            .observed(format!(
                "undecodable ({} bytes): {}",
                raw.len(),
                hex_preview(raw, 32)
            ))
            .hint(unreadable);
        }
    };
    if p.expect == Presence::Absent {
        return base(Status::Fail, format!("{key} exists but should be absent"))
            .expected("absent")
            .observed(shown)
            .hint(hint::keys_missing());
    }
    let clock = ctx.session.named.target.app_clock();
    let j = judge_present(p, value.as_ref(), shown, ttl, ctx.now, &clock);
    j.outcome(key, base)
        .evidence("stored bytes", hex_preview(raw, 48))
}

/// What `cache.key` concludes about a present, readable value.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyJudgement {
    /// Each condition that does not hold, in declaration order; empty → pass or warn.
    pub problems: Vec<String>,
    /// What may stop Django from returning the value although every condition holds.
    pub warnings: Vec<String>,
    pub expected: Vec<String>,
    pub observed: String,
    pub hint: Option<crate::probe::result::Hint>,
}

impl KeyJudgement {
    /// The outcome for `key`: fail on a problem, else warn on a warning, else pass;
    /// `base` makes an outcome with the backend's evidence.
    pub(crate) fn outcome(self, key: &str, base: impl Fn(Status, String) -> Outcome) -> Outcome {
        let out = if !self.problems.is_empty() {
            base(Status::Fail, format!("{key}: {}", self.problems.join("; "))).hint(
                self.hint.or_else(|| {
                    hint::ping_gotchas(
                        "See the gotchas for keys that read differently than expected.",
                    )
                }),
            )
        } else if !self.warnings.is_empty() {
            base(Status::Warn, format!("{key}: {}", self.warnings.join("; "))).hint(hint::plain(
                "Django's cache.get imports every class a pickle names: where the reading app cannot import one, cache.get raises (ModuleNotFoundError) instead of returning the value. bisk-docs cannot see the app's imports; check them, or store plain data.",
            ))
        } else {
            base(
                Status::Pass,
                format!("{key} = {}", bounded_inline(&self.observed)),
            )
        };
        out.expected(self.expected.join(", "))
            .observed(self.observed)
    }
}

/// Why Django may not load `value`: one sentence per class from a module the reading app
/// must be able to import (the decoder never imports, so it cannot tell whether it can).
fn loading_warnings(value: &PyValue) -> Vec<String> {
    value
        .foreign_classes()
        .into_iter()
        .take(3)
        .map(|class| {
            let module = crate::django::classes::split_class(&class).0.to_string();
            format!(
                "the value pickles a `{class}`; Django can load it only if the app can import {module}"
            )
        })
        .collect()
}

/// The verdict table of `cache.key` for a present value, as code (no I/O): `equals`,
/// `max_age` (old, or ahead of this host's clock beyond the skew allowance), TTL bounds.
pub fn judge_value(p: &KeyParams, value: &PyValue, ttl: i64, now: jiff::Timestamp) -> KeyJudgement {
    judge_present(
        p,
        Some(value),
        pyval::display(value),
        ttl,
        now,
        &crate::django::time::AppClock::Utc,
    )
}

/// [`judge_value`] for a present key whose value may be beyond the decoder's bounds (`None`):
/// then only the presence and TTL conditions are judged (the caller has already refused
/// `equals`/`max_age`, which need the value).
pub(crate) fn judge_present(
    p: &KeyParams,
    value: Option<&PyValue>,
    shown: String,
    ttl: i64,
    now: jiff::Timestamp,
    clock: &crate::django::time::AppClock,
) -> KeyJudgement {
    let mut problems: Vec<String> = Vec::new();
    let mut expected: Vec<String> = vec!["present".into()];
    let mut hint_for = None;
    if let (Some(lit), Some(value)) = (&p.equals, value) {
        expected.push(format!("equal to {lit}"));
        if !literal_matches(lit, value) {
            problems.push(format!("value is {shown}, expected {lit}"));
        }
    }
    let mut observed = shown.clone();
    if let (Some(max_age), Some(value)) = (p.max_age, value) {
        let limit = humantime::format_duration(max_age).to_string();
        expected.push(format!(
            "newer than {limit}, at most {} min ahead",
            pyval::CLOCK_SKEW.as_secs() / 60
        ));
        match pyval::instant_of(value, now, clock) {
            Some(inst) => {
                observed = inst.shown.clone();
                match pyval::freshness(inst.at, now, max_age) {
                    Freshness::Future => {
                        problems.push(format!(
                            "the time is {}",
                            pyval::future_words(now.duration_since(inst.at))
                        ));
                        hint_for = hint::plain(if inst.naive {
                            "A naive time is read as UTC: a writer with USE_TZ = False east of UTC looks ahead. If the app runs with USE_TZ = False, tell the target its clock (`use_tz = false` and `time_zone = \"<its TIME_ZONE>\"`, or `--target django`); check NTP on both hosts."
                        } else {
                            "Check NTP (`timedatectl`) on the writer's host and on this one."
                        });
                    }
                    Freshness::Old => {
                        problems.push(format!("{} — older than {limit}", inst.shown));
                        hint_for = hint::enforcer_panel(
                            "The writer stopped updating this key; check its service and logs.",
                        );
                    }
                    Freshness::Fresh => {}
                }
                if inst.naive && !observed.contains("read as UTC") {
                    observed.push_str(" (naive datetime: no time zone; read as UTC)");
                }
            }
            None => problems.push(format!(
                "value {shown} is not a datetime, so max_age cannot apply"
            )),
        }
    }
    if let Some(true) = p.persistent {
        expected.push("no expiry".into());
        if ttl != -1 {
            problems.push(format!(
                "TTL is {} but the key should not expire",
                ttl_words(ttl)
            ));
            hint_for = hint::default_timeout();
        }
    }
    if let Some(false) = p.persistent {
        expected.push("an expiry".into());
        if ttl == -1 {
            problems.push("the key never expires".into());
        }
    }
    if let Some(lo) = p.min_ttl {
        expected.push(format!("TTL ≥ {lo} s"));
        if ttl >= 0 && ttl < lo as i64 {
            problems.push(format!("TTL {ttl} s is below {lo} s"));
        }
    }
    if let Some(hi) = p.max_ttl {
        expected.push(format!("TTL ≤ {hi} s"));
        if ttl == -1 || ttl > hi as i64 {
            problems.push(format!("TTL {} exceeds {hi} s", ttl_words(ttl)));
        }
    }
    KeyJudgement {
        problems,
        warnings: value.map(loading_warnings).unwrap_or_default(),
        expected,
        observed,
        hint: hint_for,
    }
}

pub(crate) fn bounded_inline(s: &str) -> String {
    crate::text::bound(&s.replace('\n', "⏎"), 120)
}

fn literal_matches(lit: &Literal, v: &PyValue) -> bool {
    match (lit, v) {
        (Literal::Str(a), PyValue::Str(b)) => a == b,
        (Literal::Int(a), PyValue::Int(b)) => a == b,
        (Literal::Int(a), PyValue::BigInt(b)) => a.to_string() == *b,
        (Literal::Bool(a), PyValue::Bool(b)) => a == b,
        (Literal::Float(a), PyValue::Float(b)) => a == b || (a.is_nan() && b.is_nan()),
        (Literal::Float(a), PyValue::Int(b)) => *a == *b as f64,
        (Literal::Int(a), PyValue::Float(b)) => *a as f64 == *b,
        _ => false,
    }
}

/// First bytes of a value in hex, for evidence.
pub(crate) fn hex_preview(bytes: &[u8], max: usize) -> String {
    let mut s: String = bytes.iter().take(max).map(|b| format!("{b:02x}")).collect();
    if bytes.len() > max {
        s.push_str(&format!("… ({} bytes)", bytes.len()));
    }
    s
}

/// Where a missing key turned up instead.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Found {
    pub name: String,
    pub db: i64,
    pub why: Misplacement,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Misplacement {
    EmptyPrefix,
    OtherVersion,
    OtherDb,
}

/// Searches for a missing Django key where the guide's gotchas put it: under the empty
/// prefix, under another version, or in another DB index (0–15, bounded).
pub(crate) async fn locate(
    ep: &Endpoint,
    conn: &mut MultiplexedConnection,
    target: &crate::config::RedisTarget,
    django_key: &str,
) -> Result<Option<Found>, ProbeError> {
    let exact = pyval::key(target, django_key);
    let legacy = format!(":{}:{}", target.version, django_key);
    if legacy != exact {
        let n: i64 = query(ep, conn, redis::cmd("EXISTS").arg(&legacy)).await?;
        if n > 0 {
            return Ok(Some(Found {
                name: legacy,
                db: ep.db,
                why: Misplacement::EmptyPrefix,
            }));
        }
    }
    let pattern = format!(
        "{}:*:{}",
        glob_escape(&target.key_prefix),
        glob_escape(django_key)
    );
    let other = scan(ep, conn, &pattern, 5, 50).await?;
    if let Some(k) = other.keys.iter().find(|k| k.as_slice() != exact.as_bytes()) {
        return Ok(Some(Found {
            name: key_text(k),
            db: ep.db,
            why: Misplacement::OtherVersion,
        }));
    }
    // A private connection: SELECT must not change the shared one.
    let mut own = ep.connect(None).await?;
    for db in (0..OTHER_DBS).filter(|d| *d != ep.db) {
        let selected: Result<(), ProbeError> =
            query(ep, &mut own, redis::cmd("SELECT").arg(db)).await;
        if selected.is_err() {
            break; // Past the server's `databases` count.
        }
        let n: i64 = query(ep, &mut own, redis::cmd("EXISTS").arg(&exact)).await?;
        if n > 0 {
            return Ok(Some(Found {
                name: exact,
                db,
                why: Misplacement::OtherDb,
            }));
        }
    }
    Ok(None)
}

pub(crate) fn miss_words(
    key: &str,
    db: i64,
    found: Option<&Found>,
) -> (String, Option<crate::probe::result::Hint>) {
    match found {
        Some(f) => match f.why {
            Misplacement::EmptyPrefix => (
                format!(
                    "{key} is missing in db {db}, but {} exists: written without KEY_PREFIX (a leftover or a process with other settings)",
                    f.name
                ),
                hint::leftovers(
                    "Use the same CACHES block (KEY_PREFIX \"bisk\") in every process; delete leftovers as in troubleshooting F.",
                ),
            ),
            Misplacement::OtherVersion => (
                format!(
                    "{key} is missing in db {db}, but {} exists: written under another cache VERSION",
                    f.name
                ),
                hint::ping_gotchas(
                    "Align the VERSION setting of the processes that read and write this key.",
                ),
            ),
            Misplacement::OtherDb => (
                format!(
                    "{key} is missing in db {db}, but exists in db {}: a process uses another DB index",
                    f.db
                ),
                hint::ping_gotchas(format!(
                    "The process that wrote it uses db {}: find it (`redis-cli -n {} OBJECT IDLETIME '{}'` says how long ago it was used), make its LOCATION end in /{db} like the others, and restart it. Check by hand with `redis-cli -n {db}`.",
                    f.db,
                    f.db,
                    f.name.replace('\'', "")
                )),
            ),
        },
        None => (
            format!(
                "{key} is absent in db {db} (never written, or its TTL expired); not found under another prefix, version or DB either"
            ),
            hint::ping_gotchas(if key.contains(":enforcer:") {
                "The enforcer writes this key on every cycle, not the operator: check that it runs (`systemctl status bisk-enforcer.service`, its journal) with the same CACHES block as the web process; a breadcrumb written without timeout=None expires after 300 s."
            } else {
                "A process of the app writes this key, not the operator: check that it runs with the same CACHES block (LOCATION, KEY_PREFIX, VERSION) as the reader; a key written with a timeout expires (see its TTL)."
            }),
        ),
    }
}
