//! The response side of `http.get`'s HTTP/1.1 client, written once and fuzzed
//! (`fuzz/fuzz_targets/http_response.rs`): where the final response starts (interim 1xx
//! answers skipped), when it is complete (Content-Length or the last chunk), and its body
//! (chunked transfer coding removed). Pure functions over the bytes read so far, with no
//! dependencies, so the fuzz crate compiles this file alone.
//!
//! Why not an HTTP client crate: measured in `fuzz/README.md` ("HTTP client: crate or
//! ours"): the probe needs the raw bytes of a non-HTTP answer for its evidence, a hard
//! bound on what it reads, and nothing but plain `http://`, which is this file.

/// Whether `buf` holds a whole final response (interim 1xx responses skipped).
pub(super) fn response_complete(buf: &[u8]) -> bool {
    let Some(head) = final_head(buf) else {
        return false;
    };
    let body = &buf[head.body_start..];
    if head.chunked {
        // Walk the chunks: "ends with 0 CRLF CRLF" would also match chunk data that happens
        // to end a read that way, and cut the body short.
        return dechunk_progress(body).1;
    }
    head.content_length.is_some_and(|n| body.len() >= n)
}

/// The status line and headers of the final (non-1xx) response in `buf`.
#[derive(Debug)]
pub(super) struct Head {
    pub status: u16,
    pub chunked: bool,
    pub content_length: Option<usize>,
    pub location: Option<String>,
    pub body_start: usize,
}

pub(super) fn final_head(buf: &[u8]) -> Option<Head> {
    let mut at = 0;
    // A server may send interim responses (100 Continue, 103 Early Hints) before the
    // real one; their status says nothing about the page. Bounded: each needs its own
    // header block, and the buffer is bounded.
    loop {
        let rest = &buf[at..];
        let head_end = rest.windows(4).position(|w| w == b"\r\n\r\n")?;
        let head = std::str::from_utf8(&rest[..head_end]).ok()?;
        let mut lines = head.split("\r\n");
        let mut parts = lines.next()?.split_whitespace();
        if !parts.next()?.starts_with("HTTP/1.") {
            return None;
        }
        let status: u16 = parts.next()?.parse().ok()?;
        if !(100..=599).contains(&status) {
            return None;
        }
        let body_start = at + head_end + 4;
        if (100..200).contains(&status) && status != 101 {
            at = body_start;
            continue;
        }
        let mut out = Head {
            status,
            chunked: false,
            content_length: None,
            location: None,
            body_start,
        };
        for l in lines {
            let Some((k, v)) = l.split_once(':') else {
                continue;
            };
            let (k, v) = (k.trim(), v.trim());
            if k.eq_ignore_ascii_case("transfer-encoding") {
                out.chunked = v.to_ascii_lowercase().contains("chunked");
            } else if k.eq_ignore_ascii_case("content-length") {
                out.content_length = v.parse().ok();
            } else if k.eq_ignore_ascii_case("location") {
                out.location = Some(v.to_string());
            }
        }
        return Some(out);
    }
}

/// Status code, (de-chunked) body and `Location` of the final response in `buf`.
pub(super) fn parse_response(buf: &[u8]) -> Option<(u16, Vec<u8>, Option<String>)> {
    let head = final_head(buf)?;
    let raw = &buf[head.body_start..];
    let body = if head.chunked {
        dechunk(raw)
    } else {
        match head.content_length {
            Some(n) => raw[..n.min(raw.len())].to_vec(),
            None => raw.to_vec(),
        }
    };
    Some((head.status, body, head.location))
}

/// The chunked body in `raw` with the transfer coding removed (as much as has arrived).
pub(super) fn dechunk(raw: &[u8]) -> Vec<u8> {
    dechunk_progress(raw).0
}

/// The chunked body decoded so far, and whether the last chunk and the end of the trailer
/// section have arrived. A malformed size line ends the decoding (never complete: the read
/// goes on until the server closes or the bound).
pub(super) fn dechunk_progress(mut raw: &[u8]) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    while let Some(eol) = raw.windows(2).position(|w| w == b"\r\n") {
        let Some(size) = chunk_size(&raw[..eol]) else {
            return (out, false);
        };
        raw = &raw[eol + 2..];
        if size == 0 {
            // Trailer fields (usually none), then an empty line.
            let done = raw.starts_with(b"\r\n") || raw.windows(4).any(|w| w == b"\r\n\r\n");
            return (out, done);
        }
        if size > raw.len() {
            out.extend_from_slice(raw);
            return (out, false);
        }
        out.extend_from_slice(&raw[..size]);
        raw = raw.get(size + 2..).unwrap_or(&[]);
    }
    (out, false)
}

/// The size on a chunk's size line (hex digits, then optional `;extensions`).
fn chunk_size(line: &[u8]) -> Option<usize> {
    let digits = line.split(|&b| b == b';').next()?.trim_ascii();
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    usize::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses() {
        let (s, b, _) = parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nPID").unwrap();
        assert_eq!((s, b.as_slice()), (200, &b"PID"[..]));
        let (_, b, _) = parse_response(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nPI\r\n1\r\nD\r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!(b, b"PID");
        assert!(parse_response(b"garbage").is_none());
    }

    #[test]
    fn interim_answers_are_skipped_and_completion_follows_the_framing() {
        let two = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 302 Found\r\nLocation: /login/\r\nContent-Length: 2\r\n\r\nok";
        let (s, b, loc) = parse_response(two).unwrap();
        assert_eq!(
            (s, b.as_slice(), loc.as_deref()),
            (302, &b"ok"[..], Some("/login/"))
        );
        assert!(response_complete(two));
        assert!(!response_complete(&two[..two.len() - 1]));
        let chunked =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n0\r\n\r\n";
        assert!(response_complete(chunked));
        assert!(!response_complete(&chunked[..chunked.len() - 2]));
        assert_eq!(parse_response(chunked).unwrap().1, b"abc");
        // A chunk size larger than what came: the body is what came, no panic.
        assert_eq!(dechunk(b"ff\r\nabc"), b"abc");
        assert_eq!(dechunk(b"zz\r\nabc"), b"");
        assert_eq!(dechunk(b"+3\r\nabc"), b"");
    }

    #[test]
    fn chunk_data_that_looks_like_the_last_chunk_does_not_end_the_read() {
        // A 16-byte chunk of which 7 bytes have arrived, ending in "0\r\n\r\n".
        let partial = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nab0\r\n\r\n";
        assert!(!response_complete(partial));
        let mut whole = partial.to_vec();
        whole.extend_from_slice(b"123456789\r\n0\r\n\r\n");
        assert!(response_complete(&whole));
        assert_eq!(parse_response(&whole).unwrap().1, b"ab0\r\n\r\n123456789");
        // Trailer fields after the last chunk: complete at the empty line.
        let trailers =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nX-T: 1\r\n\r\n";
        assert!(response_complete(trailers));
        assert!(!response_complete(&trailers[..trailers.len() - 2]));
    }
}
