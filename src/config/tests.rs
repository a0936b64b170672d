use super::*;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, Path::new("bisk-docs.toml"))
}

#[test]
fn empty_config_is_all_defaults() {
    let c = parse("").unwrap();
    assert_eq!(c.redis.url, "redis://127.0.0.1:6379/1");
    assert_eq!(c.redis.key_prefix, "bisk");
    assert_eq!(c.redis.version, 1);
    assert_eq!(c.redis.deadline, Duration::from_secs(2));
    assert_eq!(c.docs_dir, PathBuf::from("docs"));
}

#[test]
fn unknown_key_names_key_and_line() {
    let err = parse("title = \"x\"\n\n[redis]\nurl = \"redis://h/1\"\nprefix = \"bisk\"\n")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("bisk-docs.toml:5:"), "{err}");
    assert!(err.contains("prefix"), "{err}");
}

#[test]
fn wrong_type_names_line() {
    let err = parse("title = 3\n").unwrap_err().to_string();
    assert!(err.starts_with("bisk-docs.toml:1:"), "{err}");
}

#[test]
fn highlighter_is_a_config_value() {
    use crate::render::Highlighter;
    assert_eq!(parse("").unwrap().render.highlighter, Highlighter::Fast);
    let c = parse("[render]\nhighlighter = \"syntect\"\n").unwrap();
    assert_eq!(c.render.highlighter, Highlighter::Syntect);
    let err = parse("[render]\nhighlighter = \"slow\"\n")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("bisk-docs.toml:2:"), "{err}");
    assert!(err.contains("fast") && err.contains("syntect"), "{err}");
}

#[test]
fn durations_accept_text_and_numbers() {
    let c = parse("[redis]\nconnect_timeout = \"250ms\"\ndeadline = 3\n").unwrap();
    assert_eq!(c.redis.connect_timeout, Duration::from_millis(250));
    assert_eq!(c.redis.deadline, Duration::from_secs(3));
    assert!(parse("[redis]\ndeadline = \"soon\"\n").is_err());
}

#[test]
fn redaction_hides_passwords() {
    assert_eq!(
        redact_url("redis://:s3cret@h:6379/1"),
        "redis://:***@h:6379/1"
    );
    assert_eq!(
        redact_url("redis://user:p%40ss@h/2"),
        "redis://user:***@h/2"
    );
    assert_eq!(
        redact_url("unix:///run/r.sock?db=1&password=x"),
        "unix:///run/r.sock?db=1&password=***"
    );
    assert_eq!(
        redact_url("redis://127.0.0.1:6379/1"),
        "redis://127.0.0.1:6379/1"
    );
    let t = RedisTarget {
        url: "redis://:hunter2@h/1".into(),
        ..RedisTarget::default()
    };
    assert!(!format!("{t:?}").contains("hunter2"));
}

#[test]
fn command_specs_are_checked_where_written() {
    let text = "[commands.a]\nargv = [\"true\"]\nexpect_stdout = '^ok$'\n\n[commands.b]\nargv = [\"true\"]\nexpect_stdout = '(unclosed'\n";
    let err = parse(text).unwrap_err().to_string();
    assert!(err.starts_with("bisk-docs.toml:7:"), "{err}");
    assert!(err.contains("not a valid regular expression"), "{err}");
    let c = parse(
        "[commands.a]\nargv = [\"true\"]\nexpect_stdout = '^ok$'\nrequires = [\"systemd\"]\n",
    )
    .unwrap();
    let a = &c.commands["a"];
    assert!(a.expect_stdout.as_ref().unwrap().0.is_match("x\nok\n"));
    assert_eq!(a.requires, vec![Requirement::Systemd]);
    let err = parse("[commands.a]\nargv = [\"true\"]\ntimeout = \"0s\"\n").unwrap_err();
    assert!(err.to_string().starts_with("bisk-docs.toml:3:"), "{err}");
    let err = parse("[commands.a]\nargv = [\"true\"]\n[commands.b]\nargv = []\n").unwrap_err();
    assert!(err.to_string().starts_with("bisk-docs.toml:4:"), "{err}");
    let err = parse("[commands.a]\nargv = [\"true\"]\nrequires = [\"dbus\"]\n").unwrap_err();
    assert!(err.to_string().starts_with("bisk-docs.toml:3:"), "{err}");
    assert!(parse("[redis]\ndeadline = 0\n").is_err());
    assert!(parse("[serve]\nprobe_interval = \"0s\"\n").is_err());
}

