//! Node binding of the `cachepolicy` engine, shaped for the npm `http-cache-semantics` API.
//!
//! The boundary (measured in README.md): a policy is a JS object holding the caller's header
//! objects; the engine's policy is built from the fields the rules read, passed as separate
//! string arguments, and kept in a small per-thread cache keyed by a number the JS object holds
//! (rebuilt from the JS object after eviction: no native handle, no finalizer). Answers are
//! numbers written into a per-thread `Float64Array` ([`slot`]); JS copies the caller's header
//! objects itself, following the instructions these functions derive from the engine's own
//! header lists. Exact header lists (values sanitized, duplicates and order kept) come from the
//! `full*` functions, which pass every field.

#![allow(clippy::missing_safety_doc)]

mod raw;
mod tables;

use std::collections::{HashMap, HashSet};
use std::ffi::c_void;
use std::ptr::null_mut;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cachepolicy::npm_compat::field_names;
use cachepolicy::{CachePolicy, CacheStatus, Decision, Options, Reason, Request, RequestNoCache, Response, RevalidationOutcome, SetCookiePolicy};
use napi::sys::{self, napi_env, napi_value};
use raw::{Args, Bytes, Range};

/// Indices into the per-thread scratch `Float64Array` (mirrored in `index.js`).
pub mod slot {
    // Inputs.
    pub const ID: usize = 0;
    pub const NOW: usize = 1;
    pub const STATUS: usize = 2;
    pub const CACHE_HEURISTIC: usize = 3;
    pub const IMMUTABLE_MIN_TTL: usize = 4;
    pub const RESPONSE_TIME: usize = 5;
    pub const REQUEST_TIME: usize = 6;
    pub const FLAGS: usize = 7;
    // Outputs.
    pub const MISS: usize = 8;
    pub const NOT_STORABLE: usize = 9;
    pub const NPM_MAX_AGE: usize = 10;
    pub const LIFETIME: usize = 11;
    pub const DATE_VALUE: usize = 12;
    pub const DATE_PLAN: usize = 13;
    pub const AGE_PLAN: usize = 14;
    pub const DECISION: usize = 15;
    pub const REASON: usize = 16;
    pub const AGE: usize = 17;
    pub const AGE_HEADER: usize = 18;
    pub const RETENTION: usize = 19;
    pub const TIME_TO_LIVE: usize = 20;
    pub const STALE: usize = 21;
    pub const STALE_WHILE_REVALIDATE: usize = 22;
    pub const SOURCE: usize = 23;
    pub const OUTCOME: usize = 24;
    pub const MODIFIED: usize = 25;
    pub const MATCHES: usize = 26;
    pub const STALE_IF_ERROR: usize = 27;
    pub const INVALIDATED: usize = 28;
    /// Bit set: which header-field arguments are present (bit i: the i-th field argument of
    /// `load` or `decide`). Reading an absent argument costs several failing Node-API calls.
    pub const PRESENT: usize = 29;
    /// One instruction per fixed request field of `decide`, in argument order.
    pub const REVALIDATION: usize = 32;
    pub const LEN: usize = 48;
}

/// [`slot::FLAGS`] bits.
mod flag {
    pub const SHARED: u32 = 1;
    pub const IGNORE_CARGO_CULT: u32 = 2;
    pub const INVALIDATED: u32 = 4;
    /// `shared` was given explicitly (it then overrides a profile's).
    pub const SHARED_GIVEN: u32 = 8;
    /// An options object with extensions is passed.
    pub const HAS_OPTIONS: u32 = 16;
    /// The response sets cookies (only the presence matters).
    pub const SET_COOKIE: u32 = 32;
    /// `load` returns the names of the request fields that select the response.
    pub const WANT_NAMES: u32 = 64;
}

/// How JS treats `date` / `age` when serving (`slot::DATE_PLAN`, `slot::AGE_PLAN`).
mod plan {
    pub const KEEP: f64 = 0.0;
    pub const DELETE: f64 = 1.0;
    /// Remove the stored `date` and append the returned value.
    pub const FIXED: f64 = 2.0;
    /// Send the current time.
    pub const NOW: f64 = 3.0;
    /// `age`: set to `slot::AGE_HEADER` at each call.
    pub const PER_CALL: f64 = 0.0;
}

/// Revalidation instructions for the fixed request fields (`slot::REVALIDATION + i`).
mod instruction {
    pub const KEEP: f64 = 0.0;
    pub const DELETE: f64 = 1.0;
    /// Set to the string `decide` returned.
    pub const SET_RETURNED: f64 = 2.0;
    /// Set to the stored response's `etag` value, as given.
    pub const SET_ETAG: f64 = 3.0;
    /// Set to the stored response's `last-modified` value, as given.
    pub const SET_LAST_MODIFIED: f64 = 4.0;
    /// Set to the value listed in the array `decide` returned.
    pub const SET_LISTED: f64 = 5.0;
}

/// `decide` modes.
mod mode {
    pub const DECISION: u32 = 1;
    pub const EVALUATE: u32 = 2;
    pub const REVALIDATION: u32 = 3;
    pub const STALE_IF_ERROR: u32 = 4;
}

/// The request fields `decide` takes as arguments, in order.
const REQUEST_FIELDS: [&str; 11] = [
    "cache-control",
    "pragma",
    "host",
    "authorization",
    "if-none-match",
    "if-modified-since",
    "if-match",
    "if-unmodified-since",
    "if-range",
    "range",
    "connection",
];
const IF_NONE_MATCH: usize = 4;
/// `slot::PRESENT` bit in `decide`: the request's URL is the stored one, not sent (index.js
/// `SAME_URL`).
const SAME_URL: u32 = 1 << 11;
const IF_MODIFIED_SINCE: usize = 5;

/// The response fields `load` takes as arguments, in order (after the request part).
const RESPONSE_FIELDS: [&str; 12] = [
    "cache-control",
    "pragma",
    "date",
    "expires",
    "last-modified",
    "age",
    "etag",
    "vary",
    "set-cookie",
    "content-location",
    "location",
    "connection",
];

/// Entries of the per-thread `Int32Array` used for compact transfers (index.js `PACK`).
const PACKED: usize = 4096;
/// Added to a piece reference to a name that is not lower-case (index.js `LOWER_CASE`).
const NOT_LOWER_CASE: i32 = 1 << 20;

/// Policies kept per thread; older ones are rebuilt from their JS objects when asked again.
const CACHE_SLOTS: usize = 1024;

struct Cached {
    id: u64,
    policy: CachePolicy,
    /// The engine stored `etag` / `last-modified` exactly as the JS object holds them (a single
    /// line each), so JS may reuse its own string when the engine sends that value.
    etag_as_given: bool,
    last_modified_as_given: bool,
}

/// Everything one JS thread (main or worker) uses: never shared between threads.
struct State {
    scratch: *mut f64,
    scratch_ref: sys::napi_ref,
    /// The per-thread `Int32Array` of [`PACKED`] lengths for compact transfers (see [`unpack`]).
    lengths: *mut i32,
    lengths_ref: sys::napi_ref,
    cache: Vec<Option<Cached>>,
    next_id: u64,
    bytes: Bytes,
    /// Response fields the engine never serves (JS drops them from every copy).
    response_drop: Vec<String>,
}

impl State {
    fn s(&mut self) -> &mut [f64] {
        // SAFETY: `scratch` points at the LEN doubles of an ArrayBuffer this state keeps alive
        // through `scratch_ref`; only this thread touches it.
        unsafe { std::slice::from_raw_parts_mut(self.scratch, slot::LEN) }
    }

    fn cached(&self, id: u64) -> Option<&Cached> {
        self.cache[(id % CACHE_SLOTS as u64) as usize].as_ref().filter(|c| c.id == id)
    }
}

fn time(ms: f64) -> SystemTime {
    if ms >= 0.0 {
        UNIX_EPOCH + Duration::from_secs_f64(ms.min(1e17) / 1000.0)
    } else {
        UNIX_EPOCH - Duration::from_secs_f64((-ms).min(1e17) / 1000.0)
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn reason_slot(r: Option<Reason>) -> f64 {
    r.map_or(0.0, |r| (Reason::ALL.iter().position(|x| *x == r).unwrap_or(0) + 1) as f64)
}

fn decision_index(d: Decision) -> f64 {
    tables::DECISIONS.iter().position(|x| *x == d).unwrap_or(0) as f64
}

/// A header line whose name is static or read into [`Bytes`].
#[derive(Clone, Copy)]
enum Name {
    Static(&'static str),
    Read(Range),
}

struct Lines {
    lines: Vec<(Name, Range)>,
}

impl Lines {
    fn new() -> Self {
        Lines { lines: Vec::with_capacity(16) }
    }

    unsafe fn add(&mut self, env: napi_env, bytes: &mut Bytes, name: Name, v: napi_value) {
        let lines = &mut self.lines;
        bytes.lines(env, v, &mut |r| lines.push((name, r)));
    }

    fn has(&self, bytes: &Bytes, name: &str) -> bool {
        self.lines.iter().any(|&(n, _)| name_of(bytes, n) == name.as_bytes())
    }

    fn view<'b>(&'b self, bytes: &'b Bytes) -> View<'b> {
        View { lines: &self.lines, bytes }
    }
}

/// Lines read from JS, as the engine takes header lists.
struct View<'b> {
    lines: &'b [(Name, Range)],
    bytes: &'b Bytes,
}

impl cachepolicy::HeaderSource for View<'_> {
    fn header_lines(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.lines.iter().map(|&(n, v)| (name_of(self.bytes, n), self.bytes.get(v)))
    }
}

impl View<'_> {
    /// The values of the lines named `name` (lower-case).
    fn values<'n>(&'n self, name: &'n [u8]) -> impl Iterator<Item = &'n [u8]> + 'n {
        self.lines.iter().filter(move |&&(n, _)| name_of(self.bytes, n) == name).map(|&(_, v)| self.bytes.get(v))
    }
}

