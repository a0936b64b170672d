//! Per-probe overhead over the raw Redis round trip, against a private local redis-server.
//!
//! `cargo bench --bench check_overhead` (release). Prints medians of N runs:
//! - raw: one PING (and one GET+TTL pipeline) on a multiplexed connection, as the probes use;
//! - probe: `Runner::run_one` of `redis.ping` / `cache.key` / `enforcer.breadcrumbs` on a
//!   shared connection (result building, decoding, judging, timestamps included);
//! - overhead = probe median − raw median;
//! - a 20-probe run (`Runner::run`, concurrency from config) wall time.

#[path = "../tests/testsuite/kit/redis.rs"]
#[allow(dead_code)]
mod redis_server;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bisk_docs::config::{Config, RedisTarget};
use bisk_docs::django::{PyDateTime, PyValue, encode};
use bisk_docs::probe::{RunOptions, Runner, decl};

const N: usize = 2000;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn main() {
    let server = redis_server::RedisServer::start();
    let url = server.url(1);
    let now = PyValue::DateTime(PyDateTime::from_timestamp_utc(jiff::Timestamp::now()));
    for (k, v) in [
        ("last_run", now.clone()),
        ("last_ok", now),
        ("last_error", PyValue::None),
        ("running_pid", PyValue::Int(std::process::id() as i64)),
    ] {
        server.set(
            1,
            &format!("bisk:1:enforcer:{k}"),
            &encode(&v).unwrap(),
            None,
        );
    }
    server.set(
        1,
        "bisk:1:ping",
        &encode(&PyValue::Str("pong".into())).unwrap(),
        None,
    );

    let config = Arc::new(Config {
        redis: RedisTarget {
            url: url.clone(),
            ..RedisTarget::default()
        },
        ..Config::default()
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = redis::Client::open(url.as_str()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let mut raw_ping = Vec::with_capacity(N);
        let mut raw_get = Vec::with_capacity(N);
        for _ in 0..N {
            let t = Instant::now();
            let _: String = redis::cmd("PING").query_async(&mut conn).await.unwrap();
            raw_ping.push(t.elapsed());
            let t = Instant::now();
            let _: (Option<Vec<u8>>, i64) = redis::pipe()
                .cmd("GET")
                .arg("bisk:1:ping")
                .cmd("TTL")
                .arg("bisk:1:ping")
                .query_async(&mut conn)
                .await
                .unwrap();
            raw_get.push(t.elapsed());
        }
        let raw_ping = median(raw_ping);
        let raw_get = median(raw_get);
        println!("raw PING round trip           median {}", us(raw_ping));
        println!("raw GET+TTL pipeline          median {}", us(raw_get));

        let runner = Arc::new(Runner::new(config.clone(), RunOptions::default()));
        for (name, body, raw) in [
            ("redis.ping", "check = \"redis.ping\"\n", raw_ping),
            (
                "cache.key",
                "check = \"cache.key\"\nkey = \"ping\"\nequals = \"pong\"\n",
                raw_get,
            ),
            (
                "enforcer.breadcrumbs",
                "check = \"enforcer.breadcrumbs\"\n",
                raw_get,
            ),
        ] {
            let d = decl::parse(body, Path::new("bench.md"), 1, 1).unwrap();
            let _ = runner.run_one(&d).await; // opens the shared connection
            let mut times = Vec::with_capacity(N);
            for _ in 0..N {
                let t = Instant::now();
                let r = runner.run_one(&d).await;
                times.push(t.elapsed());
                assert_eq!(r.status, bisk_docs::probe::Status::Pass, "{r:?}");
            }
            let m = median(times);
            println!(
                "probe {name:<22} median {}  overhead over raw {}",
                us(m),
                us(m.saturating_sub(raw))
            );
        }

        let bodies = [
            "check = \"redis.ping\"\n",
            "check = \"cache.key\"\nkey = \"ping\"\n",
            "check = \"enforcer.breadcrumbs\"\n",
            "check = \"cache.key\"\nkey = \"enforcer:last_run\"\nmax_age = \"15m\"\n",
        ];
        let decls: Vec<_> = (0..20)
            .map(|i| decl::parse(bodies[i % 4], Path::new("bench.md"), 1, i + 1).unwrap())
            .collect();
        let mut walls = Vec::new();
        for _ in 0..200 {
            let runner = Arc::new(Runner::new(config.clone(), RunOptions::default()));
            let t = Instant::now();
            let results = runner.run(&decls).await;
            walls.push(t.elapsed());
            assert_eq!(results.len(), 20);
        }
        println!(
            "20 probes, fresh runner (connect included)  median {}",
            us(median(walls))
        );
    });
}
