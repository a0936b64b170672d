//! Declarations: parsing, resolving, validating.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::*;

fn p(body: &str) -> Result<ProbeDecl, DeclError> {
    parse(body, Path::new("ops/REDIS_CACHE.md"), 10, 3)
}

#[test]
fn minimal_ping_gets_defaults() {
    let d = p("check = \"redis.ping\"\n").unwrap();
    assert_eq!(d.id, "ops-redis-cache-3");
    assert_eq!(d.check, Check::RedisPing);
    assert_eq!(d.title, "Redis answers PING");
}

#[test]
fn typed_params_and_defaults() {
    let d = p("check = \"enforcer.breadcrumbs\"\nmax_age = \"20m\"\n").unwrap();
    let Check::Breadcrumbs(b) = d.check else {
        panic!()
    };
    assert_eq!(b.max_age, Duration::from_secs(1200));
    assert_eq!(b.fail_after, Duration::from_secs(3600));
    assert!(b.check_pid);
    let d = p("check = \"cache.key\"\nkey = \"ping\"\nequals = \"pong\"\n").unwrap();
    let Check::CacheKey(k) = d.check else {
        panic!()
    };
    assert_eq!(k.equals, Some(Literal::Str("pong".into())));
    let d = p("check = \"cache.key\"\nkey = \"enforcer:running_pid\"\nequals = 42\n").unwrap();
    let Check::CacheKey(k) = d.check else {
        panic!()
    };
    assert_eq!(k.equals, Some(Literal::Int(42)));
}

#[test]
fn unknown_check_points_at_check_line() {
    let e = p("title = \"x\"\ncheck = \"redis.pong\"\n").unwrap_err();
    assert_eq!(e.line, 12);
    assert!(e.message.contains("unknown check"), "{}", e.message);
}

#[test]
fn unknown_parameter_points_at_its_line() {
    let e = p("check = \"cache.roundtrip\"\nkey = \"ping\"\nttl_secs = 5\n").unwrap_err();
    assert_eq!(e.line, 13, "{e}");
    assert!(e.message.contains("ttl_secs"), "{e}");
    let e = p("check = \"redis.ping\"\nkey = \"ping\"\n").unwrap_err();
    assert_eq!(e.line, 12, "{e}");
}

#[test]
fn pid_identity_params_need_check_pid() {
    let ok = p("check = \"enforcer.breadcrumbs\"\npid_unit = \"bisk-enforcer.service\"\npid_cmdline = \"manage.py enforce\"\n").unwrap();
    let Check::Breadcrumbs(b) = ok.check else {
        panic!("{ok:?}")
    };
    assert_eq!(b.pid_unit.as_deref(), Some("bisk-enforcer.service"));
    assert_eq!(b.pid_cmdline.as_deref(), Some("manage.py enforce"));
    let e = p("check = \"enforcer.breadcrumbs\"\ncheck_pid = false\npid_unit = \"x.service\"\n")
        .unwrap_err();
    assert!(
        e.message.contains("`pid_unit` needs `check_pid = true`"),
        "{e}"
    );
    let e = p("check = \"enforcer.breadcrumbs\"\npid_cmdline = \" \"\n").unwrap_err();
    assert!(e.message.contains("`pid_cmdline` must not be empty"), "{e}");
}

#[test]
fn wrong_type_points_at_its_line() {
    let e = p("check = \"cache.roundtrip\"\n\nttl = \"sixty\"\n").unwrap_err();
    assert_eq!(e.line, 13, "{e}");
    let e = p("check = \"enforcer.breadcrumbs\"\ncheck_pid = \"yes\"\n").unwrap_err();
    assert_eq!(e.line, 12, "{e}");
    let e = p("check = \"enforcer.breadcrumbs\"\nmax_age = \"soon\"\n").unwrap_err();
    assert_eq!(e.line, 12, "{e}");
    let e = p("check = 3\n").unwrap_err();
    assert_eq!(e.line, 11, "{e}");
}

#[test]
fn missing_required_and_bad_syntax() {
    let e = p("check = \"cache.key\"\n").unwrap_err();
    assert!(e.message.contains("key"), "{e}");
    let e = p("title = \"x\"\n").unwrap_err();
    assert_eq!(e.line, 10);
    let e = p("check = \"redis.ping\"\ntitle = \n").unwrap_err();
    assert_eq!(e.line, 12, "{e}");
}

