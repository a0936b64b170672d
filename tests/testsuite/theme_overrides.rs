//! A theme folder overrides single templates and assets; mistakes in it are reported with
//! the file (and line) they are in.

use std::fs;
use std::path::Path;

use bisk_docs::theme::{NotFoundContext, PageContext, Theme, ThemeError};

fn ctx() -> PageContext {
    PageContext {
        site_title: "Site".into(),
        title: "Page".into(),
        description: None,
        extra: Default::default(),
        content: "<h1 id=\"page\">Page</h1><p>Body text.</p>".into(),
        toc: vec![],
        breadcrumbs: vec![],
        prev: None,
        next: None,
        root: "../".into(),
        page_url: "a/page.html".into(),
        section: Some("a".into()),
        is_home: false,
        children: vec![],
        edit_path: "a/page.md".into(),
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
    }
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

fn static_file(theme: &Theme, name: &str) -> Vec<u8> {
    theme
        .static_files()
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, b)| b.into_owned())
        .unwrap_or_else(|| panic!("{name} not among the static files"))
}

#[test]
fn one_template_and_one_asset_are_replaced_the_rest_stays_default() {
    let default = Theme::load(None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "templates/page.html",
        "{% extends \"base.html\" %}{% block main %}<div class=\"mine\">{{ content | safe }}</div>{% endblock main %}",
    );
    write(
        dir.path(),
        "static/style.css",
        "body { color: rebeccapurple }\n",
    );
    write(dir.path(), "static/img/logo.svg", "<svg/>");

    let theme = Theme::load(Some(dir.path())).unwrap();
    let html = theme.render_page(&ctx()).unwrap();
    assert!(
        html.contains("<div class=\"mine\"><h1 id=\"page\">Page</h1>"),
        "{html}"
    );
    // base.html is still the default one.
    assert!(html.contains("href=\"../_static/style.css\""));
    assert!(html.contains("class=\"topbar\""));
    // 404.html untouched.
    let nf = NotFoundContext {
        site_title: "Site".into(),
        root: String::new(),
    };
    assert_eq!(
        theme.render_404(&nf).unwrap(),
        default.render_404(&nf).unwrap()
    );

    assert_eq!(
        static_file(&theme, "style.css"),
        b"body { color: rebeccapurple }\n"
    );
    assert_eq!(
        static_file(&theme, "site.js"),
        static_file(&default, "site.js")
    );
    assert_eq!(static_file(&theme, "img/logo.svg"), b"<svg/>");
    assert_eq!(theme.static_files().len(), default.static_files().len() + 1);
}

#[test]
fn base_template_override_applies_to_default_page_template() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "templates/base.html",
        "<html><body data-mine>{% block main %}{% endblock main %}{% block aside %}{% endblock aside %}</body></html>",
    );
    let html = Theme::load(Some(dir.path()))
        .unwrap()
        .render_page(&ctx())
        .unwrap();
    assert!(html.starts_with("<html><body data-mine>"));
    assert!(html.contains("<p>Body text.</p>"));
}

#[test]
fn broken_override_template_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "templates/page.html",
        "{% extends \"base.html\" %}\n{% block main %}\n<p>{{ title }</p>\n{% endblock main %}\n",
    );
    let err = match Theme::load(Some(dir.path())) {
        Err(e) => e,
        Ok(_) => panic!("a broken template must not load"),
    };
    let msg = err.to_string();
    let expected = dir.path().join("templates/page.html");
    assert!(msg.contains(&expected.display().to_string()), "{msg}");
    match err {
        ThemeError::Template { line, .. } => assert_eq!(line, Some(3), "{msg}"),
        other => panic!("unexpected error {other:?}"),
    }
}

#[test]
fn override_extending_a_missing_parent_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "templates/page.html",
        "{% extends \"nope.html\" %}",
    );
    let msg = Theme::load(Some(dir.path()))
        .err()
        .expect("must fail")
        .to_string();
    assert!(msg.contains("page.html"), "{msg}");
    assert!(msg.contains("nope.html"), "{msg}");
}

#[test]
fn render_error_names_the_template() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "templates/page.html", "{{ no_such_variable }}");
    let theme = Theme::load(Some(dir.path())).unwrap();
    let msg = theme.render_page(&ctx()).unwrap_err().to_string();
    assert!(
        msg.contains("page.html") && msg.contains("no_such_variable"),
        "{msg}"
    );
}

#[test]
fn missing_override_dir_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("themes/corporate");
    let msg = Theme::load(Some(&missing))
        .err()
        .expect("must fail")
        .to_string();
    assert!(msg.contains(&missing.display().to_string()), "{msg}");
}

#[test]
fn override_dir_without_templates_or_static_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "style.css", "body{}");
    let msg = Theme::load(Some(dir.path()))
        .err()
        .expect("must fail")
        .to_string();
    assert!(
        msg.contains("templates/") && msg.contains("static/"),
        "{msg}"
    );
}

#[test]
fn non_utf8_override_template_is_named() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("templates")).unwrap();
    fs::write(dir.path().join("templates/page.html"), b"\xff\xfe<p>").unwrap();
    let msg = Theme::load(Some(dir.path()))
        .err()
        .expect("must fail")
        .to_string();
    assert!(msg.contains("page.html") && msg.contains("UTF-8"), "{msg}");
}

#[test]
fn hidden_files_in_the_theme_folder_are_ignored() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "static/.style.css.swp", "junk");
    write(dir.path(), "templates/.page.html.swp", "{% broken");
    let theme = Theme::load(Some(dir.path())).unwrap();
    assert!(
        theme
            .static_files()
            .iter()
            .all(|(n, _)| !n.contains(".swp"))
    );
}
