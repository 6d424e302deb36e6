//! Serving a stored response to a new request (RFC 9111 §4, §4.2.4, §5.2.1; RFC 5861 §3) and
//! the header fields to serve it with (§3.1, §5.1).

use std::borrow::Cow;
use std::time::SystemTime;

use crate::date::{format_http_date, unix_millis};
use crate::directives::{MaxStale, RequestDirectives};
use crate::explain::Reason;
use crate::headers::{FieldKind, HeaderList, HttpRequest};
use crate::options::RequestNoCache;
use crate::policy::{CachePolicy, Method, RequestFacts};
use crate::vary;

/// What a cache should do with a new request, given this stored response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Decision {
    /// Serve the stored response: it is fresh (RFC 9111 §4.2).
    Fresh,
    /// Serve the stored response although stale: the request's max-stale allows it (§4.2.4).
    Stale,
    /// Serve the stale response now and revalidate in the background (RFC 5861 §3).
    StaleWhileRevalidate,
    /// Send the conditional request first (§4.3.1); serve according to the answer.
    Revalidate,
    /// The stored response cannot answer this request; forward it.
    NoMatch,
    /// The request said only-if-cached and nothing stored can answer: reply 504 (§5.2.1.7).
    GatewayTimeout,
}

impl Decision {
    /// Every decision, in declaration order.
    pub const ALL: [Decision; 6] =
        [Decision::Fresh, Decision::Stale, Decision::StaleWhileRevalidate, Decision::Revalidate, Decision::NoMatch, Decision::GatewayTimeout];

    /// A stable code: `fresh`, `stale`, `stale_while_revalidate`, `revalidate`, `no_match`,
    /// `gateway_timeout`.
    pub fn code(self) -> &'static str {
        match self {
            Decision::Fresh => "fresh",
            Decision::Stale => "stale",
            Decision::StaleWhileRevalidate => "stale_while_revalidate",
            Decision::Revalidate => "revalidate",
            Decision::NoMatch => "no_match",
            Decision::GatewayTimeout => "gateway_timeout",
        }
    }

    /// Whether the stored response is served to the client now.
    pub fn serves_stored(self) -> bool {
        matches!(self, Decision::Fresh | Decision::Stale | Decision::StaleWhileRevalidate)
    }

    /// Whether a request goes to the origin (now, or in the background).
    pub fn contacts_origin(self) -> bool {
        matches!(self, Decision::StaleWhileRevalidate | Decision::Revalidate | Decision::NoMatch)
    }
}

/// How a request goes to the origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Forwarding {
    /// With the stored validators: the stored response can answer (RFC 9111 §4.3.1).
    Conditional,
    /// Without the client's If-None-Match / If-Modified-Since either: the answer is to be
    /// stored, so it must be complete.
    Unconditional,
    /// As the client sent it (but hop-by-hop fields): the cache stays out of it.
    PassThrough,
}

/// Where a stored response stands in its two-stage expiry (a pattern against dog-piling: at
/// the soft expiry exactly one caller refreshes, the lock being the caller's, while the others
/// keep getting the old response; at the hard expiry nothing stale is served).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ExpiryStage {
    /// Fresh: serve it.
    Fresh,
    /// Past its freshness, within the grace period or stale-while-revalidate window: serve it,
    /// and let one caller refresh it.
    SoftExpired,
    /// Past every window: revalidate before serving.
    HardExpired,
}

impl ExpiryStage {
    /// Every stage, in declaration order.
    pub const ALL: [ExpiryStage; 3] = [ExpiryStage::Fresh, ExpiryStage::SoftExpired, ExpiryStage::HardExpired];

    /// `fresh`, `soft_expired` or `hard_expired`.
    pub fn code(self) -> &'static str {
        match self {
            ExpiryStage::Fresh => "fresh",
            ExpiryStage::SoftExpired => "soft_expired",
            ExpiryStage::HardExpired => "hard_expired",
        }
    }
}

/// The whole answer for a new request: the decision, its reason, and the header lists to use.
#[derive(Debug, Clone, Copy)]
pub struct Evaluation<'a, Q: HttpRequest> {
    policy: &'a CachePolicy,
    request: &'a Q,
    now: i64,
    decision: Decision,
    reason: Option<Reason>,
    /// How a request to the origin would be made, decided with the decision.
    forwarding: Forwarding,
}

impl<'a, Q: HttpRequest> Evaluation<'a, Q> {
    /// Remaining freshness at the evaluation time in ms, negative when stale.
    pub(crate) fn policy_lifetime_left_ms(&self) -> i64 {
        self.policy.derived.lifetime.saturating_sub(self.policy.age_ms(self.now))
    }

