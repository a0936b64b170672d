//! Random states against the manual's verdict tables: `enforcer.breadcrumbs` (every input)
//! and the `max_age` rows of `cache.key`.
//!
//! The oracle below is written from the table (each input's rows give that input's verdict;
//! the probe's verdict is the worst), not from the implementation. Above all: no state in
//! which any input is unhealthy may pass.

use std::time::Duration;

use bisk_docs::django::PyValue;
use bisk_docs::django::value::PyDateTime;
use bisk_docs::probe::Status;
use bisk_docs::probe::catalogue::breadcrumbs::{
    CrumbState, ErrorCrumb, NAIVE_TOLERANCE, Pid, START_TOLERANCE, Stamp, judge,
};
use bisk_docs::probe::catalogue::cache::judge_value;
use bisk_docs::probe::catalogue::process::{Cgroup, Process};
use bisk_docs::probe::decl::{BreadcrumbParams, KeyParams, Presence};
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

const SKEW: i64 = 300;

fn now() -> Timestamp {
    "2026-06-01T12:00:00Z".parse().unwrap()
}

/// Ages (seconds before now) that straddle every threshold, plus anything in ±40 days.
fn age(max_age: i64, fail_after: i64) -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(max_age),
        Just(max_age + 1),
        Just(fail_after),
        Just(fail_after + 1),
        Just(-SKEW),
        Just(-SKEW - 1),
        Just(0),
        -40 * 86_400i64..40 * 86_400,
        -SKEW..=max_age,
    ]
}

fn stamp(max_age: i64, fail_after: i64) -> impl Strategy<Value = Stamp> {
    prop_oneof![
        Just(Stamp::Absent),
        Just(Stamp::Undecodable("unpickling failed".into())),
        Just(Stamp::TooLarge("beyond 32 MiB".into())),
        Just(Stamp::NotATime("'yesterday'".into())),
        (age(max_age, fail_after), any::<bool>()).prop_map(|(a, naive)| Stamp::At {
            at: now() - SignedDuration::from_secs(a),
            naive
        }),
    ]
}

fn error_crumb(max_age: i64, fail_after: i64) -> impl Strategy<Value = ErrorCrumb> {
    prop_oneof![
        Just(ErrorCrumb::Clear),
        Just(ErrorCrumb::Undecodable("unpickling failed".into())),
        Just(ErrorCrumb::TooLarge("beyond 32 MiB".into())),
        Just(ErrorCrumb::Text("Traceback\nValueError: boom".into())),
        (age(max_age, fail_after), any::<bool>()).prop_map(|(a, naive)| ErrorCrumb::At {
            at: now() - SignedDuration::from_secs(a),
            naive
        }),
    ]
}

fn pid() -> impl Strategy<Value = Pid> {
    prop_oneof![
        Just(Pid::Absent),
        Just(Pid::Undecodable("unpickling failed".into())),
        Just(Pid::TooLarge("beyond 32 MiB".into())),
        Just(Pid::NotAnInt("'1234'".into())),
        process().prop_map(Pid::Found),
        Just(Pid::Dead(1234)),
        Just(Pid::Unverifiable {
            pid: 1234,
            why: "Redis is on another host".into()
        }),
        Just(Pid::NotChecked(1234)),
    ]
}

/// A process as `/proc` shows it: any state, a start anywhere in ±40 days (placed around
/// last_run by [`case`] most of the time), a command line and a cgroup that may or may not
/// be the enforcer's, or unreadable.
fn process() -> impl Strategy<Value = Process> {
    (
        prop::sample::select(vec!['R', 'S', 'D', 'T', 't', 'I', 'Z', 'X', 'x']),
        prop_oneof![
            4 => (-40 * 86_400i64..40 * 86_400).prop_map(|a| Ok(now() - SignedDuration::from_secs(a))),
            1 => Just(Err("/proc/1234/stat is unreadable".to_string())),
        ],
        prop_oneof![
            Just(Ok("/srv/bisk/.venv/bin/python manage.py enforce".to_string())),
            Just(Ok("sleep 300".to_string())),
            Just(Ok(String::new())),
            Just(Err("/proc/1234/cmdline is closed to this user".to_string())),
        ],
        prop_oneof![
            Just(Ok(Some("bisk-enforcer.service"))),
            Just(Ok(Some("session-3.scope"))),
            Just(Ok(None)),
            Just(Err("/proc/1234/cgroup is closed to this user".to_string())),
        ],
    )
        .prop_map(|(state, started, cmdline, unit)| Process {
            pid: 1234,
            state,
            ppid: 1,
            started,
            cmdline,
            cgroup: unit.map(|u| Cgroup {
                path: match u {
                    Some(u) => format!("/system.slice/{u}"),
                    None => "/".into(),
                },
                unit: u.map(str::to_string),
            }),
        })
}

