//! `bisk-docs init`: scaffold a neutral starter for any service: a config whose every key
//! says what it does, and one page per kind of check with its parameters; its probes carry
//! their own `hint`/`hint_link`, so nothing links to another project's guides. Existing files are never
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

const CONFIG: &str = r#"# bisk-docs configuration for your service. Every key is optional: each one below says
# what it does and shows its default or an example. `bisk-docs check` lists what it reads.

# The site's name, shown in the header and the browser's title.
title = "Operations guides"
# The Markdown guides (docs_dir) and where `build` writes the site (out_dir).
docs_dir = "docs"
out_dir = "site"
# Top-level folders of docs/ listed first in the navigation, in this order.
sections = ["checks"]
# "error": a broken internal link or anchor fails `build`; "warn" only reports it.
broken_links = "error"

# The cache the probes check: mirror your app's Django CACHES block (LOCATION, KEY_PREFIX,
# VERSION), so the probes look for the keys your app writes.
[redis]
# LOCATION. Keep a password out of this file: put the whole URL in
# BISK_REDIS_URL ('redis://:PASSWORD@host:6379/1'), which replaces this url.
url = "redis://127.0.0.1:6379/1"
# KEY_PREFIX and VERSION of your CACHES block (keys read as PREFIX:VERSION:key).
key_prefix = "app"
version = 1
# How long to wait for the connection, and for a whole probe.
connect_timeout = "1s"
deadline = "2s"
# Whether probes may write (cache.roundtrip sets a key); false on a production target.
allow_writes = true

# More targets, chosen with --target NAME (and the header's switcher under `serve`):
# [targets.prod]
# url = "redis://redis-host:6379/1"    # the password in BISK_REDIS_URL, never here
# key_prefix = "app"
# allow_writes = false                 # read-only: writing probes are skipped

# Values the guides show and their probes use, written {{ name }} in the Markdown and in
# probe bodies; [targets.NAME.vars] overrides them per target. `{ unset = "what it is" }`
# marks a value nobody has written down yet (`build --strict` fails on it).
[vars]
# The unit your service runs as (the services page shows it in its commands).
service_unit = "app.service"
# Where the app answers a health check (used in the services page's example).
health_url = "http://127.0.0.1:8000/health/"

# Commands a `check = "command"` probe may run: argv is never passed to a shell;
# expect_exit and expect_stdout (a regular expression) decide pass or fail; `requires =
# ["systemd"]` skips the probe (with the cause) on a host without systemd.
[commands.disk-free]
argv = ["df", "-P", "/"]
timeout = "5s"
expect_exit = 0
expect_stdout = '/\s*$'

# Ask the app's own Django for its CACHES: `--target django` probes where Django looks,
# and a `check = "django.settings"` probe compares it with the targets above.
# [django]
# python = "/srv/app/.venv/bin/python"    # the virtualenv the app runs with
# settings = "app.settings"                # DJANGO_SETTINGS_MODULE
# project_dir = "/srv/app"                 # the folder that holds manage.py
"#;

const HOME: &str = r#"# Operations guides

Guides for the people who run this service, with live checks. Start with
[the checks](checks/README.md): one page per kind of check, each with its parameters.

Run `bisk-docs serve` to read these pages with their probes live, `bisk-docs build` for a
static copy, and `bisk-docs check` to run every probe from a script (exit 1 on a failure).
"#;

const CHECKS_INDEX: &str = r#"+++
title = "Checks"
weight = 1
+++

# Checks

A probe is a fenced block `probe` in a page: `check` names what it does, `title` what the
reader sees, and the other keys are that check's parameters. Every probe may also carry:

