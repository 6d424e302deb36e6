//! Revalidation: the conditional request (RFC 9111 §4.3.1) and merging the answer
//! (§4.3.3, §4.3.4, §4.3.5; RFC 5861 §4 stale-if-error).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::time::SystemTime;

use crate::date::unix_millis;
use crate::directives::RequestDirectives;
use crate::error::Error;
use crate::headers::{classify, list_members, sanitize, token_str_of, FieldKind, HeaderList, HttpRequest, HttpResponse};
use crate::policy::{lines_named, CachePolicy, Method, RequestFacts};
use crate::serve::Forwarding;

/// How the answer to a revalidation request was used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum RevalidationOutcome {
    /// A 304 (or a HEAD 200) matched the stored response and freshened it (§4.3.4, §4.3.5).
    NotModified,
    /// A new response replaces the stored one.
    Modified,
    /// A 304 that does not match the stored response: repeat the request unconditionally (§4.3.4).
    NotMatched,
    /// A HEAD response showed the stored response is out of date; it is now stale (§4.3.5).
    HeadMismatch,
    /// An error or no answer, within stale-if-error: keep serving the stored response (RFC 5861 §4).
    StaleIfError,
    /// No answer and the stored response may not be served stale.
    Failed,
}

impl RevalidationOutcome {
    /// Every outcome, in declaration order.
    pub const ALL: [RevalidationOutcome; 6] = [
        RevalidationOutcome::NotModified,
        RevalidationOutcome::Modified,
        RevalidationOutcome::NotMatched,
        RevalidationOutcome::HeadMismatch,
        RevalidationOutcome::StaleIfError,
        RevalidationOutcome::Failed,
    ];

    /// `not_modified`, `modified`, `not_matched`, `head_mismatch`, `stale_if_error` or `failed`.
    pub fn code(self) -> &'static str {
        match self {
            RevalidationOutcome::NotModified => "not_modified",
            RevalidationOutcome::Modified => "modified",
            RevalidationOutcome::NotMatched => "not_matched",
            RevalidationOutcome::HeadMismatch => "head_mismatch",
            RevalidationOutcome::StaleIfError => "stale_if_error",
            RevalidationOutcome::Failed => "failed",
        }
    }
}

/// The result of [`CachePolicy::revalidated_policy`].
#[derive(Debug, Clone, PartialEq)]
pub struct Revalidation {
    /// The policy to keep from now on.
    pub policy: CachePolicy,
    /// True when the stored body can no longer be used: use the new response's body, or
    /// repeat the request without conditionals.
    pub modified: bool,
    /// True when the answer was matched to the stored response (or it is kept on error).
    pub matches: bool,
    /// What happened.
    pub outcome: RevalidationOutcome,
}

/// Fields a 304 or HEAD response does not update (RFC 9111 §3.2): those describing the stored
/// body as received.
fn never_updated(kind: FieldKind) -> bool {
    kind.is_hop_by_hop()
        || matches!(kind, FieldKind::ContentLength | FieldKind::ContentEncoding | FieldKind::ContentRange)
}

fn is_weak(etag: &[u8]) -> bool {
    etag.starts_with(b"W/")
}

fn opaque(etag: &[u8]) -> &[u8] {
    etag.strip_prefix(b"W/").unwrap_or(etag)
}

impl CachePolicy {
    /// The request headers to send to the origin for `request` at `now` (RFC 9111 §4.3.1):
    /// the request's fields minus hop-by-hop ones and If-Range, with the stored validators
    /// (If-None-Match, If-Modified-Since) when the stored response can answer the request;
    /// without any If-None-Match / If-Modified-Since when it cannot.
    ///
    /// `now` does not change the answer today; it is taken so that callers need not change if a
    /// time-dependent rule is added.
    pub fn revalidation_headers<'a>(&'a self, request: &'a impl HttpRequest, now: SystemTime) -> HeaderList<'a> {
        self.revalidation_headers_at(request, self.evaluate(request, now).forwarding())
    }

