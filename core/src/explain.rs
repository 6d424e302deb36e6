//! Why a decision was made: machine-readable reason codes with one-line texts.

use std::fmt;

/// Why a response is not storable, or why a stored response cannot simply be served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum Reason {
    /// The request method does not allow storing the response (RFC 9111 §3).
    MethodNotCacheable,
    /// 1xx responses are interim, never stored (RFC 9111 §3).
    StatusNotFinal,
    /// 206 needs range-combining storage, which this engine does not assume (RFC 9111 §3.3).
    StatusPartialContent,
    /// 304 only updates a stored response (RFC 9111 §4.3.4).
    StatusNotModified,
    /// `must-understand` with a status code this cache does not implement (RFC 9111 §5.2.2.3).
    StatusNotUnderstood,
    /// The request said `no-store` (RFC 9111 §5.2.1.5).
    RequestNoStore,
    /// The response said `no-store` (RFC 9111 §5.2.2.5).
    ResponseNoStore,
    /// `private` response in a shared cache (RFC 9111 §5.2.2.7).
    PrivateInSharedCache,
    /// Request with Authorization, in a shared cache, without public/s-maxage/must-revalidate (RFC 9111 §3.5).
    AuthorizationInSharedCache,
    /// `Vary: *` never matches a later request (RFC 9111 §4.1).
    VaryStar,
    /// No explicit freshness and a status that is not heuristically cacheable (RFC 9111 §3, §4.2.2).
    NoFreshnessInformation,
    /// POST response without explicit freshness and a matching Content-Location (RFC 9110 §9.3.3).
    PostWithoutContentLocation,
    /// The new request's method cannot be served by the stored response (RFC 9111 §4).
    MethodMismatch,
    /// The new request's target URI differs (RFC 9111 §4).
    UrlMismatch,
    /// A header field nominated by Vary differs (RFC 9111 §4.1).
    VaryMismatch,
    /// The stored response was not storable in the first place (RFC 9111 §3).
    NotStorable,
    /// The request said `no-cache` or `Pragma: no-cache` (RFC 9111 §5.2.1.4, §5.4).
    RequestNoCache,
    /// The stored response is older than the request's `max-age` (RFC 9111 §5.2.1.1).
    RequestMaxAge,
    /// The stored response will not stay fresh for the request's `min-fresh` (RFC 9111 §5.2.1.3).
    RequestMinFresh,
    /// The response said `no-cache`: every reuse is validated (RFC 9111 §5.2.2.4).
    ResponseNoCache,
    /// The stored response is stale (RFC 9111 §4.2).
    Stale,
    /// Stale, and stale serving is forbidden (must-revalidate, proxy-revalidate, s-maxage, Set-Cookie rule; RFC 9111 §4.2.4).
    StaleForbidden,
    /// `only-if-cached` and nothing stored can answer: 504 (RFC 9111 §5.2.1.7).
    OnlyIfCached,
    /// Served stale because the request's `max-stale` allows it (RFC 9111 §5.2.1.2).
    MaxStale,
    /// Served stale while revalidating in the background (RFC 5861 §3).
    StaleWhileRevalidate,
    /// Accelerator: a Range or conditional request, passed through untouched.
    Bypassed,
    /// Accelerator: responses to https requests are not stored unless enabled.
    HttpsNotStored,
    /// Accelerator: only 2xx responses (not 206) are stored.
    StatusNot2xx,
    /// The Set-Cookie policy refuses responses that set cookies.
    SetCookieRefused,
    /// Time priority (`cache_etags` off): no time-based freshness, so not stored.
    NoTimeBasedFreshness,
    /// Accelerator: stale within the grace period; serve it while one caller refreshes.
    GracePeriod,
}

impl Reason {
    /// Every reason, in declaration order.
    pub const ALL: [Reason; 31] = [
        Reason::MethodNotCacheable,
        Reason::StatusNotFinal,
        Reason::StatusPartialContent,
        Reason::StatusNotModified,
        Reason::StatusNotUnderstood,
        Reason::RequestNoStore,
        Reason::ResponseNoStore,
        Reason::PrivateInSharedCache,
        Reason::AuthorizationInSharedCache,
        Reason::VaryStar,
        Reason::NoFreshnessInformation,
        Reason::PostWithoutContentLocation,
        Reason::MethodMismatch,
        Reason::UrlMismatch,
        Reason::VaryMismatch,
        Reason::NotStorable,
        Reason::RequestNoCache,
        Reason::RequestMaxAge,
        Reason::RequestMinFresh,
        Reason::ResponseNoCache,
        Reason::Stale,
        Reason::StaleForbidden,
        Reason::OnlyIfCached,
        Reason::MaxStale,
        Reason::StaleWhileRevalidate,
        Reason::Bypassed,
        Reason::HttpsNotStored,
        Reason::StatusNot2xx,
        Reason::SetCookieRefused,
        Reason::NoTimeBasedFreshness,
        Reason::GracePeriod,
    ];

