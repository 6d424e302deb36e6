//! The C ABI (`cachepolicy_*` extern functions of the ffi crate) on arbitrary inputs: byte
//! strings that are not UTF-8, zero lengths, NULL pointers with and without lengths, NULL
//! handles and out parameters, integers naming no enum value, bogus serialized bytes.
//!
//! Every call must return a known status (never `CACHEPOLICY_STATUS_PANIC`), leave its out
//! parameters NULL/0 on failure, give an error object exactly on failure, hand out only
//! NUL-terminated text without CR/LF/NUL in header values, and agree with the Rust engine.
//! Every object handed out is freed, so AddressSanitizer's leak check covers the ABI too.
//! (Pointers that are neither NULL nor valid are outside the contract and are not fuzzed.)
#![no_main]

use std::ffi::{c_char, CStr};
use std::ptr::{null, null_mut};

use arbitrary::{Arbitrary, Result, Unstructured};
use cachepolicy_ffi::*;
use cachepolicy_fuzz::{At, Req, Res};
use libfuzzer_sys::fuzz_target;

type S = cachepolicy_status;

/// A `(pointer, length)` argument: normal, NULL with length 0, NULL with a length (refused),
/// or a valid pointer with length 0.
#[derive(Debug, Clone)]
struct Bytes {
    data: Vec<u8>,
    mode: u8,
}

impl Bytes {
    fn of(data: Vec<u8>, mode: u8) -> Self {
        Bytes { data, mode }
    }
    fn ptr(&self) -> *const c_char {
        match self.mode {
            1 | 2 => null(),
            _ => self.data.as_ptr().cast(),
        }
    }
    fn len(&self) -> usize {
        match self.mode {
            1 | 3 => 0,
            2 => self.data.len().max(1),
            _ => self.data.len(),
        }
    }
    /// NULL with a length: the call must fail.
    fn refused(&self) -> bool {
        self.mode == 2
    }
    /// What the library reads.
    fn seen(&self) -> &[u8] {
        if self.mode == 0 {
            &self.data
        } else {
            &[]
        }
    }
}

fn mode(u: &mut Unstructured<'_>) -> Result<u8> {
    Ok(if u.ratio(1u8, 12)? { u.int_in_range(1..=3)? } else { 0 })
}

/// A request or response as the C structs, with the storage they point into.
#[derive(Debug, Clone)]
struct CMessage {
    method: Bytes,
    url: Bytes,
    status: i32,
    lines: Vec<(Bytes, Bytes)>,
    /// 0: the array; 1: NULL with length 0; 2: NULL with the length (refused).
    array_mode: u8,
    /// The struct pointer itself is NULL.
    null: bool,
    raw: Vec<cachepolicy_header>,
}

impl CMessage {
    fn arbitrary_request(u: &mut Unstructured<'_>) -> Result<Self> {
        let r: Req = u.arbitrary()?;
        let (method, url) = if u.ratio(1u8, 10)? { (u.arbitrary()?, u.arbitrary()?) } else { (r.method.into_bytes(), r.url.into_bytes()) };
        let (method_mode, url_mode) = (mode(u)?, mode(u)?);
        Self::build(u, Bytes::of(method, method_mode), Bytes::of(url, url_mode), 0, r.headers)
    }
    fn arbitrary_response(u: &mut Unstructured<'_>) -> Result<Self> {
        let r: Res = u.arbitrary()?;
        let status = if u.ratio(1u8, 10)? { u.arbitrary()? } else { i32::from(r.status) };
        Self::build(u, Bytes::of(Vec::new(), 0), Bytes::of(Vec::new(), 0), status, r.headers)
    }
    fn build(u: &mut Unstructured<'_>, method: Bytes, url: Bytes, status: i32, headers: Vec<(Vec<u8>, Vec<u8>)>) -> Result<Self> {
        let mut lines = Vec::new();
        for (n, v) in headers {
            lines.push((Bytes::of(n, mode(u)?), Bytes::of(v, mode(u)?)));
        }
        let array_mode = if u.ratio(1u8, 20)? { u.int_in_range(1..=2)? } else { 0 };
        let null = u.ratio(1u8, 30)?;
        let raw = lines.iter().map(|(n, v)| cachepolicy_header { name: n.ptr(), name_len: n.len(), value: v.ptr(), value_len: v.len() }).collect();
        Ok(CMessage { method, url, status, lines, array_mode, null, raw })
    }
    fn headers(&self) -> (*const cachepolicy_header, usize) {
        match self.array_mode {
            1 => (null(), 0),
            2 => (null(), self.raw.len().max(1)),
            _ => (if self.raw.is_empty() { null() } else { self.raw.as_ptr() }, self.raw.len()),
        }
    }
    fn request(&self) -> cachepolicy_request {
        let (headers, headers_len) = self.headers();
        cachepolicy_request { method: self.method.ptr(), method_len: self.method.len(), url: self.url.ptr(), url_len: self.url.len(), headers, headers_len }
    }
    fn response(&self) -> cachepolicy_response {
        let (headers, headers_len) = self.headers();
        cachepolicy_response { status: self.status, headers, headers_len }
    }
    /// Some pointer is NULL with a length, or the struct is NULL: the call must fail.
    fn refused(&self) -> bool {
        self.null
            || self.array_mode == 2
            || self.method.refused()
            || self.url.refused()
            || (self.array_mode == 0 && self.lines.iter().any(|(n, v)| n.refused() || v.refused()))
    }
    /// The same message for the Rust engine, when the C one is valid UTF-8 where it must be.
    fn lines_seen(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        if self.array_mode != 0 {
            return Vec::new();
        }
        self.lines.iter().map(|(n, v)| (n.seen().to_vec(), v.seen().to_vec())).collect()
    }
}

