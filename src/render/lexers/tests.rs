//! The lexers' contract: lossless, balanced per line, never panicking, and still colouring.

use super::{Lang, Lexer};

const ALL: [Lang; 6] = [
    Lang::Shell,
    Lang::Python,
    Lang::Toml,
    Lang::Yaml,
    Lang::Json,
    Lang::Ini,
];

fn highlight(lang: Lang, code: &str) -> String {
    let mut lexer = Lexer::new(lang);
    let mut out = String::new();
    for line in code.split_inclusive('\n') {
        let before = out.len();
        lexer.line(line, &mut out);
        let produced = &out[before..];
        assert_eq!(
            produced.matches("<span").count(),
            produced.matches("</span>").count(),
            "{lang:?}: unbalanced line {line:?} → {produced}"
        );
    }
    out
}

/// Tags removed and entities decoded: what a browser shows.
fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let gt = rest[lt..].find('>').expect("tag closed") + lt;
        rest = &rest[gt + 1..];
    }
    out.push_str(rest);
    assert!(!out.contains('<') && !out.contains('>'), "unescaped markup");
    out.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&gt;", ">")
        .replace("&lt;", "<")
        .replace("&amp;", "&")
}

fn assert_lossless(lang: Lang, code: &str) {
    let html = highlight(lang, code);
    assert_eq!(text_of(&html), code, "{lang:?} lost text: {html}");
}

const FIXTURES: &[(Lang, &str)] = &[
    (
        Lang::Shell,
        "#!/bin/bash\nexport REDIS_URL=\"redis://127.0.0.1:6379/${DB:-1}\" # db\nif redis-cli -u \"$REDIS_URL\" ping | grep -q PONG; then echo ok; fi\nfor f in *.md; do wc -l \"$f\" 2>&1 >/dev/null; done\nFOO=1 BAR='x y' ./run.sh --since=\"-5min\" -n $(nproc) `date`\necho \"multi\nline $HOME\" \\\n  --flag\ncat <<'EOF' > /tmp/x\n$not_a_var \"quoted\"\nEOF\necho after\n",
    ),
    (
        Lang::Python,
        "from django.core.cache import cache\n@dataclass(frozen=True)\nclass Probe(Base):\n    def check(self, key: str = \"ping\", n=0x1F) -> bool:\n        \"\"\"Doc\n        string\"\"\"\n        v = cache.get(f\"{key!r} {{x}}\\n\", default=None)  # c\n        return len(rb'raw\\d') > 2.5e-3 and v is not None\nx := 1\ns = '''open\n",
    ),
    (
        Lang::Toml,
        "# config\n[redis]\nurl = \"redis://127.0.0.1:6379/1\" # inline\ntimeout = 2.5\n[[probes]]\nname.first = 'x'\n\"quoted key\" = true\nwhen = 1979-05-27T07:32:00Z\nlist = [1, 2, { a = 3, b.c = \"d\\t\" }]\ntext = \"\"\"\nmulti = line\n\"\"\"\n[ a . \"b\" ]\n",
    ),
    (
        Lang::Yaml,
        "---\n# services\ncache:\n  backend: django_redis\n  ttl: 300\n  enabled: true\n  tags: [a, b, {k: v}]\n  - item\n  - key: \"quoted # not comment\" # comment\n  anchors: &base\n    <<: *base\n  script: |\n    echo \"not: a key\"\n    exit 0\n  after: !Ref x\n'quoted key': 'it''s'\n",
    ),
    (
        Lang::Json,
        "{\"key\": \"bisk:1:ping\", \"ttl\": 30, \"n\": -1.5e3,\n \"ok\": [true, false, null], \"esc\": \"\\\"\\u00e9\\n\"} // c\n",
    ),
    (
        Lang::Ini,
        "; comment\n[Unit]\nDescription=BISK enforcer\nAfter = network.target\n# c\n[Service]\nExecStart=/usr/bin/enforcer --x\nRestart: on-failure ; trailing\nTimeoutSec = 30\n  continued value\nquoted = \"a b\"\n",
    ),
];

#[test]
fn fixtures_round_trip_exactly() {
    for (lang, code) in FIXTURES {
        assert_lossless(*lang, code);
        // And each lexer handles every other language's text too.
        for other in ALL {
            assert_lossless(other, code);
        }
    }
}

#[test]
fn hostile_text_is_escaped() {
    let evil = "<script>alert('x')</script> \"&amp;\" </span><span class=\"x\">\n";
    for lang in ALL {
        let html = highlight(lang, evil);
        assert!(!html.contains("<script>"), "{lang:?}: {html}");
        assert!(
            !html.contains("</span><span class=\"x\">"),
            "{lang:?}: {html}"
        );
        assert_eq!(text_of(&html), evil);
    }
}

