//! What REDUCE means for the handful of classes a Django cache value legitimately holds.
//! The callable is only ever *named* (module + qualified name); nothing is imported or run.

use super::arena::{Arena, Id, Node};
use crate::django::value::{PyDateTime, PyTz, PyValue};

/// Python 2 names that Python 3's unpickler maps to their new homes (`fix_imports`), limited
/// to the ones that matter for the classes recognised here.
pub(super) fn modern_name(module: String, name: String) -> (String, String) {
    let module = match module.as_str() {
        "__builtin__" => "builtins".to_string(),
        "copy_reg" => "copyreg".to_string(),
        _ => module,
    };
    (module, name)
}

/// The object `callable(*args)` would build, for recognised callables; an opaque object named
/// after the callable otherwise. `Err` only when the stream is inconsistent (e.g. calling a
/// string), with a reason for the error message.
pub(super) fn reduce(
    arena: &Arena,
    callable: Id,
    args: Id,
    start: usize,
    end: usize,
) -> Result<Node, String> {
    let Node::Tuple(arg_ids) = arena.get(args) else {
        return Err(format!(
            "REDUCE arguments are a {}, not a tuple",
            arena.get(args).type_name()
        ));
    };
    let args: Vec<&Node> = arg_ids.iter().map(|&id| arena.get(id)).collect();
    let (module, name, start) = match arena.get(callable) {
        Node::Global {
            module,
            name,
            offset,
        } => (module.as_str(), name.as_str(), *offset),
        Node::ZoneInfoUnpickle => return zoneinfo(&args, start, end),
        Node::Opaque { class, start, .. } => {
            return Ok(Node::Opaque {
                class: class.clone(),
                start: *start,
                end,
            });
        }
        other => {
            return Err(format!(
                "REDUCE calls a {}, which is not callable",
                other.type_name()
            ));
        }
    };
    let opaque = |class: String| Node::Opaque { class, start, end };
    let recognised = match (module, name) {
        ("datetime", "datetime") => datetime(&args),
        ("datetime", "date") => date(&args),
        ("datetime", "timedelta") => timedelta(&args).map(Node::Leaf),
        ("datetime", "timezone") => timezone(&args),
        ("decimal" | "_pydecimal", "Decimal") => decimal(&args),
        ("builtins", "getattr") => match args.as_slice() {
            [
                Node::Global { module, name, .. },
                Node::Leaf(PyValue::Str(attr)),
            ] if module == "zoneinfo" && name == "ZoneInfo" && attr == "_unpickle" => {
                Some(Node::ZoneInfoUnpickle)
            }
            _ => None,
        },
        ("pytz", "_p") => pytz(&args),
        ("pytz", "_UTC") if args.is_empty() => Some(Node::Tz(PyTz::PytzUtc)),
        ("builtins", "set") => collection(arena, &args, true).map(Node::Set),
        ("builtins", "frozenset") => collection(arena, &args, true).map(Node::FrozenSet),
        ("builtins", "list") => collection(arena, &args, false).map(Node::List),
        ("builtins", "tuple") => collection(arena, &args, false).map(Node::Tuple),
        ("builtins", "bytes") if args.is_empty() => Some(Node::Leaf(PyValue::Bytes(Vec::new()))),
        ("builtins", "bytearray") => bytearray(&args),
        ("_codecs", "encode") => match args.as_slice() {
            [
                Node::Leaf(PyValue::Str(text)),
                Node::Leaf(PyValue::Str(enc)),
            ] if is_latin1(enc) => latin1(text).map(|b| Node::Leaf(PyValue::Bytes(b))),
            _ => None,
        },
        // Protocol-2 instances of plain classes: name the class being rebuilt, not the helper.
        ("copyreg", "_reconstructor") => match args.first() {
            Some(Node::Global { module, name, .. }) => Some(opaque(format!("{module}.{name}"))),
            _ => None,
        },
        // `BaseException.__reduce__`: the class called with `self.args` (a BUILD with the
        // instance's __dict__ may follow). Python's repr shows no more than that.
        _ if crate::django::classes::is_exception_class(module, name) => Some(Node::Exception {
            class: format!("{module}.{name}"),
            args: arg_ids.clone(),
        }),
        _ => None,
    };
    Ok(recognised.unwrap_or_else(|| opaque(format!("{module}.{name}"))))
}

fn is_latin1(encoding: &str) -> bool {
    matches!(encoding, "latin1" | "latin-1" | "iso-8859-1" | "iso8859-1")
}

fn latin1(text: &str) -> Option<Vec<u8>> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect()
}

