//! Turning a stored `datetime` into an instant and into words ("12 min ago").
//!
//! The pickle carries the *wall-clock* fields plus the zone; the instant is wall time minus
//! the zone's offset at that wall time. For named zones (ZoneInfo, static pytz zones) the
//! offset comes from jiff's tz database, with Python's `fold` choosing between the two
//! readings of an ambiguous or skipped wall time (PEP 495: fold=0 → the offset in force
//! before the transition, fold=1 → after).

use jiff::Timestamp;
use jiff::civil;
use jiff::tz::{AmbiguousOffset, Offset, TimeZone};

use super::value::{PyDateTime, PyTz};

impl PyDateTime {
    /// An aware datetime in `datetime.timezone.utc` for an instant (what Django's
    /// `timezone.now()` produces), truncated to microseconds as Python stores it.
    pub fn from_timestamp_utc(ts: Timestamp) -> PyDateTime {
        let civil = Offset::UTC.to_datetime(ts);
        PyDateTime {
            year: i32::from(civil.year()),
            month: civil.month() as u8,
            day: civil.day() as u8,
            hour: civil.hour() as u8,
            minute: civil.minute() as u8,
            second: civil.second() as u8,
            microsecond: (civil.subsec_nanosecond() / 1000) as u32,
            fold: false,
            tz: Some(PyTz::Fixed {
                offset_seconds: 0,
                name: None,
            }),
        }
    }

    /// The wall-clock fields as a civil datetime (microsecond precision); `None` only for
    /// field values Python itself would reject.
    pub fn civil(&self) -> Option<civil::DateTime> {
        civil::DateTime::new(
            i16::try_from(self.year).ok()?,
            i8::try_from(self.month).ok()?,
            i8::try_from(self.day).ok()?,
            i8::try_from(self.hour).ok()?,
            i8::try_from(self.minute).ok()?,
            i8::try_from(self.second).ok()?,
            i32::try_from(self.microsecond).ok()?.checked_mul(1000)?,
        )
        .ok()
    }

    /// The UTC offset in force at this wall time, in seconds: `None` for naive datetimes,
    /// zones unknown to this system's tz database, and tzinfo classes we do not model.
    pub fn utc_offset_seconds(&self) -> Option<i64> {
        match self.tz.as_ref()? {
            PyTz::Fixed { offset_seconds, .. } => Some(*offset_seconds),
            // Not whole seconds: [`PyDateTime::to_timestamp`] takes the microseconds.
            PyTz::FixedMicros { .. } => None,
            PyTz::Pytz {
                utcoffset_seconds, ..
            } => Some(*utcoffset_seconds),
            PyTz::PytzUtc => Some(0),
            PyTz::ZoneInfo { key } => self.named_zone_offset(key),
            PyTz::PytzStatic { zone } => self.named_zone_offset(zone),
            PyTz::Other { .. } => None,
        }
    }

    fn named_zone_offset(&self, name: &str) -> Option<i64> {
        let tz = lookup_zone(name)?;
        let offset = match tz.to_ambiguous_timestamp(self.civil()?).offset() {
            AmbiguousOffset::Unambiguous { offset } => offset,
            AmbiguousOffset::Gap { before, after } | AmbiguousOffset::Fold { before, after } => {
                if self.fold {
                    after
                } else {
                    before
                }
            }
        };
        Some(i64::from(offset.seconds()))
    }

    /// The instant this datetime denotes; `None` when it is naive or its offset is unknown.
    pub fn to_timestamp(&self) -> Option<Timestamp> {
        if let Some(PyTz::FixedMicros {
            offset_microseconds,
            ..
        }) = &self.tz
        {
            return instant_with_offset(self.civil()?, *offset_microseconds);
        }
        let offset = Offset::from_seconds(i32::try_from(self.utc_offset_seconds()?).ok()?).ok()?;
        offset.to_timestamp(self.civil()?).ok()
    }

