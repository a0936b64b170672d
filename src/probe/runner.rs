//! Runs declared probes: concurrently under a cap, each under its deadline, sharing one
//! multiplexed Redis connection per target per run.
//!
//! Nothing a declaration says can make the runner do anything but the fixed checks of
//! `catalogue`; `command` probes run only argv declared by the operator in bisk-docs.toml.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;
use tokio::sync::{OnceCell, Semaphore};

use super::catalogue;
use super::connect::{Endpoint, ProbeError};
use super::decl::{Check, ProbeDecl};
use super::hint;
use super::result::{Outcome, ProbeResult, Status, TargetRef};
use crate::config::{Config, NamedTarget};

/// Margin of the per-probe backstop over connect_timeout + deadline (see
/// [`Runner::deadline`]).
const OVERRUN_SLACK: Duration = Duration::from_millis(150);

/// Options of one run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Target for probes that name none (`None` → `[redis]`).
    pub target: Option<String>,
    /// Skip every probe that writes, whatever the target allows (`serve --read-only`).
    pub read_only: bool,
}

/// One target's state during a run: its endpoint and the lazily opened shared connection.
pub struct TargetSession {
    pub named: NamedTarget,
    endpoint: Result<Endpoint, ProbeError>,
    conn: OnceCell<Result<MultiplexedConnection, ProbeError>>,
}

impl TargetSession {
    pub fn new(named: NamedTarget) -> Self {
        let endpoint = Endpoint::from_target(&named.target);
        TargetSession {
            named,
            endpoint,
            conn: OnceCell::new(),
        }
    }

    pub fn endpoint(&self) -> Result<&Endpoint, ProbeError> {
        self.endpoint.as_ref().map_err(Clone::clone)
    }

    /// The shared connection to the target's DB; the first caller opens it.
    pub async fn conn(&self) -> Result<MultiplexedConnection, ProbeError> {
        let ep = self.endpoint()?;
        self.conn.get_or_init(|| ep.connect(None)).await.clone()
    }

    /// Whether the shared connection finished its handshake (successfully or not).
    pub fn connected(&self) -> bool {
        self.conn.initialized()
    }

    pub fn target_ref(&self) -> TargetRef {
        TargetRef {
            name: self.named.name.clone(),
            url: self.named.target.display_url(),
        }
    }
}

/// Everything a check may use.
pub struct Ctx<'a> {
    pub session: &'a TargetSession,
    pub config: &'a Config,
    pub read_only: bool,
    pub now: jiff::Timestamp,
}

/// Runs probes; keep one per run (connections live as long as it does).
pub struct Runner {
    config: Arc<Config>,
    options: RunOptions,
    sessions: Mutex<HashMap<String, Arc<TargetSession>>>,
}

impl Runner {
    pub fn new(config: Arc<Config>, options: RunOptions) -> Self {
        Runner {
            config,
            options,
            sessions: Mutex::new(HashMap::new()),
        }
    }

    fn session(&self, decl: &ProbeDecl) -> Result<Arc<TargetSession>, String> {
        let name = decl
            .target
            .as_deref()
            .or(self.options.target.as_deref())
            .unwrap_or("default");
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = sessions.get(name) {
            return Ok(s.clone());
        }
        let named = self.config.target(Some(name)).map_err(|e| e.to_string())?;
        let s = Arc::new(TargetSession::new(named));
        sessions.insert(name.to_string(), s.clone());
        Ok(s)
    }

    /// Runs all probes (at most `probes.concurrency` at once); results in input order.
    pub async fn run(self: &Arc<Self>, decls: &[ProbeDecl]) -> Vec<ProbeResult> {
        let sem = Arc::new(Semaphore::new(self.config.probes.concurrency.max(1)));
        let mut set = tokio::task::JoinSet::new();
        for (i, decl) in decls.iter().cloned().enumerate() {
            let me = self.clone();
            let sem = sem.clone();
            set.spawn(async move {
                let _permit = sem.acquire_owned().await;
                (i, me.run_one(&decl).await)
            });
        }
        let mut out: Vec<Option<ProbeResult>> = vec![None; decls.len()];
        while let Some(joined) = set.join_next().await {
            match joined {
                Ok((i, r)) => out[i] = Some(r),
                Err(e) => {
                    // A panicking check must not take the run down; the slot is filled below.
                    eprintln!("probe task failed: {e}");
                }
            }
        }
        out.into_iter()
            .zip(decls)
            .map(|(r, d)| {
                r.unwrap_or_else(|| {
                    self.finish(
                        d,
                        None,
                        Outcome::new(Status::Error, "the check crashed (internal error)"),
                        Duration::ZERO,
                    )
                })
            })
            .collect()
    }

