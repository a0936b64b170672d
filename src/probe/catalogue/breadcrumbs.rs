//! `enforcer.breadcrumbs`: the enforcer's `last_run`, `last_ok`, `last_error` and
//! `running_pid`, read with their TTLs and the legacy unprefixed names in one round trip.
//!
//! Two halves: [`run`] does the I/O (Redis, `/proc`, where Redis runs) and turns what it read
//! into a [`CrumbState`]; [`judge`] turns that state into the verdict without any I/O. The
//! README's verdict table (`### enforcer.breadcrumbs`) is the specification of `judge`; the
//! tests replay every row with real Django and drive `judge` with random states.

use std::time::Duration;

use jiff::Timestamp;

use super::process::{self, Process};
use crate::probe::decl::BreadcrumbParams;
use crate::probe::hint;
use crate::probe::pyval::{self, Freshness, age_words, future_words};
use crate::probe::result::{Hint, Status};
use crate::text::bound;

// The I/O half (Redis, /proc, where Redis runs); this file keeps the pure judgement.
mod read;
pub use read::run;
pub(crate) use read::{
    crumb_evidence, crumb_keys, crumb_state, expected_words, observed_words, pid_of, shown,
};

pub(crate) const NAMES: [&str; 4] = ["last_run", "last_ok", "last_error", "running_pid"];
/// A breadcrumb beyond the decoder's bounds cannot be judged; Django itself can still read it.
fn cannot_judge(key: &str, e: &str) -> String {
    format!("{key} cannot be judged: {e}")
}

/// A breadcrumb that is no pickle Django reads (written around the cache API).
fn not_django(key: &str, e: &str) -> String {
    format!("{key} is not a value Django can read: {e}")
}

fn pickled_hint() -> Option<Hint> {
    hint::pickled(
        "The enforcer must write through django.core.cache, never a raw SET (from redis-cli or redis-py).",
    )
}

fn too_large_hint() -> Option<Hint> {
    hint::plain(
        "Breadcrumbs are small values; read this one with Django (`manage.py shell`, `cache.get(...)`) to see what the enforcer wrote.",
    )
}

/// How far a process's start may lie after `last_run` and still be the process that wrote
/// it. The start comes from the kernel's boot clock plus the boot instant (read now), and
/// `last_run` from the writer's wall clock on the same host: they agree to well under a
/// second unless NTP stepped or slewed the wall clock in between, which moves them apart by
/// that much. A few seconds absorb it; a process started a cycle later (minutes) still fails.
pub const START_TOLERANCE: Duration = Duration::from_secs(5);

/// A naive `last_run` (no time zone, read as UTC) may be off by any UTC offset, up to 14 h
/// (UTC+14): only a start that late after it proves another process.
pub const NAIVE_TOLERANCE: Duration = Duration::from_secs(14 * 3600 + 5);

/// A timestamp breadcrumb (`last_run`, `last_ok`).
#[derive(Debug, Clone, PartialEq)]
pub enum Stamp {
    /// Missing, or `None` stored.
    Absent,
    /// Not a value Django can read (the decoder's words).
    Undecodable(String),
    /// Django reads it, but it is beyond the probe's decoding bounds: cannot be judged.
    TooLarge(String),
    /// A value that is no time, as a person reads it.
    NotATime(String),
    /// An instant; `naive` when it carried no time zone and was read as UTC.
    At { at: Timestamp, naive: bool },
}

/// `last_error`.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorCrumb {
    /// Missing, `None` or blank: no error recorded.
    Clear,
    Undecodable(String),
    /// Django reads it, but it is beyond the probe's decoding bounds: cannot be judged.
    TooLarge(String),
    /// Error text (a traceback): it carries no time of its own.
    Text(String),
    /// A time: when the last failure happened.
    At {
        at: Timestamp,
        naive: bool,
    },
}

/// `running_pid`, with what this host's `/proc` says about it where it could be looked up.
#[derive(Debug, Clone, PartialEq)]
pub enum Pid {
    /// Missing or `None`: no cycle runs now.
    Absent,
    Undecodable(String),
    /// Django reads it, but it is beyond the probe's decoding bounds: cannot be judged.
    TooLarge(String),
    NotAnInt(String),
    /// A process with this PID exists: its state, start, command line and cgroup, for the
    /// judge to decide whether it is the enforcer.
    Found(Process),
    /// No process has this PID.
    Dead(i64),
    /// Could not be looked up here; `why` says why and what to set.
    Unverifiable {
        pid: i64,
        why: String,
    },
    /// `check_pid = false`: the operator chose not to look.
    NotChecked(i64),
}

