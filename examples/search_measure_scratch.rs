use bisk_docs::render::SearchSection;
use bisk_docs::site::search::{SearchDoc, build_index};
#[derive(serde::Deserialize)]
struct D {
    url: String,
    title: String,
    sections: Vec<S>,
}
#[derive(serde::Deserialize)]
struct S {
    anchor: String,
    heading: String,
    text: String,
}
fn main() {
    let docs: Vec<D> =
        serde_json::from_str(&std::fs::read_to_string("/tmp/gt-sections.json").unwrap()).unwrap();
    let secs: Vec<Vec<SearchSection>> = docs
        .iter()
        .map(|d| {
            d.sections
                .iter()
                .map(|s| SearchSection {
                    anchor: s.anchor.clone(),
                    heading: s.heading.clone(),
                    text: s.text.clone(),
                })
                .collect()
        })
        .collect();
    let sd: Vec<SearchDoc> = docs
        .iter()
        .zip(&secs)
        .map(|(d, s)| SearchDoc {
            url: &d.url,
            title: &d.title,
            sections: s,
        })
        .collect();
    let raw: usize = docs
        .iter()
        .map(|d| {
            d.title.len()
                + d.sections
                    .iter()
                    .map(|s| s.heading.len() + s.text.len())
                    .sum::<usize>()
        })
        .sum();
    let t = std::time::Instant::now();
    let js = build_index(&sd);
    eprintln!(
        "raw {raw} index {} ({:.0}%) in {:?}",
        js.len(),
        100.0 * js.len() as f64 / raw as f64,
        t.elapsed()
    );
    std::fs::write("/tmp/gt-index.js", js).unwrap();
}
