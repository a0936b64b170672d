//! Does a Redis target run on this host? Asked before trusting `/proc` with a PID read from
//! the cache: a PID only means something on the host that wrote it.
//!
//! Decided from what the URL *resolves to*, never from how it is spelled: `redis://web1:6379`
//! and `redis://10.0.0.7:6379` are this host when web1 / 10.0.0.7 are its own. An address is
//! this host's when it is loopback or unspecified, or when a socket can be bound to it (the
//! kernel allows that only for addresses assigned to one of our interfaces). The target's
//! `local = true | false` overrides the guess; a unix socket is always local.

use std::net::{IpAddr, SocketAddr, UdpSocket};

use crate::config::RedisTarget;

/// The answer, each with the reason in words a person can check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Locality {
    Local(String),
    Remote(String),
    /// Cannot tell (the name does not resolve, the answers disagree, …).
    Unknown(String),
}

/// Decides where the target's Redis runs; resolves host names (bounded by the caller's deadline).
pub(crate) async fn of_target(target: &RedisTarget) -> Locality {
    match target.local {
        Some(true) => return Locality::Local("local = true on the target".into()),
        Some(false) => return Locality::Remote("local = false on the target".into()),
        None => {}
    }
    match target.backend {
        crate::config::Backend::Redis => {}
        crate::config::Backend::File => {
            return Locality::Local("a FileBasedCache directory on this host".into());
        }
        crate::config::Backend::Db => {
            return match target
                .database
                .as_deref()
                .map(crate::config::DatabaseUrl::parse)
            {
                Some(Ok(crate::config::DatabaseUrl::Sqlite(_))) => {
                    Locality::Local("an SQLite file on this host".into())
                }
                Some(Ok(crate::config::DatabaseUrl::Postgres(url))) => match pg_host(&url) {
                    Some((host, port)) => of_host(&host, port).await,
                    None => Locality::Unknown("the database URL names no host".into()),
                },
                _ => Locality::Unknown("the database URL does not parse".into()),
            };
        }
    }
    let url = target.url.trim();
    if url.starts_with("unix:") || url.starts_with("redis+unix:") {
        return Locality::Local("a unix socket".into());
    }
    let (host, port) = match crate::redis_url::RedisUrl::parse(url).map(|u| u.addr) {
        Ok(crate::redis_url::Address::Tcp { host, port }) => (host, port),
        Ok(crate::redis_url::Address::Unix(_)) => {
            return Locality::Local("a unix socket".into());
        }
        Err(_) => return Locality::Unknown("the target URL does not parse".into()),
    };
    of_host(&host, port).await
}

/// Host and port of a `postgres://[user[:pw]@]host[:port]/db` URL.
fn pg_host(url: &str) -> Option<(String, u16)> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?']).next()?;
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if hostport.is_empty() {
        return None;
    }
    if let Some(v6) = hostport.strip_prefix('[') {
        let (h, after) = v6.split_once(']')?;
        let port = after
            .strip_prefix(':')
            .and_then(|p| p.parse().ok())
            .unwrap_or(5432);
        return Some((h.to_string(), port));
    }
    match hostport.rsplit_once(':') {
        Some((h, p)) => Some((h.to_string(), p.parse().ok()?)),
        None => Some((hostport.to_string(), 5432)),
    }
}

/// Decides from what `host` resolves to.
async fn of_host(host: &str, port: u16) -> Locality {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    if let Ok(ip) = host.parse::<IpAddr>() {
        return judge_addresses(&host, &[ip]);
    }
    if host.eq_ignore_ascii_case("localhost")
        || this_host_name().is_some_and(|n| n.eq_ignore_ascii_case(&host))
    {
        return Locality::Local(format!("{host} is this host's name"));
    }
    match tokio::net::lookup_host((host.as_str(), port)).await {
        Ok(addrs) => {
            let ips: Vec<IpAddr> = addrs.map(|a| a.ip()).collect();
            if ips.is_empty() {
                Locality::Unknown(format!("{host} resolves to no address"))
            } else {
                judge_addresses(&host, &ips)
            }
        }
        Err(_) => Locality::Unknown(format!("{host} does not resolve here")),
    }
}