/// Everything the verdict depends on.
#[derive(Debug, Clone, PartialEq)]
pub struct CrumbState {
    /// The four Redis key names (last_run, last_ok, last_error, running_pid), for messages.
    pub keys: [String; 4],
    pub last_run: Stamp,
    pub last_ok: Stamp,
    pub last_error: ErrorCrumb,
    pub pid: Pid,
    /// TTL replies of the four keys: -2 missing, -1 no expiry, else seconds left.
    pub ttls: [i64; 4],
    /// Legacy unprefixed names present (`:<version>:<ns>:*`).
    pub legacy: i64,
    pub legacy_pattern: String,
    pub db: i64,
}

/// One thing wrong, with its weight and where the fix is explained.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub status: Status,
    pub text: String,
    pub hint: Option<Hint>,
}

/// The verdict: worst finding first.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub status: Status,
    /// Findings joined worst first, or what is fine when nothing is wrong.
    pub summary: String,
    pub hint: Option<Hint>,
    pub findings: Vec<Finding>,
    /// What is fine, in a few words ("last run 1 min ago, last OK 1 min ago, PID 42 alive").
    pub healthy_parts: Vec<String>,
    /// The process-identity evidence the verdict on `running_pid` rests on (state, start
    /// time against last_run, unit, command line), when a process was found.
    pub identity: Option<String>,
}

/// How an age stands against the two thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    Fresh,
    /// Older than `max_age`.
    Late,
    /// Older than `fail_after`.
    Stale,
    /// Beyond the clock-skew allowance ahead of this host.
    Future,
}

fn tier(at: Timestamp, now: Timestamp, p: &BreadcrumbParams) -> Tier {
    match (
        pyval::freshness(at, now, p.max_age),
        pyval::freshness(at, now, p.fail_after),
    ) {
        (Freshness::Future, _) => Tier::Future,
        (_, Freshness::Old) => Tier::Stale,
        (Freshness::Old, _) => Tier::Late,
        _ => Tier::Fresh,
    }
}

