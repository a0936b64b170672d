//! The one reader of Redis URLs: every target URL and every Django `LOCATION` is read here,
//! exactly as redis-py reads it (`redis.connection.parse_url`, then
//! `ConnectionPool.from_url` and the connection's constructor), because redis-py is what
//! Django's `RedisCache` connects with. A URL read differently from Django means probing
//! another db than the app uses: a leftover key there passes while the app's cache is empty.
//!
//! redis-py's rules, as read in its source (redis 5.x, Python 3.11's `urllib.parse`):
//! - only `redis://`, `rediss://` and `unix://`, case-sensitive (`REDIS://`, `unix:/x`,
//!   `redis+unix://` are refused);
//! - the query is read like `parse_qs`: pairs split on `&`, pairs without `=` or with an
//!   empty value dropped, `+` is a space, names and values percent-decoded, the first value
//!   of a name wins; redis-py then percent-decodes each value once more;
//! - the db comes from `?db=` first, then (redis/rediss only) from the path with every `/`
//!   removed (`/1/2` is db 12), read by Python's `int()`; a path that is no integer is
//!   ignored (db 0), a `?db=` that is none is an error; a unix URL's path is the socket;
//! - user and password come from the userinfo before the *last* `@` (split at the first
//!   `:`) and win over `?username=`/`?password=`; an empty one counts as none;
//! - the host is lowercased (an IPv6 zone kept), a port of 0 or none means 6379;
//! - a `#` ends the URL; `\t`, `\r`, `\n` are removed; an unknown query option makes every
//!   connection fail (`unexpected keyword argument`), and so does a bad number.
//!
//! Where bisk-docs cannot be sure to read a URL as redis-py does (raw non-ASCII text, where
//! Python normalises Unicode and reads Unicode digits), the URL is refused with the reason:
//! never a guess, never another db. Errors never quote the URL: callers name it redacted.

use crate::percent::decode_lossy;

/// Where redis-py connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    Tcp { host: String, port: u16 },
    Unix(String),
}

/// Which part of the URL chose the db.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbFrom {
    /// `?db=N` (redis-py reads it before the path).
    Query,
    /// The path, `/N`.
    Path,
    /// Neither: redis-py's default, db 0.
    Default,
}

/// A Redis URL as redis-py reads it. Holds the password: never print it.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisUrl {
    /// `rediss://`.
    pub tls: bool,
    pub addr: Address,
    pub db: i64,
    pub db_from: DbFrom,
    /// The path's db when `?db=` overrode it (for saying so in evidence).
    pub path_db_overridden: Option<i64>,
    pub username: Option<String>,
    pub password: Option<String>,
    /// RESP version from `?protocol=` (2 or 3).
    pub protocol: Option<u8>,
}

impl std::fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisUrl")
            .field("tls", &self.tls)
            .field("addr", &self.addr)
            .field("db", &self.db)
            .field("db_from", &self.db_from)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

/// Why a URL is refused. The texts never quote the URL (it may hold a password), only the
/// names of options, which come from a fixed list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error(
        "redis-py (Django's RedisCache) reads only redis://, rediss:// and unix:// URLs (scheme in lower case)"
    )]
    Scheme,
    #[error(
        "it contains characters that are not ASCII, which Python normalises before reading; percent-encode them (UTF-8) so bisk-docs reads the URL as redis-py does"
    )]
    NotAscii,
    #[error("its host in brackets is not an IPv6 address (redis-py: Invalid IPv6 URL)")]
    Ipv6,
    #[error(
        "its port is not a number (redis-py: Port could not be cast to integer value); a `#`, `/` or `?` in a password must be percent-encoded (%23, %2F, %3F)"
    )]
    Port,
    #[error("its port is out of range 0-65535 (redis-py refuses it too)")]
    PortRange,
    #[error("`?{0}=` is not a number (redis-py: Invalid value for '{0}' in connection URL)")]
    BadOption(&'static str),
    #[error(
        "`?{0}=` is not an option redis-py can take from a URL: every connection Django opens would fail (unexpected keyword argument, or text where an object is wanted); remove it"
    )]
    UnknownOption(String),
    #[error("the db {0} is not a database number Redis has")]
    DbRange(String),
    #[error("`?protocol=` must be 2 or 3 (redis-py: protocol must be either 2 or 3)")]
    Protocol,
    #[error("it names no socket path (unix:///path/to/redis.sock)")]
    UnixNoPath,
}

