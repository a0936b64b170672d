//! The bundled deploy checklist walks as intended: one step per H2, each with its probes and
//! commands, every probe of the page captured in the before/after snapshots.

use std::path::Path;

use bisk_docs::runbook::Guide;

#[test]
fn the_bundled_deploy_checklist_splits_into_its_steps() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let docs = root.join("docs");
    // Its probes use the shipped config's values (`{{ dash_url }}`).
    let config = bisk_docs::config::Config::load(root).unwrap();
    let g = Guide::load_in(
        &docs,
        Path::new("ops/DEPLOY_CHECKLIST.md"),
        Some((&config, "default")),
    )
    .expect("walkable");
    assert_eq!(g.page, "ops/DEPLOY_CHECKLIST.md");
    assert_eq!(g.title, "Deploy checklist");
    let ids: Vec<&str> = g.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "step-baseline",
            "step-fetch",
            "step-dependencies",
            "step-settings",
            "step-migrate",
            "step-static",
            "step-restart-web",
            "step-restart-enforcer",
            "step-verify-cache",
            "step-verify-breadcrumbs",
            "step-record",
        ]
    );
    let probes = |id: &str| g.steps.iter().find(|s| s.id == id).unwrap().probes.clone();
    assert_eq!(
        probes("step-baseline"),
        ["deploy-before-redis", "deploy-before-breadcrumbs"]
    );
    assert_eq!(
        probes("step-restart-enforcer"),
        ["deploy-enforcer-unit", "deploy-enforcer-mainpid"]
    );
    assert!(probes("step-fetch").is_empty());
    // Every probe of the page belongs to a step (none hides in the introduction).
    let in_steps: usize = g.steps.iter().map(|s| s.probes.len()).sum();
    assert_eq!(in_steps, g.probes.len());
    // Commands are there to be copied; probe blocks are not commands.
    let restart = g.step(8).unwrap();
    assert_eq!(restart.title, "Restart the enforcer");
    assert!(
        restart.code[0]
            .code
            .contains("systemctl restart {{ enforcer_unit }}")
    );
    assert!(
        g.steps
            .iter()
            .flat_map(|s| &s.code)
            .all(|c| c.lang != "probe")
    );
    assert_eq!(g.sha256.len(), 64);
}
