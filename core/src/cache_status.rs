//! The `Cache-Status` field a cache adds to say what it did (RFC 9211).

use std::fmt::Write;

use crate::explain::Reason;
use crate::headers::{is_tchar, HttpRequest};
use crate::serve::{Decision, Evaluation};

/// Why a request went forward to the next hop (RFC 9211 §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Forward {
    /// The cache was configured not to handle this request.
    Bypass,
    /// The request method's semantics require the request to be forwarded.
    Method,
    /// The cache had no response for the request's URI.
    UriMiss,
    /// The cache had a response for the URI, but the Vary fields did not match.
    VaryMiss,
    /// The cache had no usable response (e.g. not storable).
    Miss,
    /// The request's directives (no-cache, max-age, min-fresh) required forwarding.
    Request,
    /// The cache had a stale response (or one that needs validation).
    Stale,
    /// The cache had only part of the response.
    Partial,
}

impl Forward {
    /// Every value, in declaration order.
    pub const ALL: [Forward; 8] =
        [Forward::Bypass, Forward::Method, Forward::UriMiss, Forward::VaryMiss, Forward::Miss, Forward::Request, Forward::Stale, Forward::Partial];

    /// The token RFC 9211 registers: `bypass`, `method`, `uri-miss`, `vary-miss`, `miss`,
    /// `request`, `stale` or `partial`.
    pub fn token(self) -> &'static str {
        match self {
            Forward::Bypass => "bypass",
            Forward::Method => "method",
            Forward::UriMiss => "uri-miss",
            Forward::VaryMiss => "vary-miss",
            Forward::Miss => "miss",
            Forward::Request => "request",
            Forward::Stale => "stale",
            Forward::Partial => "partial",
        }
    }
}

/// One cache's member of the `Cache-Status` list (RFC 9211 §2): its name and parameters.
///
/// ```
/// # use cachepolicy::CacheStatus;
/// let status = CacheStatus::miss("edge-1").with_fwd_status(200).with_stored(true);
/// assert_eq!(status.to_header_value(), "edge-1; fwd=uri-miss; fwd-status=200; stored");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheStatus {
    /// The cache's name (a token, or else written as a string).
    pub cache: String,
    /// The response came from the cache without going forward (§2.1).
    pub hit: bool,
    /// Why the request went forward (§2.2).
    pub fwd: Option<Forward>,
    /// The status the next hop answered with (§2.3).
    pub fwd_status: Option<u16>,
    /// Remaining freshness in seconds, negative when stale (§2.4).
    pub ttl: Option<i64>,
    /// The response was stored (§2.5).
    pub stored: bool,
    /// The request was collapsed with another (§2.6).
    pub collapsed: bool,
    /// The cache key (§2.7).
    pub key: Option<String>,
    /// Implementation-specific detail (§2.8).
    pub detail: Option<String>,
}

impl CacheStatus {
    /// A member with only the cache's name.
    pub fn new(cache: impl Into<String>) -> Self {
        CacheStatus { cache: cache.into(), hit: false, fwd: None, fwd_status: None, ttl: None, stored: false, collapsed: false, key: None, detail: None }
    }

    /// Nothing was stored for the request's URI: `fwd=uri-miss`.
    pub fn miss(cache: impl Into<String>) -> Self {
        CacheStatus { fwd: Some(Forward::UriMiss), ..CacheStatus::new(cache) }
    }

