//! The renderer's probe hook: parse a ```probe block into a declaration and emit its
//! static widget. The declarations are kept so `check` and `serve` run the same set.

use std::path::Path;

use crate::probe::decl::{self, ProbeDecl};
use crate::probe::widget;
use crate::render::ProbeFence;

pub fn hook<'a>(
    page: &'a Path,
    decls: &'a mut Vec<ProbeDecl>,
) -> impl FnMut(&ProbeFence) -> Result<String, String> + 'a {
    move |fence: &ProbeFence| {
        let parsed =
            decl::parse(fence.body, page, fence.line, fence.index).map_err(|e| e.to_string())?;
        let html = widget::render_static(&parsed);
        decls.push(parsed);
        Ok(html)
    }
}