/// Local when every address is this host's, remote when none is, unknown when they disagree.
pub(crate) fn judge_addresses(host: &str, ips: &[IpAddr]) -> Locality {
    let mut own = Vec::new();
    let mut other = Vec::new();
    let mut undecidable = Vec::new();
    for ip in ips {
        let ip = ip.to_canonical();
        match is_own_address(ip) {
            Some(true) => own.push(ip),
            Some(false) => other.push(ip),
            None => undecidable.push(ip),
        }
    }
    let list = |v: &[IpAddr]| {
        v.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let resolves = |v: &[IpAddr]| {
        if v.len() == 1 && v[0].to_string() == host {
            host.to_string()
        } else {
            format!("{host} resolves to {}", list(v))
        }
    };
    if !undecidable.is_empty() {
        Locality::Unknown(format!(
            "{}: this host allows binding to any address (ip_nonlocal_bind), so its own addresses cannot be told apart",
            resolves(&undecidable)
        ))
    } else if other.is_empty() {
        Locality::Local(format!("{}, an address of this host", resolves(&own)))
    } else if own.is_empty() {
        Locality::Remote(format!("{}, not an address of this host", resolves(&other)))
    } else {
        Locality::Unknown(format!(
            "{host} resolves both to this host ({}) and to others ({})",
            list(&own),
            list(&other)
        ))
    }
}

/// `Some(true)` for loopback, unspecified and assigned addresses; `None` where the kernel
/// lets any address be bound, which makes the bind test meaningless.
fn is_own_address(ip: IpAddr) -> Option<bool> {
    if ip.is_loopback() || ip.is_unspecified() {
        return Some(true);
    }
    let sysctl = match ip {
        IpAddr::V4(_) => "/proc/sys/net/ipv4/ip_nonlocal_bind",
        IpAddr::V6(_) => "/proc/sys/net/ipv6/ip_nonlocal_bind",
    };
    if std::fs::read_to_string(sysctl).is_ok_and(|v| v.trim() != "0") {
        return None;
    }
    // Port 0 and UDP: nothing listens, nothing is sent; only the address is checked.
    Some(UdpSocket::bind(SocketAddr::new(ip, 0)).is_ok())
}

/// This host's name as the kernel knows it.
fn this_host_name() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()?;
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str, local: Option<bool>) -> RedisTarget {
        RedisTarget {
            url: url.into(),
            local,
            ..RedisTarget::default()
        }
    }

    fn at(url: &str) -> Locality {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(of_target(&target(url, None)))
    }

    #[test]
    fn loopback_and_sockets_are_local() {
        for url in [
            "redis://127.0.0.1:6379/1",
            "redis://127.0.0.2:6379/1",
            "redis://:pw@localhost:6379/1",
            "redis://[::1]:6379/1",
            "unix:///run/redis.sock?db=1",
            "redis+unix:///run/redis.sock",
        ] {
            assert!(
                matches!(at(url), Locality::Local(_)),
                "{url}: {:?}",
                at(url)
            );
        }
    }

    #[test]
    fn this_hosts_name_is_local() {
        // Regression: a URL naming this host by its name was "another host" before.
        if let Some(name) = this_host_name() {
            let url = format!("redis://{name}:6379/1");
            assert!(
                matches!(at(&url), Locality::Local(_)),
                "{url}: {:?}",
                at(&url)
            );
        }
    }

    #[test]
    fn a_documentation_address_is_remote() {
        // 198.51.100.0/24 (TEST-NET-2) is assigned to nobody.
        match at("redis://198.51.100.7:6379/1") {
            Locality::Remote(why) => assert!(why.contains("not an address of this host"), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_target_setting_wins() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let remote = rt.block_on(of_target(&target("redis://127.0.0.1:6379/1", Some(false))));
        assert!(matches!(remote, Locality::Remote(_)));
        let local = rt.block_on(of_target(&target(
            "redis://198.51.100.7:6379/1",
            Some(true),
        )));
        assert!(matches!(local, Locality::Local(_)));
    }

    #[test]
    fn mixed_answers_are_unknown() {
        let ips = [
            "127.0.0.1".parse().unwrap(),
            "198.51.100.7".parse().unwrap(),
        ];
        assert!(matches!(
            judge_addresses("both", &ips),
            Locality::Unknown(_)
        ));
    }
}
