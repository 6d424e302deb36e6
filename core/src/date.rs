//! HTTP-date parsing (RFC 9110 §5.6.7): IMF-fixdate, the obsolete RFC 850 form and asctime.
//!
//! Dates become whole Unix seconds. Parsing allocates nothing and does not go through
//! `SystemTime`, because a response carries up to three dates and this is on the hot path.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Parses any of the three HTTP-date forms; `None` when the value is not a valid HTTP-date.
///
/// `reference_year` resolves RFC 850's two-digit years: a year that would lie more than 50
/// years after it is taken to be in the previous century (RFC 9110 §5.6.7).
pub fn parse_http_date(value: &[u8], reference_year: i64) -> Option<i64> {
    let s = trim(value);
    if s.len() == 29 && s.get(3) == Some(&b',') {
        parse_imf_fixdate(s)
    } else if s.len() == 24 && s.get(3) == Some(&b' ') {
        parse_asctime(s)
    } else {
        parse_rfc850(s, reference_year)
    }
}

/// `Sun, 06 Nov 1994 08:49:37 GMT`
fn parse_imf_fixdate(s: &[u8]) -> Option<i64> {
    weekday_short(&s[0..3])?;
    expect(s, 4, b' ')?;
    let day = digits(&s[5..7])?;
    expect(s, 7, b' ')?;
    let month = month(&s[8..11])?;
    expect(s, 11, b' ')?;
    let year = digits(&s[12..16])?;
    expect(s, 16, b' ')?;
    let secs = time_of_day(&s[17..25])?;
    if &s[25..29] != b" GMT" {
        return None;
    }
    to_unix(year, month, day, secs)
}

/// `Sun Nov  6 08:49:37 1994`
fn parse_asctime(s: &[u8]) -> Option<i64> {
    weekday_short(&s[0..3])?;
    let month = month(&s[4..7])?;
    expect(s, 7, b' ')?;
    let day = match (s[8], s[9]) {
        (b' ', d) if d.is_ascii_digit() => i64::from(d - b'0'),
        _ => digits(&s[8..10])?,
    };
    expect(s, 10, b' ')?;
    let secs = time_of_day(&s[11..19])?;
    expect(s, 19, b' ')?;
    let year = digits(&s[20..24])?;
    to_unix(year, month, day, secs)
}

/// The largest reference year `parse_rfc850` works with (see there).
const MAX_REFERENCE_YEAR: i64 = 1_000_000_000;

/// `Sunday, 06-Nov-94 08:49:37 GMT`
fn parse_rfc850(s: &[u8], reference_year: i64) -> Option<i64> {
    let comma = s.iter().position(|&b| b == b',')?;
    if !is_weekday_long(&s[..comma]) {
        return None;
    }
    let rest = &s[comma + 1..];
    if rest.len() != 23 || rest[0] != b' ' || rest[3] != b'-' || rest[7] != b'-' || rest[10] != b' ' {
        return None;
    }
    let day = digits(&rest[1..3])?;
    let month = month(&rest[4..7])?;
    let yy = digits(&rest[8..10])?;
    let secs = time_of_day(&rest[11..19])?;
    if &rest[19..23] != b" GMT" {
        return None;
    }
    // Any i64 is accepted; beyond a billion years (far past what a millisecond time can name)
    // the year arithmetic would overflow, so the reference is held within that range.
    let reference_year = reference_year.clamp(-MAX_REFERENCE_YEAR, MAX_REFERENCE_YEAR);
    let century = reference_year - reference_year.rem_euclid(100);
    let mut year = century + yy;
    if year > reference_year + 50 {
        year -= 100;
    }
    to_unix(year, month, day, secs)
}

fn trim(v: &[u8]) -> &[u8] {
    let start = v.iter().position(|b| !matches!(b, b' ' | b'\t')).unwrap_or(v.len());
    let end = v.iter().rposition(|b| !matches!(b, b' ' | b'\t')).map_or(start, |e| e + 1);
    &v[start..end]
}

