//! Times as people read them on the theme's pages: "12 min ago", with the exact UTC time for
//! the tooltip and the ISO form for `<time datetime>` (which the theme's script keeps fresh).

use serde::Serialize;

/// One moment, ready for a template: `<time datetime="{{ iso }}" title="{{ exact }}">{{ ago }}</time>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct When {
    pub iso: String,
    /// `2026-11-28 10:12:03 UTC`.
    pub exact: String,
    /// `12 min ago`, `in 3 min` (a clock ahead), or the text as stored when it is not a time.
    pub ago: String,
}

impl When {
    /// `iso` (RFC 3339, as the run logs and probe results store times) relative to `now`.
    pub fn at(iso: &str, now: jiff::Timestamp) -> When {
        match iso.parse::<jiff::Timestamp>() {
            Ok(t) => When {
                iso: iso.to_string(),
                exact: t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(),
                ago: ago(t, now),
            },
            Err(_) => When {
                iso: String::new(),
                exact: iso.to_string(),
                ago: iso.to_string(),
            },
        }
    }

    pub fn now_at(iso: &str) -> When {
        When::at(iso, jiff::Timestamp::now())
    }
}

/// A duration between two moments in the largest unit that reads naturally.
pub fn ago(t: jiff::Timestamp, now: jiff::Timestamp) -> String {
    let secs = now.as_second() - t.as_second();
    let (n, future) = if secs < 0 {
        (-secs, true)
    } else {
        (secs, false)
    };
    let text = if n < 5 {
        return "just now".into();
    } else if n < 60 {
        format!("{n} s")
    } else if n < 3600 {
        format!("{} min", n / 60)
    } else if n < 48 * 3600 {
        format!("{} h", n / 3600)
    } else {
        format!("{} days", n / 86400)
    };
    if future {
        format!("in {text}")
    } else {
        format!("{text} ago")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_like_a_person_says_it() {
        let now: jiff::Timestamp = "2026-11-28T10:00:00Z".parse().unwrap();
        let at = |s: &str| When::at(s, now);
        assert_eq!(at("2026-11-28T10:00:00Z").ago, "just now");
        assert_eq!(at("2026-11-28T09:59:30Z").ago, "30 s ago");
        assert_eq!(at("2026-11-28T09:48:00Z").ago, "12 min ago");
        assert_eq!(at("2026-11-28T07:00:00.123Z").ago, "3 h ago");
        assert_eq!(at("2026-11-25T10:00:00Z").ago, "3 days ago");
        assert_eq!(at("2026-11-28T10:03:00Z").ago, "in 3 min");
        assert_eq!(at("2026-11-28T09:48:00Z").exact, "2026-11-28 09:48:00 UTC");
        let bad = at("yesterday");
        assert_eq!((bad.ago.as_str(), bad.iso.as_str()), ("yesterday", ""));
    }
}