#[derive(Debug)]
enum OptionOp {
    Bool(u8, bool),
    Heuristic(f64),
    Immutable(i64),
    Grace(i64),
    RequestNoCache(u32),
    SetCookie(u32),
    Targeted(Bytes),
    ClearTargeted,
}

#[derive(Debug)]
enum Op {
    Evaluate(usize, i64, bool, bool, bool),
    Questions(i64),
    Revalidate(usize, Option<usize>, i64),
    Serialize(Vec<u8>, u16, u8),
    Keys(usize),
    CacheStatus(Bytes, usize, i64, u32, u16, i64, Bytes, Bytes),
    Codes(u32),
    NullHandles(usize),
    Lookup(usize, usize),
}

#[derive(Debug)]
struct Input {
    profile: Option<Bytes>,
    option_ops: Vec<OptionOp>,
    options_null: bool,
    request: CMessage,
    response: CMessage,
    times: (i64, i64),
    others: Vec<CMessage>,
    replies: Vec<CMessage>,
    ops: Vec<Op>,
}

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let profile = if u.ratio(1u8, 3)? {
            let name = if u.ratio(1u8, 4)? { u.arbitrary()? } else { u.choose(&["shared", "private", "accelerator", "Shared", ""])?.as_bytes().to_vec() };
            Some(Bytes::of(name, mode(u)?))
        } else {
            None
        };
        let mut option_ops = Vec::new();
        for _ in 0..u.int_in_range(0u8..=6)? {
            option_ops.push(match u.int_in_range(0u8..=7)? {
                0 => OptionOp::Heuristic(if u.ratio(1u8, 2)? { u.arbitrary()? } else { *u.choose(&[0.0, 0.1, -1.0, f64::NAN, f64::INFINITY])? }),
                1 => OptionOp::Immutable(u.arbitrary()?),
                2 => OptionOp::Grace(if u.ratio(1u8, 2)? { u.arbitrary()? } else { u.int_in_range(-1000..=10_000_000)? }),
                3 => OptionOp::RequestNoCache(u.int_in_range(0..=3)?),
                4 => OptionOp::SetCookie(if u.ratio(1u8, 4)? { u.arbitrary()? } else { u.int_in_range(0..=4)? }),
                5 => OptionOp::Targeted(Bytes::of(if u.ratio(1u8, 2)? { b"cdn-cache-control".to_vec() } else { u.arbitrary()? }, mode(u)?)),
                6 => OptionOp::ClearTargeted,
                _ => OptionOp::Bool(u.int_in_range(0..=13)?, u.arbitrary()?),
            });
        }
        let request = CMessage::arbitrary_request(u)?;
        let response = CMessage::arbitrary_response(u)?;
        let times = (At::arbitrary(u)?.0, At::arbitrary(u)?.0);
        let mut others = vec![];
        for _ in 0..u.int_in_range(1u8..=3)? {
            others.push(CMessage::arbitrary_request(u)?);
        }
        let mut replies = vec![];
        for _ in 0..u.int_in_range(1u8..=2)? {
            replies.push(CMessage::arbitrary_response(u)?);
        }
        let mut ops = Vec::new();
        for _ in 0..u.int_in_range(1u8..=10)? {
            let other = u.int_in_range(0..=others.len() - 1)?;
            ops.push(match u.int_in_range(0u8..=8)? {
                0 => Op::Evaluate(other, At::arbitrary(u)?.0, u.arbitrary()?, u.arbitrary()?, u.arbitrary()?),
                1 => Op::Questions(At::arbitrary(u)?.0),
                2 => Op::Revalidate(other, if u.ratio(1u8, 4)? { None } else { Some(u.int_in_range(0..=replies.len() - 1)?) }, At::arbitrary(u)?.0),
                3 => Op::Serialize(u.arbitrary()?, u.arbitrary()?, u.arbitrary()?),
                4 => Op::Keys(other),
                5 => Op::CacheStatus(
                    Bytes::of(u.arbitrary()?, mode(u)?),
                    other,
                    At::arbitrary(u)?.0,
                    u.int_in_range(0..=10)?,
                    u.arbitrary()?,
                    u.arbitrary()?,
                    Bytes::of(u.arbitrary()?, mode(u)?),
                    Bytes::of(u.arbitrary()?, mode(u)?),
                ),
                6 => Op::Codes(u.arbitrary()?),
                7 => Op::NullHandles(other),
                _ => Op::Lookup(u.arbitrary()?, u.arbitrary()?),
            });
        }
        Ok(Input { profile, option_ops, options_null: u.ratio(1u8, 10)?, request, response, times, others, replies, ops })
    }
}

