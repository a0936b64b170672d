//! The shared navigation file cannot be broken out of, and every URL the default theme
//! emits is relative, so a site works under any sub-path and from `file://`.

use bisk_docs::theme::{NavLink, NavNode, PageContext, Theme, TocEntry, nav_js};

#[test]
fn nav_js_escapes_script_breakouts() {
    let tree = NavNode {
        title: "Docs </script><script>alert(1)</script>".into(),
        url: Some("index.html".into()),
        children: vec![NavNode {
            title: "<!-- comment \u{2028} line".into(),
            url: None,
            children: vec![],
        }],
    };
    let js = nav_js(&tree);
    assert!(js.starts_with("window.BISK_NAV = {"));
    assert!(js.trim_end().ends_with("};"));
    assert!(!js.contains('<'), "{js}");
    assert!(!js.contains('\u{2028}'));
    // The escapes still decode to the original titles.
    let json = js
        .trim_start_matches("window.BISK_NAV = ")
        .trim_end()
        .trim_end_matches(';');
    let back: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(back["title"], "Docs </script><script>alert(1)</script>");
    assert_eq!(back["children"][0]["title"], "<!-- comment \u{2028} line");
    assert_eq!(back["children"][0]["url"], serde_json::Value::Null);
}

fn attr_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let needle = format!(" {attr}=\"");
    html.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect()
}

#[test]
fn every_template_url_is_relative() {
    let theme = Theme::load(None).unwrap();
    let link = |t: &str, u: &str| NavLink {
        title: t.into(),
        url: u.into(),
    };
    for root in ["", "../", "../../"] {
        let ctx = PageContext {
            site_title: "Site".into(),
            title: "Page".into(),
            description: Some("d".into()),
            extra: Default::default(),
            content: "<p>x</p>".into(),
            toc: vec![
                TocEntry {
                    level: 2,
                    id: "a".into(),
                    text: "A".into(),
                },
                TocEntry {
                    level: 3,
                    id: "b".into(),
                    text: "B".into(),
                },
            ],
            breadcrumbs: vec![link("Home", &format!("{root}index.html"))],
            prev: Some(link("P", "p.html")),
            next: Some(link("N", "n.html")),
            root: root.into(),
            page_url: "x/y/page.html".into(),
            section: Some("x".into()),
            is_home: false,
            children: vec![link("C", "c.html")],
            edit_path: "x/y/page.md".into(),
            generator: "bisk-docs 0.1.0".into(),
            live_reload: false,
            serve: false,
            probe_api: None,
            walkthrough_url: None,
            target: "default".into(),
            targets: Vec::new(),
            snapshot: None,
            default_target: "default".into(),
            target_place: String::new(),
        };
        let html = theme.render_page(&ctx).unwrap();
        let urls: Vec<&str> = ["href", "src", "action"]
            .iter()
            .flat_map(|a| attr_values(&html, a))
            .collect();
        assert!(urls.len() > 10, "found too few URLs: {urls:?}");
        for url in urls {
            assert!(!url.starts_with('/'), "absolute path {url}");
            assert!(!url.contains("//"), "network URL {url}");
            assert!(!url.starts_with("http"), "network URL {url}");
            if url.contains("_static/") {
                assert_eq!(
                    url,
                    format!("{root}{}", url.trim_start_matches("../")),
                    "{url}"
                );
                assert!(url.starts_with(root), "{url} ignores root {root}");
            }
        }
        assert!(!html.contains("url("), "no CSS urls inline");
    }
    let nf = theme
        .render_404(&bisk_docs::theme::NotFoundContext {
            site_title: "S".into(),
            root: String::new(),
        })
        .unwrap();
    for url in attr_values(&nf, "href") {
        assert!(!url.starts_with('/') && !url.contains("//"), "{url}");
    }
}

#[test]
fn static_assets_load_nothing_from_the_network() {
    let theme = Theme::load(None).unwrap();
    for (name, bytes) in theme.static_files() {
        // live.js talks to `serve` (or the `--probe-api` server) by design; pages include
        // it only when live, so an offline static site never loads it. runbook.js drives
        // walkthroughs, which only `serve` renders (no built page loads it); status.js
        // refetches `/status/`, which only `serve` has.
        if name == "live.js" || name == "runbook.js" || name == "status.js" {
            continue;
        }
        let text = String::from_utf8_lossy(&bytes);
        for bad in ["http://", "https://", "@import", "fetch(", "XMLHttpRequest"] {
            assert!(!text.contains(bad), "{name} contains {bad}");
        }
    }
}
