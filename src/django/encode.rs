//! Writing values the way Django's RedisCache does: an exact `int` as ASCII decimal, anything
//! else as CPython 3.11's `pickle.dumps(value, 5)`, byte for byte (framing, memo, opcode
//! choice), so a Django process reading the key gets the value back unchanged.
//!
//! Python's memo works on object identity. A [`PyValue`] has none, so every value is written
//! as a distinct object, which is what a freshly built breadcrumb is; the shared singletons
//! Python itself reuses (`datetime.timezone.utc`, module names, classes, `ZoneInfo` per key)
//! are memoised as CPython does.

use std::collections::HashMap;

use super::bigint::decimal_to_le_signed;
use super::value::{PyDateTime, PyTz, PyValue};

/// Why a value cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error(
        "cannot encode {0}: bisk-docs only writes plain values, datetimes, dates, timedeltas and Decimals"
    )]
    Unsupported(String),
    #[error("invalid value: {0}")]
    Invalid(String),
    #[error("the value nests deeper than {0} levels")]
    TooDeep(usize),
}

/// Deepest nesting written; CPython's own recursion limit would stop at roughly this order.
const MAX_DEPTH: usize = 500;
/// CPython's pickler appends/sets items in batches of this size.
const BATCH: usize = 1000;
/// CPython closes a frame once it reaches this size, and writes larger payloads unframed.
const FRAME_TARGET: usize = 64 * 1024;
/// A frame with fewer body bytes than this is not worth its 9-byte header.
const FRAME_MIN: usize = 4;
const FRAME_HEADER: usize = 9;

/// The bytes Django's RedisCache stores for `value`.
///
/// ```
/// use bisk_docs::django::{encode, PyValue};
/// assert_eq!(encode(&PyValue::Int(42)).unwrap(), b"42");
/// assert_eq!(
///     encode(&PyValue::Str("pong".into())).unwrap(),
///     b"\x80\x05\x95\x08\x00\x00\x00\x00\x00\x00\x00\x8c\x04pong\x94."
/// );
/// ```
pub fn encode(value: &PyValue) -> Result<Vec<u8>, EncodeError> {
    match value {
        // Django: `if type(value) is int: return str(value).encode()` (bool is not exactly int).
        PyValue::Int(v) => Ok(v.to_string().into_bytes()),
        PyValue::BigInt(text) => {
            check_decimal(text)?;
            Ok(text.clone().into_bytes())
        }
        _ => pickle(value),
    }
}

/// `pickle.dumps(value, 5)`, without Django's integer shortcut.
pub fn pickle(value: &PyValue) -> Result<Vec<u8>, EncodeError> {
    let mut p = Pickler::default();
    p.out.extend_from_slice(&[0x80, 5]);
    p.save(value, 0)?;
    p.write(b".");
    p.commit_frame();
    Ok(p.out)
}

fn check_decimal(text: &str) -> Result<Vec<u8>, EncodeError> {
    let canonical = text != "-0" && !text.trim_start_matches('-').starts_with('0') || text == "0";
    decimal_to_le_signed(text)
        .filter(|_| canonical)
        .ok_or_else(|| {
            EncodeError::Invalid(format!(
                "BigInt {text:?} is not a canonical decimal integer"
            ))
        })
}

#[derive(Default)]
struct Pickler {
    out: Vec<u8>,
    /// Where the open frame's 9-byte header placeholder starts.
    frame_start: Option<usize>,
    /// Framing is paused while a large payload is written directly.
    unframed: bool,
    memo_len: u32,
    modules: HashMap<&'static str, u32>,
    globals: HashMap<(&'static str, &'static str), u32>,
    utc: Option<u32>,
    zones: HashMap<String, u32>,
}

impl Pickler {
    fn write(&mut self, bytes: &[u8]) {
        if !self.unframed && self.frame_start.is_none() {
            self.frame_start = Some(self.out.len());
            self.out.extend_from_slice(&[0; FRAME_HEADER]);
        }
        self.out.extend_from_slice(bytes);
    }

    fn commit_frame(&mut self) {
        let Some(start) = self.frame_start.take() else {
            return;
        };
        let len = self.out.len() - start - FRAME_HEADER;
        if len >= FRAME_MIN {
            self.out[start] = 0x95;
            self.out[start + 1..start + FRAME_HEADER].copy_from_slice(&(len as u64).to_le_bytes());
        } else {
            self.out.drain(start..start + FRAME_HEADER);
        }
    }

