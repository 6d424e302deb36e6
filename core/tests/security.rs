//! Security invariants and the bad-input matrix (SECURITY.md): a shared cache never stores or
//! serves what it must not, stale serving never overrides the directives that forbid it,
//! Vary never matches wrongly, nothing injects a header, and hostile or huge inputs give their
//! documented error or a conservative answer in bounded time. Plus one policy shared by 8
//! threads with identical answers.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cachepolicy::{
    forward_headers, primary_key, CachePolicy, CacheStatus, Decision, ErrorKind, HeaderList, Options, Reason, Request, Response,
    RevalidationOutcome, SetCookiePolicy,
};

const T0: u64 = 1_700_000_000;
const DATE: &str = "Tue, 14 Nov 2023 22:13:20 GMT";
const URL: &str = "https://example.com/a";

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(T0 + secs)
}

type Lines<'a> = Vec<(&'a str, &'a str)>;

fn shared() -> Options {
    Options::default()
}

fn private() -> Options {
    Options::profile("private").unwrap()
}

fn policy_with(options: &Options, request: &[(&str, &str)], response: &[(&str, &str)]) -> CachePolicy {
    let mut res: Lines = vec![("date", DATE)];
    res.extend_from_slice(response);
    CachePolicy::new(&Request { method: "GET", url: URL, headers: request }, &Response { status: 200, headers: &res }, options, at(0)).unwrap()
}

fn decide(p: &CachePolicy, request: &[(&str, &str)], secs: u64) -> (Decision, Option<Reason>) {
    let request = Request { method: "GET", url: URL, headers: request };
    let e = p.evaluate(&request, at(secs));
    (e.decision(), e.reason())
}

fn clean(list: &HeaderList<'_>) -> bool {
    list.iter().all(|(n, v)| !n.bytes().any(|b| b <= b' ') && !v.iter().any(|&b| matches!(b, b'\r' | b'\n' | 0)))
}

// ---- a shared cache never stores or serves private responses ---------------------------------

#[test]
fn rfc9111_5_2_2_7_shared_cache_never_stores_or_serves_private() {
    for cc in ["private", "private, max-age=600", "PRIVATE, public, s-maxage=60", "max-age=600, Private", "private=, max-age=60"] {
        let p = policy_with(&shared(), &[], &[("cache-control", cc)]);
        assert!(!p.storable(), "{cc}");
        assert_eq!(p.not_storable_reason(), Some(Reason::PrivateInSharedCache), "{cc}");
        for secs in [0, 10, 100_000] {
            for request in [&[][..], &[("cache-control", "max-stale")][..], &[("cache-control", "only-if-cached")][..]] {
                let (d, _) = decide(&p, request, secs);
                assert!(!d.serves_stored(), "{cc}: {d:?}");
                assert!(!p.satisfies_without_revalidation(&Request { method: "GET", url: URL, headers: request }, at(secs)));
            }
        }
        assert_eq!(p.retention(at(0)), Duration::ZERO);
        // The same response is fine for a private cache.
        assert!(policy_with(&private(), &[], &[("cache-control", cc)]).storable(), "{cc}");
    }
    // Split across lines, with Pragma, in a second Cache-Control line: still private.
    let p = policy_with(&shared(), &[], &[("cache-control", "max-age=600"), ("Cache-Control", "private")]);
    assert!(!p.storable());
    // private="field": the field is dropped from what a shared cache stores and serves.
    let p = policy_with(&shared(), &[], &[("cache-control", "max-age=600, private=\"x-user, Set-Cookie\""), ("x-user", "alice"), ("set-cookie", "s=1"), ("x-other", "1")]);
    assert!(p.storable());
    let names: Vec<String> = p.response_headers(at(1)).iter().map(|(n, _)| n.to_ascii_lowercase()).collect();
    assert!(!names.contains(&"x-user".to_string()) && !names.contains(&"set-cookie".to_string()), "{names:?}");
    assert!(names.contains(&"x-other".to_string()));
    assert!(!CachePolicy::from_bytes(&p.to_bytes()).unwrap().stored_headers().any(|(n, _)| n == "x-user"));
}

#[test]
fn rfc9213_a_targeted_field_replaces_cache_control_private_included_as_documented() {
    // SECURITY.md: enable targeted fields only for fields your own origins control.
    let mut o = shared();
    o.targeted_fields = vec!["cdn-cache-control".to_string()];
    let p = policy_with(&o, &[], &[("cache-control", "private"), ("cdn-cache-control", "max-age=60")]);
    assert!(p.storable());
    // Without a valid targeted field, Cache-Control applies as usual.
    assert!(!policy_with(&o, &[], &[("cache-control", "private"), ("cdn-cache-control", "max-age=\"x")]).storable());
    assert!(!policy_with(&shared(), &[], &[("cache-control", "private"), ("cdn-cache-control", "max-age=60")]).storable());
    // A targeted field can make a response private too.
    assert!(!policy_with(&o, &[], &[("cache-control", "public, max-age=60"), ("cdn-cache-control", "private")]).storable());
}

