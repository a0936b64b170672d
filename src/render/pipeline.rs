//! The page pipeline: parse once, walk the events, replace the ones this site renders its
//! own way (headings, code, probes, alerts, footnotes, links), and let pulldown-cmark's HTML
//! writer handle the rest.

use std::collections::HashMap;
use std::fmt::Write as _;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::code::{error_box, render_code_block};
use super::escape::escape_into;
use super::fences::{FenceKind, parse_info};
use super::search_text::SectionBuilder;
use super::slug::IdAllocator;
use super::{Heading, LinkRef, ProbeFence, ProbeHook, RenderInput, Rendered, alerts, links};
use crate::diag::{Diagnostic, LineIndex};

fn options() -> Options {
    // Metadata-block options stay off on purpose: front matter is stripped by the caller,
    // and with them on, a `---` rule followed by text and another `---` anywhere in the
    // page would silently swallow that text as "metadata".
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_GFM
}

/// Footnote numbering in order of first appearance, and how often each is referenced.
#[derive(Default)]
struct Footnotes {
    by_label: HashMap<String, (usize, usize)>,
}

impl Footnotes {
    fn key(label: &str) -> String {
        label.to_lowercase()
    }

    fn note(&mut self, label: &str, is_reference: bool) {
        let next = self.by_label.len() + 1;
        let entry = self.by_label.entry(Self::key(label)).or_insert((next, 0));
        if is_reference {
            entry.1 += 1;
        }
    }

    fn get(&self, label: &str) -> (usize, usize) {
        self.by_label
            .get(&Self::key(label))
            .copied()
            .unwrap_or((0, 0))
    }
}

struct HeadingBuf<'a> {
    level: HeadingLevel,
    explicit_id: Option<CowStr<'a>>,
    classes: Vec<CowStr<'a>>,
    attrs: Vec<(CowStr<'a>, Option<CowStr<'a>>)>,
    events: Vec<Event<'a>>,
    text: String,
}

struct CodeBuf {
    kind: FenceKind,
    text: String,
    offset: usize,
}

struct Walk<'a, 'i, 'h, 'p> {
    input: &'i RenderInput<'a>,
    lines: LineIndex,
    hook: &'h mut ProbeHook<'p>,
    out: Vec<Event<'a>>,
    heading: Option<HeadingBuf<'a>>,
    code: Option<CodeBuf>,
    ids: IdAllocator,
    footnotes: Footnotes,
    /// References to each footnote emitted so far (for `fnref-N-k` ids).
    footnote_refs_seen: HashMap<usize, usize>,
    /// `(number, reference count)` of the footnote definitions being rendered.
    footnote_open: Vec<(usize, usize)>,
    probe_index: usize,
    sections: SectionBuilder,
    rendered: Rendered,
}

/// Renders one page; see [`super::render_markdown`].
pub(crate) fn render(input: &RenderInput, hook: &mut ProbeHook) -> Rendered {
    let source = input.source;
    let events: Vec<(Event, std::ops::Range<usize>)> = Parser::new_ext(source, options())
        .into_offset_iter()
        .collect();

    let mut walk = Walk {
        input,
        lines: LineIndex::new(source),
        hook,
        out: Vec::with_capacity(events.len()),
        heading: None,
        code: None,
        ids: IdAllocator::default(),
        footnotes: Footnotes::default(),
        footnote_refs_seen: HashMap::new(),
        footnote_open: Vec::new(),
        probe_index: 0,
        sections: SectionBuilder::default(),
        rendered: Rendered::default(),
    };
    walk.reserve_ids(&events);
    let mut in_metadata = false;
    for (event, range) in events {
        match event {
            Event::Start(Tag::MetadataBlock(_)) => in_metadata = true,
            Event::End(TagEnd::MetadataBlock(_)) => in_metadata = false,
            _ if in_metadata => {}
            event => walk.event(event, range.start),
        }
    }
    let Walk {
        out,
        sections,
        mut rendered,
        ..
    } = walk;
    let mut html = String::with_capacity(source.len() * 2);
    pulldown_cmark::html::push_html(&mut html, out.into_iter());
    rendered.html = html;
    rendered.sections = sections.finish();
    rendered
}

