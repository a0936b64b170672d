//! The site in memory and serving it. Lookups go only into the map of built files, so no
//! request path can reach the disk; paths with `..`, backslashes or NULs are refused
//! outright so a mistake elsewhere can never turn into a traversal.

use std::collections::{BTreeSet, HashMap};
use std::io;
use std::path::Path;
use std::sync::Mutex;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::csp;
use super::state::ServeState;
use crate::site::Sink;

/// The served files, keyed by output path (`ops/REDIS_CACHE.html`).
#[derive(Clone, Default)]
pub struct SiteFiles {
    pub map: HashMap<String, Bytes>,
    /// Bumped whenever the files change.
    pub generation: u64,
    /// Hashes of the inline scripts the pages carry, for the CSP header.
    pub script_hashes: BTreeSet<String>,
}

impl SiteFiles {
    /// Adds or replaces one file (pages get the token injected). Only the [`Collector`]
    /// calls this: everything served is written through the site's [`Sink`].
    fn insert(&mut self, rel: &str, bytes: Vec<u8>, token: &str) {
        let bytes = if rel.ends_with(".html") {
            let html = String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
            csp::inline_script_hashes(&html, &mut self.script_hashes);
            inject_token(html, token).into_bytes()
        } else {
            bytes
        };
        self.map.insert(rel.to_string(), Bytes::from(bytes));
    }

    /// Takes in the files a [`Collector`] wrote (replacing those of the same path).
    pub fn merge(&mut self, written: SiteFiles) {
        self.script_hashes.extend(written.script_hashes);
        self.map.extend(written.map);
    }

    /// The Content-Security-Policy for these files.
    pub fn csp(&self) -> String {
        csp::policy(&self.script_hashes)
    }
}

/// Puts the per-server token where live.js finds it. Tokens are hex: nothing to escape.
pub(crate) fn inject_token(mut html: String, token: &str) -> String {
    let meta = format!("<meta name=\"bisk-token\" content=\"{token}\">\n");
    match html.find("</head>") {
        Some(at) => html.insert_str(at, &meta),
        None => html.insert_str(0, &meta),
    }
    html
}

/// `serve`'s [`Sink`]: collects what the site writes into [`SiteFiles`] (pages get the
/// server's token), to be swapped or merged into the served files.
pub(crate) struct Collector<'a> {
    files: Mutex<SiteFiles>,
    token: &'a str,
}

impl<'a> Collector<'a> {
    pub(crate) fn new(token: &'a str) -> Self {
        Collector {
            files: Mutex::new(SiteFiles::default()),
            token,
        }
    }

    pub(crate) fn into_files(self) -> SiteFiles {
        self.files.into_inner().unwrap_or_else(|p| p.into_inner())
    }
}

impl Sink for Collector<'_> {
    fn write(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        // Token injection and hashing happen outside the lock; only the insert is shared.
        let mut one = SiteFiles::default();
        one.insert(rel, bytes.to_vec(), self.token);
        self.files
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .merge(one);
        Ok(())
    }

    fn copy_from(&self, rel: &str, src: &Path) -> io::Result<()> {
        let bytes = std::fs::read(src)?;
        self.write(rel, &bytes)
    }
}

/// Why a request path was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum BadPath {
    Traversal,
    Encoding,
}

/// The output path a request path names: percent-decoded, `index.html` for folders, and
/// refused when it tries to leave the site.
pub(crate) fn resolve(path: &str) -> Result<String, BadPath> {
    let decoded = crate::percent::decode_strict(path).ok_or(BadPath::Encoding)?;
    if decoded.contains('\0') || decoded.contains('\\') {
        return Err(BadPath::Traversal);
    }
    let trimmed = decoded.trim_start_matches('/');
    let mut parts = Vec::new();
    for seg in trimmed.split('/') {
        match seg {
            "" | "." => {}
            ".." => return Err(BadPath::Traversal),
            s => parts.push(s),
        }
    }
    let mut rel = parts.join("/");
    if rel.is_empty() || decoded.ends_with('/') {
        if !rel.is_empty() {
            rel.push('/');
        }
        rel.push_str("index.html");
    }
    Ok(rel)
}