    /// The request to send to the origin, in the given mode.
    pub(crate) fn revalidation_headers_at<'a>(&'a self, request: &'a impl HttpRequest, mode: Forwarding) -> HeaderList<'a> {
        let conditional = mode == Forwarding::Conditional;
        let etag = self.field_value(self.derived.etag).filter(|_| conditional);
        let get_or_head = matches!(Method::of(request.method().as_bytes()), Method::Get | Method::Head);
        let last_modified = self.field_value(self.derived.last_modified).filter(|_| conditional && get_or_head);
        forwarded_headers(request, mode, etag, last_modified)
    }

    /// The request headers to repeat `request` without any validator, e.g. after a 304 that did
    /// not match the stored response (RFC 9111 §4.3.4): hop-by-hop fields, If-Range,
    /// If-None-Match and If-Modified-Since removed.
    pub fn unconditional_headers<'a>(&'a self, request: &'a impl HttpRequest) -> HeaderList<'a> {
        self.revalidation_headers_at(request, Forwarding::Unconditional)
    }

    /// Lost-update protection, as httplib2 does (RFC 9110 §13.1.1, §13.1.4): for a PUT, PATCH or
    /// DELETE to this stored response's URI, the precondition to add so that the change applies
    /// only to the version the client has seen — `If-Match` with the stored strong ETag, else
    /// `If-Unmodified-Since` with the stored Last-Modified. Empty when the request is of another
    /// method or URI, already carries either precondition, or there is no usable validator.
    pub fn lost_update_headers(&self, request: &impl HttpRequest) -> HeaderList<'_> {
        let facts = RequestFacts::of(request);
        let modifies = matches!(request.method(), "PUT" | "PATCH" | "DELETE");
        let same_resource = self.same_target(&request.url(), facts.host);
        let has_precondition = request.header_lines().any(|(n, _)| matches!(classify(n), FieldKind::IfMatch | FieldKind::IfUnmodifiedSince));
        if !modifies || !same_resource || has_precondition {
            return Vec::new();
        }
        // If-Match compares strongly: a weak entity-tag could never match (RFC 9110 §13.1.1).
        if let Some(etag) = self.field_value(self.derived.etag).filter(|e| !is_weak(e)) {
            return vec![("if-match", Cow::Borrowed(etag))];
        }
        match self.field_value(self.derived.last_modified) {
            Some(lm) => vec![("if-unmodified-since", Cow::Borrowed(lm))],
            None => Vec::new(),
        }
    }

    /// Merges the origin's answer to a revalidation request (RFC 9111 §4.3.3–§4.3.5).
    ///
    /// `response` is `None` when no answer came (connection failure, timeout). A 5xx error or
    /// no answer keeps the stored response while stale-if-error allows (RFC 5861 §4). A 304
    /// matched to the stored response by its validators freshens it; one that is not matched
    /// asks for an unconditional request. A 200 to a HEAD request freshens or invalidates the
    /// stored GET response (§4.3.5). Any other response replaces the stored one.
    ///
    /// Errors only when the new response itself is invalid (see [`CachePolicy::new`]).
    pub fn revalidated_policy<R: HttpResponse>(
        &self,
        request: &impl HttpRequest,
        response: Option<&R>,
        now: SystemTime,
    ) -> Result<Revalidation, Error> {
        let now = unix_millis(now);
        let keep = |modified, matches, outcome| Revalidation { policy: self.clone(), modified, matches, outcome };
        let is_error = response.map_or(true, |r| matches!(r.status(), 500 | 502 | 503 | 504));
        if is_error && self.stale_if_error_allows(request, now) {
            return Ok(keep(false, true, RevalidationOutcome::StaleIfError));
        }
        let Some(response) = response else {
            return Ok(keep(true, false, RevalidationOutcome::Failed));
        };
        let options = &self.stored.options;
        let head_freshening = response.status() == 200
            && request.method() == "HEAD"
            && self.derived.method == Method::Get
            && self.unusable_reason(request, &RequestFacts::of(request)).is_none();
        if response.status() == 304 || head_freshening {
            let matched = if head_freshening { self.head_matches(response) } else { self.not_modified_matches(request, response) };
            if !matched {
                if head_freshening {
                    let mut stale = self.clone();
                    stale.stored.invalidated = true;
                    stale.derived.lifetime = 0;
                    return Ok(Revalidation { policy: stale, modified: true, matches: false, outcome: RevalidationOutcome::HeadMismatch });
                }
                return Ok(keep(true, false, RevalidationOutcome::NotMatched));
            }
            let merged = self.merge_headers(response);
            let response = crate::headers::Response { status: self.stored.status, headers: &merged[..] };
            let policy = CachePolicy::build(request, &response, options, now, now, Some(self.method()))?;
            return Ok(Revalidation { policy, modified: false, matches: true, outcome: RevalidationOutcome::NotModified });
        }
        let policy = CachePolicy::build(request, response, options, now, now, None)?;
        Ok(Revalidation { policy, modified: true, matches: false, outcome: RevalidationOutcome::Modified })
    }

    /// Whether, when the origin answers `request` with an error (500, 502, 503, 504) or not at
    /// all, the stored response may be served instead at `now` (RFC 5861 §4 with RFC 9111
    /// §4.2.4): while fresh, or while stale within stale-if-error (the response's or the
    /// request's) unless stale serving is forbidden; never under response `no-cache`.
    pub fn within_stale_if_error(&self, request: &impl HttpRequest, now: SystemTime) -> bool {
        self.stale_if_error_allows(request, unix_millis(now))
    }

    pub(crate) fn stale_if_error_allows(&self, request: &impl HttpRequest, now: i64) -> bool {
        let d = &self.derived;
        if d.not_storable.is_some() || d.cc.no_cache {
            return false;
        }
        let age = self.age_ms(now);
        if age < d.lifetime {
            return true;
        }
        if d.stale_forbidden {
            return false;
        }
        let rd = RequestDirectives::parse(lines_named(request, b"cache-control"), lines_named(request, b"pragma"));
        let window = d.cc.stale_if_error.seconds().unwrap_or(0).max(rd.stale_if_error.unwrap_or(0));
        age < d.lifetime.saturating_add(i64::from(window) * 1000)
    }

    /// RFC 9111 §4.3.4: whether a 304 identifies the stored response.
    ///
    /// A 304 without any validator is matched when the stored response has none either (as the
    /// RFC says), and also when the request it answers named no validator but the stored
    /// response's own: it can then refer to nothing else. Many origins send such 304s (RFC 9110
    /// §15.4.5 asks for the ETag, but they omit it), and refusing them would cost a full refetch.
    fn not_modified_matches(&self, request: &impl HttpRequest, response: &impl HttpResponse) -> bool {
        let first = |kind| response.header_lines().find(|(n, _)| classify(n) == kind).map(|(_, v)| crate::headers::trim_ows(v));
        let stored_etag = self.field_value(self.derived.etag);
        let stored_lm = self.field_value(self.derived.last_modified);
        if let Some(new_etag) = first(FieldKind::ETag) {
            return match stored_etag {
                // A strong validator must match strongly; a weak one weakly (RFC 9110 §8.8.3.2).
                Some(old) if !is_weak(new_etag) => !is_weak(old) && old == new_etag,
                Some(old) => opaque(old) == opaque(new_etag),
                None => false,
            };
        }
        if let Some(new_lm) = first(FieldKind::LastModified) {
            return stored_lm.is_some_and(|old| same_date(old, new_lm));
        }
        if stored_etag.is_none() && stored_lm.is_none() {
            return true;
        }
        request.header_lines().all(|(name, value)| match classify(name) {
            FieldKind::IfNoneMatch => list_members(value).all(|tag| stored_etag.is_some_and(|ours| opaque(ours) == opaque(tag))),
            FieldKind::IfModifiedSince => stored_lm.is_some_and(|ours| same_date(ours, value)),
            _ => true,
        })
    }

    /// RFC 9111 §4.3.5: a HEAD response's validators and Content-Length (those present) match.
    fn head_matches(&self, response: &impl HttpResponse) -> bool {
        let stored = |span| self.field_value(span);
        response.header_lines().all(|(n, v)| {
            let v = crate::headers::trim_ows(v);
            match classify(n) {
                FieldKind::ETag => stored(self.derived.etag) == Some(v),
                FieldKind::LastModified => stored(self.derived.last_modified).is_some_and(|old| same_date(old, v)),
                FieldKind::ContentLength => stored(self.derived.content_length) == Some(v),
                _ => true,
            }
        })
    }

    /// The stored fields updated with a 304's or HEAD response's fields (RFC 9111 §3.2).
    fn merge_headers<'a>(&'a self, response: &'a impl HttpResponse) -> Vec<(&'a [u8], Cow<'a, [u8]>)> {
        // Listed names are looked up through a set: linear however many Connection lists.
        let connection_listed: HashSet<Vec<u8>> = response
            .header_lines()
            .filter(|(n, _)| classify(n) == FieldKind::Connection)
            .flat_map(|(_, v)| list_members(v))
            .filter(|m| !classify(m).is_hop_by_hop()) // never updated anyway
            .map(<[u8]>::to_ascii_lowercase)
            .collect();
        let updates: Vec<(&[u8], &[u8], FieldKind)> = response
            .header_lines()
            .map(|(n, v)| (n, v, classify(n)))
            .filter(|&(n, _, kind)| !never_updated(kind) && (connection_listed.is_empty() || !connection_listed.contains(&n.to_ascii_lowercase())))
            .collect();
        let mut merged: Vec<(&[u8], Cow<'a, [u8]>)> = Vec::with_capacity(self.stored.fields.len() + updates.len());
        if updates.len() <= MERGE_SCAN_UP_TO {
            self.merge_by_scanning(&updates, &mut merged);
        } else {
            self.merge_by_hashing(&updates, &mut merged);
        }
        merged
    }

    /// [`merge_headers`](Self::merge_headers) for many updated lines: names compared lower-cased
    /// through sets and maps, so that merging stays linear in the number of lines.
    fn merge_by_hashing<'a>(&'a self, updates: &[(&'a [u8], &'a [u8], FieldKind)], merged: &mut Vec<(&'a [u8], Cow<'a, [u8]>)>) {
        let a = &self.stored.arena;
        let mut updates_by_name: HashMap<Vec<u8>, Vec<usize>> = HashMap::new();
        for (i, (n, ..)) in updates.iter().enumerate() {
            updates_by_name.entry(n.to_ascii_lowercase()).or_default().push(i);
        }
        let mut stored_names: HashSet<Vec<u8>> = HashSet::new();
        for f in &self.stored.fields {
            let name = a.text(f.name).as_bytes();
            let lower = name.to_ascii_lowercase();
            match updates_by_name.get(&lower) {
                // The 304's lines of this name replace the stored ones, at the first one's place.
                Some(lines) => {
                    if !stored_names.contains(&lower) {
                        merged.extend(lines.iter().map(|&i| (updates[i].0, Cow::Borrowed(updates[i].1))));
                    }
                }
                // The stored Date and Age described the old exchange.
                None if matches!(f.kind, FieldKind::Date | FieldKind::Age) => {}
                None => merged.push((name, Cow::Borrowed(a.get(f.value)))),
            }
            stored_names.insert(lower);
        }
        for &(n, v, _) in updates {
            if !stored_names.contains(&n.to_ascii_lowercase()) {
                merged.push((n, Cow::Borrowed(v)));
            }
        }
    }

    /// [`merge_headers`](Self::merge_headers) for the usual few updated lines: names compared
    /// directly, nothing hashed or allocated. The same result as the hashed path.
    ///
    /// A known kind stands for one name (updates and stored fields are never `HopByHop`, the
    /// kind of several), so known kinds are compared instead of names.
    fn merge_by_scanning<'a>(&'a self, updates: &[(&'a [u8], &'a [u8], FieldKind)], merged: &mut Vec<(&'a [u8], Cow<'a, [u8]>)>) {
        let a = &self.stored.arena;
        let mut placed = [false; MERGE_SCAN_UP_TO];
        for f in &self.stored.fields {
            let name = a.text(f.name).as_bytes();
            let mut replaced = false;
            for (i, &(n, v, kind)) in updates.iter().enumerate() {
                let same = if kind == FieldKind::Other { f.kind == kind && n.eq_ignore_ascii_case(name) } else { f.kind == kind };
                if same {
                    replaced = true;
                    // The 304's lines of this name replace the stored ones, at the first one's place.
                    if !std::mem::replace(&mut placed[i], true) {
                        merged.push((n, Cow::Borrowed(v)));
                    }
                }
            }
            // The stored Date and Age described the old exchange.
            if !replaced && !matches!(f.kind, FieldKind::Date | FieldKind::Age) {
                merged.push((name, Cow::Borrowed(a.get(f.value))));
            }
        }
        merged.extend(updates.iter().zip(placed).filter(|(_, placed)| !placed).map(|(&(n, v, _), _)| (n, Cow::Borrowed(v))));
    }
}

