//! Redis URLs read as redis-py reads them, because redis-py is what Django's RedisCache
//! connects with: a table of URL forms (password-bearing ones among them) handed to the
//! installed redis-py (`ConnectionPool.from_url(url).make_connection()`, which builds the
//! very connection Django would open, without opening it) and to bisk-docs' one parser,
//! field by field; then, against a private redis-server, the false green of issue 18 (a
//! leftover `bisk:1:ping` in db 1 and `?db=5` in the URL) and `django.settings` /
//! `--target django` on a `LOCATION …/1?db=5`.

use crate::kit;

use bisk_docs::config::{Config, DjangoSection, RedisTarget};
use bisk_docs::probe::redis_url::{Address, REDIS_PY_OPTIONS, RedisUrl};
use bisk_docs::probe::run::connect::Endpoint;
use bisk_docs::probe::{ProbeResult, RunOptions, Status};
use kit::RedisServer;
use kit::django::{Project, django_python};
use kit::probe::{redis_config, run_probe, run_probes};

/// Every password below contains this, so a leak of any piece of it is found.
const MARK: &str = "SEKRIT";

/// URL forms whose reading bisk-docs and redis-py must agree on (both read it the same, or
/// both refuse it). At least 25; the password-bearing ones first.
const AGREED: &[&str] = &[
    "redis://:SEKRIT@127.0.0.1:6379/1",
    "redis://:p%40SEKRIT@h:6379/2",
    "redis://:p%3ASEKRIT@h/1",
    "redis://:p%2FSEKRIT@h/1",
    "redis://:p%25SEKRIT@h/1",
    "redis://:p%2540SEKRIT@h/1",
    "redis://:p@SEKRIT@h/1",
    "redis://:p:SEKRIT@h/1",
    "redis://user:SEKRIT@h:6380/3",
    "redis://us%40er:p%40SEKRIT@h/3",
    "redis://:SEKRIT@h:6379/1?db=5",
    "redis://:SEKRIT@h:6379?db=5",
    "redis://:SEKRIT@h:6379/?db=5",
    "redis://h:6379/1?password=SEKRIT",
    "redis://h/1?password=p%2540SEKRIT",
    "redis://h/1?password=p+SEKRIT",
    "redis://h/1?password=p%2BSEKRIT",
    "redis://:urlSEKRIT@h/1?password=querySEKRIT",
    "redis://user:SEKRIT@h/1?username=other",
    "rediss://:SEKRIT@h:6380/4",
    "rediss://user:SEKRIT@h/0?db=2",
    "unix:///tmp/r.sock?db=3&password=SEKRIT",
    "unix:///tmp/r.sock?password=p%40SEKRIT&db=4",
    "unix://user:SEKRIT@/tmp/r.sock?db=2",
    "unix:///tmp/r.sock?db=1&username=u&password=SEKRIT",
    "redis://:SEKRIT@[::1]:6380/2",
    "redis://:SEKRIT@[fe80::1%25eth0]:6379/1",
    "redis://:SEKRIT@h:0/1",
    "redis://:SEKRIT@h/1/2",
    "redis://SEKRIT@h/1",
    "redis://:SEKRIT@h/1#fragment",
    // Refused by both.
    "redis://:pa#SEKRIT@h/1",
    "redis://:SEKRIT@h:x/1",
    "redis://:SEKRIT@h/1?db=x",
    "redis://:SEKRIT@h:99999/1",
    "redis://:SEKRIT@[::1/1",
    "redis://:SEKRIT@[127.0.0.1]/1",
    "redis://:SEKRIT@h/1?foo=bar",
    "redis://:SEKRIT@h/1?socket_timeout=abc",
    "redis://:SEKRIT@h/1?protocol=4",
    "REDIS://:SEKRIT@h/1",
    "redis+unix:///tmp/r.sock?password=SEKRIT",
    "unix:/tmp/r.sock?password=SEKRIT",
    "redis//:SEKRIT@h/1",
    "unix:///tmp/r.sock?host=h&password=SEKRIT",
    "redis://:SEKRIT@h/1?path=/tmp/r.sock",
    // No password.
    "redis://h:6379/1?db=5",
    "redis://h:6379?db=5",
    "redis://h/1/2",
    "redis://h/abc",
    "redis://h/",
    "redis://h",
    "redis:///1",
    "redis://h/1?db=",
    "redis://h/1?db",
    "redis://h/1?db=5&db=6",
    "redis://h/1?db=%2B5",
    "redis://h/1?db=+5",
    "redis://h/1?db=5_0",
    "redis://h/1?db=%255",
    "redis://h/%31",
    "redis://h/-1",
    "redis://h/1%2F2",
    "redis://H.Example:6379/1",
    "redis://?host=foo&port=7000",
    "redis://h:/1",
    "redis://h/1?socket_timeout=1.5&socket_connect_timeout=2",
    "redis://h/1?protocol=3",
    "redis://h/1?protocol=+3",
    "unix:///tmp/r.sock",
    "unix:///tmp/r.sock?db=7",
    "unix://tmp/r.sock",
    "unix:///tmp/r.sock/9",
];

