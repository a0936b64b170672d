//! Link classification and rewriting: `.md` links become links to the output `.html`,
//! relative to the current page; everything internal is reported for the site to check.

use std::path::{Path, PathBuf};

use super::LinkTarget;
use crate::content::paths::{output_path, relative_url, resolve_relative, root_prefix, to_slash};
use crate::percent::decode_lossy;

/// What to do with one link destination.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Resolved {
    /// `None` for external links (scheme, `//host`) and empty destinations.
    pub target: Option<LinkTarget>,
    /// Replacement URL, when the written one does not work in the output.
    pub url: Option<String>,
}

/// True when `dest` starts with a URL scheme (`https:`, `mailto:`, `tel:`, …).
fn has_scheme(dest: &str) -> bool {
    let Some(colon) = dest.find(':') else {
        return false;
    };
    let scheme = &dest[..colon];
    let mut chars = scheme.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Classifies `dest` as written in the page `src_path` (docs-relative).
pub(crate) fn resolve(dest: &str, src_path: &Path) -> Resolved {
    let external = Resolved {
        target: None,
        url: None,
    };
    if dest.is_empty() || dest.starts_with("//") || has_scheme(dest) {
        return external;
    }
    if let Some(anchor) = dest.strip_prefix('#') {
        if anchor.is_empty() {
            return external; // `#` alone: top of the page, nothing to check
        }
        return Resolved {
            target: Some(LinkTarget::SamePage {
                anchor: decode_lossy(anchor).into_owned(),
            }),
            url: None,
        };
    }

    let path_end = dest.find(['?', '#']).unwrap_or(dest.len());
    let (path_part, suffix) = dest.split_at(path_end);
    let fragment = suffix
        .find('#')
        .map(|i| decode_lossy(&suffix[i + 1..]).into_owned())
        .filter(|f| !f.is_empty());
    if path_part.is_empty() {
        return external; // `?query` on the same page
    }
    let decoded = decode_lossy(path_part);
    let Some(resolved) = resolve_relative(src_path, &decoded) else {
        return Resolved {
            target: Some(LinkTarget::OutsideDocs {
                raw: dest.to_string(),
            }),
            url: None,
        };
    };
    let last = decoded.rsplit('/').next().unwrap_or("");
    let is_folder = decoded.ends_with('/') || last == "." || last == "..";
    let is_markdown = !is_folder && crate::content::paths::is_markdown_name(last);

    if is_folder || is_markdown {
        let page = if is_folder {
            resolved.join("index.md")
        } else {
            resolved
        };
        let from = output_path(src_path);
        let mut url = encode_path(&relative_url(&from, &output_path(&page)));
        url.push_str(suffix);
        return Resolved {
            target: Some(LinkTarget::Page {
                path: page,
                anchor: fragment,
            }),
            url: Some(url),
        };
    }

    // An asset keeps its (already encoded) relative URL: the output mirrors the docs tree.
    // A docs-root URL (`/img/x.png`) is made relative so the site works under any prefix.
    let url = dest
        .strip_prefix('/')
        .map(|rest| format!("{}{rest}", root_prefix(&output_path(src_path))));
    Resolved {
        target: Some(LinkTarget::Asset {
            path: PathBuf::from(to_slash(&resolved)),
        }),
        url,
    }
}

/// A URL as written for the page `src_path` (already rewritten by [`resolve`]), made to
/// work from another page whose way to `src_path`'s folder is `base` (`../../ops/`):
/// page-relative URLs get the prefix, same-page anchors name the page, absolute and
/// external URLs stay.
pub(crate) fn rebase<'a>(
    url: pulldown_cmark::CowStr<'a>,
    base: &str,
    src_path: &Path,
) -> pulldown_cmark::CowStr<'a> {
    if url.is_empty() || url.starts_with('/') || url.starts_with('?') || has_scheme(&url) {
        return url;
    }
    if url.starts_with('#') {
        let page = output_path(src_path);
        let file = page.rsplit('/').next().unwrap_or(&page);
        return format!("{base}{}{url}", encode_path(file)).into();
    }
    format!("{base}{url}").into()
}

