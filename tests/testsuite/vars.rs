//! Values per target (`[vars]`, `[targets.NAME.vars]`, `{{ name }}` in pages and probes),
//! "to be written by the team" callouts and tabs: in `build` (default target and
//! `--target`), `check`, `serve`'s target switch (HTTP, and in Chromium with the Copy
//! button), and the bundled guides with the shipped config.

use crate::kit;

use std::time::Duration;

use kit::RedisServer;
use kit::Tree;
use kit::browser::Browser;
use kit::serve::{get, request};
use serde_json::Value;

/// Two targets that differ in one value, one value unset everywhere, one with markup.
fn config(redis_url: &str, extra: &str) -> String {
    format!(
        "title = \"Vars\"\n\
         [redis]\nurl = \"{redis_url}\"\nconnect_timeout = \"500ms\"\ndeadline = \"1s\"\n\
         [targets.prod]\nurl = \"{redis_url}\"\nconnect_timeout = \"500ms\"\ndeadline = \"1s\"\nallow_writes = false\n\
         [vars]\nweb_unit = \"bisk-web.service\"\nhost = {{ unset = \"the production host\" }}\nmarkup = \"<b>bold</b> & 'q'\"\n\
         [targets.prod.vars]\nweb_unit = \"gunicorn.service\"\n{extra}"
    )
}

const GUIDE: &str = "# Deploy\n\
\n\
Restart `{{ web_unit }}` ({{web_unit}}) on {{ host }}; see [the unit]({{web_unit}}.md). {{ markup }}\n\
\n\
```bash\n\
sudo systemctl restart {{ web_unit }}\n\
```\n\
\n\
Template code is left alone: {{ form.as_p }}, and `\\{{ web_unit }}` is written literally.\n\
\n\
> [!TODO]\n\
> The rollback procedure.\n\
\n\
> [!TAB default]\n\
> Development: `runserver`.\n\
\n\
> [!TAB prod]\n\
> ```bash\n\
> sudo systemctl restart {{ web_unit }}\n\
> ```\n";

fn site(redis_url: &str) -> Tree {
    Tree::site(
        &config(redis_url, ""),
        &[
            ("ops/DEPLOY.md", GUIDE),
            ("ops/bisk-web.service.md", "# The web unit\n"),
            ("ops/gunicorn.service.md", "# Gunicorn\n"),
            (
                "ops/OTHER.md",
                "# Other\n\n> [!TAB prod]\n> Production.\n\n> [!TAB default]\n> Development.\n",
            ),
        ],
    )
}

#[test]
fn build_shows_the_default_target_values_and_target_prod_its_own() {
    let t = site("redis://127.0.0.1:1/1");
    let run = t.build().ok();
    let html = t.page("ops/DEPLOY.html");
    assert!(
        html.contains("Restart <code>bisk-web.service</code> (bisk-web.service)"),
        "{html}"
    );
    assert!(html.contains("href=\"bisk-web.service.html\""), "{html}");
    // Copy copies the code as shown: the value is in the code block's text.
    assert!(
        html.contains("systemctl restart bisk-web.service\n"),
        "{html}"
    );
    // Values are text: escaped, never markup.
    assert!(html.contains("&lt;b&gt;bold&lt;/b&gt; &amp; 'q'"), "{html}");
    assert!(!html.contains("<b>bold</b>"));
    assert!(html.contains("{{ form.as_p }}"), "{html}");
    assert!(
        html.contains("<code>{{ web_unit }}</code> is written literally"),
        "{html}"
    );
    // Tabs: the one named like the target is selected, the other hidden.
    assert!(html.contains("data-tab=\"default\">\n"), "{html}");
    assert!(html.contains("data-tab=\"prod\" hidden>"), "{html}");
    assert!(!run.stderr.contains("error"), "{}", run.stderr);

    let prod = t.run(&["build", "--target", "prod"]).ok();
    let html = t.page("ops/DEPLOY.html");
    assert!(
        html.contains("Restart <code>gunicorn.service</code> (gunicorn.service)"),
        "{html}"
    );
    assert!(
        html.contains("systemctl restart gunicorn.service\n"),
        "{html}"
    );
    assert!(html.contains("href=\"gunicorn.service.html\""), "{html}");
    assert!(!html.contains("restart bisk-web.service"), "{html}");
    assert!(!html.contains("<code>bisk-web.service</code>"), "{html}");
    assert!(html.contains("data-tab=\"default\" hidden>"), "{html}");
    assert!(html.contains("data-tab=\"prod\">\n"), "{html}");
    // The tab named like the target is selected whatever its position.
    let other = t.page("ops/OTHER.html");
    assert!(other.contains("data-tab=\"prod\">\n"), "{other}");
    assert!(prod.stderr.contains("for target prod"), "{}", prod.stderr);
    // Static builds have no switcher.
    assert!(!html.contains("target-switch"));

    t.run(&["build", "--target", "staging"])
        .fails_with(2)
        .stderr_has("unknown target \"staging\"");
}

