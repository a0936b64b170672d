//! A page's health at a glance, for the sidebar dot: the worst current status of its probes,
//! a sentence that says the same for screen readers ("3 probes: 1 failing"), and when its
//! oldest result was checked (the dot is only as current as that: the page counts its age
//! and greys it once it is older than two probe intervals).

use serde::Serialize;

use crate::probe::Status;

/// The worst judged status of a page's probes, with its text alternative.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageHealth {
    pub worst: Status,
    pub label: String,
    /// RFC 3339: the oldest `checked_at` of the results behind `worst` and `label`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checked_at: Option<String>,
}

/// The worst judged status (skipped says nothing about the system).
pub fn worst(statuses: impl Iterator<Item = Status>) -> Status {
    statuses
        .filter(|s| *s != Status::Skipped)
        .max()
        .unwrap_or(Status::Skipped)
}

impl PageHealth {
    /// A page that declares `declared` probes, of which these have a result. `None` when
    /// nothing has been checked yet: no dot rather than a guess.
    pub fn of(declared: usize, statuses: &[Status]) -> Option<PageHealth> {
        if statuses.is_empty() {
            return None;
        }
        let count = |s: Status| statuses.iter().filter(|x| **x == s).count();
        let mut parts = Vec::new();
        for (status, word) in [
            (Status::Fail, "failing"),
            (Status::Error, "could not be judged"),
            (Status::Warn, "warning"),
            (Status::Skipped, "skipped"),
        ] {
            let n = count(status);
            if n > 0 {
                parts.push(format!("{n} {word}"));
            }
        }
        let unchecked = declared.saturating_sub(statuses.len());
        if unchecked > 0 {
            parts.push(format!("{unchecked} not checked yet"));
        }
        if parts.is_empty() {
            parts.push(
                if declared == 1 {
                    "passing"
                } else {
                    "all passing"
                }
                .to_string(),
            );
        }
        let noun = if declared == 1 { "probe" } else { "probes" };
        Some(PageHealth {
            worst: worst(statuses.iter().copied()),
            label: format!("{declared} {noun}: {}", parts.join(", ")),
            checked_at: None,
        })
    }

    /// The same health, dated by the oldest of its results' `checked_at` times (RFC 3339;
    /// a time that does not parse is ignored rather than guessed).
    pub fn checked<'a>(mut self, times: impl IntoIterator<Item = &'a str>) -> PageHealth {
        self.checked_at = times
            .into_iter()
            .filter_map(|t| t.parse::<jiff::Timestamp>().ok().map(|ts| (ts, t)))
            .min_by_key(|(ts, _)| *ts)
            .map(|(_, t)| t.to_string());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_names_what_is_wrong_and_worst_ignores_skipped() {
        let h = PageHealth::of(3, &[Status::Pass, Status::Fail, Status::Pass]).unwrap();
        assert_eq!(h.worst, Status::Fail);
        assert_eq!(h.label, "3 probes: 1 failing");
        let h = PageHealth::of(1, &[Status::Pass]).unwrap();
        assert_eq!(h.label, "1 probe: passing");
        let h = PageHealth::of(4, &[Status::Skipped, Status::Pass, Status::Error]).unwrap();
        assert_eq!(h.worst, Status::Error);
        assert_eq!(
            h.label,
            "4 probes: 1 could not be judged, 1 skipped, 1 not checked yet"
        );
        assert_eq!(
            PageHealth::of(2, &[Status::Skipped]).unwrap().worst,
            Status::Skipped
        );
        assert_eq!(PageHealth::of(2, &[]), None);
    }

    #[test]
    fn checked_is_the_oldest_time() {
        let h = PageHealth::of(3, &[Status::Pass; 3]).unwrap().checked([
            "2026-12-07T18:02:05.5Z",
            "2026-12-07T18:02:04.25Z",
            "not a time",
        ]);
        assert_eq!(h.checked_at.as_deref(), Some("2026-12-07T18:02:04.25Z"));
        let h = PageHealth::of(1, &[Status::Pass]).unwrap().checked([]);
        assert_eq!(h.checked_at, None);
    }
}
