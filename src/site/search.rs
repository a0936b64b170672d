//! The client-side search index: `_static/search-index.js`.
//!
//! The browser loads it only when search is first used, so it must be compact. It holds:
//! - `pages`: `[url, title, number of sections]`, in site order;
//! - `secs`: `[anchor, heading, snippet]` for every section of every page, in page order
//!   (a page's sections are contiguous, so a section id is enough to find its page); the
//!   anchor is `0` when it is [`ascii_slug`] of the heading, which the client recomputes;
//! - `terms`: a flattened list `[term, postings, term, postings, …]`, sorted in UTF-16 order (so the
//!   client can binary-search it for prefixes);
//! - `stop`: the stop words, so the client drops exactly the words the index left out.
//!
//! A postings string is `"<pages>|<sections>"`, each part a comma-separated list of base-36
//! numbers. `<pages>` lists the pages whose *title* holds the term, as gaps between page ids.
//! `<sections>` lists `gap * 4 + weight` per section holding the term, where weight 3 means
//! "in the heading" and 0..=2 bucket how often it occurs in the text (1, 2–3, 4+). Title >
//! heading > text ranking and prefix search both work from this alone; the snippet is the
//! start of the section, which keeps the index far below the size of the text itself.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rayon::prelude::*;
use serde::Serialize;

use crate::render::SearchSection;

/// One page as the search index sees it.
pub struct SearchDoc<'a> {
    /// Root-relative page URL, e.g. `ops/REDIS_CACHE.html`.
    pub url: &'a str,
    pub title: &'a str,
    pub sections: &'a [SearchSection],
}

/// Longest snippet kept per section, in characters.
const SNIPPET_CHARS: usize = 90;
/// Terms longer than this (hashes, base64 blobs) are not worth their index space.
const MAX_TERM_CHARS: usize = 32;

/// English words too common to be worth indexing. The client receives this list.
pub const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "an", "and", "any", "are", "as", "at", "be", "been",
    "before", "but", "by", "can", "could", "did", "do", "does", "each", "for", "from", "had",
    "has", "have", "he", "her", "his", "how", "i", "if", "in", "into", "is", "it", "its", "just",
    "may", "more", "most", "must", "no", "not", "of", "on", "one", "only", "or", "other", "our",
    "out", "over", "she", "should", "so", "some", "such", "than", "that", "the", "their", "them",
    "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "up",
    "very", "was", "we", "were", "what", "when", "where", "which", "while", "who", "why", "will",
    "with", "would", "you", "your",
];

/// Builds the text of `_static/search-index.js`.
pub fn build_index(docs: &[SearchDoc]) -> String {
    // Tokenising is the expensive part and independent per page: done in parallel, then
    // merged in page order so section ids and postings come out sorted and deterministic.
    // Analysed pages hold one small String per distinct term per section; analysing the
    // whole site at once would keep hundreds of MB alive at 10,000 pages. Chunks bound that.
    const CHUNK: usize = 256;
    let mut terms: TermMap<String, Postings> = TermMap::default();
    let mut pages = Vec::with_capacity(docs.len());
    let mut secs = Vec::new();
    for (chunk_no, chunk) in docs.chunks(CHUNK).enumerate() {
        let analysed: Vec<PageTerms> = chunk.par_iter().map(analyse).collect();
        for (offset, (doc, page)) in chunk.iter().zip(analysed).enumerate() {
            let page_id = chunk_no * CHUNK + offset;
            for term in page.title_terms {
                terms
                    .entry(term)
                    .or_default()
                    .title_pages
                    .push(page_id as u32);
            }
            let count = page.sections.len();
            for section in page.sections {
                let sec_id = secs.len() as u32;
                for (term, weight) in section.terms {
                    terms
                        .entry(term)
                        .or_default()
                        .sections
                        .push((sec_id, weight));
                }
                let anchor = if !section.anchor.is_empty()
                    && ascii_slug(section.heading) == section.anchor
                {
                    Anchor::Derived(0)
                } else {
                    Anchor::Literal(section.anchor)
                };
                secs.push((anchor, section.heading, section.snippet));
            }
            pages.push((doc.url, doc.title, count));
        }
    }

    // At 10,000 pages the index is ~17 MB: serialise once, escape straight into the output.
    let json = serde_json::to_string(&IndexJson {
        v: 1,
        stop: STOP_WORDS,
        pages,
        secs,
        terms: encode(terms),
    })
    .expect("serialising plain data to JSON cannot fail");
    let mut out = String::from("window.BISK_SEARCH_INDEX=");
    crate::theme::escape_json_for_script_into(&json, &mut out);
    drop(json);
    out.push_str(";\n");
    out
}

