//! `enforcer.breadcrumbs`: the enforcer's `last_run`, `last_ok`, `last_error` and
//! `running_pid`, read with their TTLs and the legacy unprefixed names in one round trip.

use std::time::Instant;

use super::cache::{locate, miss_words};
use super::{ms_since, pipe, ttl_words};
use crate::django::PyValue;
use crate::probe::connect::ProbeError;
use crate::probe::decl::BreadcrumbParams;
use crate::probe::hint;
use crate::probe::pyval::{self, age_words};
use crate::probe::result::{Hint, Outcome, Status, bound};
use crate::probe::runner::Ctx;

const NAMES: [&str; 4] = ["last_run", "last_ok", "last_error", "running_pid"];
/// A last_run this far in the future means clock trouble, not freshness.
const FUTURE_SLACK_SECS: i64 = 300;
/// Linux's pid_max ceiling.
const PID_MAX: i64 = 4_194_304;

struct Verdict {
    issues: Vec<(Status, String, Option<Hint>)>,
}

impl Verdict {
    fn add(&mut self, status: Status, text: impl Into<String>, hint: Option<Hint>) {
        self.issues.push((status, text.into(), hint));
    }
    fn worst(&self) -> Status {
        self.issues
            .iter()
            .map(|i| i.0)
            .max()
            .unwrap_or(Status::Pass)
    }
}

