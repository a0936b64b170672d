//! The rules the typed parse cannot say (a key that needs another, folders that overlap,
//! variables a target may not set), each error at the line of the key it is about.

use std::path::{Path, PathBuf};

use super::spans::Spans;
use super::targets::check_target;
use super::{Config, ConfigError, DJANGO_TARGET, RedisTarget};

impl Config {
    /// `django` names the target read from Django's settings: a `[targets.django]` would
    /// make `--target django` ambiguous.
    pub(super) fn validate_django_target(
        &self,
        spans: &Spans<'_>,
        path: &Path,
    ) -> Result<(), ConfigError> {
        if !self.targets.contains_key(DJANGO_TARGET) {
            return Ok(());
        }
        Err(ConfigError::Invalid {
            path: path.to_path_buf(),
            line: spans.line(&["targets"], DJANGO_TARGET),
            message: "`[targets.django]`: the name \"django\" is reserved for the target read from Django's settings (configure it with [django])".into(),
        })
    }

    pub(super) fn validate(&self, spans: &Spans<'_>, path: &Path) -> Result<(), ConfigError> {
        // `table` and `key` name where the value is written (the table's header when the
        // key is not: a default that clashes with another key).
        let invalid = |table: &[&str], key: &str, message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            line: spans.line(table, key),
            message,
        };
        if self.probes.concurrency == 0 {
            return Err(invalid(
                &["probes"],
                "concurrency",
                "`probes.concurrency` must be at least 1".into(),
            ));
        }
        if self.serve.history_max_results == 0 {
            return Err(invalid(
                &["serve"],
                "history_max_results",
                "`serve.history_max_results` must be at least 1".into(),
            ));
        }
        if self.serve.state_dir.as_os_str().is_empty() {
            return Err(invalid(
                &["serve"],
                "state_dir",
                "`serve.state_dir` is empty: name a folder (default `.bisk-docs`)".into(),
            ));
        }
        for (other, key) in [(&self.docs_dir, "docs_dir"), (&self.out_dir, "out_dir")] {
            let (state, other) = (lexical(&self.serve.state_dir), lexical(other));
            if state.starts_with(&other) || other.starts_with(&state) {
                // At `state_dir` when it is written, else at the folder it overlaps.
                return Err(ConfigError::Invalid {
                    path: path.to_path_buf(),
                    line: spans.first_line(&[(&["serve"], "state_dir"), (&[], key)]),
                    message: format!(
                        "`serve.state_dir` ({}) overlaps `{key}` ({}): the state folder must lie outside what is read and published: set `state_dir` to another folder",
                        self.serve.state_dir.display(),
                        other.display()
                    ),
                });
            }
        }
        if let Some(h) = &self.serve.operator_header {
            if axum::http::HeaderName::from_bytes(h.as_bytes()).is_err() {
                return Err(invalid(
                    &["serve"],
                    "operator_header",
                    format!("`serve.operator_header` is not a header name: {h:?}"),
                ));
            }
            if self.serve.trusted_proxies.is_empty() {
                return Err(invalid(
                    &["serve"],
                    "operator_header",
                    "`serve.operator_header` is only believed from a trusted proxy: list the proxy's address in `serve.trusted_proxies`".into(),
                ));
            }
        }
        if let Some(url) = &self.base_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(invalid(
                &[],
                "base_url",
                format!("`base_url` must be an absolute http(s) URL, got {url:?}"),
            ));
        }
        let mut all: Vec<(Vec<&str>, &RedisTarget)> = vec![(vec!["redis"], &self.redis)];
        for (name, t) in &self.targets {
            all.push((vec!["targets", name.as_str()], t));
        }
        for (table, target) in all {
            let header = table.join(".");
            let at = |key: &str, message: String| ConfigError::Invalid {
                path: path.to_path_buf(),
                line: spans.line(&table, key),
                message: format!("[{header}] {message}"),
            };
            // Which keys the table spells out: a defaulted `url` is not "set".
            check_target(target, |key| spans.written(&table, key))
                .map_err(|(key, m)| at(key, m))?;
        }
        self.validate_vars(spans, path)?;
        Ok(())
    }

    /// Variable names are `{{ name }}`-able; a target may only set variables `[vars]`
    /// declares (a typo there would otherwise silently leave the default in place).
    fn validate_vars(&self, spans: &Spans<'_>, path: &Path) -> Result<(), ConfigError> {
        let invalid = |table: &[&str], key: &str, message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            line: spans.line(table, key),
            message,
        };
        if let Some(name) = self.redis.vars.keys().next() {
            return Err(invalid(
                &["redis", "vars"],
                name,
                "`[redis.vars]`: the default target's values go in the top-level [vars]".into(),
            ));
        }
        for name in self.vars.keys() {
            if !crate::vars::valid_name(name) {
                return Err(invalid(
                    &["vars"],
                    name,
                    format!(
                        "variable name {name:?}: use letters, digits and `_`, not starting with a digit"
                    ),
                ));
            }
        }
        for (target, t) in &self.targets {
            if let Some(name) = t.vars.keys().find(|n| !self.vars.contains_key(*n)) {
                return Err(invalid(
                    &["targets", target.as_str(), "vars"],
                    name,
                    format!(
                        "`[targets.{target}.vars]` sets `{name}`, which [vars] does not declare (declare it there with its default, or {{ unset = \"…\" }})"
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// A root-relative path without `.` parts (`./site/` and `site` compare equal), for the
/// overlap check of `state_dir`; `..` parts are kept, so a path leaving the root never
/// overlaps one inside it.
fn lexical(p: &Path) -> PathBuf {
    p.components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect()
}
