//! A page's Markdown parsed once into a [`Document`]: the event stream the renderer walks,
//! and what everyone else reads without parsing again: the outline (headings with ids,
//! top-level numbered items, task items, code blocks), the probe fences, the links and the
//! `{{ name }}` uses, each with its line in the file.
//!
//! Offsets in a document are byte offsets into the whole file (front matter included), lines
//! are 1-based lines of the file, so a reader never has to know where the body starts.

use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Tag, TagEnd};

use super::markdown;
use super::slug::slugify;
use crate::diag::LineIndex;

/// Parser events with their byte ranges in the page's body (not the file).
pub type Events = Vec<(Event<'static>, Range<usize>)>;

/// One page, parsed.
#[derive(Debug, Clone, Default)]
pub struct Document {
    /// The body's events, kept so rendering needs no second parse; empty once taken.
    events: Events,
    pub outline: Outline,
    /// The ```` ```probe ```` fences, in document order.
    pub fences: Vec<Fence>,
    /// Every link and image destination, as written.
    pub links: Vec<Link>,
    /// Every `{{ name }}` of the file (front matter included), escaped ones left out.
    pub vars: Vec<VarUse>,
}

/// A probe fence: what the declaration parser reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fence {
    /// The TOML body.
    pub body: String,
    /// 1-based line of the opening fence in the file.
    pub line: usize,
    /// 0-based position among the page's probe fences.
    pub index: usize,
    /// The info string as written (`probe`, `probe title="x"`).
    pub info: String,
}

/// A link or image destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub dest: String,
    pub line: usize,
}

/// A use of a variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarUse {
    pub name: String,
    /// Byte offset of `{{` in the file.
    pub start: usize,
    pub line: usize,
}

