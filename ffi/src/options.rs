//! `cachepolicy_options`: how the cache that asks behaves. One setter and one getter per
//! engine option (an option added to the engine gets its pair here), and named profiles.

use std::ffi::c_char;
use std::time::Duration;

use cachepolicy_core::{Options, RequestNoCache, SetCookiePolicy};

use crate::boundary::{borrow, borrow_mut, free_handle, guard, into_handle, out, slice, Failure};
use crate::lists::cachepolicy_strings;
use crate::policy::duration_ms;
use crate::status::{cachepolicy_error, cachepolicy_status};

/// Options for building policies. Made by `cachepolicy_options_new`,
/// `cachepolicy_options_new_profile` or `cachepolicy_policy_options`; freed with
/// `cachepolicy_options_free`. A policy copies the options it is built with, so they may be
/// changed or freed afterwards. Not synchronized: do not change one from a thread while
/// another thread uses it.
///
/// Every option defaults to the RFC 9111 behaviour. The options marked "accelerator" are
/// deliberate relaxations for a reverse cache run by the origin's operator.
#[derive(Debug, Clone, Default)]
pub struct cachepolicy_options {
    pub(crate) options: Options,
}

/// What a request's `no-cache` (or `Pragma: no-cache`) asks of the cache (RFC 9111 §5.2.1.4).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cachepolicy_request_no_cache {
    /// Validate the stored response with the origin (a conditional request). The default.
    Revalidate = 0,
    /// An end-to-end reload: forward the request without validators (decision no match).
    Reload = 1,
}

/// How a cache treats responses that set cookies.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cachepolicy_set_cookie {
    /// Store, but in a shared cache revalidate every reuse unless the response says `public`,
    /// `s-maxage` or `immutable`. The default.
    Revalidate = 0,
    /// Never store a response that sets a cookie.
    Refuse = 1,
    /// Store the response without its Set-Cookie fields.
    Strip = 2,
    /// Store and serve as is: RFC 9111 does not restrict it.
    Keep = 3,
}

/// A new options object with the defaults (an RFC 9111 shared cache). Never NULL. Free with
/// `cachepolicy_options_free`.
#[no_mangle]
pub extern "C" fn cachepolicy_options_new() -> *mut cachepolicy_options {
    into_handle(cachepolicy_options::default())
}

/// A new options object from a named profile: `"shared"` (an RFC 9111 shared cache, the
/// defaults), `"private"` (an RFC 9111 private cache: a browser, an HTTP client) or
/// `"accelerator"` (a reverse cache run by the origin's operator: request Cache-Control
/// ignored, authorized responses stored per Authorization, s-maxage ignored, no https
/// storage unless enabled, Range and conditional requests passed through, only non-206 2xx
/// stored, responses that set cookies refused). The name is `name_len` bytes at `name`.
/// `*options_out` receives a new object owned by the caller, freed with
/// `cachepolicy_options_free`. `CACHEPOLICY_STATUS_INVALID_OPTION` for an unknown name.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_new_profile(
    name: *const c_char,
    name_len: usize,
    options_out: *mut *mut cachepolicy_options,
    error_out: *mut *mut cachepolicy_error,
) -> cachepolicy_status {
    unsafe {
        guard(error_out, || {
            let options_out = out(options_out, "options_out")?;
            options_out.set(std::ptr::null_mut());
            let name = slice(name.cast::<u8>(), name_len, "name")?;
            let name = std::str::from_utf8(name)
                .map_err(|_| Failure::new(cachepolicy_status::InvalidOption, "unknown profile: the name is not UTF-8"))?;
            options_out.set(into_handle(cachepolicy_options { options: Options::profile(name)? }));
            Ok(())
        })
    }
}

/// Frees an options object. NULL is allowed and does nothing.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_free(options: *mut cachepolicy_options) {
    unsafe { free_handle(options) }
}

/// Applies `change` to a copy and keeps it only if the engine accepts the result.
unsafe fn set(options: *mut cachepolicy_options, change: impl FnOnce(&mut Options)) -> cachepolicy_status {
    unsafe {
        try_set(options, |o| {
            change(o);
            Ok(())
        })
    }
}

