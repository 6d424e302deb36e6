//! `cachepolicy_policy`: the caching policy of one stored response, and every question the
//! engine answers about it.

use std::ffi::c_char;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cachepolicy_core::{CachePolicy, Options};

use crate::boundary::{borrow, free_handle, guard, into_handle, optional_out, out, slice, Out};
use crate::codes::{
    cachepolicy_decision, cachepolicy_expiry_stage, cachepolicy_freshness_source, cachepolicy_outcome, cachepolicy_reason, decision_of, outcome_of,
    reason_of, source_of, stage_of,
};
use crate::input::{cachepolicy_request, cachepolicy_response, RequestView, ResponseView};
use crate::lists::{cachepolicy_bytes, cachepolicy_headers, cachepolicy_strings};
use crate::options::cachepolicy_options;
use crate::status::{cachepolicy_error, cachepolicy_status};

/// The caching policy of one stored response: whether it may be stored, whether it can answer
/// a later request, how to revalidate it. Made by `cachepolicy_policy_new`,
/// `cachepolicy_policy_revalidated*` or `cachepolicy_policy_from_bytes`; freed with
/// `cachepolicy_policy_free`.
///
/// Immutable: every function takes it as `const` and none changes it, so one policy may be
/// used from several threads at once without locking (it must not be freed while in use).
/// Revalidation makes a new policy.
#[derive(Debug)]
pub struct cachepolicy_policy {
    pub(crate) policy: CachePolicy,
}

/// The whole answer for a new request (`cachepolicy_policy_evaluate`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct cachepolicy_evaluation {
    /// What to do.
    pub decision: cachepolicy_decision,
    /// Why: `CACHEPOLICY_REASON_NONE` for a plain fresh hit, a reason for every other decision.
    pub reason: cachepolicy_reason,
    /// The decision serves the stored response now (fresh, stale, stale-while-revalidate):
    /// use the response headers.
    pub serves_stored: bool,
    /// The decision sends a request to the origin, now or in the background (revalidate,
    /// stale-while-revalidate, no match): use the revalidation headers.
    pub contacts_origin: bool,
}

/// How the origin's answer to a revalidation request was used (`cachepolicy_policy_revalidated`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct cachepolicy_revalidation {
    /// The stored body can no longer be used: use the new response's body, or repeat the
    /// request without conditionals.
    pub modified: bool,
    /// The answer was matched to the stored response (or the stored response is kept on error).
    pub matches: bool,
    /// What happened.
    pub outcome: cachepolicy_outcome,
}

/// Unix milliseconds as a `SystemTime`.
pub(crate) fn time(ms: i64) -> SystemTime {
    if ms >= 0 {
        UNIX_EPOCH + Duration::from_millis(ms as u64)
    } else {
        UNIX_EPOCH - Duration::from_millis(ms.unsigned_abs())
    }
}

/// A `SystemTime` as Unix milliseconds, saturating.
fn time_ms(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => duration_ms(d),
        Err(e) => duration_ms(e.duration()).saturating_neg(),
    }
}

/// A duration in whole milliseconds, saturating.
pub(crate) fn duration_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Hands a new policy to the caller through `policy_out`.
fn hand_out(policy_out: &Out<*mut cachepolicy_policy>, policy: CachePolicy) {
    policy_out.set(into_handle(cachepolicy_policy { policy }));
}

/// Answers one question about a policy into `*value_out` (`zero` on failure).
pub(crate) unsafe fn query<T>(policy: *const cachepolicy_policy, value_out: *mut T, zero: T, read: impl FnOnce(&CachePolicy) -> T) -> cachepolicy_status {
    guard(std::ptr::null_mut(), || {
        let value_out = unsafe { out(value_out, "value_out") }?;
        value_out.set(zero);
        value_out.set(read(&unsafe { borrow(policy, "policy") }?.policy));
        Ok(())
    })
}

