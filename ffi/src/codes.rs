//! The engine's answers as C enums with stable numbers, and their codes and descriptions.
//!
//! Functions named `cachepolicy_*_code` / `*_description` take a plain integer (so any value
//! a caller holds can be passed), and return a static NUL-terminated string, never to be
//! freed, or NULL when the integer names no value.

use std::ffi::c_char;

use cachepolicy_core::{Decision, ExpiryStage, FreshnessSource, Reason, RevalidationOutcome};

/// What a cache should do with a new request, given a stored response
/// (`cachepolicy_policy_evaluate`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cachepolicy_decision {
    /// Serve the stored response: it is fresh (RFC 9111 §4.2).
    Fresh = 0,
    /// Serve the stored response although stale: the request's max-stale allows it (§4.2.4).
    Stale = 1,
    /// Serve the stale response now and revalidate in the background (RFC 5861 §3).
    StaleWhileRevalidate = 2,
    /// Send the conditional request first (§4.3.1); serve according to the answer.
    Revalidate = 3,
    /// The stored response cannot answer this request; forward it.
    NoMatch = 4,
    /// The request said only-if-cached and nothing stored can answer: reply 504 (§5.2.1.7).
    GatewayTimeout = 5,
}

#[cfg(test)]
const DECISIONS: [Decision; 6] = Decision::ALL;

pub(crate) fn decision_of(d: Decision) -> cachepolicy_decision {
    match d {
        Decision::Fresh => cachepolicy_decision::Fresh,
        Decision::Stale => cachepolicy_decision::Stale,
        Decision::StaleWhileRevalidate => cachepolicy_decision::StaleWhileRevalidate,
        Decision::Revalidate => cachepolicy_decision::Revalidate,
        Decision::NoMatch => cachepolicy_decision::NoMatch,
        Decision::GatewayTimeout => cachepolicy_decision::GatewayTimeout,
    }
}

/// Why a response is not storable, or why a stored response cannot simply be served
/// (`cachepolicy_reason_code` / `cachepolicy_reason_description` explain each).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cachepolicy_reason {
    /// No reason: the response is storable, or the decision is a plain fresh hit.
    None = 0,
    /// The request method does not allow storing the response (RFC 9111 §3).
    MethodNotCacheable = 1,
    /// 1xx responses are interim, never stored (RFC 9111 §3).
    StatusNotFinal = 2,
    /// 206 needs range-combining storage, which this engine does not assume (RFC 9111 §3.3).
    StatusPartialContent = 3,
    /// 304 only updates a stored response (RFC 9111 §4.3.4).
    StatusNotModified = 4,
    /// `must-understand` with a status code this cache does not implement (RFC 9111 §5.2.2.3).
    StatusNotUnderstood = 5,
    /// The request said `no-store` (RFC 9111 §5.2.1.5).
    RequestNoStore = 6,
    /// The response said `no-store` (RFC 9111 §5.2.2.5).
    ResponseNoStore = 7,
    /// `private` response in a shared cache (RFC 9111 §5.2.2.7).
    PrivateInSharedCache = 8,
    /// Request with Authorization, in a shared cache, without public/s-maxage/must-revalidate (RFC 9111 §3.5).
    AuthorizationInSharedCache = 9,
    /// `Vary: *` never matches a later request (RFC 9111 §4.1).
    VaryStar = 10,
    /// No explicit freshness and a status that is not heuristically cacheable (RFC 9111 §3, §4.2.2).
    NoFreshnessInformation = 11,
    /// POST response without explicit freshness and a matching Content-Location (RFC 9110 §9.3.3).
    PostWithoutContentLocation = 12,
    /// The new request's method cannot be served by the stored response (RFC 9111 §4).
    MethodMismatch = 13,
    /// The new request's target URI differs (RFC 9111 §4).
    UrlMismatch = 14,
    /// A header field nominated by Vary differs (RFC 9111 §4.1).
    VaryMismatch = 15,
    /// The stored response was not storable in the first place (RFC 9111 §3).
    NotStorable = 16,
    /// The request said `no-cache` or `Pragma: no-cache` (RFC 9111 §5.2.1.4, §5.4).
    RequestNoCache = 17,
    /// The stored response is older than the request's `max-age` (RFC 9111 §5.2.1.1).
    RequestMaxAge = 18,
    /// The stored response will not stay fresh for the request's `min-fresh` (RFC 9111 §5.2.1.3).
    RequestMinFresh = 19,
    /// The response said `no-cache`: every reuse is validated (RFC 9111 §5.2.2.4).
    ResponseNoCache = 20,
    /// The stored response is stale (RFC 9111 §4.2).
    Stale = 21,
    /// Stale, and stale serving is forbidden (RFC 9111 §4.2.4).
    StaleForbidden = 22,
    /// `only-if-cached` and nothing stored can answer: 504 (RFC 9111 §5.2.1.7).
    OnlyIfCached = 23,
    /// Served stale because the request's `max-stale` allows it (RFC 9111 §5.2.1.2).
    MaxStale = 24,
    /// Served stale while revalidating in the background (RFC 5861 §3).
    StaleWhileRevalidate = 25,
    /// Accelerator: a Range or conditional request, passed through untouched.
    Bypassed = 26,
    /// Accelerator: responses to https requests are not stored unless enabled.
    HttpsNotStored = 27,
    /// Accelerator: only 2xx responses (not 206) are stored.
    StatusNot_2xx = 28,
    /// The Set-Cookie policy refuses responses that set cookies.
    SetCookieRefused = 29,
    /// Time priority (`cache_etags` off): no time-based freshness, so not stored.
    NoTimeBasedFreshness = 30,
    /// Accelerator: stale within the grace period; serve it while one caller refreshes.
    GracePeriod = 31,
}

