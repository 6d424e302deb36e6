//! Runs every shared test vector in `tests/vectors/*.json` (format: tests/vectors/README.md)
//! through the C ABI: this file calls only the exported `extern "C"` functions, with C's
//! types, exactly as a C program would. Times cross as Unix milliseconds.

use std::ffi::{c_char, CStr};
use std::path::{Path, PathBuf};
use std::ptr::{null, null_mut};

use cachepolicy::*;
use serde_json::Value;

type Lines = Vec<(Vec<u8>, Vec<u8>)>;

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

/// Unix seconds (fractions allowed) as the ABI's Unix milliseconds.
fn ms(v: &Value) -> i64 {
    (v.as_f64().expect("time is a number") * 1000.0).round() as i64
}

fn bytes(v: &Value) -> Vec<u8> {
    match v {
        Value::String(s) => s.as_bytes().to_vec(),
        Value::Object(o) => {
            let hex = o["hex"].as_str().expect("{\"hex\": ...}");
            (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
        }
        other => panic!("bad header value {other}"),
    }
}

fn lines(v: Option<&Value>) -> Lines {
    v.and_then(Value::as_array).map(|a| a.iter().map(|p| (bytes(&p[0]), bytes(&p[1]))).collect()).unwrap_or_default()
}

/// The C header array for owned lines; borrows `lines`.
fn c_headers(lines: &Lines) -> Vec<cachepolicy_header> {
    lines
        .iter()
        .map(|(n, v)| cachepolicy_header { name: n.as_ptr().cast(), name_len: n.len(), value: v.as_ptr().cast(), value_len: v.len() })
        .collect()
}

/// A request and the C structs that point into it.
struct Req {
    method: Vec<u8>,
    url: Vec<u8>,
    lines: Lines,
}

impl Req {
    fn of(v: &Value) -> Req {
        Req {
            method: v.get("method").and_then(Value::as_str).unwrap_or("GET").as_bytes().to_vec(),
            url: v["url"].as_str().expect("request url").as_bytes().to_vec(),
            lines: lines(v.get("headers")),
        }
    }

    /// Calls `f` with a `cachepolicy_request` that borrows this request.
    fn with<T>(&self, f: impl FnOnce(&cachepolicy_request) -> T) -> T {
        let headers = c_headers(&self.lines);
        let request = cachepolicy_request {
            method: self.method.as_ptr().cast(),
            method_len: self.method.len(),
            url: self.url.as_ptr().cast(),
            url_len: self.url.len(),
            headers: headers.as_ptr(),
            headers_len: headers.len(),
        };
        f(&request)
    }
}

fn status_of(v: &Value) -> i32 {
    v.get("status").map_or(200, |s| s.as_i64().map_or(0, |n| i32::try_from(n).unwrap_or(0)))
}

fn with_response<T>(v: &Value, f: impl FnOnce(&cachepolicy_response) -> T) -> T {
    let owned = lines(v.get("headers"));
    let headers = c_headers(&owned);
    f(&cachepolicy_response { status: status_of(v), headers: headers.as_ptr(), headers_len: headers.len() })
}

fn ok(status: cachepolicy_status, error: *mut cachepolicy_error, what: &str) -> Result<(), String> {
    if status == cachepolicy_status::Ok {
        assert!(error.is_null(), "{what}: an error object on success");
        return Ok(());
    }
    let message = take_error(error);
    Err(format!("{what} failed: {} ({message})", code(cachepolicy_status_code(status as u32))))
}

fn code(p: *const c_char) -> String {
    if p.is_null() {
        return "<NULL>".to_string();
    }
    unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_string()
}

/// The message of an error object, which is then freed.
fn take_error(error: *mut cachepolicy_error) -> String {
    if error.is_null() {
        return "no error object".to_string();
    }
    let mut message: *const c_char = null();
    let mut length = 0usize;
    assert_eq!(unsafe { cachepolicy_error_message(error, &mut message, &mut length) }, cachepolicy_status::Ok);
    let text = code(message);
    assert_eq!(text.len(), length);
    unsafe { cachepolicy_error_free(error) };
    text
}

/// Reads and frees a header list.
fn take_headers(list: *mut cachepolicy_headers) -> Lines {
    assert!(!list.is_null());
    let mut count = 0usize;
    assert_eq!(unsafe { cachepolicy_headers_count(list, &mut count) }, cachepolicy_status::Ok);
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let mut line = cachepolicy_header { name: null(), name_len: 0, value: null(), value_len: 0 };
        assert_eq!(unsafe { cachepolicy_headers_get(list, i, &mut line) }, cachepolicy_status::Ok);
        let name = unsafe { std::slice::from_raw_parts(line.name.cast::<u8>(), line.name_len) }.to_vec();
        let value = unsafe { std::slice::from_raw_parts(line.value.cast::<u8>(), line.value_len) }.to_vec();
        // Each name and value is also NUL-terminated.
        assert_eq!(unsafe { *line.name.add(line.name_len) }, 0);
        assert_eq!(unsafe { *line.value.add(line.value_len) }, 0);
        out.push((name, value));
    }
    unsafe { cachepolicy_headers_free(list) };
    out
}

