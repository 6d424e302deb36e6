//! `CachePolicy::from_bytes` on arbitrary bytes: an error or a policy, never a panic or a
//! hang. A policy read back serializes to bytes that read back to the same policy (the
//! canonical form is a fixed point), and it answers every question without panicking.
#![no_main]

use cachepolicy::CachePolicy;
use cachepolicy_fuzz::{check_evaluation, check_monotonic, time, Origin, Req, T0_MS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(policy) = CachePolicy::from_bytes(data) else { return };
    let bytes = policy.to_bytes();
    // The input itself is canonical unless reading normalised it (CR/LF/NUL in a value, a
    // Vary name's case, a request time after the response time): the output always is.
    let again = CachePolicy::from_bytes(&bytes).expect("re-serialized bytes refused");
    assert_eq!(again.to_bytes(), bytes, "serialization is not a fixed point");
    assert_eq!(again, policy);

    let origin = Origin { authorized: false, constructed: false };
    let requests = [
        Req { method: "GET".into(), url: policy.url().to_string(), headers: policy.stored_headers().map(|(n, v)| (n.as_bytes().to_vec(), v.to_vec())).collect() },
        Req { method: "GET".into(), url: "https://example.com/a".into(), headers: vec![(b"host".to_vec(), b"example.com".to_vec())] },
        Req { method: "HEAD".into(), url: policy.url().to_string(), headers: vec![(b"cache-control".to_vec(), b"max-stale".to_vec())] },
    ];
    let response_ms = policy.response_time().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis().min(i64::MAX as u128) as i64);
    for request in &requests {
        for now in [T0_MS, response_ms, response_ms.saturating_add(3_600_000), i64::MIN, i64::MAX] {
            // Evaluation does not panic; the invariants hold (but those about how the policy
            // was built: the bytes may describe any policy).
            check_evaluation(&policy, origin, request, now);
        }
    }
    check_monotonic(&policy, T0_MS, response_ms);
    let _ = (policy.invalidation_targets(), policy.primary_key(), policy.secondary_key(), policy.expiry_stage(time(T0_MS)));
});
