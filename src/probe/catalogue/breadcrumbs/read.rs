//! The I/O half of `enforcer.breadcrumbs`: read the four names (and their legacy twins)
//! with their TTLs in one round trip, decode them, find the PID's process and where Redis
//! runs, and hand a [`CrumbState`] to the pure [`judge`].

use std::time::Instant;

use jiff::Timestamp;

use super::super::cache::{locate, miss_words};
use super::super::process::{self, Lookup};
use super::super::{ms_since, pipe, ttl_words};
use super::{CrumbState, ErrorCrumb, NAMES, Pid, Stamp, Verdict, dur, judge};
use crate::django::{PyValue, time::AppClock};
use crate::probe::decl::BreadcrumbParams;
use crate::probe::result::Outcome;
use crate::probe::run::connect::ProbeError;
use crate::probe::run::locality::{self, Locality};
use crate::probe::run::pyval;
use crate::probe::run::runner::Ctx;
use crate::text::bound;

pub async fn run(p: &BreadcrumbParams, ctx: &Ctx<'_>) -> Result<Outcome, ProbeError> {
    let target = &ctx.session.named.target;
    let ep = ctx.session.endpoint()?;
    let mut conn = ctx.session.conn().await?;
    let names = crumb_keys(target, &p.namespace);
    let (keys, legacy, legacy_pattern) = (&names.keys, &names.legacy, &names.legacy_pattern);
    let mut pl = redis::pipe();
    pl.cmd("MGET").arg(keys);
    for k in keys {
        pl.cmd("TTL").arg(k);
    }
    pl.cmd("EXISTS").arg(legacy);
    let t = Instant::now();
    let (values, t0, t1, t2, t3, legacy_count): (Vec<Option<Vec<u8>>>, i64, i64, i64, i64, i64) =
        pipe(ep, &mut conn, &pl).await?;
    let rtt = ms_since(t);
    let ttls = [t0, t1, t2, t3];

    let mut out = Outcome::pass("")
        .evidence("db", ep.db_shown.clone())
        .evidence("round trip (MGET + 4×TTL + EXISTS)", rtt);
    let mut decoded: Vec<Result<Option<PyValue>, pyval::Undecoded>> = Vec::new();
    let mut seen = Vec::new();
    for raw in &values {
        let d = match raw {
            None => Ok(None),
            Some(bytes) => pyval::decode(bytes).map(Some),
        };
        seen.push(shown(&d, ctx.now, &names.clock));
        decoded.push(d);
    }
    out = crumb_evidence(out, keys, &seen, &ttls, legacy_pattern, legacy_count);

    let pid = pid_of(&decoded[3], p, ctx).await;
    let state = crumb_state(&names, &decoded, pid, ttls, legacy_count, ep.db, ctx.now);
    let verdict = judge(&state, p, ctx.now);
    if let Some(identity) = &verdict.identity {
        out = out.evidence("process identity", identity.clone());
    }

    out.status = verdict.status;
    out.summary = verdict.summary.clone();
    out.hint = verdict.hint.clone();
    if ttls.iter().all(|t| *t == -2) && legacy_count == 0 {
        // Nothing here: say where the breadcrumbs went (another prefix, version or DB).
        let found = locate(ep, &mut conn, target, &format!("{}:last_run", p.namespace)).await?;
        let (text, found_hint) = miss_words(&keys[0], ep.db, found.as_ref());
        out.summary = bound(&format!("no breadcrumbs: {text}"), 400);
        if found.is_some() {
            // Found elsewhere (another db, prefix, version): that cause's own fix.
            out.hint = found_hint;
        }
        return Ok(out
            .expected(format!("{} keys present", keys.len()))
            .observed("none present"));
    }
    out.expected = Some(expected_words(p, "no TTL"));
    out.observed = observed_words(&verdict, &decoded[2]);
    Ok(out)
}

