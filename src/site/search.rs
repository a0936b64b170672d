//! The client-side search index: `_static/search-index.js` and the parts it lists.
//!
//! The browser loads nothing until search is first used, and then only what the query
//! needs: at 10,000 pages the whole index is ~20 MB, a first search fetches well under 1 MB.
//! Every file is a script (`<script src>` also loads from `file://`, where browsers block
//! data requests).
//!
//! `search-index.js`, the manifest, sets `window.BISK_SEARCH_INDEX` to:
//! - `v`: the format (2); `id`: a hash of every part, appended to part URLs (`?v=`) so a
//!   browser never mixes parts of two builds;
//! - `stop`: the stop words, so the client drops exactly the words the index left out;
//! - `counts`: the number of sections of each page, in site order (a page's sections are
//!   contiguous, so a section id is enough to find its page, and ranking needs no more);
//! - `shards`: the first term of each term shard `search-t<N>.js`, `sizes`: its number of
//!   terms (so a prefix's walk into following shards asks for all it needs at once);
//! - `docs`: the first page id of each page chunk `search-d<N>.js`.
//!
//! A term shard sets `BISK_SEARCH_PARTS["t<N>"]` to a flattened `[term, postings, …]`: a
//! contiguous run of all terms sorted in UTF-16 order (how JavaScript compares strings),
//! cut at about [`TERM_SHARD_BYTES`]. The client binary-searches `shards` for the shard of
//! a word, then the shard for the word; a prefix whose terms run past the shard's end
//! continues into the next one only when that shard's first term still matches.
//!
//! A page chunk sets `BISK_SEARCH_PARTS["d<N>"]` to `{pages: [[url, title], …], secs:
//! [[anchor, heading, snippet], …]}` for its pages and all their sections, cut at about
//! [`DOC_CHUNK_BYTES`]: what results show, fetched only for the results shown. The anchor
//! is `0` when it is [`ascii_slug`] of the heading, which the client recomputes.
//!
//! A postings string is `"<pages>|<sections>"`, each part a list of self-delimiting base-32
//! numbers ([`push_number`]). `<pages>` lists the pages whose *title* holds the term, as gaps between page ids.
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

/// Builds the search index: (output path, text) of the manifest (first) and every part.
pub fn build_index(docs: &[SearchDoc]) -> Vec<(String, String)> {
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

    let terms = encode(terms);
    let mut files = Vec::new();
    let shards = cut(&terms, TERM_SHARD_BYTES, |(t, p)| t.len() + p.len() + 6);
    let shard_firsts: Vec<&str> = shards.iter().map(|r| terms[r.start].0.as_str()).collect();
    for (n, range) in shards.iter().enumerate() {
        let flat: Vec<&str> = terms[range.clone()]
            .iter()
            .flat_map(|(t, p)| [t.as_str(), p.as_str()])
            .collect();
        files.push(part(&format!("t{n}"), &flat));
    }
    // Page chunks: whole pages with all their sections.
    let mut first_sec = Vec::with_capacity(pages.len() + 1);
    let mut n = 0;
    for p in &pages {
        first_sec.push(n);
        n += p.2;
    }
    first_sec.push(n);
    let sec_bytes = |s: &(Anchor, &str, String)| {
        s.1.len()
            + s.2.len()
            + if let Anchor::Literal(a) = s.0 {
                a.len()
            } else {
                1
            }
            + 12
    };
    let page_bytes: Vec<usize> = pages
        .iter()
        .enumerate()
        .map(|(i, p)| {
            p.0.len()
                + p.1.len()
                + 8
                + secs[first_sec[i]..first_sec[i + 1]]
                    .iter()
                    .map(sec_bytes)
                    .sum::<usize>()
        })
        .collect();
    let chunks = cut(&page_bytes, DOC_CHUNK_BYTES, |b| *b);
    let doc_firsts: Vec<usize> = chunks.iter().map(|r| r.start).collect();
    for (n, range) in chunks.iter().enumerate() {
        let chunk = DocChunk {
            pages: pages[range.clone()].iter().map(|p| (p.0, p.1)).collect(),
            secs: &secs[first_sec[range.start]..first_sec[range.end]],
        };
        files.push(part(&format!("d{n}"), &chunk));
    }

    let id = {
        let mut h = WordHasher::default();
        for (_, body) in &files {
            h.write(body.as_bytes());
        }
        let mut id = String::new();
        push_base36(&mut id, h.finish());
        id
    };
    let manifest = serde_json::to_string(&Manifest {
        v: 2,
        id: &id,
        stop: STOP_WORDS,
        counts: pages.iter().map(|p| p.2).collect(),
        shards: shard_firsts,
        sizes: shards.iter().map(|r| r.len()).collect(),
        docs: doc_firsts,
    })
    .expect("serialising plain data to JSON cannot fail");
    let mut out = String::from("window.BISK_SEARCH_INDEX=");
    crate::theme::escape_json_for_script_into(&manifest, &mut out);
    out.push_str(";\n");
    files.insert(0, (MANIFEST.to_string(), out));
    files
}

