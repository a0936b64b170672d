//! Connecting to a Redis target: URL translation (Django's forms → the redis crate's),
//! timeouts, and turning every failure into a clear, password-free [`ProbeError`].

use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, ConnectionInfo, IntoConnectionInfo, RedisError};

use super::hint;
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
    Other,
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
        Outcome::new(Status::Error, self.message).hint(self.hint)
    }
}

/// A resolved target: where to connect and which secrets to scrub from messages.
#[derive(Clone)]
pub struct Endpoint {
    info: ConnectionInfo,
    /// The DB index Django uses on this target.
    pub db: i64,
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
    /// Parses the target URL: `redis://[:PASSWORD@]host:port/db` (percent-encoded
    /// passwords) or `unix:///path.sock?db=N[&password=P]` (Django's spelling; the redis
    /// crate wants `pass=`).
    pub fn from_target(target: &RedisTarget) -> Result<Endpoint, ProbeError> {
        let display = target.display_url();
        let url = translate_url(target.url.trim());
        let secrets = crate::redact::secrets_of(&target.url);
        let info = url.as_str().into_connection_info().map_err(|_| {
            ProbeError::new(
                ErrorKind::BadUrl,
                format!(
                    "target URL {display} is not a Redis URL (expected redis://[:PASSWORD@]host:port/db or unix:///path.sock?db=N)"
                ),
                hint::plain("Fix `url` of the target in bisk-docs.toml (or BISK_REDIS_URL)."),
            )
        })?;
        let redis = info.redis_settings().clone().set_skip_set_lib_name();
        let db = redis.db();
        Ok(Endpoint {
            info: info.set_redis_settings(redis),
            db,
            display,
            secrets,
            connect_timeout: target.connect_timeout,
            deadline: target.deadline,
        })
    }

    /// A connection to `db` (default: the target's). Multiplexed, so probes of one run
    /// share it; the response timeout is the probe deadline.
    pub async fn connect(&self, db: Option<i64>) -> Result<MultiplexedConnection, ProbeError> {
        let mut info = self.info.clone();
        if let Some(db) = db {
            let redis = info.redis_settings().clone().set_db(db);
            info = info.set_redis_settings(redis);
        }
        let client = Client::open(info).map_err(|e| self.classify(&e))?;
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.connect_timeout))
            .set_response_timeout(Some(self.deadline));
        let connecting = client.get_multiplexed_async_connection_with_config(&config);
        // The crate's own timeout covers the TCP connect; this one also covers a server
        // that accepts and then never answers the handshake.
        match tokio::time::timeout(self.connect_timeout + self.deadline, connecting).await {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(e)) => Err(self.classify(&e)),
            Err(_) => Err(self.timeout_error()),
        }
    }

    pub fn timeout_error(&self) -> ProbeError {
        ProbeError::new(
            ErrorKind::Timeout,
            format!(
                "no answer from {} within {} ms: the port accepts connections but nothing answers like Redis",
                self.display,
                (self.connect_timeout + self.deadline).as_millis()
            ),
            hint::server_down(),
        )
    }

    /// Maps a redis crate error to a clear message and hint, scrubbing secrets.
    pub fn classify(&self, e: &RedisError) -> ProbeError {
        let raw = self.scrub(&e.to_string());
        let code = e.code().unwrap_or("");
        let lower = raw.to_ascii_lowercase();
        let at = &self.display;
        if e.is_connection_refusal() || lower.contains("connection refused") {
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
        } else if lower.contains("without any password configured") {
            ProbeError::new(
                ErrorKind::WrongPassword,
                format!("{at} has no password set, but the target URL sends one"),
                hint::auth(),
            )
        } else if code == "LOADING" {
            ProbeError::new(
                ErrorKind::Loading,
                format!(
                    "{at} is still loading its dataset into memory (LOADING); try again in a moment"
                ),
                hint::plain(
                    "Redis answers normally once the RDB/AOF load finishes; large datasets take a while.",
                ),
            )
        } else if code == "NOPERM" {
            ProbeError::new(
                ErrorKind::Denied,
                format!("{at}: the ACL user may not run this command (NOPERM)"),
                hint::auth(),
            )
        } else if e.is_timeout() || lower.contains("timed out") {
            self.timeout_error()
        } else if lower.contains("no such file or directory") && at.starts_with("unix:") {
            ProbeError::new(
                ErrorKind::Refused,
                format!("socket of {at} does not exist: Redis is not running or listens elsewhere"),
                hint::server_down(),
            )
        } else if lower.contains("db index is out of range") {
            ProbeError::new(
                ErrorKind::Other,
                format!("{at}: DB index out of range for this server"),
                hint::keys_missing(),
            )
        } else {
            let kind = if e.is_io_error() {
                ErrorKind::Other
            } else {
                ErrorKind::Protocol
            };
            ProbeError::new(
                kind,
                format!("Redis error from {at}: {}", super::result::bound(&raw, 300)),
                hint::server_down(),
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

/// Django writes `unix:///sock?db=1&password=P`; the redis crate reads `pass=`.
fn translate_url(url: &str) -> String {
    let is_unix = url.starts_with("unix:") || url.starts_with("redis+unix:");
    match url.split_once('?') {
        Some((head, query)) if is_unix => {
            let q: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some(("password", v)) => format!("pass={v}"),
                    _ => pair.to_string(),
                })
                .collect();
            format!("{head}?{}", q.join("&"))
        }
        _ => url.to_string(),
    }
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
