//! The Django cache dialect and the HTTP response reader compiled on their own for fuzzing. `src/django` depends only on
//! jiff, serde_json and thiserror, so compiling it directly keeps sanitizer builds small
//! (the full bisk-docs crate pulls in a web server and a syntax highlighter).

#[path = "../../src/django/mod.rs"]
pub mod django;

/// `http.get`'s response reader (framing, 1xx, chunked), also dependency-free.
#[path = "../../src/probe/catalogue/http1.rs"]
pub mod http1;