#[test]
fn unset_values_are_visible_listed_and_fail_strict_builds() {
    let t = site("redis://127.0.0.1:1/1");
    let run = t.build().ok();
    let html = t.page("ops/DEPLOY.html");
    assert!(
        html.contains("<span class=\"var-unset\" title=\"host has no value for target default: the production host\">⟨unset: host⟩</span>"),
        "{html}"
    );
    assert!(
        run.stderr.contains(
            "docs/ops/DEPLOY.md:3: unset value `host` for target default (the production host)"
        ),
        "{}",
        run.stderr
    );
    // The to-be-written section: a marked callout, listed with its line.
    assert!(
        html.contains("<div class=\"callout callout-todo\""),
        "{html}"
    );
    assert!(html.contains("<p class=\"callout-title\">To be written by the team</p>\n<p>The rollback procedure.</p>"), "{html}");
    assert!(!html.contains("[!TODO]"), "{html}");
    assert!(
        run.stderr
            .contains("docs/ops/DEPLOY.md:11: to be written by the team: The rollback procedure."),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("1 use(s) of unset values for target default and 1 section(s) to be written"),
        "{}",
        run.stderr
    );

    // --strict: the same list, exit 1, the previous site untouched.
    std::fs::write(t.out().join("marker"), "old").unwrap();
    let strict = t.run(&["build", "--strict"]).fails_with(1);
    assert!(
        strict.stderr.contains("DEPLOY.md:3: unset value `host`"),
        "{}",
        strict.stderr
    );
    assert!(
        strict.stderr.contains("build failed (--strict)"),
        "{}",
        strict.stderr
    );
    assert!(t.out().join("marker").is_file());

    // check lists the unset values the pages use, for its target.
    let check = t.run(&["check", "--target", "prod"]);
    assert!(
        check
            .stderr
            .contains("docs/ops/DEPLOY.md:3: unset value `host` for target prod"),
        "{}",
        check.stderr
    );
}

