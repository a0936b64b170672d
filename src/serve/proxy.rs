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
use axum::http::{HeaderMap, HeaderName, Request, Uri};

use crate::config::{PublicUrl, ServeSettings};

/// What a trusted proxy said about the user, put on the request by the guard; handlers read
/// it as an extension. A client cannot set it: the guard drops the header from anyone else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyUser {
    /// The operator the proxy vouches for.
    Named(String),
    /// The proxy sent the header, but not a usable name (why, for the refusal). The header
    /// is the identity, so actions are refused: a typed name never stands in for it.
    Unusable(String),
}

impl ProxyUser {
    /// The vouched-for name, when usable.
    pub fn name(&self) -> Option<&str> {
        match self {
            ProxyUser::Named(n) => Some(n),
            ProxyUser::Unusable(_) => None,
        }
    }
}

/// An operator name from a trusted proxy's header value, exactly as sent or refused (never
/// trimmed to fit or cleaned): raw UTF-8, which is what nginx passes on (`$remote_user`, an
/// upstream's `X-Forwarded-User` via `auth_request_set`), or an RFC 8187 ext-value
/// (`UTF-8''Jos%C3%A9`) for proxies that keep headers ASCII. Bare percent-encoding is not
/// decoded: `50%25` may be someone's name, and guessing would make two names one.
pub(crate) fn decode_operator(raw: &[u8]) -> Result<String, String> {
    let text = std::str::from_utf8(raw).map_err(|_| "is not valid UTF-8".to_string())?;
    let text = text.trim_matches([' ', '\t']);
    let text = match ext_value(text) {
        Some(Ok(decoded)) => decoded,
        Some(Err(why)) => return Err(why),
        None => text.to_string(),
    };
    if text.is_empty() {
        return Err("is empty".into());
    }
    // Controls, and the invisible marks that could make one name look like another in
    // the run log (bidi overrides, zero-width characters).
    if text.chars().any(|c| {
        c.is_control()
            || matches!(u32::from(c), 0x200b..=0x200f | 0x202a..=0x202e | 0x2060..=0x2069 | 0x061c | 0xfeff)
    }) {
        return Err("holds a control or invisible formatting character".into());
    }
    let max = crate::text::MAX_OPERATOR;
    if text.chars().count() > max {
        return Err(format!("is longer than {max} characters"));
    }
    Ok(text)
}

/// An RFC 8187 `charset'[language]'pct-encoded` value: `None` when the text is not one.
/// The two charsets RFC 8187 names mark one; other apostrophes (`d'Arcy O'Neil`) are text.
fn ext_value(text: &str) -> Option<Result<String, String>> {
    let (charset, rest) = text.split_once('\'')?;
    let (language, encoded) = rest.split_once('\'')?;
    let looks_like = ["utf-8", "iso-8859-1"]
        .iter()
        .any(|c| charset.eq_ignore_ascii_case(c))
        && language
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !looks_like {
        return None;
    }
    if !charset.eq_ignore_ascii_case("utf-8") {
        return Some(Err(format!(
            "is in charset {charset}; only UTF-8 (raw or as UTF-8'') is accepted"
        )));
    }
    Some(
        crate::percent::decode_strict(encoded)
            .map(|d| d.into_owned())
            .ok_or_else(|| "is an RFC 8187 value that does not decode to UTF-8".to_string()),
    )
}

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

    /// The operator a trusted proxy vouches for; `None` from anyone else, when unset, or
    /// when the proxy sent no such header. A header it sent is the identity or unusable
    /// (see [`decode_operator`]); sent twice, it is unusable.
    pub fn proxy_user(&self, headers: &HeaderMap, peer: Option<IpAddr>) -> Option<ProxyUser> {
        let name = self.operator_header.as_ref()?;
        if !self.trusts(peer) {
            return None;
        }
        let mut values = headers.get_all(name).iter();
        let first = values.next()?;
        if values.next().is_some() {
            return Some(ProxyUser::Unusable(format!(
                "the trusted proxy sent {name} more than once"
            )));
        }
        Some(match decode_operator(first.as_bytes()) {
            Ok(user) => ProxyUser::Named(user),
            Err(why) => ProxyUser::Unusable(format!("the trusted proxy's {name} header {why}")),
        })
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
pub(crate) fn peer_of<B>(req: &Request<B>) -> Option<IpAddr> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

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
            Some(ProxyUser::Named("alice".into()))
        );
        assert_eq!(a.proxy_user(&h, ip("192.168.1.9")), None);
        // Raw UTF-8, as nginx passes `$remote_user` on; the same name as an RFC 8187 value.
        h.insert(
            "x-forwarded-user",
            HeaderValue::from_bytes("José".as_bytes()).unwrap(),
        );
        assert_eq!(
            a.proxy_user(&h, ip("10.0.0.7")),
            Some(ProxyUser::Named("José".into()))
        );
        h.insert("x-forwarded-user", "UTF-8''Jos%C3%A9".parse().unwrap());
        assert_eq!(
            a.proxy_user(&h, ip("10.0.0.7")),
            Some(ProxyUser::Named("José".into()))
        );
        // Sent but unusable: never dropped (which would let a typed name stand in).
        for (raw, why) in [
            (&b"Jos\xe9"[..], "is not valid UTF-8"),
            (b"  ", "is empty"),
            (b"ISO-8859-1''Jos%E9", "is in charset ISO-8859-1"),
            (b"UTF-8''Jos%E9", "does not decode to UTF-8"),
            ("al\u{202e}ice".as_bytes(), "invisible formatting character"),
            (&[b'a'; 81], "is longer than 80 characters"),
        ] {
            h.insert("x-forwarded-user", HeaderValue::from_bytes(raw).unwrap());
            match a.proxy_user(&h, ip("10.0.0.7")) {
                Some(ProxyUser::Unusable(m)) => assert!(
                    m.starts_with("the trusted proxy's x-forwarded-user header ")
                        && m.contains(why),
                    "{raw:?}: {m}"
                ),
                other => panic!("{raw:?}: {other:?}"),
            }
            assert_eq!(a.proxy_user(&h, ip("192.168.1.9")), None);
        }
        h.insert("x-forwarded-user", "alice".parse().unwrap());
        h.append("x-forwarded-user", "bob".parse().unwrap());
        assert!(matches!(
            a.proxy_user(&h, ip("10.0.0.7")),
            Some(ProxyUser::Unusable(m)) if m.contains("more than once")
        ));
        // Not a charset'lang' form: a name with apostrophes is kept as written.
        assert_eq!(decode_operator(b"d'Arcy O'Neil").unwrap(), "d'Arcy O'Neil");
        assert_eq!(decode_operator(b"50%25 off").unwrap(), "50%25 off");
        assert_eq!(decode_operator(b"O'Brien'x").unwrap(), "O'Brien'x");
        assert_eq!(decode_operator(&[b'a'; 80]).unwrap().len(), 80);
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