/// Options redis-py reads from a URL's query and a connection still opens with: its
/// connection classes' constructor parameters that take text, numbers or booleans (redis
/// 5.x: AbstractConnection, Connection, UnixDomainSocketConnection, SSLConnection,
/// ConnectionPool). Any other name fails every connection (`unexpected keyword argument`),
/// and the parameters that want Python objects (`retry`, `parser_class`, …) fail on text.
/// The testsuite opens a connection through the installed redis-py with each of them.
pub const REDIS_PY_OPTIONS: &[&str] = &[
    "db",
    "username",
    "password",
    "socket_timeout",
    "socket_connect_timeout",
    "retry_on_timeout",
    "encoding",
    "encoding_errors",
    "health_check_interval",
    "client_name",
    "lib_name",
    "lib_version",
    "protocol",
    "host",
    "port",
    "socket_keepalive",
    "path",
    "ssl_keyfile",
    "ssl_certfile",
    "ssl_cert_reqs",
    "ssl_ca_certs",
    "ssl_ca_data",
    "ssl_check_hostname",
    "ssl_ca_path",
    "ssl_password",
    "ssl_validate_ocsp",
    "ssl_validate_ocsp_stapled",
    "ssl_ocsp_expected_cert",
    "ssl_ciphers",
    "max_connections",
];

/// Options whose constructor parameters only exist on one connection class.
const TCP_ONLY: &[&str] = &["host", "port", "socket_keepalive"];
const UNIX_ONLY: &[&str] = &["path"];