/// Reads and frees a text buffer.
fn take_text(bytes: *mut cachepolicy_bytes) -> String {
    let (mut data, mut len) = (null(), 0usize);
    assert_eq!(unsafe { cachepolicy_bytes_get(bytes, &mut data, &mut len) }, cachepolicy_status::Ok);
    let text = String::from_utf8(unsafe { std::slice::from_raw_parts(data, len) }.to_vec()).expect("UTF-8 text");
    assert_eq!(unsafe { *data.add(len) }, 0, "text is NUL-terminated");
    unsafe { cachepolicy_bytes_free(bytes) };
    text
}

/// Builds a policy from a `{request, response, response_time, request_time?}` object.
fn build(v: &Value, options_value: Option<&Value>) -> Result<*mut cachepolicy_policy, String> {
    let options = options(options_value)?;
    let request = Req::of(&v["request"]);
    let response_time = ms(&v["response_time"]);
    let request_time = v.get("request_time").map_or(response_time, ms);
    let (mut policy, mut error) = (null_mut(), null_mut());
    let status = request.with(|r| {
        with_response(&v["response"], |res| unsafe { cachepolicy_policy_new(options, r, res, request_time, response_time, &mut policy, &mut error) })
    });
    unsafe { cachepolicy_options_free(options) };
    ok(status, error, "cachepolicy_policy_new")?;
    Ok(policy)
}

fn same_headers(actual: &Lines, expected: &Value) -> Result<(), String> {
    let expected = lines(Some(expected));
    let ok = actual.len() == expected.len() && actual.iter().zip(&expected).all(|((n, v), (en, ev))| n.eq_ignore_ascii_case(en) && v == ev);
    if ok {
        return Ok(());
    }
    let show = |l: &Lines| format!("{:?}", l.iter().map(|(n, v)| (String::from_utf8_lossy(n).into_owned(), String::from_utf8_lossy(v).into_owned())).collect::<Vec<_>>());
    Err(format!("headers differ:\n      got  {}\n      want {}", show(actual), show(&expected)))
}

fn close(got_ms: i64, want: &Value, what: &str) -> Result<(), String> {
    let want = want.as_f64().ok_or_else(|| format!("{what}: expect is not a number"))?;
    let got = got_ms as f64 / 1000.0;
    if (got - want).abs() <= 0.001 {
        Ok(())
    } else {
        Err(format!("{what}: got {got}, want {want}"))
    }
}

fn check<T: PartialEq + std::fmt::Debug>(got: T, want: T, what: &str) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, want {want:?}"))
    }
}

