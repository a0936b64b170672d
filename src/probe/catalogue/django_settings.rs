//! `django.settings`: Django's own `CACHES['default']` against the targets of
//! bisk-docs.toml.
//!
//! Every other probe looks where bisk-docs.toml says; this one asks Django (`[django]`,
//! see `django::settings`) where the app looks, and fails when the two differ, naming the
//! field. It also fails on a cache that is not shared across processes (LocMemCache,
//! DummyCache), reports troubleshooting A (`redis` not importable in the project's
//! virtualenv) and warns when entries expire after a finite `TIMEOUT` while the enforcer's
//! breadcrumbs must persist. When Django cannot be asked, it says why and never passes.
//! The verdict table is in the README (`### django.settings`); [`judge`] is its pure half.

use crate::config::{self, DatabaseUrl};
use crate::config::{NamedTarget, RedisTarget};
use crate::django::settings::{self, AskError, CacheConf, DjangoBackend, DjangoCaches};
use crate::probe::catalogue::command::quote;
use crate::probe::connect::Endpoint;
use crate::probe::decl::DjangoSettingsParams;
use crate::probe::hint;
use crate::probe::result::{Hint, Outcome, Status};
use crate::probe::runner::Ctx;

pub async fn run(p: &DjangoSettingsParams, ctx: &Ctx<'_>) -> Outcome {
    let Some(section) = &ctx.config.django else {
        return Outcome::skipped(format!("not judged: {}", AskError::NotConfigured)).hint(
            hint::plain(
                "Add a [django] section to bisk-docs.toml: python = the project's virtualenv interpreter, settings = its settings module, project_dir = the checkout.",
            ),
        );
    };
    let names: Vec<String> = match &p.targets {
        Some(t) => t.clone(),
        None => std::iter::once("default".to_string())
            .chain(ctx.config.targets.keys().cloned())
            .collect(),
    };
    let mut targets = Vec::new();
    for name in &names {
        match ctx.config.target(Some(name)) {
            Ok(t) => targets.push(t),
            // Refused when the pages are read; this covers a config reloaded under serve.
            Err(e) => return Outcome::new(Status::Error, e.to_string()),
        }
    }
    let asked = settings::ask(section).await;
    let shown = format!(
        "{} in {} with {}",
        section.settings,
        settings::shown_project_dir(section),
        section.python.display()
    );
    let out = match asked.as_ref() {
        Ok(caches) => judge(caches, &targets, p),
        Err(e) => not_asked(e),
    };
    out.evidence("[django]", shown)
}

/// The verdict when Django could not be asked.
pub fn not_asked(e: &AskError) -> Outcome {
    let fix_section = hint::plain(
        "Fix [django] in bisk-docs.toml: python = the project's virtualenv interpreter (its `bin/python`), settings = the module in DJANGO_SETTINGS_MODULE, project_dir = the checkout that holds it.",
    );
    match e {
        AskError::NotConfigured | AskError::NoPython(_) | AskError::NoProjectDir(_) => {
            Outcome::skipped(format!("not judged here: {e}")).hint(fix_section)
        }
        AskError::NoDjango { .. } => Outcome::new(Status::Error, e.to_string()).hint(fix_section),
        AskError::Settings { settings, .. } => Outcome::new(Status::Error, e.to_string()).hint(
            hint::plain(format!(
                "The app cannot start with these settings either: run `DJANGO_SETTINGS_MODULE={settings} python -c \"from django.conf import settings; settings.CACHES\"` in the project's virtualenv to see the traceback."
            )),
        ),
        AskError::Timeout { .. } => Outcome::new(Status::Error, e.to_string()).hint(hint::plain(
            "Importing the settings should take well under a second: look for network calls or blocking code at import time in the settings module.",
        )),
        AskError::Spawn { .. } => Outcome::new(Status::Error, e.to_string()).hint(fix_section),
        // The interpreter started and ran the settings: its paths are right, the module
        // ended it (sys.exit, os._exit, a crash) before Django could answer.
        AskError::NoAnswer { .. } => Outcome::new(Status::Error, e.to_string()).hint(
            hint::plain(
                "The settings module ended Python before Django answered (sys.exit, os._exit or a crash at import): import it in the project's virtualenv (`python -c \"from django.conf import settings; settings.CACHES\"` with DJANGO_SETTINGS_MODULE set) to see why.",
            ),
        ),
    }
}