#[test]
fn rfc9111_3_5_shared_cache_never_stores_authorized_responses_without_permission() {
    for auth in [("authorization", "Bearer alice"), ("Authorization", ""), ("AUTHORIZATION", "Basic YTpi")] {
        for cc in ["max-age=600", "max-age=600, immutable", "max-age=600, proxy-revalidate", "no-cache", ""] {
            let p = policy_with(&shared(), &[auth], &[("cache-control", cc), ("etag", "\"v1\"")]);
            assert!(!p.storable(), "{auth:?} {cc}");
            assert_eq!(p.not_storable_reason(), Some(Reason::AuthorizationInSharedCache));
            for request in [&[auth][..], &[][..], &[("authorization", "Bearer mallory")][..]] {
                assert!(!decide(&p, request, 1).0.serves_stored());
            }
        }
        // RFC 9111 §3.5: public, s-maxage and must-revalidate permit it.
        for cc in ["public, max-age=600", "s-maxage=600", "max-age=600, must-revalidate"] {
            assert!(policy_with(&shared(), &[auth], &[("cache-control", cc)]).storable(), "{cc}");
        }
        // A private cache may store it.
        assert!(policy_with(&private(), &[auth], &[("cache-control", "max-age=600")]).storable());
    }
    // store_authenticated (accelerator): stored, but served only to the same Authorization.
    let mut o = shared();
    o.store_authenticated = true;
    let p = policy_with(&o, &[("authorization", "Bearer alice")], &[("cache-control", "max-age=600")]);
    assert!(p.storable());
    assert_eq!(decide(&p, &[("authorization", "Bearer alice")], 1).0, Decision::Fresh);
    for other in [&[("authorization", "Bearer mallory")][..], &[][..], &[("authorization", "Bearer alice"), ("authorization", "x")][..]] {
        assert_eq!(decide(&p, other, 1), (Decision::NoMatch, Some(Reason::VaryMismatch)), "{other:?}");
    }
}

#[test]
fn rfc9110_7_6_1_connection_listed_directive_fields_are_obeyed_stored_and_never_served() {
    // A regression found by fuzzing: the directives were obeyed at construction but the field
    // was dropped, so the policy read back from its bytes answered differently.
    for (response, storable) in [
        (&[("connection", "cache-control"), ("cache-control", "max-age=60")][..], true),
        (&[("Connection", "Cache-Control, x-hop"), ("cache-control", "private, max-age=60"), ("x-hop", "1")][..], false),
        (&[("connection", "cache-control"), ("cache-control", "no-store")][..], false),
        (&[("connection", "pragma"), ("pragma", "no-cache"), ("expires", "Tue, 14 Nov 2023 23:13:20 GMT")][..], true),
        (&[("cache-control", "max-age=60, private=\"cache-control, x-user\""), ("x-user", "alice")][..], true),
    ] {
        let p = policy_with(&shared(), &[], response);
        assert_eq!(p.storable(), storable, "{response:?}");
        let copy = CachePolicy::from_bytes(&p.to_bytes()).unwrap();
        for secs in [0, 30, 100] {
            assert_eq!(decide(&copy, &[], secs), decide(&p, &[], secs), "{response:?}");
            assert_eq!(copy.time_to_live(at(secs)), p.time_to_live(at(secs)));
        }
        let served = p.response_headers(at(1));
        for hidden in ["cache-control", "pragma", "x-hop", "x-user", "connection"] {
            let listed = response.iter().any(|(n, v)| {
                (n.eq_ignore_ascii_case("connection") || v.contains("private=")) && v.to_ascii_lowercase().contains(hidden)
            });
            if listed {
                assert!(!served.iter().any(|(n, _)| n.eq_ignore_ascii_case(hidden)), "{hidden} served: {served:?}");
            }
        }
    }
}

// ---- Set-Cookie and stale serving ---------------------------------------------------------

const STALE_REQUESTS: [&[(&str, &str)]; 4] = [
    &[("cache-control", "max-stale")],
    &[("cache-control", "max-stale=999999")],
    &[("cache-control", "max-stale, stale-if-error=999999")],
    &[("Cache-Control", "MAX-STALE"), ("pragma", "x")],
];

