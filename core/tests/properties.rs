//! Properties that hold for every request/response the engine accepts (proptest).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cachepolicy::{CachePolicy, Decision, Options, Request, Response};
use proptest::prelude::*;

const T0: u64 = 1_700_000_000;

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(T0 + secs)
}

/// Field values built from the pieces the rules react to, plus hostile bytes.
fn cache_control() -> impl Strategy<Value = String> {
    let directive = prop_oneof![
        Just("public".to_string()),
        Just("private".to_string()),
        Just("no-cache".to_string()),
        Just("no-store".to_string()),
        Just("must-revalidate".to_string()),
        Just("proxy-revalidate".to_string()),
        Just("immutable".to_string()),
        Just("no-cache=\"set-cookie\"".to_string()),
        Just("private=\"x-user\"".to_string()),
        (0u32..100_000).prop_map(|n| format!("max-age={n}")),
        (0u32..100_000).prop_map(|n| format!("s-maxage={n}")),
        (0u32..1000).prop_map(|n| format!("stale-while-revalidate={n}")),
        (0u32..1000).prop_map(|n| format!("stale-if-error={n}")),
        "[ -~]{0,12}",
    ];
    prop::collection::vec(directive, 0..4).prop_map(|d| d.join(", "))
}

fn http_date() -> impl Strategy<Value = String> {
    prop_oneof![
        (0i64..200_000).prop_map(|d| cachepolicy::format_http_date(T0 as i64 - 100_000 + d)),
        Just("garbage".to_string()),
        Just("0".to_string()),
    ]
}

fn response_headers() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    let line = prop_oneof![
        cache_control().prop_map(|v| ("cache-control".to_string(), v.into_bytes())),
        http_date().prop_map(|v| ("date".to_string(), v.into_bytes())),
        http_date().prop_map(|v| ("expires".to_string(), v.into_bytes())),
        http_date().prop_map(|v| ("last-modified".to_string(), v.into_bytes())),
        (0u32..5000).prop_map(|n| ("age".to_string(), n.to_string().into_bytes())),
        Just(("etag".to_string(), b"\"v1\"".to_vec())),
        Just(("vary".to_string(), b"accept-encoding".to_vec())),
        Just(("vary".to_string(), b"*".to_vec())),
        Just(("set-cookie".to_string(), b"a=1".to_vec())),
        Just(("connection".to_string(), b"x-hop, keep-alive".to_vec())),
        // Shapes that once broke the round trip (found by fuzzing): Connection naming a
        // directive field, Vary naming fields no request can have.
        Just(("connection".to_string(), b"cache-control".to_vec())),
        Just(("vary".to_string(), b"accept encoding, __proto__".to_vec())),
        Just(("x-hop".to_string(), b"1".to_vec())),
        Just(("keep-alive".to_string(), b"timeout=5".to_vec())),
        Just(("transfer-encoding".to_string(), b"chunked".to_vec())),
        Just(("pragma".to_string(), b"no-cache".to_vec())),
        prop::collection::vec(any::<u8>(), 0..16).prop_map(|v| ("x-bytes".to_string(), v)),
    ];
    prop::collection::vec(line, 0..10)
}

fn request_headers() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    let line = prop_oneof![
        Just(("accept-encoding".to_string(), b"gzip".to_vec())),
        Just(("accept-encoding".to_string(), b"br".to_vec())),
        Just(("authorization".to_string(), b"Bearer x".to_vec())),
        cache_control().prop_map(|v| ("cache-control".to_string(), v.into_bytes())),
        prop_oneof![Just("max-stale"), Just("max-stale=100"), Just("min-fresh=10"), Just("max-age=5"), Just("only-if-cached"), Just("no-cache")]
            .prop_map(|v| ("cache-control".to_string(), v.as_bytes().to_vec())),
        Just(("pragma".to_string(), b"no-cache".to_vec())),
        Just(("if-none-match".to_string(), b"\"c\"".to_vec())),
        Just(("connection".to_string(), b"x-req".to_vec())),
        Just(("x-req".to_string(), b"1".to_vec())),
        prop::collection::vec(any::<u8>(), 0..16).prop_map(|v| ("x-bytes".to_string(), v)),
    ];
    prop::collection::vec(line, 0..6)
}

fn options() -> impl Strategy<Value = Options> {
    (any::<bool>(), 0usize..3).prop_map(|(shared, profile)| {
        let mut o = Options::profile(["shared", "private", "accelerator"][profile]).unwrap();
        if profile == 0 {
            o.shared = shared;
        }
        o
    })
}

const STATUSES: [u16; 8] = [200, 203, 204, 301, 302, 404, 500, 206];

#[derive(Debug)]
struct Case {
    options: Options,
    status: u16,
    response: Vec<(String, Vec<u8>)>,
    request: Vec<(String, Vec<u8>)>,
    later: Vec<(String, Vec<u8>)>,
}

fn case() -> impl Strategy<Value = Case> {
    (options(), 0usize..STATUSES.len(), response_headers(), request_headers(), request_headers())
        .prop_map(|(options, s, response, request, later)| Case { options, status: STATUSES[s], response, request, later })
}

