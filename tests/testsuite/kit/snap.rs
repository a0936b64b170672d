//! Snapshot assertions (`insta`): the snapshots live in `tests/testsuite/snapshots/` and
//! are reviewed like code. Volatile parts of an output are redacted by [`redacted`] before
//! comparing, so a snapshot changes only when what a reader sees changes.
//!
//! CI sets `INSTA_UPDATE=no` (and insta writes nothing under `CI` anyway): a missing or changed snapshot fails the
//! test and nothing is written. To accept a change on purpose: `INSTA_UPDATE=always cargo
//! test --test testsuite <filter>` (or `cargo insta review`), then read the diff.

/// Runs `f` with filters that replace what changes from run to run: temp paths, loopback
/// ports, timestamps, durations, ages, process ids, content hashes, the host name and the
/// Redis server's
/// version, uptime and memory.
pub fn redacted<R>(f: impl FnOnce() -> R) -> R {
    let mut s = insta::Settings::clone_current();
    s.set_prepend_module_to_snapshot(false);
    for (re, with) in [
        (
            r#""(duration_ms|wall_ms)": ?[\d.]+"#,
            r#""$1": "[DURATION]""#,
        ),
        (r"/tmp/\.tmp[A-Za-z0-9]+", "[TMP]"),
        (r"sha256 `[0-9a-f]+`", "sha256 `[HASH]`"),
        (r"\| Host \| [^|\n]+ \|", "| Host | [HOST] |"),
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
        (
            r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?( \(?UTC\)?)?",
            "[TIME]",
        ),
        // The padding before a duration goes too: `check` right-aligns the column, so its
        // width follows the figure's digits.
        (r" *\b\d+(\.\d+)? ?(ms|µs)\b", " [DURATION]"),
        (r"\b(\d+ ?s ago|just now)", "[AGE]"),
        (r"\bup \d+[smhd]\b", "up [UPTIME]"),
        (r"\bmemory \d+(\.\d+)?[KMGB]?", "memory [MEMORY]"),
        (r"\bRedis \d+\.\d+\.\d+", "Redis [VERSION]"),
        (&format!(r"\b{}\b", std::process::id()), "[PID]"),
    ] {
        s.add_filter(re, with);
    }
    s.bind(f)
}

/// The `<article class="content">…</article>` part of a built page: what the Markdown
/// became, without the theme's frame.
#[track_caller]
pub fn article(html: &str) -> String {
    let start = html
        .find("<article")
        .unwrap_or_else(|| panic!("no <article> in:\n{html}"));
    let end = html[start..]
        .find("</article>")
        .map(|e| start + e + "</article>".len())
        .unwrap_or_else(|| panic!("no </article> in:\n{html}"));
    html[start..end].to_string()
}
