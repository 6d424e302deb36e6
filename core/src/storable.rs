//! May this response be stored? (RFC 9111 §3, §3.5; RFC 9110 §9.3.3, §15.1)

use crate::explain::Reason;
use crate::headers::FieldKind;
use crate::policy::{Derived, Method, Stored};
use crate::options::SetCookiePolicy;
use crate::uri::Target;

/// Status codes a cache may reuse with heuristic freshness (RFC 9110 §15.1).
pub(crate) fn heuristically_cacheable(status: u16) -> bool {
    matches!(status, 200 | 203 | 204 | 206 | 300 | 301 | 308 | 404 | 405 | 410 | 414 | 501)
}

/// Status codes whose caching requirements this engine implements, for `must-understand`
/// (RFC 9111 §5.2.2.3): the final codes RFC 9110 defines, except 206 (ranges are not combined).
fn understood(status: u16) -> bool {
    matches!(status, 200..=205 | 300..=305 | 307 | 308 | 400..=417 | 421 | 422 | 426 | 500..=505)
}

/// The first reason the response may not be stored, or `None` (RFC 9111 §3, and the
/// options' stricter or looser rules).
pub(crate) fn check(s: &Stored, d: &Derived) -> Option<Reason> {
    let cc = &d.cc;
    let o = &s.options;
    let shared = o.shared;
    if s.request_bypassed {
        return Some(Reason::Bypassed);
    }
    if !matches!(d.method, Method::Get | Method::Head | Method::Post) {
        return Some(Reason::MethodNotCacheable);
    }
    match s.status {
        100..=199 => return Some(Reason::StatusNotFinal),
        304 => return Some(Reason::StatusNotModified),
        206 => return Some(Reason::StatusPartialContent),
        status if cc.must_understand && !understood(status) => return Some(Reason::StatusNotUnderstood),
        status if o.store_only_2xx && !(200..300).contains(&status) => return Some(Reason::StatusNot2xx),
        _ => {}
    }
    if !o.store_https && s.target().scheme.is_some_and(|scheme| scheme.eq_ignore_ascii_case("https")) {
        return Some(Reason::HttpsNotStored);
    }
    if s.request_no_store {
        return Some(Reason::RequestNoStore);
    }
    // §5.2.2.3: a cache that understands the status code ignores no-store under must-understand.
    if cc.no_store && !cc.must_understand && !o.ignore_no_store {
        return Some(Reason::ResponseNoStore);
    }
    if shared && cc.private {
        return Some(Reason::PrivateInSharedCache);
    }
    // The accelerator option keys on Authorization instead (see vary::select).
    if shared && s.request_authorized && !o.store_authenticated && !(cc.public || cc.s_maxage.is_present() || cc.must_revalidate) {
        return Some(Reason::AuthorizationInSharedCache);
    }
    if d.vary_star {
        return Some(Reason::VaryStar);
    }
    if o.set_cookie == SetCookiePolicy::Refuse && d.has_set_cookie {
        return Some(Reason::SetCookieRefused);
    }
    let has_expires = s.fields.iter().any(|f| f.kind == FieldKind::Expires);
    let explicit = cc.max_age.is_present() || (shared && cc.s_maxage.is_present()) || has_expires;
    if d.method == Method::Post && !(explicit && content_location_is_target(s)) {
        return Some(Reason::PostWithoutContentLocation);
    }
    let allowed = explicit || cc.public || (!shared && cc.private) || heuristically_cacheable(s.status);
    (!allowed).then_some(Reason::NoFreshnessInformation)
}

/// RFC 9110 §9.3.3: a POST response is cacheable only when its Content-Location names the
/// request's target URI.
fn content_location_is_target(s: &Stored) -> bool {
    let a = &s.arena;
    let target = s.target();
    s.fields.iter().filter(|f| f.kind == FieldKind::ContentLocation).take(1).any(|f| {
        let location = std::str::from_utf8(a.get(f.value)).unwrap_or("");
        crate::uri::resolve(&target, location).is_some_and(|r| Target::parse(&r, None).matches(&target))
    })
}
