//! The Django cache dialect: key naming, the safe decoder for stored values, and the
//! encoder for the few values bisk-docs writes itself.
//!
//! Django's RedisCache stores a value whose type is exactly `int` as ASCII decimal and every
//! other value as `pickle.dumps(value, 5)`. [`decode()`] reads both without executing anything;
//! [`encode()`] writes the bytes Django itself would write, so Django reads them back.
//!
//! - [`settings`] — asks the project's Django for its `CACHES` (`[django]`, `target = "django"`).
//! - [`key::make_key`] — `bisk:1:ping` from prefix, version and key.
//! - [`decode()`] / [`decode_with`] — raw bytes → [`PyValue`], bounded by [`Limits`].
//! - [`encode()`] — [`PyValue`] → the exact bytes Django stores.
//! - [`PyValue::to_display`] (see [`display`]) and [`PyValue::to_json`] (shape in [`json`]).
//! - [`PyDateTime::to_timestamp`] and [`time::describe_instant`] — "12 min ago".

pub(crate) mod bigint;
pub(crate) mod classes;
pub mod decode;
pub mod display;
pub mod encode;
pub(crate) mod json;
pub mod key;
pub mod settings;
pub mod time;
pub mod value;

pub use decode::{DecodeError, Limits, decode, decode_pickle, decode_pickle_prefix, decode_with};
pub use encode::{EncodeError, encode};
pub use value::{PyDateTime, PyTz, PyValue};
