//! Runs every shared test vector in `tests/vectors/*.json` (format: tests/vectors/README.md).

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cachepolicy::{CachePolicy, CacheStatus, HeaderList, Options, Request, RequestNoCache, Response, SetCookiePolicy};
use serde_json::Value;

type Lines = Vec<(Vec<u8>, Vec<u8>)>;

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

fn time(v: &Value) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs_f64(v.as_f64().expect("time is a number"))
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
    v.and_then(Value::as_array)
        .map(|a| a.iter().map(|p| (bytes(&p[0]), bytes(&p[1]))).collect())
        .unwrap_or_default()
}

struct Req {
    method: String,
    url: String,
    headers: Lines,
}

impl Req {
    fn of(v: &Value) -> Req {
        Req {
            method: v.get("method").and_then(Value::as_str).unwrap_or("GET").to_string(),
            url: v["url"].as_str().expect("request url").to_string(),
            headers: lines(v.get("headers")),
        }
    }
    fn raw(&self) -> Request<'_, Lines> {
        Request { method: &self.method, url: &self.url, headers: &self.headers }
    }
}

fn status_of(v: &Value) -> u16 {
    match v.get("status") {
        None => 200,
        Some(s) => s.as_i64().map_or(0, |n| u16::try_from(n).unwrap_or(0)),
    }
}

/// The case's options: `profile` first, then each option; `Err(Ok(e))` is an engine error.
fn options(v: Option<&Value>) -> Result<Options, Result<cachepolicy::Error, String>> {
    let object = v.and_then(Value::as_object);
    let mut o = match object.and_then(|m| m.get("profile")) {
        Some(p) => Options::profile(p.as_str().unwrap_or("")).map_err(Ok)?,
        None => Options::default(),
    };
    let secs = |val: &Value, what: &str| -> Result<Duration, Result<cachepolicy::Error, String>> {
        Ok(Duration::from_secs_f64(val.as_f64().ok_or(Err(what.to_string()))?.max(0.0)))
    };
    let flag = |val: &Value, what: &str| val.as_bool().ok_or(Err(what.to_string()));
    for (k, val) in object.into_iter().flatten() {
        match k.as_str() {
            "profile" => {}
            "cache_etags" => o.cache_etags = flag(val, k)?,
            "request_no_cache" => {
                o.request_no_cache = match val.as_str() {
                    Some("revalidate") => RequestNoCache::Revalidate,
                    Some("reload") => RequestNoCache::Reload,
                    _ => return Err(Err("request_no_cache".into())),
                }
            }
            "targeted_fields" => {
                o.targeted_fields = val.as_array().ok_or(Err(k.clone()))?.iter().map(|v| v.as_str().unwrap_or("").to_string()).collect()
            }
            "ignore_request_cache_control" => o.ignore_request_cache_control = flag(val, k)?,
            "honor_request_no_cache" => o.honor_request_no_cache = flag(val, k)?,
            "store_authenticated" => o.store_authenticated = flag(val, k)?,
            "ignore_s_maxage" => o.ignore_s_maxage = flag(val, k)?,
            "grace_period" => o.grace_period = secs(val, k)?,
            "ignore_no_store" => o.ignore_no_store = flag(val, k)?,
            "store_https" => o.store_https = flag(val, k)?,
            "bypass_range_and_conditional" => o.bypass_range_and_conditional = flag(val, k)?,
            "store_only_2xx" => o.store_only_2xx = flag(val, k)?,
            "set_cookie" => {
                o.set_cookie = match val.as_str() {
                    Some("revalidate") => SetCookiePolicy::Revalidate,
                    Some("refuse") => SetCookiePolicy::Refuse,
                    Some("strip") => SetCookiePolicy::Strip,
                    Some("keep") => SetCookiePolicy::Keep,
                    _ => return Err(Err("set_cookie".into())),
                }
            }
            "suppress_age" => o.suppress_age = flag(val, k)?,
            "replace_date" => o.replace_date = flag(val, k)?,
            "shared" => o.shared = flag(val, k)?,
            "cache_heuristic" => o.cache_heuristic = val.as_f64().ok_or(Err(k.clone()))?,
            "immutable_min_time_to_live" => o.immutable_min_time_to_live = secs(val, k)?,
            "ignore_cargo_cult" => o.ignore_cargo_cult = flag(val, k)?,
            "trust_server_date" => o.trust_server_date = flag(val, k)?,
            other => return Err(Err(format!("unknown option {other}"))),
        }
    }
    Ok(o)
}

