//! Results that went wrong for the same reason, together: when Redis is down, 22 probes
//! error with the same summary and hint, and every surface (`check`'s text, `/status/`)
//! says it once, with the affected probes under it, instead of 22 times.

use crate::probe::result::{Hint, ProbeResult, Status};

/// One cause: the status, summary and hint its results share, and those results in the
/// order they were given.
#[derive(Debug)]
pub struct Cause<'a> {
    pub status: Status,
    pub summary: &'a str,
    pub hint: Option<&'a Hint>,
    pub results: Vec<&'a ProbeResult>,
}

/// `results` grouped by cause (same status, summary, hint text and hint link), in the order
/// each cause first appears. Callers choose which results to pass (`check` passes its
/// errors, `/status/` its failures and errors) and what to do with one-result causes.
pub fn by_cause<'a>(results: impl IntoIterator<Item = &'a ProbeResult>) -> Vec<Cause<'a>> {
    let mut causes: Vec<Cause<'a>> = Vec::new();
    for r in results {
        let hint = r.hint.as_ref();
        match causes
            .iter_mut()
            .find(|c| c.status == r.status && c.summary == r.summary && c.hint == hint)
        {
            Some(c) => c.results.push(r),
            None => causes.push(Cause {
                status: r.status,
                summary: &r.summary,
                hint,
                results: vec![r],
            }),
        }
    }
    causes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(id: &str, status: Status, summary: &str, hint: Option<&str>) -> ProbeResult {
        let mut r: ProbeResult = serde_json::from_value(serde_json::json!({
            "id": id, "page": "ops/REDIS.md", "check": "redis.ping", "title": id,
            "status": "pass", "summary": summary, "evidence": [], "duration_ms": 1.0,
            "checked_at": "2026-12-07T18:02:00Z",
            "target": {"name": "default", "url": "redis://127.0.0.1:6379/1"}
        }))
        .expect("a result");
        r.status = status;
        r.hint = hint.map(|t| Hint {
            text: t.into(),
            link: None,
        });
        r
    }

    #[test]
    fn same_summary_and_hint_make_one_cause_other_differences_do_not() {
        let down = "cannot connect to redis://127.0.0.1:6379 (connection refused)";
        let rs = [
            result("a", Status::Error, down, Some("Start Redis.")),
            result("b", Status::Fail, "stale", None),
            result("c", Status::Error, down, Some("Start Redis.")),
            // Same words, another hint: another cause.
            result("d", Status::Error, down, Some("Check the URL.")),
            // Same words, another status: another cause.
            result("e", Status::Fail, down, Some("Start Redis.")),
        ];
        let causes = by_cause(&rs);
        let ids: Vec<Vec<&str>> = causes
            .iter()
            .map(|c| c.results.iter().map(|r| r.id.as_str()).collect())
            .collect();
        assert_eq!(ids, [vec!["a", "c"], vec!["b"], vec!["d"], vec!["e"]]);
        assert_eq!(causes[0].summary, down);
        assert_eq!(
            causes[0].hint.map(|h| h.text.as_str()),
            Some("Start Redis.")
        );
        assert_eq!(causes[1].status, Status::Fail);
    }
}
