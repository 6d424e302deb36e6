//! Vary handling on arbitrary Vary values and request fields (RFC 9111 §4.1): construct a
//! policy, evaluate other requests against it. `Vary: *` never matches; matching is
//! reflexive and symmetric; secondary keys are equal exactly when Vary matches; hostile names
//! (`__proto__`, `constructor`, names with spaces) are ordinary names.
#![no_main]

use arbitrary::{Arbitrary, Result, Unstructured};
use cachepolicy::{select_variant, CachePolicy, Decision, Options, Reason, Request, Response};
use cachepolicy_fuzz::{lines, name, time, value, Lines, T0_MS};
use libfuzzer_sys::fuzz_target;

#[derive(Debug)]
struct Input {
    vary: Vec<Vec<u8>>,
    a: Lines,
    b: Lines,
    shared: bool,
    store_authenticated: bool,
}

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let mut vary = Vec::new();
        for _ in 0..u.int_in_range(1u8..=3)? {
            vary.push(value(u, b"vary")?);
        }
        let a = lines(u, 6)?;
        // B: often A changed a little, so that matches happen.
        let b = if u.ratio(1u8, 3)? {
            lines(u, 6)?
        } else {
            let mut b = a.clone();
            for _ in 0..u.int_in_range(0u8..=2)? {
                match u.int_in_range(0u8..=4)? {
                    0 if !b.is_empty() => {
                        let i = u.choose_index(b.len())?;
                        b.remove(i);
                    }
                    1 if !b.is_empty() => {
                        let i = u.choose_index(b.len())?;
                        b[i].1 = value(u, &b[i].0.clone())?;
                    }
                    2 if !b.is_empty() => {
                        // Same field, other spelling of the name or spacing of the value.
                        let i = u.choose_index(b.len())?;
                        b[i].0 = b[i].0.to_ascii_uppercase();
                        b[i].1 = [&b" "[..], &b[i].1, b"\t"].concat();
                    }
                    3 if !b.is_empty() => {
                        // One line split in two at a comma (RFC 9110 §5.3).
                        let i = u.choose_index(b.len())?;
                        let (n, v) = b[i].clone();
                        if let Some(c) = v.iter().position(|&x| x == b',') {
                            b[i].1 = v[..c].to_vec();
                            b.insert(i + 1, (n, v[c + 1..].to_vec()));
                        }
                    }
                    _ => {
                        let n = name(u)?;
                        let v = value(u, &n)?;
                        b.push((n, v));
                    }
                }
            }
            b
        };
        Ok(Input { vary, a, b, shared: u.arbitrary()?, store_authenticated: u.arbitrary()? })
    }
}

const URL: &str = "https://example.com/a";

fn build(options: &Options, request: &Lines, vary: &[Vec<u8>]) -> Option<CachePolicy> {
    let mut response: Lines = vec![(b"cache-control".to_vec(), b"max-age=3600, public".to_vec())];
    response.extend(vary.iter().map(|v| (b"Vary".to_vec(), v.clone())));
    let req = Request { method: "GET", url: URL, headers: request };
    CachePolicy::new(&req, &Response { status: 200, headers: &response }, options, time(T0_MS)).ok()
}

fn vary_star(vary: &[Vec<u8>]) -> bool {
    // `*` as a list member, commas inside quotes not splitting.
    vary.iter().any(|v| {
        let mut in_quotes = false;
        let mut start = 0;
        let mut found = false;
        for i in 0..=v.len() {
            let end = i == v.len();
            if !end && v[i] == b'"' {
                in_quotes = !in_quotes;
            }
            if end || (v[i] == b',' && !in_quotes) {
                let m = v[start..i].iter().copied().skip_while(|b| *b == b' ' || *b == b'\t').collect::<Vec<_>>();
                let m: Vec<u8> = m.into_iter().rev().skip_while(|b| *b == b' ' || *b == b'\t').collect();
                found |= m == b"*";
                start = i + 1;
            }
        }
        found
    })
}

/// For a storable policy and a request for the same method and URI: Vary does not match.
/// (`evaluate` would say so too, unless the request's only-if-cached turns it into a 504.)
fn vary_mismatch(p: &CachePolicy, request: &Lines) -> bool {
    let req = Request { method: "GET", url: URL, headers: request };
    let mismatch = select_variant([p], &req).is_none();
    let e = p.evaluate(&req, time(T0_MS + 1000));
    assert_eq!(mismatch, matches!(e.reason(), Some(Reason::VaryMismatch)) || (mismatch && e.reason() == Some(Reason::OnlyIfCached)));
    mismatch
}

fuzz_target!(|input: Input| {
    let mut options = Options::default();
    options.shared = input.shared;
    options.store_authenticated = input.store_authenticated;
    let Some(p) = build(&options, &input.a, &input.vary) else { return };
    let req_a = Request { method: "GET", url: URL, headers: &input.a };
    let req_b = Request { method: "GET", url: URL, headers: &input.b };
    let now = time(T0_MS + 1000);

    if vary_star(&input.vary) {
        assert!(!p.storable(), "Vary: * stored");
        for req in [&req_a, &req_b] {
            // No match (or, for only-if-cached, the 504 for no match).
            let e = p.evaluate(req, now);
            assert!(matches!(e.decision(), Decision::NoMatch | Decision::GatewayTimeout), "{:?}", e.decision());
            assert!(matches!(e.reason(), Some(Reason::NotStorable | Reason::OnlyIfCached)), "{:?}", e.reason());
        }
    }
    // Secondary keys never contain a line break but the separators, nor NUL/CR.
    for key in [p.secondary_key(), p.secondary_key_for(&req_a), p.secondary_key_for(&req_b)] {
        assert!(!key.contains('\r') && !key.contains('\0'), "{key:?}");
    }
    // The request the response answered selects it.
    assert_eq!(p.secondary_key_for(&req_a), p.secondary_key(), "the original request's own key differs");
    if !p.storable() {
        return;
    }
    assert!(!vary_mismatch(&p, &input.a), "the original request does not match its own Vary");
    let ab = vary_mismatch(&p, &input.b);
    // Secondary keys are equal exactly when Vary matches.
    assert_eq!(p.secondary_key_for(&req_b) == p.secondary_key(), !ab, "key {:?} vs {:?}", p.secondary_key_for(&req_b), p.secondary_key());
    // Symmetry: B's policy matched against A gives the same answer.
    if let Some(q) = build(&options, &input.b, &input.vary).filter(CachePolicy::storable) {
        assert_eq!(vary_mismatch(&q, &input.a), ab, "Vary matching is not symmetric");
        // Variant selection only ever picks a policy that matches.
        for (req, lines) in [(&req_a, &input.a), (&req_b, &input.b)] {
            if let Some(chosen) = select_variant([&p, &q], req) {
                assert!(!vary_mismatch(chosen, lines));
            }
        }
        assert!(select_variant([&p, &q], &req_a).is_some());
    }
    // Round trip keeps the selecting values.
    let copy = CachePolicy::from_bytes(&p.to_bytes()).expect("own bytes");
    assert_eq!(vary_mismatch(&copy, &input.b), ab);
    assert_eq!(copy.secondary_key(), p.secondary_key());
});
