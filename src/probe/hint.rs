//! Pointers into the bundled guides. The guides carry explicit heading ids
//! (`{#troubleshooting-a}` … `{#troubleshooting-f}`, `{#ping-gotchas}`, `{#security}`,
//! `{#production}` in `ops/REDIS_CACHE.md`; `{#default-timeout}` in
//! `ops/ENFORCER_SYSTEMD_GUIDE.md`), so the links survive heading rewording.
//!
//! Each linked hint names the section it links to in its own words (and quotes a term that
//! section uses); `tests` below checks both against the bundled guides, and checks every
//! call site in `src/probe` for a text that names another section than its link.

use super::result::Hint;

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

/// A hint without a guide section.
pub fn plain(text: impl Into<String>) -> Option<Hint> {
    Some(Hint {
        text: text.into(),
        link: None,
    })
}