    /// A short name for the zone as a person would say it: `UTC`, `Europe/Paris`,
    /// `UTC+05:30`; `None` for naive datetimes.
    pub fn zone_label(&self) -> Option<String> {
        Some(match self.tz.as_ref()? {
            PyTz::Fixed {
                offset_seconds: 0,
                name: None,
            }
            | PyTz::PytzUtc => "UTC".to_string(),
            PyTz::Fixed {
                name: Some(name), ..
            } => name.clone(),
            PyTz::Fixed { offset_seconds, .. } => format!("UTC{}", format_offset(*offset_seconds)),
            PyTz::FixedMicros {
                name: Some(name), ..
            } => name.clone(),
            PyTz::FixedMicros {
                offset_microseconds,
                ..
            } => format!("UTC{}", format_offset_micros(*offset_microseconds)),
            PyTz::ZoneInfo { key } => key.clone(),
            PyTz::Pytz { zone, tzname, .. } => format!("{zone} {tzname}"),
            PyTz::PytzStatic { zone } => zone.clone(),
            PyTz::Other { class } => format!("tzinfo {class}"),
        })
    }
}

/// A zone from the tz database, refusing names that are not plain IANA identifiers (the key
/// comes from an untrusted cache value and must not steer a file lookup).
fn lookup_zone(name: &str) -> Option<TimeZone> {
    let plausible = !name.is_empty()
        && name.len() <= 64
        && name.split('/').all(|part| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+' | b'.'))
        });
    if !plausible {
        return None;
    }
    TimeZone::get(name).ok()
}

/// `+05:30`, `-03:00`, `+00:00`, with seconds when there are any (`+00:09:21`), as Python's
/// `isoformat` writes offsets.
pub fn format_offset(offset_seconds: i64) -> String {
    let sign = if offset_seconds < 0 { '-' } else { '+' };
    let abs = offset_seconds.unsigned_abs();
    let (h, m, s) = (abs / 3600, abs / 60 % 60, abs % 60);
    if s == 0 {
        format!("{sign}{h:02}:{m:02}")
    } else {
        format!("{sign}{h:02}:{m:02}:{s:02}")
    }
}

/// `+05:30:00.123456`: a sub-second offset as Python's `isoformat` writes it.
pub fn format_offset_micros(offset_microseconds: i64) -> String {
    let sign = if offset_microseconds < 0 { '-' } else { '+' };
    let abs = offset_microseconds.unsigned_abs();
    let s = abs / 1_000_000;
    format!(
        "{sign}{:02}:{:02}:{:02}.{:06}",
        s / 3600,
        s / 60 % 60,
        s % 60,
        abs % 1_000_000
    )
}

/// "2025-01-02 03:04:05 UTC, 12 min ago" / "…, in 3 min" / "…, just now"; for a naive value
/// "2025-01-02 03:04:05 (naive, no time zone), age unknown"; for an unknown zone the wall time
/// and zone with "age unknown". The instant is shown in UTC so ages compare across hosts.
pub fn describe_instant(dt: &PyDateTime, now: Timestamp) -> String {
    let wall = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second
    );
    let Some(label) = dt.zone_label() else {
        return format!("{wall} (naive, no time zone), age unknown");
    };
    let Some(instant) = dt.to_timestamp() else {
        return format!("{wall} ({label}, offset unknown on this system), age unknown");
    };
    let utc = instant.strftime("%Y-%m-%d %H:%M:%S UTC");
    let seconds = now.as_second() - instant.as_second();
    let age = if seconds.abs() < 5 {
        "just now".to_string()
    } else if seconds > 0 {
        format!("{} ago", human_duration(seconds))
    } else {
        format!("in {}", human_duration(-seconds))
    };
    let is_utc = dt.utc_offset_seconds() == Some(0) && label == "UTC";
    if is_utc {
        format!("{utc}, {age}")
    } else {
        format!("{utc} ({wall} {label}), {age}")
    }
}

/// How the app's *naive* datetimes map to instants: Django's `USE_TZ` and `TIME_ZONE`.
///
/// With `USE_TZ = True` (Django's default since 5.0) Django writes aware UTC times, and
/// its SQLite backend stores `expires` as UTC text. With `USE_TZ = False` it writes naive
/// wall times in `TIME_ZONE` (Django sets the process's `TZ` to it): `timezone.now()` in
/// breadcrumbs, `datetime.fromtimestamp(t)` in DatabaseCache's `expires`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub enum AppClock {
    /// `USE_TZ = True`, said or Django's default: a naive time is UTC wall time.
    #[default]
    Utc,
    /// `USE_TZ = False`: naive times are wall times in this IANA zone.
    Local(String),
    /// `USE_TZ = False` with no zone bisk-docs can use (`TIME_ZONE = None`: the app
    /// host's own zone): naive times cannot be placed.
    Unknown,
}

