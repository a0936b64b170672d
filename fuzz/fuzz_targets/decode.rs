#![no_main]
//! Any bytes: decoding never panics or runs away; whatever decodes can be shown, serialised
//! to JSON, and — when the encoder accepts it — written and read back to the same value.

use bisk_docs::django::{decode, encode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = decode(data) else {
        return;
    };
    let _ = value.to_display();
    let json = value.to_json();
    if let Ok(bytes) = encode(&value) {
        let again = decode(&bytes).expect("encoder output must decode");
        assert_eq!(
            again.to_json(),
            json,
            "encode/decode round trip changed the value"
        );
    }
});
