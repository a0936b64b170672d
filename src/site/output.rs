//! Where built files go. `build` writes into a fresh sibling folder and swaps it in at the
//! end, so a failed build never leaves a half-written site or destroys the previous one;
//! `serve` keeps the files in memory instead (its [`Sink`] is `serve::files::Collector`).
//! Every file of a site is written through a [`Sink`], by `site::pages`.

use std::io;
use std::path::{Path, PathBuf};

/// Marker file that identifies a folder as bisk-docs output, so `build` and `clean` only
/// ever replace or delete folders they made.
pub const MARKER: &str = ".bisk-docs-site";

/// Receives the built site, file by file. Called from many threads at once.
pub trait Sink: Sync {
    fn write(&self, rel: &str, bytes: &[u8]) -> io::Result<()>;
    fn copy_from(&self, rel: &str, src: &Path) -> io::Result<()>;
}

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error(
        "refusing to write to {out}: it {relation} the docs folder {docs}; choose another --out"
    )]
    OverlapsDocs {
        out: PathBuf,
        docs: PathBuf,
        relation: &'static str,
    },
    #[error(
        "refusing to replace {0}: it exists, is not empty and was not made by bisk-docs (no {MARKER} file); remove it yourself or choose another --out"
    )]
    NotOurs(PathBuf),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Absolute, normalised form of a path that may not exist yet.
fn absolute(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    // Resolve symlinks of the longest existing ancestor so overlap checks are honest.
    let mut existing = abs.as_path();
    let mut tail = Vec::new();
    while !existing.exists() {
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                tail.push(name.to_os_string());
                existing = parent;
            }
            _ => return abs,
        }
    }
    let mut resolved = existing
        .canonicalize()
        .unwrap_or_else(|_| existing.to_path_buf());
    for part in tail.iter().rev() {
        resolved.push(part);
    }
    resolved
}

/// Refuses output folders that would clobber or be walked as content.
pub fn check_out_dir(out: &Path, docs: &Path, root: &Path) -> Result<(), OutputError> {
    let (out_abs, docs_abs, root_abs) = (absolute(out), absolute(docs), absolute(root));
    let relation = if out_abs == docs_abs {
        Some("is")
    } else if docs_abs.starts_with(&out_abs) {
        Some("contains")
    } else if out_abs.starts_with(&docs_abs) {
        Some("is inside")
    } else {
        None
    };
    if let Some(relation) = relation {
        return Err(OutputError::OverlapsDocs {
            out: out.to_path_buf(),
            docs: docs.to_path_buf(),
            relation,
        });
    }
    if out_abs == root_abs || root_abs.starts_with(&out_abs) {
        return Err(OutputError::OverlapsDocs {
            out: out.to_path_buf(),
            docs: docs.to_path_buf(),
            relation: "contains the project root and so",
        });
    }
    if out_abs.is_dir() && !out_abs.join(MARKER).exists() {
        let empty = std::fs::read_dir(&out_abs)
            .map_err(io_err(out))?
            .next()
            .is_none();
        if !empty {
            return Err(OutputError::NotOurs(out.to_path_buf()));
        }
    }
    Ok(())
}

/// A new site being written next to the final folder, swapped in by [`commit`](Self::commit).
pub struct StagedDir {
    final_dir: PathBuf,
    staging: PathBuf,
    committed: bool,
}

impl StagedDir {
    pub fn create(final_dir: &Path) -> Result<StagedDir, OutputError> {
        let parent = final_dir
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(io_err(parent))?;
        let name = final_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "site".into());
        let staging = parent.join(format!(".{name}.bisk-new-{}", std::process::id()));
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(io_err(&staging))?;
        }
        std::fs::create_dir_all(&staging).map_err(io_err(&staging))?;
        std::fs::write(
            staging.join(MARKER),
            b"Built by bisk-docs; safe to delete.\n",
        )
        .map_err(io_err(&staging))?;
        Ok(StagedDir {
            final_dir: final_dir.to_path_buf(),
            staging,
            committed: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Creates the folders the site needs up front, so parallel writers never race on them.
    pub fn create_dirs<'a>(&self, rels: impl Iterator<Item = &'a str>) -> Result<(), OutputError> {
        for rel in rels {
            let dir = self.staging.join(rel);
            std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
        }
        Ok(())
    }

    /// Replaces the final folder with the staged one. The old site is moved aside first and
    /// deleted only once the new one is in place.
    pub fn commit(mut self) -> Result<(), OutputError> {
        let old = self.staging.with_file_name(format!(
            "{}.old",
            self.staging
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
        ));
        let had_old = self.final_dir.exists();
        if had_old {
            std::fs::rename(&self.final_dir, &old).map_err(io_err(&self.final_dir))?;
        }
        if let Err(e) = std::fs::rename(&self.staging, &self.final_dir) {
            if had_old {
                let _ = std::fs::rename(&old, &self.final_dir);
            }
            return Err(io_err(&self.final_dir)(e));
        }
        self.committed = true;
        if had_old {
            std::fs::remove_dir_all(&old).map_err(io_err(&old))?;
        }
        Ok(())
    }
}

impl Drop for StagedDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

impl Sink for StagedDir {
    fn write(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        std::fs::write(self.staging.join(rel), bytes)
    }

    fn copy_from(&self, rel: &str, src: &Path) -> io::Result<()> {
        std::fs::copy(src, self.staging.join(rel)).map(|_| ())
    }
}

/// Removes an output folder, but only one that bisk-docs made.
pub fn remove_site(out: &Path) -> Result<bool, OutputError> {
    if !out.exists() {
        return Ok(false);
    }
    if !out.join(MARKER).exists() {
        return Err(OutputError::NotOurs(out.to_path_buf()));
    }
    std::fs::remove_dir_all(out).map_err(io_err(out))?;
    Ok(true)
}