#[test]
fn explicit_ids_are_validated() {
    assert_eq!(
        p("check = \"redis.ping\"\nid = \"ping-1\"\n").unwrap().id,
        "ping-1"
    );
    let e = p("check = \"redis.ping\"\nid = \"a b\"\n").unwrap_err();
    assert_eq!(e.line, 12);
}

#[test]
fn derived_ids() {
    assert_eq!(
        derive_id(Path::new("ops/REDIS_CACHE.md"), 3),
        "ops-redis-cache-3"
    );
    assert_eq!(derive_id(Path::new("README.md"), 1), "readme-1");
    assert_eq!(derive_id(Path::new("__.md"), 2), "probe-2");
}

/// A config whose `k` is written in TOML as `value` (for `[vars]`) and `prod`
/// (for `[targets.prod.vars]`).
fn vars_config(value: &str, prod: &str) -> crate::config::Config {
    crate::config::Config::parse(
        &format!(
            "[targets.prod]\nurl = \"redis://h/1\"\n[vars]\nk = {value}\nother = \"x\"\n[targets.prod.vars]\nk = {prod}\n"
        ),
        Path::new("bisk-docs.toml"),
    )
    .unwrap()
}

fn p_in(body: &str, config: &crate::config::Config, target: &str) -> Result<ProbeDecl, DeclError> {
    parse_in(body, Path::new("ops/P.md"), 10, 1, config, target)
}

#[test]
fn a_value_is_only_ever_a_value() {
    // The value closes the string and adds `expect = "absent"` if pasted into the text.
    let evil = r#""ping\"\nexpect = \"absent""#;
    let config = vars_config(evil, evil);
    let body = "check = \"cache.key\"\nkey = \"{{ k }}\"\n";
    for target in ["default", "prod"] {
        let d = p_in(body, &config, target).unwrap();
        let Check::CacheKey(k) = &d.check else {
            panic!("{d:?}")
        };
        assert_eq!(k.key, "ping\"\nexpect = \"absent", "{target}");
        assert_eq!(k.expect, Presence::Present, "{target}");
        assert_eq!(d.source, body);
        assert!(d.unset.is_empty());
    }
    // In arrays and inline tables too, and only where written.
    let d = p_in(
        "check = \"django.settings\"\ntargets = [\"{{ k }}\", \"default\"]\n",
        &vars_config("\"prod\"", "\"prod\""),
        "default",
    )
    .unwrap();
    let Check::DjangoSettings(ds) = &d.check else {
        panic!()
    };
    assert_eq!(
        ds.targets.as_deref(),
        Some(&["prod".to_string(), "default".into()][..])
    );
    // `\{{ k }}` (in a literal string: `\{` is no basic-string escape) stays as written.
    let d = p_in(
        "check = \"cache.key\"\nkey = '\\{{ k }}'\n",
        &config,
        "default",
    )
    .unwrap();
    let Check::CacheKey(k) = &d.check else {
        panic!("{d:?}")
    };
    assert_eq!(k.key, "{{ k }}");
    // A comment is not a value: nothing is looked up there.
    let d = p_in("check = \"redis.ping\" # {{ nope }}\n", &config, "default").unwrap();
    assert_eq!(d.check, Check::RedisPing);
}

#[test]
fn references_outside_string_values_are_errors_at_their_line() {
    let config = vars_config("\"5\"", "\"6\"");
    let e = p_in(
        "check = \"cache.key\"\nkey = \"a\"\nmin_ttl = {{ k }}\n",
        &config,
        "default",
    )
    .unwrap_err();
    assert_eq!(e.line, 13, "{e}");
    assert!(e.message.contains("invalid probe TOML"), "{e}");
    assert!(
        e.message
            .contains("`{{ k }}` is replaced only inside a quoted string value"),
        "{e}"
    );
    let e = p_in(
        "check = \"cache.key\"\nkey = \"a\"\n\"{{ k }}\" = \"absent\"\n",
        &config,
        "default",
    )
    .unwrap_err();
    assert_eq!(e.line, 13, "{e}");
    assert!(
        e.message.contains(
            "`{{ k }}` in the key `{{ k }}`: variables are replaced only in string values"
        ),
        "{e}"
    );
    // Undefined: at the line of the value, also inside a multi-line string.
    let e = p_in(
        "check = \"http.get\"\nurl = \"http://h/\"\ncontains = \"\"\"\nline\n{{ nope }}\"\"\"\n",
        &config,
        "default",
    )
    .unwrap_err();
    assert_eq!(e.line, 15, "{e}");
    assert!(e.message.contains("undefined variable `{{ nope }}`"), "{e}");
    // A numeric value in a string stays a string: the type error names the key.
    let e = p_in(
        "check = \"cache.key\"\nkey = \"a\"\nmin_ttl = \"{{ k }}\"\n",
        &config,
        "default",
    )
    .unwrap_err();
    assert_eq!(e.line, 13, "{e}");
}

