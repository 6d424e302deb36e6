//! The whole life of a policy on arbitrary structured input: construct → evaluate →
//! revalidation headers → merge the answer (304, 200, 5xx, nothing) → serialize →
//! deserialize, again and again, with every invariant checked at each step.
#![no_main]

use arbitrary::Arbitrary;
use cachepolicy::{primary_key, select_variant, CachePolicy, Reason, RevalidationOutcome};
use cachepolicy_fuzz::{
    assert_clean, check_evaluation, check_forwarded, check_monotonic, check_roundtrip, time, At, ExtraLines, Opts, Origin, Req, Res,
};
use libfuzzer_sys::fuzz_target;

/// A later request: the stored one (maybe with more lines) or any other.
#[derive(Debug, Arbitrary)]
enum Later {
    Same,
    SamePlus(ExtraLines),
    Other(Req),
}

/// The origin's answer to a revalidation.
#[derive(Debug, Arbitrary)]
enum Reply {
    Nothing,
    Any(Res),
    /// A 304 echoing the stored validators, with more lines.
    NotModified(ExtraLines, bool, bool),
    /// A 200 to a HEAD revalidation echoing the stored validators.
    HeadOk(ExtraLines),
}

#[derive(Debug, Arbitrary)]
enum Step {
    Evaluate(Later, At),
    Revalidate(Later, Reply, At),
    Roundtrip(Later, At),
    Monotonic(At, At),
    Keys(Later),
    Questions(Later, At),
}

#[derive(Debug, Arbitrary)]
struct Input {
    options: Opts,
    request: Req,
    response: Res,
    request_time: At,
    response_time: At,
    steps: Vec<Step>,
}

fn later(stored: &Req, l: &Later) -> Req {
    match l {
        Later::Same => stored.clone(),
        Later::SamePlus(extra) => {
            let mut r = stored.clone();
            r.headers.extend(extra.0.iter().cloned());
            r
        }
        Later::Other(r) => r.clone(),
    }
}

fn echo(p: &CachePolicy, status: u16, extra: &ExtraLines, etag: bool, lm: bool) -> Res {
    let mut headers = Vec::new();
    for (n, v) in p.stored_headers() {
        let n = n.to_ascii_lowercase();
        if (etag && n == "etag") || (lm && n == "last-modified") || (status == 200 && n == "content-length") {
            headers.push((n.into_bytes(), v.to_vec()));
        }
    }
    headers.extend(extra.0.iter().cloned());
    Res { status, headers }
}

fuzz_target!(|input: Input| {
    let Ok(mut policy) = CachePolicy::with_request_time(
        &input.request.view(),
        &input.response.view(),
        &input.options.0,
        time(input.request_time.0),
        time(input.response_time.0),
    ) else {
        return;
    };
    let mut origin = Origin { authorized: input.request.has("authorization"), constructed: true };
    let mut stored_request = input.request.clone();
    check_evaluation(&policy, origin, &stored_request, input.response_time.0);

    for step in input.steps.iter().take(12) {
        match step {
            Step::Evaluate(l, at) => {
                check_evaluation(&policy, origin, &later(&stored_request, l), at.0);
            }
            Step::Roundtrip(l, at) => {
                policy = check_roundtrip(&policy, origin, &later(&stored_request, l), at.0);
            }
            Step::Monotonic(a, b) => check_monotonic(&policy, a.0, b.0),
            Step::Keys(l) => {
                let r = later(&stored_request, l);
                let _ = primary_key(&r.view());
                let _ = (policy.primary_key(), policy.secondary_key(), policy.secondary_key_for(&r.view()));
                if let Some(chosen) = select_variant([&policy], &r.view()) {
                    let reason = policy.evaluate(&r.view(), time(0)).reason();
                    assert!(!matches!(reason, Some(Reason::NotStorable | Reason::MethodMismatch | Reason::UrlMismatch | Reason::VaryMismatch | Reason::Bypassed)));
                    assert!(std::ptr::eq(chosen, &policy));
                }
                // The target's authority may come from Host as given (sanitised: no CR, LF, NUL).
                for uri in policy.invalidation_targets().into_iter().chain([policy.primary_key()]) {
                    assert!(!uri.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)), "{uri:?}");
                }
            }
            Step::Questions(l, at) => {
                let r = later(&stored_request, l);
                let lost = policy.lost_update_headers(&r.view());
                assert_clean(&lost, "lost update");
                check_forwarded(&r, &policy.revalidation_headers(&r.view(), time(at.0)));
                let _ = (policy.within_stale_if_error(&r.view(), time(at.0)), policy.freshness_lifetime(), policy.freshness_source(), policy.date());
            }
            Step::Revalidate(l, reply, at) => {
                let r = later(&stored_request, l);
                let response = match reply {
                    Reply::Nothing => None,
                    Reply::Any(res) => Some(res.clone()),
                    Reply::NotModified(extra, etag, lm) => Some(echo(&policy, 304, extra, *etag, *lm)),
                    Reply::HeadOk(extra) => Some(echo(&policy, 200, extra, true, true)),
                };
                let views = response.as_ref().map(Res::view);
                let result = policy.revalidated_policy(&r.view(), views.as_ref(), time(at.0));
                let Ok(result) = result else {
                    // Only an invalid answer (or request) is an error.
                    let res = response.expect("no answer is never an error");
                    assert!(CachePolicy::new(&r.view(), &res.view(), &policy.options().clone(), time(at.0)).is_err(), "revalidation refused a valid answer");
                    continue;
                };
                use RevalidationOutcome::*;
                match result.outcome {
                    NotModified => assert!(!result.modified && result.matches),
                    StaleIfError => assert!(!result.modified && result.matches && result.policy == policy),
                    Modified | HeadMismatch => assert!(result.modified && !result.matches),
                    NotMatched | Failed => assert!(result.modified && !result.matches && result.policy == policy),
                }
                if response.is_none() {
                    assert!(matches!(result.outcome, StaleIfError | Failed));
                }
                if matches!(result.outcome, NotModified | Modified) {
                    origin = Origin { authorized: r.has("authorization"), constructed: true };
                    stored_request = r;
                }
                policy = result.policy;
                check_evaluation(&policy, origin, &stored_request, at.0);
            }
        }
    }
});