/// The manifest's path in the output; the client loads it first.
pub const MANIFEST: &str = "_static/search-index.js";
/// Aimed-at size of a term shard. A single term's postings are never split, so a shard
/// holding one very common term is as large as that term's postings.
pub const TERM_SHARD_BYTES: usize = 48 * 1024;
/// Aimed-at size of a page chunk; a search shows at most 12 results, so at most 12 chunks.
pub const DOC_CHUNK_BYTES: usize = 24 * 1024;

/// Cuts `items` into contiguous runs of about `target` bytes each (at least one item).
fn cut<T>(items: &[T], target: usize, size: impl Fn(&T) -> usize) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, item) in items.iter().enumerate() {
        if bytes >= target {
            out.push(start..i);
            (start, bytes) = (i, 0);
        }
        bytes += size(item);
    }
    if start < items.len() {
        out.push(start..items.len());
    }
    out
}

/// `_static/search-<name>.js`: `BISK_SEARCH_PARTS["<name>"]=<json>;`.
fn part(name: &str, data: &impl Serialize) -> (String, String) {
    let json = serde_json::to_string(data).expect("serialising plain data to JSON cannot fail");
    let mut out = String::with_capacity(json.len() + 40);
    out.push_str("BISK_SEARCH_PARTS[\"");
    out.push_str(name);
    out.push_str("\"]=");
    crate::theme::escape_json_for_script_into(&json, &mut out);
    out.push_str(";\n");
    (format!("_static/search-{name}.js"), out)
}

#[derive(Serialize)]
struct Manifest<'a> {
    v: u8,
    id: &'a str,
    stop: &'a [&'a str],
    counts: Vec<usize>,
    shards: Vec<&'a str>,
    sizes: Vec<usize>,
    docs: Vec<usize>,
}

#[derive(Serialize)]
struct DocChunk<'a> {
    pages: Vec<(&'a str, &'a str)>,
    secs: &'a [(Anchor<'a>, &'a str, String)],
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

/// Every term with its encoded postings, sorted in UTF-16 order.
fn encode(terms: TermMap<String, Postings>) -> Vec<(String, String)> {
    let mut terms: Vec<(String, Postings)> = terms.into_iter().collect();
    // UTF-16 order, which is how JavaScript compares strings in its binary search.
    terms.par_sort_unstable_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
    // Encoding is independent per term; order is kept by the indexed collect.
    terms
        .into_par_iter()
        .map(|(term, postings)| {
            let mut enc = String::new();
            let mut prev = 0u32;
            for page in &postings.title_pages {
                push_number(&mut enc, page - prev);
                prev = *page;
            }
            enc.push('|');
            let mut prev = 0u32;
            for (sec, weight) in &postings.sections {
                push_number(&mut enc, (sec - prev) * 4 + *weight as u32);
                prev = *sec;
            }
            (term, enc)
        })
        .collect()
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

/// The 64 digits of [`push_number`]: none needs escaping in JSON or a script.
pub const DIGITS: &[u8; 64] = b"0123456789abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVwxyzWXYZ_-";

/// Appends `n` as a self-delimiting number: base-32 digits, most significant first; the
/// last digit is one of `DIGITS[..32]`, the others of `DIGITS[32..]`. A list of numbers
/// needs no separator, and the small gaps of a common word's postings take one byte each.
fn push_number(out: &mut String, mut n: u32) {
    let mut buf = [0u8; 7];
    let mut i = buf.len() - 1;
    buf[i] = DIGITS[(n % 32) as usize];
    n /= 32;
    while n > 0 {
        i -= 1;
        buf[i] = DIGITS[32 + (n % 32) as usize];
        n /= 32;
    }
    out.push_str(std::str::from_utf8(&buf[i..]).expect("ASCII digits"));
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
    fn self_delimiting_numbers() {
        let mut s = String::new();
        for n in [0, 31, 32, 1023, 1024, u32::MAX] {
            push_number(&mut s, n);
            s.push(' ');
        }
        assert_eq!(s, "0 v B0 -v BA0 D-----v ");
        let mut digits = DIGITS.to_vec();
        digits.sort();
        digits.dedup();
        assert_eq!(digits.len(), 64);
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
