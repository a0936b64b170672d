//! The site-wide navigation tree, written once to `_static/nav.js` and turned into the
//! sidebar by the theme's script, instead of being copied into every page.

use serde::Serialize;

use super::script::script_safe_json;

/// One node of the navigation tree: a page, a folder, or both (a folder with an index page).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NavNode {
    pub title: String,
    /// Root-relative output URL, e.g. `ops/index.html`; `None` for a folder without an index.
    pub url: Option<String>,
    pub children: Vec<NavNode>,
}

/// The text of `_static/nav.js`: `window.BISK_NAV = {...};`.
pub fn nav_js(tree: &NavNode) -> String {
    format!("window.BISK_NAV = {};\n", script_safe_json(tree))
}

/// The line `nav.js` gets in a `build --snapshot` site: each guide's health at build time,
/// which the sidebar marks with a dot (`_static/health.js`).
pub fn health_js(
    health: &std::collections::BTreeMap<String, crate::probe::show::health::PageHealth>,
) -> String {
    format!("window.BISK_HEALTH = {};\n", script_safe_json(health))
}

/// The line `nav.js` gets in a `build --snapshot` site: when its probes ran, so the sidebar
/// shows the dots as of then (grey, with their age) rather than as current.
pub fn snapshot_js(taken: &super::context::SnapshotTaken) -> String {
    format!("window.BISK_SNAPSHOT = {};\n", script_safe_json(taken))
}