/// Like [`query`], for questions about a request.
unsafe fn query_request<T>(
    policy: *const cachepolicy_policy,
    request: *const cachepolicy_request,
    value_out: *mut T,
    zero: T,
    error_out: *mut *mut cachepolicy_error,
    read: impl FnOnce(&CachePolicy, &RequestView<'_>) -> T,
) -> cachepolicy_status {
    guard(error_out, || {
        let value_out = unsafe { out(value_out, "value_out") }?;
        value_out.set(zero);
        let policy = unsafe { borrow(policy, "policy") }?;
        let request = unsafe { RequestView::check(request, "request") }?;
        value_out.set(read(&policy.policy, &request));
        Ok(())
    })
}

/// Builds the policy of `response`, which answered `request`: the request was sent at
/// `request_time_ms` and the response received at `response_time_ms` (Unix milliseconds; pass
/// the same time twice when the request time is not known). The request time lets the age
/// account for the response delay (RFC 9111 §4.2.3).
///
/// `options` may be NULL for the defaults; it is copied. `request` and `response` are only
/// read during the call. On success `*policy_out` receives a new policy, owned by the caller
/// and freed with `cachepolicy_policy_free`; on failure it receives NULL.
///
/// Fails (status, and `*error_out` when `error_out` is not NULL) when the method is not a
/// token, the URL is empty, not UTF-8 or holds whitespace or control characters, the status
/// is outside 100–999, or a header name is not a token. Header values are never refused.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_new(
    options: *const cachepolicy_options,
    request: *const cachepolicy_request,
    response: *const cachepolicy_response,
    request_time_ms: i64,
    response_time_ms: i64,
    policy_out: *mut *mut cachepolicy_policy,
    error_out: *mut *mut cachepolicy_error,
) -> cachepolicy_status {
    guard(error_out, || {
        let policy_out = unsafe { out(policy_out, "policy_out") }?;
        policy_out.set(std::ptr::null_mut());
        let defaults;
        let options = match unsafe { options.as_ref() } {
            Some(o) => &o.options,
            None => {
                defaults = Options::default();
                &defaults
            }
        };
        let request = unsafe { RequestView::check(request, "request") }?;
        let response = unsafe { ResponseView::check(response, "response") }?;
        let policy = CachePolicy::with_request_time(&request, &response, options, time(request_time_ms), time(response_time_ms))?;
        hand_out(&policy_out, policy);
        Ok(())
    })
}

/// Frees a policy. NULL is allowed and does nothing. No other thread may be using it.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_free(policy: *mut cachepolicy_policy) {
    unsafe { free_handle(policy) }
}

/// Whether the response may be stored at all (RFC 9111 §3). When false, neither the request
/// nor the response may be stored.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_storable(policy: *const cachepolicy_policy, storable_out: *mut bool) -> cachepolicy_status {
    unsafe { query(policy, storable_out, false, CachePolicy::storable) }
}

/// Why the response may not be stored: `CACHEPOLICY_REASON_NONE` when it may.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_not_storable_reason(
    policy: *const cachepolicy_policy,
    reason_out: *mut cachepolicy_reason,
) -> cachepolicy_status {
    unsafe { query(policy, reason_out, cachepolicy_reason::None, |p| reason_of(p.not_storable_reason())) }
}

/// Decides how to answer `request` at `now_ms` with the stored response (RFC 9111 §4): the
/// decision and its reason go to `*evaluation_out`.
///
/// `response_headers_out` and `revalidation_headers_out` may each be NULL when not wanted.
/// Otherwise `*response_headers_out` receives the headers to serve the stored response with
/// when the decision serves it (else NULL), and `*revalidation_headers_out` the request
/// headers to send to the origin when the decision contacts it (conditional for a
/// revalidation, plain for a forwarded request; else NULL). Each list is owned by the caller
/// and freed with `cachepolicy_headers_free`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_evaluate(
    policy: *const cachepolicy_policy,
    request: *const cachepolicy_request,
    now_ms: i64,
    evaluation_out: *mut cachepolicy_evaluation,
    response_headers_out: *mut *mut cachepolicy_headers,
    revalidation_headers_out: *mut *mut cachepolicy_headers,
    error_out: *mut *mut cachepolicy_error,
) -> cachepolicy_status {
    guard(error_out, || {
        let evaluation_out = unsafe { out(evaluation_out, "evaluation_out") }?;
        evaluation_out.set(cachepolicy_evaluation {
            decision: cachepolicy_decision::NoMatch,
            reason: cachepolicy_reason::None,
            serves_stored: false,
            contacts_origin: false,
        });
        let response_headers_out = unsafe { optional_out(response_headers_out) };
        let revalidation_headers_out = unsafe { optional_out(revalidation_headers_out) };
        for headers_out in [&response_headers_out, &revalidation_headers_out].into_iter().flatten() {
            headers_out.set(std::ptr::null_mut());
        }
        let policy = unsafe { borrow(policy, "policy") }?;
        let request = unsafe { RequestView::check(request, "request") }?;
        let evaluation = policy.policy.evaluate(&request, time(now_ms));
        let decision = evaluation.decision();
        if let Some(headers_out) = &response_headers_out {
            if let Some(headers) = evaluation.response_headers() {
                headers_out.set(into_handle(cachepolicy_headers::from_lines(headers)));
            }
        }
        if let Some(headers_out) = &revalidation_headers_out {
            if let Some(headers) = evaluation.revalidation_headers() {
                headers_out.set(into_handle(cachepolicy_headers::from_lines(headers)));
            }
        }
        evaluation_out.set(cachepolicy_evaluation {
            decision: decision_of(decision),
            reason: reason_of(evaluation.reason()),
            serves_stored: decision.serves_stored(),
            contacts_origin: decision.contacts_origin(),
        });
        Ok(())
    })
}