#[derive(Serialize)]
struct IndexJson<'a> {
    v: u8,
    stop: &'a [&'a str],
    pages: Vec<(&'a str, &'a str, usize)>,
    secs: Vec<(Anchor<'a>, &'a str, String)>,
    terms: Vec<String>,
}

/// A section's anchor, or `0` when the client can derive it from the heading.
#[derive(Serialize)]
#[serde(untagged)]
enum Anchor<'a> {
    Derived(u8),
    Literal(&'a str),
}

/// The heading slug both sides can compute cheaply: ASCII headings only, lower-cased,
/// every run of other characters turned into one `-`, no `-` at either end. Most heading
/// ids look like this, and storing `0` instead saves their bytes in the index. `None`-like
/// empty result for non-ASCII headings, which then keep their literal anchor.
pub fn ascii_slug(heading: &str) -> String {
    if !heading.is_ascii() {
        return String::new();
    }
    let mut out = String::with_capacity(heading.len());
    for c in heading.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

#[derive(Default)]
struct Postings {
    title_pages: Vec<u32>,
    /// (section id, weight), section ids ascending.
    sections: Vec<(u32, u8)>,
}

/// One page's terms, before section ids are known.
struct PageTerms<'a> {
    title_terms: Vec<String>,
    sections: Vec<SectionTerms<'a>>,
}

struct SectionTerms<'a> {
    anchor: &'a str,
    heading: &'a str,
    snippet: String,
    /// Distinct terms with their weight (see the module docs).
    terms: Vec<(String, u8)>,
}

fn analyse<'a>(doc: &SearchDoc<'a>) -> PageTerms<'a> {
    let one = |s: &'a SearchSection| SectionTerms {
        anchor: &s.anchor,
        heading: &s.heading,
        snippet: snippet(&s.text),
        terms: section_terms(&s.heading, &s.text),
    };
    let wanted = |s: &&SearchSection| !(s.heading.is_empty() && s.text.trim().is_empty());
    // Pages are analysed in parallel; a page with thousands of sections (one huge page
    // makes a whole site) splits its own sections too. Order is kept either way.
    let mut sections: Vec<SectionTerms<'a>> = if doc.sections.len() > 256 {
        doc.sections.par_iter().filter(wanted).map(one).collect()
    } else {
        doc.sections.iter().filter(wanted).map(one).collect()
    };
    if sections.is_empty() {
        // A page without text is still found by its title, which needs a section to
        // point at: its top.
        sections.push(SectionTerms {
            anchor: "",
            heading: "",
            snippet: String::new(),
            terms: Vec::new(),
        });
    }
    PageTerms {
        title_terms: unique_terms(doc.title),
        sections,
    }
}

fn section_terms(heading: &str, text: &str) -> Vec<(String, u8)> {
    let text = text.to_lowercase();
    let heading = heading.to_lowercase();
    let mut counts: TermMap<&str, u8> = TermMap::default();
    for_each_term(&text, |t| {
        let c = counts.entry(t).or_insert(0);
        *c = c.saturating_add(1);
    });
    for_each_term(&heading, |t| {
        counts.insert(t, u8::MAX);
    });
    counts
        .into_iter()
        .map(|(term, count)| {
            let weight = match count {
                u8::MAX => 3,
                1 => 0,
                2..=3 => 1,
                _ => 2,
            };
            (term.to_string(), weight)
        })
        .collect()
}

