//! `init` in an empty folder gives a starter for any service: `build --strict` and `check`
//! pass on it (against a private Redis), every check kind has its page, its probes carry
//! their own `hint`/`hint_link`, and nothing in it refers to the BISK guides. The probe
//! fields `hint`/`hint_link` replace a check's built-in hint, and a bad `hint_link` is a
//! declaration error at its line.

use crate::kit;

use kit::{RedisServer, Tree};

/// Words of the bundled BISK guides that a starter for another service must not carry.
const BISK: &[&str] = &[
    "BISK_RFv4",
    "REDIS_CACHE",
    "ENFORCER_SYSTEMD",
    "\"bisk\"",
    "bisk:",
    "enforcer",
];

#[test]
fn init_in_an_empty_folder_builds_strict_and_checks_clean_without_bisk() {
    let redis = RedisServer::start();
    let t = Tree::new();
    t.run(&["init"]).ok();
    t.run(&["build", "--strict"]).ok();
    let check = t
        .run_env(&["check"], &[("BISK_REDIS_URL", &redis.url(1))])
        .ok();
    assert!(
        check.stdout.contains("5 probes: 5 pass"),
        "{}",
        check.stdout
    );
    for (name, text) in [("check", &check.stdout), ("check stderr", &check.stderr)] {
        for w in BISK {
            assert!(!text.contains(w), "{name} says {w:?}: {text}");
        }
    }
    for rel in [
        "bisk-docs.toml",
        "docs/README.md",
        "docs/checks/README.md",
        "docs/checks/REDIS.md",
        "docs/checks/CACHE.md",
        "docs/checks/SERVICES.md",
    ] {
        let text = t.read(rel);
        for w in BISK {
            assert!(!text.contains(w), "{rel} says {w:?}");
        }
    }
    // Every probe of the starter carries its own hint and a link into the starter.
    for rel in [
        "docs/checks/REDIS.md",
        "docs/checks/CACHE.md",
        "docs/checks/SERVICES.md",
    ] {
        let text = t.read(rel);
        let probes = text.matches("```probe").count();
        assert!(probes > 0, "{rel}");
        assert_eq!(text.matches("\nhint = ").count(), probes, "{rel}");
        assert_eq!(
            text.matches("\nhint_link = \"checks/").count(),
            probes,
            "{rel}"
        );
    }
    // Every key of the config says what it is (a comment right above it or on its line).
    let config = t.read("bisk-docs.toml");
    let lines: Vec<&str> = config.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        let key = !l.starts_with('#') && !l.starts_with('[') && l.contains(" = ");
        if key {
            let explained = l.contains(" # ")
                || lines[..i]
                    .iter()
                    .rev()
                    .take_while(|p| !p.is_empty())
                    .any(|p| p.starts_with('#'));
            assert!(explained, "bisk-docs.toml: {l:?} has no comment");
        }
    }
}

#[test]
fn a_probes_own_hint_replaces_the_builtin_one_and_a_bad_link_is_refused() {
    // Nothing listens on the port: the built-in hint would send the reader to the bundled
    // Redis guide; the probe's own says what this team does.
    let t = Tree::site(
        &format!(
            "[redis]\nurl = \"redis://127.0.0.1:{}/1\"\nconnect_timeout = \"300ms\"\ndeadline = \"500ms\"\n",
            kit::closed_port()
        ),
        &[(
            "ops/APP.md",
            "# App\n\n## Fix {#fix}\n\nPage the cache team.\n\n```probe\nid = \"p\"\ncheck = \"redis.ping\"\nhint = \"Page the cache team (#cache-oncall).\"\nhint_link = \"ops/APP.md#fix\"\n```\n",
        )],
    );
    let run = t.run(&["check", "--format", "json"]);
    let doc = run.json();
    let r = &doc["results"][0];
    assert_eq!(
        r["hint"]["text"], "Page the cache team (#cache-oncall).",
        "{r}"
    );
    assert_eq!(r["hint"]["link"], "ops/APP.md#fix", "{r}");

    t.write(
        "docs/ops/APP.md",
        b"# App\n\n```probe\ncheck = \"redis.ping\"\nhint_link = \"javascript:alert(1)\"\n```\n",
    );
    let (code, _out, err) = t.run(&["check", "docs/ops/APP.md"]).parts();
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("APP.md:5") && err.contains("hint_link"),
        "{err}"
    );
}
