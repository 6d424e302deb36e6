//! The policy: one stored exchange (request + response + when it happened), with every fact the
//! rules need derived once at construction.

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use crate::date::{parse_http_date, unix_millis, year_of};
use crate::directives::{directives, qualified_field_names, RequestDirectives, ResponseDirectives};
use crate::error::{excerpt, Error, ErrorKind};
use crate::explain::Reason;
use crate::freshness::FreshnessSource;
use crate::headers::{classify, is_token, list_members, needs_sanitizing, sanitize, token_str_of, Arena, Field, FieldKind, HttpRequest, HttpResponse, Span};
use crate::options::{Options, SetCookiePolicy};
use crate::uri::Target;
use crate::{freshness, storable, vary};

/// Everything a policy must keep: what serialization writes and reads back.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub options: Options,
    /// When the request was sent, Unix milliseconds (RFC 9111 §4.2.3 `request_time`).
    pub request_time: i64,
    /// When the response was received, Unix milliseconds (`response_time`).
    pub response_time: i64,
    pub status: u16,
    /// The original request carried Authorization (RFC 9111 §3.5).
    pub request_authorized: bool,
    /// The original request said no-store (RFC 9111 §5.2.1.5).
    pub request_no_store: bool,
    /// Marked stale by a mismatching HEAD response (RFC 9111 §4.3.5).
    pub invalidated: bool,
    /// The original request had Range or preconditions, which the options pass through.
    pub request_bypassed: bool,
    pub arena: Arena,
    pub method: Span,
    pub url: Span,
    /// The original request's Host (text), for origin-form targets.
    pub host: Option<Span>,
    /// Response field lines, minus those a cache must not store (RFC 9111 §3.1).
    pub fields: Vec<Field>,
    /// The request values of the fields the response's Vary names (RFC 9111 §4.1).
    pub vary: vary::Selections,
}

impl Stored {
    /// The stored request's target URI, split on demand: most questions only compare the URL's
    /// bytes (see `CachePolicy::same_target`).
    pub(crate) fn target(&self) -> Target<'_> {
        Target::parse(self.arena.text(self.url), self.host.map(|h| self.arena.text(h)))
    }
}

/// Facts derived from [`Stored`] once, so that each question is answered without re-parsing.
#[derive(Debug, Clone)]
pub(crate) struct Derived {
    pub cc: ResponseDirectives,
    /// Which of `options.targeted_fields` supplied `cc` (RFC 9213), if any.
    pub targeted: Option<usize>,
    pub method: Method,
    /// `date_value` (RFC 9111 §4.2.3) in Unix ms: the valid Date, or the response time.
    pub date_value: i64,
    /// A valid Date field is present.
    pub has_valid_date: bool,
    pub vary_star: bool,
    pub has_set_cookie: bool,
    pub etag: Option<Span>,
    pub last_modified: Option<Span>,
    pub content_length: Option<Span>,
    pub not_storable: Option<Reason>,
    /// Freshness lifetime in ms (RFC 9111 §4.2.1).
    pub lifetime: i64,
    pub source: FreshnessSource,
    /// `corrected_initial_age` in ms (RFC 9111 §4.2.3).
    pub initial_age: i64,
    /// Serving stale is forbidden (RFC 9111 §4.2.4).
    pub stale_forbidden: bool,
}

/// The methods the rules distinguish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Head,
    Post,
    Other,
}

impl Method {
    pub fn of(m: &[u8]) -> Method {
        match m {
            b"GET" => Method::Get,
            b"HEAD" => Method::Head,
            b"POST" => Method::Post,
            _ => Method::Other,
        }
    }
}

/// The caching policy of one stored response: whether it may be stored, whether it can answer a
/// later request, how to revalidate it, and how to merge the answer.
///
/// A policy is immutable; revalidation produces a new one. It is `Send + Sync` and cheap to
/// clone. Every time-dependent question takes the current time as an argument.
#[derive(Debug, Clone)]
pub struct CachePolicy {
    pub(crate) stored: Stored,
    pub(crate) derived: Derived,
}