/// Forms redis-py reads but bisk-docs refuses rather than guess (Python's Unicode rules, a
/// db no Redis has, a unix URL without a socket): each must be refused, with its reason,
/// and never read as another db.
const REFUSED_HERE: &[(&str, &str)] = &[
    ("redis://:pässSEKRIT@h/1", "not ASCII"),
    ("redis://h/1?db=%D9%A5&password=SEKRIT", "not ASCII"),
    (
        "redis://:SEKRIT@h/1?db=99999999999999999999",
        "not a database number",
    ),
    ("unix://?password=SEKRIT", "names no socket path"),
];

/// What redis-py's connection for `url` would use, as JSON lines (same order): `db`,
/// `host`, `port`, `path`, `username`, `password`, `ssl`, or `error`.
fn redis_py_reading(urls: &[&str]) -> Vec<serde_json::Value> {
    let script = r#"
import json, sys
from redis.connection import ConnectionPool, SSLConnection, UnixDomainSocketConnection
for url in json.load(sys.stdin):
    try:
        c = ConnectionPool.from_url(url).make_connection()
        unix = isinstance(c, UnixDomainSocketConnection)
        out = {
            "db": c.db,
            "host": None if unix else c.host,
            "port": None if unix else int(c.port),
            "path": c.path if unix else None,
            "username": c.username,
            "password": c.password,
            "ssl": isinstance(c, SSLConnection),
        }
    except Exception as e:
        out = {"error": type(e).__name__}
    print(json.dumps(out))
"#;
    let mut child = std::process::Command::new(django_python())
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run python");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(serde_json::to_string(urls).unwrap().as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().expect("python output");
    assert!(out.status.success(), "python failed");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// bisk-docs' reading in the same shape.
fn our_reading(url: &str) -> serde_json::Value {
    match RedisUrl::parse(url) {
        Err(_) => serde_json::json!({ "error": true }),
        Ok(u) => {
            let (host, port, path) = match &u.addr {
                Address::Tcp { host, port } => (Some(host.clone()), Some(*port), None),
                Address::Unix(p) => (None, None, Some(p.clone())),
            };
            serde_json::json!({
                "db": u.db,
                "host": host,
                "port": port,
                "path": path,
                "username": u.username,
                "password": u.password,
                "ssl": u.tls,
            })
        }
    }
}

fn target(url: &str) -> RedisTarget {
    RedisTarget {
        url: url.into(),
        ..RedisTarget::default()
    }
}

/// No spelling of the password in `text`.
#[track_caller]
fn assert_no_secret(url: &str, text: &str) {
    for piece in [MARK, "EKRI", "%40SEK"] {
        assert!(!text.contains(piece), "{url}: {text}");
    }
}

#[test]
fn redis_py_reads_every_url_form_as_bisk_docs_does() {
    assert!(AGREED.len() >= 25);
    assert!(AGREED.iter().filter(|u| u.contains(MARK)).count() >= 21);
    let theirs = redis_py_reading(AGREED);
    assert_eq!(theirs.len(), AGREED.len());
    let mut refused = 0;
    for (url, py) in AGREED.iter().zip(&theirs) {
        let ours = our_reading(url);
        if py.get("error").is_some() {
            assert_eq!(
                ours,
                serde_json::json!({ "error": true }),
                "{url}: redis-py refuses it ({py}), bisk-docs reads it"
            );
            refused += 1;
            // The refusal names the URL, redacted, and why.
            let e = Endpoint::from_target(&target(url)).unwrap_err();
            assert!(
                e.message.contains("cannot be read as Django reads it: "),
                "{e}"
            );
            assert_no_secret(url, &e.message);
            assert_no_secret(url, &format!("{:?}", e.hint));
        } else {
            assert_eq!(&ours, py, "{url}: bisk-docs vs redis-py");
            let ep = Endpoint::from_target(&target(url)).expect("an endpoint");
            assert_eq!(ep.db, py["db"].as_i64().unwrap(), "{url}");
            assert_no_secret(url, &ep.display);
            assert_no_secret(url, &format!("{ep:?}"));
            assert_no_secret(url, &ep.db_shown);
        }
    }
    // The table exercises both sides.
    assert!(refused >= 10 && refused < AGREED.len() - 25, "{refused}");
}

#[test]
fn forms_redis_py_reads_but_bisk_docs_cannot_are_refused_with_the_reason() {
    let urls: Vec<&str> = REFUSED_HERE.iter().map(|(u, _)| *u).collect();
    for ((url, why), py) in REFUSED_HERE.iter().zip(redis_py_reading(&urls)) {
        assert!(py.get("error").is_none(), "{url}: redis-py reads it: {py}");
        let e = Endpoint::from_target(&target(url)).unwrap_err();
        assert!(e.message.contains(why), "{url}: {e}");
        assert_no_secret(url, &e.message);
    }
}

/// The options bisk-docs lets through are ones redis-py builds a connection with (and one
/// it does not know makes that fail), so a URL the probes accept is one Django can use.
#[test]
fn options_bisk_docs_accepts_are_options_redis_py_connects_with() {
    let sample = |name: &str| match name {
        "protocol" => "2",
        "ssl_cert_reqs" => "required",
        "encoding" => "utf-8",
        "encoding_errors" => "strict",
        "path" => "/tmp/r.sock",
        _ => "1",
    };
    let urls: Vec<String> = REDIS_PY_OPTIONS
        .iter()
        .map(|name| {
            let base = if *name == "path" {
                "unix:///tmp/r.sock"
            } else if name.starts_with("ssl_") {
                "rediss://h/1"
            } else {
                "redis://h/1"
            };
            format!("{base}?{name}={}", sample(name))
        })
        .chain(["redis://h/1?nosuchoption=1".to_string()])
        .collect();
    let refs: Vec<&str> = urls.iter().map(String::as_str).collect();
    let theirs = redis_py_reading(&refs);
    for (url, py) in refs.iter().zip(&theirs) {
        let ours = RedisUrl::parse(url);
        if url.contains("nosuchoption") {
            assert!(py.get("error").is_some(), "{py}");
            assert!(ours.is_err());
        } else {
            assert!(py.get("error").is_none(), "{url}: redis-py: {py}");
            assert!(ours.is_ok(), "{url}: {ours:?}");
        }
    }
}

// ---- Against a private redis-server ------------------------------------------------------

fn evidence<'a>(r: &'a ProbeResult, label: &str) -> Option<&'a str> {
    r.evidence
        .iter()
        .find(|e| e.label == label)
        .map(|e| e.value.as_str())
}