#[test]
fn set_cookie_in_a_shared_cache_is_revalidated_even_under_max_stale() {
    for cc in ["max-age=600", "max-age=600, stale-while-revalidate=600, stale-if-error=600", "max-age=0"] {
        let p = policy_with(&shared(), &[], &[("cache-control", cc), ("set-cookie", "session=alice"), ("etag", "\"v1\"")]);
        assert!(p.storable());
        for secs in [0, 1, 700, 100_000] {
            assert_eq!(decide(&p, &[], secs).0, Decision::Revalidate, "{cc} at {secs}");
            for request in STALE_REQUESTS {
                let (d, _) = decide(&p, request, secs);
                assert_eq!(d, Decision::Revalidate, "{cc} {request:?} at {secs}");
            }
        }
        // Nor on an origin error (stale-if-error).
        let req = Request { method: "GET", url: URL, headers: &[("cache-control", "stale-if-error=999999")] };
        let error = Response { status: 503, headers: &[("retry-after", "1")] };
        let r = p.revalidated_policy(&req, Some(&error), at(700)).unwrap();
        assert_ne!(r.outcome, RevalidationOutcome::StaleIfError, "{cc}");
        assert!(!p.within_stale_if_error(&req, at(700)));
        assert_ne!(p.expiry_stage(at(700)), cachepolicy::ExpiryStage::SoftExpired);
    }
    // The origin opts in with public, s-maxage or immutable; a private cache is not concerned.
    for cc in ["public, max-age=600", "s-maxage=600", "max-age=600, immutable"] {
        let p = policy_with(&shared(), &[], &[("cache-control", cc), ("set-cookie", "a=1")]);
        assert_eq!(decide(&p, &[], 1).0, Decision::Fresh, "{cc}");
    }
    let p = policy_with(&private(), &[], &[("cache-control", "max-age=600"), ("set-cookie", "a=1")]);
    assert_eq!(decide(&p, &[], 1).0, Decision::Fresh);
    // The options: refuse, strip.
    let mut o = shared();
    o.set_cookie = SetCookiePolicy::Refuse;
    assert_eq!(policy_with(&o, &[], &[("cache-control", "max-age=600"), ("Set-Cookie", "a=1")]).not_storable_reason(), Some(Reason::SetCookieRefused));
    o.set_cookie = SetCookiePolicy::Strip;
    let p = policy_with(&o, &[], &[("cache-control", "max-age=600"), ("SET-COOKIE", "a=1")]);
    assert!(!p.response_headers(at(1)).iter().any(|(n, _)| n.eq_ignore_ascii_case("set-cookie")));
}

#[test]
fn rfc9111_4_2_4_max_stale_never_overrides_must_revalidate_proxy_revalidate_or_no_cache() {
    // (Cache-Control, forbidden in a shared cache, forbidden in a private cache)
    let cases = [
        ("max-age=10, must-revalidate", true, true),
        ("max-age=10, proxy-revalidate", true, false),
        ("s-maxage=10, max-age=10", true, false),
        ("max-age=10, no-cache", true, true),
        ("max-age=10, Must-Revalidate, stale-while-revalidate=1000, stale-if-error=1000", true, true),
        ("max-age=10", false, false),
    ];
    for (cc, in_shared, in_private) in cases {
        for (options, forbidden) in [(shared(), in_shared), (private(), in_private)] {
            let mut with_grace = options.clone();
            with_grace.grace_period = Duration::from_secs(10_000);
            for o in [options, with_grace] {
                let p = policy_with(&o, &[], &[("cache-control", cc), ("etag", "\"v1\"")]);
                for request in STALE_REQUESTS {
                    let (d, _) = decide(&p, request, 100);
                    if forbidden {
                        assert_eq!(d, Decision::Revalidate, "{cc} shared={} {request:?}", o.shared);
                    } else {
                        assert_eq!(d, Decision::Stale, "{cc} shared={} {request:?}", o.shared);
                    }
                }
                if forbidden {
                    // Nor stale-while-revalidate, the grace period or stale-if-error.
                    assert!(!decide(&p, &[], 100).0.serves_stored(), "{cc}");
                    let req = Request { method: "GET", url: URL, headers: &[("cache-control", "stale-if-error=100000")] };
                    assert!(!p.within_stale_if_error(&req, at(100)), "{cc}");
                    let r = p.revalidated_policy(&req, None::<&Response<[(&str, &str)]>>, at(100)).unwrap();
                    assert_eq!((r.outcome, r.modified), (RevalidationOutcome::Failed, true), "{cc}");
                }
            }
        }
    }
    // no-cache: revalidated even while fresh; Pragma: no-cache in a response without
    // Cache-Control too.
    for response in [&[("cache-control", "max-age=600, no-cache")][..], &[("pragma", "no-cache"), ("expires", "Tue, 14 Nov 2023 23:13:20 GMT")][..]] {
        let p = policy_with(&shared(), &[], response);
        assert_eq!(decide(&p, &[("cache-control", "max-stale")], 1), (Decision::Revalidate, Some(Reason::ResponseNoCache)));
    }
}

// ---- Vary ----------------------------------------------------------------------------------

