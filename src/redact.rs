//! Showing a Redis URL without its secrets, whatever the operator typed.
//!
//! A well-formed URL (`redis://[user:]PASSWORD@host:port/db?query`, `unix:///path?…`) keeps
//! everything but the password. A URL that does not fit that grammar is the dangerous case:
//! a missing `:`, a stray `/`, an unencoded `@` or `#` in the password moves the secret to
//! a place a URL parser calls "host", "path" or "fragment". So a malformed URL shows only
//! what can be positively identified as harmless: the scheme-like prefix (its word only when
//! it is a scheme or a typo of one: `p4ss/word` has a prefix too), and the host part
//! after the last `@` (the password cannot be there, whatever else went wrong). Everything
//! from the prefix up to that host is `***`. A value with no scheme-like prefix and no `@`
//! is hidden whole: `BISK_REDIS_URL=SECRET` (a password pasted into the wrong variable) must
//! not be echoed. When unsure, hide more.

use crate::percent::decode_lossy;

const HIDDEN: &str = "***";

/// The URL as it may be shown in pages, logs, JSON, errors and run records.
pub fn redact_url(url: &str) -> String {
    let url = url.trim();
    well_formed(url).unwrap_or_else(|| malformed(url))
}

/// Every piece of `url` that [`redact_url`] hides, raw and percent-decoded, longest first:
/// for scrubbing text (error messages) that may quote the URL or its password.
pub fn secrets_of(url: &str) -> Vec<String> {
    let url = url.trim();
    let mut raw: Vec<String> = Vec::new();
    match split_well_formed(url) {
        Some(parts) => {
            if let Some(userinfo) = parts.userinfo
                && (userinfo.contains(':') || !is_postgres(parts.scheme))
            {
                raw.push(
                    userinfo
                        .split_once(':')
                        .map_or(userinfo, |(_, p)| p)
                        .to_string(),
                );
            }
            if let Some(q) = parts.query {
                for pair in q.split('&') {
                    if let Some((k, v)) = pair.split_once('=')
                        && is_secret_key(k)
                    {
                        raw.push(v.to_string());
                    }
                }
            }
        }
        None => {
            // Mirrors `malformed`: whatever it does not show is a possible secret.
            let (prefix, rest) = split_prefix(url);
            let word = prefix.trim_end_matches([':', '/']);
            if !word.is_empty() && !is_scheme_like(word) {
                raw.push(word.to_string());
            }
            match rest.rfind('@') {
                Some(at) if !rest[..at].contains(['?', '#']) => raw.push(rest[..at].to_string()),
                None if prefix.ends_with("//") => {
                    raw.push(rest[host_port_db(rest).len()..].to_string())
                }
                _ => raw.push(rest.to_string()),
            }
            // A query secret on its own, wherever the broken URL put it.
            for pair in rest.split(['?', '&', '#']) {
                if let Some((k, v)) = pair.split_once('=')
                    && is_secret_key(k)
                {
                    raw.push(v.to_string());
                }
            }
        }
    }
    let mut all = Vec::new();
    for r in raw.into_iter().filter(|r| !r.is_empty()) {
        let decoded = decode_lossy(&r).into_owned();
        if decoded != r && !decoded.is_empty() {
            all.push(decoded);
        }
        // A user name and password pair: the password alone is also a secret.
        if let Some((_, p)) = r.split_once(':')
            && !p.is_empty()
        {
            all.push(p.to_string());
        }
        all.push(r);
    }
    all.sort_by_key(|s| std::cmp::Reverse(s.len()));
    all.dedup();
    all
}

/// The pieces of a URL that fits the grammar Django's redis-py and the redis crate agree on.
struct Parts<'a> {
    scheme: &'a str,
    userinfo: Option<&'a str>,
    /// Host, port and path (`/db` or the socket path), as written.
    location: &'a str,
    query: Option<&'a str>,
}

fn well_formed(url: &str) -> Option<String> {
    let p = split_well_formed(url)?;
    let mut out = format!("{}://", p.scheme);
    if let Some(userinfo) = p.userinfo {
        match userinfo.split_once(':') {
            Some((user, _)) => {
                out.push_str(user);
                out.push(':');
                out.push_str(HIDDEN);
            }
            // Redis reads a lone userinfo as the password; PostgreSQL as the user name.
            None if is_postgres(p.scheme) => out.push_str(userinfo),
            None => out.push_str(HIDDEN),
        }
        out.push('@');
    }
    out.push_str(p.location);
    if let Some(q) = p.query {
        out.push('?');
        out.push_str(&redact_query(q));
    }
    Some(out)
}

fn is_postgres(scheme: &str) -> bool {
    scheme.to_ascii_lowercase().starts_with("postgres")
}