pub(crate) fn dur(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

/// The verdict table of `enforcer.breadcrumbs`, as code. Pure: states in, verdict out.
pub fn judge(s: &CrumbState, p: &BreadcrumbParams, now: Timestamp) -> Verdict {
    let mut found: Vec<Finding> = Vec::new();
    let mut fine: Vec<String> = Vec::new();
    let mut add = |status: Status, text: String, hint: Option<Hint>| {
        found.push(Finding { status, text, hint })
    };
    let mut identity: Option<String> = None;
    let [k_run, k_ok, k_err, k_pid] = &s.keys;
    let ns_pattern = k_run
        .rsplit_once(':')
        .map(|(head, _)| format!("{head}:*"))
        .unwrap_or_default();

    if s.ttls.iter().all(|t| *t == -2) {
        let text = if s.legacy > 0 {
            format!(
                "no breadcrumbs under {ns_pattern}, but {} under {} — the enforcer writes without KEY_PREFIX",
                s.legacy, s.legacy_pattern
            )
        } else {
            format!("no breadcrumbs under {ns_pattern}")
        };
        let hint = if s.legacy > 0 {
            hint::enforcer_panel(
                "Give the enforcer the same CACHES block (KEY_PREFIX \"bisk\") as the web app and restart it.",
            )
        } else {
            hint::enforcer_panel(
                "Is the enforcer running, and does it use the same cache settings as the web app?",
            )
        };
        add(Status::Fail, text, hint);
        return finish(found, fine, None);
    }

    // last_run: when the enforcer last ran, successful or not.
    let run_at = match &s.last_run {
        Stamp::At { at, .. } => Some(*at),
        _ => None,
    };
    let mut run_age_status = None;
    match &s.last_run {
        Stamp::Absent => add(
            Status::Fail,
            format!("{k_run} is missing: the enforcer has not recorded a run"),
            hint::enforcer_panel(
                "Check `systemctl status bisk-enforcer.service` and that it uses the web app's cache settings.",
            ),
        ),
        Stamp::TooLarge(e) => add(Status::Error, cannot_judge(k_run, e), too_large_hint()),
        Stamp::Undecodable(e) => add(Status::Fail, not_django(k_run, e), pickled_hint()),
        Stamp::NotATime(v) => add(
            Status::Fail,
            format!("{k_run} holds {v} — not a datetime"),
            hint::enforcer_panel("last_run must be timezone.now()."),
        ),
        Stamp::At { at, naive } => {
            let age = now.duration_since(*at);
            match tier(*at, now, p) {
                Tier::Future => add(
                    Status::Fail,
                    format!("last run is {}", future_words(age)),
                    hint::plain(clock_advice(*naive)),
                ),
                Tier::Stale => {
                    run_age_status = Some(Status::Fail);
                    add(
                        Status::Fail,
                        format!(
                            "last run {} (older than {})",
                            age_words(age),
                            dur(p.fail_after)
                        ),
                        hint::enforcer_panel(
                            "The enforcer stopped running: check `systemctl status bisk-enforcer.service` and its journal.",
                        ),
                    )
                }
                Tier::Late => {
                    run_age_status = Some(Status::Warn);
                    add(
                        Status::Warn,
                        format!(
                            "last run {} (older than {})",
                            age_words(age),
                            dur(p.max_age)
                        ),
                        hint::enforcer_panel(
                            "The enforcer runs late or stopped: check its timer/service.",
                        ),
                    )
                }
                Tier::Fresh => fine.push(format!("last run {}", age_words(age))),
            }
        }
    }

    let ok_at = match &s.last_ok {
        Stamp::At { at, .. } => Some(*at),
        _ => None,
    };

    // last_error: current when newer than the last success.
    match &s.last_error {
        ErrorCrumb::Clear => {}
        ErrorCrumb::TooLarge(e) => add(Status::Error, cannot_judge(k_err, e), too_large_hint()),
        ErrorCrumb::Undecodable(e) => add(Status::Fail, not_django(k_err, e), pickled_hint()),
        ErrorCrumb::Text(text) => {
            // Text carries no time: it is current unless a success followed the last run.
            let current = match (ok_at, run_at) {
                (None, _) => true,
                (Some(ok), Some(run)) => ok < run,
                (Some(_), None) => false,
            };
            if current {
                add(
                    Status::Fail,
                    format!("the last run failed: {}", last_line_and_size(text)),
                    hint::enforcer_panel(
                        "Read the full error with `journalctl -u bisk-enforcer.service`.",
                    ),
                );
            } else {
                fine.push("an older error is recorded".into());
            }
        }
        ErrorCrumb::At { at, naive } => {
            let age = now.duration_since(*at);
            if tier(*at, now, p) == Tier::Future {
                add(
                    Status::Fail,
                    format!("last error is {}", future_words(age)),
                    hint::plain(clock_advice(*naive)),
                );
            } else if ok_at.is_none_or(|ok| *at > ok) {
                add(
                    Status::Fail,
                    format!(
                        "the last run failed {} ({k_err}), after the last success",
                        age_words(age)
                    ),
                    hint::enforcer_panel(
                        "Read the error with `journalctl -u bisk-enforcer.service`.",
                    ),
                );
            } else {
                fine.push("an older error is recorded".into());
            }
        }
    }

    // last_ok: the enforcer must have succeeded, and recently.
    match &s.last_ok {
        Stamp::Absent => add(
            Status::Fail,
            format!("the enforcer has never succeeded: {k_ok} is missing"),
            hint::enforcer_panel(
                "Read why its runs fail with `journalctl -u bisk-enforcer.service`.",
            ),
        ),
        Stamp::TooLarge(e) => add(Status::Error, cannot_judge(k_ok, e), too_large_hint()),
        Stamp::Undecodable(e) => add(Status::Fail, not_django(k_ok, e), pickled_hint()),
        Stamp::NotATime(v) => add(
            Status::Fail,
            format!("{k_ok} holds {v} — not a datetime"),
            hint::enforcer_panel("last_ok must be timezone.now()."),
        ),
        Stamp::At { at, naive } => {
            let age = now.duration_since(*at);
            let t = tier(*at, now, p);
            let (status, text) = match t {
                Tier::Future => (
                    Status::Fail,
                    format!("last success is {}", future_words(age)),
                ),
                Tier::Stale => (
                    Status::Fail,
                    format!(
                        "no success for {} (last OK older than {})",
                        crate::django::time::human_duration(age.as_secs()),
                        dur(p.fail_after)
                    ),
                ),
                Tier::Late => (
                    Status::Warn,
                    format!(
                        "last success {} (older than {})",
                        age_words(age),
                        dur(p.max_age)
                    ),
                ),
                Tier::Fresh => (Status::Pass, String::new()),
            };
            fine.push(format!("last OK {}", age_words(age)));
            // A late last_run already says it (both stop together): say it once.
            let implied = t != Tier::Future && run_age_status.is_some_and(|r| r >= status);
            if status != Status::Pass && !implied {
                let h = if t == Tier::Future {
                    hint::plain(clock_advice(*naive))
                } else {
                    hint::enforcer_panel(
                        "Runs do not succeed: read `journalctl -u bisk-enforcer.service`.",
                    )
                };
                add(status, text, h);
            }
        }
    }
    if matches!(s.last_run, Stamp::At { naive: true, .. })
        || matches!(s.last_ok, Stamp::At { naive: true, .. })
    {
        fine.push("naive datetimes (no time zone; read as UTC)".into());
    }

    // running_pid: a live process on the enforcer's host.
    match &s.pid {
        Pid::Absent => fine.push("not running now".into()),
        Pid::TooLarge(e) => add(Status::Error, cannot_judge(k_pid, e), too_large_hint()),
        Pid::Undecodable(e) => add(Status::Fail, not_django(k_pid, e), pickled_hint()),
        Pid::NotAnInt(v) => add(
            Status::Fail,
            format!("{k_pid} holds {v} — not a PID"),
            hint::enforcer_panel("running_pid must be os.getpid()."),
        ),
        Pid::Found(pr) => {
            let (findings, words) = judge_process(pr, &s.last_run, p);
            identity = Some(words);
            if findings.is_empty() {
                fine.push(format!("PID {} alive", pr.pid));
            }
            for f in findings {
                add(f.status, f.text, f.hint);
            }
        }
        Pid::Dead(pid) => add(
            Status::Fail,
            format!("stale PID: {k_pid} is {pid}, but no such process runs on this host"),
            stale_pid_hint(),
        ),
        Pid::Unverifiable { pid, why } => add(
            Status::Warn,
            format!("PID {pid} not checked: {why}"),
            hint::plain(
                "Run the check on the enforcer's host, or set `local = true` on the target when Redis and the enforcer run here; `check_pid = false` in the probe says you check it another way.",
            ),
        ),
        Pid::NotChecked(pid) => fine.push(format!("PID {pid} (not checked: check_pid = false)")),
    }

    // TTLs: breadcrumbs must not expire.
    let expiring: Vec<String> = s
        .keys
        .iter()
        .zip(s.ttls)
        .filter(|(_, t)| *t > 0)
        .map(|(k, t)| format!("{k} ({t} s)"))
        .collect();
    if !expiring.is_empty() {
        add(
            Status::Warn,
            format!(
                "breadcrumbs expire: {} — written without timeout=None (Django's default is 300 s)",
                expiring.join(", ")
            ),
            hint::default_timeout(),
        );
    }
    if s.legacy > 0 {
        add(
            Status::Warn,
            format!(
                "{} legacy keys under {} (from before KEY_PREFIX)",
                s.legacy, s.legacy_pattern
            ),
            hint::cleanup(s.db, &s.legacy_pattern),
        );
    }
    finish(found, fine, identity)
}

fn clock_advice(naive: bool) -> &'static str {
    if naive {
        "A naive time is read as UTC: a writer with USE_TZ = False east of UTC looks ahead. If the app runs with USE_TZ = False, tell the target its clock (`use_tz = false` and `time_zone = \"<its TIME_ZONE>\"`, or `--target django`); check NTP on both hosts."
    } else {
        "Check NTP (`timedatectl`) on the enforcer's host and on this one."
    }
}

