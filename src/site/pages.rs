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

const GENERATOR: &str = concat!("bisk-docs ", env!("CARGO_PKG_VERSION"));

pub fn write_all(
    site: &Site,
    sink: &dyn Sink,
    opts: &OutputOptions,
) -> Result<usize, Vec<Diagnostic>> {
    let fail = |what: &str, e: &dyn std::fmt::Display| {
        vec![Diagnostic::error(
            site.root.join(&site.config.out_dir),
            0,
            format!("{what}: {e}"),
        )]
    };

    // The search index is the largest single piece of work after the pages themselves;
    // build it while the pages render.
    let (page_results, index) = rayon::join(
        || {
            (0..site.pages.len())
                .into_par_iter()
                .map(|i| {
                    let html = render_page(site, i, opts)?;
                    sink.write(&site.pages[i].out_rel, html.as_bytes())
                        .map_err(|e| {
                            Diagnostic::error(
                                site.display_path(i),
                                0,
                                format!("cannot write output: {e}"),
                            )
                        })
                })
                .collect::<Vec<Result<(), Diagnostic>>>()
        },
        || search_index(site),
    );
    let errors: Vec<Diagnostic> = page_results.into_iter().filter_map(Result::err).collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    sink.write("_static/search-index.js", index.as_bytes())
        .map_err(|e| fail("search index", &e))?;

    for (rel, bytes) in site.theme.static_files() {
        sink.write(&format!("_static/{rel}"), &bytes)
            .map_err(|e| fail(&format!("writing _static/{rel}"), &e))?;
    }
    let (light, dark) = crate::render::highlight_css();
    for (name, css) in [("highlight-light.css", light), ("highlight-dark.css", dark)] {
        sink.write(&format!("_static/{name}"), css.as_bytes())
            .map_err(|e| fail(name, &e))?;
    }
    let mut nav = crate::theme::nav_js(&nav_node(site, &site.tree.root));
    if !opts.health.is_empty() {
        nav.push_str(&crate::theme::health_js(&opts.health));
    }
    sink.write("_static/nav.js", nav.as_bytes())
        .map_err(|e| fail("nav.js", &e))?;

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
        .map_err(|e| fail("404 page", &e))?;
    sink.write("404.html", not_found.as_bytes())
        .map_err(|e| fail("404.html", &e))?;

    if let Some(base) = &opts.base_url {
        sink.write(
            "sitemap.xml",
            sitemap::sitemap(base, &site.pages).as_bytes(),
        )
        .map_err(|e| fail("sitemap.xml", &e))?;
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
    Ok(site.pages.len())
}

fn search_index(site: &Site) -> String {
    let docs: Vec<search::SearchDoc> = site
        .pages
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.generated)
        .map(|(i, p)| search::SearchDoc {
            url: &p.out_rel,
            title: &site.titles[i],
            sections: &site.rendered[i].sections,
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
        .map(|p| p.out_rel.as_str())
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
        title: site.titles[to].clone(),
        url: relative_url(&site.pages[from].out_rel, &site.pages[to].out_rel),
    }
}

/// The full HTML of page `i`.
pub fn render_page(site: &Site, i: usize, opts: &OutputOptions) -> Result<String, Diagnostic> {
    let page = &site.pages[i];
    let rendered = &site.rendered[i];
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
        title: site.titles[i].clone(),
        description: page.front.description.clone(),
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
        walkthrough_url: (opts.live_reload && !site.probes[i].is_empty()).then(|| {
            format!(
                "/runs/start?page={}",
                query_escape(&to_slash(&page.src_rel))
            )
        }),
    };
    site.theme
        .render_page(&ctx)
        .map_err(|e| Diagnostic::error(site.display_path(i), 0, format!("template error: {e}")))
}

fn nav_node(site: &Site, folder: &FolderNode) -> NavNode {
    NavNode {
        title: site.titles[folder.index].clone(),
        url: Some(site.pages[folder.index].out_rel.clone()),
        children: folder
            .items
            .iter()
            .map(|item| match item {
                NavItem::Page(p) => NavNode {
                    title: site.titles[*p].clone(),
                    url: Some(site.pages[*p].out_rel.clone()),
                    children: Vec::new(),
                },
                NavItem::Folder(sub) => nav_node(site, sub),
            })
            .collect(),
    }
}

/// The shared navigation script (`_static/nav.js`) for the site as it is now.
pub fn nav_script(site: &Site) -> String {
    crate::theme::nav_js(&nav_node(site, &site.tree.root))
}

/// The search index script (`_static/search-index.js`) for the site as it is now.
pub fn search_script(site: &Site) -> String {
    let docs: Vec<search::SearchDoc> = site
        .pages
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.generated)
        .map(|(i, p)| search::SearchDoc {
            url: &p.out_rel,
            title: &site.titles[i],
            sections: &site.rendered[i].sections,
        })
        .collect();
    search::build_index(&docs)
}

/// Percent-encodes a query value (a docs-relative path) for a URL.
fn query_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
