//! The site's look: tera templates plus static assets (CSS, JS).
//!
//! The default theme is compiled into the binary so an installed `bisk-docs` works anywhere;
//! a theme folder given in the config overrides single files of it by relative path
//! (`templates/page.html`, `static/style.css`), everything else stays default.

mod chip;
mod context;
mod error;
mod files;
mod nav;
mod script;
mod when;

use std::borrow::Cow;
use std::path::Path;

pub use chip::Chip;
pub use context::{Chrome, NavLink, NotFoundContext, PageContext, SnapshotTaken, TocEntry};
pub use error::ThemeError;
pub use nav::{NavNode, health_js, nav_js, snapshot_js};
pub use script::{escape_json_for_script, escape_json_for_script_into, script_safe_json};
pub use when::{When, ago};

use files::ThemeFiles;

/// Template that renders every Markdown page.
const PAGE_TEMPLATE: &str = "page.html";
/// Template of a probe widget (see [`crate::probe::show::widget`]).
const PROBE_TEMPLATE: &str = "probe.html";
/// Template of the not-found page.
const NOT_FOUND_TEMPLATE: &str = "404.html";

/// A loaded theme: parsed templates and the merged static files. Immutable once loaded, so
/// one instance is shared by all rendering threads.
pub struct Theme {
    tera: tera::Tera,
    statics: Vec<(String, Cow<'static, [u8]>)>,
}

impl Theme {
    /// Loads the embedded default theme, with the files of `override_dir` (if any) replacing
    /// the default ones of the same relative path.
    pub fn load(override_dir: Option<&Path>) -> Result<Theme, ThemeError> {
        let files = ThemeFiles::load(override_dir)?;
        let mut tera = tera::Tera::default();
        // Tera's default escaper also rewrites `/`, which bloats every URL in the output
        // for no safety gain in attribute values that are always quoted.
        tera.set_escape_fn(crate::render::escape::escape);
        // `{{ hint.text | code_spans | safe }}`: hint texts write commands in backticks.
        tera.register_filter(
            "code_spans",
            |v: &tera::Value, _: &std::collections::HashMap<String, tera::Value>| {
                let text = v
                    .as_str()
                    .ok_or_else(|| tera::Error::msg("code_spans needs text"))?;
                Ok(tera::Value::String(
                    crate::render::escape::escape_code_spans(text),
                ))
            },
        );
        tera.add_raw_templates(
            files
                .templates
                .iter()
                .map(|t| (t.name.as_str(), t.text.as_str())),
        )
        .map_err(|e| error::template_error(&e, &files.templates))?;
        Ok(Theme {
            tera,
            statics: files.statics,
        })
    }

    /// Renders one documentation page.
    pub fn render_page(&self, ctx: &PageContext) -> Result<String, ThemeError> {
        self.render(PAGE_TEMPLATE, ctx)
    }

    /// Renders one of the theme's other pages (`status.html`, `runs.html`,
    /// `walkthrough.html`, …) with its context; every HTML page of the site, the server's
    /// own included, goes through a template so a theme reaches it.
    pub fn render_template<T: serde::Serialize>(
        &self,
        template: &str,
        ctx: &T,
    ) -> Result<String, ThemeError> {
        self.render(template, ctx)
    }

    /// Renders one probe widget (the context is built by [`crate::probe::show::widget`]).
    pub fn render_probe<T: serde::Serialize>(&self, ctx: &T) -> Result<String, ThemeError> {
        self.render(PROBE_TEMPLATE, ctx)
    }

    /// Renders the not-found page.
    pub fn render_404(&self, ctx: &NotFoundContext) -> Result<String, ThemeError> {
        self.render(NOT_FOUND_TEMPLATE, ctx)
    }

    /// Static assets, default merged with overrides, as paths relative to `static/`
    /// (e.g. `style.css`); the site writes them under `_static/`. Sorted by path.
    pub fn static_files(&self) -> Vec<(String, Cow<'_, [u8]>)> {
        self.statics
            .iter()
            .map(|(path, bytes)| (path.clone(), Cow::Borrowed(bytes.as_ref())))
            .collect()
    }

    fn render<T: serde::Serialize>(&self, template: &str, ctx: &T) -> Result<String, ThemeError> {
        let context =
            tera::Context::from_serialize(ctx).map_err(|e| error::render_error(template, &e))?;
        self.tera
            .render(template, &context)
            .map_err(|e| error::render_error(template, &e))
    }
}