impl RedisUrl {
    /// Reads `url` as redis-py does (see the module documentation).
    pub fn parse(url: &str) -> Result<RedisUrl, UrlError> {
        let (tls, unix, rest) = if let Some(r) = url.strip_prefix("redis://") {
            (false, false, r)
        } else if let Some(r) = url.strip_prefix("rediss://") {
            (true, false, r)
        } else if let Some(r) = url.strip_prefix("unix://") {
            (false, true, r)
        } else {
            return Err(UrlError::Scheme);
        };
        if !rest.is_ascii() {
            return Err(UrlError::NotAscii);
        }
        // urlsplit drops these anywhere in the URL.
        let rest: String = rest
            .chars()
            .filter(|c| !matches!(c, '\t' | '\r' | '\n'))
            .collect();
        let netloc_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (netloc, after) = rest.split_at(netloc_end);
        check_brackets(netloc)?;
        let after = after.split_once('#').map_or(after, |(a, _)| a);
        let (path, query) = after.split_once('?').unwrap_or((after, ""));

        // Userinfo: before the last `@`, split at the first `:`.
        let (userinfo, hostinfo) = match netloc.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, netloc),
        };
        let (url_user, url_pass) = match userinfo {
            Some(u) => match u.split_once(':') {
                Some((user, pass)) => (Some(user), Some(pass)),
                None => (Some(u), None),
            },
            None => (None, None),
        };
        let (hostname, port_text) = match hostinfo.split_once('[') {
            Some((_, bracketed)) => {
                let (h, after) = bracketed.split_once(']').unwrap_or((bracketed, ""));
                (h, after.split_once(':').map_or("", |(_, p)| p))
            }
            None => hostinfo.split_once(':').unwrap_or((hostinfo, "")),
        };
        let options = query_options(query);
        let opt = |name: &str| {
            options
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        for (name, _) in &options {
            if !REDIS_PY_OPTIONS.contains(&name.as_str())
                || (unix && TCP_ONLY.contains(&name.as_str()))
                || (!unix && UNIX_ONLY.contains(&name.as_str()))
                || (!tls && name.starts_with("ssl_"))
            {
                return Err(UrlError::UnknownOption(shown_option(name)));
            }
        }
        let non_empty = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(decode);
        let username = non_empty(url_user).or_else(|| opt("username").map(str::to_string));
        let password = non_empty(url_pass).or_else(|| opt("password").map(str::to_string));

        let (mut db, mut db_from, mut path_db_overridden) = (0, DbFrom::Default, None);
        if let Some(v) = opt("db") {
            db = py_int(v)
                .map_err(|e| e.into_error("db", v))?
                .ok_or(UrlError::BadOption("db"))?;
            db_from = DbFrom::Query;
        }
        let addr = if unix {
            let path = if path.is_empty() {
                opt("path").map(str::to_string)
            } else {
                Some(decode(path))
            };
            Address::Unix(path.filter(|p| !p.is_empty()).ok_or(UrlError::UnixNoPath)?)
        } else {
            if !path.is_empty() {
                let digits = decode(path).replace('/', "");
                if !digits.is_ascii() {
                    return Err(UrlError::NotAscii);
                }
                // Python's int() failing here is ignored by redis-py: db 0 (or ?db=).
                if let Some(n) = py_int(&digits).map_err(|e| e.into_error("db", &digits))? {
                    if db_from == DbFrom::Query {
                        path_db_overridden = Some(n).filter(|n| *n != db);
                    } else {
                        db = n;
                        db_from = DbFrom::Path;
                    }
                }
            }
            let url_port = if port_text.is_empty() {
                None
            } else if port_text.bytes().all(|b| b.is_ascii_digit()) {
                match port_text.parse::<u32>() {
                    Ok(p) if p <= 65535 => Some(p as u16),
                    _ => return Err(UrlError::PortRange),
                }
            } else {
                return Err(UrlError::Port);
            };

            let host = match lower_host(hostname) {
                h if !h.is_empty() => decode(&h),
                _ => opt("host").unwrap_or("localhost").to_string(),
            };
            let port = match url_port.filter(|p| *p != 0) {
                Some(p) => p,
                None => match opt("port") {
                    // The connection runs Python's int() on it; the socket wants 0..=65535.
                    Some(v) => match py_int(v).map_err(|e| e.into_error("port", v))? {
                        Some(p) if (0..=65535).contains(&p) => p as u16,
                        Some(_) => return Err(UrlError::PortRange),
                        None => return Err(UrlError::BadOption("port")),
                    },
                    None => 6379,
                },
            };
            Address::Tcp { host, port }
        };
        for name in ["socket_timeout", "socket_connect_timeout"] {
            if let Some(v) = opt(name)
                && !py_float_ok(v)
            {
                return Err(UrlError::BadOption(static_name(name)));
            }
        }
        for name in ["max_connections", "health_check_interval"] {
            if let Some(v) = opt(name)
                && !matches!(py_int(v), Ok(Some(_)) | Err(IntError::TooLarge))
            {
                return Err(UrlError::BadOption(static_name(name)));
            }
        }
        let protocol = match opt("protocol") {
            None => None,
            // `resp2`/`resp3`: the redis crate's spelling, which earlier bisk-docs read.
            Some(v) => match (py_int(v), v.trim().to_ascii_lowercase().as_str()) {
                (Ok(Some(2)), _) | (_, "resp2") => Some(2),
                (Ok(Some(3)), _) | (_, "resp3") => Some(3),
                _ => return Err(UrlError::Protocol),
            },
        };
        Ok(RedisUrl {
            tls,
            addr,
            db,
            db_from,
            path_db_overridden,
            username,
            password,
            protocol,
        })
    }

    /// The db as evidence: the number, and where it came from when the URL names two
    /// (`5 (from ?db=5; redis-py, like Django, reads it before the path's /1)`).
    pub fn db_shown(&self) -> String {
        match (self.db_from, self.path_db_overridden) {
            (DbFrom::Query, Some(p)) => format!(
                "{} (from ?db={}; redis-py, like Django, reads it before the path's /{p})",
                self.db, self.db
            ),
            _ => self.db.to_string(),
        }
    }
}

/// `url` with `db` as the db when it names none (a pool's `db` keyword argument, as Django
/// passes `OPTIONS['db']`), written as `?db=N` before any fragment. A URL that names a db, or
/// that does not parse, is returned as it is.
pub fn with_default_db(url: &str, db: i64) -> String {
    match RedisUrl::parse(url.trim()) {
        Ok(u) if u.db_from == DbFrom::Default => {
            let url = url.trim();
            let (head, fragment) = match url.split_once('#') {
                Some((h, f)) => (h, Some(f)),
                None => (url, None),
            };
            let sep = if head.contains('?') { '&' } else { '?' };
            let mut out = format!("{head}{sep}db={db}");
            if let Some(f) = fragment {
                out.push('#');
                out.push_str(f);
            }
            out
        }
        _ => url.to_string(),
    }
}

/// An option name as shown in an error: the name itself when it is short and plain, since
/// an unknown name may be a pasted secret.
fn shown_option(name: &str) -> String {
    if name.len() <= 32
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit())
        && !crate::redact::secrets_of(&format!("redis://h/0?{name}=x")).contains(&"x".into())
    {
        name.to_string()
    } else {
        "…".into()
    }
}

