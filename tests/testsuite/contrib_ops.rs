//! What ships in `contrib/` for running `serve` for a team: the Prometheus scrape config,
//! alerting rules and their unit tests (checked by the real `promtool`), a live `/metrics`
//! scrape validated by `promtool check metrics`, the Grafana dashboard's queries, and the
//! systemd unit (checked by `systemd-analyze verify`).

use crate::kit;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use kit::serve::get;

fn contrib(rel: &str) -> std::path::PathBuf {
    kit::repo().join("contrib").join(rel)
}

/// Runs `promtool args…`; returns (success, stdout + stderr).
fn promtool(args: &[&str], stdin: Option<&str>) -> (bool, String) {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(kit::system::promtool())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run promtool");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn the_scrape_config_and_its_rules_pass_promtool_check() {
    let config = contrib("prometheus/prometheus.yml");
    let (ok, out) = promtool(&["check", "config", config.to_str().unwrap()], None);
    assert!(ok, "{out}");
    assert!(out.contains("SUCCESS: 1 rule files found"), "{out}");
    let rules = contrib("prometheus/bisk-docs-rules.yml");
    let (ok, out) = promtool(&["check", "rules", rules.to_str().unwrap()], None);
    assert!(ok, "{out}");
    assert!(out.contains("SUCCESS: 4 rules found"), "{out}");
}

#[test]
fn the_alert_rules_pass_their_unit_tests() {
    let tests = contrib("prometheus/tests/bisk-docs-rules.test.yml");
    let (ok, out) = promtool(&["test", "rules", tests.to_str().unwrap()], None);
    assert!(ok, "{out}");
    assert!(out.contains("SUCCESS"), "{out}");
}

/// One sample line of an exposition: metric name and labels.
fn samples(text: &str) -> Vec<(String, BTreeMap<String, String>)> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (series, _value) = l.rsplit_once(' ').unwrap();
            let (name, labels) = series.split_once('{').unwrap_or((series, "}"));
            let labels = labels
                .trim_end_matches('}')
                .split("\",")
                .filter(|kv| !kv.is_empty())
                .map(|kv| {
                    let (k, v) = kv.split_once("=\"").unwrap();
                    (k.to_string(), v.trim_end_matches('"').to_string())
                })
                .collect();
            (name.to_string(), labels)
        })
        .collect()
}

/// Scrapes a running serve whose site declares two probes (`ping`, `roundtrip`).
async fn scrape() -> String {
    let redis = kit::RedisServer::start();
    let site = kit::serve::site(&redis.url(1), "");
    let server = site.serve(false).await;
    let r = get(server.addr, "/metrics").await;
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("text/plain; version=0.0.4"),
        "{:?}",
        r.headers
    );
    server.shutdown().await;
    r.body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_scrape_passes_promtool_check_metrics_with_bounded_labels() {
    let body = scrape().await;
    let (ok, out) = promtool(&["check", "metrics"], Some(&body));
    assert!(ok && out.trim().is_empty(), "promtool: {out}\n{body}");

    // Every per-probe series names its probe, page, check and target; one series per
    // declared probe (and per status for bisk_probe_status), whatever happened before.
    let mut per_family: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, labels) in samples(&body) {
        if !name.starts_with("bisk_probe_") || name == "bisk_probe_executions_total" {
            continue;
        }
        let keys: Vec<&str> = labels.keys().map(String::as_str).collect();
        let want: &[&str] = if name == "bisk_probe_status" {
            &["check", "id", "page", "status", "target"]
        } else {
            &["check", "id", "page", "target"]
        };
        assert_eq!(keys, want, "{name} {labels:?}");
        assert_eq!(labels["page"], "ops/REDIS.md");
        assert_eq!(labels["target"], "default");
        per_family
            .entry(name)
            .or_default()
            .insert(labels["id"].clone());
    }
    let ids: BTreeSet<String> = ["ping", "roundtrip"].map(String::from).into();
    for family in [
        "bisk_probe_up",
        "bisk_probe_status",
        "bisk_probe_duration_seconds",
        "bisk_probe_last_check_timestamp_seconds",
    ] {
        assert_eq!(per_family.get(family), Some(&ids), "{family}\n{body}");
    }
    assert_eq!(
        samples(&body)
            .iter()
            .filter(|(n, _)| n == "bisk_probe_status")
            .count(),
        2 * 5
    );
    assert!(body.contains("\nbisk_serve_history_store_up 1\n"), "{body}");
}