/// Issue 18's false green: a leftover `bisk:1:ping` in db 1 and a URL whose `?db=5` makes
/// Django use db 5. The key probe must look in db 5 (and fail there), saying so.
#[test]
fn a_query_db_is_the_db_probed_not_the_path() {
    let redis = RedisServer::start();
    redis.set(1, "bisk:1:ping", b"leftover", None);
    let url = format!("redis://127.0.0.1:{}/1?db=5", redis.port);
    let r = run_probe(
        redis_config(&url, 500, 2000),
        "check = \"cache.key\"\nkey = \"ping\"\n",
    );
    assert_eq!(r.status, Status::Fail, "{r:#?}");
    let db = evidence(&r, "db").expect("db evidence");
    assert!(
        db.starts_with("5 (from ?db=5;") && db.contains("path's /1"),
        "{db}"
    );
    let ping = run_probe(redis_config(&url, 500, 2000), "check = \"redis.ping\"\n");
    assert_eq!(ping.status, Status::Pass, "{ping:#?}");
    assert!(
        evidence(&ping, "db").unwrap().starts_with("5 "),
        "{ping:#?}"
    );
    // The round trip writes where Django reads: db 5, as the real Django with this URL.
    let rt = run_probe(
        redis_config(&url, 500, 2000),
        "check = \"cache.roundtrip\"\n",
    );
    assert_eq!(rt.status, Status::Pass, "{rt:#?}");
    assert_eq!(
        kit::django::django(&url, "print(repr(cache.get('ping')))"),
        "'pong'"
    );
    assert_eq!(
        redis.get(1, "bisk:1:ping").as_deref(),
        Some(&b"leftover"[..])
    );
    assert!(redis.get(5, "bisk:1:ping").is_some());
    // `redis://h:PORT?db=5` is db 5 too, not 0.
    redis.set(0, "bisk:1:ping", b"leftover", None);
    let () = redis::cmd("DEL")
        .arg("bisk:1:ping")
        .query(&mut redis.conn(5))
        .unwrap();
    let r = run_probe(
        redis_config(&format!("redis://127.0.0.1:{}?db=5", redis.port), 500, 2000),
        "check = \"cache.key\"\nkey = \"ping\"\n",
    );
    assert_eq!(r.status, Status::Fail, "{r:#?}");
    assert_eq!(evidence(&r, "db"), Some("5"));
}

