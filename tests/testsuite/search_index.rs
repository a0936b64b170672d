//! Content of the search index: what is indexed, how words are normalised, where a hit
//! links to, and that no text can break out of the JavaScript file.

use crate::kit::render::section;
use std::collections::BTreeMap;

use bisk_docs::render::SearchSection;
use bisk_docs::site::search::ascii_slug;
use serde_json::Value;

/// A term's postings: title page ids, and (section id, weight) pairs.
type Postings = (Vec<usize>, Vec<(usize, u32)>);

/// The index decoded back into plain data, the way search.js reads it.
struct Decoded {
    raw: Value,
    /// term → (title page ids, [(section id, weight)])
    terms: BTreeMap<String, Postings>,
}

impl Decoded {
    /// Reassembles the manifest and its parts into the whole index: `pages` as
    /// `[url, title, number of sections]`, `secs`, `terms` flattened, `stop`.
    fn new(files: &[(String, String)]) -> Decoded {
        let (manifest, parts) = files.split_first().expect("a manifest");
        assert_eq!(manifest.0, "_static/search-index.js");
        let json = manifest
            .1
            .strip_prefix("window.BISK_SEARCH_INDEX=")
            .and_then(|s| s.trim_end().strip_suffix(';'))
            .expect("manifest is one assignment");
        let m: Value = serde_json::from_str(json).expect("manifest is JSON");
        let part = |name: String| -> Value {
            let (rel, text) = parts
                .iter()
                .find(|(rel, _)| *rel == format!("_static/search-{name}.js"))
                .unwrap_or_else(|| panic!("part {name} missing"));
            let prefix = format!("BISK_SEARCH_PARTS[\"{name}\"]=");
            let json = text
                .strip_prefix(&prefix)
                .and_then(|s| s.trim_end().strip_suffix(';'))
                .unwrap_or_else(|| panic!("{rel} is one assignment"));
            serde_json::from_str(json).expect("part is JSON")
        };
        let (mut flat, mut pages, mut secs) = (vec![], vec![], vec![]);
        for (n, first) in m["shards"].as_array().unwrap().iter().enumerate() {
            let shard = part(format!("t{n}"));
            assert_eq!(shard[0], *first, "manifest names each shard's first term");
            flat.extend(shard.as_array().unwrap().iter().cloned());
        }
        let counts = m["counts"].as_array().unwrap();
        for (n, first) in m["docs"].as_array().unwrap().iter().enumerate() {
            let chunk = part(format!("d{n}"));
            assert_eq!(first.as_u64().unwrap() as usize, pages.len());
            for p in chunk["pages"].as_array().unwrap() {
                pages.push(serde_json::json!([p[0], p[1], counts[pages.len()]]));
            }
            secs.extend(chunk["secs"].as_array().unwrap().iter().cloned());
        }
        assert_eq!(pages.len(), counts.len(), "every page in one chunk");
        let total: u64 = counts.iter().map(|c| c.as_u64().unwrap()).sum();
        assert_eq!(
            secs.len() as u64,
            total,
            "every section in its page's chunk"
        );
        let raw = serde_json::json!({
            "stop": m["stop"], "pages": pages, "secs": secs, "terms": flat,
        });
        let flat = raw["terms"].as_array().unwrap();
        let mut terms = BTreeMap::new();
        for pair in flat.chunks(2) {
            let (term, post) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
            let (pages, secs) = post.split_once('|').unwrap();
            let mut id = 0;
            let pages = numbers(pages)
                .into_iter()
                .map(|gap| {
                    id += gap;
                    id
                })
                .collect();
            let mut id = 0;
            let secs = numbers(secs)
                .into_iter()
                .map(|v| {
                    id += v / 4;
                    (id, (v % 4) as u32)
                })
                .collect();
            terms.insert(term.to_string(), (pages, secs));
        }
        // search.js binary-searches the list with JavaScript's (UTF-16) string order.
        let order: Vec<Vec<u16>> = flat
            .iter()
            .step_by(2)
            .map(|t| t.as_str().unwrap().encode_utf16().collect())
            .collect();
        assert!(
            order.windows(2).all(|w| w[0] < w[1]),
            "terms sorted in UTF-16 order"
        );
        Decoded { raw, terms }
    }

    fn has(&self, term: &str) -> bool {
        self.terms.contains_key(term)
    }

    /// Deep links (`url#anchor`) of the sections holding `term`, with their weight.
    fn links(&self, term: &str) -> Vec<(String, u32)> {
        let Some((_, secs)) = self.terms.get(term) else {
            return vec![];
        };
        secs.iter().map(|&(s, w)| (self.link(s), w)).collect()
    }