#[test]
fn an_unset_value_anywhere_makes_a_skipped_probe_not_an_error() {
    let config = vars_config("{ unset = \"the thing\" }", "{ unset = \"the thing\" }");
    for body in [
        // Not a valid variant, not a duration, not an address, not a URL, not a unit.
        "check = \"cache.key\"\nkey = \"a\"\nexpect = \"{{ k }}\"\n",
        "check = \"cache.key\"\nkey = \"a\"\nmax_age = \"{{ k }}\"\n",
        "check = \"tcp.connect\"\naddress = \"{{ k }}\"\n",
        "check = \"http.get\"\nurl = \"{{ k }}\"\n",
        "check = \"systemd.unit\"\nunit = \"{{ k }} x\"\n",
        "check = \"command\"\nname = \"{{ k }}\"\n",
        "check = \"cache.key\"\nkey = \"{{ k }}\"\n",
    ] {
        for target in ["default", "prod"] {
            let d = p_in(body, &config, target).unwrap_or_else(|e| panic!("{body:?}: {e}"));
            assert_eq!(d.unset, ["k"], "{body:?}");
            assert_eq!(
                d.description.as_deref(),
                Some(format!("Not checked on target {target}: `k` has no value there.").as_str())
            );
            assert_eq!(check_config(&d, &config), Ok(()), "{body:?}");
        }
    }
    // A key that does not hold the placeholder is still judged as written.
    let e = p_in(
        "check = \"cache.key\"\nkey = \"{{ k }}\"\nexpect = \"maybe\"\n",
        &config,
        "default",
    )
    .unwrap_err();
    assert!(e.message.contains("unknown variant"), "{e}");
}

#[test]
fn config_names_must_exist() {
    let config = crate::config::Config::parse(
        "[commands.mainpid]\nargv = [\"true\"]\n[targets.prod]\nurl = \"redis://h/1\"\n",
        Path::new("bisk-docs.toml"),
    )
    .unwrap();
    let ok = p("check = \"command\"\nname = \"mainpid\"\ntarget = \"prod\"\n").unwrap();
    assert_eq!(check_config(&ok, &config), Ok(()));
    let typo = p("check = \"command\"\n\nname = \"mainpdi\"\n").unwrap();
    let e = check_config(&typo, &config).unwrap_err();
    assert_eq!(e.line, 13, "{e}");
    assert!(e.message.contains("declared: mainpid"), "{e}");
    let target = p("check = \"redis.ping\"\ntarget = \"qa\"\n").unwrap();
    assert_eq!(check_config(&target, &config).unwrap_err().line, 12);
}

#[test]
fn impossible_combinations() {
    for (body, line) in [
        (
            "check = \"cache.key\"\nkey = \"k\"\nexpect = \"absent\"\npersistent = false\n",
            14,
        ),
        (
            "check = \"cache.key\"\nkey = \"k\"\nexpect = \"absent\"\nmin_ttl = 5\n",
            14,
        ),
        (
            "check = \"cache.key\"\nkey = \"k\"\nmax_age = \"0ms\"\n",
            13,
        ),
        (
            "check = \"enforcer.breadcrumbs\"\nfail_after = \"0s\"\n",
            12,
        ),
        ("check = \"redis.scan\"\npattern = \"*\"\ndb = 16\n", 13),
        (
            "check = \"redis.scan\"\npattern = \"*\"\ndatabases = 0\n",
            13,
        ),
        ("check = \"cache.key\"\nkey = \"k\"\nequals = nan\n", 13),
    ] {
        let e = p(body).unwrap_err();
        assert_eq!(e.line, line, "{body:?}: {e}");
    }
    let d = p("check = \"redis.scan\"\npattern = \"*\"\ndatabases = 64\ndb = 63\n").unwrap();
    let Check::RedisScan(s) = d.check else {
        panic!()
    };
    assert_eq!((s.db, s.databases), (Some(63), 64));
}

