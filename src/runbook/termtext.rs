//! A step's Markdown as terminal text: paragraphs wrapped to the width, lists and quotes
//! indented, commands set apart in a box to copy, probe declarations replaced by one line
//! naming the probe (its result follows the text).

use pulldown_cmark::{CodeBlockKind, Event, Tag, TagEnd};

/// How to render.
#[derive(Debug, Clone)]
pub(crate) struct Style {
    /// Total width in columns (at least 30 is used).
    pub width: usize,
    /// ANSI bold for headings.
    pub color: bool,
}

struct Frame {
    /// Prefix of the next line this frame contributes.
    first: String,
    /// Prefix of the lines after it.
    rest: String,
}

struct Out<'a> {
    style: &'a Style,
    lines: Vec<String>,
    frames: Vec<Frame>,
    inline: String,
    /// Nothing emitted since a quote or item opened: no blank line needed.
    fresh: bool,
}

impl Out<'_> {
    fn prefix(&mut self) -> String {
        let p: String = self.frames.iter().map(|f| f.first.as_str()).collect();
        for f in &mut self.frames {
            f.first = f.rest.clone();
        }
        p
    }

    fn push_line(&mut self, text: &str) {
        let p = self.prefix();
        self.lines.push(format!("{p}{text}").trim_end().to_string());
        self.fresh = false;
    }

    fn blank(&mut self) {
        if self.fresh {
            return;
        }
        if self
            .lines
            .last()
            .is_some_and(|l| !l.trim().is_empty() && l.trim() != "│")
        {
            let p: String = self.frames.iter().map(|f| f.rest.as_str()).collect();
            self.lines.push(p.trim_end().to_string());
        }
    }

    /// Wraps and emits the inline text gathered so far.
    fn flush(&mut self) {
        let text = std::mem::take(&mut self.inline);
        if text.trim().is_empty() {
            return;
        }
        let indent: usize = self.frames.iter().map(|f| f.rest.chars().count()).sum();
        let width = self.style.width.max(30).saturating_sub(indent).max(20);
        for line in wrap(text.trim(), width) {
            self.push_line(&line);
        }
    }
}

/// Greedy word wrap on spaces; words longer than `width` stay whole on their own line.
/// Newlines in `text` (hard breaks) start a new line.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let need = line.chars().count() + usize::from(!line.is_empty()) + word.chars().count();
            if !line.is_empty() && need > width {
                out.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        out.push(line);
    }
    out
}