/// Content type by extension.
pub(crate) fn content_type(rel: &str) -> &'static str {
    let ext = rel.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    match ext.to_ascii_lowercase().as_str() {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "txt" | "md" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// Serves a file of the in-memory site (the router's fallback).
pub(crate) async fn serve(State(state): State<ServeState>, method: Method, uri: Uri) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (StatusCode::METHOD_NOT_ALLOWED, "only GET and HEAD\n").into_response();
    }
    let rel = match resolve(uri.path()) {
        Ok(rel) => rel,
        Err(BadPath::Traversal) => {
            return (StatusCode::BAD_REQUEST, "path leaves the site\n").into_response();
        }
        Err(BadPath::Encoding) => {
            return (StatusCode::BAD_REQUEST, "bad percent-encoding\n").into_response();
        }
    };
    state.ready().await;
    // The reader's target (`?target=prod`): its pages show its values and its probes.
    let target = match state.reader_target(query_param(uri.query(), "target").as_deref()) {
        Ok(t) => t,
        Err(e) => return (StatusCode::NOT_FOUND, format!("{e}\n")).into_response(),
    };
    let mut files = if target == state.default_target() {
        state.files()
    } else {
        match state.files_for(&target).await {
            Ok(f) => f,
            Err(why) => {
                return (StatusCode::SERVICE_UNAVAILABLE, format!("{why}\n")).into_response();
            }
        }
    };
    if !files.map.contains_key(&rel) && !state.is_complete() && target == state.default_target() {
        // The first pass serves the home page first; other pages follow within moments.
        state.complete().await;
        files = state.files();
    }
    if let Some(bytes) = files.map.get(&rel) {
        return file_response(StatusCode::OK, &rel, bytes.clone());
    }
    // `/ops` → `/ops/` so the folder's relative links resolve. The target is relative
    // (`ops/`), so it stays under a reverse proxy's sub-path.
    if !rel.ends_with(".html") && files.map.contains_key(&format!("{rel}/index.html")) {
        let last = rel.rsplit('/').next().unwrap_or(&rel);
        // The query (the reader's target) goes along.
        let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
        let to = format!("{}/{query}", crate::percent::encode_path_segment(last));
        return (
            StatusCode::PERMANENT_REDIRECT,
            [(
                header::LOCATION,
                HeaderValue::from_str(&to).unwrap_or(HeaderValue::from_static("/")),
            )],
        )
            .into_response();
    }
    match files.map.get("404.html") {
        Some(page) => file_response(StatusCode::NOT_FOUND, "404.html", page.clone()),
        None => (StatusCode::NOT_FOUND, "not found\n").into_response(),
    }
}

/// The percent-decoded value of `name` in a query string (the first one), if any.
pub(crate) fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == name).then(|| crate::percent::decode_lossy(&v.replace('+', " ")).into_owned())
    })
}

fn file_response(status: StatusCode, rel: &str, bytes: Bytes) -> Response {
    let mut resp = Response::new(Body::from(bytes));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(rel)),
    );
    // Always revalidate: pages change under the author's hands.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_folders_and_refuses_traversal() {
        assert_eq!(resolve("/").unwrap(), "index.html");
        assert_eq!(resolve("/ops/").unwrap(), "ops/index.html");
        assert_eq!(resolve("/ops/A%20B.html").unwrap(), "ops/A B.html");
        assert_eq!(resolve("/ops").unwrap(), "ops");
        assert_eq!(resolve("/../etc/passwd"), Err(BadPath::Traversal));
        assert_eq!(resolve("/ops/%2e%2e/%2e%2e/x"), Err(BadPath::Traversal));
        assert_eq!(resolve("/a%5c..%5cb"), Err(BadPath::Traversal));
        assert_eq!(resolve("/a%00"), Err(BadPath::Traversal));
        assert_eq!(resolve("/a%zz"), Err(BadPath::Encoding));
        assert_eq!(resolve("/a%4"), Err(BadPath::Encoding));
        assert_eq!(resolve("/a%ff.html"), Err(BadPath::Encoding));
        // Escapes that decode to a guard's character are caught after decoding.
        assert_eq!(resolve("/ops/%2E%2E/x"), Err(BadPath::Traversal));
        assert_eq!(resolve("/a%2F..%2Fb"), Err(BadPath::Traversal));
    }

    #[test]
    fn token_goes_into_head() {
        let html = inject_token("<html><head><title>x</title></head></html>".into(), "ab12");
        assert!(html.contains("<meta name=\"bisk-token\" content=\"ab12\">\n</head>"));
    }
}