impl CachePolicy {
    /// Builds the policy of `response`, received for `request` at `response_time`.
    ///
    /// Errors when the method is not a token, the URL is empty or holds whitespace or control
    /// characters, the status is outside 100–999, a header name is not a token, or an option
    /// is out of range. Header values are never refused: CR, LF and NUL become spaces.
    pub fn new(
        request: &impl HttpRequest,
        response: &impl HttpResponse,
        options: &Options,
        response_time: SystemTime,
    ) -> Result<Self, Error> {
        Self::with_request_time(request, response, options, response_time, response_time)
    }

    /// Like [`new`](Self::new), also knowing when the request was sent, which the age
    /// calculation uses to account for the response delay (RFC 9111 §4.2.3).
    pub fn with_request_time(
        request: &impl HttpRequest,
        response: &impl HttpResponse,
        options: &Options,
        request_time: SystemTime,
        response_time: SystemTime,
    ) -> Result<Self, Error> {
        Self::build(request, response, options, unix_millis(request_time), unix_millis(response_time), None)
    }

    pub(crate) fn build(
        request: &impl HttpRequest,
        response: &impl HttpResponse,
        options: &Options,
        request_time: i64,
        response_time: i64,
        method_override: Option<&str>,
    ) -> Result<Self, Error> {
        options.validate()?;
        let method = method_override.unwrap_or_else(|| request.method());
        check_method(method)?;
        let url = request.url();
        check_url(&url)?;
        let status = response.status();
        check_status(status)?;

        // Sized once from the input, so the arena never grows while filling.
        let (names, values) = response.header_lines().fold((0, 0), |(n, v), (name, value)| (n + name.len(), v + value.len()));
        let mut arena = Arena::with_capacity(method.len() + url.len() + names + 64, values + 128);
        let method_span = arena.push_text(method);
        let url_span = arena.push_text(&url);
        let mut fields = Vec::with_capacity(16);
        for (name, value) in response.header_lines() {
            let kind = classify(name);
            // Hop-by-hop fields are not stored (RFC 9111 §3.1), nor is the usual Connection line
            // (`keep-alive`) that lists only such fields.
            let only_hop_by_hop = || list_members(value).all(|m| classify(m).is_hop_by_hop());
            if kind.is_hop_by_hop() && (kind != FieldKind::Connection || only_hop_by_hop()) {
                // Hop-by-hop kinds are known names, so tokens: nothing to check.
                continue;
            }
            let name = arena.push_text(header_name(name, kind)?);
            let value = if needs_sanitizing(value) { arena.push(&sanitize(value)) } else { arena.push(value) };
            fields.push(Field { name, value, kind, served: true });
        }
        if options.ignore_cargo_cult {
            let plain = parse_response_directives(&arena, &fields);
            if plain.pre_check && plain.post_check {
                drop_cargo_cult(&mut arena, &mut fields);
            }
        }
        if options.set_cookie == SetCookiePolicy::Strip {
            fields.retain(|f| f.kind != FieldKind::SetCookie);
        }
        let (cc, targeted) = crate::targeted::response_directives(&arena, &fields, options);
        drop_unstored_fields(&arena, &mut fields, &cc, targeted, options);

        // The request: only what the rules read later is kept.
        for (name, _) in request.header_lines() {
            check_header_name(name)?;
        }
        let facts = RequestFacts::of(request);
        let host = facts.host.map(|h| arena.push_text_lossy(&sanitize(h)));
        let keyed_on_authorization: &[&str] = if options.store_authenticated { &["authorization"] } else { &[] };
        let vary = vary::select(&mut arena, &fields, request, keyed_on_authorization);

        let stored = Stored {
            options: options.clone(),
            request_time: request_time.min(response_time),
            response_time,
            status,
            request_authorized: facts.authorized,
            request_no_store: facts.directives.no_store && !options.ignore_request_cache_control,
            invalidated: false,
            request_bypassed: facts.range_or_precondition && options.bypass_range_and_conditional,
            arena,
            method: method_span,
            url: url_span,
            host,
            fields,
            vary,
        };
        Ok(Self::from_stored(stored, cc, targeted))
    }