    fn link(&self, sec: usize) -> String {
        let pages = self.raw["pages"].as_array().unwrap();
        let mut first = 0;
        for page in pages {
            let n = page[2].as_u64().unwrap() as usize;
            if sec < first + n {
                let entry = &self.raw["secs"][sec];
                let anchor = match entry[0].as_str() {
                    Some(a) => a.to_string(),
                    None => {
                        assert_eq!(entry[0], 0, "anchor is a string or 0");
                        ascii_slug(entry[1].as_str().unwrap())
                    }
                };
                let url = page[0].as_str().unwrap();
                return if anchor.is_empty() {
                    url.to_string()
                } else {
                    format!("{url}#{anchor}")
                };
            }
            first += n;
        }
        panic!("section {sec} beyond the last page");
    }

    fn title_pages(&self, term: &str) -> Vec<String> {
        let pages = self.raw["pages"].as_array().unwrap();
        self.terms
            .get(term)
            .map(|(p, _)| {
                p.iter()
                    .map(|&i| pages[i][0].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The self-delimiting numbers of a postings half (`push_number` in search.rs).
fn numbers(s: &str) -> Vec<usize> {
    let digits = bisk_docs::site::search::DIGITS;
    let (mut out, mut n) = (vec![], 0);
    for b in s.bytes() {
        let d = digits.iter().position(|&c| c == b).expect("a digit");
        if d >= 32 {
            n = n * 32 + d - 32;
        } else {
            out.push(n * 32 + d);
            n = 0;
        }
    }
    assert_eq!(n, 0, "the last number is complete");
    out
}

/// The index files' text, concatenated, and the index decoded.
fn index(docs: &[(&str, &str, Vec<SearchSection>)]) -> (String, Decoded) {
    let files = crate::kit::render::search_index(docs);
    let decoded = Decoded::new(&files);
    (files.into_iter().map(|(_, text)| text).collect(), decoded)
}

#[test]
fn a_term_in_a_heading_deep_links_to_that_heading() {
    let (_, idx) = index(&[
        (
            "index.html",
            "Home",
            vec![section("", "", "Welcome to the runbooks.")],
        ),
        (
            "ops/REDIS_CACHE.html",
            "Redis cache",
            vec![
                section("", "", "The web process and the enforcer share a cache."),
                section(
                    "heartbeat",
                    "Enforcer heartbeat",
                    "Read last_run every cycle.",
                ),
                section(
                    "flush",
                    "Flushing",
                    "Never flush database 1; the heartbeat is lost.",
                ),
            ],
        ),
    ]);
    assert_eq!(
        idx.links("heartbeat"),
        vec![
            ("ops/REDIS_CACHE.html#heartbeat".to_string(), 3),
            ("ops/REDIS_CACHE.html#flush".to_string(), 0)
        ]
    );
    assert_eq!(idx.links("welcome"), vec![("index.html".to_string(), 0)]);
    // Title words point at pages, ranked above headings by the client.
    assert_eq!(idx.title_pages("redis"), vec!["ops/REDIS_CACHE.html"]);
    assert_eq!(idx.title_pages("home"), vec!["index.html"]);
    // Snippet and heading are there to show in results.
    assert_eq!(
        idx.raw["secs"][2],
        serde_json::json!([
            "heartbeat",
            "Enforcer heartbeat",
            "Read last_run every cycle."
        ])
    );
}

#[test]
fn text_frequency_is_bucketed() {
    let (_, idx) = index(&[(
        "a.html",
        "A",
        vec![
            section("one", "One", "redis"),
            section("three", "Three", "redis redis redis"),
            section("many", "Many", "redis redis redis redis redis redis"),
        ],
    )]);
    let weights: Vec<u32> = idx.links("redis").into_iter().map(|(_, w)| w).collect();
    assert_eq!(weights, vec![0, 1, 2]);
}

#[test]
fn case_punctuation_and_stop_words_are_normalised() {
    let (_, idx) = index(&[(
        "a.html",
        "The Enforcer",
        vec![section(
            "keys",
            "KEYS and Values",
            "Check REDIS, then Redis. Key `bisk:1:enforcer:last_run` (see redis-cli); it's in the DB!",
        )],
    )]);
    for term in [
        "redis", "keys", "values", "bisk", "enforcer", "last", "run", "cli", "check", "db",
    ] {
        assert!(idx.has(term), "{term} missing: {:?}", idx.terms.keys());
    }
    for absent in [
        "REDIS", "Redis", "redis,", "the", "and", "then", "in", "it", "s", "1", "`bisk",
    ] {
        assert!(!idx.has(absent), "{absent} should not be a term");
    }
    assert_eq!(idx.title_pages("enforcer"), vec!["a.html"]);
    assert!(!idx.terms.contains_key("the"));
    // The stop-word list travels with the index so the client drops the same words.
    let stop = idx.raw["stop"].as_array().unwrap();
    assert!(stop.iter().any(|w| w == "the"));
}

#[test]
fn unicode_words_are_lowercased_and_cjk_is_split_per_character() {
    let (_, idx) = index(&[(
        "i18n.html",
        "Überwachung",
        vec![section(
            "größe",
            "Maximale GRÖSSE",
            "Die Größe des Caches. КЭШ Redis. 缓存失效 naïve café 𠀀字 ｚｅｎ",
        )],
    )]);
    for term in [
        "überwachung",
        "ｚｅｎ",
        "𠀀",
        "字",
        "größe",
        "grösse",
        "maximale",
        "кэш",
        "naïve",
        "café",
        "缓",
        "存",
        "失",
        "效",
    ] {
        assert!(idx.has(term), "{term} missing: {:?}", idx.terms.keys());
    }
    assert_eq!(idx.links("größe"), vec![("i18n.html#größe".to_string(), 0)]);
    assert_eq!(
        idx.links("grösse"),
        vec![("i18n.html#größe".to_string(), 3)]
    );
}

#[test]
fn over_long_tokens_are_not_indexed() {
    let blob = "a".repeat(33);
    let ok = "b".repeat(32);
    let (_, idx) = index(&[(
        "a.html",
        "A",
        vec![section("", "", &format!("{blob} {ok}"))],
    )]);
    assert!(!idx.has(&blob));
    assert!(idx.has(&ok));
}

#[test]
fn script_end_tags_cannot_break_out() {
    let evil = "</script><script>alert(1)</script><!-- \u{2028}";
    let (js, idx) = index(&[(
        "a.html",
        evil,
        vec![section("x", evil, &format!("before {evil} after"))],
    )]);
    assert!(!js.contains('<'), "{js}");
    assert!(!js.contains('\u{2028}'));
    assert_eq!(idx.raw["pages"][0][1], evil);
    assert_eq!(idx.raw["secs"][0][1], evil);
    assert!(idx.has("script") && idx.has("alert"));
}

#[test]
fn pages_without_text_are_still_found_by_title() {
    let (_, idx) = index(&[
        ("empty.html", "Empty Placeholder", vec![]),
        (
            "b.html",
            "B",
            vec![section("", "", "   "), section("h", "Heading", "text")],
        ),
    ]);
    assert_eq!(idx.title_pages("placeholder"), vec!["empty.html"]);
    assert_eq!(idx.raw["pages"][0][2], 1);
    // The blank leading section of b.html is dropped; the heading section remains.
    assert_eq!(idx.raw["pages"][1][2], 1);
    assert_eq!(idx.links("heading"), vec![("b.html#h".to_string(), 3)]);
}

#[test]
fn snippets_are_short() {
    let long = "word ".repeat(500);
    let (_, idx) = index(&[("a.html", "A", vec![section("s", "S", &long)])]);
    let snippet = idx.raw["secs"][0][2].as_str().unwrap();
    assert!(snippet.chars().count() <= 120, "{snippet}");
    assert!(snippet.ends_with('…'));
}

#[test]
fn anchors_equal_to_the_heading_slug_are_not_stored() {
    let (_, idx) = index(&[(
        "a.html",
        "A",
        vec![
            section("expiry-and-ttl", "Expiry and TTL!", "keys expire"),
            section("custom", "Custom id", "heading attribute"),
            section("größe-1", "Größe", "unicode heading"),
        ],
    )]);
    assert_eq!(idx.raw["secs"][0][0], 0);
    assert_eq!(idx.raw["secs"][1][0], "custom");
    assert_eq!(idx.raw["secs"][2][0], "größe-1");
    assert_eq!(
        idx.links("expire"),
        vec![("a.html#expiry-and-ttl".to_string(), 0)]
    );
    assert_eq!(ascii_slug("  Expiry -- and TTL!  "), "expiry-and-ttl");
    assert_eq!(ascii_slug("Größe"), "");
}

#[test]
fn a_large_index_is_split_into_bounded_parts() {
    use bisk_docs::site::search::{DOC_CHUNK_BYTES, TERM_SHARD_BYTES};
    let pages = crate::search_size::generated_pages(300);
    let files = crate::kit::render::search_index(&pages);
    let idx = Decoded::new(&files);
    let (manifest, parts) = files.split_first().unwrap();
    let shards = parts.iter().filter(|(r, _)| r.contains("search-t")).count();
    let chunks = parts.iter().filter(|(r, _)| r.contains("search-d")).count();
    assert!(shards > 3 && chunks > 3, "{shards} shards, {chunks} chunks");
    // The manifest is what every first search pays: counts and shard starts only.
    assert!(
        manifest.1.len() < 8 * 1024,
        "manifest {} bytes",
        manifest.1.len()
    );
    for (rel, text) in parts {
        // A part ends at the first item past its target; no generated term or page is
        // larger than a quarter of it.
        let limit = if rel.contains("search-t") {
            TERM_SHARD_BYTES
        } else {
            DOC_CHUNK_BYTES
        };
        assert!(text.len() < limit * 5 / 4, "{rel}: {} bytes", text.len());
    }
    // Every section of every page is still found, under its page's URL.
    assert_eq!(idx.raw["pages"].as_array().unwrap().len(), 300);
    assert_eq!(
        idx.raw["pages"][299][0],
        pages[299].0.as_str(),
        "the last page is in the last chunk"
    );
}
