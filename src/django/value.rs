//! A decoded Python value, as far as a cache probe needs to understand one.

/// A value read from Django's cache. Anything the decoder does not understand is kept as
/// `Unsupported` with its class name, never executed or guessed at.
#[derive(Debug, Clone, PartialEq)]
pub enum PyValue {
    None,
    Bool(bool),
    /// Fits in i64.
    Int(i64),
    /// Outside i64: decimal digits with an optional leading `-`.
    BigInt(String),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    ByteArray(Vec<u8>),
    List(Vec<PyValue>),
    Tuple(Vec<PyValue>),
    Set(Vec<PyValue>),
    FrozenSet(Vec<PyValue>),
    Dict(Vec<(PyValue, PyValue)>),
    /// `decimal.Decimal`, kept as its exact text.
    Decimal(String),
    Date {
        year: i32,
        month: u8,
        day: u8,
    },
    TimeDelta {
        days: i64,
        seconds: i64,
        microseconds: i64,
    },
    DateTime(PyDateTime),
    /// An exception instance as `BaseException.__reduce__` pickles it: the class called
    /// with its `args` (Python's own repr shows no more). `class` is `module.Name`.
    Exception {
        class: String,
        args: Vec<PyValue>,
    },
    Unsupported {
        class: String,
        preview_hex: String,
    },
}

/// `datetime.datetime`: the wall-clock fields as stored, plus what is known of its zone.
#[derive(Debug, Clone, PartialEq)]
pub struct PyDateTime {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub microsecond: u32,
    pub fold: bool,
    pub tz: Option<PyTz>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PyTz {
    /// `datetime.timezone(offset[, name])`.
    Fixed {
        offset_seconds: i64,
        name: Option<String>,
    },
    /// `datetime.timezone(offset[, name])` whose offset has microseconds (Python allows
    /// them; `isoformat` writes `+05:30:00.123456`). Whole-second offsets are `Fixed`.
    FixedMicros {
        offset_microseconds: i64,
        name: Option<String>,
    },
    /// `zoneinfo.ZoneInfo(key)`: only the key travels in the pickle.
    ZoneInfo {
        key: String,
    },
    /// pytz zone with the offset recorded in the pickle.
    Pytz {
        zone: String,
        utcoffset_seconds: i64,
        dst_seconds: i64,
        tzname: String,
    },
    PytzUtc,
    /// pytz static zone (`pytz._p(zone)`): only the name travels, the offset comes from the
    /// tz database.
    PytzStatic {
        zone: String,
    },
    /// A tzinfo of a class the decoder does not model (e.g. `dateutil.tz.tzutc`): the wall
    /// time is known, the offset is not.
    Other {
        class: String,
    },
}
