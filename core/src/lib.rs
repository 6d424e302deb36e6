//! # cachepolicy
//!
//! An HTTP caching policy engine: given a request and the response it got, it answers the
//! questions an HTTP cache must ask, per RFC 9111 (HTTP Caching), RFC 5861
//! (stale-while-revalidate, stale-if-error) and RFC 8246 (immutable):
//!
//! - may I store this response? — [`CachePolicy::storable`], [`CachePolicy::not_storable_reason`]
//! - may I serve it to this new request? — [`CachePolicy::evaluate`] (the whole decision),
//!   [`CachePolicy::satisfies_without_revalidation`]
//! - with which headers? — [`CachePolicy::response_headers`]
//! - if not, what conditional request do I send? — [`CachePolicy::revalidation_headers`]
//! - how do I merge the 304 that came back? — [`CachePolicy::revalidated_policy`]
//! - which entries does this POST invalidate? — [`CachePolicy::invalidation_targets`]
//!
//! It is pure policy: no I/O, no storage, no clock reads. Every time-dependent question takes
//! the current time, so answers are deterministic.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use cachepolicy::{CachePolicy, Decision, Options, Request, Response};
//!
//! let t0 = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
//! let request = Request { method: "GET", url: "https://example.com/app.js", headers: &[("accept", "*/*")] };
//! let response = Response {
//!     status: 200,
//!     headers: &[("date", "Tue, 14 Nov 2023 22:13:20 GMT"), ("cache-control", "max-age=3600")],
//! };
//! let policy = CachePolicy::new(&request, &response, &Options::default(), t0)?;
//! assert!(policy.storable());
//!
//! let later = t0 + Duration::from_secs(10);
//! let evaluation = policy.evaluate(&request, later);
//! assert_eq!(evaluation.decision(), Decision::Fresh);
//! let headers = evaluation.response_headers().unwrap();
//! assert!(headers.iter().any(|(name, value)| *name == "age" && value.as_ref() == b"10"));
//! # Ok::<(), cachepolicy::Error>(())
//! ```
//!
//! Where RFC 9111 leaves a choice, the rule this engine follows is written down in
//! `tests/vectors/README.md` and pinned by the shared test vectors.

// One audited exception, `headers::token_str_of` (ASCII bytes viewed as text), is allowed.
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod cache_status;
mod date;
pub mod directives;
mod error;
mod explain;
mod freshness;
mod headers;
mod invalidate;
mod keys;
pub mod npm_compat;
mod options;
mod policy;
mod revalidate;
mod serialize;
mod serve;
mod storable;
mod targeted;
mod uri;
mod vary;

pub use cache_status::{CacheStatus, Forward};
pub use date::{format_http_date, parse_http_date};
pub use error::{Error, ErrorKind};
pub use explain::Reason;
pub use freshness::FreshnessSource;
pub use keys::{primary_key, select_variant};
pub use headers::{HeaderList, HeaderSource, HttpRequest, HttpResponse, Request, Response};
pub use options::{Options, RequestNoCache, SetCookiePolicy, PROFILES};
pub use policy::CachePolicy;
pub use revalidate::{forward_headers, Revalidation, RevalidationOutcome};
pub use serialize::FORMAT_VERSION;
pub use serve::{Decision, Evaluation, ExpiryStage};