#[test]
fn the_apps_clock_keys() {
    let c = parse(
        "[redis]\nuse_tz = false\ntime_zone = \"Asia/Kolkata\"\n\n[targets.west]\nuse_tz = false\ntime_zone = \"America/Los_Angeles\"\n",
    )
    .unwrap();
    assert_eq!(
        c.redis.app_clock(),
        crate::django::time::AppClock::Local("Asia/Kolkata".into())
    );
    assert_eq!(
        c.targets["west"].app_clock(),
        crate::django::time::AppClock::Local("America/Los_Angeles".into())
    );
    assert_eq!(
        parse("").unwrap().redis.app_clock(),
        crate::django::time::AppClock::Utc
    );
    // USE_TZ = False needs the zone: naive times cannot be placed without it.
    let err = parse("[targets.t]\nurl = \"redis://h/1\"\nuse_tz = false\n")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("bisk-docs.toml:3:"), "{err}");
    assert!(err.contains("needs `time_zone`"), "{err}");
    let err = parse("[redis]\nuse_tz = false\ntime_zone = \"Mars/Base\"\n")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("bisk-docs.toml:3:"), "{err}");
    assert!(err.contains("not a time zone"), "{err}");
    // Schemes are case-insensitive.
    assert!(matches!(
        DatabaseUrl::parse("POSTGRESQL://u:p@h:5432/n"),
        Ok(DatabaseUrl::Postgres(u)) if u == "postgresql://u:p@h:5432/n"
    ));
    assert!(matches!(
        DatabaseUrl::parse("SQLite:////srv/db.sqlite3"),
        Ok(DatabaseUrl::Sqlite(_))
    ));
}

#[test]
fn backends_and_their_keys() {
    let c = parse(
        "[targets.files]\nbackend = \"file\"\nlocation = \"/var/cache/bisk_cache\"\n\n[targets.db]\nbackend = \"db\"\nlocation = \"bisk_cache\"\ndatabase = \"postgres://bisk:hunter2@db:5432/bisk\"\nallow_writes = false\n\n[targets.lite]\nbackend = \"db\"\nlocation = \"bisk_cache\"\ndatabase = \"sqlite:////srv/bisk/db.sqlite3\"\n",
    )
    .unwrap();
    assert_eq!(c.redis.backend, Backend::Redis);
    let files = &c.targets["files"];
    assert_eq!(files.backend, Backend::File);
    assert_eq!(files.location.as_deref(), Some("/var/cache/bisk_cache"));
    assert_eq!(files.key_prefix, "bisk");
    let db = &c.targets["db"];
    assert_eq!(db.backend, Backend::Db);
    assert!(!db.allow_writes);
    assert_eq!(
        db.display_place(),
        "table bisk_cache in postgres://bisk:***@db:5432/bisk"
    );
    assert!(!format!("{db:?}").contains("hunter2"));
    assert_eq!(
        DatabaseUrl::parse(c.targets["lite"].database.as_deref().unwrap()).unwrap(),
        DatabaseUrl::Sqlite("/srv/bisk/db.sqlite3".into())
    );
}

#[test]
fn backend_key_mistakes_name_the_line() {
    for (text, line, needle) in [
        // A file target without its directory: the line of `backend`.
        (
            "[targets.a]\nurl = \"redis://h/1\"\n\n[targets.b]\nbackend = \"file\"\n",
            5,
            "needs `location`",
        ),
        (
            "[targets.b]\nbackend = \"file\"\nlocation = \"tmp/bisk\"\n",
            3,
            "absolute",
        ),
        (
            "[targets.b]\nbackend = \"file\"\nurl = \"redis://h/1\"\nlocation = \"/tmp/b\"\n",
            3,
            "`url` does not apply",
        ),
        (
            "[targets.b]\nbackend = \"db\"\nlocation = \"bisk_cache\"\n",
            2,
            "needs `database`",
        ),
        (
            "[targets.b]\nbackend = \"db\"\nlocation = \"bisk cache; drop\"\ndatabase = \"sqlite:////x.db\"\n",
            3,
            "table name",
        ),
        (
            "[targets.b]\nbackend = \"db\"\nlocation = \"c\"\ndatabase = \"sqlite:///rel.db\"\n",
            4,
            "four slashes",
        ),
        (
            "[targets.b]\nbackend = \"db\"\nlocation = \"c\"\ndatabase = \"mysql://u:pw@h/x\"\n",
            4,
            "sqlite:/// or postgres://",
        ),
        (
            "[redis]\nurl = \"redis://h/1\"\nlocation = \"/tmp/x\"\n",
            3,
            "`location` does not apply",
        ),
        ("[redis]\nbackend = \"memcached\"\n", 2, "redis"),
    ] {
        let err = parse(text).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!("bisk-docs.toml:{line}:")),
            "{text}: {err}"
        );
        assert!(err.contains(needle), "{text}: {err}");
        assert!(!err.contains("pw@"), "{err}");
    }
}

