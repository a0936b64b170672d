//! `[serve]`: the server's address, intervals, history bounds and what it believes of a
//! reverse proxy.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

use super::de_duration;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServeSettings {
    pub bind: String,
    #[serde(deserialize_with = "de_duration")]
    pub probe_interval: Duration,
    /// Origins of static sites allowed to read probe results (CORS).
    pub allowed_origins: Vec<String>,
    /// Folder for what outlives one run of `serve` (the probe history store), relative to
    /// the root unless absolute. Never published: it must lie outside `docs_dir` and
    /// `out_dir`.
    pub state_dir: PathBuf,
    /// Results the history store keeps per probe (older ones are dropped first).
    pub history_max_results: usize,
    /// Results older than this are dropped from the history store.
    #[serde(deserialize_with = "de_duration")]
    pub history_max_age: Duration,
    /// Host names accepted in `Host` besides loopback names, IP literals and this machine's
    /// own name: the names a reverse proxy forwards (the public URL's host is added).
    pub allowed_hosts: Vec<String>,
    /// Where people reach the server through a reverse proxy, sub-path included
    /// (`https://docs.bisk.internal/ops-docs/`).
    pub public_url: Option<PublicUrl>,
    /// Addresses (`10.0.0.5`, `10.0.0.0/24`) of the proxies whose `X-Forwarded-*` headers are
    /// believed. Nobody else's are.
    #[serde(deserialize_with = "de_nets")]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The header a trusted proxy sets to its authenticated user (`X-Forwarded-User`): the
    /// walkthrough's operator. Ignored from anyone but `trusted_proxies`.
    pub operator_header: Option<String>,
}

impl Default for ServeSettings {
    fn default() -> Self {
        ServeSettings {
            bind: "127.0.0.1:3000".into(),
            probe_interval: Duration::from_secs(5),
            allowed_origins: Vec::new(),
            state_dir: ".bisk-docs".into(),
            // 24 hours of results at a one-second interval.
            history_max_results: 100_000,
            history_max_age: Duration::from_secs(24 * 3600),
            allowed_hosts: Vec::new(),
            public_url: None,
            trusted_proxies: Vec::new(),
            operator_header: None,
        }
    }
}

/// `[serve] public_url`: an absolute http(s) URL whose path is the sub-path the proxy serves
/// the site under (always ending in `/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl {
    /// `https://docs.bisk.internal` (scheme, host and port: what a browser sends as `Origin`).
    pub origin: String,
    /// `docs.bisk.internal`, lower case.
    pub host: String,
    /// `/ops-docs/`, or `/`.
    pub prefix: String,
}

impl PublicUrl {
    pub fn parse(text: &str) -> Result<PublicUrl, String> {
        let url = url::Url::parse(text)
            .map_err(|e| format!("`public_url` is not a URL ({e}): {text:?}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("`public_url` must be an http(s) URL, got {text:?}"));
        }
        if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
            return Err(format!(
                "`public_url` is where the site is served: no query, fragment or user name, got {text:?}"
            ));
        }
        let host = url
            .host_str()
            .ok_or_else(|| format!("`public_url` has no host: {text:?}"))?
            .to_ascii_lowercase();
        let mut prefix = url.path().to_string();
        if !prefix.ends_with('/') {
            prefix.push('/');
        }
        Ok(PublicUrl {
            origin: url.origin().ascii_serialization(),
            host,
            prefix,
        })
    }
}

impl<'de> Deserialize<'de> for PublicUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        PublicUrl::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Accepts addresses (`10.0.0.5`, `::1`) and networks (`10.0.0.0/24`).
fn de_nets<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ipnet::IpNet>, D::Error> {
    let items = Vec::<String>::deserialize(d)?;
    items
        .iter()
        .map(|s| {
            s.parse::<ipnet::IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    serde::de::Error::custom(format!(
                        "`trusted_proxies`: {s:?} is not an IP address or a network like 10.0.0.0/24"
                    ))
                })
        })
        .collect()
}
