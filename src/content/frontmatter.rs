//! Optional front matter at the top of a page: TOML between `+++` lines or YAML between `---`.
//!
//! Trees written for MkDocs, Hugo, Zola or Jekyll carry keys of their own (`icon`, `draft`,
//! `date`, `[taxonomies]`, …), so a key bisk-docs does not know is kept, not refused: it is
//! in [`FrontMatter::extra`] for templates. A key bisk-docs knows with a value of the wrong
//! type is still an error at its file:line, as is a block that is clearly front matter
//! (its first line reads `key = …` / `key: …`) but does not parse.
//!
//! Detection follows what those generators accept: `---` must be the first line; `+++` may
//! follow blank lines (Zola). A first line `---` or `+++` that opens no front matter — no
//! closing fence, or a block that is not a TOML/YAML mapping and does not look like one —
//! is left to Markdown, which reads a thematic break or a paragraph there.

use serde::Deserialize;
use serde_json::{Map, Value};

/// The keys a page may set, and every other key kept for templates.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrontMatter {
    pub title: Option<String>,
    /// Navigation order within the folder: lower first; pages without a weight come last.
    pub weight: Option<i64>,
    pub description: Option<String>,
    /// How a runbook walkthrough splits this page into steps: `h2` (default), `h3` or `list`.
    pub steps: Option<StepStyle>,
    /// Free-form data for custom templates: the entries of an `extra` table, and every
    /// top-level key bisk-docs does not know (an `extra` entry wins over a same-named key).
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStyle {
    H2,
    H3,
    List,
}

/// A page split into its front matter and its Markdown body.
#[derive(Debug)]
pub struct Split<'a> {
    pub front: FrontMatter,
    pub body: &'a str,
    /// Lines before `body` in the file.
    pub body_line_offset: usize,
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("line {line}: {message}")]
pub struct FrontMatterError {
    /// 1-based line in the file.
    pub line: usize,
    pub message: String,
}

/// Where a front matter block sits in the file.
struct Block<'a> {
    delim: &'static str,
    /// 1-based line of the opening fence.
    open_line: usize,
    inner: &'a str,
    /// Byte offset of the body (after the closing fence's line) and its line count before.
    body_start: usize,
    body_line_offset: usize,
}

/// Splits off the front matter, if the file starts with one.
pub fn split(text: &str) -> Result<Split<'_>, FrontMatterError> {
    let text_no_bom = text.strip_prefix('\u{feff}').unwrap_or(text);
    let no_front = || Split {
        front: FrontMatter::default(),
        body: text_no_bom,
        body_line_offset: 0,
    };
    let Some(block) = find_block(text) else {
        return Ok(no_front());
    };
    match parse_inner(&block)? {
        Some(front) => Ok(Split {
            front,
            body: &text[block.body_start..],
            body_line_offset: block.body_line_offset,
        }),
        None => Ok(no_front()),
    }
}

/// The fenced block at the top of `text`, if there is one with its closing fence.
fn find_block(text: &str) -> Option<Block<'_>> {
    let mut pos = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut line_no = 1;
    let mut open = None;
    let mut after_open = 0;
    while pos < text.len() {
        let end = line_end(text, pos);
        let line = text[pos..end].trim_end();
        let next = (end + 1).min(text.len());
        match open {
            None if line.is_empty() => {}
            None => {
                // `---` only as the very first line (a YAML block after a blank line is a
                // thematic break and a heading to every generator); `+++` after blank lines.
                open = match line {
                    "---" if line_no == 1 => Some(("---", line_no)),
                    "+++" => Some(("+++", line_no)),
                    _ => return None,
                };
                after_open = next;
            }
            Some((delim, open_line)) if line == delim => {
                return Some(Block {
                    delim,
                    open_line,
                    inner: &text[after_open..pos],
                    body_start: next,
                    body_line_offset: line_no,
                });
            }
            Some(_) => {}
        }
        pos = next;
        line_no += 1;
        if end == text.len() {
            break;
        }
    }
    None
}

fn line_end(text: &str, from: usize) -> usize {
    text[from..]
        .find('\n')
        .map(|i| from + i)
        .unwrap_or(text.len())
}