#[test]
fn the_state_folder_stays_out_of_docs_and_output() {
    let c = parse("").unwrap();
    assert_eq!(c.serve.state_dir, PathBuf::from(".bisk-docs"));
    assert_eq!(c.serve.history_max_results, 100_000);
    assert_eq!(c.serve.history_max_age, Duration::from_secs(86_400));
    assert!(parse("[serve]\nstate_dir = \"../state\"\n").is_ok());
    let err = parse("[serve]\nstate_dir = \"./site/state\"\n")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("bisk-docs.toml:2:"), "{err}");
    assert!(err.contains("overlaps `out_dir`"), "{err}");
    // A docs folder inside the state folder overlaps too.
    assert!(parse("docs_dir = \"var/docs\"\n[serve]\nstate_dir = \"var\"\n").is_err());
    assert!(parse("[serve]\nstate_dir = \"\"\n").is_err());
    assert!(parse("[serve]\nhistory_max_results = 0\n").is_err());
}

#[test]
fn named_targets() {
    let c = parse("[targets.prod]\nurl = \"redis://prod:6379/1\"\nallow_writes = false\n").unwrap();
    let t = c.target(Some("prod")).unwrap();
    assert!(!t.target.allow_writes);
    assert_eq!(t.target.key_prefix, "bisk");
    let err = c.target(Some("qa")).unwrap_err().to_string();
    assert!(err.contains("prod"), "{err}");
}

#[test]
fn proxy_settings_are_checked_with_their_line() {
    let c = parse(
        "[serve]\npublic_url = \"https://Docs.Example/ops-docs\"\ntrusted_proxies = [\"10.0.0.0/8\", \"127.0.0.1\"]\noperator_header = \"X-Forwarded-User\"\n",
    )
    .unwrap();
    let p = c.serve.public_url.unwrap();
    assert_eq!(
        (p.origin.as_str(), p.host.as_str(), p.prefix.as_str()),
        ("https://docs.example", "docs.example", "/ops-docs/")
    );
    assert_eq!(c.serve.trusted_proxies.len(), 2);
    for (text, line, says) in [
        (
            "title = \"x\"\n[serve]\noperator_header = \"X-Forwarded-User\"\n",
            3,
            "trusted_proxies",
        ),
        (
            "[serve]\ntrusted_proxies = [\"10.0.0.1\"]\noperator_header = \"bad header\"\n",
            3,
            "not a header name",
        ),
        ("[serve]\npublic_url = \"docs/ops\"\n", 2, "not a URL"),
        (
            "[serve]\npublic_url = \"ftp://docs.example/\"\n",
            2,
            "http(s)",
        ),
        (
            "[serve]\npublic_url = \"https://docs.example/?x=1\"\n",
            2,
            "no query",
        ),
        (
            "[serve]\ntrusted_proxies = [\"10.0.0.300\"]\n",
            2,
            "not an IP address",
        ),
    ] {
        let e = parse(text).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!("bisk-docs.toml:{line}:")) && e.contains(says),
            "{text:?} → {e}"
        );
    }
}

/// Errors found after the typed parse take their line from the parser's spans, so they
/// name the key in the table the rule is about, not the first line that happens to start
/// with the same word (which the old text scanner returned: 2, 2, 0 and 0 here).
#[test]
fn rule_errors_point_at_the_key_in_its_own_table() {
    for (text, line, says) in [
        (
            "[vars]\nconcurrency = \"x\"\n[probes]\nconcurrency = 0\n",
            4,
            "`probes.concurrency` must be at least 1",
        ),
        (
            "[vars]\nregion = \"eu\"\n[redis.vars]\nregion = \"us\"\n",
            4,
            "`[redis.vars]`",
        ),
        (
            "title = \"x\"\ntargets.django.url = \"redis://h/1\"\n",
            2,
            "reserved",
        ),
        (
            "title = \"x\"\nout_dir = \".bisk-docs/site\"\n",
            2,
            "overlaps `out_dir`",
        ),
    ] {
        let e = parse(text).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!("bisk-docs.toml:{line}:")) && e.contains(says),
            "{text:?} → {e}"
        );
    }
}