    /// Derives every fact from the stored state; `cc` are the directives obeyed, from
    /// `targeted` (RFC 9213) or from Cache-Control.
    pub(crate) fn from_stored(stored: Stored, cc: ResponseDirectives, targeted: Option<usize>) -> Self {
        let a = &stored.arena;
        let reference_year = year_of(stored.response_time);
        let mut date = None;
        let mut expires = None;
        let mut last_modified = None;
        let mut age_value = None;
        let mut d = Derived {
            cc,
            targeted,
            method: Method::of(a.text(stored.method).as_bytes()),
            date_value: stored.response_time,
            has_valid_date: false,
            vary_star: false,
            has_set_cookie: false,
            etag: None,
            last_modified: None,
            content_length: None,
            not_storable: None,
            lifetime: 0,
            source: FreshnessSource::None,
            initial_age: 0,
            stale_forbidden: false,
        };
        for f in &stored.fields {
            let v = a.get(f.value);
            match f.kind {
                FieldKind::Date if date.is_none() => date = Some(parse_http_date(v, reference_year)),
                // RFC 9213 §2.2: a targeted field in use replaces Expires too.
                FieldKind::Expires if expires.is_none() && targeted.is_none() => expires = Some(v),
                FieldKind::LastModified if d.last_modified.is_none() => {
                    d.last_modified = Some(f.value);
                    last_modified = Some(v);
                }
                // RFC 9111 §5.1: the first member of a list-valued Age; an invalid one is ignored.
                FieldKind::Age if age_value.is_none() => {
                    age_value = Some(list_members(v).next().and_then(crate::directives::parse_delta_seconds))
                }
                FieldKind::ETag if d.etag.is_none() => d.etag = Some(f.value),
                FieldKind::ContentLength if d.content_length.is_none() => d.content_length = Some(f.value),
                FieldKind::SetCookie => d.has_set_cookie = true,
                FieldKind::Vary => d.vary_star |= list_members(v).any(|m| m == b"*"),
                _ => {}
            }
        }
        let server_date = date.flatten();
        d.has_valid_date = server_date.is_some();
        if stored.options.trust_server_date {
            if let Some(s) = server_date {
                d.date_value = s.saturating_mul(1000);
            }
        }
        d.not_storable = storable::check(&stored, &d);
        let facts = freshness::Facts { expires, last_modified, age_value: age_value.flatten(), reference_year };
        freshness::derive(&stored, &mut d, &facts);
        CachePolicy { stored, derived: d }
    }

    /// Whether the response may be stored at all (RFC 9111 §3). When false, neither the
    /// request nor the response may be stored.
    pub fn storable(&self) -> bool {
        self.derived.not_storable.is_none()
    }

    /// Why the response may not be stored, or `None` when it may.
    pub fn not_storable_reason(&self) -> Option<Reason> {
        self.derived.not_storable
    }

    /// The status code of the stored response.
    pub fn status(&self) -> u16 {
        self.stored.status
    }

    /// The method of the request the response answered.
    pub fn method(&self) -> &str {
        self.stored.arena.text(self.stored.method)
    }

    /// The target URI of the request the response answered, as given.
    pub fn url(&self) -> &str {
        self.stored.arena.text(self.stored.url)
    }

    /// The options the policy was built with.
    pub fn options(&self) -> &Options {
        &self.stored.options
    }

    /// When the response was received.
    pub fn response_time(&self) -> SystemTime {
        crate::date::system_time(self.stored.response_time)
    }

    /// The response's `date_value` (RFC 9111 §4.2.3): its valid `Date`, or the time it was
    /// received (also when `trust_server_date` is off).
    pub fn date(&self) -> SystemTime {
        crate::date::system_time(self.derived.date_value)
    }

    /// The stored response header lines, in order (hop-by-hop and other fields a cache must
    /// not store already removed, RFC 9111 §3.1).
    pub fn stored_headers(&self) -> impl Iterator<Item = (&str, &[u8])> + '_ {
        let a = &self.stored.arena;
        self.stored.fields.iter().map(move |f| (a.text(f.name), a.get(f.value)))
    }

    /// The parsed response Cache-Control directives.
    pub fn response_directives(&self) -> &ResponseDirectives {
        &self.derived.cc
    }

    pub(crate) fn field_value(&self, span: Option<Span>) -> Option<&[u8]> {
        span.map(|s| self.stored.arena.get(s))
    }

    /// Whether `url` (with the request's `host`) names the stored request's target (RFC 9111
    /// §4): the same bytes need no parsing (an origin-form URL also needs the same Host).
    pub(crate) fn same_target(&self, url: &str, host: Option<&[u8]>) -> bool {
        let a = &self.stored.arena;
        let stored_url = a.text(self.stored.url);
        let origin_form = url.starts_with('/') && !url.starts_with("//");
        if url == stored_url && (!origin_form || host == self.stored.host.map(|h| a.text(h).as_bytes())) {
            return true;
        }
        let host = host.and_then(|h| std::str::from_utf8(h).ok());
        Target::parse(url, host).matches(&self.stored.target())
    }
}

