//! Every `bisk-docs …` command the bundled guides, the README and the manual (`manual/docs/`)
//! tell a reader to run works on the shipped `bisk-docs.toml`: run against a copy of the
//! repository's docs, config and manual and a private redis-server, none ends in a usage error
//! (exit 2, or clap's "Usage:").
//!
//! Commands are taken from code blocks (one per line, `$ ` prompts removed) and inline code
//! spans that start with `bisk-docs ` (or `cargo run --release -- `, the README's spelling).
//! Synopses (`bisk-docs check [PATH...] [--target T]`) are not commands and are skipped.
//! A trailing `# comment` and an output redirection (`> report.md`) are dropped; the
//! placeholders a reader fills in get real values: a run id for `RUN_ID` (and the README's
//! example run id), a folder for `init DIR`, `ci` for `"$USER"`. `serve` runs until it
//! announces its URL (on a free port), the rest to completion with stdin closed.

use crate::kit;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use kit::RedisServer;
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// The commands of one Markdown text, in order.
fn commands(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_code = false;
    let mut take = |line: &str| {
        let line = line.trim();
        let line = line.strip_prefix("$ ").unwrap_or(line);
        let line = match line.strip_prefix("cargo run --release -- ") {
            Some(rest) => format!("bisk-docs {rest}"),
            None => line.to_string(),
        };
        if line.starts_with("bisk-docs ") && !line.contains(" [") && !line.contains("...") {
            out.push(line);
        }
    };
    for event in Parser::new_ext(markdown, Options::all()) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Text(t) if in_code => t.lines().for_each(&mut take),
            Event::Code(t) => take(&t),
            _ => {}
        }
    }
    out
}

/// Words of a command line as a shell would pass them (enough for the guides: double quotes,
/// no escapes), without a trailing comment or redirection.
fn argv(line: &str, run_id: &str) -> Vec<String> {
    let line = line.split(" #").next().unwrap_or(line);
    let line = line.split(" > ").next().unwrap_or(line);
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
        .into_iter()
        .skip(1)
        .map(|w| match w.as_str() {
            "$USER" => "ci".to_string(),
            "RUN_ID" | "20261125T192453Z-35f219" => run_id.to_string(),
            "DIR" => "scaffold".to_string(),
            _ => w,
        })
        .collect()
}

/// A command's own `--root DIR` (the manual's `--root manual`, a scaffold's `--root mydocs`)
/// taken out of its words and resolved against the tree: the kit passes `--root` itself.
fn own_root(root: &Path, args: Vec<String>) -> (std::path::PathBuf, Vec<String>) {
    match args.iter().position(|a| a == "--root") {
        Some(i) if i + 1 < args.len() => {
            let dir = root.join(&args[i + 1]);
            let mut rest = args;
            rest.drain(i..i + 2);
            (dir, rest)
        }
        _ => (root.to_path_buf(), args),
    }
}

/// Runs `bisk-docs args` in `root` with stdin closed, at most two minutes.
fn run(root: &Path, args: &[String], env: &[(&str, &str)]) -> kit::tree::Run {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut cmd = kit::tree::command(root, &refs);
    cmd.current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run bisk-docs");
    // Drain both pipes while waiting: an output larger than a pipe's buffer (an HTML
    // report) would otherwise block the child forever.
    let drain = |r: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
    );
    let until = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return kit::tree::Run::from(std::process::Output {
                status,
                stdout: out.join().unwrap(),
                stderr: err.join().unwrap(),
            });
        }
        if Instant::now() > until {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "bisk-docs {args:?} did not finish in 2 minutes\n{}",
                String::from_utf8_lossy(&err.join().unwrap())
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn every_command_in_the_guides_readme_and_manual_runs_on_the_shipped_config() {
    let redis = RedisServer::start();
    let url = redis.url(1);
    let tree = kit::Tree::bundled(&url, "");
    let root = tree.root();
    // The README and the manual tell readers to run the manual's own site (`--root manual`).
    kit::copy_dir(&kit::repo().join("manual"), &root.join("manual"));
    // The prod target too reaches the private server: a password-less URL in the variable
    // the guides tell operators to use.
    let env = [("BISK_REDIS_URL", url.as_str())];

    let mut found: Vec<(String, String)> = Vec::new();
    let mut sources = vec![kit::repo().join("README.md")];
    for folder in ["docs", "manual/docs"] {
        for e in walkdir::WalkDir::new(kit::repo().join(folder))
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
        {
            if e.path().extension().is_some_and(|x| x == "md") {
                sources.push(e.path().to_path_buf());
            }
        }
    }
    for path in &sources {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path
            .strip_prefix(kit::repo())
            .unwrap()
            .display()
            .to_string();
        for c in commands(&text) {
            if !found.iter().any(|(_, f)| *f == c) {
                found.push((name.clone(), c));
            }
        }
    }
    let has = |prefix: &str| found.iter().any(|(_, c)| c.starts_with(prefix));
    // The ones the issue names, so the extraction cannot quietly find nothing.
    assert!(
        has("bisk-docs runbook docs/ops/DEPLOY_CHECKLIST.md --target prod"),
        "{found:?}"
    );
    assert!(has("bisk-docs check --target prod"), "{found:?}");
    assert!(has("bisk-docs serve --target prod"), "{found:?}");
    assert!(has("bisk-docs check --root manual"), "{found:?}");
    assert!(found.len() >= 15, "{found:?}");

    // A finished run, for the commands that name one.
    let first = run(
        root,
        &argv(
            "bisk-docs runbook docs/ops/DEPLOY_CHECKLIST.md --operator ci --yes",
            "",
        ),
        &env,
    );
    assert_ne!(first.code, 2, "{}", first.stderr);
    let list = run(root, &argv("bisk-docs runbook list", ""), &env);
    let run_id = list
        .stdout
        .lines()
        .nth(1)
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no run listed: {}\n{}", list.stdout, list.stderr))
        .to_string();

    let mut report = Vec::new();
    for (source, line) in &found {
        let (root, args) = own_root(root, argv(line, &run_id));
        let root = root.as_path();
        if args.first().is_some_and(|a| a == "serve") {
            let mut serve_args: Vec<&str> = args[1..].iter().map(String::as_str).collect();
            serve_args.extend(["--bind", "127.0.0.1:0"]);
            let mut server = kit::serve::ServeProcess::start(root, &serve_args, &env);
            assert!(
                server.try_wait().is_none(),
                "{source}: `{line}` exited: {}",
                server.log()
            );
            report.push(format!("{source}: {line} → serving"));
            continue;
        }
        let r = run(root, &args, &env);
        assert!(
            r.code != 2 && !r.stderr.contains("Usage:"),
            "{source}: `{line}` is a usage error on the shipped config (exit {})\nstdout:\n{}\nstderr:\n{}",
            r.code,
            r.stdout,
            r.stderr
        );
        report.push(format!("{source}: {line} → exit {}", r.code));
    }
    eprintln!("{}", report.join("\n"));
}
