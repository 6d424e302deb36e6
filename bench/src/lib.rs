//! The workloads of `shared/bench/workloads.json`, for this engine and for the
//! `http-cache-semantics` crate, shared by the criterion benches, the allocation counter and the
//! callgrind runner so that all three measure the same code.
//!
//! - A (`A_hit`): at t0+10, build the policy from request+response, `storable`, the fresh-hit
//!   check for `new_request`, the response headers to serve.
//! - B (`B_revalidate`): on a policy built once, at t0+7200 (stale), the revalidation request
//!   headers for `new_request`.
//! - C (`C_304`): on a policy built once, at t0+4600, merge the 304 (not modified).
//! - D (`D_roundtrip`): serialize a policy built once, deserialize it, `storable`.
//!
//! The peer takes `http` types; users hold raw pairs, so each workload also has a variant that
//! builds those types from the pairs inside the timed operation (`*_from_pairs`).

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// One request or response of the workload file, as raw pairs.
#[derive(Debug, Clone)]
pub struct Message {
    pub method: String,
    pub url: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
}

/// The whole workload file.
#[derive(Debug, Clone)]
pub struct Workloads {
    pub path: PathBuf,
    pub t0: SystemTime,
    pub request: Message,
    pub response: Message,
    pub new_request: Message,
    pub not_modified: Message,
}

/// Where the workload file is: `$CACHEPOLICY_WORKLOADS`, else `shared/bench/workloads.json`
/// beside the repository (as CI lays it out), else inside it.
pub fn workloads_path() -> PathBuf {
    if let Some(p) = std::env::var_os("CACHEPOLICY_WORKLOADS") {
        return PathBuf::from(p);
    }
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        here.join("../../shared/bench/workloads.json"),
        here.join("../shared/bench/workloads.json"),
    ];
    candidates
        .iter()
        .find(|p| p.exists())
        .cloned()
        .unwrap_or_else(|| candidates[0].clone())
}

impl Workloads {
    /// Reads the workload file; panics with the path when it is missing or malformed.
    pub fn load() -> Self {
        let path = workloads_path();
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let v: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let message = |key: &str| {
            let m = &v[key];
            let headers = m["headers"]
                .as_array()
                .unwrap_or_else(|| panic!("{key}.headers"))
                .iter()
                .map(|pair| {
                    (
                        pair[0].as_str().unwrap().to_owned(),
                        pair[1].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            Message {
                method: m["method"].as_str().unwrap_or("GET").to_owned(),
                url: m["url"].as_str().unwrap_or("").to_owned(),
                status: m["status"].as_u64().unwrap_or(0) as u16,
                headers,
            }
        };
        Workloads {
            t0: UNIX_EPOCH + Duration::from_secs(v["t0"].as_u64().expect("t0")),
            request: message("request"),
            response: message("response"),
            new_request: message("new_request"),
            not_modified: message("not_modified_response"),
            path,
        }
    }

    /// t0 + `secs`.
    pub fn at(&self, secs: u64) -> SystemTime {
        self.t0 + Duration::from_secs(secs)
    }
}

/// The workload names, in order.
pub const WORKLOADS: [&str; 4] = ["A_hit", "B_revalidate", "C_304", "D_roundtrip"];

/// This engine, on raw pairs (what its users hold).
pub mod ours {
    use super::{Message, Workloads};
    use cachepolicy::{CachePolicy, HeaderList, Options, Request, Response};

    pub fn request(m: &Message) -> Request<'_, [(String, String)]> {
        Request {
            method: &m.method,
            url: &m.url,
            headers: &m.headers[..],
        }
    }

    pub fn response(m: &Message) -> Response<'_, [(String, String)]> {
        Response {
            status: m.status,
            headers: &m.headers[..],
        }
    }

    /// The policy B, C and D start from: built at t0 with the default options.
    pub fn policy(w: &Workloads) -> CachePolicy {
        CachePolicy::new(
            &request(&w.request),
            &response(&w.response),
            &Options::default(),
            w.t0,
        )
        .expect("policy")
    }

    /// A: build, storable, fresh hit, response headers. Everything it made is dropped inside.
    #[inline(never)]
    pub fn a_hit(w: &Workloads, options: &Options) -> usize {
        let policy = CachePolicy::new(&request(&w.request), &response(&w.response), options, w.t0)
            .expect("policy");
        assert!(policy.storable());
        let now = w.at(10);
        assert!(
            policy.satisfies_without_revalidation(&request(&w.new_request), now),
            "workload A must be a fresh hit"
        );
        let headers = policy.response_headers(now);
        std::hint::black_box(&headers);
        headers.len()
    }

    /// B: the revalidation request headers at t0+7200.
    #[inline(never)]
    pub fn b_revalidate<'a>(
        w: &'a Workloads,
        policy: &'a CachePolicy,
        new_request: &'a Request<'a, [(String, String)]>,
    ) -> HeaderList<'a> {
        policy.revalidation_headers(new_request, w.at(7200))
    }

    /// C: merge the 304 at t0+4600.
    #[inline(never)]
    pub fn c_304(w: &Workloads, policy: &CachePolicy) -> CachePolicy {
        let r = policy
            .revalidated_policy(
                &request(&w.new_request),
                Some(&response(&w.not_modified)),
                w.at(4600),
            )
            .expect("revalidated");
        assert!(!r.modified, "workload C: the 304 must match");
        r.policy
    }

    /// D: serialize, deserialize, storable.
    #[inline(never)]
    pub fn d_roundtrip(policy: &CachePolicy) -> bool {
        let bytes = policy.to_bytes();
        CachePolicy::from_bytes(&bytes)
            .expect("from_bytes")
            .storable()
    }

    /// The serialized size of the workload's policy.
    pub fn serialized_len(w: &Workloads) -> usize {
        policy(w).to_bytes().len()
    }
}