fn expect(s: &[u8], at: usize, b: u8) -> Option<()> {
    (s.get(at) == Some(&b)).then_some(())
}

fn digits(s: &[u8]) -> Option<i64> {
    s.iter().try_fold(0i64, |acc, &b| b.is_ascii_digit().then(|| acc * 10 + i64::from(b - b'0')))
}

/// `HH:MM:SS` as seconds since midnight; a leap second (60) is accepted.
fn time_of_day(s: &[u8]) -> Option<i64> {
    if s[2] != b':' || s[5] != b':' {
        return None;
    }
    let (h, m, sec) = (digits(&s[0..2])?, digits(&s[3..5])?, digits(&s[6..8])?);
    (h < 24 && m < 60 && sec <= 60).then_some(h * 3600 + m * 60 + sec)
}

const LONG_DAYS: [&[u8]; 7] =
    [b"Monday", b"Tuesday", b"Wednesday", b"Thursday", b"Friday", b"Saturday", b"Sunday"];

/// Three letters, case-folded, as one number for a single `match`.
fn key3(s: &[u8]) -> u32 {
    u32::from(s[0] | 0x20) << 16 | u32::from(s[1] | 0x20) << 8 | u32::from(s[2] | 0x20)
}

const fn k(s: &[u8; 3]) -> u32 {
    (s[0] as u32) << 16 | (s[1] as u32) << 8 | s[2] as u32
}

fn month(s: &[u8]) -> Option<i64> {
    const KEYS: [u32; 12] = [k(b"jan"), k(b"feb"), k(b"mar"), k(b"apr"), k(b"may"), k(b"jun"), k(b"jul"), k(b"aug"), k(b"sep"), k(b"oct"), k(b"nov"), k(b"dec")];
    let key = key3(s);
    KEYS.iter().position(|&m| m == key).filter(|_| s.iter().all(u8::is_ascii_alphabetic)).map(|i| i as i64 + 1)
}

fn weekday_short(s: &[u8]) -> Option<()> {
    const KEYS: [u32; 7] = [k(b"mon"), k(b"tue"), k(b"wed"), k(b"thu"), k(b"fri"), k(b"sat"), k(b"sun")];
    let key = key3(s);
    (KEYS.contains(&key) && s.iter().all(u8::is_ascii_alphabetic)).then_some(())
}

fn is_weekday_long(s: &[u8]) -> bool {
    LONG_DAYS.iter().any(|d| d.eq_ignore_ascii_case(s))
}

fn to_unix(year: i64, month: i64, day: i64, secs_of_day: i64) -> Option<i64> {
    if !(1..=31).contains(&day) || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + secs_of_day)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The year (proleptic Gregorian) a Unix time in milliseconds falls in.
pub fn year_of(unix_ms: i64) -> i64 {
    let days = unix_ms.div_euclid(86_400_000);
    // Inverse of days_from_civil, year part only.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    yoe + era * 400 + i64::from(m <= 2)
}

/// Formats Unix seconds as an IMF-fixdate; times before 1970 or past 9999 are clamped.
pub fn format_http_date(unix_secs: i64) -> String {
    let secs = unix_secs.clamp(0, 253_402_300_799) as u64;
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(secs))
}

/// Milliseconds since the Unix epoch (negative before it), saturating.
pub fn unix_millis(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_millis()).map_or(i64::MIN, |ms| -ms),
    }
}

