//! Options that choose between the behaviours RFC 9111 allows (and a few it does not, off by default).

use std::time::Duration;

use crate::error::{Error, ErrorKind};

/// How the cache that asks behaves.
///
/// ```
/// let mut options = cachepolicy::Options::default();
/// options.shared = false; // a browser-like private cache
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
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
}

impl Default for Options {
    fn default() -> Self {
        Options {
            shared: true,
            cache_heuristic: 0.1,
            immutable_min_time_to_live: Duration::from_secs(24 * 3600),
            ignore_cargo_cult: false,
            trust_server_date: true,
        }
    }
}

impl Options {
    /// Checks every value is in range.
    pub fn validate(&self) -> Result<(), Error> {
        if !self.cache_heuristic.is_finite() || self.cache_heuristic < 0.0 {
            return Err(Error::new(
                ErrorKind::InvalidOption,
                format!("cache_heuristic must be a finite number >= 0, got {}", self.cache_heuristic),
            ));
        }
        Ok(())
    }

    pub(crate) fn immutable_min_ms(&self) -> i64 {
        i64::try_from(self.immutable_min_time_to_live.as_millis()).unwrap_or(i64::MAX)
    }
}
