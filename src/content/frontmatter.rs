//! Optional front matter at the top of a page: TOML between `+++` lines or YAML between `---`.

use serde::Deserialize;

/// The keys a page may set. Unknown keys are errors (a typo such as `wieght` would otherwise
/// silently reorder the navigation); tool-specific data belongs under `extra`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub title: Option<String>,
    /// Navigation order within the folder: lower first; pages without a weight come last.
    pub weight: Option<i64>,
    pub description: Option<String>,
    /// How a runbook walkthrough splits this page into steps: `h2` (default), `h3` or `list`.
    pub steps: Option<StepStyle>,
    /// Free-form data for custom templates.
    #[serde(default)]
    pub extra: toml::Table,
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

/// Splits off the front matter, if the file starts with one.
pub fn split(text: &str) -> Result<Split<'_>, FrontMatterError> {
    let text_no_bom = text.strip_prefix('\u{feff}').unwrap_or(text);
    let bom = text.len() - text_no_bom.len();
    let Some(delim) = ["+++", "---"]
        .into_iter()
        .find(|d| first_line(text_no_bom) == *d)
    else {
        return Ok(Split {
            front: FrontMatter::default(),
            body: text_no_bom,
            body_line_offset: 0,
        });
    };
    let after_open = bom + next_line_start(text_no_bom, 0);
    let mut pos = after_open;
    let mut line_no = 2;
    while pos < text.len() {
        let line_end = text[pos..]
            .find('\n')
            .map(|i| pos + i)
            .unwrap_or(text.len());
        let line = text[pos..line_end].trim_end_matches('\r');
        if line.trim_end() == delim {
            let inner = &text[after_open..pos];
            let body_start = (line_end + 1).min(text.len());
            let front = parse_inner(inner, delim)?;
            return Ok(Split {
                front,
                body: &text[body_start..],
                body_line_offset: line_no,
            });
        }
        pos = line_end + 1;
        line_no += 1;
    }
    Err(FrontMatterError {
        line: 1,
        message: format!("front matter opened with `{delim}` is never closed"),
    })
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("").trim_end()
}

fn next_line_start(text: &str, from: usize) -> usize {
    text[from..]
        .find('\n')
        .map(|i| from + i + 1)
        .unwrap_or(text.len())
}

fn parse_inner(inner: &str, delim: &str) -> Result<FrontMatter, FrontMatterError> {
    // Inner line 1 is file line 2 (after the opening delimiter).
    if delim == "+++" {
        toml::from_str::<FrontMatter>(inner).map_err(|e| FrontMatterError {
            line: e
                .span()
                .map(|s| crate::diag::line_of(inner, s.start) + 1)
                .unwrap_or(1),
            message: format!("invalid TOML front matter: {}", e.message().trim()),
        })
    } else {
        if inner.trim().is_empty() {
            return Ok(FrontMatter::default());
        }
        serde_saphyr::from_str::<FrontMatter>(inner).map_err(|e| {
            let text = e.to_string();
            FrontMatterError {
                line: yaml_error_line(&text).map(|l| l + 1).unwrap_or(1),
                message: format!(
                    "invalid YAML front matter: {}",
                    text.lines().next().unwrap_or("").trim()
                ),
            }
        })
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
        let e = split("+++\ntitle = \"x\"\nwieght = 2\n+++\n").unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert!(e.message.contains("wieght"), "{e}");
        let e = split("---\ntitle: x\nweight: heavy\n---\n").unwrap_err();
        assert!(e.message.contains("YAML"), "{e}");
        let e = split("+++\ntitle = \"x\"\n").unwrap_err();
        assert!(e.message.contains("never closed"), "{e}");
    }

    #[test]
    fn horizontal_rule_later_is_not_front_matter() {
        let s = split("# T\n\n---\n\ntext").unwrap();
        assert_eq!(s.body_line_offset, 0);
    }
}
