//! `redis.info`: version, uptime, role, memory vs maxmemory, evictions, rejected
//! connections, persistence status, judged against thresholds.

use std::collections::HashMap;

use super::query;
use crate::probe::connect::ProbeError;
use crate::probe::decl::InfoParams;
use crate::probe::hint;
use crate::probe::result::{Outcome, Status};
use crate::probe::runner::Ctx;

/// `INFO` text → field map (sections flattened; INFO field names are unique).
pub fn parse_info(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

pub async fn run(p: &InfoParams, ctx: &Ctx<'_>) -> Result<Outcome, ProbeError> {
    let ep = ctx.session.endpoint()?;
    let mut conn = ctx.session.conn().await?;
    let text: String = query(ep, &mut conn, &redis::cmd("INFO")).await?;
    Ok(judge(p, &parse_info(&text)))
}

pub fn judge(p: &InfoParams, f: &HashMap<String, String>) -> Outcome {
    let get = |k: &str| f.get(k).map(String::as_str).unwrap_or("?");
    let num = |k: &str| f.get(k).and_then(|v| v.parse::<u64>().ok());
    let mut problems: Vec<(Status, String)> = Vec::new();
    let used = num("used_memory").unwrap_or(0);
    let max = num("maxmemory").unwrap_or(0);
    let memory = if max > 0 {
        let ratio = used as f64 / max as f64;
        if ratio > p.max_memory_ratio {
            problems.push((
                Status::Warn,
                format!(
                    "memory at {:.0}% of maxmemory (threshold {:.0}%)",
                    ratio * 100.0,
                    p.max_memory_ratio * 100.0
                ),
            ));
        }
        format!(
            "{} of {} ({:.0}%)",
            get("used_memory_human"),
            get("maxmemory_human"),
            ratio * 100.0
        )
    } else {
        format!("{} (no maxmemory)", get("used_memory_human"))
    };
    let evicted = num("evicted_keys").unwrap_or(0);
    if evicted > p.max_evicted {
        problems.push((
            Status::Warn,
            format!("{evicted} keys evicted (threshold {})", p.max_evicted),
        ));
    }
    let rejected = num("rejected_connections").unwrap_or(0);
    if rejected > p.max_rejected {
        problems.push((
            Status::Warn,
            format!(
                "{rejected} connections rejected (threshold {})",
                p.max_rejected
            ),
        ));
    }
    if get("rdb_last_bgsave_status") == "err" {
        problems.push((Status::Warn, "the last RDB save failed".into()));
    }
    if get("aof_enabled") == "1" && get("aof_last_write_status") == "err" {
        problems.push((Status::Fail, "AOF writes are failing".into()));
    }
    // A replica refuses writes (READONLY): Django's cache.set and the enforcer's
    // breadcrumbs fail there, whatever the memory figures say.
    let replica = get("role") == "slave";
    if replica {
        problems.push((
            Status::Warn,
            format!(
                "this server is a read-only replica of {}:{}: Django cannot write here",
                get("master_host"),
                get("master_port")
            ),
        ));
    }
    if get("loading") == "1" {
        problems.push((Status::Warn, "still loading the dataset".into()));
    }
    let uptime = num("uptime_in_seconds")
        .map(|s| humantime::format_duration(std::time::Duration::from_secs(s)).to_string())
        .unwrap_or_else(|| "?".into());
    let persistence = format!(
        "RDB last save {} ({} changes since), AOF {}",
        get("rdb_last_bgsave_status"),
        get("rdb_changes_since_last_save"),
        if get("aof_enabled") == "1" {
            format!("on, last write {}", get("aof_last_write_status"))
        } else {
            "off".into()
        }
    );
    let (status, found) = super::findings(&problems);
    let summary = found.unwrap_or_else(|| {
        format!(
            "Redis {} {}, up {uptime}, memory {memory}",
            get("redis_version"),
            get("role")
        )
    });
    Outcome::new(status, summary)
        .expected(format!(
            "memory ≤ {:.0}% of maxmemory, evicted ≤ {}, rejected ≤ {}, persistence OK",
            p.max_memory_ratio * 100.0,
            p.max_evicted,
            p.max_rejected
        ))
        .observed(format!("memory {memory}, evicted {evicted}, rejected {rejected}"))
        .evidence("version", get("redis_version"))
        .evidence("role", get("role"))
        .evidence("uptime", uptime)
        .evidence("memory", memory)
        .evidence("maxmemory policy", get("maxmemory_policy"))
        .evidence("evicted_keys", evicted.to_string())
        .evidence("rejected_connections", rejected.to_string())
        .evidence("persistence", persistence)
        .hint(if status == Status::Pass {
            None
        } else if replica {
            hint::read_only_replica()
        } else {
            hint::production(
                "Watch memory and evictions; set `maxmemory` with a cache policy such as `allkeys-lru` (see the production notes).",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds() {
        let f = parse_info(
            "# Memory\r\nused_memory:95\r\nmaxmemory:100\r\nevicted_keys:3\r\nredis_version:7.2.4\r\n",
        );
        let o = judge(&InfoParams::default(), &f);
        assert_eq!(o.status, Status::Warn);
        assert!(
            o.summary.contains("95%") && o.summary.contains("3 keys evicted"),
            "{}",
            o.summary
        );
        let ok = judge(
            &InfoParams::default(),
            &parse_info("used_memory:5\r\nmaxmemory:0\r\n"),
        );
        assert_eq!(ok.status, Status::Pass);
    }

    /// The README rows that cannot be staged portably on a real server.
    #[test]
    fn persistence_loading_and_role_rows() {
        let o = judge(
            &InfoParams::default(),
            &parse_info("rdb_last_bgsave_status:err\r\n"),
        );
        assert_eq!(o.status, Status::Warn, "{}", o.summary);
        assert!(o.summary.contains("RDB save failed"), "{}", o.summary);
        let o = judge(
            &InfoParams::default(),
            &parse_info("aof_enabled:1\r\naof_last_write_status:err\r\n"),
        );
        assert_eq!(o.status, Status::Fail, "{}", o.summary);
        let o = judge(&InfoParams::default(), &parse_info("loading:1\r\n"));
        assert_eq!(o.status, Status::Warn, "{}", o.summary);
        let o = judge(
            &InfoParams::default(),
            &parse_info("role:slave\r\nmaster_host:10.0.0.5\r\nmaster_port:6379\r\n"),
        );
        assert_eq!(o.status, Status::Warn, "{}", o.summary);
        assert!(o.summary.contains("10.0.0.5:6379"), "{}", o.summary);
        assert!(o.hint.is_some_and(|h| h.text.contains("primary")));
    }
}