/// Whether the stored response can be served for `request` at `now_ms` without contacting
/// the origin (the decision would be fresh or stale).
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_satisfies_without_revalidation(
    policy: *const cachepolicy_policy,
    request: *const cachepolicy_request,
    now_ms: i64,
    satisfies_out: *mut bool,
    error_out: *mut *mut cachepolicy_error,
) -> cachepolicy_status {
    unsafe { query_request(policy, request, satisfies_out, false, error_out, |p, r| p.satisfies_without_revalidation(r, time(now_ms))) }
}

/// The headers to serve the stored response with at `now_ms` (RFC 9111 §3.1, §5.1):
/// hop-by-hop and Connection-listed fields removed, `Age` updated, `Date` added when the
/// response had none. `*headers_out` receives a new list owned by the caller, freed with
/// `cachepolicy_headers_free`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_response_headers(
    policy: *const cachepolicy_policy,
    now_ms: i64,
    headers_out: *mut *mut cachepolicy_headers,
) -> cachepolicy_status {
    unsafe {
        query(policy, headers_out, std::ptr::null_mut(), |p| into_handle(cachepolicy_headers::from_lines(p.response_headers(time(now_ms)))))
    }
}

/// The request headers to send to the origin for `request` at `now_ms` (RFC 9111 §4.3.1):
/// the request's fields minus hop-by-hop ones, with the stored validators (If-None-Match,
/// If-Modified-Since) when the stored response can answer the request. `*headers_out`
/// receives a new list owned by the caller, freed with `cachepolicy_headers_free`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_revalidation_headers(
    policy: *const cachepolicy_policy,
    request: *const cachepolicy_request,
    now_ms: i64,
    headers_out: *mut *mut cachepolicy_headers,
    error_out: *mut *mut cachepolicy_error,
) -> cachepolicy_status {
    unsafe {
        query_request(policy, request, headers_out, std::ptr::null_mut(), error_out, |p, r| {
            into_handle(cachepolicy_headers::from_lines(p.revalidation_headers(r, time(now_ms))))
        })
    }
}

unsafe fn revalidated(
    policy: *const cachepolicy_policy,
    request: *const cachepolicy_request,
    response: Option<*const cachepolicy_response>,
    now_ms: i64,
    revalidation_out: *mut cachepolicy_revalidation,
    policy_out: *mut *mut cachepolicy_policy,
    error_out: *mut *mut cachepolicy_error,
) -> cachepolicy_status {
    guard(error_out, || {
        let revalidation_out = unsafe { out(revalidation_out, "revalidation_out") }?;
        let policy_out = unsafe { out(policy_out, "policy_out") }?;
        revalidation_out.set(cachepolicy_revalidation { modified: true, matches: false, outcome: cachepolicy_outcome::Failed });
        policy_out.set(std::ptr::null_mut());
        let policy = unsafe { borrow(policy, "policy") }?;
        let request = unsafe { RequestView::check(request, "request") }?;
        let response = match response {
            Some(r) => Some(unsafe { ResponseView::check(r, "response") }?),
            None => None,
        };
        let result = policy.policy.revalidated_policy(&request, response.as_ref(), time(now_ms))?;
        revalidation_out.set(cachepolicy_revalidation {
            modified: result.modified,
            matches: result.matches,
            outcome: outcome_of(result.outcome),
        });
        hand_out(&policy_out, result.policy);
        Ok(())
    })
}

