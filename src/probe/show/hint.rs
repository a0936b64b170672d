//! Pointers into the bundled guides. The guides carry explicit heading ids
//! (`{#troubleshooting-a}` … `{#troubleshooting-f}`, `{#ping-gotchas}`, `{#security}`,
//! `{#production}` in `ops/REDIS_CACHE.md`; `{#default-timeout}` in
//! `ops/ENFORCER_SYSTEMD_GUIDE.md`), so the links survive heading rewording.
//!
//! Each linked hint names the section it links to in its own words (and quotes a term that
//! section uses); `tests` below checks both against the bundled guides, and checks every
//! call site in `src/probe` for a text that names another section than its link.

use crate::probe::result::Hint;

pub const REDIS_GUIDE: &str = "ops/REDIS_CACHE.md";
pub const ENFORCER_GUIDE: &str = "ops/ENFORCER_SYSTEMD_GUIDE.md";

/// Every guide section a hint may link to. The site checks that a guide present in the
/// docs still carries each of these ids (a renamed `{#…}` would send every such hint to
/// the top of the page); `at` refuses, in debug builds and tests, a link missing here.
pub const LINKED: &[(&str, &str)] = &[
    (REDIS_GUIDE, "troubleshooting-a"),
    (REDIS_GUIDE, "troubleshooting-b"),
    (REDIS_GUIDE, "troubleshooting-c"),
    (REDIS_GUIDE, "troubleshooting-d"),
    (REDIS_GUIDE, "troubleshooting-e"),
    (REDIS_GUIDE, "troubleshooting-f"),
    (REDIS_GUIDE, "ping-gotchas"),
    (REDIS_GUIDE, "django-config"),
    (REDIS_GUIDE, "other-backends"),
    (REDIS_GUIDE, "security"),
    (REDIS_GUIDE, "production"),
    (ENFORCER_GUIDE, "default-timeout"),
    (REDIS_GUIDE, "file-cache"),
    (REDIS_GUIDE, "database-cache"),
];

fn at(page: &str, anchor: &str, text: impl Into<String>) -> Option<Hint> {
    debug_assert!(
        LINKED.contains(&(page, anchor)),
        "hint link {page}#{anchor} is missing from hint::LINKED"
    );
    Some(Hint {
        text: text.into(),
        link: Some(format!("{page}#{anchor}")),
    })
}

/// B: nothing listens where the URL points (connection refused, socket missing). Only
/// for that cause: "start Redis" is wrong advice for a server that answers.
pub fn server_down() -> Option<Hint> {
    at(
        REDIS_GUIDE,
        "troubleshooting-b",
        "Nothing listens there: start Redis (`sudo systemctl enable --now redis-server`) and confirm `systemctl is-active redis-server` says active, or fix the host/port of the target URL.",
    )
}

/// B (its "PING fails" item): something answers on the port, but not Redis.
pub fn not_redis() -> Option<Hint> {
    at(
        REDIS_GUIDE,
        "troubleshooting-b",
        "Another service listens on that port: compare the port of the target URL with the `bind` and `port` lines of `/etc/redis/redis.conf` (`ss -ltnp` shows who listens where).",
    )
}

/// B: the connection was open and broke (Redis stopped, restarted or crashed).
pub fn connection_lost() -> Option<Hint> {
    at(
        REDIS_GUIDE,
        "troubleshooting-b",
        "The connection broke: Redis stopped, restarted or crashed (`systemctl is-active redis-server`; why: `journalctl -u redis-server`), or dropped the client (`maxclients` reached: `redis-cli CLIENT LIST`; a client `timeout`); if another service holds the port, fix the target URL.",
    )
}

/// maxclients reached: Redis is up but takes no new client.
pub fn too_many_clients() -> Option<Hint> {
    plain(
        "Redis is up but at `maxclients`: find the process that holds or leaks connections (`redis-cli CLIENT LIST`), or raise `maxclients` in redis.conf.",
    )
}

/// B (its LOADING item): Redis just restarted and reads its snapshot.
pub fn loading() -> Option<Hint> {
    at(
        REDIS_GUIDE,
        "troubleshooting-b",
        "Redis just restarted and is reading its snapshot (`LOADING`): wait and retry; large datasets take a while.",
    )
}

