//! HTTP-date parsing (`cachepolicy::parse_http_date`) on arbitrary bytes and reference years:
//! no panic, and valid dates survive `format_http_date` → `parse_http_date`.
#![no_main]

use cachepolicy::{format_http_date, parse_http_date};
use libfuzzer_sys::fuzz_target;

/// The last second `format_http_date` can write (9999-12-31T23:59:59Z).
const MAX_SECS: i64 = 253_402_300_799;

fuzz_target!(|input: (i64, u16, &[u8])| {
    let (number, year, bytes) = input;
    // Any reference year must be safe; realistic ones resolve two-digit years.
    for reference_year in [i64::from(year), number, 2024] {
        if let Some(t) = parse_http_date(bytes, reference_year) {
            // A parsed date is a real time that formats back to an IMF-fixdate of that time.
            if (0..=MAX_SECS).contains(&t) {
                let text = format_http_date(t);
                assert_eq!(parse_http_date(text.as_bytes(), reference_year), Some(t), "{text}");
            }
            // Surrounding whitespace does not change the result.
            let mut padded = b" \t".to_vec();
            padded.extend_from_slice(bytes);
            padded.push(b' ');
            assert_eq!(parse_http_date(&padded, reference_year), Some(t));
        }
    }
    // format → parse is the identity on the representable range (and clamps outside it).
    let text = format_http_date(number);
    assert_eq!(text.len(), 29);
    assert_eq!(parse_http_date(text.as_bytes(), 2024), Some(number.clamp(0, MAX_SECS)), "{text}");
});
