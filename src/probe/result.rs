//! The result of one probe run: the shape shared by `check --format json`, `build
//! --snapshot`, the HTTP API and the runbook log.

use serde::{Deserialize, Serialize};

/// How a probe ended. Ordered from best to worst for aggregation (skipped sorts first
/// because it says nothing about the system).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Skipped,
    Pass,
    Warn,
    Fail,
    /// The check could not be judged (connection refused, timeout, bad config…).
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Error => "error",
            Status::Skipped => "skipped",
        }
    }

    /// Upper-case word for tables and chips.
    pub fn word(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
            Status::Error => "ERROR",
            Status::Skipped => "SKIPPED",
        }
    }

    /// A glyph that carries the status without colour.
    pub fn icon(self) -> &'static str {
        match self {
            Status::Pass => "✔",
            Status::Warn => "⚠",
            Status::Fail => "✖",
            Status::Error => "⁉",
            Status::Skipped => "–",
        }
    }
}

/// One labelled fact behind a verdict: an exact key name, a raw TTL, a latency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub label: String,
    pub value: String,
}

/// Where the guide explains the fix. `link` is docs-relative: `ops/REDIS_CACHE.md#troubleshooting-b`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hint {
    pub text: String,
    pub link: Option<String>,
}

/// The target a probe ran against; `url` is always redacted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetRef {
    pub name: String,
    pub url: String,
}

/// One probe's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeResult {
    pub id: String,
    /// Docs-relative page path with `/` separators.
    pub page: String,
    pub check: String,
    pub title: String,
    pub status: Status,
    /// One line a person reads first.
    pub summary: String,
    pub expected: Option<String>,
    /// For cache reads: the decoded value as a person reads it.
    pub observed: Option<String>,
    pub evidence: Vec<Evidence>,
    /// Present on anything but pass.
    pub hint: Option<Hint>,
    pub duration_ms: f64,
    /// RFC 3339, UTC.
    pub checked_at: String,
    pub target: TargetRef,
}

/// What a check decides; the runner adds identity, timing and target.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: Status,
    pub summary: String,
    pub expected: Option<String>,
    pub observed: Option<String>,
    pub evidence: Vec<Evidence>,
    pub hint: Option<Hint>,
}

impl Outcome {
    pub fn new(status: Status, summary: impl Into<String>) -> Self {
        Outcome {
            status,
            summary: bound(&summary.into(), 400),
            expected: None,
            observed: None,
            evidence: Vec::new(),
            hint: None,
        }
    }
    pub fn pass(summary: impl Into<String>) -> Self {
        Outcome::new(Status::Pass, summary)
    }
    pub fn skipped(reason: impl Into<String>) -> Self {
        Outcome::new(Status::Skipped, reason)
    }
    pub fn expected(mut self, v: impl Into<String>) -> Self {
        self.expected = Some(v.into());
        self
    }
    pub fn observed(mut self, v: impl Into<String>) -> Self {
        self.observed = Some(bound(&v.into(), 2000));
        self
    }
    pub fn evidence(mut self, label: impl Into<String>, value: impl Into<String>) -> Self {
        self.evidence.push(Evidence {
            label: label.into(),
            value: bound(&value.into(), 2000),
        });
        self
    }
    pub fn hint(mut self, hint: Option<Hint>) -> Self {
        if hint.is_some() {
            self.hint = hint;
        }
        self
    }
}

// `bound` moved to the lowest floor (`django` uses it too); kept here for existing callers.
pub use crate::text::bound;

/// Summary counts of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub total: usize,
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub error: usize,
    pub skipped: usize,
}

impl Tally {
    pub fn of(results: &[ProbeResult]) -> Tally {
        let mut t = Tally {
            total: results.len(),
            ..Tally::default()
        };
        for r in results {
            match r.status {
                Status::Pass => t.pass += 1,
                Status::Warn => t.warn += 1,
                Status::Fail => t.fail += 1,
                Status::Error => t.error += 1,
                Status::Skipped => t.skipped += 1,
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_serialises_as_word() {
        assert_eq!(
            serde_json::to_string(&Status::Skipped).unwrap(),
            "\"skipped\""
        );
        assert!(Status::Error > Status::Fail && Status::Warn > Status::Pass);
    }
}
