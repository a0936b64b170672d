//! Splits a guide into the steps of a walkthrough.
//!
//! Steps are the page's H2 sections by default; front matter `steps = "h3"` makes them the
//! H3 sections, `steps = "list"` the items of its top-level numbered lists. A step keeps its
//! Markdown source (for the terminal and the browser), its code blocks (shown to be copied,
//! never run) and the probes declared inside it.

use std::ops::Range;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::RunbookError;
use crate::content::Page;
use crate::content::document::Outline;
use crate::content::frontmatter::StepStyle;
use crate::content::index::Index;
use crate::diag::line_of;
use crate::probe::ProbeDecl;
use crate::probe::declare::discover;

/// A command block of a step, for the operator to copy. bisk-docs never runs it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CodeBlock {
    /// The fence's language word (`bash`, `console`, …); empty when none.
    pub lang: String,
    pub code: String,
}

/// One step of a guide.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Step {
    /// 1-based position in the walkthrough.
    pub number: usize,
    /// The heading's id (`{#id}` or its slug); `step-N` for list items.
    pub id: String,
    pub title: String,
    /// The step's Markdown, heading or list marker included.
    pub markdown: String,
    /// 1-based lines of the page the step spans.
    pub first_line: usize,
    pub last_line: usize,
    pub code: Vec<CodeBlock>,
    /// The text of the step's task-list items (`- [ ] …`), in document order: what a tick
    /// in the walkthrough records.
    pub tasks: Vec<String>,
    /// Ids of the probes declared inside the step, in order.
    pub probes: Vec<String>,
}

/// A guide ready to be walked.
#[derive(Debug, Clone)]
pub struct Guide {
    /// Docs-relative path with `/` separators (`ops/DEPLOY_CHECKLIST.md`).
    pub page: String,
    pub title: String,
    /// sha256 of the file's bytes, hex.
    pub sha256: String,
    pub style: StepStyle,
    pub steps: Vec<Step>,
    /// Every probe of the page (site-wide ids), in document order.
    pub probes: Vec<ProbeDecl>,
}

impl Guide {
    /// Loads `page` (docs-relative, or a path under the docs folder) from `docs_dir`.
    /// Only Markdown files inside the docs folder can be walked.
    pub fn load(docs_dir: &Path, page: &Path) -> Result<Guide, RunbookError> {
        Guide::load_in(docs_dir, page, None)
    }

    /// [`Guide::load`] reading probe bodies with a target's variables (the runner resolves
    /// them again for the target a run uses). Walks and parses the docs folder (ids must be
    /// unique site-wide); a server holding the [`Index`] calls [`Guide::from_index`].
    pub fn load_in(
        docs_dir: &Path,
        page: &Path,
        vars: discover::VarsIn,
    ) -> Result<Guide, RunbookError> {
        let rel = docs_relative(docs_dir, page)?;
        Guide::from_index(&Index::load(docs_dir), &rel, vars)
    }

    /// The guide at `page` (docs-relative, or a path under the docs folder) from a loaded
    /// index: nothing is read or parsed.
    pub fn from_index(
        index: &Index,
        page: &Path,
        vars: discover::VarsIn,
    ) -> Result<Guide, RunbookError> {
        let found = match index.page(page) {
            Some(p) => p,
            None => {
                // Not a page's docs-relative path as given: the same path rules as from
                // the disk (a path under the docs folder, a link inside it), then the index.
                let rel = docs_relative(&index.docs_dir, page)?;
                index.page(&rel).ok_or_else(|| RunbookError::Guide {
                    path: crate::content::load::docs_display(&index.docs_dir, &rel),
                    line: 0,
                    message: index
                        .diagnostics
                        .iter()
                        .find(|d| d.file == index.docs_dir.join(&rel))
                        .map(|d| d.message.clone())
                        .unwrap_or_else(|| "the page could not be read".into()),
                })?
            }
        };
        let rel = found.src_rel.clone();
        let probes =
            discover::discover(index, std::slice::from_ref(&rel), vars).map_err(|diags| {
                let first = diags.iter().find(|d| d.is_error()).or(diags.first());
                RunbookError::Guide {
                    path: first.map(|d| d.file.clone()).unwrap_or(rel.clone()),
                    line: first.map(|d| d.line).unwrap_or(0),
                    message: first
                        .map(|d| d.message.clone())
                        .unwrap_or_else(|| "invalid probe declarations".into()),
                }
            })?;
        Guide::from_page(found, probes)
    }