fn split_well_formed(url: &str) -> Option<Parts<'_>> {
    let (scheme, rest) = url.split_once("://")?;
    if !matches!(
        scheme.to_ascii_lowercase().as_str(),
        "redis"
            | "rediss"
            | "valkey"
            | "valkeys"
            | "unix"
            | "redis+unix"
            | "valkey+unix"
            | "postgres"
            | "postgresql"
            | "sqlite"
    ) {
        return None;
    }
    // A fragment is never part of a Redis URL: a `#` means a password went wrong.
    if rest.contains('#') {
        return None;
    }
    let (before_query, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    if let Some(q) = query
        && !q.split('&').all(query_pair_ok)
    {
        return None;
    }
    let lower = scheme.to_ascii_lowercase();
    // sqlite:////abs/path has no authority either: the path follows the third slash.
    let unix = lower.ends_with("unix") || lower == "sqlite";
    let postgres = is_postgres(scheme);
    if unix {
        // unix:///path/to.sock — no authority, and nothing that could be a userinfo.
        let path = before_query;
        if !path.starts_with('/') || !path.bytes().all(path_byte) {
            return None;
        }
        return Some(Parts {
            scheme,
            userinfo: None,
            location: path,
            query,
        });
    }
    let (authority, path) = match before_query.find('/') {
        Some(i) => before_query.split_at(i),
        None => (before_query, ""),
    };
    let (userinfo, hostport) = match authority.split_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    if hostport.contains('@') || !host_port_ok(hostport) {
        return None;
    }
    if let Some(u) = userinfo
        && !u.bytes().all(userinfo_byte)
    {
        return None;
    }
    let db = path.strip_prefix('/').unwrap_or(path);
    // Redis databases are numbers; PostgreSQL's are names.
    let db_ok = if postgres {
        db.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    } else {
        db.bytes().all(|b| b.is_ascii_digit())
    };
    if !db_ok {
        return None;
    }
    Some(Parts {
        scheme,
        userinfo,
        location: &before_query[authority.len() - hostport.len()..],
        query,
    })
}

fn host_port_ok(hostport: &str) -> bool {
    let (host, port) = if let Some(inner) = hostport.strip_prefix('[') {
        let Some((v6, after)) = inner.split_once(']') else {
            return false;
        };
        if v6.is_empty()
            || !v6
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return false;
        }
        match after {
            "" => return true,
            a => ("x", a.strip_prefix(':').unwrap_or("!")),
        }
    } else {
        match hostport.split_once(':') {
            Some((h, p)) => (h, p),
            None => (hostport, "0"),
        }
    };
    !host.is_empty()
        && host.bytes().all(host_byte)
        && !port.is_empty()
        && port.len() <= 5
        && port.bytes().all(|b| b.is_ascii_digit())
}

fn host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_')
}

fn userinfo_byte(b: u8) -> bool {
    b.is_ascii_graphic() && !matches!(b, b'@' | b'/' | b'?' | b'#')
}

fn path_byte(b: u8) -> bool {
    b.is_ascii_graphic() && !matches!(b, b'@' | b'?' | b'#')
}

/// A query pair of a well-formed URL: `key=value`; an `@` only inside a secret's value
/// (where it is hidden anyway), since elsewhere it hints at a misplaced userinfo.
fn query_pair_ok(pair: &str) -> bool {
    let Some((k, v)) = pair.split_once('=') else {
        return false;
    };
    !k.is_empty()
        && k.bytes().all(|b| b.is_ascii_graphic() && b != b'@')
        && v.bytes().all(|b| b.is_ascii_graphic())
        && (is_secret_key(k) || !v.contains('@'))
}

/// Query keys whose values are secrets (redis-py: `password`; the redis crate: `pass`).
fn is_secret_key(key: &str) -> bool {
    let k = decode_lossy(key).to_ascii_lowercase();
    ["pass", "secret", "token", "auth", "key"]
        .iter()
        .any(|s| k.contains(s))
}

fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if is_secret_key(k) => format!("{k}={HIDDEN}"),
            Some(_) => pair.to_string(),
            None => HIDDEN.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Splits a scheme-like prefix (`redis://`, `redis//`, `redis:/`, `redis:`, `://`, `:`):
/// letters then at least one `:` or `/`.
fn split_prefix(url: &str) -> (&str, &str) {
    let word = url
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-'))
        .count();
    let word_ok = word == 0 || url.as_bytes()[0].is_ascii_alphabetic();
    let sep = url[word..]
        .bytes()
        .take_while(|b| matches!(b, b':' | b'/'))
        .count();
    if !word_ok || sep == 0 {
        return ("", url);
    }
    // `redis://:SECRET` — a colon after the slashes starts the password, not the prefix.
    let mut end = word + sep;
    if let Some(last_slash) = url[word..end].rfind('/') {
        end = word + last_slash + 1;
    }
    url.split_at(end)
}

