//! Embedding JSON data in JavaScript files and `<script>` elements.

use serde::Serialize;

/// Serialises `value` as JSON that is also safe inside a `<script>` element: every `<` is
/// written as `\u003c` (so no `</script>` or `<!--` can appear), and U+2028/U+2029 are
/// escaped for older JavaScript parsers. In JSON, `<` and those separators can only occur
/// inside strings, where the escapes mean the same characters.
pub fn script_safe_json<T: Serialize + ?Sized>(value: &T) -> String {
    let json = serde_json::to_string(value).expect("serialising plain data to JSON cannot fail");
    escape_json_for_script(&json)
}

/// Applies the escapes of [`script_safe_json`] to an already serialised JSON text.
pub fn escape_json_for_script(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 64);
    escape_json_for_script_into(json, &mut out);
    out
}

/// [`escape_json_for_script`] appending to `out`, so large payloads are not copied again.
pub fn escape_json_for_script_into(json: &str, out: &mut String) {
    out.reserve(json.len() + json.len() / 64);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
}