/// The values of the lines named `name` in a header list the engine produced.
fn listed<'a>(list: &'a [(&str, std::borrow::Cow<'_, [u8]>)], name: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
    list.iter().filter(move |(n, _)| n.as_bytes().eq_ignore_ascii_case(name)).map(|(_, v)| v.as_ref())
}

fn name_of(bytes: &Bytes, n: Name) -> &[u8] {
    match n {
        Name::Static(s) => s.as_bytes(),
        Name::Read(r) => bytes.get(r),
    }
}

/// The options: the classic four from the scratch, the extensions from an options object.
unsafe fn options(env: napi_env, s: &[f64], obj: napi_value) -> Result<Options, String> {
    let mut o = Options::default();
    let flags = s[slot::FLAGS] as u32;
    o.shared = flags & flag::SHARED != 0;
    o.ignore_cargo_cult = flags & flag::IGNORE_CARGO_CULT != 0;
    o.cache_heuristic = s[slot::CACHE_HEURISTIC];
    let imm = s[slot::IMMUTABLE_MIN_TTL];
    if imm.is_nan() || imm < 0.0 {
        return Err(format!("immutableMinTimeToLive must be a number >= 0, got {imm}"));
    }
    o.immutable_min_time_to_live = Duration::from_secs_f64(imm.min(1e15) / 1000.0);
    if raw::type_of(env, obj) != sys::ValueType::napi_object {
        return Ok(o);
    }
    let get = |name: &str| raw::property(env, obj, name);
    let boolean = |name: &str, target: &mut bool| -> Result<(), String> {
        let v = get(name);
        if raw::is_nullish(env, v) {
            return Ok(());
        }
        *target = raw::boolean(env, v).ok_or_else(|| format!("option {name} must be a boolean"))?;
        Ok(())
    };
    let text = |name: &str| -> Result<Option<String>, String> {
        let v = get(name);
        if raw::is_nullish(env, v) {
            return Ok(None);
        }
        let mut b = Bytes::default();
        let r = b.utf8(env, v).ok_or_else(|| format!("option {name} must be a string"))?;
        Ok(Some(String::from_utf8_lossy(b.get(r)).into_owned()))
    };
    if let Some(profile) = text("profile")? {
        // A profile is the base; the classic options given explicitly are applied on top by JS
        // only when present, so keep the profile's choices for them here.
        let base = Options::profile(&profile).map_err(|e| e.message().to_string())?;
        let (shared, icc, heuristic, imm) = (o.shared, o.ignore_cargo_cult, o.cache_heuristic, o.immutable_min_time_to_live);
        o = base;
        if flags & flag::SHARED_GIVEN != 0 {
            o.shared = shared;
        }
        o.ignore_cargo_cult = icc;
        o.cache_heuristic = heuristic;
        o.immutable_min_time_to_live = imm;
    }
    boolean("trustServerDate", &mut o.trust_server_date)?;
    boolean("cacheEtags", &mut o.cache_etags)?;
    boolean("ignoreRequestCacheControl", &mut o.ignore_request_cache_control)?;
    boolean("honorRequestNoCache", &mut o.honor_request_no_cache)?;
    boolean("storeAuthenticated", &mut o.store_authenticated)?;
    boolean("ignoreSMaxage", &mut o.ignore_s_maxage)?;
    boolean("ignoreNoStore", &mut o.ignore_no_store)?;
    boolean("storeHttps", &mut o.store_https)?;
    boolean("bypassRangeAndConditional", &mut o.bypass_range_and_conditional)?;
    boolean("storeOnly2xx", &mut o.store_only_2xx)?;
    boolean("suppressAge", &mut o.suppress_age)?;
    boolean("replaceDate", &mut o.replace_date)?;
    let grace = get("gracePeriod");
    if !raw::is_nullish(env, grace) {
        let g = raw::number(env, grace).filter(|g| *g >= 0.0).ok_or("option gracePeriod must be a number of ms >= 0")?;
        o.grace_period = Duration::from_secs_f64(g.min(1e15) / 1000.0);
    }
    if let Some(v) = text("requestNoCache")? {
        o.request_no_cache = match v.as_str() {
            "revalidate" => RequestNoCache::Revalidate,
            "reload" => RequestNoCache::Reload,
            _ => return Err(format!("option requestNoCache must be \"revalidate\" or \"reload\", got {v:?}")),
        };
    }
    if let Some(v) = text("setCookie")? {
        o.set_cookie = match v.as_str() {
            "revalidate" => SetCookiePolicy::Revalidate,
            "refuse" => SetCookiePolicy::Refuse,
            "strip" => SetCookiePolicy::Strip,
            "keep" => SetCookiePolicy::Keep,
            _ => return Err(format!("option setCookie must be one of revalidate, refuse, strip, keep, got {v:?}")),
        };
    }
    let targeted = get("targetedFields");
    if !raw::is_nullish(env, targeted) {
        let mut b = Bytes::default();
        let mut names = Vec::new();
        b.lines(env, targeted, &mut |r| names.push(r));
        o.targeted_fields = names.into_iter().map(|r| String::from_utf8_lossy(b.get(r)).to_ascii_lowercase()).collect();
    }
    Ok(o)
}

fn core_error(e: &cachepolicy::Error) -> (String, String) {
    (format!("ERR_CACHEPOLICY_{}", e.kind().code().to_ascii_uppercase()), e.message().to_string())
}

/// Runs a callback body, turning panics and errors into JS exceptions.
///
/// Refuses a call made while another runs on this thread: reading the caller's values may run
/// its code (a getter, a proxy trap, a `toString`), which must not reach this thread's state
/// while a call is using it.
unsafe fn guard(env: napi_env, f: impl FnOnce() -> Result<napi_value, (String, String)>) -> napi_value {
    thread_local! {
        static BUSY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    if BUSY.with(|busy| busy.replace(true)) {
        return raw::throw(env, "ERR_CACHEPOLICY_REENTRANT", "cachepolicy called from a header value's getter or toString while it reads them");
    }
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    BUSY.with(|busy| busy.set(false));
    match result {
        Ok(Ok(v)) => v,
        Ok(Err((code, message))) => raw::throw(env, &code, &message),
        Err(_) => raw::throw(env, "ERR_CACHEPOLICY_PANIC", "internal error in the cachepolicy engine"),
    }
}

unsafe fn state<'a>(args: &Args) -> &'a mut State {
    // SAFETY: every function is created with this thread's `State` as its data.
    &mut *(args.data as *mut State)
}

/// `load(method, url, requestHeaders, <request fields>…, responseHeaders, <RESPONSE_FIELDS>…,
/// options)`: builds the policy from the fields its rules read, caches it, and answers the
/// facts that do not depend on time. Scratch: ID (0 for a new policy), STATUS, CACHE_HEURISTIC,
/// IMMUTABLE_MIN_TTL, RESPONSE_TIME, REQUEST_TIME, FLAGS. Returns `undefined`, or
/// `[date, name, value|null, …]`: the `date` to serve (when DATE_PLAN is FIXED) and the other
/// stored fields to serve differently from the object (`null`: not served).
unsafe extern "C" fn load(env: napi_env, info: sys::napi_callback_info) -> napi_value {
    let args = Args::of(env, info);
    let st = state(&args);
    guard(env, || load_inner(env, &args, st))
}

const LOAD_REQUEST_FIELDS: [&str; 4] = ["cache-control", "pragma", "host", "authorization"];

/// Whether a Cache-Control value may hold a qualified `private="…"` or `no-cache="…"` (which
/// name response fields not to serve): a cheap test before parsing.
fn names_fields(cc: &[u8]) -> bool {
    // The directive name before each `=`.
    cc.iter().enumerate().filter(|&(_, &b)| b == b'=').any(|(i, _)| {
        let name = cc[..i].trim_ascii_end();
        let ends = |w: &[u8]| name.len() >= w.len() && name[name.len() - w.len()..].eq_ignore_ascii_case(w);
        ends(b"private") || ends(b"no-cache")
    })
}

/// Whether Connection lines list only connection options that name no stored field
/// (`keep-alive`, a hop-by-hop field anyway, and `close`): the common case, decided without
/// parsing the list into names.
fn lists_no_fields<'a>(mut lines: impl Iterator<Item = &'a [u8]>) -> bool {
    lines.all(|l| {
        let l = l.trim_ascii();
        l.eq_ignore_ascii_case(b"keep-alive") || l.eq_ignore_ascii_case(b"close")
    })
}

/// The Vary-named request fields whose values JS passes: distinct, without `*` and without the
/// request fields `load` takes as arguments (the same list `load` returns to JS).
fn selecting_names(names: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    // A long list (Vary may name 100,000 fields) is deduplicated through a set: linear time.
    let mut seen = (names.len() > LONG_LIST).then(HashSet::new);
    for n in names {
        if n == "*" || LOAD_REQUEST_FIELDS.contains(&n.as_str()) {
            continue;
        }
        let new = match &mut seen {
            Some(seen) => seen.insert(n.clone()),
            None => !out.contains(&n),
        };
        if new {
            out.push(n);
        }
    }
    out
}

/// Beyond this many names, the functions that look names up index them first (linear time for
/// a Vary or Connection listing thousands of fields; no allocation in the common case).
const LONG_LIST: usize = 16;

/// Reads each of `names` (lower-case) not yet among `lines` from a header object.
unsafe fn add_named_iter<'n>(env: napi_env, bytes: &mut Bytes, lines: &mut Lines, obj: napi_value, names: impl Iterator<Item = &'n str>) {
    // The names looked up so far and those of `lines`, once there are many: linear time.
    let mut known: Option<HashSet<Vec<u8>>> = None;
    for (k, name) in names.enumerate() {
        if known.is_none() && k > LONG_LIST {
            known = Some(lines.lines.iter().map(|&(n, _)| name_of(bytes, n).to_vec()).collect());
        }
        let seen = match &mut known {
            Some(known) => !known.insert(name.as_bytes().to_vec()),
            None => lines.has(bytes, name),
        };
        if name == "*" || seen {
            continue;
        }
        let v = raw::property(env, obj, name);
        let n = Name::Read(bytes.push(name.as_bytes()));
        lines.add(env, bytes, n, v);
    }
}

