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
use super::connect::{Endpoint, ErrorKind, ProbeError};
use super::decl::{Check, ProbeDecl};
use super::hint;
use super::result::{Outcome, ProbeResult, Status, TargetRef};
use super::store::Store;
use crate::config::{Backend, Config, DJANGO_TARGET, NamedTarget};

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
    /// FileBasedCache and DatabaseCache targets: the directory or the database connection,
    /// opened by the first probe that needs it.
    store: OnceCell<Result<Arc<Store>, ProbeError>>,
}

impl TargetSession {
    pub fn new(named: NamedTarget) -> Self {
        let endpoint = match named.target.backend {
            Backend::Redis => Endpoint::from_target(&named.target),
            other => Err(ProbeError::new(
                ErrorKind::Other,
                format!(
                    "target {} is a {} cache ({}), not Redis",
                    named.name,
                    other,
                    named.target.display_place()
                ),
                None,
            )),
        };
        TargetSession {
            named,
            endpoint,
            conn: OnceCell::new(),
            store: OnceCell::new(),
        }
    }

    /// The file or database store of a file or db target; the first caller opens it.
    pub async fn store(&self) -> Result<Arc<Store>, ProbeError> {
        self.store
            .get_or_init(|| async { Store::open(&self.named.target).await.map(Arc::new) })
            .await
            .clone()
    }

    pub fn backend(&self) -> Backend {
        self.named.target.backend
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
        let t = &self.named.target;
        // The django target of a check that did not ask Django (it never touches the
        // cache) has no place to show: empty rather than a redacted nothing.
        let unresolved =
            self.named.name == DJANGO_TARGET && t.backend == Backend::Redis && t.url.is_empty();
        TargetRef {
            name: self.named.name.clone(),
            url: if unresolved {
                String::new()
            } else {
                t.display_place()
            },
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

    async fn session(&self, decl: &ProbeDecl) -> Result<Arc<TargetSession>, Outcome> {
        let unknown = |message: String| {
            Outcome::new(Status::Error, message).hint(hint::plain(
                "Declare the target under [targets.NAME] in bisk-docs.toml.",
            ))
        };
        let name = decl
            .target
            .as_deref()
            .or(self.options.target.as_deref())
            .unwrap_or("default");
        if let Some(s) = self
            .sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
        {
            return Ok(s.clone());
        }
        let named = if name == DJANGO_TARGET && !decl.check.uses_redis() {
            // A check that never touches the cache (a command, an HTTP GET, django.settings
            // itself) runs without asking Django where the cache is: it only takes the
            // timeouts, which the django target has from [redis] anyway. Not kept, so a
            // cache probe of the same run still resolves the real place.
            let named = self
                .config
                .target(Some(name))
                .map_err(|e| unknown(e.to_string()))?;
            return Ok(Arc::new(TargetSession::new(named)));
        } else {
            use crate::django::settings::TargetError;
            match crate::django::settings::resolve_target(&self.config, Some(name)).await {
                Ok(named) => named,
                Err(TargetError::Unknown(e)) => return Err(unknown(e.to_string())),
                Err(e @ TargetError::Ask(_)) => {
                    return Err(Outcome::new(Status::Error, e.to_string()).hint(
                        hint::plain(
                            "Probes on the django target go where Django's CACHES say; fix [django] in bisk-docs.toml (python = the project's virtualenv interpreter, settings, project_dir), or the settings module.",
                        ),
                    ));
                }
                Err(e @ TargetError::Unusable(_)) => {
                    return Err(
                        Outcome::new(Status::Error, e.to_string()).hint(hint::other_backends())
                    );
                }
            }
        };
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        // Two probes may have resolved the same target at once: keep the first, so the run
        // shares one connection.
        Ok(sessions
            .entry(name.to_string())
            .or_insert_with(|| Arc::new(TargetSession::new(named)))
            .clone())
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
        // A declaration with `{{ name }}` is resolved again for the target this run uses,
        // wherever it was first resolved (a page, a guide, another target): the one
        // resolve function, from the declaration parsed once.
        let resolved;
        let decl = if decl.declaration.uses_vars() {
            let target = self.options.target.as_deref().unwrap_or("default");
            match decl.declaration.resolve(&self.config, target) {
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
            let target = decl
                .target
                .clone()
                .or(self.options.target.clone())
                .unwrap_or_else(|| "default".into());
            let scope = self.config.scope(&target);
            let needs: Vec<String> = decl
                .unset
                .iter()
                .map(|n| match scope.get(n) {
                    Some(crate::vars::VarDef::Unset(about)) => format!("`{n}` ({about})"),
                    _ => format!("`{n}`"),
                })
                .collect();
            let table = if target == "default" {
                "[vars]".to_string()
            } else {
                format!("[targets.{target}.vars] or [vars]")
            };
            return self.finish(
                decl,
                None,
                Outcome::new(
                    Status::Skipped,
                    format!(
                        "not judged: needs {}, which {} no value for target {target}",
                        needs.join(", "),
                        if needs.len() == 1 { "has" } else { "have" }
                    ),
                )
                .hint(hint::plain(format!("Set it in {table} of bisk-docs.toml."))),
                started.elapsed(),
            );
        }
        let session = match self.session(decl).await {
            Ok(s) => s,
            Err(outcome) => return self.finish(decl, None, outcome, started.elapsed()),
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
            // Django is asked under [django] timeout (and killed on it).
            Check::DjangoSettings(_) => {
                self.config
                    .django
                    .as_ref()
                    .map(|d| d.timeout)
                    .unwrap_or(t.deadline)
                    + Duration::from_millis(500)
            }
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
        // The probe's own `hint`/`hint_link` win over the check's built-in one.
        if outcome.status != Status::Pass && (decl.hint.is_some() || decl.hint_link.is_some()) {
            let builtin = outcome.hint.take();
            outcome.hint = Some(crate::probe::result::Hint {
                text: decl
                    .hint
                    .clone()
                    .or_else(|| builtin.map(|h| h.text))
                    .unwrap_or_default(),
                link: decl.hint_link.clone(),
            });
        }
        // Every redis-cli command a hint shows reaches this target (never its password).
        if let (Some(s), Some(h)) = (session, outcome.hint.as_mut()) {
            hint::for_target(h, &s.named.target);
        }
        ProbeResult {
            id: decl.id.clone(),
            page: crate::content::paths::to_slash(&decl.page),
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
