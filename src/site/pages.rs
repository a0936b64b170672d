//! Turning the rendered site into files: one HTML page per Markdown file, plus the shared
//! files every page refers to (navigation, search index, stylesheets), so that no page
//! carries a copy of the whole site's sidebar.

use std::collections::BTreeSet;

use rayon::prelude::*;

use super::{OutputOptions, Sink, Site, search, sitemap};
use crate::content::paths::{relative_url, root_prefix, to_slash};
use crate::content::tree::{FolderNode, NavItem};
use crate::diag::Diagnostic;
use crate::theme::{NavLink, NavNode, NotFoundContext, PageContext, TocEntry};

use super::look::GENERATOR;

/// Every file of the site: the pages and the shared files. `build` writes a whole site
/// this way; `serve` writes the same parts through the same functions, a part at a time.
pub fn write_all(
    site: &Site,
    sink: &dyn Sink,
    opts: &OutputOptions,
) -> Result<usize, Vec<Diagnostic>> {
    let all: Vec<usize> = (0..site.pages.len()).collect();
    // The search index is the largest single piece of work after the pages themselves;
    // the shared files are written while the pages render.
    let (pages, shared) = rayon::join(
        || write_pages(site, sink, opts, &all),
        || write_shared(site, sink, opts),
    );
    let mut errors = pages.err().unwrap_or_default();
    errors.extend(shared.err().unwrap_or_default());
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(site.pages.len())
}

