//! `bisk-docs serve`: the site built into memory and served over HTTP, rebuilt
//! incrementally as files change, with live probe widgets.
//!
//! Modules, one job each:
//! - [`state`]: [`ServeState`], the shared handle (served files, probes, event bus, token).
//! - [`files`]: serving the in-memory site (path safety, content types, 404).
//! - [`watch`] → [`classify`] → [`rebuild`]: file events, debounced, sorted into change
//!   kinds, applied incrementally to the site and the served files.
//! - [`events`]: the `/api/events` stream (reloads, stylesheet swaps, errors, results).
//! - [`probes`]: cached probe results per probe and target, single flight, history, and the
//!   background refresh of every target in use.
//! - [`history`]: the store under `[serve] state_dir` that keeps probe history across
//!   restarts.
//! - [`api`], [`status`]: the JSON API, `/status/`, `/metrics`, `/healthz`.
//! - [`guard`]: Host check, token and same-origin for writes, CORS, security headers.
//! - [`app`]: the router and server lifecycle.
//!
//! # Using the state from another router (runbook walkthroughs)
//!
//! [`app::router`] returns an `axum::Router` that is already given its state, so a
//! feature can `merge` or `nest` its own routes next to it:
//!
//! ```ignore
//! let server = bisk_docs::serve::app::start(opts).await?;
//! let state: ServeState = server.state.clone();
//! // Read-only, cheap: the per-server token (compare with the `X-Bisk-Token` header),
//! state.token();
//! // publish an event to every connected browser (of every target),
//! state.publish(Event::Reload { pages: None, target: None });
//! // probe results on a reader's target (single flight, cached for the probe interval).
//! state.probes().fresh("ops-redis-cache-1", state.default_target()).await;
//! ```
//!
//! Routes added with [`app::ServeOptions::extra`] are built from the state and merged under
//! the same guards (Host check, token and same-origin on POST, CSP and other headers):
//!
//! ```ignore
//! ServeOptions {
//!     extra: Some(Box::new(move |s: &ServeState| runbook::http::for_server(ws, s))),
//!     ..ServeOptions::default()
//! }
//! ```
//!
//! Their pages must load scripts from files (the CSP allows no other inline script than
//! the site theme's own).

pub(crate) mod api;
pub(crate) mod app;
pub(crate) mod classify;
pub(crate) mod csp;
pub(crate) mod events;
pub(crate) mod files;
pub(crate) mod guard;
pub(crate) mod history;
pub(crate) mod probes;
pub(crate) mod proxy;
pub(crate) mod rebuild;
pub mod state;
pub mod status;
pub(crate) mod watch;

pub use app::{ServeOptions, Server, start};
pub use events::Event;
pub use state::ServeState;