unsafe fn load_inner(env: napi_env, args: &Args, st: &mut State) -> Result<napi_value, (String, String)> {
    let s = std::slice::from_raw_parts_mut(st.scratch, slot::LEN);
    let flags = s[slot::FLAGS] as u32;
    let options_obj = if flags & flag::HAS_OPTIONS != 0 { args.get(20) } else { null_mut() };
    let options = options(env, s, options_obj).map_err(|m| ("ERR_CACHEPOLICY_INVALID_OPTION".to_string(), m))?;
    let bytes = &mut st.bytes;
    bytes.clear();
    let method = bytes.utf8(env, args.get(0));
    let url = bytes.utf8(env, args.get(1));
    let present = s[slot::PRESENT] as u32;
    let mut req = Lines::new();
    for (i, name) in LOAD_REQUEST_FIELDS.iter().enumerate() {
        if present & (1 << i) != 0 {
            req.add(env, bytes, Name::Static(name), args.get(3 + i));
        }
    }
    let mut res = Lines::new();
    for (i, name) in RESPONSE_FIELDS.iter().enumerate() {
        if *name == "set-cookie" {
            // Only its presence matters to the rules and to what is served.
            if flags & flag::SET_COOKIE != 0 {
                let empty = bytes.push(b"");
                res.lines.push((Name::Static(name), empty));
            }
            continue;
        }
        if present & (1 << (LOAD_REQUEST_FIELDS.len() + i)) != 0 {
            res.add(env, bytes, Name::Static(name), args.get(8 + i));
        }
    }
    // Fields named by other fields: by Vary (in the request); by Connection and qualified
    // private/no-cache (in the response); targeted Cache-Control fields.
    let has = |l: &Lines, bytes: &Bytes, name: &[u8]| l.lines.iter().any(|&(n, _)| name_of(bytes, n) == name);
    if has(&res, bytes, b"vary") {
        // The selecting fields' values: passed by JS after the options when it knows their
        // names (from an earlier `load` of the same Vary value), else read here.
        let names = selecting_names(field_names(res.view(bytes).values(b"vary")));
        if flags & flag::WANT_NAMES != 0 {
            add_named_iter(env, bytes, &mut req, args.get(2), names.iter().map(String::as_str));
        } else {
            for (i, name) in names.iter().enumerate() {
                let n = Name::Read(bytes.push(name.as_bytes()));
                req.add(env, bytes, n, args.get(21 + i));
            }
        }
    }
    if options.bypass_range_and_conditional {
        let names = ["if-match", "if-none-match", "if-modified-since", "if-unmodified-since", "if-range", "range"];
        add_named_iter(env, bytes, &mut req, args.get(2), names.into_iter());
    }
    let cc_qualified = res.view(bytes).values(b"cache-control").any(names_fields);
    let connection_names = has(&res, bytes, b"connection") && !lists_no_fields(res.view(bytes).values(b"connection"));
    if connection_names || cc_qualified || !options.targeted_fields.is_empty() {
        let view = res.view(bytes);
        let mut names = field_names(view.values(b"connection"));
        for directive in ["private", "no-cache"] {
            let qualified = cachepolicy::directives::qualified_field_names(view.values(b"cache-control"), directive);
            names.extend(qualified.into_iter().filter_map(|n| String::from_utf8(n).ok()));
        }
        names.extend(options.targeted_fields.iter().cloned());
        let dropped = &st.response_drop;
        add_named_iter(env, bytes, &mut res, args.get(7), names.iter().map(String::as_str).filter(|n| !dropped.iter().any(|d| d == n)));
    }

    let text = |r: Option<Range>, default: &'static str| r.map_or(default, |r| std::str::from_utf8(bytes.get(r)).unwrap_or(""));
    let (method, url) = (text(method, "GET"), text(url, "/"));
    let (req_view, res_view) = (req.view(bytes), res.view(bytes));
    let status = s[slot::STATUS];
    let status = if (0.0..=65535.0).contains(&status) { status as u16 } else { 0 };
    let request = Request { method, url, headers: &req_view };
    let response = Response { status, headers: &res_view };
    let response_time = time(s[slot::RESPONSE_TIME]);
    let mut policy = CachePolicy::with_request_time(&request, &response, &options, time(s[slot::REQUEST_TIME]), response_time)
        .map_err(|e| core_error(&e))?;
    if flags & flag::INVALIDATED != 0 {
        policy = policy.into_invalidated();
    }

    // What to serve: the engine's header list for these fields against the fields as given.
    let given: Vec<(&[u8], &[u8])> = res.lines.iter().map(|&(n, v)| (name_of(bytes, n), bytes.get(v))).collect();
    let names = (flags & flag::WANT_NAMES != 0).then(|| {
        let names: Vec<&str> = policy.selecting_field_names().filter(|n| !LOAD_REQUEST_FIELDS.contains(n)).collect();
        raw::array(env, names.iter().map(|n| raw::utf8_string(env, n)))
    });
    let plan = serving_plan(env, s, &policy, &given, &st.response_drop, options.replace_date, response_time, names);
    drop(given);
    keep(&mut st.cache, &mut st.next_id, s, policy, plan.etag_as_given, plan.last_modified_as_given);
    Ok(plan.result)
}

/// What [`serving_plan`] found.
struct Plan {
    /// `undefined`, or `[date, names, name, value|null, …]` (see [`load`]).
    result: napi_value,
    etag_as_given: bool,
    last_modified_as_given: bool,
}

