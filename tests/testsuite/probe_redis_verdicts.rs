//! The verdict tables of `redis.ping`, `redis.info`, `redis.config`, `redis.scan` and
//! `tcp.connect` (the manual's `manual/docs/verdicts.md`), row by row, against real private
//! redis-servers put in each state: full (OOM), a replica (READONLY), socket-only, no
//! password, slow, silent; plus real non-Redis peers (an HTTP server, a garbage talker).
//! Where values matter (scan), real Django writes them (tests/fixtures/django_writer).

use crate::kit;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bisk_docs::probe::{ProbeResult, Status};
use kit::probe::{redis_config, run_probe};
use kit::{BlackHole, RedisOptions, RedisServer, closed_port};

fn run(url: &str, body: &str) -> ProbeResult {
    run_probe(redis_config(url, 500, 1500), body)
}

const PING: &str = "check = \"redis.ping\"\n";
const INFO: &str = "check = \"redis.info\"\n";
const CONFIG: &str = "check = \"redis.config\"\n";
const ROUNDTRIP: &str = "check = \"cache.roundtrip\"\n";

fn link(r: &ProbeResult) -> String {
    r.hint
        .as_ref()
        .and_then(|h| h.link.clone())
        .unwrap_or_default()
}

fn hint_text(r: &ProbeResult) -> String {
    r.hint.as_ref().map(|h| h.text.clone()).unwrap_or_default()
}

/// "Start Redis" is the hint for exactly one cause: nothing listens.
fn assert_not_start_redis(r: &ProbeResult) {
    assert!(
        !hint_text(r).to_lowercase().contains("start redis"),
        "{r:#?}"
    );
}

