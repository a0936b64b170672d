//! Reading a value exactly as Django's `RedisSerializer.loads` would: first `int(data)`, then
//! `pickle.loads(data)` — except that nothing is ever executed. Pickle globals are only
//! *recognised* (datetime, timezone, zoneinfo, pytz, Decimal, …); anything else comes back as
//! [`PyValue::Unsupported`] with its class name.
//!
//! Every resource the decoder spends is bounded by [`Limits`]; each breach is its own
//! [`DecodeError`] variant, so a probe can say *why* a value was refused.

mod arena;
mod machine;
mod raw_int;
mod reduce;

use super::value::PyValue;

/// Why a stored value could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the value is empty (0 bytes): neither an integer nor a pickle")]
    Empty,
    #[error(
        "too large to inspect ({}): bisk-docs decodes values up to {}",
        megabytes(*size),
        megabytes(*limit)
    )]
    TooLarge { size: usize, limit: usize },
    #[error("pickle truncated at byte {offset}: {what} needs more bytes than remain")]
    Truncated { offset: usize, what: &'static str },
    #[error("pickle ended without a STOP opcode")]
    NoStop,
    #[error("unknown pickle opcode 0x{opcode:02x} at byte {offset}")]
    UnknownOpcode { opcode: u8, offset: usize },
    #[error("pickle protocol {0} is not supported (0 to 5 are)")]
    Protocol(u8),
    #[error("malformed pickle at byte {offset}: {reason}")]
    Malformed { offset: usize, reason: String },
    #[error("pickle at byte {offset} uses {feature}, which a cache value never needs")]
    UnsupportedFeature {
        offset: usize,
        feature: &'static str,
    },
    #[error("too deeply nested to inspect: the value nests deeper than {limit} levels")]
    TooDeep { limit: usize },
    #[error("too large to inspect: the pickle memo would exceed {limit} entries")]
    MemoTooLarge { limit: usize },
    #[error("too large to inspect: the pickle builds more than {limit} objects")]
    TooManyObjects { limit: usize },
    #[error(
        "too large to inspect: with shared references expanded the value would exceed {limit} {unit}"
    )]
    ExpandsTooMuch { limit: usize, unit: &'static str },
    #[error(
        "{}an integer of {len} {unit} exceeds the limit of {limit}",
        if *unit == "bytes" { "too large to inspect: " } else { "" }
    )]
    IntTooLarge {
        len: usize,
        limit: usize,
        unit: &'static str,
    },
    #[error(
        "not a Django cache value: neither an integer nor a pickle (it starts {preview}); \
         Django's cache.get would fail on it with UnpicklingError"
    )]
    NotDjangoValue { preview: String },
    #[error("the value refers to itself (a recursive container), which cannot be shown")]
    Recursive,
}

impl DecodeError {
    /// Whether Django itself reads the value and only this decoder declines it: one of its
    /// [`Limits`], a recursive container it cannot show, or a pickle feature it does not
    /// model. A probe must not call such a value broken: it is "too large to inspect".
    pub fn is_bound(&self) -> bool {
        match self {
            DecodeError::TooLarge { .. }
            | DecodeError::TooDeep { .. }
            | DecodeError::MemoTooLarge { .. }
            | DecodeError::TooManyObjects { .. }
            | DecodeError::ExpandsTooMuch { .. }
            | DecodeError::Recursive => true,
            // Binary ints have no size limit in Python; decimal text over 4300 digits is
            // refused by CPython's own `int()` too, so Django cannot read that.
            DecodeError::IntTooLarge { unit, .. } => *unit == "bytes",
            // Protocol-0 STRING is plain Python; persistent IDs, extensions and out-of-band
            // buffers make `pickle.loads` without extra arguments raise.
            DecodeError::UnsupportedFeature { feature, .. } => feature.starts_with("protocol-0"),
            _ => false,
        }
    }
}

/// `12.3 MiB` (binary, as Redis' own `MEMORY USAGE` and the limits are counted), or bytes
/// below one MiB.
fn megabytes(bytes: usize) -> String {
    if bytes < 1 << 20 {
        format!("{bytes} bytes")
    } else {
        format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
    }
}

