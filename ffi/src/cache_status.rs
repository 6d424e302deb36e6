//! The `Cache-Status` field a cache adds to say what it did (RFC 9211): a builder handle.

use std::ffi::c_char;

use cachepolicy_core::{CacheStatus, Forward};

use crate::boundary::{borrow, borrow_mut, free_handle, guard, into_handle, out, slice, Failure};
use crate::input::{cachepolicy_request, RequestView};
use crate::lists::cachepolicy_bytes;
use crate::policy::{cachepolicy_policy, time};
use crate::status::{cachepolicy_error, cachepolicy_status};

/// One cache's member of the `Cache-Status` list (RFC 9211 §2): its name and parameters. Made
/// by `cachepolicy_cache_status_new`, `_miss` or `_from_evaluation`, completed with the
/// `cachepolicy_cache_status_set_*` functions, written with
/// `cachepolicy_cache_status_to_header_value`, freed with `cachepolicy_cache_status_free`.
/// Not synchronized: do not change one from a thread while another thread uses it.
#[derive(Debug)]
pub struct cachepolicy_cache_status {
    status: CacheStatus,
}

/// Why a request went forward to the next hop (RFC 9211 §2.2): the `fwd` parameter.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cachepolicy_forward {
    /// No `fwd` parameter.
    None = 0,
    /// `bypass`: the cache was configured not to handle this request.
    Bypass = 1,
    /// `method`: the request method's semantics require the request to be forwarded.
    Method = 2,
    /// `uri-miss`: the cache had no response for the request's URI.
    UriMiss = 3,
    /// `vary-miss`: the cache had a response for the URI, but the Vary fields did not match.
    VaryMiss = 4,
    /// `miss`: the cache had no usable response.
    Miss = 5,
    /// `request`: the request's directives required forwarding.
    Request = 6,
    /// `stale`: the cache had a stale response (or one that needs validation).
    Stale = 7,
    /// `partial`: the cache had only part of the response.
    Partial = 8,
}

const FORWARDS: [(Option<Forward>, &str); 9] = [
    (None, "none\0"),
    (Some(Forward::Bypass), "bypass\0"),
    (Some(Forward::Method), "method\0"),
    (Some(Forward::UriMiss), "uri-miss\0"),
    (Some(Forward::VaryMiss), "vary-miss\0"),
    (Some(Forward::Miss), "miss\0"),
    (Some(Forward::Request), "request\0"),
    (Some(Forward::Stale), "stale\0"),
    (Some(Forward::Partial), "partial\0"),
];

/// The RFC 9211 token of a `fwd` value (`"bypass"`, `"uri-miss"`, …; `"none"` for
/// `CACHEPOLICY_FORWARD_NONE`); a static NUL-terminated string, NULL when `forward` names
/// none.
#[no_mangle]
pub extern "C" fn cachepolicy_forward_code(forward: u32) -> *const c_char {
    FORWARDS.get(forward as usize).map_or(std::ptr::null(), |&(_, code)| code.as_ptr().cast())
}

/// Text for the member: invalid UTF-8 is replaced (RFC 9211 strings are ASCII; the engine
/// writes other characters as `?` anyway).
unsafe fn text(p: *const c_char, len: usize, what: &str) -> Result<String, Failure> {
    let bytes = unsafe { slice(p.cast::<u8>(), len, what) }?;
    Ok(String::from_utf8_lossy(bytes).into_owned())
}

unsafe fn make(
    cache: *const c_char,
    cache_len: usize,
    status_out: *mut *mut cachepolicy_cache_status,
    build: impl FnOnce(String) -> Result<CacheStatus, Failure>,
) -> Result<(), Failure> {
    unsafe {
        let status_out = out(status_out, "status_out")?;
        status_out.set(std::ptr::null_mut());
        let cache = text(cache, cache_len, "cache")?;
        status_out.set(into_handle(cachepolicy_cache_status { status: build(cache)? }));
        Ok(())
    }
}

/// A member with only the cache's name (`cache_len` bytes at `cache`). `*status_out` receives
/// a new object owned by the caller, freed with `cachepolicy_cache_status_free`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_cache_status_new(
    cache: *const c_char,
    cache_len: usize,
    status_out: *mut *mut cachepolicy_cache_status,
) -> cachepolicy_status {
    unsafe { guard(std::ptr::null_mut(), || make(cache, cache_len, status_out, |c| Ok(CacheStatus::new(c)))) }
}

/// A member for a request nothing was stored for: `fwd=uri-miss`. `*status_out` receives a
/// new object owned by the caller, freed with `cachepolicy_cache_status_free`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_cache_status_miss(
    cache: *const c_char,
    cache_len: usize,
    status_out: *mut *mut cachepolicy_cache_status,
) -> cachepolicy_status {
    unsafe { guard(std::ptr::null_mut(), || make(cache, cache_len, status_out, |c| Ok(CacheStatus::miss(c)))) }
}