/// The prefix as shown: its word only when it is a scheme (or one typo away from one),
/// since `p4ss/word` or `hunter2:x` also look like a word and a separator.
fn shown_prefix(prefix: &str) -> String {
    let word = prefix.trim_end_matches([':', '/']);
    if word.is_empty() || is_scheme_like(word) {
        prefix.to_string()
    } else {
        format!("{HIDDEN}{}", &prefix[word.len()..])
    }
}

fn is_scheme_like(word: &str) -> bool {
    let w = word.to_ascii_lowercase();
    const SCHEMES: [&str; 12] = [
        "redis",
        "rediss",
        "unix",
        "redis+unix",
        "valkey",
        "valkeys",
        "valkey+unix",
        "http",
        "https",
        "postgres",
        "postgresql",
        "sqlite",
    ];
    SCHEMES.contains(&w.as_str()) || SCHEMES[..4].iter().any(|s| one_edit_apart(&w, s))
}

/// Whether `a` becomes `b` by one inserted, deleted, replaced or swapped character.
fn one_edit_apart(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let common = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (&a[common..], &b[common..]);
    ra == &rb[rb.len().min(1)..]
        || &ra[ra.len().min(1)..] == rb
        || (!ra.is_empty() && !rb.is_empty() && ra[1..] == rb[1..])
        || (ra.len() >= 2
            && rb.len() >= 2
            && ra[0] == rb[1]
            && ra[1] == rb[0]
            && ra[2..] == rb[2..])
}

fn malformed(url: &str) -> String {
    let (prefix, rest) = split_prefix(url);
    let mut out = shown_prefix(prefix);
    match rest.rfind('@') {
        // After the last `@` only the host side remains; a `?` or `#` before it means the
        // `@` may sit inside a query or fragment, so the host cannot be told apart.
        Some(at) if !rest[..at].contains(['?', '#']) => {
            out.push_str(HIDDEN);
            out.push('@');
            out.push_str(&visible_tail(&rest[at + 1..]));
        }
        Some(_) => out.push_str(HIDDEN),
        // No `@`: without a `scheme://` the value may be a bare password; with one, show
        // the host, a numeric port and db, and nothing that cannot be recognised.
        None if !prefix.ends_with("//") => out.push_str(HIDDEN),
        None => {
            let shown = host_port_db(rest);
            out.push_str(shown);
            if shown.len() < rest.len() {
                let after = &rest[shown.len()..];
                if let Some(q) = after.strip_prefix('?')
                    && q.split('&').all(query_pair_ok)
                {
                    out.push('?');
                    out.push_str(&redact_query(q));
                } else {
                    out.push_str(HIDDEN);
                }
            }
        }
    }
    out
}

/// The host side after the last `@` of a malformed URL: shown as typed (a bad port or an
/// unclosed `[` is what the reader needs to see), except query secrets and anything that
/// is not a plain URL character.
fn visible_tail(tail: &str) -> String {
    let (head, query) = match tail.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (tail, None),
    };
    let plain = head
        .bytes()
        .take_while(|&b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':' | b'/' | b'[' | b']')
        })
        .count();
    let mut out = head[..plain].to_string();
    if plain < head.len() {
        out.push_str(HIDDEN);
        return out;
    }
    if let Some(q) = query {
        out.push('?');
        if q.split('&').all(query_pair_ok) {
            out.push_str(&redact_query(q));
        } else {
            out.push_str(HIDDEN);
        }
    }
    out
}

