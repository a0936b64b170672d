//! The bundled deploy checklist walked in real headless Chromium as an on-call engineer
//! would, with one probe failing at the start (a legacy key) and repaired mid-run and the
//! enforcer "restarted" between step 8's probes and its sign-off (11 steps). The report, read from the
//! record, must say what was verified: the restart under *Restart the enforcer* (not the web
//! restart before it), every step signed off with nothing verified under *Attention*, the
//! task nobody ticked and the refused Done.

use crate::kit;

use std::time::Duration;

use super::walkthrough_browser::{click, shot, wait_status};
use kit::browser::Browser;
use kit::django::{put, utc_ago};
use kit::runbook::{events, kinds, run_ids};
use kit::{RedisServer, closed_port};

/// The bundled tree, its Redis the private one; the enforcer's main PID read from a file
/// (no systemd here); the dashboard on a closed port (its probe errors, as behind a login).
fn tree(redis: &RedisServer, pidfile: &std::path::Path) -> kit::Tree {
    let tree = kit::Tree::bundled(&redis.url(1), "");
    let config = tree.read("bisk-docs.toml");
    let mainpid = "argv = [\"systemctl\", \"show\", \"--property\", \"MainPID\", \"--value\", \"bisk-enforcer.service\"]\ntimeout = \"5s\"\nexpect_exit = 0\nexpect_stdout = '^[1-9][0-9]*\\s*$'\nrequires = [\"systemd\"]";
    assert!(
        config.contains(mainpid),
        "the bundled enforcer-mainpid command moved"
    );
    let config = config
        .replace(
            mainpid,
            &format!(
                "argv = [\"cat\", \"{}\"]\ntimeout = \"5s\"\nexpect_exit = 0\nexpect_stdout = '^[1-9][0-9]*\\s*$'",
                pidfile.display()
            ),
        )
        .replace(
            "dash_url = \"http://127.0.0.1:8000/dash/system/\"",
            &format!("dash_url = \"http://127.0.0.1:{}/dash/system/\"", closed_port()),
        );
    tree.write("bisk-docs.toml", config.as_bytes());
    tree
}

/// The enforcer's breadcrumbs: a cycle that ended `ago` s ago, run by `pid`.
fn crumbs_of(redis: &RedisServer, pid: u32, ago: i64) {
    put(redis, "bisk:1:enforcer:last_run", &utc_ago(ago));
    put(redis, "bisk:1:enforcer:last_ok", &utc_ago(ago));
    put(
        redis,
        "bisk:1:enforcer:last_error",
        &bisk_docs::django::PyValue::None,
    );
    put(
        redis,
        "bisk:1:enforcer:running_pid",
        &bisk_docs::django::PyValue::Int(pid.into()),
    );
}

async fn done(browser: &Browser, n: usize) {
    click(browser, n, "done").await;
    wait_status(browser, n, "done").await;
}

async fn with_reason(browser: &Browser, n: usize, act: &str, reason: &str, status: &str) {
    browser
        .js(&format!(
            "document.getElementById('rb-reason-{n}').value = {}; return 0;",
            serde_json::Value::from(reason)
        ))
        .await;
    click(browser, n, act).await;
    wait_status(browser, n, status).await;
}

