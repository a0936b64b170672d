//! Running behind a reverse proxy (nginx at `https://docs.bisk.internal/ops-docs/`): which
//! `Host` names are accepted, whose `X-Forwarded-*` headers are believed (only the
//! `[serve] trusted_proxies`), which origins count as this server's own for writes, the
//! operator a trusted proxy vouches for, and the sub-path the site is served under.
//!
//! Every URL the pages use is relative to the page, so a proxy may strip the sub-path
//! (`proxy_pass http://127.0.0.1:3000/;`) or pass it on: a request under the public URL's
//! path, or under a trusted proxy's `X-Forwarded-Prefix`, is served as if at the root.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, HeaderName, Request, Uri, header};

use crate::config::{PublicUrl, ServeSettings};

/// The user a trusted proxy authenticated, put on the request by the guard; handlers read
/// it as an extension. A client cannot set it: the guard drops the header from anyone else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyUser(pub String);

/// What the server accepts from whom.
#[derive(Debug, Clone, Default)]
pub struct Access {
    /// Origins of static sites allowed to read `/api/` (CORS).
    pub allowed_origins: Vec<String>,
    /// Extra `Host` names (lower case), the public URL's included.
    allowed_hosts: Vec<String>,
    public: Option<PublicUrl>,
    trusted: Vec<ipnet::IpNet>,
    operator_header: Option<HeaderName>,
}

impl Access {
    pub fn from_settings(s: &ServeSettings) -> Access {
        let mut allowed_hosts: Vec<String> = s
            .allowed_hosts
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect();
        if let Some(p) = &s.public_url {
            allowed_hosts.push(p.host.clone());
        }
        Access {
            allowed_origins: s.allowed_origins.clone(),
            allowed_hosts,
            public: s.public_url.clone(),
            trusted: s.trusted_proxies.clone(),
            operator_header: s
                .operator_header
                .as_deref()
                .and_then(|h| HeaderName::from_bytes(h.as_bytes()).ok()),
        }
    }

    /// Whether `host` (a `Host` header) names this server: loopback names, IP literals and
    /// this machine's name always (see [`super::guard::host_allowed`]), plus the configured
    /// names. Anything else is a DNS-rebinding attempt or a misconfigured proxy.
    pub fn host_allowed(&self, host: &str, own_name: Option<&str>) -> bool {
        if super::guard::host_allowed(host, own_name) {
            return true;
        }
        let name = super::guard::strip_port(host).to_ascii_lowercase();
        self.allowed_hosts.contains(&name)
    }

    /// Whether `peer` is one of the trusted proxies.
    pub fn trusts(&self, peer: Option<IpAddr>) -> bool {
        let Some(ip) = peer else { return false };
        // An IPv4 peer on a dual-stack socket arrives as ::ffff:a.b.c.d.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        self.trusted.iter().any(|net| net.contains(&ip))
    }

    /// Origins that are this server's own pages, besides `http://{Host}`: the public URL's,
    /// and what a trusted proxy says (`X-Forwarded-Proto` + `X-Forwarded-Host`).
    pub fn own_origins(&self, headers: &HeaderMap, peer: Option<IpAddr>) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(p) = &self.public {
            out.push(p.origin.clone());
        }
        if self.trusts(peer)
            && let Some(host) = first_value(headers, "x-forwarded-host")
        {
            let proto = first_value(headers, "x-forwarded-proto").unwrap_or("http");
            if matches!(proto, "http" | "https") {
                out.push(format!("{proto}://{host}"));
            }
        }
        out
    }

    /// The operator a trusted proxy vouches for; `None` from anyone else or when unset.
    pub fn proxy_user(&self, headers: &HeaderMap, peer: Option<IpAddr>) -> Option<ProxyUser> {
        let name = self.operator_header.as_ref()?;
        if !self.trusts(peer) {
            return None;
        }
        let value = headers.get(name)?.to_str().ok()?.trim();
        crate::runbook::session::clean_operator(value).map(ProxyUser)
    }

    /// The configured identity header, which the guard removes from untrusted requests.
    pub fn operator_header(&self) -> Option<&HeaderName> {
        self.operator_header.as_ref()
    }

    /// The request with the sub-path taken off its path, when it arrives under the public
    /// URL's path or a trusted proxy's `X-Forwarded-Prefix`.
    pub fn strip_prefix<B>(&self, mut req: Request<B>) -> Request<B> {
        let peer = peer_of(&req);
        let forwarded = self
            .trusts(peer)
            .then(|| first_value(req.headers(), "x-forwarded-prefix"))
            .flatten()
            .map(str::to_string);
        let prefixes = self
            .public
            .as_ref()
            .map(|p| p.prefix.clone())
            .into_iter()
            .chain(forwarded);
        for prefix in prefixes {
            let prefix = prefix.trim_end_matches('/');
            if prefix.is_empty() || !prefix.starts_with('/') {
                continue;
            }
            let path = req.uri().path();
            let rest = match path.strip_prefix(prefix) {
                Some("") => "/",
                Some(r) if r.starts_with('/') => r,
                _ => continue,
            };
            let pq = match req.uri().query() {
                Some(q) => format!("{rest}?{q}"),
                None => rest.to_string(),
            };
            if let Ok(uri) = pq.parse::<Uri>() {
                *req.uri_mut() = uri;
            }
            break;
        }
        req
    }
}

