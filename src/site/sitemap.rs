//! `sitemap.xml`, only meaningful (and only written) when the site's absolute URL is known.

use super::SitePage;

pub(super) fn sitemap(base_url: &str, pages: &[SitePage]) -> String {
    let base = base_url.trim_end_matches('/');
    let mut out = String::with_capacity(64 + pages.len() * 80);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    let mut urls: Vec<&str> = pages.iter().map(|p| p.page.out_rel.as_str()).collect();
    urls.sort_unstable();
    for url in urls {
        out.push_str("  <url><loc>");
        out.push_str(&crate::render::escape::escape_xml(&format!("{base}/{url}")));
        out.push_str("</loc></url>\n");
    }
    out.push_str("</urlset>\n");
    out
}
