//! The README and the manual (`manual/`, a bisk-docs site) as a reader gets them: every code
//! fence closed and no heading swallowed by a code block (rendered with CommonMark, as GitHub
//! and bisk-docs read them), the manual's strict build, its version the program's, its CLI and
//! checks reference complete, its live probes only reading, and the README a front page whose
//! links reach the manual.

use crate::kit;

use std::path::{Path, PathBuf};

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag};

/// README.md and every Markdown page of the manual and of the bundled guides.
fn markdown_sources() -> Vec<PathBuf> {
    let mut out = vec![kit::repo().join("README.md")];
    for folder in ["manual/docs", "docs"] {
        for e in walkdir::WalkDir::new(kit::repo().join(folder))
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
        {
            if e.path().extension().is_some_and(|x| x == "md") {
                out.push(e.path().to_path_buf());
            }
        }
    }
    out
}

/// Languages in which a line starting with `#` is a comment, not a heading gone astray.
const HASH_COMMENTS: &[&str] = &[
    "bash",
    "sh",
    "shell",
    "zsh",
    "toml",
    "probe",
    "yaml",
    "yml",
    "python",
    "py",
    "nginx",
    "ini",
    "conf",
    "dockerfile",
    "make",
    "systemd",
];

/// The problems of one Markdown text: fenced code blocks that never close (they run on to the
/// end of the document or of their container, swallowing what follows), and lines inside a
/// code block that read as headings. A Markdown example that shows headings on purpose is
/// fenced with four backticks or more and the info string `markdown`.
fn fence_problems(name: &str, text: &str) -> Vec<String> {
    let line_of = |offset: usize| text[..offset].matches('\n').count() + 1;
    let mut problems = Vec::new();
    let mut open: Option<(usize, String, bool)> = None; // (line, language, headings allowed)
    for (event, range) in Parser::new_ext(text, Options::all()).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let line = line_of(range.start);
                let (lang, headings_ok) = match &kind {
                    CodeBlockKind::Fenced(info) => {
                        let src = &text[range.clone()];
                        let strip = |l: &str| {
                            l.trim_start_matches(|c: char| c == '>' || c.is_whitespace())
                                .to_string()
                        };
                        let first = strip(src.lines().next().unwrap_or(""));
                        let fence_char = first.chars().next().unwrap_or('`');
                        let width = first.chars().take_while(|&c| c == fence_char).count();
                        let last = src
                            .lines()
                            .rev()
                            .map(strip)
                            .find(|l| !l.trim().is_empty())
                            .unwrap_or_default();
                        let closed = src.lines().count() > 1
                            && last.trim_end().chars().all(|c| c == fence_char)
                            && last.trim_end().chars().count() >= width;
                        if !closed {
                            problems.push(format!(
                                "{name}:{line}: the code fence opened here is never closed"
                            ));
                        }
                        let lang = info.split_whitespace().next().unwrap_or("").to_lowercase();
                        let ok = width >= 4 && matches!(lang.as_str(), "markdown" | "md");
                        (lang, ok)
                    }
                    CodeBlockKind::Indented => (String::new(), false),
                };
                open = Some((line, lang, headings_ok));
            }
            Event::Text(t) => {
                let Some((line, lang, headings_ok)) = &open else {
                    continue;
                };
                if *headings_ok || HASH_COMMENTS.contains(&lang.as_str()) {
                    continue;
                }
                for l in t.lines() {
                    let hashes = l.trim_start().chars().take_while(|&c| c == '#').count();
                    let rest = &l.trim_start()[hashes..];
                    if (1..=6).contains(&hashes)
                        && (rest.is_empty() || rest.starts_with(' '))
                        && l.len() - l.trim_start().len() <= 3
                    {
                        problems.push(format!(
                            "{name}:{line}: the code block opened here holds the heading `{l}`: \
                             is a fence left open above it?"
                        ));
                    }
                }
            }
            Event::End(pulldown_cmark::TagEnd::CodeBlock) => open = None,
            _ => {}
        }
    }
    problems
}