    /// [`Guide::from_index`] read with `target`'s values (what a run on that target shows),
    /// refused when its probes name commands or targets the config lacks: the guide a
    /// walkthrough starts from.
    pub fn from_index_checked(
        index: &Index,
        page: &Path,
        config: &crate::config::Config,
        target: &str,
    ) -> Result<Guide, RunbookError> {
        let guide = Guide::from_index(index, page, Some((config, target)))?;
        guide.checked(config)
    }

    /// The guide, or the first of its probes' references to a command or target the
    /// config lacks.
    pub fn checked(self, config: &crate::config::Config) -> Result<Guide, RunbookError> {
        if let Some(d) = discover::config_errors(&self.probes, config)
            .into_iter()
            .next()
        {
            return Err(RunbookError::Guide {
                path: d.file,
                line: d.line,
                message: d.message,
            });
        }
        Ok(self)
    }

    /// Every guide of the index that can be walked (pages declaring probes, read with the
    /// default target's values, whose probes the config can run), in page order. One pass
    /// over the index: `serve`'s `/runs/` lists these.
    pub fn walkable(index: &Index, config: &crate::config::Config) -> Vec<Guide> {
        let Ok(decls) = discover::discover(index, &[], Some((config, "default"))) else {
            return Vec::new();
        };
        let mut by_page: Vec<(PathBuf, Vec<ProbeDecl>)> = Vec::new();
        for d in decls {
            match by_page.last_mut() {
                Some((page, list)) if *page == d.page => list.push(d),
                _ => by_page.push((d.page.clone(), vec![d])),
            }
        }
        by_page
            .into_iter()
            .filter_map(|(rel, decls)| {
                let page = index.page(&rel)?;
                Guide::from_page(page, decls).ok()?.checked(config).ok()
            })
            .collect()
    }

    /// The step with 1-based `number`.
    pub fn step(&self, number: usize) -> Option<&Step> {
        number.checked_sub(1).and_then(|i| self.steps.get(i))
    }

    /// Declarations of the given probe ids, in that order (unknown ids are dropped).
    pub fn decls(&self, ids: &[String]) -> Vec<ProbeDecl> {
        ids.iter()
            .filter_map(|id| self.probes.iter().find(|d| &d.id == id).cloned())
            .collect()
    }
}

/// sha256 of `bytes` as lowercase hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `page` as a path relative to `docs_dir`, refusing anything that is not a page of the
/// site inside it (the loader's rule: a page extension, nothing hidden), so a page name
/// from a browser never reaches other files.
pub(crate) fn docs_relative(docs_dir: &Path, page: &Path) -> Result<PathBuf, RunbookError> {
    let not_a_page = |why: &str| RunbookError::NoSuchGuide {
        page: page.display().to_string(),
        why: why.to_string(),
    };
    let docs = docs_dir
        .canonicalize()
        .map_err(|_| not_a_page("the docs folder does not exist"))?;
    let candidates = [
        docs_dir.join(page),
        page.to_path_buf(),
        std::env::current_dir().unwrap_or_default().join(page),
    ];
    for c in candidates {
        if let Ok(abs) = c.canonicalize()
            && let Ok(target) = abs.strip_prefix(&docs)
        {
            // A page reached through a link inside the docs folder keeps the path the
            // site gives it (`ops/shared/p.md`), not its target's.
            let rel = c
                .strip_prefix(docs_dir)
                .ok()
                .filter(|r| {
                    r.components()
                        .all(|x| matches!(x, std::path::Component::Normal(_)))
                })
                .unwrap_or(target);
            if abs.is_file() && crate::content::load::is_page(rel) {
                return Ok(rel.to_path_buf());
            }
            return Err(not_a_page("not a Markdown page"));
        }
    }
    Err(not_a_page("no such page in the docs folder"))
}

/// Splits `text` (a whole page, front matter included) into steps: the tests' entry (the
/// runbook reads pages from the index through [`Guide::from_page`]).
#[cfg(test)]
pub(crate) fn parse(text: &str, page: &str, probes: Vec<ProbeDecl>) -> Result<Guide, RunbookError> {
    let parsed =
        crate::content::load::parse_page(text.to_string(), Path::new(page), Path::new(page))
            .map_err(|d| RunbookError::Guide {
                path: page.into(),
                line: d.line,
                message: d.message,
            })?;
    Guide::from_page(&parsed, probes)
}