/// The figure a timeout message quotes ("within N ms").
fn quoted_ms(summary: &str) -> u64 {
    let i = summary.find("within ").expect("a figure") + "within ".len();
    summary[i..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

// ---------------------------------------------------------------- peers that are not Redis

/// A loopback server that answers every connection with `reply` once it has read
/// something, then closes.
struct Talker {
    port: u16,
    stop: Arc<AtomicBool>,
}

impl Talker {
    fn start(reply: &'static [u8]) -> Talker {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((mut s, _)) => {
                        std::thread::spawn(move || {
                            s.set_nonblocking(false).unwrap();
                            let mut buf = [0u8; 1024];
                            let _ = s.read(&mut buf);
                            let _ = s.write_all(reply);
                            let _ = s.shutdown(std::net::Shutdown::Both);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Talker { port, stop }
    }
}

impl Drop for Talker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// A loopback proxy to a real Redis that holds every reply chunk for `delay`: a live but
/// slow Redis.
struct SlowProxy {
    port: u16,
    stop: Arc<AtomicBool>,
}

impl SlowProxy {
    fn start(upstream: u16, delay: Duration) -> SlowProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((client, _)) => {
                        client.set_nonblocking(false).unwrap();
                        let server = TcpStream::connect(("127.0.0.1", upstream)).unwrap();
                        let (mut c_in, mut s_out) =
                            (client.try_clone().unwrap(), server.try_clone().unwrap());
                        std::thread::spawn(move || {
                            let _ = std::io::copy(&mut c_in, &mut s_out);
                        });
                        let (mut s_in, mut c_out) = (server, client);
                        std::thread::spawn(move || {
                            let mut buf = [0u8; 16384];
                            while let Ok(n) = s_in.read(&mut buf) {
                                if n == 0 {
                                    break;
                                }
                                std::thread::sleep(delay);
                                if c_out.write_all(&buf[..n]).is_err() {
                                    break;
                                }
                            }
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        SlowProxy { port, stop }
    }
}

impl Drop for SlowProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

// ---------------------------------------------------------------- redis.ping: causes and hints

#[test]
fn ping_passes_on_a_live_redis() {
    let r = RedisServer::start();
    let res = run(&r.url(1), PING);
    assert_eq!(res.status, Status::Pass, "{res:#?}");
    assert!(res.summary.starts_with("PONG in "), "{}", res.summary);
    assert!(res.hint.is_none());
}

#[test]
fn ping_over_ipv6_loopback() {
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        eprintln!("no IPv6 loopback here: skipped");
        return;
    }
    let r = RedisServer::start_with(RedisOptions {
        extra: vec!["--bind".into(), "127.0.0.1 ::1".into()],
        ..RedisOptions::default()
    });
    let res = run(&format!("redis://[::1]:{}/1", r.port), PING);
    assert_eq!(res.status, Status::Pass, "{res:#?}");
}

#[test]
fn start_redis_only_when_nothing_listens() {
    let res = run(&format!("redis://127.0.0.1:{}/1", closed_port()), PING);
    assert_eq!(res.status, Status::Error, "{res:#?}");
    assert!(
        res.summary.contains("connection refused"),
        "{}",
        res.summary
    );
    assert!(link(&res).ends_with("REDIS_CACHE.md#troubleshooting-b"));
    assert!(hint_text(&res).contains("start Redis"), "{res:#?}");
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("none.sock");
    let res = run(&format!("unix://{}?db=1", sock.display()), PING);
    assert_eq!(res.status, Status::Error, "{res:#?}");
    assert!(res.summary.contains("does not exist"), "{}", res.summary);
    assert!(hint_text(&res).contains("start Redis"), "{res:#?}");
}

#[test]
fn an_http_server_on_the_port_is_not_redis() {
    let http = Talker::start(
        b"HTTP/1.1 400 Bad Request\r\nContent-Length: 11\r\nConnection: close\r\n\r\nBad Request",
    );
    // db 1: the handshake's SELECT meets the HTTP answer; db 0: PING does.
    for db in [1, 0] {
        let res = run(&format!("redis://127.0.0.1:{}/{db}", http.port), PING);
        assert_eq!(res.status, Status::Error, "{res:#?}");
        assert!(
            res.summary.contains("does not speak Redis"),
            "db {db}: {res:#?}"
        );
        assert_not_start_redis(&res);
        assert!(hint_text(&res).contains("Another service"), "{res:#?}");
    }
}

#[test]
fn a_garbage_talker_is_not_redis() {
    let junk = Talker::start(b"\x00\x01\x02 SSH-2.0-OpenSSH_9.6\r\n");
    let res = run(&format!("redis://127.0.0.1:{}/0", junk.port), PING);
    assert_eq!(res.status, Status::Error, "{res:#?}");
    assert!(res.summary.contains("does not speak Redis"), "{res:#?}");
    assert_not_start_redis(&res);
}

#[test]
fn a_password_sent_to_redis_without_one_is_its_own_cause() {
    let r = RedisServer::start();
    let url = format!("redis://:n0t-needed@127.0.0.1:{}/1", r.port);
    let res = run(&url, PING);
    assert_eq!(res.status, Status::Error, "{res:#?}");
    assert!(
        res.summary.contains("no password configured"),
        "{}",
        res.summary
    );
    assert!(!res.summary.contains("WRONGPASS"), "{}", res.summary);
    let text = hint_text(&res);
    assert!(text.contains("drop the password"), "{text}");
    assert!(!text.contains("Put the password"), "{text}");
    assert!(link(&res).ends_with("#security"));
    assert!(!serde_json::to_string(&res).unwrap().contains("n0t-needed"));
}

#[test]
fn wrong_and_missing_passwords_keep_their_hints() {
    let r = RedisServer::start_with(RedisOptions {
        password: Some("right".into()),
        ..RedisOptions::default()
    });
    let res = run(&format!("redis://:wrong@127.0.0.1:{}/1", r.port), PING);
    assert!(res.summary.contains("WRONGPASS"), "{res:#?}");
    assert!(hint_text(&res).contains("Put the password"), "{res:#?}");
    let res = run(&format!("redis://127.0.0.1:{}/1", r.port), PING);
    assert!(res.summary.contains("NOAUTH"), "{res:#?}");
    assert!(hint_text(&res).contains("Put the password"), "{res:#?}");
    // The handshake bisk-docs sends itself still authenticates, on RESP2 and RESP3.
    for q in ["", "?protocol=resp3"] {
        let res = run(&format!("redis://:right@127.0.0.1:{}/1{q}", r.port), PING);
        assert_eq!(res.status, Status::Pass, "{q}: {res:#?}");
    }
    let res = run(
        &format!("redis://:wrong@127.0.0.1:{}/1?protocol=resp3", r.port),
        PING,
    );
    assert_eq!(res.status, Status::Error, "{res:#?}");
    assert!(res.summary.contains("WRONGPASS"), "{res:#?}");
}

#[test]
fn a_full_redis_is_out_of_memory_not_down() {
    let r = RedisServer::start_with(RedisOptions {
        extra: vec![
            "--maxmemory".into(),
            "1mb".into(),
            "--maxmemory-policy".into(),
            "noeviction".into(),
        ],
        ..RedisOptions::default()
    });
    // Fill it until Redis itself refuses a write.
    let mut c = r.conn(1);
    let blob = vec![b'x'; 16 * 1024];
    let mut refused = false;
    for i in 0..1000 {
        let res: redis::RedisResult<()> = redis::cmd("SET")
            .arg(format!("fill{i}"))
            .arg(&blob)
            .query(&mut c);
        if let Err(e) = res {
            assert_eq!(e.code(), Some("OOM"), "{e}");
            refused = true;
            break;
        }
    }
    assert!(refused, "Redis never reached maxmemory");
    let res = run(&r.url(1), ROUNDTRIP);
    assert_eq!(res.status, Status::Error, "{res:#?}");
    assert!(res.summary.contains("OOM"), "{}", res.summary);
    assert!(link(&res).ends_with("#production"), "{res:#?}");
    assert_not_start_redis(&res);
    // PING still answers: a full Redis is up.
    assert_eq!(run(&r.url(1), PING).status, Status::Pass);
    // redis.config names the policy that makes writes fail.
    let res = run(&r.url(1), CONFIG);
    assert_eq!(res.status, Status::Warn, "{res:#?}");
    assert!(res.summary.contains("noeviction"), "{}", res.summary);
    assert!(link(&res).ends_with("#production"), "{res:#?}");
    // redis.info: memory over the threshold.
    let res = run(&r.url(1), INFO);
    assert_eq!(res.status, Status::Warn, "{res:#?}");
    assert!(res.summary.contains("of maxmemory"), "{}", res.summary);
    assert!(link(&res).ends_with("#production"), "{res:#?}");
}

#[test]
fn a_replica_is_read_only_not_down() {
    let primary = RedisServer::start();
    let replica = RedisServer::start_with(RedisOptions {
        extra: vec![
            "--replicaof".into(),
            "127.0.0.1".into(),
            primary.port.to_string(),
        ],
        ..RedisOptions::default()
    });
    let res = run(&replica.url(1), ROUNDTRIP);
    assert_eq!(res.status, Status::Error, "{res:#?}");
    assert!(res.summary.contains("READONLY"), "{}", res.summary);
    assert!(hint_text(&res).contains("primary"), "{res:#?}");
    assert_not_start_redis(&res);
    let res = run(&replica.url(1), INFO);
    assert_eq!(res.status, Status::Warn, "{res:#?}");
    assert!(res.summary.contains("replica"), "{}", res.summary);
    assert!(hint_text(&res).contains("primary"), "{res:#?}");
    assert_eq!(run(&primary.url(1), INFO).status, Status::Pass);
}

// ---------------------------------------------------------------- timeouts: stage and figure

#[test]
fn silent_peer_times_out_in_the_handshake_with_the_real_figure() {
    let hole = BlackHole::start();
    let started = Instant::now();
    let res = run_probe(redis_config(&hole.url(1), 300, 700), PING);
    let took = started.elapsed();
    assert_eq!(res.status, Status::Error, "{res:#?}");
    assert!(
        res.summary.starts_with("handshake stage"),
        "{}",
        res.summary
    );
    let quoted = quoted_ms(&res.summary);
    assert_eq!(quoted, 700, "{}", res.summary);
    assert!(
        took >= Duration::from_millis(quoted) && took < Duration::from_millis(quoted + 700),
        "quoted {quoted} ms, took {took:?}"
    );
    assert_not_start_redis(&res);
}

#[test]
fn silent_peer_without_handshake_times_out_in_the_command() {
    // db 0 and no password: nothing to send before PING.
    let hole = BlackHole::start();
    let started = Instant::now();
    let res = run_probe(redis_config(&hole.url(0), 300, 600), PING);
    let took = started.elapsed();
    assert!(res.summary.starts_with("command stage"), "{res:#?}");
    assert_eq!(quoted_ms(&res.summary), 600, "{}", res.summary);
    assert!(
        took >= Duration::from_millis(600) && took < Duration::from_millis(1300),
        "{took:?}"
    );
    assert_not_start_redis(&res);
}

#[test]
fn a_busy_redis_times_out_in_the_command_stage() {
    let r = RedisServer::start_with(RedisOptions {
        extra: vec!["--enable-debug-command".into(), "yes".into()],
        ..RedisOptions::default()
    });
    let mut c = r.conn(0);
    let sleeper = std::thread::spawn(move || {
        let _: redis::RedisResult<()> = redis::cmd("DEBUG").arg("SLEEP").arg(1.5).query(&mut c);
    });
    std::thread::sleep(Duration::from_millis(100));
    let res = run_probe(redis_config(&r.url(0), 300, 500), PING);
    sleeper.join().unwrap();
    assert_eq!(res.status, Status::Error, "{res:#?}");
    assert!(res.summary.starts_with("command stage"), "{}", res.summary);
    assert_eq!(quoted_ms(&res.summary), 500, "{}", res.summary);
}

#[test]
fn a_slow_but_live_redis_passes_when_the_deadline_allows() {
    let r = RedisServer::start();
    let proxy = SlowProxy::start(r.port, Duration::from_millis(350));
    // The handshake (SELECT 1) takes 350 ms: longer than connect_timeout, within deadline.
    let res = run_probe(
        redis_config(&format!("redis://127.0.0.1:{}/1", proxy.port), 200, 1500),
        PING,
    );
    assert_eq!(res.status, Status::Pass, "{res:#?}");
    // The same peer with a deadline it cannot meet: the handshake stage, its figure.
    let res = run_probe(
        redis_config(&format!("redis://127.0.0.1:{}/1", proxy.port), 200, 250),
        PING,
    );
    assert!(res.summary.starts_with("handshake stage"), "{res:#?}");
    assert_eq!(quoted_ms(&res.summary), 250);
}

// ---------------------------------------------------------------- redis.config

fn config_of(opts: RedisOptions) -> (RedisServer, ProbeResult) {
    let r = RedisServer::start_with(opts);
    let url = if r.port == 0 {
        format!("unix://{}?db=1", r.socket_path().display())
    } else {
        r.url(1)
    };
    let res = run(&url, CONFIG);
    (r, res)
}

#[test]
fn config_unix_socket_only_is_not_exposed() {
    // The hardened set-up: no TCP listener; `bind` left at Redis's default "* -::*".
    let (_r, res) = config_of(RedisOptions {
        socket_only: true,
        extra: vec!["--bind".into(), "* -::*".into()],
        ..RedisOptions::default()
    });
    assert_eq!(res.status, Status::Pass, "{res:#?}");
    assert!(
        res.summary.starts_with("unix socket only"),
        "{}",
        res.summary
    );
    assert!(res.evidence.iter().any(|e| e.label == "unixsocket"));
}

#[test]
fn config_rows() {
    // Loopback, no password: pass.
    let (_r, res) = config_of(RedisOptions::default());
    assert_eq!(res.status, Status::Pass, "{res:#?}");
    assert!(
        res.summary.starts_with("bound to loopback"),
        "{}",
        res.summary
    );
    // Every interface (protected-mode stays on), no password: fail, security hint.
    let (_r, res) = config_of(RedisOptions {
        extra: vec!["--bind".into(), "* -::*".into()],
        ..RedisOptions::default()
    });
    assert_eq!(res.status, Status::Fail, "{res:#?}");
    assert!(res.summary.contains("beyond loopback"), "{}", res.summary);
    assert!(link(&res).ends_with("#security"), "{res:#?}");
    // Every interface with a password: pass, and the password never shows.
    let (_r, res) = config_of(RedisOptions {
        password: Some("cfg-s3cret".into()),
        extra: vec!["--bind".into(), "* -::*".into()],
        ..RedisOptions::default()
    });
    assert_eq!(res.status, Status::Pass, "{res:#?}");
    assert!(
        res.summary.starts_with("password/ACL protected"),
        "{}",
        res.summary
    );
    assert!(!serde_json::to_string(&res).unwrap().contains("cfg-s3cret"));
    // maxmemory with an LRU policy: pass.
    let (_r, res) = config_of(RedisOptions {
        extra: vec![
            "--maxmemory".into(),
            "64mb".into(),
            "--maxmemory-policy".into(),
            "allkeys-lru".into(),
        ],
        ..RedisOptions::default()
    });
    assert_eq!(res.status, Status::Pass, "{res:#?}");
    assert!(res.summary.contains("allkeys-lru"), "{}", res.summary);
    // CONFIG renamed away: skipped with the cause.
    let (_r, res) = config_of(RedisOptions {
        extra: vec!["--rename-command".into(), "CONFIG".into(), "".into()],
        ..RedisOptions::default()
    });
    assert_eq!(res.status, Status::Skipped, "{res:#?}");
}

// ---------------------------------------------------------------- redis.info

#[test]
fn info_rows() {
    let r = RedisServer::start();
    let res = run(&r.url(1), INFO);
    assert_eq!(res.status, Status::Pass, "{res:#?}");
    assert!(res.hint.is_none());
    // Rejected connections over the threshold (maxclients 1, a second client refused).
    let r = RedisServer::start_with(RedisOptions {
        extra: vec!["--maxclients".into(), "1".into()],
        ..RedisOptions::default()
    });
    let _held = r.conn(0);
    let refused = redis::Client::open(r.url(0))
        .unwrap()
        .get_connection_with_timeout(Duration::from_secs(1))
        .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c));
    assert!(
        refused.is_err(),
        "maxclients should refuse the second client"
    );
    // While the one slot is held, a probe is told so, not "start Redis". Redis writes its
    // error and closes at once, so the probe either reads it or finds the connection broken
    // (a race on the socket); the hint names maxclients in both cases.
    let res = run(&r.url(1), PING);
    assert_eq!(res.status, Status::Error, "{res:#?}");
    assert!(
        res.summary.contains("maxclients") || res.summary.contains("broke"),
        "{}",
        res.summary
    );
    assert!(hint_text(&res).contains("CLIENT LIST"), "{res:#?}");
    assert_not_start_redis(&res);
    drop(_held);
    // The server frees the slot a moment after the close.
    let until = Instant::now() + Duration::from_secs(3);
    while redis::Client::open(r.url(0))
        .unwrap()
        .get_connection_with_timeout(Duration::from_secs(1))
        .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c))
        .is_err()
    {
        assert!(Instant::now() < until, "the slot was never freed");
        std::thread::sleep(Duration::from_millis(20));
    }
    let res = run(&r.url(1), INFO);
    assert_eq!(res.status, Status::Warn, "{res:#?}");
    assert!(
        res.summary.contains("connections rejected"),
        "{}",
        res.summary
    );
    assert!(link(&res).ends_with("#production"), "{res:#?}");
}

// ---------------------------------------------------------------- redis.scan, with Django

fn write_state(redis: &RedisServer, scenarios: &[&str], timeout: &str) {
    let mut args = scenarios.to_vec();
    args.extend(["--timeout", timeout]);
    kit::django::write_state(&redis.url(1), &args);
}

/// Makes every key matching `pattern` in `db` look untouched for `idle` seconds, as keys
/// nobody used since then do (DUMP + RESTORE … IDLETIME keeps value and TTL).
fn age_keys(r: &RedisServer, db: u32, pattern: &str, idle: u64) {
    let mut c = r.conn(db);
    let keys: Vec<Vec<u8>> = redis::cmd("KEYS").arg(pattern).query(&mut c).unwrap();
    assert!(!keys.is_empty());
    for k in keys {
        let dump: Vec<u8> = redis::cmd("DUMP").arg(&k).query(&mut c).unwrap();
        let pttl: i64 = redis::cmd("PTTL").arg(&k).query(&mut c).unwrap();
        let () = redis::cmd("RESTORE")
            .arg(&k)
            .arg(pttl.max(0))
            .arg(dump)
            .arg("REPLACE")
            .arg("IDLETIME")
            .arg(idle)
            .query(&mut c)
            .unwrap();
    }
}

const NO_DB0: &str = "check = \"redis.scan\"\npattern = \"bisk:1:*\"\ndb = 0\nexpect = \"none\"\n";
const NO_LEGACY: &str = "check = \"redis.scan\"\npattern = \":1:enforcer:*\"\nexpect = \"none\"\n";
const SOME_OURS: &str =
    "check = \"redis.scan\"\npattern = \"bisk:1:enforcer:*\"\nexpect = \"some\"\n";
const MONTH: u64 = 30 * 24 * 3600;

#[test]
fn scan_expect_some_rows() {
    let r = RedisServer::start();
    let res = run(&r.url(1), SOME_OURS);
    assert_eq!(res.status, Status::Fail, "{res:#?}");
    assert!(link(&res).ends_with("#troubleshooting-c"), "{res:#?}");
    write_state(&r, &["healthy"], "none");
    let res = run(&r.url(1), SOME_OURS);
    assert_eq!(res.status, Status::Pass, "{res:#?}");
    assert!(res.summary.starts_with("4 keys match"), "{}", res.summary);
}

#[test]
fn scan_wrong_db_live_keys_are_a_misconfiguration_not_leftovers() {
    let r = RedisServer::start();
    assert_eq!(run(&r.url(1), NO_DB0).status, Status::Pass);
    // A live process on the wrong DB: Django writes the breadcrumbs into db 0 just now.
    write_state(&r, &["healthy", "wrong-db"], "none");
    let res = run(&r.url(1), NO_DB0);
    assert_eq!(res.status, Status::Fail, "{res:#?}");
    assert!(
        res.summary.contains("a process still uses them"),
        "{}",
        res.summary
    );
    assert!(
        res.summary.contains("db 0 instead of db 1"),
        "{}",
        res.summary
    );
    let text = hint_text(&res);
    assert!(link(&res).ends_with("#troubleshooting-c"), "{res:#?}");
    assert!(text.contains("LOCATION"), "{text}");
    assert!(
        !text.contains(" del "),
        "no delete loop for live keys: {text}"
    );
    assert!(!text.to_lowercase().contains("safe to delete"), "{text}");
    // The same keys, untouched for a month and without expiry: leftovers, cleanup offered.
    age_keys(&r, 0, "bisk:1:*", MONTH);
    let res = run(&r.url(1), NO_DB0);
    assert_eq!(res.status, Status::Warn, "{res:#?}");
    assert!(res.summary.contains("leftovers"), "{}", res.summary);
    assert!(
        hint_text(&res).contains(&format!("{} -n 0 del", r.cli())),
        "{res:#?}"
    );
    assert!(link(&res).ends_with("#troubleshooting-f"), "{res:#?}");
}

#[test]
fn scan_wrong_db_keys_with_a_ttl_are_in_use() {
    let r = RedisServer::start();
    // Django's default timeout (300 s): the keys expire, so someone wrote them lately,
    // even if their idle time is old.
    write_state(&r, &["wrong-db"], "default");
    age_keys(&r, 0, "bisk:1:*", MONTH);
    let res = run(&r.url(1), NO_DB0);
    assert_eq!(res.status, Status::Fail, "{res:#?}");
    assert!(res.summary.contains("expire"), "{}", res.summary);
    assert!(!hint_text(&res).contains(" del "), "{res:#?}");
}

#[test]
fn scan_legacy_prefix_rows() {
    let r = RedisServer::start();
    write_state(&r, &["healthy", "legacy-unprefixed"], "none");
    // Written just now by a process with an empty KEY_PREFIX: still in use.
    let res = run(&r.url(1), NO_LEGACY);
    assert_eq!(res.status, Status::Fail, "{res:#?}");
    assert!(link(&res).ends_with("#troubleshooting-f"), "{res:#?}");
    assert!(hint_text(&res).contains("KEY_PREFIX"), "{res:#?}");
    assert!(!hint_text(&res).contains(" del "), "{res:#?}");
    // Untouched for a month: provably leftovers.
    age_keys(&r, 1, ":1:enforcer:*", MONTH);
    let res = run(&r.url(1), NO_LEGACY);
    assert_eq!(res.status, Status::Warn, "{res:#?}");
    assert!(res.summary.contains("30 days"), "{}", res.summary);
    assert!(
        hint_text(&res).contains(&format!(
            "{} -n 1 --scan --pattern ':1:enforcer:*'",
            r.cli()
        )),
        "{res:#?}"
    );
    // Untouched for only a day: not proven.
    age_keys(&r, 1, ":1:enforcer:*", 24 * 3600);
    assert_eq!(run(&r.url(1), NO_LEGACY).status, Status::Fail);
}

#[test]
fn scan_cannot_prove_legacy_under_lfu_or_too_many_keys() {
    let r = RedisServer::start_with(RedisOptions {
        extra: vec!["--maxmemory-policy".into(), "allkeys-lfu".into()],
        ..RedisOptions::default()
    });
    write_state(&r, &["legacy-unprefixed"], "none");
    let res = run(&r.url(1), NO_LEGACY);
    assert_eq!(res.status, Status::Warn, "{res:#?}");
    assert!(res.summary.contains("cannot be told"), "{}", res.summary);
    assert!(!hint_text(&res).contains(" del "), "{res:#?}");
    let r = RedisServer::start();
    let mut c = r.conn(1);
    for i in 0..250 {
        let () = redis::cmd("SET")
            .arg(format!(":1:old{i}"))
            .arg("x")
            .query(&mut c)
            .unwrap();
    }
    age_keys(&r, 1, ":1:*", MONTH);
    let res = run(
        &r.url(1),
        "check = \"redis.scan\"\npattern = \":1:*\"\nexpect = \"none\"\n",
    );
    assert_eq!(res.status, Status::Warn, "{res:#?}");
    assert!(res.summary.contains("not all inspected"), "{}", res.summary);
}

// ---------------------------------------------------------------- tcp.connect

#[test]
fn tcp_connect_rows() {
    let r = RedisServer::start();
    let res = run(
        &r.url(1),
        &format!(
            "check = \"tcp.connect\"\naddress = \"127.0.0.1:{}\"\n",
            r.port
        ),
    );
    assert_eq!(res.status, Status::Pass, "{res:#?}");
    let res = run(
        &r.url(1),
        &format!(
            "check = \"tcp.connect\"\naddress = \"127.0.0.1:{}\"\n",
            closed_port()
        ),
    );
    assert_eq!(res.status, Status::Fail, "{res:#?}");
    assert!(
        res.summary.contains("connection refused"),
        "{}",
        res.summary
    );
    let res = run(
        &r.url(1),
        "check = \"tcp.connect\"\naddress = \"no-such-host.invalid:80\"\n",
    );
    assert_eq!(res.status, Status::Fail, "{res:#?}");
    assert!(res.summary.contains("DNS"), "{}", res.summary);
    assert!(hint_text(&res).contains("host name"), "{res:#?}");
}

/// A listener whose accept queue is full (backlog 0, never accepting, two connections
/// parked): Linux drops further SYNs, so a connect neither succeeds nor is refused.
fn full_backlog() -> (std::net::TcpListener, Vec<TcpStream>, u16) {
    let socket = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let s = tokio::net::TcpSocket::new_v4().unwrap();
            s.bind("127.0.0.1:0".parse().unwrap()).unwrap();
            s.listen(0).unwrap().into_std().unwrap()
        });
    let port = socket.local_addr().unwrap().port();
    let mut parked = Vec::new();
    for _ in 0..3 {
        if let Ok(s) = TcpStream::connect_timeout(
            &format!("127.0.0.1:{port}").parse().unwrap(),
            Duration::from_millis(200),
        ) {
            parked.push(s);
        }
    }
    (socket, parked, port)
}

