//! Live probes: declared in Markdown (```probe fences), run against Redis and the host.
//!
//! - [`declare`] reads a declaration once and resolves it for a target (also reachable as
//!   `decl`, its former name); [`discover`] finds them in a docs tree.
//! - [`runner`] runs them (async, capped, deadlines, shared connections) through the fixed
//!   [`catalogue`] of checks, producing [`result::ProbeResult`]s.
//! - [`widget`] renders declarations and results as HTML for the site.

pub mod catalogue;
pub mod causes;
pub mod connect;
pub mod declare;
pub mod discover;
pub mod health;
pub mod hint;
pub mod locality;
pub mod pyval;
// The URL reader sits on the lowest floor (`django::settings` reads LOCATIONs with it);
// re-exported for the callers that know it by this path.
pub use crate::redis_url;
pub mod result;
pub mod runner;
pub mod store;
pub mod widget;

/// The former name of [`declare`], kept so existing paths (`probe::decl::parse`, …) work.
pub use declare as decl;

pub use declare::{Check, DeclError, Declaration, ProbeDecl};
pub use result::{ProbeResult, Status};
pub use runner::{RunOptions, Runner};