fn static_name(name: &str) -> &'static str {
    REDIS_PY_OPTIONS
        .iter()
        .find(|n| **n == name)
        .copied()
        .unwrap_or("option")
}

/// urlsplit's checks on `[` and `]` in the netloc: both or neither, and what is between the
/// first pair an IPv6 address (a zone allowed) or an IPvFuture `vX.…`, never IPv4.
fn check_brackets(netloc: &str) -> Result<(), UrlError> {
    let open = netloc.contains('[');
    if open != netloc.contains(']') {
        return Err(UrlError::Ipv6);
    }
    if !open {
        return Ok(());
    }
    let inner = netloc
        .split_once('[')
        .map(|(_, b)| b.split_once(']').map_or(b, |(h, _)| h))
        .unwrap_or("");
    if let Some(future) = inner.strip_prefix('v') {
        let ok = future.split_once('.').is_some_and(|(hex, rest)| {
            !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) && !rest.is_empty()
        });
        return if ok { Ok(()) } else { Err(UrlError::Ipv6) };
    }
    let (addr, zone) = match inner.split_once('%') {
        Some((a, z)) if !z.is_empty() && !z.contains('%') => (a, Some(z)),
        Some(_) => return Err(UrlError::Ipv6),
        None => (inner, None),
    };
    // The zone is any non-empty text (Python's ipaddress accepts it as the scope id).
    let _ = zone;
    addr.parse::<std::net::Ipv6Addr>()
        .map(|_| ())
        .map_err(|_| UrlError::Ipv6)
}

/// `hostname` of urlsplit: lowercased up to an IPv6 zone (`%…`), which keeps its case.
fn lower_host(h: &str) -> String {
    match h.split_once('%') {
        Some((addr, zone)) => format!("{}%{zone}", addr.to_ascii_lowercase()),
        None => h.to_ascii_lowercase(),
    }
}

/// Python's `urllib.parse.unquote`: malformed escapes kept, invalid UTF-8 replaced.
fn decode(s: &str) -> String {
    decode_lossy(s).into_owned()
}

/// The query as redis-py sees it: `parse_qs` (first value of each name), then one more
/// `unquote` of each value.
fn query_options(query: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for pair in query.split('&') {
        let Some((name, value)) = pair.split_once('=') else {
            continue;
        };
        if value.is_empty() {
            continue;
        }
        let name = decode(&name.replace('+', " "));
        let value = decode(&decode(&value.replace('+', " ")));
        if !out.iter().any(|(n, _)| *n == name) {
            out.push((name, value));
        }
    }
    out
}

#[derive(Debug)]
enum IntError {
    /// Decoded text that is not ASCII: Python's int() reads Unicode digits and spaces.
    NotAscii,
    /// An integer, but larger than any db or port.
    TooLarge,
}

impl IntError {
    fn into_error(self, what: &str, text: &str) -> UrlError {
        match self {
            IntError::NotAscii => UrlError::NotAscii,
            IntError::TooLarge if what == "port" => UrlError::PortRange,
            IntError::TooLarge => UrlError::DbRange(if text.len() <= 40 {
                text.trim().to_string()
            } else {
                "(a very long number)".into()
            }),
        }
    }
}

