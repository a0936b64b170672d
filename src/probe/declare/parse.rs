//! Reading a fence body once into a [`Declaration`]: the TOML with its spans, the head,
//! the parameters as nodes whose strings are templates. No config and no target here.

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{CHECK_NAMES, COMMON_KEYS, DeclError, Declaration, Node, StrNode};
use crate::vars::Template;

/// The common keys, typed (the spanned deserializer points a type error at its value).
/// `title`, `description` and `target` are read for their type only: their values are
/// kept as templates.
#[derive(Deserialize)]
#[allow(dead_code)]
struct Head {
    check: Option<String>,
    title: Option<String>,
    id: Option<String>,
    description: Option<String>,
    target: Option<String>,
    hint: Option<String>,
    hint_link: Option<String>,
}

/// Where the body sits: turns offsets into the body into page lines.
struct At<'a> {
    body: &'a str,
    page: &'a Path,
    fence_line: usize,
}

impl At<'_> {
    fn line(&self, offset: usize) -> usize {
        self.fence_line + crate::diag::line_of(self.body, offset)
    }

    fn err(&self, line: usize, message: String) -> DeclError {
        DeclError {
            page: self.page.to_path_buf(),
            line,
            message,
        }
    }
}

impl Declaration {
    /// Reads one probe body. `fence_line` is the 1-based line of the opening fence (the
    /// body starts on the next line); `index` the 1-based position among the page's probe
    /// fences. Errors that no target's values can change are found here; a declaration
    /// without variables is checked completely.
    pub fn parse(
        body: &str,
        page: &Path,
        fence_line: usize,
        index: usize,
    ) -> Result<Declaration, DeclError> {
        let at = At {
            body,
            page,
            fence_line,
        };
        let doc = read_toml(body, &at)?;
        let table =
            toml::Table::deserialize(toml::de::Deserializer::from(doc.clone())).map_err(|e| {
                let line = e.span().map_or(fence_line, |s| at.line(s.start));
                at.err(line, format!("invalid probe TOML: {}", e.message().trim()))
            })?;
        let head = Head::deserialize(toml::de::Deserializer::from(doc.clone())).map_err(|e| {
            let line = e.span().map_or(fence_line, |s| at.line(s.start));
            at.err(line, format!("probe: {}", e.message().trim()))
        })?;
        let doc = doc.into_inner();
        for (k, _) in doc.iter() {
            let name = k.get_ref().as_ref();
            if let Some(r) = crate::vars::refs(name).into_iter().find(|r| !r.escaped) {
                return Err(key_error(r.name, name, at.line(k.span().start), &at));
            }
        }
        let key_lines: Vec<(String, usize)> = doc
            .iter()
            .map(|(k, _)| (k.get_ref().to_string(), at.line(k.span().start)))
            .collect();
        let key_line = |key: &str| {
            key_lines
                .iter()
                .find(|(k, _)| k == key)
                .map_or(fence_line, |(_, l)| *l)
        };

        let Some(check) = head.check else {
            return Err(at.err(
                fence_line,
                format!("probe has no `check`; one of: {}", CHECK_NAMES.join(", ")),
            ));
        };
        // `check` and `id` name the probe the same way on every target.
        for (key, value) in [("check", Some(&check)), ("id", head.id.as_ref())] {
            if let Some(name) =
                value.and_then(|v| Template::new(v.as_str()).names().next().map(str::to_string))
            {
                return Err(at.err(
                    key_line(key),
                    format!(
                        "`{{{{ {name} }}}}` in `{key}`: `{key}` names the probe on every target, so it takes no variable; write it out"
                    ),
                ));
            }
        }
        if !CHECK_NAMES.contains(&check.as_str()) {
            return Err(at.err(
                key_line("check"),
                format!(
                    "probe `{check}`: unknown check {check:?}; known checks: {}",
                    CHECK_NAMES.join(", ")
                ),
            ));
        }
        if let Some(id) = &head.id
            && !super::validate::valid_id(id)
        {
            return Err(at.err(
                key_line("id"),
                format!(
                    "probe id {id:?} must be 1–64 characters of letters, digits, '-', '_' or '.'"
                ),
            ));
        }

        let mut table = table;
        let mut decl = Declaration {
            page: page.to_path_buf(),
            line: fence_line,
            index,
            source: body.to_string(),
            check,
            id: head.id,
            title: None,
            description: None,
            target: None,
            hint: None,
            hint_link: None,
            params: Vec::new(),
            key_lines: Vec::new(),
            uses_vars: false,
            fixed: None,
        };
        for (key, de) in doc.iter() {
            let name = key.get_ref().as_ref();
            let Some(value) = table.remove(name) else {
                continue;
            };
            let node = node(value, de, &at)?;
            let string = |node: Node| match node {
                Node::Str(s) => Some(s),
                // Head types were checked above: a string without variables.
                Node::Value(toml::Value::String(s)) => Some(StrNode {
                    template: Template::new(s),
                    line: at.line(de.span().start),
                    dropped_newline: false,
                }),
                _ => None,
            };
            match name {
                "title" => decl.title = string(node),
                "description" => decl.description = string(node),
                "target" => decl.target = string(node),
                "hint" => decl.hint = string(node),
                "hint_link" => decl.hint_link = string(node),
                _ if COMMON_KEYS.contains(&name) => {}
                _ => decl.params.push((name.to_string(), node)),
            }
        }
        decl.key_lines = key_lines;
        decl.uses_vars = [
            &decl.title,
            &decl.description,
            &decl.target,
            &decl.hint,
            &decl.hint_link,
        ]
        .into_iter()
        .flatten()
        .any(|s| s.template.has_refs())
            || decl
                .params
                .iter()
                .any(|(_, n)| !matches!(n, Node::Value(_)));
        if !decl.uses_vars {
            // The same on every target: type and validate it now, once.
            let filled = decl.fill(None)?;
            decl.fixed = Some(decl.build(&filled, &[], None)?);
        }
        Ok(decl)
    }
}

