//! The Content-Security-Policy of served pages. Scripts run only from the site itself plus
//! the theme's inline snippets, allowed by their SHA-256 hash (computed from the pages
//! actually served, so a theme override keeps working without `'unsafe-inline'`).

use std::collections::BTreeSet;

/// Hashes (`'sha256-…'`) of every inline `<script>` body in `html`.
pub(crate) fn inline_script_hashes(html: &str, into: &mut BTreeSet<String>) {
    let mut rest = html;
    while let Some(start) = rest.find("<script>") {
        let body_start = start + "<script>".len();
        let Some(len) = rest[body_start..].find("</script>") else {
            break;
        };
        let body = &rest[body_start..body_start + len];
        into.insert(hash_source(body.as_bytes()));
        rest = &rest[body_start + len..];
    }
}

/// The policy header value. `connect_extra` lists origins the pages may also fetch from.
pub(crate) fn policy(script_hashes: &BTreeSet<String>) -> String {
    let hashes: Vec<&str> = script_hashes.iter().map(String::as_str).collect();
    format!(
        "default-src 'self'; script-src 'self' {}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        hashes.join(" ")
    )
}

/// The CSP source expression of `body`: `'sha256-<base64 of its SHA-256>'`.
fn hash_source(body: &[u8]) -> String {
    use base64::Engine as _;
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(body);
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_source_matches_the_csp_spec_example() {
        // CSP Level 3, "script-src" example: the hash of `alert('Hello, world.');`.
        assert_eq!(
            hash_source(b"alert('Hello, world.');"),
            "'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='"
        );
        // Empty body: SHA-256 of "" in standard padded base64.
        assert_eq!(
            hash_source(b""),
            "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
        );
    }

    #[test]
    fn finds_inline_scripts_only() {
        let mut set = BTreeSet::new();
        inline_script_hashes(
            "<script src=\"a.js\"></script><script>x=1</script><p><script>x=1</script>",
            &mut set,
        );
        assert_eq!(set.len(), 1);
        assert!(set.iter().next().unwrap().starts_with("'sha256-"));
    }
}
