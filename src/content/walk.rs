//! The docs folder as a boundary: which files a site may read.
//!
//! Only what lies inside the docs folder is published. A symlink is followed when its
//! target (fully resolved) is inside the docs folder too, so a shared page or a folder
//! linked from elsewhere in the tree works; a link that leaves the folder
//! (`docs/passwd.md -> /etc/passwd`) is refused with an error naming the link and its
//! target, and nothing behind it is read. Every reader (`build`, `serve`, `check`) goes
//! through [`walk`], and every later read of one file through [`inside`], so a link made
//! while `serve` runs is caught too.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::diag::Diagnostic;

/// Why the docs folder itself cannot be used. Its message is one line that names the
/// folder and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum DocsDirError {
    #[error(
        "docs folder {} does not exist: create it, run `bisk-docs init`, or set `docs_dir` in bisk-docs.toml",
        .0.display()
    )]
    Missing(PathBuf),
    #[error(
        "docs folder {} is not a folder: point `docs_dir` in bisk-docs.toml at the folder holding the Markdown pages",
        .0.display()
    )]
    NotAFolder(PathBuf),
    #[error(
        "docs folder {} cannot be read ({}): check its permissions",
        .0.display(), .1
    )]
    Unreadable(PathBuf, std::io::Error),
}

impl DocsDirError {
    pub fn to_diagnostic(&self) -> Diagnostic {
        let path = match self {
            DocsDirError::Missing(p)
            | DocsDirError::NotAFolder(p)
            | DocsDirError::Unreadable(p, _) => p,
        };
        Diagnostic::error(path, 0, self.to_string())
    }
}

/// Checks that `docs_dir` is a readable folder; returns its canonical path, the boundary
/// every file of the site must stay inside.
pub fn docs_root(docs_dir: &Path) -> Result<PathBuf, DocsDirError> {
    let meta = match std::fs::metadata(docs_dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(DocsDirError::Missing(docs_dir.to_path_buf()));
        }
        Err(e) => return Err(DocsDirError::Unreadable(docs_dir.to_path_buf(), e)),
    };
    if !meta.is_dir() {
        return Err(DocsDirError::NotAFolder(docs_dir.to_path_buf()));
    }
    std::fs::read_dir(docs_dir)
        .and_then(|_| docs_dir.canonicalize())
        .map_err(|e| DocsDirError::Unreadable(docs_dir.to_path_buf(), e))
}

/// One file or folder found under the docs folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Docs-relative path as reached (through links inside the folder, if any).
    pub rel: PathBuf,
    pub is_dir: bool,
}

/// Walks `docs_dir` (whose canonical path is `root`) in file-name order, following
/// symlinks that stay inside and refusing those that leave. `skip` prunes names (hidden
/// files, editor backups) below the top. Problems (outside links, broken links, loops,
/// unreadable folders) come back as errors; everything else is still found.
pub fn walk(
    docs_dir: &Path,
    root: &Path,
    skip: impl Fn(&std::ffi::OsStr) -> bool,
) -> (Vec<Found>, Vec<Diagnostic>) {
    let mut found = Vec::new();
    let mut diags = Vec::new();
    // Following links lets walkdir detect loops (a link to an ancestor folder); links
    // that leave the docs folder are pruned before anything behind them is listed.
    let mut it = WalkDir::new(docs_dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = it.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().unwrap_or(docs_dir).to_path_buf();
                if e.depth() > 0 && path.file_name().is_some_and(&skip) {
                    continue;
                }
                let why = if let Some(ancestor) = e.loop_ancestor() {
                    format!(
                        "symlink loop: it leads back to {}; remove the link",
                        ancestor.display()
                    )
                } else if path.is_symlink() {
                    broken_link_message(&path)
                } else {
                    format!(
                        "cannot read: {}",
                        e.io_error()
                            .map_or_else(|| e.to_string(), |io| io.to_string())
                    )
                };
                diags.push(Diagnostic::error(path, 0, why));
                continue;
            }
        };
        if entry.depth() > 0 && skip(entry.file_name()) {
            if entry.file_type().is_dir() {
                it.skip_current_dir();
            }
            continue;
        }
        if entry.depth() > 0
            && entry.path_is_symlink()
            && let Err(d) = check_link(entry.path(), root)
        {
            diags.push(d);
            if entry.file_type().is_dir() {
                it.skip_current_dir();
            }
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(docs_dir) else {
            continue;
        };
        let is_dir = entry.file_type().is_dir();
        if !is_dir && !entry.file_type().is_file() {
            // Sockets, FIFOs, devices: never content, and reading a FIFO would block.
            diags.push(Diagnostic::error(
                entry.path(),
                0,
                "not a regular file or folder; remove it from the docs folder",
            ));
            continue;
        }
        found.push(Found {
            rel: rel.to_path_buf(),
            is_dir,
        });
    }
    (found, diags)
}

/// Error unless the symlink at `link` resolves to something inside `root`.
fn check_link(link: &Path, root: &Path) -> Result<(), Diagnostic> {
    match link.canonicalize() {
        Ok(target) if target.starts_with(root) => Ok(()),
        Ok(target) => Err(Diagnostic::error(
            link,
            0,
            format!(
                "symlink to {} leaves the docs folder; files outside it are never published (copy the file into the docs folder instead)",
                target.display()
            ),
        )),
        Err(_) => Err(Diagnostic::error(link, 0, broken_link_message(link))),
    }
}

fn broken_link_message(link: &Path) -> String {
    match std::fs::read_link(link) {
        Ok(to) => format!(
            "broken symlink to {} (missing target or a loop); fix or remove the link",
            to.display()
        ),
        Err(e) => format!("cannot read: {e}"),
    }
}

/// The absolute path to read for the docs-relative `rel`, after checking that it still
/// resolves inside the docs folder (a file may have been replaced by a link since the walk).
pub fn inside(docs_dir: &Path, rel: &Path) -> Result<PathBuf, Diagnostic> {
    let path = docs_dir.join(rel);
    let root = docs_dir
        .canonicalize()
        .map_err(|e| Diagnostic::error(docs_dir, 0, format!("cannot read the docs folder: {e}")))?;
    match path.canonicalize() {
        Ok(target) if target.starts_with(&root) => Ok(path),
        Ok(target) => Err(Diagnostic::error(
            &path,
            0,
            format!(
                "symlink to {} leaves the docs folder; files outside it are never published (copy the file into the docs folder instead)",
                target.display()
            ),
        )),
        Err(_) if path.is_symlink() => Err(Diagnostic::error(&path, 0, broken_link_message(&path))),
        Err(e) => Err(Diagnostic::error(&path, 0, format!("cannot read: {e}"))),
    }
}