/// Python's `int(text)`: `Ok(None)` when Python raises ValueError. Surrounding whitespace,
/// a sign, leading zeros and single `_` between digits are allowed.
fn py_int(text: &str) -> Result<Option<i64>, IntError> {
    if !text.is_ascii() {
        return Err(IntError::NotAscii);
    }
    let t = text.trim_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    {
        return Ok(None);
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    let n: i64 = clean.parse().map_err(|_| IntError::TooLarge)?;
    Ok(Some(if neg { -n } else { n }))
}

/// Whether Python's `float(text)` accepts `text` (ASCII only; anything else is refused).
fn py_float_ok(text: &str) -> bool {
    let t = text.trim_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    if !t.is_ascii() || t.contains("__") || t.starts_with('_') || t.ends_with('_') {
        return false;
    }
    // `_` only between digits.
    let b = t.as_bytes();
    let underscores_ok = b.iter().enumerate().all(|(i, &c)| {
        c != b'_'
            || (i > 0 && b[i - 1].is_ascii_digit() && b.get(i + 1).is_some_and(u8::is_ascii_digit))
    });
    underscores_ok && t.replace('_', "").parse::<f64>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(url: &str) -> i64 {
        RedisUrl::parse(url).unwrap().db
    }

    #[test]
    fn query_db_wins_over_the_path() {
        assert_eq!(db("redis://h:6379/1?db=5"), 5);
        assert_eq!(db("redis://h:6379?db=5"), 5);
        assert_eq!(db("redis://h/1?db="), 1);
        assert_eq!(db("redis://h/1?db"), 1);
        assert_eq!(db("redis://h/1?db=5&db=6"), 5);
        assert_eq!(db("redis://h/1/2"), 12);
        assert_eq!(db("redis://h/abc"), 0);
        assert_eq!(db("redis://h/"), 0);
        assert_eq!(db("redis://h/%31"), 1);
        assert_eq!(db("redis://h/1?db=+5"), 5);
        assert_eq!(db("redis://h/1?db=5_0"), 50);
        assert_eq!(db("unix:///r.sock?db=3"), 3);
        assert_eq!(db("unix:///7"), 0);
        let u = RedisUrl::parse("redis://h/1?db=5").unwrap();
        assert_eq!(u.path_db_overridden, Some(1));
        assert!(
            u.db_shown().starts_with("5 (from ?db=5"),
            "{}",
            u.db_shown()
        );
    }

    #[test]
    fn refusals_name_the_reason() {
        for (url, e) in [
            ("REDIS://h/1", UrlError::Scheme),
            ("redis+unix:///s", UrlError::Scheme),
            ("redis://h/1?db=x", UrlError::BadOption("db")),
            ("redis://h:x/1", UrlError::Port),
            ("redis://:pa#ss@h/1", UrlError::Port),
            ("redis://h:99999/1", UrlError::PortRange),
            ("redis://[::1/1", UrlError::Ipv6),
            ("redis://[1.2.3.4]/1", UrlError::Ipv6),
            ("redis://h/1?db=%D9%A5", UrlError::NotAscii),
            ("redis://:pässword@h/1", UrlError::NotAscii),
            ("unix://", UrlError::UnixNoPath),
            (
                "redis://h/1?db=99999999999999999999",
                UrlError::DbRange("99999999999999999999".into()),
            ),
        ] {
            assert_eq!(RedisUrl::parse(url), Err(e), "{url}");
        }
        assert!(matches!(
            RedisUrl::parse("redis://h/1?foo=bar"),
            Err(UrlError::UnknownOption(_))
        ));
    }

    #[test]
    fn userinfo_host_and_port_as_urlsplit() {
        let u = RedisUrl::parse("redis://us%40er:p@ss:w@[::1]:6380/2?password=q").unwrap();
        assert_eq!(u.username.as_deref(), Some("us@er"));
        assert_eq!(u.password.as_deref(), Some("p@ss:w"));
        assert_eq!(
            u.addr,
            Address::Tcp {
                host: "::1".into(),
                port: 6380
            }
        );
        let u = RedisUrl::parse("redis://H.Example:0?password=a%2540b+c").unwrap();
        assert_eq!(u.password.as_deref(), Some("a@b c"));
        assert_eq!(
            u.addr,
            Address::Tcp {
                host: "h.example".into(),
                port: 6379
            }
        );
        assert!(!format!("{u:?}").contains("a@b"));
    }

    #[test]
    fn a_default_db_applies_only_without_one_in_the_url() {
        assert_eq!(with_default_db("redis://h:6379", 5), "redis://h:6379?db=5");
        assert_eq!(
            with_default_db("redis://h/abc?socket_timeout=1#f", 5),
            "redis://h/abc?socket_timeout=1&db=5#f"
        );
        assert_eq!(with_default_db("redis://h:6379/1", 5), "redis://h:6379/1");
        assert_eq!(with_default_db("unix:///s?db=2", 5), "unix:///s?db=2");
        assert_eq!(db(&with_default_db("redis://h/?db=", 5)), 5);
        assert_eq!(db(&with_default_db("unix:///s.sock", 3)), 3);
    }

    #[test]
    fn python_int_rules() {
        for (t, n) in [
            ("5", Some(5)),
            (" -1 ", Some(-1)),
            ("0_5", Some(5)),
            ("", None),
            ("5_", None),
            ("1__0", None),
            ("0x5", None),
            ("5.0", None),
            (" 5\x1c", None),
        ] {
            assert_eq!(py_int(t).unwrap(), n, "{t:?}");
        }
    }
}
