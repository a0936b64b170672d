//! Front matter of trees written for other generators builds as it is (issue 21, class 2
//! and 3): unknown keys kept for templates, Zola's blank lines, fences that open no front
//! matter left to Markdown; known keys of the wrong type still an error at file:line.

use crate::kit;
use kit::tree::Tree;

#[test]
fn unknown_keys_keep_the_page_and_links_to_it() {
    // The reproduction: MkDocs Material's `icon: x` refused the page, and the link
    // to it then said "no page".
    let tree = Tree::site(
        "title = \"T\"\n",
        &[
            (
                "index.md",
                "# Home\n\n[guide](guide.md) [hugo](hugo.md) [zola](zola.md)\n",
            ),
            (
                "guide.md",
                "---\ntitle: Guide\nicon: x\nhide:\n  - toc\n---\n\nText.\n",
            ),
            (
                "hugo.md",
                "---\ntitle: Hugo page\ndraft: false\ndate: 2024-01-02\ntags: [ops]\n---\n\nText.\n",
            ),
            (
                "zola.md",
                "+++\ntitle = \"Zola page\"\ndate = 2024-01-02\n[taxonomies]\ntags = [\"ops\"]\n[extra]\ntoc = true\n+++\n\nText.\n",
            ),
        ],
    );
    tree.run(&["build", "--strict"]).ok();
    assert!(
        tree.page("guide.html").contains("<title>Guide"),
        "{}",
        tree.page("guide.html")
    );
    assert!(tree.page("hugo.html").contains("Hugo page"));
    assert!(tree.page("zola.html").contains("Zola page"));
}

#[test]
fn unknown_keys_reach_templates_as_extra() {
    let tree = Tree::site(
        "title = \"T\"\ntheme = \"mytheme\"\n",
        &[(
            "index.md",
            "---\nicon: material/rocket\nextra:\n  team: ops\n---\n# Home\n",
        )],
    )
    .file(
        "mytheme/templates/page.html",
        "{% extends \"base.html\" %}{% block main %}<i data-icon=\"{{ extra.icon }}\" \
         data-team=\"{{ extra.team }}\"></i>{{ content | safe }}{% endblock main %}",
    );
    tree.run(&["build", "--strict"]).ok();
    let html = tree.page("index.html");
    assert!(
        html.contains("<i data-icon=\"material&#x2F;rocket\" data-team=\"ops\">")
            || html.contains("<i data-icon=\"material/rocket\" data-team=\"ops\">"),
        "{html}"
    );
}

#[test]
fn blank_lines_before_toml_front_matter() {
    // Zola accepts blank lines before `+++`; the TOML is not page text.
    let tree = Tree::site(
        "title = \"T\"\n",
        &[(
            "index.md",
            "\n\n+++\ntitle = \"Zola home\"\n+++\n\nBody text.\n",
        )],
    );
    tree.run(&["build", "--strict"]).ok();
    let html = tree.page("index.html");
    assert!(html.contains("<h1>Zola home</h1>"), "{html}");
    assert!(!html.contains("title = "), "{html}");
}

#[test]
fn fences_that_open_no_front_matter_are_markdown() {
    let tree = Tree::site(
        "title = \"T\"\n",
        &[
            (
                "index.md",
                "# Home\n\n[a](rule.md) [b](plus.md) [c](prose.md)\n",
            ),
            // First line `---`, never closed: a thematic break.
            ("rule.md", "---\n\n# Rule first\n\nText.\n"),
            // First line `+++`, never closed: a paragraph.
            ("plus.md", "+++\n\n# Plus first\n"),
            // Closed, but prose between two rules.
            ("prose.md", "---\nJust a sentence.\n---\n\n# Prose\n"),
        ],
    );
    tree.run(&["build", "--strict"]).ok();
    assert!(
        tree.page("rule.html").contains("<hr"),
        "{}",
        tree.page("rule.html")
    );
    assert!(
        tree.page("plus.html").contains("<p>+++</p>"),
        "{}",
        tree.page("plus.html")
    );
    assert!(tree.page("prose.html").contains("Just a sentence."));
}

#[test]
fn known_keys_of_the_wrong_type_are_errors_at_their_line() {
    let tree = Tree::site(
        "title = \"T\"\n",
        &[(
            "index.md",
            "---\ntitle: Home\nicon: x\nweight: heavy\n---\n# Home\n",
        )],
    );
    tree.build()
        .fails_with(1)
        .stderr_has("index.md:4")
        .stderr_has("`weight` must be a whole number");
}
