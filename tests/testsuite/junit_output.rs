//! `check --format junit` is well-formed XML 1.0 whatever a probe reports: values come from
//! an untrusted cache (U+FFFE, U+FFFF, control characters, `]]>`, quotes), and titles and
//! keys come from the docs. A real XML parser (Python's expat) judges the output.

use crate::kit;

use std::io::Write;
use std::process::{Command, Stdio};

use kit::{RedisServer, Tree, bisk_docs};

/// Parses `xml` with Python's expat (xml.dom.minidom); returns the parser's complaint.
fn parse_error(xml: &str) -> Option<String> {
    let mut child = Command::new("python3")
        .args([
            "-c",
            "import sys, xml.dom.minidom as m\nm.parseString(sys.stdin.buffer.read())",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 (for its XML parser)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(xml.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (!out.status.success()).then(|| String::from_utf8_lossy(&out.stderr).into_owned())
}

/// A Python string literal of `s` (`\\uXXXX` escapes for everything but plain ASCII).
fn python_literal(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || "]<>&\" ".contains(c) {
            out.push(c);
        } else {
            out.push_str(&format!("\\u{:04x}", c as u32));
        }
    }
    out.push('\'');
    out
}

const NASTY: &str = "\u{fffe}\u{ffff}\u{1}\u{1b}\u{b}\u{c}\u{7f}\u{85}]]><&\"'\r\n\t";

#[test]
fn the_parser_used_here_rejects_what_xml_forbids() {
    assert!(parse_error("<a>\u{fffe}</a>").is_some());
    assert!(parse_error("<a b=\"\u{1}\"/>").is_some());
    assert!(parse_error("<a>ok</a>").is_none());
}

#[test]
fn junit_is_well_formed_for_any_value() {
    let r = RedisServer::start();
    // Django writes the hostile values: a str, and a dict whose key and value hold them.
    kit::django::django(
        &r.url(1),
        &format!(
            "s = {}\ncache.set('odd', s, None)\ncache.set('odd-dict', {{s: [s]}}, None)\n\
             cache.set('k\\ufffe', s, None)\n",
            python_literal(NASTY)
        ),
    );
    // TOML escapes put the same characters into titles, keys and `equals` (docs are text
    // too, and may be pasted from anywhere).
    let toml_nasty = "\\uFFFE\\uFFFF\\u0001\\u001B\\u000B]]><&\\\"'\\r\\n\\t";
    let page = format!(
        "# Odd \u{fffe} page\n\n\
         ```probe\nid = \"odd\"\ncheck = \"cache.key\"\nkey = \"odd\"\nequals = \"{toml_nasty}x\"\ntitle = \"T {toml_nasty}\"\n```\n\n\
         ```probe\nid = \"odd-dict\"\ncheck = \"cache.key\"\nkey = \"odd-dict\"\nequals = \"x\"\n```\n\n\
         ```probe\nid = \"odd-key\"\ncheck = \"cache.key\"\nkey = \"k\\uFFFE\"\nequals = \"{toml_nasty}\"\n```\n\n\
         ```probe\nid = \"missing\"\ncheck = \"cache.key\"\nkey = \"nope{toml_nasty}\"\n```\n\n\
         ```probe\nid = \"warn\"\ncheck = \"cache.key\"\nkey = \"odd\"\nmax_age = \"1h\"\n```\n"
    );
    let site = Tree::site(
        &format!("[redis]\nurl = \"{}\"\n", r.url(1)),
        &[("ops/O\u{fffe}DD \"q\".md", page.as_str())],
    );
    for strict in [false, true] {
        let mut args = vec!["check", "--format", "junit"];
        if strict {
            args.push("--strict");
        }
        let (code, xml, err) = bisk_docs(site.root(), &args, &[]);
        assert_eq!(code, 1, "{xml}{err}");
        assert!(xml.contains("<failure"), "{xml}");
        if let Some(e) = parse_error(&xml) {
            panic!("not well-formed XML: {e}\n{xml}");
        }
        for c in ['\u{fffe}', '\u{ffff}', '\u{1}', '\u{1b}', '\u{b}'] {
            assert!(!xml.contains(c), "{c:?} in {xml}");
        }
    }
}