/// Sorted, flattened `[term, postings, …]`.
fn encode(terms: TermMap<String, Postings>) -> Vec<String> {
    let mut terms: Vec<(String, Postings)> = terms.into_iter().collect();
    // UTF-16 order, which is how JavaScript compares strings in its binary search.
    terms.par_sort_unstable_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
    let mut out = Vec::with_capacity(terms.len() * 2);
    for (term, postings) in terms {
        let mut enc = String::new();
        let mut prev = 0u32;
        for (i, page) in postings.title_pages.iter().enumerate() {
            if i > 0 {
                enc.push(',');
            }
            push_base36(&mut enc, (page - prev) as u64);
            prev = *page;
        }
        enc.push('|');
        let mut prev = 0u32;
        for (i, (sec, weight)) in postings.sections.iter().enumerate() {
            if i > 0 {
                enc.push(',');
            }
            push_base36(&mut enc, ((sec - prev) as u64) * 4 + *weight as u64);
            prev = *sec;
        }
        out.push(term);
        out.push(enc);
    }
    out
}

/// Hash maps keyed by index terms. The default SipHash guards against hash flooding by
/// untrusted keys; these keys come from the docs being built, and hashing millions of
/// short words is a visible part of a build, so a multiply-rotate hash is used instead.
type TermMap<K, V> = HashMap<K, V, BuildHasherDefault<WordHasher>>;

#[derive(Default)]
struct WordHasher(u64);

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let word = u64::from_le_bytes(c.try_into().expect("8-byte chunk"));
            self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(K);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

fn push_base36(out: &mut String, mut n: u64) {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut buf = [0u8; 13];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = DIGITS[(n % 36) as usize];
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&buf[i..]).expect("ASCII digits"));
}

/// The distinct index terms of a short text (a title or heading), in first-seen order.
fn unique_terms(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    let mut seen: TermMap<&str, ()> = TermMap::default();
    let mut out: Vec<String> = Vec::new();
    for_each_term(&lower, |t| {
        // A set, not a scan of `out`: a title can be a whole paragraph long.
        if seen.insert(t, ()).is_none() {
            out.push(t.to_string());
        }
    });
    out
}

/// Calls `f` with every index term of an already lower-cased text.
///
/// A term is a run of letters and digits (`_`, `-`, `:`, `.` split words, so
/// `bisk:1:enforcer:last_run` is found by any of its parts). Han and kana characters are
/// each a term of their own, since those scripts do not separate words with spaces.
/// One-character words, over-long words and stop words are skipped. The client's
/// tokenizer (`search.js`) follows exactly these rules.
pub fn for_each_term<'a>(lower: &'a str, mut f: impl FnMut(&'a str)) {
    let mut start: Option<usize> = None;
    let mut emit = |word: &'a str| {
        let n = word.chars().count();
        let wanted = if n == 1 {
            word.chars().next().is_some_and(is_cjk)
        } else {
            n <= MAX_TERM_CHARS && !is_stop_word(word)
        };
        if wanted {
            f(word);
        }
    };
    for (i, c) in lower.char_indices() {
        if is_cjk(c) {
            if let Some(s) = start.take() {
                emit(&lower[s..i]);
            }
            emit(&lower[i..i + c.len_utf8()]);
        } else if c.is_alphanumeric() {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            emit(&lower[s..i]);
        }
    }
    if let Some(s) = start {
        emit(&lower[s..]);
    }
}

fn is_stop_word(word: &str) -> bool {
    STOP_WORDS.binary_search(&word).is_ok()
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
}

/// The start of a section's text, whitespace collapsed, cut at a word boundary.
fn snippet(text: &str) -> String {
    let mut out = String::with_capacity(SNIPPET_CHARS + 4);
    let mut chars = 0;
    let mut truncated = false;
    for word in text.split_whitespace() {
        let n = word.chars().count();
        if chars + n + 1 > SNIPPET_CHARS {
            truncated = true;
            if chars == 0 {
                out.extend(word.chars().take(SNIPPET_CHARS));
            }
            break;
        }
        if chars > 0 {
            out.push(' ');
            chars += 1;
        }
        out.push_str(word);
        chars += n;
    }
    if truncated {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn base36() {
        let mut s = String::new();
        for n in [0, 35, 36, 1295, 1296] {
            push_base36(&mut s, n);
            s.push(' ');
        }
        assert_eq!(s, "0 z 10 zz 100 ");
    }

    #[test]
    fn snippets_cut_at_words() {
        let long = "word ".repeat(100);
        let s = snippet(&long);
        assert!(s.ends_with("word…"), "{s}");
        assert!(s.chars().count() <= SNIPPET_CHARS + 1);
        assert_eq!(snippet("  short\n text "), "short text");
    }
}