/// Starts relative to last_run, straddling both tolerances.
fn start_delta() -> impl Strategy<Value = i64> {
    let (t, n) = (
        START_TOLERANCE.as_secs() as i64,
        NAIVE_TOLERANCE.as_secs() as i64,
    );
    prop_oneof![
        Just(-3600i64),
        Just(-1),
        Just(0),
        Just(t),
        Just(t + 1),
        Just(n),
        Just(n + 1),
        -2 * n..2 * n,
    ]
}

fn ttl() -> impl Strategy<Value = i64> {
    prop_oneof![Just(-2i64), Just(-1), 1i64..=86_400]
}

prop_compose! {
    fn case()(max_age in 60i64..=7200, extra in 0i64..=86_400)
        (max_age in Just(max_age), fail_after in Just(max_age + extra),
         last_run in stamp(max_age, max_age + extra),
         last_ok in stamp(max_age, max_age + extra),
         last_error in error_crumb(max_age, max_age + extra),
         mut pid in pid(),
         around_run in prop::bool::weighted(0.7),
         delta in start_delta(),
         pid_unit in prop::option::of(prop::sample::select(vec!["bisk-enforcer.service", "bisk-enforcer"])),
         pid_cmdline in prop::option::of(Just("manage.py enforce")),
         ttls in [ttl(), ttl(), ttl(), ttl()],
         legacy in prop_oneof![Just(0i64), 1i64..=4])
        -> (BreadcrumbParams, CrumbState)
    {
        let p = BreadcrumbParams {
            namespace: "enforcer".into(),
            max_age: Duration::from_secs(max_age as u64),
            fail_after: Duration::from_secs(fail_after as u64),
            check_pid: true,
            pid_unit: pid_unit.map(str::to_string),
            pid_cmdline: pid_cmdline.map(str::to_string),
        };
        // Most starts sit near last_run, where the tolerances decide.
        if let (Pid::Found(pr), Stamp::At { at, .. }, true) = (&mut pid, &last_run, around_run)
            && pr.started.is_ok()
        {
            pr.started = Ok(*at + SignedDuration::from_secs(delta));
        }
        let s = CrumbState {
            keys: ["last_run", "last_ok", "last_error", "running_pid"]
                .map(|n| format!("bisk:1:enforcer:{n}")),
            last_run, last_ok, last_error, pid, ttls, legacy,
            legacy_pattern: ":1:enforcer:*".into(),
            db: 1,
        };
        (p, s)
    }
}

/// `age` in seconds of a time; positive is the past.
fn age_of(at: Timestamp) -> i64 {
    now().duration_since(at).as_secs()
}

/// A time's verdict by the thresholds rows (fresh / older than max_age / older than
/// fail_after / more than 5 min in the future).
fn time_rows(at: Timestamp, p: &BreadcrumbParams) -> Status {
    let a = age_of(at);
    if a < -SKEW || a > p.fail_after.as_secs() as i64 {
        Status::Fail
    } else if a > p.max_age.as_secs() as i64 {
        Status::Warn
    } else {
        Status::Pass
    }
}

