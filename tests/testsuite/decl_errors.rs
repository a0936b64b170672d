//! Declaration errors are found when the pages and the config are read, with `file:line`,
//! by `build` (exit 1), `check` (exit 2) and `serve` (the problems overlay / API), never
//! first at run time: an unknown `[commands]` name or target, a bad `expect_stdout` regex,
//! a db beyond the server's databases, `expect = "absent"` with conditions on the value,
//! zero durations, and the other impossible combinations.

use crate::kit;

use kit::{Tree, bisk_docs};

const CONFIG: &str = "[redis]\nurl = \"redis://127.0.0.1:1/1\"\nconnect_timeout = \"200ms\"\ndeadline = \"300ms\"\n\n[commands.uptime]\nargv = [\"true\"]\n";

/// A page whose probe fence opens on line 3, so its body starts on line 4.
fn page(body: &str) -> String {
    format!("# T\n\n```probe\n{body}```\n")
}

/// (probe body, line of the offending key, words the message must hold)
const CASES: &[(&str, usize, &str)] = &[
    (
        "check = \"command\"\nname = \"uptme\"\n",
        5,
        "no [commands.uptme]",
    ),
    (
        "check = \"redis.ping\"\ntarget = \"prod\"\n",
        5,
        "unknown target \"prod\"",
    ),
    (
        "check = \"redis.scan\"\npattern = \":1:*\"\ndb = 99\n",
        6,
        "`db = 99` does not exist",
    ),
    (
        "check = \"redis.scan\"\npattern = \":1:*\"\ndatabases = 32\ndb = 32\n",
        7,
        "0–31",
    ),
    (
        "check = \"cache.key\"\nkey = \"ping\"\nexpect = \"absent\"\nequals = \"pong\"\n",
        7,
        "contradicts `equals`",
    ),
    (
        "check = \"cache.key\"\nkey = \"enforcer:last_ok\"\nexpect = \"absent\"\n\nmax_age = \"15m\"\n",
        8,
        "contradicts `max_age`",
    ),
    (
        "check = \"cache.key\"\nkey = \"enforcer:last_ok\"\nmax_age = \"0s\"\n",
        6,
        "greater than zero",
    ),
    (
        "check = \"enforcer.breadcrumbs\"\nmax_age = \"0m\"\n",
        5,
        "greater than zero",
    ),
    (
        "check = \"enforcer.breadcrumbs\"\nfail_after = \"-5m\"\n",
        5,
        "invalid duration",
    ),
    (
        "check = \"cache.key\"\nkey = \"ping\"\nmax_ttl = 0\n",
        6,
        "`max_ttl = 0` cannot hold",
    ),
    (
        "check = \"http.get\"\nurl = \"http://127.0.0.1:8000/\"\ncontains = \"\"\n",
        6,
        "matches every body",
    ),
    (
        "check = \"http.get\"\nurl = \"http://127.0.0.1:8000/\"\nstatus = 100\n",
        6,
        "final HTTP status",
    ),
];

#[test]
fn probe_declaration_errors_stop_build_and_check_with_file_line() {
    for (body, line, words) in CASES {
        let site = Tree::site(CONFIG, &[("ops/T.md", &page(body))]);
        let (code, out, err) = bisk_docs(site.root(), &["build"], &[]);
        assert_eq!(code, 1, "build must refuse {body:?}:\n{out}\n{err}");
        assert!(
            err.contains(&format!("T.md:{line}:")) && err.contains(words),
            "build: {body:?} → want T.md:{line}: … {words}\n{err}"
        );
        let (code, out, err) = bisk_docs(site.root(), &["check"], &[]);
        assert_eq!(code, 2, "check must refuse {body:?}:\n{out}\n{err}");
        assert!(
            err.contains(&format!("T.md:{line}:")) && err.contains(words),
            "check: {body:?} → want T.md:{line}: … {words}\n{err}"
        );
        // Nothing ran: the error is about the page, not a probe result.
        assert!(!out.contains("ERROR"), "{out}");
    }
}

#[test]
fn a_runbook_walk_refuses_a_guide_naming_an_unknown_command() {
    let site = Tree::site(
        CONFIG,
        &[(
            "ops/T.md",
            "# T\n\n## Step one\n\n```probe\ncheck = \"command\"\nname = \"uptme\"\n```\n",
        )],
    );
    let (code, out, err) = bisk_docs(site.root(), &["runbook", "ops/T.md"], &[]);
    assert_ne!(code, 0, "{out}\n{err}");
    assert!(
        err.contains("T.md:7:") && err.contains("no [commands.uptme]"),
        "{out}\n{err}"
    );
}

