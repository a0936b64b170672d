//! Hostile and malformed values: each is refused with a typed error or kept as an opaque
//! `Unsupported`, never executed, never a panic, never an unbounded allocation.

use bisk_docs::django::{DecodeError, Limits, PyValue, decode};

const P5: &[u8] = b"\x80\x05";

fn pickle(body: &[u8]) -> Vec<u8> {
    [P5, body].concat()
}

fn err(raw: &[u8]) -> DecodeError {
    match decode(raw) {
        Err(e) => e,
        Ok(v) => panic!("expected an error, decoded {v:?}"),
    }
}

fn short_str(s: &str) -> Vec<u8> {
    let mut out = vec![0x8c, s.len() as u8];
    out.extend_from_slice(s.as_bytes());
    out
}

fn unsupported_class(raw: &[u8]) -> String {
    match decode(raw) {
        Ok(PyValue::Unsupported { class, .. }) => class,
        other => panic!("expected Unsupported, got {other:?}"),
    }
}

#[test]
fn empty_and_oversized_inputs_are_refused_up_front() {
    assert_eq!(err(b""), DecodeError::Empty);
    let big = vec![b'N'; Limits::default().max_input_bytes + 1];
    assert!(matches!(err(&big), DecodeError::TooLarge { .. }));
}

#[test]
fn huge_declared_lengths_do_not_allocate() {
    // Each length field claims far more than the input holds.
    for body in [
        &b"X\xff\xff\xff\xff"[..],
        b"\x8d\xff\xff\xff\xff\xff\xff\xff\xff",
        b"\x8e\xff\xff\xff\xff\xff\xff\xff\x7f",
        b"\x96\x00\x00\x00\x00\x00\x00\x00\x01",
        b"B\x00\x00\x00\x80",
        b"\x95\xff\xff\xff\xff\xff\xff\xff\xff",
        b"\x8c\x10abc",
    ] {
        assert!(
            matches!(err(&pickle(body)), DecodeError::Truncated { .. }),
            "{body:02x?}"
        );
    }
    assert!(matches!(
        err(&pickle(b"\x8b\xff\xff\xff\x7f")),
        DecodeError::IntTooLarge { .. }
    ));
    assert!(matches!(
        err(&pickle(b"\x8b\xff\xff\xff\xff")),
        DecodeError::Malformed { .. }
    ));
}

#[test]
fn truncations_of_a_real_value_are_errors() {
    let full = b"\x80\x05\x95\x08\x00\x00\x00\x00\x00\x00\x00\x8c\x04pong\x94.";
    for cut in 1..full.len() {
        assert!(
            decode(&full[..cut]).is_err(),
            "prefix of {cut} bytes decoded"
        );
    }
    // The frame header promises bytes that are gone.
    assert!(matches!(
        err(&full[..full.len() - 1]),
        DecodeError::Truncated { what: "FRAME", .. }
    ));
    assert_eq!(err(b"\x80\x05N"), DecodeError::NoStop);
}

#[test]
fn deep_nesting_is_bounded() {
    let mut body = vec![b']'; 5000];
    body.extend(vec![b'a'; 4999]);
    body.push(b'.');
    assert!(matches!(
        err(&pickle(&body)),
        DecodeError::TooDeep { limit: 1000 }
    ));
    // MARK-built tuples nest the same way.
    let mut body = vec![b'('; 3000];
    body.extend(vec![b't'; 3000]);
    body.push(b'.');
    assert!(matches!(err(&pickle(&body)), DecodeError::TooDeep { .. }));
}