/// The front matter of a block; `None` when the block is not front matter at all.
fn parse_inner(block: &Block<'_>) -> Result<Option<FrontMatter>, FrontMatterError> {
    let inner = block.inner;
    // Inner line 1 is the line after the opening fence.
    let file_line = |inner_line: usize| block.open_line + inner_line;
    let map = if block.delim == "+++" {
        match inner.parse::<toml::Table>() {
            Ok(table) => table
                .into_iter()
                .map(|(k, v)| (k, toml_to_json(v)))
                .collect::<Map<String, Value>>(),
            Err(_) if !looks_like_keys(inner, '=') => return Ok(None),
            Err(e) => {
                return Err(FrontMatterError {
                    line: file_line(
                        e.span()
                            .map(|s| crate::diag::line_of(inner, s.start))
                            .unwrap_or(1),
                    ),
                    message: format!(
                        "invalid TOML front matter: {}; fix the syntax, or if this `+++` block \
                         is not front matter, start the page with something else",
                        e.message().trim()
                    ),
                });
            }
        }
    } else {
        if inner.trim().is_empty() {
            return Ok(Some(FrontMatter::default()));
        }
        match serde_saphyr::from_str::<Value>(inner) {
            Ok(Value::Object(map)) => map,
            // A scalar or a list: a paragraph between two rules, not front matter.
            Ok(_) => return Ok(None),
            Err(_) if !looks_like_keys(inner, ':') => return Ok(None),
            Err(e) => {
                let text = e.to_string();
                return Err(FrontMatterError {
                    line: file_line(yaml_error_line(&text).unwrap_or(1)),
                    message: format!(
                        "invalid YAML front matter: {}; fix the syntax, or if this `---` block \
                         is not front matter, start the page with something else",
                        text.lines().next().unwrap_or("").trim()
                    ),
                });
            }
        }
    };
    known_keys(map, inner, block.delim, &file_line).map(Some)
}

/// Whether the block's first line reads like a `key = value` / `key: value` entry (or a
/// TOML table header), so a parse error is a mistake to report, not prose.
fn looks_like_keys(inner: &str, sep: char) -> bool {
    let Some(first) = inner
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
    else {
        return false;
    };
    if sep == '=' && first.starts_with('[') {
        return true;
    }
    first.split_once(sep).is_some_and(|(key, _)| {
        let key = key.trim().trim_matches(|c| c == '"' || c == '\'');
        !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
    })
}

/// Takes the keys bisk-docs knows out of `map` (type-checked), keeps the rest as `extra`.
fn known_keys(
    mut map: Map<String, Value>,
    inner: &str,
    delim: &str,
    file_line: &dyn Fn(usize) -> usize,
) -> Result<FrontMatter, FrontMatterError> {
    fn take<T: serde::de::DeserializeOwned>(
        map: &mut Map<String, Value>,
        key: &str,
        expected: &str,
        inner: &str,
        file_line: &dyn Fn(usize) -> usize,
    ) -> Result<Option<T>, FrontMatterError> {
        match map.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => serde_json::from_value(v.clone())
                .map(Some)
                .map_err(|_| FrontMatterError {
                    line: file_line(key_line(inner, key).unwrap_or(1)),
                    message: format!(
                        "front matter key `{key}` must be {expected}, not {}",
                        describe(&v)
                    ),
                }),
        }
    }
    let title = take(&mut map, "title", "a string", inner, file_line)?;
    let weight = take(&mut map, "weight", "a whole number", inner, file_line)?;
    let description = take(&mut map, "description", "a string", inner, file_line)?;
    let steps = take(
        &mut map,
        "steps",
        "one of \"h2\", \"h3\" or \"list\"",
        inner,
        file_line,
    )?;
    let table = if delim == "+++" {
        "a table (`[extra]`)"
    } else {
        "a mapping"
    };
    let extra: Option<Map<String, Value>> = take(&mut map, "extra", table, inner, file_line)?;
    let mut front = FrontMatter {
        title,
        weight,
        description,
        steps,
        extra: map,
    };
    front.extra.extend(extra.unwrap_or_default());
    Ok(front)
}

/// 1-based line within `inner` where top-level `key` is set.
fn key_line(inner: &str, key: &str) -> Option<usize> {
    inner
        .lines()
        .position(|line| {
            let Some(rest) = line
                .strip_prefix(key)
                .or_else(|| line.strip_prefix(&format!("\"{key}\"")))
                .or_else(|| line.strip_prefix(&format!("'{key}'")))
            else {
                return false;
            };
            let rest = rest.trim_start();
            rest.starts_with('=') || rest.starts_with(':')
        })
        .map(|i| i + 1)
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "empty".into(),
        Value::Bool(b) => format!("`{b}`"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a table".into(),
    }
}

/// TOML to the JSON-like value templates see; dates become their TOML text.
fn toml_to_json(v: toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(f.to_string())),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect())
        }
    }
}