    /// Between objects, a frame that has grown past the target is closed.
    fn boundary(&mut self) {
        if let Some(start) = self.frame_start
            && self.out.len() - start - FRAME_HEADER >= FRAME_TARGET
        {
            self.commit_frame();
        }
    }

    /// An opcode with a payload; payloads of 64 KiB or more go outside any frame.
    fn write_payload(&mut self, header: &[u8], payload: &[u8]) {
        if payload.len() >= FRAME_TARGET {
            self.commit_frame();
            self.unframed = true;
            self.write(header);
            self.write(payload);
            self.unframed = false;
        } else {
            self.write(header);
            self.write(payload);
        }
    }

    fn memoize(&mut self) -> u32 {
        self.write(&[0x94]);
        self.memo_len += 1;
        self.memo_len - 1
    }

    fn get(&mut self, index: u32) {
        match u8::try_from(index) {
            Ok(i) => self.write(&[b'h', i]),
            Err(_) => {
                let mut op = vec![b'j'];
                op.extend_from_slice(&index.to_le_bytes());
                self.write(&op);
            }
        }
    }

    fn save(&mut self, value: &PyValue, depth: usize) -> Result<(), EncodeError> {
        if depth > MAX_DEPTH {
            return Err(EncodeError::TooDeep(MAX_DEPTH));
        }
        self.boundary();
        match value {
            PyValue::None => self.write(b"N"),
            PyValue::Bool(true) => self.write(&[0x88]),
            PyValue::Bool(false) => self.write(&[0x89]),
            PyValue::Int(v) => self.int(*v),
            PyValue::BigInt(text) => {
                let bytes = check_decimal(text)?;
                match text.parse::<i64>() {
                    Ok(small) => self.int(small),
                    Err(_) => self.long(&bytes),
                }
            }
            PyValue::Float(v) => {
                let mut op = vec![b'G'];
                op.extend_from_slice(&v.to_be_bytes());
                self.write(&op);
            }
            PyValue::Str(s) => {
                self.str(s);
            }
            PyValue::Bytes(b) => {
                let header = sized_header(b.len(), 0x43, b'B', 0x8e);
                self.write_payload(&header, b);
                self.memoize();
            }
            PyValue::ByteArray(b) => {
                let mut header = vec![0x96];
                header.extend_from_slice(&(b.len() as u64).to_le_bytes());
                self.write_payload(&header, b);
                self.memoize();
            }
            PyValue::List(items) => {
                self.write(b"]");
                self.memoize();
                match items.as_slice() {
                    [] => {}
                    [only] => {
                        self.save(only, depth + 1)?;
                        self.write(b"a");
                    }
                    _ => {
                        for batch in items.chunks(BATCH) {
                            self.write(b"(");
                            for item in batch {
                                self.save(item, depth + 1)?;
                            }
                            self.write(b"e");
                        }
                    }
                }
            }
            PyValue::Tuple(items) => {
                self.tuple(items.len(), |p| {
                    items.iter().try_for_each(|item| p.save(item, depth + 1))
                })?;
            }
            PyValue::Dict(pairs) => {
                self.write(b"}");
                self.memoize();
                if let [(k, v)] = pairs.as_slice() {
                    self.save(k, depth + 1)?;
                    self.save(v, depth + 1)?;
                    self.write(b"s");
                } else if !pairs.is_empty() {
                    // CPython's dict loop writes a trailing empty batch when the size is an
                    // exact multiple of the batch size; so do we.
                    for batch in pairs.chunks(BATCH) {
                        self.write(b"(");
                        for (k, v) in batch {
                            self.save(k, depth + 1)?;
                            self.save(v, depth + 1)?;
                        }
                        self.write(b"u");
                    }
                    if pairs.len().is_multiple_of(BATCH) {
                        self.write(b"(u");
                    }
                }
            }
            PyValue::Set(items) => {
                self.write(&[0x8f]);
                self.memoize();
                if !items.is_empty() {
                    for batch in items.chunks(BATCH) {
                        self.write(b"(");
                        for item in batch {
                            self.save(item, depth + 1)?;
                        }
                        self.write(&[0x90]);
                    }
                    if items.len().is_multiple_of(BATCH) {
                        self.write(&[b'(', 0x90]);
                    }
                }
            }
            PyValue::FrozenSet(items) => {
                self.write(b"(");
                for item in items {
                    self.save(item, depth + 1)?;
                }
                self.write(&[0x91]);
                self.memoize();
            }
            PyValue::Decimal(text) => {
                self.global("decimal", "Decimal");
                self.tuple(1, |p| {
                    p.str(text);
                    Ok(())
                })?;
                self.write(b"R");
                self.memoize();
            }
            PyValue::Date { year, month, day } => {
                if !valid_date(*year, *month, *day) {
                    return Err(EncodeError::Invalid(format!(
                        "date {year}-{month}-{day} does not exist"
                    )));
                }
                let [yhi, ylo] = (*year as u16).to_be_bytes();
                self.global("datetime", "date");
                self.tuple(1, |p| {
                    p.save(&PyValue::Bytes(vec![yhi, ylo, *month, *day]), depth + 1)
                })?;
                self.write(b"R");
                self.memoize();
            }
            PyValue::TimeDelta {
                days,
                seconds,
                microseconds,
            } => self.timedelta(*days, *seconds, *microseconds)?,
            PyValue::DateTime(dt) => self.datetime(dt, depth)?,
            PyValue::Unsupported { class, .. } | PyValue::Exception { class, .. } => {
                return Err(EncodeError::Unsupported(format!(
                    "an object of class {class}"
                )));
            }
        }
        Ok(())
    }

