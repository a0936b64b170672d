//! The fixed set of checks a declaration can name. One module per family.

pub mod breadcrumbs;
pub mod cache;
pub mod command;
pub mod config;
pub mod django_settings;
mod http1;
pub mod info;
pub mod net;
pub mod process;
pub mod redis_ping;
pub mod scan;
pub mod stored;
pub mod systemd;

use std::time::Instant;

use redis::aio::MultiplexedConnection;

use super::connect::{Endpoint, ProbeError};
use super::decl::Check;
use super::result::Outcome;
use super::runner::Ctx;

/// Runs one check.
pub async fn run(check: &Check, ctx: &Ctx<'_>) -> Result<Outcome, ProbeError> {
    if stored::uses_store(ctx) {
        match check {
            Check::CacheRoundtrip(p) => return stored::roundtrip(p, ctx).await,
            Check::CacheKey(p) => return stored::key(p, ctx).await,
            Check::Breadcrumbs(p) => return stored::breadcrumbs(p, ctx).await,
            Check::RedisPing | Check::RedisScan(_) | Check::RedisInfo(_) | Check::RedisConfig => {
                let t = &ctx.session.named;
                return Ok(Outcome::skipped(format!(
                    "{} asks Redis; target {} is a {} cache ({})",
                    check.name(),
                    t.name,
                    t.target.backend,
                    t.target.display_place()
                )));
            }
            _ => {}
        }
    }
    match check {
        Check::RedisPing => redis_ping::run(ctx).await,
        Check::CacheRoundtrip(p) => cache::roundtrip(p, ctx).await,
        Check::CacheKey(p) => cache::key(p, ctx).await,
        Check::Breadcrumbs(p) => breadcrumbs::run(p, ctx).await,
        Check::RedisScan(p) => scan::run(p, ctx).await,
        Check::RedisInfo(p) => info::run(p, ctx).await,
        Check::RedisConfig => config::run(ctx).await,
        Check::SystemdUnit(p) => Ok(systemd::run(p).await),
        Check::TcpConnect(p) => Ok(net::tcp(p, ctx).await),
        Check::HttpGet(p) => Ok(net::http(p, ctx).await),
        Check::Command(p) => Ok(command::run(p, ctx).await),
        Check::DjangoSettings(p) => Ok(django_settings::run(p, ctx).await),
    }
}

/// Runs a command, mapping errors through the endpoint's classifier.
pub(crate) async fn query<T: redis::FromRedisValue>(
    ep: &Endpoint,
    conn: &mut MultiplexedConnection,
    cmd: &redis::Cmd,
) -> Result<T, ProbeError> {
    cmd.query_async(conn).await.map_err(|e| ep.classify(&e))
}

pub(crate) async fn pipe<T: redis::FromRedisValue>(
    ep: &Endpoint,
    conn: &mut MultiplexedConnection,
    pipe: &redis::Pipeline,
) -> Result<T, ProbeError> {
    pipe.query_async(conn).await.map_err(|e| ep.classify(&e))
}

/// Milliseconds with 2 decimals, for evidence.
/// For checks that collect several problems: the worst status (pass when there are none)
/// and their texts in one line (`None` when there are none: the check words its pass).
pub(crate) fn findings(
    problems: &[(super::result::Status, String)],
) -> (super::result::Status, Option<String>) {
    let status = problems
        .iter()
        .map(|p| p.0)
        .max()
        .unwrap_or(super::result::Status::Pass);
    let texts: Vec<&str> = problems.iter().map(|p| p.1.as_str()).collect();
    (status, (!texts.is_empty()).then(|| texts.join("; ")))
}

pub(crate) fn ms_since(t: Instant) -> String {
    format!("{:.2} ms", t.elapsed().as_secs_f64() * 1000.0)
}

/// Escapes Redis glob metacharacters so a key name matches only itself in SCAN MATCH.
pub(crate) fn glob_escape(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for c in key.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Result of a bounded SCAN.
pub(crate) struct ScanResult {
    pub keys: Vec<Vec<u8>>,
    /// Total matches seen (may exceed `keys.len()`).
    pub total: usize,
    /// False when the bound stopped the scan before the cursor came back to 0.
    pub complete: bool,
}

/// SCAN MATCH `pattern`, keeping up to `keep` keys and stopping after `max_calls` calls.
pub(crate) async fn scan(
    ep: &Endpoint,
    conn: &mut MultiplexedConnection,
    pattern: &str,
    keep: usize,
    max_calls: usize,
) -> Result<ScanResult, ProbeError> {
    let mut cursor: u64 = 0;
    let mut out = ScanResult {
        keys: Vec::new(),
        total: 0,
        complete: false,
    };
    for _ in 0..max_calls {
        let (next, batch): (u64, Vec<Vec<u8>>) = query(
            ep,
            conn,
            redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(pattern)
                .arg("COUNT")
                .arg(1000),
        )
        .await?;
        out.total += batch.len();
        for k in batch {
            if out.keys.len() < keep {
                out.keys.push(k);
            }
        }
        cursor = next;
        if cursor == 0 {
            out.complete = true;
            break;
        }
    }
    out.keys.sort();
    Ok(out)
}

/// A key name as text for evidence (keys may be binary; show escapes).
pub(crate) fn key_text(k: &[u8]) -> String {
    crate::text::bound(&String::from_utf8_lossy(k).escape_debug().to_string(), 200)
}

/// "no expiry" / "42 s" / "missing" from a TTL reply.
pub(crate) fn ttl_words(ttl: i64) -> String {
    match ttl {
        -2 => "missing (-2)".into(),
        -1 => "no expiry (-1)".into(),
        n => format!("{n} s"),
    }
}
