//! The router and the server's lifecycle: bind, load, watch, serve, shut down.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::middleware;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use super::guard;
use super::history::Store;
use super::probes::ProbeHub;
use super::rebuild::{Done, Rebuilder};
use super::state::ServeState;
use super::{api, files, status, watch};
use crate::config::Config;
use crate::diag::Diagnostic;
use crate::probe::RunOptions;
use crate::site::OutputOptions;

/// How to run a server.
#[derive(Default)]
pub struct ServeOptions {
    pub root: PathBuf,
    /// The config the caller has already read (the CLI reads it once per command);
    /// `None` reads it from `root`.
    pub config: Option<Config>,
    /// Overrides `[serve] bind`; `127.0.0.1:0` picks a free port.
    pub bind: Option<String>,
    /// Target for probes that name none.
    pub target: Option<String>,
    /// Skip probes that write; refuse to run them on request.
    pub read_only: bool,
    /// Routes of other features (runbook walkthroughs), built from the server's state
    /// (e.g. its token) and merged under the same guards.
    pub extra: Option<ExtraRoutes>,
    /// Print one line per rebuild.
    pub log: bool,
    /// Overrides `[serve] state_dir` (where the probe history store lives).
    pub state_dir: Option<PathBuf>,
}

/// How long a shutdown waits for requests still running (a slow probe) once the event
/// streams have ended, so that a stop (SIGTERM, Ctrl-C) takes well under a second.
pub(crate) const SHUTDOWN_GRACE: Duration = Duration::from_millis(500);

/// Builds extra routes once the state (token, event bus, probes) exists:
/// `Box::new(move |s| runbook::http::for_server(ws, s))`.
pub(crate) type ExtraRoutes = Box<dyn FnOnce(&ServeState) -> Router + Send>;

/// Why a server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{0}")]
    Config(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("the site cannot be loaded")]
    Site(Vec<Diagnostic>),
    #[error("cannot watch files: {0}")]
    Watch(#[from] notify::Error),
}

/// A running server.
pub struct Server {
    pub addr: SocketAddr,
    pub state: ServeState,
    /// Time from [`start`] being called to the site being in memory.
    pub load_time: Duration,
    /// Pages in the first build.
    pub pages: usize,
    /// Why probe history is not kept (one line with the path and what to do).
    pub history_problem: Option<String>,
    http: tokio::task::JoinHandle<std::io::Result<()>>,
    watcher: Option<watch::Watcher>,
    rebuilder: Option<std::thread::JoinHandle<()>>,
}

/// The full router over `state`: API, status, static files, and `extra`, all guarded.
pub(crate) fn router(state: ServeState, extra: Option<Router>) -> Router {
    let mut app: Router = Router::new()
        .merge(api::routes())
        .merge(status::routes())
        .fallback(files::serve)
        .with_state(state.clone());
    if let Some(extra) = extra {
        app = app.merge(extra);
    }
    app.layer(middleware::from_fn_with_state(state, guard::guard))
}