/// Password/ACL problems (NOAUTH, WRONGPASS): the security notes explain where the
/// password lives.
pub fn auth() -> Option<Hint> {
    at(
        REDIS_GUIDE,
        "security",
        "Put the password (the server's `requirepass`) in the target URL (`redis://:PASSWORD@host:port/db`) exactly as in Django's LOCATION.",
    )
}

/// A password sent to a Redis that has none configured (`ERR AUTH … without any password
/// configured`): the opposite advice of [`auth`].
pub fn no_password_configured() -> Option<Hint> {
    at(
        REDIS_GUIDE,
        "security",
        "This Redis has no password (`requirepass` is not set): drop the password from the target URL, or set `requirepass` on the server if it should have one (then Django's LOCATION needs it too).",
    )
}

/// NOPERM: the password is right but the ACL user may not run the command.
pub fn acl_denied() -> Option<Hint> {
    at(
        REDIS_GUIDE,
        "security",
        "The ACL user of the target URL may not run this command: grant it (`ACL SETUSER`), or use the user Django uses (`requirepass`, or an ACL user).",
    )
}

/// OOM: maxmemory reached with `noeviction`, so every write fails.
pub fn out_of_memory() -> Option<Hint> {
    at(
        REDIS_GUIDE,
        "production",
        "Redis is full and refuses writes: set `maxmemory` with an eviction policy such as `allkeys-lru` (a cache must evict, not refuse), or raise the limit.",
    )
}

/// READONLY: the URL points at a replica.
pub fn read_only_replica() -> Option<Hint> {
    plain(
        "The target URL points at a read-only replica: point it (and Django's LOCATION) at the primary; `redis-cli INFO replication` on the replica shows `master_host` and `master_port`.",
    )
}

/// TCP connect stage ran out of time: packets dropped or host down.
pub fn connect_timeout() -> Option<Hint> {
    plain(
        "Nothing answered the connection attempt: a firewall drops the packets, or the host is down or unreachable. Check the host of the target URL.",
    )
}

/// Handshake or command stage ran out of time: the peer accepted but did not answer.
pub fn no_answer() -> Option<Hint> {
    plain(
        "The port accepted the connection but no Redis reply came in time: Redis may be busy (a slow command: `redis-cli SLOWLOG GET 5`; a fork or swapping under memory pressure) or another service holds the port. If Redis is only slow, raise `deadline` of the target.",
    )
}

/// C: keys not where expected (prefix + version, DB index).
pub fn keys_missing() -> Option<Hint> {
    at(
        REDIS_GUIDE,
        "troubleshooting-c",
        "Check the prefix + version (`bisk:1:*`) and the DB index Django uses.",
    )
}

/// C: keys of the app found in another database: a process runs with the wrong DB index.
/// Never a delete command: those keys may be what a live process reads and writes.
pub fn wrong_db(db: i64, configured: i64, pattern: &str) -> Option<Hint> {
    at(
        REDIS_GUIDE,
        "troubleshooting-c",
        format!(
            "Keys in db {db} instead of db {configured} mean a process uses (or used) the wrong DB index: find it (`redis-cli INFO keyspace`, `redis-cli -n {db} --scan --pattern '{pattern}'`), correct `LOCATION` (it must end in /{configured}) in the settings it loads, and restart it. Delete nothing while it still writes there."
        ),
    )
}

/// The `(nil)` gotchas for a key that reads as missing.
pub fn ping_gotchas(text: impl Into<String>) -> Option<Hint> {
    at(REDIS_GUIDE, "ping-gotchas", text)
}

/// D: the enforcer's breadcrumbs do not reach the web app.
pub fn enforcer_panel(text: impl Into<String>) -> Option<Hint> {
    at(REDIS_GUIDE, "troubleshooting-d", text)
}

/// E: values are pickles; a raw value breaks Django.
pub fn pickled(text: impl Into<String>) -> Option<Hint> {
    at(REDIS_GUIDE, "troubleshooting-e", text)
}

/// F: leftover unprefixed keys, with the exact cleanup command (used by
/// `enforcer.breadcrumbs`). It tells to check that nothing writes them first.
pub fn cleanup(db: i64, pattern: &str) -> Option<Hint> {
    at(
        REDIS_GUIDE,
        "troubleshooting-f",
        format!(
            "Leftover keys without the prefix: once no process writes them any more (see the warning in F), delete exactly those: for k in $(redis-cli -n {db} --scan --pattern '{pattern}'); do redis-cli -n {db} del \"$k\" >/dev/null; done"
        ),
    )
}

