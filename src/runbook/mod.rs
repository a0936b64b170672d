//! Runbook walkthroughs: step through a guide, run its probes, keep a record.
//!
//! - [`steps`] splits a guide into steps (H2, H3 or a numbered list).
//! - [`log`] is the append-only JSONL record of a run (`runs/<RUN_ID>.jsonl`), fsync'd per event.
//! - [`state`] replays a log into the run's state; every action is validated against it.
//! - [`session`] performs the actions (start, probes, sign-off, skip, note, finish) for both
//!   the terminal and the browser, so they can work on the same run.
//! - [`terminal`] is the interactive walkthrough, [`termtext`] renders Markdown for it.
//! - [`diff`] compares the probes captured at a run's start and end; [`report`] renders a
//!   run for a change ticket (Markdown, HTML, JSON).
//! - [`http`] exposes runs to the browser under `serve`.
//!
//! bisk-docs never runs a guide's shell commands: only its declared probes, by id.

pub(crate) mod diff;
pub mod http;
pub(crate) mod log;
pub(crate) mod report;
mod report_view;
pub mod session;
pub mod state;
pub(crate) mod steps;
pub(crate) mod terminal;
pub(crate) mod termtext;
pub(crate) mod verify;

use std::path::PathBuf;

pub use log::{Actor, Event, Record, RunLog};
pub use session::Workspace;
pub use state::{RunState, StepStatus};
pub use steps::{Guide, Step};

/// What can go wrong in a walkthrough.
#[derive(Debug, thiserror::Error)]
pub enum RunbookError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}:{line}: {message}", path.display())]
    Guide {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("cannot walk {page}: {why}")]
    NoSuchGuide { page: String, why: String },
    #[error("no run {0:?} (see `bisk-docs runbook list`)")]
    UnknownRun(String),
    #[error("{}:{line}: {message}", path.display())]
    Log {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// The action is not allowed in the run's current state (the message says why).
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Config(String),
}

impl RunbookError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        RunbookError::Io {
            path: path.into(),
            source,
        }
    }
}
