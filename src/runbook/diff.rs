//! Before/after: what changed between the probes captured at a run's start and its end.
//!
//! A deploy is supposed to change some things and not others. A new enforcer PID after the
//! restart is expected; a `last_ok` or `last_run` breadcrumb that did not advance means the
//! enforcer has not completed a cycle since, which is worth a look. Relative ages ("12 min
//! ago") and latencies are left out of the comparison: they always change.
//!
//! Whether a PID should have changed depends on the run: [`Restart`] says which step of the
//! run restarted the process (the report finds it, see `report::restart_step`). A PID that
//! stayed the same across such a step is UNEXPECTED (the restart did not happen or did not
//! take); without one, an unchanged PID is simply unchanged and a new one is a restart nobody
//! asked for.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::probe::{ProbeResult, Status};

/// How a change reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Verdict {
    /// What a deploy should do (new PID, breadcrumbs moved, a probe fixed).
    Expected,
    /// Worth a look (a probe got worse, a breadcrumb stood still).
    Unexpected,
    /// A change with no judgement attached.
    Changed,
}

/// One fact that changed, or notably did not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Change {
    /// `status`, `observed`, or an evidence label (an exact key name…).
    pub what: String,
    pub before: String,
    pub after: String,
    pub verdict: Verdict,
    pub note: String,
}

/// The comparison of one probe.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct ProbeDiff {
    pub id: String,
    pub title: String,
    pub before: Option<Status>,
    pub after: Option<Status>,
    pub changes: Vec<Change>,
    /// Failing (fail or error) at the start and still failing at the end: nothing "changed",
    /// but the deploy did not fix it either.
    pub still_failing: bool,
}

/// The step of a run that restarted the process whose PID the probes watch.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Restart<'a> {
    pub step: usize,
    pub title: &'a str,
}

/// What the run's record says about a PID that changed (see `verify::attribute`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Attribution {
    pub verdict: Verdict,
    pub note: String,
}

/// Asked for a PID that changed (old value, new value); `None`: the record cannot say.
pub(crate) type Attribute<'a> = &'a dyn Fn(&str, &str) -> Option<Attribution>;

impl ProbeDiff {
    /// The worst verdict among the changes (`None`: nothing changed); the tests' summary.
    #[cfg(test)]
    pub(crate) fn verdict(&self) -> Option<Verdict> {
        let vs = self.changes.iter().map(|c| c.verdict);
        let mut worst = None;
        for v in vs {
            worst = Some(match (worst, v) {
                (_, Verdict::Unexpected) | (Some(Verdict::Unexpected), _) => Verdict::Unexpected,
                (Some(Verdict::Changed), _) | (_, Verdict::Changed) => Verdict::Changed,
                _ => Verdict::Expected,
            });
        }
        worst
    }

    /// Whether the report lists this probe: something changed (a relative age alone is not a
    /// change) or it is still failing.
    pub(crate) fn is_notable(&self) -> bool {
        !self.changes.is_empty() || self.still_failing
    }
}

static AGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\d+ (?:s|min|h|days?)\s*)+ago|in (?:\d+ (?:s|min|h|days?)\s*)+|just now")
        .expect("valid regex")
});

static DURATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*\d+(?:\.\d+)?\s*(?:ms|µs|us|s)\s*$").expect("valid regex"));

static INSTANT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?").expect("valid regex")
});

/// A value with its relative ages blanked, for comparison only: "2026-11-25 17:00:00 UTC,
/// 12 min ago · TTL none" → "2026-11-25 17:00:00 UTC, … · TTL none".
pub(crate) fn without_age(value: &str) -> String {
    AGE.replace_all(value, "…").trim().to_string()
}

/// Evidence that changes on every run and says nothing about the system: latencies.
fn is_noise(label: &str, before: &str, after: &str) -> bool {
    let l = label.to_ascii_lowercase();
    l.contains("round trip")
        || l.contains("latency")
        || l.contains("duration")
        || l.contains("uptime")
        // The raw pickle of a value whose decoded form is compared anyway.
        || l.contains("stored bytes")
        || (DURATION.is_match(before) && DURATION.is_match(after))
}

/// The first absolute time in a value. The probes show UTC times in one format per kind
/// of value, so two of them compare in text order.
fn instant(value: &str) -> Option<&str> {
    INSTANT.find(value).map(|m| m.as_str())
}

