//! The declaration part of the page index: a page's probes made from its document's
//! probe fences (one function, [`fence_decls`]), the site's probes gathered from the
//! [`Index`], and the site-wide rules on them (unique ids, names the config must know).
//! Nothing here reads the disk or parses Markdown: the index did both, once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::decl::{self, DeclError, ProbeDecl};
use crate::content::index::Index;
use crate::diag::Diagnostic;

pub use crate::content::document::Fence;
pub use crate::content::markdown::is_probe_info;

/// The variables probes are read with: the config and the run's target. `None` reads
/// bodies as written (`{{ name }}` stays text).
pub type VarsIn<'a> = Option<(&'a crate::config::Config, &'a str)>;

/// The declarations of one page's probe fences, one result per fence, in order: THE place
/// a fence becomes a declaration (`build`, `serve`, `check`, `build --snapshot` and the
/// runbook all come through here). `page` is the docs-relative path used in ids and errors.
pub fn fence_decls(
    fences: &[Fence],
    page: &Path,
    vars: VarsIn,
) -> Vec<Result<ProbeDecl, DeclError>> {
    fences
        .iter()
        .map(|f| match vars {
            Some((config, target)) => {
                decl::parse_in(&f.body, page, f.line, f.index + 1, config, target)
            }
            None => decl::parse(&f.body, page, f.line, f.index + 1),
        })
        .collect()
}

/// [`fence_decls`] split into the declarations and the problems.
pub fn page_decls(
    fences: &[Fence],
    page: &Path,
    vars: VarsIn,
) -> (Vec<ProbeDecl>, Vec<Diagnostic>) {
    let mut decls = Vec::new();
    let mut diags = Vec::new();
    for parsed in fence_decls(fences, page, vars) {
        match parsed {
            Ok(d) => decls.push(d),
            Err(e) => diags.push(e.to_diagnostic()),
        }
    }
    (decls, diags)
}

/// Parses every probe of one Markdown text (`page` is the docs-relative path used in ids
/// and errors). For text outside a docs folder (tests, fixtures): pages in the index
/// already have their document.
pub fn page_probes(markdown: &str, page: &Path) -> (Vec<ProbeDecl>, Vec<Diagnostic>) {
    page_probes_in(markdown, page, None)
}

/// [`page_probes`] with `{{ name }}` taken from the target's variables.
pub fn page_probes_in(
    markdown: &str,
    page: &Path,
    vars: VarsIn,
) -> (Vec<ProbeDecl>, Vec<Diagnostic>) {
    let doc = crate::content::document::Document::parse(markdown, 0, 0);
    page_decls(&doc.fences, page, vars)
}

/// Every probe of the index's pages (in path order), read with `vars`. With `only`
/// non-empty, just those pages (paths relative to the docs folder, or as given on the
/// command line; a folder means its pages) are returned, but ids stay unique site-wide.
/// Page paths in results are docs-relative.
pub fn discover(
    index: &Index,
    only: &[PathBuf],
    vars: VarsIn,
) -> Result<Vec<ProbeDecl>, Vec<Diagnostic>> {
    let docs_dir = &index.docs_dir;
    let pages = index.authored();
    let wanted: Vec<PathBuf> = only.iter().map(|p| normalise(docs_dir, p)).collect();
    // A wanted path is a page or a folder of pages (`docs/backend` checks all of them).
    let is_wanted = |page: &Path| wanted.iter().any(|w| page == w || page.starts_with(w));
    let mut diags: Vec<Diagnostic> = index
        .diagnostics
        .iter()
        .filter(|d| {
            wanted.is_empty() || wanted.iter().any(|w| d.file.starts_with(docs_dir.join(w)))
        })
        .cloned()
        .collect();
    for w in &wanted {
        if !pages
            .iter()
            .any(|p| p.src_rel == *w || p.src_rel.starts_with(w))
        {
            diags.push(Diagnostic::error(
                w.clone(),
                0,
                "no such page or folder in the docs folder",
            ));
        }
    }
    let mut all = Vec::new();
    for page in pages {
        let (decls, mut d) = page_decls(&page.doc.fences, &page.src_rel, vars);
        // Declaration errors elsewhere do not block a run of the chosen pages.
        if wanted.is_empty() || is_wanted(&page.src_rel) {
            diags.append(&mut d);
        }
        all.extend(decls);
    }
    diags.extend(duplicate_ids(&all, Path::to_path_buf));
    if diags.iter().any(Diagnostic::is_error) {
        return Err(diags);
    }
    if !wanted.is_empty() {
        all.retain(|d| is_wanted(&d.page));
    }
    Ok(all)
}

