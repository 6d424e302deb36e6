//! Answering a client's preconditions and Range from a stored response (RFC 9110 §13.2,
//! §14; RFC 9111 §4.3.2): what an origin server would do, done with the stored validators.
//! This is HTTP semantics rather than caching policy, so it is not in the engine.

use std::time::{SystemTime, UNIX_EPOCH};

use http::HeaderMap;

/// The outcome of evaluating preconditions against the response to be served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    /// Serve the response.
    Proceed,
    /// `304 Not Modified` (If-None-Match / If-Modified-Since).
    NotModified,
    /// `412 Precondition Failed` (If-Match / If-Unmodified-Since).
    Failed,
}

fn first<'a>(headers: &'a [(&str, &[u8])], name: &str) -> Option<&'a [u8]> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| crate::http1::trim(v))
}

fn combined(request: &HeaderMap, name: &str) -> Option<Vec<u8>> {
    let mut lines = request.get_all(name).iter().peekable();
    lines.peek()?;
    let mut out = Vec::new();
    for (i, v) in lines.enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        out.extend_from_slice(v.as_bytes());
    }
    Some(out)
}

/// The members of an entity-tag list, split on commas outside quoted strings.
fn tags(list: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, &b) in list.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => {
                out.push(crate::http1::trim(&list[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(crate::http1::trim(&list[start..]));
    out.retain(|t| !t.is_empty());
    out
}

fn is_weak(tag: &[u8]) -> bool {
    tag.starts_with(b"W/")
}

/// Weak comparison (RFC 9110 §8.8.3.2): the opaque tags are equal.
fn weak_eq(a: &[u8], b: &[u8]) -> bool {
    a.strip_prefix(b"W/").unwrap_or(a) == b.strip_prefix(b"W/").unwrap_or(b)
}

/// Strong comparison: both strong and equal.
fn strong_eq(a: &[u8], b: &[u8]) -> bool {
    !is_weak(a) && !is_weak(b) && a == b
}

fn date(v: &[u8]) -> Option<i64> {
    let year = SystemTime::now().duration_since(UNIX_EPOCH).map_or(2025, |d| 1970 + d.as_secs() as i64 / 31_556_952);
    cachepolicy::parse_http_date(v, year)
}

/// Evaluates the request's preconditions (RFC 9110 §13.2.2) against the response about to
/// be served (`status`, `served` header lines). Only 2xx responses are subject to them.
pub fn evaluate(request: &HeaderMap, get_or_head: bool, status: u16, served: &[(&str, &[u8])]) -> Precondition {
    let asks = ["if-match", "if-unmodified-since", "if-none-match", "if-modified-since"].iter().any(|n| request.contains_key(*n));
    if !asks || !(200..300).contains(&status) {
        return Precondition::Proceed;
    }
    let etag = first(served, "etag");
    let last_modified = first(served, "last-modified").and_then(date);
    if let Some(list) = combined(request, "if-match") {
        let ok = crate::http1::trim(&list) == b"*" || etag.is_some_and(|e| tags(&list).iter().any(|t| strong_eq(t, e)));
        if !ok {
            return Precondition::Failed;
        }
    } else if let Some(since) = request.get("if-unmodified-since").and_then(|v| date(v.as_bytes())) {
        if last_modified.is_none_or(|lm| lm > since) {
            return Precondition::Failed;
        }
    }
    if let Some(list) = combined(request, "if-none-match") {
        let matched = crate::http1::trim(&list) == b"*" || etag.is_some_and(|e| tags(&list).iter().any(|t| weak_eq(t, e)));
        // For other methods a match fails the request (RFC 9110 §13.1.2); the proxy only
        // serves stored responses to GET and HEAD.
        if matched && get_or_head {
            return Precondition::NotModified;
        }
        return Precondition::Proceed;
    }
    if get_or_head {
        if let (Some(since), Some(lm)) = (request.get("if-modified-since").and_then(|v| date(v.as_bytes())), last_modified) {
            if lm <= since {
                return Precondition::NotModified;
            }
        }
    }
    Precondition::Proceed
}

/// What to send for a Range request (RFC 9110 §14.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeAnswer {
    /// The whole response (no Range, several ranges, an If-Range that does not match, or a
    /// range this proxy ignores).
    Full,
    /// `206` with bytes `start..=end`.
    Partial(u64, u64),
    /// `416 Range Not Satisfiable`.
    Unsatisfiable,
}

/// Decides how to answer the request's Range from a complete stored `200` of `len` bytes.
pub fn range(request: &HeaderMap, served: &[(&str, &[u8])], len: u64) -> RangeAnswer {
    let Some(spec) = request.get(http::header::RANGE).map(|v| v.as_bytes()) else { return RangeAnswer::Full };
    if let Some(if_range) = request.get(http::header::IF_RANGE).map(|v| crate::http1::trim(v.as_bytes())) {
        let matches = if if_range.starts_with(b"\"") || if_range.starts_with(b"W/") {
            first(served, "etag").is_some_and(|e| strong_eq(if_range, e))
        } else {
            // A date matches only the exact Last-Modified (RFC 9110 §13.1.5).
            matches!((date(if_range), first(served, "last-modified").and_then(date)), (Some(a), Some(b)) if a == b)
        };
        if !matches {
            return RangeAnswer::Full;
        }
    }
    let Some(set) = crate::http1::trim(spec).strip_prefix(b"bytes=") else { return RangeAnswer::Full };
    let set = crate::http1::trim(set);
    if set.contains(&b',') {
        return RangeAnswer::Full;
    }
    let Some(dash) = set.iter().position(|&b| b == b'-') else { return RangeAnswer::Full };
    let num = |s: &[u8]| -> Option<u64> {
        let s = crate::http1::trim(s);
        (!s.is_empty() && s.len() <= 18 && s.iter().all(u8::is_ascii_digit)).then(|| std::str::from_utf8(s).ok()?.parse().ok()).flatten()
    };
    let (first_pos, last_pos) = (&set[..dash], &set[dash + 1..]);
    if crate::http1::trim(first_pos).is_empty() {
        // suffix-range: the last N bytes.
        return match num(last_pos) {
            Some(0) => RangeAnswer::Unsatisfiable,
            Some(_) if len == 0 => RangeAnswer::Unsatisfiable,
            Some(n) => RangeAnswer::Partial(len.saturating_sub(n), len - 1),
            None => RangeAnswer::Full,
        };
    }
    let Some(start) = num(first_pos) else { return RangeAnswer::Full };
    let end = if crate::http1::trim(last_pos).is_empty() {
        len.saturating_sub(1)
    } else {
        match num(last_pos) {
            Some(e) if e >= start => e.min(len.saturating_sub(1)),
            _ => return RangeAnswer::Full,
        }
    };
    if start >= len {
        return RangeAnswer::Unsatisfiable;
    }
    RangeAnswer::Partial(start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(lines: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (n, v) in lines {
            h.append(*n, v.parse().unwrap());
        }
        h
    }

    const LM: &str = "Tue, 14 Nov 2023 22:13:20 GMT";

    #[test]
    fn rfc9110_13_2_2_precondition_order() {
        let served: &[(&str, &[u8])] = &[("etag", b"\"a\""), ("last-modified", LM.as_bytes())];
        assert_eq!(evaluate(&req(&[("if-none-match", "\"x\", W/\"a\"")]), true, 200, served), Precondition::NotModified);
        assert_eq!(evaluate(&req(&[("if-none-match", "\"x\"")]), true, 200, served), Precondition::Proceed);
        assert_eq!(evaluate(&req(&[("if-none-match", "*")]), true, 200, served), Precondition::NotModified);
        assert_eq!(evaluate(&req(&[("if-modified-since", LM)]), true, 200, served), Precondition::NotModified);
        assert_eq!(evaluate(&req(&[("if-modified-since", "Tue, 14 Nov 2023 22:13:19 GMT")]), true, 200, served), Precondition::Proceed);
        // If-None-Match wins over If-Modified-Since.
        assert_eq!(evaluate(&req(&[("if-none-match", "\"x\""), ("if-modified-since", LM)]), true, 200, served), Precondition::Proceed);
        assert_eq!(evaluate(&req(&[("if-match", "\"b\"")]), true, 200, served), Precondition::Failed);
        assert_eq!(evaluate(&req(&[("if-match", "\"a\"")]), true, 200, served), Precondition::Proceed);
        assert_eq!(evaluate(&req(&[("if-unmodified-since", "Tue, 14 Nov 2023 22:13:19 GMT")]), true, 200, served), Precondition::Failed);
        assert_eq!(evaluate(&req(&[("if-none-match", "\"a\"")]), true, 404, served), Precondition::Proceed);
    }

    #[test]
    fn rfc9110_14_ranges() {
        let served: &[(&str, &[u8])] = &[("etag", b"\"a\""), ("last-modified", LM.as_bytes())];
        assert_eq!(range(&req(&[("range", "bytes=0-1")]), served, 11), RangeAnswer::Partial(0, 1));
        assert_eq!(range(&req(&[("range", "bytes=1-")]), served, 11), RangeAnswer::Partial(1, 10));
        assert_eq!(range(&req(&[("range", "bytes=-1")]), served, 11), RangeAnswer::Partial(10, 10));
        assert_eq!(range(&req(&[("range", "bytes=-50")]), served, 11), RangeAnswer::Partial(0, 10));
        assert_eq!(range(&req(&[("range", "bytes=5-100")]), served, 11), RangeAnswer::Partial(5, 10));
        assert_eq!(range(&req(&[("range", "bytes=20-")]), served, 11), RangeAnswer::Unsatisfiable);
        assert_eq!(range(&req(&[("range", "bytes=0-1,3-4")]), served, 11), RangeAnswer::Full);
        assert_eq!(range(&req(&[("range", "items=0-1")]), served, 11), RangeAnswer::Full);
        assert_eq!(range(&req(&[("range", "bytes=0-1"), ("if-range", "\"a\"")]), served, 11), RangeAnswer::Partial(0, 1));
        assert_eq!(range(&req(&[("range", "bytes=0-1"), ("if-range", "\"b\"")]), served, 11), RangeAnswer::Full);
        assert_eq!(range(&req(&[("range", "bytes=0-1"), ("if-range", LM)]), served, 11), RangeAnswer::Partial(0, 1));
    }
}