    /// What a cache did for an evaluated request: `hit` with `ttl` when it served the stored
    /// response; otherwise `fwd` with why, and `ttl` when it had a stored response; a 504 for
    /// only-if-cached gets `detail=only-if-cached`. Add what only the caller knows (the
    /// forwarded status, whether it stored the answer, collapsing, the key) with the `with_`
    /// methods.
    pub fn from_evaluation<Q: HttpRequest>(cache: impl Into<String>, evaluation: &Evaluation<'_, Q>) -> Self {
        let mut status = CacheStatus::new(cache);
        let reason = evaluation.reason();
        match evaluation.decision() {
            Decision::Fresh | Decision::Stale | Decision::StaleWhileRevalidate => status.hit = true,
            Decision::GatewayTimeout => status.detail = Some("only-if-cached".to_string()),
            Decision::Revalidate => {
                status.fwd = Some(match reason {
                    Some(Reason::RequestNoCache | Reason::RequestMaxAge | Reason::RequestMinFresh) => Forward::Request,
                    _ => Forward::Stale,
                })
            }
            Decision::NoMatch => {
                status.fwd = Some(match reason {
                    Some(Reason::MethodMismatch) => Forward::Method,
                    Some(Reason::UrlMismatch) => Forward::UriMiss,
                    Some(Reason::VaryMismatch) => Forward::VaryMiss,
                    Some(Reason::Bypassed) => Forward::Bypass,
                    Some(Reason::RequestNoCache) => Forward::Request,
                    _ => Forward::Miss,
                })
            }
        }
        // A remaining lifetime only means something for a response the cache could use.
        if status.hit || matches!(status.fwd, Some(Forward::Stale | Forward::Request)) {
            status.ttl = Some(evaluation.ttl_seconds());
        }
        status
    }

    /// With the status code the next hop answered.
    pub fn with_fwd_status(mut self, status: u16) -> Self {
        self.fwd_status = Some(status);
        self
    }

    /// With whether the response was stored.
    pub fn with_stored(mut self, stored: bool) -> Self {
        self.stored = stored;
        self
    }

    /// With whether the request was collapsed with another.
    pub fn with_collapsed(mut self, collapsed: bool) -> Self {
        self.collapsed = collapsed;
        self
    }

    /// With the cache key.
    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// With implementation-specific detail.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// The list member as RFC 9211 writes it (RFC 8941 syntax), e.g.
    /// `ExampleCache; hit; ttl=376` or `edge; fwd=stale; fwd-status=304; stored`. Append it to
    /// an existing `Cache-Status` value with `, `.
    pub fn to_header_value(&self) -> String {
        let mut out = String::new();
        write_token_or_string(&mut out, &self.cache);
        if self.hit {
            out.push_str("; hit");
        }
        if let Some(fwd) = self.fwd {
            let _ = write!(out, "; fwd={}", fwd.token());
        }
        if let Some(status) = self.fwd_status {
            let _ = write!(out, "; fwd-status={status}");
        }
        if let Some(ttl) = self.ttl {
            let _ = write!(out, "; ttl={}", ttl.clamp(-999_999_999_999_999, 999_999_999_999_999));
        }
        if self.stored {
            out.push_str("; stored");
        }
        if self.collapsed {
            out.push_str("; collapsed");
        }
        if let Some(key) = &self.key {
            out.push_str("; key=");
            write_string(&mut out, key);
        }
        if let Some(detail) = &self.detail {
            out.push_str("; detail=");
            write_token_or_string(&mut out, detail);
        }
        out
    }
}

impl<Q: HttpRequest> Evaluation<'_, Q> {
    /// Remaining freshness at the evaluation time in whole seconds, negative when stale.
    pub(crate) fn ttl_seconds(&self) -> i64 {
        self.policy_lifetime_left_ms().div_euclid(1000)
    }
}

/// An RFC 8941 token when the text is one (`ALPHA / "*"` then `tchar / ":" / "/"`), else a string.
fn write_token_or_string(out: &mut String, text: &str) {
    let b = text.as_bytes();
    let is_token = b.first().is_some_and(|c| c.is_ascii_alphabetic() || *c == b'*') && b.iter().all(|&c| is_tchar(c) || c == b':' || c == b'/');
    if is_token {
        out.push_str(text);
    } else {
        write_string(out, text);
    }
}

/// An RFC 8941 string: printable ASCII, `"` and `\` escaped; other characters become `?`.
fn write_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => out.push('?'),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc9211_2_members_are_written_as_structured_fields() {
        let s = CacheStatus { ttl: Some(-5), key: Some("GET https://a/\"q\"".into()), detail: Some("x y".into()), ..CacheStatus::new("My Cache") };
        assert_eq!(s.to_header_value(), r#""My Cache"; ttl=-5; key="GET https://a/\"q\""; detail="x y""#);
        let s = CacheStatus { hit: true, ttl: Some(30), ..CacheStatus::new("edge-1") };
        assert_eq!(s.to_header_value(), "edge-1; hit; ttl=30");
        assert_eq!(CacheStatus::new("caché").to_header_value(), "\"cach?\"");
    }
}