/// Every use of a variable that has no value for `target`, in every page, as a warning at
/// its file:line (`check` lists them; `build` finds them while rendering).
pub fn unset_values(
    index: &Index,
    config: &crate::config::Config,
    target: &str,
) -> Vec<Diagnostic> {
    let scope = config.scope(target);
    let mut out = Vec::new();
    for page in index.authored() {
        for r in &page.doc.vars {
            if let Some(crate::vars::VarDef::Unset(about)) = scope.get(&r.name) {
                let p = crate::vars::unset_problem(r.start, &r.name, about, target);
                out.push(p.to_diagnostic(
                    crate::content::load::docs_display(&index.docs_dir, &page.src_rel),
                    r.line,
                ));
            }
        }
    }
    out
}

/// Declaration errors only the config can reveal (an unknown `[commands.NAME]` or
/// `[targets.NAME]`), one per probe, at the line of the offending key.
pub fn config_errors(decls: &[ProbeDecl], config: &crate::config::Config) -> Vec<Diagnostic> {
    decls
        .iter()
        .filter_map(|d| decl::check_config(d, config).err())
        .map(|e| e.to_diagnostic())
        .collect()
}

/// One error per repeated id, at the later declaration, naming the first. `display` turns
/// a declaration's docs-relative page into the path shown (the site prefixes the docs
/// folder). The one duplicate-id rule: the site and `check` both call it.
pub fn duplicate_ids<'a>(
    decls: impl IntoIterator<Item = &'a ProbeDecl>,
    display: impl Fn(&Path) -> PathBuf,
) -> Vec<Diagnostic> {
    let mut seen: HashMap<&str, &ProbeDecl> = HashMap::new();
    let mut out = Vec::new();
    for d in decls {
        if let Some(first) = seen.get(d.id.as_str()) {
            out.push(Diagnostic::error(
                display(&d.page),
                d.line,
                format!(
                    "{DUPLICATE_ID} `{}` (first declared at {}:{})",
                    d.id,
                    display(&first.page).display(),
                    first.line
                ),
            ));
        } else {
            seen.insert(&d.id, d);
        }
    }
    out
}

/// How every duplicate-id message starts (the site recomputes those on a page edit).
pub const DUPLICATE_ID: &str = "duplicate probe id";

/// A page argument as docs-relative: accepts `ops/X.md`, `docs/ops/X.md` or an absolute path.
fn normalise(docs_dir: &Path, p: &Path) -> PathBuf {
    if let Ok(r) = p.strip_prefix(docs_dir) {
        return r.to_path_buf();
    }
    if let (Ok(abs), Ok(docs)) = (p.canonicalize(), docs_dir.canonicalize())
        && let Ok(r) = abs.strip_prefix(&docs)
    {
        return r.to_path_buf();
    }
    p.to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_only_probe_fences_with_lines() {
        let md = "# T\n\n```bash\nredis-cli PING\n```\n\n```probe\ncheck = \"redis.ping\"\n```\n\n> ```probe\n> check = \"redis.info\"\n> ```\n";
        let f = crate::content::document::Document::parse(md, 0, 0).fences;
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].line, 7);
        assert_eq!(f[0].body, "check = \"redis.ping\"\n");
        assert_eq!(f[1].line, 11);
        let (d, e) = page_probes(md, Path::new("ops/A.md"));
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(d[1].id, "ops-a-2");
    }

    #[test]
    fn errors_carry_page_lines() {
        let md =
            "text\n\n```probe\ncheck = \"cache.key\"\nkey = \"ping\"\nexpect = \"maybe\"\n```\n";
        let (_, e) = page_probes(md, Path::new("ops/A.md"));
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].line, 6, "{}", e[0]);
    }

    #[test]
    fn duplicates_across_pages() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("ops")).unwrap();
        std::fs::write(
            dir.path().join("a.md"),
            "```probe\ncheck = \"redis.ping\"\nid = \"x\"\n```\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("ops/b.md"),
            "\n```probe\ncheck = \"redis.ping\"\nid = \"x\"\n```\n",
        )
        .unwrap();
        let index = Index::load(dir.path());
        let e = discover(&index, &[], None).unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].line, 2);
        assert!(e[0].message.contains("a.md:1"), "{}", e[0]);
        let e = discover(&index, &[PathBuf::from("a.md")], None).unwrap_err();
        assert_eq!(e.len(), 1);
    }
}