#[test]
fn semantic_validation() {
    assert!(p("check = \"tcp.connect\"\naddress = \"nohost\"\n").is_err());
    assert!(p("check = \"http.get\"\nurl = \"ftp://x/\"\n").is_err());
    assert!(p("check = \"redis.scan\"\npattern = \":1:*\"\nlimit = 0\n").is_err());
    assert!(p("check = \"systemd.unit\"\nunit = \"--all\"\n").is_err());
    assert!(p("check = \"http.get\"\nurl = \"http://127.0.0.1:8000/dash/system/\"\ncontains = \"PID\"\n").is_ok());
}

/// A TOML basic string holding `text` exactly (what an author would write by hand).
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

#[test]
fn a_hostile_value_changes_only_the_string_it_sits_in() {
    // Each would rewrite the declaration if it were pasted into the TOML text: close the
    // string and add a key, open a table, fake a multi-line string, or be expanded again.
    let hostile = [
        "\"",
        "ping\"\nexpect = \"absent",
        "]]\n[x]\ny = 1",
        "x\"]\nexpect = \"absent\"\n[t",
        "''' \"\"\" \\\" \\",
        "{{ other }}",
        "\\{{ other }}",
        "a\u{0}b\u{1b}[31m",
        "\r\nmax_age = \"1s\"",
    ];
    // (key, template) lines; `{{ k }}` marks the hostile value.
    let bodies: &[&[(&str, &str)]] = &[
        &[
            ("check", "cache.key"),
            ("title", "Key {{ k }}"),
            ("description", "{{ k }}"),
            ("key", "pre-{{ k }}-post"),
        ],
        &[
            ("check", "enforcer.breadcrumbs"),
            ("namespace", "{{ k }}"),
            ("pid_cmdline", "{{ k }}{{ k }}"),
        ],
        &[
            ("check", "http.get"),
            ("url", "http://h/"),
            ("contains", "{{ k }}"),
        ],
    ];
    for value in hostile {
        let config = vars_config(&quoted(value), &quoted(value));
        for lines in bodies {
            let body: String = lines
                .iter()
                .map(|(k, t)| format!("{k} = \"{t}\"\n"))
                .collect();
            // What the author would get by writing the value itself, quoted as TOML.
            let expected: String = lines
                .iter()
                .map(|(k, t)| format!("{k} = {}\n", quoted(&t.replace("{{ k }}", value))))
                .collect();
            // Read as written: `{{ other }}` in it must stay text, as in the value.
            let want = parse(&expected, Path::new("ops/P.md"), 10, 1)
                .unwrap_or_else(|e| panic!("{expected:?}: {e}"));
            for target in ["default", "prod"] {
                let got = p_in(&body, &config, target).unwrap_or_else(|e| panic!("{value:?}: {e}"));
                assert_eq!(got.check, want.check, "{value:?} in {body:?} on {target}");
                assert_eq!(
                    (&got.title, &got.description, &got.target, &got.id),
                    (&want.title, &want.description, &want.target, &want.id),
                    "{value:?} in {body:?}"
                );
                assert_eq!(got.source, body, "the source stays as written");
                assert!(got.unset.is_empty());
            }
        }
    }
    // A value holding a reference is text: never looked up again.
    let config = vars_config("\"{{ other }}\"", "\"{{ other }}\"");
    let d = p_in(
        "check = \"cache.key\"\nkey = \"{{ k }}\"\n",
        &config,
        "prod",
    )
    .unwrap();
    let Check::CacheKey(k) = &d.check else {
        panic!("{d:?}")
    };
    assert_eq!(k.key, "{{ other }}");
}

