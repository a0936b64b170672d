//! Property tests: mutated real values and random bytes never panic the decoder, and anything
//! the encoder writes decodes back to the same value. Bounded to run in a few seconds.

use std::path::Path;

use bisk_docs::django::{PyDateTime, PyTz, PyValue, decode, encode};
use proptest::prelude::*;

fn fixture_values() -> &'static [Vec<u8>] {
    static VALUES: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    VALUES.get_or_init(read_fixture_values)
}

fn read_fixture_values() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/django-cache");
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            (path.extension().and_then(|x| x.to_str()) == Some("bin"))
                .then(|| std::fs::read(path).unwrap())
        })
        .collect();
    out.sort();
    assert!(out.len() > 50);
    out
}

/// Decoding, and everything done with a decoded value, must not panic.
fn exercise(raw: &[u8]) {
    if let Ok(value) = decode(raw) {
        let _ = value.to_display();
        let _ = value.to_json();
        if let Ok(bytes) = encode(&value) {
            let again = decode(&bytes).expect("encoder output must decode");
            assert_eq!(again.to_json(), value.to_json());
        }
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
}

fn apply(mut raw: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = raw.len().max(1);
        match *m {
            Mutation::Flip(i, b) => {
                if let Some(x) = raw.get_mut(i % len) {
                    *x ^= b;
                }
            }
            Mutation::Insert(i, b) => raw.insert((i % len).min(raw.len()), b),
            Mutation::Delete(i) => {
                if !raw.is_empty() {
                    raw.remove(i % len);
                }
            }
            Mutation::Truncate(i) => raw.truncate(i % len),
        }
    }
    raw
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Delete),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn leaf() -> impl Strategy<Value = PyValue> {
    prop_oneof![
        Just(PyValue::None),
        any::<bool>().prop_map(PyValue::Bool),
        any::<i64>().prop_map(PyValue::Int),
        "-?[1-9][0-9]{19,60}".prop_map(PyValue::BigInt),
        any::<f64>().prop_map(PyValue::Float),
        ".{0,40}".prop_map(PyValue::Str),
        proptest::collection::vec(any::<u8>(), 0..40).prop_map(PyValue::Bytes),
        proptest::collection::vec(any::<u8>(), 0..10).prop_map(PyValue::ByteArray),
        "-?[0-9]{1,5}\\.[0-9]{0,5}".prop_map(PyValue::Decimal),
        (1i32..=9999, 1u8..=12, 1u8..=28).prop_map(|(year, month, day)| PyValue::Date {
            year,
            month,
            day
        }),
        (-1000i64..1000, 0i64..86_400, 0i64..1_000_000).prop_map(
            |(days, seconds, microseconds)| {
                PyValue::TimeDelta {
                    days,
                    seconds,
                    microseconds,
                }
            }
        ),
        datetime().prop_map(PyValue::DateTime),
    ]
}

fn datetime() -> impl Strategy<Value = PyDateTime> {
    let tz = prop_oneof![
        Just(None),
        Just(Some(PyTz::Fixed {
            offset_seconds: 0,
            name: None
        })),
        (-86_399i64..86_400).prop_map(|offset_seconds| Some(PyTz::Fixed {
            offset_seconds,
            name: None
        })),
        "[A-Z]{3}".prop_map(|name| Some(PyTz::Fixed {
            offset_seconds: 3600,
            name: Some(name)
        })),
        prop_oneof![
            Just("Europe/Paris"),
            Just("America/New_York"),
            Just("Nowhere/Zone")
        ]
        .prop_map(|key| Some(PyTz::ZoneInfo { key: key.into() })),
    ];
    (
        (1i32..=9999, 1u8..=12, 1u8..=28, 0u8..24, 0u8..60, 0u8..60),
        (0u32..1_000_000, any::<bool>(), tz),
    )
        .prop_map(
            |((year, month, day, hour, minute, second), (microsecond, fold, tz))| PyDateTime {
                year,
                month,
                day,
                hour,
                minute,
                second,
                microsecond,
                fold,
                tz,
            },
        )
}

fn value() -> impl Strategy<Value = PyValue> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        let hashable_key = prop_oneof![
            any::<i64>().prop_map(PyValue::Int),
            "[a-z$]{0,6}".prop_map(PyValue::Str),
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(PyValue::List),
            proptest::collection::vec(inner.clone(), 0..6).prop_map(PyValue::Tuple),
            // A Python dict has each key once.
            proptest::collection::vec((hashable_key, inner), 0..6).prop_map(|mut pairs| {
                let mut seen = Vec::new();
                pairs.retain(|(k, _)| {
                    let fresh = !seen.contains(k);
                    seen.push(k.clone());
                    fresh
                });
                PyValue::Dict(pairs)
            }),
            proptest::collection::vec(any::<i64>().prop_map(PyValue::Int), 0..6)
                .prop_map(PyValue::Set),
            proptest::collection::vec(".{0,4}".prop_map(PyValue::Str), 0..6)
                .prop_map(PyValue::FrozenSet),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_fixtures_never_panic(pick in any::<usize>(), mutations in proptest::collection::vec(mutation(), 1..6)) {
        let values = fixture_values();
        let raw = apply(values[pick % values.len()].clone(), &mutations);
        exercise(&raw);
    }

    #[test]
    fn random_pickles_never_panic(body in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut raw = b"\x80\x05".to_vec();
        raw.extend(body);
        exercise(&raw);
    }

}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn encoded_values_decode_to_themselves(v in value()) {
        let bytes = encode(&v).unwrap();
        let back = decode(&bytes).unwrap();
        prop_assert_eq!(back.to_json(), v.to_json());
    }
}
