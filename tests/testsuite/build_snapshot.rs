//! `build --snapshot` embeds build-time probe results; `--fail-on-probe` refuses to publish
//! a site whose probes fail. Against a private redis-server.

use crate::kit;

use kit::{RedisServer, Tree, bisk_docs, closed_port};

const PAGE: &str = "# Checks\n\n```probe\nid = \"ping\"\ncheck = \"redis.ping\"\n```\n\n```probe\nid = \"roundtrip\"\ncheck = \"cache.roundtrip\"\n```\n";

#[test]
fn snapshot_embeds_results_with_time_and_target() {
    let redis = RedisServer::start();
    let site = Tree::site("", &[("ops/CHECKS.md", PAGE)]);
    let url = redis.url(1);
    let (code, _, err) = bisk_docs(
        site.root(),
        &["build", "--snapshot"],
        &[("BISK_REDIS_URL", &url)],
    );
    assert_eq!(code, 0, "{err}");
    let html = std::fs::read_to_string(site.root().join("site/ops/CHECKS.html")).unwrap();
    assert!(html.contains("data-status=\"pass\""), "{html}");
    assert!(
        html.contains("PASS as of the snapshot — checked"),
        "result line with its time"
    );
    assert!(html.contains("data-snapshot"), "drawn as a snapshot");
    assert!(html.contains("<p class=\"snapshot-banner\""), "and says so");
    assert!(html.contains("on default"), "and its target");
    assert!(!html.contains("data-status=\"unchecked\""));

    // --read-only: the writing probe is skipped and says so.
    let (code, _, err) = bisk_docs(
        site.root(),
        &["build", "--snapshot", "--read-only"],
        &[("BISK_REDIS_URL", &url)],
    );
    assert_eq!(code, 0, "{err}");
    let html = std::fs::read_to_string(site.root().join("site/ops/CHECKS.html")).unwrap();
    assert!(html.contains("data-status=\"skipped\""), "{html}");
}

#[test]
fn fail_on_probe_keeps_the_previous_site() {
    let site = Tree::site("", &[("ops/CHECKS.md", PAGE)]);
    // A plain build first: the previous site.
    let (code, _, err) = bisk_docs(site.root(), &["build"], &[]);
    assert_eq!(code, 0, "{err}");
    let before = std::fs::read_to_string(site.root().join("site/ops/CHECKS.html")).unwrap();

    let dead = format!("redis://127.0.0.1:{}/1", closed_port());
    let (code, _, err) = bisk_docs(
        site.root(),
        &["build", "--snapshot", "--fail-on-probe"],
        &[("BISK_REDIS_URL", &dead)],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("probe ping"), "{err}");
    let after = std::fs::read_to_string(site.root().join("site/ops/CHECKS.html")).unwrap();
    assert_eq!(before, after, "the previous site stays");

    // Without --fail-on-probe the failing result is published, visibly.
    let (code, _, err) = bisk_docs(
        site.root(),
        &["build", "--snapshot"],
        &[("BISK_REDIS_URL", &dead)],
    );
    assert_eq!(code, 0, "{err}");
    let html = std::fs::read_to_string(site.root().join("site/ops/CHECKS.html")).unwrap();
    assert!(html.contains("data-status=\"error\"") || html.contains("data-status=\"fail\""));
    // --fail-on-probe only makes sense with --snapshot.
    let (code, _, _) = bisk_docs(site.root(), &["build", "--fail-on-probe"], &[]);
    assert_eq!(code, 2);
}
