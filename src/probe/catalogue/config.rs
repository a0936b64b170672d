//! `redis.config`: the guide's security and production notes, read with CONFIG GET.
//! The password itself is never read into a result: only whether one is set.

use crate::probe::connect::ProbeError;
use crate::probe::hint;
use crate::probe::result::{Outcome, Status};
use crate::probe::runner::Ctx;

const PARAMS: &[&str] = &[
    "bind",
    "port",
    "unixsocket",
    "unixsocketperm",
    "protected-mode",
    "requirepass",
    "maxmemory",
    "maxmemory-policy",
    "save",
    "appendonly",
];

pub async fn run(ctx: &Ctx<'_>) -> Result<Outcome, ProbeError> {
    let ep = ctx.session.endpoint()?;
    let mut conn = ctx.session.conn().await?;
    let mut cmd = redis::cmd("CONFIG");
    cmd.arg("GET").arg(PARAMS);
    let reply: Result<Vec<(String, String)>, redis::RedisError> = cmd.query_async(&mut conn).await;
    let pairs = match reply {
        Ok(p) => p,
        Err(e) => {
            let msg = e.to_string().to_ascii_lowercase();
            if e.code() == Some("NOPERM")
                || msg.contains("unknown command")
                || msg.contains("noperm")
            {
                return Ok(Outcome::skipped(
                    "CONFIG is disabled or denied on this server (renamed command or ACL), so its settings cannot be read",
                ));
            }
            return Err(ep.classify(&e));
        }
    };
    let url_has_password = ctx.session.named.target.display_url().contains("***");
    Ok(judge(&pairs, url_has_password))
}

/// Judges the settings; `requirepass` only ever appears as set / not set.
///
/// Exposure comes first: `port 0` means no TCP listener at all (only the unix socket, the
/// hardened set-up), so `bind` says nothing about who can reach Redis then.
pub fn judge(pairs: &[(String, String)], url_has_password: bool) -> Outcome {
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let bind = get("bind").unwrap_or("");
    let port = get("port").unwrap_or("?");
    let socket = get("unixsocket").unwrap_or("").trim();
    let no_tcp = port.trim() == "0";
    let loopback_only = !bind.trim().is_empty()
        && bind.split_whitespace().all(|a| {
            let a = a.trim_start_matches('-');
            a.starts_with("127.") || a == "::1" || a == "localhost"
        });
    let local_only = no_tcp || loopback_only;
    let password_set = get("requirepass").is_some_and(|v| !v.is_empty()) || url_has_password;
    let protected = get("protected-mode").unwrap_or("?");
    let maxmemory: u64 = get("maxmemory").and_then(|v| v.parse().ok()).unwrap_or(0);
    let policy = get("maxmemory-policy").unwrap_or("?");
    let mut problems: Vec<(Status, String)> = Vec::new();
    if !local_only && !password_set {
        problems.push((
            Status::Fail,
            format!(
                "bound to {:?} beyond loopback with no password or ACL",
                bind
            ),
        ));
    }
    if !local_only && protected == "no" && !password_set {
        problems.push((Status::Fail, "protected-mode is off".into()));
    }
    let exposure_ok = problems.is_empty();
    if maxmemory > 0 && policy == "noeviction" {
        problems.push((
            Status::Warn,
            "maxmemory is set with policy noeviction: writes fail when full (a cache wants allkeys-lru or volatile-lru)".into(),
        ));
    }
    let (status, found) = super::findings(&problems);
    let summary = found.unwrap_or_else(|| {
        format!(
            "{}; {}",
            if no_tcp {
                "unix socket only (port 0, no TCP listener)"
            } else if loopback_only {
                "bound to loopback"
            } else {
                "password/ACL protected"
            },
            if maxmemory > 0 {
                format!("maxmemory {maxmemory} bytes, policy {policy}")
            } else {
                "no maxmemory set".into()
            }
        )
    });
    let mut out = Outcome::new(status, summary)
        .expected("no TCP, a loopback bind, or a password/ACL; protected-mode on; a cache-friendly eviction policy")
        .evidence("bind", bind.to_string())
        .evidence("port", port.to_string());
    if !socket.is_empty() {
        out = out.evidence("unixsocket", socket.to_string()).evidence(
            "unixsocketperm",
            get("unixsocketperm").unwrap_or("?").to_string(),
        );
    }
    out.evidence("protected-mode", protected.to_string())
        .evidence("password", if password_set { "set" } else { "not set" })
        .evidence("maxmemory", maxmemory.to_string())
        .evidence("maxmemory-policy", policy.to_string())
        .evidence("save (RDB)", get("save").unwrap_or("?").to_string())
        .evidence("appendonly (AOF)", get("appendonly").unwrap_or("?").to_string())
        .hint(if status == Status::Pass {
            None
        } else if !exposure_ok {
            hint::security(
                "Keep Redis on 127.0.0.1 (`bind 127.0.0.1 -::1`) or a unix socket, or require a password and firewall it; keep `protected-mode yes`.",
            )
        } else {
            hint::production(
                "A cache must evict rather than refuse writes: set `maxmemory` with `allkeys-lru` (see the production notes).",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn exposed_without_password_fails_and_never_shows_password() {
        let o = judge(
            &pairs(&[
                ("bind", "0.0.0.0"),
                ("protected-mode", "no"),
                ("requirepass", ""),
            ]),
            false,
        );
        assert_eq!(o.status, Status::Fail);
        let o = judge(
            &pairs(&[("bind", "0.0.0.0"), ("requirepass", "hunter2")]),
            false,
        );
        assert_eq!(o.status, Status::Pass);
        assert!(!format!("{o:?}").contains("hunter2"));
        let o = judge(
            &pairs(&[
                ("bind", "127.0.0.1 -::1"),
                ("maxmemory", "100"),
                ("maxmemory-policy", "noeviction"),
            ]),
            false,
        );
        assert_eq!(o.status, Status::Warn);
    }

    #[test]
    fn socket_only_is_local_whatever_bind_says() {
        let o = judge(
            &pairs(&[
                ("bind", "* -::*"),
                ("port", "0"),
                ("unixsocket", "/run/redis/redis.sock"),
                ("protected-mode", "no"),
                ("requirepass", ""),
            ]),
            false,
        );
        assert_eq!(o.status, Status::Pass, "{}", o.summary);
        assert!(o.summary.starts_with("unix socket only"), "{}", o.summary);
        let o = judge(
            &pairs(&[
                ("bind", "* -::*"),
                ("port", "6379"),
                ("protected-mode", "no"),
                ("requirepass", ""),
            ]),
            false,
        );
        assert_eq!(o.status, Status::Fail);
        assert!(o.summary.contains("protected-mode is off"), "{}", o.summary);
        assert!(
            o.hint
                .is_some_and(|h| h.link.unwrap().ends_with("#security"))
        );
    }
}