/// What the cache did for `request` at `now_ms` with the stored `policy` (as
/// `cachepolicy_policy_evaluate` decides): `hit` with `ttl` when it serves the stored
/// response; otherwise `fwd` with why, and `ttl` when it had a stored response; a 504 for
/// only-if-cached gets `detail=only-if-cached`. Add what only the caller knows with the
/// setters. `*status_out` receives a new object owned by the caller, freed with
/// `cachepolicy_cache_status_free`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_cache_status_from_evaluation(
    cache: *const c_char,
    cache_len: usize,
    policy: *const cachepolicy_policy,
    request: *const cachepolicy_request,
    now_ms: i64,
    status_out: *mut *mut cachepolicy_cache_status,
    error_out: *mut *mut cachepolicy_error,
) -> cachepolicy_status {
    unsafe {
        guard(error_out, || {
            make(cache, cache_len, status_out, |c| {
                let policy = borrow(policy, "policy")?;
                let request = RequestView::check(request, "request")?;
                let evaluation = policy.policy.evaluate(&request, time(now_ms));
                Ok(CacheStatus::from_evaluation(c, &evaluation))
            })
        })
    }
}

/// Frees a Cache-Status member. NULL is allowed and does nothing.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_cache_status_free(status: *mut cachepolicy_cache_status) {
    unsafe { free_handle(status) }
}

unsafe fn change(status: *mut cachepolicy_cache_status, apply: impl FnOnce(&mut CacheStatus) -> Result<(), Failure>) -> cachepolicy_status {
    unsafe { guard(std::ptr::null_mut(), || apply(&mut borrow_mut(status, "status")?.status)) }
}

/// Sets `hit`: the response came from the cache without going forward (§2.1).
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_cache_status_set_hit(status: *mut cachepolicy_cache_status, hit: bool) -> cachepolicy_status {
    unsafe {
        change(status, |s| {
            s.hit = hit;
            Ok(())
        })
    }
}

/// Sets `fwd` (§2.2) to a `cachepolicy_forward` value; `CACHEPOLICY_FORWARD_NONE` removes it.
/// `CACHEPOLICY_STATUS_INVALID_ARGUMENT` (and no change) for a number that names no value.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_cache_status_set_forward(status: *mut cachepolicy_cache_status, forward: u32) -> cachepolicy_status {
    unsafe {
        change(status, |s| {
            let &(fwd, _) = FORWARDS
                .get(forward as usize)
                .ok_or_else(|| Failure::invalid_argument(format!("forward: {forward} names no cachepolicy_forward value")))?;
            s.fwd = fwd;
            Ok(())
        })
    }
}

/// Sets `fwd-status` (§2.3): the status code the next hop answered with.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_cache_status_set_fwd_status(status: *mut cachepolicy_cache_status, fwd_status: u16) -> cachepolicy_status {
    unsafe {
        change(status, |s| {
            s.fwd_status = Some(fwd_status);
            Ok(())
        })
    }
}

/// Sets `ttl` (§2.4): remaining freshness in seconds, negative when stale.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_cache_status_set_ttl(status: *mut cachepolicy_cache_status, ttl_seconds: i64) -> cachepolicy_status {
    unsafe {
        change(status, |s| {
            s.ttl = Some(ttl_seconds);
            Ok(())
        })
    }
}

/// Sets `stored` (§2.5): whether the response was stored.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_cache_status_set_stored(status: *mut cachepolicy_cache_status, stored: bool) -> cachepolicy_status {
    unsafe {
        change(status, |s| {
            s.stored = stored;
            Ok(())
        })
    }
}

/// Sets `collapsed` (§2.6): whether the request was collapsed with another.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_cache_status_set_collapsed(status: *mut cachepolicy_cache_status, collapsed: bool) -> cachepolicy_status {
    unsafe {
        change(status, |s| {
            s.collapsed = collapsed;
            Ok(())
        })
    }
}

/// Sets `key` (§2.7), `key_len` bytes at `key` (written as a string; characters outside
/// printable ASCII become `?`).
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_cache_status_set_key(status: *mut cachepolicy_cache_status, key: *const c_char, key_len: usize) -> cachepolicy_status {
    unsafe {
        change(status, |s| {
            s.key = Some(text(key, key_len, "key")?);
            Ok(())
        })
    }
}

/// Sets `detail` (§2.8), `detail_len` bytes at `detail`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_cache_status_set_detail(
    status: *mut cachepolicy_cache_status,
    detail: *const c_char,
    detail_len: usize,
) -> cachepolicy_status {
    unsafe {
        change(status, |s| {
            s.detail = Some(text(detail, detail_len, "detail")?);
            Ok(())
        })
    }
}

/// The member as RFC 9211 writes it, e.g. `edge; fwd=stale; fwd-status=304; stored`; append it
/// to an existing `Cache-Status` value with `, `. `*value_out` receives a new buffer (ASCII,
/// NUL-terminated) owned by the caller, freed with `cachepolicy_bytes_free`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_cache_status_to_header_value(
    status: *const cachepolicy_cache_status,
    value_out: *mut *mut cachepolicy_bytes,
) -> cachepolicy_status {
    unsafe {
        guard(std::ptr::null_mut(), || {
            let value_out = out(value_out, "value_out")?;
            value_out.set(std::ptr::null_mut());
            let status = borrow(status, "status")?;
            value_out.set(into_handle(cachepolicy_bytes::text(status.status.to_header_value())));
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn forward_codes_are_the_rfc_9211_tokens() {
        for (i, (fwd, code)) in FORWARDS.iter().enumerate() {
            let text = unsafe { CStr::from_ptr(cachepolicy_forward_code(i as u32)) }.to_str().unwrap();
            assert_eq!(text, code.trim_end_matches('\0'));
            if let Some(fwd) = fwd {
                assert_eq!(fwd.token(), text);
            }
        }
        assert!(cachepolicy_forward_code(FORWARDS.len() as u32).is_null());
    }
}