/// Merges the origin's answer `response` to the revalidation of `request`, received at
/// `now_ms` (RFC 9111 §4.3.3–§4.3.5; RFC 5861 §4).
///
/// A 304 matched to the stored response by its validators freshens it (`modified` false);
/// one that does not match asks for an unconditional request. A 5xx error keeps the stored
/// response while stale-if-error allows. A 200 to a HEAD request freshens or invalidates the
/// stored GET response. Any other response replaces the stored one (`modified` true).
///
/// `*revalidation_out` receives what happened, and `*policy_out` a new policy to keep from
/// now on (owned by the caller, freed with `cachepolicy_policy_free`; `policy` stays valid
/// and unchanged). Fails only when `response` itself is invalid (see
/// `cachepolicy_policy_new`).
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_revalidated(
    policy: *const cachepolicy_policy,
    request: *const cachepolicy_request,
    response: *const cachepolicy_response,
    now_ms: i64,
    revalidation_out: *mut cachepolicy_revalidation,
    policy_out: *mut *mut cachepolicy_policy,
    error_out: *mut *mut cachepolicy_error,
) -> cachepolicy_status {
    unsafe { revalidated(policy, request, Some(response), now_ms, revalidation_out, policy_out, error_out) }
}

/// Like `cachepolicy_policy_revalidated`, when no answer came at all (connection failure,
/// timeout): the stored response is kept while stale-if-error allows (`outcome`
/// stale_if_error, `modified` false), else `outcome` failed, `modified` true. `*policy_out`
/// receives a new policy owned by the caller, freed with `cachepolicy_policy_free`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_revalidated_without_response(
    policy: *const cachepolicy_policy,
    request: *const cachepolicy_request,
    now_ms: i64,
    revalidation_out: *mut cachepolicy_revalidation,
    policy_out: *mut *mut cachepolicy_policy,
    error_out: *mut *mut cachepolicy_error,
) -> cachepolicy_status {
    unsafe { revalidated(policy, request, None, now_ms, revalidation_out, policy_out, error_out) }
}

/// Lost-update protection (RFC 9110 §13.1.1, §13.1.4): for a PUT, PATCH or DELETE `request`
/// to the stored response's URI, the precondition to add so that the change applies only to
/// the version the client has seen: `If-Match` with the stored strong ETag, else
/// `If-Unmodified-Since` with the stored Last-Modified. Empty when the request is of another
/// method or URI, already carries either precondition, or there is no usable validator.
/// `*headers_out` receives a new list owned by the caller, freed with `cachepolicy_headers_free`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_lost_update_headers(
    policy: *const cachepolicy_policy,
    request: *const cachepolicy_request,
    headers_out: *mut *mut cachepolicy_headers,
    error_out: *mut *mut cachepolicy_error,
) -> cachepolicy_status {
    unsafe {
        query_request(policy, request, headers_out, std::ptr::null_mut(), error_out, |p, r| {
            into_handle(cachepolicy_headers::from_lines(p.lost_update_headers(r)))
        })
    }
}

/// The freshness lifetime in milliseconds (RFC 9111 §4.2.1; `max-age` in other libraries'
/// terms): how long after its generation the response is fresh.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_freshness_lifetime(policy: *const cachepolicy_policy, milliseconds_out: *mut i64) -> cachepolicy_status {
    unsafe { query(policy, milliseconds_out, 0, |p| duration_ms(p.freshness_lifetime())) }
}

/// Where the freshness lifetime came from.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_freshness_source(
    policy: *const cachepolicy_policy,
    source_out: *mut cachepolicy_freshness_source,
) -> cachepolicy_status {
    unsafe { query(policy, source_out, cachepolicy_freshness_source::None, |p| source_of(p.freshness_source())) }
}

/// The current age at `now_ms`, in milliseconds (RFC 9111 §4.2.3).
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_age(policy: *const cachepolicy_policy, now_ms: i64, milliseconds_out: *mut i64) -> cachepolicy_status {
    unsafe { query(policy, milliseconds_out, 0, |p| duration_ms(p.age(time(now_ms)))) }
}

/// Time left at `now_ms` until the response becomes stale, in milliseconds:
/// max(0, lifetime − age).
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_time_to_live(policy: *const cachepolicy_policy, now_ms: i64, milliseconds_out: *mut i64) -> cachepolicy_status {
    unsafe { query(policy, milliseconds_out, 0, |p| duration_ms(p.time_to_live(time(now_ms)))) }
}

