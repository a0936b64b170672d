//! Internal link checking: every relative link and `#anchor` must land on a page, folder,
//! file or heading of this site. External links are the reader's business.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::SitePage;
use crate::content::Asset;
use crate::content::paths::to_slash;
use crate::diag::Diagnostic;
use crate::render::{LinkRef, LinkTarget};

/// What links may point at, built once per site.
pub struct LinkIndex {
    /// Markdown source path (slash form) → page index.
    by_src: HashMap<String, usize>,
    /// Folder (slash form) → its index page.
    by_folder: HashMap<String, usize>,
    assets: HashSet<String>,
    /// Per page: the ids a `#fragment` may name.
    anchors: Vec<HashSet<String>>,
}

impl LinkIndex {
    /// The index of a site's pages (their headings are the anchors) and assets.
    pub fn new(pages: &[SitePage], assets: &[Asset]) -> Self {
        let mut by_src = HashMap::new();
        let mut by_folder = HashMap::new();
        let anchors = pages
            .iter()
            .map(|p| {
                let r = &p.rendered;
                r.headings
                    .iter()
                    .map(|h| &h.id)
                    .chain(&r.anchors)
                    .cloned()
                    .collect()
            })
            .collect();
        for (i, p) in pages.iter().map(|p| &p.page).enumerate() {
            if p.generated {
                by_folder.insert(to_slash(&p.src_rel), i);
            } else {
                by_src.insert(to_slash(&p.src_rel), i);
                if p.is_index {
                    by_folder.insert(to_slash(&p.folder()), i);
                }
            }
        }
        LinkIndex {
            by_src,
            by_folder,
            assets: assets.iter().map(|a| to_slash(&a.src_rel)).collect(),
            anchors,
        }
    }

    /// The page a docs-relative path names: a Markdown file, a folder, or a folder's index.
    pub fn page_for(&self, path: &Path) -> Option<usize> {
        let key = to_slash(path);
        if let Some(&i) = self.by_src.get(&key) {
            return Some(i);
        }
        if let Some(&i) = self.by_folder.get(&key) {
            return Some(i);
        }
        // `dir/README.md` written for a folder whose index is generated or is `index.md`.
        let name = path.file_name()?.to_string_lossy();
        if crate::content::paths::is_index_name(&name) {
            let parent = to_slash(path.parent().unwrap_or(Path::new("")));
            return self.by_folder.get(&parent).copied();
        }
        None
    }

    /// Checks one page's links; `display` is the page file as shown in messages.
    pub fn check(
        &self,
        page: usize,
        links: &[LinkRef],
        display: &Path,
        as_error: bool,
    ) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let mut report = |line: usize, msg: String| {
            out.push(if as_error {
                Diagnostic::error(display, line, msg)
            } else {
                Diagnostic::warning(display, line, msg)
            });
        };
        for link in links {
            match &link.target {
                LinkTarget::SamePage { anchor } => {
                    if !self.has_anchor(page, anchor) {
                        report(
                            link.line,
                            format!(
                                "broken link `{}`: no heading with id `{anchor}` on this page",
                                link.raw
                            ),
                        );
                    }
                }
                LinkTarget::Page { path, anchor } => match self.page_for(path) {
                    None => report(
                        link.line,
                        format!("broken link `{}`: no page {}", link.raw, to_slash(path)),
                    ),
                    Some(target) => {
                        if let Some(anchor) = anchor
                            && !self.has_anchor(target, anchor)
                        {
                            report(
                                link.line,
                                format!(
                                    "broken link `{}`: {} has no heading with id `{anchor}`",
                                    link.raw,
                                    to_slash(path)
                                ),
                            );
                        }
                    }
                },
                LinkTarget::Asset { path } => {
                    let key = to_slash(path);
                    if !self.assets.contains(&key) && self.page_for(path).is_none() {
                        report(
                            link.line,
                            format!(
                                "broken link `{}`: no file {key} in the docs folder",
                                link.raw
                            ),
                        );
                    }
                }
                LinkTarget::OutsideDocs { raw } => report(
                    link.line,
                    format!(
                        "link `{raw}` points outside the docs folder; it would break in the built site"
                    ),
                ),
            }
        }
        out
    }

    /// Probe hints link into the bundled guides by path (`probe::show::hint::LINKED`). When
    /// `page` is one of those guides, each id the hints name must still be on it, checked
    /// like a link (the live widgets of `serve` link there without a build-time result).
    /// A tree without the guide is fine: hints are then shown without their link. A warning,
    /// not an error: the page itself is sound, only those hints land at its top.
    pub fn check_hint_targets(&self, page: usize, display: &Path) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for (guide, anchor) in crate::probe::show::hint::LINKED {
            if self.by_src.get(*guide) != Some(&page) || self.has_anchor(page, anchor) {
                continue;
            }
            let msg = format!(
                "probe hints link to `{guide}#{anchor}`, but this page has no heading with id `{anchor}`, so those hints land at the top of the page: give the section its id back (`## Title {{#{anchor}}}`)"
            );
            out.push(Diagnostic::warning(display, 1, msg));
        }
        out
    }

    fn has_anchor(&self, page: usize, anchor: &str) -> bool {
        anchor.is_empty() || anchor == "top" || self.anchors[page].contains(anchor)
    }
}
