//! Opening a DatabaseCache's database: SQLite (never created, read-only unless the target
//! allows writes) and PostgreSQL (TCP, then startup and authentication, each named when it
//! fails), with every secret scrubbed from the errors.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::probe::connect::{ErrorKind, ProbeError};
use crate::probe::hint;

pub(super) async fn open_sqlite(
    path: &Path,
    writes: bool,
    deadline: Duration,
) -> Result<Arc<Mutex<rusqlite::Connection>>, ProbeError> {
    let path: PathBuf = path.to_path_buf();
    let task = tokio::task::spawn_blocking(move || {
        use rusqlite::OpenFlags;
        // Never CREATE: a missing file is the wrong database, not an empty cache.
        let mode = if writes {
            OpenFlags::SQLITE_OPEN_READ_WRITE
        } else {
            OpenFlags::SQLITE_OPEN_READ_ONLY
        };
        match std::fs::metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // No file: no process on this host uses this database (never created here).
                return Err(ProbeError::new(
                    ErrorKind::NotHere,
                    format!(
                        "not judged here: the SQLite database {} does not exist on this host",
                        path.display()
                    ),
                    hint::database_cache(
                        "Point `database` at the app's DATABASES NAME (sqlite:////absolute/path.sqlite3): a wrong path means a wrong database.",
                    ),
                ));
            }
            Ok(m) if m.is_dir() => {
                return Err(ProbeError::new(
                    ErrorKind::Other,
                    format!("{} is a directory, not an SQLite database", path.display()),
                    hint::database_cache("Point `database` at the app's DATABASES NAME."),
                ));
            }
            // Opening a FIFO waits for a writer (forever, with none); a device can act on
            // open. SQLite would open either: only a regular file is handed to it.
            Ok(m) if !m.is_file() => {
                return Err(ProbeError::new(
                    ErrorKind::Other,
                    format!(
                        "{} is not a regular file (a FIFO, socket or device), not an SQLite database",
                        path.display()
                    ),
                    hint::database_cache("Point `database` at the app's DATABASES NAME."),
                ));
            }
            _ => {}
        }
        let conn = rusqlite::Connection::open_with_flags(
            &path,
            mode | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| {
            use std::os::unix::fs::MetadataExt;
            let owner = std::fs::metadata(&path)
                .map(|m| {
                    format!(
                        " (owner {}, mode {:04o})",
                        crate::probe::store::file::owner_words(m.uid(), m.gid()),
                        m.mode() & 0o7777
                    )
                })
                .unwrap_or_default();
            ProbeError::new(
                ErrorKind::Denied,
                format!("cannot open {}{owner}: {e}", path.display()),
                hint::database_cache(
                    "Run the check as the app's user, or let this user read the database file and its directory.",
                ),
            )
        })?;
        let _ = conn.busy_timeout(deadline);
        Ok(Arc::new(Mutex::new(conn)))
    });
    task.await.unwrap_or_else(|e| {
        Err(ProbeError::new(
            ErrorKind::Other,
            format!("internal: SQLite task failed: {e}"),
            None,
        ))
    })
}

