use super::*;

#[test]
fn base64_reads_like_python() {
    let pong = b"\x80\x05\x95\x08\x00\x00\x00\x00\x00\x00\x00\x8c\x04pong\x94.".to_vec();
    assert_eq!(lenient_b64("gAWVCAAAAAAAAACMBHBvbmeULg==").unwrap(), pong);
    // Python skips characters outside the alphabet ...
    assert_eq!(lenient_b64("gAWVCAAAAAAAAACMBHBvbmeULg!!==").unwrap(), pong);
    // ... but wants the padding.
    assert!(lenient_b64("gAWVCAAAAAAAAACMBHBvbmeULg").is_err());
    assert!(lenient_b64("a").is_err());
    assert_eq!(lenient_b64("").unwrap(), Vec::<u8>::new());
}

proptest::proptest! {
    #[test]
    fn any_text_decodes_or_says_why(text in ".{0,80}") {
        let _ = lenient_b64(&text);
        let _ = parse_datetime_text(&text);
    }
}

fn row(expires: &str) -> Row {
    Row {
        key: "k".into(),
        value: "gAWVCAAAAAAAAACMBHBvbmeULg==".into(),
        value_len: 28,
        expires: parse_expires_text(expires),
    }
}

#[test]
fn naive_expires_read_in_the_apps_clock() {
    // 2026-01-01 05:00:00 UTC; a naive 10:00 in Kolkata is 04:30 UTC: expired.
    let now = 1_767_243_600.0;
    let kolkata = AppClock::Local("Asia/Kolkata".into());
    let utc = AppClock::Utc;
    let expired_east = row("2026-01-01 10:00:00");
    assert!(matches!(
        judge_row(&expired_east, now, &kolkata),
        Ok(Read::Expired { .. })
    ));
    assert!(matches!(
        judge_row(&expired_east, now, &utc),
        Ok(Read::Present(_))
    ));
    // 22:00 the day before in Los Angeles is 06:00 UTC: still fresh.
    let fresh_west = row("2025-12-31 22:00:00");
    let la = AppClock::Local("America/Los_Angeles".into());
    assert!(matches!(
        judge_row(&fresh_west, now, &la),
        Ok(Read::Present(_))
    ));
    assert!(matches!(
        judge_row(&fresh_west, now, &utc),
        Ok(Read::Expired { .. })
    ));
    // No zone: no verdict.
    assert!(judge_row(&fresh_west, now, &AppClock::Unknown).is_err());
    // An offset with USE_TZ = False: Django compares aware with naive and raises.
    assert!(matches!(
        judge_row(&row("2026-01-01 10:00:00+00:00"), now, &la),
        Ok(Read::Broken(_))
    ));
    // datetime.max never expires, whatever the clock.
    assert!(matches!(
        judge_row(&row("9999-12-31 23:59:59"), now, &la),
        Ok(Read::Present(Stored {
            expiry: Expiry::Never,
            ..
        }))
    ));
}

#[test]
fn expires_texts() {
    assert_eq!(parse_datetime_text("1970-01-01 00:01:00").unwrap(), 60.0);
    assert_eq!(parse_datetime_text("1970-01-01 00:01:00.5").unwrap(), 60.5);
    assert_eq!(
        parse_datetime_text("1970-01-01 01:01:00+01:00").unwrap(),
        60.0
    );
    assert!(parse_datetime_text("9999-12-31 23:59:59").unwrap() >= NEVER_AFTER);
    assert!(parse_datetime_text("soon").is_err());
    // Python's isoformat of an offset with microseconds: a datetime, not "not a datetime".
    assert_eq!(
        parse_datetime_text("1970-01-01 05:31:00.123456+05:30:00.123456").unwrap(),
        60.0
    );
    assert!(pg_expires(Some(f64::INFINITY)).is_err());
    assert_eq!(pg_expires(Some(60.0)), Ok(Expires::Instant(60.0)));
    assert_eq!(
        sqlite_datetime(60.9, &AppClock::Utc).unwrap(),
        "1970-01-01 00:01:00"
    );
    assert_eq!(
        sqlite_datetime(60.9, &AppClock::Local("Asia/Kolkata".into())).unwrap(),
        "1970-01-01 05:31:00"
    );
    assert!(sqlite_datetime(60.9, &AppClock::Unknown).is_err());
    assert_eq!(like_escape("a_b%c\\"), "a\\_b\\%c\\\\");
}
