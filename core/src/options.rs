//! Options that choose between the behaviours RFC 9111 allows, and named profiles.
//!
//! Every option defaults to the RFC-following behaviour. The *accelerator* options are
//! deliberate relaxations for a reverse cache run by the origin's operator (who may break HTTP
//! caching rules on purpose, since the cache is part of the application); each is its own
//! switch, all off in the RFC profiles.

use std::time::Duration;

use crate::error::{Error, ErrorKind};

/// What a request's `no-cache` (or `Pragma: no-cache`) asks of the cache (RFC 9111 §5.2.1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum RequestNoCache {
    /// Validate the stored response with the origin (a conditional request). RFC default.
    #[default]
    Revalidate,
    /// An end-to-end reload, as httplib2 does: forward without validators.
    Reload,
}

impl RequestNoCache {
    /// `revalidate` or `reload`.
    pub fn code(self) -> &'static str {
        match self {
            RequestNoCache::Revalidate => "revalidate",
            RequestNoCache::Reload => "reload",
        }
    }

    /// The value with this code.
    pub fn from_code(code: &str) -> Result<Self, Error> {
        [RequestNoCache::Revalidate, RequestNoCache::Reload].into_iter().find(|v| v.code() == code).ok_or_else(|| {
            Error::new(ErrorKind::InvalidOption, format!("request_no_cache: unknown value {code:?}: expected revalidate or reload"))
        })
    }
}

/// How a cache treats responses that set cookies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum SetCookiePolicy {
    /// Store, but in a shared cache revalidate every reuse unless the response says `public`,
    /// `s-maxage` or `immutable` (this engine's default rule; RFC 9111 allows storing).
    #[default]
    Revalidate,
    /// Never store a response that sets a cookie.
    Refuse,
    /// Store the response without its Set-Cookie fields.
    Strip,
    /// Store and serve as is: RFC 9111 does not restrict it.
    Keep,
}

impl SetCookiePolicy {
    /// `revalidate`, `refuse`, `strip` or `keep`.
    pub fn code(self) -> &'static str {
        match self {
            SetCookiePolicy::Revalidate => "revalidate",
            SetCookiePolicy::Refuse => "refuse",
            SetCookiePolicy::Strip => "strip",
            SetCookiePolicy::Keep => "keep",
        }
    }

    /// The value with this code.
    pub fn from_code(code: &str) -> Result<Self, Error> {
        [SetCookiePolicy::Revalidate, SetCookiePolicy::Refuse, SetCookiePolicy::Strip, SetCookiePolicy::Keep]
            .into_iter()
            .find(|v| v.code() == code)
            .ok_or_else(|| {
                Error::new(ErrorKind::InvalidOption, format!("set_cookie: unknown value {code:?}: expected revalidate, refuse, strip or keep"))
            })
    }
}