/// How JS serves `policy` from the response lines its object holds (`given`: lower-case names,
/// in order): DATE_PLAN and AGE_PLAN into the scratch, and the fields to serve differently from
/// the object (its result; `names` goes in its second place).
#[allow(clippy::too_many_arguments)]
unsafe fn serving_plan(
    env: napi_env,
    s: &mut [f64],
    policy: &CachePolicy,
    given: &[(&[u8], &[u8])],
    response_drop: &[String],
    replace_date: bool,
    response_time: SystemTime,
    names: Option<napi_value>,
) -> Plan {
    let given_values = |name: &'static [u8]| given.iter().filter(move |(n, _)| *n == name).map(|(_, v)| *v);
    let served = policy.response_headers(response_time);
    let mut extras: Vec<napi_value> = Vec::new();
    let mut date_value = None;
    let date_plan = if replace_date {
        plan::NOW
    } else if listed(&served, b"date").eq(given_values(b"date")) {
        plan::KEEP
    } else if let Some(d) = listed(&served, b"date").next() {
        date_value = Some(raw::latin1_string(env, d));
        plan::FIXED
    } else {
        plan::DELETE
    };
    let age_plan = if listed(&served, b"age").next().is_some() { plan::PER_CALL } else { plan::DELETE };
    // Many lines (the merged lines of a long response): by name, so that this stays linear.
    let long = given.len() > LONG_LIST;
    let (served_by_name, given_by_name) = if long {
        (values_by_name(served.iter().map(|(n, v)| (n.as_bytes(), v.as_ref()))), values_by_name(given.iter().copied()))
    } else {
        (HashMap::new(), HashMap::new())
    };
    let mut first_line: HashMap<&[u8], usize> = HashMap::new();
    if long {
        for (k, &(n, _)) in given.iter().enumerate() {
            first_line.entry(n).or_insert(k);
        }
    }
    let served_values = |name: &[u8]| -> Vec<&[u8]> {
        if long {
            served_by_name.get(name).cloned().unwrap_or_default()
        } else {
            served.iter().filter(|(n, _)| n.as_bytes().eq_ignore_ascii_case(name)).map(|(_, v)| v.as_ref()).collect()
        }
    };
    let given_count = |name: &[u8]| if long { given_by_name.get(name).map_or(0, Vec::len) } else { given.iter().filter(|&&(m, _)| m == name).count() };
    let date_or_age = |s: &str| (s.len() == 4 && s.eq_ignore_ascii_case("date")) || (s.len() == 3 && s.eq_ignore_ascii_case("age"));
    // The served lines follow the given ones in order, minus those not served: one merge pass.
    let mut next = 0;
    let (mut etag_as_given, mut last_modified_as_given) = (false, false);
    for (k, &(name, value)) in given.iter().enumerate() {
        if name == b"date" || name == b"age" {
            continue;
        }
        while next < served.len() && date_or_age(served[next].0) {
            next += 1;
        }
        if let Some((s, v)) = served.get(next) {
            if (s.as_bytes() == name || s.as_bytes().eq_ignore_ascii_case(name)) && v.as_ref() == value {
                next += 1;
                if name == b"etag" || name == b"last-modified" {
                    let single = given_count(name) == 1;
                    etag_as_given |= name == b"etag" && single;
                    last_modified_as_given |= name == b"last-modified" && single;
                }
                continue;
            }
        }
        // Not served as given: dropped everywhere (JS drops those itself) or changed.
        let dropped_everywhere = response_drop.iter().any(|d| d.as_bytes() == name);
        let repeated = if long { first_line.get(name).is_some_and(|&f| f < k) } else { given[..k].iter().any(|&(m, _)| m == name) };
        if dropped_everywhere || repeated {
            continue;
        }
        let served_values = served_values(name);
        let same = if long {
            given_by_name.get(name).map_or(served_values.is_empty(), |g| *g == served_values)
        } else {
            served_values.iter().copied().eq(given.iter().filter(|(n, _)| *n == name).map(|(_, v)| *v))
        };
        if same {
            continue;
        }
        extras.push(raw::latin1_string(env, name));
        extras.push(values_value(env, served_values.into_iter()));
    }
    s[slot::DATE_PLAN] = date_plan;
    s[slot::AGE_PLAN] = age_plan;
    let result = if extras.is_empty() && date_value.is_none() && names.is_none() {
        raw::undefined(env)
    } else {
        let head = [date_value.unwrap_or_else(|| raw::undefined(env)), names.unwrap_or_else(|| raw::undefined(env))];
        raw::array(env, head.into_iter().chain(extras))
    };
    Plan { result, etag_as_given, last_modified_as_given }
}

/// Caches `policy` under the scratch ID (a new id when it is 0) and writes the facts that do not
/// depend on time into the scratch.
fn keep(cache: &mut [Option<Cached>], next_id: &mut u64, s: &mut [f64], policy: CachePolicy, etag_as_given: bool, last_modified_as_given: bool) {
    let id = if s[slot::ID] >= 1.0 {
        s[slot::ID] as u64
    } else {
        *next_id += 1;
        *next_id
    };
    s[slot::ID] = id as f64;
    s[slot::NOT_STORABLE] = reason_slot(policy.not_storable_reason());
    s[slot::LIFETIME] = ms(policy.freshness_lifetime());
    s[slot::NPM_MAX_AGE] = if policy.storable() { ms(policy.freshness_lifetime()) } else { 0.0 };
    s[slot::DATE_VALUE] = policy.date().duration_since(UNIX_EPOCH).map_or(0.0, ms);
    s[slot::SOURCE] = tables::SOURCES.iter().position(|x| *x == policy.freshness_source()).unwrap_or(0) as f64;
    s[slot::INVALIDATED] = f64::from(u8::from(policy.is_invalidated()));
    cache[(id % CACHE_SLOTS as u64) as usize] = Some(Cached { id, policy, etag_as_given, last_modified_as_given });
}

/// One line's value as a string, several as an array, none as `null`.
unsafe fn values_value<'a>(env: napi_env, values: impl Iterator<Item = &'a [u8]>) -> napi_value {
    let values: Vec<&[u8]> = values.collect();
    match values.len() {
        0 => raw::null(env),
        1 => raw::latin1_string(env, values[0]),
        _ => raw::array(env, values.iter().map(|v| raw::latin1_string(env, v))),
    }
}

/// Writes the age of `policy` at `now`, and the `Age` header value.
fn age_numbers(s: &mut [f64], policy: &CachePolicy, now: SystemTime) {
    let age = policy.age(now);
    s[slot::AGE] = ms(age);
    // The Age header: the current age rounded to the nearest second, halves up (RFC 9111 §5.1,
    // tests/vectors/README.md rule 9), as `response_headers` writes it.
    s[slot::AGE_HEADER] = ((age.as_millis() + 500) / 1000) as f64;
}

/// Writes the time-dependent numbers of `policy` at `now`.
fn numbers(s: &mut [f64], policy: &CachePolicy, now: SystemTime) {
    age_numbers(s, policy, now);
    s[slot::RETENTION] = ms(policy.retention(now));
    s[slot::TIME_TO_LIVE] = ms(policy.time_to_live(now));
    // The npm API: a response that may not be stored has no freshness (its `maxAge()` is 0).
    s[slot::STALE] = f64::from(u8::from(!policy.storable() || policy.is_stale(now)));
    s[slot::STALE_WHILE_REVALIDATE] = f64::from(u8::from(policy.within_stale_while_revalidate(now)));
}

/// `numbers()`: scratch ID and NOW in; AGE, AGE_HEADER, RETENTION, TIME_TO_LIVE, STALE,
/// STALE_WHILE_REVALIDATE out (or MISS = 1 when the policy must be loaded again).
unsafe extern "C" fn numbers_fn(env: napi_env, info: sys::napi_callback_info) -> napi_value {
    let args = Args::of(env, info);
    let st = state(&args);
    guard(env, || {
        let (id, now) = (st.s()[slot::ID] as u64, time(st.s()[slot::NOW]));
        let scratch = std::slice::from_raw_parts_mut(st.scratch, slot::LEN);
        let Some(cached) = st.cached(id) else {
            scratch[slot::MISS] = 1.0;
            return Ok(raw::undefined(env));
        };
        scratch[slot::MISS] = 0.0;
        numbers(scratch, &cached.policy, now);
        Ok(raw::undefined(env))
    })
}

/// `decide(mode, method, url, headers, <REQUEST_FIELDS>…)`: scratch ID and NOW in.
/// Out: MISS; DECISION, REASON and the numbers (DECISION, EVALUATE modes); the revalidation
/// instructions at REVALIDATION.. (EVALUATE when the decision contacts the origin, and
/// REVALIDATION mode); STALE_IF_ERROR (that mode). Returns the value of a SET_RETURNED
/// instruction, or `[name, value|null, …]` for SET_LISTED and for fields named by others.
unsafe extern "C" fn decide(env: napi_env, info: sys::napi_callback_info) -> napi_value {
    let args = Args::of(env, info);
    let st = state(&args);
    guard(env, || decide_inner(env, &args, st))
}

