//! Freshness lifetime and age (RFC 9111 §4.2; RFC 8246 immutable).

use std::time::{Duration, SystemTime};

use crate::date::{parse_http_date, unix_millis};
use crate::directives::Delta;
use crate::policy::{ms_to_duration, CachePolicy, Derived, Stored};
use crate::explain::Reason;
use crate::options::SetCookiePolicy;
use crate::storable::heuristically_cacheable;

/// Where a freshness lifetime came from (RFC 9111 §4.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum FreshnessSource {
    /// `s-maxage`, in a shared cache.
    SMaxAge,
    /// `max-age`.
    MaxAge,
    /// `Expires` minus `Date`.
    Expires,
    /// A fraction of the time since `Last-Modified` (§4.2.2).
    Heuristic,
    /// The `immutable_min_time_to_live` floor of an `immutable` response (RFC 8246).
    Immutable,
    /// No freshness information: the lifetime is 0.
    None,
}

impl FreshnessSource {
    /// Every source, in declaration order.
    pub const ALL: [FreshnessSource; 6] = [
        FreshnessSource::SMaxAge,
        FreshnessSource::MaxAge,
        FreshnessSource::Expires,
        FreshnessSource::Heuristic,
        FreshnessSource::Immutable,
        FreshnessSource::None,
    ];

    /// A stable code: `s-maxage`, `max-age`, `expires`, `heuristic`, `immutable` or `none`.
    pub fn code(self) -> &'static str {
        match self {
            FreshnessSource::SMaxAge => "s-maxage",
            FreshnessSource::MaxAge => "max-age",
            FreshnessSource::Expires => "expires",
            FreshnessSource::Heuristic => "heuristic",
            FreshnessSource::Immutable => "immutable",
            FreshnessSource::None => "none",
        }
    }
}

/// The stored response's Expires and Last-Modified values (parsed only when the lifetime
/// depends on them) and its parsed Age.
pub(crate) struct Facts<'a> {
    /// The first Expires value, unless a targeted field replaces it.
    pub expires: Option<&'a [u8]>,
    pub last_modified: Option<&'a [u8]>,
    pub age_value: Option<u32>,
    /// For two-digit years (RFC 9110 §5.6.7).
    pub reference_year: i64,
}

/// Fills in lifetime, source, initial age and whether stale serving is forbidden.
pub(crate) fn derive(s: &Stored, d: &mut Derived, facts: &Facts) {
    let cc = d.cc;
    let shared = s.options.shared;
    let (lifetime, source) = lifetime(s, d, facts);
    // Rule of this engine (tests/vectors/README.md rule 4): a shared cache revalidates every
    // reuse of a response that sets a cookie, unless the origin opted in.
    let cookie_guard = shared
        && s.options.set_cookie == SetCookiePolicy::Revalidate
        && d.has_set_cookie
        && !(cc.public || cc.s_maxage.is_present() || cc.immutable);
    d.lifetime = if cookie_guard || s.invalidated { 0 } else { lifetime };
    d.source = source;
    // §4.2.4 with §5.2.2.2, §5.2.2.8 and §5.2.2.10 (s-maxage implies proxy-revalidate).
    d.stale_forbidden =
        cc.must_revalidate || (shared && (cc.proxy_revalidate || cc.s_maxage.is_present())) || cookie_guard;
    // §4.2.3 age calculation, the parts known at reception.
    // Times are caller-supplied and may be extreme: all arithmetic saturates.
    let apparent_age = s.response_time.saturating_sub(d.date_value).max(0);
    let response_delay = s.response_time.saturating_sub(s.request_time);
    let corrected_age_value = (i64::from(facts.age_value.unwrap_or(0)) * 1000).saturating_add(response_delay);
    d.initial_age = apparent_age.max(corrected_age_value);
    // Time priority (`cache_etags` off): only time-based freshness makes a response storable.
    if d.not_storable.is_none() && !s.options.cache_etags && d.lifetime == 0 {
        d.not_storable = Some(Reason::NoTimeBasedFreshness);
    }
}

