//! Fixed facts the JS side needs once per thread, read from the engine itself.

use std::time::{Duration, UNIX_EPOCH};

use cachepolicy::{CachePolicy, Decision, FreshnessSource, Options, Request, Response, RevalidationOutcome};

pub const DECISIONS: [Decision; 6] = Decision::ALL;

pub const SOURCES: [FreshnessSource; 6] = FreshnessSource::ALL;

pub const OUTCOMES: [RevalidationOutcome; 6] = RevalidationOutcome::ALL;

pub fn outcome_code(o: RevalidationOutcome) -> &'static str {
    o.code()
}

/// Names whose handling is probed: hop-by-hop and other fields the rules know, plus ordinary
/// ones. Date and Age are left out: the serving plan of each policy covers them.
const CANDIDATES: [&str; 31] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "warning",
    "if-range",
    "range",
    "if-match",
    "if-unmodified-since",
    "content-length",
    "content-type",
    "content-encoding",
    "content-range",
    "content-location",
    "location",
    "set-cookie",
    "cookie",
    "via",
    "server",
    "accept",
    "accept-encoding",
    "user-agent",
    "referer",
    "x-request-id",
    "if-none-match",
    "if-modified-since",
];

fn probe_policy() -> CachePolicy {
    let t0 = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let request = Request { method: "GET", url: "https://probe.example/", headers: &[("host", "probe.example")] };
    let mut lines: Vec<(&str, &str)> = vec![("cache-control", "max-age=60"), ("date", "Tue, 14 Nov 2023 22:13:20 GMT")];
    lines.extend(CANDIDATES.iter().map(|n| (*n, "probe")));
    let response = Response { status: 200, headers: &lines[..] };
    CachePolicy::new(&request, &response, &Options::default(), t0).expect("probe policy builds")
}

/// Response fields never served from storage, whatever the response says.
pub fn response_drop() -> Vec<String> {
    let policy = probe_policy();
    let served = policy.response_headers(UNIX_EPOCH + Duration::from_secs(1_700_000_001));
    CANDIDATES.iter().filter(|n| !served.iter().any(|(s, _)| s.eq_ignore_ascii_case(n))).map(|n| n.to_string()).collect()
}

/// Request fields never forwarded in a revalidation request, whether or not the stored response
/// can answer the request.
pub fn revalidation_drop() -> Vec<String> {
    let policy = probe_policy();
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_001);
    let lines: Vec<(&str, &str)> = CANDIDATES.iter().map(|n| (*n, "probe")).collect();
    let forwarded = |url: &str| {
        let request = Request { method: "GET", url, headers: &lines[..] };
        policy.revalidation_headers(&request, now).iter().map(|(n, _)| n.to_ascii_lowercase()).collect::<Vec<_>>()
    };
    let (usable, other) = (forwarded("https://probe.example/"), forwarded("https://other.example/"));
    CANDIDATES
        .iter()
        .filter(|n| !usable.iter().any(|s| s == *n) && !other.iter().any(|s| s == *n))
        .map(|n| n.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probed_tables_hold_the_hop_by_hop_fields() {
        let response = response_drop();
        for name in ["connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "proxy-authenticate"] {
            assert!(response.iter().any(|n| n == name), "{name} in {response:?}");
        }
        assert!(!response.iter().any(|n| n == "content-type" || n == "set-cookie"));
        let revalidation = revalidation_drop();
        assert!(revalidation.iter().any(|n| n == "if-range"), "{revalidation:?}");
        assert!(!revalidation.iter().any(|n| n == "accept" || n == "if-none-match"));
    }
}
