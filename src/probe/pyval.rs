//! The one place probes touch the Django dialect (`crate::django`): key names, decoding,
//! encoding, and showing values and datetimes the way a person reads them.

use crate::config::RedisTarget;
use crate::django::{self, PyValue, value::PyDateTime};

/// `<prefix>:<version>:<key>`, exactly as Django builds it.
pub fn key(target: &RedisTarget, key: &str) -> String {
    django::key::make_key(&target.key_prefix, target.version, key)
}

/// Why a stored value was not decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undecoded {
    /// Safe to show: bounded, and says which bound when it is one.
    pub message: String,
    /// Django reads the value; only the probe's decoding bounds decline it (see
    /// [`django::DecodeError::is_bound`]). The key is present and not broken.
    pub too_large: bool,
}

impl std::fmt::Display for Undecoded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Decodes a stored value within [`django::Limits::default`] (values up to tens of MB).
pub fn decode(bytes: &[u8]) -> Result<PyValue, Undecoded> {
    django::decode(bytes).map_err(|e| Undecoded {
        message: super::result::bound(&e.to_string(), 300),
        too_large: e.is_bound(),
    })
}

/// Decodes a value the way FileBasedCache and DatabaseCache read it: `pickle.loads` only
/// (those backends never store an int as text).
pub fn decode_pickle(bytes: &[u8]) -> Result<PyValue, Undecoded> {
    let limits = django::Limits::default();
    django::decode_pickle(bytes, &limits).map_err(|e| {
        // A value that does not even start like a pickle was written around the cache API:
        // say so plainly rather than with an opcode-level error.
        let e = match (bytes.first(), e.is_bound()) {
            (Some(0x80), _) | (_, true) => e,
            _ => django::DecodeError::NotDjangoValue {
                preview: PyValue::Bytes(bytes[..bytes.len().min(24)].to_vec()).to_display(),
            },
        };
        Undecoded {
            message: super::result::bound(&e.to_string(), 300),
            too_large: e.is_bound(),
        }
    })
}

/// [`decode_pickle`] for the first part of a value `total` bytes long.
pub fn decode_pickle_prefix(bytes: &[u8], total: usize) -> Result<PyValue, Undecoded> {
    if total > bytes.len() {
        let e = django::DecodeError::TooLarge {
            size: total,
            limit: max_value_bytes(),
        };
        return Err(Undecoded {
            message: e.to_string(),
            too_large: true,
        });
    }
    decode_pickle(bytes)
}

/// `pickle.dumps(value, 5)`, as FileBasedCache and DatabaseCache store every value.
pub fn pickle(value: &PyValue) -> Result<Vec<u8>, String> {
    django::encode::pickle(value).map_err(|e| e.to_string())
}

/// The most bytes of a stored value a probe fetches and decodes.
pub fn max_value_bytes() -> usize {
    django::Limits::default().max_input_bytes
}

/// [`decode`] for `bytes`, the first part of a stored value `total` bytes long (probes
/// fetch at most [`max_value_bytes`]).
pub fn decode_prefix(bytes: &[u8], total: usize) -> Result<PyValue, Undecoded> {
    if total > bytes.len() {
        let e = django::DecodeError::TooLarge {
            size: total,
            limit: max_value_bytes(),
        };
        return Err(Undecoded {
            message: e.to_string(),
            too_large: true,
        });
    }
    decode(bytes)
}

/// Encodes a value as Django's RedisCache would store it.
pub fn encode(value: &PyValue) -> Result<Vec<u8>, String> {
    django::encode::encode(value).map_err(|e| e.to_string())
}

/// How a person reads the value (Python-like), bounded.
pub fn display(value: &PyValue) -> String {
    super::result::bound(&value.to_display(), 500)
}

/// The instant of an aware datetime; `None` for naive or unresolvable ones.
pub fn timestamp(dt: &PyDateTime) -> Option<jiff::Timestamp> {
    dt.to_timestamp()
}

/// A naive datetime read as UTC wall time (Django with USE_TZ=False writes local time;
/// the probe says so rather than guessing the zone).
pub fn naive_as_utc(dt: &PyDateTime) -> Option<jiff::Timestamp> {
    jiff::tz::TimeZone::UTC.to_timestamp(dt.civil()?).ok()
}

/// "2025-01-02 03:04:05 UTC, 12 min ago" (and "naive" flagged) for datetimes.
pub fn describe(dt: &PyDateTime, now: jiff::Timestamp) -> String {
    django::time::describe_instant(dt, now)
}

/// An instant carried by a value: an aware datetime, a naive one (flagged), or an ISO
/// 8601 string (some apps store `isoformat()`).
pub struct Instant {
    pub at: jiff::Timestamp,
    pub shown: String,
    pub naive: bool,
}