fn is_pid(context: &str) -> bool {
    let c = context.to_ascii_lowercase();
    c.contains("pid")
}

fn is_progress_crumb(context: &str) -> bool {
    let c = context.to_ascii_lowercase();
    c.contains("last_ok") || c.contains("last_run")
}

fn absent(v: &str) -> bool {
    v.is_empty() || v.starts_with("(nil)") || v == "-"
}

/// Compares every probe present in either snapshot, in the order of `before`: the
/// tests' entry, [`compare_with`] without attribution.
#[cfg(test)]
pub(crate) fn compare(
    before: &[ProbeResult],
    after: &[ProbeResult],
    restart: Option<Restart<'_>>,
) -> Vec<ProbeDiff> {
    compare_with(before, after, restart, &|_, _| None)
}

/// Compares as `compare` does, with a new PID attributed by `attribute` (from the run's record) rather than
/// to `restart`; `restart` then only makes an unchanged PID unexpected.
pub(crate) fn compare_with(
    before: &[ProbeResult],
    after: &[ProbeResult],
    restart: Option<Restart<'_>>,
    attribute: Attribute<'_>,
) -> Vec<ProbeDiff> {
    let mut ids: Vec<&str> = before.iter().map(|r| r.id.as_str()).collect();
    for r in after {
        if !ids.contains(&r.id.as_str()) {
            ids.push(&r.id);
        }
    }
    ids.into_iter()
        .map(|id| {
            let b = before.iter().find(|r| r.id == id);
            let a = after.iter().find(|r| r.id == id);
            diff_one(id, b, a, restart, attribute)
        })
        .collect()
}

fn diff_one(
    id: &str,
    b: Option<&ProbeResult>,
    a: Option<&ProbeResult>,
    restart: Option<Restart<'_>>,
    attribute: Attribute<'_>,
) -> ProbeDiff {
    let title = a.or(b).map(|r| r.title.clone()).unwrap_or_default();
    let mut changes = Vec::new();
    if let (Some(b), Some(a)) = (b, a) {
        if a.status != b.status {
            let worse = rank(a.status) > rank(b.status);
            changes.push(Change {
                what: "status".into(),
                before: b.status.word().into(),
                after: a.status.word().into(),
                verdict: if worse {
                    Verdict::Unexpected
                } else {
                    Verdict::Expected
                },
                note: if worse {
                    format!("got worse: {}", a.summary)
                } else {
                    "fixed".into()
                },
            });
        }
        let fixed = rank(a.status) < rank(b.status);
        let context = format!("{} {}", a.id, a.title);
        let mut facts: Vec<(String, String, String, String)> = Vec::new();
        facts.push((
            "observed".into(),
            context.clone(),
            b.observed.clone().unwrap_or_default(),
            a.observed.clone().unwrap_or_default(),
        ));
        for e in &b.evidence {
            let after = a
                .evidence
                .iter()
                .find(|x| x.label == e.label)
                .map(|x| x.value.clone())
                .unwrap_or_default();
            facts.push((e.label.clone(), e.label.clone(), e.value.clone(), after));
        }
        for e in &a.evidence {
            if !b.evidence.iter().any(|x| x.label == e.label) {
                facts.push((
                    e.label.clone(),
                    e.label.clone(),
                    String::new(),
                    e.value.clone(),
                ));
            }
        }
        for (what, ctx, before, after) in facts {
            // A PID is recognised by the fact's label or by the probe it belongs to (the
            // stdout of a "main PID" command); a breadcrumb only by the fact itself, so a
            // probe about last_ok does not make its TTL evidence a breadcrumb.
            let pid_ctx = format!("{ctx} {context}");
            if is_noise(&what, &before, &after) {
                continue;
            }
            // The observed value is judged by the probe's id and title (a PID or breadcrumb
            // probe), evidence by its own label (an exact key name).
            let (nb, na) = (without_age(&before), without_age(&after));
            if nb != na {
                let (verdict, note) = if is_pid(&pid_ctx) && !absent(&na) && !absent(&nb) {
                    if let Some(a) = attribute(&nb, &na) {
                        (a.verdict, a.note)
                    } else {
                        match restart {
                        Some(r) => (
                            Verdict::Expected,
                            format!("new PID: restarted by step {} ({})", r.step, r.title),
                        ),
                        None => (
                            Verdict::Changed,
                            "new PID: the process restarted although no step of the run restarted it"
                                .into(),
                        ),
                    }
                    }
                } else if is_progress_crumb(&ctx) && !absent(&na) {
                    // Same-format times compare in text order.
                    match (instant(&before), instant(&after)) {
                        (Some(b), Some(a)) if a > b => (Verdict::Expected, "advanced".into()),
                        (Some(b), Some(a)) if a < b => (
                            Verdict::Unexpected,
                            "went back in time: written by another process or clock?".into(),
                        ),
                        (Some(_), Some(_)) => (
                            Verdict::Unexpected,
                            "did not advance: no completed cycle since the run started".into(),
                        ),
                        _ => (Verdict::Changed, String::new()),
                    }
                } else if absent(&na) && !absent(&nb) && fixed {
                    // Evidence of the failure, gone with it.
                    (Verdict::Expected, "gone: the probe passes now".into())
                } else if absent(&na) && !absent(&nb) {
                    (Verdict::Unexpected, "gone".into())
                } else {
                    (Verdict::Changed, String::new())
                };
                changes.push(Change {
                    what,
                    before,
                    after,
                    verdict,
                    note,
                });
            } else if is_progress_crumb(&ctx) && !absent(&na) {
                changes.push(Change {
                    what,
                    before,
                    after,
                    verdict: Verdict::Unexpected,
                    note: "did not advance: no completed cycle since the run started".into(),
                });
            } else if let Some(r) = restart {
                // The same PID after a restart step: the restart did not happen (or did not
                // take). The observed value counts when the probe is about a PID (a "main
                // PID" command); evidence only by its own label, so an unchanged argv of
                // that command is not a PID.
                let about_pid = if what == "observed" {
                    is_pid(&context)
                } else {
                    is_pid(&what)
                };
                if about_pid && !absent(&na) && super::verify::pid_of(&na).is_some() {
                    changes.push(Change {
                        what,
                        before,
                        after,
                        verdict: Verdict::Unexpected,
                        note: format!(
                            "same PID although step {} ({}) restarted the process",
                            r.step, r.title
                        ),
                    });
                }
            }
        }
    }
    let failing = |r: Option<&ProbeResult>| {
        r.is_some_and(|r| matches!(r.status, Status::Fail | Status::Error))
    };
    ProbeDiff {
        still_failing: failing(b) && failing(a),
        id: id.to_string(),
        title,
        before: b.map(|r| r.status),
        after: a.map(|r| r.status),
        changes,
    }
}

