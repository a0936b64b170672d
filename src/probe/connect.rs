//! Connecting to a Redis target: URL translation (Django's forms → the redis crate's),
//! timeouts, and turning every failure into a clear, password-free [`ProbeError`].

use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{
    AsyncConnectionConfig, ConnectionAddr, ConnectionInfo, IntoConnectionInfo, RedisConnectionInfo,
    RedisError,
};

use super::hint;
use super::redis_url::{Address, RedisUrl};
use super::result::{Hint, Outcome, Status};
use crate::config::RedisTarget;

/// Why a probe could not be judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    BadUrl,
    Refused,
    Dns,
    Timeout,
    AuthRequired,
    WrongPassword,
    Loading,
    Denied,
    Protocol,
    /// The peer answers, but not in the Redis protocol (an HTTP server, anything else).
    NotRedis,
    /// A password was sent to a Redis that has none configured.
    NoPasswordConfigured,
    /// OOM: maxmemory reached and writes refused.
    OutOfMemory,
    /// READONLY: a replica.
    ReadOnly,
    /// maxclients reached.
    TooManyClients,
    /// DatabaseCache: the cache table is missing (settled by the store into one of the two
    /// kinds below or an error about the database).
    MissingTable,
    /// The cache is there but Django's own `cache.get` fails on it (a missing table in the
    /// app's database, a table with other columns): judged, so the probe fails.
    CacheBroken,
    /// The backend's place does not exist on this host (no cache directory, no SQLite
    /// file): nothing here uses it, so the probe is skipped with the cause.
    NotHere,
    Other,
}

/// Where a connection or command was when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Opening the TCP connection or unix socket (bounded by `connect_timeout`).
    Connect,
    /// AUTH and SELECT on a fresh connection (bounded by `deadline`).
    Handshake,
    /// A probe's command (bounded by `deadline`).
    Command,
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stage::Connect => "connect",
            Stage::Handshake => "handshake",
            Stage::Command => "command",
        })
    }
}

/// An open stream of the connect stage.
enum Stream {
    Tcp(tokio::net::TcpStream),
    #[cfg(unix)]
    Unix(tokio::net::UnixStream),
}

/// A probe that ended as `error`: message and hint are already free of secrets.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ProbeError {
    pub kind: ErrorKind,
    pub message: String,
    pub hint: Option<Hint>,
}

impl ProbeError {
    pub fn new(kind: ErrorKind, message: impl Into<String>, hint: Option<Hint>) -> Self {
        ProbeError {
            kind,
            message: message.into(),
            hint,
        }
    }

    pub fn into_outcome(self) -> Outcome {
        let status = match self.kind {
            ErrorKind::CacheBroken => Status::Fail,
            ErrorKind::NotHere => Status::Skipped,
            _ => Status::Error,
        };
        Outcome::new(status, self.message).hint(self.hint)
    }
}

/// A resolved target: where to connect and which secrets to scrub from messages.
#[derive(Clone)]
pub struct Endpoint {
    info: ConnectionInfo,
    /// `rediss://`: read (to compare and show it) but not probed.
    tls: bool,
    /// The DB index Django uses on this target (redis-py's reading of the URL).
    pub db: i64,
    /// The db as evidence: the number, and where it came from when `?db=` chose it.
    pub db_shown: String,
    /// Redacted URL for messages.
    pub display: String,
    secrets: Vec<String>,
    pub connect_timeout: Duration,
    pub deadline: Duration,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("url", &self.display)
            .field("db", &self.db)
            .finish()
    }
}

