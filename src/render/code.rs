//! Code blocks: the wrapper (language label, copy button) and the body, either highlighted
//! source or a terminal / Python session split into prompts, commands and output.
//!
//! Sessions mark prompts and output with `span.prompt` / `span.output` so the copy button can
//! copy only what the reader should type.

use super::escape::{escape, escape_into};
use super::highlight::{self, Grammar, Highlighter, LineHighlighter};

/// How a block's lines are turned into HTML.
enum Body {
    /// Shell session: `$ ` / `# ` lines are commands (bash), the rest is output.
    Console(Option<Grammar>),
    /// Python REPL session: `>>> ` / `... ` lines are code, the rest is output.
    Pycon(Option<Grammar>),
    Highlighted(Grammar),
    Plain,
}

fn body_for(lang: &str, code: &str, hl: Highlighter) -> Body {
    match lang {
        "console" | "shell-session" | "sh-session" | "terminal" | "shellsession" => {
            Body::Console(highlight::shell_grammar(hl))
        }
        "pycon" | "python-console" | "pyrepl" => Body::Pycon(highlight::python_grammar(hl)),
        "python" | "py" | "python3" if looks_like_repl(code) => {
            Body::Pycon(highlight::python_grammar(hl))
        }
        "" | "text" | "plain" | "plaintext" | "txt" | "none" | "output" => Body::Plain,
        other => highlight::grammar_for(other, hl).map_or(Body::Plain, Body::Highlighted),
    }
}

fn looks_like_repl(code: &str) -> bool {
    code.lines().any(|l| l.starts_with(">>> ") || l == ">>>")
}

/// Appends the HTML of one code block to `out`. `lang` is lowercased, possibly empty.
/// With `highlight` at `None` the code is escaped plain text (sessions still mark prompts).
pub(crate) fn render_code_block(
    lang: &str,
    title: Option<&str>,
    code: &str,
    highlight: Option<Highlighter>,
    out: &mut String,
) {
    out.reserve(code.len() * 3 + 256);
    out.push_str("<div class=\"codeblock\"");
    if !lang.is_empty() {
        out.push_str(" data-lang=\"");
        escape_into(out, lang);
        out.push('"');
    }
    out.push_str("><div class=\"codeblock-head\">");
    if let Some(title) = title {
        out.push_str("<span class=\"codeblock-title\">");
        escape_into(out, title);
        out.push_str("</span>");
    }
    if !lang.is_empty() {
        out.push_str("<span class=\"codeblock-lang\">");
        escape_into(out, lang);
        out.push_str("</span>");
    }
    out.push_str(
        "<button class=\"copy\" type=\"button\" aria-label=\"Copy code\">Copy</button></div>",
    );
    out.push_str("<pre class=\"hl-code\"><code");
    if !lang.is_empty() {
        out.push_str(" class=\"language-");
        // Class names cannot hold spaces; the label above shows the language as written.
        escape_into(out, &lang.replace(char::is_whitespace, "-"));
        out.push('"');
    }
    out.push('>');
    let body = match body_for(lang, code, highlight.unwrap_or_default()) {
        Body::Highlighted(_) if highlight.is_none() => Body::Plain,
        Body::Console(_) if highlight.is_none() => Body::Console(None),
        Body::Pycon(_) if highlight.is_none() => Body::Pycon(None),
        body => body,
    };
    match body {
        Body::Plain => escape_into(out, code),
        Body::Highlighted(grammar) => {
            let mut hl = LineHighlighter::new(grammar);
            for line in code.split_inclusive('\n') {
                hl.line(line, out);
            }
            hl.finish(out);
        }
        Body::Console(grammar) => session(code, grammar, console_prompt, out),
        Body::Pycon(grammar) => session(code, grammar, pycon_prompt, out),
    }
    out.push_str("</code></pre></div>\n");
}

/// Length of the prompt of a shell command line (`$ ` or `# `), if it is one.
fn console_prompt(line: &str, continued: bool) -> Option<usize> {
    if continued {
        return Some(0);
    }
    let body = line.trim_end_matches(['\n', '\r']);
    if line.starts_with("$ ") || line.starts_with("# ") {
        Some(2)
    } else if body == "$" || body == "#" {
        Some(1)
    } else {
        None
    }
}

/// Length of the prompt of a Python REPL line (`>>> ` or `... `), if it is one.
fn pycon_prompt(line: &str, _continued: bool) -> Option<usize> {
    let body = line.trim_end_matches(['\n', '\r']);
    if line.starts_with(">>> ") || line.starts_with("... ") {
        Some(4)
    } else if body == ">>>" || body == "..." {
        Some(3)
    } else {
        None
    }
}

/// Renders a session: prompt lines highlighted as code (one parser state across them, so
/// multi-line statements stay coherent), all other lines escaped as output.
fn session(
    code: &str,
    grammar: Option<Grammar>,
    prompt_len: fn(&str, bool) -> Option<usize>,
    out: &mut String,
) {
    let mut hl = grammar.map(LineHighlighter::new);
    // A shell command ending in `\` continues on the next line without a prompt.
    let mut continued = false;
    for line in code.split_inclusive('\n') {
        match prompt_len(line, continued) {
            Some(n) => {
                if n > 0 {
                    out.push_str("<span class=\"prompt\">");
                    escape_into(out, &line[..n]);
                    out.push_str("</span>");
                }
                let command = &line[n..];
                match hl.as_mut() {
                    Some(hl) => hl.line(command, out),
                    None => escape_into(out, command),
                }
                continued = command.trim_end_matches(['\n', '\r']).ends_with('\\');
            }
            None => {
                if let Some(hl) = hl.as_mut() {
                    hl.suspend(out);
                }
                // The newline sits inside the span: copying without output lines must not
                // leave blank lines behind.
                out.push_str("<span class=\"output\">");
                escape_into(out, line);
                out.push_str("</span>");
            }
        }
    }
    if let Some(hl) = hl {
        hl.finish(out);
    }
}

/// A visible, escaped error box, for blocks that could not be rendered (bad probes).
pub(crate) fn error_box(title: &str, message: &str, body: &str, out: &mut String) {
    out.push_str("<div class=\"render-error\" role=\"alert\"><p class=\"render-error-title\">");
    escape_into(out, title);
    out.push_str("</p><p class=\"render-error-message\">");
    escape_into(out, message);
    out.push_str("</p><pre><code>");
    out.push_str(&escape(body));
    out.push_str("</code></pre></div>\n");
}
