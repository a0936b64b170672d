//! Running checks: the runner (concurrency cap, deadlines, one connection per target per
//! run), connecting to a target, deciding whether a target is this host (before `/proc` is
//! trusted with a PID), and the one door to the Django dialect (keys, decoding, display).

pub mod connect;
pub(crate) mod locality;
pub(crate) mod pyval;
pub mod runner;