#[test]
fn tcp_connect_times_out_with_the_connect_timeout_figure() {
    let (_l, _parked, port) = full_backlog();
    let started = Instant::now();
    let res = run_probe(
        redis_config("redis://127.0.0.1:1/1", 400, 1000),
        &format!("check = \"tcp.connect\"\naddress = \"127.0.0.1:{port}\"\n"),
    );
    let took = started.elapsed();
    assert_eq!(res.status, Status::Fail, "{res:#?}");
    assert_eq!(quoted_ms(&res.summary), 400, "{}", res.summary);
    assert!(
        took >= Duration::from_millis(400) && took < Duration::from_millis(1100),
        "{took:?}"
    );
}

#[test]
fn redis_connect_stage_times_out_with_the_connect_timeout_figure() {
    let (_l, _parked, port) = full_backlog();
    let res = run_probe(
        redis_config(&format!("redis://127.0.0.1:{port}/1"), 400, 1000),
        PING,
    );
    assert_eq!(res.status, Status::Error, "{res:#?}");
    assert!(res.summary.starts_with("connect stage"), "{}", res.summary);
    assert_eq!(quoted_ms(&res.summary), 400, "{}", res.summary);
    assert_not_start_redis(&res);
}

#[test]
fn info_counts_evictions() {
    let r = RedisServer::start_with(RedisOptions {
        extra: vec![
            "--maxmemory".into(),
            "2mb".into(),
            "--maxmemory-policy".into(),
            "allkeys-lru".into(),
        ],
        ..RedisOptions::default()
    });
    let mut c = r.conn(1);
    let blob = vec![b'x'; 32 * 1024];
    for i in 0..200 {
        let () = redis::cmd("SET")
            .arg(format!("k{i}"))
            .arg(&blob)
            .query(&mut c)
            .unwrap();
    }
    let res = run(&r.url(1), INFO);
    assert_eq!(res.status, Status::Warn, "{res:#?}");
    assert!(res.summary.contains("keys evicted"), "{}", res.summary);
}
