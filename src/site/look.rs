//! What the pages that are not guides (the server's `/status/`, `/runs/`, walkthroughs and
//! run reports) need of the site to look and behave like its guides: the theme that renders
//! them, the site's title and the renderer's settings. `serve` publishes a new one whenever
//! the theme or the config is reloaded, so a theme override reaches these pages too.

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use crate::config::Config;
use crate::probe::decl::ProbeDecl;
use crate::probe::show::widget;
use crate::render::{self, ProbeFence, RenderInput};
use crate::theme::{Chrome, Theme, ThemeError};

/// The generator line every page carries.
pub const GENERATOR: &str = concat!("bisk-docs ", env!("CARGO_PKG_VERSION"));

/// A page rendered for a template: its context under `page`, the chrome flattened beside it.
#[derive(Serialize)]
struct Framed<'a, T: Serialize> {
    #[serde(flatten)]
    chrome: &'a Chrome,
    #[serde(flatten)]
    page: &'a T,
}

/// A piece of a guide rendered for another page (see [`SiteLook::render_fragment`]).
pub struct Fragment<'a> {
    /// The guide's docs-relative path.
    pub guide: &'a Path,
    pub markdown: &'a str,
    /// Lines of the guide before the fragment.
    pub line_offset: usize,
    /// From the page showing the fragment to the guide's folder (`../../ops/`).
    pub link_base: &'a str,
    /// The ids of the fragment's probe fences, in order.
    pub probe_ids: &'a [String],
    /// The guide's probe declarations.
    pub decls: &'a [ProbeDecl],
}

/// The site's look, shared by the handlers that render pages on request.
#[derive(Clone)]
pub struct SiteLook {
    pub theme: Arc<Theme>,
    pub config: Arc<Config>,
    /// The target whose values the site's pages show (the reader's, under `serve`).
    pub target: String,
    /// The target of readers who chose none.
    pub default_target: String,
    /// Pages are rendered by `serve` (header links to Status and Runs, live reload).
    pub serve: bool,
}

impl SiteLook {
    /// The look of the site at `root` with `config` (its theme folder, if any), for pages
    /// rendered without a loaded site (the runbook routes mounted on their own).
    pub fn load(
        root: &Path,
        config: Config,
        serve: bool,
    ) -> Result<SiteLook, Vec<crate::diag::Diagnostic>> {
        Ok(SiteLook {
            theme: super::load_theme(root, &config)?,
            config: Arc::new(config),
            target: "default".into(),
            default_target: "default".into(),
            serve,
        })
    }

    /// The chrome of a page titled `title` at `depth` folders below the root (`/runs/ID/`
    /// is 2), marking `current` (a root-relative output URL) in the sidebar.
    pub fn chrome(&self, title: &str, depth: usize, current: &str) -> Chrome {
        Chrome {
            site_title: self.config.title.clone(),
            title: title.to_string(),
            description: None,
            root: "../".repeat(depth),
            page_url: current.to_string(),
            generator: GENERATOR.to_string(),
            live_reload: self.serve,
            serve: self.serve,
            probe_api: None,
            target: self.target.clone(),
            targets: if self.serve {
                self.config.target_names()
            } else {
                Vec::new()
            },
            default_target: self.default_target.clone(),
            target_place: if self.serve {
                super::target_place(&self.config, &self.target)
            } else {
                String::new()
            },
        }
    }

    /// Renders `template` with the chrome and the page's own context side by side (the
    /// page's fields must not reuse the chrome's names).
    pub fn render<T: Serialize>(
        &self,
        template: &str,
        chrome: &Chrome,
        page: &T,
    ) -> Result<String, ThemeError> {
        self.theme
            .render_template(template, &Framed { chrome, page })
    }

    /// A guide's Markdown fragment (a runbook step) rendered by the guides' pipeline for a
    /// page elsewhere: `link_base` leads from that page to the guide's folder. Probe fences
    /// become the guide page's widgets: the `n`th fence of the fragment is `probe_ids[n]`,
    /// declared in `decls`. `{{ name }}` shows `target`'s values. Problems are the guide
    /// page's to report, so they are dropped.
    pub fn render_fragment(&self, target: &str, f: &Fragment) -> String {
        let (probe_ids, decls) = (f.probe_ids, f.decls);
        let input = RenderInput {
            source: f.markdown,
            line_offset: f.line_offset,
            src_path: f.guide,
            highlight: true,
            highlighter: self.config.render.highlighter,
            link_base: Some(f.link_base),
        };
        let config = &self.config;
        let mut hook = |fence: &ProbeFence| -> Result<String, String> {
            let id = probe_ids
                .get(fence.index)
                .ok_or_else(|| "this probe is not part of the run".to_string())?;
            let decl = decls
                .iter()
                .find(|d| &d.id == id)
                .ok_or_else(|| format!("probe {id:?} is not declared in the guide any more"))?;
            widget::render_static_in(&self.theme, decl, config).map_err(|e| e.to_string())
        };
        let scope = self.config.scope(target);
        render::render_markdown_in(&input, Some(scope), &mut hook).html
    }
}
