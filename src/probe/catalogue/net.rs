//! `tcp.connect` and `http.get` (plain HTTP/1.1 over a TCP stream: the probes target
//! loopback app servers such as `/dash/system/`, so no TLS stack is pulled in).

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::ms_since;
use crate::probe::decl::{HttpParams, TcpParams};
use crate::probe::hint;
use crate::probe::result::{Outcome, Status, bound};
use crate::probe::runner::Ctx;

/// Most response bytes read (status line, headers and body).
const MAX_RESPONSE: usize = 1 << 20;

/// `host:port` (IPv6 as `[::1]:80`) → (host, port).
pub fn split_host_port(address: &str) -> Option<(String, u16)> {
    let (host, port) = if let Some(rest) = address.strip_prefix('[') {
        let (h, p) = rest.split_once("]:")?;
        (h, p)
    } else {
        address.rsplit_once(':')?
    };
    if host.is_empty() || host.contains(char::is_whitespace) {
        return None;
    }
    Some((host.to_string(), port.parse().ok().filter(|p| *p > 0)?))
}

/// A parsed `http://` URL.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpUrl {
    pub host: String,
    pub port: u16,
    pub path: String,
}

impl HttpUrl {
    pub fn parse(url: &str) -> Result<HttpUrl, String> {
        let rest = url.strip_prefix("http://").ok_or_else(|| {
            format!("`url` {url:?} must start with http:// (https is not supported by probes)")
        })?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if authority.contains('@') {
            return Err("`url` must not carry credentials".into());
        }
        let (host, port) = if authority.contains(':') {
            split_host_port(authority)
                .ok_or_else(|| format!("`url` {url:?} has a bad host:port"))?
        } else {
            (authority.to_string(), 80)
        };
        if host.is_empty() || path.chars().any(|c| c.is_control() || c == ' ') {
            return Err(format!("`url` {url:?} is not a valid http URL"));
        }
        let path = path.split('#').next().unwrap_or("/").to_string();
        Ok(HttpUrl { host, port, path })
    }
}

async fn connect(host: &str, port: u16, timeout: Duration) -> Result<(TcpStream, String), Outcome> {
    let t = Instant::now();
    match tokio::time::timeout(timeout, TcpStream::connect((host, port))).await {
        Ok(Ok(s)) => Ok((s, ms_since(t))),
        Ok(Err(e)) => {
            let dns = e.to_string().contains("lookup");
            let what = match e.kind() {
                std::io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
                _ if dns => "cannot resolve the host (DNS)".to_string(),
                _ => e.to_string(),
            };
            // A name that does not resolve is not a service that is down.
            let hint = if dns {
                "Check the host name (or use its IP address)."
            } else {
                "Is the service running and listening on that address?"
            };
            Err(Outcome::new(Status::Fail, format!("{host}:{port}: {what}"))
                .hint(hint::plain(hint)))
        }
        Err(_) => Err(Outcome::new(
            Status::Fail,
            format!(
                "{host}:{port}: no connection within {} ms",
                timeout.as_millis()
            ),
        )
        .hint(hint::plain(
            "A firewall drops the packets, or the host is down.",
        ))),
    }
}

pub async fn tcp(p: &TcpParams, ctx: &Ctx<'_>) -> Outcome {
    let Some((host, port)) = split_host_port(&p.address) else {
        return Outcome::new(Status::Error, format!("bad address {:?}", p.address));
    };
    let timeout = ctx.session.named.target.connect_timeout;
    match connect(&host, port, timeout).await {
        Ok((_, took)) => Outcome::pass(format!("{} accepts connections ({took})", p.address))
            .expected("connection accepted")
            .observed("accepted")
            .evidence("connect time", took),
        Err(o) => o.expected("connection accepted"),
    }
}

