//! Live probes: declared in Markdown (```probe fences), run against Redis and the host.
//! One folder per job:
//!
//! - [`declare`]: a declaration read once and resolved for a target (also reachable as
//!   `decl`, its former name); [`declare::discover`] makes a page's declarations from the
//!   page index's probe fences.
//! - [`run`]: the runner (async, capped, deadlines, shared connections), connecting, and the
//!   door to the Django dialect; it runs the fixed [`catalogue`] of checks, producing
//!   [`result::ProbeResult`]s, against Redis or another cache [`store`].
//! - [`show`]: results as people see them: the widget's facts for the theme, hints, causes
//!   grouped across probes, a page's health.

pub mod catalogue;
pub mod declare;
// The URL reader sits on the lowest floor (`django::settings` reads LOCATIONs with it);
// re-exported for the callers that know it by this path.
pub use crate::redis_url;
pub mod result;
pub mod run;
pub mod show;
pub mod store;

/// The former name of [`declare`], kept so existing paths (`probe::decl::parse`, …) work.
pub use declare as decl;

pub use declare::{Check, DeclError, Declaration, ProbeDecl};
pub use result::{ProbeResult, Status};
pub use run::runner::{RunOptions, Runner};