/// The four breadcrumb keys of a namespace under the target's prefix and version, their
/// unprefixed (legacy) twins and the legacy pattern: named the same on every backend.
/// The evidence of what was read, the same on every backend: each name's value as shown
/// (bounded) with its TTL, then the legacy unprefixed names when any are present.
pub(crate) fn crumb_evidence(
    mut out: Outcome,
    keys: &[String],
    seen: &[String],
    ttls: &[i64],
    legacy_pattern: &str,
    legacy_count: i64,
) -> Outcome {
    for ((key, shown), ttl) in keys.iter().zip(seen).zip(ttls) {
        out = out.evidence(
            key.clone(),
            format!("{} · TTL {}", bound(shown, 300), ttl_words(*ttl)),
        );
    }
    if legacy_count > 0 {
        out = out.evidence(
            format!("{legacy_pattern} (legacy, no prefix)"),
            format!("{legacy_count} of the 4 names present"),
        );
    }
    out
}

pub(crate) struct CrumbKeys {
    pub keys: Vec<String>,
    pub legacy: Vec<String>,
    pub legacy_pattern: String,
    /// How the app's naive times read (the target's `use_tz`/`time_zone`).
    pub clock: AppClock,
}

pub(crate) fn crumb_keys(target: &crate::config::RedisTarget, namespace: &str) -> CrumbKeys {
    CrumbKeys {
        keys: NAMES
            .iter()
            .map(|n| pyval::key(target, &format!("{namespace}:{n}")))
            .collect(),
        legacy: NAMES
            .iter()
            .map(|n| format!(":{}:{namespace}:{n}", target.version))
            .collect(),
        legacy_pattern: format!(":{}:{namespace}:*", target.version),
        clock: target.app_clock(),
    }
}

/// A decoded breadcrumb as the evidence shows it.
pub(crate) fn shown(
    d: &Result<Option<PyValue>, pyval::Undecoded>,
    now: Timestamp,
    clock: &AppClock,
) -> String {
    match d {
        Ok(None) => "(nil)".to_string(),
        Err(e) if e.too_large => "(too large to inspect)".to_string(),
        Err(_) => "(undecodable)".to_string(),
        Ok(Some(val)) => match pyval::instant_of(val, now, clock) {
            Some(inst) => inst.shown,
            None => pyval::display(val),
        },
    }
}

/// The `running_pid` breadcrumb, looked up in this host's processes when the probe asks.
pub(crate) async fn pid_of(
    d: &Result<Option<PyValue>, pyval::Undecoded>,
    p: &BreadcrumbParams,
    ctx: &Ctx<'_>,
) -> Pid {
    match d {
        Ok(Some(PyValue::Int(pid))) if !p.check_pid => Pid::NotChecked(*pid),
        Ok(Some(PyValue::Int(pid))) => liveness(*pid, ctx).await,
        Ok(None | Some(PyValue::None)) => Pid::Absent,
        Ok(Some(other)) => Pid::NotAnInt(pyval::display(other)),
        Err(e) if e.too_large => Pid::TooLarge(e.message.clone()),
        Err(e) => Pid::Undecodable(e.message.clone()),
    }
}

/// What [`judge`] reads, from the four decoded breadcrumbs (in [`NAMES`] order).
pub(crate) fn crumb_state(
    names: &CrumbKeys,
    decoded: &[Result<Option<PyValue>, pyval::Undecoded>],
    pid: Pid,
    ttls: [i64; 4],
    legacy: i64,
    db: i64,
    now: Timestamp,
) -> CrumbState {
    let keys = &names.keys;
    CrumbState {
        keys: [
            keys[0].clone(),
            keys[1].clone(),
            keys[2].clone(),
            keys[3].clone(),
        ],
        last_run: stamp_of(&decoded[0], now, &names.clock),
        last_ok: stamp_of(&decoded[1], now, &names.clock),
        last_error: error_of(&decoded[2], now, &names.clock),
        pid,
        ttls,
        legacy,
        legacy_pattern: names.legacy_pattern.clone(),
        db,
    }
}

/// The probe's "expected" line; `lasting` is how the backend says "never expires".
pub(crate) fn expected_words(p: &BreadcrumbParams, lasting: &str) -> String {
    let mut pid = String::from("running_pid not checked (check_pid = false)");
    if p.check_pid {
        pid = "running_pid unset or a live process (not a zombie) started before last_run".into();
        if let Some(u) = &p.pid_unit {
            pid.push_str(&format!(" in {u}"));
        }
        if let Some(c) = &p.pid_cmdline {
            pid.push_str(&format!(" whose command line contains {c:?}"));
        }
    }
    format!(
        "last_run and last_ok newer than {} (fail after {}), none more than {} min ahead, no error newer than last_ok, {pid}, {lasting}, no legacy keys",
        dur(p.max_age),
        dur(p.fail_after),
        pyval::CLOCK_SKEW.as_secs() / 60
    )
}