/// Waits until step `n`'s Done was refused (the refusal is written under the button).
async fn refused(browser: &Browser, n: usize) -> String {
    browser
        .wait(
            &format!("the refusal of step {n}'s Done"),
            Duration::from_secs(20),
            &format!(
                "var e = document.querySelector('#step-{n} .rb-error'); \
                 return e.hidden || !e.textContent ? null : e.textContent;"
            ),
            |v| !v.is_null(),
        )
        .await
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_deploy_report_says_what_was_verified_and_who_restarted_the_enforcer() {
    if kit::browser::skipped("the deploy record browser test") {
        return;
    }
    let redis = RedisServer::start();
    // The old enforcer: this test process (old enough for its breadcrumbs); the new one, a
    // process started now that writes its breadcrumbs after the restart.
    let old_pid = kit::process::enforcer_pid(5);
    let new_enforcer = kit::process::Sleeper::start();
    crumbs_of(&redis, old_pid, 5);
    // A process still writes without the prefix: step 9's probe fails until it is gone.
    redis.set(1, ":1:enforcer:last_ok", b"legacy", None);
    let tmp = tempfile::tempdir().unwrap();
    let pidfile = tmp.path().join("enforcer.pid");
    std::fs::write(&pidfile, format!("{old_pid}\n")).unwrap();
    let site = tree(&redis, &pidfile);
    let root = site.root().to_path_buf();
    let server = kit::serve::with_runbooks(&root).await;
    let browser = Browser::start().await;
    browser.resize(1280, 800).await;

    browser
        .goto(&format!(
            "{}/runs/start?page=ops%2FDEPLOY_CHECKLIST.md",
            server.url()
        ))
        .await;
    // No error box before there is an error.
    let empty_box = browser
        .js("var e = document.querySelector('#rb-start .rb-error'); return !e || e.hidden || getComputedStyle(e).display === 'none';")
        .await;
    assert_eq!(empty_box, true, "the start form shows an empty error box");
    browser
        .js("var f = document.getElementById('rb-start'); f.operator.value = 'alice'; f.requestSubmit(); return 0;")
        .await;
    browser
        .wait(
            "the walkthrough",
            Duration::from_secs(30),
            "return document.querySelector('.rb') ? location.pathname : null;",
            |v| v.as_str().is_some_and(|p| p.starts_with("/runs/")),
        )
        .await;
    let id = run_ids(&root).remove(0);

    done(&browser, 1).await;
    // Steps without a probe: signed off on the operator's word.
    for n in 2..=5 {
        done(&browser, n).await;
    }
    with_reason(
        &browser,
        6,
        "skip",
        "static files come from the CDN",
        "skipped",
    )
    .await;
    // The dashboard does not answer here: Done is refused, then overridden.
    click(&browser, 7, "done").await;
    let text = refused(&browser, 7).await;
    assert!(text.contains("Not signed off"), "{text}");
    with_reason(
        &browser,
        7,
        "override",
        "the dashboard needs a login in prod",
        "overridden",
    )
    .await;

    // Step 8: the operator notes the PID (Run probes), restarts, signs off.
    click(&browser, 8, "probes").await;
    browser
        .wait(
            "step 8's probes to run",
            Duration::from_secs(20),
            "var b = document.querySelector('#step-8 [data-act=probes]'); return b.getAttribute('aria-busy') ? null : b.textContent;",
            |v| !v.is_null(),
        )
        .await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !kinds(&events(&root, &id)).iter().any(|k| k == "probes_run") {
        assert!(
            std::time::Instant::now() < deadline,
            "step 8's probes never ran"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    std::fs::write(&pidfile, format!("{}\n", new_enforcer.pid())).unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    crumbs_of(&redis, new_enforcer.pid(), 0);
    done(&browser, 8).await;

    // Step 9: refused while the legacy key is there; repaired; done.
    click(&browser, 9, "done").await;
    let text = refused(&browser, 9).await;
    assert!(text.contains("No unprefixed"), "{text}");
    {
        let mut c = redis.conn(1);
        let _: () = redis::cmd("DEL")
            .arg(":1:enforcer:last_ok")
            .query(&mut c)
            .unwrap();
    }
    done(&browser, 9).await;

    done(&browser, 10).await;
    // Step 11: two of its three tasks ticked.
    for task in [1, 3] {
        browser
            .js(&format!(
                "var b = document.querySelector('#step-11 .rb-text input[data-task=\"{task}\"]'); b.click(); return 0;"
            ))
            .await;
        browser
            .wait(
                "the tick to be recorded",
                Duration::from_secs(10),
                &format!(
                    "return document.querySelector('#step-11 .rb-text input[data-task=\"{task}\"]').title;"
                ),
                |v| v.as_str().is_some_and(|t| t.starts_with("Ticked by alice")),
            )
            .await;
    }
    done(&browser, 11).await;
    browser
        .js("var b = document.querySelector('.rb-finish [data-act=finish]'); b.scrollIntoView(); b.click(); return 0;")
        .await;
    browser
        .wait(
            "the report link after Finish",
            Duration::from_secs(30),
            "var p = document.querySelector('.rb-report-link'); return p.hidden ? null : 1;",
            |v| !v.is_null(),
        )
        .await;
    browser
        .goto(&format!("{}/runs/{id}/report?format=html", server.url()))
        .await;
    shot(&browser, "deploy-report").await;
    let attention = browser
        .js("var a = document.querySelector('section.attention'); return a ? a.textContent : '';")
        .await;
    let attention = attention.as_str().unwrap().to_string();
    let changes = browser
        .js("return [].map.call(document.querySelectorAll('.report-changes li'), function (l) { return l.textContent; });")
        .await;
    let report = browser.js("return document.body.textContent;").await;
    let report = report.as_str().unwrap();

    // The restart, from the record: step 8's probes saw the old PID, its sign-off the new.
    let pid_change = changes
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c.as_str())
        .find(|c| c.contains("new PID"))
        .unwrap_or_else(|| panic!("no PID change reported: {changes}"))
        .to_string();
    assert!(
        pid_change.contains("restarted during step 8 (Restart the enforcer)"),
        "{pid_change}"
    );
    assert!(
        !report.contains("step 7 (Restart the web process)"),
        "{report}"
    );
    // Every step signed off with nothing verified is under Attention, by title.
    for title in [
        "Fetch the code",
        "Install the dependencies",
        "Check the settings",
        "Apply the migrations",
    ] {
        assert!(
            attention.contains(&format!(
                "{title}: signed off by alice (browser) with nothing verified"
            )),
            "{title} is not under Attention: {attention}"
        );
    }
    assert!(
        attention.contains("static files come from the CDN"),
        "{attention}"
    );
    assert!(
        attention.contains("the dashboard needs a login in prod"),
        "{attention}"
    );
    // The unticked task and the refused Done.
    assert!(
        attention.contains("1 task not ticked: “the migrations that ran, if any;”"),
        "{attention}"
    );
    assert!(
        attention.contains("Done refused for alice")
            && attention.contains("No unprefixed :1:enforcer:* keys (FAIL)"),
        "{attention}"
    );
    // Step 9 says what its sign-off verified; the repaired probe is "fixed".
    assert!(
        report.contains("Verified at sign-off")
            && report.contains("No unprefixed :1:enforcer:* keys (PASS)"),
        "{report}"
    );
    assert!(report.contains("never ticked"), "{report}");

    // The log: the refusals are events of their own.
    let log = events(&root, &id);
    let refusals: Vec<_> = log
        .iter()
        .filter(|e| e["event"] == "sign_off_refused")
        .map(|e| e["step"].as_u64().unwrap())
        .collect();
    assert_eq!(refusals, [7, 9]);
    assert_eq!(log[0]["steps"][10]["tasks"].as_array().unwrap().len(), 3);

    // The Markdown report says the same.
    let (code, md, err) = kit::bisk_docs(&root, &["runbook", "report", &id, "--format", "md"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        md.contains("restarted during step 8 (Restart the enforcer)"),
        "{md}"
    );
    assert!(
        md.contains("- [ ] the migrations that ran, if any; (never ticked)"),
        "{md}"
    );
    browser.close().await;
    server.shutdown().await;
}