#[test]
fn rfc9111_4_1_vary_star_never_matches() {
    for vary in ["*", "accept-encoding, *", " * ", "*, *"] {
        let request = [("accept-encoding", "gzip")];
        let p = policy_with(&shared(), &request, &[("cache-control", "max-age=600, public"), ("vary", vary)]);
        assert!(!p.storable(), "{vary}");
        assert_eq!(p.not_storable_reason(), Some(Reason::VaryStar));
        assert_eq!(decide(&p, &request, 1), (Decision::NoMatch, Some(Reason::NotStorable)));
        assert_eq!(cachepolicy::select_variant([&p], &Request { method: "GET", url: URL, headers: &request }), None);
    }
    // A quoted "*" is a name, not the wildcard; Vary: * in a second line still counts.
    let p = policy_with(&shared(), &[], &[("cache-control", "max-age=600"), ("vary", "accept"), ("vary", "*")]);
    assert!(!p.storable());
}

#[test]
fn rfc9111_4_1_hostile_vary_names_are_ordinary_names() {
    for name in ["__proto__", "constructor", "toString", "hasOwnProperty", "prototype", "valueOf"] {
        let original = [(name, "a")];
        let p = policy_with(&shared(), &original, &[("cache-control", "max-age=600"), ("vary", name)]);
        assert!(p.storable());
        assert_eq!(decide(&p, &original, 1).0, Decision::Fresh, "{name}");
        assert_eq!(decide(&p, &[(name, " a ")], 1).0, Decision::Fresh, "{name}");
        for other in [&[(name, "b")][..], &[][..], &[(name, "a"), (name, "a")][..]] {
            assert_eq!(decide(&p, other, 1), (Decision::NoMatch, Some(Reason::VaryMismatch)), "{name} {other:?}");
        }
        // Absent in the original request: matches only requests without it.
        let p = policy_with(&shared(), &[], &[("cache-control", "max-age=600"), ("vary", name)]);
        assert_eq!(decide(&p, &[], 1).0, Decision::Fresh);
        assert_eq!(decide(&p, &[(name, "")], 1).0, Decision::NoMatch);
    }
    // Names that are not tokens name no field a valid request has: such a response matches
    // only requests without them, and survives serialization (a regression: it used to be
    // refused by from_bytes).
    for (vary, odd) in [
        ("accept encoding", "accept encoding"),
        ("Accept\tEncoding", "accept\tencoding"),
        ("\"accept-encoding\"", "\"accept-encoding\""),
        ("a=b", "a=b"),
        ("x:y", "x:y"),
        ("accept-encoding, User Agent", "user agent"),
    ] {
        let p = policy_with(&shared(), &[("accept-encoding", "gzip")], &[("cache-control", "max-age=600"), ("vary", vary)]);
        assert!(p.storable(), "{vary}");
        let copy = CachePolicy::from_bytes(&p.to_bytes()).unwrap_or_else(|e| panic!("{vary}: {e}"));
        assert_eq!(copy, p);
        assert_eq!(decide(&copy, &[("accept-encoding", "gzip")], 1).0, Decision::Fresh, "{vary}");
        assert_eq!(decide(&p, &[("accept-encoding", "gzip"), (odd, "x")], 1).0, Decision::NoMatch, "{vary}");
    }
}

#[test]
fn rfc9111_4_1_vary_values_with_cr_lf_nul_compare_as_spaces_and_keys_stay_one_line() {
    let p = policy_with(&shared(), &[("accept-encoding", "gzip,\r\n deflate")], &[("cache-control", "max-age=600"), ("vary", "accept-encoding, x-a")]);
    assert_eq!(decide(&p, &[("accept-encoding", "gzip, deflate")], 1).0, Decision::Fresh);
    assert_eq!(decide(&p, &[("accept-encoding", "gzip,\0deflate")], 1).0, Decision::Fresh);
    assert_eq!(p.secondary_key(), "accept-encoding=gzip, deflate\nx-a");
    // A value cannot forge another line of the key.
    let forged = [("accept-encoding", "gzip, deflate\nx-a=1")];
    assert_eq!(decide(&p, &forged, 1).0, Decision::NoMatch);
    assert_ne!(p.secondary_key_for(&Request { method: "GET", url: URL, headers: &forged }), p.secondary_key());
}

#[test]
fn secondary_keys_are_equal_exactly_when_vary_matches_even_for_bytes_that_are_not_utf8() {
    let original: [(&[u8], &[u8]); 1] = [(b"x-v", b"\xff")];
    let req = Request { method: "GET", url: URL, headers: &original };
    let res: [(&str, &str); 2] = [("cache-control", "max-age=600"), ("vary", "x-v")];
    let p = CachePolicy::new(&req, &Response { status: 200, headers: &res }, &shared(), at(0)).unwrap();
    assert_eq!(p.secondary_key(), "x-v~ff");
    for (value, matches) in [(&b"\xff"[..], true), (b"\xfe", false), ("\u{fffd}".as_bytes(), false), (b"ff", false)] {
        let other: [(&[u8], &[u8]); 1] = [(b"x-v", value)];
        let other = Request { method: "GET", url: URL, headers: &other };
        assert_eq!(p.evaluate(&other, at(1)).decision() == Decision::Fresh, matches, "{value:?}");
        assert_eq!(p.secondary_key_for(&other) == p.secondary_key(), matches, "{value:?}");
    }
}