impl Endpoint {
    /// Reads the target URL as redis-py (Django's RedisCache) reads it
    /// ([`RedisUrl::parse`]): `redis://[[user]:PASSWORD@]host:port/db?db=N&password=P`,
    /// `rediss://…`, `unix:///path.sock?db=N&password=P`. A URL it cannot read exactly so
    /// is an error naming the URL redacted, never a guess at the db.
    pub fn from_target(target: &RedisTarget) -> Result<Endpoint, ProbeError> {
        let display = target.display_url();
        let mut secrets = crate::redact::secrets_of(&target.url);
        let url = RedisUrl::parse(target.url.trim()).map_err(|why| {
            ProbeError::new(
                ErrorKind::BadUrl,
                format!("target URL {display} cannot be read as Django reads it: {why}"),
                hint::plain(
                    "Fix `url` of the target in bisk-docs.toml (or BISK_REDIS_URL): redis://[:PASSWORD@]host:port/db or unix:///path.sock?db=N, the password percent-encoded.",
                ),
            )
        })?;
        // The password as sent (query values are decoded twice) is a secret too.
        secrets.extend(url.password.iter().filter(|p| p.len() > 1).cloned());
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        let addr = match &url.addr {
            Address::Tcp { host, port } => ConnectionAddr::Tcp(host.clone(), *port),
            Address::Unix(path) => ConnectionAddr::Unix(path.into()),
        };
        let mut redis = RedisConnectionInfo::default()
            .set_db(url.db)
            .set_skip_set_lib_name();
        if url.protocol == Some(3) {
            redis = redis.set_protocol(redis::ProtocolVersion::RESP3);
        }
        // redis-py authenticates whenever a user name or a password is given, with "" for
        // the one missing (`AUTH user ""`).
        if url.username.is_some() || url.password.is_some() {
            redis = redis.set_password(url.password.as_deref().unwrap_or(""));
            if let Some(user) = &url.username {
                redis = redis.set_username(user);
            }
        }
        let info = addr
            .into_connection_info()
            .expect("an address is a connection info")
            .set_redis_settings(redis);
        Ok(Endpoint {
            info,
            tls: url.tls,
            db: url.db,
            db_shown: url.db_shown(),
            display,
            secrets,
            connect_timeout: target.connect_timeout,
            deadline: target.deadline,
        })
    }

