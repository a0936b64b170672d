//! Request guards, applied to every route (also routes other features merge in):
//!
//! - **Host check** against DNS rebinding: a page on `evil.example` whose name is re-pointed
//!   at 127.0.0.1 still sends `Host: evil.example`, so only `localhost`, IP literals,
//!   this machine's own name and the configured names (`[serve] allowed_hosts`, the
//!   `public_url`'s host) are accepted.
//! - **Identity**: `[serve] operator_header` is believed only from `trusted_proxies` (it
//!   becomes a [`super::proxy::ProxyUser`] extension) and removed from everyone else's
//!   requests.
//! - **Writes** (any method but GET/HEAD/OPTIONS) need the per-server token in
//!   `X-Bisk-Token` and, when the browser sends `Origin` or `Sec-Fetch-Site`, our own
//!   origin ([`write_refusal`], the one rule for every POST route of the process).
//! - **CORS** only for `[serve] allowed_origins`, only for reading `/api/`.
//! - **Headers**: Content-Security-Policy, nosniff, no framing, no referrer.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use std::sync::Arc;

use super::state::ServeState;

/// Header carrying the per-server token on writes.
pub(crate) const TOKEN_HEADER: &str = "x-bisk-token";

/// Whether `host` (the Host header, with or without port) names this server in a way a
/// rebinding attack cannot produce.
pub(crate) fn host_allowed(host: &str, own_name: Option<&str>) -> bool {
    let name = strip_port(host).to_ascii_lowercase();
    if name.is_empty() {
        return false;
    }
    if name == "localhost" || name.ends_with(".localhost") {
        return true;
    }
    if name.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    if let Some(v6) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        return v6.parse::<std::net::Ipv6Addr>().is_ok();
    }
    own_name.is_some_and(|own| name == own.to_ascii_lowercase())
}

pub(crate) fn strip_port(host: &str) -> &str {
    let host = host.trim();
    if host.starts_with('[') {
        // [::1]:3000
        return match host.find(']') {
            Some(end) => &host[..=end],
            None => host,
        };
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    }
}

/// This machine's host name, read once.
fn own_hostname() -> Option<&'static str> {
    static NAME: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .or_else(|_| std::fs::read_to_string("/etc/hostname"))
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    })
    .as_deref()
}

fn refuse(status: StatusCode, why: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{why}\n"),
    )
        .into_response()
}

/// Constant-time comparison so the token cannot be guessed byte by byte from timings.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn header_str(h: &HeaderMap, name: impl header::AsHeaderName) -> Option<&str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// Whether `method` changes something (everything but GET and HEAD; OPTIONS is answered as
/// a CORS preflight before this is asked).
fn is_write(method: &Method) -> bool {
    method != Method::GET && method != Method::HEAD
}

/// The one rule for every write (probe runs, runbook actions): `None` when the request may
/// go ahead, else the refusal to send. When the browser says where the request comes from
/// (`Origin`, `Sec-Fetch-Site`), that must be this server's own page; and the request must
/// carry this server's token (compared in constant time). `also_own` are further origins of
/// this server's pages (behind a proxy: the public URL's).
pub(crate) fn write_refusal(
    headers: &HeaderMap,
    token: &str,
    also_own: &[String],
) -> Option<Response> {
    if let Some(origin) = headers.get(header::ORIGIN) {
        let host = header_str(headers, header::HOST).unwrap_or("");
        let own = (!host.is_empty() && origin.as_bytes() == format!("http://{host}").as_bytes())
            || also_own.iter().any(|o| o.as_bytes() == origin.as_bytes());
        if !own {
            return Some(refuse(
                StatusCode::FORBIDDEN,
                "cross-origin writes are not allowed (Origin does not match this server)",
            ));
        }
    }
    if let Some(site) = headers.get("sec-fetch-site")
        && !matches!(site.as_bytes(), b"same-origin" | b"none")
    {
        return Some(refuse(
            StatusCode::FORBIDDEN,
            "cross-site writes are not allowed (Sec-Fetch-Site is not same-origin)",
        ));
    }
    let sent = headers
        .get(TOKEN_HEADER)
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if !same_secret(sent, token.as_bytes()) {
        return Some(refuse(
            StatusCode::FORBIDDEN,
            "missing or wrong X-Bisk-Token (reload the page to get the current one)",
        ));
    }
    None
}

