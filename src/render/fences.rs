//! Info strings of fenced blocks: what kind of block it is and which language.
//!
//! Authors write many shapes: ```` ```bash ````, ```` ```bash title="x" ````,
//! ```` ```{.bash .numbered} ````, ```` ```bash,ignore ````. Only the first word counts for
//! the language; a `title="…"` attribute is kept for display.

/// What a fenced block asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FenceKind {
    /// A live probe declaration (TOML body), handed to the probe hook.
    Probe,
    /// Code, with its language as written (lowercased; empty when none).
    Code { lang: String, title: Option<String> },
}

/// Parses a fenced code block's info string.
pub(crate) fn parse_info(info: &str) -> FenceKind {
    let lang = crate::content::markdown::fence_language(info);
    if lang == crate::content::markdown::PROBE_LANGUAGE {
        return FenceKind::Probe;
    }
    let (_, rest) = crate::content::markdown::split_first_word(info.trim());
    FenceKind::Code {
        lang,
        title: title_attr(rest),
    }
}

/// The value of a `title="…"` (or `title='…'`, or bare `title=x`) attribute.
fn title_attr(attrs: &str) -> Option<String> {
    let at = attrs.find("title=")?;
    let value = &attrs[at + "title=".len()..];
    let title = match value.chars().next()? {
        q @ ('"' | '\'') => value[1..].split(q).next().unwrap_or(""),
        _ => value
            .split(|c: char| c.is_whitespace() || c == '}')
            .next()
            .unwrap_or(""),
    };
    (!title.is_empty()).then(|| title.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(lang: &str, title: Option<&str>) -> FenceKind {
        FenceKind::Code {
            lang: lang.into(),
            title: title.map(String::from),
        }
    }

    #[test]
    fn info_strings() {
        assert_eq!(parse_info("probe"), FenceKind::Probe);
        assert_eq!(parse_info("probe extra"), FenceKind::Probe);
        assert_eq!(parse_info("Bash"), code("bash", None));
        assert_eq!(
            parse_info("bash title=\"deploy.sh\""),
            code("bash", Some("deploy.sh"))
        );
        assert_eq!(parse_info("{.toml .numbered}"), code("toml", None));
        assert_eq!(parse_info("rust,ignore"), code("rust", None));
        assert_eq!(parse_info("ini {title='x y'}"), code("ini", Some("x y")));
        assert_eq!(parse_info(""), code("", None));
    }
}