// ---- no header injection -------------------------------------------------------------------

#[test]
fn rfc9110_5_5_cr_lf_nul_in_values_never_reach_produced_headers() {
    let evil = "v\r\nSet-Cookie: evil=1\r\n\r\n<html>\0";
    let response = [("cache-control", "max-age=600"), ("x-a", evil), ("etag", "\"v1\r\nX: y\""), ("last-modified", "Mon, 13 Nov 2023 22:13:20 GMT\r\nX: y")];
    let request = [("host", "example.com"), ("x-b", evil), ("if-none-match", "\"c\"\r\nX: y"), ("accept", evil)];
    let p = policy_with(&shared(), &request, &response);
    for secs in [1, 700] {
        let served = p.response_headers(at(secs));
        assert!(clean(&served), "{served:?}");
        assert!(served.iter().any(|(n, v)| *n == "x-a" && v.as_ref() == b"v  Set-Cookie: evil=1    <html>"), "{served:?}");
        let later = Request { method: "GET", url: URL, headers: &request };
        let sent = p.revalidation_headers(&later, at(secs));
        assert!(clean(&sent), "{sent:?}");
        assert!(clean(&forward_headers(&later)));
        assert!(clean(&p.unconditional_headers(&later)));
        assert!(clean(&p.lost_update_headers(&Request { method: "PUT", url: URL, headers: &request })));
        let e = p.evaluate(&later, at(secs));
        for list in [e.response_headers(), e.revalidation_headers()].into_iter().flatten() {
            assert!(clean(&list));
        }
    }
    // A 304 with injected values: the merged policy is clean too.
    let not_modified = [("etag", "\"v1  X: y\""), ("x-a", "new\r\nSet-Cookie: evil=2"), ("cache-control", "max-age=60\r\nx: y")];
    let later = Request { method: "GET", url: URL, headers: &request };
    let r = p.revalidated_policy(&later, Some(&Response { status: 304, headers: &not_modified }), at(700)).unwrap();
    assert!(clean(&r.policy.response_headers(at(701))));
    assert!(r.policy.stored_headers().all(|(_, v)| !v.iter().any(|&b| matches!(b, b'\r' | b'\n' | 0))));
    // Names, methods and URLs with CR/LF are refused, not neutralised.
    let res = Response { status: 200, headers: &[("cache-control", "max-age=60")] };
    let o = shared();
    for (method, url, name, kind) in [
        ("GET\r\nX: y", "/", "a", ErrorKind::InvalidMethod),
        ("GET", "/a\r\nX: y", "a", ErrorKind::InvalidUrl),
        ("GET", "/a b", "a", ErrorKind::InvalidUrl),
        ("GET", "/", "a\r\nx", ErrorKind::InvalidHeaderName),
        ("GET", "/", "x-a:", ErrorKind::InvalidHeaderName),
    ] {
        let req = Request { method, url, headers: &[(name, "v"), ("host", "a")] };
        assert_eq!(CachePolicy::new(&req, &res, &o, at(0)).unwrap_err().kind(), kind, "{method:?} {url:?} {name:?}");
    }
    let bad_name = Response { status: 200, headers: &[("x\r\ny", "1")] };
    assert_eq!(CachePolicy::new(&Request { method: "GET", url: "/", headers: &[("host", "a")] }, &bad_name, &o, at(0)).unwrap_err().kind(), ErrorKind::InvalidHeaderName);
    // A later request's invalid names are never forwarded.
    let sneaky = Request { method: "GET", url: URL, headers: &[("x\r\ninjected", "1"), ("ok", "1")] };
    let sent = p.revalidation_headers(&sneaky, at(700));
    assert_eq!(sent.iter().map(|(n, _)| *n).collect::<Vec<_>>(), vec!["ok", "if-none-match", "if-modified-since"]);
    // Cache-Status escapes what it is given.
    let status = CacheStatus::from_evaluation("edge\r\nX: y", &p.evaluate(&sneaky, at(1))).with_key("k\r\n").with_detail("d\0").to_header_value();
    assert!(status.bytes().all(|b| (b' '..=b'~').contains(&b)), "{status}");
}

// ---- the bad-input matrix ------------------------------------------------------------------

