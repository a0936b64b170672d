//! Resolving a [`Declaration`] for a target: the one place `{{ name }}` is filled, each
//! template inside the one string it was written in, then the parameters typed and
//! validated into a [`ProbeDecl`].

use std::path::Path;
use std::sync::Arc;

use super::{Check, DeclError, Declaration, Node, ProbeDecl, StrNode};
use crate::config::Config;
use crate::vars::{Scope, VarDef};

/// A declaration's strings filled for one target (or as written).
#[derive(Debug, Clone, Default)]
pub(super) struct Filled {
    title: Option<String>,
    description: Option<String>,
    target: Option<String>,
    hint: Option<String>,
    hint_link: Option<String>,
    /// The check's parameters as TOML values.
    params: toml::Table,
    /// Unset variables used, sorted, once each.
    unset: Vec<String>,
    /// Top-level keys whose values use an unset variable.
    unset_keys: Vec<String>,
}

/// A typing error: the top-level key it is about (when it is about one) and the message.
type TypeError = (Option<String>, String);

impl Declaration {
    /// The declaration for `target` (a probe naming its own `target` takes that target's
    /// values instead). The one place variables are filled; see the module docs for the
    /// rules. Cheap for a declaration without variables: its check was typed at parse.
    pub fn resolve(
        self: &Arc<Self>,
        config: &Config,
        target: &str,
    ) -> Result<ProbeDecl, DeclError> {
        if !self.uses_vars {
            return self.as_written();
        }
        let decl = self.resolve_for(config, target)?;
        match decl.target.clone() {
            Some(own) if own != target && config.targets.contains_key(&own) => {
                self.resolve_for(config, &own)
            }
            _ => Ok(decl),
        }
    }

    /// The declaration as written, `{{ name }}` left as text: for callers without a config
    /// (a declaration with variables is resolved again where it runs).
    pub fn as_written(self: &Arc<Self>) -> Result<ProbeDecl, DeclError> {
        let filled = self.fill(None)?;
        let check = match &self.fixed {
            Some(check) => check.clone(),
            None => self.build(&filled, &[], None)?,
        };
        Ok(self.decl(filled, check))
    }

    fn resolve_for(
        self: &Arc<Self>,
        config: &Config,
        target: &str,
    ) -> Result<ProbeDecl, DeclError> {
        let scope = config.scope(target);
        let filled = self.fill(Some(&scope))?;
        if filled.unset.is_empty() {
            let check = self.build(&filled, &[], Some(&scope))?;
            return Ok(self.decl(filled, check));
        }
        let mut decl = match self.build(&filled, &[], Some(&scope)) {
            Ok(check) => self.decl(filled.clone(), check),
            // The placeholder of an unset value may not be a valid parameter (an address,
            // a URL, `expect`). The probe is skipped anyway: read it with the values of a
            // target that has them, so its widget and title still say what it checks, or
            // else without the keys that cannot be known.
            Err(_) => {
                let donor = config.target_names().into_iter().find_map(|t| {
                    let s = config.scope(&t);
                    let all_set = filled
                        .unset
                        .iter()
                        .all(|n| matches!(s.get(n), Some(VarDef::Value(_))));
                    if !all_set {
                        return None;
                    }
                    let f = self.fill(Some(&s)).ok()?;
                    let check = self.build(&f, &[], Some(&s)).ok()?;
                    Some(self.decl(f, check))
                });
                match donor {
                    Some(d) => d,
                    None => {
                        let check = self.build(&filled, &filled.unset_keys, Some(&scope))?;
                        self.decl(filled.clone(), check)
                    }
                }
            }
        };
        let names: Vec<String> = filled.unset.iter().map(|n| format!("`{n}`")).collect();
        decl.description = Some(format!(
            "Not checked on target {target}: {} has no value there.",
            names.join(", ")
        ));
        decl.unset = filled.unset;
        Ok(decl)
    }