fn same_headers(actual: &HeaderList<'_>, expected: &Value) -> Result<(), String> {
    let expected = lines(Some(expected));
    let ok = actual.len() == expected.len()
        && actual.iter().zip(&expected).all(|((n, v), (en, ev))| n.as_bytes().eq_ignore_ascii_case(en) && v.as_ref() == ev.as_slice());
    if ok {
        Ok(())
    } else {
        let show = |l: Vec<(String, String)>| format!("{l:?}");
        Err(format!(
            "headers differ:\n      got  {}\n      want {}",
            show(actual.iter().map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v).into_owned())).collect()),
            show(expected.iter().map(|(n, v)| (String::from_utf8_lossy(n).into_owned(), String::from_utf8_lossy(v).into_owned())).collect()),
        ))
    }
}

fn close(got: f64, want: &Value, what: &str) -> Result<(), String> {
    let want = want.as_f64().ok_or_else(|| format!("{what}: expect is not a number"))?;
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

/// Builds a policy from a `{request, response, response_time, request_time?}` object.
fn build(case: &Value, options: &Options) -> Result<CachePolicy, cachepolicy::Error> {
    let request = Req::of(&case["request"]);
    let response_value = &case["response"];
    let response_lines = lines(response_value.get("headers"));
    let response = Response { status: status_of(response_value), headers: &response_lines };
    let response_time = time(&case["response_time"]);
    let request_time = case.get("request_time").map_or(response_time, time);
    CachePolicy::with_request_time(&request.raw(), &response, options, request_time, response_time)
}

fn run_case(case: &Value) -> Result<(), String> {
    let response_time = time(&case["response_time"]);
    let built = options(case.get("options")).map_err(|e| e.map_or_else(|s| s, |e| e.to_string())).map(|o| (build(case, &o), o));
    let (built, options) = match (built, case.get("construct_error")) {
        (Ok(pair), _) => pair,
        (Err(e), None) => return Err(e),
        (Err(_), Some(_)) => match options(case.get("options")) {
            Err(Ok(e)) => return check(e.kind().code(), case["construct_error"].as_str().unwrap_or(""), "construct_error"),
            _ => return Err("bad options".into()),
        },
    };
    if let Some(kind) = case.get("construct_error") {
        return match built {
            Err(e) => check(e.kind().code(), kind.as_str().unwrap_or(""), "construct_error"),
            Ok(_) => Err(format!("constructed, want error {kind}")),
        };
    }
    let mut policy = built.map_err(|e| format!("construct failed: {e}"))?;
    for (i, step) in case["steps"].as_array().ok_or("no steps")?.iter().enumerate() {
        let op = step["op"].as_str().unwrap_or("");
        let now = step.get("now").map_or(response_time, time);
        let expect = &step["expect"];
        let step_request = step.get("request").map(Req::of);
        let result = (|| -> Result<(), String> {
            match op {
                "storable" => {
                    check(policy.storable(), expect.as_bool().unwrap(), "storable")?;
                    if let Some(reason) = step.get("reason").and_then(Value::as_str) {
                        check(policy.not_storable_reason().map(|r| r.code()), Some(reason), "reason")?;
                    }
                    Ok(())
                }
                "freshness_lifetime" => close(policy.freshness_lifetime().as_secs_f64(), expect, "freshness_lifetime"),
                "freshness_source" => check(policy.freshness_source().code(), expect.as_str().unwrap(), "freshness_source"),
                "age" => close(policy.age(now).as_secs_f64(), expect, "age"),
                "time_to_live" => close(policy.time_to_live(now).as_secs_f64(), expect, "time_to_live"),
                "stale" => check(policy.is_stale(now), expect.as_bool().unwrap(), "stale"),
                "satisfies" => {
                    let r = step_request.as_ref().ok_or("satisfies needs a request")?;
                    check(policy.satisfies_without_revalidation(&r.raw(), now), expect.as_bool().unwrap(), "satisfies")
                }
                "evaluate" => {
                    let r = step_request.as_ref().ok_or("evaluate needs a request")?;
                    let raw = r.raw();
                    let e = policy.evaluate(&raw, now);
                    check(e.decision().code(), expect["decision"].as_str().unwrap(), "decision")?;
                    if let Some(reason) = expect.get("reason") {
                        check(e.reason().map(|r| r.code()), reason.as_str(), "reason")?;
                    }
                    if let Some(h) = expect.get("response_headers") {
                        same_headers(&e.response_headers().ok_or("no response headers")?, h)?;
                    }
                    if let Some(h) = expect.get("revalidation_headers") {
                        same_headers(&e.revalidation_headers().ok_or("no revalidation headers")?, h)?;
                    }
                    Ok(())
                }
                "response_headers" => same_headers(&policy.response_headers(now), expect),
                "revalidation_headers" => {
                    let r = step_request.as_ref().ok_or("revalidation_headers needs a request")?;
                    same_headers(&policy.revalidation_headers(&r.raw(), now), expect)
                }
                "revalidate" => {
                    let r = step_request.as_ref().ok_or("revalidate needs a request")?;
                    let res_value = &step["response"];
                    let res_lines = lines(res_value.get("headers"));
                    let res = Response { status: status_of(res_value), headers: &res_lines };
                    let res = (!res_value.is_null()).then_some(&res);
                    let out = policy.revalidated_policy(&r.raw(), res, now).map_err(|e| format!("revalidate failed: {e}"))?;
                    check(out.modified, expect["modified"].as_bool().unwrap(), "modified")?;
                    if let Some(m) = expect.get("matches") {
                        check(out.matches, m.as_bool().unwrap(), "matches")?;
                    }
                    policy = out.policy;
                    Ok(())
                }
                "retention" => close(policy.retention(now).as_secs_f64(), expect, "retention"),
                "expiry_stage" => check(policy.expiry_stage(now).code(), expect.as_str().unwrap(), "expiry_stage"),
                "lost_update_headers" => {
                    let r = step_request.as_ref().ok_or("lost_update_headers needs a request")?;
                    same_headers(&policy.lost_update_headers(&r.raw()), expect)
                }
                "primary_key" => match &step_request {
                    Some(r) => check(cachepolicy::primary_key(&r.raw()).map_err(|e| e.to_string())?, expect.as_str().unwrap().to_string(), "primary_key"),
                    None => check(policy.primary_key(), expect.as_str().unwrap().to_string(), "primary_key"),
                },
                "secondary_key" => match &step_request {
                    Some(r) => check(policy.secondary_key_for(&r.raw()), expect.as_str().unwrap().to_string(), "secondary_key"),
                    None => check(policy.secondary_key(), expect.as_str().unwrap().to_string(), "secondary_key"),
                },
                "cache_status" => {
                    let r = step_request.as_ref().ok_or("cache_status needs a request")?;
                    let raw = r.raw();
                    let e = policy.evaluate(&raw, now);
                    let mut status = CacheStatus::from_evaluation(step["cache"].as_str().unwrap_or("cache"), &e);
                    if let Some(s) = step.get("fwd_status").and_then(Value::as_u64) {
                        status = status.with_fwd_status(s as u16);
                    }
                    status = status.with_stored(step.get("stored").and_then(Value::as_bool).unwrap_or(false));
                    status = status.with_collapsed(step.get("collapsed").and_then(Value::as_bool).unwrap_or(false));
                    if let Some(k) = step.get("key").and_then(Value::as_str) {
                        status = status.with_key(k);
                    }
                    check(status.to_header_value(), expect.as_str().unwrap().to_string(), "cache_status")
                }
                "select_variant" => {
                    let r = step_request.as_ref().ok_or("select_variant needs a request")?;
                    let others: Vec<CachePolicy> = step["variants"].as_array().ok_or("variants")?.iter().map(|v| build(v, &options).map_err(|e| e.to_string())).collect::<Result<_, _>>()?;
                    let all: Vec<&CachePolicy> = std::iter::once(&policy).chain(others.iter()).collect();
                    let chosen = cachepolicy::select_variant(all.iter().copied(), &r.raw()).map(|c| all.iter().position(|p| std::ptr::eq(*p, c)).unwrap());
                    check(chosen.map(|i| i as i64), expect.as_i64(), "select_variant")
                }
                "invalidation_targets" => {
                    let want: Vec<String> = expect.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
                    check(policy.invalidation_targets(), want, "invalidation_targets")
                }
                "roundtrip" => {
                    let bytes = policy.to_bytes();
                    let copy = CachePolicy::from_bytes(&bytes).map_err(|e| format!("from_bytes: {e}"))?;
                    check(copy.to_bytes() == bytes, true, "re-serialized bytes equal")?;
                    check(copy == policy, true, "copy equals original")?;
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
fn shared_vectors() {
    let mut files: Vec<_> = std::fs::read_dir(vectors_dir()).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "json")).collect();
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
    eprintln!("vectors: {passed} passed, {} failed", failures.len());
    assert!(failures.is_empty(), "{} vector(s) failed", failures.len());
    assert!(passed >= 250, "only {passed} vectors ran");
}
