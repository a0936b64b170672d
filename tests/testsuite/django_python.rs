//! Interoperability with the real thing: values bisk-docs encodes are read back by CPython's
//! `pickle` through Django's own `RedisSerializer`, and by a real Django `cache.get` against a
//! private redis-server; values a real Django `cache.set` writes decode here.
//!
//! Needs `redis-server` on PATH and a Python with Django and redis-py, which
//! `kit::django::django_python` finds or bootstraps. When they are missing the tests fail and say
//! what to install: they never pass without having checked anything.

use crate::kit;
use crate::kit::django::hex;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bisk_docs::django::key::make_key;
use bisk_docs::django::{PyDateTime, PyTz, PyValue, decode, encode};
use serde_json::{Value as Json, json};

const HELPER: &str = r#"
import json, os, sys
req = json.load(sys.stdin)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bisk_settings")
import datetime, decimal, zoneinfo
import django
django.setup()
from django.core.cache import cache
from django.core.cache.backends.redis import RedisSerializer
out = {}
if req["mode"] == "loads":
    ser = RedisSerializer()
    for name, hx in req["values"].items():
        out[name] = repr(ser.loads(bytes.fromhex(hx)))
elif req["mode"] == "get":
    for key in req["keys"]:
        out[key] = repr(cache.get(key, "<missing>"))
elif req["mode"] == "set":
    for key, expr in req["values"].items():
        cache.set(key, eval(expr), None)
        out[key] = "ok"
print(json.dumps(out))
"#;

/// Run the helper in `mode`; panics with installation advice when Python/Django is missing.
fn run_python(request: Json, redis_url: Option<&str>) -> Json {
    let mut cmd = kit::django::command(redis_url.unwrap_or("redis://127.0.0.1:1/1"));
    cmd.arg("-c")
        .arg(HELPER)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| {
        panic!(
            "cannot run `{}` ({e}): this test needs Python 3 with Django and redis-py",
            kit::django::django_python().display()
        )
    });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.contains("ModuleNotFoundError") {
        panic!(
            "`{}` lacks a module this test needs\n{stderr}",
            kit::django::django_python().display()
        );
    }
    assert!(output.status.success(), "python helper failed:\n{stderr}");
    serde_json::from_slice(&output.stdout).unwrap()
}

fn utc_dt() -> PyDateTime {
    PyDateTime {
        year: 2025,
        month: 1,
        day: 2,
        hour: 3,
        minute: 4,
        second: 5,
        microsecond: 678_901,
        fold: false,
        tz: Some(PyTz::Fixed {
            offset_seconds: 0,
            name: None,
        }),
    }
}

/// Values with the repr Python must print after loading our bytes.
fn samples() -> Vec<(&'static str, PyValue, String)> {
    let plain = |name, v: PyValue| {
        let repr = v.to_display();
        (name, v, repr)
    };
    vec![
        plain("pong", PyValue::Str("pong".into())),
        plain("none", PyValue::None),
        plain("true", PyValue::Bool(true)),
        plain("int", PyValue::Int(-42)),
        plain("bigint", PyValue::BigInt("-18446744073709551617".into())),
        plain("float", PyValue::Float(0.1)),
        plain("unicode", PyValue::Str("règle «été» ✓ 日本 🚀 'q' \"d\"".into())),
        plain("bytes", PyValue::Bytes(vec![0, 0xff, b'\''])),
        plain(
            "list",
            PyValue::List(vec![
                PyValue::Int(1),
                PyValue::Str("two".into()),
                PyValue::Float(3.0),
                PyValue::None,
                PyValue::Bool(true),
                PyValue::Int(1 << 40),
            ]),
        ),
        plain(
            "dict",
            PyValue::Dict(vec![
                (PyValue::Str("ok".into()), PyValue::Bool(true)),
                (PyValue::Int(7), PyValue::Tuple(vec![PyValue::Int(1), PyValue::Str("a".into())])),
            ]),
        ),
        (
            "dt_utc",
            PyValue::DateTime(utc_dt()),
            "datetime.datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.timezone.utc)".into(),
        ),
        (
            "dt_naive",
            PyValue::DateTime(PyDateTime { tz: None, ..utc_dt() }),
            "datetime.datetime(2025, 1, 2, 3, 4, 5, 678901)".into(),
        ),
        (
            "dt_paris_fold",
            PyValue::DateTime(PyDateTime {
                month: 10,
                day: 26,
                hour: 2,
                minute: 30,
                second: 0,
                microsecond: 0,
                fold: true,
                tz: Some(PyTz::ZoneInfo {
                    key: "Europe/Paris".into(),
                }),
                ..utc_dt()
            }),
            "datetime.datetime(2025, 10, 26, 2, 30, fold=1, tzinfo=zoneinfo.ZoneInfo(key='Europe/Paris'))".into(),
        ),
        (
            "dt_ist",
            PyValue::DateTime(PyDateTime {
                tz: Some(PyTz::Fixed {
                    offset_seconds: -19_800,
                    name: Some("XST".into()),
                }),
                ..utc_dt()
            }),
            "datetime.datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.timezone(datetime.timedelta(days=-1, seconds=66600), 'XST'))".into(),
        ),
        (
            "decimal",
            PyValue::Decimal("12.340".into()),
            "Decimal('12.340')".into(),
        ),
        (
            "date",
            PyValue::Date {
                year: 2024,
                month: 2,
                day: 29,
            },
            "datetime.date(2024, 2, 29)".into(),
        ),
        (
            "timedelta",
            PyValue::TimeDelta {
                days: -1,
                seconds: 5,
                microseconds: 7,
            },
            "datetime.timedelta(days=-1, seconds=5, microseconds=7)".into(),
        ),
    ]
}

