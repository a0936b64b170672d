//! The renderer's probe hook: parse a ```probe block into a declaration and emit its
//! widget: the static "not checked" one, or one with a build-time result embedded
//! (`build --snapshot`). The declarations are kept so `check` and `serve` run the same set.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::probe::decl::{self, ProbeDecl};
use crate::probe::result::ProbeResult;
use crate::probe::widget;
use crate::render::{LinkRef, LinkTarget, ProbeFence};
use crate::theme::Theme;

/// Build-time probe results by probe id.
pub type Snapshot = HashMap<String, ProbeResult>;

/// Build-time results plus what their hint links may point at: the docs-relative Markdown
/// paths (slash form) of this site's pages.
pub struct SnapshotIn<'a> {
    pub results: &'a Snapshot,
    pub pages: &'a HashSet<String>,
}

/// The hook for one page: `parsed` holds the declaration of each of its probe fences
/// ([`crate::probe::discover::fence_decls`]), taken in turn as the renderer meets them.
pub fn hook<'a>(
    theme: &'a Theme,
    page: &'a Path,
    config: &'a Config,
    parsed: Vec<Result<ProbeDecl, decl::DeclError>>,
    snapshot: Option<&'a SnapshotIn<'a>>,
    decls: &'a mut Vec<ProbeDecl>,
    hint_links: &'a mut Vec<LinkRef>,
) -> impl FnMut(&ProbeFence) -> Result<String, String> + 'a {
    let mut parsed: Vec<Option<Result<ProbeDecl, decl::DeclError>>> =
        parsed.into_iter().map(Some).collect();
    move |fence: &ProbeFence| {
        // The renderer and the document count probe fences by the same rule.
        let parsed = parsed
            .get_mut(fence.index)
            .and_then(Option::take)
            .ok_or_else(|| {
                format!(
                    "{}:{}: probe fence not in the page's index",
                    page.display(),
                    fence.line
                )
            })?
            .and_then(|d| decl::check_config(&d, config).map(|()| d))
            .map_err(|e| e.to_string())?;
        let html = match snapshot.and_then(|s| s.results.get(&parsed.id).map(|r| (s, r))) {
            Some((snap, result)) => {
                // A hint links into a guide by path; in a tree without that guide the
                // hint is shown without its link. A guide that exists but lacks the
                // anchor is a broken link, checked with the page's own links.
                let mut result = result.clone();
                if let Some(hint) = result.hint.as_mut()
                    && let Some(link) = hint.link.clone()
                {
                    let (path, anchor) = link.split_once('#').unwrap_or((&link, ""));
                    if snap.pages.contains(path) {
                        hint_links.push(LinkRef {
                            target: LinkTarget::Page {
                                path: PathBuf::from(path),
                                anchor: (!anchor.is_empty()).then(|| anchor.to_string()),
                            },
                            line: fence.line,
                            raw: link.clone(),
                        });
                    } else {
                        hint.link = None;
                    }
                }
                widget::render_snapshot_in(theme, &parsed, &result, config)
            }
            None => widget::render_static_in(theme, &parsed, config),
        }
        .map_err(|e| e.to_string())?;
        decls.push(parsed);
        Ok(html)
    }
}