impl AppClock {
    /// The clock of `USE_TZ` / `TIME_ZONE` as Django holds them (`None`: not said).
    pub fn of(use_tz: Option<bool>, time_zone: Option<&str>) -> AppClock {
        match (use_tz, time_zone) {
            (Some(false), Some(zone)) if !zone.trim().is_empty() => {
                AppClock::Local(zone.trim().to_string())
            }
            (Some(false), _) => AppClock::Unknown,
            _ => AppClock::Utc,
        }
    }

    /// "USE_TZ = True (UTC)", "USE_TZ = False, TIME_ZONE Asia/Kolkata": for evidence.
    pub fn words(&self) -> String {
        match self {
            AppClock::Utc => "USE_TZ = True: naive times are UTC".into(),
            AppClock::Local(z) => format!("USE_TZ = False: naive times are local to {z}"),
            AppClock::Unknown => {
                "USE_TZ = False, TIME_ZONE unknown: naive times cannot be placed".into()
            }
        }
    }

    /// The instant of a naive wall time; `Err` says why it has none. In a DST fold the
    /// earlier reading is taken, in a gap the later (what Python's fold=0 gives for
    /// `datetime.now()` in most cases; Django itself compares wall times, see
    /// [`AppClock::wall_time`]).
    pub fn naive_instant(&self, civil: civil::DateTime) -> Result<Timestamp, String> {
        match self {
            AppClock::Utc => TimeZone::UTC.to_timestamp(civil).map_err(|e| e.to_string()),
            AppClock::Local(zone) => {
                let tz = lookup_zone(zone).ok_or_else(|| {
                    format!("the time zone {zone:?} is not in this host's tz database")
                })?;
                tz.to_ambiguous_timestamp(civil)
                    .compatible()
                    .map_err(|e| e.to_string())
            }
            AppClock::Unknown => {
                Err("a naive time (USE_TZ = False) in an unknown time zone".to_string())
            }
        }
    }

    /// Now as the app's naive wall clock reads it (what `timezone.now()` returns with
    /// `USE_TZ = False`); `None` when the zone is unknown.
    pub fn wall_time(&self, now: Timestamp) -> Option<civil::DateTime> {
        match self {
            AppClock::Utc => Some(Offset::UTC.to_datetime(now)),
            AppClock::Local(zone) => Some(lookup_zone(zone)?.to_datetime(now)),
            AppClock::Unknown => None,
        }
    }

    /// The label shown after a naive wall time read with this clock.
    pub fn naive_label(&self) -> String {
        match self {
            AppClock::Utc => "naive, no time zone; read as UTC".into(),
            AppClock::Local(z) => format!("naive: USE_TZ = False, {z}"),
            AppClock::Unknown => "naive: USE_TZ = False, time zone unknown".into(),
        }
    }
}

/// Whether `name` is a zone this host's tz database knows (config validation).
pub fn known_zone(name: &str) -> bool {
    lookup_zone(name).is_some()
}