/// Renders `markdown`; `probe_line(n)` gives the line shown for its n-th probe fence (0-based).
pub(crate) fn render(
    markdown: &str,
    style: &Style,
    probe_line: &dyn Fn(usize) -> String,
) -> Vec<String> {
    let mut out = Out {
        style,
        lines: Vec::new(),
        frames: Vec::new(),
        inline: String::new(),
        fresh: false,
    };
    let mut code: Option<(String, bool, String)> = None;
    let mut probes_seen = 0;
    let mut link_stack: Vec<String> = Vec::new();
    let mut list_numbers: Vec<Option<u64>> = Vec::new();
    let mut heading = false;
    let mut row: Vec<String> = Vec::new();
    for event in crate::content::markdown::parser(markdown) {
        match event {
            Event::Start(Tag::Heading { .. }) => {
                out.flush();
                out.blank();
                heading = true;
            }
            Event::End(TagEnd::Heading(_)) => {
                let text = std::mem::take(&mut out.inline);
                let text = text.trim();
                let shown = if style.color {
                    format!("\x1b[1m{text}\x1b[0m")
                } else {
                    text.to_string()
                };
                out.push_line(&shown);
                let rule = "─".repeat(text.chars().count().min(style.width.max(30)));
                out.push_line(&rule);
                heading = false;
            }
            Event::Start(Tag::Paragraph) => {
                out.flush();
                out.blank();
            }
            Event::End(TagEnd::Paragraph) => out.flush(),
            Event::Start(Tag::BlockQuote(kind)) => {
                out.flush();
                out.blank();
                out.frames.push(Frame {
                    first: "│ ".into(),
                    rest: "│ ".into(),
                });
                if let Some(k) = kind {
                    let word = format!("{k:?}").to_uppercase();
                    out.push_line(&word);
                }
                out.fresh = true;
            }
            Event::End(TagEnd::BlockQuote(_)) => {
                out.flush();
                out.frames.pop();
            }
            Event::Start(Tag::List(start)) => {
                out.flush();
                if list_numbers.is_empty() {
                    out.blank();
                }
                list_numbers.push(start);
            }
            Event::End(TagEnd::List(_)) => {
                out.flush();
                list_numbers.pop();
            }
            Event::Start(Tag::Item) => {
                out.flush();
                let marker = match list_numbers.last_mut() {
                    Some(Some(n)) => {
                        let m = format!("{n}. ");
                        *n += 1;
                        m
                    }
                    _ => "• ".to_string(),
                };
                let rest = " ".repeat(marker.chars().count());
                out.frames.push(Frame {
                    first: marker,
                    rest,
                });
                out.fresh = true;
            }
            Event::End(TagEnd::Item) => {
                out.flush();
                out.frames.pop();
            }
            Event::TaskListMarker(done) => {
                out.inline.push_str(if done { "[x] " } else { "[ ] " });
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                out.flush();
                out.blank();
                // The language word as written, and whether the block is a probe fence
                // (the one rule the page index counts fences by).
                let (lang, probe) = match kind {
                    CodeBlockKind::Fenced(info) => (
                        info.split_whitespace().next().unwrap_or("").to_string(),
                        crate::content::markdown::is_probe_info(&info),
                    ),
                    CodeBlockKind::Indented => (String::new(), false),
                };
                code = Some((lang, probe, String::new()));
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((lang, probe, body)) = code.take() {
                    if probe {
                        let line = probe_line(probes_seen);
                        probes_seen += 1;
                        out.push_line(&line);
                    } else {
                        // No glyph on a command line: a mouse selection of the lines
                        // copies the commands only (an indent is harmless in a shell).
                        let label = if lang.is_empty() {
                            "── copy ──".to_string()
                        } else {
                            format!("── {lang} · copy ──")
                        };
                        out.push_line(&label);
                        for l in body.trim_end().lines() {
                            out.push_line(&format!("    {l}"));
                        }
                        out.push_line("──");
                    }
                }
            }
            Event::Text(t) => match code.as_mut() {
                Some((_, _, body)) => body.push_str(&t),
                None => out.inline.push_str(&t),
            },
            Event::Code(t) => {
                if heading {
                    out.inline.push_str(&t);
                } else {
                    out.inline.push('`');
                    out.inline.push_str(&t);
                    out.inline.push('`');
                }
            }
            Event::SoftBreak => out.inline.push(' '),
            Event::HardBreak => out.inline.push('\n'),
            Event::Start(Tag::Link { dest_url, .. }) => link_stack.push(dest_url.to_string()),
            Event::End(TagEnd::Link) => {
                if let Some(url) = link_stack.pop()
                    && !out.inline.trim_end().ends_with(url.as_str())
                {
                    out.inline.push_str(&format!(" <{url}>"));
                }
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                out.inline.push_str("[image ");
                link_stack.push(dest_url.to_string());
            }
            Event::End(TagEnd::Image) => {
                let url = link_stack.pop().unwrap_or_default();
                out.inline.push_str(&format!(" <{url}>]"));
            }
            Event::Html(h) | Event::InlineHtml(h) => out.inline.push_str(&h),
            Event::Rule => {
                out.flush();
                out.blank();
                out.push_line(&"─".repeat(20));
            }
            Event::Start(Tag::Table(_)) => {
                out.flush();
                out.blank();
            }
            Event::End(TagEnd::TableCell) => {
                row.push(std::mem::take(&mut out.inline).trim().to_string());
            }
            Event::End(TagEnd::TableHead) | Event::End(TagEnd::TableRow) => {
                let line = row.join(" │ ");
                row.clear();
                out.push_line(&line);
            }
            Event::FootnoteReference(name) => out.inline.push_str(&format!("[^{name}]")),
            Event::Start(Tag::MetadataBlock(_)) => {
                code = Some(("meta".into(), false, String::new()))
            }
            Event::End(TagEnd::MetadataBlock(_)) => code = None,
            _ => {}
        }
    }
    out.flush();
    while out.lines.last().is_some_and(|l| l.trim().is_empty()) {
        out.lines.pop();
    }
    out.lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_and_sets_commands_apart() {
        let md = "## Restart the web process {#x}\n\nThe dashboard answers. This probe fetches `/dash/system/` and expects HTTP 200 from the [server](http://h/).\n\n```bash\nsudo systemctl restart web\n```\n\n```probe\ncheck = \"redis.ping\"\n```\n\n1. one\n2. two\n   > [!NOTE]\n   > quoted\n";
        let style = Style {
            width: 40,
            color: false,
        };
        let lines = render(md, &style, &|n| format!("◆ probe #{n}"));
        let text = lines.join("\n");
        assert!(lines.iter().all(|l| l.chars().count() <= 40), "{text}");
        assert!(text.contains("Restart the web process\n───"), "{text}");
        assert!(text.contains("`/dash/system/`"), "{text}");
        assert!(text.contains("<http://h/>"), "{text}");
        assert!(
            text.contains("── bash · copy ──\n    sudo systemctl restart web\n──"),
            "{text}"
        );
        assert!(text.contains("◆ probe #0"), "{text}");
        assert!(
            text.contains("1. one\n2. two\n\n   │ NOTE\n   │ quoted"),
            "{text}"
        );
    }
}