fn int(node: &Node) -> Option<i64> {
    match node {
        Node::Leaf(PyValue::Int(v)) => Some(*v),
        _ => None,
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

fn valid_date(year: i32, month: u8, day: u8) -> bool {
    (1..=9999).contains(&year)
        && (1..=12).contains(&month)
        && day >= 1
        && day <= days_in_month(year, month)
}

/// `datetime.datetime(state[, tzinfo])` with the 10-byte state; anything else stays opaque
/// (a datetime built some other way is not something Django writes).
fn datetime(args: &[&Node]) -> Option<Node> {
    let (state, tz) = match args {
        [Node::Leaf(PyValue::Bytes(state))] => (state, None),
        [Node::Leaf(PyValue::Bytes(state)), Node::Leaf(PyValue::None)] => (state, None),
        [Node::Leaf(PyValue::Bytes(state)), Node::Tz(tz)] => (state, Some(tz.clone())),
        [
            Node::Leaf(PyValue::Bytes(state)),
            Node::Opaque { class, .. },
        ] => (
            state,
            Some(PyTz::Other {
                class: class.clone(),
            }),
        ),
        _ => return None,
    };
    let s: &[u8; 10] = state.as_slice().try_into().ok()?;
    let year = i32::from(s[0]) * 256 + i32::from(s[1]);
    let month = s[2] & 0x7f;
    let fold = s[2] & 0x80 != 0;
    let microsecond = (u32::from(s[7]) << 16) | (u32::from(s[8]) << 8) | u32::from(s[9]);
    let dt = PyDateTime {
        year,
        month,
        day: s[3],
        hour: s[4],
        minute: s[5],
        second: s[6],
        microsecond,
        fold,
        tz,
    };
    let valid = valid_date(year, month, dt.day)
        && dt.hour < 24
        && dt.minute < 60
        && dt.second < 60
        && microsecond < 1_000_000;
    // Python's datetime constructor rejects out-of-range fields, so such a pickle cannot be
    // loaded by Django either; keep it visible as an opaque object rather than invent a date.
    valid.then_some(Node::Leaf(PyValue::DateTime(dt)))
}

fn date(args: &[&Node]) -> Option<Node> {
    let [Node::Leaf(PyValue::Bytes(state))] = args else {
        return None;
    };
    let s: &[u8; 4] = state.as_slice().try_into().ok()?;
    let year = i32::from(s[0]) * 256 + i32::from(s[1]);
    valid_date(year, s[2], s[3]).then_some(Node::Leaf(PyValue::Date {
        year,
        month: s[2],
        day: s[3],
    }))
}

fn timedelta(args: &[&Node]) -> Option<PyValue> {
    let [days, seconds, microseconds] = args else {
        return None;
    };
    let (days, seconds, microseconds) = (int(days)?, int(seconds)?, int(microseconds)?);
    // The pickled form is always normalised; Python's own bound is ±999999999 days.
    let valid = days.abs() <= 999_999_999
        && (0..86_400).contains(&seconds)
        && (0..1_000_000).contains(&microseconds);
    valid.then_some(PyValue::TimeDelta {
        days,
        seconds,
        microseconds,
    })
}

fn timezone(args: &[&Node]) -> Option<Node> {
    let (delta, name) = match args {
        [Node::Leaf(delta)] => (delta, None),
        [Node::Leaf(delta), Node::Leaf(PyValue::Str(name))] => (delta, Some(name.clone())),
        _ => return None,
    };
    let PyValue::TimeDelta {
        days,
        seconds,
        microseconds,
    } = delta
    else {
        return None;
    };
    let offset_seconds = days * 86_400 + seconds;
    // Python allows offsets strictly within a day, microseconds included; beyond, it refuses
    // to make the timezone, so such a pickle is no time zone we can state.
    let offset_microseconds = offset_seconds * 1_000_000 + microseconds;
    if offset_microseconds.abs() >= 86_400_000_000 {
        return Some(Node::Tz(PyTz::Other {
            class: "datetime.timezone".into(),
        }));
    }
    if *microseconds != 0 {
        return Some(Node::Tz(PyTz::FixedMicros {
            offset_microseconds,
            name,
        }));
    }
    Some(Node::Tz(PyTz::Fixed {
        offset_seconds,
        name,
    }))
}

fn zoneinfo(args: &[&Node], start: usize, end: usize) -> Result<Node, String> {
    match args {
        [
            Node::Leaf(PyValue::Str(key)),
            Node::Leaf(PyValue::Int(0 | 1)),
        ] => Ok(Node::Tz(PyTz::ZoneInfo { key: key.clone() })),
        _ => Ok(Node::Opaque {
            class: "zoneinfo.ZoneInfo".into(),
            start,
            end,
        }),
    }
}

fn pytz(args: &[&Node]) -> Option<Node> {
    match args {
        [Node::Leaf(PyValue::Str(zone))] => Some(Node::Tz(PyTz::PytzStatic { zone: zone.clone() })),
        [
            Node::Leaf(PyValue::Str(zone)),
            utcoffset,
            dst,
            Node::Leaf(PyValue::Str(tzname)),
        ] => Some(Node::Tz(PyTz::Pytz {
            zone: zone.clone(),
            utcoffset_seconds: int(utcoffset)?,
            dst_seconds: int(dst)?,
            tzname: tzname.clone(),
        })),
        _ => None,
    }
}

fn decimal(args: &[&Node]) -> Option<Node> {
    let [Node::Leaf(PyValue::Str(text))] = args else {
        return None;
    };
    let plausible = !text.is_empty()
        && text.len() <= 4300
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    plausible.then(|| Node::Leaf(PyValue::Decimal(text.clone())))
}

/// `set(list)`, `frozenset(list)` and friends as protocols 2 and 3 write them.
fn collection(arena: &Arena, args: &[&Node], hashed: bool) -> Option<Vec<Id>> {
    match args {
        [] => Some(Vec::new()),
        [Node::List(items) | Node::Tuple(items)] => {
            if hashed && items.iter().any(|&id| arena.get(id).is_unhashable()) {
                return None;
            }
            Some(items.clone())
        }
        _ => None,
    }
}

fn bytearray(args: &[&Node]) -> Option<Node> {
    let bytes = match args {
        [] => Vec::new(),
        [Node::Leaf(PyValue::Bytes(b))] => b.clone(),
        [
            Node::Leaf(PyValue::Str(text)),
            Node::Leaf(PyValue::Str(enc)),
        ] if is_latin1(enc) => latin1(text)?,
        _ => return None,
    };
    Some(Node::Leaf(PyValue::ByteArray(bytes)))
}