#[test]
fn undefined_variables_are_errors_with_file_and_line() {
    let t = Tree::site(
        &config("redis://127.0.0.1:1/1", ""),
        &[(
            "ops/BAD.md",
            "# Bad\n\nText {{ web_unit }}.\n\n```bash\necho ok\necho {{ wbe_unit }}\n```\n\nAnd {{ nope }} here.\n",
        )],
    );
    let run = t.build().fails_with(1);
    assert!(
        run.stderr
            .contains("docs/ops/BAD.md:7: undefined variable `{{ wbe_unit }}`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("docs/ops/BAD.md:10: undefined variable `{{ nope }}`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("defined: host, markup, web_unit"),
        "{}",
        run.stderr
    );

    // In a probe body: a declaration error at the key's line, exit 2 for check.
    let t = Tree::site(
        &config("redis://127.0.0.1:1/1", ""),
        &[(
            "ops/P.md",
            "# P\n\n```probe\ncheck = \"systemd.unit\"\nunit = \"{{ web_unti }}\"\n```\n",
        )],
    );
    t.run(&["check"])
        .fails_with(2)
        .stderr_has("ops/P.md:5: undefined variable `{{ web_unti }}`");
    t.build()
        .fails_with(1)
        .stderr_has("P.md:5: undefined variable");
}

#[test]
fn config_errors_name_the_variable_and_line() {
    let t = Tree::site(
        "[vars]\na = \"1\"\n[targets.prod]\nurl = \"redis://h/1\"\n[targets.prod.vars]\nb = \"2\"\n",
        &[("README.md", "# Home\n")],
    );
    t.build()
        .fails_with(1)
        .stderr_has("bisk-docs.toml:6:")
        .stderr_has("`[targets.prod.vars]` sets `b`, which [vars] does not declare");
    let t = Tree::site(
        "[vars]\na = { value = \"x\" }\n",
        &[("README.md", "# Home\n")],
    );
    t.build()
        .fails_with(1)
        .stderr_has("bisk-docs.toml:2:")
        .stderr_has("unknown key `value` in a variable");
    let t = Tree::site("[redis.vars]\na = \"x\"\n", &[("README.md", "# Home\n")]);
    t.build().fails_with(1).stderr_has("top-level [vars]");
}

/// A page whose probe connects to `{{ addr }}`: a listening Redis on the default target, a
/// closed port on prod, and nothing at all on a third target.
fn probe_site(open: &str, closed: &str) -> Tree {
    let cfg = format!(
        "[redis]\nurl = \"redis://{open}/1\"\nconnect_timeout = \"500ms\"\n\
         [targets.prod]\nurl = \"redis://{open}/1\"\nconnect_timeout = \"500ms\"\n\
         [targets.qa]\nurl = \"redis://{open}/1\"\nconnect_timeout = \"500ms\"\n\
         [vars]\naddr = \"{open}\"\n\
         [targets.prod.vars]\naddr = \"{closed}\"\n\
         [targets.qa.vars]\naddr = {{ unset = \"the QA Redis address\" }}\n"
    );
    Tree::site(
        &cfg,
        &[
            ("README.md", "# Home\n"),
            (
                "ops/NET.md",
                "# Net\n\n```probe\nid = \"reach\"\ncheck = \"tcp.connect\"\naddress = \"{{ addr }}\"\n```\n",
            ),
        ],
    )
}

fn result<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {doc}"))
}

#[test]
fn a_probe_parameter_from_a_variable_runs_with_the_target_value() {
    let redis = RedisServer::start();
    let open = redis.addr();
    let closed = format!("127.0.0.1:{}", kit::redis::closed_port());
    let t = probe_site(&open, &closed);

    let default = t.run(&["check", "--format", "json"]);
    let doc = default.json();
    let r = result(&doc, "reach");
    assert_eq!(r["status"], "pass", "{r}");
    assert!(r["summary"].as_str().unwrap().contains(&open), "{r}");

    let prod = t.run(&["check", "--target", "prod", "--format", "json"]);
    let doc = prod.json();
    let r = result(&doc, "reach");
    assert_eq!(r["status"], "fail", "{r}");
    assert!(r["summary"].as_str().unwrap().contains(&closed), "{r}");
    assert_eq!(prod.code, 1);

    // Unset on this target: skipped with the cause, never run with the placeholder.
    let qa = t.run(&["check", "--target", "qa", "--format", "json"]);
    let doc = qa.json();
    let r = result(&doc, "reach");
    assert_eq!(r["status"], "skipped", "{r}");
    assert_eq!(
        r["summary"],
        "not judged: needs `addr` (the QA Redis address), which has no value for target qa",
        "{r}"
    );
    assert_eq!(
        r["hint"]["text"], "Set it in [targets.qa.vars] or [vars] of bisk-docs.toml.",
        "{r}"
    );
    assert!(
        qa.stderr
            .contains("NET.md:6: unset value `addr` for target qa"),
        "{}",
        qa.stderr
    );
}

