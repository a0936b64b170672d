//! Random states against the README's verdict tables: `enforcer.breadcrumbs` (every input)
//! and the `max_age` rows of `cache.key`.
//!
//! The oracle below is written from the table (each input's rows give that input's verdict;
//! the probe's verdict is the worst), not from the implementation. Above all: no state in
//! which any input is unhealthy may pass.

use std::time::Duration;

use bisk_docs::django::PyValue;
use bisk_docs::django::value::PyDateTime;
use bisk_docs::probe::Status;
use bisk_docs::probe::catalogue::breadcrumbs::{CrumbState, ErrorCrumb, Pid, Stamp, judge};
use bisk_docs::probe::catalogue::cache::judge_value;
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
        Just(Pid::Alive(1234)),
        Just(Pid::Dead(1234)),
        Just(Pid::Unverifiable {
            pid: 1234,
            why: "Redis is on another host".into()
        }),
        Just(Pid::NotChecked(1234)),
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
         pid in pid(),
         ttls in [ttl(), ttl(), ttl(), ttl()],
         legacy in prop_oneof![Just(0i64), 1i64..=4])
        -> (BreadcrumbParams, CrumbState)
    {
        let p = BreadcrumbParams {
            namespace: "enforcer".into(),
            max_age: Duration::from_secs(max_age as u64),
            fail_after: Duration::from_secs(fail_after as u64),
            check_pid: true,
        };
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
        Pid::Absent | Pid::Alive(_) | Pid::NotChecked(_) => Status::Pass,
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
            prop_assert!(matches!(s.pid, Pid::Absent | Pid::Alive(_) | Pid::NotChecked(_)), "{:#?}", s);
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
