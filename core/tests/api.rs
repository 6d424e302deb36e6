//! The Rust API beyond the shared vectors: `http` crate inputs, bad input, serialization
//! robustness, thread sharing.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cachepolicy::{CachePolicy, Decision, ErrorKind, Options, Request, Response, RevalidationOutcome};

const T0: u64 = 1_700_000_000;

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(T0 + secs)
}

const RES: [(&str, &str); 4] = [
    ("date", "Tue, 14 Nov 2023 22:13:20 GMT"),
    ("cache-control", "max-age=3600"),
    ("etag", "\"v1\""),
    ("vary", "Accept-Encoding"),
];

fn policy() -> CachePolicy {
    let req = Request { method: "GET", url: "https://example.com/a", headers: &[("accept-encoding", "gzip")] };
    CachePolicy::new(&req, &Response { status: 200, headers: &RES }, &Options::default(), at(0)).unwrap()
}

#[test]
fn rfc9111_3_http_crate_types_give_the_same_answers_as_raw_pairs() {
    let raw = policy();
    let req = http::Request::get("https://example.com/a").header("accept-encoding", "gzip").body(()).unwrap();
    let mut res = http::Response::builder().status(200);
    for (n, v) in RES {
        res = res.header(n, v);
    }
    let res = res.body(()).unwrap();
    let typed = CachePolicy::new(&req, &res, &Options::default(), at(0)).unwrap();
    assert_eq!(typed, raw);
    let (req_parts, _) = req.into_parts();
    let (res_parts, _) = res.into_parts();
    let parts = CachePolicy::new(&req_parts, &res_parts, &Options::default(), at(0)).unwrap();
    assert_eq!(parts, raw);
    let later = http::Request::get("https://example.com/a").header("Accept-Encoding", "gzip").body(()).unwrap();
    assert_eq!(typed.evaluate(&later, at(10)).decision(), Decision::Fresh);
    let other = http::Request::get("https://example.com/a").header("accept-encoding", "br").body(()).unwrap();
    assert_eq!(typed.evaluate(&other, at(10)).decision(), Decision::NoMatch);
}

#[test]
fn rfc9110_15_status_outside_100_999_is_an_error() {
    let req = Request { method: "GET", url: "/", headers: &[("host", "a")] };
    for status in [0, 99, 1000, u16::MAX] {
        let err = CachePolicy::new(&req, &Response { status, headers: &RES }, &Options::default(), at(0)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidStatus);
        assert!(err.to_string().contains(&status.to_string()), "{err}");
    }
}

#[test]
fn rfc9110_9_1_method_and_url_and_names_are_checked() {
    let res = Response { status: 200, headers: &RES };
    let o = Options::default();
    let bad_method = Request { method: "GE T", url: "/", headers: &[("a", "b")] };
    assert_eq!(CachePolicy::new(&bad_method, &res, &o, at(0)).unwrap_err().kind(), ErrorKind::InvalidMethod);
    let bad_url = Request { method: "GET", url: "/a b", headers: &[("a", "b")] };
    assert_eq!(CachePolicy::new(&bad_url, &res, &o, at(0)).unwrap_err().kind(), ErrorKind::InvalidUrl);
    let bad_name = Request { method: "GET", url: "/", headers: &[("bad name", "b")] };
    let err = CachePolicy::new(&bad_name, &res, &o, at(0)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidHeaderName);
    assert!(err.message().contains("bad name"));
    let ok = Request { method: "GET", url: "/", headers: &[("a", "b")] };
    let empty_name = Response { status: 200, headers: &[("", "x")] };
    assert_eq!(CachePolicy::new(&ok, &empty_name, &o, at(0)).unwrap_err().kind(), ErrorKind::InvalidHeaderName);
}

#[test]
fn options_out_of_range_are_errors() {
    let req = Request { method: "GET", url: "/", headers: &[("host", "a")] };
    let res = Response { status: 200, headers: &RES };
    for h in [f64::NAN, -0.5, f64::INFINITY] {
        let mut o = Options::default();
        o.cache_heuristic = h;
        assert_eq!(CachePolicy::new(&req, &res, &o, at(0)).unwrap_err().kind(), ErrorKind::InvalidOption);
    }
}