    fn int(&mut self, v: i64) {
        match v {
            0..=0xff => self.write(&[b'K', v as u8]),
            0x100..=0xffff => {
                let [lo, hi] = (v as u16).to_le_bytes();
                self.write(&[b'M', lo, hi]);
            }
            _ if i32::try_from(v).is_ok() => {
                let mut op = vec![b'J'];
                op.extend_from_slice(&(v as i32).to_le_bytes());
                self.write(&op);
            }
            _ => {
                let bytes =
                    decimal_to_le_signed(&v.to_string()).expect("an i64 prints as a decimal");
                self.long(&bytes);
            }
        }
    }

    fn long(&mut self, bytes: &[u8]) {
        let mut op = Vec::with_capacity(bytes.len() + 5);
        match u8::try_from(bytes.len()) {
            Ok(n) => op.extend_from_slice(&[0x8a, n]),
            Err(_) => {
                op.push(0x8b);
                op.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            }
        }
        op.extend_from_slice(bytes);
        self.write(&op);
    }

    fn str(&mut self, s: &str) {
        let header = sized_header(s.len(), 0x8c, b'X', 0x8d);
        self.write_payload(&header, s.as_bytes());
        self.memoize();
    }

    /// A tuple of `len` items written by `items`: EMPTY_TUPLE, TUPLE1–3 or MARK … TUPLE.
    fn tuple(
        &mut self,
        len: usize,
        items: impl FnOnce(&mut Self) -> Result<(), EncodeError>,
    ) -> Result<(), EncodeError> {
        if len == 0 {
            self.write(b")");
            return Ok(());
        }
        if len > 3 {
            self.write(b"(");
        }
        items(self)?;
        match len {
            1 => self.write(&[0x85]),
            2 => self.write(&[0x86]),
            3 => self.write(&[0x87]),
            _ => self.write(b"t"),
        }
        self.memoize();
        Ok(())
    }

    /// A class or function by name, memoised per object as CPython does; the module name is
    /// one interned string per module, so it is fetched from the memo after its first use.
    fn global(&mut self, module: &'static str, name: &'static str) {
        if let Some(&index) = self.globals.get(&(module, name)) {
            self.get(index);
            return;
        }
        match self.modules.get(module) {
            Some(&index) => self.get(index),
            None => {
                self.str(module);
                self.modules.insert(module, self.memo_len - 1);
            }
        }
        self.str(name);
        self.write(&[0x93]);
        let index = self.memoize();
        self.globals.insert((module, name), index);
    }

    fn timedelta(&mut self, days: i64, seconds: i64, microseconds: i64) -> Result<(), EncodeError> {
        if days.abs() > 999_999_999
            || !(0..86_400).contains(&seconds)
            || !(0..1_000_000).contains(&microseconds)
        {
            return Err(EncodeError::Invalid(format!(
                "timedelta({days}, {seconds}, {microseconds}) is not normalised"
            )));
        }
        self.global("datetime", "timedelta");
        self.tuple(3, |p| {
            p.int(days);
            p.int(seconds);
            p.int(microseconds);
            Ok(())
        })?;
        self.write(b"R");
        self.memoize();
        Ok(())
    }

