//! `http.get`, row by row of the manual's `## http.get` verdict table
//! (`manual/docs/verdicts.md`), against real servers on free loopback ports: a small
//! std::net server that answers each connection the way a
//! row needs (right, wrong, hung, not HTTP…), and Python's `http.server`.

use crate::kit;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bisk_docs::config::{Config, RedisTarget};
use bisk_docs::probe::{ProbeResult, RunOptions, Status, decl, runner};

/// Connect timeout + deadline of the test target: the probe's whole budget is 1 s.
fn config() -> Config {
    Config {
        redis: RedisTarget {
            connect_timeout: Duration::from_millis(300),
            deadline: Duration::from_millis(700),
            ..RedisTarget::default()
        },
        ..Config::default()
    }
}

fn get(url: &str, extra: &str) -> ProbeResult {
    let body = format!("check = \"http.get\"\nurl = \"{url}\"\n{extra}");
    let d = decl::parse(&body, Path::new("ops/T.md"), 1, 1).expect("valid probe");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(runner::run_all(
        Arc::new(config()),
        RunOptions::default(),
        &[d],
    ))
    .remove(0)
}

/// How the test server treats one connection.
enum Then {
    /// Write these bytes, then close.
    Answer(Vec<u8>),
    /// Write these bytes and keep the connection open (ignoring `Connection: close`).
    AnswerKeepOpen(Vec<u8>),
    /// Read the request and never answer.
    Hang,
    /// Close without a byte.
    Close,
    /// Close with the request unread: the kernel answers with a reset.
    Reset,
}

fn read_request(s: &mut TcpStream) {
    let mut buf = Vec::new();
    let mut b = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut b) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&b[..n]),
        }
    }
}

/// Serves one connection per behaviour on a free loopback port; returns the port.
fn server(behaviours: Vec<Then>) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for then in behaviours {
            let Ok((mut s, _)) = l.accept() else { return };
            if let Then::Reset = then {
                std::thread::sleep(Duration::from_millis(100));
                drop(s);
                continue;
            }
            read_request(&mut s);
            match then {
                Then::Answer(bytes) => {
                    let _ = s.write_all(&bytes);
                }
                Then::AnswerKeepOpen(bytes) => {
                    let _ = s.write_all(&bytes);
                    std::thread::spawn(move || {
                        std::thread::sleep(Duration::from_secs(10));
                        drop(s);
                    });
                }
                Then::Hang => {
                    std::thread::spawn(move || {
                        std::thread::sleep(Duration::from_secs(10));
                        drop(s);
                    });
                }
                Then::Close | Then::Reset => drop(s),
            }
        }
    });
    port
}

fn answer(text: &str) -> Then {
    Then::Answer(text.as_bytes().to_vec())
}

fn url(port: u16) -> String {
    format!("http://127.0.0.1:{port}/dash/system/")
}

#[test]
fn right_status_and_text_pass() {
    let port = server(vec![
        answer("HTTP/1.1 200 OK\r\nContent-Length: 19\r\n\r\nEnforcer PID: 12345"),
        answer(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nEnfo\r\n8\r\nrcer PID\r\n0\r\n\r\n",
        ),
        answer("HTTP/1.0 200 OK\r\n\r\nno length, closed at the end: PID"),
    ]);
    for what in ["content-length", "chunked", "read to close"] {
        let r = get(&url(port), "contains = \"PID\"\n");
        assert_eq!(r.status, Status::Pass, "{what}: {r:#?}");
        assert!(r.summary.contains("answered 200"), "{}", r.summary);
        assert!(r.hint.is_none());
    }
}

#[test]
fn interim_1xx_answers_are_read_past() {
    let port = server(vec![
        answer(
            "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nPID",
        ),
        answer(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n",
        ),
    ]);
    let r = get(&url(port), "contains = \"PID\"\n");
    assert_eq!(r.status, Status::Pass, "{r:#?}");
    let r = get(&url(port), "");
    assert_eq!(r.status, Status::Fail, "{r:#?}");
    assert!(
        r.summary.contains("status 503, expected 200"),
        "{}",
        r.summary
    );
}

#[test]
fn wrong_status_fails_and_a_redirect_says_where() {
    let port = server(vec![
        answer("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n"),
        answer(
            "HTTP/1.1 302 Found\r\nLocation: /accounts/login/?next=/dash/system/\r\nContent-Length: 0\r\n\r\n",
        ),
    ]);
    let r = get(&url(port), "");
    assert_eq!(r.status, Status::Fail, "{r:#?}");
    assert!(
        r.summary.contains("status 500, expected 200"),
        "{}",
        r.summary
    );
    assert!(
        r.hint.as_ref().unwrap().text.contains("app's log"),
        "{r:#?}"
    );
    let r = get(&url(port), "");
    assert_eq!(r.status, Status::Fail, "{r:#?}");
    assert!(
        r.summary.contains(
            "status 302, expected 200 (redirects to /accounts/login/?next=/dash/system/)"
        ),
        "{}",
        r.summary
    );
}

#[test]
fn an_expected_non_200_status_passes() {
    let port = server(vec![answer(
        "HTTP/1.1 302 Found\r\nLocation: /login/\r\nContent-Length: 0\r\n\r\n",
    )]);
    let r = get(&url(port), "status = 302\n");
    assert_eq!(r.status, Status::Pass, "{r:#?}");
}

#[test]
fn missing_text_fails() {
    let port = server(vec![
        answer("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nno crumbs"),
        // The text only after the declared length: not part of the body.
        answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokPID"),
    ]);
    for _ in 0..2 {
        let r = get(&url(port), "contains = \"PID\"\n");
        assert_eq!(r.status, Status::Fail, "{r:#?}");
        assert!(
            r.summary.contains("body does not contain \"PID\""),
            "{}",
            r.summary
        );
    }
}