impl Guide {
    /// Splits a page of the index into steps, from its document (no parse).
    pub fn from_page(p: &Page, probes: Vec<ProbeDecl>) -> Result<Guide, RunbookError> {
        let page = crate::content::paths::to_slash(&p.src_rel);
        let text = p.source.as_str();
        let outline = &p.doc.outline;
        let style = p.front.steps.unwrap_or(StepStyle::H2);
        let title = p
            .front
            .title
            .clone()
            .or_else(|| outline.h1.clone())
            .unwrap_or_else(|| page.clone());
        let spans = match style {
            StepStyle::H2 => heading_spans(outline, 2, text.len()),
            StepStyle::H3 => heading_spans(outline, 3, text.len()),
            StepStyle::List => outline
                .items
                .iter()
                .map(|i| Span {
                    range: i.range.clone(),
                    title: i.title.clone(),
                    id: None,
                })
                .collect(),
        };
        if spans.is_empty() {
            let what = match style {
                StepStyle::H2 => {
                    "no H2 headings (`## …`); set `steps = \"h3\"` or `\"list\"` in the front matter to split it otherwise"
                }
                StepStyle::H3 => {
                    "no H3 headings (`### …`), and the front matter asks for `steps = \"h3\"`"
                }
                StepStyle::List => {
                    "no top-level numbered list, and the front matter asks for `steps = \"list\"`"
                }
            };
            return Err(RunbookError::Guide {
                path: page.into(),
                line: 1,
                message: format!("nothing to walk: the page has {what}"),
            });
        }
        let mut steps = Vec::with_capacity(spans.len());
        for (i, span) in spans.iter().enumerate() {
            let number = i + 1;
            let first_line = line_of(text, span.range.start);
            let last_line = line_of(text, span.range.end.saturating_sub(1).max(span.range.start));
            let markdown = text[span.range.clone()].trim_end().to_string();
            let inside = |at: usize| span.range.contains(&at);
            let code = outline
                .code
                .iter()
                .filter(|c| inside(c.at))
                .filter(|c| !crate::content::markdown::is_probe_info(&c.info))
                .map(|c| CodeBlock {
                    lang: c.info.split_whitespace().next().unwrap_or("").to_string(),
                    code: c.code.clone(),
                })
                .collect();
            let tasks = outline
                .tasks
                .iter()
                .filter(|t| inside(t.at))
                .map(|t| t.text.clone())
                .collect();
            let ids = probes
                .iter()
                .filter(|d| d.line >= first_line && d.line <= last_line)
                .map(|d| d.id.clone())
                .collect();
            steps.push(Step {
                number,
                id: span.id.clone().unwrap_or_else(|| format!("step-{number}")),
                title: span.title.clone(),
                markdown,
                first_line,
                last_line,
                code,
                tasks,
                probes: ids,
            });
        }
        Ok(Guide {
            page,
            title,
            sha256: sha256_hex(text.as_bytes()),
            style,
            steps,
            probes,
        })
    }
}

#[derive(Debug, Clone)]
struct Span {
    range: Range<usize>,
    title: String,
    id: Option<String>,
}

