//! Every value Django wrote into tests/fixtures/django-cache decodes to what Python read, and
//! everything the encoder covers is written byte-for-byte as Django wrote it.

use crate::kit::django::hex;
use std::path::{Path, PathBuf};

use bisk_docs::django::{PyDateTime, PyTz, PyValue, decode, encode};
use serde_json::Value as Json;

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/django-cache")
}

struct Fixture {
    name: String,
    raw: Vec<u8>,
    entry: Json,
}

/// The fixtures that exist in Redis (entries marked `absent` document a missing key).
fn fixtures() -> Vec<Fixture> {
    let index: Json =
        serde_json::from_str(&std::fs::read_to_string(fixture_dir().join("index.json")).unwrap())
            .unwrap();
    let mut out = Vec::new();
    for (name, entry) in index.as_object().unwrap() {
        if entry.get("absent").and_then(Json::as_bool) == Some(true) {
            continue;
        }
        let file = entry["file"].as_str().unwrap();
        let raw = std::fs::read(fixture_dir().join(file)).unwrap();
        assert_eq!(
            hex(&raw),
            entry["hex"].as_str().unwrap(),
            "{name}: .bin and index.json disagree"
        );
        out.push(Fixture {
            name: name.clone(),
            raw,
            entry: entry.clone(),
        });
    }
    assert!(
        out.len() >= 50,
        "expected the full fixture set, found {}",
        out.len()
    );
    out
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// The PyValue an `expected_json` (fixture README conventions) describes. Plain JSON objects
/// are str-keyed dicts whose order JSON does not keep; [`same_value`] compares those as sets.
fn expected(json: &Json) -> PyValue {
    match json {
        Json::Null => PyValue::None,
        Json::Bool(b) => PyValue::Bool(*b),
        Json::Number(n) if n.is_i64() => PyValue::Int(n.as_i64().unwrap()),
        Json::Number(n) => PyValue::Float(n.as_f64().unwrap()),
        Json::String(s) => PyValue::Str(s.clone()),
        Json::Array(items) => PyValue::List(items.iter().map(expected).collect()),
        Json::Object(map) => {
            let tagged = |tag: &str| map.get(tag);
            if let Some(v) = tagged("$int") {
                PyValue::BigInt(v.as_str().unwrap().to_string())
            } else if let Some(v) = tagged("$bytes") {
                PyValue::Bytes(unhex(v.as_str().unwrap()))
            } else if let Some(v) = tagged("$bytearray") {
                PyValue::ByteArray(unhex(v.as_str().unwrap()))
            } else if let Some(v) = tagged("$tuple") {
                PyValue::Tuple(v.as_array().unwrap().iter().map(expected).collect())
            } else if let Some(v) = tagged("$set") {
                PyValue::Set(v.as_array().unwrap().iter().map(expected).collect())
            } else if let Some(v) = tagged("$dict") {
                PyValue::Dict(
                    v.as_array()
                        .unwrap()
                        .iter()
                        .map(|pair| (expected(&pair[0]), expected(&pair[1])))
                        .collect(),
                )
            } else if let Some(v) = tagged("$decimal") {
                PyValue::Decimal(v.as_str().unwrap().to_string())
            } else if let Some(v) = tagged("$timedelta") {
                PyValue::TimeDelta {
                    days: v[0].as_i64().unwrap(),
                    seconds: v[1].as_i64().unwrap(),
                    microseconds: v[2].as_i64().unwrap(),
                }
            } else if let Some(v) = tagged("$datetime") {
                PyValue::DateTime(expected_datetime(v))
            } else if let Some(v) = tagged("$unsupported") {
                PyValue::Unsupported {
                    class: v.as_str().unwrap().to_string(),
                    preview_hex: String::new(),
                }
            } else {
                PyValue::Dict(
                    map.iter()
                        .map(|(k, v)| (PyValue::Str(k.clone()), expected(v)))
                        .collect(),
                )
            }
        }
    }
}

fn expected_datetime(v: &Json) -> PyDateTime {
    let field = |name: &str| {
        v[name]
            .as_i64()
            .unwrap_or_else(|| panic!("$datetime.{name}"))
    };
    let tz = match &v["tz"] {
        Json::Null => None,
        tz => Some(match tz["kind"].as_str().unwrap() {
            "datetime.timezone" => PyTz::Fixed {
                offset_seconds: tz["offset_seconds"].as_i64().unwrap(),
                name: tz["name"].as_str().map(str::to_string),
            },
            "zoneinfo.ZoneInfo" => PyTz::ZoneInfo {
                key: tz["key"].as_str().unwrap().to_string(),
            },
            "pytz" => PyTz::Pytz {
                zone: tz["zone"].as_str().unwrap().to_string(),
                utcoffset_seconds: tz["utcoffset_seconds"].as_i64().unwrap(),
                dst_seconds: tz["dst_seconds"].as_i64().unwrap(),
                tzname: tz["tzname"].as_str().unwrap().to_string(),
            },
            "pytz.utc" => PyTz::PytzUtc,
            other => panic!("unknown tz kind {other}"),
        }),
    };
    PyDateTime {
        year: field("year") as i32,
        month: field("month") as u8,
        day: field("day") as u8,
        hour: field("hour") as u8,
        minute: field("minute") as u8,
        second: field("second") as u8,
        microsecond: field("microsecond") as u32,
        fold: field("fold") != 0,
        tz,
    }
}

/// Equality, except that str-keyed dicts from plain JSON objects compare as sets of pairs and
/// unsupported values compare by class only.
fn same_value(got: &PyValue, want: &PyValue) -> bool {
    match (got, want) {
        (PyValue::Dict(g), PyValue::Dict(w)) => {
            g.len() == w.len()
                && w.iter()
                    .all(|(wk, wv)| g.iter().any(|(gk, gv)| gk == wk && same_value(gv, wv)))
        }
        (PyValue::List(g), PyValue::List(w)) | (PyValue::Tuple(g), PyValue::Tuple(w)) => {
            g.len() == w.len() && g.iter().zip(w).all(|(a, b)| same_value(a, b))
        }
        (PyValue::Unsupported { class: g, .. }, PyValue::Unsupported { class: w, .. }) => g == w,
        _ => got == want,
    }
}

#[test]
fn every_fixture_decodes_to_what_python_read() {
    for f in fixtures() {
        let got = decode(&f.raw).unwrap_or_else(|e| panic!("{}: {e}", f.name));
        let want = expected(&f.entry["expected_json"]);
        assert!(
            same_value(&got, &want),
            "{}:\n got  {got:?}\n want {want:?}",
            f.name
        );
    }
}

#[test]
fn raw_ints_stay_ints_and_pickled_digits_stay_strings() {
    assert_eq!(decode(b"4194303").unwrap(), PyValue::Int(4_194_303));
    let digits = std::fs::read(fixture_dir().join("str_digits.bin")).unwrap();
    assert_eq!(decode(&digits).unwrap(), PyValue::Str("12345".into()));
}

#[test]
fn uuid_is_named_not_built() {
    let raw = std::fs::read(fixture_dir().join("uuid.bin")).unwrap();
    let PyValue::Unsupported { class, preview_hex } = decode(&raw).unwrap() else {
        panic!("uuid must be unsupported");
    };
    assert_eq!(class, "uuid.UUID");
    assert!(preview_hex.starts_with("8c04"), "{preview_hex}");
}

/// Fixtures whose value the encoder covers are re-encoded byte for byte.
#[test]
fn encoder_reproduces_django_bytes() {
    let mut checked = 0;
    for f in fixtures() {
        let value = decode(&f.raw).unwrap();
        if matches!(value, PyValue::Unsupported { .. }) {
            continue;
        }
        let bytes = encode(&value).unwrap_or_else(|e| panic!("{}: {e}", f.name));
        assert_eq!(
            hex(&bytes),
            hex(&f.raw),
            "{}: encoder output differs from Django's",
            f.name
        );
        checked += 1;
    }
    assert!(checked >= 50, "only {checked} fixtures re-encoded");
}

/// `to_json` follows the same conventions as the fixtures, so it matches `expected_json`
/// exactly (for unsupported values: the class; the fixtures hold a repr we never build).
#[test]
fn json_shape_matches_expected_json() {
    for f in fixtures() {
        let got = decode(&f.raw).unwrap().to_json();
        let want = &f.entry["expected_json"];
        if let Some(class) = want.get("$unsupported") {
            assert_eq!(&got["$unsupported"], class, "{}", f.name);
        } else {
            assert_eq!(&got, want, "{}", f.name);
        }
    }
}

/// Plain data displays exactly as Python's repr.
#[test]
fn display_of_plain_values_is_python_repr() {
    let mut checked = 0;
    for f in fixtures() {
        let plain = [
            "str", "int", "float", "bool", "NoneType", "list", "dict", "tuple", "bytes",
        ];
        if !plain.contains(&f.entry["python_type"].as_str().unwrap_or("")) {
            continue;
        }
        let shown = decode(&f.raw).unwrap().to_display();
        assert_eq!(
            shown,
            f.entry["python_repr"].as_str().unwrap(),
            "{}",
            f.name
        );
        checked += 1;
    }
    assert!(checked >= 30, "{checked}");
}

#[test]
fn datetimes_display_with_their_zone() {
    let show = |name: &str| {
        decode(&std::fs::read(fixture_dir().join(name)).unwrap())
            .unwrap()
            .to_display()
    };
    assert_eq!(
        show("dt_aware_utc.bin"),
        "2025-01-02 03:04:05.678901+00:00 (UTC)"
    );
    assert_eq!(
        show("dt_aware_utc_no_us.bin"),
        "2025-01-02 03:04:05+00:00 (UTC)"
    );
    assert_eq!(
        show("dt_aware_plus0530.bin"),
        "2025-01-02 08:34:05.678901+05:30 (UTC+05:30)"
    );
    assert_eq!(
        show("dt_naive.bin"),
        "2025-01-02 03:04:05.678901 (naive, no time zone)"
    );
}

/// Values pickled by CPython 3.11 / Django 5.2 on the development machine (see
/// generated/generate.py): every opcode family, protocols 0–5, zones, size boundaries.
#[test]
fn generated_cases_decode_and_reencode() {
    let path = fixture_dir().join("generated/cases.json");
    let doc: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 60);
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let raw = unhex(case["hex"].as_str().unwrap());
        let want = &case["expected_json"];
        let decoded = decode(&raw);
        if let Some(error) = want.get("$error") {
            match &decoded {
                Err(e) if format!("{e:?}").starts_with(error.as_str().unwrap()) => {}
                other => failures.push(format!("{name}: expected error {error}, got {other:?}")),
            }
            continue;
        }
        let value = match decoded {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let got = value.to_json();
        if !same_json(&got, want) {
            failures.push(format!("{name}:\n got  {got}\n want {want}"));
            continue;
        }
        if case["encode"].as_bool() == Some(true) {
            match encode(&value) {
                Ok(bytes) if bytes == raw => {}
                Ok(bytes) => failures.push(format!(
                    "{name}: encoder differs\n got  {}\n want {}",
                    &hex(&bytes)[..hex(&bytes).len().min(400)],
                    &hex(&raw)[..hex(&raw).len().min(400)]
                )),
                Err(e) => failures.push(format!("{name}: encode failed: {e}")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// JSON equality where `{"$unsupported": class}` matches on the class alone.
fn same_json(got: &Json, want: &Json) -> bool {
    match (got, want) {
        (Json::Object(g), Json::Object(w)) if w.contains_key("$unsupported") => {
            g.get("$unsupported") == w.get("$unsupported")
        }
        (Json::Object(g), Json::Object(w)) => {
            g.len() == w.len()
                && w.iter()
                    .all(|(k, wv)| g.get(k).is_some_and(|gv| same_json(gv, wv)))
        }
        (Json::Array(g), Json::Array(w)) => {
            g.len() == w.len() && g.iter().zip(w).all(|(a, b)| same_json(a, b))
        }
        _ => got == want,
    }
}