    /// Where this endpoint connects, without credentials: `host:port` (the host
    /// lowercased, loopback names and addresses as `loopback`, `rediss://` before it for
    /// TLS) or the unix socket path.
    /// For comparing two targets (`django.settings`), never for connecting.
    pub fn address(&self) -> String {
        match self.info.addr() {
            ConnectionAddr::Tcp(host, port) | ConnectionAddr::TcpTls { host, port, .. } => {
                let host = host.trim_matches(['[', ']']).to_ascii_lowercase();
                let loopback = host == "localhost"
                    || host
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback());
                // TLS or not is part of the place: the same port cannot serve both.
                let scheme = if self.tls { "rediss://" } else { "" };
                format!(
                    "{scheme}{}:{port}",
                    if loopback { "loopback" } else { &host }
                )
            }
            ConnectionAddr::Unix(path) => path.display().to_string(),
            #[allow(unreachable_patterns)]
            _ => String::new(),
        }
    }

    /// A connection to `db` (default: the target's). Multiplexed, so probes of one run
    /// share it.
    ///
    /// Three stages, each with its own bound and its own message: the TCP (or unix
    /// socket) connect under `connect_timeout`; the handshake (AUTH, SELECT) under the
    /// probe's `deadline`, so a live but slow Redis is not mistaken for a dead port; each
    /// command later under `deadline` (the connection's response timeout). The handshake
    /// is sent by us rather than by the redis crate so the server's own reply to AUTH
    /// (WRONGPASS, or "no password configured") reaches [`Endpoint::classify`].
    pub async fn connect(&self, db: Option<i64>) -> Result<MultiplexedConnection, ProbeError> {
        let settings = self.info.redis_settings();
        let db = db.unwrap_or(settings.db());
        let stream = self.open_stream().await?;
        // Nothing for the crate to send on its own: no AUTH, no SELECT, no CLIENT SETINFO.
        // Except under RESP3, where the crate's HELLO must carry the credentials (Redis
        // refuses HELLO before AUTH): then the crate authenticates, under the same bound.
        let resp3 = settings.protocol() != redis::ProtocolVersion::RESP2;
        let mut bare = RedisConnectionInfo::default()
            .set_protocol(settings.protocol())
            .set_skip_set_lib_name();
        if resp3 && let Some(password) = settings.password() {
            bare = bare.set_password(password);
            if let Some(user) = settings.username() {
                bare = bare.set_username(user);
            }
        }
        let config = AsyncConnectionConfig::new().set_response_timeout(Some(self.deadline));
        let handshake = async {
            let mut conn = match stream {
                Stream::Tcp(s) => Self::multiplex(&bare, s, config).await,
                #[cfg(unix)]
                Stream::Unix(s) => Self::multiplex(&bare, s, config).await,
            }
            .map_err(|e| self.classify_at(&e, Stage::Handshake))?;
            if let Some(password) = settings.password().filter(|_| !resp3) {
                let mut auth = redis::cmd("AUTH");
                if let Some(user) = settings.username() {
                    auth.arg(user);
                }
                auth.arg(password);
                let () = auth
                    .query_async(&mut conn)
                    .await
                    .map_err(|e| self.classify_at(&e, Stage::Handshake))?;
            }
            if db != 0 {
                let () = redis::cmd("SELECT")
                    .arg(db)
                    .query_async(&mut conn)
                    .await
                    .map_err(|e| self.classify_at(&e, Stage::Handshake))?;
            }
            Ok(conn)
        };
        match tokio::time::timeout(self.deadline, handshake).await {
            Ok(r) => r,
            Err(_) => Err(self.timeout_error(Stage::Handshake)),
        }
    }

    /// Wraps an open stream in a multiplexed connection whose driver runs as a task (it
    /// ends once every handle of the connection is dropped).
    async fn multiplex<S>(
        bare: &RedisConnectionInfo,
        stream: S,
        config: AsyncConnectionConfig,
    ) -> Result<MultiplexedConnection, RedisError>
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let (conn, driver) = MultiplexedConnection::new_with_config(bare, stream, config).await?;
        tokio::spawn(driver);
        Ok(conn)
    }

    /// The connect stage: a TCP or unix-socket stream within `connect_timeout`.
    async fn open_stream(&self) -> Result<Stream, ProbeError> {
        let opening = async {
            match self.info.addr() {
                _ if self.tls => Ok(None),
                ConnectionAddr::Tcp(host, port) => {
                    let s = tokio::net::TcpStream::connect((host.as_str(), *port)).await?;
                    let _ = s.set_nodelay(true);
                    Ok::<_, std::io::Error>(Some(Stream::Tcp(s)))
                }
                #[cfg(unix)]
                ConnectionAddr::Unix(path) => Ok(Some(Stream::Unix(
                    tokio::net::UnixStream::connect(path).await?,
                ))),
                _ => Ok(None),
            }
        };
        match tokio::time::timeout(self.connect_timeout, opening).await {
            Ok(Ok(Some(s))) => Ok(s),
            Ok(Ok(None)) => Err(ProbeError::new(
                ErrorKind::BadUrl,
                format!(
                    "{}: TLS (rediss://) is not supported by the probes",
                    self.display
                ),
                hint::plain("Probe Redis over loopback TCP or its unix socket."),
            )),
            Ok(Err(e)) => Err(self.classify_at(&RedisError::from(e), Stage::Connect)),
            Err(_) => Err(self.timeout_error(Stage::Connect)),
        }
    }

    /// The stage that ran out of time, with the figure that bounded it.
    pub fn timeout_error(&self, stage: Stage) -> ProbeError {
        let at = &self.display;
        let (message, hint) = match stage {
            Stage::Connect => (
                format!(
                    "connect stage: no connection to {at} within {} ms (connect_timeout)",
                    self.connect_timeout.as_millis()
                ),
                hint::connect_timeout(),
            ),
            Stage::Handshake => (
                format!(
                    "handshake stage: {at} accepted the connection but did not answer the handshake (AUTH/SELECT) within {} ms (deadline)",
                    self.deadline.as_millis()
                ),
                hint::no_answer(),
            ),
            Stage::Command => (
                format!(
                    "command stage: {at} sent no reply within {} ms (deadline)",
                    self.deadline.as_millis()
                ),
                hint::no_answer(),
            ),
        };
        ProbeError::new(ErrorKind::Timeout, message, hint)
    }

    /// Maps a redis crate error from a command to a clear message and hint, scrubbing
    /// secrets.
    pub fn classify(&self, e: &RedisError) -> ProbeError {
        self.classify_at(e, Stage::Command)
    }

    /// As [`Endpoint::classify`], for an error met in `stage`. Each cause gets its own
    /// message and hint; "start Redis" only when nothing listens.
    pub fn classify_at(&self, e: &RedisError, stage: Stage) -> ProbeError {
        let raw = self.scrub(&e.to_string());
        let code = server_code(e);
        let code = code.as_deref().unwrap_or("");
        let lower = raw.to_ascii_lowercase();
        let at = &self.display;
        if lower.contains("no such file or directory") && at.starts_with("unix:") {
            ProbeError::new(
                ErrorKind::Refused,
                format!("socket of {at} does not exist: Redis is not running or listens elsewhere"),
                hint::server_down(),
            )
        } else if e.is_connection_refusal() || lower.contains("connection refused") {
            ProbeError::new(
                ErrorKind::Refused,
                format!("connection refused by {at}: nothing listens there"),
                hint::server_down(),
            )
        } else if lower.contains("failed to lookup address")
            || lower.contains("name or service not known")
            || lower.contains("no address associated")
            || lower.contains("temporary failure in name resolution")
        {
            ProbeError::new(
                ErrorKind::Dns,
                format!("cannot resolve the host of {at} (DNS lookup failed)"),
                hint::plain("Check the host name in the target URL, or use 127.0.0.1."),
            )
        } else if lower.contains("without any password configured") {
            // Redis ≥ 6 answers AUTH this way when `requirepass` is not set; before the
            // WRONGPASS test, which would give the opposite advice.
            ProbeError::new(
                ErrorKind::NoPasswordConfigured,
                format!(
                    "{at} has no password configured, but the target URL sends one (AUTH refused)"
                ),
                hint::no_password_configured(),
            )
        } else if code == "NOAUTH" || lower.contains("authentication required") {
            ProbeError::new(
                ErrorKind::AuthRequired,
                format!("{at} requires a password (NOAUTH) and the target URL has none"),
                hint::auth(),
            )
        } else if code == "WRONGPASS"
            || e.kind() == redis::ErrorKind::AuthenticationFailed
            || lower.contains("authentication failed")
            || lower.contains("invalid password")
            || lower.contains("invalid username-password")
        {
            ProbeError::new(
                ErrorKind::WrongPassword,
                format!("{at} rejected the password (WRONGPASS)"),
                hint::auth(),
            )
        } else if code == "LOADING" {
            ProbeError::new(
                ErrorKind::Loading,
                format!(
                    "{at} is still loading its dataset into memory (LOADING); try again in a moment"
                ),
                hint::loading(),
            )
        } else if code == "NOPERM" {
            ProbeError::new(
                ErrorKind::Denied,
                format!("{at}: the ACL user may not run this command (NOPERM)"),
                hint::acl_denied(),
            )
        } else if code == "OOM" {
            ProbeError::new(
                ErrorKind::OutOfMemory,
                format!(
                    "{at} refuses writes: used memory is over maxmemory (OOM), so Django's cache.set fails too"
                ),
                hint::out_of_memory(),
            )
        } else if code == "READONLY" {
            ProbeError::new(
                ErrorKind::ReadOnly,
                format!(
                    "{at} is a read-only replica (READONLY): writes, Django's cache.set among them, fail there"
                ),
                hint::read_only_replica(),
            )
        } else if e.is_timeout() || lower.contains("timed out") {
            self.timeout_error(stage)
        } else if lower.contains("db index is out of range") {
            ProbeError::new(
                ErrorKind::Other,
                format!("{at}: DB index out of range for this server"),
                hint::keys_missing(),
            )
        } else if e.kind() == redis::ErrorKind::Parse || lower.contains("parse error") {
            ProbeError::new(
                ErrorKind::NotRedis,
                format!("{at} does not speak Redis: its answer is not a Redis reply"),
                hint::not_redis(),
            )
        } else if lower.contains("max number of clients reached") {
            ProbeError::new(
                ErrorKind::TooManyClients,
                format!("{at} takes no new client: max number of clients reached (maxclients)"),
                hint::too_many_clients(),
            )
        } else if e.is_io_error() || e.is_connection_dropped() || e.is_unrecoverable_error() {
            ProbeError::new(
                ErrorKind::Other,
                format!(
                    "{stage} stage: the connection to {at} broke: {}",
                    crate::text::bound(&raw, 300)
                ),
                hint::connection_lost(),
            )
        } else {
            ProbeError::new(
                ErrorKind::Protocol,
                format!("Redis error from {at}: {}", crate::text::bound(&raw, 300)),
                None,
            )
        }
    }

    /// Removes every form of the password from a text.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            if !s.is_empty() {
                out = out.replace(s.as_str(), "***");
            }
        }
        out
    }
}