    fn datetime(&mut self, dt: &PyDateTime, depth: usize) -> Result<(), EncodeError> {
        let valid = valid_date(dt.year, dt.month, dt.day)
            && dt.hour < 24
            && dt.minute < 60
            && dt.second < 60
            && dt.microsecond < 1_000_000;
        if !valid {
            return Err(EncodeError::Invalid(format!(
                "datetime {}-{}-{} {}:{}:{}.{} does not exist",
                dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, dt.microsecond
            )));
        }
        let [yhi, ylo] = (dt.year as u16).to_be_bytes();
        let us = dt.microsecond.to_be_bytes();
        let state = vec![
            yhi,
            ylo,
            dt.month | if dt.fold { 0x80 } else { 0 },
            dt.day,
            dt.hour,
            dt.minute,
            dt.second,
            us[1],
            us[2],
            us[3],
        ];
        self.global("datetime", "datetime");
        let len = if dt.tz.is_some() { 2 } else { 1 };
        self.tuple(len, |p| {
            p.save(&PyValue::Bytes(state), depth + 1)?;
            match &dt.tz {
                Some(tz) => p.tz(tz),
                None => Ok(()),
            }
        })?;
        self.write(b"R");
        self.memoize();
        Ok(())
    }

    /// `timezone(timedelta(0, seconds, micros)[, name])`, memoized; its memo index.
    fn timezone(
        &mut self,
        seconds: i64,
        micros: i64,
        name: Option<&str>,
    ) -> Result<u32, EncodeError> {
        self.global("datetime", "timezone");
        let len = if name.is_some() { 2 } else { 1 };
        self.tuple(len, |p| {
            p.timedelta(
                seconds.div_euclid(86_400),
                seconds.rem_euclid(86_400),
                micros,
            )?;
            if let Some(name) = name {
                p.str(name);
            }
            Ok(())
        })?;
        self.write(b"R");
        Ok(self.memoize())
    }

    fn tz(&mut self, tz: &PyTz) -> Result<(), EncodeError> {
        match tz {
            PyTz::Fixed {
                offset_seconds,
                name,
            } => {
                if offset_seconds.abs() >= 86_400 {
                    return Err(EncodeError::Invalid(format!(
                        "UTC offset of {offset_seconds} s is not within ±24 h"
                    )));
                }
                // `timezone(timedelta(0))` *is* `timezone.utc` in CPython: one object.
                let is_utc = *offset_seconds == 0 && name.is_none();
                if is_utc && let Some(index) = self.utc {
                    self.get(index);
                    return Ok(());
                }
                let index = self.timezone(*offset_seconds, 0, name.as_deref())?;
                if is_utc {
                    self.utc = Some(index);
                }
                Ok(())
            }
            PyTz::FixedMicros {
                offset_microseconds,
                name,
            } => {
                if offset_microseconds.abs() >= 86_400_000_000 {
                    return Err(EncodeError::Invalid(format!(
                        "UTC offset of {offset_microseconds} µs is not within ±24 h"
                    )));
                }
                let seconds = offset_microseconds.div_euclid(1_000_000);
                let micros = offset_microseconds.rem_euclid(1_000_000);
                self.timezone(seconds, micros, name.as_deref())?;
                Ok(())
            }
            PyTz::ZoneInfo { key } => {
                // ZoneInfo instances are cached per key, so one object per key.
                if let Some(&index) = self.zones.get(key) {
                    self.get(index);
                    return Ok(());
                }
                self.global("builtins", "getattr");
                self.tuple(2, |p| {
                    p.global("zoneinfo", "ZoneInfo");
                    p.str("_unpickle");
                    Ok(())
                })?;
                self.write(b"R");
                self.memoize();
                self.tuple(2, |p| {
                    p.str(key);
                    p.int(1);
                    Ok(())
                })?;
                self.write(b"R");
                let index = self.memoize();
                self.zones.insert(key.clone(), index);
                Ok(())
            }
            PyTz::Pytz { .. } | PyTz::PytzUtc | PyTz::PytzStatic { .. } => {
                Err(EncodeError::Unsupported("a pytz time zone".into()))
            }
            PyTz::Other { class } => Err(EncodeError::Unsupported(format!("a {class} time zone"))),
        }
    }
}

/// The opcode and length prefix for a str/bytes payload: 1-byte length below 256, 4-byte
/// below 4 GiB, 8-byte beyond.
fn sized_header(len: usize, short: u8, medium: u8, long: u8) -> Vec<u8> {
    if let Ok(n) = u8::try_from(len) {
        vec![short, n]
    } else if let Ok(n) = u32::try_from(len) {
        let mut h = vec![medium];
        h.extend_from_slice(&n.to_le_bytes());
        h
    } else {
        let mut h = vec![long];
        h.extend_from_slice(&(len as u64).to_le_bytes());
        h
    }
}

fn valid_date(year: i32, month: u8, day: u8) -> bool {
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => return false,
    };
    (1..=9999).contains(&year) && (1..=days).contains(&day)
}
