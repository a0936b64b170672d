//! Theme errors, and turning tera's error chains into messages that name the file and line.

use std::error::Error as _;
use std::path::PathBuf;

use super::files::TemplateFile;

/// Why a theme could not be loaded or a page not rendered; messages name the file.
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("theme folder {} does not exist or is not a folder", .path.display())]
    MissingDir { path: PathBuf },

    #[error("theme folder {} has neither a templates/ nor a static/ folder", .path.display())]
    EmptyDir { path: PathBuf },

    #[error("cannot read {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{}: template is not valid UTF-8", .path.display())]
    NotUtf8 { path: PathBuf },

    /// A template that does not parse, or whose inheritance is broken.
    #[error("{}{}: {message}", .file, .line.map(|l| format!(":{l}")).unwrap_or_default())]
    Template {
        /// Where the template came from (a path in the override folder, or the built-in theme).
        file: String,
        line: Option<usize>,
        message: String,
    },

    #[error("rendering template {template}: {message}")]
    Render { template: String, message: String },
}

/// Maps a tera error raised while adding templates to the file it concerns.
pub(super) fn template_error(err: &tera::Error, templates: &[TemplateFile]) -> ThemeError {
    let message = flatten(err);
    // Tera names the template in its outer message ("Failed to parse 'page.html'") and
    // puts pest's position (" --> 12:5") in the source.
    let named = templates
        .iter()
        .find(|t| err.to_string().contains(&format!("'{}'", t.name)));
    let line = message
        .split("--> ")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .and_then(|l| l.trim().parse().ok());
    ThemeError::Template {
        file: named
            .map(|t| t.origin.clone())
            .unwrap_or_else(|| "theme".to_string()),
        line,
        message,
    }
}

pub(super) fn render_error(template: &str, err: &tera::Error) -> ThemeError {
    ThemeError::Render {
        template: template.to_string(),
        message: flatten(err),
    }
}

/// The error and all its sources in one line-oriented message.
fn flatten(err: &tera::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    parts.join(": ")
}