#[test]
fn rfc9110_5_5_non_utf8_and_control_bytes_in_values_are_kept_or_neutralised() {
    let req = Request { method: "GET", url: "/", headers: &[("host", "a")] };
    let headers: [(&[u8], &[u8]); 4] = [
        (b"cache-control", b"max-age=60, \xff\xfe"),
        (b"x-latin1", b"caf\xe9"),
        (b"x-injected", b"a\r\nset-cookie: evil=1"),
        (b"x-nul", b"a\0b"),
    ];
    let p = CachePolicy::new(&req, &Response { status: 200, headers: &headers }, &Options::default(), at(0)).unwrap();
    assert_eq!(p.freshness_lifetime(), Duration::from_secs(60));
    let served = p.response_headers(at(1));
    let value = |n: &str| served.iter().find(|(name, _)| *name == n).map(|(_, v)| v.to_vec());
    assert_eq!(value("x-latin1"), Some(b"caf\xe9".to_vec()));
    assert_eq!(value("x-injected"), Some(b"a  set-cookie: evil=1".to_vec()));
    assert_eq!(value("x-nul"), Some(b"a b".to_vec()));
    assert!(served.iter().all(|(_, v)| !v.iter().any(|b| matches!(b, b'\r' | b'\n' | 0))));
}

#[test]
fn large_inputs_are_linear_and_bounded() {
    let big = "x".repeat(100 * 1024);
    let mut headers: Vec<(String, String)> = (0..10_000).map(|i| (format!("x-h{i}"), format!("v{i}"))).collect();
    headers.push(("cache-control".into(), "max-age=60".into()));
    headers.push(("x-big".into(), big.clone()));
    let req = Request { method: "GET", url: "/", headers: &headers };
    let res = Response { status: 200, headers: &headers };
    let started = std::time::Instant::now();
    let p = CachePolicy::new(&req, &res, &Options::default(), at(0)).unwrap();
    assert!(p.satisfies_without_revalidation(&req, at(1)));
    assert_eq!(p.response_headers(at(1)).len(), 10_002 + 1 + 1);
    let bytes = p.to_bytes();
    assert_eq!(CachePolicy::from_bytes(&bytes).unwrap(), p);
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
}

#[test]
fn rfc9111_1_2_2_absurd_numbers_are_clamped() {
    let req = Request { method: "GET", url: "/", headers: &[("host", "a")] };
    let res = Response { status: 200, headers: &[("cache-control", "max-age=99999999999999999999999"), ("age", "99999999999999999999")] };
    let p = CachePolicy::new(&req, &res, &Options::default(), at(0)).unwrap();
    assert_eq!(p.freshness_lifetime(), Duration::from_secs(1 << 31));
    assert!(p.is_stale(at(0)), "an Age of 2^31 s uses up a lifetime of 2^31 s");
    let far = UNIX_EPOCH + Duration::from_secs(1 << 40);
    assert!(p.is_stale(far));
    assert_eq!(p.time_to_live(far), Duration::ZERO);
}

#[test]
fn serialization_rejects_garbage_truncation_and_unknown_versions() {
    let p = policy();
    let bytes = p.to_bytes();
    assert_eq!(CachePolicy::from_bytes(&bytes).unwrap(), p);
    for n in 0..bytes.len() {
        let err = CachePolicy::from_bytes(&bytes[..n]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidSerialization, "truncated at {n}: {err}");
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(CachePolicy::from_bytes(&longer).unwrap_err().message().contains("trailing"));
    let mut v2 = bytes.clone();
    v2[4] = 2;
    assert!(CachePolicy::from_bytes(&v2).unwrap_err().message().contains("version 2"));
    assert!(CachePolicy::from_bytes(b"{\"v\":1}").is_err());
    // Every single-byte corruption gives an error or a valid policy, never a panic.
    for i in 0..bytes.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut b = bytes.clone();
            b[i] ^= flip;
            if let Ok(q) = CachePolicy::from_bytes(&b) {
                let _ = q.evaluate(&Request { method: "GET", url: "/", headers: &[("a", "b")] }, at(5)).decision();
            }
        }
    }
}

