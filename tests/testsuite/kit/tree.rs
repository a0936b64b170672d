//! Write a tree, run the real `bisk-docs` binary on it, assert on what it did: a docs tree
//! with its `bisk-docs.toml` in a temp folder ([`Tree`]), one way to run the binary
//! ([`command`], [`Tree::run`], [`bisk_docs`]), and a [`Run`] whose assertions print the
//! run's stdout and stderr when they fail.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `bisk-docs` binary cargo built for these tests.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_bisk-docs")
}

/// `bisk-docs <args> --root <root>` with colour off and `BISK_REDIS_URL` unset (the tests
/// pass it explicitly where they want it): the one way every test starts the binary.
pub fn command(root: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(bin());
    // `--root` after the subcommand: it is a subcommand option.
    cmd.args(args)
        .arg("--root")
        .arg(root)
        .env_remove("BISK_REDIS_URL")
        // Terminal text is as wide as COLUMNS says: the same everywhere the tests run.
        .env("COLUMNS", "80")
        .env("NO_COLOR", "1");
    cmd
}

/// What a finished run of the binary left.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Exits 0.
    #[track_caller]
    pub fn ok(self) -> Run {
        self.fails_with(0)
    }

    /// Exits with `code`.
    #[track_caller]
    pub fn fails_with(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "unexpected exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Stdout parsed as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e})\nstdout:\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// Stdout holds `text`.
    #[track_caller]
    pub fn stdout_has(self, text: &str) -> Run {
        assert!(
            self.stdout.contains(text),
            "stdout lacks {text:?}\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// Stderr holds `text`.
    #[track_caller]
    pub fn stderr_has(self, text: &str) -> Run {
        assert!(
            self.stderr.contains(text),
            "stderr lacks {text:?}\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// (exit code, stdout, stderr), for tests that match on all three.
    pub fn parts(self) -> (i32, String, String) {
        (self.code, self.stdout, self.stderr)
    }
}

/// Runs the binary on `root` (`args` start with the subcommand) with extra `env`; returns
/// (exit code, stdout, stderr).
pub fn bisk_docs(root: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    run_in(root, args, env).parts()
}

/// Runs the binary on `root` with extra `env`.
pub fn run_in(root: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = command(root, args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    Run::from(cmd.output().expect("run bisk-docs"))
}

/// A site's folder in a temp dir: `bisk-docs.toml`, `docs/`, and whatever a test adds.
pub struct Tree {
    pub dir: tempfile::TempDir,
}

impl Tree {
    /// An empty folder.
    pub fn new() -> Tree {
        Tree {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// `config` is the bisk-docs.toml text; `pages` (docs-relative path, Markdown).
    pub fn site(config: &str, pages: &[(&str, &str)]) -> Tree {
        let tree = Tree::new().file("bisk-docs.toml", config);
        for (path, text) in pages {
            tree.write(&format!("docs/{path}"), text.as_bytes());
        }
        tree
    }

    /// A copy of a fixture tree from tests/fixtures/sites/NAME.
    pub fn fixture(name: &str) -> Tree {
        let tree = Tree::new();
        super::copy_dir(&super::fixture_path("sites").join(name), tree.root());
        tree
    }

    /// A copy of the repository's own docs and config, with `[redis]` pointed at
    /// `redis_url` and `extra_config` appended, so a test can edit the bundled guides.
    pub fn bundled(redis_url: &str, extra_config: &str) -> Tree {
        let tree = Tree::new();
        super::copy_dir(&super::repo().join("docs"), &tree.path("docs"));
        let config = std::fs::read_to_string(super::repo().join("bisk-docs.toml")).unwrap();
        let config = config.replace("redis://127.0.0.1:6379/1", redis_url);
        assert!(config.contains(redis_url), "the config's [redis] url moved");
        tree.file("bisk-docs.toml", &format!("{config}\n{extra_config}"))
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// `rel` inside the tree.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }

    /// Writes `rel` (folders created); chainable.
    pub fn file(self, rel: &str, text: &str) -> Tree {
        self.write(rel, text.as_bytes());
        self
    }

    /// Writes `rel` (folders created).
    pub fn write(&self, rel: &str, bytes: &[u8]) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }

    /// Reads `rel` of the tree.
    #[track_caller]
    pub fn read(&self, rel: &str) -> String {
        let p = self.path(rel);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    /// Writes a file the way editors do: to a temp file, then renamed over the target.
    pub fn save_atomically(&self, rel: &str, text: &str) {
        let target = self.path(rel);
        let tmp = target.with_file_name(format!(
            ".{}.tmp",
            target.file_name().unwrap().to_string_lossy()
        ));
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, &target).unwrap();
    }

    /// Runs `bisk-docs <args> --root <tree>`.
    pub fn run(&self, args: &[&str]) -> Run {
        run_in(self.root(), args, &[])
    }

    /// [`Tree::run`] with extra environment for the child (never for this process).
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        run_in(self.root(), args, env)
    }

    pub fn build(&self) -> Run {
        self.run(&["build"])
    }

    /// The built site's folder.
    pub fn out(&self) -> PathBuf {
        self.path("site")
    }

    /// A file of the built site.
    #[track_caller]
    pub fn page(&self, rel: &str) -> String {
        let p = self.out().join(rel);
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    /// Every file of the built site, relative, sorted.
    pub fn outputs(&self) -> Vec<String> {
        let mut v: Vec<String> = walkdir::WalkDir::new(self.out())
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                e.path()
                    .strip_prefix(self.out())
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect();
        v.sort();
        v
    }
}

/// Every `href="…"` and `src="…"` value in an HTML text.
pub fn urls(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "src=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            if let Some(end) = rest.find('"') {
                out.push(rest[..end].to_string());
                rest = &rest[end..];
            }
        }
    }
    out
}