pub async fn http(p: &HttpParams, ctx: &Ctx<'_>) -> Outcome {
    let url = match HttpUrl::parse(&p.url) {
        Ok(u) => u,
        Err(e) => return Outcome::new(Status::Error, e),
    };
    let t = Instant::now();
    let (mut stream, _) = match connect(
        &url.host,
        url.port,
        ctx.session.named.target.connect_timeout,
    )
    .await
    {
        Ok(s) => s,
        Err(o) => return o,
    };
    let host_header = if url.port == 80 {
        url.host.clone()
    } else {
        format!("{}:{}", url.host, url.port)
    };
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: bisk-docs-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        url.path
    );
    if let Err(e) = stream.write_all(request.as_bytes()).await {
        return Outcome::new(Status::Fail, format!("cannot send the request: {e}"));
    }
    let mut buf = Vec::new();
    if let Err(e) = (&mut stream)
        .take(MAX_RESPONSE as u64)
        .read_to_end(&mut buf)
        .await
    {
        return Outcome::new(Status::Fail, format!("reading the response failed: {e}"));
    }
    let took = ms_since(t);
    let Some((status, body)) = parse_response(&buf) else {
        return Outcome::new(Status::Fail, "the answer is not an HTTP response");
    };
    let mut problems = Vec::new();
    if status != p.status {
        problems.push(format!("status {status}, expected {}", p.status));
    }
    let mut expected = format!("status {}", p.status);
    if let Some(needle) = &p.contains {
        expected.push_str(&format!(", body contains {needle:?}"));
        if !String::from_utf8_lossy(&body).contains(needle.as_str()) {
            problems.push(format!("body does not contain {needle:?}"));
        }
    }
    let out = if problems.is_empty() {
        Outcome::pass(format!("{} answered {status} in {took}", p.url))
    } else {
        Outcome::new(Status::Fail, format!("{}: {}", p.url, problems.join("; "))).hint(hint::plain(
            "Open the page in a browser and check the app's log.",
        ))
    };
    out.expected(expected)
        .observed(format!("status {status}, {} body bytes", body.len()))
        .evidence("time", took)
        .evidence(
            "body start",
            bound(&String::from_utf8_lossy(&body[..body.len().min(300)]), 300),
        )
}

/// Status code and (de-chunked) body of a raw HTTP/1.x response.
fn parse_response(buf: &[u8]) -> Option<(u16, Vec<u8>)> {
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&buf[..head_end]).ok()?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let mut parts = status_line.split_whitespace();
    if !parts.next()?.starts_with("HTTP/1.") {
        return None;
    }
    let status: u16 = parts.next()?.parse().ok()?;
    let chunked = lines.any(|l| {
        l.split_once(':').is_some_and(|(k, v)| {
            k.trim().eq_ignore_ascii_case("transfer-encoding")
                && v.to_ascii_lowercase().contains("chunked")
        })
    });
    let raw = &buf[head_end + 4..];
    Some((status, if chunked { dechunk(raw) } else { raw.to_vec() }))
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = raw.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&raw[..eol]);
        let Ok(size) = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
        else {
            break;
        };
        raw = &raw[eol + 2..];
        if size == 0 || size > raw.len() {
            out.extend_from_slice(&raw[..size.min(raw.len())]);
            break;
        }
        out.extend_from_slice(&raw[..size]);
        raw = raw.get(size + 2..).unwrap_or(&[]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_urls() {
        assert_eq!(
            split_host_port("127.0.0.1:6379"),
            Some(("127.0.0.1".into(), 6379))
        );
        assert_eq!(split_host_port("[::1]:80"), Some(("::1".into(), 80)));
        assert_eq!(split_host_port("host"), None);
        let u = HttpUrl::parse("http://127.0.0.1:8000/dash/system/").unwrap();
        assert_eq!((u.port, u.path.as_str()), (8000, "/dash/system/"));
        assert!(HttpUrl::parse("https://x/").is_err());
    }

    #[test]
    fn responses() {
        let (s, b) = parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nPID").unwrap();
        assert_eq!((s, b.as_slice()), (200, &b"PID"[..]));
        let (_, b) = parse_response(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nPI\r\n1\r\nD\r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!(b, b"PID");
        assert!(parse_response(b"garbage").is_none());
    }
}