#[test]
fn bad_input_non_utf8_nul_and_control_bytes() {
    let req = Request { method: "GET", url: "/", headers: &[("host", "a")] };
    let o = shared();
    // Values: any bytes, kept (NUL, CR, LF become spaces).
    let h: [(&[u8], &[u8]); 3] = [(b"cache-control", b"max-age=60"), (b"x-bin", b"\xff\x00\x80\xfe"), (b"x-empty", b"")];
    let p = CachePolicy::new(&req, &Response { status: 200, headers: &h }, &o, at(0)).unwrap();
    let served = p.response_headers(at(1));
    assert!(served.iter().any(|(n, v)| *n == "x-bin" && v.as_ref() == b"\xff \x80\xfe"));
    assert!(served.iter().any(|(n, v)| *n == "x-empty" && v.is_empty()));
    // Names: tokens only.
    for name in [&b"x-\xff"[..], b"x\0", b"", b" x", b"x y", b"\xc3\xa9"] {
        let h: [(&[u8], &[u8]); 1] = [(name, b"1")];
        assert_eq!(CachePolicy::new(&req, &Response { status: 200, headers: &h }, &o, at(0)).unwrap_err().kind(), ErrorKind::InvalidHeaderName, "{name:?}");
        let r = Request { method: "GET", url: "/", headers: &h };
        assert_eq!(CachePolicy::new(&r, &Response { status: 200, headers: &[("a", "b")] }, &o, at(0)).unwrap_err().kind(), ErrorKind::InvalidHeaderName);
    }
    // Methods and URLs.
    for (method, url, kind) in [
        ("", "/", ErrorKind::InvalidMethod),
        ("G\0T", "/", ErrorKind::InvalidMethod),
        ("GËT", "/", ErrorKind::InvalidMethod),
        ("GET", "", ErrorKind::InvalidUrl),
        ("GET", "/\0", ErrorKind::InvalidUrl),
        ("GET", "/\x7f", ErrorKind::InvalidUrl),
        ("GET", "/\t", ErrorKind::InvalidUrl),
    ] {
        let r = Request { method, url, headers: &[("host", "a")] };
        assert_eq!(CachePolicy::new(&r, &Response { status: 200, headers: &[("a", "b")] }, &o, at(0)).unwrap_err().kind(), kind, "{method:?} {url:?}");
        assert!(primary_key(&r).is_err());
    }
    // Evaluating requests the constructor would refuse: a conservative answer, never a panic.
    let p = policy_with(&o, &[], &[("cache-control", "max-age=600")]);
    for (method, url) in [("", ""), ("G T", "/a b"), ("GET", "\u{7f}")] {
        let d = p.evaluate(&Request { method, url, headers: &[("host", "\u{0}")] }, at(1)).decision();
        assert_eq!(d, Decision::NoMatch, "{method:?} {url:?}");
    }
}

#[test]
fn bad_input_status_numbers_and_dates() {
    let req = Request { method: "GET", url: URL, headers: &[("host", "example.com")] };
    let o = shared();
    for status in [0u16, 1, 99, 1000, 9999, u16::MAX] {
        let err = CachePolicy::new(&req, &Response { status, headers: &[("a", "b")] }, &o, at(0)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidStatus);
    }
    for status in [100u16, 599, 600, 999] {
        assert!(CachePolicy::new(&req, &Response { status, headers: &[("cache-control", "max-age=60")] }, &o, at(0)).is_ok());
    }
    // Negative, fractional, huge and garbage numbers: stale (response), 0 / ignored (request),
    // clamped to 2^31 when too large.
    for (cc, lifetime) in [
        ("max-age=-1", 0),
        ("max-age=1.5", 0),
        ("max-age=", 0),
        ("max-age=0x10", 0),
        ("max-age=+5", 0),
        ("max-age=99999999999999999999999999999", 1u64 << 31),
        ("max-age=2147483648", 1 << 31),
        ("max-age=18446744073709551616", 1 << 31),
        ("max-age=5, max-age=6", 0),
    ] {
        let p = policy_with(&o, &[], &[("cache-control", cc)]);
        assert_eq!(p.freshness_lifetime(), Duration::from_secs(lifetime), "{cc}");
    }
    for age in ["-5", "1e9", "99999999999999999999999", "", "abc", "5, 6"] {
        let p = policy_with(&o, &[], &[("cache-control", "max-age=600"), ("age", age)]);
        assert!(p.age(at(0)) <= Duration::from_secs(1 << 31), "{age}");
        let _ = p.response_headers(at(1));
    }
    for cc in ["max-age=-1", "max-age=abc", "min-fresh=-1", "max-stale=-1", "max-stale=1e9", "max-age=99999999999999999999"] {
        let p = policy_with(&o, &[], &[("cache-control", "max-age=600")]);
        let d = decide(&p, &[("cache-control", cc)], 700).0;
        assert_ne!(d, Decision::Stale, "{cc}");
    }
    // Invalid dates: the time of reception stands in for Date; an invalid Expires means expired.
    for date in ["garbage", "0", "-1", "Sun, 32 Nov 1994 08:49:37 GMT", "Tue, 14 Nov 2023 22:13:20 UTC", "\u{0}", "Tue, 14 Nov 99999 22:13:20 GMT"] {
        let res = [("date", date), ("expires", date), ("last-modified", date)];
        let p = CachePolicy::new(&req, &Response { status: 200, headers: &res }, &o, at(0)).unwrap();
        assert_eq!(p.date(), at(0), "{date}");
        assert_eq!(p.freshness_lifetime(), Duration::ZERO, "{date}");
        let served = p.response_headers(at(0));
        assert!(served.iter().any(|(n, v)| *n == "date" && v.as_ref() == DATE.as_bytes()), "{date}: {served:?}");
    }
    // Extreme times, either side of the epoch.
    let p = policy_with(&o, &[], &[("cache-control", "max-age=600")]);
    for t in [UNIX_EPOCH, UNIX_EPOCH - Duration::from_secs(1 << 40), UNIX_EPOCH + Duration::from_secs(1 << 40)] {
        let _ = (p.evaluate(&req, t).decision(), p.time_to_live(t), p.age(t), p.response_headers(t));
    }
}