/// The `http-cache-semantics` crate, on `http` types.
pub mod peer {
    use super::{Message, Workloads};
    use http_cache_semantics::{AfterResponse, BeforeRequest, CacheOptions, CachePolicy};

    /// Builds `http::request::Parts` from raw pairs, as a user of the crate must.
    pub fn request(m: &Message) -> http::request::Parts {
        let mut b = http::Request::builder()
            .method(m.method.as_str())
            .uri(m.url.as_str());
        for (n, v) in &m.headers {
            b = b.header(n.as_str(), v.as_str());
        }
        b.body(()).expect("http request").into_parts().0
    }

    /// Builds `http::response::Parts` from raw pairs.
    pub fn response(m: &Message) -> http::response::Parts {
        let mut b = http::Response::builder().status(m.status);
        for (n, v) in &m.headers {
            b = b.header(n.as_str(), v.as_str());
        }
        b.body(()).expect("http response").into_parts().0
    }

    /// The workload's messages as `http` types, built once.
    pub struct Parts {
        pub request: http::request::Parts,
        pub response: http::response::Parts,
        pub new_request: http::request::Parts,
        pub not_modified: http::response::Parts,
    }

    pub fn parts(w: &Workloads) -> Parts {
        Parts {
            request: request(&w.request),
            response: response(&w.response),
            new_request: request(&w.new_request),
            not_modified: response(&w.not_modified),
        }
    }

    pub fn policy(w: &Workloads, p: &Parts) -> CachePolicy {
        CachePolicy::new_options(&p.request, &p.response, w.t0, CacheOptions::default())
    }

    /// A: build, storable, `before_request` (the fresh-hit check, which returns the response
    /// headers to serve).
    #[inline(never)]
    pub fn a_hit(
        w: &Workloads,
        request: &http::request::Parts,
        response: &http::response::Parts,
        new_request: &http::request::Parts,
    ) -> http::response::Parts {
        let policy = CachePolicy::new_options(request, response, w.t0, CacheOptions::default());
        assert!(policy.is_storable());
        match policy.before_request(new_request, w.at(10)) {
            BeforeRequest::Fresh(parts) => parts,
            BeforeRequest::Stale { .. } => panic!("workload A must be a fresh hit"),
        }
    }

    /// A, building the `http` types from the raw pairs first.
    #[inline(never)]
    pub fn a_hit_from_pairs(w: &Workloads) -> http::response::Parts {
        let (req, res, new_req) = (
            request(&w.request),
            response(&w.response),
            request(&w.new_request),
        );
        a_hit(w, &req, &res, &new_req)
    }

    /// B: `before_request` at t0+7200 gives the revalidation request.
    #[inline(never)]
    pub fn b_revalidate(
        w: &Workloads,
        policy: &CachePolicy,
        new_request: &http::request::Parts,
    ) -> http::request::Parts {
        match policy.before_request(new_request, w.at(7200)) {
            BeforeRequest::Stale { request, .. } => request,
            BeforeRequest::Fresh(_) => panic!("workload B must be stale"),
        }
    }

    #[inline(never)]
    pub fn b_revalidate_from_pairs(w: &Workloads, policy: &CachePolicy) -> http::request::Parts {
        b_revalidate(w, policy, &request(&w.new_request))
    }

    /// C: `after_response` with the 304 at t0+4600.
    #[inline(never)]
    pub fn c_304(
        w: &Workloads,
        policy: &CachePolicy,
        new_request: &http::request::Parts,
        not_modified: &http::response::Parts,
    ) -> CachePolicy {
        match policy.after_response(new_request, not_modified, w.at(4600)) {
            AfterResponse::NotModified(policy, _) => policy,
            AfterResponse::Modified(..) => panic!("workload C: the 304 must match"),
        }
    }

    #[inline(never)]
    pub fn c_304_from_pairs(w: &Workloads, policy: &CachePolicy) -> CachePolicy {
        c_304(
            w,
            policy,
            &request(&w.new_request),
            &response(&w.not_modified),
        )
    }

    /// D: the crate has serde support but no format of its own; bincode is what the http-cache
    /// crate stores it with.
    #[inline(never)]
    pub fn d_roundtrip(policy: &CachePolicy) -> bool {
        let bytes = bincode::serialize(policy).expect("serialize");
        bincode::deserialize::<CachePolicy>(&bytes)
            .expect("deserialize")
            .is_storable()
    }

    pub fn serialized_len(w: &Workloads) -> usize {
        bincode::serialize(&policy(w, &parts(w)))
            .expect("serialize")
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_workload_runs_for_both() {
        let w = Workloads::load();
        assert!(ours::a_hit(&w, &cachepolicy::Options::default()) > 0);
        let p = ours::policy(&w);
        let nr = ours::request(&w.new_request);
        assert!(ours::b_revalidate(&w, &p, &nr)
            .iter()
            .any(|(n, _)| *n == "if-none-match"));
        ours::c_304(&w, &p);
        assert!(ours::d_roundtrip(&p));

        let parts = peer::parts(&w);
        peer::a_hit_from_pairs(&w);
        let pp = peer::policy(&w, &parts);
        assert!(peer::b_revalidate_from_pairs(&w, &pp)
            .headers
            .contains_key("if-none-match"));
        peer::c_304_from_pairs(&w, &pp);
        assert!(peer::d_roundtrip(&pp));
    }
}