/// The longest leading `host[:port][/db]` with a plain host and numeric port and db.
fn host_port_db(s: &str) -> &str {
    let b = s.as_bytes();
    let mut i = b.iter().take_while(|&&c| host_byte(c)).count();
    if i == 0 {
        return "";
    }
    let digits_after = |at: usize| b[at..].iter().take_while(|c| c.is_ascii_digit()).count();
    if b.get(i) == Some(&b':') {
        let n = digits_after(i + 1);
        if n == 0 {
            return &s[..i];
        }
        i += 1 + n;
    }
    if b.get(i) == Some(&b'/') {
        let n = digits_after(i + 1);
        if i + 1 + n == b.len() || b.get(i + 1 + n) == Some(&b'?') {
            i += 1 + n;
        }
    }
    &s[..i]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_urls_keep_all_but_the_password() {
        for (url, shown) in [
            ("redis://:s3cret@h:6379/1", "redis://:***@h:6379/1"),
            ("redis://user:p%40ss@h/2", "redis://user:***@h/2"),
            ("redis://SECRET@h:6379/1", "redis://***@h:6379/1"),
            ("rediss://u:pw@[::1]:6380/3", "rediss://u:***@[::1]:6380/3"),
            ("redis://127.0.0.1:6379/1", "redis://127.0.0.1:6379/1"),
            ("redis://h", "redis://h"),
            (
                "unix:///run/r.sock?db=1&password=x",
                "unix:///run/r.sock?db=1&password=***",
            ),
            (
                "unix:///s.sock?password=SE@C&RET",
                // `&RET` is not a `k=v` pair: the grammar fails, the malformed form hides all.
                "unix:///***",
            ),
            (
                "unix:///s.sock?db=2&password=SE@CRET",
                "unix:///s.sock?db=2&password=***",
            ),
            ("redis://h:6379/0?Pass=x", "redis://h:6379/0?Pass=***"),
            ("  redis://h:6379/4 ", "redis://h:6379/4"),
            (
                "postgres://bisk:s3cret@db.internal:5432/bisk",
                "postgres://bisk:***@db.internal:5432/bisk",
            ),
            (
                "postgresql://bisk@127.0.0.1/bisk_prod?sslmode=require",
                "postgresql://bisk@127.0.0.1/bisk_prod?sslmode=require",
            ),
            (
                "postgres://h/bisk?password=x",
                "postgres://h/bisk?password=***",
            ),
            (
                "sqlite:////srv/bisk/db.sqlite3",
                "sqlite:////srv/bisk/db.sqlite3",
            ),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
        }
    }

    /// Each form a hurried operator might type; none may show any spelling of the secret.
    #[test]
    fn malformed_urls_never_show_the_secret() {
        for (url, shown) in [
            (
                "redis//:SECRET@127.0.0.1:6379/1",
                "redis//***@127.0.0.1:6379/1",
            ),
            ("redis:/:SECRET@h/1", "redis:/***@h/1"),
            ("redis:SECRET@h", "redis:***@h"),
            (":SECRET@h:6379", ":***@h:6379"),
            ("redis://:SECRET@h:notaport/1", "redis://***@h:notaport/1"),
            ("redis://u:SECRET@[::1/1", "redis://***@[::1/1"),
            ("rediss//u:SECRET@h", "rediss//***@h"),
            ("redis://:S%45CRET@h:x/1", "redis://***@h:x/1"),
            ("redis://:SE@CRET@h:6379/1", "redis://***@h:6379/1"),
            ("redis://:SE/CRET@h:6379/1", "redis://***@h:6379/1"),
            ("redis://:SE#CRET@h:6379/1", "redis://***"),
            ("redis://:SE?CRET@h:6379/1", "redis://***"),
            ("redis://SE#CRET@h", "redis://***"),
            ("redis://:SECRET", "redis://***"),
            ("redis://h:SECRET/1", "redis://h***"),
            ("redis:SECRET", "redis:***"),
            ("rdis://:SECRET@h/1", "rdis://***@h/1"),
            ("reids//:SECRET@h/1", "reids//***@h/1"),
            ("SECRET://x@h/1", "***://***@h/1"),
            ("SECRET/word", "***/***"),
            ("SECRET:x", "***:***"),
            ("SECRET", "***"),
            ("SECRET@h:6379", "***@h:6379"),
            ("127.0.0.1:6379", "***"),
            (
                "redis://h:6379/1?password=SECRET#x",
                "redis://h:6379/1?password=***",
            ),
            ("http://:SECRET@h/1", "http://***@h/1"),
            ("postgres://u:SE@CRET@h:5432/db", "postgres://***@h:5432/db"),
            ("postgres://u:SECRET@h/my db", "postgres://***@h/my***"),
            ("redis://:SECRET@h/1\nX", "redis://***@h/1***"),
            ("redis://:SECRET@h/1?a=b c", "redis://***@h/1?***"),
        ] {
            let got = redact_url(url);
            assert_eq!(got, shown, "{url}");
            for s in ["SECRET", "S%45CRET", "SE@CRET", "SE/CRET", "CRET"] {
                assert!(!got.contains(s), "{url} → {got}");
            }
        }
    }

    #[test]
    fn secrets_cover_what_redaction_hides() {
        assert_eq!(
            secrets_of("redis://:p%40ss@h:6380/2"),
            vec!["p%40ss".to_string(), "p@ss".to_string()]
        );
        assert_eq!(
            secrets_of("unix:///s.sock?db=1&password=x"),
            vec!["x".to_string()]
        );
        assert!(secrets_of("redis//u:SECRET@h").contains(&"SECRET".to_string()));
        assert!(secrets_of("SECRET").contains(&"SECRET".to_string()));
        assert!(secrets_of("redis://h:6379/1?password=SECRET#x").contains(&"SECRET".to_string()));
        assert!(secrets_of("redis://127.0.0.1:6379/1").is_empty());
    }
}