    /// A stable snake_case code, e.g. `private_in_shared_cache`.
    pub fn code(self) -> &'static str {
        self.texts().0
    }

    /// A one-line human explanation.
    pub fn description(self) -> &'static str {
        self.texts().1
    }

    /// The reason with this code, if any.
    pub fn from_code(code: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.code() == code)
    }

    fn texts(self) -> (&'static str, &'static str) {
        use Reason::*;
        match self {
            MethodNotCacheable => ("method_not_cacheable", "not storable: the request method is not cacheable (RFC 9111 §3)"),
            StatusNotFinal => ("status_not_final", "not storable: 1xx responses are interim (RFC 9111 §3)"),
            StatusPartialContent => ("status_partial_content", "not storable: 206 partial content is not combined by this cache (RFC 9111 §3.3)"),
            StatusNotModified => ("status_not_modified", "not storable: a 304 only updates a stored response (RFC 9111 §4.3.4)"),
            StatusNotUnderstood => ("status_not_understood", "not storable: must-understand with a status code this cache does not implement (RFC 9111 §5.2.2.3)"),
            RequestNoStore => ("request_no_store", "not storable: the request said no-store (RFC 9111 §5.2.1.5)"),
            ResponseNoStore => ("response_no_store", "not storable: the response said no-store (RFC 9111 §5.2.2.5)"),
            PrivateInSharedCache => ("private_in_shared_cache", "not storable: private response in a shared cache (RFC 9111 §5.2.2.7)"),
            AuthorizationInSharedCache => ("authorization_in_shared_cache", "not storable: authorized request in a shared cache without public, s-maxage or must-revalidate (RFC 9111 §3.5)"),
            VaryStar => ("vary_star", "not storable: Vary: * never matches a later request (RFC 9111 §4.1)"),
            NoFreshnessInformation => ("no_freshness_information", "not storable: no explicit freshness and the status is not heuristically cacheable (RFC 9111 §3, §4.2.2)"),
            PostWithoutContentLocation => ("post_without_content_location", "not storable: POST response without explicit freshness and a matching Content-Location (RFC 9110 §9.3.3)"),
            MethodMismatch => ("method_mismatch", "no match: the stored response cannot serve this method (RFC 9111 §4)"),
            UrlMismatch => ("url_mismatch", "no match: different target URI (RFC 9111 §4)"),
            VaryMismatch => ("vary_mismatch", "no match: a header nominated by Vary differs (RFC 9111 §4.1)"),
            NotStorable => ("not_storable", "no match: the stored response was not storable (RFC 9111 §3)"),
            RequestNoCache => ("request_no_cache", "revalidate: the request said no-cache (RFC 9111 §5.2.1.4, §5.4)"),
            RequestMaxAge => ("request_max_age", "revalidate: older than the request's max-age (RFC 9111 §5.2.1.1)"),
            RequestMinFresh => ("request_min_fresh", "revalidate: not fresh enough for the request's min-fresh (RFC 9111 §5.2.1.3)"),
            ResponseNoCache => ("response_no_cache", "revalidate: the response said no-cache (RFC 9111 §5.2.2.4)"),
            Stale => ("stale", "revalidate: the stored response is stale (RFC 9111 §4.2)"),
            StaleForbidden => ("stale_forbidden", "revalidate: stale, and serving stale is forbidden (RFC 9111 §4.2.4)"),
            OnlyIfCached => ("only_if_cached", "504: only-if-cached and no stored response can be used (RFC 9111 §5.2.1.7)"),
            MaxStale => ("max_stale", "serve stale: the request's max-stale allows it (RFC 9111 §5.2.1.2)"),
            StaleWhileRevalidate => ("stale_while_revalidate", "serve stale, revalidate in the background (RFC 5861 §3)"),
            Bypassed => ("bypassed", "pass through: Range or conditional request, not handled by this accelerator (accelerator option, relaxes RFC 9111 §4)"),
            HttpsNotStored => ("https_not_stored", "not storable: https responses are not stored unless enabled (accelerator option, RFC 9111 §3 would allow)"),
            StatusNot2xx => ("status_not_2xx", "not storable: only 2xx responses other than 206 are stored (accelerator option, RFC 9111 §3 would allow)"),
            SetCookieRefused => ("set_cookie_refused", "not storable: the response sets a cookie and the Set-Cookie policy refuses it (option; RFC 9111 §3 would allow)"),
            NoTimeBasedFreshness => ("no_time_based_freshness", "not storable: no time-based freshness, and ETag caching is off (time priority; RFC 9111 §4.2)"),
            GracePeriod => ("grace_period", "serve stale within the grace period while one caller refreshes (accelerator option, relaxes RFC 9111 §4.2.4)"),
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_round_trip() {
        for r in Reason::ALL {
            assert_eq!(Reason::from_code(r.code()), Some(r));
            assert!(r.description().contains("RFC"), "{r:?} cites no RFC");
        }
        let mut codes: Vec<_> = Reason::ALL.iter().map(|r| r.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Reason::ALL.len());
    }
}