/// RFC 9111 §4.2.1, in ms.
fn lifetime(s: &Stored, d: &Derived, facts: &Facts) -> (i64, FreshnessSource) {
    let cc = &d.cc;
    let secs = |delta: Delta| i64::from(delta.seconds().unwrap_or(0)) * 1000;
    if s.options.shared && cc.s_maxage.is_present() {
        return (secs(cc.s_maxage), FreshnessSource::SMaxAge);
    }
    if cc.max_age.is_present() {
        return (secs(cc.max_age), FreshnessSource::MaxAge);
    }
    let floor = if cc.immutable { s.options.immutable_min_ms() } else { 0 };
    let with_floor = |ms: i64, source| if floor > ms { (floor, FreshnessSource::Immutable) } else { (ms, source) };
    let date_secs = d.date_value.div_euclid(1000);
    let parse = |v| parse_http_date(v, facts.reference_year);
    if let Some(expires) = facts.expires {
        // An invalid Expires, or one not after Date, means already expired (§5.3).
        return match parse(expires) {
            Some(e) if e > date_secs => with_floor((e - date_secs).saturating_mul(1000), FreshnessSource::Expires),
            _ => with_floor(0, FreshnessSource::Expires),
        };
    }
    // §4.2.2: heuristic freshness only for heuristically cacheable statuses or `public`.
    if heuristically_cacheable(s.status) || cc.public {
        if let Some(lm) = facts.last_modified.and_then(parse).filter(|&lm| lm < date_secs) {
            let ms = ((date_secs - lm) as f64 * 1000.0 * s.options.cache_heuristic) as i64;
            return with_floor(ms, FreshnessSource::Heuristic);
        }
    }
    with_floor(0, FreshnessSource::None)
}

impl CachePolicy {
    /// The freshness lifetime (RFC 9111 §4.2.1): how long after generation the response is fresh.
    pub fn freshness_lifetime(&self) -> Duration {
        ms_to_duration(self.derived.lifetime)
    }

    /// Where the freshness lifetime came from.
    pub fn freshness_source(&self) -> FreshnessSource {
        self.derived.source
    }

    /// The current age at `now` (RFC 9111 §4.2.3).
    pub fn age(&self, now: SystemTime) -> Duration {
        ms_to_duration(self.age_ms(unix_millis(now)))
    }

    /// Time left until the response becomes stale: max(0, lifetime − age).
    pub fn time_to_live(&self, now: SystemTime) -> Duration {
        ms_to_duration(self.derived.lifetime.saturating_sub(self.age_ms(unix_millis(now))))
    }

    /// Whether the response is stale at `now`: its age has reached its lifetime (RFC 9111 §4.2).
    pub fn is_stale(&self, now: SystemTime) -> bool {
        self.age_ms(unix_millis(now)) >= self.derived.lifetime
    }

    /// `current_age = corrected_initial_age + resident_time`, in ms; a clock that went back
    /// counts as no resident time.
    pub(crate) fn age_ms(&self, now_ms: i64) -> i64 {
        self.derived.initial_age.saturating_add(now_ms.saturating_sub(self.stored.response_time).max(0))
    }
}

impl CachePolicy {
    /// How long a store should keep the entry from `now`: until the end of its freshness plus
    /// the longer of its stale-while-revalidate and stale-if-error windows (RFC 5861), during
    /// which it can still be served. 0 for a response that is not storable.
    pub fn retention(&self, now: SystemTime) -> Duration {
        if self.derived.not_storable.is_some() {
            return Duration::ZERO;
        }
        let cc = &self.derived.cc;
        let extra = if self.derived.stale_forbidden {
            0
        } else {
            cc.stale_while_revalidate.seconds().unwrap_or(0).max(cc.stale_if_error.seconds().unwrap_or(0))
        };
        let end = self.derived.lifetime.saturating_add(i64::from(extra) * 1000);
        ms_to_duration(end.saturating_sub(self.age_ms(unix_millis(now))))
    }

    /// Whether, at `now`, the response is within its stale-while-revalidate window (or still
    /// fresh) and that directive may be used (RFC 5861 §3; not when stale serving is forbidden,
    /// RFC 9111 §4.2.4).
    pub fn within_stale_while_revalidate(&self, now: SystemTime) -> bool {
        let d = &self.derived;
        let swr = i64::from(d.cc.stale_while_revalidate.seconds().unwrap_or(0)) * 1000;
        d.not_storable.is_none() && !d.stale_forbidden && swr > 0 && self.age_ms(unix_millis(now)) < d.lifetime.saturating_add(swr)
    }
}