/// The status is one the header names, and never a caught panic.
fn known(status: S) -> S {
    assert!((status as u32) <= 10, "unknown status {}", status as u32);
    assert_ne!(status, S::Panic, "a panic reached the C boundary");
    status
}

/// Checks the error object against the status, then frees it.
unsafe fn settle(status: S, error: *mut cachepolicy_error) -> S {
    known(status);
    if status == S::Ok {
        assert!(error.is_null(), "error object on success");
    } else {
        assert!(!error.is_null(), "no error object on failure");
        assert_eq!(cachepolicy_error_status(error), status);
        let (mut message, mut length) = (null(), 0usize);
        assert_eq!(cachepolicy_error_message(error, &mut message, &mut length), S::Ok);
        let text = CStr::from_ptr(message);
        assert_eq!(text.to_bytes().len(), length);
        assert!(length > 0);
        cachepolicy_error_free(error);
    }
    status
}

/// A static code string: NULL, or NUL-terminated printable text.
unsafe fn code(p: *const c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    let s = CStr::from_ptr(p).to_str().expect("codes are UTF-8");
    assert!(!s.is_empty());
    Some(s.to_string())
}

/// Reads, checks and frees a header list handed out by the library.
unsafe fn take_headers(list: *mut cachepolicy_headers, index: usize) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    if list.is_null() {
        return out;
    }
    let mut count = usize::MAX;
    assert_eq!(cachepolicy_headers_count(list, &mut count), S::Ok);
    for i in 0..count {
        let mut line = cachepolicy_header { name: null(), name_len: 0, value: null(), value_len: 0 };
        assert_eq!(cachepolicy_headers_get(list, i, &mut line), S::Ok);
        let name = std::slice::from_raw_parts(line.name.cast::<u8>(), line.name_len + 1);
        let value = std::slice::from_raw_parts(line.value.cast::<u8>(), line.value_len + 1);
        assert_eq!(name[line.name_len], 0, "name not NUL-terminated");
        assert_eq!(value[line.value_len], 0, "value not NUL-terminated");
        let (name, value) = (&name[..line.name_len], &value[..line.value_len]);
        assert!(cachepolicy_fuzz::is_token(name), "name {name:?}");
        assert!(!value.iter().any(|&b| matches!(b, b'\r' | b'\n' | 0)), "CR/LF/NUL in a value handed out: {value:?}");
        out.push((name.to_vec(), value.to_vec()));
    }
    let mut line = cachepolicy_header { name: null(), name_len: 1, value: null(), value_len: 1 };
    let status = known(cachepolicy_headers_get(list, index, &mut line));
    assert_eq!(status == S::Ok, index < count);
    if status != S::Ok {
        assert!(line.name.is_null() && line.value.is_null() && line.name_len == 0 && line.value_len == 0);
    }
    cachepolicy_headers_free(list);
    out
}

unsafe fn take_bytes(bytes: *mut cachepolicy_bytes) -> Vec<u8> {
    if bytes.is_null() {
        return Vec::new();
    }
    let (mut data, mut length) = (null(), 0usize);
    assert_eq!(cachepolicy_bytes_get(bytes, &mut data, &mut length), S::Ok);
    let all = std::slice::from_raw_parts(data, length + 1);
    assert_eq!(all[length], 0, "bytes not NUL-terminated");
    let out = all[..length].to_vec();
    cachepolicy_bytes_free(bytes);
    out
}

unsafe fn take_strings(strings: *mut cachepolicy_strings) -> Vec<String> {
    let mut out = Vec::new();
    if strings.is_null() {
        return out;
    }
    let mut count = 0usize;
    assert_eq!(cachepolicy_strings_count(strings, &mut count), S::Ok);
    for i in 0..=count {
        let (mut s, mut length) = (null(), 0usize);
        let status = known(cachepolicy_strings_get(strings, i, &mut s, &mut length));
        if i < count {
            assert_eq!(status, S::Ok);
            let text = CStr::from_ptr(s).to_str().expect("UTF-8");
            assert_eq!(text.len(), length);
            out.push(text.to_string());
        } else {
            assert_eq!(status, S::InvalidArgument);
            assert!(s.is_null() && length == 0);
        }
    }
    cachepolicy_strings_free(strings);
    out
}

/// The Rust engine's view of a C request, when the library would accept it.
fn engine_request(m: &CMessage) -> Option<Req> {
    if m.refused() {
        return None;
    }
    Some(Req { method: String::from_utf8(m.method.seen().to_vec()).ok()?, url: String::from_utf8(m.url.seen().to_vec()).ok()?, headers: m.lines_seen() })
}

fn engine_response(m: &CMessage) -> Option<Res> {
    if m.refused() {
        return None;
    }
    Some(Res { status: u16::try_from(m.status).ok()?, headers: m.lines_seen() })
}

