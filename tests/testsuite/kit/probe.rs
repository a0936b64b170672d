//! Running probes in process: parse declarations as a page would hold them and judge them
//! with the real runner, on a runtime of their own.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bisk_docs::config::{Config, RedisTarget};
use bisk_docs::probe::run::runner;
use bisk_docs::probe::{ProbeResult, RunOptions, decl};

/// A config whose `[redis]` is `url`, with the given connect timeout and deadline (ms).
pub fn redis_config(url: &str, connect_ms: u64, deadline_ms: u64) -> Config {
    Config {
        redis: RedisTarget {
            url: url.into(),
            connect_timeout: Duration::from_millis(connect_ms),
            deadline: Duration::from_millis(deadline_ms),
            ..RedisTarget::default()
        },
        ..Config::default()
    }
}

/// Runs the probe bodies (TOML, as between the fences) as one page's probes, in order.
pub fn run_probes(
    config: Config,
    opts: RunOptions,
    bodies: &[impl AsRef<str>],
) -> Vec<ProbeResult> {
    let decls: Vec<_> = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| {
            decl::parse(b.as_ref(), Path::new("ops/T.md"), 1, i + 1).expect("valid probe")
        })
        .collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(runner::run_all(Arc::new(config), opts, &decls))
}

/// Runs one probe body with `config`.
pub fn run_probe(config: Config, body: &str) -> ProbeResult {
    run_probes(config, RunOptions::default(), &[body]).remove(0)
}
