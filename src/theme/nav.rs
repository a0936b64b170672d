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