pub fn instant_of(value: &PyValue, now: jiff::Timestamp) -> Option<Instant> {
    match value {
        PyValue::DateTime(dt) => {
            if dt.tz.is_none() {
                let at = naive_as_utc(dt)?;
                Some(Instant {
                    at,
                    shown: format!(
                        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}, {} (naive, no time zone; read as UTC)",
                        dt.year,
                        dt.month,
                        dt.day,
                        dt.hour,
                        dt.minute,
                        dt.second,
                        age_words(now.duration_since(at))
                    ),
                    naive: true,
                })
            } else {
                Some(Instant {
                    at: timestamp(dt)?,
                    shown: describe(dt, now),
                    naive: false,
                })
            }
        }
        PyValue::Str(s) if s.len() <= 64 => iso_instant(s.trim(), now),
        _ => None,
    }
}

/// An ISO-8601 string (`isoformat()` or `str()` of a datetime). One without an offset is
/// read like a naive datetime: as UTC, and flagged, so both spellings of a time agree.
fn iso_instant(s: &str, now: jiff::Timestamp) -> Option<Instant> {
    let (at, naive) = match s.parse::<jiff::Timestamp>() {
        Ok(at) => (at, false),
        Err(_) => {
            let civil: jiff::civil::DateTime = s.parse().ok()?;
            (jiff::tz::TimeZone::UTC.to_timestamp(civil).ok()?, true)
        }
    };
    let how = if naive {
        "ISO string without offset, read as UTC: "
    } else {
        "ISO string "
    };
    // The age right after the time: a bounded summary keeps it.
    Some(Instant {
        at,
        shown: format!(
            "{}, {} ({how}'{s}')",
            at.strftime("%Y-%m-%d %H:%M:%S UTC"),
            age_words(now.duration_since(at))
        ),
        naive,
    })
}

/// How far ahead of this host's clock a time may be before it counts as "in the future":
/// room for ordinary clock drift between the writer's host and this one.
pub const CLOCK_SKEW: jiff::SignedDuration = jiff::SignedDuration::from_secs(300);

/// Where an instant stands against a freshness limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Freshness {
    /// No older than the limit (and at most [`CLOCK_SKEW`] ahead).
    Fresh,
    /// Older than the limit.
    Old,
    /// More than [`CLOCK_SKEW`] ahead of this host's clock.
    Future,
}

/// Classifies the age `now - at` against `limit` (ages exactly at the limit are fresh).
pub fn freshness(
    at: jiff::Timestamp,
    now: jiff::Timestamp,
    limit: std::time::Duration,
) -> Freshness {
    let age = now.duration_since(at);
    if age < -CLOCK_SKEW {
        Freshness::Future
    } else if age.as_secs() > i64::try_from(limit.as_secs()).unwrap_or(i64::MAX) {
        Freshness::Old
    } else {
        Freshness::Fresh
    }
}

/// The words for a time beyond the skew allowance, shared by every check with `max_age`.
pub fn future_words(age: jiff::SignedDuration) -> String {
    format!(
        "{} in the future: check the clocks or the time zone",
        django::time::human_duration(-age.as_secs())
    )
}

/// "12 min ago", "3 h 5 min ago", "in 2 min" (the decoder's wording, so ages read alike).
pub fn age_words(age: jiff::SignedDuration) -> String {
    let secs = age.as_secs();
    if secs < 0 {
        format!("in {}", django::time::human_duration(-secs))
    } else {
        format!("{} ago", django::time::human_duration(secs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> jiff::Timestamp {
        "2026-01-02T03:04:05Z".parse().unwrap()
    }

    #[test]
    fn iso_without_offset_reads_as_naive_utc() {
        // Regression: before, only strings with an offset were times ("not a datetime").
        for s in ["2026-01-02T02:04:05.000000", "2026-01-02 02:04:05"] {
            let i = instant_of(&PyValue::Str(s.into()), now()).expect(s);
            assert!(i.naive, "{s}");
            assert_eq!(now().duration_since(i.at).as_secs(), 3600, "{s}");
            assert!(i.shown.contains("read as UTC"), "{}", i.shown);
        }
        let aware = instant_of(&PyValue::Str("2026-01-02T04:04:05+02:00".into()), now()).unwrap();
        assert!(!aware.naive);
        assert_eq!(now().duration_since(aware.at).as_secs(), 3600);
        assert!(instant_of(&PyValue::Str("yesterday".into()), now()).is_none());
    }

    #[test]
    fn freshness_has_a_skew_allowance_and_a_limit() {
        let limit = std::time::Duration::from_secs(900);
        let at = |secs_ago: i64| now() - jiff::SignedDuration::from_secs(secs_ago);
        assert_eq!(freshness(at(900), now(), limit), Freshness::Fresh);
        assert_eq!(freshness(at(901), now(), limit), Freshness::Old);
        assert_eq!(freshness(at(-300), now(), limit), Freshness::Fresh);
        assert_eq!(freshness(at(-301), now(), limit), Freshness::Future);
        assert_eq!(
            future_words(jiff::SignedDuration::from_secs(-30 * 86_400)),
            "30 days in the future: check the clocks or the time zone"
        );
    }
}