/// The `SystemTime` of a Unix time in milliseconds.
pub fn system_time(unix_ms: i64) -> SystemTime {
    if unix_ms >= 0 {
        UNIX_EPOCH + Duration::from_millis(unix_ms as u64)
    } else {
        UNIX_EPOCH - Duration::from_millis(unix_ms.unsigned_abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 784_111_777; // Sun, 06 Nov 1994 08:49:37 GMT

    #[test]
    fn rfc9110_5_6_7_three_forms_parse_to_the_same_time() {
        assert_eq!(parse_http_date(b"Sun, 06 Nov 1994 08:49:37 GMT", 2024), Some(T));
        assert_eq!(parse_http_date(b"Sunday, 06-Nov-94 08:49:37 GMT", 2024), Some(T));
        assert_eq!(parse_http_date(b"Sun Nov  6 08:49:37 1994", 2024), Some(T));
        assert_eq!(parse_http_date(b"  Sun, 06 Nov 1994 08:49:37 GMT ", 2024), Some(T));
    }

    #[test]
    fn rfc9110_5_6_7_two_digit_year_more_than_50_years_ahead_is_last_century() {
        assert_eq!(parse_http_date(b"Sunday, 06-Nov-94 08:49:37 GMT", 2030), Some(T));
        let y2030 = parse_http_date(b"Wednesday, 06-Nov-30 08:49:37 GMT", 2024).unwrap();
        assert_eq!(year_of(y2030 * 1000), 2030);
        let y1975 = parse_http_date(b"Thursday, 06-Nov-75 08:49:37 GMT", 2024).unwrap();
        assert_eq!(year_of(y1975 * 1000), 1975);
    }

    #[test]
    fn rfc9110_5_6_7_invalid_dates_are_rejected() {
        for bad in [
            &b"0"[..],
            b"",
            b"-1",
            b"Sun, 32 Nov 1994 08:49:37 GMT",
            b"Sun, 29 Feb 2023 08:49:37 GMT",
            b"Sun, 06 Foo 1994 08:49:37 GMT",
            b"Sun, 06 Nov 1994 24:49:37 GMT",
            b"Sun, 06 Nov 1994 08:49:37 UTC",
            b"Sun, 06 Nov 1994 08:49:37 +0000",
            b"Xyz, 06 Nov 1994 08:49:37 GMT",
            b"Sun, 06 Nov 1994 08:4a:37 GMT",
            b"Someday, 06-Nov-94 08:49:37 GMT",
            b"Sun Nov  6 08:49:37 94  ",
            b"\xff\xfe, 06 Nov 1994 08:49:37 GMT",
        ] {
            assert_eq!(parse_http_date(bad, 2024), None, "{:?}", String::from_utf8_lossy(bad));
        }
        assert!(parse_http_date(b"Tue, 29 Feb 2000 00:00:00 GMT", 2024).is_some());
    }

    #[test]
    fn agrees_with_httpdate_on_imf_fixdate_over_a_range_of_times() {
        let mut t: i64 = 0;
        while t < 4_102_444_800 {
            let s = format_http_date(t);
            assert_eq!(parse_http_date(s.as_bytes(), 2024), Some(t), "{s}");
            t += 7_777_777;
        }
    }

    #[test]
    fn any_reference_year_is_safe() {
        // A regression: `reference_year + 50` overflowed (a panic in debug builds) near i64::MAX.
        for year in [i64::MAX, i64::MIN, i64::MAX - 49, i64::MIN + 99, MAX_REFERENCE_YEAR + 1, -MAX_REFERENCE_YEAR - 1] {
            let t = parse_http_date(b"Sunday, 06-Nov-94 08:49:37 GMT", year).expect("a valid date");
            assert_eq!(t.rem_euclid(86_400), 8 * 3600 + 49 * 60 + 37);
        }
        assert_eq!(parse_http_date(b"Sunday, 06-Nov-94 08:49:37 GMT", 2024), Some(T));
    }

    #[test]
    fn year_of_matches_known_dates() {
        assert_eq!(year_of(0), 1970);
        assert_eq!(year_of(T * 1000), 1994);
        assert_eq!(year_of(-1), 1969);
        assert_eq!(year_of(951_782_400_000), 2000); // 2000-02-29
    }

    #[test]
    fn millis_roundtrip_through_system_time() {
        for ms in [0, 1, -1, 1_700_000_000_123, -86_400_000] {
            assert_eq!(unix_millis(system_time(ms)), ms);
        }
    }
}
