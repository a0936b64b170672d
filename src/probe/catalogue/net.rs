//! `tcp.connect` and `http.get` (plain HTTP/1.1 over a TCP stream: the probes target
//! loopback app servers such as `/dash/system/`, so no TLS stack is pulled in).

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::http1::{parse_response, response_complete};
use super::ms_since;
use crate::probe::decl::{HttpParams, TcpParams};
use crate::probe::hint;
use crate::probe::result::{Outcome, Status};
use crate::probe::runner::Ctx;
use crate::text::bound;

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

/// `http.get`; the verdict table is in the README (`### http.get`), [`judge_http`] is its
/// pure half.
pub async fn http(p: &HttpParams, ctx: &Ctx<'_>) -> Outcome {
    let url = match HttpUrl::parse(&p.url) {
        Ok(u) => u,
        Err(e) => return Outcome::new(Status::Error, e),
    };
    let target = &ctx.session.named.target;
    let t = Instant::now();
    let (mut stream, _) = match connect(&url.host, url.port, target.connect_timeout).await {
        Ok(s) => s,
        Err(o) => return o.expected(format!("status {}", p.status)),
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
    // The answer must come within the target's deadline; the runner's own cut (connect
    // timeout + deadline, from the start) would only say "no result", so stop a little
    // before it and say what was missing.
    let budget = (target.connect_timeout + target.deadline)
        .saturating_sub(t.elapsed())
        .saturating_sub(Duration::from_millis(100))
        .max(Duration::from_millis(50));
    let exchange = async {
        stream.write_all(request.as_bytes()).await?;
        read_response(&mut stream).await
    };
    let read = tokio::time::timeout(budget, exchange).await;
    let took = ms_since(t);
    let got = match read {
        Ok(Ok(buf)) => Got::Bytes(buf),
        Ok(Err(e)) => Got::IoError(e.to_string()),
        Err(_) => Got::Timeout(budget),
    };
    judge_http(p, got).evidence("time", took)
}

/// What came back on the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Got {
    /// Everything read until the server closed, the body was complete, or the size bound.
    Bytes(Vec<u8>),
    /// Sending or reading failed (reset, broken pipe).
    IoError(String),
    /// No complete answer within the budget.
    Timeout(Duration),
}

/// Reads until the server closes, the response is complete (by Content-Length or the last
/// chunk), or [`MAX_RESPONSE`] bytes: a server that ignores `Connection: close` does not
/// hold the probe until the deadline.
async fn read_response(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(buf);
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.len() >= MAX_RESPONSE {
            buf.truncate(MAX_RESPONSE);
            return Ok(buf);
        }
        if response_complete(&buf) {
            return Ok(buf);
        }
    }
}

/// The verdict on what a GET brought back (see the README's `### http.get` table).
pub fn judge_http(p: &HttpParams, got: Got) -> Outcome {
    let mut expected = format!("status {}", p.status);
    if let Some(needle) = &p.contains {
        expected.push_str(&format!(", body contains {needle:?}"));
    }
    let app_hint = || hint::plain("Open the page in a browser and check the app's log.");
    let buf = match got {
        Got::Bytes(b) => b,
        Got::IoError(e) => {
            return Outcome::new(
                Status::Fail,
                format!("{}: the connection broke before a full answer: {e}", p.url),
            )
            .expected(expected)
            .hint(app_hint());
        }
        Got::Timeout(after) => {
            return Outcome::new(
                Status::Fail,
                format!(
                    "{}: accepted the connection but sent no complete answer within {} ms",
                    p.url,
                    after.as_millis()
                ),
            )
            .expected(expected)
            .hint(hint::plain(
                "The app is hung or overloaded: check its workers and its log.",
            ));
        }
    };
    let Some((status, body, location)) = parse_response(&buf) else {
        let start = String::from_utf8_lossy(&buf[..buf.len().min(80)])
            .escape_debug()
            .to_string();
        return Outcome::new(
            Status::Fail,
            if buf.is_empty() {
                format!(
                    "{}: the server closed the connection without answering",
                    p.url
                )
            } else {
                format!("{}: the answer is not an HTTP response", p.url)
            },
        )
        .expected(expected)
        .observed(bound(&start, 80))
        .hint(hint::plain(
            "Is the service on that port the web app (and does it speak plain HTTP)?",
        ));
    };
    let mut problems = Vec::new();
    if status != p.status {
        let mut why = format!("status {status}, expected {}", p.status);
        if let Some(loc) = location.filter(|_| (300..400).contains(&status)) {
            why.push_str(&format!(
                " (redirects to {})",
                bound(&loc.escape_debug().to_string(), 120)
            ));
        }
        problems.push(why);
    }
    if let Some(needle) = &p.contains
        && !String::from_utf8_lossy(&body).contains(needle.as_str())
    {
        problems.push(if buf.len() >= MAX_RESPONSE {
            format!(
                "the first {} KiB of the body do not contain {needle:?}",
                MAX_RESPONSE / 1024
            )
        } else {
            format!("body does not contain {needle:?}")
        });
    }
    let out = if problems.is_empty() {
        Outcome::pass(format!("{} answered {status}", p.url))
    } else {
        Outcome::new(Status::Fail, format!("{}: {}", p.url, problems.join("; "))).hint(app_hint())
    };
    out.expected(expected)
        .observed(format!("status {status}, {} body bytes", body.len()))
        .evidence(
            "body start",
            bound(&String::from_utf8_lossy(&body[..body.len().min(300)]), 300),
        )
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
}