unsafe fn options_of(input: &Input) -> *mut cachepolicy_options {
    let mut options = cachepolicy_options_new();
    if let Some(profile) = &input.profile {
        let mut error = null_mut();
        let mut made = null_mut();
        let status = settle(cachepolicy_options_new_profile(profile.ptr(), profile.len(), &mut made, &mut error), error);
        let valid = matches!(profile.seen(), b"shared" | b"private" | b"accelerator");
        assert_eq!(status == S::Ok, valid && !profile.refused(), "profile {profile:?}: {status:?}");
        if status == S::Ok {
            cachepolicy_options_free(options);
            options = made;
        } else {
            assert!(made.is_null());
        }
    }
    for op in &input.option_ops {
        let status = known(match op {
            OptionOp::Bool(which, v) => {
                let set = [
                    cachepolicy_options_set_shared,
                    cachepolicy_options_set_ignore_cargo_cult,
                    cachepolicy_options_set_trust_server_date,
                    cachepolicy_options_set_cache_etags,
                    cachepolicy_options_set_ignore_request_cache_control,
                    cachepolicy_options_set_honor_request_no_cache,
                    cachepolicy_options_set_store_authenticated,
                    cachepolicy_options_set_ignore_s_maxage,
                    cachepolicy_options_set_ignore_no_store,
                    cachepolicy_options_set_store_https,
                    cachepolicy_options_set_bypass_range_and_conditional,
                    cachepolicy_options_set_store_only_2xx,
                    cachepolicy_options_set_suppress_age,
                    cachepolicy_options_set_replace_date,
                ][usize::from(*which) % 14];
                set(options, *v)
            }
            OptionOp::Heuristic(h) => {
                let s = cachepolicy_options_set_cache_heuristic(options, *h);
                assert_eq!(s == S::Ok, h.is_finite() && *h >= 0.0, "heuristic {h}");
                s
            }
            OptionOp::Immutable(ms) => {
                let s = cachepolicy_options_set_immutable_min_time_to_live(options, *ms);
                assert_eq!(s == S::Ok, *ms >= 0);
                s
            }
            OptionOp::Grace(ms) => {
                let s = cachepolicy_options_set_grace_period(options, *ms);
                assert_eq!(s == S::Ok, *ms >= 0);
                s
            }
            OptionOp::RequestNoCache(v) => {
                let s = cachepolicy_options_set_request_no_cache(options, *v);
                assert_eq!(s == S::Ok, *v <= 1);
                s
            }
            OptionOp::SetCookie(v) => {
                let s = cachepolicy_options_set_set_cookie(options, *v);
                assert_eq!(s == S::Ok, *v <= 3);
                s
            }
            OptionOp::Targeted(name) => {
                let s = cachepolicy_options_add_targeted_field(options, name.ptr(), name.len());
                assert_eq!(s == S::Ok, !name.refused() && cachepolicy_fuzz::is_token(name.seen()), "targeted field {name:?}: {s:?}");
                s
            }
            OptionOp::ClearTargeted => cachepolicy_options_clear_targeted_fields(options),
        });
        // A NULL options handle is refused by every setter.
        assert_eq!(cachepolicy_options_set_shared(null_mut(), true), S::NullPointer);
        let _ = status;
    }
    // Every getter answers; the targeted fields are tokens.
    let mut fields = null_mut();
    assert_eq!(cachepolicy_options_get_targeted_fields(options, &mut fields), S::Ok);
    for f in take_strings(fields) {
        assert!(cachepolicy_fuzz::is_token(f.as_bytes()));
    }
    let (mut h, mut ms, mut flag) = (0.0f64, 0i64, false);
    assert_eq!(cachepolicy_options_get_cache_heuristic(options, &mut h), S::Ok);
    assert!(h.is_finite() && h >= 0.0);
    assert_eq!(cachepolicy_options_get_grace_period(options, &mut ms), S::Ok);
    assert!(ms >= 0);
    assert_eq!(cachepolicy_options_get_immutable_min_time_to_live(options, &mut ms), S::Ok);
    assert!(ms >= 0);
    assert_eq!(cachepolicy_options_get_shared(options, &mut flag), S::Ok);
    assert_eq!(cachepolicy_options_get_shared(options, null_mut()), S::NullPointer);
    options
}