/// The running_pid rows for a process found in /proc: a zombie or dead one fails, one
/// started after last_run (beyond the tolerance; any UTC offset for a naive last_run) fails,
/// one outside pid_unit or without pid_cmdline fails; an unknown start time, an unreadable
/// cgroup or command line that was asked for, or a stopped process warns.
fn process_rows(pr: &Process, last_run: &Stamp, p: &BreadcrumbParams) -> Status {
    if matches!(pr.state, 'Z' | 'X' | 'x') {
        return Status::Fail;
    }
    let mut worst = Status::Pass;
    match (&pr.started, last_run) {
        (Err(_), _) => worst = worst.max(Status::Warn),
        (Ok(t), Stamp::At { at, naive }) => {
            let slack = if *naive {
                NAIVE_TOLERANCE
            } else {
                START_TOLERANCE
            };
            // A late start is a restart only where pid_unit / pid_cmdline prove identity.
            if *t > *at + SignedDuration::try_from(slack).unwrap() && !vouched(pr, p) {
                worst = Status::Fail;
            }
        }
        (Ok(_), _) => {}
    }
    if let Some(u) = &p.pid_unit {
        let u = if u.contains('.') {
            u.clone()
        } else {
            format!("{u}.service")
        };
        match &pr.cgroup {
            Ok(c) if c.unit.as_deref() == Some(u.as_str()) => {}
            Ok(_) => worst = Status::Fail,
            Err(_) => worst = worst.max(Status::Warn),
        }
    }
    if let Some(want) = &p.pid_cmdline {
        match &pr.cmdline {
            Ok(c) if c.contains(want.as_str()) => {}
            Ok(_) => worst = Status::Fail,
            Err(_) => worst = worst.max(Status::Warn),
        }
    }
    if matches!(pr.state, 'T' | 't') {
        worst = worst.max(Status::Warn);
    }
    worst
}

/// The probe named what the enforcer is (pid_unit, pid_cmdline) and every named piece
/// matches this process.
fn vouched(pr: &Process, p: &BreadcrumbParams) -> bool {
    let unit_ok = p.pid_unit.as_ref().is_none_or(|u| {
        let u = if u.contains('.') {
            u.clone()
        } else {
            format!("{u}.service")
        };
        matches!(&pr.cgroup, Ok(c) if c.unit.as_deref() == Some(u.as_str()))
    });
    let cmd_ok = p
        .pid_cmdline
        .as_ref()
        .is_none_or(|w| matches!(&pr.cmdline, Ok(c) if c.contains(w.as_str())));
    (p.pid_unit.is_some() || p.pid_cmdline.is_some()) && unit_ok && cmd_ok
}

