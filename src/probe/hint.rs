//! Pointers into the bundled guides. The guides carry explicit heading ids
//! (`{#troubleshooting-a}` … `{#troubleshooting-f}`, `{#ping-gotchas}`, `{#security}` in
//! `ops/REDIS_CACHE.md`; `{#default-timeout}` in `ops/ENFORCER_SYSTEMD_GUIDE.md`), so the
//! links survive heading rewording.

use super::result::Hint;

pub const REDIS_GUIDE: &str = "ops/REDIS_CACHE.md";
pub const ENFORCER_GUIDE: &str = "ops/ENFORCER_SYSTEMD_GUIDE.md";

fn at(page: &str, anchor: &str, text: impl Into<String>) -> Option<Hint> {
    Some(Hint {
        text: text.into(),
        link: Some(format!("{page}#{anchor}")),
    })
}

/// B: the server is not running / not reachable.
pub fn server_down() -> Option<Hint> {
    at(
        REDIS_GUIDE,
        "troubleshooting-b",
        "Start Redis (`sudo systemctl enable --now redis-server`) and confirm `systemctl is-active redis-server` says active.",
    )
}

/// Password/ACL problems: the security notes explain where the password lives.
pub fn auth() -> Option<Hint> {
    at(
        REDIS_GUIDE,
        "security",
        "Put the password in the target URL (`redis://:PASSWORD@host:port/db`) exactly as in Django's LOCATION.",
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

/// F: leftover unprefixed keys, with the exact cleanup command.
pub fn cleanup(db: i64, pattern: &str) -> Option<Hint> {
    at(
        REDIS_GUIDE,
        "troubleshooting-f",
        format!(
            "Leftovers from before KEY_PREFIX; safe to delete: for k in $(redis-cli -n {db} --scan --pattern '{pattern}'); do redis-cli -n {db} del \"$k\" >/dev/null; done"
        ),
    )
}

/// Django's default timeout of 300 s makes breadcrumbs vanish.
pub fn default_timeout() -> Option<Hint> {
    at(
        ENFORCER_GUIDE,
        "default-timeout",
        "Write breadcrumbs with `cache.set(key, value, timeout=None)`; without it Django's default 300 s TTL applies.",
    )
}

/// Security notes (bind, password, protected mode, maxmemory).
pub fn security(text: impl Into<String>) -> Option<Hint> {
    at(REDIS_GUIDE, "security", text)
}

/// A hint without a guide section.
pub fn plain(text: impl Into<String>) -> Option<Hint> {
    Some(Hint {
        text: text.into(),
        link: None,
    })
}
