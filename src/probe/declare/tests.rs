//! Declarations: parsing, resolving, validating.

use std::path::Path;
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
    let e =
        p("check = \"enforcer.breadcrumbs\"\ncheck_pid = false\npid_unit = \"x.service\"\n")
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

fn p_in(
    body: &str,
    config: &crate::config::Config,
    target: &str,
) -> Result<ProbeDecl, DeclError> {
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
                Some(
                    format!("Not checked on target {target}: `k` has no value there.").as_str()
                )
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
