//! Code blocks: highlighting per language, sessions, plain and unknown languages.

use crate::kit;
use kit::render::render;

use bisk_docs::render::highlight_css;

/// The HTML of each code block, in document order, keyed by `data-lang`.
fn blocks(html: &str) -> Vec<(String, String)> {
    html.split("<div class=\"codeblock\"")
        .skip(1)
        .map(|b| {
            let lang = b
                .strip_prefix(" data-lang=\"")
                .and_then(|r| r.split('"').next())
                .unwrap_or("")
                .to_string();
            let body = b
                .split("<code")
                .nth(1)
                .and_then(|r| r.split("</code>").next())
                .unwrap_or("")
                .to_string();
            (lang, body)
        })
        .collect()
}

#[test]
fn every_listed_language_is_highlighted() {
    let r = render(include_str!("../fixtures/render/languages.md"));
    let blocks = blocks(&r.html);
    let langs: Vec<&str> = blocks.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(
        langs,
        [
            "bash",
            "sh",
            "shell",
            "zsh",
            "python",
            "py",
            "toml",
            "ini",
            "cfg",
            "conf",
            "yaml",
            "yml",
            "json",
            "rust",
            "sql",
            "nginx",
            "dockerfile",
            "systemd"
        ]
    );
    for (lang, body) in &blocks {
        // A real grammar tags more than the root scope: keywords, strings, keys…
        let spans = body.matches("<span class=\"hl-").count()
            - body.matches("<span class=\"hl-source\">").count();
        assert!(spans >= 2, "{lang} not highlighted: {body}");
    }
    let toml = &blocks[6].1;
    assert!(
        toml.contains("<span class=\"hl-entity hl-name\">redis</span>"),
        "{toml}"
    );
    assert!(
        toml.contains("<span class=\"hl-string hl-quoted\">"),
        "{toml}"
    );
    let ini = &blocks[7].1;
    assert!(
        ini.contains("<span class=\"hl-entity hl-section\">Unit</span>"),
        "{ini}"
    );
    assert!(
        ini.contains("<span class=\"hl-keyword hl-name\">Description</span>"),
        "{ini}"
    );
}

#[test]
fn wrapper_has_label_and_copy_button() {
    let r = render("```bash title=\"restart.sh\"\nsystemctl restart x\n```\n");
    assert!(r.html.starts_with(
        "<div class=\"codeblock\" data-lang=\"bash\"><div class=\"codeblock-head\">\
         <span class=\"codeblock-title\">restart.sh</span><span class=\"codeblock-lang\">bash</span>\
         <button class=\"copy\" type=\"button\" aria-label=\"Copy code\">Copy</button></div>\
         <pre class=\"hl-code\"><code class=\"language-bash\">"
    ), "{}", r.html);
    assert!(
        r.html
            .contains("<span class=\"hl-variable hl-function\">systemctl</span>"),
        "{}",
        r.html
    );
}

#[test]
fn info_string_extras_do_not_break_detection() {
    for info in [
        "{.toml .numbered}",
        "toml title=\"a.toml\"",
        "TOML",
        "toml,ignore",
    ] {
        let r = render(&format!("```{info}\n[a]\nb = 1\n```\n"));
        assert!(
            r.html
                .contains("<span class=\"hl-entity hl-name\">a</span>"),
            "{info}: {}",
            r.html
        );
    }
}

#[test]
fn plain_and_unknown_languages_are_escaped_not_highlighted() {
    for (info, label) in [
        ("text", "text"),
        ("plain", "plain"),
        ("none", "none"),
        ("", ""),
        ("klingon", "klingon"),
    ] {
        let r = render(&format!("```{info}\nif a < b && c > d {{ \"x\" }}\n```\n"));
        assert!(!r.html.contains("hl-source"), "{info}: {}", r.html);
        assert!(
            r.html
                .contains("if a &lt; b &amp;&amp; c &gt; d { &quot;x&quot; }\n</code>"),
            "{info}: {}",
            r.html
        );
        if label.is_empty() {
            assert!(!r.html.contains("data-lang"));
        } else {
            assert!(
                r.html
                    .contains(&format!("<span class=\"codeblock-lang\">{label}</span>"))
            );
        }
    }
    let r = render("    indented code <b>\n");
    assert!(
        r.html.contains("<code>indented code &lt;b&gt;\n</code>"),
        "{}",
        r.html
    );
}

/// Text of `html` with the given elements (and their content) removed, tags stripped.
fn text_without(html: &str, classes: &[&str]) -> String {
    let mut out = String::new();
    let mut rest = html;
    let mut skip_depth = 0usize;
    let mut depth_stack: Vec<bool> = Vec::new();
    while let Some(lt) = rest.find('<') {
        if skip_depth == 0 {
            out.push_str(&rest[..lt]);
        }
        let gt = rest[lt..].find('>').unwrap() + lt;
        let tag = &rest[lt..=gt];
        if tag.starts_with("</") {
            if depth_stack.pop() == Some(true) {
                skip_depth -= 1;
            }
        } else {
            let hidden = classes
                .iter()
                .any(|c| tag.contains(&format!("class=\"{c}\"")));
            if hidden {
                skip_depth += 1;
            }
            depth_stack.push(hidden);
        }
        rest = &rest[gt + 1..];
    }
    out.push_str(rest);
    out.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&gt;", ">")
        .replace("&lt;", "<")
        .replace("&amp;", "&")
}