/// One finding: its verdict, its words and where the fix is.
struct Finding {
    status: Status,
    text: String,
    hint: Option<Hint>,
}

/// The verdict on Django's answer (see the README's `### django.settings` table).
pub fn judge(caches: &DjangoCaches, targets: &[NamedTarget], p: &DjangoSettingsParams) -> Outcome {
    let versions = crate::text::bound(
        &format!(
            "{} (Python {}, Django {})",
            caches.python, caches.python_version, caches.django_version
        ),
        400,
    );
    let Some(conf) = &caches.default else {
        return Outcome::new(
            Status::Fail,
            format!(
                "Django's CACHES has no 'default' alias (it has: {}): the app cannot use its cache",
                if caches.aliases.is_empty() {
                    "none".to_string()
                } else {
                    caches
                        .aliases
                        .iter()
                        .map(|a| quote(a))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ),
        )
        .hint(hint::django_config(
            "Name the shared cache `default` in CACHES: it is the one `cache.get` and `cache.set` use.",
        ))
        .evidence("python", versions);
    };
    let kind = conf.kind();
    let observed = describe(conf, caches);
    let with_evidence = |o: Outcome| {
        let mut o = o
            .observed(observed.clone())
            .evidence("python", versions.clone())
            .evidence("BACKEND", quote(&conf.backend))
            .evidence("LOCATION", shown_location(conf))
            .evidence("KEY_PREFIX", quote(&conf.key_prefix))
            .evidence(
                "VERSION",
                conf.version
                    .as_ref()
                    .map(num_words)
                    .unwrap_or_else(|| "None".into()),
            )
            .evidence("TIMEOUT", conf.timeout_words())
            .evidence("USE_TZ / TIME_ZONE", clock_words(caches));
        if let Some(f) = &conf.key_function {
            o = o.evidence("KEY_FUNCTION", quote(f));
        }
        if let Some(db) = &caches.cache_database {
            o = o.evidence(
                "database",
                match db.url() {
                    Ok(url) => format!(
                        "{} ({})",
                        crate::redact::redact_url(&url),
                        db.alias.as_deref().unwrap_or("default")
                    ),
                    Err(why) => why,
                },
            );
        }
        if let Some(client) = &caches.redis_client {
            o = o.evidence(
                "redis client",
                match (&client.version, &client.error) {
                    (_, Some(e)) => settings::scrub(&e.to_string()),
                    (Some(v), None) => format!("redis-py {}", quote(v)),
                    (None, None) => "importable".into(),
                },
            );
        }
        for t in targets {
            o = o.evidence(format!("target {}", t.name), describe_target(&t.target));
        }
        o
    };
    match &kind {
        DjangoBackend::LocMem | DjangoBackend::Dummy => {
            return with_evidence(
                Outcome::new(
                    Status::Fail,
                    format!(
                        "Django's cache is {}: not shared across processes, so the enforcer's breadcrumbs never reach the web process",
                        kind.class_name()
                    ),
                )
                .hint(hint::other_backends()),
            );
        }
        DjangoBackend::Other(path) => {
            return with_evidence(
                Outcome::new(
                    Status::Error,
                    format!(
                        "cannot be judged: Django's cache is {} ({}); bisk-docs reads RedisCache, FileBasedCache and DatabaseCache",
                        kind.class_name(),
                        quote(path)
                    ),
                )
                .hint(hint::plain(
                    "bisk-docs reads Django's RedisCache, FileBasedCache and DatabaseCache; compare this backend's settings by hand.",
                )),
            );
        }
        DjangoBackend::Redis | DjangoBackend::File | DjangoBackend::Db => {}
    }
    // Without `targets`, only the targets of Django's backend are compared: the guide's
    // substitutes (a file and a db target next to the Redis one) are alternatives for other
    // hosts, not drift. When none has Django's backend, that is the drift.
    let (compared, others): (Vec<&NamedTarget>, Vec<&NamedTarget>) = if p.targets.is_some() {
        (targets.iter().collect(), Vec::new())
    } else {
        targets
            .iter()
            .partition(|t| Some(t.target.backend) == same_kind(&kind))
    };
    let mut findings: Vec<Finding> = Vec::new();
    if compared.is_empty() {
        findings.push(Finding {
            status: Status::Fail,
            text: format!(
                "no target of bisk-docs.toml is a {} like Django's cache, so the probes check other caches than the app (targets: {})",
                kind.class_name(),
                others
                    .iter()
                    .map(|t| format!("{} is {}", t.name, t.target.backend))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            hint: hint::django_config(
                "Describe Django's cache in bisk-docs.toml (`backend`, and `url` or `location` as in its `CACHES`), or use `--target django`, which reads them.",
            ),
        });
    }
    if kind == DjangoBackend::Redis
        && let Some(e) = caches.redis_client.as_ref().and_then(|c| c.error.as_ref())
    {
        findings.push(Finding {
            status: Status::Fail,
            text: format!(
                "`import redis` fails with the project's Python ({}): Django's RedisCache breaks on the first cache access",
                settings::scrub(&e.to_string())
            ),
            hint: hint::redis_client_missing(),
        });
    }
    match conf.version_int() {
        None => findings.push(Finding {
            status: Status::Error,
            text: format!(
                "cannot compare: Django's VERSION is {}, not an integer",
                conf.version
                    .as_ref()
                    .map(num_words)
                    .unwrap_or_else(|| "None".into())
            ),
            hint: hint::django_config("Set VERSION to an integer (Django's default is 1)."),
        }),
        Some(version) => {
            let drifts: Vec<String> = compared
                .iter()
                .filter_map(|t| {
                    let fields = drift(conf, caches, version, &t.target);
                    (!fields.is_empty()).then(|| {
                        format!(
                            "target {} differs from Django: {}",
                            t.name,
                            fields.join("; ")
                        )
                    })
                })
                .collect();
            if !drifts.is_empty() {
                findings.push(Finding {
                    status: Status::Fail,
                    text: drifts.join("; "),
                    hint: hint::django_config(
                        "Probes on that target look at another place than the app: make it match Django's `CACHES` (or use `--target django`, which reads them); if Django is the one that is wrong, fix its settings and restart the web process and the enforcer.",
                    ),
                });
            }
        }
    }
    if p.breadcrumbs_persist
        && let Some(Some(secs)) = conf.timeout_secs()
    {
        findings.push(Finding {
            status: Status::Warn,
            text: if conf.timeout_set {
                format!(
                    "TIMEOUT = {} s: breadcrumbs written without timeout=None expire",
                    trim_float(secs)
                )
            } else {
                format!(
                    "TIMEOUT not set: Django's default {} s expires breadcrumbs written without timeout=None",
                    trim_float(secs)
                )
            },
            hint: hint::default_timeout(),
        });
    }
    if let Some(f) = &conf.key_function {
        findings.push(Finding {
            status: Status::Warn,
            text: format!(
                "KEY_FUNCTION {} is set: the probes assume Django's own key names (prefix:version:key)",
                quote(f)
            ),
            hint: hint::django_config(
                "The probes build key names as Django's default KEY_FUNCTION does; with a custom one they look for other names.",
            ),
        });
    }
    let compared_names = compared
        .iter()
        .map(|t| t.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let plural = if compared.len() == 1 { "" } else { "s" };
    let expected = if compared.is_empty() {
        format!(
            "a cache shared across processes, described by a {} target",
            kind.class_name()
        )
    } else {
        format!(
            "a cache shared across processes, at the place, prefix and version of target{plural} {compared_names}"
        )
    };
    findings.sort_by_key(|f| std::cmp::Reverse(f.status));
    let out = match findings.first() {
        None => Outcome::pass(format!(
            "Django's CACHES['default'] ({observed}) matches target{plural} {compared_names}"
        )),
        Some(worst) => Outcome::new(
            worst.status,
            findings
                .iter()
                .map(|f| f.text.as_str())
                .collect::<Vec<_>>()
                .join("; "),
        )
        .hint(worst.hint.clone()),
    };
    let mut out = with_evidence(out.expected(expected));
    if !others.is_empty() && !compared.is_empty() {
        out = out.evidence(
            "not compared",
            format!(
                "{}: another backend than Django's (name them in `targets` to compare them too)",
                others
                    .iter()
                    .map(|t| t.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    out
}

/// Why redis-py would refuse a `LOCATION` (its text never quotes the URL).
fn why_not_redis_py(url: &str) -> String {
    match crate::probe::redis_url::RedisUrl::parse(url.trim()) {
        Ok(_) => "it cannot be read".into(),
        Err(why) => why.to_string(),
    }
}

/// The fields in which `target` differs from Django's `conf`, each naming both values.
fn drift(
    conf: &CacheConf,
    caches: &DjangoCaches,
    version: i64,
    target: &RedisTarget,
) -> Vec<String> {
    let mut out = Vec::new();
    match (target.backend, conf.kind()) {
        (config::Backend::Redis, DjangoBackend::Redis) => {
            let first = match conf.first_redis_url() {
                Ok(first) => first.unwrap_or_default(),
                Err(why) => {
                    out.push(format!("database: {why}"));
                    conf.servers().into_iter().next().unwrap_or_default()
                }
            };
            let django = Endpoint::from_target(&RedisTarget {
                url: first.clone(),
                ..target.clone()
            });
            match (Endpoint::from_target(target), django) {
                (Ok(ours), Ok(theirs)) => {
                    if ours.address() != theirs.address() {
                        out.push(format!(
                            "location {} here, {} in Django",
                            ours.display, theirs.display
                        ));
                    }
                    // Both read as redis-py reads them: `?db=` before the path.
                    if ours.db != theirs.db {
                        out.push(format!(
                            "database db {} here, db {} in Django",
                            ours.db_shown, theirs.db_shown
                        ));
                    }
                }
                (Err(_), _) => out.push(format!(
                    "location {} here is not a Redis URL",
                    target.display_url()
                )),
                (_, Err(_)) => out.push(format!(
                    "location {} in Django is not a Redis URL redis-py reads: {}",
                    shown_location(conf),
                    why_not_redis_py(&first)
                )),
            }
        }
        (config::Backend::File, DjangoBackend::File) => {
            let theirs = conf
                .location_abs
                .clone()
                .or_else(|| conf.servers().into_iter().next())
                .unwrap_or_default();
            let ours = target.location.clone().unwrap_or_default();
            if !same_dir(&ours, &theirs) {
                out.push(format!(
                    "location {} here, {} in Django",
                    quote(&ours),
                    quote(&theirs)
                ));
            }
        }
        (config::Backend::Db, DjangoBackend::Db) => {
            let theirs = conf.servers().into_iter().next().unwrap_or_default();
            let ours = target.location.clone().unwrap_or_default();
            if ours != theirs {
                out.push(format!(
                    "location (table) {} here, {} in Django",
                    quote(&ours),
                    quote(&theirs)
                ));
            }
            let ours = target.database.as_deref().unwrap_or_default();
            match caches.cache_database.as_ref().map(|d| d.url()) {
                None => out.push("database: Django did not say which one holds the table".into()),
                Some(Err(why)) => out.push(format!("database: {why}")),
                Some(Ok(theirs)) => {
                    if !same_database(ours, &theirs) {
                        out.push(format!(
                            "database {} here, {} in Django",
                            crate::redact::redact_url(ours),
                            crate::redact::redact_url(&theirs)
                        ));
                    }
                }
            }
        }
        (ours, theirs) => out.push(format!(
            "backend {ours} here, {} in Django",
            theirs.class_name()
        )),
    }
    // The clock: how naive times (breadcrumbs; DatabaseCache's `expires` on SQLite) read.
    if caches.use_tz.is_some() {
        let (ours, theirs) = (target.app_clock(), caches.app_clock());
        if ours != theirs {
            out.push(format!(
                "{} here, {} in Django",
                target_clock_words(target),
                clock_words(caches)
            ));
        }
    }
    // Culling: the file and db diagnoses compare the entry count with it.
    if target.backend != config::Backend::Redis
        && Some(target.backend) == same_kind(&conf.kind())
        && let Some(theirs) = conf.max_entries_int()
        && theirs != target.max_entries
    {
        out.push(format!(
            "max_entries {} here, MAX_ENTRIES {theirs} in Django",
            target.max_entries
        ));
    }
    if target.key_prefix != conf.key_prefix {
        out.push(format!(
            "prefix {} here, KEY_PREFIX {} in Django",
            quote(&target.key_prefix),
            quote(&conf.key_prefix)
        ));
    }
    if target.version != version {
        out.push(format!(
            "version {} here, VERSION {version} in Django",
            target.version
        ));
    }
    out
}

/// The target backend a Django backend corresponds to.
fn same_kind(kind: &DjangoBackend) -> Option<config::Backend> {
    match kind {
        DjangoBackend::Redis => Some(config::Backend::Redis),
        DjangoBackend::File => Some(config::Backend::File),
        DjangoBackend::Db => Some(config::Backend::Db),
        _ => None,
    }
}

/// Two cache directories are the same when they name the same folder (symlinks and a
/// trailing `/` resolved where the folder exists).
fn same_dir(a: &str, b: &str) -> bool {
    let norm = |p: &str| {
        let p = std::path::Path::new(p);
        std::fs::canonicalize(p).unwrap_or_else(|_| p.components().collect())
    };
    norm(a) == norm(b)
}

/// Two `database` URLs name the same database: the same SQLite file, or the same
/// PostgreSQL host (loopback names alike), port and database name. Users and passwords
/// are not compared: a wrong one shows as an access error of the probes.
fn same_database(a: &str, b: &str) -> bool {
    match (DatabaseUrl::parse(a), DatabaseUrl::parse(b)) {
        (Ok(DatabaseUrl::Sqlite(x)), Ok(DatabaseUrl::Sqlite(y))) => {
            same_dir(&x.to_string_lossy(), &y.to_string_lossy())
        }
        (Ok(DatabaseUrl::Postgres(x)), Ok(DatabaseUrl::Postgres(y))) => {
            postgres_place(&x) == postgres_place(&y)
        }
        _ => false,
    }
}

/// (host, port, database name) of a `postgres://` URL; a `host=` query parameter (a
/// socket folder) wins over the authority, as in libpq.
fn postgres_place(url: &str) -> (String, String, String) {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(':') && !p.contains(']') => (h, p),
        _ => (hostport, ""),
    };
    let mut host = crate::percent::decode_lossy(host.trim_matches(['[', ']'])).to_ascii_lowercase();
    for pair in query.split('&') {
        if let Some(("host", v)) = pair.split_once('=') {
            host = crate::percent::decode_lossy(v).into_owned();
        }
    }
    let loopback = host.is_empty()
        || host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let host = if loopback {
        "loopback".to_string()
    } else {
        host
    };
    let port = if port.is_empty() { "5432" } else { port };
    let name = crate::percent::decode_lossy(path.trim_start_matches('/')).into_owned();
    (host, port.to_string(), name)
}

/// `RedisCache, redis://…/1, prefix "bisk", version 1`: the place worded as a target's
/// (`RedisTarget::display_place`), so the two read alike.
fn describe(conf: &CacheConf, caches: &DjangoCaches) -> String {
    let place = match conf.kind() {
        DjangoBackend::File => format!(
            "files in {}",
            conf.location_abs
                .clone()
                .unwrap_or_else(|| shown_location(conf))
        ),
        DjangoBackend::Db => format!(
            "table {} in {}",
            conf.servers().into_iter().next().unwrap_or_default(),
            match caches.cache_database.as_ref().map(|d| d.url()) {
                Some(Ok(url)) => crate::redact::redact_url(&url),
                _ => "(unknown database)".into(),
            }
        ),
        _ => shown_location(conf),
    };
    format!(
        "{}, {place}, prefix {}, version {}",
        conf.kind().class_name(),
        quote(&conf.key_prefix),
        conf.version
            .as_ref()
            .map(num_words)
            .unwrap_or_else(|| "None".into())
    )
}

fn describe_target(t: &RedisTarget) -> String {
    let clock = if t.use_tz.is_some() || t.time_zone.is_some() {
        format!(", {}", target_clock_words(t))
    } else {
        String::new()
    };
    format!(
        "{}, {}, prefix {}, version {}{clock}",
        match t.backend {
            config::Backend::Redis => "RedisCache",
            config::Backend::File => "FileBasedCache",
            config::Backend::Db => "DatabaseCache",
        },
        t.display_place(),
        quote(&t.key_prefix),
        t.version
    )
}

/// Django's `USE_TZ` and `TIME_ZONE` as the evidence shows them.
fn clock_words(caches: &DjangoCaches) -> String {
    if let Some(e) = &caches.clock_error {
        return format!("cannot be read: {}", settings::scrub(&e.to_string()));
    }
    let use_tz = match caches.use_tz {
        Some(true) => "USE_TZ True",
        Some(false) => "USE_TZ False",
        None => "USE_TZ not reported",
    };
    let zone = match &caches.time_zone {
        Some(z) => format!("TIME_ZONE {}", quote(z)),
        None => "TIME_ZONE None (the host's own zone)".into(),
    };
    format!("{use_tz}, {zone}")
}

/// A target's `use_tz` and `time_zone` as the evidence shows them.
fn target_clock_words(t: &RedisTarget) -> String {
    let use_tz = match t.use_tz {
        Some(v) => format!("use_tz {v}"),
        None => "use_tz unset (Django's default, true)".into(),
    };
    match &t.time_zone {
        Some(z) => format!("{use_tz}, time_zone {}", quote(z)),
        None => use_tz,
    }
}

/// `LOCATION` as it may be shown: Redis URLs redacted (they may carry a password).
fn shown_location(conf: &CacheConf) -> String {
    let servers = conf.servers();
    if servers.is_empty() {
        return "(empty)".into();
    }
    // Settings are the operator's, but bounded all the same: LOCATION may list many servers.
    let shown = servers
        .iter()
        .map(|s| match conf.kind() {
            DjangoBackend::Redis
            | DjangoBackend::Other(_)
            | DjangoBackend::LocMem
            | DjangoBackend::Dummy => crate::redact::redact_url(s),
            DjangoBackend::File | DjangoBackend::Db => quote(s),
        })
        .collect::<Vec<_>>()
        .join(", ");
    crate::text::bound(&shown, 500)
}

fn num_words(n: &settings::Num) -> String {
    match n {
        settings::Num::Int(i) => i.to_string(),
        settings::Num::Float(f) => trim_float(*f),
        settings::Num::Text(t) => quote(t),
    }
}

fn trim_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::django::settings::CacheDatabase;

    fn pg(host: &str, port: &str, password: &str) -> CacheDatabase {
        CacheDatabase {
            alias: Some("default".into()),
            engine: "django.db.backends.postgresql".into(),
            name: "bisk".into(),
            host: host.into(),
            port: port.into(),
            user: "bisk".into(),
            password: password.into(),
            error: None,
        }
    }

    /// What Django's DATABASES say, turned into a `database` URL, names the same server as
    /// the URL an operator writes for it; passwords are carried (to connect) but not compared.
    #[test]
    fn postgres_places_compare_by_host_port_and_name() {
        let url = pg("", "", "p@ss:w/rd").url().unwrap();
        assert_eq!(url, "postgres://bisk:p%40ss%3Aw%2Frd@localhost:5432/bisk");
        assert!(!format!("{:?}", pg("", "", "p@ss:w/rd")).contains("p@ss"));
        assert!(same_database(&url, "postgres://bisk@127.0.0.1/bisk"));
        assert!(same_database(
            &pg("db.internal", "5433", "").url().unwrap(),
            "postgresql://other:x@DB.internal:5433/bisk"
        ));
        assert!(!same_database(&url, "postgres://bisk@127.0.0.1:5433/bisk"));
        assert!(!same_database(
            &url,
            "postgres://bisk@127.0.0.1:5432/bisk_test"
        ));
        assert!(!same_database(&url, "postgres://bisk@10.0.0.5:5432/bisk"));
        assert!(!same_database(&url, "sqlite:////srv/bisk/db.sqlite3"));
        // A socket folder as HOST.
        let socket = pg("/var/run/postgresql", "", "").url().unwrap();
        assert_eq!(postgres_place(&socket).0, "/var/run/postgresql", "{socket}");
        assert!(!same_database(&socket, "postgres://bisk@localhost/bisk"));
        // Engines the probes cannot read say so.
        let mysql = CacheDatabase {
            engine: "django.db.backends.mysql".into(),
            ..pg("", "", "")
        };
        assert!(mysql.url().unwrap_err().contains("mysql"));
    }
}