| Key | What it does |
|---|---|
| `id` | A stable name (for `bisk-docs check --probe ID` and the runbook's record). |
| `description` | Replaces the generated sentence that says what is checked. |
| `target` | A named target (`[targets.NAME]`) instead of the reader's. |
| `hint` | Your fix text, shown when the probe does not pass (values of `[vars]` allowed). |
| `hint_link` | Where the fix is explained: a page of these docs (`checks/CACHE.md#fix`) or a URL. |

- [Redis](REDIS.md): the server answers, its memory and clients, keys by pattern.
- [The cache](CACHE.md): a key of your app, a round trip as Django writes it.
- [Services](SERVICES.md): commands, systemd units, HTTP and TCP endpoints.
"#;

const REDIS_PAGE: &str = r#"# Redis

## The server answers {#ping}

`redis.ping` sends `PING` and expects `PONG` (no parameters).

```probe
id = "redis-ping"
check = "redis.ping"
title = "Redis answers PONG"
hint = "Start Redis, or fix `url` in bisk-docs.toml (BISK_REDIS_URL) to where it listens."
hint_link = "checks/REDIS.md#fix-ping"
```

### When it fails {#fix-ping}

Nothing listens at the URL's host and port, a password is missing or wrong, or another
service holds the port. `redis-cli -h HOST -p PORT PING` from this host tells which; with a
password, `export REDISCLI_AUTH` first rather than passing `-a`.

## Memory and clients {#info}

`redis.info` reads `INFO`. Parameters: `max_memory_ratio` (used/maxmemory above it warns,
default 0.9), `max_evicted` and `max_rejected` (counts above them warn, default 0).

```probe
id = "redis-info"
check = "redis.info"
title = "Redis has memory and takes clients"
hint = "Raise maxmemory or set an eviction policy; find who holds connections with CLIENT LIST."
hint_link = "checks/REDIS.md#info"
```

## Keys by pattern {#scan}

`redis.scan` counts keys matching `pattern` (a raw Redis glob, prefix included). Parameters:
`expect` (`some` or `none`), `db` (default the target's), `databases` (16), `limit` (20).

```probe
id = "no-unprefixed-keys"
check = "redis.scan"
title = "No keys without the app's prefix"
pattern = ":1:*"
expect = "none"
hint = "A process writes without KEY_PREFIX: give every process the same CACHES block."
hint_link = "checks/REDIS.md#scan"
```
"#;

const CACHE_PAGE: &str = r#"# The cache

## A key of the app {#key}

`cache.key` reads one key as Django names it (`key`, without prefix and version) and
decodes its value. Parameters: `expect` (`present`, `absent` or `any`), `equals` (a value),
`max_age` (a time inside the value, e.g. `"15m"`), `min_ttl`, `max_ttl` (seconds) and
`persistent` (true: no expiry).

```probe
id = "no-maintenance-flag"
check = "cache.key"
title = "The maintenance flag is off"
key = "maintenance"
expect = "absent"
hint = "Someone left maintenance mode on: clear it from the app (manage.py shell), not by hand."
hint_link = "checks/CACHE.md#key"
```

## A round trip {#roundtrip}

`cache.roundtrip` writes `key` (default `ping`) with `value` (`pong`) and `ttl` (60 s) the
way Django's `cache.set` does, and reads it back. It writes, so a target with
`allow_writes = false` skips it:

```toml
check = "cache.roundtrip"
title = "The ping key round-trips"
```
"#;

const SERVICES_PAGE: &str = r#"# Services

## A command {#command}

`command` runs a `[commands.NAME]` of bisk-docs.toml (`name`), never through a shell,
and judges its exit code and output as the config says.

```probe
id = "disk-free"
check = "command"
title = "The root file system answers df"
name = "disk-free"
hint = "df failed: look at the disk and its mount (`df -h /`, `dmesg`)."
hint_link = "checks/SERVICES.md#command"
```

## A systemd unit {#unit}

`systemd.unit` expects `unit` active (skipped on a host without systemd). For
`{{ service_unit }}`:

```toml
check = "systemd.unit"
title = "The service runs"
unit = "{{ service_unit }}"
```

## HTTP and TCP {#http}

`http.get` fetches `url` and expects `status` (200) and, optionally, `contains`;
`tcp.connect` opens `address` (`host:port`). For `{{ health_url }}`:

```toml
check = "http.get"
title = "The health check answers"
url = "{{ health_url }}"
```
"#;

pub(super) fn run(args: InitArgs) -> Result<(), Failure> {
    let dir = args.dir.clone().unwrap_or_else(|| args.common.root.clone());
    std::fs::create_dir_all(&dir)
        .map_err(|e| Failure::Reported(format!("{}: cannot create: {e}", dir.display())))?;
    let files: [(&str, &str); 6] = [
        (crate::config::CONFIG_FILE, CONFIG),
        ("docs/README.md", HOME),
        ("docs/checks/README.md", CHECKS_INDEX),
        ("docs/checks/REDIS.md", REDIS_PAGE),
        ("docs/checks/CACHE.md", CACHE_PAGE),
        ("docs/checks/SERVICES.md", SERVICES_PAGE),
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
