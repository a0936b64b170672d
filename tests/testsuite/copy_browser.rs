//! The Copy button in real headless Chromium: on a guide page and in a runbook walkthrough
//! under `serve` (the page's `navigator.clipboard.writeText` is stubbed to record what it is
//! given), and from `file://` (the same, and the hidden-textarea fallback when the clipboard
//! API refuses, with `document.execCommand` stubbed to record the selected text). Each copies the commands of
//! a shell session without its `$ ` prompts and output lines.

use crate::kit;

use std::sync::Arc;
use std::time::Duration;

use bisk_docs::config::Config;
use bisk_docs::runbook::Workspace;
use bisk_docs::serve::{ServeOptions, ServeState, start};
use kit::RedisServer;
use kit::browser::Browser;
use serde_json::Value;

const SESSION: &str = "```console\n$ systemctl restart bisk-enforcer\n$ systemctl is-active bisk-enforcer\nactive\n```\n";
const COMMANDS: &str = "systemctl restart bisk-enforcer\nsystemctl is-active bisk-enforcer\n";

fn site(redis_url: &str) -> kit::Tree {
    let guide = format!("# Restart\n\nRestart it:\n\n{SESSION}");
    let deploy = format!(
        "---\ntitle: Deploy\n---\n\n# Deploy\n\n## Restart the enforcer\n\n{SESSION}\n\
         ```probe\nid = \"ping\"\ncheck = \"redis.ping\"\ntitle = \"Redis answers PONG\"\n```\n"
    );
    kit::Tree::site(
        &format!(
            "title = \"t\"\n[redis]\nurl = \"{redis_url}\"\nconnect_timeout = \"500ms\"\ndeadline = \"1s\"\n"
        ),
        &[("ops/RESTART.md", &guide), ("ops/DEPLOY.md", &deploy)],
    )
}

/// Records what the page hands the clipboard API, then clicks the first Copy button.
const CLICK_WITH_CLIPBOARD_STUB: &str = "window.__copied = null; \
    navigator.clipboard.writeText = function (t) { window.__copied = t; return Promise.resolve(); }; \
    document.querySelector('.codeblock .copy').click(); return 0;";

/// When the clipboard API refuses (no permission, no focus) or is absent, the page falls back
/// to a selected textarea and execCommand.
const CLICK_WITH_EXEC_STUB: &str = "window.__copied = null; \
    if (navigator.clipboard) navigator.clipboard.writeText = function () { return Promise.reject(new Error('denied')); }; \
    document.execCommand = function (c) { var a = document.activeElement; \
      window.__copied = c === 'copy' && a ? a.value : null; return true; }; \
    document.querySelector('.codeblock .copy').click(); return 0;";

async fn copied(browser: &Browser, click: &str) -> String {
    browser.js(click).await;
    let v = browser
        .wait(
            "the copy to reach the clipboard call",
            Duration::from_secs(10),
            "return window.__copied;",
            |v| v.is_string(),
        )
        .await;
    v.as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn copy_puts_the_commands_without_prompts_or_output_on_guides_and_walkthroughs() {
    if kit::browser::skipped("the copy button browser test") {
        return;
    }
    let redis = RedisServer::start();
    let site = site(&redis.url(1));
    let root = site.root().to_path_buf();
    let ws = Arc::new(Workspace::new(&root, Config::load(&root).unwrap()));
    let server = start(ServeOptions {
        root: root.clone(),
        bind: Some("127.0.0.1:0".into()),
        target: None,
        read_only: false,
        extra: Some(Box::new(move |s: &ServeState| {
            bisk_docs::runbook::http::for_server(ws, s)
        })),
        log: false,
        state_dir: None,
        config: None,
    })
    .await
    .expect("serve starts");
    let browser = Browser::start().await;

    // A guide page under serve (localhost: a secure context, the clipboard API).
    browser
        .goto(&format!("{}/ops/RESTART.html", server.url()))
        .await;
    assert_eq!(browser.js("return window.isSecureContext;").await, true);
    assert_eq!(copied(&browser, CLICK_WITH_CLIPBOARD_STUB).await, COMMANDS);
    let label = browser
        .js("return document.querySelector('.codeblock .copy').textContent;")
        .await;
    assert_eq!(label, "Copied");

    // A walkthrough of the deploy guide, started from its start page.
    browser
        .goto(&format!("{}/runs/start?page=ops%2FDEPLOY.md", server.url()))
        .await;
    browser
        .js("var f = document.getElementById('rb-start'); f.operator.value = 'ci'; f.requestSubmit(); return 0;")
        .await;
    browser
        .wait(
            "the walkthrough page",
            Duration::from_secs(20),
            "return location.pathname;",
            |v| {
                v.as_str()
                    .is_some_and(|p| p.starts_with("/runs/") && p.len() > 7 && !p.contains("start"))
            },
        )
        .await;
    browser
        .wait(
            "a code block with a Copy button",
            Duration::from_secs(10),
            "return !!document.querySelector('.codeblock .copy');",
            |v| *v == Value::Bool(true),
        )
        .await;
    assert_eq!(copied(&browser, CLICK_WITH_CLIPBOARD_STUB).await, COMMANDS);
    browser.close().await;
    server.shutdown().await;

    // The built site from file:// (Chromium counts file:// as a secure context): the
    // clipboard API, and the textarea fallback when the API refuses.
    site.build().ok();
    let browser = Browser::start().await;
    let file = root.join("site/ops/RESTART.html");
    assert!(file.exists(), "{}", file.display());
    browser.goto(&format!("file://{}", file.display())).await;
    assert_eq!(copied(&browser, CLICK_WITH_CLIPBOARD_STUB).await, COMMANDS);
    assert_eq!(copied(&browser, CLICK_WITH_EXEC_STUB).await, COMMANDS);
    browser.close().await;
}