unsafe fn decide_inner(env: napi_env, args: &Args, st: &mut State) -> Result<napi_value, (String, String)> {
    let s = std::slice::from_raw_parts_mut(st.scratch, slot::LEN);
    let mut mode_value = 0u32;
    sys::napi_get_value_uint32(env, args.get(0), &mut mode_value);
    let (id, now) = (s[slot::ID] as u64, time(s[slot::NOW]));
    let index = (id % CACHE_SLOTS as u64) as usize;
    let Some(cached) = st.cache[index].as_ref().filter(|c| c.id == id) else {
        s[slot::MISS] = 1.0;
        return Ok(raw::undefined(env));
    };
    s[slot::MISS] = 0.0;
    let bytes = &mut st.bytes;
    bytes.clear();
    // A method is a token (ASCII): read as Latin-1, cheaper than UTF-8.
    let method = bytes.latin1(env, args.get(1));
    let present = s[slot::PRESENT] as u32;
    // The stored URL is not sent again (index.js `SAME_URL`).
    let same_url = present & SAME_URL != 0;
    let url = if same_url { None } else { bytes.utf8(env, args.get(2)) };
    let mut req = Lines::new();
    // Where each fixed field's lines are in `req.lines`.
    let mut given_at = [(0, 0); REQUEST_FIELDS.len()];
    for (i, name) in REQUEST_FIELDS.iter().enumerate() {
        if present & (1 << i) != 0 {
            let start = req.lines.len();
            req.add(env, bytes, Name::Static(name), args.get(4 + i));
            given_at[i] = (start, req.lines.len());
        }
    }
    let fixed_count = req.lines.len();
    // The selecting fields' values follow, in the order `load` listed their names.
    let policy = &cached.policy;
    let selecting = policy.selecting_field_names().filter(|n| !LOAD_REQUEST_FIELDS.contains(n));
    for (i, name) in (4 + REQUEST_FIELDS.len()..).zip(selecting) {
        if !REQUEST_FIELDS.contains(&name) {
            let n = Name::Read(bytes.push(name.as_bytes()));
            req.add(env, bytes, n, args.get(i));
        }
    }
    let connection_listed = req.lines.iter().any(|&(n, _)| name_of(bytes, n) == b"connection");
    // A line named by Connection with the name of a fixed field (the selecting ones have none).
    let mut named_fixed = false;
    if connection_listed {
        let names = field_names(req.view(bytes).values(b"connection"));
        add_named_iter(env, bytes, &mut req, args.get(3), names.iter().map(String::as_str));
        named_fixed = req.lines[fixed_count..].iter().any(|&(n, _)| fixed_field(name_of(bytes, n)).is_some());
    }
    let text = |r: Option<Range>, default: &'static str| r.map_or(default, |r| std::str::from_utf8(bytes.get(r)).unwrap_or(""));
    let (method, url) = (text(method, "GET"), if same_url { cached.policy.url() } else { text(url, "/") });
    let view = req.view(bytes);
    let request = Request { method, url, headers: &view };
    let mut revalidate = mode_value == mode::REVALIDATION;
    match mode_value {
        mode::DECISION | mode::EVALUATE => {
            let e = policy.evaluate(&request, now);
            s[slot::DECISION] = decision_index(e.decision());
            s[slot::REASON] = reason_slot(e.reason());
            age_numbers(s, policy, now);
            // `evaluateRequest` returns revalidation headers with every decision but a plain hit.
            revalidate = mode_value == mode::EVALUATE && !matches!(e.decision(), Decision::Fresh | Decision::Stale);
        }
        mode::STALE_IF_ERROR => {
            s[slot::STALE_IF_ERROR] = f64::from(u8::from(policy.within_stale_if_error(&request, now)));
        }
        _ => {}
    }
    if !revalidate {
        return Ok(raw::undefined(env));
    }
    // The engine's conditional request for these fields, as instructions on the object copy.
    let out = policy.revalidation_headers(&request, now);
    let stored = |name: &[u8]| policy.stored_headers().find(|(n, _)| n.as_bytes() == name).map(|(_, v)| v);
    let mut returned: Option<napi_value> = None;
    let mut listed_out: Vec<napi_value> = Vec::new();
    // The lines sent, by field: one pass. A fixed field's lines are compared with those given
    // below; the others (named by Vary or Connection) here, in order, with those given after
    // the fixed ones: when all are the same, none needs an instruction.
    let named_given = &req.lines[fixed_count..];
    let (mut sent_first, mut sent_count) = ([0; REQUEST_FIELDS.len()], [0; REQUEST_FIELDS.len()]);
    let (mut named_next, mut named_changed) = (0, false);
    for (k, (n, v)) in out.iter().enumerate() {
        match fixed_field(n.as_bytes()) {
            Some(i) => {
                if sent_count[i] == 0 {
                    sent_first[i] = k;
                }
                sent_count[i] += 1;
            }
            None => {
                named_changed |= named_given.get(named_next).is_none_or(|&(gn, gv)| n.as_bytes() != name_of(bytes, gn) || v.as_ref() != bytes.get(gv));
                named_next += 1;
            }
        }
    }
    named_changed |= named_next != named_given.len();
    for (i, name) in REQUEST_FIELDS.iter().enumerate() {
        let given = &req.lines[given_at[i].0..given_at[i].1];
        let same = match (given.len(), sent_count[i]) {
            // Several lines, or a field Connection names under a fixed name (only a value read
            // differently the second time gives one): every line of that name, in order.
            _ if named_fixed => listed(&out, name.as_bytes()).eq(view.values(name.as_bytes())),
            (0, 0) => true,
            (1, 1) => bytes.get(given[0].1) == out[sent_first[i]].1.as_ref(),
            (g, c) if g != c => false,
            _ => listed(&out, name.as_bytes()).eq(view.values(name.as_bytes())),
        };
        if same {
            s[slot::REVALIDATION + i] = instruction::KEEP;
            continue;
        }
        let name = name.as_bytes();
        let one = (sent_count[i] == 1).then(|| out[sent_first[i]].1.as_ref());
        let code = match (sent_count[i], one) {
            (0, _) => instruction::DELETE,
            (_, Some(v)) if i == IF_NONE_MATCH && cached.etag_as_given && stored(b"etag") == Some(v) => instruction::SET_ETAG,
            (_, Some(v)) if i == IF_MODIFIED_SINCE && cached.last_modified_as_given && stored(b"last-modified") == Some(v) => {
                instruction::SET_LAST_MODIFIED
            }
            (_, Some(v)) if returned.is_none() => {
                returned = Some(raw::latin1_string(env, v));
                instruction::SET_RETURNED
            }
            _ => {
                listed_out.push(raw::latin1_string(env, name));
                listed_out.push(values_value(env, listed(&out, name)));
                instruction::SET_LISTED
            }
        };
        s[slot::REVALIDATION + i] = code;
    }
    // Fields named by others (Vary, Connection): the lines after the fixed ones. (The engine adds
    // no field of another name.)
    if named_changed {
        named_instructions(env, &req.lines[fixed_count..], &view, &out, &mut listed_out);
    }
    Ok(if listed_out.is_empty() {
        returned.unwrap_or_else(|| raw::undefined(env))
    } else {
        if let Some(r) = returned {
            // One channel only: list the returned value too.
            for (i, name) in REQUEST_FIELDS.iter().enumerate() {
                if s[slot::REVALIDATION + i] == instruction::SET_RETURNED {
                    s[slot::REVALIDATION + i] = instruction::SET_LISTED;
                    listed_out.push(raw::latin1_string(env, name.as_bytes()));
                    listed_out.push(r);
                }
            }
        }
        raw::array(env, listed_out)
    })
}

