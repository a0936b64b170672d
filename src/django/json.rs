//! A stable JSON shape for decoded values (for `--json` output and the probe API).
//!
//! Plain JSON where JSON can say it exactly, a single-key `"$tag"` object otherwise — the same
//! conventions as the fixtures' `expected_json`:
//!
//! | Python value                  | JSON                                                     |
//! |-------------------------------|----------------------------------------------------------|
//! | `None`, `bool`, `str`         | `null`, `true`/`false`, `"text"`                          |
//! | `int` within i64              | number                                                   |
//! | `int` outside i64             | `{"$int": "18446744073709551616"}`                        |
//! | finite `float`                | number; `inf`/`nan` as `{"$float": "inf"}`                |
//! | `bytes` / `bytearray`         | `{"$bytes": "00ff"}` / `{"$bytearray": "00ff"}` (hex)     |
//! | `list`                        | array                                                    |
//! | `tuple` / `set` / `frozenset` | `{"$tuple": [...]}` / `{"$set": [...]}` / `{"$frozenset": [...]}` |
//! | `dict`, all keys `str` not starting with `$`, no duplicates | object (key order not kept) |
//! | any other `dict`              | `{"$dict": [[key, value], ...]}` (order kept)             |
//! | `Decimal`                     | `{"$decimal": "12.340"}`                                  |
//! | `date`                        | `{"$date": "2025-01-02"}`                                 |
//! | `timedelta`                   | `{"$timedelta": [days, seconds, microseconds]}`           |
//! | `datetime`                    | `{"$datetime": {iso, year, month, day, hour, minute, second, microsecond, fold, utcoffset_seconds, utc_iso, tz}}` |
//! | an exception (class + `args`) | `{"$exception": "builtins.ValueError", "args": ["boom"]}` |
//! | anything else                 | `{"$unsupported": "module.Class", "preview_hex": "…"}`    |
//!
//! In `$datetime`, `utcoffset_seconds` and `utc_iso` are `null` when the datetime is naive or
//! its zone is unknown here; `tz` is `null` (naive) or one of
//! `{"kind": "datetime.timezone", "offset_seconds", "name"}`, `{"kind": "zoneinfo.ZoneInfo", "key"}`,
//! `{"kind": "pytz", "zone", "utcoffset_seconds", "dst_seconds", "tzname"}`, `{"kind": "pytz.utc"}`,
//! `{"kind": "pytz.static", "zone"}`, `{"kind": "other", "class"}`.

use serde_json::{Map, Value as Json, json};

use super::display::datetime_iso;
use super::value::{PyDateTime, PyTz, PyValue};

impl PyValue {
    /// The value in the JSON shape documented in this module.
    pub fn to_json(&self) -> Json {
        match self {
            PyValue::None => Json::Null,
            PyValue::Bool(b) => Json::Bool(*b),
            PyValue::Int(v) => json!(v),
            PyValue::BigInt(v) => json!({ "$int": v }),
            PyValue::Float(v) if v.is_finite() => json!(v),
            PyValue::Float(v) => json!({ "$float": super::display::float_repr(*v) }),
            PyValue::Str(s) => Json::String(s.clone()),
            PyValue::Bytes(b) => json!({ "$bytes": hex(b) }),
            PyValue::ByteArray(b) => json!({ "$bytearray": hex(b) }),
            PyValue::List(items) => Json::Array(items.iter().map(PyValue::to_json).collect()),
            PyValue::Tuple(items) => {
                json!({ "$tuple": items.iter().map(PyValue::to_json).collect::<Vec<_>>() })
            }
            PyValue::Set(items) => {
                json!({ "$set": items.iter().map(PyValue::to_json).collect::<Vec<_>>() })
            }
            PyValue::FrozenSet(items) => {
                json!({ "$frozenset": items.iter().map(PyValue::to_json).collect::<Vec<_>>() })
            }
            PyValue::Dict(pairs) => dict_json(pairs),
            PyValue::Decimal(text) => json!({ "$decimal": text }),
            PyValue::Date { year, month, day } => {
                json!({ "$date": format!("{year:04}-{month:02}-{day:02}") })
            }
            PyValue::TimeDelta {
                days,
                seconds,
                microseconds,
            } => json!({ "$timedelta": [days, seconds, microseconds] }),
            PyValue::DateTime(dt) => json!({ "$datetime": datetime_json(dt) }),
            PyValue::Exception { class, args } => json!({
                "$exception": class,
                "args": args.iter().map(PyValue::to_json).collect::<Vec<_>>()
            }),
            PyValue::Unsupported { class, preview_hex } => {
                json!({ "$unsupported": class, "preview_hex": preview_hex })
            }
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn dict_json(pairs: &[(PyValue, PyValue)]) -> Json {
    let mut object = Map::new();
    for (k, v) in pairs {
        match k {
            PyValue::Str(key) if !key.starts_with('$') && !object.contains_key(key) => {
                object.insert(key.clone(), v.to_json());
            }
            _ => {
                let tagged: Vec<Json> = pairs
                    .iter()
                    .map(|(k, v)| json!([k.to_json(), v.to_json()]))
                    .collect();
                return json!({ "$dict": tagged });
            }
        }
    }
    Json::Object(object)
}

fn datetime_json(dt: &PyDateTime) -> Json {
    let utc_iso = dt
        .to_timestamp()
        .map(|ts| datetime_iso(&PyDateTime::from_timestamp_utc(ts), 'T'));
    json!({
        "iso": datetime_iso(dt, 'T'),
        "year": dt.year,
        "month": dt.month,
        "day": dt.day,
        "hour": dt.hour,
        "minute": dt.minute,
        "second": dt.second,
        "microsecond": dt.microsecond,
        "fold": u8::from(dt.fold),
        "utcoffset_seconds": dt.utc_offset_seconds(),
        "utc_iso": utc_iso,
        "tz": dt.tz.as_ref().map(tz_json),
    })
}

fn tz_json(tz: &PyTz) -> Json {
    match tz {
        PyTz::Fixed {
            offset_seconds,
            name,
        } => {
            json!({ "kind": "datetime.timezone", "offset_seconds": offset_seconds, "name": name })
        }
        PyTz::FixedMicros {
            offset_microseconds,
            name,
        } => json!({
            "kind": "datetime.timezone",
            "offset_microseconds": offset_microseconds,
            "name": name,
        }),
        PyTz::ZoneInfo { key } => json!({ "kind": "zoneinfo.ZoneInfo", "key": key }),
        PyTz::Pytz {
            zone,
            utcoffset_seconds,
            dst_seconds,
            tzname,
        } => json!({
            "kind": "pytz",
            "zone": zone,
            "utcoffset_seconds": utcoffset_seconds,
            "dst_seconds": dst_seconds,
            "tzname": tzname,
        }),
        PyTz::PytzUtc => json!({ "kind": "pytz.utc" }),
        PyTz::PytzStatic { zone } => json!({ "kind": "pytz.static", "zone": zone }),
        PyTz::Other { class } => json!({ "kind": "other", "class": class }),
    }
}