/// Builds the options of a case through the option setters.
fn options(v: Option<&Value>) -> Result<*mut cachepolicy_options, String> {
    let object = v.and_then(Value::as_object);
    // A `profile` applies first, then the other options.
    let o = match object.and_then(|m| m.get("profile")) {
        Some(name) => {
            let name = name.as_str().unwrap_or("");
            let mut o = null_mut();
            let mut error = null_mut();
            let status = unsafe { cachepolicy_options_new_profile(name.as_ptr().cast(), name.len(), &mut o, &mut error) };
            if status != cachepolicy_status::Ok {
                take_error(error);
                return Err(format!("profile {name}: {}", code(cachepolicy_status_code(status as u32))));
            }
            o
        }
        None => cachepolicy_options_new(),
    };
    for (k, val) in object.into_iter().flatten() {
        let flag = |name: &'static str| val.as_bool().ok_or(name);
        let status = unsafe {
            match k.as_str() {
                "shared" => cachepolicy_options_set_shared(o, flag("shared")?),
                "cache_heuristic" => cachepolicy_options_set_cache_heuristic(o, val.as_f64().ok_or("cache_heuristic")?),
                "immutable_min_time_to_live" => cachepolicy_options_set_immutable_min_time_to_live(o, ms(val)),
                "ignore_cargo_cult" => cachepolicy_options_set_ignore_cargo_cult(o, flag("ignore_cargo_cult")?),
                "trust_server_date" => cachepolicy_options_set_trust_server_date(o, flag("trust_server_date")?),
                "cache_etags" => cachepolicy_options_set_cache_etags(o, flag("cache_etags")?),
                "request_no_cache" => {
                    let value = match val.as_str().ok_or("request_no_cache")? {
                        "revalidate" => cachepolicy_request_no_cache::Revalidate as u32,
                        "reload" => cachepolicy_request_no_cache::Reload as u32,
                        _ => u32::MAX,
                    };
                    cachepolicy_options_set_request_no_cache(o, value)
                }
                "targeted_fields" => {
                    let mut status = cachepolicy_status::Ok;
                    for name in val.as_array().ok_or("targeted_fields")? {
                        let name = name.as_str().ok_or("targeted_fields")?;
                        if status == cachepolicy_status::Ok {
                            status = cachepolicy_options_add_targeted_field(o, name.as_ptr().cast(), name.len());
                        }
                    }
                    status
                }
                "ignore_request_cache_control" => cachepolicy_options_set_ignore_request_cache_control(o, flag("ignore_request_cache_control")?),
                "honor_request_no_cache" => cachepolicy_options_set_honor_request_no_cache(o, flag("honor_request_no_cache")?),
                "store_authenticated" => cachepolicy_options_set_store_authenticated(o, flag("store_authenticated")?),
                "ignore_s_maxage" => cachepolicy_options_set_ignore_s_maxage(o, flag("ignore_s_maxage")?),
                "grace_period" => cachepolicy_options_set_grace_period(o, ms(val)),
                "ignore_no_store" => cachepolicy_options_set_ignore_no_store(o, flag("ignore_no_store")?),
                "store_https" => cachepolicy_options_set_store_https(o, flag("store_https")?),
                "bypass_range_and_conditional" => cachepolicy_options_set_bypass_range_and_conditional(o, flag("bypass_range_and_conditional")?),
                "store_only_2xx" => cachepolicy_options_set_store_only_2xx(o, flag("store_only_2xx")?),
                "set_cookie" => {
                    let value = match val.as_str().ok_or("set_cookie")? {
                        "revalidate" => cachepolicy_set_cookie::Revalidate as u32,
                        "refuse" => cachepolicy_set_cookie::Refuse as u32,
                        "strip" => cachepolicy_set_cookie::Strip as u32,
                        "keep" => cachepolicy_set_cookie::Keep as u32,
                        _ => u32::MAX,
                    };
                    cachepolicy_options_set_set_cookie(o, value)
                }
                "suppress_age" => cachepolicy_options_set_suppress_age(o, flag("suppress_age")?),
                "replace_date" => cachepolicy_options_set_replace_date(o, flag("replace_date")?),
                "profile" => cachepolicy_status::Ok,
                other => return Err(format!("unknown option {other}")),
            }
        };
        if status != cachepolicy_status::Ok {
            // An out-of-range option is an `invalid_option` construction error in the vectors.
            unsafe { cachepolicy_options_free(o) };
            return Err(format!("option {k}: {}", code(cachepolicy_status_code(status as u32))));
        }
    }
    Ok(o)
}