#[test]
fn every_fence_is_closed_and_no_heading_hides_in_a_code_block() {
    let mut problems = Vec::new();
    let sources = markdown_sources();
    assert!(sources.len() > 20, "{sources:?}");
    for path in &sources {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path
            .strip_prefix(kit::repo())
            .unwrap()
            .display()
            .to_string();
        problems.extend(fence_problems(&name, &text));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The check itself finds the two ways the old README broke: a fence never closed, and a
/// fence that a later block's fence closed, leaving the text between as code.
#[test]
fn the_fence_check_finds_what_broke_the_old_readme() {
    let unclosed = "# A\n\n```markdown\n## Attention\n\ntext\n";
    let p = fence_problems("x.md", unclosed);
    assert!(
        p.iter().any(|p| p.contains("x.md:3: the code fence")),
        "{p:?}"
    );
    assert!(p.iter().any(|p| p.contains("`## Attention`")), "{p:?}");
    let swallowed =
        "Report:\n\n```markdown\n\n## Running `serve` for a team\n\n```sh\n$ curl\n```\n";
    let p = fence_problems("y.md", swallowed);
    assert!(
        p.iter()
            .any(|p| p.contains("y.md:3:") && p.contains("## Running")),
        "{p:?}"
    );
    // What is allowed: comments in shell and TOML, headings in a four-backtick Markdown example.
    let fine = "```bash\n# a comment\n```\n\n````markdown\n## Attention\n````\n\n> ```toml\n> # c\n> ```\n";
    assert_eq!(fence_problems("z.md", fine), Vec::<String>::new());
}

#[test]
fn the_manual_builds_strict() {
    let t = kit::Tree::new();
    kit::copy_dir(&kit::repo().join("manual"), t.root());
    let _ = std::fs::remove_dir_all(t.root().join("site"));
    let run = t.run(&["build", "--strict"]).ok();
    assert!(
        run.stdout.contains("built") || run.stderr.contains("built"),
        "{run:?}"
    );
    let front = t.page("index.html");
    assert!(
        front.contains("class=\"probe"),
        "the front page shows a live probe"
    );
}

/// `[vars] version` of the manual (what its pages say) is Cargo.toml's version, which is what
/// `bisk-docs --version` prints.
#[test]
fn the_manual_names_the_programs_version() {
    let config: toml::Table = toml::from_str(
        &std::fs::read_to_string(kit::repo().join("manual/bisk-docs.toml")).unwrap(),
    )
    .unwrap();
    let manual = config["vars"]["version"].as_str().expect("[vars] version");
    assert_eq!(
        manual,
        env!("CARGO_PKG_VERSION"),
        "manual/bisk-docs.toml [vars] version"
    );
    let out = std::process::Command::new(kit::tree::bin())
        .arg("--version")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("bisk-docs {manual}")
    );
    assert!(kit::manual_page("README.md").contains("# bisk-docs {{ version }}"));
}

/// Every flag of every subcommand's `--help` is listed on the CLI reference page, under its
/// command (the options of every command under `## Options of every command`).
#[test]
fn the_cli_reference_lists_every_flag() {
    let page = kit::manual_page("reference/cli.md");
    let section = |heading: &str| -> String {
        let marker = format!("\n## {heading} ");
        let body = page
            .split(marker.as_str())
            .nth(1)
            .unwrap_or_else(|| panic!("reference/cli.md has no `## {heading}`"));
        body.split("\n## ").next().unwrap_or(body).to_string()
    };
    let common = section("Options of every command");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let commands: &[(&[&str], &str)] = &[
        (&["build"], "build"),
        (&["check"], "check"),
        (&["serve"], "serve"),
        (&["runbook"], "runbook"),
        (&["runbook", "report"], "runbook"),
        (&["runbook", "list"], "runbook"),
        (&["init"], "init"),
        (&["clean"], "clean"),
    ];
    let mut missing = Vec::new();
    for (args, heading) in commands {
        let mut argv = args.to_vec();
        argv.push("--help");
        let out = kit::tree::command(root, &argv).output().unwrap();
        let help = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(help.contains("Usage:"), "{args:?}: {help}");
        let body = section(heading);
        let mut flags = 0;
        for word in help.split(|c: char| c.is_whitespace() || c == ',') {
            let Some(name) = word.strip_prefix("--") else {
                continue;
            };
            let name: String = name
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            if name.is_empty() || name == "help" {
                continue;
            }
            flags += 1;
            let flag = format!("`--{name}");
            if !body.contains(&flag) && !common.contains(&flag) {
                missing.push(format!("{} --{name}", args.join(" ")));
            }
        }
        assert!(flags >= 3, "{args:?}: no flags read from {help}");
    }
    missing.dedup();
    assert!(missing.is_empty(), "not in reference/cli.md: {missing:?}");
}

/// Every check the program knows has a row in the checks reference and a verdict table.
#[test]
fn every_check_is_in_the_reference_and_the_verdict_tables() {
    let checks = kit::manual_page("reference/checks.md");
    for name in bisk_docs::probe::decl::CHECK_NAMES {
        assert!(
            checks.contains(&format!("\n| `{name}` |")),
            "reference/checks.md has no row for {name}"
        );
        kit::manual_verdict_section(name);
    }
}

/// The manual's own probes, run as the README says against a private redis-server: they all
/// judge it (pass), and nothing was written to it.
#[test]
fn the_manuals_probes_only_read() {
    let redis = kit::RedisServer::start();
    let t = kit::Tree::new();
    kit::copy_dir(&kit::repo().join("manual"), t.root());
    let url = redis.url(0);
    let run = t.run_env(
        &["check", "--format", "json"],
        &[("BISK_REDIS_URL", url.as_str())],
    );
    let doc = run.json();
    let results = doc["results"].as_array().unwrap();
    assert!(results.len() >= 4, "{doc:#}");
    for r in results {
        assert_eq!(r["status"], "pass", "{r:#}");
    }
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut conn = redis.conn(0);
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut conn).unwrap();
    assert!(keys.is_empty(), "the manual's probes wrote {keys:?}");
    // And the config says so: a writing probe added later would be skipped, not run.
    let config: toml::Table = toml::from_str(
        &std::fs::read_to_string(kit::repo().join("manual/bisk-docs.toml")).unwrap(),
    )
    .unwrap();
    assert_eq!(config["redis"]["allow_writes"].as_bool(), Some(false));
}

/// The README is a front page: under 150 lines, its relative links reach files of the
/// repository (the manual's pages, the screenshots), and it keeps the two commands.
#[test]
fn the_readme_is_a_front_page() {
    let readme = std::fs::read_to_string(kit::repo().join("README.md")).unwrap();
    let lines = readme.lines().count();
    assert!(lines < 150, "README.md has {lines} lines");
    assert!(readme.contains("cargo run --release -- serve "), "{readme}");
    assert!(readme.contains("cargo test "), "{readme}");
    assert!(
        readme.contains("bisk:1:ping"),
        "the README warns what serve writes"
    );
    let mut links = 0;
    for event in Parser::new_ext(&readme, Options::all()) {
        let dest = match event {
            Event::Start(Tag::Link { dest_url, .. })
            | Event::Start(Tag::Image { dest_url, .. }) => dest_url.to_string(),
            _ => continue,
        };
        if dest.contains("://") || dest.starts_with('#') {
            continue;
        }
        let file = dest.split('#').next().unwrap();
        assert!(
            kit::repo().join(file).is_file(),
            "README links to {dest}, which is not a file of the repository"
        );
        links += 1;
    }
    assert!(links >= 15, "{links} links");
}