/// Like [`set`], for changes that can be refused before the engine sees them.
unsafe fn try_set(options: *mut cachepolicy_options, change: impl FnOnce(&mut Options) -> Result<(), Failure>) -> cachepolicy_status {
    unsafe {
        guard(std::ptr::null_mut(), || {
            let handle = borrow_mut(options, "options")?;
            let mut changed = handle.options.clone();
            change(&mut changed)?;
            changed.validate()?;
            handle.options = changed;
            Ok(())
        })
    }
}

unsafe fn get<T>(options: *const cachepolicy_options, value_out: *mut T, zero: T, read: impl FnOnce(&Options) -> T) -> cachepolicy_status {
    unsafe {
        guard(std::ptr::null_mut(), || {
            let value_out = out(value_out, "value_out")?;
            value_out.set(zero);
            value_out.set(read(&borrow(options, "options")?.options));
            Ok(())
        })
    }
}

fn invalid_option(message: impl Into<String>) -> Failure {
    Failure::new(cachepolicy_status::InvalidOption, message)
}

/// A duration option in milliseconds: refused when negative.
fn millis(name: &str, ms: i64) -> Result<Duration, Failure> {
    u64::try_from(ms).map(Duration::from_millis).map_err(|_| invalid_option(format!("{name} must be >= 0 milliseconds, got {ms}")))
}

/// A shared cache (proxy, CDN) rather than a private one (RFC 9111 §1): `private` responses
/// are not stored, `s-maxage` and `proxy-revalidate` apply. Default: true.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_set_shared(options: *mut cachepolicy_options, value: bool) -> cachepolicy_status {
    unsafe { set(options, |o| o.shared = value) }
}

/// Reads the `shared` option into `*value_out`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_get_shared(options: *const cachepolicy_options, value_out: *mut bool) -> cachepolicy_status {
    unsafe { get(options, value_out, false, |o| o.shared) }
}

/// Fraction of (Date − Last-Modified) used as heuristic freshness (RFC 9111 §4.2.2).
/// Default: 0.1. `CACHEPOLICY_STATUS_INVALID_OPTION` (and no change) unless finite and ≥ 0.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_set_cache_heuristic(options: *mut cachepolicy_options, value: f64) -> cachepolicy_status {
    unsafe { set(options, |o| o.cache_heuristic = value) }
}

/// Reads the `cache_heuristic` option into `*value_out`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_get_cache_heuristic(options: *const cachepolicy_options, value_out: *mut f64) -> cachepolicy_status {
    unsafe { get(options, value_out, 0.0, |o| o.cache_heuristic) }
}

/// Minimum freshness, in milliseconds, of an `immutable` response without max-age
/// (RFC 8246). Default: 86400000 (24 h). `CACHEPOLICY_STATUS_INVALID_OPTION` (and no change)
/// when negative.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_set_immutable_min_time_to_live(options: *mut cachepolicy_options, value_ms: i64) -> cachepolicy_status {
    unsafe { try_set(options, |o| {
            o.immutable_min_time_to_live = millis("immutable_min_time_to_live", value_ms)?;
            Ok(())
        }) }
}

/// Reads the `immutable_min_time_to_live` option, in milliseconds, into `*value_out`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_get_immutable_min_time_to_live(options: *const cachepolicy_options, value_out: *mut i64) -> cachepolicy_status {
    unsafe { get(options, value_out, 0, |o| duration_ms(o.immutable_min_time_to_live)) }
}

/// When a response has the cargo-cult `pre-check` and `post-check` directives, ignore its
/// `no-cache`, `no-store`, `must-revalidate`, `Expires` and `Pragma`. Default: false.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_set_ignore_cargo_cult(options: *mut cachepolicy_options, value: bool) -> cachepolicy_status {
    unsafe { set(options, |o| o.ignore_cargo_cult = value) }
}

/// Reads the `ignore_cargo_cult` option into `*value_out`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_get_ignore_cargo_cult(options: *const cachepolicy_options, value_out: *mut bool) -> cachepolicy_status {
    unsafe { get(options, value_out, false, |o| o.ignore_cargo_cult) }
}

/// Use the response's `Date` for its age (RFC 9111 §4.2.3); false uses the time it was
/// received instead, for clocks out of sync with the server. Default: true.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_set_trust_server_date(options: *mut cachepolicy_options, value: bool) -> cachepolicy_status {
    unsafe { set(options, |o| o.trust_server_date = value) }
}