#[test]
fn valid_neighbours_of_the_errors_are_accepted() {
    for body in [
        "check = \"command\"\nname = \"uptime\"\n",
        "check = \"redis.scan\"\npattern = \":1:*\"\ndb = 15\n",
        "check = \"redis.scan\"\npattern = \":1:*\"\ndatabases = 32\ndb = 31\n",
        "check = \"cache.key\"\nkey = \"ping\"\nexpect = \"absent\"\n",
        "check = \"cache.key\"\nkey = \"ping\"\nmax_age = \"1s\"\nmax_ttl = 1\n",
        "check = \"http.get\"\nurl = \"http://127.0.0.1:8000/\"\nstatus = 302\ncontains = \"x\"\n",
    ] {
        let site = Tree::site(CONFIG, &[("ops/T.md", &page(body))]);
        let (code, out, err) = bisk_docs(site.root(), &["build"], &[]);
        assert_eq!(code, 0, "{body:?}:\n{out}\n{err}");
    }
}

/// (config addition, line in bisk-docs.toml, words)
const CONFIG_CASES: &[(&str, usize, &str)] = &[
    (
        "\n[commands.mainpid]\nargv = [\"true\"]\nexpect_stdout = '^[1-9'\n",
        11,
        "not a valid regular expression",
    ),
    (
        "\n[commands.slow]\nargv = [\"true\"]\ntimeout = \"0s\"\n",
        11,
        "greater than zero",
    ),
    (
        "\n[commands.unit]\nargv = [\"true\"]\nrequires = [\"sytemd\"]\n",
        11,
        "sytemd",
    ),
];

#[test]
fn command_spec_errors_name_the_config_line() {
    for (extra, line, words) in CONFIG_CASES {
        let config = format!("{CONFIG}{extra}");
        let site = Tree::site(&config, &[("ops/T.md", "# T\n")]);
        for (args, want) in [(&["build"][..], 1), (&["check"][..], 2)] {
            let (code, out, err) = bisk_docs(site.root(), args, &[]);
            assert_eq!(code, want, "{args:?} {extra:?}:\n{out}\n{err}");
            assert!(
                err.contains(&format!("bisk-docs.toml:{line}:")) && err.contains(words),
                "{args:?} {extra:?} → want bisk-docs.toml:{line}: … {words}\n{err}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_lists_declaration_errors_as_problems() {
    let site = kit::serve::site(
        &format!("redis://127.0.0.1:{}/1", kit::closed_port()),
        "[serve]\nprobe_interval = \"1h\"\n[commands.uptime]\nargv = [\"true\"]\n",
    );
    let mut pages = String::from("# Bad probes\n\n");
    let mut want = Vec::new();
    for (body, line, words) in CASES {
        // Each fence opens two lines after the previous one closed.
        let fence = pages.lines().count() + 1;
        pages.push_str(&format!("```probe\n{body}```\n\n"));
        want.push((fence + line - 3, *words));
    }
    std::fs::write(site.path("docs/ops/BAD.md"), &pages).unwrap();
    let server = site.serve(true).await;
    let api = kit::serve::get(server.addr, "/api/problems").await.json();
    let problems = api["problems"].as_array().cloned().unwrap_or_default();
    for (line, words) in want {
        assert!(
            problems.iter().any(|p| {
                // The overlay's line is the fence's; the message names the key's line.
                let message = p["message"].as_str().unwrap_or("");
                p["file"].as_str().unwrap_or("").ends_with("BAD.md")
                    && message.contains(&format!("BAD.md:{line}:"))
                    && message.contains(words)
            }),
            "no problem at BAD.md:{line} saying {words:?} in {api:#}"
        );
    }
    // The bad page still renders, with the error in place of the widget.
    let page = kit::serve::get(server.addr, "/ops/BAD.html").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Probe error"), "{}", page.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_refuses_a_bad_command_spec_with_its_config_line() {
    for (extra, _, words) in CONFIG_CASES {
        let site = kit::serve::site(
            &format!("redis://127.0.0.1:{}/1", kit::closed_port()),
            extra,
        );
        let text = std::fs::read_to_string(site.path("bisk-docs.toml")).unwrap();
        // The fixture's config has its own head: find the line the same way a person would.
        let want = text
            .lines()
            .position(|l| l.starts_with(extra.trim().lines().last().unwrap()))
            .unwrap()
            + 1;
        let err = match bisk_docs::serve::start(bisk_docs::serve::ServeOptions {
            root: site.root().to_path_buf(),
            config: None,
            bind: Some("127.0.0.1:0".into()),
            target: None,
            read_only: true,
            extra: None,
            log: false,
            state_dir: None,
        })
        .await
        {
            Ok(_) => panic!("serve started with {extra:?}"),
            Err(e) => e.to_string(),
        };
        assert!(
            err.contains(&format!("bisk-docs.toml:{want}:")) && err.contains(words),
            "{extra:?} → want bisk-docs.toml:{want}: … {words}\n{err}"
        );
    }
}