    fn err(&self, line: usize, message: String) -> DeclError {
        DeclError {
            page: self.page.clone(),
            line,
            message,
        }
    }

    /// Every string filled with the scope's values (`None`: as written). An undefined
    /// variable is an error at its line; unset ones are collected.
    pub(super) fn fill(&self, scope: Option<&Scope>) -> Result<Filled, DeclError> {
        let mut out = Filled::default();
        let mut text = |s: &StrNode, key: &str, out: &mut Filled| -> Result<String, DeclError> {
            let Some(scope) = scope else {
                return Ok(s.template.as_written().to_string());
            };
            let (text, problems) = s.template.fill(scope);
            for p in problems {
                if p.undefined {
                    return Err(self.err(s.line_at(p.at), p.message));
                }
                if !out.unset.contains(&p.name) {
                    out.unset.push(p.name);
                }
                if !out.unset_keys.iter().any(|k| k == key) {
                    out.unset_keys.push(key.to_string());
                }
            }
            Ok(text)
        };
        out.title = self
            .title
            .as_ref()
            .map(|s| text(s, "title", &mut out))
            .transpose()?;
        out.description = self
            .description
            .as_ref()
            .map(|s| text(s, "description", &mut out))
            .transpose()?;
        out.target = self
            .target
            .as_ref()
            .map(|s| text(s, "target", &mut out))
            .transpose()?;
        out.hint = self
            .hint
            .as_ref()
            .map(|s| text(s, "hint", &mut out))
            .transpose()?;
        out.hint_link = self
            .hint_link
            .as_ref()
            .map(|s| text(s, "hint_link", &mut out))
            .transpose()?;
        fn value(
            node: &Node,
            key: &str,
            out: &mut Filled,
            text: &mut dyn FnMut(&StrNode, &str, &mut Filled) -> Result<String, DeclError>,
        ) -> Result<toml::Value, DeclError> {
            Ok(match node {
                Node::Value(v) => v.clone(),
                Node::Str(s) => toml::Value::String(text(s, key, out)?),
                Node::Array(items) => toml::Value::Array(
                    items
                        .iter()
                        .map(|n| value(n, key, out, text))
                        .collect::<Result<_, _>>()?,
                ),
                Node::Table(entries) => toml::Value::Table(
                    entries
                        .iter()
                        .map(|(k, n)| Ok((k.clone(), value(n, key, out, text)?)))
                        .collect::<Result<_, DeclError>>()?,
                ),
            })
        }
        for (key, node) in &self.params {
            let v = value(node, key, &mut out, &mut text)?;
            out.params.insert(key.clone(), v);
        }
        out.unset.sort();
        Ok(out)
    }

