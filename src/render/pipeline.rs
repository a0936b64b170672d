//! The page pipeline: parse once, walk the events, replace the ones this site renders its
//! own way (headings, code, probes, alerts, footnotes, links), and let pulldown-cmark's HTML
//! writer handle the rest.

use std::collections::HashMap;
use std::fmt::Write as _;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, Tag, TagEnd};

use super::code::{error_box, render_code_block};
use super::escape::escape_into;
use super::fences::{FenceKind, parse_info};
use super::footnotes::Footnotes;
use super::search_text::SectionBuilder;
use super::slug::IdAllocator;
use super::{Heading, LinkRef, ProbeFence, ProbeHook, RenderInput, Rendered, alerts, links};
use crate::diag::{Diagnostic, LineIndex};
use crate::vars::{self, Piece, Scope};

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
    /// Fenced (the code starts on the line after `offset`) or indented.
    fenced: bool,
}

/// What a plain blockquote (`>` without a GitHub alert kind) turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Quote {
    Plain,
    /// `> [!TODO]`: a section the team has yet to write; collects its text for the listing.
    Todo {
        line: usize,
        text: String,
    },
    /// `> [!TAB name]`: one panel of a tab group.
    Tab,
}

/// Consecutive `> [!TAB name]` blockquotes: where the tab bar and each panel's opening
/// tag sit in the output, rewritten as panels join.
struct TabGroup {
    number: usize,
    bar_at: usize,
    panels: Vec<(String, usize)>,
    /// Where the group's closing tag is, once a panel has closed.
    close_at: Option<usize>,
}

/// Where a variable problem is: an offset into the page source, or a line already known.
enum LineAt {
    Offset(usize),
    Line(usize),
}

const TABS_CLOSE: &str = "</div>\n";

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
    /// The target's variables; `None` leaves `{{ name }}` as written.
    vars: Option<Scope<'i>>,
    quotes: Vec<Quote>,
    /// Marker text (`[!TODO]`) still to be dropped from the start of a special blockquote.
    strip_marker: Option<String>,
    /// Drop the line break right after a stripped marker.
    strip_break: bool,
    /// A paragraph start held back until it has more than the marker.
    paragraph_held: bool,
    tabs: Option<TabGroup>,
    tab_groups: usize,
}

/// Renders one page's Markdown, parsing it; see [`super::render_markdown`].
pub(crate) fn render<'i>(
    input: &'i RenderInput<'_>,
    vars: Option<Scope<'i>>,
    hook: &mut ProbeHook,
) -> Rendered {
    let events = crate::content::markdown::parser(input.source)
        .into_offset_iter()
        .collect();
    render_events(input, events, vars, hook)
}