#[test]
fn console_sessions_split_prompts_commands_and_output() {
    let r = render(include_str!("../fixtures/render/sessions.md"));
    let blocks = blocks(&r.html);
    let (lang, console) = &blocks[0];
    assert_eq!(lang, "console");
    assert!(console.contains("<span class=\"prompt\">$ </span>"));
    assert!(console.contains("<span class=\"prompt\"># </span>"));
    assert!(console.contains("<span class=\"output\">&quot;pong&quot;\n</span>"));
    assert!(console.contains("<span class=\"output\">done\n</span>"));
    assert!(
        console.contains("<span class=\"hl-variable hl-function\">redis-cli</span>"),
        "commands are highlighted as bash: {console}"
    );
    // What the copy button copies: the commands only, continuation line included.
    let code = console.split_once('>').unwrap().1;
    assert_eq!(
        text_without(code, &["prompt", "output"]),
        "redis-cli -n 1 get bisk:1:ping\nsystemctl restart bisk-enforcer \\\n    --no-block\necho done\n"
    );
    // And the full text is the session as written.
    assert_eq!(
        text_without(code, &[]),
        "$ redis-cli -n 1 get bisk:1:ping\n\"pong\"\n# systemctl restart bisk-enforcer \\\n    --no-block\n$ echo done\ndone\n"
    );
}

#[test]
fn python_sessions_split_prompts_and_output() {
    let r = render(include_str!("../fixtures/render/sessions.md"));
    let blocks = blocks(&r.html);
    let (lang, pycon) = &blocks[1];
    assert_eq!(lang, "pycon");
    assert!(
        pycon.contains("<span class=\"hl-keyword hl-control\">from</span>"),
        "{pycon}"
    );
    assert!(pycon.contains("<span class=\"prompt\">&gt;&gt;&gt; </span>"));
    assert!(pycon.contains("<span class=\"prompt\">... </span>"));
    let code = pycon.split_once('>').unwrap().1;
    assert_eq!(
        text_without(code, &["prompt", "output"]),
        "from django.core.cache import cache\ncache.get(\"ping\")\nfor k in [\"a\", \"b\"]:\n    print(k)\n"
    );
    // A `python` block holding a REPL session is treated the same way.
    let (lang, py) = &blocks[2];
    assert_eq!(lang, "python");
    assert!(py.contains("<span class=\"output\">2\n</span>"), "{py}");
    let code = py.split_once('>').unwrap().1;
    assert_eq!(text_without(code, &["prompt", "output"]), "1 + 1\n");
}

#[test]
fn highlight_spans_are_balanced() {
    let r = render(
        &[
            include_str!("../fixtures/render/languages.md"),
            include_str!("../fixtures/render/sessions.md"),
            "```python\ns = \"\"\"multi\nline\"\"\"\n```\n",
        ]
        .join("\n"),
    );
    assert_eq!(
        r.html.matches("<span").count(),
        r.html.matches("</span>").count()
    );
    assert_eq!(
        r.html.matches("<div").count(),
        r.html.matches("</div>").count()
    );
}

#[test]
fn stylesheets_cover_light_and_dark() {
    let (light, dark) = highlight_css();
    assert!(
        light.contains(":root[data-theme=\"light\"] .hl-code {"),
        "{light}"
    );
    assert!(light.contains("@media not all and (prefers-color-scheme: dark)"));
    assert!(light.contains(":root:not([data-theme=\"dark\"]) .hl-"));
    assert!(dark.contains(":root[data-theme=\"dark\"] .hl-code {"));
    assert!(dark.contains("@media (prefers-color-scheme: dark)"));
    assert!(dark.contains(":root:not([data-theme=\"light\"]) .hl-"));
    // Every rule is scoped: no selector may start bare with a highlight class.
    for css in [&light, &dark] {
        assert!(!css.lines().any(|l| l.starts_with(".hl-")), "unscoped rule");
        assert!(css.contains("color: #"));
        assert_eq!(css.matches('{').count(), css.matches('}').count());
    }
    assert_ne!(light, dark);
}

#[test]
fn highlighted_code_keeps_every_byte_and_escapes_markup() {
    let hostile = "x = \"</code><script>alert(1)</script>\" # <b>&amp;\n";
    let mut md = String::new();
    for lang in [
        "bash", "python", "toml", "yaml", "json", "ini", "rust", "sql",
    ] {
        md.push_str(&format!("```{lang}\n{hostile}```\n\n"));
    }
    let r = render(&md);
    assert!(!r.html.contains("<script>"), "{}", r.html);
    for (lang, body) in blocks(&r.html) {
        let code = body.split_once('>').unwrap().1;
        assert_eq!(text_without(code, &[]), hostile, "{lang}");
    }
    // The languages fixture, block by block, comes back exactly as written.
    let src = include_str!("../fixtures/render/languages.md");
    let r = render(src);
    let expected: Vec<&str> = src
        .split("```")
        .skip(1)
        .step_by(2)
        .map(|b| b.split_once('\n').unwrap().1)
        .collect();
    let got = blocks(&r.html);
    assert_eq!(got.len(), expected.len());
    for ((lang, body), want) in got.iter().zip(expected) {
        let code = body.split_once('>').unwrap().1;
        assert_eq!(text_without(code, &[]), want, "{lang}");
    }
}
