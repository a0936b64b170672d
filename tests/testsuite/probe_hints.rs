//! Hint texts and their links agree, checked against the bundled guides
//! (docs/ops/REDIS_CACHE.md, docs/ops/ENFORCER_SYSTEMD_GUIDE.md):
//!
//! - every constructor of `probe::show::hint` is audited here (a new one fails until added);
//! - each link's anchor exists as a heading id of the guide it names;
//! - each fixed hint refers to the section it links: it quotes a `code` term of that
//!   section, or names the section's heading;
//! - no hint names another section than the one it links ("troubleshooting F" text
//!   linking `#ping-gotchas`), neither in the constructors nor at any call site in
//!   src/probe (the literal texts passed to the free-text constructors).

use std::collections::HashMap;
use std::path::Path;

use bisk_docs::probe::result::Hint;
use bisk_docs::probe::show::hint;
use regex::Regex;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A guide section: its heading text and its body (to the next heading of the same or a
/// higher level), code fences skipped when finding headings.
struct Section {
    title: String,
    body: String,
}

fn sections(page: &str) -> HashMap<String, Section> {
    // The guides write their commands with `{{ redis_cli }}` (the target's redis-cli); fixed
    // hints are written in the plain form `hint::for_target` later gives the same options.
    let text = std::fs::read_to_string(repo().join("docs").join(page))
        .expect(page)
        .replace("{{ redis_cli }}", "redis-cli -n 1");
    let id = Regex::new(r"^(#{1,6})\s+(.*?)\s*\{#([A-Za-z0-9_-]+)\}\s*$").unwrap();
    let plain_heading = Regex::new(r"^(#{1,6})\s").unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut heads: Vec<(usize, usize, String, Option<String>)> = Vec::new();
    let mut fence = false;
    for (i, l) in lines.iter().enumerate() {
        if l.trim_start().starts_with("```") {
            fence = !fence;
            continue;
        }
        if fence {
            continue;
        }
        if let Some(c) = id.captures(l) {
            heads.push((i, c[1].len(), c[2].to_string(), Some(c[3].to_string())));
        } else if let Some(c) = plain_heading.captures(l) {
            heads.push((
                i,
                c[1].len(),
                l.trim_start_matches('#').trim().to_string(),
                None,
            ));
        }
    }
    let mut out = HashMap::new();
    for (n, (line, level, title, anchor)) in heads.iter().enumerate() {
        let Some(anchor) = anchor else { continue };
        let end = heads[n + 1..]
            .iter()
            .find(|h| h.1 <= *level)
            .map(|h| h.0)
            .unwrap_or(lines.len());
        out.insert(
            anchor.clone(),
            Section {
                title: title.clone(),
                body: lines[*line..end].join("\n"),
            },
        );
    }
    out
}

struct Guides(HashMap<String, HashMap<String, Section>>);

impl Guides {
    fn load() -> Guides {
        let mut m = HashMap::new();
        for page in [hint::REDIS_GUIDE, hint::ENFORCER_GUIDE] {
            m.insert(page.to_string(), sections(page));
        }
        Guides(m)
    }

    /// The section a link points at; panics with the reason when it does not exist.
    fn target(&self, link: &str, who: &str) -> &Section {
        let (page, anchor) = link
            .split_once('#')
            .unwrap_or_else(|| panic!("{who}: link {link:?} has no anchor"));
        let page_sections = self
            .0
            .get(page)
            .unwrap_or_else(|| panic!("{who}: link {link:?} names no bundled guide"));
        page_sections
            .get(anchor)
            .unwrap_or_else(|| panic!("{who}: no heading {{#{anchor}}} in docs/{page}"))
    }
}

/// The section a text names in words, as an anchor.
fn named_sections(text: &str) -> Vec<String> {
    let rules: [(&str, &str); 6] = [
        (r"(?i)\btroubleshooting ([a-f])\b", "troubleshooting-"),
        (r"\b(?:in|as in|see) ([A-F])\b", "troubleshooting-"),
        (r"(?i)\bproduction notes\b", "production"),
        (r"(?i)\bsecurity notes\b", "security"),
        (r"(?i)\bgotchas\b", "ping-gotchas"),
        (r"(?i)\bdefault-timeout trap\b", "default-timeout"),
    ];
    let mut out = Vec::new();
    for (re, anchor) in rules {
        for c in Regex::new(re).unwrap().captures_iter(text) {
            out.push(match c.get(1) {
                Some(letter) => format!("{anchor}{}", letter.as_str().to_ascii_lowercase()),
                None => anchor.to_string(),
            });
        }
    }
    out
}

fn anchor_of(link: &str) -> &str {
    link.split_once('#').map(|(_, a)| a).unwrap_or("")
}

/// No text names a section other than the one linked (or any, when there is no link).
fn assert_names_only_its_section(who: &str, h: &Hint) {
    for named in named_sections(&h.text) {
        match &h.link {
            Some(link) => assert_eq!(
                anchor_of(link),
                named,
                "{who}: the text names section {named} but links {link}: {:?}",
                h.text
            ),
            None => panic!(
                "{who}: the text names section {named} but has no link: {:?}",
                h.text
            ),
        }
    }
}

/// The fixed (no free text) constructors with sample arguments.
fn fixed() -> Vec<(&'static str, Option<Hint>)> {
    vec![
        ("server_down", hint::server_down()),
        ("not_redis", hint::not_redis()),
        ("loading", hint::loading()),
        ("connection_lost", hint::connection_lost()),
        ("too_many_clients", hint::too_many_clients()),
        ("auth", hint::auth()),
        ("no_password_configured", hint::no_password_configured()),
        ("acl_denied", hint::acl_denied()),
        ("out_of_memory", hint::out_of_memory()),
        ("read_only_replica", hint::read_only_replica()),
        ("connect_timeout", hint::connect_timeout()),
        ("no_answer", hint::no_answer()),
        ("keys_missing", hint::keys_missing()),
        ("wrong_db", hint::wrong_db(0, 1, "bisk:1:*")),
        ("cleanup", hint::cleanup(1, ":1:enforcer:*")),
        ("still_in_use", hint::still_in_use(1, ":1:enforcer:*")),
        (
            "legacy_cleanup",
            hint::legacy_cleanup(1, ":1:enforcer:*", 7),
        ),
        ("default_timeout", hint::default_timeout()),
        ("redis_client_missing", hint::redis_client_missing()),
        ("other_backends", hint::other_backends()),
    ]
}

/// The free-text constructors, by name, for the call-site audit.
fn free_text(name: &str) -> Option<fn(String) -> Option<Hint>> {
    Some(match name {
        "ping_gotchas" => |t| hint::ping_gotchas(t),
        "enforcer_panel" => |t| hint::enforcer_panel(t),
        "pickled" => |t| hint::pickled(t),
        "leftovers" => |t| hint::leftovers(t),
        "security" => |t| hint::security(t),
        "production" => |t| hint::production(t),
        "django_config" => |t| hint::django_config(t),
        "file_cache" => |t| hint::file_cache(t),
        "database_cache" => |t| hint::database_cache(t),
        "plain" => |t| hint::plain(t),
        _ => return None,
    })
}

#[test]
fn every_constructor_is_audited() {
    let src = std::fs::read_to_string(repo().join("src/probe/show/hint.rs")).unwrap();
    let fixed: Vec<&str> = fixed().iter().map(|f| f.0).collect();
    for c in Regex::new(r"pub fn (\w+)\(").unwrap().captures_iter(&src) {
        let name = &c[1];
        assert!(
            fixed.contains(&name) || free_text(name).is_some(),
            "hint::{name} is not audited in tests/testsuite/probe_hints.rs"
        );
    }
}

#[test]
fn fixed_hints_link_an_existing_section_they_refer_to() {
    let guides = Guides::load();
    let code = Regex::new(r"`([^`]+)`").unwrap();
    let letter = Regex::new(r"^[A-Z]\.\s+").unwrap();
    for (name, h) in fixed() {
        let h = h.unwrap_or_else(|| panic!("{name}: no hint"));
        assert_names_only_its_section(name, &h);
        let Some(link) = &h.link else { continue };
        let section = guides.target(link, name);
        // "F. Leftover keys without the prefix" → "leftover keys without the prefix".
        let title = letter.replace(&section.title, "").to_lowercase();
        let quotes_a_term = code
            .captures_iter(&h.text)
            .any(|c| section.body.contains(&c[1]));
        let names_the_heading = h.text.to_lowercase().contains(&title);
        assert!(
            quotes_a_term || names_the_heading,
            "hint::{name} links {link} (\"{}\") but neither quotes a `term` of that section nor names it: {:?}",
            section.title,
            h.text
        );
    }
}

#[test]
fn free_text_hints_at_every_call_site_agree_with_their_link() {
    let guides = Guides::load();
    let call = Regex::new(r#"hint::(\w+)\(\s*(?:format!\(\s*)?"((?:[^"\\]|\\.)*)""#).unwrap();
    let mut seen = 0;
    let mut stack = vec![repo().join("src/probe")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let src = std::fs::read_to_string(&path).unwrap();
            for c in call.captures_iter(&src) {
                let Some(make) = free_text(&c[1]) else {
                    continue;
                };
                let who = format!(
                    "{}: hint::{}",
                    path.strip_prefix(repo()).unwrap().display(),
                    &c[1]
                );
                let h =
                    make(c[2].replace("\\\"", "\"")).unwrap_or_else(|| panic!("{who}: no hint"));
                if let Some(link) = &h.link {
                    guides.target(link, &who);
                }
                assert_names_only_its_section(&who, &h);
                seen += 1;
            }
        }
    }
    assert!(seen >= 10, "the call-site scan found only {seen} hints");
}

#[test]
fn the_audit_catches_a_text_naming_another_section() {
    // The defect of issue 9: "troubleshooting F" text behind a #ping-gotchas link.
    let bad = hint::ping_gotchas("delete leftovers as in troubleshooting F.").unwrap();
    assert_eq!(
        named_sections(&bad.text),
        vec!["troubleshooting-f".to_string()]
    );
    assert_ne!(anchor_of(bad.link.as_deref().unwrap()), "troubleshooting-f");
    let good = hint::leftovers("delete leftovers as in troubleshooting F.").unwrap();
    assert_names_only_its_section("leftovers", &good);
}