#[test]
fn a_declaration_is_parsed_once_and_resolved_per_target() {
    let config = vars_config("\"dev-key\"", "\"prod-key\"");
    let body =
        "check = \"cache.key\"\nid = \"k\"\ntitle = \"Key {{ k }}\"\n\n  key = \"{{ k }}\"\n";
    let decl = Arc::new(Declaration::parse(body, Path::new("ops/P.md"), 10, 1).unwrap());
    assert!(decl.uses_vars());
    assert_eq!(decl.var_names(), ["k"]);
    assert_eq!(
        (decl.id(), decl.check_name()),
        ("k".to_string(), "cache.key")
    );
    assert_eq!(decl.key_line("key"), 15, "spans, not a text scan");
    assert_eq!(decl.key_line("nope"), 10);
    for (target, want) in [("default", "dev-key"), ("prod", "prod-key")] {
        let d = decl.resolve(&config, target).unwrap();
        let Check::CacheKey(k) = &d.check else {
            panic!("{d:?}")
        };
        assert_eq!(k.key, want);
        assert_eq!(d.title, format!("Key {want}"));
        assert!(Arc::ptr_eq(&d.declaration, &decl));
    }
    // As written, the template stays text.
    let d = decl.as_written().unwrap();
    assert_eq!(d.title, "Key {{ k }}");
    // A declaration without variables is typed at parse, the same on every target.
    let plain = Arc::new(
        Declaration::parse(
            "check = \"redis.scan\"\npattern = \"*\"\n",
            Path::new("ops/P.md"),
            10,
            2,
        )
        .unwrap(),
    );
    assert!(!plain.uses_vars());
    assert_eq!(
        plain.resolve(&config, "prod").unwrap().check,
        plain.resolve(&config, "default").unwrap().check
    );
    // Errors no value can change are found without a config.
    for (body, line, words) in [
        (
            "check = \"cache.key\"\nid = \"{{ k }}\"\nkey = \"a\"\n",
            12,
            "`{{ k }}` in `id`",
        ),
        ("check = \"{{ k }}\"\n", 11, "`{{ k }}` in `check`"),
        (
            "check = \"cache.kee\"\nkey = \"{{ k }}\"\n",
            11,
            "unknown check",
        ),
        (
            "check = \"cache.key\"\n\"{{ k }}\" = \"a\"\n",
            12,
            "never in keys",
        ),
        (
            "check = \"cache.key\"\nkey = \"a\"\nt = { \"{{ k }}\" = 1 }\n",
            13,
            "never in keys",
        ),
    ] {
        let e = Declaration::parse(body, Path::new("ops/P.md"), 10, 1).unwrap_err();
        assert_eq!(e.line, line, "{body:?}: {e}");
        assert!(e.message.contains(words), "{body:?}: {e}");
    }
}

#[test]
fn a_variable_where_a_number_or_boolean_belongs_is_an_error_saying_what_to_write() {
    let config = crate::config::Config::parse(
        "[targets.prod]\nurl = \"redis://h/1\"\n[vars]\nn = 5\nb = false\nage = \"20m\"\n[targets.prod.vars]\nage = \"soon\"\n",
        Path::new("bisk-docs.toml"),
    )
    .unwrap();
    // Variables are text: a parameter that takes a number or true/false takes none.
    for (body, line, words) in [
        (
            "check = \"cache.key\"\nkey = \"a\"\nmin_ttl = \"{{ n }}\"\n",
            13,
            "`min_ttl` takes a number or true/false and a variable is always text (`{{ n }}` is \"5\" on target default): write the value in the probe itself, e.g. `min_ttl = 5`",
        ),
        (
            "check = \"enforcer.breadcrumbs\"\n\ncheck_pid = \"{{ b }}\"\n",
            13,
            "e.g. `check_pid = false`",
        ),
    ] {
        for target in ["default", "prod"] {
            let e = p_in(body, &config, target).unwrap_err();
            assert_eq!(e.line, line, "{body:?}: {e}");
            assert!(
                e.message
                    .contains(&words.replace("target default", &format!("target {target}"))),
                "{e}"
            );
        }
    }
    // A duration is a string: it takes a variable, and a value that is not one is an error
    // at its line naming the variable, its value and where to correct it.
    let body = "check = \"cache.key\"\nkey = \"a\"\nmax_age = \"{{ age }}\"\n";
    let d = p_in(body, &config, "default").unwrap();
    let Check::CacheKey(k) = &d.check else {
        panic!("{d:?}")
    };
    assert_eq!(k.max_age, Some(Duration::from_secs(1200)));
    let e = p_in(body, &config, "prod").unwrap_err();
    assert_eq!(e.line, 13, "{e}");
    assert!(e.message.contains("invalid duration \"soon\""), "{e}");
    assert!(
        e.message.contains("the value comes from `{{ age }}` (\"soon\" on target prod): correct it in [targets.prod.vars] (or [vars]) of bisk-docs.toml"),
        "{e}"
    );
    // Validation errors name the variable too.
    let e = p_in(
        "check = \"tcp.connect\"\naddress = \"{{ age }}\"\n",
        &config,
        "default",
    )
    .unwrap_err();
    assert_eq!(e.line, 12, "{e}");
    assert!(
        e.message
            .contains("not host:port; the value comes from `{{ age }}`"),
        "{e}"
    );
}