// The C numbers are the engine's declaration order, from 1: a reason added to the engine
// stops this crate from compiling until it is given a number here.
const _: () = assert!(Reason::ALL.len() == 31, "a new engine Reason needs a cachepolicy_reason value");

pub(crate) fn reason_of(r: Option<Reason>) -> cachepolicy_reason {
    use cachepolicy_reason as C;
    let Some(r) = r else { return C::None };
    match r {
        Reason::MethodNotCacheable => C::MethodNotCacheable,
        Reason::StatusNotFinal => C::StatusNotFinal,
        Reason::StatusPartialContent => C::StatusPartialContent,
        Reason::StatusNotModified => C::StatusNotModified,
        Reason::StatusNotUnderstood => C::StatusNotUnderstood,
        Reason::RequestNoStore => C::RequestNoStore,
        Reason::ResponseNoStore => C::ResponseNoStore,
        Reason::PrivateInSharedCache => C::PrivateInSharedCache,
        Reason::AuthorizationInSharedCache => C::AuthorizationInSharedCache,
        Reason::VaryStar => C::VaryStar,
        Reason::NoFreshnessInformation => C::NoFreshnessInformation,
        Reason::PostWithoutContentLocation => C::PostWithoutContentLocation,
        Reason::MethodMismatch => C::MethodMismatch,
        Reason::UrlMismatch => C::UrlMismatch,
        Reason::VaryMismatch => C::VaryMismatch,
        Reason::NotStorable => C::NotStorable,
        Reason::RequestNoCache => C::RequestNoCache,
        Reason::RequestMaxAge => C::RequestMaxAge,
        Reason::RequestMinFresh => C::RequestMinFresh,
        Reason::ResponseNoCache => C::ResponseNoCache,
        Reason::Stale => C::Stale,
        Reason::StaleForbidden => C::StaleForbidden,
        Reason::OnlyIfCached => C::OnlyIfCached,
        Reason::MaxStale => C::MaxStale,
        Reason::StaleWhileRevalidate => C::StaleWhileRevalidate,
        Reason::Bypassed => C::Bypassed,
        Reason::HttpsNotStored => C::HttpsNotStored,
        Reason::StatusNot2xx => C::StatusNot_2xx,
        Reason::SetCookieRefused => C::SetCookieRefused,
        Reason::NoTimeBasedFreshness => C::NoTimeBasedFreshness,
        Reason::GracePeriod => C::GracePeriod,
        // `Reason` is non-exhaustive; the assertion above keeps this arm unreachable.
        _ => C::None,
    }
}

/// The texts of the reason a C value names (1-based position in the engine's list).
fn reason_texts(value: u32) -> Option<(&'static str, &'static str)> {
    let index = usize::try_from(value).ok()?.checked_sub(1)?;
    REASON_TEXTS.get(index).copied()
}

/// Where a freshness lifetime came from (RFC 9111 §4.2.1).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cachepolicy_freshness_source {
    /// No freshness information: the lifetime is 0.
    None = 0,
    /// `s-maxage`, in a shared cache.
    SMaxage = 1,
    /// `max-age`.
    MaxAge = 2,
    /// `Expires` minus `Date`.
    Expires = 3,
    /// A fraction of the time since `Last-Modified` (§4.2.2).
    Heuristic = 4,
    /// The `immutable_min_time_to_live` floor of an `immutable` response (RFC 8246).
    Immutable = 5,
}

