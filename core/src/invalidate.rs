//! Invalidation after unsafe methods (RFC 9111 §4.4).

use crate::headers::FieldKind;
use crate::policy::CachePolicy;
use crate::uri::{resolve, Target};

/// Safe methods (RFC 9110 §9.2.1) never invalidate.
fn is_safe(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "OPTIONS" | "TRACE")
}

impl CachePolicy {
    /// The URIs a cache must invalidate now that this response answered this request
    /// (RFC 9111 §4.4): after an unsafe method (including unknown ones) and a non-error status
    /// (2xx, 3xx), the target URI, then `Location` and `Content-Location` when they have the
    /// same origin. URIs are normalised (scheme and host lower-cased, default port dropped);
    /// an origin-form target gives scheme-less `//host/path` URIs.
    pub fn invalidation_targets(&self) -> Vec<String> {
        let s = &self.stored;
        let a = &s.arena;
        if is_safe(self.method()) || !(200..400).contains(&s.status) {
            return Vec::new();
        }
        let target = self.stored.target();
        let mut uris = vec![target.normalized()];
        for kind in [FieldKind::Location, FieldKind::ContentLocation] {
            let Some(f) = s.fields.iter().find(|f| f.kind == kind) else { continue };
            let Ok(reference) = std::str::from_utf8(a.get(f.value)) else { continue };
            let Some(uri) = resolve(&target, reference) else { continue };
            let same_origin = Target::parse(&uri, None).same_origin(&target);
            if same_origin && !uris.contains(&uri) {
                uris.push(uri);
            }
        }
        uris
    }
}