/// Whether the response is stale at `now_ms`: its age has reached its lifetime (RFC 9111 §4.2).
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_is_stale(policy: *const cachepolicy_policy, now_ms: i64, stale_out: *mut bool) -> cachepolicy_status {
    unsafe { query(policy, stale_out, false, |p| p.is_stale(time(now_ms))) }
}

/// How long, in milliseconds from `now_ms`, a store should keep the entry: until the end of
/// its freshness plus the longer of its stale-while-revalidate and stale-if-error windows
/// (RFC 5861). 0 for a response that is not storable.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_retention(policy: *const cachepolicy_policy, now_ms: i64, milliseconds_out: *mut i64) -> cachepolicy_status {
    unsafe { query(policy, milliseconds_out, 0, |p| duration_ms(p.retention(time(now_ms)))) }
}

/// Where the response stands at `now_ms` in a two-stage expiry (a pattern against
/// dog-piling): fresh; soft-expired (past its freshness but within the grace period or
/// stale-while-revalidate window: serve it while exactly one caller refreshes it); or
/// hard-expired (revalidate before serving).
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_expiry_stage(
    policy: *const cachepolicy_policy,
    now_ms: i64,
    stage_out: *mut cachepolicy_expiry_stage,
) -> cachepolicy_status {
    unsafe { query(policy, stage_out, cachepolicy_expiry_stage::HardExpired, |p| stage_of(p.expiry_stage(time(now_ms)))) }
}

/// Whether, at `now_ms`, the response is within its stale-while-revalidate window (or still
/// fresh) and that directive may be used (RFC 5861 §3, RFC 9111 §4.2.4).
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_within_stale_while_revalidate(
    policy: *const cachepolicy_policy,
    now_ms: i64,
    within_out: *mut bool,
) -> cachepolicy_status {
    unsafe { query(policy, within_out, false, |p| p.within_stale_while_revalidate(time(now_ms))) }
}

/// Whether, when the origin answers `request` with an error (500, 502, 503, 504) or not at
/// all, the stored response may be served instead at `now_ms` (RFC 5861 §4 with RFC 9111
/// §4.2.4).
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_within_stale_if_error(
    policy: *const cachepolicy_policy,
    request: *const cachepolicy_request,
    now_ms: i64,
    within_out: *mut bool,
    error_out: *mut *mut cachepolicy_error,
) -> cachepolicy_status {
    unsafe { query_request(policy, request, within_out, false, error_out, |p, r| p.within_stale_if_error(r, time(now_ms))) }
}

/// The URIs a cache must invalidate now that the policy's response answered its request
/// (RFC 9111 §4.4): after an unsafe method and a 2xx/3xx status, the target URI, then
/// same-origin `Location` and `Content-Location`. Empty after a safe method.
/// `*targets_out` receives a new list owned by the caller, freed with `cachepolicy_strings_free`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_invalidation_targets(
    policy: *const cachepolicy_policy,
    targets_out: *mut *mut cachepolicy_strings,
) -> cachepolicy_status {
    unsafe { query(policy, targets_out, std::ptr::null_mut(), |p| into_handle(cachepolicy_strings::from_strings(p.invalidation_targets()))) }
}

/// Serializes the policy to bytes (a stable, versioned format) for a store to keep.
/// `*bytes_out` receives a new buffer owned by the caller, freed with `cachepolicy_bytes_free`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_to_bytes(policy: *const cachepolicy_policy, bytes_out: *mut *mut cachepolicy_bytes) -> cachepolicy_status {
    unsafe { query(policy, bytes_out, std::ptr::null_mut(), |p| into_handle(cachepolicy_bytes::new(p.to_bytes()))) }
}

/// Reads a policy serialized by `cachepolicy_policy_to_bytes` from `length` bytes at `data`
/// (only read during the call). `*policy_out` receives a new policy owned by the caller,
/// freed with `cachepolicy_policy_free`. Fails with `CACHEPOLICY_STATUS_INVALID_SERIALIZATION`
/// on truncated, corrupt or foreign bytes or an unknown format version.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_from_bytes(
    data: *const u8,
    length: usize,
    policy_out: *mut *mut cachepolicy_policy,
    error_out: *mut *mut cachepolicy_error,
) -> cachepolicy_status {
    guard(error_out, || {
        let policy_out = unsafe { out(policy_out, "policy_out") }?;
        policy_out.set(std::ptr::null_mut());
        let bytes = unsafe { slice(data, length, "data") }?;
        hand_out(&policy_out, CachePolicy::from_bytes(bytes)?);
        Ok(())
    })
}