/// Two policies are equal when they serialize to the same bytes: the same stored exchange
/// (derived facts follow from it).
impl PartialEq for CachePolicy {
    fn eq(&self, other: &Self) -> bool {
        self.to_bytes() == other.to_bytes()
    }
}

/// What the rules read from a request, gathered in one pass over its lines.
pub(crate) struct RequestFacts<'r> {
    pub directives: RequestDirectives,
    pub host: Option<&'r [u8]>,
    pub authorized: bool,
    /// Range or a precondition is present (RFC 9110 §13.1, §14.2).
    pub range_or_precondition: bool,
}

impl<'r> RequestFacts<'r> {
    pub fn of(request: &'r impl HttpRequest) -> Self {
        let mut builder = RequestDirectives::builder();
        let mut host = None;
        let mut authorized = false;
        let mut range_or_precondition = false;
        for (name, value) in request.header_lines() {
            match classify(name) {
                FieldKind::CacheControl => builder.cache_control(value),
                FieldKind::Pragma => builder.pragma(value),
                FieldKind::Host if host.is_none() => host = Some(value),
                FieldKind::Authorization => authorized = true,
                kind if kind.is_range_or_precondition() => range_or_precondition = true,
                _ => {}
            }
        }
        RequestFacts { directives: builder.finish(), host, authorized, range_or_precondition }
    }

    /// The request directives this cache obeys: accelerators may ignore them (but no-cache).
    pub fn obeyed_directives(&self, options: &Options) -> RequestDirectives {
        if !options.ignore_request_cache_control {
            return self.directives;
        }
        RequestDirectives { no_cache: self.directives.no_cache && options.honor_request_no_cache, ..Default::default() }
    }
}

pub(crate) fn ms_to_duration(ms: i64) -> Duration {
    Duration::from_millis(ms.max(0) as u64)
}

