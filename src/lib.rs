//! bisk-docs: ops runbooks rendered into a site whose pages check the live system.
//!
//! Data flows one way: files → `content` → `render` → `site` output; `probe` hangs off
//! rendered pages by id; `serve` and `runbook` drive the same pieces interactively.
//!
//! The public surface is what the binary, tests and benches use; everything else is
//! `pub(crate)`, and `unreachable_pub` keeps it so.

#![warn(unreachable_pub)]

pub mod cli;
pub mod config;
pub mod content;
pub mod diag;
pub mod django;
pub(crate) mod percent;
pub mod probe;
pub mod redact;
pub mod redis_url;
pub mod render;
pub mod runbook;
pub mod serve;
pub mod site;
pub(crate) mod text;
pub mod theme;
pub(crate) mod vars;