    /// Runs one probe under its deadline.
    pub async fn run_one(&self, decl: &ProbeDecl) -> ProbeResult {
        let started = Instant::now();
        // A body with `{{ name }}` is read again with the values of the target this run
        // uses, wherever the declaration was first read (a page, a guide, another target).
        let resolved;
        let decl = if decl.source.contains("{{") {
            let target = self.options.target.as_deref().unwrap_or("default");
            match crate::probe::decl::parse_in(
                &decl.source,
                &decl.page,
                decl.line,
                decl.index,
                &self.config,
                target,
            ) {
                Ok(mut d) => {
                    d.id = decl.id.clone();
                    resolved = d;
                    &resolved
                }
                Err(e) => {
                    return self.finish(
                        decl,
                        None,
                        Outcome::new(Status::Error, e.message),
                        started.elapsed(),
                    );
                }
            }
        } else {
            decl
        };
        if !decl.unset.is_empty() {
            // Truth first: a parameter without a value cannot be judged, and running the
            // check with the placeholder would only report on the placeholder.
            let names: Vec<String> = decl.unset.iter().map(|n| format!("`{n}`")).collect();
            let target = decl
                .target
                .clone()
                .or(self.options.target.clone())
                .unwrap_or_else(|| "default".into());
            return self.finish(
                decl,
                None,
                Outcome::new(
                    Status::Skipped,
                    format!(
                        "not judged: {} has no value for target {target}",
                        names.join(", ")
                    ),
                )
                .hint(hint::plain(
                    "Set the value in [vars] (or [targets.NAME.vars]) of bisk-docs.toml.",
                )),
                started.elapsed(),
            );
        }
        let session = match self.session(decl) {
            Ok(s) => s,
            Err(message) => {
                return self.finish(
                    decl,
                    None,
                    Outcome::new(Status::Error, message).hint(hint::plain(
                        "Declare the target under [targets.NAME] in bisk-docs.toml.",
                    )),
                    started.elapsed(),
                );
            }
        };
        let deadline = self.deadline(decl, &session);
        let ctx = Ctx {
            session: &session,
            config: &self.config,
            read_only: self.options.read_only,
            now: jiff::Timestamp::now(),
        };
        let outcome = match tokio::time::timeout(deadline, catalogue::run(&decl.check, &ctx)).await
        {
            Ok(Ok(o)) => o,
            Ok(Err(e)) => e.into_outcome(),
            Err(_) => self.overrun(decl, &session, deadline),
        };
        self.finish(decl, Some(&session), outcome, started.elapsed())
    }

    fn deadline(&self, decl: &ProbeDecl, session: &TargetSession) -> Duration {
        let t = &session.named.target;
        match &decl.check {
            // The command has its own timeout (and is killed on it); leave room to report.
            Check::Command(p) => self
                .config
                .commands
                .get(&p.name)
                .map(|c| c.timeout + Duration::from_millis(500))
                .unwrap_or(t.deadline),
            // Connecting is part of the probe: connect stage (connect_timeout), then the
            // handshake and each command under `deadline`. The slack lets those stage
            // timeouts, which say which stage ran out, fire before this backstop.
            _ => t.connect_timeout + t.deadline + OVERRUN_SLACK,
        }
    }

    /// The backstop fired: name the stage and the figures instead of "Start Redis".
    fn overrun(&self, decl: &ProbeDecl, session: &TargetSession, limit: Duration) -> Outcome {
        let t = &session.named.target;
        if !decl.check.uses_redis() {
            return Outcome::new(
                Status::Error,
                format!("no result within the {} ms deadline", limit.as_millis()),
            );
        }
        let stage = if session.connected() {
            "command stage"
        } else {
            "connect/handshake stage"
        };
        Outcome::new(
            Status::Error,
            format!(
                "{stage}: no result within {} ms (connect_timeout {} ms + deadline {} ms + {} ms margin)",
                limit.as_millis(),
                t.connect_timeout.as_millis(),
                t.deadline.as_millis(),
                OVERRUN_SLACK.as_millis()
            ),
        )
        .hint(hint::no_answer())
    }

    fn finish(
        &self,
        decl: &ProbeDecl,
        session: Option<&TargetSession>,
        outcome: Outcome,
        took: Duration,
    ) -> ProbeResult {
        let target = session.map(TargetSession::target_ref).unwrap_or(TargetRef {
            name: decl
                .target
                .clone()
                .or(self.options.target.clone())
                .unwrap_or_else(|| "default".into()),
            url: String::new(),
        });
        let mut outcome = outcome;
        if outcome.status == Status::Pass {
            outcome.hint = None;
        }
        ProbeResult {
            id: decl.id.clone(),
            page: decl.page.to_string_lossy().replace('\\', "/"),
            check: decl.check_name().to_string(),
            title: decl.title.clone(),
            status: outcome.status,
            summary: outcome.summary,
            expected: outcome.expected,
            observed: outcome.observed,
            evidence: outcome.evidence,
            hint: outcome.hint,
            duration_ms: (took.as_secs_f64() * 1e6).round() / 1e3,
            checked_at: jiff::Timestamp::now()
                .round(jiff::Unit::Second)
                .unwrap_or_else(|_| jiff::Timestamp::now())
                .to_string(),
            target,
        }
    }
}

/// Convenience: a fresh runner over `decls` on a current-thread runtime's task.
pub async fn run_all(
    config: Arc<Config>,
    options: RunOptions,
    decls: &[ProbeDecl],
) -> Vec<ProbeResult> {
    Arc::new(Runner::new(config, options)).run(decls).await
}