#[cfg(test)]
const SOURCES: [FreshnessSource; 6] = [
    FreshnessSource::None,
    FreshnessSource::SMaxAge,
    FreshnessSource::MaxAge,
    FreshnessSource::Expires,
    FreshnessSource::Heuristic,
    FreshnessSource::Immutable,
];

pub(crate) fn source_of(s: FreshnessSource) -> cachepolicy_freshness_source {
    match s {
        FreshnessSource::None => cachepolicy_freshness_source::None,
        FreshnessSource::SMaxAge => cachepolicy_freshness_source::SMaxage,
        FreshnessSource::MaxAge => cachepolicy_freshness_source::MaxAge,
        FreshnessSource::Expires => cachepolicy_freshness_source::Expires,
        FreshnessSource::Heuristic => cachepolicy_freshness_source::Heuristic,
        FreshnessSource::Immutable => cachepolicy_freshness_source::Immutable,
    }
}

/// How the answer to a revalidation request was used (`cachepolicy_policy_revalidated`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cachepolicy_outcome {
    /// A 304 (or a HEAD 200) matched the stored response and freshened it (§4.3.4, §4.3.5).
    NotModified = 0,
    /// A new response replaces the stored one.
    Modified = 1,
    /// A 304 that does not match the stored response: repeat the request unconditionally (§4.3.4).
    NotMatched = 2,
    /// A HEAD response showed the stored response is out of date; it is now stale (§4.3.5).
    HeadMismatch = 3,
    /// An error or no answer, within stale-if-error: keep serving the stored response (RFC 5861 §4).
    StaleIfError = 4,
    /// No answer and the stored response may not be served stale.
    Failed = 5,
}

const OUTCOMES: [(RevalidationOutcome, &str); 6] = [
    (RevalidationOutcome::NotModified, "not_modified\0"),
    (RevalidationOutcome::Modified, "modified\0"),
    (RevalidationOutcome::NotMatched, "not_matched\0"),
    (RevalidationOutcome::HeadMismatch, "head_mismatch\0"),
    (RevalidationOutcome::StaleIfError, "stale_if_error\0"),
    (RevalidationOutcome::Failed, "failed\0"),
];

pub(crate) fn outcome_of(o: RevalidationOutcome) -> cachepolicy_outcome {
    match o {
        RevalidationOutcome::NotModified => cachepolicy_outcome::NotModified,
        RevalidationOutcome::Modified => cachepolicy_outcome::Modified,
        RevalidationOutcome::NotMatched => cachepolicy_outcome::NotMatched,
        RevalidationOutcome::HeadMismatch => cachepolicy_outcome::HeadMismatch,
        RevalidationOutcome::StaleIfError => cachepolicy_outcome::StaleIfError,
        RevalidationOutcome::Failed => cachepolicy_outcome::Failed,
    }
}

