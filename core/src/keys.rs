//! Cache keys (RFC 9111 §2, §4.1): where a store files a response, and which of several stored
//! variants answers a request.
//!
//! The primary key is the method and the normalised target URI (scheme and host lower-cased,
//! default port dropped, empty path as `/`). GET and HEAD requests share the GET key, since a
//! stored GET response answers both; a stored POST response (reusable for GET, RFC 9110
//! §9.3.3) files under GET too.
//! The secondary key holds the request's values of the fields the response's Vary names,
//! normalised exactly as Vary matching compares them (names lower-cased and sorted; values with
//! lines combined and whitespace normalised; list order kept, since RFC 9110 gives no request
//! field an order this engine may ignore). Two requests have the same secondary key for a
//! stored response exactly when both match its Vary.

use crate::error::Error;
use crate::headers::HttpRequest;
use crate::policy::{check_method, check_url, lines_named, CachePolicy, Method};
use crate::uri::Target;
use crate::vary;

/// The primary cache key of a request (RFC 9111 §2): `GET https://example.com/a` for GET and
/// HEAD, the method itself otherwise. Errors on an invalid method or URL.
pub fn primary_key(request: &impl HttpRequest) -> Result<String, Error> {
    let method = request.method();
    check_method(method)?;
    let url = request.url();
    check_url(&url)?;
    let host = lines_named(request, b"host").next().and_then(|h| std::str::from_utf8(h).ok());
    let method = match Method::of(method.as_bytes()) {
        Method::Get | Method::Head => "GET",
        _ => method,
    };
    Ok(key_of(method, &Target::parse(&url, host)))
}

fn key_of(method: &str, target: &Target<'_>) -> String {
    format!("{method} {}", target.normalized())
}

/// Of several stored responses for one primary key, the one to use for `request` (RFC 9111
/// §4.1): among those that can answer it (storable, matching method, URI and Vary), the most
/// recent by `Date`, then by time of reception. `None` when none can.
pub fn select_variant<'p>(variants: impl IntoIterator<Item = &'p CachePolicy>, request: &impl HttpRequest) -> Option<&'p CachePolicy> {
    let facts = crate::policy::RequestFacts::of(request);
    variants
        .into_iter()
        .filter(|p| p.unusable_reason(request, &facts).is_none())
        .max_by_key(|p| (p.derived.date_value, p.stored.response_time))
}

impl CachePolicy {
    /// The primary key this response is stored under (see [`primary_key`]).
    pub fn primary_key(&self) -> String {
        let method = match self.derived.method {
            Method::Get | Method::Head | Method::Post => "GET",
            Method::Other => self.method(),
        };
        key_of(method, &self.stored.target())
    }

    /// The secondary key of the stored response (RFC 9111 §4.1): one `name=value` line per field
    /// its Vary names (`name~` and hex digits for a value that is not UTF-8, `name` alone when
    /// the original request lacked it), sorted by name and joined with newlines; empty without
    /// Vary.
    pub fn secondary_key(&self) -> String {
        let a = &self.stored.arena;
        secondary_key_of(self.stored.vary.iter().map(|s| (a.text(s.name), s.value.map(|v| a.get(v).to_vec()))))
    }

    /// The secondary key `request` has for this stored response: equal to
    /// [`secondary_key`](Self::secondary_key) exactly when `request` matches its Vary.
    pub fn secondary_key_for(&self, request: &impl HttpRequest) -> String {
        let a = &self.stored.arena;
        let lookup = vary::Lookup::new(request, self.stored.vary.len());
        secondary_key_of(self.stored.vary.iter().map(|s| (a.text(s.name), vary::normalized_value(&lookup, a.text(s.name)))))
    }
}

fn secondary_key_of<'n>(values: impl Iterator<Item = (&'n str, Option<Vec<u8>>)>) -> String {
    let mut values: Vec<(&str, Option<Vec<u8>>)> = values.collect();
    values.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let lines: Vec<String> = values
        .into_iter()
        .map(|(name, value)| match value.map(String::from_utf8) {
            Some(Ok(text)) => format!("{name}={text}"),
            // Bytes that are not UTF-8, in hex after `~` (not `=`), so that no two values
            // share a line (as they would if written lossily).
            Some(Err(e)) => format!("{name}~{}", e.as_bytes().iter().map(|b| format!("{b:02x}")).collect::<String>()),
            None => name.to_string(),
        })
        .collect();
    lines.join("\n")
}
