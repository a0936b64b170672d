//! Django's cache key naming (`django.core.cache.backends.base.default_key_func`).

/// The Redis key Django uses for `key` under `KEY_PREFIX = prefix` and `VERSION = version`:
/// `"%s:%s:%s" % (prefix, version, key)`. An empty prefix still keeps its colon, which is how
/// "leftover" keys like `:1:enforcer:last_run` come about.
///
/// ```
/// use bisk_docs::django::key::make_key;
/// assert_eq!(make_key("bisk", 1, "ping"), "bisk:1:ping");
/// assert_eq!(make_key("", 1, "enforcer:last_run"), ":1:enforcer:last_run");
/// ```
pub fn make_key(prefix: &str, version: i64, key: &str) -> String {
    format!("{prefix}:{version}:{key}")
}

#[cfg(test)]
mod tests {
    use super::make_key;

    #[test]
    fn negative_version_is_kept_verbatim() {
        assert_eq!(make_key("p", -2, "k"), "p:-2:k");
    }
}