/// The engine's reason codes and descriptions, NUL-terminated for C, in the engine's order
/// (C value − 1). `tests` checks them against the engine's own texts.
const REASON_TEXTS: [(&str, &str); 31] = [
    ("method_not_cacheable\0", "not storable: the request method is not cacheable (RFC 9111 §3)\0"),
    ("status_not_final\0", "not storable: 1xx responses are interim (RFC 9111 §3)\0"),
    ("status_partial_content\0", "not storable: 206 partial content is not combined by this cache (RFC 9111 §3.3)\0"),
    ("status_not_modified\0", "not storable: a 304 only updates a stored response (RFC 9111 §4.3.4)\0"),
    ("status_not_understood\0", "not storable: must-understand with a status code this cache does not implement (RFC 9111 §5.2.2.3)\0"),
    ("request_no_store\0", "not storable: the request said no-store (RFC 9111 §5.2.1.5)\0"),
    ("response_no_store\0", "not storable: the response said no-store (RFC 9111 §5.2.2.5)\0"),
    ("private_in_shared_cache\0", "not storable: private response in a shared cache (RFC 9111 §5.2.2.7)\0"),
    ("authorization_in_shared_cache\0", "not storable: authorized request in a shared cache without public, s-maxage or must-revalidate (RFC 9111 §3.5)\0"),
    ("vary_star\0", "not storable: Vary: * never matches a later request (RFC 9111 §4.1)\0"),
    ("no_freshness_information\0", "not storable: no explicit freshness and the status is not heuristically cacheable (RFC 9111 §3, §4.2.2)\0"),
    ("post_without_content_location\0", "not storable: POST response without explicit freshness and a matching Content-Location (RFC 9110 §9.3.3)\0"),
    ("method_mismatch\0", "no match: the stored response cannot serve this method (RFC 9111 §4)\0"),
    ("url_mismatch\0", "no match: different target URI (RFC 9111 §4)\0"),
    ("vary_mismatch\0", "no match: a header nominated by Vary differs (RFC 9111 §4.1)\0"),
    ("not_storable\0", "no match: the stored response was not storable (RFC 9111 §3)\0"),
    ("request_no_cache\0", "revalidate: the request said no-cache (RFC 9111 §5.2.1.4, §5.4)\0"),
    ("request_max_age\0", "revalidate: older than the request's max-age (RFC 9111 §5.2.1.1)\0"),
    ("request_min_fresh\0", "revalidate: not fresh enough for the request's min-fresh (RFC 9111 §5.2.1.3)\0"),
    ("response_no_cache\0", "revalidate: the response said no-cache (RFC 9111 §5.2.2.4)\0"),
    ("stale\0", "revalidate: the stored response is stale (RFC 9111 §4.2)\0"),
    ("stale_forbidden\0", "revalidate: stale, and serving stale is forbidden (RFC 9111 §4.2.4)\0"),
    ("only_if_cached\0", "504: only-if-cached and no stored response can be used (RFC 9111 §5.2.1.7)\0"),
    ("max_stale\0", "serve stale: the request's max-stale allows it (RFC 9111 §5.2.1.2)\0"),
    ("stale_while_revalidate\0", "serve stale, revalidate in the background (RFC 5861 §3)\0"),
    ("bypassed\0", "pass through: Range or conditional request, not handled by this accelerator (accelerator option, relaxes RFC 9111 §4)\0"),
    ("https_not_stored\0", "not storable: https responses are not stored unless enabled (accelerator option, RFC 9111 §3 would allow)\0"),
    ("status_not_2xx\0", "not storable: only 2xx responses other than 206 are stored (accelerator option, RFC 9111 §3 would allow)\0"),
    ("set_cookie_refused\0", "not storable: the response sets a cookie and the Set-Cookie policy refuses it (option; RFC 9111 §3 would allow)\0"),
    ("no_time_based_freshness\0", "not storable: no time-based freshness, and ETag caching is off (time priority; RFC 9111 §4.2)\0"),
    ("grace_period\0", "serve stale within the grace period while one caller refreshes (accelerator option, relaxes RFC 9111 §4.2.4)\0"),
];

const DECISION_CODES: [&str; 6] = ["fresh\0", "stale\0", "stale_while_revalidate\0", "revalidate\0", "no_match\0", "gateway_timeout\0"];

const SOURCE_CODES: [&str; 6] = ["none\0", "s-maxage\0", "max-age\0", "expires\0", "heuristic\0", "immutable\0"];

fn c_text(text: &'static str) -> *const c_char {
    debug_assert!(text.ends_with('\0'));
    text.as_ptr().cast()
}

/// Where a stored response stands in its two-stage expiry (`cachepolicy_policy_expiry_stage`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cachepolicy_expiry_stage {
    /// Fresh: serve it.
    Fresh = 0,
    /// Past its freshness, within the grace period or stale-while-revalidate window: serve it,
    /// and let one caller refresh it.
    SoftExpired = 1,
    /// Past every window: revalidate before serving.
    HardExpired = 2,
}

const STAGES: [(ExpiryStage, &str); 3] =
    [(ExpiryStage::Fresh, "fresh\0"), (ExpiryStage::SoftExpired, "soft_expired\0"), (ExpiryStage::HardExpired, "hard_expired\0")];

pub(crate) fn stage_of(s: ExpiryStage) -> cachepolicy_expiry_stage {
    match s {
        ExpiryStage::Fresh => cachepolicy_expiry_stage::Fresh,
        ExpiryStage::SoftExpired => cachepolicy_expiry_stage::SoftExpired,
        ExpiryStage::HardExpired => cachepolicy_expiry_stage::HardExpired,
    }
}

/// The stable code of an expiry stage: `"fresh"`, `"soft_expired"` or `"hard_expired"`; NULL
/// when `stage` names none.
#[no_mangle]
pub extern "C" fn cachepolicy_expiry_stage_code(stage: u32) -> *const c_char {
    STAGES.get(stage as usize).map_or(std::ptr::null(), |&(_, code)| c_text(code))
}

