//! Host checks: systemd.unit (skipped without systemd), tcp.connect, http.get against a
//! small local HTTP server, and `command` (declared argv only, killed on timeout).

use crate::kit;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use bisk_docs::config::{CommandSpec, Config, StdoutPattern};
use bisk_docs::probe::{ProbeResult, Status};
use kit::probe::run_probe;

fn run(body: &str) -> ProbeResult {
    run_probe(Config::default(), body)
}

/// Serves `responses` (one per connection) on a free port.
fn http_server(responses: Vec<&'static str>) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for resp in responses {
            let (mut s, _) = l.accept().unwrap();
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
            let _ = s.write_all(resp.as_bytes());
        }
    });
    port
}

#[test]
fn systemd_unit_skips_without_systemd() {
    let res = run("check = \"systemd.unit\"\nunit = \"redis-server\"\n");
    if Path::new("/run/systemd/system").is_dir() {
        // Judged: the unit's state decides, and the summary names the unit.
        assert!(
            matches!(res.status, Status::Pass | Status::Warn | Status::Fail),
            "{res:#?}"
        );
        assert!(res.summary.contains("redis-server"), "{}", res.summary);
    } else {
        assert_eq!(res.status, Status::Skipped, "{res:#?}");
        assert!(res.summary.contains("systemd"), "{}", res.summary);
    }
}

#[test]
fn tcp_connect_pass_and_fail() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let res = run(&format!("check = \"tcp.connect\"\naddress = \"{addr}\"\n"));
    assert_eq!(res.status, Status::Pass, "{res:#?}");
    let res = run(&format!(
        "check = \"tcp.connect\"\naddress = \"127.0.0.1:{}\"\n",
        kit::closed_port()
    ));
    assert_eq!(res.status, Status::Fail, "{res:#?}");
    assert!(res.summary.contains("refused"), "{}", res.summary);
}

#[test]
fn http_get_status_and_body() {
    let port = http_server(vec![
        "HTTP/1.1 200 OK\r\nContent-Length: 19\r\nConnection: close\r\n\r\nEnforcer PID: 12345",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nEnfo\r\n8\r\nrcer PID\r\n0\r\n\r\n",
        "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n",
    ]);
    let body = format!(
        "check = \"http.get\"\nurl = \"http://127.0.0.1:{port}/dash/system/\"\ncontains = \"PID\"\n"
    );
    assert_eq!(run(&body).status, Status::Pass);
    assert_eq!(run(&body).status, Status::Pass, "chunked body");
    let res = run(&body);
    assert_eq!(res.status, Status::Fail);
    assert!(res.summary.contains("status 500"), "{}", res.summary);
}

#[test]
fn commands_run_only_declared_argv_and_are_killed_on_timeout() {
    let mut commands = BTreeMap::new();
    commands.insert(
        "echo".to_string(),
        CommandSpec {
            timeout: Duration::from_secs(2),
            expect_stdout: Some(StdoutPattern::new("^state=(active)$").unwrap()),
            ..CommandSpec::new(&["echo", "state=active"])
        },
    );
    commands.insert(
        "sleepy".to_string(),
        CommandSpec {
            timeout: Duration::from_millis(300),
            ..CommandSpec::new(&["sleep", "30"])
        },
    );
    let config = Config {
        commands,
        ..Config::default()
    };
    let res = run_probe(config.clone(), "check = \"command\"\nname = \"echo\"\n");
    assert_eq!(res.status, Status::Pass, "{res:#?}");
    assert_eq!(res.summary, "`echo state=active` succeeded");
    let started = Instant::now();
    let res = run_probe(config.clone(), "check = \"command\"\nname = \"sleepy\"\n");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(res.status, Status::Fail, "{res:#?}");
    assert!(res.summary.contains("killed"), "{}", res.summary);
    let res = run_probe(config, "check = \"command\"\nname = \"rm -rf /\"\n");
    assert_eq!(res.status, Status::Error);
    assert!(
        res.summary.contains("no [commands.rm -rf /]"),
        "{}",
        res.summary
    );
}
