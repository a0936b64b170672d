//! Probe overhead over the backend's own read, for the FileBasedCache and DatabaseCache
//! (SQLite) targets.
//!
//! `cargo bench --bench backend_overhead` (release). Prints medians of N runs:
//! - raw file: open and read the key's `.djcache` file (what any reader of the cache pays);
//! - raw SQLite: the single-row `SELECT cache_key, value, expires … WHERE cache_key = ?` on an
//!   open connection with a cached statement (Django's own query);
//! - probe: `Runner::run_one` of `cache.key` (`equals = "pong"`) and of
//!   `enforcer.breadcrumbs` on a shared store (reading, inflating or base64, decoding,
//!   judging, result building, timestamps included);
//! - overhead = probe median − raw median (target ≤ 0.5 ms).

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use bisk_docs::config::{Backend, Config, RedisTarget};
use bisk_docs::django::{PyDateTime, PyValue, encode};
use bisk_docs::probe::store::file::file_name;
use bisk_docs::probe::{RunOptions, Runner, Status, decl};

const N: usize = 2000;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

/// What Django stores for each key, as (key, pickle).
fn entries() -> Vec<(String, Vec<u8>)> {
    let now = PyValue::DateTime(PyDateTime::from_timestamp_utc(jiff::Timestamp::now()));
    let mut v = vec![(
        "bisk:1:ping".to_string(),
        encode::pickle(&PyValue::Str("pong".into())).unwrap(),
    )];
    for (k, val) in [
        ("last_run", now.clone()),
        ("last_ok", now),
        ("last_error", PyValue::None),
        ("running_pid", PyValue::Int(std::process::id() as i64)),
    ] {
        v.push((
            format!("bisk:1:enforcer:{k}"),
            encode::pickle(&val).unwrap(),
        ));
    }
    v
}

fn main() {
    // Outside /tmp, as a real LOCATION should be.
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tmp");
    std::fs::create_dir_all(&base).unwrap();
    let dir = tempfile::tempdir_in(&base).unwrap();
    let cache_dir = dir.path().join("bisk_cache");
    std::fs::create_dir(&cache_dir).unwrap();
    let db_path = dir.path().join("db.sqlite3");
    let db = rusqlite::Connection::open(&db_path).unwrap();
    db.execute_batch(
        "CREATE TABLE bisk_cache (cache_key varchar(255) NOT NULL PRIMARY KEY, value text NOT NULL, expires datetime NOT NULL);
         CREATE INDEX bisk_cache_expires ON bisk_cache (expires);",
    )
    .unwrap();
    for (key, pickle) in entries() {
        // FileBasedCache: pickled expiry (None: no timeout) then the zlib-compressed pickle.
        let mut body = encode::pickle(&PyValue::None).unwrap();
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&pickle).unwrap();
        body.extend(z.finish().unwrap());
        std::fs::write(cache_dir.join(file_name(&key)), body).unwrap();
        db.execute(
            "INSERT INTO bisk_cache VALUES (?1, ?2, '9999-12-31 23:59:59')",
            rusqlite::params![
                key,
                base64::engine::general_purpose::STANDARD.encode(&pickle)
            ],
        )
        .unwrap();
    }

    let ping_file = cache_dir.join(file_name("bisk:1:ping"));
    let mut raw_file = Vec::with_capacity(N);
    for _ in 0..N {
        let t = Instant::now();
        let bytes = std::fs::read(&ping_file).unwrap();
        raw_file.push(t.elapsed());
        assert!(!bytes.is_empty());
    }
    let mut raw_sql = Vec::with_capacity(N);
    {
        let mut stmt = db
            .prepare_cached("SELECT cache_key, value, expires FROM bisk_cache WHERE cache_key = ?1")
            .unwrap();
        for _ in 0..N {
            let t = Instant::now();
            let row: (String, String, String) = stmt
                .query_row(["bisk:1:ping"], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .unwrap();
            raw_sql.push(t.elapsed());
            assert_eq!(row.0, "bisk:1:ping");
        }
    }
    let raw_file = median(raw_file);
    let raw_sql = median(raw_sql);
    println!(
        "raw file read (open + read)         median {}",
        us(raw_file)
    );
    println!("raw SQLite single-row SELECT        median {}", us(raw_sql));

    let targets = [
        (
            "file",
            RedisTarget {
                backend: Backend::File,
                location: Some(cache_dir.display().to_string()),
                ..RedisTarget::default()
            },
            raw_file,
        ),
        (
            "sqlite",
            RedisTarget {
                backend: Backend::Db,
                location: Some("bisk_cache".into()),
                database: Some(format!("sqlite:///{}", db_path.display())),
                ..RedisTarget::default()
            },
            raw_sql,
        ),
    ];
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for (backend, target, raw) in targets {
        let config = Arc::new(Config {
            redis: target,
            ..Config::default()
        });
        rt.block_on(async {
            let runner = Arc::new(Runner::new(config, RunOptions::default()));
            for (name, body) in [
                (
                    "cache.key",
                    "check = \"cache.key\"\nkey = \"ping\"\nequals = \"pong\"\n",
                ),
                ("enforcer.breadcrumbs", "check = \"enforcer.breadcrumbs\"\n"),
            ] {
                let d = decl::parse(body, Path::new("bench.md"), 1, 1).unwrap();
                let _ = runner.run_one(&d).await; // opens the shared store
                let mut times = Vec::with_capacity(N);
                for _ in 0..N {
                    let t = Instant::now();
                    let r = runner.run_one(&d).await;
                    times.push(t.elapsed());
                    assert_eq!(r.status, Status::Pass, "{r:?}");
                }
                let m = median(times);
                println!(
                    "{backend:<6} probe {name:<22} median {}  overhead over raw {}",
                    us(m),
                    us(m.saturating_sub(raw))
                );
            }
        });
    }
}
