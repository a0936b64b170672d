//! The Django cache dialect: key naming, the safe decoder for stored values, and the
//! encoder for the few values bisk-docs writes itself.

pub mod value;

pub use value::PyValue;