/// The values of a request's lines with this (lower-case) name.
pub(crate) fn lines_named<'r>(request: &'r impl HttpRequest, name: &'static [u8]) -> impl Iterator<Item = &'r [u8]> + 'r {
    request.header_lines().filter(move |(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

fn parse_response_directives(arena: &Arena, fields: &[Field]) -> ResponseDirectives {
    ResponseDirectives::parse(
        fields.iter().filter(|f| f.kind == FieldKind::CacheControl).map(|f| arena.get(f.value)),
        fields.iter().filter(|f| f.kind == FieldKind::Pragma).map(|f| arena.get(f.value)),
    )
}

/// `ignore_cargo_cult`: with pre-check and post-check present, the response's no-cache,
/// no-store and must-revalidate are dropped, as are Expires and Pragma; the remaining
/// directives become one Cache-Control line.
fn drop_cargo_cult(arena: &mut Arena, fields: &mut Vec<Field>) {
    const DROPPED: [&str; 5] = ["pre-check", "post-check", "no-cache", "no-store", "must-revalidate"];
    let mut line = Vec::new();
    for f in fields.iter().filter(|f| f.kind == FieldKind::CacheControl) {
        for d in directives(arena.get(f.value)) {
            if !DROPPED.iter().any(|x| x.as_bytes().eq_ignore_ascii_case(d.name)) {
                if !line.is_empty() {
                    line.extend_from_slice(b", ");
                }
                line.extend_from_slice(d.text);
            }
        }
    }
    let mut seen_cc = false;
    fields.retain(|f| match f.kind {
        FieldKind::CacheControl => !std::mem::replace(&mut seen_cc, true),
        FieldKind::Expires | FieldKind::Pragma => false,
        _ => true,
    });
    if line.is_empty() {
        fields.retain(|f| f.kind != FieldKind::CacheControl);
    } else if let Some(f) = fields.iter_mut().find(|f| f.kind == FieldKind::CacheControl) {
        f.value = arena.push(&line);
    }
}

/// RFC 9111 §3.1: fields listed in Connection are not stored, nor (in a shared cache) fields
/// named by a qualified `private`; fields named by a qualified `no-cache` are stored but not
/// served without revalidation.
///
/// The fields the directives were read from (Cache-Control, Pragma, the targeted fields) are the
/// exception: when Connection or `private="…"` names them they are kept but never served, so
/// that the policy read back from its serialization obeys the same directives (a `no-store` or
/// `private` is never lost that way).
fn drop_unstored_fields(arena: &Arena, fields: &mut Vec<Field>, cc: &ResponseDirectives, targeted: Option<usize>, options: &Options) {
    // Only Connection lines that list some other field are here (`build` skips the usual
    // `keep-alive`, which lists only hop-by-hop fields).
    let has_connection = fields.iter().any(|f| f.kind == FieldKind::Connection);
    let shared = options.shared;
    if !(has_connection || cc.no_cache_fields || (shared && cc.private_fields)) {
        return;
    }
    let targeted = targeted.map(|i| options.targeted_fields[i].as_str());
    let cc_lines = || {
        fields
            .iter()
            .filter(|f| match targeted {
                Some(name) => arena.text(f.name).eq_ignore_ascii_case(name),
                None => f.kind == FieldKind::CacheControl,
            })
            .map(|f| arena.get(f.value))
    };
    // Names compared lower-cased through sets, so that this stays linear in the number of
    // lines however many names the directives and Connection list.
    let set = |names: Vec<Vec<u8>>| names.into_iter().collect::<HashSet<Vec<u8>>>();
    let private = if shared && cc.private_fields { set(qualified_field_names(cc_lines(), "private")) } else { HashSet::new() };
    let no_cache = if cc.no_cache_fields { set(qualified_field_names(cc_lines(), "no-cache")) } else { HashSet::new() };
    // Hop-by-hop names listed in Connection are never stored anyway.
    let listed: HashSet<Vec<u8>> = fields
        .iter()
        .filter(|f| f.kind == FieldKind::Connection)
        .flat_map(|f| list_members(arena.get(f.value)))
        .map(<[u8]>::to_ascii_lowercase)
        .collect();
    let lower = |f: &Field| arena.text(f.name).to_ascii_lowercase().into_bytes();
    let directives_from = |f: &Field| {
        matches!(f.kind, FieldKind::CacheControl | FieldKind::Pragma) || options.targeted_fields.iter().any(|t| arena.text(f.name).eq_ignore_ascii_case(t))
    };
    fields.retain_mut(|f| {
        if f.kind == FieldKind::Connection {
            return false;
        }
        let unwanted = !(private.is_empty() && listed.is_empty()) && {
            let name = lower(f);
            private.contains(&name) || listed.contains(&name)
        };
        if unwanted && directives_from(f) {
            f.served = false;
            return true;
        }
        !unwanted
    });
    if !no_cache.is_empty() {
        for f in fields.iter_mut() {
            if no_cache.contains(&lower(f)) {
                f.served = false;
            }
        }
    }
}

pub(crate) fn check_method(method: &str) -> Result<(), Error> {
    if is_token(method.as_bytes()) {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::InvalidMethod, format!("invalid method {:?}: must be a token (RFC 9110 §9.1)", excerpt(method.as_bytes()))))
    }
}

pub(crate) fn check_url(url: &str) -> Result<(), Error> {
    if crate::uri::is_valid_url(url) {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::InvalidUrl, format!("invalid url {:?}: empty, or holds whitespace or control characters", excerpt(url.as_bytes()))))
    }
}

pub(crate) fn check_status(status: u16) -> Result<(), Error> {
    if (100..=999).contains(&status) {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::InvalidStatus, format!("invalid status {status}: must be 100-999 (RFC 9110 §15)")))
    }
}

/// A field name classified as `kind`, checked to be a token (RFC 9110 §5.1).
pub(crate) fn header_name(name: &[u8], kind: FieldKind) -> Result<&str, Error> {
    token_str_of(name, kind).ok_or_else(|| invalid_header_name(name))
}

pub(crate) fn check_header_name(name: &[u8]) -> Result<(), Error> {
    if is_token(name) {
        Ok(())
    } else {
        Err(invalid_header_name(name))
    }
}

fn invalid_header_name(name: &[u8]) -> Error {
    Error::new(ErrorKind::InvalidHeaderName, format!("invalid header name {:?}: must be a token (RFC 9110 §5.1)", excerpt(name)))
}