    pub(crate) fn forwarding(&self) -> Forwarding {
        self.forwarding
    }

    /// What to do.
    pub fn decision(&self) -> Decision {
        self.decision
    }

    /// Why, for every decision but a plain fresh hit.
    pub fn reason(&self) -> Option<Reason> {
        self.reason
    }

    /// The headers to serve the stored response with, when the decision serves it.
    pub fn response_headers(&self) -> Option<HeaderList<'a>> {
        self.decision.serves_stored().then(|| self.policy.response_headers_at(self.now))
    }

    /// The request headers to send to the origin, when the decision contacts it: conditional
    /// for revalidation, plain for a forwarded request (RFC 9111 §4.3.1).
    pub fn revalidation_headers(&self) -> Option<HeaderList<'a>> {
        self.decision.contacts_origin().then(|| self.policy.revalidation_headers_at(self.request, self.forwarding))
    }
}

impl CachePolicy {
    /// Decides how to answer `request` at `now` with this stored response (RFC 9111 §4).
    pub fn evaluate<'a, Q: HttpRequest>(&'a self, request: &'a Q, now: SystemTime) -> Evaluation<'a, Q> {
        let now = unix_millis(now);
        let facts = RequestFacts::of(request);
        let rd = facts.obeyed_directives(&self.stored.options);
        let (mut decision, mut reason) = match self.unusable_reason(request, &facts) {
            Some(r) => (Decision::NoMatch, Some(r)),
            None => self.freshness_decision(&rd, now),
        };
        // Only a stored response that can answer the request lends its validators.
        let forwarding = match (decision, reason) {
            (Decision::NoMatch, Some(Reason::Bypassed)) => Forwarding::PassThrough,
            (Decision::NoMatch, _) => Forwarding::Unconditional,
            _ => Forwarding::Conditional,
        };
        if rd.only_if_cached && !decision.serves_stored() {
            (decision, reason) = (Decision::GatewayTimeout, Some(Reason::OnlyIfCached));
        }
        Evaluation { policy: self, request, now, decision, reason, forwarding }
    }

    /// True when the stored response can be served for `request` at `now` without contacting
    /// the origin (decision [`Fresh`](Decision::Fresh) or [`Stale`](Decision::Stale)).
    pub fn satisfies_without_revalidation(&self, request: &impl HttpRequest, now: SystemTime) -> bool {
        matches!(self.evaluate(request, now).decision, Decision::Fresh | Decision::Stale)
    }