fn config(url: &str, section: Option<DjangoSection>) -> Config {
    Config {
        redis: RedisTarget {
            url: url.into(),
            ..RedisTarget::default()
        },
        django: section,
        ..Config::default()
    }
}

/// `LOCATION …/1?db=5` is db 5 for Django: against a target at `…/1` that is drift naming
/// the db, and `--target django` probes db 5.
#[test]
fn django_settings_and_target_django_read_the_query_db() {
    let redis = RedisServer::start();
    let location = format!("{}?db=5", redis.url(1));
    let p = Project::new(&location);
    let r = run_probe(
        config(&redis.url(1), Some(p.section("matching"))),
        "check = \"django.settings\"\n",
    );
    assert_eq!(r.status, Status::Fail, "{r:#?}");
    assert!(
        r.summary
            .contains("database db 1 here, db 5 (from ?db=5; redis-py, like Django, reads it before the path's /1) in Django"),
        "{}",
        r.summary
    );
    // The same URL on both sides matches.
    let r = run_probe(
        config(&location, Some(p.section("matching"))),
        "check = \"django.settings\"\n",
    );
    assert_eq!(r.status, Status::Pass, "{r:#?}");

    redis.set(1, "bisk:1:ping", b"leftover", None);
    let results = run_probes(
        config(&redis.url(1), Some(p.section("matching"))),
        RunOptions {
            target: Some("django".into()),
            read_only: false,
        },
        &[
            "check = \"cache.key\"\nkey = \"ping\"\n",
            "check = \"cache.roundtrip\"",
        ],
    );
    assert_eq!(results[0].status, Status::Fail, "{:#?}", results[0]);
    assert!(evidence(&results[0], "db").unwrap().starts_with("5 "));
    assert_eq!(results[1].status, Status::Pass, "{:#?}", results[1]);
    assert!(redis.get(5, "bisk:1:ping").is_some());
    assert_eq!(
        p.django("matching", "print(repr(cache.get('ping')))"),
        "'pong'"
    );
}

/// A LOCATION redis-py refuses is named, redacted, with redis-py's reason.
#[test]
fn a_location_redis_py_refuses_is_named_with_the_reason() {
    let redis = RedisServer::start();
    let p = Project::new(&format!(
        "redis://:{MARK}@127.0.0.1:{}/1?db=five",
        redis.port
    ));
    let r = run_probe(
        config(&redis.url(1), Some(p.section("matching"))),
        "check = \"django.settings\"\n",
    );
    assert_ne!(r.status, Status::Pass, "{r:#?}");
    let all = serde_json::to_string(&r).unwrap();
    assert_no_secret("LOCATION", &all);
    assert!(
        r.summary
            .contains("Invalid value for 'db' in connection URL"),
        "{}",
        r.summary
    );
}

/// `OPTIONS['db']` is redis-py's db when `LOCATION` names none (Django passes OPTIONS to
/// `ConnectionPool.from_url` as keyword arguments, and URL values win over them).
#[test]
fn options_db_counts_when_the_location_names_none() {
    let redis = RedisServer::start();
    let p = Project::new(&redis.url(1));
    let r = run_probe(
        config(&redis.url(1), Some(p.section("options_db"))),
        "check = \"django.settings\"\n",
    );
    assert_eq!(r.status, Status::Fail, "{r:#?}");
    assert!(
        r.summary.contains("database db 1 here, db 6 in Django"),
        "{}",
        r.summary
    );
    let results = run_probes(
        config(&redis.url(1), Some(p.section("options_db"))),
        RunOptions {
            target: Some("django".into()),
            read_only: false,
        },
        &["check = \"cache.roundtrip\""],
    );
    assert_eq!(results[0].status, Status::Pass, "{:#?}", results[0]);
    assert!(redis.get(6, "bisk:1:ping").is_some());
    assert!(redis.get(1, "bisk:1:ping").is_none());
    assert_eq!(
        p.django("options_db", "print(repr(cache.get('ping')))"),
        "'pong'"
    );
}