/// Renders a page from its already parsed events (offsets into `input.source`); see
/// [`super::render_document_in`].
pub(crate) fn render_events<'a, 'i>(
    input: &'i RenderInput<'a>,
    events: Vec<(Event<'a>, std::ops::Range<usize>)>,
    vars: Option<Scope<'i>>,
    hook: &mut ProbeHook,
) -> Rendered {
    let source = input.source;

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
        vars: vars.filter(|v| !v.is_empty()),
        quotes: Vec::new(),
        strip_marker: None,
        strip_break: false,
        paragraph_held: false,
        tabs: None,
        tab_groups: 0,
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
                Event::Start(Tag::Heading { id, attrs, .. }) => {
                    if let Some(id) = explicit_heading_id(id.as_ref(), attrs) {
                        self.ids.reserve(&id);
                    }
                }
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
        if self.code.is_none() {
            if self.strip_marker.is_some() || self.strip_break || self.paragraph_held {
                let Some(event) = self.strip(event, offset) else {
                    return;
                };
                return self.event_vars(event, offset);
            }
            return self.event_vars(event, offset);
        }
        self.event_plain(event, offset)
    }

    /// Drops the `[!TODO]` / `[!TAB name]` marker (in however many text events the parser
    /// split it), the line break after it, and its paragraph when nothing else is in it;
    /// returns what is left of the event.
    fn strip(&mut self, event: Event<'a>, offset: usize) -> Option<Event<'a>> {
        if let Some(marker) = self.strip_marker.as_mut() {
            match event {
                Event::Text(t) => {
                    let trimmed = t.trim_start();
                    let n = marker.len().min(trimmed.len());
                    if trimmed.as_bytes()[..n] == marker.as_bytes()[..n] {
                        marker.replace_range(..n, "");
                        let rest = trimmed[n..].trim_start().to_string();
                        if marker.is_empty() {
                            self.strip_marker = None;
                            self.strip_break = true;
                        }
                        if rest.is_empty() {
                            return None;
                        }
                        self.strip_break = false;
                        self.release_paragraph(offset);
                        return Some(Event::Text(rest.into()));
                    }
                    // Not the marker after all (cannot happen for a detected one).
                    self.strip_marker = None;
                    self.release_paragraph(offset);
                    return Some(Event::Text(t));
                }
                Event::Start(Tag::Paragraph) => {
                    self.paragraph_held = true;
                    return None;
                }
                other => {
                    self.strip_marker = None;
                    self.release_paragraph(offset);
                    return Some(other);
                }
            }
        }
        let after_marker = std::mem::take(&mut self.strip_break);
        match event {
            Event::Text(t) if after_marker => {
                self.release_paragraph(offset);
                Some(Event::Text(t.trim_start().to_string().into()))
            }
            Event::SoftBreak | Event::HardBreak => {
                // The marker's line ends; what follows is the callout's first paragraph.
                self.strip_break = true;
                None
            }
            Event::End(TagEnd::Paragraph) if self.paragraph_held => {
                // The marker was alone in its paragraph (a code block or list follows).
                self.paragraph_held = false;
                None
            }
            other => {
                self.release_paragraph(offset);
                Some(other)
            }
        }
    }

    /// Emits the paragraph start held back while a marker was being dropped.
    fn release_paragraph(&mut self, offset: usize) {
        if std::mem::take(&mut self.paragraph_held) {
            self.event_vars(Event::Start(Tag::Paragraph), offset);
        }
    }

    /// Substitutes the target's variables in text and inline code, then renders.
    fn event_vars(&mut self, event: Event<'a>, offset: usize) {
        let Some(scope) = self.vars else {
            return self.event_plain(event, offset);
        };
        match event {
            Event::Text(t) if t.contains("{{") => {
                // In prose the parser has already consumed the backslash of `\{{ name }}`:
                // the source still shows it.
                if t.starts_with("{{") && self.input.source.as_bytes().get(offset) == Some(&b'\\') {
                    let end = vars::refs(&t)
                        .first()
                        .filter(|r| r.start == 0)
                        .map_or(2, |r| r.end);
                    self.event_plain(Event::Text(t[..end].to_string().into()), offset);
                    if end < t.len() {
                        self.event_vars(Event::Text(t[end..].to_string().into()), offset);
                    }
                    return;
                }
                let Some(pieces) = vars::pieces(&t, &scope) else {
                    return self.event_plain(Event::Text(t), offset);
                };
                let line = self.line(offset);
                for piece in pieces {
                    match piece {
                        Piece::Text(text) | Piece::Literal(text) => {
                            self.event_plain(Event::Text(text.to_string().into()), offset)
                        }
                        Piece::Value { value, .. } => {
                            self.event_plain(Event::Text(value.to_string().into()), offset)
                        }
                        Piece::Unset { name, about } => {
                            self.problem(vars::unset_problem(0, name, about, scope.target), line);
                            let marker = vars::unset_marker(name);
                            if let Some(Quote::Todo { text, .. }) = self.quotes.last_mut() {
                                text.push_str(&marker);
                            }
                            if let Some(h) = self.heading.as_mut() {
                                h.text.push_str(&marker);
                            } else {
                                self.sections.push_text(&marker);
                            }
                            let mut html = String::from("<span class=\"var-unset\" title=\"");
                            escape_into(
                                &mut html,
                                &format!(
                                    "{name} has no value for target {}: {about}",
                                    scope.target
                                ),
                            );
                            html.push_str("\">");
                            escape_into(&mut html, &marker);
                            html.push_str("</span>");
                            self.emit(Event::InlineHtml(html.into()));
                        }
                        Piece::Undefined { name } => {
                            self.problem(vars::undefined_problem(0, name, &scope), line);
                            self.event_plain(
                                Event::Text(format!("{{{{ {name} }}}}").into()),
                                offset,
                            )
                        }
                    }
                }
            }
            Event::Code(t) if t.contains("{{") => {
                let t = match self.substitute(&t, |_| LineAt::Offset(offset)) {
                    Some(text) => CowStr::from(text),
                    None => t,
                };
                self.event_plain(Event::Code(t), offset)
            }
            event => self.event_plain(event, offset),
        }
    }

    /// `text` with the variables substituted (`None`: nothing to substitute); problems are
    /// reported at `line_of(byte offset in text)`.
    fn substitute(&mut self, text: &str, line_of: impl Fn(usize) -> LineAt) -> Option<String> {
        let scope = self.vars?;
        let (out, problems) = vars::substitute(text, &scope)?;
        for p in problems {
            let line = match line_of(p.at) {
                LineAt::Offset(o) => self.line(o),
                LineAt::Line(l) => l,
            };
            self.problem(p, line);
        }
        Some(out)
    }

    fn problem(&mut self, p: vars::Problem, line: usize) {
        self.rendered
            .diagnostics
            .push(p.to_diagnostic(self.input.src_path, line));
    }

    fn event_plain(&mut self, event: Event<'a>, offset: usize) {
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
                let fenced = matches!(kind, CodeBlockKind::Fenced(_));
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
                    fenced,
                });
            }
            Event::Start(Tag::BlockQuote(None)) => self.open_quote(offset),
            Event::End(TagEnd::BlockQuote(None)) => self.close_quote(),
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
                if let Some(Quote::Todo { text, .. }) = self.quotes.last_mut()
                    && text.len() < 200
                {
                    text.push_str(t);
                }
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
            // Ids raw HTML defines (`<a id="old">`, `<a name="x">`) are anchors too.
            Event::Html(ref raw) | Event::InlineHtml(ref raw) => {
                let ids = super::slug::html_ids(raw);
                self.rendered.anchors.extend(ids);
                self.emit(event);
            }
            event => self.emit(event),
        }
    }

    /// Classifies and rewrites a link destination, recording internal links.
    fn link(&mut self, dest: CowStr<'a>, offset: usize) -> CowStr<'a> {
        let dest = match self.substitute(&dest, |_| LineAt::Offset(offset)) {
            Some(text) => CowStr::from(text),
            None => dest,
        };
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

    /// A plain blockquote: `> [!TODO]` opens a "to be written by the team" callout,
    /// `> [!TAB name]` a tab panel (joining the group of the tab right before it); anything
    /// else stays a blockquote. Both markers read as what they are on GitHub.
    fn open_quote(&mut self, offset: usize) {
        let head = self.input.source[offset..]
            .lines()
            .next()
            .unwrap_or("")
            // Nested quotes start with several `>`.
            .trim_start_matches(|c: char| c == '>' || c.is_whitespace())
            .trim_end();
        if head.starts_with("[!TODO]") {
            self.strip_marker = Some("[!TODO]".into());
            self.quotes.push(Quote::Todo {
                line: self.line(offset),
                text: String::new(),
            });
            self.sections.push_break();
            self.emit(Event::Html(
                "<div class=\"callout callout-todo\" role=\"note\" aria-label=\"To be written by the team\">\
                 <p class=\"callout-title\">To be written by the team</p>\n"
                    .into(),
            ));
            return;
        }
        let tab = head
            .strip_prefix("[!TAB ")
            .and_then(|r| r.split_once(']'))
            .map(|(name, _)| name.trim().to_string())
            .filter(|n| !n.is_empty());
        let Some(name) = tab else {
            self.quotes.push(Quote::Plain);
            self.emit(Event::Start(Tag::BlockQuote(None)));
            return;
        };
        self.strip_marker = Some(format!("[!TAB {name}]"));
        self.quotes.push(Quote::Tab);
        self.sections.push_break();
        // A tab right after a tab group joins it: take the group's closing tags back.
        let joins = self
            .tabs
            .as_ref()
            .is_some_and(|g| g.close_at.is_some_and(|at| at + 1 == self.out.len()));
        if joins {
            self.out.pop();
        } else {
            self.tab_groups += 1;
            self.out.push(Event::Html("".into()));
            self.tabs = Some(TabGroup {
                number: self.tab_groups,
                bar_at: self.out.len() - 1,
                panels: Vec::new(),
                close_at: None,
            });
        }
        if let Some(group) = self.tabs.as_mut() {
            group.panels.push((name, self.out.len()));
        }
        self.out.push(Event::Html("".into()));
        self.write_tab_group();
    }

    fn close_quote(&mut self) {
        self.strip_marker = None;
        self.strip_break = false;
        self.paragraph_held = false;
        self.sections.push_break();
        match self.quotes.pop() {
            Some(Quote::Todo { line, text }) => {
                let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                let short: String = text.chars().take(80).collect();
                let more = if short.len() < text.len() { "…" } else { "" };
                self.rendered.diagnostics.push(Diagnostic::warning(
                    self.input.src_path,
                    line,
                    format!("to be written by the team: {short}{more}"),
                ));
                self.emit(Event::Html(alerts::CLOSE.into()));
            }
            Some(Quote::Tab) => {
                self.out.push(Event::Html("</div>\n".into()));
                self.out.push(Event::Html(TABS_CLOSE.into()));
                if let Some(g) = self.tabs.as_mut() {
                    g.close_at = Some(self.out.len() - 1);
                }
            }
            _ => self.emit(Event::End(TagEnd::BlockQuote(None))),
        }
    }

    /// (Re)writes the open tab group's bar and panel tags: the tab named like the target
    /// is selected (else the first); the reader's choice is applied by site.js.
    fn write_tab_group(&mut self) {
        let Some(group) = self.tabs.as_ref() else {
            return;
        };
        let target = self.vars.map_or("default", |v| v.target);
        let selected = group
            .panels
            .iter()
            .position(|(n, _)| n == target)
            .unwrap_or(0);
        let g = group.number;
        let mut bar = format!(
            "<div class=\"tabs\" data-tabs=\"{g}\"><div class=\"tab-bar\" role=\"tablist\">"
        );
        for (k, (name, _)) in group.panels.iter().enumerate() {
            let on = k == selected;
            let _ = write!(
                bar,
                "<button type=\"button\" role=\"tab\" id=\"tab-{g}-{k}\" aria-controls=\"tabpanel-{g}-{k}\" aria-selected=\"{on}\" tabindex=\"{}\" data-tab=\"",
                if on { 0 } else { -1 }
            );
            escape_into(&mut bar, name);
            bar.push_str("\">");
            escape_into(&mut bar, name);
            bar.push_str("</button>");
        }
        bar.push_str("</div>\n");
        let panels: Vec<(usize, String)> = group
            .panels
            .iter()
            .enumerate()
            .map(|(k, (name, at))| {
                let mut html = format!(
                    "<div class=\"tab-panel\" role=\"tabpanel\" id=\"tabpanel-{g}-{k}\" aria-labelledby=\"tab-{g}-{k}\" data-tab=\""
                );
                escape_into(&mut html, name);
                html.push('"');
                if k != selected {
                    html.push_str(" hidden");
                }
                html.push_str(">\n");
                (*at, html)
            })
            .collect();
        let bar_at = group.bar_at;
        self.out[bar_at] = Event::Html(bar.into());
        for (at, html) in panels {
            self.out[at] = Event::Html(html.into());
        }
    }

    fn finish_heading(&mut self) {
        let Some(h) = self.heading.take() else {
            return;
        };
        let text = h.text.trim().to_string();
        let (id, legacy_id) = match explicit_heading_id(h.explicit_id.as_ref(), &h.attrs) {
            Some(id) => (id, None),
            None => self.ids.unique_with_legacy(&text),
        };
        // `{ id=x }` is the id and `{ class="a b" }` adds classes: one `id` attribute,
        // values without the quotes that pulldown-cmark leaves on them.
        let mut classes: Vec<String> = h.classes.iter().map(|c| c.to_string()).collect();
        let mut attrs = Vec::new();
        for (name, value) in &h.attrs {
            let value = value.as_deref().map(unquote);
            match (&**name, value) {
                ("id", _) => {}
                ("class", Some(v)) => classes.extend(v.split_whitespace().map(String::from)),
                (_, value) => attrs.push((name, value)),
            }
        }
        let level = h.level as u8;
        let mut html = String::with_capacity(64 + text.len() * 2);
        let _ = write!(html, "<h{level} id=\"");
        escape_into(&mut html, &id);
        html.push('"');
        if !classes.is_empty() {
            html.push_str(" class=\"");
            for (i, class) in classes.iter().enumerate() {
                if i > 0 {
                    html.push(' ');
                }
                escape_into(&mut html, class);
            }
            html.push('"');
        }
        for (name, value) in attrs {
            html.push(' ');
            escape_into(&mut html, name);
            if let Some(value) = value {
                html.push_str("=\"");
                escape_into(&mut html, value);
                html.push('"');
            }
        }
        html.push('>');
        if let Some(old) = &legacy_id {
            // The id this heading had before GitHub's slugs: old links still land here.
            html.push_str("<a id=\"");
            escape_into(&mut html, old);
            html.push_str("\" aria-hidden=\"true\"></a>");
        }
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
        self.rendered.anchors.extend(legacy_id);
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
                // Substituted before highlighting, so the Copy button copies the command
                // with the target's values.
                let first = self.line(code.offset) + usize::from(code.fenced);
                let substituted = if self.vars.is_some() && code.text.contains("{{") {
                    let text = code.text.clone();
                    self.substitute(&text, |at| {
                        LineAt::Line(first + text[..at].matches('\n').count())
                    })
                } else {
                    None
                };
                let code_text = substituted.as_deref().unwrap_or(&code.text);
                render_code_block(
                    &lang,
                    title.as_deref(),
                    code_text,
                    self.input.highlight.then_some(self.input.highlighter),
                    &mut html,
                );
                self.sections.push_break();
                self.sections.push_text(code_text);
                self.sections.push_break();
            }
        }
        self.emit(Event::Html(html.into()));
    }
}

/// A heading's explicit id: `{#id}`, else `{ id=x }` / `{ id="x" }` (quotes removed).
fn explicit_heading_id(
    id: Option<&CowStr<'_>>,
    attrs: &[(CowStr<'_>, Option<CowStr<'_>>)],
) -> Option<String> {
    id.map(|id| id.to_string()).or_else(|| {
        attrs
            .iter()
            .find(|(name, _)| &**name == "id")
            .and_then(|(_, v)| v.as_deref())
            .map(|v| unquote(v).to_string())
            .filter(|v| !v.is_empty())
    })
}

/// An attribute value without one pair of surrounding `"` or `'`.
fn unquote(v: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    v
}