/// The body as a TOML document with the spans of its keys and values (into `body`).
fn read_toml<'b>(body: &'b str, at: &At<'_>) -> Result<Spanned<DeTable<'b>>, DeclError> {
    DeTable::parse(body).map_err(|e| {
        let offset = e.span().map(|s| s.start);
        let line = offset.map_or(at.fence_line, |o| at.line(o));
        let mut message = format!("invalid probe TOML: {}", e.message().trim());
        // A variable written as bare TOML (`ttl = {{ ttl }}`) is what breaks the line most
        // often, since values are filled only into strings: say how to write it.
        let line_text = offset
            .and_then(|o| body.get(..o.min(body.len())))
            .map(|before| before.rfind('\n').map_or(0, |i| i + 1))
            .and_then(|start| body[start..].lines().next());
        if let Some(r) = line_text.and_then(|l| {
            crate::vars::refs(l)
                .into_iter()
                .find(|r| !r.escaped)
                .map(|r| r.name.to_string())
        }) {
            message.push_str(&format!(
                "; `{{{{ {r} }}}}` is replaced only inside a quoted string value: write e.g. `key = \"{{{{ {r} }}}}\"`"
            ));
        }
        at.err(line, message)
    })
}

/// A parameter's value as a node: `value` is the typed TOML, `de` the same value with its
/// spans. A key holding `{{ name }}` is an error at its line.
fn node(value: toml::Value, de: &Spanned<DeValue<'_>>, at: &At<'_>) -> Result<Node, DeclError> {
    Ok(match (value, de.get_ref()) {
        (toml::Value::String(s), DeValue::String(_)) => {
            let template = Template::new(s);
            if !template.has_refs() {
                return Ok(Node::Value(toml::Value::String(
                    template.as_written().to_string(),
                )));
            }
            // A multi-line string drops the newline right after its opening quotes.
            let span = de.span();
            let dropped_newline = at.body.get(span.clone()).is_some_and(|raw| {
                (raw.starts_with("\"\"\"") || raw.starts_with("'''"))
                    && (raw[3..].starts_with('\n') || raw[3..].starts_with("\r\n"))
            });
            Node::Str(StrNode {
                template,
                line: at.line(span.start),
                dropped_newline,
            })
        }
        (toml::Value::Array(items), DeValue::Array(des)) => {
            let nodes = items
                .into_iter()
                .zip(des.iter())
                .map(|(v, d)| node(v, d, at))
                .collect::<Result<Vec<_>, _>>()?;
            collapse(Node::Array(nodes))
        }
        (toml::Value::Table(mut t), DeValue::Table(des)) => {
            let mut entries = Vec::new();
            for (k, d) in des.iter() {
                let name = k.get_ref().as_ref();
                if let Some(r) = crate::vars::refs(name).into_iter().find(|r| !r.escaped) {
                    return Err(key_error(r.name, name, at.line(k.span().start), at));
                }
                if let Some(v) = t.remove(name) {
                    entries.push((name.to_string(), node(v, d, at)?));
                }
            }
            collapse(Node::Table(entries))
        }
        (value, _) => Node::Value(value),
    })
}

/// An array or table without a template inside is a plain value.
fn collapse(node: Node) -> Node {
    fn plain(n: &Node) -> Option<toml::Value> {
        match n {
            Node::Value(v) => Some(v.clone()),
            Node::Str(_) => None,
            Node::Array(items) => items
                .iter()
                .map(plain)
                .collect::<Option<Vec<_>>>()
                .map(toml::Value::Array),
            Node::Table(entries) => entries
                .iter()
                .map(|(k, n)| plain(n).map(|v| (k.clone(), v)))
                .collect::<Option<toml::Table>>()
                .map(toml::Value::Table),
        }
    }
    plain(&node).map_or(node, Node::Value)
}

fn key_error(var: &str, key: &str, line: usize, at: &At<'_>) -> DeclError {
    at.err(
        line,
        format!(
            "`{{{{ {var} }}}}` in the key `{key}`: variables are replaced only in string values, never in keys"
        ),
    )
}