/// The probe's "observed" line: the current error when the verdict is about it, else what
/// was healthy; `None` when nothing was (keys only under another prefix): no empty box,
/// the summary and the evidence say what was found.
pub(crate) fn observed_words(
    verdict: &Verdict,
    last_error: &Result<Option<PyValue>, pyval::Undecoded>,
) -> Option<String> {
    let current_error = verdict
        .findings
        .iter()
        .any(|f| f.text.starts_with("the last run failed"));
    match last_error {
        Ok(Some(err)) if current_error => {
            // The traceback as its lines, not a one-line repr full of `\n`.
            Some(format!("last_error:\n{}", err.to_readable_text(40, 1500)))
        }
        _ if verdict.healthy_parts.is_empty() => None,
        _ => Some(verdict.healthy_parts.join(", ")),
    }
}

pub(crate) fn stamp_of(
    d: &Result<Option<PyValue>, pyval::Undecoded>,
    now: Timestamp,
    clock: &AppClock,
) -> Stamp {
    match d {
        Ok(None | Some(PyValue::None)) => Stamp::Absent,
        Ok(Some(v)) => match pyval::instant_of(v, now, clock) {
            Some(i) => Stamp::At {
                at: i.at,
                naive: i.naive,
            },
            None => Stamp::NotATime(pyval::display(v)),
        },
        Err(e) if e.too_large => Stamp::TooLarge(e.message.clone()),
        Err(e) => Stamp::Undecodable(e.message.clone()),
    }
}

pub(crate) fn error_of(
    d: &Result<Option<PyValue>, pyval::Undecoded>,
    now: Timestamp,
    clock: &AppClock,
) -> ErrorCrumb {
    match d {
        Ok(None | Some(PyValue::None)) => ErrorCrumb::Clear,
        Ok(Some(PyValue::Str(s))) if s.trim().is_empty() => ErrorCrumb::Clear,
        Ok(Some(v)) => match pyval::instant_of(v, now, clock) {
            Some(i) => ErrorCrumb::At {
                at: i.at,
                naive: i.naive,
            },
            None => ErrorCrumb::Text(match v {
                PyValue::Str(s) => s.clone(),
                other => pyval::display(other),
            }),
        },
        Err(e) if e.too_large => ErrorCrumb::TooLarge(e.message.clone()),
        Err(e) => ErrorCrumb::Undecodable(e.message.clone()),
    }
}

/// Looks the PID up where that means something: on the host Redis (and so the enforcer)
/// runs on. Anywhere else the PID is left unverified, with the reason.
pub(crate) async fn liveness(pid: i64, ctx: &Ctx<'_>) -> Pid {
    // What holds the breadcrumbs, in the words of the target's backend.
    let what = match ctx.session.named.target.backend {
        crate::config::Backend::Redis => "Redis",
        crate::config::Backend::File => "the cache directory",
        crate::config::Backend::Db => "the database",
    };
    match locality::of_target(&ctx.session.named.target).await {
        Locality::Local(_) => match process::look_up(pid) {
            Lookup::Found(pr) => Pid::Found(pr),
            Lookup::Gone => Pid::Dead(pid),
            Lookup::Hidden(why) => Pid::Unverifiable { pid, why },
            Lookup::NoProc => Pid::Unverifiable {
                pid,
                why: "this host has no /proc to look it up".into(),
            },
        },
        Locality::Remote(why) if ctx.session.named.target.local == Some(false) => {
            Pid::Unverifiable {
                pid,
                why: format!(
                    "{what} is on another host ({why}); check the process on the enforcer's host"
                ),
            }
        }
        Locality::Remote(why) => Pid::Unverifiable {
            pid,
            why: format!(
                "{what} is on another host ({why}); set local = true on the target if the enforcer runs here"
            ),
        },
        Locality::Unknown(why) => Pid::Unverifiable {
            pid,
            why: format!(
                "cannot tell whether {what} runs on this host ({why}); set local = true or false on the target"
            ),
        },
    }
}