/// Up to this many updating lines, a merge compares names directly (lines × updates steps);
/// beyond, through hashed lower-cased names, so that hostile input stays linear.
const MERGE_SCAN_UP_TO: usize = 8;

/// Two Last-Modified values name the same time (or are the same text).
fn same_date(a: &[u8], b: &[u8]) -> bool {
    let parse = |v| crate::date::parse_http_date(v, 2000);
    crate::headers::trim_ows(a) == crate::headers::trim_ows(b) || matches!((parse(a), parse(b)), (Some(x), Some(y)) if x == y)
}

/// The request headers to forward when nothing is stored for `request`: hop-by-hop and
/// Connection-listed fields, If-Range, If-None-Match and If-Modified-Since removed (the answer is
/// to be stored, so it must be complete; the cache answers the client's own preconditions from
/// it, RFC 9111 §4.3.2). CR, LF and NUL in values become spaces.
pub fn forward_headers(request: &impl HttpRequest) -> HeaderList<'_> {
    forwarded_headers(request, Forwarding::Unconditional, None, None)
}

/// The request's fields for the origin (RFC 9111 §4.3.1): with `etag` / `last_modified` added as
/// preconditions when given.
fn forwarded_headers<'a>(request: &'a impl HttpRequest, mode: Forwarding, etag: Option<&'a [u8]>, last_modified: Option<&'a [u8]>) -> HeaderList<'a> {
    let usable = mode == Forwarding::Conditional;
    let pass_through = mode == Forwarding::PassThrough;
    // The names the request's Connection lines list, lower-cased, gathered once: looking them up
    // per line would cost lines × members. Hop-by-hop names are dropped anyway, so the usual
    // `Connection: keep-alive` (or none) leaves the set empty, and nothing is allocated.
    let mut connection_lines = lines_named(request, b"connection").peekable();
    let listed: Option<HashSet<Vec<u8>>> = connection_lines.peek().is_some().then(|| {
        connection_lines.flat_map(list_members).filter(|m| !classify(m).is_hop_by_hop()).map(<[u8]>::to_ascii_lowercase).collect()
    });
    let connection_listed = |name: &[u8]| listed.as_ref().is_some_and(|l| !l.is_empty() && l.contains(&name.to_ascii_lowercase()));
    let mut out: HeaderList<'a> = Vec::with_capacity(12);
    let mut if_none_match: Option<usize> = None;
    let mut if_modified_since_placed = false;
    for (name, value) in request.header_lines() {
        // A field that cannot be forwarded safely (its name is not a token) is dropped.
        let kind = classify(name);
        let Some(name_str) = token_str_of(name, kind) else { continue };
        match kind {
            kind if kind.is_hop_by_hop() => continue,
            FieldKind::IfRange if !pass_through => continue,
            FieldKind::IfModifiedSince | FieldKind::IfNoneMatch if pass_through => {}
            FieldKind::IfModifiedSince if !usable => continue,
            FieldKind::IfModifiedSince if last_modified.is_some() => {
                // Our Last-Modified replaces the client's date, in place (§4.3.1).
                if !std::mem::replace(&mut if_modified_since_placed, true) {
                    out.push((name_str, Cow::Borrowed(last_modified.unwrap_or_default())));
                }
                continue;
            }
            FieldKind::IfNoneMatch if !usable => continue,
            FieldKind::IfNoneMatch if etag.is_some() => {
                // The client's entity-tags and ours go in one list (RFC 9110 §5.3).
                match if_none_match {
                    Some(i) => {
                        // Appended in place: copying the list for each line would be quadratic.
                        let v = out[i].1.to_mut();
                        v.extend_from_slice(b", ");
                        v.extend_from_slice(&sanitize(value));
                    }
                    None => {
                        if_none_match = Some(out.len());
                        out.push((name_str, sanitize(value)));
                    }
                }
                continue;
            }
            _ if connection_listed(name) => continue,
            _ => {}
        }
        out.push((name_str, sanitize(value)));
    }
    if let Some(etag) = etag {
        match if_none_match {
            Some(i) => {
                let existing = &out[i].1;
                let star = existing.as_ref() == b"*";
                // A list shorter than our entity-tag cannot hold it as a member.
                let holds_ours = existing.len() >= etag.len() && list_members(existing).any(|m| m == etag);
                if !star && !holds_ours {
                    let mut v = Vec::with_capacity(existing.len() + 2 + etag.len());
                    v.extend_from_slice(existing);
                    v.extend_from_slice(b", ");
                    v.extend_from_slice(etag);
                    out[i].1 = Cow::Owned(v);
                }
            }
            None => out.push(("if-none-match", Cow::Borrowed(etag))),
        }
    }
    if let (Some(lm), false) = (last_modified, if_modified_since_placed) {
        out.push(("if-modified-since", Cow::Borrowed(lm)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Options, Request, Response};
    use proptest::prelude::*;

    proptest! {
        /// RFC 9111 §3.2: the scanning merge used for a few updated lines gives exactly what
        /// the hashed one (used beyond) gives, names differing in case included.
        #[test]
        fn rfc9111_3_2_both_merge_paths_agree(
            stored in proptest::collection::vec(("(ETag|etag|X-A|x-a|Date|Age|Vary|X-B|Expires|x-date)", "[a-z]{0,3}"), 0..10),
            updates in proptest::collection::vec(("(ETag|etag|X-A|x-a|X-b|X-C|Content-Length|Date|DATE|EXPIRES|x-Date|Vary)", "[a-z]{0,3}"), 0..=MERGE_SCAN_UP_TO),
        ) {
            let req = Request { method: "GET", url: "https://example.com/", headers: &[] as &[(&str, &str)] };
            let policy = CachePolicy::new(&req, &Response { status: 200, headers: &stored }, &Options::default(), std::time::UNIX_EPOCH).unwrap();
            let updates: Vec<(&[u8], &[u8], FieldKind)> =
                updates.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes(), classify(n.as_bytes()))).filter(|&(.., kind)| !never_updated(kind)).collect();
            let (mut scanned, mut hashed) = (Vec::new(), Vec::new());
            policy.merge_by_scanning(&updates, &mut scanned);
            policy.merge_by_hashing(&updates, &mut hashed);
            prop_assert_eq!(scanned, hashed);
        }
    }
}
