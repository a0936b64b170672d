//! Values Django reads fine must be read (deep nesting, shared references, values over
//! 1 MiB); what stays beyond the decoder's bounds is "too large to inspect", named by its
//! bound, and a present key still passes `expect = "present"`. Real Django writes every
//! value.

use crate::kit;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bisk_docs::config::{Config, RedisTarget};
use bisk_docs::django::{DecodeError, PyValue, decode};
use bisk_docs::probe::result::{ProbeResult, Status};
use bisk_docs::probe::run::runner;
use bisk_docs::probe::{RunOptions, decl};
use kit::RedisServer;

/// Runs `code` with Django's cache configured against `url` (`cache` in scope).
fn django(url: &str, code: &str) {
    kit::django::django(url, code);
}

/// Decodes on a thread with the 2 MiB stack tokio gives its workers (where `serve` runs
/// probes), so deep values are shown to be safe there, not only on the main thread.
fn decode_on_small_stack(raw: Vec<u8>) -> Result<PyValue, DecodeError> {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            let v = decode(&raw);
            // Showing, comparing and dropping a deep value recurse too.
            if let Ok(v) = &v {
                let _ = v.to_display();
                assert_eq!(v, &v.clone());
            }
            v
        })
        .unwrap()
        .join()
        .unwrap()
}

fn stored(r: &RedisServer, key: &str) -> Vec<u8> {
    r.get(1, &format!("bisk:1:{key}"))
        .expect("Django wrote the key")
}

fn depth(v: &PyValue) -> usize {
    match v {
        PyValue::List(items) | PyValue::Tuple(items) => 1 + items.first().map_or(0, depth),
        PyValue::Dict(pairs) => 1 + pairs.first().map_or(0, |(_, v)| depth(v)),
        _ => 0,
    }
}

fn count(v: &PyValue) -> usize {
    match v {
        PyValue::List(items) | PyValue::Tuple(items) => 1 + items.iter().map(count).sum::<usize>(),
        PyValue::Dict(pairs) => {
            1 + pairs
                .iter()
                .map(|(k, v)| count(k) + count(v))
                .sum::<usize>()
        }
        _ => 1,
    }
}

#[test]
fn deep_nesting_django_writes_is_read() {
    let r = RedisServer::start();
    // As deep as pickle.dumps goes under Python's default recursion limit (it stops a
    // little short of 500 lists or dicts and of 1000 tuples, depending on the version).
    django(
        &r.url(1),
        r#"
def set_deepest(key, make, start):
    # The deepest value cache.set can pickle from here (its own frames use some of the
    # recursion limit).
    for n in range(start, 0, -10):
        v = 0
        for _ in range(n): v = make(v)
        try:
            cache.set(key, v, None)
            print(key, n)
            return
        except RecursionError:
            pass
set_deepest("deep:list", lambda v: [v], 500)
set_deepest("deep:dict", lambda v: {"k": v}, 500)
set_deepest("deep:tuple", lambda v: (v,), 1000)
set_deepest("deep:mixed", lambda v: {"k": [v]}, 500)
"#,
    );
    for (key, least) in [
        ("deep:list", 400),
        ("deep:dict", 400),
        ("deep:tuple", 900),
        ("deep:mixed", 400),
    ] {
        let v = decode_on_small_stack(stored(&r, key)).unwrap_or_else(|e| panic!("{key}: {e}"));
        assert!(depth(&v) >= least, "{key}: depth {}", depth(&v));
    }
}

#[test]
fn shared_references_are_read() {
    let r = RedisServer::start();
    django(
        &r.url(1),
        r#"
row = [0] * 1000
cache.set("shared:matrix", [row] * 1000, None)
s = "x" * 1000
cache.set("shared:strings", [s] * 20000, None)
cache.set("shared:records", [{"name": "n", "id": i, "tags": ["a", "b"]} for i in range(50000)], None)
"#,
    );
    let m = decode_on_small_stack(stored(&r, "shared:matrix")).expect("matrix");
    assert_eq!(count(&m), 1 + 1000 * 1001);
    let s = decode_on_small_stack(stored(&r, "shared:strings")).expect("strings");
    assert_eq!(count(&s), 20001);
    let recs = decode_on_small_stack(stored(&r, "shared:records")).expect("records");
    assert_eq!(count(&recs), 1 + 50000 * 9);
}

#[test]
fn values_over_one_mebibyte_are_read() {
    let r = RedisServer::start();
    django(
        &r.url(1),
        r#"
cache.set("big:str", "é" * (3 * 1024 * 1024), None)
cache.set("big:bytes", b"\x00" * (10 * 1024 * 1024), None)
"#,
    );
    match decode_on_small_stack(stored(&r, "big:str")).expect("str") {
        PyValue::Str(s) => assert_eq!(s.chars().count(), 3 * 1024 * 1024),
        other => panic!("{:?}", other.to_display()),
    }
    match decode_on_small_stack(stored(&r, "big:bytes")).expect("bytes") {
        PyValue::Bytes(b) => assert_eq!(b.len(), 10 * 1024 * 1024),
        other => panic!("{:?}", other.to_display()),
    }
}