    /// The typed, validated check of filled values. `unknowable` are top-level keys whose
    /// values hold an unset variable's placeholder: the probe is skipped, so a placeholder
    /// that is not a valid value there (an address, a URL, an enum) does not make it a
    /// declaration error; such a key falls back to its default for the widget's sake.
    pub(super) fn build(
        &self,
        filled: &Filled,
        unknowable: &[String],
        scope: Option<&Scope>,
    ) -> Result<Check, DeclError> {
        let check = self
            .typed(filled.params.clone())
            .or_else(|first| {
                if unknowable.is_empty() {
                    return Err(first);
                }
                let mut known = filled.params.clone();
                known.retain(|k, _| !unknowable.iter().any(|u| u == k));
                self.typed(known).map_err(|_| first)
            })
            .map_err(|(key, message)| {
                let mut message = format!("probe `{}`: {message}", self.check);
                let line = match &key {
                    Some(k) if filled.params.contains_key(k) => {
                        message.push_str(&self.variable_note(k, filled, scope, true));
                        self.key_line(k)
                    }
                    _ => self.line,
                };
                self.err(line, message)
            })?;
        match super::validate::validate(&check) {
            Err((key, _)) if unknowable.iter().any(|k| k == key) => {}
            Err((key, message)) => {
                let note = self.variable_note(key, filled, scope, false);
                return Err(self.err(
                    self.key_line(key),
                    format!("probe `{}`: {message}{note}", self.check),
                ));
            }
            Ok(()) => {}
        }
        // ---- `hint` and `hint_link` (the probe's own fix text and where it is explained) ----
        if filled
            .hint
            .as_deref()
            .is_some_and(|h| h.chars().count() > 1000)
        {
            return Err(self.err(
                self.key_line("hint"),
                "probe `hint` is longer than 1000 characters: link to a section with `hint_link` instead".into(),
            ));
        }
        if let Some(l) = filled.hint_link.as_deref()
            && !valid_hint_link(l)
        {
            return Err(self.err(
                self.key_line("hint_link"),
                format!(
                    "probe `hint_link` {l:?} must be a docs page (`ops/APP.md` or `ops/APP.md#anchor`) or an https:// or http:// URL"
                ),
            ));
        }
        // ---- end of `hint` and `hint_link` ----
        for (key, value) in [
            ("title", &filled.title),
            ("description", &filled.description),
            ("hint", &filled.hint),
            ("hint_link", &filled.hint_link),
        ] {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                return Err(self.err(self.key_line(key), format!("probe `{key}` is empty")));
            }
        }
        if filled
            .target
            .as_deref()
            .is_some_and(|t| t.trim().is_empty())
        {
            return Err(self.err(self.key_line("target"), "probe `target` is empty".into()));
        }
        Ok(check)
    }

    /// The check's parameters typed by serde; an error names the top-level key it is
    /// about (from serde's path, not from the message's text).
    fn typed(&self, params: toml::Table) -> Result<Check, TypeError> {
        fn de<T: serde::de::DeserializeOwned>(v: toml::Value) -> Result<T, TypeError> {
            serde_path_to_error::deserialize(v).map_err(|e| {
                let key = match e.path().iter().next() {
                    Some(serde_path_to_error::Segment::Map { key }) => Some(key.clone()),
                    _ => None,
                };
                (key, e.into_inner().message().trim().to_string())
            })
        }
        fn none(v: &toml::Value) -> Result<(), TypeError> {
            match v.as_table().and_then(|t| t.keys().next()) {
                Some(k) => Err((
                    Some(k.clone()),
                    format!("unknown parameter `{k}`: this check takes none"),
                )),
                None => Ok(()),
            }
        }
        let v = toml::Value::Table(params);
        Ok(match self.check.as_str() {
            "redis.ping" => {
                none(&v)?;
                Check::RedisPing
            }
            "redis.config" => {
                none(&v)?;
                Check::RedisConfig
            }
            "cache.roundtrip" => Check::CacheRoundtrip(de(v)?),
            "cache.key" => Check::CacheKey(de(v)?),
            "enforcer.breadcrumbs" => Check::Breadcrumbs(de(v)?),
            "redis.scan" => Check::RedisScan(de(v)?),
            "redis.info" => Check::RedisInfo(de(v)?),
            "systemd.unit" => Check::SystemdUnit(de(v)?),
            "tcp.connect" => Check::TcpConnect(de(v)?),
            "http.get" => Check::HttpGet(de(v)?),
            "command" => Check::Command(de(v)?),
            "django.settings" => Check::DjangoSettings(de(v)?),
            // Refused at parse; kept total rather than trusted.
            other => {
                return Err((
                    Some("check".into()),
                    format!(
                        "unknown check {other:?}; known checks: {}",
                        super::CHECK_NAMES.join(", ")
                    ),
                ));
            }
        })
    }

    /// When the value of `key` came from a variable: which one, its value, and what to do.
    /// A parameter that takes a number or true/false, given a variable whose value is one,
    /// is told to write the value itself (variables are text); otherwise the value is to be
    /// corrected where the target's variables are set. Empty when no variable is involved.
    fn variable_note(
        &self,
        key: &str,
        filled: &Filled,
        scope: Option<&Scope>,
        typing: bool,
    ) -> String {
        let Some(scope) = scope else {
            return String::new();
        };
        let Some((_, node)) = self.params.iter().find(|(k, _)| k == key) else {
            return String::new();
        };
        let mut names: Vec<String> = Vec::new();
        node.each_template(&mut |t| names.extend(t.names().map(str::to_string)));
        let Some(name) = names.first() else {
            return String::new();
        };
        let Some(VarDef::Value(value)) = scope.get(name) else {
            return String::new();
        };
        if typing
            && let (Node::Str(_), Some(toml::Value::String(text))) = (node, filled.params.get(key))
            && let Some(scalar) = scalar(text)
        {
            let mut retry = filled.params.clone();
            retry.insert(key.to_string(), scalar.clone());
            let cured = match self.typed(retry) {
                Ok(_) => true,
                Err((k, _)) => k.as_deref() != Some(key),
            };
            if cured {
                return format!(
                    "; `{key}` takes a number or true/false and a variable is always text (`{{{{ {name} }}}}` is {value:?} on target {}): write the value in the probe itself, e.g. `{key} = {scalar}`",
                    scope.target
                );
            }
        }
        let table = if scope.target == "default" {
            "[vars]".to_string()
        } else {
            format!("[targets.{}.vars] (or [vars])", scope.target)
        };
        format!(
            "; the value comes from `{{{{ {name} }}}}` ({value:?} on target {}): correct it in {table} of bisk-docs.toml",
            scope.target
        )
    }

    fn decl(self: &Arc<Self>, filled: Filled, check: Check) -> ProbeDecl {
        ProbeDecl {
            id: self.id(),
            page: self.page.clone(),
            line: self.line,
            index: self.index,
            title: filled.title.unwrap_or_else(|| check.default_title()),
            description: filled.description,
            target: filled.target,
            check,
            source: self.source.clone(),
            unset: Vec::new(),
            hint: filled.hint,
            hint_link: filled.hint_link,
            declaration: self.clone(),
        }
    }
}

