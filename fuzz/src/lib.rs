//! The Django cache dialect compiled on its own for fuzzing. `src/django` depends only on
//! jiff, serde_json and thiserror, so compiling it directly keeps sanitizer builds small
//! (the full bisk-docs crate pulls in a web server and a syntax highlighter).

#[path = "../../src/django/mod.rs"]
pub mod django;