#[test]
fn bounds_that_remain_are_named_and_not_called_unreadable() {
    let r = RedisServer::start();
    django(
        &r.url(1),
        r#"
cache.set("huge", b"\x01" * (40 * 1000 * 1000), None)
a = []
a.append(a)
cache.set("selfref", a, None)
# Django stores a bare int as its digits; inside a list it is a pickled LONG4.
cache.set("bigint", [2 ** 40000], None)
import sys
sys.setrecursionlimit(10000)
v = 0
for _ in range(3000): v = [v]
cache.set("deeper", v, None)
"#,
    );
    let huge = decode_on_small_stack(stored(&r, "huge")).unwrap_err();
    assert!(huge.is_bound());
    assert!(
        huge.to_string()
            .starts_with("too large to inspect (38.1 MiB)"),
        "{huge}"
    );
    for (key, words) in [
        ("selfref", "refers to itself"),
        ("bigint", "too large to inspect: an integer of"),
        ("deeper", "too deeply nested to inspect"),
    ] {
        let e = decode_on_small_stack(stored(&r, key)).unwrap_err();
        assert!(e.is_bound(), "{key}: {e}");
        assert!(e.to_string().contains(words), "{key}: {e}");
        assert!(!e.to_string().contains("cannot read"), "{key}: {e}");
    }
}

fn run_probe(url: &str, body: &str) -> ProbeResult {
    let config = Config {
        redis: RedisTarget {
            url: url.into(),
            deadline: Duration::from_secs(10),
            ..RedisTarget::default()
        },
        ..Config::default()
    };
    let d = decl::parse(body, Path::new("ops/T.md"), 1, 1).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(runner::run_all(
        Arc::new(config),
        RunOptions::default(),
        &[d],
    ))
    .remove(0)
}

#[test]
fn cache_key_probe_passes_present_values_it_cannot_inspect() {
    let r = RedisServer::start();
    django(
        &r.url(1),
        r#"
cache.set("huge", b"\x01" * (40 * 1000 * 1000), None)
cache.set("big", "x" * (2 * 1024 * 1024), None)
for n in range(500, 0, -10):
    v = 0
    for _ in range(n): v = [v]
    try:
        cache.set("deep", v, None)
        break
    except RecursionError:
        pass
row = [1] * 1000
cache.set("matrix", [row] * 1000, None)
"#,
    );
    // Values Django reads fine pass `expect = "present"` (the default expectation).
    for key in ["big", "deep", "matrix"] {
        let res = run_probe(
            &r.url(1),
            &format!("check = \"cache.key\"\nkey = \"{key}\"\n"),
        );
        assert_eq!(res.status, Status::Pass, "{key}: {res:#?}");
    }
    // Beyond the decoder's bounds: still present, and said so in honest words.
    let res = run_probe(&r.url(1), "check = \"cache.key\"\nkey = \"huge\"\n");
    assert_eq!(res.status, Status::Pass, "{res:#?}");
    assert!(
        res.observed
            .as_deref()
            .is_some_and(|o| o.contains("too large to inspect (38.1 MiB)")),
        "{res:#?}"
    );
    assert!(!res.summary.contains("cannot read"), "{res:#?}");
    // What needs the value itself cannot be judged: error, never pass or a false "broken".
    let res = run_probe(
        &r.url(1),
        "check = \"cache.key\"\nkey = \"huge\"\nequals = \"x\"\n",
    );
    assert_eq!(res.status, Status::Error, "{res:#?}");
    assert!(res.summary.contains("too large to inspect"), "{res:#?}");
    let res = run_probe(
        &r.url(1),
        "check = \"cache.key\"\nkey = \"huge\"\nexpect = \"absent\"\n",
    );
    assert_eq!(res.status, Status::Fail, "{res:#?}");
}

#[test]
fn a_breadcrumb_too_large_to_inspect_cannot_be_judged() {
    let r = RedisServer::start();
    django(
        &r.url(1),
        r#"
from django.utils import timezone
cache.set("enforcer:last_run", timezone.now(), None)
cache.set("enforcer:last_ok", b"\x01" * (40 * 1000 * 1000), None)
cache.set("enforcer:last_error", None, None)
"#,
    );
    let res = run_probe(
        &r.url(1),
        "check = \"enforcer.breadcrumbs\"\ncheck_pid = false\n",
    );
    assert_eq!(res.status, Status::Error, "{res:#?}");
    let all = format!("{res:?}");
    assert!(
        all.contains("cannot be judged: too large to inspect"),
        "{all}"
    );
    assert!(!all.contains("Django can"), "{all}");
}
