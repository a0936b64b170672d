//! The integration test suite, one binary: a module per area (each with its own doc
//! comment), all on the one kit in `kit/`. One binary links once instead of forty times;
//! filter with `cargo test --test testsuite serve_reload::` or any part of a test's path.
//!
//! No test here may change process-wide state (environment variables, the working
//! folder, signal handlers): tests run on threads of one process, so such state goes to
//! the child processes a test starts (`Command::env`, `Command::current_dir`).

mod kit;

mod build_edges;
mod build_site;
mod build_snapshot;
mod bundled_commands;
mod bundled_docs;
mod check_cli;
mod contrib_ops;
mod copy_browser;
mod decl_errors;
mod deploy_record_browser;
mod django_fixtures;
mod django_hostile;
mod django_limits;
mod django_proptest;
mod django_python;
mod django_settings;
mod e2e_browser;
mod guard_one_answer;
mod heading_ids;
mod highlighter_config;
mod hint_links;
mod init_starter;
mod junit_output;
mod leaks;
mod manual_pages;
mod parse_once;
mod phone_browser;
mod probe_backends;
mod probe_command;
mod probe_django_interop;
mod probe_hints;
mod probe_host;
mod probe_http;
mod probe_redis;
mod probe_redis_verdicts;
mod probe_systemd;
mod probe_verdicts;
mod real_trees_frontmatter;
mod redis_url;
mod render_code;
mod render_links;
mod render_pathological;
mod render_structure;
mod runbook_guide;
mod runbook_http;
mod runbook_report;
mod runbook_terminal;
mod runbook_tmux;
mod search_browser;
mod search_first_fetch;
mod search_index;
mod search_ranking;
mod search_size;
mod serve_age;
mod serve_cli;
mod serve_health;
mod serve_history;
mod serve_http;
mod serve_probe_api_build;
mod serve_proxy;
mod serve_reload;
mod serve_targets;
mod site_agreement;
mod snapshots;
mod surfaces;
mod theme_links;
mod theme_overrides;
mod theme_render;
mod vars;
mod verdicts_proptest;
mod walkthrough_browser;
mod widget_browser;
