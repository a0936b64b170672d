//! `[render] highlighter` reaches the pages of a real `build`: a Python docstring is a string
//! to the hand-written lexer and a documentation comment to syntect, so the two builds of the
//! same page differ exactly there.

use crate::kit;

use kit::{Tree, bisk_docs};

const PAGE: &str =
    "# Code\n\n```python\ndef f():\n    \"\"\"Says hello.\"\"\"\n    return 1\n```\n";

fn built_page(config: &str) -> String {
    let site = Tree::site(config, &[("README.md", PAGE)]);
    let (code, out, err) = bisk_docs(site.root(), &["build"], &[]);
    assert_eq!(code, 0, "{out}{err}");
    std::fs::read_to_string(site.root().join("site/index.html")).expect("built page")
}

fn docstring_span(html: &str) -> &str {
    let at = html.find("Says hello.").expect("docstring in the page");
    let open = html[..at]
        .rfind("<span class=\"")
        .expect("docstring in a span");
    &html[open..at]
}

#[test]
fn the_config_picks_the_highlighter() {
    let fast = built_page("title = \"t\"\n");
    let syntect = built_page("title = \"t\"\n[render]\nhighlighter = \"syntect\"\n");
    assert!(
        docstring_span(&fast).contains("hl-string"),
        "{}",
        docstring_span(&fast)
    );
    assert!(
        docstring_span(&syntect).contains("hl-comment"),
        "{}",
        docstring_span(&syntect)
    );

    let site = Tree::site(
        "[render]\nhighlighter = \"pygments\"\n",
        &[("README.md", PAGE)],
    );
    let (code, out, err) = bisk_docs(site.root(), &["build"], &[]);
    assert_ne!(code, 0, "{out}");
    assert!(
        err.contains("bisk-docs.toml:2") && err.contains("syntect"),
        "{err}"
    );
}
