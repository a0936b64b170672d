#![no_main]
//! `http.get`'s response reader on any bytes: never panics, never makes a body longer than
//! its input, agrees with itself on completion; and for a body sent chunked (chunk sizes
//! from the input's first byte) or with Content-Length, reads back exactly that body and
//! sees the response complete at its last byte and not before.

use bisk_docs::http1::{dechunk, parse_response, response_complete};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Any bytes as a whole response and as a chunked body.
    let parsed = parse_response(data);
    if response_complete(data) {
        assert!(parsed.is_some(), "complete but not parsed");
    }
    if let Some((status, body, _)) = &parsed {
        assert!((100..=599).contains(status));
        assert!(body.len() <= data.len());
    }
    assert!(dechunk(data).len() <= data.len());

    // A known body, framed both ways.
    let Some((&n, body)) = data.split_first() else {
        return;
    };
    let size = usize::from(n % 32) + 1;
    let mut chunked = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for piece in body.chunks(size) {
        chunked.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        chunked.extend_from_slice(piece);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    assert!(response_complete(&chunked));
    assert_eq!(parse_response(&chunked).expect("parses").1, body);
    // Proper prefixes are incomplete (the read goes on), whatever the body holds: about 64
    // cuts spread over the response, and the last byte.
    let step = (chunked.len() / 64).max(1);
    for cut in (0..chunked.len()).step_by(step) {
        assert!(!response_complete(&chunked[..cut]), "complete at {cut} of {}", chunked.len());
    }
    assert!(!response_complete(&chunked[..chunked.len() - 1]));

    let mut fixed = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
    fixed.extend_from_slice(body);
    assert!(response_complete(&fixed));
    assert!(body.is_empty() || !response_complete(&fixed[..fixed.len() - 1]));
    assert_eq!(parse_response(&fixed).expect("parses").1, body);
});