/// A datetime text as Python's `datetime.fromisoformat` (3.11) reads it, which is what
/// Django's `parse_datetime` tries first: `YYYY-MM-DD` or `YYYYMMDD`, any one separator
/// character, `HH[:MM[:SS[.f…]]]` (or without colons), a fraction of any length (kept to
/// microseconds), then `Z` or an offset `±HH[:MM[:SS[.ffffff]]]`, microseconds included.
/// Returns the wall time and the offset in microseconds (`None`: naive).
pub fn parse_isoformat(text: &str) -> Option<(civil::DateTime, Option<i64>)> {
    let b = text.as_bytes();
    let digits = |from: usize, n: usize| -> Option<i64> {
        let part = b.get(from..from + n)?;
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| part.iter().fold(0i64, |a, d| a * 10 + i64::from(d - b'0')))
    };
    // The date: extended or basic.
    let (year, month, day, mut at) = if b.get(4) == Some(&b'-') {
        if b.get(7) != Some(&b'-') {
            return None;
        }
        (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?, 10)
    } else {
        (digits(0, 4)?, digits(4, 2)?, digits(6, 2)?, 8)
    };
    let (mut hour, mut minute, mut second, mut micro): (i64, i64, i64, i64) = (0, 0, 0, 0);
    let mut offset = None;
    if at < b.len() {
        // Any single character separates date and time (Python takes it as it is).
        let sep_len = text[at..].chars().next()?.len_utf8();
        at += sep_len;
        let time_end = b[at..]
            .iter()
            .position(|c| matches!(c, b'Z' | b'+' | b'-'))
            .map_or(b.len(), |p| at + p);
        let time = &text[at..time_end];
        let (hms, frac) = match time.split_once(['.', ',']) {
            Some((hms, frac)) => (hms, Some(frac)),
            None => (time, None),
        };
        let fields: Vec<i64> = if hms.contains(':') {
            hms.split(':').map(two_digits).collect::<Option<_>>()?
        } else {
            if hms.len() % 2 != 0 {
                return None;
            }
            (0..hms.len() / 2)
                .map(|i| two_digits(hms.get(2 * i..2 * i + 2)?))
                .collect::<Option<_>>()?
        };
        match fields.as_slice() {
            [h] => hour = *h,
            [h, m] => (hour, minute) = (*h, *m),
            [h, m, s] => (hour, minute, second) = (*h, *m, *s),
            _ => return None,
        }
        if let Some(frac) = frac {
            if fields.len() != 3 || frac.is_empty() || !frac.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let six: String = frac.chars().chain(std::iter::repeat('0')).take(6).collect();
            micro = six.parse().ok()?;
        }
        if time_end < b.len() {
            offset = Some(parse_offset_micros(&text[time_end..])?);
        }
    }
    let civil = civil::DateTime::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
        i8::try_from(hour).ok()?,
        i8::try_from(minute).ok()?,
        i8::try_from(second).ok()?,
        i32::try_from(micro * 1000).ok()?,
    )
    .ok()?;
    Some((civil, offset))
}

/// `Z`, `+05:30`, `+0530`, `-03`, `+05:30:00.123456`: the offset in microseconds, strictly
/// less than a day as Python requires.
fn parse_offset_micros(text: &str) -> Option<i64> {
    if text == "Z" {
        return Some(0);
    }
    let sign = match text.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let rest = &text[1..];
    let (hms, frac) = match rest.split_once('.') {
        Some((hms, frac)) => (hms, Some(frac)),
        None => (rest, None),
    };
    let fields: Vec<i64> = if hms.contains(':') {
        hms.split(':').map(two_digits).collect::<Option<_>>()?
    } else {
        if hms.is_empty() || hms.len() % 2 != 0 || !hms.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        (0..hms.len() / 2)
            .map(|i| two_digits(hms.get(2 * i..2 * i + 2)?))
            .collect::<Option<_>>()?
    };
    let (h, m, s) = match fields.as_slice() {
        [h] => (*h, 0, 0),
        [h, m] => (*h, *m, 0),
        [h, m, s] => (*h, *m, *s),
        _ => return None,
    };
    if m >= 60 || s >= 60 {
        return None;
    }
    let micro = match frac {
        None => 0,
        Some(f) if fields.len() == 3 && f.len() == 6 && f.bytes().all(|c| c.is_ascii_digit()) => {
            f.parse().ok()?
        }
        Some(_) => return None,
    };
    let total = ((h * 60 + m) * 60 + s) * 1_000_000 + micro;
    (total < 86_400_000_000).then_some(sign * total)
}

fn two_digits(f: &str) -> Option<i64> {
    (f.len() == 2 && f.bytes().all(|c| c.is_ascii_digit()))
        .then(|| f.parse().ok())
        .flatten()
}

/// The instant of a wall time with an offset in microseconds.
pub fn instant_with_offset(civil: civil::DateTime, offset_micros: i64) -> Option<Timestamp> {
    let utc_wall = TimeZone::UTC.to_timestamp(civil).ok()?;
    utc_wall
        .checked_sub(jiff::SignedDuration::from_micros(offset_micros))
        .ok()
}