#[test]
fn memo_bombs_are_bounded() {
    // Each list holds the previous one twice: 2^40 items once references are expanded.
    let mut body = short_str(&"x".repeat(200));
    body.push(0x94);
    for i in 0..40u8 {
        body.extend_from_slice(&[b'(', b'h', i, b'h', i, b'l', 0x94]);
    }
    body.push(b'.');
    assert!(matches!(
        err(&pickle(&body)),
        DecodeError::ExpandsTooMuch { .. }
    ));

    // Unbounded memo growth.
    let mut body = vec![b'N'];
    let memo = Limits::default().max_memo;
    body.extend(vec![0x94; memo + 1]);
    body.push(b'.');
    assert_eq!(
        err(&pickle(&body)),
        DecodeError::MemoTooLarge { limit: memo }
    );

    // Sparse memo indices count too.
    let mut body = vec![b'N'];
    for i in 0..=memo as u32 {
        body.push(b'r');
        body.extend_from_slice(&(i * 7).to_le_bytes());
    }
    body.push(b'.');
    assert_eq!(
        err(&pickle(&body)),
        DecodeError::MemoTooLarge { limit: memo }
    );
}

#[test]
fn object_count_is_bounded() {
    let mut body = vec![b'N'; Limits::default().max_objects + 1];
    body.push(b'.');
    assert!(matches!(
        err(&pickle(&body)),
        DecodeError::TooManyObjects { .. }
    ));
}

#[test]
fn dangerous_globals_are_named_never_called() {
    // os.system("id") via STACK_GLOBAL + REDUCE.
    let mut body = short_str("os");
    body.extend(short_str("system"));
    body.push(0x93);
    body.extend(short_str("id"));
    body.extend_from_slice(b"\x85R.");
    assert_eq!(unsupported_class(&pickle(&body)), "os.system");

    // Protocol 2 GLOBAL: builtins.eval and subprocess.Popen via NEWOBJ.
    assert_eq!(
        unsupported_class(b"\x80\x02c__builtin__\neval\nX\x01\x00\x00\x001\x85R."),
        "builtins.eval"
    );
    assert_eq!(
        unsupported_class(b"\x80\x02csubprocess\nPopen\n)\x81."),
        "subprocess.Popen"
    );
    // getattr(builtins, "__import__") is not the ZoneInfo idiom.
    assert_eq!(
        unsupported_class(b"\x80\x02c__builtin__\ngetattr\nc__builtin__\nbuiltins\nX\n\x00\x00\x00__import__\x86R."),
        "builtins.getattr"
    );
    // A bare class reference.
    assert_eq!(
        unsupported_class(b"\x80\x02cposix\nsystem\n."),
        "posix.system"
    );
}

#[test]
fn unsupported_objects_inside_containers_keep_the_rest() {
    let raw = b"\x80\x02]q\x00(K\x01csubprocess\nPopen\n)\x81K\x02e.";
    let PyValue::List(items) = decode(raw).unwrap() else {
        panic!("list expected");
    };
    assert_eq!(items[0], PyValue::Int(1));
    assert!(matches!(&items[1], PyValue::Unsupported { class, .. } if class == "subprocess.Popen"));
    assert_eq!(items[2], PyValue::Int(2));
}

#[test]
fn inconsistent_streams_are_malformed() {
    for body in [
        &b"."[..],          // STOP on an empty stack
        b"0.",              // POP on an empty stack
        b"h\x05.",          // memo entry never stored
        b"K\x01K\x02\x93.", // STACK_GLOBAL on ints
        b"K\x01)R.",        // calling an int
        b"]K\x01K\x02b.",   // BUILD on a list
        b"}]K\x01s.",       // unhashable key
        b"K\x01K\x02a.",    // APPEND to an int
        b"e.",              // APPENDS without MARK
        b"(K\x01u.",        // SETITEMS without a target... and odd count
        b"K\x01\x98.",      // READONLY_BUFFER on an int
    ] {
        let e = err(&pickle(body));
        assert!(
            matches!(e, DecodeError::Malformed { .. }),
            "{body:02x?}: {e:?}"
        );
    }
}

#[test]
fn unknown_opcodes_protocols_and_features_are_named() {
    assert_eq!(
        err(&pickle(b"\xff.")),
        DecodeError::UnknownOpcode {
            opcode: 0xff,
            offset: 2
        }
    );
    assert_eq!(err(b"\x80\x06N."), DecodeError::Protocol(6));
    for body in [&b"Q"[..], b"P1\n", b"\x82\x01", b"\x97", b"S'x'\n"] {
        assert!(
            matches!(err(&pickle(body)), DecodeError::UnsupportedFeature { .. }),
            "{body:02x?}"
        );
    }
}

