//! Sorting changed paths into the kinds of rebuild they need.
//!
//! Classification looks at the file system as it is now rather than at event kinds, so an
//! editor's atomic save (write a temp file, rename it over the page) is simply "this page
//! changed", whatever sequence of create/rename events it produced.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Where things live, as absolute paths.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub config_file: PathBuf,
    pub docs_dir: PathBuf,
    /// The theme override folder, when the config names one.
    pub theme_dir: Option<PathBuf>,
}

/// The work a batch of changes needs, from most to least expensive. One batch can need
/// several kinds; [`Plan::full`] subsumes the rest.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    /// The config changed: reload it and rebuild everything.
    pub config: bool,
    /// Pages or assets were added, removed or renamed: reload the docs tree.
    pub structure: bool,
    /// Templates changed: re-render every page from the Markdown already in memory.
    pub templates: bool,
    /// Theme files other than stylesheets (scripts, images): replace them, reload pages.
    pub theme_assets: bool,
    /// Stylesheets changed (names under `_static/`): swap them without a reload.
    pub stylesheets: BTreeSet<String>,
    /// Existing pages edited (docs-relative Markdown paths).
    pub pages: BTreeSet<PathBuf>,
}

impl Plan {
    pub(crate) fn is_empty(&self) -> bool {
        *self == Plan::default()
    }

    /// Whether the whole site must be reloaded from disk.
    pub(crate) fn full(&self) -> bool {
        self.config || self.structure
    }
}

/// Editor backups, swap files and hidden files: never content.
pub(crate) fn is_noise(path: &Path) -> bool {
    let Some(name) = path.file_name() else {
        return true;
    };
    crate::content::load::is_hidden(name) || is_editor_scratch(path)
}

/// Files an editor makes for an instant while saving. They are assets to the loader if
/// they survive, but reacting to each one would reload the whole site on every save.
fn is_editor_scratch(path: &Path) -> bool {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy()) else {
        return false;
    };
    name.ends_with(".swp") || name.ends_with(".swx") || name.ends_with(".tmp") || name == "4913" // vim's write test file
}

/// Builds the plan for `paths`. `is_page` says whether a docs-relative path is a page the
/// site has now.
pub(crate) fn classify(
    layout: &Layout,
    paths: &[PathBuf],
    is_page: impl Fn(&Path) -> bool,
) -> Plan {
    let mut plan = Plan::default();
    for path in paths {
        if *path == layout.config_file {
            plan.config = true;
            continue;
        }
        if let Some(theme) = &layout.theme_dir
            && let Ok(rel) = path.strip_prefix(theme)
        {
            if is_noise(path) {
                continue;
            }
            if rel.starts_with("templates") {
                plan.templates = true;
            } else if let Ok(asset) = rel.strip_prefix("static") {
                let name = asset.to_string_lossy().replace('\\', "/");
                if name.ends_with(".css") && path.is_file() {
                    plan.stylesheets.insert(format!("_static/{name}"));
                } else {
                    plan.theme_assets = true;
                }
            }
            continue;
        }
        let Ok(rel) = path.strip_prefix(&layout.docs_dir) else {
            continue;
        };
        // What is content, and which content is a page, is the loader's decision (a
        // hidden folder anywhere above means not content either).
        if !crate::content::load::is_content(rel) || is_editor_scratch(rel) {
            continue;
        }
        let exists = path.exists();
        if path.is_dir() {
            // A folder appeared or was renamed: its files are new to the site.
            plan.structure = true;
        } else if crate::content::load::is_page(rel) {
            match (exists, is_page(rel)) {
                (true, true) => {
                    plan.pages.insert(rel.to_path_buf());
                }
                (false, false) => {}
                _ => plan.structure = true,
            }
        } else {
            // Assets are copied as they are; a full reload keeps the copy list right.
            plan.structure = true;
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_changes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let docs = root.join("docs");
        let theme = root.join("theme");
        std::fs::create_dir_all(docs.join("ops")).unwrap();
        std::fs::create_dir_all(theme.join("static")).unwrap();
        std::fs::write(docs.join("ops/A.md"), "# A").unwrap();
        std::fs::write(docs.join("ops/New.md"), "# N").unwrap();
        std::fs::write(theme.join("static/style.css"), "").unwrap();
        let layout = Layout {
            config_file: root.join("bisk-docs.toml"),
            docs_dir: docs.clone(),
            theme_dir: Some(theme.clone()),
        };
        let known = |p: &Path| p == Path::new("ops/A.md") || p == Path::new("ops/Gone.md");

        let plan = classify(
            &layout,
            &[docs.join("ops/A.md"), docs.join("ops/.A.md.swp")],
            known,
        );
        assert_eq!(plan.pages.len(), 1);
        assert!(!plan.full());

        assert!(classify(&layout, &[docs.join("ops/New.md")], known).structure);
        assert!(classify(&layout, &[docs.join("ops/Gone.md")], known).structure);
        assert!(classify(&layout, &[root.join("bisk-docs.toml")], known).config);
        assert!(classify(&layout, &[theme.join("templates/page.html")], known).templates);
        let css = classify(&layout, &[theme.join("static/style.css")], known);
        assert!(css.stylesheets.contains("_static/style.css") && !css.templates);
        assert!(classify(&layout, &[root.join("site/index.html")], known).is_empty());
        // The loader's rule: nothing under a hidden folder is content; `.markdown` is a page.
        std::fs::create_dir_all(docs.join(".drafts")).unwrap();
        std::fs::write(docs.join(".drafts/wip.md"), "# W").unwrap();
        assert!(classify(&layout, &[docs.join(".drafts/wip.md")], known).is_empty());
        std::fs::write(docs.join("ops/x.markdown"), "# X").unwrap();
        let known_x = |p: &Path| p == Path::new("ops/x.markdown");
        let plan = classify(&layout, &[docs.join("ops/x.markdown")], known_x);
        assert!(plan.pages.contains(Path::new("ops/x.markdown")) && !plan.full());
    }
}