/// How the cache that asks behaves.
///
/// ```
/// let mut options = cachepolicy::Options::default();
/// options.shared = false; // a browser-like private cache
/// let accelerator = cachepolicy::Options::profile("accelerator").unwrap();
/// assert!(accelerator.store_authenticated);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub struct Options {
    /// A shared cache (proxy, CDN) rather than a private one (RFC 9111 §1): `private` responses
    /// are not stored, `s-maxage` and `proxy-revalidate` apply. Default: true.
    pub shared: bool,
    /// Fraction of (Date − Last-Modified) used as heuristic freshness (RFC 9111 §4.2.2).
    /// Default: 0.1. Must be finite and ≥ 0.
    pub cache_heuristic: f64,
    /// Minimum freshness of an `immutable` response without max-age (RFC 8246). Default: 24 h.
    pub immutable_min_time_to_live: Duration,
    /// When a response has the cargo-cult `pre-check` and `post-check` directives, ignore its
    /// `no-cache`, `no-store`, `must-revalidate`, `Expires` and `Pragma`. Default: false.
    pub ignore_cargo_cult: bool,
    /// Use the response's `Date` for its age (RFC 9111 §4.2.3); false uses the time it was
    /// received instead, for clocks out of sync with the server. Default: true.
    pub trust_server_date: bool,

    /// ETag priority (CacheControl's `cache_etags`). True ("equal priority", default): a
    /// response is stored whenever RFC 9111 allows, so one with only an ETag is kept and
    /// revalidated with `If-None-Match`. False ("time priority", as httplib2): a response is
    /// stored only when time-based freshness makes it cacheable (a lifetime above zero); its
    /// validators still serve to revalidate it once stale.
    pub cache_etags: bool,
    /// What a request's `no-cache` means: revalidate (default) or reload.
    pub request_no_cache: RequestNoCache,
    /// Targeted Cache-Control fields this cache obeys, most specific first, e.g.
    /// `["cdn-cache-control"]` (RFC 9213). The first one present with a valid value replaces
    /// Cache-Control and Expires for this cache's decisions. Default: none.
    pub targeted_fields: Vec<String>,

    /// Accelerator: ignore request Cache-Control and Pragma, except `no-cache` when
    /// [`honor_request_no_cache`](Self::honor_request_no_cache) is on. Default: false.
    pub ignore_request_cache_control: bool,
    /// Accelerator: with [`ignore_request_cache_control`](Self::ignore_request_cache_control),
    /// still honour a request's `no-cache` (a developer's shift-reload). Default: true.
    pub honor_request_no_cache: bool,
    /// Accelerator: store responses to requests with Authorization (instead of refusing them,
    /// RFC 9111 §3.5) and serve them only to requests with the same Authorization value.
    /// Default: false.
    pub store_authenticated: bool,
    /// Accelerator: ignore `s-maxage` (and the proxy-revalidate it implies); `max-age`
    /// governs. Default: false.
    pub ignore_s_maxage: bool,
    /// Accelerator: how long past its freshness a response may still be served while one
    /// caller refreshes it (the soft expiry stage; the hard expiry is at its end). Default: 0.
    pub grace_period: Duration,
    /// Accelerator: store responses that say `no-store`. Default: false (honour it).
    pub ignore_no_store: bool,
    /// Store responses to `https` requests. Default: true; the accelerator profile turns it
    /// off, to be enabled explicitly.
    pub store_https: bool,
    /// Accelerator: never store or serve for requests with Range or preconditions (If-Match,
    /// If-None-Match, If-Modified-Since, If-Unmodified-Since, If-Range): pass them through.
    /// Default: false.
    pub bypass_range_and_conditional: bool,
    /// Accelerator: store only 2xx responses, and never 206. Default: false.
    pub store_only_2xx: bool,
    /// What to do with responses that set cookies. Default: [`SetCookiePolicy::Revalidate`].
    pub set_cookie: SetCookiePolicy,
    /// Accelerator: do not send `Age` with stored responses. Default: false.
    pub suppress_age: bool,
    /// Accelerator: send the current time as `Date` with stored responses. Default: false.
    pub replace_date: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            shared: true,
            cache_heuristic: 0.1,
            immutable_min_time_to_live: Duration::from_secs(24 * 3600),
            ignore_cargo_cult: false,
            trust_server_date: true,
            cache_etags: true,
            request_no_cache: RequestNoCache::Revalidate,
            targeted_fields: Vec::new(),
            ignore_request_cache_control: false,
            honor_request_no_cache: true,
            store_authenticated: false,
            ignore_s_maxage: false,
            grace_period: Duration::ZERO,
            ignore_no_store: false,
            store_https: true,
            bypass_range_and_conditional: false,
            store_only_2xx: false,
            set_cookie: SetCookiePolicy::Revalidate,
            suppress_age: false,
            replace_date: false,
        }
    }
}

/// The names [`Options::profile`] accepts.
pub const PROFILES: [&str; 3] = ["shared", "private", "accelerator"];

impl Options {
    /// A named profile: `shared` (RFC 9111 shared cache, the default), `private` (RFC 9111
    /// private cache, e.g. a browser or an HTTP client), or `accelerator` (a reverse cache run
    /// by the origin's operator: request Cache-Control ignored, including no-cache; authorized
    /// responses stored per Authorization; s-maxage ignored; no https storage unless enabled;
    /// Range and conditional requests passed through; only non-206 2xx stored; responses that
    /// set cookies not stored).
    pub fn profile(name: &str) -> Result<Options, Error> {
        let mut o = Options::default();
        match name {
            "shared" => {}
            "private" => o.shared = false,
            "accelerator" => {
                o.ignore_request_cache_control = true;
                o.honor_request_no_cache = false;
                o.store_authenticated = true;
                o.ignore_s_maxage = true;
                o.store_https = false;
                o.bypass_range_and_conditional = true;
                o.store_only_2xx = true;
                o.set_cookie = SetCookiePolicy::Refuse;
            }
            other => {
                return Err(Error::new(
                    ErrorKind::InvalidOption,
                    format!("unknown profile {other:?}: expected one of {}", PROFILES.join(", ")),
                ))
            }
        }
        Ok(o)
    }

    /// Checks every value is in range.
    pub fn validate(&self) -> Result<(), Error> {
        let invalid = |msg: String| Err(Error::new(ErrorKind::InvalidOption, msg));
        if !self.cache_heuristic.is_finite() || self.cache_heuristic < 0.0 {
            return invalid(format!("cache_heuristic must be a finite number >= 0, got {}", self.cache_heuristic));
        }
        for name in &self.targeted_fields {
            if !crate::headers::is_token(name.as_bytes()) {
                return invalid(format!("targeted_fields: {name:?} is not a header field name"));
            }
        }
        if self.immutable_min_time_to_live.as_millis() > i64::MAX as u128 || self.grace_period.as_millis() > i64::MAX as u128 {
            return invalid("durations must fit in 2^63 milliseconds".to_string());
        }
        Ok(())
    }

    pub(crate) fn immutable_min_ms(&self) -> i64 {
        i64::try_from(self.immutable_min_time_to_live.as_millis()).unwrap_or(i64::MAX)
    }

    pub(crate) fn grace_ms(&self) -> i64 {
        i64::try_from(self.grace_period.as_millis()).unwrap_or(i64::MAX)
    }
}
