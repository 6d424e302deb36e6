//! Cache-Control and Pragma parsing (`cachepolicy::directives`) on arbitrary bytes: no panic,
//! no hang, and the parsed directives are consistent with the directive iterator.
#![no_main]

use cachepolicy::directives::{directives, for_each_directive, parse_delta_seconds, qualified_field_names, Delta, MaxStale, RequestDirectives, ResponseDirectives, DELTA_SECONDS_MAX};
use libfuzzer_sys::fuzz_target;

fn within(line: &[u8], part: &[u8]) -> bool {
    let (start, end) = (line.as_ptr() as usize, line.as_ptr() as usize + line.len());
    part.is_empty() || (part.as_ptr() as usize >= start && part.as_ptr() as usize + part.len() <= end)
}

fn delta_ok(d: Delta) -> bool {
    match d {
        Delta::Valid(s) => s <= DELTA_SECONDS_MAX,
        Delta::Absent | Delta::Invalid => true,
    }
}

fuzz_target!(|data: &[u8]| {
    // The first byte splits the rest into Cache-Control lines and Pragma lines (on `\n`).
    let (split, rest) = data.split_first().map_or((0, data), |(&b, r)| (b, r));
    let lines: Vec<&[u8]> = rest.split(|&b| b == b'\n').collect();
    let cut = usize::from(split) % (lines.len() + 1);
    let (cc, pragma) = lines.split_at(cut);

    for line in &lines {
        let mut count = 0usize;
        for d in directives(line) {
            count += 1;
            assert!(!d.name.is_empty());
            assert!(within(line, d.name) && within(line, d.text));
            if let Some(arg) = d.arg {
                assert!(within(line, arg));
            }
            assert!(d.name.first().is_some_and(|&b| b != b' ' && b != b'\t' && b != b','));
        }
        // Every directive holds at least one byte and they do not overlap.
        assert!(count <= line.len());
        let mut again = 0usize;
        for_each_directive(line, |_, _| again += 1);
        assert_eq!(again, count);
        if let Some(n) = parse_delta_seconds(line) {
            assert!(n <= DELTA_SECONDS_MAX);
            assert!(line.iter().all(u8::is_ascii_digit) && !line.is_empty());
        }
    }

    let res = ResponseDirectives::parse(cc.iter().copied(), pragma.iter().copied());
    assert!(delta_ok(res.max_age) && delta_ok(res.s_maxage) && delta_ok(res.stale_while_revalidate) && delta_ok(res.stale_if_error));
    // Parsing is deterministic.
    assert_eq!(res, ResponseDirectives::parse(cc.iter().copied(), pragma.iter().copied()));
    // Pragma counts only without Cache-Control (RFC 9111 §5.4).
    if !cc.is_empty() {
        assert_eq!(res, ResponseDirectives::parse(cc.iter().copied(), std::iter::empty()));
    }

    let req = RequestDirectives::parse(cc.iter().copied(), pragma.iter().copied());
    if let MaxStale::Seconds(s) = req.max_stale {
        assert!(s <= DELTA_SECONDS_MAX);
    }
    for v in [req.max_age, req.min_fresh, req.stale_if_error].into_iter().flatten() {
        assert!(v <= DELTA_SECONDS_MAX);
    }
    // The builder, fed the same lines in any interleaving, agrees.
    let mut b = RequestDirectives::builder();
    for line in pragma {
        b.pragma(line);
    }
    for line in cc {
        b.cache_control(line);
    }
    assert_eq!(b.finish(), req);

    for directive in ["private", "no-cache"] {
        for name in qualified_field_names(cc.iter().copied(), directive) {
            assert!(!name.iter().any(u8::is_ascii_uppercase));
        }
    }
});
