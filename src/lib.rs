//! bisk-docs: ops runbooks rendered into a site whose pages check the live system.
//!
//! Data flows one way: files → `content` → `render` → `site` output; `probe` hangs off
//! rendered pages by id; `serve` and `runbook` drive the same pieces interactively.

pub mod cli;
pub mod config;
pub mod content;
pub mod diag;
pub mod django;
pub mod percent;
pub mod probe;
pub mod redact;
pub mod redis_url;
pub mod render;
pub mod runbook;
pub mod serve;
pub mod site;
pub mod text;
pub mod theme;
pub mod vars;
