//! The data a theme template sees. Field names are the template variables.

use serde::Serialize;

/// A link in the page chrome (breadcrumbs, prev/next, a section's child list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NavLink {
    pub title: String,
    /// Relative to the page being rendered.
    pub url: String,
}

/// One entry of the per-page table of contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TocEntry {
    /// 2 or 3.
    pub level: u8,
    /// Heading id, the fragment to link to.
    pub id: String,
    pub text: String,
}

/// Everything `page.html` renders.
#[derive(Debug, Clone, Serialize)]
pub struct PageContext {
    pub site_title: String,
    pub title: String,
    pub description: Option<String>,
    /// Front matter keys bisk-docs does not know and the `extra` table's entries, as
    /// written (`{{ extra.icon }}`); dates are strings.
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// Rendered page HTML, inserted unescaped.
    pub content: String,
    pub toc: Vec<TocEntry>,
    pub breadcrumbs: Vec<NavLink>,
    pub prev: Option<NavLink>,
    pub next: Option<NavLink>,
    /// Relative prefix from this page to the site root: `""`, `"../"`, …
    pub root: String,
    /// This page's output path from the root, e.g. `ops/REDIS_CACHE.html`.
    pub page_url: String,
    pub section: Option<String>,
    pub is_home: bool,
    /// Pages of this folder, for section index pages (navigation without JS).
    pub children: Vec<NavLink>,
    /// Docs-relative source path, shown in the footer.
    pub edit_path: String,
    pub generator: String,
    pub live_reload: bool,
    /// Served by `serve` (not a static build): the header links to Status and Runs.
    pub serve: bool,
    /// Base URL of the probe API, emitted as `<meta name="bisk-probe-api">` when set.
    pub probe_api: Option<String>,
    /// Under `serve`, where this guide's browser walkthrough starts (pages with probes).
    pub walkthrough_url: Option<String>,
    /// The target whose `[vars]` values the page shows.
    pub target: String,
    /// Under `serve`, every target of the config (`default` first) for the header's
    /// switcher; empty in a static build. The switcher shows only with two or more.
    pub targets: Vec<String>,
    /// In a `build --snapshot` site: when the probes were run, for the banner every page
    /// carries (its results are that old, however current they look).
    pub snapshot: Option<SnapshotTaken>,
    /// The target of readers who chose none: a page on another shows a banner saying so.
    pub default_target: String,
    /// Where `target`'s probes go, safe to show (passwords hidden), for that banner.
    pub target_place: String,
}

/// When a `build --snapshot` ran its probes: `<time datetime="{{ iso }}">{{ text }}</time>`,
/// the age added by the page's script (and the absolute time kept without one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnapshotTaken {
    /// RFC 3339, UTC.
    pub iso: String,
    /// `2026-12-07 18:02 UTC`.
    pub text: String,
    /// The target the probes ran against.
    pub target: String,
}

impl SnapshotTaken {
    pub fn at(t: jiff::Timestamp, target: &str) -> SnapshotTaken {
        SnapshotTaken {
            iso: t.to_string(),
            text: t.strftime("%Y-%m-%d %H:%M UTC").to_string(),
            target: target.to_string(),
        }
    }
}

/// Everything `404.html` renders.
#[derive(Debug, Clone, Serialize)]
pub struct NotFoundContext {
    pub site_title: String,
    /// Prefix to the site root. The 404 page is served at arbitrary depths, so this is only
    /// right when it is absolute (derived from a configured base URL); with `""` the page
    /// is self-contained and finds its way home with a script.
    pub root: String,
}

/// What `base.html` needs around any page that is not a guide (the server's status, runs
/// and walkthrough pages, the run report): flattened into each of those pages' contexts,
/// so every template sees the same variable names as `page.html` does.
#[derive(Debug, Clone, Serialize)]
pub struct Chrome {
    pub site_title: String,
    /// The page's title (the `<title>` and its `<h1>`).
    pub title: String,
    pub description: Option<String>,
    /// Relative prefix from this page to the site root, e.g. `../../` for `/runs/ID/`.
    pub root: String,
    /// Root-relative URL the sidebar marks as current (a walkthrough marks its guide).
    pub page_url: String,
    pub generator: String,
    pub live_reload: bool,
    pub serve: bool,
    pub probe_api: Option<String>,
    /// The target whose values the site shows, and (under `serve`) every target, for the
    /// header's switcher, as on the guide pages.
    pub target: String,
    pub targets: Vec<String>,
    pub default_target: String,
    pub target_place: String,
}
