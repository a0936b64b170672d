//! Timing of the Django cache decoder/encoder on breadcrumb-sized values.
//!
//!     cargo run --release --example django_decode_bench
//!
//! Prints the median (and min/max) time per call over 31 batches; no statistics crate, no
//! assertions: this is a measurement, not a test.

use std::hint::black_box;
use std::time::Instant;

use bisk_docs::django::{PyDateTime, PyValue, decode, encode};

const CASES: &[(&str, &[u8])] = &[
    (
        "last_run (aware UTC datetime, 96 B)",
        include_bytes!("../tests/fixtures/django-cache/dt_aware_utc.bin"),
    ),
    (
        "ping ('pong' str, 19 B)",
        include_bytes!("../tests/fixtures/django-cache/str_pong.bin"),
    ),
    (
        "running_pid (raw int)",
        include_bytes!("../tests/fixtures/django-cache/int_pid.bin"),
    ),
    (
        "last_error (traceback str, 353 B)",
        include_bytes!("../tests/fixtures/django-cache/str_traceback.bin"),
    ),
    (
        "dict (6 keys)",
        include_bytes!("../tests/fixtures/django-cache/dict.bin"),
    ),
];

const BATCHES: usize = 31;
const PER_BATCH: u32 = 20_000;

/// Median, min and max nanoseconds per call of `f`.
fn measure(mut f: impl FnMut()) -> (f64, f64, f64) {
    let mut per_call: Vec<f64> = (0..BATCHES)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..PER_BATCH {
                f();
            }
            start.elapsed().as_nanos() as f64 / f64::from(PER_BATCH)
        })
        .collect();
    per_call.sort_by(f64::total_cmp);
    (per_call[BATCHES / 2], per_call[0], per_call[BATCHES - 1])
}

fn main() {
    println!(
        "{:<40} {:>10} {:>10} {:>10}",
        "decode", "median", "min", "max"
    );
    for (name, raw) in CASES {
        let (median, min, max) = measure(|| {
            black_box(decode(black_box(raw)).unwrap());
        });
        println!("{name:<40} {median:>8.0}ns {min:>8.0}ns {max:>8.0}ns");
    }
    let value = decode(CASES[0].1).unwrap();
    let (median, min, max) = measure(|| {
        black_box(value.to_display());
    });
    println!(
        "{:<40} {median:>8.0}ns {min:>8.0}ns {max:>8.0}ns",
        "to_display (datetime)"
    );
    let now = PyValue::DateTime(PyDateTime::from_timestamp_utc(jiff::Timestamp::now()));
    let (median, min, max) = measure(|| {
        black_box(encode(black_box(&now)).unwrap());
    });
    println!(
        "{:<40} {median:>8.0}ns {min:>8.0}ns {max:>8.0}ns",
        "encode (aware UTC datetime)"
    );
}