const URL: &str = "http://example.com/a";

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1000)
}

fn policy(c: &Case) -> CachePolicy {
    let req = Request { method: "GET", url: URL, headers: &c.request };
    CachePolicy::new(&req, &Response { status: c.status, headers: &c.response }, &c.options, at(0)).expect("valid input")
}

proptest! {
    // 1,000 cases each by default; PROPTEST_CASES asks for more (or fewer).
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn serialization_round_trips_exactly(c in case()) {
        let p = policy(&c);
        let bytes = p.to_bytes();
        let copy = CachePolicy::from_bytes(&bytes).unwrap();
        prop_assert_eq!(copy.to_bytes(), bytes);
        let later = Request { method: "GET", url: URL, headers: &c.later };
        for secs in [0, 100, 10_000] {
            prop_assert_eq!(copy.evaluate(&later, at(secs)).decision(), p.evaluate(&later, at(secs)).decision());
            prop_assert_eq!(copy.time_to_live(at(secs)), p.time_to_live(at(secs)));
        }
    }

    #[test]
    fn served_headers_are_clean(c in case(), secs in 0u64..20_000) {
        let p = policy(&c);
        let headers = p.response_headers(at(secs));
        // The names the Connection lines list, trimmed and lower-cased.
        let listed = |lines: &[(String, Vec<u8>)], name: &str| {
            lines.iter().filter(|(n, _)| n == "connection").any(|(_, v)| v.split(|&b| b == b',').any(|m| String::from_utf8_lossy(m).trim().eq_ignore_ascii_case(name)))
        };
        for (name, value) in &headers {
            let lower = name.to_ascii_lowercase();
            prop_assert!(!["connection", "keep-alive", "transfer-encoding", "te", "upgrade", "proxy-connection"].contains(&lower.as_str()), "{name} served");
            prop_assert!(!listed(&c.response, &lower), "{name} is listed in Connection but served");
            prop_assert!(!value.iter().any(|b| matches!(b, b'\r' | b'\n' | 0)), "CR/LF/NUL in {name}");
        }
        let later = Request { method: "GET", url: URL, headers: &c.later };
        for (name, value) in p.revalidation_headers(&later, at(secs)) {
            let lower = name.to_ascii_lowercase();
            prop_assert!(!["connection", "keep-alive"].contains(&lower.as_str()), "{name} forwarded");
            prop_assert!(!listed(&c.later, &lower), "{name} is listed in Connection but forwarded");
            prop_assert!(!value.iter().any(|b| matches!(b, b'\r' | b'\n' | 0)));
        }
    }

    #[test]
    fn time_to_live_never_increases(c in case(), a in 0u64..50_000, b in 0u64..50_000) {
        let p = policy(&c);
        let (early, late) = (a.min(b), a.max(b));
        prop_assert!(p.time_to_live(at(late)) <= p.time_to_live(at(early)));
        prop_assert!(p.age(at(late)) >= p.age(at(early)));
        prop_assert!(p.retention(at(late)) <= p.retention(at(early)));
    }

    #[test]
    fn satisfies_agrees_with_evaluate_and_unstorable_never_satisfies(c in case(), secs in 0u64..20_000) {
        let p = policy(&c);
        let later = Request { method: "GET", url: URL, headers: &c.later };
        let decision = p.evaluate(&later, at(secs)).decision();
        let satisfies = p.satisfies_without_revalidation(&later, at(secs));
        prop_assert_eq!(satisfies, matches!(decision, Decision::Fresh | Decision::Stale));
        if !p.storable() {
            prop_assert!(!satisfies);
            prop_assert!(!decision.serves_stored());
        }
    }

    #[test]
    fn shared_cache_security_invariants(c in case(), secs in 0u64..20_000) {
        let p = policy(&c);
        let later = Request { method: "GET", url: URL, headers: &c.later };
        let decision = p.evaluate(&later, at(secs)).decision();
        let cc = p.response_directives();
        let shared = c.options.shared;
        if shared && cc.private {
            prop_assert!(!p.storable());
        }
        let authorized = c.request.iter().any(|(n, _)| n == "authorization");
        if shared && authorized && !c.options.store_authenticated && !(cc.public || cc.s_maxage.is_present() || cc.must_revalidate) {
            prop_assert!(!p.storable());
        }
        // Stale serving never overrides must-revalidate, (shared) proxy-revalidate or no-cache.
        if decision == Decision::Stale || decision == Decision::StaleWhileRevalidate {
            prop_assert!(!cc.no_cache);
            prop_assert!(!cc.must_revalidate);
            prop_assert!(!(shared && cc.proxy_revalidate));
        }
        // A Set-Cookie response is never served stale in a shared cache by default (rule 4).
        let cookie = c.response.iter().any(|(n, _)| n == "set-cookie");
        if shared && cookie && c.options.set_cookie == cachepolicy::SetCookiePolicy::Revalidate && !(cc.public || cc.s_maxage.is_present() || cc.immutable) {
            prop_assert!(!matches!(decision, Decision::Stale | Decision::StaleWhileRevalidate | Decision::Fresh));
        }
    }
}