#[test]
fn python_pickle_reads_what_we_encode() {
    let values: serde_json::Map<String, Json> = samples()
        .iter()
        .map(|(name, v, _)| (name.to_string(), json!(hex(&encode(v).unwrap()))))
        .collect();
    let reprs = run_python(json!({"mode": "loads", "values": values}), None);
    for (name, _, want) in samples() {
        assert_eq!(reprs[name].as_str(), Some(want.as_str()), "{name}");
    }
}

/// A private redis-server on a free loopback port, stopped on drop (also when a test panics).
struct Redis {
    child: Child,
    port: u16,
}

impl Redis {
    fn start() -> Redis {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be on PATH for this test (apt-get install redis-server)");
        let redis = Redis { child, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/1", self.port)
    }

    /// One RESP command; returns the bulk reply (None for nil) or the status line.
    fn command(&self, args: &[&[u8]]) -> Option<Vec<u8>> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let mut request =
            format!("*2\r\n$6\r\nSELECT\r\n$1\r\n1\r\n*{}\r\n", args.len()).into_bytes();
        for arg in args {
            request.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
            request.extend_from_slice(arg);
            request.extend_from_slice(b"\r\n");
        }
        stream.write_all(&request).unwrap();
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert_eq!(line, "+OK\r\n", "SELECT failed");
        line.clear();
        reader.read_line(&mut line).unwrap();
        match line.as_bytes()[0] {
            b'$' => {
                let len: i64 = line[1..].trim().parse().unwrap();
                if len < 0 {
                    return None;
                }
                let mut data = vec![0; len as usize + 2];
                reader.read_exact(&mut data).unwrap();
                data.truncate(len as usize);
                Some(data)
            }
            b'+' => Some(line[1..].trim().as_bytes().to_vec()),
            _ => panic!("redis error: {line}"),
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn django_cache_get_reads_what_we_write() {
    let redis = Redis::start();
    let now = PyDateTime::from_timestamp_utc(jiff::Timestamp::now());
    let mut keys = Vec::new();
    let mut expected = Vec::new();
    let mut write = |key: &str, value: &PyValue, repr: String| {
        let full = make_key("bisk", 1, key);
        redis.command(&[b"SET", full.as_bytes(), &encode(value).unwrap()]);
        keys.push(key.to_string());
        expected.push((key.to_string(), repr));
    };
    write("ping", &PyValue::Str("pong".into()), "'pong'".into());
    write("enforcer:running_pid", &PyValue::Int(4242), "4242".into());
    write("enforcer:last_error", &PyValue::None, "None".into());
    let now_repr = format!(
        "datetime.datetime({}, {}, {}, {}, {}, {}{}, tzinfo=datetime.timezone.utc)",
        now.year,
        now.month,
        now.day,
        now.hour,
        now.minute,
        now.second,
        if now.microsecond != 0 {
            format!(", {}", now.microsecond)
        } else {
            String::new()
        }
    );
    write(
        "enforcer:last_run",
        &PyValue::DateTime(now.clone()),
        now_repr.clone(),
    );
    for (name, value, repr) in samples() {
        write(&format!("sample:{name}"), &value, repr);
    }
    let got = run_python(json!({"mode": "get", "keys": keys}), Some(&redis.url()));
    for (key, repr) in expected {
        assert_eq!(
            got[&key].as_str(),
            Some(repr.as_str()),
            "cache.get({key:?})"
        );
    }
}

#[test]
fn we_decode_what_django_cache_set_writes() {
    let redis = Redis::start();
    let values = json!({
        "now": "datetime.datetime.now(datetime.timezone.utc)",
        "paris": "datetime.datetime(2025, 7, 1, 12, 0, tzinfo=zoneinfo.ZoneInfo('Europe/Paris'))",
        "pid": "4194303",
        "err": "'Traceback: <script>alert(1)</script> ✓'",
        "mixed": "{'n': None, 'l': [1, 2.5, b'x'], 'd': decimal.Decimal('1.50')}",
    });
    run_python(json!({"mode": "set", "values": values}), Some(&redis.url()));
    let get = |key: &str| {
        let raw = redis
            .command(&[b"GET", make_key("bisk", 1, key).as_bytes()])
            .unwrap_or_else(|| panic!("Django did not write {key}"));
        decode(&raw).unwrap_or_else(|e| panic!("{key}: {e}"))
    };
    let PyValue::DateTime(now) = get("now") else {
        panic!("now is not a datetime");
    };
    let age = jiff::Timestamp::now().duration_since(now.to_timestamp().unwrap());
    assert!(age.as_secs() >= 0 && age.as_secs() < 60, "age {age:?}");
    assert_eq!(
        get("paris").to_display(),
        "2025-07-01 12:00:00+02:00 (Europe/Paris)"
    );
    assert_eq!(get("pid"), PyValue::Int(4_194_303));
    assert_eq!(
        get("err"),
        PyValue::Str("Traceback: <script>alert(1)</script> ✓".into())
    );
    assert_eq!(
        get("mixed").to_display(),
        "{'n': None, 'l': [1, 2.5, b'x'], 'd': Decimal('1.50')}"
    );
}

/// Issue 18, 10: an exception stored as a value (an enforcer's `last_error`) showed as
/// `<unsupported …: hex>`. Real CPython pickles real exceptions, builtin ones and one of a
/// class from an app module (with an attribute, so a BUILD follows), nested too; each shows
/// as Python's repr (the module named outside builtins), and the app's class is named as one
/// Django can load only where the app can import its module.
#[test]
fn exceptions_pickled_by_python_show_as_their_repr() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("enforcer_errors.py"),
        "class EnforcerError(Exception):\n    pass\n",
    )
    .unwrap();
    let code = format!(
        r#"
import json, pickle, sys
sys.path.insert(0, {dir:?})
import enforcer_errors
custom = enforcer_errors.EnforcerError("lock held", 3)
custom.host = "web1"
values = {{
    "value": ValueError("boom"),
    "key": KeyError("k"),
    "empty": RuntimeError(),
    "quote": ValueError("it's", None, 1.5),
    "nested": {{"last_error": TimeoutError("slow")}},
    "custom": custom,
}}
print(json.dumps({{k: [pickle.dumps(v, 5).hex(), repr(v)] for k, v in values.items()}}))
"#,
        dir = dir.path().display().to_string()
    );
    let out = Command::new(kit::django::django_python())
        .args(["-c", &code])
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Json = serde_json::from_slice(&out.stdout).unwrap();
    for (name, pair) in got.as_object().unwrap() {
        let bytes = unhex(pair[0].as_str().unwrap());
        let value = bisk_docs::django::decode_pickle(&bytes, &Default::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let python = pair[1].as_str().unwrap();
        let want = if name == "custom" {
            assert_eq!(python, "EnforcerError('lock held', 3)");
            assert_eq!(
                value.foreign_classes(),
                ["enforcer_errors.EnforcerError"],
                "{value:?}"
            );
            "enforcer_errors.EnforcerError('lock held', 3)".to_string()
        } else {
            assert!(value.foreign_classes().is_empty(), "{name}: {value:?}");
            python.to_string()
        };
        assert_eq!(value.to_display(), want, "{name}: {value:?}");
    }
    assert_eq!(
        bisk_docs::django::decode_pickle(
            &unhex(got["value"][0].as_str().unwrap()),
            &Default::default()
        )
        .unwrap()
        .to_json(),
        json!({"$exception": "builtins.ValueError", "args": ["boom"]})
    );
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}
