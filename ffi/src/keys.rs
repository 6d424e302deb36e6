//! Cache keys (RFC 9111 §2, §4.1): where a store files a response, and which of several stored
//! variants answers a request.

use cachepolicy_core::{primary_key, select_variant, CachePolicy};

use crate::boundary::{borrow, guard, into_handle, out, slice};
use crate::input::{cachepolicy_request, RequestView};
use crate::lists::cachepolicy_bytes;
use crate::policy::{cachepolicy_policy, query};
use crate::status::{cachepolicy_error, cachepolicy_status};

/// The primary cache key of a request (RFC 9111 §2): the method and the normalised target URI,
/// e.g. `GET https://example.com/a` (GET and HEAD share the GET key). `*key_out` receives a new
/// buffer (UTF-8, NUL-terminated) owned by the caller, freed with `cachepolicy_bytes_free`.
/// Fails on an invalid method or URL.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_primary_key(
    request: *const cachepolicy_request,
    key_out: *mut *mut cachepolicy_bytes,
    error_out: *mut *mut cachepolicy_error,
) -> cachepolicy_status {
    unsafe {
        guard(error_out, || {
            let key_out = out(key_out, "key_out")?;
            key_out.set(std::ptr::null_mut());
            let request = RequestView::check(request, "request")?;
            key_out.set(into_handle(cachepolicy_bytes::text(primary_key(&request)?)));
            Ok(())
        })
    }
}

/// The primary key the policy's response is stored under (see `cachepolicy_primary_key`).
/// `*key_out` receives a new buffer owned by the caller, freed with `cachepolicy_bytes_free`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_primary_key(policy: *const cachepolicy_policy, key_out: *mut *mut cachepolicy_bytes) -> cachepolicy_status {
    unsafe { query(policy, key_out, std::ptr::null_mut(), |p| into_handle(cachepolicy_bytes::text(p.primary_key()))) }
}

/// The secondary key of the stored response (RFC 9111 §4.1): one `name=value` line per field
/// its Vary names (`name` alone when the original request lacked it), sorted by name and
/// joined with newlines; empty without Vary. `*key_out` receives a new buffer owned by the
/// caller, freed with `cachepolicy_bytes_free`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_secondary_key(policy: *const cachepolicy_policy, key_out: *mut *mut cachepolicy_bytes) -> cachepolicy_status {
    unsafe { query(policy, key_out, std::ptr::null_mut(), |p| into_handle(cachepolicy_bytes::text(p.secondary_key()))) }
}

/// The secondary key `request` has for the stored response: equal to
/// `cachepolicy_policy_secondary_key` exactly when `request` matches its Vary. `*key_out`
/// receives a new buffer owned by the caller, freed with `cachepolicy_bytes_free`.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_policy_secondary_key_for(
    policy: *const cachepolicy_policy,
    request: *const cachepolicy_request,
    key_out: *mut *mut cachepolicy_bytes,
    error_out: *mut *mut cachepolicy_error,
) -> cachepolicy_status {
    unsafe {
        guard(error_out, || {
            let key_out = out(key_out, "key_out")?;
            key_out.set(std::ptr::null_mut());
            let policy = borrow(policy, "policy")?;
            let request = RequestView::check(request, "request")?;
            key_out.set(into_handle(cachepolicy_bytes::text(policy.policy.secondary_key_for(&request))));
            Ok(())
        })
    }
}

/// Of `count` stored responses for one primary key (an array of policies), the one to use for
/// `request` (RFC 9111 §4.1): among those that can answer it (storable, matching method, URI
/// and Vary), the most recent by `Date`, then by time of reception. `*found_out` says whether
/// one can; `*index_out` receives its index in `variants` (0 when none can). No policy is
/// copied or kept.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_select_variant(
    variants: *const *const cachepolicy_policy,
    count: usize,
    request: *const cachepolicy_request,
    found_out: *mut bool,
    index_out: *mut usize,
    error_out: *mut *mut cachepolicy_error,
) -> cachepolicy_status {
    unsafe {
        guard(error_out, || {
            let found_out = out(found_out, "found_out")?;
            found_out.set(false);
            let index_out = out(index_out, "index_out")?;
            index_out.set(0);
            let variants = slice(variants, count, "variants")?;
            let mut policies: Vec<&CachePolicy> = Vec::with_capacity(variants.len());
            for (i, &p) in variants.iter().enumerate() {
                policies.push(&borrow(p, format_args!("variants[{i}]"))?.policy);
            }
            let request = RequestView::check(request, "request")?;
            if let Some(chosen) = select_variant(policies.iter().copied(), &request) {
                // Identity, not equality: two equal policies are still two stored responses.
                let index = policies.iter().position(|p| std::ptr::eq(*p, chosen)).unwrap_or(0);
                index_out.set(index);
                found_out.set(true);
            }
            Ok(())
        })
    }
}