/// F, free text (e.g. keys under the empty prefix).
pub fn leftovers(text: impl Into<String>) -> Option<Hint> {
    at(REDIS_GUIDE, "troubleshooting-f", text)
}

/// F: keys that match a "none expected" pattern and are still being written or read:
/// find the writer first (the warning of F), delete nothing yet.
pub fn still_in_use(db: i64, pattern: &str) -> Option<Hint> {
    at(
        REDIS_GUIDE,
        "troubleshooting-f",
        format!(
            "A process still uses these keys (leftover keys without the prefix come back while one runs with an empty `KEY_PREFIX`): find it (an old checkout, a forgotten unit, a worker never restarted) and fix its CACHES first; list them with `redis-cli -n {db} --scan --pattern '{pattern}'` and delete only once they stop changing."
        ),
    )
}

/// F: keys proven unused (no expiry, untouched for days): the cleanup loop.
pub fn legacy_cleanup(db: i64, pattern: &str, idle_days: u64) -> Option<Hint> {
    at(
        REDIS_GUIDE,
        "troubleshooting-f",
        format!(
            "Leftover keys: none expires and none was read or written for {idle_days} days or more. Delete exactly those (`redis-cli -n {db} --scan --pattern '{pattern}'` lists them): for k in $(redis-cli -n {db} --scan --pattern '{pattern}'); do redis-cli -n {db} del \"$k\" >/dev/null; done"
        ),
    )
}

/// Django's default timeout of 300 s makes breadcrumbs vanish.
pub fn default_timeout() -> Option<Hint> {
    at(
        ENFORCER_GUIDE,
        "default-timeout",
        "Write breadcrumbs with `timeout=None` (`cache.set(key, value, timeout=None)`); without it Django's default 300 s TTL applies (the default-timeout trap).",
    )
}

/// FileBasedCache: the directory, its owner and mode, PrivateTmp, culling.
pub fn file_cache(text: impl Into<String>) -> Option<Hint> {
    at(REDIS_GUIDE, "file-cache", text)
}

/// DatabaseCache: the table, the database, culling.
pub fn database_cache(text: impl Into<String>) -> Option<Hint> {
    at(REDIS_GUIDE, "database-cache", text)
}

/// Security notes (bind, password, protected mode).
pub fn security(text: impl Into<String>) -> Option<Hint> {
    at(REDIS_GUIDE, "security", text)
}

/// Production notes (memory limit, eviction policy, persistence).
pub fn production(text: impl Into<String>) -> Option<Hint> {
    at(REDIS_GUIDE, "production", text)
}

/// A: the project's virtualenv cannot `import redis`, so Django's RedisCache fails on the
/// first cache access (seed troubleshooting A).
pub fn redis_client_missing() -> Option<Hint> {
    at(
        REDIS_GUIDE,
        "troubleshooting-a",
        "Install the Python client in the virtualenv the app runs with (`pip install \"redis>=5,<6\"`, and add it to requirements.txt), then restart the web process and the enforcer.",
    )
}

/// Other backends: LocMemCache and DummyCache share nothing between processes.
pub fn other_backends() -> Option<Hint> {
    at(
        REDIS_GUIDE,
        "other-backends",
        "The web process and the enforcer each see their own cache: set `BACKEND` to `RedisCache` (or `FileBasedCache` / `DatabaseCache` where Redis cannot run) in the settings both load, and restart both.",
    )
}

/// Django's CACHES block and bisk-docs.toml disagree (free text: which fields).
pub fn django_config(text: impl Into<String>) -> Option<Hint> {
    at(REDIS_GUIDE, "django-config", text)
}