/// serde-saphyr reports positions as "line N" in its message; pick the first one.
fn yaml_error_line(message: &str) -> Option<usize> {
    let idx = message.find("line ")?;
    let digits: String = message[idx + 5..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_front_matter() {
        let s = split("# Hi\n").unwrap();
        assert_eq!(s.body, "# Hi\n");
        assert_eq!(s.body_line_offset, 0);
        assert_eq!(s.front, FrontMatter::default());
    }

    #[test]
    fn toml_front_matter() {
        let s = split("+++\ntitle = \"Redis\"\nweight = 2\n+++\n# Body\n").unwrap();
        assert_eq!(s.front.title.as_deref(), Some("Redis"));
        assert_eq!(s.front.weight, Some(2));
        assert_eq!(s.body, "# Body\n");
        assert_eq!(s.body_line_offset, 4);
    }

    #[test]
    fn yaml_front_matter() {
        let s = split("---\ntitle: Deploy\nweight: 3\ndescription: steps\n---\nbody").unwrap();
        assert_eq!(s.front.title.as_deref(), Some("Deploy"));
        assert_eq!(s.front.weight, Some(3));
        assert_eq!(s.body, "body");
    }

    #[test]
    fn errors_carry_file_lines() {
        // A known key of the wrong type: an error at its line.
        let e = split("+++\ntitle = \"x\"\nweight = \"heavy\"\n+++\n").unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert!(e.message.contains("weight"), "{e}");
        let e = split("---\ntitle: x\nweight: heavy\n---\n").unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert!(e.message.contains("`weight` must be a whole number"), "{e}");
        // Clearly front matter, but broken: a syntax error at its line.
        let e = split("+++\ntitle = \"x\"\nweight = = 2\n+++\n").unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert!(e.message.contains("TOML"), "{e}");
        let e = split("---\ntitle: x\n  bad: [\n---\n").unwrap_err();
        assert!(e.message.contains("YAML"), "{e}");
        let e = split("---\nsteps: h4\n---\n").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        assert!(e.message.contains("\"h2\", \"h3\" or \"list\""), "{e}");
    }

    #[test]
    fn unknown_keys_are_kept_not_refused() {
        // Issue 21: `icon: x` (MkDocs Material) used to refuse the page.
        let s = split("---\ntitle: T\nicon: x\nhide:\n  - toc\n---\nbody").unwrap();
        assert_eq!(s.front.title.as_deref(), Some("T"));
        assert_eq!(s.front.extra["icon"], "x");
        assert_eq!(s.front.extra["hide"], serde_json::json!(["toc"]));
        assert_eq!(s.body, "body");
        // Hugo / Zola keys, a typo included (kept, not guessed at), dates as text.
        let s = split(
            "+++\ntitle = \"T\"\ndraft = true\nwieght = 2\ndate = 2024-01-02\n\
             [taxonomies]\ntags = [\"ops\"]\n[extra]\nicon = \"y\"\n+++\nbody",
        )
        .unwrap();
        assert_eq!(s.front.weight, None);
        assert_eq!(s.front.extra["draft"], true);
        assert_eq!(s.front.extra["wieght"], 2);
        assert_eq!(s.front.extra["date"], "2024-01-02");
        assert_eq!(s.front.extra["taxonomies"]["tags"][0], "ops");
        assert_eq!(s.front.extra["icon"], "y");
        assert_eq!(s.body, "body");
        // An empty known key is as if absent.
        let s = split("---\ntitle:\n---\nx").unwrap();
        assert_eq!(s.front.title, None);
    }

    #[test]
    fn blank_lines_before_toml_fence() {
        // Zola accepts blank lines before `+++`.
        let s = split("\n\n+++\ntitle = \"Z\"\n+++\n# Body\n").unwrap();
        assert_eq!(s.front.title.as_deref(), Some("Z"));
        assert_eq!(s.body, "# Body\n");
        assert_eq!(s.body_line_offset, 5);
        // Not for `---`: there it is a thematic break, as for every generator.
        let s = split("\n---\ntitle: x\n---\n").unwrap();
        assert_eq!(s.front, FrontMatter::default());
        assert_eq!(s.body_line_offset, 0);
    }

    #[test]
    fn fences_that_open_no_front_matter_are_markdown() {
        for text in [
            // Never closed: a thematic break, or a paragraph `+++`.
            "---\n\nJust text after a rule.\n",
            "+++\ntitle = \"x\"\n",
            // Closed, but prose between two rules, not a mapping.
            "---\nSome words here.\n---\n",
            "+++\nhello world\n+++\n",
            // A list between rules.
            "---\n- a\n- b\n---\n",
        ] {
            let s = split(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            assert_eq!(s.body, text, "{text:?}");
            assert_eq!(s.body_line_offset, 0, "{text:?}");
            assert_eq!(s.front, FrontMatter::default(), "{text:?}");
        }
    }

    #[test]
    fn bom_and_crlf() {
        let s = split("\u{feff}---\r\ntitle: B\r\n---\r\nbody").unwrap();
        assert_eq!(s.front.title.as_deref(), Some("B"));
        assert_eq!(s.body, "body");
        let s = split("\u{feff}# T\n").unwrap();
        assert_eq!(s.body, "# T\n");
    }

    #[test]
    fn horizontal_rule_later_is_not_front_matter() {
        let s = split("# T\n\n---\n\ntext").unwrap();
        assert_eq!(s.body_line_offset, 0);
    }
}