/// The stable code of a decision: `"fresh"`, `"stale"`, `"stale_while_revalidate"`,
/// `"revalidate"`, `"no_match"` or `"gateway_timeout"`; NULL when `decision` names none.
#[no_mangle]
pub extern "C" fn cachepolicy_decision_code(decision: u32) -> *const c_char {
    DECISION_CODES.get(decision as usize).map_or(std::ptr::null(), |&code| c_text(code))
}

/// The stable snake_case code of a reason, e.g. `"private_in_shared_cache"` (the codes of
/// `tests/vectors/README.md`); `"none"` for `CACHEPOLICY_REASON_NONE`; NULL when `reason`
/// names none.
#[no_mangle]
pub extern "C" fn cachepolicy_reason_code(reason: u32) -> *const c_char {
    match reason {
        0 => c_text("none\0"),
        _ => reason_texts(reason).map_or(std::ptr::null(), |(code, _)| c_text(code)),
    }
}

/// A one-line English explanation of a reason, citing the RFC section; NULL when `reason`
/// names none.
#[no_mangle]
pub extern "C" fn cachepolicy_reason_description(reason: u32) -> *const c_char {
    match reason {
        0 => c_text("no reason: storable, or a fresh hit\0"),
        _ => reason_texts(reason).map_or(std::ptr::null(), |(_, description)| c_text(description)),
    }
}

/// The stable code of a freshness source: `"none"`, `"s-maxage"`, `"max-age"`, `"expires"`,
/// `"heuristic"` or `"immutable"`; NULL when `source` names none.
#[no_mangle]
pub extern "C" fn cachepolicy_freshness_source_code(source: u32) -> *const c_char {
    SOURCE_CODES.get(source as usize).map_or(std::ptr::null(), |&code| c_text(code))
}

/// The stable code of a revalidation outcome: `"not_modified"`, `"modified"`,
/// `"not_matched"`, `"head_mismatch"`, `"stale_if_error"` or `"failed"`; NULL when `outcome`
/// names none.
#[no_mangle]
pub extern "C" fn cachepolicy_outcome_code(outcome: u32) -> *const c_char {
    OUTCOMES.get(outcome as usize).map_or(std::ptr::null(), |&(_, code)| c_text(code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn text(p: *const c_char) -> &'static str {
        assert!(!p.is_null());
        unsafe { CStr::from_ptr(p) }.to_str().unwrap()
    }

    #[test]
    fn reason_numbers_follow_the_engine_order_and_codes_round_trip() {
        for (i, r) in Reason::ALL.iter().enumerate() {
            assert_eq!(reason_of(Some(*r)) as u32, i as u32 + 1, "{r:?}");
            assert_eq!(text(cachepolicy_reason_code(i as u32 + 1)), r.code());
            assert_eq!(text(cachepolicy_reason_description(i as u32 + 1)), r.description());
            // The C constant's name is the code: CACHEPOLICY_REASON_<CODE>.
            assert_eq!(format!("{:?}", reason_of(Some(*r))).to_lowercase().replace('_', ""), r.code().replace('_', ""));
        }
        assert_eq!(text(cachepolicy_reason_code(0)), "none");
        assert!(cachepolicy_reason_code(32).is_null());
        assert!(cachepolicy_reason_code(u32::MAX).is_null());
    }

    #[test]
    fn decisions_sources_and_outcomes_map_to_their_positions() {
        for (i, d) in DECISIONS.iter().enumerate() {
            assert_eq!(decision_of(*d) as usize, i);
            assert_eq!(text(cachepolicy_decision_code(i as u32)), d.code());
        }
        for (i, s) in SOURCES.iter().enumerate() {
            assert_eq!(source_of(*s) as usize, i);
            assert_eq!(text(cachepolicy_freshness_source_code(i as u32)), s.code());
        }
        for (i, (o, code)) in OUTCOMES.iter().enumerate() {
            assert_eq!(outcome_of(*o) as usize, i);
            assert_eq!(text(cachepolicy_outcome_code(i as u32)), code.trim_end_matches('\0'));
        }
        for (i, (stage, code)) in STAGES.iter().enumerate() {
            assert_eq!(stage_of(*stage) as usize, i);
            assert_eq!(text(cachepolicy_expiry_stage_code(i as u32)), stage.code());
            assert_eq!(code.trim_end_matches('\0'), stage.code());
        }
        assert!(cachepolicy_expiry_stage_code(3).is_null());
        assert!(cachepolicy_decision_code(6).is_null());
        assert!(cachepolicy_freshness_source_code(6).is_null());
        assert!(cachepolicy_outcome_code(6).is_null());
    }
}