/// Issue 18, 9: a skipped probe exported `bisk_probe_up 0`, so every average read it as
/// down; and a `page` label turned `\\` into `/`. Here a page whose file name holds a
/// backslash (legal on Linux) and a quote-free skipped probe (read-only: the round trip
/// writes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skipped_probes_export_no_up_and_labels_are_escaped_exactly() {
    let redis = kit::RedisServer::start();
    let site = kit::Tree::site(
        &format!(
            "[redis]\nurl = \"{}\"\nconnect_timeout = \"500ms\"\n",
            redis.url(1)
        ),
        &[
            ("README.md", "# Home\n"),
            (
                "ops/back\\slash.md",
                "# Odd name\n\n```probe\nid = \"ping\"\ncheck = \"redis.ping\"\n```\n\n```probe\nid = \"roundtrip\"\ncheck = \"cache.roundtrip\"\n```\n",
            ),
        ],
    );
    let server = site.serve(true).await;
    let r = get(server.addr, "/metrics").await;
    assert_eq!(r.status, 200);
    server.shutdown().await;
    let body = r.body;
    let (ok, out) = promtool(&["check", "metrics"], Some(&body));
    assert!(ok && out.trim().is_empty(), "promtool: {out}\n{body}");
    // The exposition format escapes `\\` as `\\\\` and alters nothing else.
    let page = r#"page="ops/back\\slash.md""#;
    assert!(
        body.contains(&format!(
            "bisk_probe_up{{id=\"ping\",{page},check=\"redis.ping\",target=\"default\"}} 1\n"
        )),
        "{body}"
    );
    assert!(
        body.contains(&format!(
            "bisk_probe_status{{id=\"roundtrip\",{page},check=\"cache.roundtrip\",target=\"default\",status=\"skipped\"}} 1\n"
        )),
        "{body}"
    );
    assert!(!body.contains("bisk_probe_up{id=\"roundtrip\""), "{body}");
    assert!(!body.contains("ops/back/slash"), "{body}");
}