impl<'a> Walk<'a, '_, '_, '_> {
    /// Ids automatic heading slugs must not take: explicit `{#id}`s (they win) and the
    /// footnote ids (`fn-N`, `fnref-N`, `fnref-N-k`).
    fn reserve_ids(&mut self, events: &[(Event<'a>, std::ops::Range<usize>)]) {
        for (event, _) in events {
            match event {
                Event::Start(Tag::Heading { id: Some(id), .. }) => self.ids.reserve(id),
                Event::FootnoteReference(label) => self.footnotes.note(label, true),
                Event::Start(Tag::FootnoteDefinition(label)) => self.footnotes.note(label, false),
                _ => {}
            }
        }
        for &(n, refs) in self.footnotes.by_label.values() {
            self.ids.reserve(&format!("fn-{n}"));
            self.ids.reserve(&format!("fnref-{n}"));
            for k in 2..=refs {
                self.ids.reserve(&format!("fnref-{n}-{k}"));
            }
        }
    }

    fn emit(&mut self, event: Event<'a>) {
        match self.heading.as_mut() {
            Some(h) => h.events.push(event),
            None => self.out.push(event),
        }
    }

    fn line(&self, offset: usize) -> usize {
        self.lines.line_of(offset) + self.input.line_offset
    }

    fn event(&mut self, event: Event<'a>, offset: usize) {
        if let Some(code) = self.code.as_mut() {
            match event {
                Event::Text(t) => {
                    code.text.push_str(&t);
                    return;
                }
                Event::End(TagEnd::CodeBlock) => {
                    self.finish_code_block();
                    return;
                }
                // Nothing else can occur inside a code block.
                _ => return,
            }
        }
        match event {
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                self.heading = Some(HeadingBuf {
                    level,
                    explicit_id: id,
                    classes,
                    attrs,
                    events: Vec::new(),
                    text: String::new(),
                });
            }
            Event::End(TagEnd::Heading(_)) => self.finish_heading(),
            Event::Start(Tag::CodeBlock(kind)) => {
                let kind = match kind {
                    CodeBlockKind::Fenced(info) => parse_info(&info),
                    CodeBlockKind::Indented => FenceKind::Code {
                        lang: String::new(),
                        title: None,
                    },
                };
                self.code = Some(CodeBuf {
                    kind,
                    text: String::new(),
                    offset,
                });
            }
            Event::Start(Tag::BlockQuote(Some(kind))) => {
                self.emit(Event::Html(alerts::open(kind).into()));
            }
            Event::End(TagEnd::BlockQuote(Some(_))) => {
                self.sections.push_break();
                self.emit(Event::Html(alerts::CLOSE.into()));
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest_url = self.link(dest_url, offset);
                self.emit(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest_url = self.link(dest_url, offset);
                self.emit(Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            Event::FootnoteReference(label) => self.footnote_reference(&label),
            Event::Start(Tag::FootnoteDefinition(label)) => {
                let (n, refs) = self.footnotes.get(&label);
                self.sections.push_break();
                self.emit(Event::Html(
                    format!(
                        "<div class=\"footnote-definition\" id=\"fn-{n}\">\
                         <sup class=\"footnote-definition-label\">{n}</sup>"
                    )
                    .into(),
                ));
                // Remember which footnote is open for the backref at its end.
                self.footnote_open.push((n, refs));
            }
            Event::End(TagEnd::FootnoteDefinition) => self.finish_footnote(),
            Event::Text(ref t) | Event::Code(ref t) => {
                if let Some(h) = self.heading.as_mut() {
                    h.text.push_str(t);
                } else {
                    self.sections.push_text(t);
                }
                self.emit(event);
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(h) = self.heading.as_mut() {
                    h.text.push(' ');
                } else {
                    self.sections.push_break();
                }
                self.emit(event);
            }
            Event::End(
                TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Link
                | TagEnd::Image
                | TagEnd::Superscript
                | TagEnd::Subscript,
            ) => self.emit(event),
            Event::End(_) => {
                self.sections.push_break();
                self.emit(event);
            }
            event => self.emit(event),
        }
    }

    /// Classifies and rewrites a link destination, recording internal links.
    fn link(&mut self, dest: CowStr<'a>, offset: usize) -> CowStr<'a> {
        let resolved = links::resolve(&dest, self.input.src_path);
        if let Some(target) = resolved.target {
            let line = self.line(offset);
            self.rendered.links.push(LinkRef {
                target,
                line,
                raw: dest.to_string(),
            });
        }
        let url = match resolved.url {
            Some(url) => url.into(),
            None => dest,
        };
        match self.input.link_base {
            Some(base) => links::rebase(url, base, self.input.src_path),
            None => url,
        }
    }

    fn footnote_reference(&mut self, label: &str) {
        let (n, _) = self.footnotes.get(label);
        let seen = self.footnote_refs_seen.entry(n).or_insert(0);
        *seen += 1;
        let id = if *seen == 1 {
            format!("fnref-{n}")
        } else {
            format!("fnref-{n}-{seen}")
        };
        self.emit(Event::InlineHtml(
            format!(
                "<sup class=\"footnote-reference\"><a id=\"{id}\" href=\"#fn-{n}\" \
                 aria-label=\"Footnote {n}\">{n}</a></sup>"
            )
            .into(),
        ));
    }

    fn finish_footnote(&mut self) {
        let (n, refs) = self.footnote_open.pop().unwrap_or((0, 0));
        let mut back = String::new();
        for k in 1..=refs {
            let id = if k == 1 {
                format!("fnref-{n}")
            } else {
                format!("fnref-{n}-{k}")
            };
            let _ = write!(
                back,
                " <a class=\"footnote-backref\" href=\"#{id}\" \
                 aria-label=\"Back to reference {n}\">↩</a>"
            );
        }
        // Put the backrefs inside the last paragraph, where readers expect them.
        let html = Event::InlineHtml(back.into());
        if matches!(self.out.last(), Some(Event::End(TagEnd::Paragraph))) {
            let at = self.out.len() - 1;
            self.out.insert(at, html);
        } else {
            self.out.push(html);
        }
        self.emit(Event::Html("</div>\n".into()));
    }

    fn finish_heading(&mut self) {
        let Some(h) = self.heading.take() else {
            return;
        };
        let text = h.text.trim().to_string();
        let id = match h.explicit_id {
            Some(id) => id.to_string(),
            None => self.ids.unique_for(&text),
        };
        let level = h.level as u8;
        let mut html = String::with_capacity(64 + text.len() * 2);
        let _ = write!(html, "<h{level} id=\"");
        escape_into(&mut html, &id);
        html.push('"');
        if !h.classes.is_empty() {
            html.push_str(" class=\"");
            for (i, class) in h.classes.iter().enumerate() {
                if i > 0 {
                    html.push(' ');
                }
                escape_into(&mut html, class);
            }
            html.push('"');
        }
        for (name, value) in &h.attrs {
            html.push(' ');
            escape_into(&mut html, name);
            if let Some(value) = value {
                html.push_str("=\"");
                escape_into(&mut html, value);
                html.push('"');
            }
        }
        html.push('>');
        pulldown_cmark::html::push_html(&mut html, h.events.into_iter());
        html.push_str(" <a class=\"anchor\" href=\"#");
        escape_into(&mut html, &id);
        let _ = writeln!(
            html,
            "\" aria-hidden=\"true\" tabindex=\"-1\">#</a></h{level}>"
        );
        self.out.push(Event::Html(html.into()));

        if level == 1 && self.rendered.title.is_none() {
            self.rendered.title = Some(text.clone());
        }
        self.sections.start_section(&id, &text);
        self.rendered.headings.push(Heading { level, id, text });
    }

    fn finish_code_block(&mut self) {
        let Some(code) = self.code.take() else {
            return;
        };
        let mut html = String::new();
        match code.kind {
            FenceKind::Probe => {
                let line = self.line(code.offset);
                let fence = ProbeFence {
                    body: &code.text,
                    line,
                    index: self.probe_index,
                };
                self.probe_index += 1;
                match (self.hook)(&fence) {
                    Ok(widget) => html = widget,
                    Err(message) => {
                        error_box(
                            &format!("Probe error (line {line})"),
                            &message,
                            &code.text,
                            &mut html,
                        );
                        self.rendered.diagnostics.push(Diagnostic::error(
                            self.input.src_path,
                            line,
                            message,
                        ));
                    }
                }
            }
            FenceKind::Code { lang, title } => {
                render_code_block(
                    &lang,
                    title.as_deref(),
                    &code.text,
                    self.input.highlight.then_some(self.input.highlighter),
                    &mut html,
                );
                self.sections.push_break();
                self.sections.push_text(&code.text);
                self.sections.push_break();
            }
        }
        self.emit(Event::Html(html.into()));
    }
}