#[test]
fn a_large_body_is_read_only_up_to_the_bound() {
    let mut big = b"HTTP/1.1 200 OK\r\n\r\n".to_vec();
    big.extend(std::iter::repeat_n(b'a', 3 << 20));
    big.extend_from_slice(b"PID");
    let port = server(vec![Then::Answer(big)]);
    let r = get(&url(port), "contains = \"PID\"\n");
    assert_eq!(r.status, Status::Fail, "{r:#?}");
    assert!(
        r.summary
            .contains("the first 1024 KiB of the body do not contain"),
        "{}",
        r.summary
    );
}

#[test]
fn nothing_listening_fails() {
    let r = get(&url(kit::closed_port()), "");
    assert_eq!(r.status, Status::Fail, "{r:#?}");
    assert!(r.summary.contains("connection refused"), "{}", r.summary);
    assert!(r.hint.is_some());
}

#[test]
fn a_hung_app_fails_within_the_deadline() {
    let port = server(vec![Then::Hang]);
    let started = Instant::now();
    let r = get(&url(port), "");
    let took = started.elapsed();
    assert_eq!(r.status, Status::Fail, "{r:#?}");
    assert!(
        r.summary
            .contains("accepted the connection but sent no complete answer within"),
        "{}",
        r.summary
    );
    assert!(took < Duration::from_millis(1500), "{took:?}");
}

#[test]
fn a_server_ignoring_connection_close_is_judged_when_the_body_is_complete() {
    let port = server(vec![Then::AnswerKeepOpen(
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nPID".to_vec(),
    )]);
    let started = Instant::now();
    let r = get(&url(port), "contains = \"PID\"\n");
    assert_eq!(r.status, Status::Pass, "{r:#?}");
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn closed_without_answer_or_not_http_fails() {
    let port = server(vec![
        Then::Close,
        answer("-ERR unknown command 'GET', with args beginning with: '/dash/system/'\r\n"),
    ]);
    let r = get(&url(port), "");
    assert_eq!(r.status, Status::Fail, "{r:#?}");
    assert!(
        r.summary
            .contains("closed the connection without answering"),
        "{}",
        r.summary
    );
    let r = get(&url(port), "");
    assert_eq!(r.status, Status::Fail, "{r:#?}");
    assert!(r.summary.contains("not an HTTP response"), "{}", r.summary);
    assert!(r.observed.as_deref().unwrap().starts_with("-ERR"), "{r:#?}");
}

/// A real third-party server: Python's `http.server` serving a folder.
#[test]
fn python_http_server() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("status.html"),
        "<p>Enforcer PID: 4242</p>\n",
    )
    .unwrap();
    let port = kit::free_port();
    let mut child = std::process::Command::new("python3")
        .args(["-m", "http.server", "--bind", "127.0.0.1"])
        .arg(port.to_string())
        .arg("--directory")
        .arg(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("python3 -m http.server");
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "http.server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let base = format!("http://127.0.0.1:{port}");
    let ok = get(&format!("{base}/status.html"), "contains = \"PID: 4242\"\n");
    let missing = get(&format!("{base}/nope.html"), "");
    let wrong_text = get(&format!("{base}/status.html"), "contains = \"PID: 1\"\n");
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(ok.status, Status::Pass, "{ok:#?}");
    assert_eq!(missing.status, Status::Fail, "{missing:#?}");
    assert!(
        missing.summary.contains("status 404"),
        "{}",
        missing.summary
    );
    assert_eq!(wrong_text.status, Status::Fail, "{wrong_text:#?}");
}

#[test]
fn a_name_that_does_not_resolve_fails() {
    // `.invalid` never resolves (RFC 2606); offline, the lookup fails at once.
    let r = get("http://bisk-probe-test.invalid:8000/", "");
    assert_eq!(r.status, Status::Fail, "{r:#?}");
    assert!(
        r.summary.contains("cannot resolve the host (DNS)")
            || r.summary.contains("no connection within"),
        "{}",
        r.summary
    );
}

/// A listener whose accept queue is full drops new SYNs, so connecting hangs: the
/// connect timeout row, on loopback.
#[test]
fn no_connection_within_the_connect_timeout_fails() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    let listener = rt.block_on(async {
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        socket.listen(0).unwrap()
    });
    let port = listener.local_addr().unwrap().port();
    // Fill the queue (never accepted) until a connection attempt hangs.
    let mut held = Vec::new();
    let filled = (0..64).any(|_| {
        match TcpStream::connect_timeout(
            &format!("127.0.0.1:{port}").parse().unwrap(),
            Duration::from_millis(200),
        ) {
            Ok(s) => {
                held.push(s);
                false
            }
            Err(_) => true,
        }
    });
    if !filled {
        eprintln!("this kernel never dropped a SYN; the row cannot be shown here");
        return;
    }
    let started = Instant::now();
    let r = get(&url(port), "");
    assert_eq!(r.status, Status::Fail, "{r:#?}");
    assert!(
        r.summary.contains("no connection within 300 ms"),
        "{}",
        r.summary
    );
    assert!(started.elapsed() < Duration::from_millis(900));
    drop(listener);
}

#[test]
fn a_reset_connection_fails() {
    let port = server(vec![Then::Reset]);
    let r = get(&url(port), "");
    assert_eq!(r.status, Status::Fail, "{r:#?}");
    assert!(
        r.summary
            .contains("the connection broke before a full answer"),
        "{}",
        r.summary
    );
}
