//! What the proxy does with one request. Every caching decision — may this be stored, which
//! stored response answers, is it fresh, what conditional request to send, how to merge the
//! answer, what to invalidate, what `Cache-Status` says — comes from the `cachepolicy`
//! engine; this module only moves bytes, files responses in the store, collapses misses and
//! refreshes in the background.

use std::borrow::Cow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use cachepolicy::directives::RequestDirectives;
use cachepolicy::{select_variant, CachePolicy, CacheStatus, Decision, Forward, HttpRequest, RevalidationOutcome};
use http::header::{HeaderMap, HeaderValue};
use http::{Method, Version};
use http_body_util::BodyExt;
use hyper::body::{Body, Incoming};
use tokio::sync::mpsc;

use crate::cond::{self, Precondition, RangeAnswer};
use crate::config::Config;
use crate::http1::header_line;
use crate::log::Logger;
use crate::origin::{append_lines, connection_listed, is_hop_by_hop, Interim, Origin, OriginError, OutBody};
use crate::store::{Collapser, Join, LeaderGuard, Store, Stored};

/// A client's request as the engine sees it: the method, an absolute target URI built from
/// `Host` (so that keys, `Location` and `Content-Location` compare as URIs), and the header
/// lines as received.
#[derive(Debug, Clone)]
pub struct ClientRequest {
    /// The method.
    pub method: Method,
    /// `http://<host><path>`.
    pub url: String,
    /// The origin-form target forwarded to the origin.
    pub path: String,
    /// The header lines, in order.
    pub headers: HeaderMap,
    /// The client's HTTP version.
    pub version: Version,
    /// The request body's Content-Length, if it has one.
    pub body_length: Option<u64>,
}

impl HttpRequest for ClientRequest {
    fn method(&self) -> &str {
        self.method.as_str()
    }
    fn url(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.url)
    }
    fn header_lines(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.headers.iter().map(|(n, v)| (n.as_str().as_bytes(), v.as_bytes()))
    }
}

/// A response body as the connection writes it.
pub enum ReplyBody {
    /// No body; `Content-Length` announced when given (HEAD, 304).
    None(Option<u64>),
    /// The whole body.
    Full(Bytes),
    /// Pieces as they come from the origin (`Err` means it broke off: abort the response).
    Stream {
        /// The pieces; an error means the origin broke off.
        rx: mpsc::Receiver<Result<Bytes, ()>>,
        /// The length, if known in advance.
        length: Option<u64>,
    },
}

/// The answer to one request.
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Reason phrase, if the origin sent a non-canonical one.
    pub reason: Option<String>,
    /// Serialized header lines (`name: value\r\n`), without framing fields.
    pub head: Vec<u8>,
    /// The body.
    pub body: ReplyBody,
    /// What the cache did, for the log.
    pub decision: &'static str,
    /// The `Cache-Status` member added.
    pub cache_status: String,
}

/// Everything the request handlers share.
pub struct State {
    /// The configuration.
    pub config: Config,
    /// Stored responses.
    pub store: Store,
    /// Misses being fetched.
    pub collapser: Arc<Collapser>,
    /// The origin client.
    pub origin: Origin,
    /// The request log.
    pub logger: Logger,
    /// Bytes of response bodies being collected for storing, bounded by `max_bytes`.
    collecting: AtomicUsize,
    via: HeaderValue,
}

impl State {
    /// Shared state for a proxy with this configuration.
    pub fn new(config: Config) -> State {
        let via = HeaderValue::from_str(&format!("1.1 {}", config.cache_name)).unwrap_or(HeaderValue::from_static("1.1 cachepolicy-proxy"));
        State {
            store: Store::new(config.max_bytes),
            collapser: Arc::new(Collapser::default()),
            origin: Origin::new(&config.origin, config.connect_timeout, config.response_timeout),
            logger: Logger::new(config.log),
            collecting: AtomicUsize::new(0),
            via,
            config,
        }
    }

    /// Bytes of bodies being collected for storing right now.
    pub fn collecting_bytes(&self) -> usize {
        self.collecting.load(Ordering::Relaxed)
    }

    fn status(&self) -> CacheStatus {
        CacheStatus::new(self.config.cache_name.as_str())
    }
}

fn is_get_or_head(m: &Method) -> bool {
    *m == Method::GET || *m == Method::HEAD
}