fn finish(mut found: Vec<Finding>, fine: Vec<String>, identity: Option<String>) -> Verdict {
    // Stable: among equals, the order above (last_run, last_error, last_ok, PID, TTL, legacy).
    found.sort_by_key(|f| std::cmp::Reverse(f.status));
    let status = found.first().map(|f| f.status).unwrap_or(Status::Pass);
    let summary = if found.is_empty() {
        fine.join(", ")
    } else {
        found
            .iter()
            .map(|f| f.text.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    };
    let hint = found
        .iter()
        .filter(|f| f.status == status)
        .find_map(|f| f.hint.clone());
    Verdict {
        status,
        summary: bound(&summary, 400),
        hint,
        findings: found,
        healthy_parts: fine,
        identity,
    }
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

fn stale_pid_hint() -> Option<Hint> {
    hint::enforcer_panel(
        "The enforcer died without clearing running_pid; restart it (`sudo systemctl restart bisk-enforcer.service`).",
    )
}

fn shown_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// Whether a found process is the enforcer that wrote the breadcrumbs: the findings against
/// it (none when it is) and the identity evidence used, in words. Pure.
pub fn judge_process(
    pr: &Process,
    last_run: &Stamp,
    p: &BreadcrumbParams,
) -> (Vec<Finding>, String) {
    let pid = pr.pid;
    let mut found = Vec::new();
    // A live process's exact state flips between running and sleeping from one look to the
    // next: only the states that matter are named, so evidence compared across a runbook
    // run does not change for nothing.
    let mut used: Vec<String> = vec![match pr.state {
        'R' | 'S' | 'D' | 'I' | 'P' | 'W' => "alive (not a zombie)".to_string(),
        other => format!("state {other} ({})", process::state_words(other)),
    }];
    let fail = |found: &mut Vec<Finding>, text: String, hint: Option<Hint>| {
        found.push(Finding {
            status: Status::Fail,
            text,
            hint,
        })
    };
    match pr.state {
        'Z' => {
            fail(
                &mut found,
                format!(
                    "PID {pid} is a zombie: the enforcer exited and its parent (PID {}) has not reaped it",
                    pr.ppid
                ),
                hint::enforcer_panel(
                    "A zombie is a process that has exited; only its exit status is left. Restart the enforcer (`sudo systemctl restart bisk-enforcer.service`); if zombies keep appearing, the parent process does not wait for its children.",
                ),
            );
            return (found, used.join("; "));
        }
        'X' | 'x' => {
            fail(
                &mut found,
                format!("stale PID: PID {pid} is dead (state X): no enforcer runs under it"),
                stale_pid_hint(),
            );
            return (found, used.join("; "));
        }
        _ => {}
    }
    let cmd = |pr: &Process| match &pr.cmdline {
        Ok(c) if !c.is_empty() => format!("`{}`", bound(c, 120)),
        Ok(_) => "no command line".to_string(),
        Err(_) => "command line unreadable".to_string(),
    };
    let mut warn: Vec<Finding> = Vec::new();
    // What the probe says the enforcer is, where every named piece matches: then a process
    // that started after last_run is the enforcer restarted since its last cycle (a deploy
    // restarts it; it records its PID at start and last_run only when a cycle ends), not a
    // reused number. Without such evidence the two cannot be told apart, and a dead
    // enforcer must not pass: the late start fails.
    let vouched = (p.pid_unit.is_some() || p.pid_cmdline.is_some())
        && p.pid_unit.as_ref().is_none_or(|want| {
            matches!(&pr.cgroup, Ok(c) if c.unit.as_deref() == Some(unit_name(want).as_str()))
        })
        && p.pid_cmdline
            .as_ref()
            .is_none_or(|want| matches!(&pr.cmdline, Ok(c) if c.contains(want.as_str())));
    // Start time: a process that started after last_run cannot have written it.
    let run = match last_run {
        Stamp::At { at, naive } => Some((*at, *naive)),
        _ => None,
    };
    match (&pr.started, run) {
        (Ok(start), Some((at, naive))) => {
            let slack = if naive {
                NAIVE_TOLERANCE
            } else {
                START_TOLERANCE
            };
            let late = start.duration_since(at);
            if late.is_positive() && late.unsigned_abs() > slack && vouched {
                used.push(format!(
                    "started {}, after last_run {}: the enforcer restarted since its last cycle (identified by {})",
                    shown_time(*start),
                    shown_time(at),
                    match (&p.pid_unit, &p.pid_cmdline) {
                        (Some(_), Some(_)) => "pid_unit and pid_cmdline",
                        (Some(_), None) => "pid_unit",
                        _ => "pid_cmdline",
                    }
                ));
            } else if late.is_positive() && late.unsigned_abs() > slack {
                fail(
                    &mut found,
                    format!(
                        "PID {pid} belongs to another process ({}, started {}, after last_run {}{}): PIDs are reused, and the enforcer that recorded it is gone",
                        cmd(pr),
                        shown_time(*start),
                        shown_time(at),
                        if naive { ", even allowing for any time zone of its naive time" } else { "" }
                    ),
                    hint::enforcer_panel(
                        "The enforcer that recorded this PID has stopped and another program now has the number: restart the enforcer (`sudo systemctl restart bisk-enforcer.service`) so it records its own PID. If the enforcer was restarted since its last cycle, set `pid_unit` (or `pid_cmdline`) on the probe so a restarted enforcer is told from another program.",
                    ),
                );
            } else {
                used.push(format!(
                    "start time {} before last_run {}{}",
                    shown_time(*start),
                    shown_time(at),
                    if late.is_positive() {
                        format!(" (within the {} s tolerance)", slack.as_secs())
                    } else {
                        String::new()
                    }
                ));
            }
        }
        (Ok(start), None) => used.push(format!(
            "start time {} (not compared: no last_run to compare with)",
            shown_time(*start)
        )),
        (Err(why), _) => warn.push(Finding {
            status: Status::Warn,
            text: format!(
                "PID {pid} not identified: its start time is unknown ({why}), so whether it is the enforcer that wrote last_run cannot be told"
            ),
            hint: hint::plain(
                "Compare `ps -o pid,lstart,cmd -p PID` with last_run by hand, or set `pid_cmdline` / `pid_unit` on the probe.",
            ),
        }),
    }
    if let Some(want) = &p.pid_unit {
        let want_unit = unit_name(want);
        match &pr.cgroup {
            Ok(c) if c.unit.as_deref() == Some(want_unit.as_str()) => {
                used.push(format!("cgroup {want_unit}"))
            }
            Ok(c) => fail(
                &mut found,
                format!(
                    "PID {pid} is not the enforcer: it runs in {}, not in {want_unit} (pid_unit)",
                    match &c.unit {
                        Some(u) => u.clone(),
                        None => format!("no systemd unit (cgroup {})", bound(&c.path, 120)),
                    }
                ),
                hint::enforcer_panel(
                    "running_pid names a process outside the enforcer's unit: restart the enforcer (`sudo systemctl restart bisk-enforcer.service`) so it records its own PID, and compare with `systemctl show --property MainPID --value bisk-enforcer.service`.",
                ),
            ),
            Err(why) => warn.push(Finding {
                status: Status::Warn,
                text: format!("PID {pid}: pid_unit not checked: {why}"),
                hint: hint::plain(
                    "Run the check as a user who can read /proc/PID/cgroup, or drop `pid_unit` from the probe.",
                ),
            }),
        }
    }
    if let Some(want) = &p.pid_cmdline {
        match &pr.cmdline {
            Ok(c) if c.contains(want.as_str()) => {
                used.push(format!("command line contains {want:?}"))
            }
            Ok(_) => fail(
                &mut found,
                format!(
                    "PID {pid} is not the enforcer: its command line is {}, without {want:?} (pid_cmdline)",
                    cmd(pr)
                ),
                hint::enforcer_panel(
                    "running_pid names another program: restart the enforcer (`sudo systemctl restart bisk-enforcer.service`) so it records its own PID.",
                ),
            ),
            Err(why) => warn.push(Finding {
                status: Status::Warn,
                text: format!("PID {pid}: pid_cmdline not checked: {why}"),
                hint: hint::plain(
                    "Run the check as a user who can read /proc/PID/cmdline, or drop `pid_cmdline` from the probe.",
                ),
            }),
        }
    }
    if matches!(pr.state, 'T' | 't') {
        warn.push(Finding {
            status: Status::Warn,
            text: format!(
                "PID {pid} is stopped (SIGSTOP or a debugger): it runs no cycle until it is continued"
            ),
            hint: hint::enforcer_panel(
                "Continue it (`kill -CONT PID`) or restart the enforcer (`sudo systemctl restart bisk-enforcer.service`).",
            ),
        });
    }
    found.extend(warn);
    (found, used.join("; "))
}

/// `pid_unit` as systemd names it: a bare name is a service.
fn unit_name(want: &str) -> String {
    if want.contains('.') {
        want.to_string()
    } else {
        format!("{want}.service")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_line() {
        assert_eq!(
            last_line_and_size("Traceback:\n  x\nValueError: boom\n"),
            "ValueError: boom (3 lines)"
        );
    }
}