    /// The headers to serve the stored response with at `now` (RFC 9111 §3.1, §5.1): hop-by-hop
    /// and Connection-listed fields removed, fields of a qualified `no-cache` removed, `Age`
    /// updated, `Date` added when the response had none.
    pub fn response_headers(&self, now: SystemTime) -> HeaderList<'_> {
        self.response_headers_at(unix_millis(now))
    }

    /// Whether the stored response is usable for `request` at all (RFC 9111 §4): the reason
    /// when it is not.
    pub(crate) fn unusable_reason(&self, request: &impl HttpRequest, facts: &RequestFacts<'_>) -> Option<Reason> {
        if self.derived.not_storable.is_some() {
            return Some(Reason::NotStorable);
        }
        if self.stored.options.bypass_range_and_conditional && facts.range_or_precondition {
            return Some(Reason::Bypassed);
        }
        let host = facts.host;
            let method = Method::of(request.method().as_bytes());
        let method_ok = match self.derived.method {
            // A stored GET response serves HEAD too; a POST response with Content-Location
            // serves later GET and HEAD (RFC 9110 §9.3.3).
            Method::Get | Method::Post => matches!(method, Method::Get | Method::Head),
            Method::Head => method == Method::Head,
            Method::Other => false,
        };
        if !method_ok {
            return Some(Reason::MethodMismatch);
        }
        if !self.same_target(&request.url(), host) {
            return Some(Reason::UrlMismatch);
        }
        if !vary::matches(&self.stored.arena, &self.stored.vary, request) {
            return Some(Reason::VaryMismatch);
        }
        None
    }

    /// RFC 9111 §4.2.4 and §5.2.1, for a request the stored response matches.
    fn freshness_decision(&self, rd: &RequestDirectives, now: i64) -> (Decision, Option<Reason>) {
        let d = &self.derived;
        let age = self.age_ms(now);
        let lifetime = d.lifetime;
        if rd.no_cache {
            // httplib2's end-to-end reload forwards without validators (RFC 9111 §5.2.1.4 asks
            // only that the stored response not be used without validation).
            return match self.stored.options.request_no_cache {
                RequestNoCache::Revalidate => (Decision::Revalidate, Some(Reason::RequestNoCache)),
                RequestNoCache::Reload => (Decision::NoMatch, Some(Reason::RequestNoCache)),
            };
        }
        if d.cc.no_cache {
            return (Decision::Revalidate, Some(Reason::ResponseNoCache));
        }
        if rd.max_age.is_some_and(|max| age > i64::from(max) * 1000) {
            return (Decision::Revalidate, Some(Reason::RequestMaxAge));
        }
        if rd.min_fresh.is_some_and(|min| lifetime.saturating_sub(age) < i64::from(min) * 1000) {
            return (Decision::Revalidate, Some(Reason::RequestMinFresh));
        }
        if age < lifetime {
            return (Decision::Fresh, None);
        }
        let staleness = age.saturating_sub(lifetime);
        let max_stale_ok = match rd.max_stale {
            MaxStale::Absent => false,
            MaxStale::Any => true,
            MaxStale::Seconds(s) => staleness <= i64::from(s) * 1000,
        };
        let swr = i64::from(d.cc.stale_while_revalidate.seconds().unwrap_or(0)) * 1000;
        let swr_ok = staleness < swr;
        let grace_ok = staleness < self.stored.options.grace_ms();
        match (d.stale_forbidden, max_stale_ok, swr_ok, grace_ok) {
            (false, true, _, _) => (Decision::Stale, Some(Reason::MaxStale)),
            (false, false, true, _) => (Decision::StaleWhileRevalidate, Some(Reason::StaleWhileRevalidate)),
            (false, false, false, true) => (Decision::StaleWhileRevalidate, Some(Reason::GracePeriod)),
            (true, true, _, _) | (true, _, true, _) | (true, _, _, true) => (Decision::Revalidate, Some(Reason::StaleForbidden)),
            _ => (Decision::Revalidate, Some(Reason::Stale)),
        }
    }

    pub(crate) fn response_headers_at(&self, now: i64) -> HeaderList<'_> {
        let a = &self.stored.arena;
        let o = &self.stored.options;
        let mut age = (!o.suppress_age).then(|| Cow::Owned(decimal((self.age_ms(now).saturating_add(500)) / 1000)));
        // RFC 9110 §6.6.1: a cache adds the Date of reception to a response without a valid one;
        // an accelerator may present the current time instead.
        let replacement_date = if o.replace_date {
            Some(now)
        } else {
            (!self.derived.has_valid_date).then_some(self.stored.response_time)
        };
        let mut date = replacement_date.map(|ms| Cow::Owned(format_http_date(ms.div_euclid(1000)).into_bytes()));
        let mut out: HeaderList<'_> = Vec::with_capacity(self.stored.fields.len() + 2);
        for f in self.stored.fields.iter().filter(|f| f.served) {
            match f.kind {
                FieldKind::Age => {
                    if let Some(age) = age.take() {
                        out.push((a.text(f.name), age));
                    }
                }
                // The first valid Date stays in place unless replaced; invalid ones go.
                FieldKind::Date if replacement_date.is_some() => {
                    if o.replace_date {
                        if let Some(date) = date.take() {
                            out.push((a.text(f.name), date));
                        }
                    }
                }
                _ => out.push((a.text(f.name), Cow::Borrowed(a.get(f.value)))),
            }
        }
        if let Some(date) = date {
            out.push(("date", date));
        }
        if let Some(age) = age {
            out.push(("age", age));
        }
        out
    }

    /// The two-stage expiry of an accelerator at `now` (soft: serve the old response while one
    /// caller refreshes it; hard: serve nothing stale). Without a grace period the soft stage
    /// is the stale-while-revalidate window, if any.
    pub fn expiry_stage(&self, now: SystemTime) -> ExpiryStage {
        let d = &self.derived;
        let age = self.age_ms(unix_millis(now));
        if age < d.lifetime {
            return ExpiryStage::Fresh;
        }
        let swr = i64::from(d.cc.stale_while_revalidate.seconds().unwrap_or(0)) * 1000;
        let soft = if d.stale_forbidden { 0 } else { swr.max(self.stored.options.grace_ms()) };
        if age.saturating_sub(d.lifetime) < soft {
            ExpiryStage::SoftExpired
        } else {
            ExpiryStage::HardExpired
        }
    }
}

/// A non-negative integer as ASCII digits (cheaper than `to_string` on the hot path).
fn decimal(n: i64) -> Vec<u8> {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n.max(0) as u64;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits[i..].to_vec()
}