/// Reads the `trust_server_date` option into `*value_out`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_get_trust_server_date(options: *const cachepolicy_options, value_out: *mut bool) -> cachepolicy_status {
    unsafe { get(options, value_out, false, |o| o.trust_server_date) }
}

/// ETag priority. True ("equal priority", the default): a response is stored whenever
/// RFC 9111 allows, so one with only an ETag is kept and revalidated with If-None-Match.
/// False ("time priority"): stored only when time-based freshness gives it a lifetime above
/// zero.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_set_cache_etags(options: *mut cachepolicy_options, value: bool) -> cachepolicy_status {
    unsafe { set(options, |o| o.cache_etags = value) }
}

/// Reads the `cache_etags` option into `*value_out`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_get_cache_etags(options: *const cachepolicy_options, value_out: *mut bool) -> cachepolicy_status {
    unsafe { get(options, value_out, false, |o| o.cache_etags) }
}

/// What a request's `no-cache` means: a `cachepolicy_request_no_cache` value. Default:
/// `CACHEPOLICY_REQUEST_NO_CACHE_REVALIDATE`. `CACHEPOLICY_STATUS_INVALID_OPTION` (and no
/// change) for a number that names no value.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_set_request_no_cache(options: *mut cachepolicy_options, value: u32) -> cachepolicy_status {
    unsafe {
        try_set(options, |o| {
            o.request_no_cache = match value {
                0 => RequestNoCache::Revalidate,
                1 => RequestNoCache::Reload,
                _ => return Err(invalid_option(format!("request_no_cache: {value} names no cachepolicy_request_no_cache value"))),
            };
            Ok(())
        })
    }
}

/// Reads the `request_no_cache` option into `*value_out`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_get_request_no_cache(
    options: *const cachepolicy_options,
    value_out: *mut cachepolicy_request_no_cache,
) -> cachepolicy_status {
    unsafe {
        get(options, value_out, cachepolicy_request_no_cache::Revalidate, |o| match o.request_no_cache {
            RequestNoCache::Reload => cachepolicy_request_no_cache::Reload,
            // `RequestNoCache` is non-exhaustive; a new engine value reads as the default
            // until it gets a C value.
            _ => cachepolicy_request_no_cache::Revalidate,
        })
    }
}

/// Appends a targeted Cache-Control field this cache obeys (RFC 9213), e.g.
/// `"cdn-cache-control"`; call it most specific first. The first field present with a valid
/// value replaces Cache-Control and Expires for this cache's decisions. Default: none.
/// `CACHEPOLICY_STATUS_INVALID_OPTION` (and no change) when the name is not a token.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_add_targeted_field(
    options: *mut cachepolicy_options,
    name: *const c_char,
    name_len: usize,
) -> cachepolicy_status {
    unsafe {
        try_set(options, |o| {
            let name = slice(name.cast::<u8>(), name_len, "name")?;
            let name = std::str::from_utf8(name).map_err(|_| invalid_option("targeted_fields: the name is not a header field name"))?;
            o.targeted_fields.push(name.to_string());
            Ok(())
        })
    }
}

/// Removes every targeted Cache-Control field (back to the default: none).
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_clear_targeted_fields(options: *mut cachepolicy_options) -> cachepolicy_status {
    unsafe { set(options, |o| o.targeted_fields.clear()) }
}

/// The targeted Cache-Control fields, in order: `*fields_out` receives a new list owned by
/// the caller, freed with `cachepolicy_strings_free`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_get_targeted_fields(
    options: *const cachepolicy_options,
    fields_out: *mut *mut cachepolicy_strings,
) -> cachepolicy_status {
    unsafe { get(options, fields_out, std::ptr::null_mut(), |o| into_handle(cachepolicy_strings::from_strings(o.targeted_fields.clone()))) }
}

/// Accelerator: ignore request Cache-Control and Pragma, except `no-cache` when
/// `honor_request_no_cache` is on. Default: false.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_set_ignore_request_cache_control(options: *mut cachepolicy_options, value: bool) -> cachepolicy_status {
    unsafe { set(options, |o| o.ignore_request_cache_control = value) }
}

/// Reads the `ignore_request_cache_control` option into `*value_out`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_get_ignore_request_cache_control(
    options: *const cachepolicy_options,
    value_out: *mut bool,
) -> cachepolicy_status {
    unsafe { get(options, value_out, false, |o| o.ignore_request_cache_control) }
}