// Linear work on these inputs takes ~2 s optimised and ~20 s in a debug build on a busy 2-core
// machine; quadratic work at N = 100,000 would take hours, so a generous bound still tells them
// apart without flaking on a loaded CI machine.
const BOUND: Duration = Duration::from_secs(if cfg!(debug_assertions) { 120 } else { 20 });

#[test]
fn bad_input_a_one_megabyte_value_in_every_role() {
    let mb = "x".repeat(1 << 20);
    let digits = "9".repeat(1 << 20);
    let quotes = "\"".repeat(1 << 20);
    let commas = ",".repeat(1 << 20);
    let directives = "max-age=1, ".repeat((1 << 20) / 11);
    let started = Instant::now();
    for name in ["cache-control", "vary", "connection", "etag", "last-modified", "date", "expires", "age", "set-cookie", "content-location", "x-big"] {
        for value in [&mb, &digits, &quotes, &commas, &directives] {
            let response = [(name, value.as_str()), ("cache-control", "max-age=60"), ("etag", "\"v1\"")];
            let request = [("host", "example.com"), (name, value.as_str()), ("if-none-match", value.as_str())];
            let req = Request { method: "GET", url: URL, headers: &request };
            let p = CachePolicy::new(&req, &Response { status: 200, headers: &response }, &shared(), at(0)).unwrap();
            let e = p.evaluate(&req, at(1));
            let _ = (e.decision(), e.response_headers(), e.revalidation_headers(), p.revalidation_headers(&req, at(100)));
            let bytes = p.to_bytes();
            assert_eq!(CachePolicy::from_bytes(&bytes).unwrap(), p);
            let r = p.revalidated_policy(&req, Some(&Response { status: 304, headers: &response }), at(100)).unwrap();
            let _ = (r.policy.secondary_key(), p.secondary_key_for(&req), p.invalidation_targets());
        }
    }
    // A 1 MB URL.
    let url = format!("https://example.com/{mb}");
    let req = Request { method: "GET", url: &url, headers: &[("a", "b")] };
    let p = CachePolicy::new(&req, &Response { status: 200, headers: &[("cache-control", "max-age=60")] }, &shared(), at(0)).unwrap();
    assert_eq!(p.evaluate(&req, at(1)).decision(), Decision::Fresh);
    assert!(started.elapsed() < BOUND, "took {:?}", started.elapsed());
}