/// The server's error code (OOM, READONLY, …), also from inside a pipeline failure, where
/// the crate keeps the codes it has no name for only per command.
fn server_code(e: &RedisError) -> Option<String> {
    if let Some(c) = e.code() {
        return Some(c.to_string());
    }
    e.clone()
        .into_server_errors()
        .and_then(|items| items.first().map(|(_, err)| err.code().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str) -> RedisTarget {
        RedisTarget {
            url: url.into(),
            ..RedisTarget::default()
        }
    }

    #[test]
    fn db_comes_from_each_url_form() {
        assert_eq!(
            Endpoint::from_target(&target("redis://127.0.0.1:6379/1"))
                .unwrap()
                .db,
            1
        );
        assert_eq!(
            Endpoint::from_target(&target("redis://127.0.0.1:6379"))
                .unwrap()
                .db,
            0
        );
        assert_eq!(
            Endpoint::from_target(&target("redis://:p%40ss@h:6380/2"))
                .unwrap()
                .db,
            2
        );
        let unix =
            Endpoint::from_target(&target("unix:///run/r.sock?db=3&password=s3cret")).unwrap();
        assert_eq!(unix.db, 3);
        assert_eq!(unix.info.redis_settings().password(), Some("s3cret"));
        assert!(!unix.display.contains("s3cret"));
        assert!(!format!("{unix:?}").contains("s3cret"));
    }

    #[test]
    fn query_db_and_tls_are_part_of_the_endpoint() {
        let ep = |u: &str| Endpoint::from_target(&target(u)).unwrap();
        assert_eq!(ep("redis://127.0.0.1:6379/1?db=5").db, 5);
        assert_eq!(ep("redis://127.0.0.1:6379?db=5").db, 5);
        assert_ne!(
            ep("rediss://h:6379/1").address(),
            ep("redis://h:6379/1").address()
        );
        assert_eq!(
            ep("redis://LOCALHOST:6379/1").address(),
            ep("redis://127.0.0.1:6379/2").address()
        );
        // The password as redis-py sends it (query values decoded twice) is scrubbed too.
        let e = ep("redis://h/1?password=a%2540bc");
        assert_eq!(e.scrub("no a@bc here"), "no *** here");
    }

    #[test]
    fn bad_url_is_a_clear_error_without_password() {
        let e = Endpoint::from_target(&target("http://:hunter2@h/1")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::BadUrl);
        assert!(!e.message.contains("hunter2"), "{}", e.message);
    }

    fn server_error(line: &[u8]) -> RedisError {
        redis::parse_redis_value(line)
            .expect("RESP")
            .extract_error()
            .expect_err("an error reply")
    }

    #[test]
    fn server_error_replies_get_their_own_messages() {
        let ep = Endpoint::from_target(&target("redis://:pw@127.0.0.1:6390/1")).unwrap();
        let e = ep.classify(&server_error(
            b"-LOADING Redis is loading the dataset in memory\r\n",
        ));
        assert_eq!(e.kind, ErrorKind::Loading, "{e}");
        let e = ep.classify(&server_error(b"-NOAUTH Authentication required.\r\n"));
        assert_eq!(e.kind, ErrorKind::AuthRequired, "{e}");
        let e = ep.classify(&server_error(
            b"-WRONGPASS invalid username-password pair or user is disabled.\r\n",
        ));
        assert_eq!(e.kind, ErrorKind::WrongPassword, "{e}");
        let e = ep.classify(&server_error(b"-ERR pw is not a command\r\n"));
        assert!(
            !e.message.contains(":pw@") && !e.message.contains(" pw "),
            "{e}"
        );
    }

    #[test]
    fn scrub_removes_raw_and_decoded_passwords() {
        let ep = Endpoint::from_target(&target("redis://:p%40ss@h:6380/2")).unwrap();
        assert_eq!(ep.scrub("bad p@ss and p%40ss"), "bad *** and ***");
    }
}
