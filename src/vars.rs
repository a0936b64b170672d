//! Values per target: `[vars]` in `bisk-docs.toml`, overridden by `[targets.NAME.vars]`, and
//! written `{{ name }}` in pages and probe declarations.
//!
//! `{{ name }}` was chosen because it stays readable wherever the Markdown is read as is (a
//! plain viewer, GitHub): it looks like the placeholder it is, in prose, in code blocks and
//! inside a probe's TOML strings, and it is the syntax readers know from MkDocs macros, Hugo
//! and Jinja. Only a bare name (`[A-Za-z_][A-Za-z0-9_]*`) between the braces is a variable,
//! so template code shown in a guide (`{{ form.as_p }}`, `{{ value|date }}`) is left alone.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// A variable as the config writes it: a value, or `{ unset = "what it should hold" }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarDef {
    Value(String),
    /// No value yet; the text says what belongs there (shown with the unset marker).
    Unset(String),
}

impl<'de> Deserialize<'de> for VarDef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = VarDef;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a value (string, number or boolean) or { unset = \"what belongs here\" }",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<VarDef, E> {
                Ok(VarDef::Value(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<VarDef, E> {
                Ok(VarDef::Value(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<VarDef, E> {
                Ok(VarDef::Value(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<VarDef, E> {
                Ok(VarDef::Value(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<VarDef, E> {
                Ok(VarDef::Value(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<VarDef, A::Error> {
                let mut unset: Option<String> = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key != "unset" {
                        return Err(de::Error::custom(format!(
                            "unknown key `{key}` in a variable: write a value, or {{ unset = \"what belongs here\" }}"
                        )));
                    }
                    unset = Some(map.next_value()?);
                }
                unset.map(VarDef::Unset).ok_or_else(|| {
                    de::Error::custom(
                        "a variable table needs `unset = \"what belongs here\"` (or write the value itself)",
                    )
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// The variable derived from the target's URL (not written in `[vars]`): `redis-cli` with
/// the options and db that reach the target, never its password.
pub(crate) const REDIS_CLI: &str = "redis_cli";

/// The variables seen by one target: `[vars]` overlaid with `[targets.NAME.vars]`.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// Target name (`default` for `[redis]`).
    pub target: &'a str,
    defaults: &'a BTreeMap<String, VarDef>,
    overrides: Option<&'a BTreeMap<String, VarDef>>,
}

impl<'a> Scope<'a> {
    pub fn new(
        target: &'a str,
        defaults: &'a BTreeMap<String, VarDef>,
        overrides: Option<&'a BTreeMap<String, VarDef>>,
    ) -> Self {
        Scope {
            target,
            defaults,
            overrides,
        }
    }

    pub fn get(&self, name: &str) -> Option<&'a VarDef> {
        self.overrides
            .and_then(|o| o.get(name))
            .or_else(|| self.defaults.get(name))
    }

    /// Whether the config defines any variable at all (pages are then scanned).
    /// The derived `redis_cli` alone does not count: a tree without `[vars]` is not scanned.
    pub fn is_empty(&self) -> bool {
        self.defaults.keys().all(|k| k == REDIS_CLI)
    }

    /// The names the config declares, for "undefined variable" messages.
    pub fn names(&self) -> impl Iterator<Item = &'a String> {
        self.defaults.keys().filter(|k| k.as_str() != REDIS_CLI)
    }
}

/// A `{{ name }}` in a text: its byte range and the name. `\{{ name }}` is an escaped one:
/// its range includes the backslash, and it stands for the braces as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ref<'t> {
    pub start: usize,
    pub end: usize,
    pub name: &'t str,
    pub escaped: bool,
}

/// Every `{{ name }}` in `text`, in order. Cheap on text without `{{`.
pub(crate) fn refs(text: &str) -> Vec<Ref<'_>> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(at) = text[from..].find("{{") {
        let start = from + at;
        match parse_ref(bytes, start) {
            Some((name_start, name_end, end)) => {
                let escaped = start > 0 && bytes[start - 1] == b'\\';
                out.push(Ref {
                    start: start - usize::from(escaped),
                    end,
                    name: &text[name_start..name_end],
                    escaped,
                });
                from = end;
            }
            None => from = start + 1,
        }
    }
    out
}

/// `{{`, blanks, a name, blanks, `}}` starting at `start`: (name start, name end, end).
fn parse_ref(b: &[u8], start: usize) -> Option<(usize, usize, usize)> {
    let mut i = start + 2;
    while b.get(i).is_some_and(|c| *c == b' ' || *c == b'\t') {
        i += 1;
    }
    let name_start = i;
    if !b
        .get(i)
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
    {
        return None;
    }
    while b
        .get(i)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
    {
        i += 1;
    }
    let name_end = i;
    while b.get(i).is_some_and(|c| *c == b' ' || *c == b'\t') {
        i += 1;
    }
    (b.get(i) == Some(&b'}') && b.get(i + 1) == Some(&b'}')).then_some((
        name_start,
        name_end,
        i + 2,
    ))
}

/// Whether a name is a valid variable name.
pub(crate) fn valid_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

/// How an unset value reads in code, commands and probe parameters: visible, and harmless
/// if pasted into a shell (no `<`, `$` or quotes).
pub(crate) fn unset_marker(name: &str) -> String {
    format!("⟨unset: {name}⟩")
}

/// A piece of a text after substitution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece<'t> {
    Text(&'t str),
    /// `\{{ name }}`: the braces as written, without the backslash.
    Literal(&'t str),
    Value {
        name: &'t str,
        value: &'t str,
    },
    Unset {
        name: &'t str,
        about: &'t str,
    },
    Undefined {
        name: &'t str,
    },
}

/// A problem with one reference, at its byte offset in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub at: usize,
    pub name: String,
    pub undefined: bool,
    pub message: String,
}

impl Problem {
    pub(crate) fn to_diagnostic(
        &self,
        file: impl Into<std::path::PathBuf>,
        line: usize,
    ) -> crate::diag::Diagnostic {
        if self.undefined {
            crate::diag::Diagnostic::error(file, line, self.message.clone())
        } else {
            crate::diag::Diagnostic::warning(file, line, self.message.clone())
        }
    }
}

/// The text split at its references, or `None` when it has none (the common case: the
/// caller keeps the text as it is).
pub(crate) fn pieces<'t>(text: &'t str, scope: &Scope<'t>) -> Option<Vec<Piece<'t>>> {
    if !text.contains("{{") {
        return None;
    }
    let found = refs(text);
    if found.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(found.len() * 2 + 1);
    let mut last = 0;
    for r in found {
        if r.start > last {
            out.push(Piece::Text(&text[last..r.start]));
        }
        last = r.end;
        if r.escaped {
            out.push(Piece::Literal(&text[r.start + 1..r.end]));
            continue;
        }
        out.push(match scope.get(r.name) {
            Some(VarDef::Value(v)) => Piece::Value {
                name: r.name,
                value: v,
            },
            Some(VarDef::Unset(about)) => Piece::Unset {
                name: r.name,
                about,
            },
            None => Piece::Undefined { name: r.name },
        });
    }
    if last < text.len() {
        out.push(Piece::Text(&text[last..]));
    }
    Some(out)
}

/// `text` with every reference replaced by its value (an unset one by [`unset_marker`], an
/// undefined one left as written), and the problems found, each at its offset in `text`.
/// `None` when the text has no reference.
pub(crate) fn substitute(text: &str, scope: &Scope) -> Option<(String, Vec<Problem>)> {
    let found = refs(text);
    if found.is_empty() {
        return None;
    }
    Some(fill(text, &found, scope))
}

/// The one substitution: `text` with the references `found` in it (in order) replaced. A
/// value is inserted as it is, never scanned again, so a value holding `{{ other }}` stays
/// that text.
fn fill(text: &str, found: &[Ref<'_>], scope: &Scope) -> (String, Vec<Problem>) {
    let mut out = String::with_capacity(text.len() + 32);
    let mut problems = Vec::new();
    let mut last = 0;
    for r in found {
        out.push_str(&text[last..r.start]);
        last = r.end;
        if r.escaped {
            // `\{{ name }}`: the braces as written, without the backslash.
            out.push_str(&text[r.start + 1..r.end]);
            continue;
        }
        match scope.get(r.name) {
            Some(VarDef::Value(v)) => out.push_str(v),
            Some(VarDef::Unset(about)) => {
                out.push_str(&unset_marker(r.name));
                problems.push(unset_problem(r.start, r.name, about, scope.target));
            }
            None => {
                out.push_str("{{ ");
                out.push_str(r.name);
                out.push_str(" }}");
                problems.push(undefined_problem(r.start, r.name, scope));
            }
        }
    }
    out.push_str(&text[last..]);
    (out, problems)
}

/// A text that may hold `{{ name }}`, scanned once and filled for any target: the string
/// fields of a probe declaration keep their variables this way until a target is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    text: String,
    refs: Vec<TemplateRef>,
}

/// A reference of a [`Template`] (owned [`Ref`]).
#[derive(Debug, Clone, PartialEq, Eq)]
struct TemplateRef {
    start: usize,
    end: usize,
    name: String,
    escaped: bool,
}

impl Template {
    pub(crate) fn new(text: impl Into<String>) -> Self {
        let text = text.into();
        let refs = refs(&text)
            .into_iter()
            .map(|r| TemplateRef {
                start: r.start,
                end: r.end,
                name: r.name.to_string(),
                escaped: r.escaped,
            })
            .collect();
        Template { text, refs }
    }

    /// The text as written (`{{ name }}` and `\{{ name }}` unreplaced).
    pub(crate) fn as_written(&self) -> &str {
        &self.text
    }

    /// Whether the text holds any reference, escaped ones included (both change it when
    /// filled).
    pub(crate) fn has_refs(&self) -> bool {
        !self.refs.is_empty()
    }

    /// The variables it uses (not the escaped ones), in order, repeats included.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.refs
            .iter()
            .filter(|r| !r.escaped)
            .map(|r| r.name.as_str())
    }

    /// The text with the scope's values (see [`substitute`]), and the problems, each at its
    /// offset in the text as written.
    pub(crate) fn fill(&self, scope: &Scope) -> (String, Vec<Problem>) {
        let found: Vec<Ref<'_>> = self
            .refs
            .iter()
            .map(|r| Ref {
                start: r.start,
                end: r.end,
                name: &r.name,
                escaped: r.escaped,
            })
            .collect();
        fill(&self.text, &found, scope)
    }
}

pub(crate) fn unset_problem(at: usize, name: &str, about: &str, target: &str) -> Problem {
    let table = if target == "default" {
        "[vars]".to_string()
    } else {
        format!("[targets.{target}.vars] (or [vars])")
    };
    Problem {
        at,
        name: name.to_string(),
        undefined: false,
        message: format!(
            "unset value `{name}` for target {target} ({about}): set it in {table} of bisk-docs.toml"
        ),
    }
}

pub(crate) fn undefined_problem(at: usize, name: &str, scope: &Scope) -> Problem {
    let known: Vec<&str> = scope.names().map(String::as_str).collect();
    let known = if known.is_empty() {
        "none is defined".to_string()
    } else {
        format!("defined: {}", known.join(", "))
    };
    Problem {
        at,
        name: name.to_string(),
        undefined: true,
        message: format!(
            "undefined variable `{{{{ {name} }}}}`: add `{name} = \"…\"` to [vars] in bisk-docs.toml ({known})"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, VarDef)]) -> BTreeMap<String, VarDef> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn only_bare_names_are_references() {
        let t = "a {{ web_unit }} b {{x}} {{ form.as_p }} {{ value|date }} {{ 1x }} {{ y }";
        let names: Vec<&str> = refs(t).iter().map(|r| r.name).collect();
        assert_eq!(names, ["web_unit", "x"]);
        assert!(refs("{{{ z }}}").iter().any(|r| r.name == "z"));
        assert!(refs("plain").is_empty());
    }

    #[test]
    fn targets_override_and_unset_is_reported() {
        let d = vars(&[
            ("unit", VarDef::Value("bisk-web.service".into())),
            ("host", VarDef::Unset("the production host".into())),
        ]);
        let p = vars(&[("unit", VarDef::Value("gunicorn.service".into()))]);
        let dev = Scope::new("default", &d, None);
        let prod = Scope::new("prod", &d, Some(&p));
        let (text, problems) =
            substitute("restart {{ unit }} on {{host}}; {{ nope }}", &dev).unwrap();
        assert_eq!(
            text,
            "restart bisk-web.service on ⟨unset: host⟩; {{ nope }}"
        );
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[0].at, "restart {{ unit }} on ".len());
        assert!(!problems[0].undefined && problems[0].message.contains("the production host"));
        assert!(problems[1].undefined && problems[1].message.contains("host, unit"));
        assert_eq!(substitute("{{unit}}", &prod).unwrap().0, "gunicorn.service");
        assert!(substitute("no refs {{ a.b }}", &prod).is_none());
    }

    #[test]
    fn a_template_is_scanned_once_and_filled_for_any_scope() {
        let d = vars(&[
            ("k", VarDef::Value("{{ other }}\" \n]]".into())),
            ("other", VarDef::Value("EXPANDED".into())),
            ("later", VarDef::Unset("set later".into())),
        ]);
        let p = vars(&[("k", VarDef::Value("prod".into()))]);
        let t = Template::new("a {{ k }} \\{{ k }} {{later}} {{ nope }}");
        assert!(t.has_refs());
        assert_eq!(t.names().collect::<Vec<_>>(), ["k", "later", "nope"]);
        let (text, problems) = t.fill(&Scope::new("default", &d, None));
        // A value is inserted as it is: its `{{ other }}` is never looked up.
        assert_eq!(
            text,
            "a {{ other }}\" \n]] {{ k }} ⟨unset: later⟩ {{ nope }}"
        );
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[0].at, "a {{ k }} \\{{ k }} ".len());
        assert!(problems[1].undefined);
        // The same offsets and text as `substitute`, the one fill both use.
        assert_eq!(
            substitute(t.as_written(), &Scope::new("default", &d, None)),
            Some((text, problems))
        );
        assert_eq!(
            t.fill(&Scope::new("prod", &d, Some(&p)))
                .0
                .split(' ')
                .nth(1),
            Some("prod")
        );
        assert!(!Template::new("no refs {{ a.b }}").has_refs());
    }
}
