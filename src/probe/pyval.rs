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
    let civil = jiff::civil::DateTime::new(
        i16::try_from(dt.year).ok()?,
        i8::try_from(dt.month).ok()?,
        i8::try_from(dt.day).ok()?,
        i8::try_from(dt.hour).ok()?,
        i8::try_from(dt.minute).ok()?,
        i8::try_from(dt.second).ok()?,
        i32::try_from(dt.microsecond).ok()?.checked_mul(1000)?,
    )
    .ok()?;
    jiff::tz::TimeZone::UTC.to_timestamp(civil).ok()
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
                        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} (naive, no time zone; read as UTC), {}",
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
        PyValue::Str(s) if s.len() <= 64 => {
            let at: jiff::Timestamp = s.trim().parse().ok()?;
            Some(Instant {
                at,
                shown: format!(
                    "{} (stored as the string '{}'), {}",
                    at.strftime("%Y-%m-%d %H:%M:%S UTC"),
                    s,
                    age_words(now.duration_since(at))
                ),
                naive: false,
            })
        }
        _ => None,
    }
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