/// Resource bounds for [`decode_with`]. The defaults read what Django writes in practice
/// (values of tens of MB; nesting as deep as `pickle.dumps` goes under Python's default
/// recursion limit, ~500 lists or dicts, ~1000 tuples; a row shared by a thousand lists) and
/// keep a hostile value to a few hundred MB of memory at worst: the expansion bounds stop a
/// memo "billion laughs", where each object refers to the previous one twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest input accepted at all.
    pub max_input_bytes: usize,
    /// Deepest container nesting in the decoded value.
    pub max_depth: usize,
    /// Most memo entries (MEMOIZE/PUT).
    pub max_memo: usize,
    /// Most objects the pickle may create or push (stack entries, container items).
    pub max_objects: usize,
    /// Most values in the decoded tree once shared references are expanded, and the most
    /// string/bytes payload (in bytes) it may hold: memo references can repeat one large
    /// object many times, and each repetition is a copy in a [`PyValue`].
    pub max_expanded_items: usize,
    pub max_expanded_bytes: usize,
    /// Longest LONG1/LONG4 payload, in bytes.
    pub max_int_bytes: usize,
    /// Longest decimal integer (raw Django ints and pickle text ints); CPython's own default
    /// `int` conversion limit is 4300 digits.
    pub max_int_digits: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_bytes: 32 * 1024 * 1024,
            max_depth: 1000,
            max_memo: 2_000_000,
            max_objects: 2_000_000,
            max_expanded_items: 2_000_000,
            max_expanded_bytes: 64 * 1024 * 1024,
            max_int_bytes: 2048,
            max_int_digits: 4300,
        }
    }
}

/// Decode a raw Redis value written by Django's RedisCache, with the default [`Limits`].
///
/// ```
/// use bisk_docs::django::{decode, PyValue};
/// assert_eq!(decode(b"42").unwrap(), PyValue::Int(42));
/// let pong = b"\x80\x05\x95\x08\x00\x00\x00\x00\x00\x00\x00\x8c\x04pong\x94.";
/// assert_eq!(decode(pong).unwrap(), PyValue::Str("pong".into()));
/// ```
pub fn decode(raw: &[u8]) -> Result<PyValue, DecodeError> {
    decode_with(raw, &Limits::default())
}

/// The first pickle of a stream and the bytes it took, as Python's `pickle.load(file)`
/// reads it: how Django's FileBasedCache reads the expiry that heads each file. No integer
/// shortcut (that is RedisCache's), so only a pickle is accepted.
pub fn decode_pickle_prefix(raw: &[u8], limits: &Limits) -> Result<(PyValue, usize), DecodeError> {
    if raw.is_empty() {
        return Err(DecodeError::Empty);
    }
    machine::unpickle_prefix(raw, limits)
}

/// `pickle.loads(raw)` alone, as FileBasedCache and DatabaseCache read values (they never
/// store an int as text): bytes after the STOP opcode are ignored, as Python ignores them.
pub fn decode_pickle(raw: &[u8], limits: &Limits) -> Result<PyValue, DecodeError> {
    if raw.len() > limits.max_input_bytes {
        return Err(DecodeError::TooLarge {
            size: raw.len(),
            limit: limits.max_input_bytes,
        });
    }
    decode_pickle_prefix(raw, limits).map(|(v, _)| v)
}

/// [`decode`] with explicit resource bounds.
pub fn decode_with(raw: &[u8], limits: &Limits) -> Result<PyValue, DecodeError> {
    if raw.is_empty() {
        return Err(DecodeError::Empty);
    }
    if raw.len() > limits.max_input_bytes {
        return Err(DecodeError::TooLarge {
            size: raw.len(),
            limit: limits.max_input_bytes,
        });
    }
    // Django tries `int(data)` before unpickling, so a value that Python reads as an int is
    // an int even if it could also be parsed otherwise.
    if let Some(value) = raw_int::parse_python_int(raw, limits.max_int_digits)? {
        return Ok(value);
    }
    // Django has written protocol-5 pickles (starting with PROTO, 0x80) since Python 3.8; a
    // value that starts otherwise and does not parse is most likely raw text some other
    // client wrote (e.g. `SET bisk:1:ping pong`), which deserves a plainer message than the
    // opcode-level error.
    machine::unpickle(raw, limits).map_err(|e| match raw.first() {
        Some(0x80) => e,
        _ => DecodeError::NotDjangoValue {
            preview: PyValue::Bytes(raw[..raw.len().min(24)].to_vec()).to_display(),
        },
    })
}