#[test]
fn bad_input_100000_header_lines_in_every_role_take_linear_time() {
    const N: usize = 100_000;
    let names: Vec<String> = (0..N).map(|i| format!("x-h{i}")).collect();
    let plain: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "v")).collect();
    let all = names.join(", ");
    let started = Instant::now();
    // Plain lines in request and response.
    let mut response = plain.clone();
    response.push(("cache-control", "max-age=60"));
    let req = Request { method: "GET", url: URL, headers: &plain };
    let p = CachePolicy::new(&req, &Response { status: 200, headers: &response }, &shared(), at(0)).unwrap();
    assert_eq!(p.response_headers(at(1)).len(), N + 3);
    assert_eq!(p.revalidation_headers(&req, at(1)).len(), N);
    // Fields that list every name: Connection, Vary, private=, no-cache=, a targeted field.
    let private = format!("max-age=60, private=\"{all}\"");
    let no_cache = format!("max-age=60, no-cache=\"{all}\"");
    let cdn = (0..N).map(|i| format!("k{i}")).collect::<Vec<_>>().join(", ");
    let mut targeted = shared();
    targeted.targeted_fields = vec!["cdn-cache-control".to_string()];
    for (extra, options) in [
        (("connection", all.as_str()), shared()),
        (("vary", all.as_str()), shared()),
        (("cache-control", private.as_str()), shared()),
        (("cache-control", no_cache.as_str()), shared()),
        (("cdn-cache-control", cdn.as_str()), targeted),
    ] {
        let mut response = plain.clone();
        response.push(("cache-control", "max-age=60"));
        response.push(extra);
        let p = CachePolicy::new(&req, &Response { status: 200, headers: &response }, &options, at(0)).unwrap();
        let _ = (p.evaluate(&req, at(1)).decision(), p.secondary_key_for(&req), p.secondary_key());
        let _ = p.revalidated_policy(&req, Some(&Response { status: 304, headers: &plain }), at(100)).unwrap();
    }
    // A request of Connection lines and the fields they name; many If-None-Match lines.
    let mut hostile: Vec<(&str, &str)> = names.iter().map(|n| ("connection", n.as_str())).collect();
    hostile.extend(names.iter().map(|n| ("if-none-match", n.as_str())));
    hostile.extend_from_slice(&plain);
    let hostile = Request { method: "GET", url: URL, headers: &hostile };
    assert_eq!(forward_headers(&hostile).len(), 0);
    let _ = p.revalidation_headers(&hostile, at(100));
    let vary = policy_with(&shared(), &plain, &[("cache-control", "max-age=60"), ("vary", all.as_str())]);
    assert_eq!(vary.evaluate(&req, at(1)).decision(), Decision::Fresh);
    assert_eq!(vary.evaluate(&hostile, at(1)).decision(), Decision::Fresh);
    let mut changed = plain.clone();
    changed[N - 1].1 = "w";
    assert_eq!(vary.evaluate(&Request { method: "GET", url: URL, headers: &changed }, at(1)).decision(), Decision::NoMatch);
    assert!(started.elapsed() < BOUND, "took {:?}", started.elapsed());
}

#[test]
fn bad_input_serialized_bytes() {
    for bytes in [&b""[..], b"CPOL", b"CPOL\x01", b"\0\0\0\0\0\0\0\0\0\0\0\0", &[0xff; 64], b"CPOL\x01\xff\xff\xff\xff"] {
        assert_eq!(CachePolicy::from_bytes(bytes).unwrap_err().kind(), ErrorKind::InvalidSerialization, "{bytes:?}");
    }
    // A count claiming more items than the bytes hold is refused before allocating.
    let p = policy_with(&shared(), &[], &[("cache-control", "max-age=60")]);
    let mut bytes = p.to_bytes();
    let n = bytes.len();
    bytes[n - 4..].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(CachePolicy::from_bytes(&bytes).is_err());
}

// ---- one policy, 8 threads, identical answers -------------------------------------------

/// Evaluations per thread: CACHEPOLICY_STRESS_EVALUATIONS, default 200,000 (8 × 1,000,000 in
/// release with `make test-stress`).
fn evaluations() -> usize {
    std::env::var("CACHEPOLICY_STRESS_EVALUATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(200_000)
}

#[test]
fn one_policy_shared_by_8_threads_gives_identical_answers() {
    let request = [("host", "example.com"), ("accept-encoding", "gzip")];
    let p = std::sync::Arc::new(policy_with(
        &shared(),
        &request,
        &[("cache-control", "max-age=100, stale-while-revalidate=50"), ("etag", "\"v1\""), ("vary", "accept-encoding")],
    ));
    let requests: [Lines; 3] = [request.to_vec(), vec![("accept-encoding", "br")], vec![("accept-encoding", "gzip"), ("cache-control", "max-stale=30")]];
    // The answers for every (request, second) the threads ask, computed by one thread first.
    const SECONDS: usize = 200;
    let expected: Vec<(Decision, Option<Reason>)> =
        (0..requests.len() * SECONDS).map(|k| decide(&p, &requests[k % requests.len()], (k / requests.len()) as u64)).collect();
    let expected = std::sync::Arc::new(expected);
    let n = evaluations();
    let started = Instant::now();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (p, expected, requests) = (p.clone(), expected.clone(), requests.clone());
            std::thread::spawn(move || {
                let mut mismatches = 0usize;
                for i in 0..n {
                    let k = (i * 7 + t * 13) % expected.len();
                    let request = Request { method: "GET", url: URL, headers: &requests[k % requests.len()] };
                    let e = p.evaluate(&request, at((k / requests.len()) as u64));
                    mismatches += usize::from((e.decision(), e.reason()) != expected[k]);
                }
                mismatches
            })
        })
        .collect();
    let mismatches: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(mismatches, 0);
    eprintln!("8 threads x {n} evaluations in {:?}", started.elapsed());
}