/// Answers one request.
pub async fn handle(st: &Arc<State>, req: &ClientRequest, body: OutBody, interim: mpsc::Sender<Interim>) -> Reply {
    let key = match cachepolicy::primary_key(req) {
        Ok(k) if is_get_or_head(&req.method) => k,
        key => return pass(st, req, key.ok(), body, interim).await,
    };
    let has_body = !matches!(body, OutBody::Empty);
    let mut collapsible = req.method == Method::GET && !has_body && !req.headers.contains_key(http::header::RANGE);
    let mut collapsed = false;
    loop {
        let now = SystemTime::now();
        let variants = st.store.lookup(&key);
        let chosen = select_variant(variants.iter().map(|v| &v.policy), req).and_then(|p| variants.iter().find(|v| std::ptr::eq(&v.policy, p)));
        if let Some(stored) = chosen {
            let eval = stored.policy.evaluate(req, now);
            let status = CacheStatus::from_evaluation(st.config.cache_name.as_str(), &eval);
            match eval.decision() {
                Decision::Fresh | Decision::Stale => {
                    let code = if collapsed { "collapsed_hit" } else { eval.decision().code() };
                    return serve_stored(req, stored, now, status.with_collapsed(collapsed), code);
                }
                Decision::StaleWhileRevalidate => {
                    if let Some(headers) = eval.revalidation_headers() {
                        let headers = engine_headers(st, req, &headers);
                        spawn_refresh(st, &key, stored, headers, req);
                    }
                    return serve_stored(req, stored, now, status, "stale_while_revalidate");
                }
                Decision::GatewayTimeout => return only_if_cached(status),
                Decision::Revalidate => {
                    let ranged = req.headers.contains_key(http::header::RANGE) && req.headers.contains_key(http::header::IF_RANGE);
                    if ranged {
                        // The engine's conditional request keeps Range but drops If-Range;
                        // forward this one as sent so the client's If-Range still holds.
                        return miss(st, req, &key, forward_headers(st, req), status, body, None, Some(stored.id), interim).await;
                    }
                    let Some(headers) = eval.revalidation_headers() else { break };
                    let headers = engine_headers(st, req, &headers);
                    return revalidate(st, req, &key, Arc::clone(stored), headers, status, body, interim).await;
                }
                Decision::NoMatch => {}
            }
        }
        // Nothing stored answers this request.
        let (status, headers) = match variants.first() {
            Some(v) => {
                let eval = v.policy.evaluate(req, now);
                let status = CacheStatus::from_evaluation(st.config.cache_name.as_str(), &eval);
                if eval.decision() == Decision::GatewayTimeout {
                    return only_if_cached(status);
                }
                let headers = match eval.revalidation_headers() {
                    Some(h) if req.method == Method::GET && !req.headers.contains_key(http::header::RANGE) => engine_headers(st, req, &h),
                    _ => forward_headers(st, req),
                };
                (status, headers)
            }
            None => {
                let rd = RequestDirectives::parse(lines(req, "cache-control"), lines(req, "pragma"));
                if rd.only_if_cached && !st.config.options.ignore_request_cache_control {
                    return only_if_cached(st.status());
                }
                // Nothing stored: the engine's unconditional request, so that the answer is whole
                // and storable (Range requests go as sent).
                let headers = if req.method == Method::GET && !req.headers.contains_key(http::header::RANGE) {
                    let raw = cachepolicy::Request { method: req.method.as_str(), url: req.path.as_str(), headers: &req.headers };
                    engine_headers(st, req, &cachepolicy::forward_headers(&raw))
                } else {
                    forward_headers(st, req)
                };
                (CacheStatus::miss(st.config.cache_name.as_str()), headers)
            }
        };
        let mut guard = None;
        if collapsible {
            match st.collapser.join(&key) {
                Join::Lead(g) => guard = Some(g),
                Join::Wait(mut rx) => {
                    let wait = st.config.connect_timeout + st.config.response_timeout * 2;
                    let _ = tokio::time::timeout(wait, rx.wait_for(|done| *done)).await;
                    collapsible = false;
                    collapsed = true;
                    continue;
                }
                Join::Pass => {}
            }
        }
        return miss(st, req, &key, headers, status, body, guard, None, interim).await;
    }
    miss(st, req, &key, forward_headers(st, req), CacheStatus::miss(st.config.cache_name.as_str()), body, None, None, interim).await
}