/// The `redis-cli` options that reach `target`: host and port (or socket), TLS, the ACL
/// user; never the password (`-a` shows in `ps` and in the shell's history).
pub(crate) fn redis_cli_options(target: &crate::config::RedisTarget) -> Option<(String, bool)> {
    let url = crate::redis_url::RedisUrl::parse(target.url.trim()).ok()?;
    let mut opts = String::new();
    if url.tls {
        opts.push_str(" --tls");
    }
    match &url.addr {
        crate::redis_url::Address::Tcp { host, port } => {
            opts.push_str(&format!(" -h {} -p {port}", shell_word(host)));
        }
        crate::redis_url::Address::Unix(path) => {
            opts.push_str(&format!(" -s {}", shell_word(path)))
        }
    }
    if let Some(user) = &url.username {
        opts.push_str(&format!(" --user {}", shell_word(user)));
    }
    Some((opts, url.password.is_some()))
}

/// The `{{ redis_cli }}` variable of `target`: `redis-cli` with the options that reach it
/// and its db (`-n DB`), never the password; the same options as [`for_target`] gives hints.
pub(crate) fn redis_cli_command(target: &crate::config::RedisTarget) -> Option<String> {
    if target.backend != crate::config::Backend::Redis {
        return None;
    }
    let db = crate::redis_url::RedisUrl::parse(target.url.trim())
        .ok()?
        .db;
    let (opts, _password) = redis_cli_options(target)?;
    Some(format!("redis-cli{opts} -n {db}"))
}

/// A value as one shell word: as is when it is plain, else single-quoted.
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '/' | '[' | ']')
        })
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Makes every `redis-cli` command of `hint` talk to `target` (a copied command must not
/// reach another Redis): its connection options are inserted after `redis-cli`, the db
/// stays the hint's own `-n`. When the target has a password, says to export it in
/// `REDISCLI_AUTH` first (never `-a`).
pub(crate) fn for_target(hint: &mut Hint, target: &crate::config::RedisTarget) {
    if target.backend != crate::config::Backend::Redis || !hint.text.contains("redis-cli") {
        return;
    }
    let Some((opts, password)) = redis_cli_options(target) else {
        return;
    };
    let mut out = String::with_capacity(hint.text.len() + 64);
    let mut rest = hint.text.as_str();
    while let Some(i) = rest.find("redis-cli") {
        let after = &rest[i + "redis-cli".len()..];
        out.push_str(&rest[..i]);
        out.push_str("redis-cli");
        // Only a command (`redis-cli -n 1 …`, `redis-cli INFO`), not the word in prose.
        if after.starts_with(' ') && !after.starts_with(&opts) {
            out.push_str(&opts);
        }
        rest = after;
    }
    out.push_str(rest);
    if password {
        out.push_str(
            " The target has a password: `export REDISCLI_AUTH` with it before these commands (never `-a PASSWORD`: it shows in `ps` and in the shell's history).",
        );
    }
    hint.text = out;
}

/// A hint without a guide section.
pub fn plain(text: impl Into<String>) -> Option<Hint> {
    Some(Hint {
        text: text.into(),
        link: None,
    })
}

#[cfg(test)]
mod target_tests {
    use super::*;

    fn target(url: &str) -> crate::config::RedisTarget {
        crate::config::RedisTarget {
            url: url.into(),
            ..Default::default()
        }
    }

    #[test]
    fn hint_commands_reach_the_target_and_never_carry_its_password() {
        let mut h = Hint {
            text: "List them with `redis-cli -n 2 --scan --pattern 'x:*'`; not raw redis-cli."
                .into(),
            link: None,
        };
        for_target(&mut h, &target("redis://:s3cret@10.0.0.5:6380/1"));
        assert_eq!(
            h.text,
            "List them with `redis-cli -h 10.0.0.5 -p 6380 -n 2 --scan --pattern 'x:*'`; not raw redis-cli. The target has a password: `export REDISCLI_AUTH` with it before these commands (never `-a PASSWORD`: it shows in `ps` and in the shell's history)."
        );
        assert!(!h.text.contains("s3cret"));
        let mut h = Hint {
            text: "`redis-cli INFO keyspace`".into(),
            link: None,
        };
        for_target(&mut h, &target("unix:///run/redis/r.sock?db=3"));
        assert_eq!(h.text, "`redis-cli -s /run/redis/r.sock INFO keyspace`");
        let mut h = Hint {
            text: "`redis-cli PING`".into(),
            link: None,
        };
        for_target(&mut h, &target("rediss://app@cache.internal:6379/0"));
        assert_eq!(
            h.text,
            "`redis-cli --tls -h cache.internal -p 6379 --user app PING`"
        );
    }
}