unsafe fn run(input: &Input) {
    let options = options_of(input);
    let request = input.request.request();
    let response = input.response.response();
    let mut policy = null_mut();
    let mut error = null_mut();
    let status = settle(
        cachepolicy_policy_new(
            if input.options_null { null() } else { options },
            if input.request.null { null() } else { &request },
            if input.response.null { null() } else { &response },
            input.times.0,
            input.times.1,
            &mut policy,
            &mut error,
        ),
        error,
    );
    assert_eq!(status == S::Ok, !policy.is_null());
    if input.request.refused() || input.response.refused() {
        assert_ne!(status, S::Ok, "NULL with a length accepted");
    }
    // The Rust engine agrees on whether the exchange is valid, and on storability.
    let engine_options = if input.options_null {
        cachepolicy::Options::default()
    } else {
        options_copy(options)
    };
    if let (Some(req), Some(res)) = (engine_request(&input.request), engine_response(&input.response)) {
        let rust = cachepolicy::CachePolicy::with_request_time(
            &req.view(),
            &res.view(),
            &engine_options,
            cachepolicy_fuzz::time(input.times.0),
            cachepolicy_fuzz::time(input.times.1),
        );
        assert_eq!(rust.is_ok(), status == S::Ok, "C and Rust disagree: {status:?} vs {:?}", rust.as_ref().err());
        if let Ok(rust) = rust {
            let mut storable = false;
            assert_eq!(cachepolicy_policy_storable(policy, &mut storable), S::Ok);
            assert_eq!(storable, rust.storable());
        }
    } else if !input.request.refused() && !input.response.refused() && status == S::Ok {
        panic!("accepted a request or response that is not UTF-8 where it must be, or a status beyond u16");
    }
    if policy.is_null() {
        cachepolicy_options_free(options);
        return;
    }

    let mut policies = vec![policy];
    for op in &input.ops {
        let current = *policies.last().expect("one policy");
        match op {
            Op::Evaluate(i, now, want_serve, want_send, want_error) => {
                let m = &input.others[*i];
                let r = m.request();
                let mut e = cachepolicy_evaluation { decision: cachepolicy_decision::Fresh, reason: cachepolicy_reason::StaleForbidden, serves_stored: true, contacts_origin: true };
                let (mut serve, mut send, mut error) = (null_mut(), null_mut(), null_mut());
                let status = cachepolicy_policy_evaluate(
                    current,
                    if m.null { null() } else { &r },
                    *now,
                    &mut e,
                    if *want_serve { &mut serve } else { null_mut() },
                    if *want_send { &mut send } else { null_mut() },
                    if *want_error { &mut error } else { null_mut() },
                );
                if *want_error {
                    settle(status, error);
                } else {
                    known(status);
                }
                if status != S::Ok {
                    assert!(m.null || engine_request(m).is_none(), "a valid request refused: {status:?}");
                    assert!(serve.is_null() && send.is_null());
                    continue;
                }
                assert_eq!(!serve.is_null(), *want_serve && e.serves_stored);
                assert_eq!(!send.is_null(), *want_send && e.contacts_origin);
                let mut satisfies = false;
                assert_eq!(cachepolicy_policy_satisfies_without_revalidation(current, &r, *now, &mut satisfies, null_mut()), S::Ok);
                assert_eq!(satisfies, matches!(e.decision, cachepolicy_decision::Fresh | cachepolicy_decision::Stale));
                assert!(code(cachepolicy_decision_code(e.decision as u32)).is_some());
                assert!(code(cachepolicy_reason_code(e.reason as u32)).is_some());
                let served = take_headers(serve, *i);
                take_headers(send, usize::MAX);
                if !served.is_empty() {
                    let mut again = null_mut();
                    assert_eq!(cachepolicy_policy_response_headers(current, *now, &mut again), S::Ok);
                    assert_eq!(take_headers(again, 0), served);
                }
            }
            Op::Questions(now) => {
                let (mut ms, mut flag, mut u16v) = (0i64, false, 0u16);
                assert_eq!(cachepolicy_policy_age(current, *now, &mut ms), S::Ok);
                assert!(ms >= 0);
                let age = ms;
                assert_eq!(cachepolicy_policy_time_to_live(current, *now, &mut ms), S::Ok);
                assert!(ms >= 0);
                let ttl = ms;
                assert_eq!(cachepolicy_policy_is_stale(current, *now, &mut flag), S::Ok);
                assert_eq!(flag, ttl == 0);
                assert_eq!(cachepolicy_policy_retention(current, *now, &mut ms), S::Ok);
                assert!(ms >= 0);
                assert_eq!(cachepolicy_policy_freshness_lifetime(current, &mut ms), S::Ok);
                assert!(ms >= 0 && (ttl == 0 || ttl <= ms) && age >= 0);
                let mut source = cachepolicy_freshness_source::None;
                assert_eq!(cachepolicy_policy_freshness_source(current, &mut source), S::Ok);
                assert!(code(cachepolicy_freshness_source_code(source as u32)).is_some());
                let mut stage = cachepolicy_expiry_stage::Fresh;
                assert_eq!(cachepolicy_policy_expiry_stage(current, *now, &mut stage), S::Ok);
                assert!(code(cachepolicy_expiry_stage_code(stage as u32)).is_some());
                assert_eq!(cachepolicy_policy_within_stale_while_revalidate(current, *now, &mut flag), S::Ok);
                let status = known(cachepolicy_policy_within_stale_if_error(current, &request, *now, &mut flag, null_mut()));
                assert_eq!(status == S::Ok, engine_request(&CMessage { null: false, ..input.request.clone() }).is_some());
                let mut reason = cachepolicy_reason::None;
                assert_eq!(cachepolicy_policy_not_storable_reason(current, &mut reason), S::Ok);
                assert!(code(cachepolicy_reason_description(reason as u32)).is_some());
                assert_eq!(cachepolicy_policy_status(current, &mut u16v), S::Ok);
                assert!((100..=999).contains(&u16v));
                assert_eq!(cachepolicy_policy_date(current, &mut ms), S::Ok);
                assert_eq!(cachepolicy_policy_response_time(current, &mut ms), S::Ok);
                let (mut text, mut length) = (null(), 0usize);
                // Not NUL-terminated: (pointer, length) into the policy.
                assert_eq!(cachepolicy_policy_method(current, &mut text, &mut length), S::Ok);
                assert!(cachepolicy_fuzz::is_token(std::slice::from_raw_parts(text.cast::<u8>(), length)));
                assert_eq!(cachepolicy_policy_url(current, &mut text, &mut length), S::Ok);
                let url = std::slice::from_raw_parts(text.cast::<u8>(), length);
                assert!(std::str::from_utf8(url).is_ok() && !url.iter().any(|&b| b <= b' '));
                let mut list = null_mut();
                assert_eq!(cachepolicy_policy_stored_headers(current, &mut list), S::Ok);
                take_headers(list, 3);
                let mut strings = null_mut();
                assert_eq!(cachepolicy_policy_invalidation_targets(current, &mut strings), S::Ok);
                take_strings(strings);
                let mut copy = null_mut();
                assert_eq!(cachepolicy_policy_options(current, &mut copy), S::Ok);
                cachepolicy_options_free(copy);
            }
            Op::Revalidate(i, reply, now) => {
                let m = &input.others[*i];
                let r = m.request();
                let mut result = cachepolicy_revalidation { modified: false, matches: true, outcome: cachepolicy_outcome::NotModified };
                let (mut next, mut error) = (null_mut(), null_mut());
                let status = match reply {
                    Some(j) => {
                        let reply = &input.replies[*j];
                        let res = reply.response();
                        let s = settle(cachepolicy_policy_revalidated(current, if m.null { null() } else { &r }, if reply.null { null() } else { &res }, *now, &mut result, &mut next, &mut error), error);
                        if reply.refused() {
                            assert_ne!(s, S::Ok);
                        }
                        s
                    }
                    None => settle(cachepolicy_policy_revalidated_without_response(current, if m.null { null() } else { &r }, *now, &mut result, &mut next, &mut error), error),
                };
                if m.refused() {
                    assert_ne!(status, S::Ok);
                }
                assert_eq!(status == S::Ok, !next.is_null());
                if status == S::Ok {
                    assert!(code(cachepolicy_outcome_code(result.outcome as u32)).is_some());
                    assert_eq!(result.modified, !result.matches);
                    policies.push(next);
                } else {
                    assert!(result.modified && !result.matches);
                }
            }
            Op::Serialize(garbage, at, flip) => {
                let mut bytes = null_mut();
                assert_eq!(cachepolicy_policy_to_bytes(current, &mut bytes), S::Ok);
                let data = take_bytes(bytes);
                let (mut copy, mut error) = (null_mut(), null_mut());
                assert_eq!(settle(cachepolicy_policy_from_bytes(data.as_ptr(), data.len(), &mut copy, &mut error), error), S::Ok);
                let mut again = null_mut();
                assert_eq!(cachepolicy_policy_to_bytes(copy, &mut again), S::Ok);
                assert_eq!(take_bytes(again), data, "round trip changed the bytes");
                cachepolicy_policy_free(copy);
                // Corrupted, truncated and foreign bytes: an error or a policy, never a crash.
                let mut corrupt = data.clone();
                if !corrupt.is_empty() {
                    let k = usize::from(*at) % corrupt.len();
                    corrupt[k] ^= flip | 1;
                    corrupt.truncate(corrupt.len() - usize::from(*flip & 1));
                }
                for candidate in [&corrupt, garbage] {
                    let (mut p, mut error) = (null_mut(), null_mut());
                    let status = settle(cachepolicy_policy_from_bytes(candidate.as_ptr(), candidate.len(), &mut p, &mut error), error);
                    assert_eq!(status == S::Ok, !p.is_null());
                    assert_eq!(status == S::Ok, cachepolicy::CachePolicy::from_bytes(candidate).is_ok());
                    cachepolicy_policy_free(p);
                }
                let (mut p, mut error) = (null_mut(), null_mut());
                assert_eq!(settle(cachepolicy_policy_from_bytes(null(), 5, &mut p, &mut error), error), S::NullPointer);
                assert_eq!(settle(cachepolicy_policy_from_bytes(null(), 0, &mut p, &mut error), error), S::InvalidSerialization);
                assert!(p.is_null());
            }
            Op::Keys(i) => {
                let m = &input.others[*i];
                let r = m.request();
                let rp = if m.null { null() } else { &r as *const _ };
                let (mut key, mut error) = (null_mut(), null_mut());
                let status = settle(cachepolicy_primary_key(rp, &mut key, &mut error), error);
                assert_eq!(status == S::Ok, !key.is_null());
                take_bytes(key);
                let mut key = null_mut();
                assert_eq!(cachepolicy_policy_primary_key(current, &mut key), S::Ok);
                take_bytes(key);
                let mut key = null_mut();
                assert_eq!(cachepolicy_policy_secondary_key(current, &mut key), S::Ok);
                let own = take_bytes(key);
                let mut key = null_mut();
                let status = settle(cachepolicy_policy_secondary_key_for(current, rp, &mut key, &mut error), error);
                assert_eq!(status == S::Ok, !key.is_null());
                let theirs = take_bytes(key);
                let _ = (own, theirs);
                let mut lost = null_mut();
                let status = settle(cachepolicy_policy_lost_update_headers(current, rp, &mut lost, &mut error), error);
                assert_eq!(status == S::Ok, !lost.is_null());
                take_headers(lost, 0);
                // Variants: every policy so far, sometimes with a NULL among them.
                let mut variants: Vec<*const cachepolicy_policy> = policies.iter().map(|&p| p as *const _).collect();
                if *i == 1 {
                    variants.push(null());
                }
                let (mut found, mut index) = (true, usize::MAX);
                let status = settle(cachepolicy_select_variant(variants.as_ptr(), variants.len(), rp, &mut found, &mut index, &mut error), error);
                if *i == 1 {
                    assert_eq!(status, S::NullPointer);
                }
                if status == S::Ok && found {
                    assert!(index < variants.len());
                } else {
                    assert!(!found && index == 0);
                }
                let status = settle(cachepolicy_select_variant(null(), 0, rp, &mut found, &mut index, &mut error), error);
                assert_eq!(status == S::Ok, !m.null && engine_request(m).is_some());
                assert!(!found);
            }
            Op::CacheStatus(name, i, now, forward, fwd_status, ttl, key, detail) => {
                let m = &input.others[*i];
                let r = m.request();
                let (mut cs, mut error) = (null_mut(), null_mut());
                let status = settle(cachepolicy_cache_status_from_evaluation(name.ptr(), name.len(), current, if m.null { null() } else { &r }, *now, &mut cs, &mut error), error);
                if name.refused() {
                    assert_ne!(status, S::Ok);
                }
                if status != S::Ok {
                    assert!(cs.is_null());
                    let s = known(cachepolicy_cache_status_new(name.ptr(), name.len(), &mut cs));
                    assert_eq!(s == S::Ok, !cs.is_null());
                    if s != S::Ok {
                        known(cachepolicy_cache_status_miss(name.ptr(), name.len(), &mut cs));
                    }
                }
                if cs.is_null() {
                    continue;
                }
                assert_eq!(known(cachepolicy_cache_status_set_forward(cs, *forward)) == S::Ok, *forward <= 8);
                known(cachepolicy_cache_status_set_fwd_status(cs, *fwd_status));
                known(cachepolicy_cache_status_set_ttl(cs, *ttl));
                known(cachepolicy_cache_status_set_hit(cs, ttl & 1 == 0));
                known(cachepolicy_cache_status_set_stored(cs, ttl & 2 == 0));
                known(cachepolicy_cache_status_set_collapsed(cs, ttl & 4 == 0));
                // Any bytes (written as a string, anything but printable ASCII as `?`).
                assert_eq!(known(cachepolicy_cache_status_set_key(cs, key.ptr(), key.len())) == S::Ok, !key.refused());
                assert_eq!(known(cachepolicy_cache_status_set_detail(cs, detail.ptr(), detail.len())) == S::Ok, !detail.refused());
                let mut value = null_mut();
                assert_eq!(cachepolicy_cache_status_to_header_value(cs, &mut value), S::Ok);
                let text = take_bytes(value);
                assert!(text.iter().all(|b| (b' '..=b'~').contains(b)), "Cache-Status {text:?}");
                cachepolicy_cache_status_free(cs);
            }
            Op::Codes(n) => {
                let n = *n;
                let _ = (
                    code(cachepolicy_decision_code(n)),
                    code(cachepolicy_reason_code(n)),
                    code(cachepolicy_reason_description(n)),
                    code(cachepolicy_freshness_source_code(n)),
                    code(cachepolicy_outcome_code(n)),
                    code(cachepolicy_expiry_stage_code(n)),
                    code(cachepolicy_forward_code(n)),
                );
                assert_eq!(code(cachepolicy_status_code(n)).is_some(), n <= 10);
                assert_eq!(code(cachepolicy_status_description(n)).is_some(), n <= 10);
                assert!(code(cachepolicy_version()).is_some());
                assert_eq!(cachepolicy_abi_version() >> 16, CACHEPOLICY_ABI_MAJOR);
            }
            Op::NullHandles(i) => {
                let m = &input.others[*i];
                let r = m.request();
                let mut e = cachepolicy_evaluation { decision: cachepolicy_decision::Fresh, reason: cachepolicy_reason::None, serves_stored: true, contacts_origin: true };
                let mut error = null_mut();
                assert_eq!(settle(cachepolicy_policy_evaluate(null(), &r, 0, &mut e, null_mut(), null_mut(), &mut error), error), S::NullPointer);
                assert!(!e.serves_stored && !e.contacts_origin);
                assert_eq!(settle(cachepolicy_policy_evaluate(current, &r, 0, null_mut(), null_mut(), null_mut(), &mut error), error), S::NullPointer);
                let mut ms = 1i64;
                assert_eq!(cachepolicy_policy_age(null(), 0, &mut ms), S::NullPointer);
                assert_eq!(ms, 0);
                assert_eq!(cachepolicy_policy_age(current, 0, null_mut()), S::NullPointer);
                let mut count = 1usize;
                assert_eq!(cachepolicy_headers_count(null(), &mut count), S::NullPointer);
                assert_eq!(count, 0);
                assert_eq!(cachepolicy_strings_count(null(), &mut count), S::NullPointer);
                let (mut data, mut length) = (null(), 1usize);
                assert_eq!(cachepolicy_bytes_get(null(), &mut data, &mut length), S::NullPointer);
                assert_eq!(cachepolicy_error_status(null()), S::NullPointer);
                cachepolicy_policy_free(null_mut());
                cachepolicy_headers_free(null_mut());
                cachepolicy_strings_free(null_mut());
                cachepolicy_bytes_free(null_mut());
                cachepolicy_error_free(null_mut());
                cachepolicy_options_free(null_mut());
                cachepolicy_cache_status_free(null_mut());
            }
            Op::Lookup(index, which) => {
                let mut list = null_mut();
                let now = input.times.1;
                assert_eq!(cachepolicy_policy_response_headers(current, now, &mut list), S::Ok);
                let served = take_headers(list, *index);
                let _ = which;
                let (mut list, mut error) = (null_mut(), null_mut());
                let status = settle(cachepolicy_policy_revalidation_headers(current, &request, now, &mut list, &mut error), error);
                assert_eq!(status == S::Ok, !list.is_null());
                let _ = served;
                take_headers(list, *index);
            }
        }
    }
    for p in policies {
        cachepolicy_policy_free(p);
    }
    cachepolicy_options_free(options);
}