/// Badness of a status for "got worse" (skipped says nothing, so it ranks with pass).
fn rank(s: Status) -> u8 {
    match s {
        Status::Pass | Status::Skipped => 0,
        Status::Warn => 1,
        Status::Fail => 2,
        Status::Error => 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::result::{Evidence, TargetRef};

    fn result(id: &str, status: Status, evidence: &[(&str, &str)]) -> ProbeResult {
        ProbeResult {
            id: id.into(),
            page: "ops/D.md".into(),
            check: "enforcer.breadcrumbs".into(),
            title: id.into(),
            status,
            summary: "s".into(),
            expected: None,
            observed: None,
            evidence: evidence
                .iter()
                .map(|(l, v)| Evidence {
                    label: (*l).into(),
                    value: (*v).into(),
                })
                .collect(),
            hint: None,
            duration_ms: 1.0,
            checked_at: "2026-11-25T18:00:00Z".into(),
            target: TargetRef {
                name: "default".into(),
                url: "redis://127.0.0.1:6379/1".into(),
            },
        }
    }

    const RESTART: Restart<'static> = Restart {
        step: 2,
        title: "Restart the enforcer",
    };

    #[test]
    fn the_same_pid_across_a_restart_step_is_unexpected_and_unchanged_without_one() {
        let b = result(
            "crumbs",
            Status::Pass,
            &[("bisk:1:enforcer:running_pid", "100 · TTL none")],
        );
        let a = b.clone();
        let d = &compare(
            std::slice::from_ref(&b),
            std::slice::from_ref(&a),
            Some(RESTART),
        )[0];
        assert_eq!(d.changes.len(), 1, "{:?}", d.changes);
        assert_eq!(d.changes[0].verdict, Verdict::Unexpected);
        assert!(
            d.changes[0].note.contains("step 2"),
            "{}",
            d.changes[0].note
        );
        let d = &compare(std::slice::from_ref(&b), &[a], None)[0];
        assert!(!d.is_notable(), "{d:?}");
        // A new PID nobody asked for is reported, without the "expected" stamp.
        let mut a = b.clone();
        a.evidence[0].value = "200 · TTL none".into();
        let d = &compare(&[b], &[a], None)[0];
        assert_eq!(d.changes[0].verdict, Verdict::Changed);
    }

    #[test]
    fn failing_before_and_after_is_still_failing_and_ages_alone_are_not_listed() {
        let b = result("p", Status::Fail, &[("age", "last seen 3 min ago")]);
        let mut a = b.clone();
        a.evidence[0].value = "last seen 10 min ago".into();
        a.observed = Some("x".into());
        let mut b2 = b.clone();
        b2.observed = Some("x".into());
        let d = &compare(&[b2], &[a], None)[0];
        assert!(d.changes.is_empty(), "{:?}", d.changes);
        assert!(d.still_failing);
        let ok = result("q", Status::Pass, &[("age", "3 min ago")]);
        let mut later = ok.clone();
        later.evidence[0].value = "10 min ago".into();
        let d = &compare(&[ok], &[later], None)[0];
        assert!(!d.is_notable(), "{d:?}");
    }

    #[test]
    fn ages_are_ignored_pids_expected_and_stuck_breadcrumbs_flagged() {
        assert_eq!(
            without_age("2026-11-25 17:00:00 UTC, 2 h 5 min ago · TTL none"),
            "2026-11-25 17:00:00 UTC, … · TTL none"
        );
        assert_eq!(without_age("last run 30 s ago, in 2 min"), "last run …, …");
        let b = result(
            "crumbs",
            Status::Pass,
            &[
                (
                    "bisk:1:enforcer:last_ok",
                    "2026-11-25 17:00:00 UTC, 1 min ago · TTL none",
                ),
                (
                    "bisk:1:enforcer:last_run",
                    "2026-11-25 17:00:00 UTC, 1 min ago · TTL none",
                ),
                ("bisk:1:enforcer:running_pid", "100 · TTL none"),
                ("round trip (MGET + 4×TTL + EXISTS)", "0.3 ms"),
            ],
        );
        let a = result(
            "crumbs",
            Status::Warn,
            &[
                (
                    "bisk:1:enforcer:last_ok",
                    "2026-11-25 17:00:00 UTC, 9 min ago · TTL none",
                ),
                (
                    "bisk:1:enforcer:last_run",
                    "2026-11-25 17:08:00 UTC, 1 min ago · TTL none",
                ),
                ("bisk:1:enforcer:running_pid", "200 · TTL none"),
                ("round trip (MGET + 4×TTL + EXISTS)", "0.5 ms"),
            ],
        );
        let d = &compare(&[b], &[a], Some(RESTART))[0];
        let find = |w: &str| d.changes.iter().find(|c| c.what.ends_with(w)).unwrap();
        assert_eq!(find("status").verdict, Verdict::Unexpected);
        assert_eq!(find("last_ok").verdict, Verdict::Unexpected);
        assert!(find("last_ok").note.contains("did not advance"));
        assert_eq!(find("last_run").verdict, Verdict::Expected);
        assert_eq!(find("running_pid").verdict, Verdict::Expected);
        assert!(!d.changes.iter().any(|c| c.what.contains("round trip")));
        assert_eq!(d.verdict(), Some(Verdict::Unexpected));
    }

    #[test]
    fn a_main_pid_command_that_changed_is_an_expected_restart() {
        let mut b = result(
            "deploy-enforcer-mainpid",
            Status::Pass,
            &[
                ("argv", "systemctl show --property MainPID"),
                ("stdout", "100"),
                ("time", "3.1 ms"),
            ],
        );
        b.title = "The enforcer has a main PID".into();
        let mut a = b.clone();
        a.evidence[1].value = "200".into();
        a.evidence[2].value = "2.2 ms".into();
        let d = &compare(&[b], &[a], Some(RESTART))[0];
        assert_eq!(d.changes.len(), 1, "{:?}", d.changes);
        assert_eq!(d.changes[0].what, "stdout");
        assert_eq!(d.changes[0].verdict, Verdict::Expected);
        assert!(d.changes[0].note.contains("new PID"));
    }
}