/// Regression (issue 18, 4): the value used to be pasted into the probe's TOML text, so
/// this one added `expect = "absent"` and a missing `ping` passed.
#[test]
fn a_value_cannot_rewrite_a_probe_on_any_target() {
    let redis = RedisServer::start();
    let evil = r#""ping\"\nexpect = \"absent""#;
    let cfg = format!(
        "[redis]\nurl = \"{url}\"\n[targets.prod]\nurl = \"{url}\"\n\
         [vars]\nk = {evil}\nsafe = \"x\"\n[targets.prod.vars]\nk = {evil}\n",
        url = redis.url(1)
    );
    let t = Tree::site(
        &cfg,
        &[(
            "ops/K.md",
            "# K\n\n```probe\nid = \"k\"\ncheck = \"cache.key\"\nkey = \"{{ k }}\"\n```\n",
        )],
    );
    for target in ["default", "prod"] {
        let run = t.run(&["check", "--target", target, "--format", "json"]);
        let doc = run.json();
        let r = result(&doc, "k");
        assert_eq!(r["status"], "fail", "{target}: {r}");
        // Judged on the key exactly as the value spells it, expected present as written.
        assert_eq!(r["expected"], "present", "{r}");
        assert!(
            r["summary"]
                .as_str()
                .unwrap()
                .starts_with("bisk:1:ping\"\nexpect = \"absent is absent in db 1"),
            "{r}"
        );
        assert_eq!(run.code, 1, "{}", run.stderr);
    }
}

/// Issue 20: whatever a value holds (a quote and a key, `]]` and a table header, another
/// `{{ name }}`), it is only the text of the string it sits in, on every target, through
/// the whole path: the page's resolve, the runner's resolve for its target, the result.
#[test]
fn a_hostile_value_is_only_the_text_of_its_own_string() {
    let redis = RedisServer::start();
    let evil = r#""]]\n[x]\nexpect = \"absent\"\n\"\"\"{{ safe }}\\{{ safe }}""#;
    let cfg = format!(
        "[redis]\nurl = \"{url}\"\n[targets.prod]\nurl = \"{url}\"\n\
         [vars]\nk = {evil}\nsafe = \"EXPANDED\"\n[targets.prod.vars]\nk = {evil}\n",
        url = redis.url(1)
    );
    let t = Tree::site(
        &cfg,
        &[(
            "ops/K.md",
            "# K\n\n```probe\nid = \"k\"\ncheck = \"cache.key\"\ntitle = \"T {{ k }}\"\nkey = \"{{ k }}\"\n```\n",
        )],
    );
    let value = "]]\n[x]\nexpect = \"absent\"\n\"\"\"{{ safe }}\\{{ safe }}";
    for target in ["default", "prod"] {
        let run = t.run(&["check", "--target", target, "--format", "json"]);
        let doc = run.json();
        let r = result(&doc, "k");
        assert_eq!(r["status"], "fail", "{target}: {r}");
        assert_eq!(r["expected"], "present", "{r}");
        assert_eq!(r["title"], format!("T {value}"), "{r}");
        assert!(
            r["summary"]
                .as_str()
                .unwrap()
                .starts_with(&format!("bisk:1:{value} is absent in db 1")),
            "{r}"
        );
        assert_eq!(run.code, 1, "{}", run.stderr);
    }
}

