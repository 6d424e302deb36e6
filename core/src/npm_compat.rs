//! Helpers for bindings that keep a policy's state in the host language's objects: the Node
//! binding, which mirrors the npm `http-cache-semantics` API.
//!
//! Why: in Node, tying a native object to each JS policy (`napi_wrap` with a finalizer) costs
//! ~0.7–1 µs, more than building and evaluating the policy, and the npm API keeps the caller's
//! header objects anyway (`toObject()` writes them). So the Node binding keeps each policy as
//! those objects plus a few numbers, builds the engine's policy from the fields the rules read,
//! caches it per thread, and rebuilds it from the objects when it was evicted. For that it needs
//! the few facts below, which the rest of the API does not expose. Every rule stays in this
//! crate.

use crate::headers::list_members;
use crate::policy::CachePolicy;

impl CachePolicy {
    /// The request fields whose values select this stored response (RFC 9111 §4.1: those its
    /// `Vary` names, lower-cased, plus any the options key stored responses on), so that a
    /// binding can look up just those in a new request's header object.
    pub fn selecting_field_names(&self) -> impl Iterator<Item = &str> + '_ {
        let a = &self.stored.arena;
        self.stored.vary.iter().map(move |s| a.text(s.name))
    }

    /// The same policy marked stale by a HEAD response that showed the stored response is out of
    /// date (RFC 9111 §4.3.5): what [`revalidated_policy`](Self::revalidated_policy) returns with
    /// outcome `HeadMismatch`. For rebuilding such a policy from a binding's saved state.
    pub fn into_invalidated(mut self) -> CachePolicy {
        self.stored.invalidated = true;
        let (cc, targeted) = (self.derived.cc, self.derived.targeted);
        CachePolicy::from_stored(self.stored, cc, targeted)
    }

    /// Whether this policy was marked stale by a mismatching HEAD response (RFC 9111 §4.3.5).
    pub fn is_invalidated(&self) -> bool {
        self.stored.invalidated
    }
}

/// The lower-cased members of list-valued lines (`Vary`, `Connection`, RFC 9110 §5.6.1), in
/// order; members that are not text are skipped.
pub fn field_names<'a>(lines: impl IntoIterator<Item = &'a [u8]>) -> Vec<String> {
    lines
        .into_iter()
        .flat_map(list_members)
        .filter_map(|m| std::str::from_utf8(m).ok())
        .map(str::to_ascii_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Options, Request, Response};
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn selecting_names_are_the_vary_names_lower_cased() {
        let t0 = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let request = Request { method: "GET", url: "https://a.example/", headers: &[("accept-encoding", "gzip")] };
        let lines = [("cache-control", "max-age=60"), ("vary", "Accept-Encoding, Origin"), ("vary", "origin")];
        let response = Response { status: 200, headers: &lines };
        let policy = CachePolicy::new(&request, &response, &Options::default(), t0).unwrap();
        assert_eq!(policy.selecting_field_names().collect::<Vec<_>>(), ["accept-encoding", "origin"]);
        assert!(!policy.is_invalidated());
        let stale = policy.clone().into_invalidated();
        assert!(stale.is_invalidated() && stale.is_stale(t0) && !policy.is_stale(t0));
    }

    #[test]
    fn field_names_split_lists() {
        assert_eq!(field_names([&b"Keep-Alive, X-Foo"[..], b" ,te"]), ["keep-alive", "x-foo", "te"]);
    }
}