/// "42 s", "12 min", "3 h 5 min", "2 days 4 h": two units at most, rounded down.
pub fn human_duration(seconds: i64) -> String {
    let s = seconds.max(0);
    let (days, hours, minutes) = (s / 86_400, s / 3600 % 24, s / 60 % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{s} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (1, 0, _) => "1 day".to_string(),
        (d, 0, _) => format!("{d} days"),
        (1, h, _) => format!("1 day {h} h"),
        (d, h, _) => format!("{d} days {h} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(tz: Option<PyTz>, hour: u8, fold: bool) -> PyDateTime {
        PyDateTime {
            year: 2025,
            month: 1,
            day: 2,
            hour,
            minute: 4,
            second: 5,
            microsecond: 678_901,
            fold,
            tz,
        }
    }

    fn utc() -> Option<PyTz> {
        Some(PyTz::Fixed {
            offset_seconds: 0,
            name: None,
        })
    }

    #[test]
    fn fixed_offsets_subtract_from_wall_time() {
        let plus = dt(
            Some(PyTz::Fixed {
                offset_seconds: 19_800,
                name: None,
            }),
            8,
            false,
        );
        let mut plus = plus;
        plus.minute = 34;
        assert_eq!(
            plus.to_timestamp().unwrap().to_string(),
            "2025-01-02T03:04:05.678901Z"
        );
        assert_eq!(dt(None, 3, false).to_timestamp(), None);
    }

    #[test]
    fn zoneinfo_resolves_through_the_tz_database_with_fold() {
        let paris = |hour, fold| PyDateTime {
            year: 2025,
            month: 10,
            day: 26,
            hour,
            minute: 30,
            second: 0,
            microsecond: 0,
            fold,
            tz: Some(PyTz::ZoneInfo {
                key: "Europe/Paris".into(),
            }),
        };
        // 02:30 happens twice on 2025-10-26 in Paris: first at +02:00, then at +01:00.
        assert_eq!(
            paris(2, false).to_timestamp().unwrap().to_string(),
            "2025-10-26T00:30:00Z"
        );
        assert_eq!(
            paris(2, true).to_timestamp().unwrap().to_string(),
            "2025-10-26T01:30:00Z"
        );
        assert_eq!(paris(12, false).utc_offset_seconds(), Some(3600));
        let unknown = PyDateTime {
            tz: Some(PyTz::ZoneInfo {
                key: "Mars/Olympus_Mons".into(),
            }),
            ..paris(2, false)
        };
        assert_eq!(unknown.to_timestamp(), None);
        let traversal = PyDateTime {
            tz: Some(PyTz::ZoneInfo {
                key: "../../../etc/passwd".into(),
            }),
            ..paris(2, false)
        };
        assert_eq!(traversal.to_timestamp(), None);
    }

    #[test]
    fn gap_times_follow_pep_495() {
        // 02:30 does not exist on 2025-03-30 in Paris; fold=0 reads it with the +01:00 offset.
        let gap = |fold| PyDateTime {
            year: 2025,
            month: 3,
            day: 30,
            hour: 2,
            minute: 30,
            second: 0,
            microsecond: 0,
            fold,
            tz: Some(PyTz::ZoneInfo {
                key: "Europe/Paris".into(),
            }),
        };
        assert_eq!(
            gap(false).to_timestamp().unwrap().to_string(),
            "2025-03-30T01:30:00Z"
        );
        assert_eq!(
            gap(true).to_timestamp().unwrap().to_string(),
            "2025-03-30T00:30:00Z"
        );
    }

    #[test]
    fn describes_past_future_and_naive() {
        let now: Timestamp = "2025-01-02T03:16:05Z".parse().unwrap();
        assert_eq!(
            describe_instant(&dt(utc(), 3, false), now),
            "2025-01-02 03:04:05 UTC, 12 min ago"
        );
        assert_eq!(
            describe_instant(
                &dt(utc(), 3, false),
                "2025-01-02T03:01:00Z".parse().unwrap()
            ),
            "2025-01-02 03:04:05 UTC, in 3 min"
        );
        assert_eq!(
            describe_instant(&dt(None, 3, false), now),
            "2025-01-02 03:04:05 (naive, no time zone), age unknown"
        );
        let paris = dt(
            Some(PyTz::ZoneInfo {
                key: "Europe/Paris".into(),
            }),
            4,
            false,
        );
        assert_eq!(
            describe_instant(&paris, now),
            "2025-01-02 03:04:05 UTC (2025-01-02 04:04:05 Europe/Paris), 12 min ago"
        );
        let unknown = dt(
            Some(PyTz::ZoneInfo {
                key: "Nowhere/Special".into(),
            }),
            4,
            false,
        );
        assert_eq!(
            describe_instant(&unknown, now),
            "2025-01-02 04:04:05 (Nowhere/Special, offset unknown on this system), age unknown"
        );
    }

    #[test]
    fn isoformat_reads_as_python_does() {
        let at = |s: &str| {
            let (civil, offset) = parse_isoformat(s).unwrap_or_else(|| panic!("{s}"));
            match offset {
                Some(o) => instant_with_offset(civil, o).unwrap().to_string(),
                None => format!("{civil} naive"),
            }
        };
        // What Python's isoformat writes for timezone(timedelta(seconds=19800, microseconds=123456)).
        assert_eq!(
            at("2026-01-01 05:30:00.123456+05:30:00.123456"),
            "2026-01-01T00:00:00Z"
        );
        assert_eq!(at("2026-01-01T00:00:00+05:30:07"), "2025-12-31T18:29:53Z");
        assert_eq!(at("2026-01-01 00:00:00Z"), "2026-01-01T00:00:00Z");
        assert_eq!(at("2026-01-01T01:00-0100"), "2026-01-01T02:00:00Z");
        assert_eq!(at("20260101T000000"), "2026-01-01T00:00:00 naive");
        assert_eq!(at("2026-01-01 00:00"), "2026-01-01T00:00:00 naive");
        // Fractions beyond microseconds are cut, as Python cuts them.
        assert_eq!(
            at("2026-01-01T00:00:00.1234567"),
            "2026-01-01T00:00:00.123456 naive"
        );
        for bad in [
            "soon",
            "2026-01-01 25:00:00",
            "2026-01-01 00:00:00+24:00",
            "2026-01-01 00:00:00+05:30:00.12",
            "2026-13-01",
            "2026-01-01 0:00",
        ] {
            assert!(
                parse_isoformat(bad).and_then(|(c, o)| o.map_or(Some(()), |o| instant_with_offset(c, o).map(|_| ()))).is_none(),
                "{bad}"
            );
        }
    }

    #[test]
    fn offsets_with_microseconds_are_instants() {
        let dt = PyDateTime {
            tz: Some(PyTz::FixedMicros {
                offset_microseconds: 19_800_123_456,
                name: None,
            }),
            ..dt(None, 8, false)
        };
        // 08:04:05.678901 at +05:30:00.123456 is 02:34:05.555445 UTC.
        assert_eq!(
            dt.to_timestamp().unwrap().to_string(),
            "2025-01-02T02:34:05.555445Z"
        );
        assert_eq!(dt.zone_label().unwrap(), "UTC+05:30:00.123456");
        // Pickled as Python pickles it, and read back the same.
        let v = crate::django::PyValue::DateTime(dt);
        let bytes = crate::django::encode::pickle(&v).unwrap();
        assert_eq!(
            crate::django::decode_pickle(&bytes, &Default::default()).unwrap(),
            v
        );
    }

    #[test]
    fn the_apps_clock_places_naive_times() {
        let civil: civil::DateTime = "2026-01-01T05:30:00".parse().unwrap();
        assert_eq!(
            AppClock::of(Some(false), Some("Asia/Kolkata"))
                .naive_instant(civil)
                .unwrap()
                .to_string(),
            "2026-01-01T00:00:00Z"
        );
        assert_eq!(
            AppClock::of(None, Some("Asia/Kolkata")),
            AppClock::Utc,
            "TIME_ZONE alone does not change how Django stores times"
        );
        assert_eq!(
            AppClock::of(Some(true), None)
                .naive_instant(civil)
                .unwrap()
                .to_string(),
            "2026-01-01T05:30:00Z"
        );
        assert!(
            AppClock::of(Some(false), None)
                .naive_instant(civil)
                .is_err()
        );
        assert!(
            AppClock::Local("Mars/Base".into())
                .naive_instant(civil)
                .is_err()
        );
        let now: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(
            AppClock::Local("America/Los_Angeles".into())
                .wall_time(now)
                .unwrap()
                .to_string(),
            "2025-12-31T16:00:00"
        );
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(42), "42 s");
        assert_eq!(human_duration(3 * 3600 + 5 * 60), "3 h 5 min");
        assert_eq!(human_duration(2 * 86_400 + 4 * 3600 + 7), "2 days 4 h");
        assert_eq!(format_offset(-12_600), "-03:30");
        assert_eq!(format_offset(561), "+00:09:21");
    }
}
