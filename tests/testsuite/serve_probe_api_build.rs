//! `build --probe-api URL`: a static site whose widgets fetch live results from a serve.

use crate::kit::tree::run_in;

#[test]
fn static_pages_point_their_widgets_at_the_probe_api() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("docs/ops")).unwrap();
    std::fs::write(root.join("docs/README.md"), "# Home\n").unwrap();
    std::fs::write(
        root.join("docs/ops/REDIS.md"),
        "# Redis\n\n```probe\nid = \"ping\"\ncheck = \"redis.ping\"\n```\n",
    )
    .unwrap();
    run_in(
        root,
        &["build", "--probe-api", "http://probes.internal:3000"],
        &[],
    )
    .ok();
    let page = std::fs::read_to_string(root.join("site/ops/REDIS.html")).unwrap();
    assert!(
        page.contains("<meta name=\"bisk-probe-api\" content=\"http://probes.internal:3000\">")
    );
    assert!(page.contains("_static/live.js"));
    assert!(
        !page.contains("data-live-reload"),
        "a static site does not live-reload"
    );
    assert!(
        !page.contains("bisk-token"),
        "a static site carries no token"
    );
    assert!(root.join("site/_static/live.js").exists());

    // Without the flag the static site has no live code at all.
    run_in(root, &["build"], &[]).ok();
    let page = std::fs::read_to_string(root.join("site/ops/REDIS.html")).unwrap();
    assert!(!page.contains("live.js"));

    run_in(root, &["build", "--probe-api", "javascript:alert(1)"], &[]).fails_with(2);
}

/// Results come from Redis: live.js only ever sets text and attributes, except for the one
/// widget the server drew (its theme's `probe.html`, every value escaped there), parsed
/// inert from the result's `html` field and nothing else.
#[test]
fn live_script_never_parses_server_data_as_html() {
    let js = include_str!("../../themes/default/static/live.js");
    for bad in [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
    ] {
        assert!(!js.contains(bad), "live.js uses {bad}");
    }
    assert!(js.contains("textContent"));
    assert_eq!(js.matches("parseFromString(").count(), 1, "one HTML parse");
    assert!(js.contains("parseFromString(v.html, \"text/html\")"));
}