/// A probe must not call a value broken that Django reads: only the decoder's own bounds
/// and what it cannot show are "too large to inspect"; what `pickle.loads` refuses is not.
#[test]
fn bounds_are_told_apart_from_values_django_cannot_read() {
    // Django reads these; the decoder declines them.
    let mut deep = vec![b']'; 1500];
    deep.extend(vec![b'a'; 1499]);
    deep.push(b'.');
    let mut self_ref = vec![b']', 0x94];
    self_ref.extend_from_slice(b"h\x00a.");
    for raw in [
        pickle(&deep),
        pickle(&self_ref),
        pickle(b"S'x'\n."),
        pickle(b"\x8b\x00\x10\x00\x00"),
        vec![b'N'; Limits::default().max_input_bytes + 1],
    ] {
        let e = err(&raw);
        assert!(e.is_bound(), "{e:?}");
        assert!(
            e.to_string().contains("inspect")
                || e == DecodeError::Recursive
                || matches!(e, DecodeError::UnsupportedFeature { .. }),
            "{e}"
        );
    }
    // Django's `cache.get` raises on these.
    for raw in [
        pickle(b"Q"),
        pickle(b"\x97"),
        pickle(b"\xff."),
        b"pong".to_vec(),
        b"1".repeat(4301),
        b"\x80\x05N".to_vec(),
    ] {
        let e = err(&raw);
        assert!(!e.is_bound(), "{e:?}");
    }
}

#[test]
fn impossible_datetimes_stay_opaque() {
    // datetime.datetime(b"...month 13...")
    let mut body = short_str("datetime");
    body.extend(short_str("datetime"));
    body.push(0x93);
    body.extend_from_slice(b"C\x0a\x07\xe9\x0d\x02\x03\x04\x05\x00\x00\x00\x85R.");
    assert_eq!(unsupported_class(&pickle(&body)), "datetime.datetime");
}

#[test]
fn integer_sizes_are_bounded() {
    let digits = vec![b'7'; 4301];
    assert!(matches!(
        err(&digits),
        DecodeError::IntTooLarge { len: 4301, .. }
    ));
    let digits = vec![b'7'; 4300];
    assert!(matches!(decode(&digits), Ok(PyValue::BigInt(_))));
}

#[test]
fn control_characters_are_escaped_in_display() {
    let shown = PyValue::Str("\x1b[31mred\u{202e}".into()).to_display();
    assert_eq!(shown, "'\\x1b[31mred\\u202e'");
}

#[test]
fn errors_read_as_sentences() {
    let e = err(&pickle(b"X\xff\xff\xff\xff"));
    assert_eq!(
        e.to_string(),
        "pickle truncated at byte 2: BINUNICODE needs more bytes than remain"
    );
    assert_eq!(
        DecodeError::MemoTooLarge { limit: 3 }.to_string(),
        "too large to inspect: the pickle memo would exceed 3 entries"
    );
}

#[test]
fn raw_text_written_by_another_client_is_named_as_such() {
    let e = err(b"pong");
    assert_eq!(
        e.to_string(),
        "not a Django cache value: neither an integer nor a pickle (it starts b'pong'); \
         Django's cache.get would fail on it with UnpicklingError"
    );
}

#[test]
fn repeated_dict_keys_replace_like_python() {
    // {'ok': False} then SETITEM 'ok' = True, as a hand-made pickle could say.
    let mut body = vec![b'}', b'('];
    body.extend(short_str("ok"));
    body.push(0x89);
    body.extend(short_str("n"));
    body.push(b'N');
    body.extend(short_str("ok"));
    body.push(0x88);
    body.extend_from_slice(b"u.");
    assert_eq!(
        decode(&pickle(&body)).unwrap().to_display(),
        "{'ok': True, 'n': None}"
    );
}