/// Encodes what would change a path's meaning in a URL. Other characters (spaces,
/// non-ASCII) are encoded by pulldown-cmark's `href` escaping when the link is written.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            '%' => out.push_str("%25"),
            '#' => out.push_str("%23"),
            '?' => out.push_str("%3F"),
            ' ' => out.push_str("%20"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(path: &str, anchor: Option<&str>) -> Option<LinkTarget> {
        Some(LinkTarget::Page {
            path: PathBuf::from(path),
            anchor: anchor.map(String::from),
        })
    }

    #[test]
    fn markdown_links_become_output_urls() {
        let from = Path::new("ops/runbook.md");
        let r = resolve("../backend/API.md#auth", from);
        assert_eq!(r.target, page("backend/API.md", Some("auth")));
        assert_eq!(r.url.as_deref(), Some("../backend/API.html#auth"));

        let r = resolve("README.md", from);
        assert_eq!(r.url.as_deref(), Some("index.html"));

        let r = resolve("../backend/", from);
        assert_eq!(r.target, page("backend/index.md", None));
        assert_eq!(r.url.as_deref(), Some("../backend/index.html"));

        let r = resolve("My%20Guide.md?x=1#Step%201", from);
        assert_eq!(r.target, page("ops/My Guide.md", Some("Step 1")));
        assert_eq!(r.url.as_deref(), Some("My%20Guide.html?x=1#Step%201"));

        let r = resolve("100%25.md", from);
        assert_eq!(r.target, page("ops/100%.md", None));
        assert_eq!(r.url.as_deref(), Some("100%25.html"));
    }

    #[test]
    fn other_links() {
        let from = Path::new("ops/runbook.md");
        for ext in [
            "https://example.com/a.md",
            "mailto:ops@example.com",
            "//cdn.example.com/x.md",
            "",
            "#",
        ] {
            assert_eq!(resolve(ext, from).target, None, "{ext}");
        }
        assert_eq!(
            resolve("#key-layout", from).target,
            Some(LinkTarget::SamePage {
                anchor: "key-layout".into()
            })
        );
        let r = resolve("../../etc/passwd", from);
        assert_eq!(
            r.target,
            Some(LinkTarget::OutsideDocs {
                raw: "../../etc/passwd".into()
            })
        );
        let r = resolve("img/a%20b.png", from);
        assert_eq!(
            r.target,
            Some(LinkTarget::Asset {
                path: "ops/img/a b.png".into()
            })
        );
        assert_eq!(r.url, None);
        let r = resolve("/img/logo.png", from);
        assert_eq!(r.url.as_deref(), Some("../img/logo.png"));
    }

    #[test]
    fn rebased_links_work_from_another_page() {
        let from = Path::new("ops/DEPLOY.md");
        let r = |u: &str| rebase(u.into(), "../../ops/", from).to_string();
        assert_eq!(r("REDIS_CACHE.html#a"), "../../ops/REDIS_CACHE.html#a");
        assert_eq!(
            r("../backend/index.html"),
            "../../ops/../backend/index.html"
        );
        assert_eq!(r("#step-2"), "../../ops/DEPLOY.html#step-2");
        assert_eq!(r("https://example.com/x"), "https://example.com/x");
        assert_eq!(r("mailto:ops@example.com"), "mailto:ops@example.com");
        assert_eq!(r("//cdn.example.com/x"), "//cdn.example.com/x");
        assert_eq!(r("/abs"), "/abs");
    }

    #[test]
    fn malformed_escapes_in_links_are_kept_as_written() {
        let from = Path::new("ops/a.md");
        let r = resolve("50%zz.md#a%4", from);
        assert_eq!(
            r.target,
            Some(LinkTarget::Page {
                path: PathBuf::from("ops/50%zz.md"),
                anchor: Some("a%4".into()),
            })
        );
    }
}
