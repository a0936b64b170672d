//! Collecting a theme's files: the embedded default, overlaid by a theme folder.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use include_dir::{Dir, include_dir};

use super::ThemeError;

static DEFAULT_THEME: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/themes/default");

/// One template with the name tera knows it by and where it came from (for errors).
pub(super) struct TemplateFile {
    pub name: String,
    pub origin: String,
    pub text: String,
}

pub(super) struct ThemeFiles {
    pub templates: Vec<TemplateFile>,
    pub statics: Vec<(String, Cow<'static, [u8]>)>,
}

impl ThemeFiles {
    pub(super) fn load(override_dir: Option<&Path>) -> Result<ThemeFiles, ThemeError> {
        let mut templates: BTreeMap<String, TemplateFile> = BTreeMap::new();
        let mut statics: BTreeMap<String, Cow<'static, [u8]>> = BTreeMap::new();

        for (rel, bytes) in embedded_files(&DEFAULT_THEME) {
            if let Some(name) = rel.strip_prefix("templates/") {
                let text = std::str::from_utf8(bytes).map_err(|_| ThemeError::NotUtf8 {
                    path: Path::new("themes/default").join(&rel),
                })?;
                templates.insert(
                    name.to_string(),
                    TemplateFile {
                        name: name.to_string(),
                        origin: format!("themes/default/{rel} (built-in theme)"),
                        text: text.to_string(),
                    },
                );
            } else if let Some(name) = rel.strip_prefix("static/") {
                statics.insert(name.to_string(), Cow::Borrowed(bytes));
            }
        }

        if let Some(dir) = override_dir {
            if !dir.is_dir() {
                return Err(ThemeError::MissingDir {
                    path: dir.to_path_buf(),
                });
            }
            let tpl_dir = dir.join("templates");
            let static_dir = dir.join("static");
            if !tpl_dir.is_dir() && !static_dir.is_dir() {
                return Err(ThemeError::EmptyDir {
                    path: dir.to_path_buf(),
                });
            }
            for (name, path) in folder_files(&tpl_dir)? {
                let bytes = std::fs::read(&path).map_err(|source| ThemeError::Io {
                    path: path.clone(),
                    source,
                })?;
                let text = String::from_utf8(bytes)
                    .map_err(|_| ThemeError::NotUtf8 { path: path.clone() })?;
                templates.insert(
                    name.clone(),
                    TemplateFile {
                        name,
                        origin: path.display().to_string(),
                        text,
                    },
                );
            }
            for (name, path) in folder_files(&static_dir)? {
                let bytes = std::fs::read(&path).map_err(|source| ThemeError::Io {
                    path: path.clone(),
                    source,
                })?;
                statics.insert(name, Cow::Owned(bytes));
            }
        }

        Ok(ThemeFiles {
            templates: templates.into_values().collect(),
            statics: statics.into_iter().collect(),
        })
    }
}

/// All files of an embedded folder as (`/`-separated relative path, contents).
fn embedded_files(dir: &'static Dir<'static>) -> Vec<(String, &'static [u8])> {
    let mut out = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for file in d.files() {
            out.push((
                crate::content::paths::to_slash(file.path()),
                file.contents(),
            ));
        }
        stack.extend(d.dirs());
    }
    out
}

/// Regular files under `dir` (missing dir → none) as (`/`-separated relative path, path).
/// Hidden files (editor swap files, `.DS_Store`) are skipped.
fn folder_files(dir: &Path) -> Result<Vec<(String, std::path::PathBuf)>, ThemeError> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
    {
        let entry = entry.map_err(|e| ThemeError::Io {
            path: e.path().unwrap_or(dir).to_path_buf(),
            source: e
                .into_io_error()
                .unwrap_or_else(|| std::io::Error::other("symlink loop")),
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(dir)
            .map(crate::content::paths::to_slash)
            .unwrap_or_default();
        out.push((rel, entry.path().to_path_buf()));
    }
    Ok(out)
}