/// The Rust `Options` inside a C options handle, read back through the getters.
unsafe fn options_copy(options: *const cachepolicy_options) -> cachepolicy::Options {
    let mut o = cachepolicy::Options::default();
    macro_rules! flag {
        ($($field:ident: $get:ident),*) => {$(
            let mut v = false;
            assert_eq!($get(options, &mut v), S::Ok);
            o.$field = v;
        )*};
    }
    flag!(shared: cachepolicy_options_get_shared, ignore_cargo_cult: cachepolicy_options_get_ignore_cargo_cult,
        trust_server_date: cachepolicy_options_get_trust_server_date, cache_etags: cachepolicy_options_get_cache_etags,
        ignore_request_cache_control: cachepolicy_options_get_ignore_request_cache_control,
        honor_request_no_cache: cachepolicy_options_get_honor_request_no_cache,
        store_authenticated: cachepolicy_options_get_store_authenticated, ignore_s_maxage: cachepolicy_options_get_ignore_s_maxage,
        ignore_no_store: cachepolicy_options_get_ignore_no_store, store_https: cachepolicy_options_get_store_https,
        bypass_range_and_conditional: cachepolicy_options_get_bypass_range_and_conditional,
        store_only_2xx: cachepolicy_options_get_store_only_2xx, suppress_age: cachepolicy_options_get_suppress_age,
        replace_date: cachepolicy_options_get_replace_date);
    let (mut h, mut ms) = (0.0, 0i64);
    assert_eq!(cachepolicy_options_get_cache_heuristic(options, &mut h), S::Ok);
    o.cache_heuristic = h;
    assert_eq!(cachepolicy_options_get_grace_period(options, &mut ms), S::Ok);
    o.grace_period = std::time::Duration::from_millis(ms as u64);
    assert_eq!(cachepolicy_options_get_immutable_min_time_to_live(options, &mut ms), S::Ok);
    o.immutable_min_time_to_live = std::time::Duration::from_millis(ms as u64);
    let mut rnc = cachepolicy_request_no_cache::Revalidate;
    assert_eq!(cachepolicy_options_get_request_no_cache(options, &mut rnc), S::Ok);
    o.request_no_cache = if rnc as u32 == 1 { cachepolicy::RequestNoCache::Reload } else { cachepolicy::RequestNoCache::Revalidate };
    let mut sc = cachepolicy_set_cookie::Revalidate;
    assert_eq!(cachepolicy_options_get_set_cookie(options, &mut sc), S::Ok);
    o.set_cookie = [cachepolicy::SetCookiePolicy::Revalidate, cachepolicy::SetCookiePolicy::Refuse, cachepolicy::SetCookiePolicy::Strip, cachepolicy::SetCookiePolicy::Keep][sc as usize];
    let mut fields = null_mut();
    assert_eq!(cachepolicy_options_get_targeted_fields(options, &mut fields), S::Ok);
    o.targeted_fields = take_strings(fields);
    o
}

fuzz_target!(|input: Input| {
    unsafe { run(&input) }
});