/// Connects in two stages, so a failure names the right one: TCP (`connect stage`), then
/// PostgreSQL's startup and authentication, which a peer that accepts connections but
/// never speaks (a wrong port, a stuck server) leaves unanswered. Both within
/// `connect_timeout`. URLs with several hosts, sockets or `hostaddr` go to the driver whole.
pub(super) async fn pg_connect(
    url: &str,
    connect_timeout: Duration,
    shown: &str,
    secrets: &[String],
) -> Result<tokio_postgres::Client, ProbeError> {
    use tokio_postgres::config::Host;
    let started = std::time::Instant::now();
    let ms = connect_timeout.as_millis();
    let unanswered = |stage: &str| {
        ProbeError::new(
            ErrorKind::Timeout,
            format!("{stage} within {ms} ms (connect_timeout)"),
            hint::database_cache(
                "Is PostgreSQL running and reachable from here (`pg_isready -h HOST -p PORT`)?",
            ),
        )
    };
    let config: Option<tokio_postgres::Config> = url.parse().ok();
    let single_tcp = config
        .as_ref()
        .and_then(|c| match (c.get_hosts(), c.get_hostaddrs()) {
            ([Host::Tcp(host)], []) => {
                Some((host.clone(), c.get_ports().first().copied().unwrap_or(5432)))
            }
            _ => None,
        });
    let (Some(config), Some((host, port))) = (config, single_tcp) else {
        let connecting = tokio_postgres::connect(url, tokio_postgres::NoTls);
        return match tokio::time::timeout(connect_timeout, connecting).await {
            Ok(Ok(pair)) => Ok(spawn_driver(pair)),
            Ok(Err(e)) => Err(pg_connect_error(&e, shown, secrets)),
            Err(_) => Err(unanswered(&format!(
                "connect stage: no connection to {shown}"
            ))),
        };
    };
    let tcp = tokio::net::TcpStream::connect((host.as_str(), port));
    let stream = match tokio::time::timeout(connect_timeout, tcp).await {
        Err(_) => {
            return Err(unanswered(&format!(
                "connect stage: no TCP connection to {shown}"
            )));
        }
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            return Err(ProbeError::new(
                ErrorKind::Refused,
                format!("connection refused by {shown}: nothing listens there"),
                hint::database_cache(
                    "Start PostgreSQL, or fix the host and port of `database` (the app's DATABASES HOST and PORT).",
                ),
            ));
        }
        Ok(Err(e)) => {
            return Err(ProbeError::new(
                ErrorKind::Other,
                format!(
                    "connect stage: cannot connect to {shown}: {}",
                    scrub(&e.to_string(), secrets)
                ),
                hint::database_cache("Check `database` against the app's DATABASES."),
            ));
        }
        Ok(Ok(s)) => s,
    };
    let _ = stream.set_nodelay(true);
    let rest = connect_timeout.saturating_sub(started.elapsed());
    match tokio::time::timeout(rest, config.connect_raw(stream, tokio_postgres::NoTls)).await {
        Ok(Ok(pair)) => Ok(spawn_driver(pair)),
        Ok(Err(e)) => Err(pg_connect_error(&e, shown, secrets)),
        Err(_) => Err(ProbeError::new(
            ErrorKind::Timeout,
            format!(
                "startup/authentication stage: {shown} accepted the TCP connection but sent no PostgreSQL answer within {ms} ms (connect_timeout)"
            ),
            hint::database_cache(
                "Something listens there but does not speak PostgreSQL, or the server is stuck: check the port of `database` against the app's DATABASES PORT, and `pg_isready -h HOST -p PORT`.",
            ),
        )),
    }
}

/// Starts the connection's driver (it ends when the client is dropped); the client.
fn spawn_driver<S, T>(
    (client, connection): (tokio_postgres::Client, tokio_postgres::Connection<S, T>),
) -> tokio_postgres::Client
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

fn pg_connect_error(e: &tokio_postgres::Error, shown: &str, secrets: &[String]) -> ProbeError {
    use tokio_postgres::error::SqlState;
    let text = match e.as_db_error() {
        Some(db) => db.message().to_string(),
        None => {
            // The source carries the OS reason (connection refused, no such host).
            let mut t = e.to_string();
            if let Some(src) = std::error::Error::source(e) {
                t = format!("{t}: {src}");
            }
            t
        }
    };
    let text = scrub(&text, secrets);
    match e.code() {
        Some(c) if *c == SqlState::INVALID_CATALOG_NAME => ProbeError::new(
            ErrorKind::Other,
            format!("{shown}: {text}: the target names another database than the app's"),
            hint::database_cache(
                "Copy NAME, HOST and PORT from the app's DATABASES into `database`.",
            ),
        ),
        Some(c)
            if *c == SqlState::INVALID_PASSWORD
                || *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION =>
        {
            ProbeError::new(
                ErrorKind::WrongPassword,
                format!("{shown} refused the login: {text}"),
                hint::database_cache(
                    "Use the app's database user and password (BISK_DATABASE_URL keeps the password out of bisk-docs.toml).",
                ),
            )
        }
        _ if text.to_ascii_lowercase().contains("refused") => ProbeError::new(
            ErrorKind::Refused,
            format!("connection refused by {shown}: nothing listens there"),
            hint::database_cache(
                "Start PostgreSQL, or fix the host and port of `database` (the app's DATABASES HOST and PORT).",
            ),
        ),
        _ => ProbeError::new(
            ErrorKind::Other,
            format!("cannot connect to {shown}: {text}"),
            hint::database_cache("Check `database` against the app's DATABASES."),
        ),
    }
}

pub(super) fn scrub(text: &str, secrets: &[String]) -> String {
    let mut t = text.to_string();
    for s in secrets {
        if !s.is_empty() {
            t = t.replace(s.as_str(), "***");
        }
    }
    crate::text::bound(&t, 400)
}