/// Accelerator: with `ignore_request_cache_control`, still honour a request's `no-cache` (a
/// developer's shift-reload). Default: true.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_set_honor_request_no_cache(options: *mut cachepolicy_options, value: bool) -> cachepolicy_status {
    unsafe { set(options, |o| o.honor_request_no_cache = value) }
}

/// Reads the `honor_request_no_cache` option into `*value_out`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_get_honor_request_no_cache(options: *const cachepolicy_options, value_out: *mut bool) -> cachepolicy_status {
    unsafe { get(options, value_out, false, |o| o.honor_request_no_cache) }
}

/// Accelerator: store responses to requests with Authorization (instead of refusing them,
/// RFC 9111 §3.5) and serve them only to requests with the same Authorization value.
/// Default: false.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_set_store_authenticated(options: *mut cachepolicy_options, value: bool) -> cachepolicy_status {
    unsafe { set(options, |o| o.store_authenticated = value) }
}

/// Reads the `store_authenticated` option into `*value_out`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_get_store_authenticated(options: *const cachepolicy_options, value_out: *mut bool) -> cachepolicy_status {
    unsafe { get(options, value_out, false, |o| o.store_authenticated) }
}

/// Accelerator: ignore `s-maxage` (and the proxy-revalidate it implies); `max-age` governs.
/// Default: false.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_set_ignore_s_maxage(options: *mut cachepolicy_options, value: bool) -> cachepolicy_status {
    unsafe { set(options, |o| o.ignore_s_maxage = value) }
}

/// Reads the `ignore_s_maxage` option into `*value_out`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_get_ignore_s_maxage(options: *const cachepolicy_options, value_out: *mut bool) -> cachepolicy_status {
    unsafe { get(options, value_out, false, |o| o.ignore_s_maxage) }
}

/// Accelerator: how long, in milliseconds, past its freshness a response may still be served
/// while one caller refreshes it (the soft expiry stage). Default: 0.
/// `CACHEPOLICY_STATUS_INVALID_OPTION` (and no change) when negative.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_set_grace_period(options: *mut cachepolicy_options, value_ms: i64) -> cachepolicy_status {
    unsafe { try_set(options, |o| {
            o.grace_period = millis("grace_period", value_ms)?;
            Ok(())
        }) }
}

/// Reads the `grace_period` option, in milliseconds, into `*value_out`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_get_grace_period(options: *const cachepolicy_options, value_out: *mut i64) -> cachepolicy_status {
    unsafe { get(options, value_out, 0, |o| duration_ms(o.grace_period)) }
}

/// Accelerator: store responses that say `no-store`. Default: false (honour it).
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_set_ignore_no_store(options: *mut cachepolicy_options, value: bool) -> cachepolicy_status {
    unsafe { set(options, |o| o.ignore_no_store = value) }
}

/// Reads the `ignore_no_store` option into `*value_out`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_get_ignore_no_store(options: *const cachepolicy_options, value_out: *mut bool) -> cachepolicy_status {
    unsafe { get(options, value_out, false, |o| o.ignore_no_store) }
}

/// Store responses to `https` requests. Default: true; the accelerator profile turns it off.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_set_store_https(options: *mut cachepolicy_options, value: bool) -> cachepolicy_status {
    unsafe { set(options, |o| o.store_https = value) }
}

/// Reads the `store_https` option into `*value_out`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_get_store_https(options: *const cachepolicy_options, value_out: *mut bool) -> cachepolicy_status {
    unsafe { get(options, value_out, false, |o| o.store_https) }
}

/// Accelerator: never store or serve for requests with Range or preconditions (If-Match,
/// If-None-Match, If-Modified-Since, If-Unmodified-Since, If-Range): pass them through.
/// Default: false.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_set_bypass_range_and_conditional(options: *mut cachepolicy_options, value: bool) -> cachepolicy_status {
    unsafe { set(options, |o| o.bypass_range_and_conditional = value) }
}

/// Reads the `bypass_range_and_conditional` option into `*value_out`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_get_bypass_range_and_conditional(
    options: *const cachepolicy_options,
    value_out: *mut bool,
) -> cachepolicy_status {
    unsafe { get(options, value_out, false, |o| o.bypass_range_and_conditional) }
}

/// Accelerator: store only 2xx responses, and never 206. Default: false.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_set_store_only_2xx(options: *mut cachepolicy_options, value: bool) -> cachepolicy_status {
    unsafe { set(options, |o| o.store_only_2xx = value) }
}