/// A `hint_link`: an http(s) URL, or a docs-relative Markdown page with an optional anchor
/// (no `..`, no scheme, no spaces).
fn valid_hint_link(l: &str) -> bool {
    if l.starts_with("https://") || l.starts_with("http://") {
        return !l.chars().any(|c| c.is_whitespace() || c.is_control());
    }
    let page = l.split('#').next().unwrap_or("");
    page.ends_with(".md")
        && !page.starts_with('/')
        && !page.split('/').any(|seg| seg == ".." || seg.is_empty())
        && !l.contains(':')
        && !l.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A text that reads as a TOML number or boolean, as that value.
fn scalar(text: &str) -> Option<toml::Value> {
    let t = text.trim();
    match t {
        "true" => return Some(toml::Value::Boolean(true)),
        "false" => return Some(toml::Value::Boolean(false)),
        _ => {}
    }
    if let Ok(i) = t.parse::<i64>() {
        return Some(toml::Value::Integer(i));
    }
    t.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(toml::Value::Float)
}

/// Parses one probe body as written: `{{ name }}` stays text (see [`parse_in`] for the
/// variables). The one-call form of [`Declaration::parse`] + [`Declaration::as_written`].
pub fn parse(
    body: &str,
    page: &Path,
    fence_line: usize,
    index: usize,
) -> Result<ProbeDecl, DeclError> {
    Arc::new(Declaration::parse(body, page, fence_line, index)?).as_written()
}

/// [`parse`] with the variables of the run's target (`run_target`; a probe naming its own
/// `target` takes that target's values): [`Declaration::parse`] +
/// [`Declaration::resolve`]. `source` keeps the body as written.
pub fn parse_in(
    body: &str,
    page: &Path,
    fence_line: usize,
    index: usize,
    config: &Config,
    run_target: &str,
) -> Result<ProbeDecl, DeclError> {
    Arc::new(Declaration::parse(body, page, fence_line, index)?).resolve(config, run_target)
}