/// Sections that start at a heading of `level` and end at the next heading of that level or
/// above (or the end of the page).
fn heading_spans(outline: &Outline, level: usize, end: usize) -> Vec<Span> {
    let hs = &outline.headings;
    hs.iter()
        .enumerate()
        .filter(|(_, h)| h.level == level)
        .map(|(i, h)| {
            let stop = hs[i + 1..]
                .iter()
                .find(|n| n.level <= level)
                .map(|n| n.start)
                .unwrap_or(end);
            Span {
                range: h.start..stop,
                title: h.title.clone(),
                id: Some(h.id.clone()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The task items the document finds, as a step lists them.
    fn task_items(md: &str) -> Vec<String> {
        crate::content::document::Document::parse(md, 0, 0)
            .outline
            .tasks
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    fn guide(md: &str) -> Guide {
        let (decls, diags) = discover::page_probes(md, Path::new("ops/T.md"));
        assert!(diags.is_empty(), "{diags:?}");
        parse(md, "ops/T.md", decls).unwrap()
    }

    #[test]
    fn h2_sections_are_steps_with_their_probes_and_commands() {
        let md = "# Deploy\n\nintro\n\n```probe\ncheck = \"redis.ping\"\nid = \"intro\"\n```\n\n## First {#one}\n\n```bash\nsystemctl restart x\n```\n\n### detail\n\n```probe\ncheck = \"redis.ping\"\nid = \"a\"\n```\n\n## Second `step`\n\ntext\n";
        let g = guide(md);
        assert_eq!(g.title, "Deploy");
        assert_eq!(g.steps.len(), 2);
        assert_eq!(g.steps[0].id, "one");
        assert_eq!(g.steps[0].probes, vec!["a"]);
        assert_eq!(g.steps[0].code.len(), 1);
        assert_eq!(g.steps[0].code[0].lang, "bash");
        assert_eq!(g.steps[0].code[0].code, "systemctl restart x");
        assert!(g.steps[0].markdown.contains("### detail"));
        assert_eq!(g.steps[1].title, "Second step");
        assert_eq!(g.steps[1].id, "second-step");
        assert!(g.steps[1].probes.is_empty());
        // The probe before the first step belongs to the guide, not to a step.
        assert_eq!(g.probes.len(), 2);
    }

    #[test]
    fn h3_and_list_styles() {
        let md = "+++\nsteps = \"h3\"\n+++\n# T\n## Part\n### a\nx\n### b\ny\n## Other\n";
        let g = guide(md);
        assert_eq!(
            g.steps.iter().map(|s| s.title.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert!(!g.steps[1].markdown.contains("Other"));

        let md = "---\nsteps: list\n---\n# T\n\n1. Stop the **web**\n   process now.\n\n   ```bash\n   systemctl stop web\n   ```\n2. Check\n\n   ```probe\n   check = \"redis.ping\"\n   ```\n\n- not a step\n";
        let g = guide(md);
        assert_eq!(g.steps.len(), 2);
        assert_eq!(g.steps[0].title, "Stop the web");
        assert_eq!(g.steps[0].code[0].code, "systemctl stop web");
        assert_eq!(g.steps[1].probes.len(), 1);
        assert_eq!(g.steps[1].id, "step-2");
    }

    #[test]
    fn task_items_are_read_in_order_without_their_sublists() {
        let md = "## Prepare\n\n- [ ] Announce the deploy in `#ops`\n- [x] Take a\n  backup\n  - [ ] nested one\n- plain item\n";
        assert_eq!(
            task_items(md),
            ["Announce the deploy in #ops", "Take a backup", "nested one"]
        );
        assert!(task_items("## Step\n\n- plain\n").is_empty());
    }

    #[test]
    fn yaml_front_matter_is_not_a_step() {
        let md = "---\ntitle: Deploy\nweight: 3\n---\n\n## One\n\n```probe\ncheck = \"redis.ping\"\n```\n";
        let g = guide(md);
        assert_eq!(g.title, "Deploy");
        assert_eq!(g.steps.len(), 1);
        assert_eq!(g.steps[0].id, "one");
        assert_eq!(g.steps[0].first_line, 6);
        assert_eq!(g.steps[0].probes.len(), 1);
    }

    #[test]
    fn a_page_without_steps_says_how_to_split_it() {
        let md = "# Only a title\n\ntext\n";
        let e = parse(md, "ops/T.md", Vec::new()).unwrap_err();
        assert!(e.to_string().contains("no H2 headings"), "{e}");
    }

    #[test]
    fn pages_outside_the_docs_folder_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let docs = dir.path().join("docs");
        std::fs::create_dir_all(docs.join("ops")).unwrap();
        std::fs::write(docs.join("ops/A.md"), "## s\n").unwrap();
        std::fs::write(dir.path().join("secret.md"), "## s\n").unwrap();
        assert_eq!(
            docs_relative(&docs, Path::new("ops/A.md")).unwrap(),
            PathBuf::from("ops/A.md")
        );
        assert!(docs_relative(&docs, Path::new("../secret.md")).is_err());
        assert!(docs_relative(&docs, Path::new("ops")).is_err());
        assert!(docs_relative(&docs, Path::new("ops/missing.md")).is_err());
    }
}