/// For `decide`: `[name, value|null]` pairs into `listed_out` for the fields named by others
/// (`named`, lines of `view`) that the engine did not send as given.
unsafe fn named_instructions(
    env: napi_env,
    named: &[(Name, Range)],
    view: &View<'_>,
    out: &[(&str, std::borrow::Cow<'_, [u8]>)],
    listed_out: &mut Vec<napi_value>,
) {
    let bytes = view.bytes;
    // Many of them (a Vary or Connection listing thousands of fields): the lines by name, so
    // that this stays linear.
    let long = named.len() > LONG_LIST;
    let (sent, given) = if long {
        (
            values_by_name(out.iter().map(|(n, v)| (n.as_bytes(), v.as_ref()))),
            values_by_name(view.lines.iter().map(|&(n, v)| (name_of(bytes, n), bytes.get(v)))),
        )
    } else {
        (HashMap::new(), HashMap::new())
    };
    let mut seen: Vec<&[u8]> = Vec::new();
    let mut seen_set: HashSet<Vec<u8>> = HashSet::new();
    for &(n, _) in named {
        let name = name_of(bytes, n);
        if REQUEST_FIELDS.iter().any(|f| f.as_bytes().eq_ignore_ascii_case(name)) {
            continue;
        }
        if long {
            if !seen_set.insert(name.to_ascii_lowercase()) {
                continue;
            }
            let key = name.to_ascii_lowercase();
            let (sent, given) = (sent.get(&key).map_or(&[][..], Vec::as_slice), given.get(&key).map_or(&[][..], Vec::as_slice));
            if sent != given {
                listed_out.push(raw::latin1_string(env, name));
                listed_out.push(values_value(env, sent.iter().copied()));
            }
            continue;
        }
        if seen.iter().any(|s| s.eq_ignore_ascii_case(name)) {
            continue;
        }
        seen.push(name);
        if !listed(out, name).eq(view.values(name)) {
            listed_out.push(raw::latin1_string(env, name));
            listed_out.push(values_value(env, listed(out, name)));
        }
    }
}

/// The index in REQUEST_FIELDS of a field name (any case).
fn fixed_field(name: &[u8]) -> Option<usize> {
    REQUEST_FIELDS.iter().position(|f| f.len() == name.len() && f.as_bytes().eq_ignore_ascii_case(name))
}

/// The values of `lines` by lower-case name, in order.
fn values_by_name<'a>(lines: impl Iterator<Item = (&'a [u8], &'a [u8])>) -> HashMap<Vec<u8>, Vec<&'a [u8]>> {
    let mut map: HashMap<Vec<u8>, Vec<&'a [u8]>> = HashMap::new();
    for (n, v) in lines {
        map.entry(n.to_ascii_lowercase()).or_default().push(v);
    }
    map
}

/// Reads a flat `[name, value, …]` array (values: strings or arrays of strings) as lines.
unsafe fn flat_lines(env: napi_env, bytes: &mut Bytes, v: napi_value) -> Lines {
    let mut out = Lines::new();
    let mut n = 0u32;
    if sys::napi_get_array_length(env, v, &mut n) != sys::Status::napi_ok {
        return out;
    }
    let mut i = 0;
    while i + 1 < n {
        let (mut name, mut value) = (null_mut(), null_mut());
        sys::napi_get_element(env, v, i, &mut name);
        sys::napi_get_element(env, v, i + 1, &mut value);
        if let Some(r) = bytes.latin1(env, name) {
            out.add(env, bytes, Name::Read(r), value);
        }
        i += 2;
    }
    out
}

unsafe fn flat_array(env: napi_env, lines: &[(&str, std::borrow::Cow<'_, [u8]>)]) -> napi_value {
    raw::array(env, lines.iter().flat_map(|(n, v)| [raw::latin1_string(env, n.as_bytes()), raw::latin1_string(env, v)]))
}

/// `full` operations.
mod op {
    pub const RESPONSE_LINES: u32 = 1;
    pub const REVALIDATION_LINES: u32 = 2;
    pub const REVALIDATE: u32 = 3;
    pub const INVALIDATION_TARGETS: u32 = 4;
    pub const EXPIRY_STAGE: u32 = 5;
    pub const LOST_UPDATE_LINES: u32 = 6;
    pub const PRIMARY_KEY: u32 = 7;
    pub const REQUEST_PRIMARY_KEY: u32 = 8;
    pub const SECONDARY_KEY: u32 = 9;
    pub const REQUEST_SECONDARY_KEY: u32 = 10;
    pub const CACHE_STATUS: u32 = 11;
    pub const SELECT_VARIANT: u32 = 12;
    pub const CHECK: u32 = 13;
}

/// A policy's stored state as JS passes it to `full`: `[method, url, requestLines,
/// responseLines, options, status, cacheHeuristic, immutableMinTtl, responseTime, requestTime,
/// flags]`, the line lists flat `[name, value, …]`.
unsafe fn policy_of_state(env: napi_env, bytes: &mut Bytes, state: napi_value) -> Result<CachePolicy, (String, String)> {
    let item = |i: u32| {
        let mut v = null_mut();
        sys::napi_get_element(env, state, i, &mut v);
        v
    };
    let number = |i: u32| raw::number(env, item(i)).unwrap_or(f64::NAN);
    let mut s = [0.0; slot::LEN];
    s[slot::STATUS] = number(5);
    s[slot::CACHE_HEURISTIC] = number(6);
    s[slot::IMMUTABLE_MIN_TTL] = number(7);
    s[slot::RESPONSE_TIME] = number(8);
    s[slot::REQUEST_TIME] = number(9);
    s[slot::FLAGS] = number(10);
    let options_value = item(4);
    let options = options(env, &s, if raw::is_nullish(env, options_value) { null_mut() } else { options_value })
        .map_err(|m| ("ERR_CACHEPOLICY_INVALID_OPTION".to_string(), m))?;
    bytes.clear();
    let method = bytes.utf8(env, item(0));
    let url = bytes.utf8(env, item(1));
    let req = flat_lines(env, bytes, item(2));
    let res = flat_lines(env, bytes, item(3));
    let text = |r: Option<Range>, default: &'static str| r.map_or(default, |r| std::str::from_utf8(bytes.get(r)).unwrap_or(""));
    let (method, url) = (text(method, "GET"), text(url, "/"));
    let (req_view, res_view) = (req.view(bytes), res.view(bytes));
    let status = s[slot::STATUS];
    let status = if (0.0..=65535.0).contains(&status) { status as u16 } else { 0 };
    let request = Request { method, url, headers: &req_view };
    let response = Response { status, headers: &res_view };
    let mut policy = CachePolicy::with_request_time(&request, &response, &options, time(s[slot::REQUEST_TIME]), time(s[slot::RESPONSE_TIME]))
        .map_err(|e| core_error(&e))?;
    if s[slot::FLAGS] as u32 & flag::INVALIDATED != 0 {
        policy = policy.into_invalidated();
    }
    Ok(policy)
}

/// `full(op, state, method, url, requestLines, responseLines|null, extra)`: builds the policy
/// from every stored field (see [`policy_of_state`]) and answers with exact header lists and the
/// other answers that need every field. Scratch: NOW; for REVALIDATE the new response's status
/// in OUTCOME, and OUTCOME, MODIFIED, MATCHES out (returns the merged lines when not modified).
/// `extra`: the Cache-Status parameters, or the other variants' states.
unsafe extern "C" fn full(env: napi_env, info: sys::napi_callback_info) -> napi_value {
    let args = Args::of(env, info);
    let st = state(&args);
    guard(env, || full_inner(env, &args, st))
}

unsafe fn full_inner(env: napi_env, args: &Args, st: &mut State) -> Result<napi_value, (String, String)> {
    let s = std::slice::from_raw_parts_mut(st.scratch, slot::LEN);
    let mut op_value = 0u32;
    sys::napi_get_value_uint32(env, args.get(0), &mut op_value);
    let now = time(s[slot::NOW]);
    let bytes = &mut st.bytes;
    bytes.clear();
    let new_method = bytes.utf8(env, args.get(2));
    let new_url = bytes.utf8(env, args.get(3));
    let new_req = flat_lines(env, bytes, args.get(4));
    let has_new_res = !raw::is_nullish(env, args.get(5));
    let new_res = if has_new_res { flat_lines(env, bytes, args.get(5)) } else { Lines::new() };
    let text = |r: Option<Range>, default: &'static str| r.map_or(default, |r| std::str::from_utf8(bytes.get(r)).unwrap_or(""));
    let (new_method, new_url) = (text(new_method, "GET"), text(new_url, "/"));
    let (new_req_lines, new_res_lines) = (new_req.view(bytes), new_res.view(bytes));
    let new_request = Request { method: new_method, url: new_url, headers: &new_req_lines };
    if op_value == op::REQUEST_PRIMARY_KEY {
        let key = cachepolicy::primary_key(&new_request).map_err(|e| core_error(&e))?;
        return Ok(raw::utf8_string(env, &key));
    }
    let mut state_bytes = Bytes::default();
    let policy = policy_of_state(env, &mut state_bytes, args.get(1))?;
    let lines = |list: &[(&str, std::borrow::Cow<'_, [u8]>)]| flat_array(env, list);
    match op_value {
        op::RESPONSE_LINES => Ok(lines(&policy.response_headers(now))),
        op::REVALIDATION_LINES => Ok(lines(&policy.revalidation_headers(&new_request, now))),
        op::REVALIDATE => {
            let new_status = s[slot::OUTCOME];
            let new_status = if (0.0..=65535.0).contains(&new_status) { new_status as u16 } else { 0 };
            let new_response = Response { status: new_status, headers: &new_res_lines };
            let r = policy.revalidated_policy(&new_request, has_new_res.then_some(&new_response), now).map_err(|e| core_error(&e))?;
            s[slot::OUTCOME] = tables::OUTCOMES.iter().position(|x| *x == r.outcome).unwrap_or(0) as f64;
            s[slot::MODIFIED] = f64::from(u8::from(r.modified));
            s[slot::MATCHES] = f64::from(u8::from(r.matches));
            Ok(if r.outcome == RevalidationOutcome::NotModified {
                raw::array(env, r.policy.stored_headers().flat_map(|(n, v)| [raw::latin1_string(env, n.as_bytes()), raw::latin1_string(env, v)]))
            } else {
                raw::undefined(env)
            })
        }
        op::INVALIDATION_TARGETS => Ok(raw::array(env, policy.invalidation_targets().iter().map(|u| raw::utf8_string(env, u)))),
        op::EXPIRY_STAGE => Ok(raw::utf8_string(env, policy.expiry_stage(now).code())),
        op::LOST_UPDATE_LINES => Ok(lines(&policy.lost_update_headers(&new_request))),
        op::PRIMARY_KEY => Ok(raw::utf8_string(env, &policy.primary_key())),
        op::SECONDARY_KEY => Ok(raw::latin1_string(env, policy.secondary_key().as_bytes())),
        op::REQUEST_SECONDARY_KEY => Ok(raw::latin1_string(env, policy.secondary_key_for(&new_request).as_bytes())),
        op::CACHE_STATUS => {
            let params = args.get(6);
            let mut b = Bytes::default();
            let mut text_param = |name: &str| b.utf8(env, raw::property(env, params, name)).map(|r| String::from_utf8_lossy(b.get(r)).into_owned());
            let cache = text_param("cache").unwrap_or_else(|| "cache".to_string());
            let key = text_param("key");
            let e = policy.evaluate(&new_request, now);
            let mut status = CacheStatus::from_evaluation(cache, &e);
            if let Some(f) = raw::number(env, raw::property(env, params, "fwdStatus")) {
                status = status.with_fwd_status(f as u16);
            }
            status = status.with_stored(raw::boolean(env, raw::property(env, params, "stored")).unwrap_or(false));
            status = status.with_collapsed(raw::boolean(env, raw::property(env, params, "collapsed")).unwrap_or(false));
            if let Some(k) = key {
                status = status.with_key(k);
            }
            Ok(raw::utf8_string(env, &status.to_header_value()))
        }
        op::SELECT_VARIANT => {
            let others = args.get(6);
            let mut n = 0u32;
            sys::napi_get_array_length(env, others, &mut n);
            let mut all = vec![policy];
            for i in 0..n {
                let mut state = null_mut();
                sys::napi_get_element(env, others, i, &mut state);
                all.push(policy_of_state(env, &mut state_bytes, state)?);
            }
            let chosen = cachepolicy::select_variant(all.iter(), &new_request).and_then(|c| all.iter().position(|p| std::ptr::eq(p, c)));
            let mut out = null_mut();
            sys::napi_create_double(env, chosen.map_or(-1.0, |i| i as f64), &mut out);
            Ok(out)
        }
        // Building the policy from every field was the check.
        op::CHECK => Ok(raw::undefined(env)),
        _ => Ok(raw::undefined(env)),
    }
}

/// Compact transfer of header lines (index.js `pack`): every name and value back to back in one
/// string, their lengths in the per-thread `Int32Array`, so that a list of lines costs one
/// string read instead of several Node-API calls per line. Reads `text` into `bytes` and returns
/// the byte range of each of the `lengths.len()` pieces; `None` when they do not add up, which
/// is also the case when a character is above U+00FF (the text is then not read one byte per
/// character, see [`Bytes::latin1`]).
unsafe fn unpack(env: napi_env, bytes: &mut Bytes, text: napi_value, lengths: &[i32]) -> Option<Vec<Range>> {
    let (start, end) = bytes.latin1(env, text)?;
    let mut pieces = Vec::with_capacity(lengths.len());
    let mut at = start;
    for &len in lengths {
        let len = u32::try_from(len).ok()?;
        let next = at.checked_add(len).filter(|n| *n <= end)?;
        pieces.push((at, next));
        at = next;
    }
    (at == end).then_some(pieces)
}

/// Lines from consecutive (name, value) pieces.
fn lines_of(pieces: &[Range]) -> Lines {
    Lines { lines: pieces.chunks_exact(2).map(|p| (Name::Read(p[0]), p[1])).collect() }
}

/// `revalidate(method, url, newMethod, newUrl, options, text)`: merges the answer to a
/// revalidation request (RFC 9111 §4.3.3–§4.3.5) in one crossing. In: the stored state in the
/// scratch as for `load` (STATUS, CACHE_HEURISTIC, IMMUTABLE_MIN_TTL, RESPONSE_TIME,
/// REQUEST_TIME, FLAGS), NOW, the new status in OUTCOME; in the lengths array the line counts of
/// the four packed lists (stored request, stored response, new request, new response), then the
/// piece lengths of `text` (see [`unpack`]). Out: OUTCOME, MODIFIED, MATCHES (OUTCOME −1: the
/// text could not be read one byte per character; use `full`). When not modified,
/// the merged policy is cached under a new ID with the facts `load` writes, and the lengths
/// array holds the merged lines as JS is to hold them: their count, then for each a name and a
/// value reference (a piece index ≥ 0, plus [`NOT_LOWER_CASE`] for a name JS must lower-case;
/// or −1 − n: the next n characters of the returned text),
/// then the count and lengths of the selecting field names (their text follows). Returns
/// `undefined` unless not modified, else the text, or `[plan, text]` when JS is to serve some
/// field differently from its object (`plan` as `load` returns it).
unsafe extern "C" fn revalidate(env: napi_env, info: sys::napi_callback_info) -> napi_value {
    let args = Args::of(env, info);
    let st = state(&args);
    guard(env, || revalidate_inner(env, &args, st))
}

unsafe fn revalidate_inner(env: napi_env, args: &Args, st: &mut State) -> Result<napi_value, (String, String)> {
    let s = std::slice::from_raw_parts_mut(st.scratch, slot::LEN);
    let lens = std::slice::from_raw_parts_mut(st.lengths, PACKED);
    let invalid = || ("ERR_CACHEPOLICY_INTERNAL".to_string(), "revalidate: inconsistent packed lines".to_string());
    let flags = s[slot::FLAGS] as u32;
    let options_obj = if flags & flag::HAS_OPTIONS != 0 { args.get(4) } else { null_mut() };
    let options = options(env, s, options_obj).map_err(|m| ("ERR_CACHEPOLICY_INVALID_OPTION".to_string(), m))?;
    let bytes = &mut st.bytes;
    bytes.clear();
    let method = bytes.utf8(env, args.get(0));
    let url = bytes.utf8(env, args.get(1));
    let new_method = bytes.utf8(env, args.get(2));
    let new_url = bytes.utf8(env, args.get(3));
    let mut counts = [0usize; 4];
    for (i, c) in counts.iter_mut().enumerate() {
        *c = usize::try_from(lens[i]).map_err(|_| invalid())?;
    }
    let total: usize = counts.iter().sum();
    if 4 + 2 * total > PACKED {
        return Err(invalid());
    }
    let Some(pieces) = unpack(env, bytes, args.get(5), &lens[4..4 + 2 * total]) else {
        // A character above U+00FF: the strings are read one by one (`full`) instead.
        s[slot::OUTCOME] = -1.0;
        return Ok(raw::undefined(env));
    };
    // Piece index of each list's first line.
    let first = [0, 2 * counts[0], 2 * (counts[0] + counts[1]), 2 * (counts[0] + counts[1] + counts[2])];
    let list = |i: usize| lines_of(&pieces[first[i]..first[i] + 2 * counts[i]]);
    let (stored_req, stored_res, new_req, new_res) = (list(0), list(1), list(2), list(3));
    let text = |r: Option<Range>, default: &'static str| r.map_or(default, |r| std::str::from_utf8(bytes.get(r)).unwrap_or(""));
    let (method, url, new_method, new_url) = (text(method, "GET"), text(url, "/"), text(new_method, "GET"), text(new_url, "/"));
    let status = |v: f64| if (0.0..=65535.0).contains(&v) { v as u16 } else { 0 };
    let (stored_req_view, stored_res_view) = (stored_req.view(bytes), stored_res.view(bytes));
    let request = Request { method, url, headers: &stored_req_view };
    let response = Response { status: status(s[slot::STATUS]), headers: &stored_res_view };
    let mut stored = CachePolicy::with_request_time(&request, &response, &options, time(s[slot::REQUEST_TIME]), time(s[slot::RESPONSE_TIME]))
        .map_err(|e| core_error(&e))?;
    if flags & flag::INVALIDATED != 0 {
        stored = stored.into_invalidated();
    }
    let (new_req_view, new_res_view) = (new_req.view(bytes), new_res.view(bytes));
    let new_request = Request { method: new_method, url: new_url, headers: &new_req_view };
    let new_response = Response { status: status(s[slot::OUTCOME]), headers: &new_res_view };
    let now = time(s[slot::NOW]);
    let r = stored.revalidated_policy(&new_request, Some(&new_response), now).map_err(|e| core_error(&e))?;
    s[slot::OUTCOME] = tables::OUTCOMES.iter().position(|x| *x == r.outcome).unwrap_or(0) as f64;
    s[slot::MODIFIED] = f64::from(u8::from(r.modified));
    s[slot::MATCHES] = f64::from(u8::from(r.matches));
    if r.outcome != RevalidationOutcome::NotModified {
        return Ok(raw::undefined(env));
    }
    let policy = r.policy;
    let mut out_text: Vec<u8> = Vec::new();
    let sources = [(first[1], &stored_res), (first[3], &new_res)];
    // The merged policy was received now (RFC 9111 §4.3.4): serve it as at that time.
    s[slot::ID] = 0.0;
    let plan = merged_lines(env, s, lens, bytes, sources, &policy, &st.response_drop, options.replace_date, now, &mut out_text)
        .ok_or_else(invalid)?;
    keep(&mut st.cache, &mut st.next_id, s, policy, plan.etag_as_given, plan.last_modified_as_given);
    let has_plan = raw::type_of(env, plan.result) != sys::ValueType::napi_undefined;
    Ok(if has_plan {
        raw::array(env, [plan.result, raw::latin1_string(env, &out_text)])
    } else {
        raw::latin1_string(env, &out_text)
    })
}

/// The merged policy's stored lines for JS (see [`revalidate`]): written into `lens` as references
/// to the pieces of `sources` (each a list's first piece index and its lines) when the same text,
/// else as text appended to `out_text`; then the selecting field names. Returns the serving plan
/// against those lines as the JS object holds them (names lower-cased); `None` when they do not fit.
#[allow(clippy::too_many_arguments)]
unsafe fn merged_lines(
    env: napi_env,
    s: &mut [f64],
    lens: &mut [i32],
    bytes: &Bytes,
    sources: [(usize, &Lines); 2],
    policy: &CachePolicy,
    response_drop: &[String],
    replace_date: bool,
    now: SystemTime,
    out_text: &mut Vec<u8>,
) -> Option<Plan> {
    let merged: Vec<(&[u8], &[u8])> = policy.stored_headers().map(|(n, v)| (n.as_bytes(), v)).collect();
    let names: Vec<&str> = policy.selecting_field_names().filter(|n| !LOAD_REQUEST_FIELDS.contains(n)).collect();
    if 2 + 2 * merged.len() + names.len() > lens.len() {
        return None;
    }
    let mut reference = |found: Option<usize>, b: &[u8]| match found {
        Some(i) => i as i32,
        None => {
            out_text.extend_from_slice(b);
            -1 - b.len() as i32
        }
    };
    // Each line passed, with the index of its name piece (its value's is the next).
    let passed: Vec<(usize, &[u8], &[u8])> = sources
        .into_iter()
        .flat_map(|(base, lines)| lines.lines.iter().enumerate().map(move |(j, &(n, v))| (base + 2 * j, name_of(bytes, n), bytes.get(v))))
        .collect();
    // Many lines: the first piece of each name and of each line, indexed, so that this stays
    // linear. Few: a scan from after the last line found (the merged lines mostly keep the
    // stored order).
    let long = passed.len() > LONG_LIST;
    let mut name_index: HashMap<&[u8], usize> = HashMap::new();
    let mut line_index: HashMap<(&[u8], &[u8]), usize> = HashMap::new();
    if long {
        for &(i, n, v) in &passed {
            name_index.entry(n).or_insert(i);
            line_index.entry((n, v)).or_insert(i + 1);
        }
    }
    let mut cursor = 0;
    lens[0] = merged.len() as i32;
    for (k, &(name, value)) in merged.iter().enumerate() {
        let (name_ref, value_ref) = if long {
            (name_index.get(name).copied(), line_index.get(&(name, value)).copied())
        } else {
            let n = passed.len();
            let at = |step: usize| if cursor + step < n { cursor + step } else { cursor + step - n };
            match (0..n).map(at).find(|&p| passed[p].1 == name && passed[p].2 == value) {
                Some(p) => {
                    cursor = p + 1;
                    (Some(passed[p].0), Some(passed[p].0 + 1))
                }
                None => ((0..n).map(at).find(|&p| passed[p].1 == name).map(|p| passed[p].0), None),
            }
        };
        let lower_case = !name.iter().any(u8::is_ascii_uppercase);
        lens[1 + 2 * k] = reference(name_ref, name) + if lower_case || name_ref.is_none() { 0 } else { NOT_LOWER_CASE };
        lens[2 + 2 * k] = reference(value_ref, value);
    }
    let at = 1 + 2 * merged.len();
    lens[at] = names.len() as i32;
    for (i, n) in names.iter().enumerate() {
        lens[at + 1 + i] = n.len() as i32;
        out_text.extend_from_slice(n.as_bytes());
    }
    let lower: Vec<std::borrow::Cow<'_, [u8]>> = merged
        .iter()
        .map(|&(n, _)| if n.iter().any(u8::is_ascii_uppercase) { n.to_ascii_lowercase().into() } else { n.into() })
        .collect();
    let given: Vec<(&[u8], &[u8])> = lower.iter().zip(&merged).map(|(n, &(_, v))| (n.as_ref(), v)).collect();
    Some(serving_plan(env, s, policy, &given, response_drop, replace_date, now, None))
}

/// `tables()`: the fixed facts JS needs once per thread: field names dropped from every copy, reason,
/// decision, source and outcome codes, and the scratch array.
unsafe extern "C" fn tables_fn(env: napi_env, info: sys::napi_callback_info) -> napi_value {
    let args = Args::of(env, info);
    let st = state(&args);
    guard(env, || {
        let mut obj = null_mut();
        sys::napi_create_object(env, &mut obj);
        let set = |key: &str, v: napi_value| {
            let k = std::ffi::CString::new(key).unwrap_or_default();
            sys::napi_set_named_property(env, obj, k.as_ptr(), v);
        };
        let strings = |items: &[String]| raw::array(env, items.iter().map(|s| raw::utf8_string(env, s)));
        set("responseDrop", strings(&tables::response_drop()));
        set("revalidationDrop", strings(&tables::revalidation_drop()));
        set("reasons", strings(&Reason::ALL.iter().map(|r| r.code().to_string()).collect::<Vec<_>>()));
        set("reasonTexts", strings(&Reason::ALL.iter().map(|r| r.description().to_string()).collect::<Vec<_>>()));
        set("decisions", strings(&tables::DECISIONS.iter().map(|d| d.code().to_string()).collect::<Vec<_>>()));
        set("sources", strings(&tables::SOURCES.iter().map(|d| d.code().to_string()).collect::<Vec<_>>()));
        set("outcomes", strings(&tables::OUTCOMES.iter().map(|o| tables::outcome_code(*o).to_string()).collect::<Vec<_>>()));
        let mut scratch = null_mut();
        sys::napi_get_reference_value(env, st.scratch_ref, &mut scratch);
        set("scratch", scratch);
        let mut lengths = null_mut();
        sys::napi_get_reference_value(env, st.lengths_ref, &mut lengths);
        set("lengths", lengths);
        let mut lower_case_ref = null_mut();
        sys::napi_create_int32(env, NOT_LOWER_CASE, &mut lower_case_ref);
        set("lowerCaseRef", lower_case_ref);
        Ok(obj)
    })
}

unsafe extern "C" fn cleanup(data: *mut c_void) {
    drop(Box::from_raw(data as *mut State));
}

#[napi_derive::napi(module_exports)]
pub fn init(exports: napi::bindgen_prelude::Object, env: napi::Env) -> napi::Result<()> {
    unsafe {
        let env = env.raw();
        let exports = napi::bindgen_prelude::JsValue::raw(&exports);
        let mut data = null_mut();
        let mut buffer = null_mut();
        sys::napi_create_arraybuffer(env, slot::LEN * 8, &mut data, &mut buffer);
        let mut scratch = null_mut();
        sys::napi_create_typedarray(env, sys::TypedarrayType::float64_array, slot::LEN, buffer, 0, &mut scratch);
        let mut scratch_ref = null_mut();
        sys::napi_create_reference(env, scratch, 1, &mut scratch_ref);
        let mut lengths_data = null_mut();
        let mut lengths_buffer = null_mut();
        sys::napi_create_arraybuffer(env, PACKED * 4, &mut lengths_data, &mut lengths_buffer);
        let mut lengths = null_mut();
        sys::napi_create_typedarray(env, sys::TypedarrayType::int32_array, PACKED, lengths_buffer, 0, &mut lengths);
        let mut lengths_ref = null_mut();
        sys::napi_create_reference(env, lengths, 1, &mut lengths_ref);
        let state = Box::into_raw(Box::new(State {
            scratch: data as *mut f64,
            scratch_ref,
            lengths: lengths_data as *mut i32,
            lengths_ref,
            cache: (0..CACHE_SLOTS).map(|_| None).collect(),
            next_id: 0,
            bytes: Bytes::default(),
            response_drop: tables::response_drop(),
        }));
        sys::napi_add_env_cleanup_hook(env, Some(cleanup), state as *mut c_void);
        type Callback = unsafe extern "C" fn(napi_env, sys::napi_callback_info) -> napi_value;
        let functions: [(&str, Callback); 6] = [
            ("load", load),
            ("decide", decide),
            ("numbers", numbers_fn),
            ("full", full),
            ("revalidate", revalidate),
            ("tables", tables_fn),
        ];
        for (name, cb) in functions {
            let mut f = null_mut();
            sys::napi_create_function(env, name.as_ptr().cast(), name.len() as isize, Some(cb), state as *mut c_void, &mut f);
            let key = std::ffi::CString::new(name).unwrap_or_default();
            sys::napi_set_named_property(env, exports, key.as_ptr(), f);
        }
    }
    Ok(())
}