pub async fn run(p: &BreadcrumbParams, ctx: &Ctx<'_>) -> Result<Outcome, ProbeError> {
    let target = &ctx.session.named.target;
    let ep = ctx.session.endpoint()?;
    let mut conn = ctx.session.conn().await?;
    let keys: Vec<String> = NAMES
        .iter()
        .map(|n| pyval::key(target, &format!("{}:{n}", p.namespace)))
        .collect();
    let legacy: Vec<String> = NAMES
        .iter()
        .map(|n| format!(":{}:{}:{n}", target.version, p.namespace))
        .collect();
    let mut pl = redis::pipe();
    pl.cmd("MGET").arg(&keys);
    for k in &keys {
        pl.cmd("TTL").arg(k);
    }
    pl.cmd("EXISTS").arg(&legacy);
    let t = Instant::now();
    let (values, t0, t1, t2, t3, legacy_count): (Vec<Option<Vec<u8>>>, i64, i64, i64, i64, i64) =
        pipe(ep, &mut conn, &pl).await?;
    let rtt = ms_since(t);
    let ttls = [t0, t1, t2, t3];

    let mut out = Outcome::pass("")
        .evidence("db", ep.db.to_string())
        .evidence("round trip (MGET + 4×TTL + EXISTS)", rtt);
    let mut decoded: Vec<Option<PyValue>> = Vec::new();
    let mut v = Verdict { issues: Vec::new() };
    for (i, raw) in values.iter().enumerate() {
        let shown = match raw {
            None => {
                decoded.push(None);
                "(nil)".to_string()
            }
            Some(bytes) => match pyval::decode(bytes) {
                Ok(val) => {
                    let s = match pyval::instant_of(&val, ctx.now) {
                        Some(inst) if inst.naive => format!(
                            "{} — naive datetime (no time zone), read as UTC",
                            inst.shown
                        ),
                        Some(inst) => inst.shown,
                        None => pyval::display(&val),
                    };
                    decoded.push(Some(val));
                    s
                }
                Err(e) if e.too_large => {
                    v.add(
                        Status::Error,
                        format!("{} cannot be judged: {e}", keys[i]),
                        None,
                    );
                    decoded.push(None);
                    "(too large to inspect)".to_string()
                }
                Err(e) => {
                    v.add(
                        Status::Fail,
                        format!("{} is not a value Django can read: {e}", keys[i]),
                        hint::pickled("The enforcer must write through django.core.cache, not raw redis-cli SET."),
                    );
                    decoded.push(None);
                    "(undecodable)".to_string()
                }
            },
        };
        out = out.evidence(
            keys[i].clone(),
            format!("{} · TTL {}", bound(&shown, 300), ttl_words(ttls[i])),
        );
    }
    let present = values.iter().filter(|v| v.is_some()).count();
    if legacy_count > 0 {
        out = out.evidence(
            format!(":{}:{}:* (legacy, no prefix)", target.version, p.namespace),
            format!("{legacy_count} of the 4 names present"),
        );
    }

    if present == 0 {
        let (text, hint) = if legacy_count > 0 {
            (
                format!(
                    "no breadcrumbs under {}, but {legacy_count} under :{}:{}:* — the enforcer writes without KEY_PREFIX",
                    pyval::key(target, &format!("{}:*", p.namespace)),
                    target.version,
                    p.namespace
                ),
                hint::enforcer_panel(
                    "Give the enforcer the same CACHES block (KEY_PREFIX \"bisk\") as the web app and restart it.",
                ),
            )
        } else {
            let found = locate(ep, &mut conn, target, &format!("{}:last_run", p.namespace)).await?;
            let (text, _) = miss_words(&keys[0], ep.db, found.as_ref());
            (
                format!("no breadcrumbs: {text}"),
                hint::enforcer_panel(
                    "Is the enforcer running, and does it use the same cache settings as the web app?",
                ),
            )
        };
        let mut out = out;
        out.status = Status::Fail;
        out.summary = bound(&text, 400);
        return Ok(out
            .expected(format!("{} keys present", keys.len()))
            .observed("none present")
            .hint(hint));
    }

    // last_run: present, a datetime, fresh.
    let last_run = decoded[0]
        .as_ref()
        .and_then(|v| pyval::instant_of(v, ctx.now));
    let last_ok = decoded[1]
        .as_ref()
        .and_then(|v| pyval::instant_of(v, ctx.now));
    let mut headline: Vec<String> = Vec::new();
    match (&decoded[0], &last_run) {
        (None, _) if values[0].is_none() => v.add(
            Status::Fail,
            format!("{} is missing", keys[0]),
            hint::enforcer_panel("The enforcer has not recorded a run; check `systemctl status bisk-enforcer.service`."),
        ),
        (None, _) => {}
        (Some(val), None) => v.add(
            Status::Fail,
            format!("{} holds {} — not a datetime", keys[0], pyval::display(val)),
            hint::enforcer_panel("last_run must be timezone.now()."),
        ),
        (Some(_), Some(run)) => {
            let age = ctx.now.duration_since(run.at);
            headline.push(format!("last run {}", age_words(age)));
            let secs = age.as_secs();
            if secs < -FUTURE_SLACK_SECS {
                v.add(
                    Status::Warn,
                    format!("last run is {} — clocks disagree", age_words(age)),
                    hint::plain("Check NTP on the enforcer host and this host."),
                );
            } else if secs > p.fail_after.as_secs() as i64 {
                v.add(
                    Status::Fail,
                    format!("last run {} (older than {})", age_words(age), humantime::format_duration(p.fail_after)),
                    hint::enforcer_panel("The enforcer stopped running: check `systemctl status bisk-enforcer.service` and its journal."),
                );
            } else if secs > p.max_age.as_secs() as i64 {
                v.add(
                    Status::Warn,
                    format!("last run {} (older than {})", age_words(age), humantime::format_duration(p.max_age)),
                    hint::enforcer_panel("The enforcer runs late or stopped: check its timer/service."),
                );
            }
            if run.naive {
                headline.push("naive datetimes (no time zone; read as UTC)".into());
            }
        }
    }
    if let Some(ok) = &last_ok {
        headline.push(format!(
            "last OK {}",
            age_words(ctx.now.duration_since(ok.at))
        ));
    }

    // last_error: text (or a datetime) newer than the last success.
    let error_text = match &decoded[2] {
        None | Some(PyValue::None) => None,
        Some(PyValue::Str(s)) if s.trim().is_empty() => None,
        Some(val) => Some(val),
    };
    if let Some(err) = error_text {
        let err_instant = pyval::instant_of(err, ctx.now);
        let newer_than_ok = match (&err_instant, &last_ok, &last_run) {
            (Some(e), Some(ok), _) => e.at > ok.at,
            (Some(_), None, _) => true,
            // Text carries no time: the error is current when the latest run did not end OK.
            (None, Some(ok), Some(run)) => ok.at < run.at,
            (None, None, _) => true,
            (None, Some(_), None) => false,
        };
        let text = match err {
            PyValue::Str(s) => last_line_and_size(s),
            other => pyval::display(other),
        };
        if newer_than_ok {
            v.add(
                Status::Fail,
                format!("the last run failed: {text}"),
                hint::enforcer_panel(
                    "Read the full error with `journalctl -u bisk-enforcer.service`.",
                ),
            );
            out = out.observed(format!("last_error: {}", bound(&pyval::display(err), 1500)));
        } else {
            headline.push("an older error is recorded".into());
        }
    }

    // running_pid: alive on this host.
    match &decoded[3] {
        None | Some(PyValue::None) => headline.push("not running now".into()),
        Some(PyValue::Int(pid)) => {
            if !p.check_pid {
                headline.push(format!("PID {pid}"));
            } else if !ep_is_local(&ctx.session.named.target.url) {
                headline.push(format!("PID {pid} (not checked: Redis is on another host)"));
            } else {
                match pid_alive(*pid) {
                    Some(true) => headline.push(format!("PID {pid} alive")),
                    Some(false) => v.add(
                        Status::Fail,
                        format!("stale PID: {} is {pid}, but no such process runs on this host", keys[3]),
                        hint::enforcer_panel("The enforcer died without clearing running_pid; restart it (`sudo systemctl restart bisk-enforcer.service`)."),
                    ),
                    None => headline.push(format!("PID {pid} (liveness not checkable here: no /proc)")),
                }
            }
        }
        Some(other) => v.add(
            Status::Fail,
            format!("{} holds {} — not a PID", keys[3], pyval::display(other)),
            hint::enforcer_panel("running_pid must be os.getpid()."),
        ),
    }

    // TTLs: breadcrumbs must not expire.
    let expiring: Vec<String> = keys
        .iter()
        .zip(ttls)
        .filter(|(_, t)| *t > 0)
        .map(|(k, t)| format!("{k} ({t} s)"))
        .collect();
    if !expiring.is_empty() {
        v.add(
            Status::Warn,
            format!(
                "breadcrumbs expire: {} — written without timeout=None, Django's default 300 s applies",
                expiring.join(", ")
            ),
            hint::default_timeout(),
        );
    }
    if legacy_count > 0 {
        v.add(
            Status::Warn,
            format!(
                "{legacy_count} legacy keys under :{}:{}:* (from before KEY_PREFIX)",
                target.version, p.namespace
            ),
            hint::cleanup(ep.db, &format!(":{}:{}:*", target.version, p.namespace)),
        );
    }

    let status = v.worst();
    out.status = status;
    out.summary = if v.issues.is_empty() {
        headline.join(", ")
    } else {
        let mut by_weight: Vec<&(Status, String, Option<Hint>)> = v.issues.iter().collect();
        by_weight.sort_by_key(|i| std::cmp::Reverse(i.0));
        by_weight
            .iter()
            .map(|i| i.1.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    };
    out.summary = bound(&out.summary, 400);
    out.hint = v
        .issues
        .iter()
        .filter(|i| i.0 == status)
        .find_map(|i| i.2.clone());
    out.expected = Some(format!(
        "last_run newer than {} (fail after {}), no error newer than last_ok, running_pid alive or unset, no TTL, no legacy keys",
        humantime::format_duration(p.max_age),
        humantime::format_duration(p.fail_after)
    ));
    if out.observed.is_none() {
        out.observed = Some(headline.join(", "));
    }
    Ok(out)
}

/// The last non-empty line of an error text (a traceback's exception line) plus its size.
fn last_line_and_size(s: &str) -> String {
    let line = s
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let line = bound(line, 200);
    if s.lines().count() > 1 {
        format!("{line} ({} lines)", s.lines().count())
    } else {
        line
    }
}

/// PID liveness via /proc; `None` where /proc is not mounted.
fn pid_alive(pid: i64) -> Option<bool> {
    if !std::path::Path::new("/proc/self").exists() {
        return None;
    }
    if pid <= 0 || pid > PID_MAX {
        return Some(false);
    }
    Some(std::path::Path::new(&format!("/proc/{pid}")).exists())
}

/// PIDs only mean something when Redis (and so, presumably, the enforcer) is on this host.
fn ep_is_local(url: &str) -> bool {
    let u = url.trim();
    if u.starts_with("unix:") || u.starts_with("redis+unix:") {
        return true;
    }
    let rest = u.split_once("://").map(|(_, r)| r).unwrap_or(u);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority
        .rsplit_once('@')
        .map(|(_, h)| h)
        .unwrap_or(authority);
    let host = if let Some(stripped) = host_port.strip_prefix('[') {
        stripped.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    matches!(host, "127.0.0.1" | "localhost" | "::1" | "") || host.starts_with("127.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_hosts() {
        assert!(ep_is_local("redis://127.0.0.1:6379/1"));
        assert!(ep_is_local("redis://:pw@localhost:6379/1"));
        assert!(ep_is_local("unix:///run/redis.sock?db=1"));
        assert!(!ep_is_local("redis://redis-host:6379/1"));
    }

    #[test]
    fn pids() {
        assert_eq!(pid_alive(std::process::id() as i64), Some(true));
        assert_eq!(pid_alive(4_194_303), Some(false));
        assert_eq!(pid_alive(-5), Some(false));
    }

    #[test]
    fn error_line() {
        assert_eq!(
            last_line_and_size("Traceback:\n  x\nValueError: boom\n"),
            "ValueError: boom (3 lines)"
        );
    }
}
