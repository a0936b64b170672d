//! Where a source file lands in the output, and how one output page links to another.
//!
//! Output URLs are plain `.html` files (never "pretty" folder URLs) and every link is
//! relative: that is what lets a built site work under any sub-path and from `file://`,
//! where a folder does not resolve to its `index.html`.

use std::path::{Component, Path, PathBuf};

/// The extensions of Markdown pages, everywhere (site, `check`, runbooks, `serve`).
pub const PAGE_EXTENSIONS: &[&str] = &["md", "markdown"];

/// Whether a file name ends in a page extension (`x.md`, `x.markdown`, any case).
pub fn is_markdown_name(file_name: &str) -> bool {
    file_name
        .rsplit_once('.')
        .is_some_and(|(_, ext)| PAGE_EXTENSIONS.iter().any(|e| ext.eq_ignore_ascii_case(e)))
}

/// [`is_markdown_name`] for a path's last component.
pub fn is_markdown(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| is_markdown_name(&n.to_string_lossy()))
}

/// True for the file names that make a folder's index page (`README.md`, `index.markdown`).
pub fn is_index_name(file_name: &str) -> bool {
    is_markdown_name(file_name)
        && file_name.rsplit_once('.').is_some_and(|(stem, _)| {
            stem.eq_ignore_ascii_case("README") || stem.eq_ignore_ascii_case("index")
        })
}

/// Docs-relative Markdown path → docs-relative output path, with `/` separators.
/// `README.md` → `index.html`, `ops/README.md` → `ops/index.html`,
/// `ops/REDIS_CACHE.md` → `ops/REDIS_CACHE.html`, `ops/extra.markdown` → `ops/extra.html`.
/// Other files keep their name.
pub fn output_path(src_rel: &Path) -> String {
    let parent = src_rel.parent().map(to_slash).unwrap_or_default();
    let name = src_rel
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let file = if is_index_name(&name) {
        "index.html".to_string()
    } else {
        match name.rsplit_once('.') {
            Some((stem, _)) if is_markdown_name(&name) => format!("{stem}.html"),
            _ => name,
        }
    };
    if parent.is_empty() {
        file
    } else {
        format!("{parent}/{file}")
    }
}

/// Path with `/` separators whatever the platform.
pub fn to_slash(p: &Path) -> String {
    p.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Resolves `target` (a relative link as written in `from`) to a docs-relative path.
/// Returns `None` when the link climbs above the docs root.
pub fn resolve_relative(from_src: &Path, target: &str) -> Option<PathBuf> {
    let mut parts: Vec<String> = if target.starts_with('/') {
        Vec::new()
    } else {
        from_src
            .parent()
            .map(|p| {
                to_slash(p)
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
    };
    for seg in target.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s.to_string()),
        }
    }
    Some(parts.iter().collect())
}

/// Relative URL from the output page `from` (docs-relative output path) to `to`.
/// `relative_url("ops/a.html", "backend/b.html")` → `../backend/b.html`.
pub fn relative_url(from: &str, to: &str) -> String {
    let from_dirs: Vec<&str> = from.split('/').collect();
    let from_dirs = &from_dirs[..from_dirs.len().saturating_sub(1)];
    let to_parts: Vec<&str> = to.split('/').collect();
    let common = from_dirs
        .iter()
        .zip(to_parts.iter())
        .take_while(|(a, b)| a == b)
        .count()
        .min(to_parts.len().saturating_sub(1));
    let mut url = "../".repeat(from_dirs.len() - common);
    url.push_str(&to_parts[common..].join("/"));
    if url.is_empty() {
        url.push_str("index.html");
    }
    url
}

/// Prefix that leads from an output page back to the site root: `""`, `"../"`, `"../../"`.
pub fn root_prefix(from: &str) -> String {
    "../".repeat(from.matches('/').count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_paths() {
        assert_eq!(output_path(Path::new("README.md")), "index.html");
        assert_eq!(output_path(Path::new("ops/README.md")), "ops/index.html");
        assert_eq!(output_path(Path::new("ops/index.md")), "ops/index.html");
        assert_eq!(
            output_path(Path::new("ops/REDIS_CACHE.md")),
            "ops/REDIS_CACHE.html"
        );
        assert_eq!(output_path(Path::new("img/a.png")), "img/a.png");
        // One rule for every page extension: a `.markdown` page is HTML too.
        assert_eq!(
            output_path(Path::new("ops/extra.markdown")),
            "ops/extra.html"
        );
        assert_eq!(output_path(Path::new("ops/X.MD")), "ops/X.html");
        assert_eq!(
            output_path(Path::new("ops/README.markdown")),
            "ops/index.html"
        );
        assert!(!is_index_name("README.txt"));
    }

    #[test]
    fn relative_urls() {
        assert_eq!(
            relative_url("ops/a.html", "backend/b.html"),
            "../backend/b.html"
        );
        assert_eq!(relative_url("ops/a.html", "ops/b.html"), "b.html");
        assert_eq!(relative_url("index.html", "ops/b.html"), "ops/b.html");
        assert_eq!(relative_url("a/b/c.html", "a/d.html"), "../d.html");
        assert_eq!(relative_url("a/b/c.html", "index.html"), "../../index.html");
        assert_eq!(relative_url("ops/a.html", "ops/a.html"), "a.html");
        assert_eq!(root_prefix("a/b/c.html"), "../../");
        assert_eq!(root_prefix("index.html"), "");
    }

    #[test]
    fn resolving() {
        assert_eq!(
            resolve_relative(Path::new("ops/a.md"), "../backend/b.md"),
            Some(PathBuf::from("backend/b.md"))
        );
        assert_eq!(resolve_relative(Path::new("ops/a.md"), "../../x.md"), None);
        assert_eq!(
            resolve_relative(Path::new("ops/a.md"), "./b.md"),
            Some(PathBuf::from("ops/b.md"))
        );
    }
}