/// The status code of the stored response.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_status(policy: *const cachepolicy_policy, status_out: *mut u16) -> cachepolicy_status {
    unsafe { query(policy, status_out, 0, CachePolicy::status) }
}

unsafe fn text(
    policy: *const cachepolicy_policy,
    text_out: *mut *const c_char,
    length_out: *mut usize,
    read: impl FnOnce(&CachePolicy) -> &str,
) -> cachepolicy_status {
    guard(std::ptr::null_mut(), || {
        let text_out = unsafe { out(text_out, "text_out") }?;
        let length_out = unsafe { out(length_out, "length_out") }?;
        text_out.set(std::ptr::null());
        length_out.set(0);
        let text = read(&unsafe { borrow(policy, "policy") }?.policy);
        text_out.set(text.as_ptr().cast());
        length_out.set(text.len());
        Ok(())
    })
}

/// The method of the request the response answered: `*method_out` receives a pointer owned
/// by `policy` (valid until `cachepolicy_policy_free(policy)`, not NUL-terminated) and
/// `*length_out` its length.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_method(
    policy: *const cachepolicy_policy,
    method_out: *mut *const c_char,
    length_out: *mut usize,
) -> cachepolicy_status {
    unsafe { text(policy, method_out, length_out, CachePolicy::method) }
}

/// The target URI of the request the response answered, as given: `*url_out` receives a
/// pointer owned by `policy` (valid until `cachepolicy_policy_free(policy)`, not
/// NUL-terminated) and `*length_out` its length.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_url(policy: *const cachepolicy_policy, url_out: *mut *const c_char, length_out: *mut usize) -> cachepolicy_status {
    unsafe { text(policy, url_out, length_out, CachePolicy::url) }
}

/// The response's `date_value` (RFC 9111 §4.2.3) in Unix milliseconds: its valid `Date`, or
/// the time it was received (also when `trust_server_date` is off).
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_date(policy: *const cachepolicy_policy, unix_ms_out: *mut i64) -> cachepolicy_status {
    unsafe { query(policy, unix_ms_out, 0, |p| time_ms(p.date())) }
}

/// When the response was received, in Unix milliseconds.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_response_time(policy: *const cachepolicy_policy, unix_ms_out: *mut i64) -> cachepolicy_status {
    unsafe { query(policy, unix_ms_out, 0, |p| time_ms(p.response_time())) }
}

/// The options the policy was built with: `*options_out` receives a new copy owned by the
/// caller, freed with `cachepolicy_options_free`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_options(
    policy: *const cachepolicy_policy,
    options_out: *mut *mut cachepolicy_options,
) -> cachepolicy_status {
    unsafe { query(policy, options_out, std::ptr::null_mut(), |p| into_handle(cachepolicy_options { options: p.options().clone() })) }
}

/// The stored response header lines, in order (hop-by-hop and other fields a cache must not
/// store already removed, RFC 9111 §3.1; `Age` and `Date` as received). `*headers_out`
/// receives a new list owned by the caller, freed with `cachepolicy_headers_free`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_stored_headers(
    policy: *const cachepolicy_policy,
    headers_out: *mut *mut cachepolicy_headers,
) -> cachepolicy_status {
    unsafe { query(policy, headers_out, std::ptr::null_mut(), |p| into_handle(cachepolicy_headers::from_lines(p.stored_headers()))) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_unix_milliseconds_both_ways() {
        for ms in [0, 1, 1_700_000_000_123, -1, -86_400_000, i64::MAX / 2] {
            assert_eq!(time_ms(time(ms)), ms);
        }
        assert_eq!(duration_ms(Duration::MAX), i64::MAX);
    }

    #[test]
    fn a_policy_handle_is_send_and_sync() {
        fn shareable<T: Send + Sync>() {}
        shareable::<cachepolicy_policy>();
        shareable::<cachepolicy_headers>();
        shareable::<cachepolicy_strings>();
        shareable::<cachepolicy_bytes>();
        shareable::<cachepolicy_error>();
    }
}