/// Issue 18, 10: an unset value inside a probe used to be a declaration error (`unknown
/// variant ⟨unset: k⟩`) where it must be a skipped probe, in check, serve and build.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unset_value_in_any_parameter_skips_the_probe_with_its_cause() {
    let redis = RedisServer::start();
    let cfg = format!(
        "[redis]\nurl = \"{}\"\nconnect_timeout = \"500ms\"\n\
         [vars]\nwhen = {{ unset = \"how the key should be\" }}\ndash = {{ unset = \"the dashboard URL\" }}\n",
        redis.url(1)
    );
    let t = Tree::site(
        &cfg,
        &[
            ("README.md", "# Home\n"),
            (
                "ops/U.md",
                "# U\n\n```probe\nid = \"ping\"\ncheck = \"redis.ping\"\n```\n\n\
                 ```probe\nid = \"expect\"\ncheck = \"cache.key\"\nkey = \"ping\"\nexpect = \"{{ when }}\"\n```\n\n\
                 ```probe\nid = \"dash\"\ncheck = \"http.get\"\nurl = \"{{ dash }}\"\n```\n",
            ),
        ],
    );
    let want = [
        (
            "expect",
            "not judged: needs `when` (how the key should be), which has no value for target default",
        ),
        (
            "dash",
            "not judged: needs `dash` (the dashboard URL), which has no value for target default",
        ),
    ];
    let run = t.run(&["check", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = run.json();
    assert_eq!(result(&doc, "ping")["status"], "pass", "{doc}");
    for (id, summary) in want {
        let r = result(&doc, id);
        assert_eq!(r["status"], "skipped", "{r}");
        assert_eq!(r["summary"], summary, "{r}");
        assert_eq!(
            r["hint"]["text"], "Set it in [vars] of bisk-docs.toml.",
            "{r}"
        );
    }

    t.build().ok();
    let html = t.page("ops/U.html");
    assert!(
        html.matches("Not checked on target default:").count() == 2,
        "{html}"
    );

    let server = t.serve(false).await;
    for (id, summary) in want {
        let v = get(server.addr, &format!("/api/probes/{id}")).await.json();
        assert_eq!(v["status"], "skipped", "{v}");
        assert_eq!(v["summary"], summary, "{v}");
    }
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_shows_each_reader_the_target_the_request_names_values_and_probes_follow() {
    let redis = RedisServer::start();
    let open = redis.addr();
    let closed = format!("127.0.0.1:{}", kit::redis::closed_port());
    let t = probe_site(&open, &closed);
    let server = t.serve(false).await;
    let addr = server.addr;

    let page = get(addr, "/ops/NET.html").await;
    assert!(
        page.body.contains(
            "<form class=\"target-switch\" data-current=\"default\" data-default=\"default\">"
        ),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("<option value=\"prod\">prod</option>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("../runs/start?page=ops/NET.md\""),
        "{}",
        page.body
    );
    assert!(!page.body.contains("target-banner"), "{}", page.body);
    let v = get(addr, "/api/probes/reach").await.json();
    assert_eq!(v["status"], "pass", "{v}");

    // An unknown target: 404 naming the configured ones, on pages and in the API.
    for path in [
        "/ops/NET.html?target=staging",
        "/api/probes/reach?target=staging",
        "/api/probes?target=staging",
        "/status/?target=staging",
        "/api/events?page=ops/NET.html&target=staging",
    ] {
        let unknown = get(addr, path).await;
        assert_eq!(unknown.status, 404, "{path}: {}", unknown.body);
        assert!(
            unknown.body.contains("no target")
                && unknown.body.contains("staging")
                && unknown.body.contains("default, prod, qa"),
            "{path}: {}",
            unknown.body
        );
    }

    // The reader who asks for prod gets prod's values, probes, walkthrough and a banner.
    let page = get(addr, "/ops/NET.html?target=prod").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("data-current=\"prod\""), "{}", page.body);
    assert!(
        page.body
            .contains("<option value=\"prod\" selected>prod</option>"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("../runs/start?page=ops/NET.md&amp;target=prod\""),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(&format!(
            "You are viewing target <strong>prod</strong> — probes run against <code>redis://{open}/1</code>"
        )),
        "{}",
        page.body
    );
    let v = get(addr, "/api/probes/reach?target=prod").await.json();
    assert_eq!(v["status"], "fail", "{v}");
    assert_eq!(v["target"]["name"], "prod", "{v}");
    assert!(v["summary"].as_str().unwrap().contains(&closed), "{v}");

    // Nobody else's page changed: the server has no current target to switch.
    let page = get(addr, "/ops/NET.html").await;
    assert!(
        page.body.contains("data-current=\"default\""),
        "{}",
        page.body
    );
    let v = get(addr, "/api/probes/reach").await.json();
    assert_eq!(v["status"], "pass", "{v}");
    let token = bisk_docs::serve::ServeState::token(&server.state).to_string();
    let switch = request(
        addr,
        "POST",
        "/api/target",
        &[
            ("content-type", "application/json"),
            ("x-bisk-token", &token),
        ],
        Some("{\"target\":\"prod\"}"),
    )
    .await;
    assert_eq!(switch.status, 405, "{}", switch.body);
    let targets = get(addr, "/api/target").await.json();
    assert_eq!(targets["default"], "default", "{targets}");
    assert_eq!(
        targets["targets"],
        serde_json::json!(["default", "prod", "qa"])
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn chromium_switches_to_prod_and_copy_copies_the_substituted_command() {
    if kit::browser::skipped("the target switcher browser test") {
        return;
    }
    let redis = RedisServer::start();
    let t = site(&redis.url(1));
    let server = t.serve(false).await;
    let browser = Browser::start().await;
    browser
        .goto(&format!("{}/ops/DEPLOY.html", server.url()))
        .await;
    let code = "return document.querySelector('.content .codeblock code').textContent;";
    assert_eq!(
        browser.js(code).await,
        "sudo systemctl restart bisk-web.service\n"
    );
    // The reader picks prod in the header's switcher: the page opens again for prod.
    browser
        .js(
            "var s = document.querySelector('.target-switch select'); s.value = 'prod'; \
             s.dispatchEvent(new Event('change')); return 0;",
        )
        .await;
    browser
        .wait(
            "the page to show prod's values",
            Duration::from_secs(20),
            "var c = document.querySelector('.content .codeblock code'); return c ? c.textContent : '';",
            |v| v.as_str().is_some_and(|s| s.contains("gunicorn.service")),
        )
        .await;
    assert_eq!(
        browser
            .js("return document.querySelector('.target-switch select').value;")
            .await,
        "prod"
    );
    // The tab named like the target is the one shown.
    assert_eq!(
        browser
            .js("return document.querySelector('.tab-panel:not([hidden])').dataset.tab;")
            .await,
        "prod"
    );
    // Copy copies the command with prod's value.
    browser
        .js("window.__copied = null; \
             navigator.clipboard.writeText = function (t) { window.__copied = t; return Promise.resolve(); }; \
             document.querySelector('.content .codeblock .copy').click(); return 0;")
        .await;
    let copied = browser
        .wait(
            "the copy",
            Duration::from_secs(10),
            "return window.__copied;",
            |v| v.is_string(),
        )
        .await;
    assert_eq!(copied, "sudo systemctl restart gunicorn.service\n");

    // The reader's tab choice is remembered on the next page.
    browser
        .js("document.querySelector('[role=tab][data-tab=default]').click(); return 0;")
        .await;
    browser
        .goto(&format!("{}/ops/OTHER.html", server.url()))
        .await;
    let shown = browser
        .wait(
            "the remembered tab",
            Duration::from_secs(10),
            "var p = document.querySelector('.tab-panel:not([hidden])'); return p && p.dataset.tab;",
            |v| v.is_string(),
        )
        .await;
    assert_eq!(shown, "default");
    browser.close().await;
    server.shutdown().await;
}

#[test]
fn the_bundled_guides_list_unset_values_and_sections_to_write() {
    let docs = kit::repo().join("docs");
    for entry in walkdir::WalkDir::new(&docs)
        .into_iter()
        .filter_map(Result::ok)
    {
        if entry.path().extension().is_some_and(|e| e == "md") {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            assert!(
                !text.contains("TODO(team)"),
                "{} still has TODO(team)",
                entry.path().display()
            );
        }
    }
    let config = std::fs::read_to_string(kit::repo().join("bisk-docs.toml")).unwrap();
    assert!(!config.contains("TODO"), "bisk-docs.toml still has a TODO");

    let out = tempfile::tempdir().unwrap();
    let site = out.path().join("site");
    let run = kit::tree::run_in(
        kit::repo(),
        &["build", "--out", site.to_str().unwrap()],
        &[],
    )
    .ok();
    assert!(
        run.stderr.contains("docs/ops/DEPLOY_CHECKLIST.md:"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("unset value `web_unit` for target default"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("to be written by the team: The rollback procedure"),
        "{}",
        run.stderr
    );
    let deploy = std::fs::read_to_string(site.join("ops/DEPLOY_CHECKLIST.html")).unwrap();
    assert!(deploy.contains("callout-todo"));
    assert!(deploy.contains("⟨unset: web_unit⟩"));
    // The seed's values where it has one.
    assert!(
        deploy.contains("systemctl restart bisk-enforcer.service"),
        "seed unit missing"
    );
    kit::tree::run_in(
        kit::repo(),
        &["build", "--strict", "--out", site.to_str().unwrap()],
        &[],
    )
    .fails_with(1)
    .stderr_has("build failed (--strict)");
}

#[test]
fn runbook_steps_show_the_values_of_the_run_target() {
    let redis = RedisServer::start();
    let t = Tree::site(
        &config(&redis.url(1), ""),
        &[(
            "ops/WALK.md",
            "# Walk\n\n## Restart\n\n```bash\nsudo systemctl restart {{ web_unit }}\n```\n\n```probe\nid = \"ping\"\ncheck = \"redis.ping\"\n```\n",
        )],
    );
    let run = t.run(&[
        "runbook",
        "ops/WALK.md",
        "--target",
        "prod",
        "--operator",
        "ci",
    ]);
    assert_ne!(run.code, 2, "{}", run.stderr);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        all.contains("sudo systemctl restart gunicorn.service"),
        "{all}"
    );
    assert!(!all.contains("{{ web_unit }}"), "{all}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_walkthrough_shows_the_run_target_values_and_starts_on_the_page_target() {
    let redis = RedisServer::start();
    let t = Tree::site(
        &config(&redis.url(1), ""),
        &[(
            "ops/WALK.md",
            "# Walk\n\n## Restart\n\n```bash\nsudo systemctl restart {{ web_unit }}\n```\n\n```probe\nid = \"ping\"\ncheck = \"redis.ping\"\n```\n",
        )],
    );
    let root = t.root().to_path_buf();
    let ws = std::sync::Arc::new(bisk_docs::runbook::Workspace::new(
        &root,
        bisk_docs::config::Config::load(&root).unwrap(),
    ));
    let server = bisk_docs::serve::start(bisk_docs::serve::ServeOptions {
        root: root.clone(),
        bind: Some("127.0.0.1:0".into()),
        extra: Some(Box::new(move |s: &bisk_docs::serve::ServeState| {
            bisk_docs::runbook::http::for_server(ws, s)
        })),
        ..Default::default()
    })
    .await
    .expect("serve starts");
    let addr = server.addr;
    let start = get(addr, "/runs/start?page=ops%2FWALK.md&target=prod").await;
    assert!(
        start.body.contains("<option selected>prod</option>"),
        "{}",
        start.body
    );
    // The header's switcher is the reader's on the runbook pages too.
    let switch = "<form class=\"target-switch\" data-current=\"prod\"";
    assert!(start.body.contains(switch), "{}", start.body);
    assert!(
        start
            .body
            .contains("<option value=\"prod\" selected>prod</option>"),
        "{}",
        start.body
    );
    let runs = get(addr, "/runs/?target=prod").await;
    assert!(runs.body.contains(switch), "{}", runs.body);
    // A name the config does not have selects nothing: the header stays on the default.
    let runs = get(addr, "/runs/?target=staging").await;
    assert!(
        runs.body
            .contains("<form class=\"target-switch\" data-current=\"default\""),
        "{}",
        runs.body
    );
    let token = server.state.token().to_string();
    let origin = format!("http://{addr}");
    let created = request(
        addr,
        "POST",
        "/api/runs",
        &[
            ("content-type", "application/json"),
            ("x-bisk-token", &token),
            ("origin", &origin),
        ],
        Some("{\"page\":\"ops/WALK.md\",\"operator\":\"ci\",\"target\":\"prod\"}"),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.json()["run_id"].as_str().unwrap().to_string();
    let page = get(addr, &format!("/runs/{id}/")).await;
    assert!(
        page.body.contains("systemctl restart gunicorn.service"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("{{ web_unit }}"), "{}", page.body);
    // The walkthrough's header shows the run's target, whatever the reader's.
    assert!(page.body.contains(switch), "{}", page.body);
    server.shutdown().await;
}

#[test]
fn redis_cli_carries_each_targets_connection_options_never_its_password() {
    let t = Tree::site(
        "title = \"Cli\"\n\
         [redis]\nurl = \"redis://127.0.0.1:6390/3\"\n\
         [targets.prod]\nurl = \"rediss://app:s3cret@cache.internal:6380/2\"\n\
         [vars]\nweb_unit = \"w\"\n",
        &[(
            "ops/KEYS.md",
            "# Keys\n\n```text\n{{ redis_cli }} --scan --pattern 'bisk:1:*'\n```\n",
        )],
    );
    t.build().ok();
    let html = t.page("ops/KEYS.html");
    assert!(
        html.contains("redis-cli -h 127.0.0.1 -p 6390 -n 3 --scan"),
        "{html}"
    );
    t.run(&["build", "--target", "prod"]).ok();
    let html = t.page("ops/KEYS.html");
    assert!(
        html.contains("redis-cli --tls -h cache.internal -p 6380 --user app -n 2 --scan"),
        "{html}"
    );
    assert!(!html.contains("s3cret"), "{html}");
    // The effective URL: BISK_REDIS_URL overrides the file's, and so does the command.
    t.run_env(&["build"], &[("BISK_REDIS_URL", "redis://10.0.0.9:7000/5")])
        .ok();
    let html = t.page("ops/KEYS.html");
    assert!(
        html.contains("redis-cli -h 10.0.0.9 -p 7000 -n 5 --scan"),
        "{html}"
    );
}

#[test]
fn a_widget_description_names_the_db_of_the_effective_url() {
    let t = Tree::site(
        "title = \"Db\"\n[redis]\nurl = \"redis://127.0.0.1:1/1\"\n",
        &[(
            "ops/CRUMBS.md",
            "# Crumbs\n\n```probe\ncheck = \"enforcer.breadcrumbs\"\n```\n",
        )],
    );
    t.build().ok();
    let html = t.page("ops/CRUMBS.html");
    assert!(html.contains("in db 1"), "{html}");
    // BISK_REDIS_URL is where the probe runs: its db is the one the description names.
    t.run_env(&["build"], &[("BISK_REDIS_URL", "redis://127.0.0.1:1/2")])
        .ok();
    let html = t.page("ops/CRUMBS.html");
    assert!(html.contains("in db 2"), "{html}");
    assert!(!html.contains("in db 1"), "{html}");
}
