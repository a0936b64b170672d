//! `bisk-docs init`: scaffold a config and a small docs tree. Existing files are never
//! touched: `init` in a folder that already has guides only adds what is missing.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{Common, Failure, output};

#[derive(Args, Debug)]
pub struct InitArgs {
    #[command(flatten)]
    pub common: Common,
    /// Folder to scaffold (default: the root).
    pub dir: Option<PathBuf>,
}

const CONFIG: &str = r#"# bisk-docs configuration. Every key is optional; these are the defaults.
title = "Operations guides"
docs_dir = "docs"
out_dir = "site"
# Top-level folders listed here come first in the navigation, in this order.
sections = ["ops", "backend"]
# "error" fails the build on a broken internal link or anchor; "warn" only reports it.
broken_links = "error"

# The Redis the probes check: mirror the app's Django CACHES block.
# BISK_REDIS_URL overrides the URL; keep passwords there rather than in this file.
[redis]
url = "redis://127.0.0.1:6379/1"
key_prefix = "bisk"
version = 1
connect_timeout = "1s"
deadline = "2s"
allow_writes = true

# More targets, chosen with --target NAME:
# [targets.prod]
# url = "redis://:PASSWORD@redis-host:6379/1"
# allow_writes = false

# Ask the app's own Django for its CACHES: `--target django` probes where Django looks,
# and a `check = "django.settings"` probe compares it with the targets above.
# [django]
# python = "/srv/app/.venv/bin/python"
# settings = "app.settings"
# project_dir = "/srv/app"
"#;

const HOME: &str = r#"# Operations guides

Start with the [Redis checks](ops/REDIS_CHECKS.md). Run `bisk-docs serve` to read these
pages with their live probes, `bisk-docs build` for a static copy, and `bisk-docs check`
to run every probe from a script.
"#;

const OPS_INDEX: &str = r#"+++
title = "Operations"
weight = 1
+++

# Operations

How-tos for the people who run the service.
"#;

const OPS_PAGE: &str = r#"# Redis checks

Redis must answer `PING` with `PONG`:

```bash
redis-cli PING
```

```probe
check = "redis.ping"
title = "Redis answers PONG"
```

> [!TIP]
> A failing probe links to the part of the guide that explains the fix.
"#;

pub fn run(args: InitArgs) -> Result<(), Failure> {
    let dir = args.dir.clone().unwrap_or_else(|| args.common.root.clone());
    std::fs::create_dir_all(&dir)
        .map_err(|e| Failure::Reported(format!("{}: cannot create: {e}", dir.display())))?;
    let files: [(&str, &str); 4] = [
        (crate::config::CONFIG_FILE, CONFIG),
        ("docs/README.md", HOME),
        ("docs/ops/README.md", OPS_INDEX),
        ("docs/ops/REDIS_CHECKS.md", OPS_PAGE),
    ];
    let mut created = 0;
    for (rel, text) in files {
        let path = dir.join(rel);
        match create_new(&path, text) {
            Ok(true) => {
                created += 1;
                if !args.common.quiet {
                    output::status(&format!("created {}", path.display()));
                }
            }
            Ok(false) => {
                if !args.common.quiet {
                    output::status(&format!("kept    {} (already exists)", path.display()));
                }
            }
            Err(e) => return Err(Failure::Reported(format!("{}: {e}", path.display()))),
        }
    }
    if !args.common.quiet {
        output::status(&format!(
            "{created} file(s) created. Next: bisk-docs serve --root {}",
            dir.display()
        ));
    }
    Ok(())
}

/// Writes `text` to `path` only if nothing is there; `create_new` makes the check atomic.
fn create_new(path: &Path, text: &str) -> std::io::Result<bool> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(mut f) => {
            f.write_all(text.as_bytes())?;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}