/// Writes the pages `indexes` (in parallel). Every page that can be written is; the
/// errors name the others.
pub fn write_pages(
    site: &Site,
    sink: &dyn Sink,
    opts: &OutputOptions,
    indexes: &[usize],
) -> Result<(), Vec<Diagnostic>> {
    let errors: Vec<Diagnostic> = indexes
        .par_iter()
        .filter_map(|&i| {
            let html = match render_page(site, i, opts) {
                Ok(html) => html,
                Err(d) => return Some(d),
            };
            sink.write(&site.pages[i].page.out_rel, html.as_bytes())
                .err()
                .map(|e| {
                    Diagnostic::error(site.display_path(i), 0, format!("cannot write output: {e}"))
                })
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The files every page refers to, generated or copied: the search index, the theme's
/// static files, the highlighting stylesheets, the navigation script, the 404 page, the
/// sitemap (with a base URL) and the docs folder's assets. A new shared file of the site
/// is added here, and only here.
pub fn write_shared(
    site: &Site,
    sink: &dyn Sink,
    opts: &OutputOptions,
) -> Result<(), Vec<Diagnostic>> {
    write_search_index(site, sink)?;
    write_theme_static(site, sink, |_| true)?;
    let (light, dark) = crate::render::highlight_css();
    for (name, css) in [("highlight-light.css", light), ("highlight-dark.css", dark)] {
        sink.write(&format!("_static/{name}"), css.as_bytes())
            .map_err(|e| fail(site, name, &e))?;
    }
    let mut nav = crate::theme::nav_js(&nav_node(site, &site.tree.root));
    if !opts.health.is_empty() {
        nav.push_str(&crate::theme::health_js(&opts.health));
    }
    if let Some(taken) = &opts.snapshot {
        nav.push_str(&crate::theme::snapshot_js(taken));
    }
    sink.write("_static/nav.js", nav.as_bytes())
        .map_err(|e| fail(site, "nav.js", &e))?;

    let not_found_root = opts
        .base_url
        .as_ref()
        .map(|u| format!("{}/", u.trim_end_matches('/')))
        .unwrap_or_default();
    let not_found = site
        .theme
        .render_404(&NotFoundContext {
            site_title: site.config.title.clone(),
            root: not_found_root,
        })
        .map_err(|e| fail(site, "404 page", &e))?;
    sink.write("404.html", not_found.as_bytes())
        .map_err(|e| fail(site, "404.html", &e))?;

    if let Some(base) = &opts.base_url {
        sink.write(
            "sitemap.xml",
            sitemap::sitemap(base, &site.pages).as_bytes(),
        )
        .map_err(|e| fail(site, "sitemap.xml", &e))?;
    }

    let asset_errors: Vec<Diagnostic> = site
        .assets
        .par_iter()
        .filter_map(|a| {
            // Checked again at copy time: the file may have become a link since the walk.
            let src = match crate::content::walk::inside(&site.docs_dir, &a.src_rel) {
                Ok(src) => src,
                Err(d) => return Some(d),
            };
            sink.copy_from(&a.out_rel, &src).err().map(|e| {
                Diagnostic::error(
                    site.docs_dir.join(&a.src_rel),
                    0,
                    format!("cannot copy: {e}"),
                )
            })
        })
        .collect();
    if !asset_errors.is_empty() {
        return Err(asset_errors);
    }
    Ok(())
}

/// The search index (`_static/search-index.js` and its parts) for the site as it is now
/// (after a page's headings moved).
pub fn write_search_index(site: &Site, sink: &dyn Sink) -> Result<(), Vec<Diagnostic>> {
    search_index(site)
        .par_iter()
        .try_for_each(|(rel, text)| sink.write(rel, text.as_bytes()))
        .map_err(|e| fail(site, "search index", &e))
}

/// The theme's static files whose output path (`_static/…`) `wanted` accepts (`serve`
/// swaps edited stylesheets alone).
pub fn write_theme_static(
    site: &Site,
    sink: &dyn Sink,
    wanted: impl Fn(&str) -> bool,
) -> Result<(), Vec<Diagnostic>> {
    for (rel, bytes) in site.theme.static_files() {
        let out = format!("_static/{rel}");
        if wanted(&out) {
            sink.write(&out, &bytes)
                .map_err(|e| fail(site, &format!("writing {out}"), &e))?;
        }
    }
    Ok(())
}

fn fail(site: &Site, what: &str, e: &dyn std::fmt::Display) -> Vec<Diagnostic> {
    vec![Diagnostic::error(
        site.root.join(&site.config.out_dir),
        0,
        format!("{what}: {e}"),
    )]
}

fn search_index(site: &Site) -> Vec<(String, String)> {
    let docs: Vec<search::SearchDoc> = site
        .pages
        .iter()
        .filter(|p| !p.page.generated)
        .map(|p| search::SearchDoc {
            url: &p.page.out_rel,
            title: &p.title,
            sections: &p.rendered.sections,
        })
        .collect();
    search::build_index(&docs)
}

/// Every folder the output needs, so writers can run in parallel without racing on mkdir.
pub fn output_dirs(site: &Site) -> BTreeSet<String> {
    let mut dirs: BTreeSet<String> = BTreeSet::from(["_static".to_string()]);
    let all = site
        .pages
        .iter()
        .map(|p| p.page.out_rel.as_str())
        .chain(site.assets.iter().map(|a| a.out_rel.as_str()));
    for rel in all {
        if let Some((dir, _)) = rel.rsplit_once('/') {
            dirs.insert(dir.to_string());
        }
    }
    for (rel, _) in site.theme.static_files() {
        if let Some((dir, _)) = rel.rsplit_once('/') {
            dirs.insert(format!("_static/{dir}"));
        }
    }
    dirs
}

fn link(site: &Site, from: usize, to: usize) -> NavLink {
    NavLink {
        title: site.pages[to].title.clone(),
        url: relative_url(&site.pages[from].page.out_rel, &site.pages[to].page.out_rel),
    }
}

/// The full HTML of page `i`.
pub fn render_page(site: &Site, i: usize, opts: &OutputOptions) -> Result<String, Diagnostic> {
    let entry = &site.pages[i];
    let (page, rendered) = (&entry.page, &entry.rendered);
    let tree = &site.tree;
    let toc = rendered
        .headings
        .iter()
        .filter(|h| h.level == 2 || h.level == 3)
        .map(|h| TocEntry {
            level: h.level,
            id: h.id.clone(),
            text: h.text.clone(),
        })
        .collect();
    let children = if page.is_index {
        tree.children
            .get(&i)
            .map(|kids| kids.iter().map(|&k| link(site, i, k)).collect())
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let section = page
        .src_rel
        .components()
        .next()
        .filter(|_| page.src_rel.components().count() > 1 || page.generated)
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    let ctx = PageContext {
        site_title: site.config.title.clone(),
        title: entry.title.clone(),
        description: page.front.description.clone(),
        extra: page.front.extra.clone(),
        content: rendered.html.clone(),
        toc,
        breadcrumbs: tree.ancestors[i]
            .iter()
            .map(|&a| link(site, i, a))
            .collect(),
        prev: tree.prev(i).map(|p| link(site, i, p)),
        next: tree.next(i).map(|n| link(site, i, n)),
        root: root_prefix(&page.out_rel),
        page_url: page.out_rel.clone(),
        section,
        is_home: page.out_rel == "index.html",
        children,
        edit_path: to_slash(&site.config.docs_dir.join(&page.src_rel)),
        generator: GENERATOR.to_string(),
        live_reload: opts.live_reload,
        // Live reload is on exactly when `serve` renders the page.
        serve: opts.live_reload,
        probe_api: opts.probe_api.clone(),
        // Relative, like every other link, so the site works under a proxy's sub-path.
        walkthrough_url: (opts.live_reload && !entry.probes.is_empty()).then(|| {
            let mut url = format!(
                "{}runs/start?page={}",
                root_prefix(&page.out_rel),
                crate::percent::encode_query_value(&to_slash(&page.src_rel))
            );
            // The walkthrough starts on the target the page shows.
            if site.target != "default" {
                url.push_str("&target=");
                url.push_str(&crate::percent::encode_query_value(&site.target));
            }
            url
        }),
        target: site.target.clone(),
        targets: if opts.live_reload {
            site.config.target_names()
        } else {
            Vec::new()
        },
        snapshot: opts.snapshot.clone(),
        default_target: opts
            .default_target
            .clone()
            .unwrap_or_else(|| "default".into()),
        target_place: if opts.live_reload {
            super::target_place(&site.config, &site.target)
        } else {
            String::new()
        },
    };
    site.theme
        .render_page(&ctx)
        .map_err(|e| Diagnostic::error(site.display_path(i), 0, format!("template error: {e}")))
}

fn nav_node(site: &Site, folder: &FolderNode) -> NavNode {
    NavNode {
        title: site.pages[folder.index].title.clone(),
        url: Some(site.pages[folder.index].page.out_rel.clone()),
        children: folder
            .items
            .iter()
            .map(|item| match item {
                NavItem::Page(p) => NavNode {
                    title: site.pages[*p].title.clone(),
                    url: Some(site.pages[*p].page.out_rel.clone()),
                    children: Vec::new(),
                },
                NavItem::Folder(sub) => nav_node(site, sub),
            })
            .collect(),
    }
}