/// Reads the `store_only_2xx` option into `*value_out`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_get_store_only_2xx(options: *const cachepolicy_options, value_out: *mut bool) -> cachepolicy_status {
    unsafe { get(options, value_out, false, |o| o.store_only_2xx) }
}

/// What to do with responses that set cookies: a `cachepolicy_set_cookie` value. Default:
/// `CACHEPOLICY_SET_COOKIE_REVALIDATE`. `CACHEPOLICY_STATUS_INVALID_OPTION` (and no change)
/// for a number that names no value.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_set_set_cookie(options: *mut cachepolicy_options, value: u32) -> cachepolicy_status {
    unsafe {
        try_set(options, |o| {
            o.set_cookie = match value {
                0 => SetCookiePolicy::Revalidate,
                1 => SetCookiePolicy::Refuse,
                2 => SetCookiePolicy::Strip,
                3 => SetCookiePolicy::Keep,
                _ => return Err(invalid_option(format!("set_cookie: {value} names no cachepolicy_set_cookie value"))),
            };
            Ok(())
        })
    }
}

/// Reads the `set_cookie` option into `*value_out`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_get_set_cookie(options: *const cachepolicy_options, value_out: *mut cachepolicy_set_cookie) -> cachepolicy_status {
    unsafe {
        get(options, value_out, cachepolicy_set_cookie::Revalidate, |o| match o.set_cookie {
            SetCookiePolicy::Refuse => cachepolicy_set_cookie::Refuse,
            SetCookiePolicy::Strip => cachepolicy_set_cookie::Strip,
            SetCookiePolicy::Keep => cachepolicy_set_cookie::Keep,
            // `SetCookiePolicy` is non-exhaustive; a new engine value reads as the default
            // until it gets a C value.
            _ => cachepolicy_set_cookie::Revalidate,
        })
    }
}

/// Accelerator: do not send `Age` with stored responses. Default: false.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_set_suppress_age(options: *mut cachepolicy_options, value: bool) -> cachepolicy_status {
    unsafe { set(options, |o| o.suppress_age = value) }
}

/// Reads the `suppress_age` option into `*value_out`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_get_suppress_age(options: *const cachepolicy_options, value_out: *mut bool) -> cachepolicy_status {
    unsafe { get(options, value_out, false, |o| o.suppress_age) }
}

/// Accelerator: send the current time as `Date` with stored responses. Default: false.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_set_replace_date(options: *mut cachepolicy_options, value: bool) -> cachepolicy_status {
    unsafe { set(options, |o| o.replace_date = value) }
}

/// Reads the `replace_date` option into `*value_out`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_options_get_replace_date(options: *const cachepolicy_options, value_out: *mut bool) -> cachepolicy_status {
    unsafe { get(options, value_out, false, |o| o.replace_date) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field of the engine's `Options` has a setter and a getter here: this fails when the
    /// engine gains an option, until it gets its pair (and a line here).
    #[test]
    fn every_engine_option_has_a_setter_and_a_getter() {
        let debug = format!("{:?}", Options::default());
        let fields: Vec<&str> = debug
            .trim_start_matches("Options {")
            .split(", ")
            .filter_map(|part| part.trim().split_once(':').map(|(name, _)| name.trim()))
            .filter(|name| name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
            .collect();
        let covered = [
            "shared", "cache_heuristic", "immutable_min_time_to_live", "ignore_cargo_cult", "trust_server_date", "cache_etags",
            "request_no_cache", "targeted_fields", "ignore_request_cache_control", "honor_request_no_cache", "store_authenticated",
            "ignore_s_maxage", "grace_period", "ignore_no_store", "store_https", "bypass_range_and_conditional", "store_only_2xx",
            "set_cookie", "suppress_age", "replace_date",
        ];
        assert_eq!(fields, covered, "engine options vs the C setters");
        let sources = include_str!("options.rs");
        for name in covered {
            let setter = if name == "targeted_fields" { "cachepolicy_options_add_targeted_field(".to_string() } else { format!("cachepolicy_options_set_{name}(") };
            assert!(sources.contains(&setter), "no {setter}");
            assert!(sources.contains(&format!("cachepolicy_options_get_{name}(")), "no getter for {name}");
        }
    }
}