/// The dashboard's "Uptime over 24 h" counts only judged time: a probe up while judged
/// and then skipped reads 100 %, whether its instance exports no `bisk_probe_up` while
/// skipped (this version) or a 0 (older ones); a probe down half the time reads 50 %.
#[test]
fn the_uptime_panel_ignores_time_a_probe_was_skipped() {
    let text = std::fs::read_to_string(contrib("grafana/bisk-docs-dashboard.json")).unwrap();
    let d: serde_json::Value = serde_json::from_str(&text).unwrap();
    let panel = d["panels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["title"] == "Uptime over 24 h")
        .expect("the uptime panel");
    let expr = panel["targets"][0]["expr"]
        .as_str()
        .unwrap()
        .replace("$instance", ".+")
        .replace("$page", ".+");
    let labels = |instance: &str| {
        format!(
            "job=\"bisk-docs\",instance=\"{instance}\",id=\"crumbs\",page=\"ops/E.md\",check=\"enforcer.breadcrumbs\",target=\"default\""
        )
    };
    let series = |name: &str, instance: &str, extra: &str, values: &str| {
        format!(
            "      - series: '{name}{{{}{extra}}}'\n        values: '{values}'\n",
            labels(instance)
        )
    };
    let mut file =
        String::from("evaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n");
    for (instance, up, skipped) in [
        ("new", "1x9 stale", "0x9 1x10"),
        ("old", "1x9 0x10", "0x9 1x10"),
        ("down", "1x9 0x10", "0x19"),
    ] {
        file.push_str(&series("bisk_probe_up", instance, "", up));
        file.push_str(&series(
            "bisk_probe_status",
            instance,
            ",status=\"skipped\"",
            skipped,
        ));
    }
    file.push_str(&format!(
        "    promql_expr_test:\n      - expr: {}\n        eval_time: 19m\n        exp_samples:\n",
        serde_json::to_string(&expr).unwrap()
    ));
    for (instance, value) in [("new", "1"), ("old", "1"), ("down", "0.5")] {
        file.push_str(&format!(
            "          - labels: '{{{}}}'\n            value: {value}\n",
            labels(instance)
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("uptime.test.yml");
    std::fs::write(&path, &file).unwrap();
    let (ok, out) = promtool(&["test", "rules", path.to_str().unwrap()], None);
    assert!(ok, "{out}\n{file}");
}

/// `bisk_…` metric names an expression uses.
fn metric_names(expr: &str) -> BTreeSet<String> {
    let re = regex::Regex::new(r"\bbisk_[a-z_]+").unwrap();
    re.find_iter(expr).map(|m| m.as_str().to_string()).collect()
}

/// Every expression of the Grafana dashboard, with its variables given the values
/// Grafana would substitute.
fn dashboard_exprs() -> Vec<String> {
    let text = std::fs::read_to_string(contrib("grafana/bisk-docs-dashboard.json")).unwrap();
    let d: serde_json::Value = serde_json::from_str(&text).expect("the dashboard is JSON");
    let mut exprs = Vec::new();
    for p in d["panels"].as_array().unwrap() {
        for t in p["targets"].as_array().unwrap() {
            exprs.push(t["expr"].as_str().unwrap().to_string());
        }
    }
    for v in d["templating"]["list"].as_array().unwrap() {
        if let Some(q) = v["query"]["query"].as_str() {
            // label_values(EXPR, label): the selector is the PromQL part.
            let inner = q
                .trim_start_matches("label_values(")
                .rsplit_once(',')
                .unwrap()
                .0;
            exprs.push(inner.to_string());
        }
    }
    exprs
        .into_iter()
        .map(|e| {
            e.replace("$__rate_interval", "5m")
                .replace("$instance", ".+")
                .replace("$page", ".+")
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rules_and_the_dashboard_use_only_exported_metrics_in_valid_promql() {
    let body = scrape().await;
    let exported: BTreeSet<String> = samples(&body).into_iter().map(|(n, _)| n).collect();
    let rules = std::fs::read_to_string(contrib("prometheus/bisk-docs-rules.yml")).unwrap();
    let exprs = dashboard_exprs();
    assert!(exprs.len() >= 12, "{exprs:?}");
    let mut used = metric_names(&rules);
    for e in &exprs {
        used.extend(metric_names(e));
    }
    assert!(used.len() >= 8, "{used:?}");
    for name in &used {
        assert!(exported.contains(name), "{name} is not exported:\n{body}");
    }

    // promtool parses PromQL when it checks rules: each dashboard query as a recording rule.
    let dir = tempfile::tempdir().unwrap();
    let mut file = String::from("groups:\n  - name: dashboard\n    rules:\n");
    for (i, e) in exprs.iter().enumerate() {
        file.push_str(&format!(
            "      - record: dashboard:query_{i}\n        expr: {}\n",
            serde_json::to_string(e).unwrap()
        ));
    }
    let path = dir.path().join("dashboard.yml");
    std::fs::write(&path, &file).unwrap();
    let (ok, out) = promtool(&["check", "rules", path.to_str().unwrap()], None);
    assert!(ok, "{out}\n{file}");
}

/// `Key=value` lines of a unit file (comments and sections skipped), in order.
fn unit_settings(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#') && !l.starts_with('[') && !l.is_empty())
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn the_systemd_unit_is_valid_hardened_and_consistent() {
    let text = std::fs::read_to_string(contrib("systemd/bisk-docs.service")).unwrap();
    let settings = unit_settings(&text);
    let one = |key: &str| -> String {
        let all: Vec<&String> = settings
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v)
            .collect();
        assert_eq!(all.len(), 1, "{key}: {all:?}");
        all[0].clone()
    };
    for (key, value) in [
        ("User", "bisk-docs"),
        ("ProtectSystem", "strict"),
        ("PrivateTmp", "yes"),
        ("NoNewPrivileges", "yes"),
        ("ProtectHome", "yes"),
        ("SupplementaryGroups", "systemd-journal"),
        ("KillSignal", "SIGTERM"),
    ] {
        assert_eq!(one(key), value, "{key}");
    }
    // The state folder serve writes is the one systemd creates, and the root's runs/ is
    // the one other writable path.
    let exec = one("ExecStart");
    let args: Vec<&str> = exec.split_whitespace().collect();
    let arg = |flag: &str| args[args.iter().position(|a| *a == flag).unwrap() + 1];
    assert_eq!(args[1], "serve");
    assert_eq!(
        Path::new(arg("--state-dir")),
        Path::new("/var/lib").join(one("StateDirectory"))
    );
    assert_eq!(
        Path::new(&one("ReadWritePaths")),
        Path::new(arg("--root")).join("runs")
    );

    // systemd's own parser: unknown keys or bad values are reported on stderr.
    let dir = tempfile::tempdir().unwrap();
    let unit = dir.path().join("bisk-docs.service");
    std::fs::write(
        &unit,
        text.replace("/usr/local/bin/bisk-docs", kit::tree::bin()),
    )
    .unwrap();
    kit::system::ensure_debian(&[("/usr/bin/systemd-analyze", "systemd")])
        .unwrap_or_else(|e| panic!("systemd-analyze is needed: {e}"));
    let out = Command::new("/usr/bin/systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&unit)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && err.trim().is_empty(), "{err}");
}