/// Deterministic xorshift, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn random_input_round_trips_and_never_panics() {
    // Pieces chosen to hit every branch: quotes, escapes, comment and key markers,
    // interpolation, brackets, prompts, multi-byte UTF-8 and CRLF.
    const PIECES: &[&str] = &[
        "\"", "'", "\"\"\"", "'''", "\\", "$", "${", "}", "{", "$(", "(", ")", "#", "//", ";", ":",
        ": ", "=", " ", "  ", "\t", "\n", "\r\n", "\r", "-", "--x", "[", "]", "[[", "]]", "|", ">",
        "<<", "<<EOF", "EOF", "&", "*", "!", "@", ".", ",", "0", "1.5e", "0x", "é", "日本", "🦀",
        "a", "key", "def", "class", "if", "f\"", "rb'", "true", "null", "~", "`", "---", "- ",
        "&lt;", "\u{0}", "\u{feff}",
    ];
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    for _ in 0..3000 {
        let n = (rng.next() % 40) as usize;
        let code: String = (0..n)
            .map(|_| PIECES[(rng.next() % PIECES.len() as u64) as usize])
            .collect();
        for lang in ALL {
            assert_lossless(lang, &code);
        }
    }
}

#[test]
fn long_pathological_lines_stay_linear() {
    let patterns = [
        "a.".repeat(50_000),
        "\"a\".".repeat(30_000),
        "${".repeat(50_000),
        "{".repeat(100_000),
        "f\"{".repeat(30_000),
        "- ".repeat(50_000),
        "a: ".repeat(30_000),
        "'".repeat(100_000),
    ];
    let started = std::time::Instant::now();
    for code in &patterns {
        for lang in ALL {
            assert_lossless(lang, code);
        }
    }
    // Quadratic behaviour on these would take minutes; linear takes milliseconds.
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
}

#[test]
fn constructs_get_their_classes() {
    let sh = highlight(Lang::Shell, "redis-cli -n 1 get \"$KEY\" # c\necho ok\n");
    for want in [
        "<span class=\"hl-variable hl-function\">redis-cli</span>",
        "<span class=\"hl-variable hl-parameter\">-n</span>",
        "<span class=\"hl-constant hl-other hl-placeholder\">$KEY</span>",
        "<span class=\"hl-comment\"># c</span>",
        "<span class=\"hl-support hl-function\">echo</span>",
    ] {
        assert!(sh.contains(want), "{want} in {sh}");
    }
    let py = highlight(
        Lang::Python,
        "@cached\ndef f(self):\n    return None  # x\n",
    );
    for want in [
        "<span class=\"hl-entity hl-name hl-function hl-decorator\">@cached</span>",
        "<span class=\"hl-storage hl-type\">def</span>",
        "<span class=\"hl-entity hl-name hl-function\">f</span>",
        "<span class=\"hl-variable hl-language\">self</span>",
        "<span class=\"hl-keyword hl-control\">return</span>",
        "<span class=\"hl-constant hl-language\">None</span>",
    ] {
        assert!(py.contains(want), "{want} in {py}");
    }
    let toml = highlight(Lang::Toml, "[a.b]\nk = 1\n");
    assert!(
        toml.contains("<span class=\"hl-entity hl-name\">b</span>"),
        "{toml}"
    );
    assert!(
        toml.contains("<span class=\"hl-entity hl-name hl-tag\">k</span>"),
        "{toml}"
    );
    assert!(
        toml.contains("<span class=\"hl-constant hl-numeric\">1</span>"),
        "{toml}"
    );
    let yaml = highlight(Lang::Yaml, "a:\n  b: true\n  c: |\n    d: e\n");
    assert!(
        yaml.contains("<span class=\"hl-entity hl-name hl-tag\">b</span>"),
        "{yaml}"
    );
    assert!(
        yaml.contains("<span class=\"hl-constant hl-language\">true</span>"),
        "{yaml}"
    );
    // Inside the block scalar `d: e` is text, not a key.
    assert!(
        yaml.contains("<span class=\"hl-string hl-quoted\">d: e</span>"),
        "{yaml}"
    );
    let json = highlight(Lang::Json, "{\"k\": \"v\"}");
    assert!(
        json.contains("<span class=\"hl-entity hl-name hl-tag\">&quot;k&quot;</span>"),
        "{json}"
    );
    assert!(
        json.contains("<span class=\"hl-string hl-quoted\">&quot;v&quot;</span>"),
        "{json}"
    );
}

#[test]
fn multi_line_strings_carry_over() {
    let py = highlight(Lang::Python, "s = \"\"\"a\nif b\n\"\"\"\nif c:\n");
    assert!(
        py.contains("<span class=\"hl-string hl-quoted\">if b</span>"),
        "{py}"
    );
    assert!(
        py.contains("<span class=\"hl-keyword hl-control\">if</span> c"),
        "{py}"
    );
    let sh = highlight(Lang::Shell, "echo \"a\nif b\" c\nif x\n");
    assert!(
        sh.contains("<span class=\"hl-string hl-quoted\">if b&quot;</span>"),
        "{sh}"
    );
    assert!(
        sh.contains("<span class=\"hl-keyword hl-control\">if</span>"),
        "{sh}"
    );
}
