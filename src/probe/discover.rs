//! Finds every ```probe fence in a docs tree, in the renderer's document order, and
//! checks that ids are unique across the site.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

use super::decl::{self, ProbeDecl};
use crate::diag::{Diagnostic, LineIndex};

/// The Markdown options the site renderer uses, so both count the same probe fences (no
/// metadata-block options: with them a `---` rule pair could swallow a fence here but not
/// in the rendered page).
pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
}

/// Whether a fence's info string declares a probe (`probe`, optionally followed by more words).
pub fn is_probe_info(info: &str) -> bool {
    info.split_whitespace().next() == Some("probe")
}

/// A probe fence found in a page: its body and the line of the opening fence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fence {
    pub body: String,
    pub line: usize,
}

/// The probe fences of one Markdown text, in document order.
pub fn fences(markdown: &str) -> Vec<Fence> {
    let mut out = Vec::new();
    let mut current: Option<Fence> = None;
    let lines = LineIndex::new(markdown);
    for (event, range) in Parser::new_ext(markdown, markdown_options()).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) if is_probe_info(&info) => {
                current = Some(Fence {
                    body: String::new(),
                    line: lines.line_of(range.start),
                });
            }
            Event::Text(text) => {
                if let Some(f) = current.as_mut() {
                    f.body.push_str(&text);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some(f) = current.take() {
                    out.push(f);
                }
            }
            _ => {}
        }
    }
    out
}

/// Parses every probe of one page (`page` is the docs-relative path used in ids and errors).
pub fn page_probes(markdown: &str, page: &Path) -> (Vec<ProbeDecl>, Vec<Diagnostic>) {
    page_probes_in(markdown, page, None)
}

/// The variables probes are read with: the config and the run's target. `None` reads
/// bodies as written (`{{ name }}` stays text).
pub type VarsIn<'a> = Option<(&'a crate::config::Config, &'a str)>;

/// [`page_probes`] with `{{ name }}` taken from the target's variables.
pub fn page_probes_in(
    markdown: &str,
    page: &Path,
    vars: VarsIn,
) -> (Vec<ProbeDecl>, Vec<Diagnostic>) {
    let mut decls = Vec::new();
    let mut diags = Vec::new();
    for (i, f) in fences(markdown).into_iter().enumerate() {
        let parsed = match vars {
            Some((config, target)) => decl::parse_in(&f.body, page, f.line, i + 1, config, target),
            None => decl::parse(&f.body, page, f.line, i + 1),
        };
        match parsed {
            Ok(d) => decls.push(d),
            Err(e) => diags.push(e.to_diagnostic()),
        }
    }
    (decls, diags)
}

/// Reads every page of `docs_dir` (the site loader's pages: [`crate::content::load::page_files`],
/// sorted by path) and parses every probe. With `only` non-empty, just those pages (paths
/// relative to the docs folder, or as given on the command line) are checked, but ids stay
/// unique site-wide. Page paths in results are docs-relative.
pub fn discover(
    docs_dir: &Path,
    only: &[PathBuf],
    vars: VarsIn,
) -> Result<Vec<ProbeDecl>, Vec<Diagnostic>> {
    // The same pages as the site's: hidden files skipped, every page extension, symlinks
    // leaving the docs folder refused (an error naming the link), links inside followed.
    let (pages, mut diags) = crate::content::load::page_files(docs_dir).map_err(|d| vec![d])?;
    let pages: Vec<PathBuf> = pages.into_iter().map(|rel| docs_dir.join(rel)).collect();
    let wanted: Vec<PathBuf> = only.iter().map(|p| normalise(docs_dir, p)).collect();
    // A wanted path is a page or a folder of pages (`docs/backend` checks all of them).
    let is_wanted = |page: &Path| wanted.iter().any(|w| page == w || page.starts_with(w));
    for w in &wanted {
        if !pages.iter().any(|p| {
            let r = rel(docs_dir, p);
            r == *w || r.starts_with(w)
        }) {
            diags.push(Diagnostic::error(
                w.clone(),
                0,
                "no such page or folder in the docs folder",
            ));
        }
    }
    let mut all = Vec::new();
    for path in &pages {
        let page = rel(docs_dir, path);
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                diags.push(Diagnostic::error(page, 0, format!("cannot read: {e}")));
                continue;
            }
        };
        let (decls, mut d) = page_probes_in(&text, &page, vars);
        // Declaration errors elsewhere do not block a run of the chosen pages.
        if wanted.is_empty() || is_wanted(&page) {
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
    docs_dir: &Path,
    config: &crate::config::Config,
    target: &str,
) -> Vec<Diagnostic> {
    let scope = config.scope(target);
    let Ok((pages, _)) = crate::content::load::page_files(docs_dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for rel in pages {
        let Ok(text) = std::fs::read_to_string(docs_dir.join(&rel)) else {
            continue;
        };
        if !text.contains("{{") {
            continue;
        }
        let lines = LineIndex::new(&text);
        for r in crate::vars::refs(&text).into_iter().filter(|r| !r.escaped) {
            if let Some(crate::vars::VarDef::Unset(about)) = scope.get(r.name) {
                let p = crate::vars::unset_problem(r.start, r.name, about, target);
                out.push(p.to_diagnostic(
                    crate::content::load::docs_display(docs_dir, &rel),
                    lines.line_of(r.start),
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

fn rel(docs_dir: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(docs_dir).unwrap_or(path).to_path_buf()
}

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
        let f = fences(md);
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
        let e = discover(dir.path(), &[], None).unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].line, 2);
        assert!(e[0].message.contains("a.md:1"), "{}", e[0]);
        let e = discover(dir.path(), &[PathBuf::from("a.md")], None).unwrap_err();
        assert_eq!(e.len(), 1);
    }
}