/// Owns a policy handle for the duration of a case.
struct Policy(*mut cachepolicy_policy);

impl Drop for Policy {
    fn drop(&mut self) {
        unsafe { cachepolicy_policy_free(self.0) };
    }
}

fn run_case(case: &Value) -> Result<(), String> {
    let request = Req::of(&case["request"]);
    let response_time = ms(&case["response_time"]);
    let request_time = case.get("request_time").map_or(response_time, ms);
    let options = match options(case.get("options")) {
        Ok(o) => o,
        Err(e) => {
            return match case.get("construct_error").and_then(Value::as_str) {
                Some("invalid_option") if e.ends_with("invalid_option") => Ok(()),
                _ => Err(e),
            }
        }
    };
    let mut policy = null_mut();
    let mut error = null_mut();
    let status = request.with(|r| {
        with_response(&case["response"], |res| unsafe {
            cachepolicy_policy_new(options, r, res, request_time, response_time, &mut policy, &mut error)
        })
    });
    unsafe { cachepolicy_options_free(options) };
    if let Some(kind) = case.get("construct_error") {
        if status == cachepolicy_status::Ok {
            unsafe { cachepolicy_policy_free(policy) };
            return Err(format!("constructed, want error {kind}"));
        }
        assert!(policy.is_null());
        assert_eq!(unsafe { cachepolicy_error_status(error) }, status);
        let message = take_error(error);
        assert!(!message.is_empty());
        return check(code(cachepolicy_status_code(status as u32)).as_str(), kind.as_str().unwrap_or(""), "construct_error");
    }
    ok(status, error, "cachepolicy_policy_new")?;
    let mut policy = Policy(policy);
    for (i, step) in case["steps"].as_array().ok_or("no steps")?.iter().enumerate() {
        let op = step["op"].as_str().unwrap_or("");
        let now = step.get("now").map_or(response_time, ms);
        let expect = &step["expect"];
        let step_request = step.get("request").map(Req::of);
        let p = policy.0 as *const cachepolicy_policy;
        let result = (|| -> Result<(), String> {
            let mut error = null_mut();
            match op {
                "storable" => {
                    let mut storable = false;
                    ok(unsafe { cachepolicy_policy_storable(p, &mut storable) }, null_mut(), op)?;
                    check(storable, expect.as_bool().unwrap(), "storable")?;
                    if let Some(reason) = step.get("reason").and_then(Value::as_str) {
                        let mut r = cachepolicy_reason::None;
                        ok(unsafe { cachepolicy_policy_not_storable_reason(p, &mut r) }, null_mut(), op)?;
                        check(code(cachepolicy_reason_code(r as u32)).as_str(), reason, "reason")?;
                    }
                    Ok(())
                }
                "freshness_lifetime" => {
                    let mut lifetime = 0;
                    ok(unsafe { cachepolicy_policy_freshness_lifetime(p, &mut lifetime) }, null_mut(), op)?;
                    close(lifetime, expect, op)
                }
                "freshness_source" => {
                    let mut source = cachepolicy_freshness_source::None;
                    ok(unsafe { cachepolicy_policy_freshness_source(p, &mut source) }, null_mut(), op)?;
                    check(code(cachepolicy_freshness_source_code(source as u32)).as_str(), expect.as_str().unwrap(), op)
                }
                "age" => {
                    let mut age = 0;
                    ok(unsafe { cachepolicy_policy_age(p, now, &mut age) }, null_mut(), op)?;
                    close(age, expect, op)
                }
                "time_to_live" => {
                    let mut ttl = 0;
                    ok(unsafe { cachepolicy_policy_time_to_live(p, now, &mut ttl) }, null_mut(), op)?;
                    close(ttl, expect, op)
                }
                "stale" => {
                    let mut stale = false;
                    ok(unsafe { cachepolicy_policy_is_stale(p, now, &mut stale) }, null_mut(), op)?;
                    check(stale, expect.as_bool().unwrap(), op)
                }
                "satisfies" => {
                    let r = step_request.as_ref().ok_or("satisfies needs a request")?;
                    let mut satisfies = false;
                    let status = r.with(|req| unsafe { cachepolicy_policy_satisfies_without_revalidation(p, req, now, &mut satisfies, &mut error) });
                    ok(status, error, op)?;
                    check(satisfies, expect.as_bool().unwrap(), op)
                }
                "evaluate" => {
                    let r = step_request.as_ref().ok_or("evaluate needs a request")?;
                    let mut evaluation = cachepolicy_evaluation {
                        decision: cachepolicy_decision::NoMatch,
                        reason: cachepolicy_reason::None,
                        serves_stored: false,
                        contacts_origin: false,
                    };
                    let (mut served, mut revalidation) = (null_mut(), null_mut());
                    let status = r.with(|req| unsafe { cachepolicy_policy_evaluate(p, req, now, &mut evaluation, &mut served, &mut revalidation, &mut error) });
                    ok(status, error, op)?;
                    check(served.is_null(), !evaluation.serves_stored, "response headers iff serves_stored")?;
                    check(revalidation.is_null(), !evaluation.contacts_origin, "revalidation headers iff contacts_origin")?;
                    let served = (!served.is_null()).then(|| take_headers(served));
                    let revalidation = (!revalidation.is_null()).then(|| take_headers(revalidation));
                    check(code(cachepolicy_decision_code(evaluation.decision as u32)).as_str(), expect["decision"].as_str().unwrap(), "decision")?;
                    if let Some(reason) = expect.get("reason") {
                        let got = match evaluation.reason {
                            cachepolicy_reason::None => None,
                            r => Some(code(cachepolicy_reason_code(r as u32))),
                        };
                        check(got.as_deref(), reason.as_str(), "reason")?;
                    }
                    if let Some(h) = expect.get("response_headers") {
                        same_headers(served.as_ref().ok_or("no response headers")?, h)?;
                    }
                    if let Some(h) = expect.get("revalidation_headers") {
                        same_headers(revalidation.as_ref().ok_or("no revalidation headers")?, h)?;
                    }
                    Ok(())
                }
                "response_headers" => {
                    let mut list = null_mut();
                    ok(unsafe { cachepolicy_policy_response_headers(p, now, &mut list) }, null_mut(), op)?;
                    same_headers(&take_headers(list), expect)
                }
                "revalidation_headers" => {
                    let r = step_request.as_ref().ok_or("revalidation_headers needs a request")?;
                    let mut list = null_mut();
                    let status = r.with(|req| unsafe { cachepolicy_policy_revalidation_headers(p, req, now, &mut list, &mut error) });
                    ok(status, error, op)?;
                    same_headers(&take_headers(list), expect)
                }
                "revalidate" => {
                    let r = step_request.as_ref().ok_or("revalidate needs a request")?;
                    let mut out = cachepolicy_revalidation { modified: false, matches: false, outcome: cachepolicy_outcome::Failed };
                    let mut next = null_mut();
                    let res_value = &step["response"];
                    let status = r.with(|req| unsafe {
                        if res_value.is_null() {
                            cachepolicy_policy_revalidated_without_response(p, req, now, &mut out, &mut next, &mut error)
                        } else {
                            with_response(res_value, |res| cachepolicy_policy_revalidated(p, req, res, now, &mut out, &mut next, &mut error))
                        }
                    });
                    ok(status, error, op)?;
                    // The old policy is freed when replaced; the new one is used from now on.
                    policy = Policy(next);
                    assert!(!code(cachepolicy_outcome_code(out.outcome as u32)).starts_with('<'));
                    check(out.modified, expect["modified"].as_bool().unwrap(), "modified")?;
                    if let Some(m) = expect.get("matches") {
                        check(out.matches, m.as_bool().unwrap(), "matches")?;
                    }
                    Ok(())
                }
                "retention" => {
                    let mut retention = 0;
                    ok(unsafe { cachepolicy_policy_retention(p, now, &mut retention) }, null_mut(), op)?;
                    close(retention, expect, op)
                }
                "expiry_stage" => {
                    let mut stage = cachepolicy_expiry_stage::HardExpired;
                    ok(unsafe { cachepolicy_policy_expiry_stage(p, now, &mut stage) }, null_mut(), op)?;
                    check(code(cachepolicy_expiry_stage_code(stage as u32)).as_str(), expect.as_str().unwrap(), op)
                }
                "lost_update_headers" => {
                    let r = step_request.as_ref().ok_or("lost_update_headers needs a request")?;
                    let mut list = null_mut();
                    let status = r.with(|req| unsafe { cachepolicy_policy_lost_update_headers(p, req, &mut list, &mut error) });
                    ok(status, error, op)?;
                    same_headers(&take_headers(list), expect)
                }
                "primary_key" => {
                    let mut key = null_mut();
                    match &step_request {
                        Some(r) => {
                            let status = r.with(|req| unsafe { cachepolicy_primary_key(req, &mut key, &mut error) });
                            ok(status, error, op)?;
                        }
                        None => ok(unsafe { cachepolicy_policy_primary_key(p, &mut key) }, null_mut(), op)?,
                    }
                    check(take_text(key), expect.as_str().unwrap().to_string(), op)
                }
                "secondary_key" => {
                    let mut key = null_mut();
                    match &step_request {
                        Some(r) => {
                            let status = r.with(|req| unsafe { cachepolicy_policy_secondary_key_for(p, req, &mut key, &mut error) });
                            ok(status, error, op)?;
                        }
                        None => ok(unsafe { cachepolicy_policy_secondary_key(p, &mut key) }, null_mut(), op)?,
                    }
                    check(take_text(key), expect.as_str().unwrap().to_string(), op)
                }
                "cache_status" => {
                    let r = step_request.as_ref().ok_or("cache_status needs a request")?;
                    let cache = step["cache"].as_str().unwrap_or("cache");
                    let mut member = null_mut();
                    let status = r.with(|req| unsafe {
                        cachepolicy_cache_status_from_evaluation(cache.as_ptr().cast(), cache.len(), p, req, now, &mut member, &mut error)
                    });
                    ok(status, error, op)?;
                    unsafe {
                        if let Some(s) = step.get("fwd_status").and_then(Value::as_u64) {
                            ok(cachepolicy_cache_status_set_fwd_status(member, s as u16), null_mut(), op)?;
                        }
                        ok(cachepolicy_cache_status_set_stored(member, step.get("stored").and_then(Value::as_bool).unwrap_or(false)), null_mut(), op)?;
                        ok(cachepolicy_cache_status_set_collapsed(member, step.get("collapsed").and_then(Value::as_bool).unwrap_or(false)), null_mut(), op)?;
                        if let Some(k) = step.get("key").and_then(Value::as_str) {
                            ok(cachepolicy_cache_status_set_key(member, k.as_ptr().cast(), k.len()), null_mut(), op)?;
                        }
                        let mut value = null_mut();
                        ok(cachepolicy_cache_status_to_header_value(member, &mut value), null_mut(), op)?;
                        cachepolicy_cache_status_free(member);
                        check(take_text(value), expect.as_str().unwrap().to_string(), op)
                    }
                }
                "select_variant" => {
                    let r = step_request.as_ref().ok_or("select_variant needs a request")?;
                    let mut others = Vec::new();
                    for v in step["variants"].as_array().ok_or("variants")? {
                        others.push(Policy(build(v, case.get("options"))?));
                    }
                    let all: Vec<*const cachepolicy_policy> = std::iter::once(p).chain(others.iter().map(|o| o.0 as *const _)).collect();
                    let (mut found, mut index) = (false, 0usize);
                    let status = r.with(|req| unsafe { cachepolicy_select_variant(all.as_ptr(), all.len(), req, &mut found, &mut index, &mut error) });
                    ok(status, error, op)?;
                    check(found.then_some(index as i64), expect.as_i64(), op)
                }
                "invalidation_targets" => {
                    let want: Vec<String> = expect.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
                    let mut list = null_mut();
                    ok(unsafe { cachepolicy_policy_invalidation_targets(p, &mut list) }, null_mut(), op)?;
                    let mut count = 0;
                    ok(unsafe { cachepolicy_strings_count(list, &mut count) }, null_mut(), op)?;
                    let mut got = Vec::new();
                    for i in 0..count {
                        let (mut s, mut len) = (null(), 0usize);
                        ok(unsafe { cachepolicy_strings_get(list, i, &mut s, &mut len) }, null_mut(), op)?;
                        let text = code(s);
                        assert_eq!(text.len(), len);
                        got.push(text);
                    }
                    unsafe { cachepolicy_strings_free(list) };
                    check(got, want, op)
                }
                "roundtrip" => {
                    let serialize = |p: *const cachepolicy_policy| -> Result<Vec<u8>, String> {
                        let mut buffer = null_mut();
                        ok(unsafe { cachepolicy_policy_to_bytes(p, &mut buffer) }, null_mut(), "to_bytes")?;
                        let (mut data, mut len) = (null(), 0usize);
                        ok(unsafe { cachepolicy_bytes_get(buffer, &mut data, &mut len) }, null_mut(), "bytes_get")?;
                        let bytes = unsafe { std::slice::from_raw_parts(data, len) }.to_vec();
                        unsafe { cachepolicy_bytes_free(buffer) };
                        Ok(bytes)
                    };
                    let bytes = serialize(p)?;
                    let mut copy = null_mut();
                    ok(unsafe { cachepolicy_policy_from_bytes(bytes.as_ptr(), bytes.len(), &mut copy, &mut error) }, error, "from_bytes")?;
                    let copy = Policy(copy);
                    check(serialize(copy.0)? == bytes, true, "re-serialized bytes equal")?;
                    policy = copy;
                    Ok(())
                }
                other => Err(format!("unknown op {other}")),
            }
        })();
        result.map_err(|e| format!("step {i} ({op}): {e}"))?;
    }
    Ok(())
}

#[test]
fn shared_vectors_through_the_c_abi() {
    let mut files: Vec<_> = std::fs::read_dir(vectors_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let only = std::env::var("VECTOR").ok();
    let (mut passed, mut failures) = (0, Vec::new());
    for file in &files {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        for case in doc["cases"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap_or("?");
            if only.as_deref().is_some_and(|o| !name.contains(o)) {
                continue;
            }
            match std::panic::catch_unwind(|| run_case(case)) {
                Ok(Ok(())) => passed += 1,
                Ok(Err(e)) => failures.push(format!("{}: {name}: {e}", file.file_name().unwrap().to_string_lossy())),
                Err(_) => failures.push(format!("{name}: panicked")),
            }
        }
    }
    for f in &failures {
        eprintln!("FAIL {f}");
    }
    eprintln!("vectors through the C ABI: {passed} passed, {} failed", failures.len());
    assert!(failures.is_empty(), "{} vector(s) failed", failures.len());
    assert!(passed >= 700, "only {passed} vectors ran");
}