/// The TCP peer of a request, when the server records it.
pub fn peer_of<B>(req: &Request<B>) -> Option<IpAddr> {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// The first value of a possibly comma-separated forwarded header (the proxy nearest the
/// client comes first).
fn first_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)?
        .to_str()
        .ok()?
        .split(',')
        .next()
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// `Host` of a request, for messages.
pub fn host_of(headers: &HeaderMap) -> &str {
    headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(toml: &str) -> Access {
        let c = crate::config::Config::parse(toml, std::path::Path::new("bisk-docs.toml"))
            .expect("config");
        Access::from_settings(&c.serve)
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn hosts_trust_and_origins() {
        let a = access(
            "[serve]\npublic_url = \"https://Docs.Bisk.Internal/ops-docs\"\nallowed_hosts = [\"docs-alias\"]\ntrusted_proxies = [\"10.0.0.0/24\", \"::1\"]\noperator_header = \"X-Forwarded-User\"\n",
        );
        assert!(a.host_allowed("docs.bisk.internal", None));
        assert!(a.host_allowed("DOCS-ALIAS:8443", None));
        assert!(a.host_allowed("127.0.0.1:3000", None));
        assert!(!a.host_allowed("evil.example", None));
        assert!(a.trusts(ip("10.0.0.7")));
        assert!(a.trusts(ip("::ffff:10.0.0.7")));
        assert!(a.trusts(ip("::1")));
        assert!(!a.trusts(ip("10.0.1.7")));
        assert!(!a.trusts(None));

        let mut h = HeaderMap::new();
        h.insert("x-forwarded-host", "proxy.example".parse().unwrap());
        h.insert("x-forwarded-proto", "https".parse().unwrap());
        h.insert("x-forwarded-user", "alice".parse().unwrap());
        assert_eq!(
            a.own_origins(&h, ip("10.0.0.7")),
            ["https://docs.bisk.internal", "https://proxy.example"]
        );
        assert_eq!(
            a.own_origins(&h, ip("192.168.1.9")),
            ["https://docs.bisk.internal"]
        );
        assert_eq!(
            a.proxy_user(&h, ip("10.0.0.7")),
            Some(ProxyUser("alice".into()))
        );
        assert_eq!(a.proxy_user(&h, ip("192.168.1.9")), None);
    }

    #[test]
    fn the_sub_path_is_taken_off() {
        let a = access("[serve]\npublic_url = \"https://docs.bisk.internal/ops-docs/\"\n");
        let path = |p: &str| {
            a.strip_prefix(Request::builder().uri(p).body(()).unwrap())
                .uri()
                .to_string()
        };
        assert_eq!(path("/ops-docs/ops/A.html"), "/ops/A.html");
        assert_eq!(path("/ops-docs"), "/");
        assert_eq!(path("/ops-docs/api/events?page=x"), "/api/events?page=x");
        assert_eq!(path("/ops-docsX/a"), "/ops-docsX/a");
        assert_eq!(path("/ops/A.html"), "/ops/A.html");
    }
}