#[test]
fn policies_are_send_sync_and_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<CachePolicy>();
    let p = std::sync::Arc::new(policy());
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let p = p.clone();
            std::thread::spawn(move || {
                let req = Request { method: "GET", url: "https://example.com/a", headers: &[("accept-encoding", "gzip")] };
                (0..10_000).all(|j| p.evaluate(&req, at((i * 10_000 + j) % 4000)).decision() == if (i * 10_000 + j) % 4000 < 3600 { Decision::Fresh } else { Decision::Revalidate })
            })
        })
        .collect();
    assert!(handles.into_iter().all(|h| h.join().unwrap()));
}

#[test]
fn rfc9111_4_3_revalidation_outcomes_are_reported() {
    let p = policy();
    let req = Request { method: "GET", url: "https://example.com/a", headers: &[("accept-encoding", "gzip")] };
    let not_modified = Response { status: 304, headers: &[("etag", "\"v1\""), ("date", "Tue, 14 Nov 2023 23:13:20 GMT")] };
    let r = p.revalidated_policy(&req, Some(&not_modified), at(3600)).unwrap();
    assert_eq!((r.outcome, r.modified, r.matches), (RevalidationOutcome::NotModified, false, true));
    assert_eq!(r.policy.time_to_live(at(3600)), Duration::from_secs(3600));
    let other = Response { status: 304, headers: &[("etag", "\"v2\"")] };
    assert_eq!(p.revalidated_policy(&req, Some(&other), at(3600)).unwrap().outcome, RevalidationOutcome::NotMatched);
    let none: Option<&Response<[(&str, &str)]>> = None;
    assert_eq!(p.revalidated_policy(&req, none, at(7200)).unwrap().outcome, RevalidationOutcome::Failed);
}

#[test]
fn extreme_times_never_panic() {
    let req = Request { method: "GET", url: "/", headers: &[("host", "a")] };
    let res = Response { status: 200, headers: &[("cache-control", "max-age=60, stale-while-revalidate=9"), ("age", "5")] };
    let past = UNIX_EPOCH - Duration::from_secs(1 << 40);
    let future = UNIX_EPOCH + Duration::from_secs(1 << 40);
    for (sent, received) in [(past, future), (future, past), (past, past), (future, future)] {
        let p = CachePolicy::with_request_time(&req, &res, &Options::default(), sent, received).unwrap();
        for now in [past, future, UNIX_EPOCH] {
            let _ = (p.age(now), p.time_to_live(now), p.retention(now), p.is_stale(now));
            let _ = p.evaluate(&req, now).response_headers();
            let _ = p.revalidation_headers(&req, now);
        }
        assert_eq!(CachePolicy::from_bytes(&p.to_bytes()).unwrap(), p);
    }
}

#[test]
fn rfc9111_4_3_forwarding_without_a_usable_stored_response() {
    let req_headers = [("host", "example.com"), ("connection", "x-hop"), ("x-hop", "1"), ("if-none-match", "\"c\""), ("if-modified-since", "Tue, 14 Nov 2023 22:13:20 GMT"), ("if-range", "\"c\""), ("range", "bytes=0-1"), ("te", "trailers"), ("accept", "a\r\nb")];
    let req = Request { method: "GET", url: "https://example.com/a", headers: &req_headers };
    let forwarded: Vec<(String, Vec<u8>)> = cachepolicy::forward_headers(&req).into_iter().map(|(n, v)| (n.to_string(), v.into_owned())).collect();
    assert_eq!(forwarded, vec![("host".to_string(), b"example.com".to_vec()), ("range".to_string(), b"bytes=0-1".to_vec()), ("accept".to_string(), b"a  b".to_vec())]);
    // A stored, matching response: the unconditional list drops the client's validators too.
    let p = policy();
    let again = Request { method: "GET", url: "https://example.com/a", headers: &[("accept-encoding", "gzip"), ("if-none-match", "\"v1\"")] };
    let names: Vec<&str> = p.unconditional_headers(&again).iter().map(|(n, _)| *n).collect();
    assert_eq!(names, vec!["accept-encoding"]);
}