/// The table, input by input.
fn oracle(s: &CrumbState, p: &BreadcrumbParams) -> Status {
    if s.ttls.iter().all(|t| *t == -2) {
        return Status::Fail; // all four names absent
    }
    let time = |st: &Stamp| match st {
        Stamp::At { at, .. } => Some(*at),
        _ => None,
    };
    let run = match &s.last_run {
        Stamp::At { at, .. } => time_rows(*at, p),
        Stamp::TooLarge(_) => Status::Error, // cannot be judged
        _ => Status::Fail,                   // absent, not a time, undecodable
    };
    let ok = match &s.last_ok {
        Stamp::At { at, .. } => time_rows(*at, p),
        Stamp::TooLarge(_) => Status::Error,
        _ => Status::Fail, // absent / None ("has never succeeded"), not a time, undecodable
    };
    let err = match &s.last_error {
        ErrorCrumb::Clear => Status::Pass,
        ErrorCrumb::Undecodable(_) => Status::Fail,
        ErrorCrumb::TooLarge(_) => Status::Error,
        // text: fails unless last_ok is not older than last_run
        ErrorCrumb::Text(_) => match (time(&s.last_ok), time(&s.last_run)) {
            (None, _) => Status::Fail,
            (Some(ok), Some(run)) if ok < run => Status::Fail,
            _ => Status::Pass,
        },
        ErrorCrumb::At { at, .. } => {
            if age_of(*at) < -SKEW {
                Status::Fail
            } else {
                match time(&s.last_ok) {
                    Some(ok) if *at <= ok => Status::Pass,
                    _ => Status::Fail,
                }
            }
        }
    };
    let pid = match &s.pid {
        Pid::Found(pr) => process_rows(pr, &s.last_run, p),
        Pid::Absent | Pid::NotChecked(_) => Status::Pass,
        Pid::Unverifiable { .. } => Status::Warn,
        Pid::Dead(_) | Pid::NotAnInt(_) | Pid::Undecodable(_) => Status::Fail,
        Pid::TooLarge(_) => Status::Error,
    };
    let ttl = if s.ttls.iter().any(|t| *t > 0) {
        Status::Warn
    } else {
        Status::Pass
    };
    let legacy = if s.legacy > 0 {
        Status::Warn
    } else {
        Status::Pass
    };
    [run, ok, err, pid, ttl, legacy].into_iter().max().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn verdict_follows_the_table((p, s) in case()) {
        let v = judge(&s, &p, now());
        let want = oracle(&s, &p);
        prop_assert_eq!(v.status, want, "state {:#?}\nverdict {:#?}", s, v);
        if want == Status::Pass {
            prop_assert!(v.findings.is_empty());
            prop_assert!(v.hint.is_none());
        } else {
            // Worst cause first, and a way to fix it.
            prop_assert_eq!(v.findings[0].status, want);
            prop_assert!(v.summary.starts_with(v.findings[0].text.chars().take(100).collect::<String>().as_str()),
                "{}", v.summary);
            prop_assert!(v.hint.is_some(), "{:#?}", v);
            prop_assert!(v.summary.chars().count() <= 420, "{}", v.summary);
        }
        // A time beyond the skew allowance is always named as such.
        let future = |a: i64| a < -SKEW;
        let any_future = [&s.last_run, &s.last_ok].iter().any(|st| matches!(st, Stamp::At { at, .. } if future(age_of(*at))))
            || matches!(s.last_error, ErrorCrumb::At { at, .. } if future(age_of(at)));
        if any_future && !s.ttls.iter().all(|t| *t == -2) {
            prop_assert!(v.findings.iter().any(|f| f.text.contains("in the future: check the clocks or the time zone")), "{:#?}", v);
        }
    }

    /// The healthy baseline with any one input changed passes only if that input's new state
    /// is one of its healthy rows.
    #[test]
    fn no_unhealthy_input_passes((p, s) in case()) {
        let v = judge(&s, &p, now());
        if v.status == Status::Pass {
            let fresh = |st: &Stamp| matches!(st, Stamp::At { at, .. } if time_rows(*at, &p) == Status::Pass);
            prop_assert!(fresh(&s.last_run) && fresh(&s.last_ok), "{:#?}", s);
            prop_assert!(matches!(s.pid, Pid::Absent | Pid::Found(_) | Pid::NotChecked(_)), "{:#?}", s);
            // No dead, zombie or reused process passes.
            if let (Pid::Found(pr), Stamp::At { at, naive }) = (&s.pid, &s.last_run) {
                prop_assert!(!matches!(pr.state, 'Z' | 'X' | 'x'), "{:#?}", s);
                let slack = if *naive { NAIVE_TOLERANCE } else { START_TOLERANCE };
                prop_assert!(vouched(pr, &p) || matches!(&pr.started, Ok(t) if *t <= *at + SignedDuration::try_from(slack).unwrap()), "{:#?}", s);
            }
            prop_assert!(s.ttls.iter().all(|t| *t <= -1) && s.legacy == 0, "{:#?}", s);
            prop_assert!(!matches!(s.last_error, ErrorCrumb::Undecodable(_)), "{:#?}", s);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// `cache.key max_age`: fresh passes; older than max_age or more than 5 min ahead fails,
    /// whether the time is an aware datetime or an ISO string with or without offset.
    #[test]
    fn cache_key_max_age_follows_the_table(
        max_age in 60i64..=86_400,
        a in prop_oneof![-40 * 86_400i64..40 * 86_400, Just(-SKEW), Just(-SKEW - 1), Just(0)],
        form in 0u8..3,
    ) {
        let at = now() - SignedDuration::from_secs(a);
        let value = match form {
            0 => PyValue::DateTime(PyDateTime::from_timestamp_utc(at)),
            1 => PyValue::Str(at.to_string()),
            _ => PyValue::Str(
                jiff::tz::TimeZone::UTC.to_datetime(at).to_string(),
            ),
        };
        let p = KeyParams {
            key: "enforcer:last_ok".into(),
            expect: Presence::Present,
            equals: None,
            max_age: Some(Duration::from_secs(max_age as u64)),
            min_ttl: None,
            max_ttl: None,
            persistent: None,
        };
        let j = judge_value(&p, &value, -1, now());
        let healthy = (-SKEW..=max_age).contains(&a);
        prop_assert_eq!(j.problems.is_empty(), healthy, "age {} limit {}: {:?}", a, max_age, j);
        if a < -SKEW {
            prop_assert!(j.problems[0].contains("in the future: check the clocks or the time zone"), "{:?}", j);
        }
    }
}