/// Marks a write the server's own guard has let through (with the proxy-aware origins that
/// only it knows), so a router's own [`writes`] does not judge it again with less.
#[derive(Debug, Clone, Copy)]
struct WriteAllowed;

/// [`write_refusal`] as a middleware over a token, for routers that must stay guarded
/// wherever they are mounted (the runbook walkthrough's actions).
pub(crate) async fn writes(
    State(token): State<Arc<str>>,
    req: Request<Body>,
    next: Next,
) -> Response {
    if is_write(req.method())
        && req.extensions().get::<WriteAllowed>().is_none()
        && let Some(refusal) = write_refusal(req.headers(), &token, &[])
    {
        return refusal;
    }
    next.run(req).await
}

/// The middleware.
pub(crate) async fn guard(
    State(state): State<ServeState>,
    mut req: Request<Body>,
    next: Next,
) -> Response {
    state
        .metrics()
        .requests
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let access = state.access();
    let peer = super::proxy::peer_of(&req);
    let host = header_str(req.headers(), header::HOST)
        .unwrap_or("")
        .to_string();
    if !access.host_allowed(&host, own_hostname()) {
        return refuse(
            StatusCode::MISDIRECTED_REQUEST,
            "Host header not accepted: use localhost or the IP address of this server, or add the name to [serve] allowed_hosts (or public_url)",
        );
    }
    // Who the request is from: only a trusted proxy may say, and nobody else's header
    // reaches a handler.
    let user = access.proxy_user(req.headers(), peer);
    if let Some(name) = access.operator_header() {
        req.headers_mut().remove(name);
    }
    if let Some(user) = user {
        req.extensions_mut().insert(user);
    }
    let headers = req.headers();
    let origin = header_str(headers, header::ORIGIN).map(str::to_string);
    let is_api = req.uri().path().starts_with("/api/");
    let cors_origin = origin
        .as_ref()
        .filter(|o| is_api && access.allowed_origins.iter().any(|a| a == *o))
        .cloned();

    let method = req.method().clone();
    if method == Method::OPTIONS {
        // Preflight: only allowed origins, only for reading.
        let Some(o) = cors_origin else {
            return refuse(
                StatusCode::FORBIDDEN,
                "cross-origin requests are not allowed",
            );
        };
        let mut resp = StatusCode::NO_CONTENT.into_response();
        cors_headers(resp.headers_mut(), &o);
        resp.headers_mut().insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET"),
        );
        return resp;
    }
    if is_write(&method) {
        if let Some(refusal) =
            write_refusal(headers, state.token(), &access.own_origins(headers, peer))
        {
            return refusal;
        }
        req.extensions_mut().insert(WriteAllowed);
    }

    let csp = state.files().csp();
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if let Some(o) = cors_origin
        && (method == Method::GET || method == Method::HEAD)
    {
        cors_headers(h, &o);
    }
    resp
}

fn cors_headers(h: &mut HeaderMap, origin: &str) {
    if let Ok(v) = HeaderValue::from_str(origin) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
    }
    h.append(header::VARY, HeaderValue::from_static("Origin"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        for ok in [
            "localhost:3000",
            "127.0.0.1:3000",
            "[::1]:3000",
            "10.1.2.3",
            "LOCALHOST",
        ] {
            assert!(host_allowed(ok, None), "{ok}");
        }
        assert!(host_allowed("docs-box:3000", Some("docs-box")));
        for bad in [
            "evil.example:3000",
            "",
            "127.0.0.1.nip.io",
            "[zz]:1",
            "docs-box",
        ] {
            assert!(!host_allowed(bad, None), "{bad}");
        }
    }

    #[test]
    fn secrets_compare() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abc", b"abd"));
        assert!(!same_secret(b"abc", b"ab"));
    }
}