fn lines<'a>(req: &'a ClientRequest, name: &'static str) -> impl Iterator<Item = &'a [u8]> + 'a {
    req.headers.get_all(name).iter().map(|v| v.as_bytes())
}

/// The request's end-to-end fields for the origin, as sent: hop-by-hop and Connection-listed
/// ones removed (RFC 9110 §7.6.1), `Expect` answered here.
fn forward_headers(st: &State, req: &ClientRequest) -> HeaderMap {
    let listed = connection_listed(&req.headers);
    let mut out = HeaderMap::with_capacity(req.headers.len() + 1);
    for (n, v) in &req.headers {
        let name = n.as_str();
        if is_hop_by_hop(name) || name == "expect" || listed.iter().any(|l| l == name) {
            continue;
        }
        out.append(n.clone(), v.clone());
    }
    out.append(http::header::VIA, st.via.clone());
    out
}

/// A header list from the engine (conditional or unconditional request), as a map for the
/// origin client.
fn engine_headers(st: &State, _req: &ClientRequest, list: &[(&str, Cow<'_, [u8]>)]) -> HeaderMap {
    let mut out = HeaderMap::with_capacity(list.len() + 1);
    append_lines(&mut out, list.iter().filter(|(n, _)| !n.eq_ignore_ascii_case("expect")).map(|(n, v)| (*n, v.as_ref())));
    out.append(http::header::VIA, st.via.clone());
    out
}

fn cache_status_line(head: &mut Vec<u8>, status: &CacheStatus) -> String {
    let value = status.to_header_value();
    header_line(head, "cache-status", value.as_bytes());
    value
}

fn simple_reply(status: u16, cache_status: Option<&CacheStatus>, decision: &'static str, text: &str) -> Reply {
    let mut head = Vec::with_capacity(160);
    header_line(&mut head, "content-type", b"text/plain; charset=utf-8");
    header_line(&mut head, "date", cachepolicy::format_http_date(unix_now()).as_bytes());
    let cs = cache_status.map(|s| cache_status_line(&mut head, s)).unwrap_or_default();
    let mut body = text.to_string();
    body.push('\n');
    Reply { status, reason: None, head, body: ReplyBody::Full(Bytes::from(body)), decision, cache_status: cs }
}

/// A reply the proxy makes up itself (errors, malformed requests).
pub fn error_reply(status: u16, decision: &'static str, text: &str) -> Reply {
    simple_reply(status, None, decision, text)
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

fn only_if_cached(status: CacheStatus) -> Reply {
    let status = if status.detail.is_none() { status.with_detail("only-if-cached") } else { status };
    simple_reply(504, Some(&status), "only_if_cached", "504 Gateway Timeout: only-if-cached and nothing stored answers")
}

fn origin_failed(status: CacheStatus, e: OriginError) -> Reply {
    let text = match e {
        OriginError::Connect => "502 Bad Gateway: the origin could not be reached",
        OriginError::Timeout => "504 Gateway Timeout: the origin did not answer in time",
        OriginError::Broken => "502 Bad Gateway: the origin's response was broken off or malformed",
    };
    simple_reply(e.status(), Some(&status.with_detail(e.code())), e.code(), text)
}

/// Serves a stored response (RFC 9111 §4) with the engine's header list, answering the
/// client's own preconditions and Range from it.
fn serve_stored(req: &ClientRequest, stored: &Stored, now: SystemTime, status: CacheStatus, decision: &'static str) -> Reply {
    let served = stored.policy.response_headers(now);
    let pairs: Vec<(&str, &[u8])> = served.iter().map(|(n, v)| (*n, v.as_ref())).collect();
    let code = stored.policy.status();
    let mut head = Vec::with_capacity(512);
    let keep = |n: &str| !n.eq_ignore_ascii_case("content-length") && !is_hop_by_hop_ci(n);
    match cond::evaluate(&req.headers, true, code, &pairs) {
        Precondition::NotModified => {
            for (n, v) in pairs.iter().filter(|(n, _)| keep(n) && !n.eq_ignore_ascii_case("content-range")) {
                header_line(&mut head, n, v);
            }
            let cs = cache_status_line(&mut head, &status);
            return Reply { status: 304, reason: None, head, body: ReplyBody::None(None), decision, cache_status: cs };
        }
        Precondition::Failed => return simple_reply(412, Some(&status), decision, "412 Precondition Failed"),
        Precondition::Proceed => {}
    }
    let len = stored.body.len() as u64;
    let answer = if code == 200 && req.method == Method::GET { cond::range(&req.headers, &pairs, len) } else { RangeAnswer::Full };
    for (n, v) in pairs.iter().filter(|(n, _)| keep(n)) {
        header_line(&mut head, n, v);
    }
    let (code, body) = match answer {
        RangeAnswer::Full if matches!(code, 204 | 304) || code < 200 => (code, ReplyBody::None(None)),
        RangeAnswer::Full => (code, ReplyBody::Full(stored.body.clone())),
        RangeAnswer::Partial(start, end) => {
            header_line(&mut head, "content-range", format!("bytes {start}-{end}/{len}").as_bytes());
            (206, ReplyBody::Full(stored.body.slice(start as usize..=end as usize)))
        }
        RangeAnswer::Unsatisfiable => {
            header_line(&mut head, "content-range", format!("bytes */{len}").as_bytes());
            (416, ReplyBody::Full(Bytes::new()))
        }
    };
    let cs = cache_status_line(&mut head, &status);
    Reply { status: code, reason: None, head, body, decision, cache_status: cs }
}

fn is_hop_by_hop_ci(name: &str) -> bool {
    is_hop_by_hop(&name.to_ascii_lowercase())
}

/// Forwards a request on a miss (or a revalidation that must not be conditional), then
/// relays and maybe stores the answer.
#[allow(clippy::too_many_arguments)]
async fn miss(
    st: &Arc<State>,
    req: &ClientRequest,
    key: &str,
    headers: HeaderMap,
    status: CacheStatus,
    body: OutBody,
    guard: Option<LeaderGuard>,
    supersedes: Option<u64>,
    interim: mpsc::Sender<Interim>,
) -> Reply {
    let sent = SystemTime::now();
    match st.origin.send(&req.method, &req.path, headers, body, Some(interim)).await {
        Err(e) => origin_failed(status, e),
        Ok(resp) => {
            let policy = CachePolicy::with_request_time(req, &resp, &st.config.options, sent, SystemTime::now()).ok();
            relay(st, req, Some(key), resp, policy, status, "miss", guard, supersedes)
        }
    }
}

/// Forwards a request the cache stays out of (methods other than GET and HEAD), then
/// invalidates what the engine says (RFC 9111 §4.4) and stores a reusable POST response.
async fn pass(st: &Arc<State>, req: &ClientRequest, key: Option<String>, body: OutBody, interim: mpsc::Sender<Interim>) -> Reply {
    let headers = forward_headers(st, req);
    let status = CacheStatus { fwd: Some(Forward::Method), ..st.status() };
    let sent = SystemTime::now();
    match st.origin.send(&req.method, &req.path, headers, body, Some(interim)).await {
        Err(e) => origin_failed(status, e),
        Ok(resp) => {
            let policy = key.and_then(|_| CachePolicy::with_request_time(req, &resp, &st.config.options, sent, SystemTime::now()).ok());
            if let Some(p) = &policy {
                for uri in p.invalidation_targets() {
                    st.store.invalidate(&format!("GET {uri}"));
                }
            }
            relay(st, req, None, resp, policy, status, "pass", None, None)
        }
    }
}

/// Sends the engine's conditional request for a stored response and acts on the engine's
/// merge of the answer (RFC 9111 §4.3.3–§4.3.5, RFC 5861 §4).
#[allow(clippy::too_many_arguments)]
async fn revalidate(
    st: &Arc<State>,
    req: &ClientRequest,
    key: &str,
    stored: Arc<Stored>,
    headers: HeaderMap,
    status: CacheStatus,
    body: OutBody,
    interim: mpsc::Sender<Interim>,
) -> Reply {
    let client_conditional = req.headers.contains_key(http::header::IF_NONE_MATCH) || req.headers.contains_key(http::header::IF_MODIFIED_SINCE);
    let unconditional = {
        let mut h = headers.clone();
        h.remove(http::header::IF_NONE_MATCH);
        h.remove(http::header::IF_MODIFIED_SINCE);
        h
    };
    let sent = SystemTime::now();
    let result = st.origin.send(&req.method, &req.path, headers, body, Some(interim.clone())).await;
    let now = SystemTime::now();
    let resp = match result {
        Err(e) => {
            return match stored.policy.revalidated_policy(req, None::<&http::response::Parts>, now) {
                Ok(rev) if rev.outcome == RevalidationOutcome::StaleIfError => {
                    serve_stored(req, &stored, now, status.with_detail("stale-if-error"), "stale_if_error")
                }
                _ => origin_failed(status, e),
            };
        }
        Ok(resp) => resp,
    };
    let code = resp.status().as_u16();
    let rev = match stored.policy.revalidated_policy(req, Some(&resp), now) {
        Ok(rev) => rev,
        Err(_) => return relay(st, req, Some(key), resp, None, status, "revalidated", None, None),
    };
    match rev.outcome {
        RevalidationOutcome::NotModified => {
            let fresh = Stored::new(rev.policy, stored.body.clone());
            st.store.replace(key, stored.id, Arc::clone(&fresh));
            drain(resp.into_body());
            serve_stored(req, &fresh, now, status.with_fwd_status(code).with_stored(true), "revalidated")
        }
        RevalidationOutcome::StaleIfError => {
            serve_stored(req, &stored, now, status.with_fwd_status(code).with_detail("stale-if-error"), "stale_if_error")
        }
        RevalidationOutcome::HeadMismatch => {
            st.store.replace(key, stored.id, Stored::new(rev.policy, stored.body.clone()));
            relay(st, req, Some(key), resp, None, status, "revalidated", None, None)
        }
        RevalidationOutcome::NotMatched if client_conditional => {
            // The 304 answers the client's own validators, not ours: hand it on.
            relay(st, req, Some(key), resp, None, status, "revalidated", None, None)
        }
        RevalidationOutcome::NotMatched => {
            drain(resp.into_body());
            let sent = SystemTime::now();
            match st.origin.send(&req.method, &req.path, unconditional, OutBody::Empty, Some(interim)).await {
                Err(e) => origin_failed(status, e),
                Ok(resp) => {
                    let policy = CachePolicy::with_request_time(req, &resp, &st.config.options, sent, SystemTime::now()).ok();
                    relay(st, req, Some(key), resp, policy, status, "revalidated", None, Some(stored.id))
                }
            }
        }
        RevalidationOutcome::Modified | RevalidationOutcome::Failed => {
            let policy = CachePolicy::with_request_time(req, &resp, &st.config.options, sent, now).ok();
            relay(st, req, Some(key), resp, policy, status, "revalidated", None, Some(stored.id))
        }
    }
}

/// Reads what is left of a body in the background, so that its connection can be reused.
fn drain(body: Incoming) {
    if body.is_end_stream() {
        return;
    }
    tokio::spawn(async move {
        let _ = tokio::time::timeout(Duration::from_secs(5), body.collect()).await;
    });
}

/// Collects a body for storing, within the proxy-wide bound on bytes being collected.
struct Collector {
    st: Arc<State>,
    key: String,
    policy: CachePolicy,
    /// The request the response answered, for choosing the variants it replaces.
    req: ClientRequest,
    supersedes: Option<u64>,
    guard: Option<LeaderGuard>,
    expected: Option<u64>,
    parts: Vec<Bytes>,
    reserved: usize,
}

impl Collector {
    fn push(&mut self, data: &Bytes) -> bool {
        let limit = self.st.config.max_object_bytes;
        if self.reserved + data.len() > limit {
            return false;
        }
        let before = self.st.collecting.fetch_add(data.len(), Ordering::Relaxed);
        self.reserved += data.len();
        if before + data.len() > self.st.config.max_bytes {
            return false;
        }
        self.parts.push(data.clone());
        true
    }

    fn finish(mut self) {
        let total: usize = self.parts.iter().map(Bytes::len).sum();
        if self.expected.is_some_and(|n| n != total as u64) {
            return; // a body shorter or longer than its Content-Length is never stored
        }
        let body = match self.parts.len() {
            0 => Bytes::new(),
            1 => self.parts.pop().unwrap_or_default(),
            _ => {
                let mut b = BytesMut::with_capacity(total);
                self.parts.iter().for_each(|p| b.extend_from_slice(p));
                b.freeze()
            }
        };
        let policy = self.policy.clone();
        let stored = Stored::new(policy, body);
        let (req, supersedes) = (&self.req, self.supersedes);
        self.st.store.insert(&self.key, stored, |v| Some(v.id) == supersedes || v.policy.secondary_key_for(req) == v.policy.secondary_key());
        // Waiters look again only now that the response is stored (the guard drops next).
        self.guard.take();
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        self.st.collecting.fetch_sub(self.reserved, Ordering::Relaxed);
    }
}

/// Relays an origin response to the client, storing it when the engine says it may be
/// stored (and it fits). The client's own validators are answered from a complete 2xx
/// response here (RFC 9111 §4.3.2), whether or not they were forwarded.
#[allow(clippy::too_many_arguments)]
fn relay(
    st: &Arc<State>,
    req: &ClientRequest,
    key: Option<&str>,
    resp: http::Response<Incoming>,
    policy: Option<CachePolicy>,
    status: CacheStatus,
    decision: &'static str,
    guard: Option<LeaderGuard>,
    supersedes: Option<u64>,
) -> Reply {
    let (parts, incoming) = resp.into_parts();
    let code = parts.status.as_u16();
    let length = incoming.size_hint().exact();
    let storable = policy.as_ref().is_some_and(|p| p.storable()) && (req.method == Method::GET || req.method == Method::POST);
    let fits = length.is_none_or(|n| n <= st.config.max_object_bytes as u64);
    let will_store = storable && fits;
    let guard = if will_store {
        guard
    } else {
        match guard {
            Some(g) if !storable => g.release_uncacheable(),
            g => drop(g),
        }
        None
    };
    if !will_store {
        // The origin's new answer replaces the stored one, which must not be served again.
        if let (Some(id), Some(k)) = (supersedes, key) {
            if req.method == Method::GET && code < 500 && code != 206 {
                st.store.remove(k, id);
            }
        }
    }
    let status = status.with_fwd_status(code).with_stored(will_store);

    let listed = connection_listed(&parts.headers);
    let mut head = Vec::with_capacity(512);
    let mut has_date = false;
    let mut pairs: Vec<(&str, &[u8])> = Vec::with_capacity(parts.headers.len());
    for (n, v) in &parts.headers {
        let name = n.as_str();
        if is_hop_by_hop(name) || name == "content-length" || listed.iter().any(|l| l == name) {
            continue;
        }
        has_date |= name == "date";
        pairs.push((name, v.as_bytes()));
    }
    let date;
    if !has_date {
        // RFC 9110 §6.6.1: a recipient adds the Date it received the message at.
        date = cachepolicy::format_http_date(unix_now());
        pairs.push(("date", date.as_bytes()));
    }
    let announced = parts.headers.get(http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    let reason = parts.extensions.get::<hyper::ext::ReasonPhrase>().and_then(|r| std::str::from_utf8(r.as_bytes()).ok()).map(str::to_string);
    let validators = req.headers.contains_key(http::header::IF_NONE_MATCH) || req.headers.contains_key(http::header::IF_MODIFIED_SINCE);
    let not_modified = validators && is_get_or_head(&req.method) && cond::evaluate(&req.headers, true, code, &pairs) == Precondition::NotModified;
    for (n, v) in &pairs {
        header_line(&mut head, n, v);
    }
    let cache_status = cache_status_line(&mut head, &status);

    let no_body = req.method == Method::HEAD || matches!(code, 204 | 304) || code < 200;
    let collector = will_store.then(|| {
        let policy = policy.expect("storable means a policy");
        Collector {
            st: Arc::clone(st),
            key: policy.primary_key(),
            policy,
            req: req.clone(),
            supersedes,
            guard,
            expected: length,
            parts: Vec::new(),
            reserved: 0,
        }
    });
    if no_body || not_modified {
        let wire_length = if matches!(code, 204) || code < 200 { None } else { announced };
        match collector {
            Some(c) if no_body => c.finish(),
            Some(c) => {
                tokio::spawn(pump(incoming, None, st.origin.body_timeout, Some(c)));
            }
            None => drain(incoming),
        }
        let (code, body, head) = if not_modified {
            // The client's copy is current: 304 with the response's fields (RFC 9110 §15.4.5).
            let mut h = Vec::with_capacity(head.len());
            for (n, v) in pairs.iter().filter(|(n, _)| *n != "content-type") {
                header_line(&mut h, n, v);
            }
            header_line(&mut h, "cache-status", cache_status.as_bytes());
            (304, ReplyBody::None(None), h)
        } else {
            (code, ReplyBody::None(wire_length), head)
        };
        return Reply { status: code, reason: if code == 304 && not_modified { None } else { reason }, head, body, decision, cache_status };
    }
    let (tx, rx) = mpsc::channel(16);
    tokio::spawn(pump(incoming, Some(tx), st.origin.body_timeout, collector));
    Reply { status: code, reason, head, body: ReplyBody::Stream { rx, length }, decision, cache_status }
}

/// Moves an origin body to the client (while it listens) and into the store (while it fits
/// and the engine allowed storing). Every piece must arrive within `idle`.
async fn pump(mut body: Incoming, tx: Option<mpsc::Sender<Result<Bytes, ()>>>, idle: Duration, mut collector: Option<Collector>) {
    let mut tx = tx;
    loop {
        let frame = match tokio::time::timeout(idle, body.frame()).await {
            Ok(Some(Ok(frame))) => frame,
            Ok(None) => break,
            Ok(Some(Err(_))) | Err(_) => {
                // Broken off, or stalled: nothing is stored, and the client's response is
                // aborted so that it cannot pass for complete.
                if let Some(tx) = tx {
                    let _ = tx.send(Err(())).await;
                }
                return;
            }
        };
        let Ok(data) = frame.into_data() else { continue };
        if let Some(c) = collector.as_mut() {
            if !c.push(&data) {
                collector = None;
            }
        }
        if body.is_end_stream() {
            // Stored before the client sees the last piece, so that the request it sends
            // next finds the response.
            if let Some(c) = collector.take() {
                c.finish();
            }
        }
        if let Some(t) = &tx {
            if t.send(Ok(data)).await.is_err() {
                tx = None;
            }
        }
        if tx.is_none() && collector.is_none() {
            return;
        }
    }
    if let Some(c) = collector {
        c.finish();
    }
}

/// Refreshes a stored response in the background (RFC 5861 §3), once at a time per stored
/// response.
fn spawn_refresh(st: &Arc<State>, key: &str, stored: &Arc<Stored>, headers: HeaderMap, req: &ClientRequest) {
    if stored.refreshing.swap(true, Ordering::AcqRel) {
        return;
    }
    let (st, key, stored) = (Arc::clone(st), key.to_string(), Arc::clone(stored));
    let mut req = req.clone();
    req.method = Method::GET;
    req.body_length = None;
    tokio::spawn(async move {
        let done = refresh(&st, &key, &stored, headers, &req).await;
        if !done {
            stored.refreshing.store(false, Ordering::Release);
        }
    });
}

async fn refresh(st: &Arc<State>, key: &str, stored: &Arc<Stored>, headers: HeaderMap, req: &ClientRequest) -> bool {
    let sent = SystemTime::now();
    let Ok(resp) = st.origin.send(&Method::GET, &req.path, headers, OutBody::Empty, None).await else { return false };
    let now = SystemTime::now();
    let code = resp.status().as_u16();
    let Ok(rev) = stored.policy.revalidated_policy(req, Some(&resp), now) else { return false };
    match rev.outcome {
        RevalidationOutcome::NotModified => {
            st.store.replace(key, stored.id, Stored::new(rev.policy, stored.body.clone()));
            drain(resp.into_body());
            true
        }
        RevalidationOutcome::Modified => {
            let Ok(policy) = CachePolicy::with_request_time(req, &resp, &st.config.options, sent, now) else { return false };
            let length = resp.body().size_hint().exact();
            if !policy.storable() || length.is_some_and(|n| n > st.config.max_object_bytes as u64) {
                if code < 500 && code != 206 {
                    st.store.remove(key, stored.id);
                }
                return true;
            }
            let (tx, collector) = (None, Collector {
                st: Arc::clone(st),
                key: policy.primary_key(),
                policy,
                req: req.clone(),
                supersedes: Some(stored.id),
                guard: None,
                expected: length,
                parts: Vec::new(),
                reserved: 0,
            });
            pump(resp.into_body(), tx, st.origin.body_timeout, Some(collector)).await;
            true
        }
        RevalidationOutcome::NotMatched => {
            st.store.remove(key, stored.id);
            true
        }
        _ => false,
    }
}