/// A fresh random token (128 bits, hex), from the OS's random source. There is no fallback:
/// a guessable token would let any page on the network write through this server.
fn new_token() -> Result<String, ServeError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| {
        ServeError::Config(format!(
            "cannot make the write token: the operating system gave no random bytes ({e})"
        ))
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Whether `addr` only accepts connections from this machine.
pub(crate) fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

/// Binds, loads the site into memory (requests arriving meanwhile wait for it), starts
/// watching and refreshing probes. Returns once the site is served.
pub async fn start(opts: ServeOptions) -> Result<Server, ServeError> {
    let started = Instant::now();
    let root = opts.root.clone();
    let config = match opts.config {
        Some(c) => c,
        None => Config::load(&root).map_err(|e| ServeError::Config(e.to_string()))?,
    };
    let bind = opts
        .bind
        .clone()
        .unwrap_or_else(|| config.serve.bind.clone());
    let listener = TcpListener::bind(&bind)
        .await
        .map_err(|source| ServeError::Bind {
            addr: bind.clone(),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServeError::Bind {
        addr: bind.clone(),
        source,
    })?;

    let run_opts = RunOptions {
        target: opts.target.clone(),
        read_only: opts.read_only,
    };
    let (store, history_problem) = open_history(&root, &config, opts.state_dir.as_deref()).await?;
    let hub_config = Arc::new(config.clone());
    let state = ServeState::new(
        new_token()?,
        opts.read_only,
        opts.target.clone().unwrap_or_else(|| "default".into()),
        super::proxy::Access::from_settings(&config.serve),
        move |bus| ProbeHub::new(hub_config, run_opts, bus).with_store(store),
    );
    state.set_targets(config.target_names());
    let extra = opts.extra.map(|build| build(&state));
    let app = router(state.clone(), extra);
    // The sub-path comes off before routing (a proxy may pass it on); the peer address is
    // recorded for the trusted-proxy checks.
    let access = state.access().clone();
    let app = tower::ServiceBuilder::new()
        .map_request(move |req| access.strip_prefix(req))
        .service(app);
    let stop = state.shutdown_token();
    let http = tokio::spawn(async move {
        axum::serve(
            listener,
            axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<
                SocketAddr,
            >(app),
        )
        .with_graceful_shutdown(stop.cancelled_owned())
        .await
    });

    let output = OutputOptions {
        base_url: None,
        live_reload: true,
        probe_api: None,
        default_target: Some(state.default_target().to_string()),
        ..OutputOptions::default()
    };
    let load_state = state.clone();
    let load_root = root.clone();
    let loaded = tokio::task::spawn_blocking(move || {
        Rebuilder::initial(&load_root, config, load_state, output)
    })
    .await
    .map_err(|e| ServeError::Site(vec![Diagnostic::error(&root, 0, e.to_string())]));
    let rebuilder = match loaded {
        Ok(Ok(r)) => r,
        Ok(Err(diags)) | Err(ServeError::Site(diags)) => {
            state.shutdown_token().cancel();
            return Err(ServeError::Site(diags));
        }
        Err(e) => return Err(e),
    };
    let load_time = started.elapsed();
    let pages = rebuilder.site().pages.len();

    let (tx, rx) = mpsc::unbounded_channel();
    let layout = rebuilder.layout().clone();
    state.set_rebuild_channel(&tx, layout.config_file.clone());
    let mut watch_paths = vec![
        (layout.docs_dir.clone(), true),
        (watch::absolute(&root), false),
    ];
    if let Some(t) = &layout.theme_dir {
        watch_paths.push((t.clone(), true));
    }
    let watcher = watch::start(&watch_paths, tx)?;
    let log = opts.log;
    let rebuilder = std::thread::Builder::new()
        .name("bisk-rebuild".into())
        .spawn(move || rebuild_loop(rebuilder, rx, log))
        .map_err(|e| ServeError::Config(format!("cannot start the rebuild thread: {e}")))?;

    tokio::spawn(state.probes().clone().refresh_loop(state.shutdown_token()));

    Ok(Server {
        addr,
        state,
        load_time,
        pages,
        history_problem,
        http,
        watcher: Some(watcher),
        rebuilder: Some(rebuilder),
    })
}

/// Opens the probe history store under the state folder. A store that cannot be used is
/// not fatal (the reason comes back as one line and serving goes on without durable
/// history); a state folder inside what is read or published is a configuration error.
async fn open_history(
    root: &std::path::Path,
    config: &Config,
    state_dir: Option<&std::path::Path>,
) -> Result<(Option<Arc<Store>>, Option<String>), ServeError> {
    let dir = root.join(state_dir.unwrap_or(&config.serve.state_dir));
    let lexical = |p: PathBuf| -> PathBuf {
        p.components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .collect()
    };
    for (other, key) in [(&config.docs_dir, "docs_dir"), (&config.out_dir, "out_dir")] {
        let (d, o) = (lexical(dir.clone()), lexical(root.join(other)));
        if d.starts_with(&o) || o.starts_with(&d) {
            return Err(ServeError::Config(format!(
                "the state folder {} overlaps `{key}` ({}): it must lie outside what is read and published; choose another with `[serve] state_dir` or --state-dir",
                dir.display(),
                o.display()
            )));
        }
    }
    let (max_results, max_age) = (
        config.serve.history_max_results,
        config.serve.history_max_age,
    );
    let opened = tokio::task::spawn_blocking(move || Store::open(&dir, max_results, max_age)).await;
    Ok(match opened {
        Ok(Ok(store)) => (Some(Arc::new(store)), None),
        Ok(Err(e)) => (None, Some(e.to_string())),
        Err(e) => (
            None,
            Some(format!(
                "probe history is not kept: opening the store failed ({e})"
            )),
        ),
    })
}

/// The rebuild thread: applies file changes to the default target's pages (the primary)
/// first, then to every other target a reader chose; renders a newly chosen target's pages
/// when asked (an empty batch of paths wakes it); background work in between.
fn rebuild_loop(mut primary: Rebuilder, mut rx: mpsc::UnboundedReceiver<Vec<PathBuf>>, log: bool) {
    let started = Instant::now();
    let mut reported = false;
    let mut others: Vec<Rebuilder> = Vec::new();
    let state = primary.state().clone();
    loop {
        for target in state.take_wanted_targets() {
            if others
                .iter()
                .any(|o| o.other_target() == Some(target.as_str()))
            {
                continue;
            }
            let t = Instant::now();
            match primary.spawn_for(&target) {
                Ok(r) => {
                    if log {
                        eprintln!(
                            "rendered the pages for target {target} ({} pages) in {:.1} ms",
                            r.site().pages.len(),
                            t.elapsed().as_secs_f64() * 1000.0
                        );
                    }
                    others.push(r);
                }
                Err(why) => state.target_failed(&target, why),
            }
        }
        let pending = primary.background_pending() || others.iter().any(|o| o.background_pending());
        let mut paths = if pending {
            match rx.try_recv() {
                Ok(p) => p,
                Err(mpsc::error::TryRecvError::Empty) => {
                    if primary.background_pending() {
                        let more = primary.background_step();
                        if !more && log && !reported {
                            reported = true;
                            eprintln!(
                                "highlighted the code of every page in the background ({:.1} s)",
                                started.elapsed().as_secs_f64()
                            );
                        }
                    } else if let Some(o) = others.iter_mut().find(|o| o.background_pending()) {
                        o.background_step();
                    }
                    continue;
                }
                Err(mpsc::error::TryRecvError::Disconnected) => break,
            }
        } else {
            match rx.blocking_recv() {
                Some(p) => p,
                None => break,
            }
        };
        // Everything already queued belongs to the same burst of saves.
        while let Ok(more) = rx.try_recv() {
            paths.extend(more);
        }
        if paths.is_empty() {
            continue;
        }
        let t = Instant::now();
        let done = primary.apply_paths(&paths);
        if log && done != Done::Nothing {
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            let what = match &done {
                Done::Nothing => String::new(),
                Done::Full { pages } => format!("reloaded the site ({pages} pages)"),
                Done::AllPages { pages } => format!("re-rendered {pages} pages"),
                Done::Pages { pages } => format!("re-rendered {}", pages.join(", ")),
                Done::Stylesheets { files } => format!("swapped {}", files.join(", ")),
                Done::KeptLastGood => "error: kept the last good output (see the overlay)".into(),
            };
            eprintln!("{what} in {ms:.1} ms");
        }
        // Targets the config no longer has are dropped; the others follow the same edit.
        let targets = state.targets();
        others.retain(|o| {
            let keep = o
                .other_target()
                .is_some_and(|t| targets.iter().any(|n| n == t));
            if !keep && let Some(t) = o.other_target() {
                state.probes().drop_target(t);
            }
            keep
        });
        for o in &mut others {
            o.apply_paths(&paths);
        }
    }
}

impl Server {
    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops watching, ends every event stream and waits for the HTTP server to finish:
    /// requests still running get [`SHUTDOWN_GRACE`], then their connections are dropped.
    pub async fn shutdown(mut self) {
        let deadline = tokio::time::Instant::now() + SHUTDOWN_GRACE;
        self.state.shutdown_token().cancel();
        self.watcher.take();
        if tokio::time::timeout_at(deadline, &mut self.http)
            .await
            .is_err()
        {
            self.http.abort();
        }
        // The rebuild thread ends once the watcher is gone; a rebuild in progress may still
        // finish its step, which is harmless to leave behind when the process exits.
        if let Some(t) = self.rebuilder.take() {
            let _ =
                tokio::time::timeout_at(deadline, tokio::task::spawn_blocking(move || t.join()))
                    .await;
        }
    }

    /// Serves until `signal` resolves, then shuts down cleanly.
    pub async fn run_until(self, signal: impl std::future::Future<Output = ()>) {
        signal.await;
        self.shutdown().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_128_random_bits_in_hex() {
        let a = new_token().expect("Linux has getrandom");
        let b = new_token().expect("Linux has getrandom");
        assert_eq!(a.len(), 32);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(a, b);
    }
}
