//! The renderer's probe hook: parse a ```probe block into a declaration and emit its
//! widget: the static "not checked" one, or one with a build-time result embedded
//! (`build --snapshot`). The declarations are kept so `check` and `serve` run the same set.

use std::collections::HashMap;
use std::path::Path;

use crate::config::Config;
use crate::probe::decl::{self, ProbeDecl};
use crate::probe::result::ProbeResult;
use crate::probe::widget;
use crate::render::ProbeFence;

/// Build-time probe results by probe id.
pub type Snapshot = HashMap<String, ProbeResult>;

pub fn hook<'a>(
    page: &'a Path,
    config: &'a Config,
    snapshot: Option<&'a Snapshot>,
    decls: &'a mut Vec<ProbeDecl>,
) -> impl FnMut(&ProbeFence) -> Result<String, String> + 'a {
    move |fence: &ProbeFence| {
        let parsed = decl::parse(fence.body, page, fence.line, fence.index + 1)
            .and_then(|d| decl::check_config(&d, config).map(|()| d))
            .map_err(|e| e.to_string())?;
        let html = match snapshot.and_then(|s| s.get(&parsed.id)) {
            Some(result) => widget::render_snapshot_in(&parsed, result, config),
            None => widget::render_static_in(&parsed, config),
        };
        decls.push(parsed);
        Ok(html)
    }
}