/// The page's structure, as the runbook splits it into steps.
#[derive(Debug, Clone, Default)]
pub struct Outline {
    /// Text of the first H1 as written (variables not substituted).
    pub h1: Option<String>,
    pub headings: Vec<HeadingAt>,
    /// Items of top-level ordered lists.
    pub items: Vec<ItemAt>,
    /// Task-list items (`- [ ] …`), in the order their checkboxes are rendered.
    pub tasks: Vec<TaskAt>,
    /// Every code block, probe fences included.
    pub code: Vec<CodeAt>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadingAt {
    /// 1..=6
    pub level: usize,
    /// Where the heading starts in the file.
    pub start: usize,
    pub title: String,
    /// `{#id}`, else a slug of the title unique among the page's headings.
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemAt {
    pub range: Range<usize>,
    /// The item's first line of text.
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskAt {
    /// Where its checkbox is in the file.
    pub at: usize,
    /// Its text, up to a nested list.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeAt {
    /// Where the block starts in the file.
    pub at: usize,
    /// The fence's info string; empty for an indented block.
    pub info: String,
    /// The code, trailing whitespace removed.
    pub code: String,
}

impl Document {
    /// Parses the body of `source` (which starts at byte `body_start`, after
    /// `line_offset` lines of front matter). The only parse a page gets.
    pub fn parse(source: &str, body_start: usize, line_offset: usize) -> Document {
        let body = &source[body_start..];
        let lines = LineIndex::new(body);
        let line = |offset: usize| lines.line_of(offset) + line_offset;
        let mut doc = Document::default();
        let mut outline = OutlineBuilder::default();
        let mut code: Option<(usize, String, String)> = None;
        for (event, range) in markdown::parser(body).into_offset_iter() {
            outline.event(&event, &range, body_start);
            match &event {
                Event::Start(Tag::CodeBlock(kind)) => {
                    let info = match kind {
                        CodeBlockKind::Fenced(info) => info.to_string(),
                        CodeBlockKind::Indented => String::new(),
                    };
                    code = Some((range.start, info, String::new()));
                }
                Event::Text(t) => {
                    if let Some((_, _, text)) = code.as_mut() {
                        text.push_str(t);
                    }
                }
                Event::End(TagEnd::CodeBlock) => {
                    if let Some((at, info, text)) = code.take() {
                        if !info.is_empty() && markdown::is_probe_info(&info) {
                            doc.fences.push(Fence {
                                body: text.clone(),
                                line: line(at),
                                index: doc.fences.len(),
                                info: info.clone(),
                            });
                        }
                        outline.code.push(CodeAt {
                            at: at + body_start,
                            info,
                            code: text.trim_end().to_string(),
                        });
                    }
                }
                Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                    doc.links.push(Link {
                        dest: dest_url.to_string(),
                        line: line(range.start),
                    });
                }
                _ => {}
            }
            doc.events.push((event.into_static(), range));
        }
        doc.outline = outline.finish();
        if source.contains("{{") {
            let all = LineIndex::new(source);
            doc.vars = crate::vars::refs(source)
                .into_iter()
                .filter(|r| !r.escaped)
                .map(|r| VarUse {
                    name: r.name.to_string(),
                    start: r.start,
                    line: all.line_of(r.start),
                })
                .collect();
        }
        doc
    }

    /// The body's events, for a renderer that may keep the document (`serve` renders a
    /// page again when it highlights it or its target changes).
    pub fn events(&self) -> &[(Event<'static>, Range<usize>)] {
        &self.events
    }

    /// The body's events, taken: a one-shot build renders each page once.
    pub fn take_events(&mut self) -> Events {
        std::mem::take(&mut self.events)
    }
}

/// The outline, gathered while the parse goes by.
#[derive(Default)]
struct OutlineBuilder {
    h1: Option<String>,
    headings: Vec<HeadingAt>,
    items: Vec<ItemAt>,
    tasks: Vec<TaskAt>,
    code: Vec<CodeAt>,
    taken: std::collections::HashSet<String>,
    /// The heading being read: level, start, explicit id, text.
    heading: Option<(usize, usize, Option<String>, String)>,
    /// Lists we are inside: whether each is ordered.
    lists: Vec<bool>,
    /// The top-level numbered item being read: start, first line, whether that line ended.
    item: Option<(usize, String, bool)>,
    /// The task item being read, and how deep inside it nested lists go.
    task: Option<(usize, String, usize)>,
}

fn level_number(l: HeadingLevel) -> usize {
    match l {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

impl OutlineBuilder {
    fn event(&mut self, event: &Event, range: &Range<usize>, base: usize) {
        let range = range.start + base..range.end + base;
        match event {
            Event::Start(Tag::Heading { level, id, .. }) => {
                self.heading = Some((
                    level_number(*level),
                    range.start,
                    id.as_ref().map(|s| s.to_string()),
                    String::new(),
                ));
            }
            Event::End(TagEnd::Heading(_)) => self.finish_heading(),
            Event::Start(Tag::List(first)) => {
                self.lists.push(first.is_some());
                if let Some((_, _, depth)) = self.task.as_mut() {
                    *depth += 1;
                }
            }
            Event::End(TagEnd::List(_)) => {
                self.lists.pop();
                if let Some((_, _, depth)) = self.task.as_mut() {
                    *depth = depth.saturating_sub(1);
                }
            }
            Event::Start(Tag::Item) if self.lists.len() == 1 && self.lists[0] => {
                self.item = Some((range.start, String::new(), false));
            }
            Event::End(TagEnd::Item) => {
                if self.lists.len() == 1
                    && self.lists[0]
                    && let Some((start, title, _)) = self.item.take()
                {
                    self.items.push(ItemAt {
                        range: start..range.end,
                        title: title.trim().to_string(),
                    });
                }
                if let Some((at, text, 0)) = self.task.as_ref() {
                    self.tasks.push(TaskAt {
                        at: *at,
                        text: text.trim().to_string(),
                    });
                    self.task = None;
                }
            }
            Event::TaskListMarker(_) => {
                if let Some((at, text, _)) = self.task.take() {
                    self.tasks.push(TaskAt {
                        at,
                        text: text.trim().to_string(),
                    });
                }
                self.task = Some((range.start, String::new(), 0));
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, _, _, title)) = self.heading.as_mut() {
                    title.push_str(t);
                }
                if let Some((_, title, done)) = self.item.as_mut()
                    && !*done
                {
                    title.push_str(t);
                }
                if let Some((_, text, 0)) = self.task.as_mut() {
                    text.push_str(t);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some((_, title, done)) = self.item.as_mut()
                    && !title.is_empty()
                {
                    *done = true;
                }
                if let Some((_, text, 0)) = self.task.as_mut() {
                    text.push(' ');
                }
            }
            Event::End(TagEnd::Paragraph) => {
                if let Some((_, _, done)) = self.item.as_mut() {
                    *done = true;
                }
            }
            _ => {}
        }
    }

    /// Records the heading just read, with the id the runbook (and the site) gives it.
    fn finish_heading(&mut self) {
        let Some((level, start, id, title)) = self.heading.take() else {
            return;
        };
        let title = title.trim().to_string();
        if level == 1 && self.h1.is_none() {
            self.h1 = Some(title.clone());
        }
        let id = id.unwrap_or_else(|| {
            let base = slugify(&title);
            let base = if base.is_empty() {
                "section".into()
            } else {
                base
            };
            let mut candidate = base.clone();
            let mut n = 1;
            while self.taken.contains(&candidate) {
                candidate = format!("{base}-{n}");
                n += 1;
            }
            candidate
        });
        self.taken.insert(id.clone());
        self.headings.push(HeadingAt {
            level,
            start,
            title,
            id,
        });
    }

    fn finish(mut self) -> Outline {
        if let Some((at, text, _)) = self.task.take() {
            self.tasks.push(TaskAt {
                at,
                text: text.trim().to_string(),
            });
        }
        Outline {
            h1: self.h1,
            headings: self.headings,
            items: self.items,
            tasks: self.tasks,
            code: self.code,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_parse_finds_fences_outline_links_and_variables() {
        let source = "+++\ntitle = \"T {{ a }}\"\n+++\n# T\n\n## Step {#one}\n\n- [ ] do `x`\n  - [x] nested\n\n```bash\nls {{ dir }}  \n```\n\n> ```Probe\n> check = \"redis.ping\"\n> ```\n\nSee [b](b.md) and \\{{ not }}.\n";
        let body_start = source.find("# T").unwrap();
        let before = markdown::parse_count();
        let doc = Document::parse(source, body_start, 3);
        assert!(markdown::parse_count() > before);
        assert_eq!(doc.outline.h1.as_deref(), Some("T"));
        assert_eq!(doc.outline.headings[1].id, "one");
        assert_eq!(
            doc.outline.headings[1].start,
            source.find("## Step").unwrap()
        );
        let tasks: Vec<&str> = doc.outline.tasks.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(tasks, ["do x", "nested"]);
        assert_eq!(doc.outline.code[0].code, "ls {{ dir }}");
        assert_eq!(doc.fences.len(), 1);
        assert_eq!(doc.fences[0].line, 15);
        assert_eq!(doc.fences[0].body, "check = \"redis.ping\"\n");
        assert_eq!(
            doc.links,
            [Link {
                dest: "b.md".into(),
                line: 19
            }]
        );
        let vars: Vec<(&str, usize)> = doc.vars.iter().map(|v| (v.name.as_str(), v.line)).collect();
        assert_eq!(vars, [("a", 2), ("dir", 12)]);
        assert!(!doc.events().is_empty());
    }
}
