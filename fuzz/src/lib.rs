//! What the fuzz targets share: structured inputs built with `arbitrary` from a vocabulary of
//! the names and values the rules react to (plus raw bytes), and the invariants every answer
//! of the engine must satisfy whatever the input.
//!
//! An invariant that fails panics; libFuzzer reports the panic as a crash and saves the input.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use arbitrary::{Arbitrary, Result, Unstructured};
use cachepolicy::{CachePolicy, CacheStatus, Decision, HeaderList, Options, Request, RequestNoCache, Response, SetCookiePolicy, PROFILES};

/// Tue, 14 Nov 2023 22:13:20 GMT, in Unix milliseconds.
pub const T0_MS: i64 = 1_700_000_000_000;

/// Unix milliseconds as a `SystemTime` (any `i64`).
pub fn time(ms: i64) -> SystemTime {
    if ms >= 0 {
        UNIX_EPOCH + Duration::from_millis(ms as u64)
    } else {
        UNIX_EPOCH - Duration::from_millis(ms.unsigned_abs())
    }
}

pub type Lines = Vec<(Vec<u8>, Vec<u8>)>;

/// Field names the engine gives meaning to, in several spellings, and hostile ones.
pub const NAMES: &[&str] = &[
    "cache-control", "pragma", "date", "expires", "last-modified", "age", "etag", "vary", "set-cookie",
    "connection", "keep-alive", "transfer-encoding", "te", "upgrade", "proxy-connection",
    "proxy-authenticate", "proxy-authorization", "trailer", "authorization", "host", "if-none-match",
    "if-modified-since", "if-match", "if-unmodified-since", "if-range", "range", "content-length",
    "content-encoding", "content-location", "location", "content-range", "accept-encoding", "accept",
    "cookie", "x-user", "x-hop", "cdn-cache-control", "__proto__", "constructor", "Cache-Control",
    "VARY", "Set-Cookie", "Connection", "Accept-Encoding", "hasOwnProperty", "toString",
];

/// Cache-Control / Pragma directives, valid and not.
const DIRECTIVES: &[&str] = &[
    "public", "private", "no-cache", "no-store", "must-revalidate", "proxy-revalidate", "immutable",
    "must-understand", "no-transform", "only-if-cached", "max-stale", "pre-check=0", "post-check=0",
    "no-cache=\"set-cookie\"", "no-cache=\"x-user, etag\"", "private=\"x-user, set-cookie\"",
    "private=\"\"", "no-cache=\"\"", "max-age", "s-maxage", "max-age=", "max-age=\"60\"", "MAX-AGE=5",
    "Public", "\"", "=", ",", "x=\"a,b\"", "no-cache=x-hop", "?0", "max-age=-1", "max-age=1.5",
];

const NUMERIC_DIRECTIVES: &[&str] = &["max-age", "s-maxage", "stale-while-revalidate", "stale-if-error", "max-stale", "min-fresh"];

/// Values that are neither directives nor dates.
const MISC_VALUES: &[&[u8]] = &[
    b"*", b"gzip", b"br", b"gzip, deflate", b"gzip,deflate", b" gzip ,  deflate ", b"a=1", b"x\r\ninjected: 1",
    b"\0", b"  padded  ", b"W/\"v1\"", b"\"v1\"", b"\"v2\"", b"\"v1\", \"v2\"", b"bytes=0-1",
    b"https://example.com/a", b"/a", b"//evil.example/a", b"../b", b"/a#frag", b"Bearer x", b"example.com",
    b"EXAMPLE.com:443", b"accept-encoding", b"accept-encoding, __proto__", b"constructor", b"__proto__",
    b"accept encoding", b"x-hop, keep-alive", b"close", b"set-cookie", b"\xff\xfe", b"caf\xe9", b"0",
    b"-1", b"99999999999999999999", b"\t", b"", b"no-cache", b"max-age=60", b"\"a,b\", c",
];

fn pick<'a, T: Copy>(u: &mut Unstructured<'a>, items: &[T]) -> Result<T> {
    Ok(*u.choose(items)?)
}

/// An HTTP-date in one of the three forms, valid or not, near T0 or anywhere.
fn date_value(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    let secs = match u.int_in_range(0u8..=7)? {
        0 => i64::from(u.arbitrary::<i32>()?),
        1 => u.arbitrary::<i64>()?,
        _ => T0_MS / 1000 + i64::from(u.int_in_range(-200_000i32..=200_000)?),
    };
    let imf = cachepolicy::format_http_date(secs);
    Ok(match u.int_in_range(0u8..=9)? {
        0 => {
            // RFC 850: "Tuesday, 14-Nov-23 22:13:20 GMT"
            let b = imf.as_bytes();
            let day = match &imf[..3] {
                "Mon" => "Monday",
                "Tue" => "Tuesday",
                "Wed" => "Wednesday",
                "Thu" => "Thursday",
                "Fri" => "Friday",
                "Sat" => "Saturday",
                _ => "Sunday",
            };
            format!("{day}, {}-{}-{} {} GMT", &imf[5..7], &imf[8..11], std::str::from_utf8(&b[14..16]).unwrap_or("00"), &imf[17..25]).into_bytes()
        }
        1 => {
            // asctime: "Tue Nov 14 22:13:20 2023"
            let day: u32 = imf[5..7].parse().unwrap_or(1);
            format!("{} {} {:>2} {} {}", &imf[..3], &imf[8..11], day, &imf[17..25], &imf[12..16]).into_bytes()
        }
        2 => u.arbitrary::<Vec<u8>>()?,
        3 => {
            let mut b = imf.into_bytes();
            let i = u.choose_index(b.len())?;
            b[i] = u.arbitrary()?;
            b
        }
        _ => imf.into_bytes(),
    })
}

/// A Cache-Control-like value: directives joined by a separator.
fn directives_value(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    let n = u.int_in_range(0u8..=5)?;
    let mut parts: Vec<Vec<u8>> = Vec::new();
    for _ in 0..n {
        parts.push(match u.int_in_range(0u8..=5)? {
            0 | 1 => pick(u, DIRECTIVES)?.as_bytes().to_vec(),
            2 | 3 => {
                let name = pick(u, NUMERIC_DIRECTIVES)?;
                let number = match u.int_in_range(0u8..=5)? {
                    0 => u.arbitrary::<u64>()?.to_string(),
                    1 => "99999999999999999999999".to_string(),
                    2 => format!("\"{}\"", u.int_in_range(0u32..=100_000)?),
                    3 => String::from_utf8_lossy(&u.arbitrary::<Vec<u8>>()?).into_owned(),
                    _ => u.int_in_range(0u32..=100_000)?.to_string(),
                };
                format!("{name}={number}").into_bytes()
            }
            4 => u.arbitrary::<Vec<u8>>()?,
            _ => pick(u, MISC_VALUES)?.to_vec(),
        });
    }
    let sep: &[u8] = pick(u, &[&b", "[..], b",", b" , ", b",,", b"\t,"])?;
    Ok(parts.join(sep))
}

/// A list of field names (for Vary, Connection).
fn names_value(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    let n = u.int_in_range(0u8..=4)?;
    let mut parts: Vec<Vec<u8>> = Vec::new();
    for _ in 0..n {
        parts.push(match u.int_in_range(0u8..=7)? {
            0 => b"*".to_vec(),
            1 => u.arbitrary::<Vec<u8>>()?,
            2 => b"accept encoding".to_vec(),
            _ => pick(u, NAMES)?.as_bytes().to_vec(),
        });
    }
    let sep: &[u8] = pick(u, &[&b", "[..], b",", b" ,  "])?;
    Ok(parts.join(sep))
}

/// A field name: mostly known ones, sometimes anything (then usually invalid).
pub fn name(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    Ok(if u.ratio(1u8, 12)? { u.arbitrary::<Vec<u8>>()? } else { pick(u, NAMES)?.as_bytes().to_vec() })
}

/// A value fitting the name most of the time.
pub fn value(u: &mut Unstructured<'_>, name: &[u8]) -> Result<Vec<u8>> {
    if u.ratio(1u8, 8)? {
        return u.arbitrary();
    }
    let lower = name.to_ascii_lowercase();
    Ok(match &lower[..] {
        b"cache-control" | b"pragma" | b"cdn-cache-control" => directives_value(u)?,
        b"date" | b"expires" | b"last-modified" | b"if-modified-since" | b"if-unmodified-since" => date_value(u)?,
        b"vary" | b"connection" => names_value(u)?,
        b"age" | b"content-length" => match u.int_in_range(0u8..=3)? {
            0 => u.arbitrary::<i64>()?.to_string().into_bytes(),
            1 => pick(u, MISC_VALUES)?.to_vec(),
            _ => u.int_in_range(0u32..=10_000)?.to_string().into_bytes(),
        },
        b"etag" | b"if-none-match" | b"if-match" => {
            pick(u, &[&b"\"v1\""[..], b"W/\"v1\"", b"\"v2\"", b"*", b"\"v1\", \"v2\"", b"W/\"v2\", \"v1\"", b"v1"])?.to_vec()
        }
        _ => pick(u, MISC_VALUES)?.to_vec(),
    })
}

/// A header line list of up to `max` lines.
pub fn lines(u: &mut Unstructured<'_>, max: u8) -> Result<Lines> {
    let n = u.int_in_range(0..=max)?;
    let mut out = Vec::with_capacity(n.into());
    for _ in 0..n {
        let name = name(u)?;
        let value = value(u, &name)?;
        out.push((name, value));
    }
    Ok(out)
}

/// A time: mostly near T0, sometimes anywhere.
pub fn when(u: &mut Unstructured<'_>) -> Result<i64> {
    Ok(match u.int_in_range(0u8..=15)? {
        0 => u.arbitrary()?,
        1 => *u.choose(&[i64::MIN, i64::MAX, 0, -1, 253_402_300_799_999, 253_402_300_800_000])?,
        _ => T0_MS + i64::from(u.int_in_range(-100_000i32..=1_000_000)?) * 1000 + i64::from(u.int_in_range(0u16..=999)?),
    })
}

#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    pub url: String,
    pub headers: Lines,
}

impl Req {
    pub fn view(&self) -> Request<'_, Lines> {
        Request { method: &self.method, url: &self.url, headers: &self.headers }
    }
    pub fn has(&self, name: &str) -> bool {
        self.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
    }
}

impl<'a> Arbitrary<'a> for Req {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let method = match u.int_in_range(0u8..=15)? {
            0 => String::from_utf8_lossy(&u.arbitrary::<Vec<u8>>()?).into_owned(),
            1..=3 => pick(u, &["HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "get", "TRACE"])?.to_string(),
            _ => "GET".to_string(),
        };
        let url = match u.int_in_range(0u8..=15)? {
            0 => String::from_utf8_lossy(&u.arbitrary::<Vec<u8>>()?).into_owned(),
            1..=5 => pick(
                u,
                &["http://example.com/a", "/a", "https://EXAMPLE.com:443/a", "https://example.com/a?q=1", "https://example.com/b", "//example.com/a", "*", "https://example.com", "/a#x", "https://example.com/a/../a"],
            )?
            .to_string(),
            _ => "https://example.com/a".to_string(),
        };
        let mut headers = lines(u, 8)?;
        if u.ratio(1u8, 2)? {
            headers.insert(0, (b"host".to_vec(), b"example.com".to_vec()));
        }
        Ok(Req { method, url, headers })
    }
}

#[derive(Debug, Clone)]
pub struct Res {
    pub status: u16,
    pub headers: Lines,
}

impl Res {
    pub fn view(&self) -> Response<'_, Lines> {
        Response { status: self.status, headers: &self.headers }
    }
}

impl<'a> Arbitrary<'a> for Res {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let status = match u.int_in_range(0u8..=15)? {
            0 => u.arbitrary()?,
            1..=7 => pick(u, &[200, 203, 204, 206, 300, 301, 302, 304, 307, 308, 404, 410, 500, 502, 503, 504, 100, 199, 999, 99, 1000])?,
            _ => 200,
        };
        Ok(Res { status, headers: lines(u, 10)? })
    }
}

/// Options: a profile, then some options changed (rarely to invalid values).
#[derive(Debug, Clone)]
pub struct Opts(pub Options);

impl<'a> Arbitrary<'a> for Opts {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let mut o = Options::profile(pick(u, &PROFILES)?).expect("known profile");
        macro_rules! maybe {
            ($($field:ident),*) => {$(
                if u.ratio(1u8, 6)? {
                    o.$field = u.arbitrary()?;
                }
            )*};
        }
        maybe!(shared, ignore_cargo_cult, trust_server_date, cache_etags, ignore_request_cache_control, honor_request_no_cache,
            store_authenticated, ignore_s_maxage, ignore_no_store, store_https, bypass_range_and_conditional, store_only_2xx,
            suppress_age, replace_date);
        if u.ratio(1u8, 8)? {
            o.cache_heuristic = pick(u, &[0.0, 0.5, 1.0, 1e300, -0.0, f64::MIN_POSITIVE])?;
        }
        if u.ratio(1u8, 50)? {
            o.cache_heuristic = u.arbitrary()?;
        }
        if u.ratio(1u8, 8)? {
            o.immutable_min_time_to_live = Duration::from_millis(u.arbitrary()?);
        }
        if u.ratio(1u8, 5)? {
            o.grace_period = Duration::from_millis(u.int_in_range(0u64..=10_000_000)?);
        }
        if u.ratio(1u8, 50)? {
            o.grace_period = Duration::from_millis(u.arbitrary()?);
        }
        if u.ratio(1u8, 6)? {
            o.set_cookie = pick(u, &[SetCookiePolicy::Revalidate, SetCookiePolicy::Refuse, SetCookiePolicy::Strip, SetCookiePolicy::Keep])?;
        }
        if u.ratio(1u8, 6)? {
            o.request_no_cache = pick(u, &[RequestNoCache::Revalidate, RequestNoCache::Reload])?;
        }
        if u.ratio(1u8, 5)? {
            o.targeted_fields = vec!["cdn-cache-control".to_string()];
            if u.ratio(1u8, 4)? {
                o.targeted_fields.push(String::from_utf8_lossy(&name(u)?).into_owned());
            }
        }
        Ok(Opts(o))
    }
}

/// A field name is a token (RFC 9110 §5.6.2).
pub fn is_token(b: &[u8]) -> bool {
    !b.is_empty()
        && b.iter().all(|&c| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c))
}

const HOP_BY_HOP: &[&str] = &[
    "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade",
];

pub fn is_hop_by_hop(name: &[u8]) -> bool {
    HOP_BY_HOP.iter().any(|h| h.as_bytes().eq_ignore_ascii_case(name))
}

/// The comma-separated members of a value, trimmed (quotes are not special in Connection).
fn members(v: &[u8]) -> impl Iterator<Item = &[u8]> {
    v.split(|&b| b == b',').map(|m| {
        let start = m.iter().position(|&b| b != b' ' && b != b'\t').unwrap_or(m.len());
        let end = m.iter().rposition(|&b| b != b' ' && b != b'\t').map_or(start, |e| e + 1);
        &m[start..end]
    })
}

/// Names listed in the Connection lines of `lines`.
pub fn connection_listed<'a>(lines: impl Iterator<Item = (&'a [u8], &'a [u8])>) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for (n, v) in lines {
        if n.eq_ignore_ascii_case(b"connection") {
            out.extend(members(v).filter(|m| !m.is_empty()).map(|m| m.to_ascii_lowercase()));
        }
    }
    out
}

/// Every produced line: a token name, a value without CR, LF or NUL (no header injection).
pub fn assert_clean(list: &HeaderList<'_>, what: &str) {
    for (name, value) in list {
        assert!(is_token(name.as_bytes()), "{what}: name {name:?} is not a token");
        assert!(!value.iter().any(|&b| matches!(b, b'\r' | b'\n' | 0)), "{what}: CR/LF/NUL in the value of {name}: {value:?}");
    }
}

/// The headers to serve: clean, no hop-by-hop or Connection-listed field, one Age (none when
/// suppressed), at least one Date.
pub fn check_served(p: &CachePolicy, list: &HeaderList<'_>) {
    assert_clean(list, "served");
    let listed = connection_listed(p.stored_headers().map(|(n, v)| (n.as_bytes(), v)));
    for (name, _) in list {
        assert!(!is_hop_by_hop(name.as_bytes()), "hop-by-hop {name} served");
        let lower = name.to_ascii_lowercase();
        assert!(!listed.iter().any(|l| l == lower.as_bytes()), "{name} is listed in Connection but served");
    }
    let count = |n: &str| list.iter().filter(|(name, _)| name.eq_ignore_ascii_case(n)).count();
    assert_eq!(count("age"), usize::from(!p.options().suppress_age), "Age lines in {list:?}");
    assert!(count("date") >= 1, "no Date served: {list:?}");
}

/// The headers sent to the origin: clean, no hop-by-hop field and nothing the request's
/// Connection lists.
pub fn check_forwarded(request: &Req, list: &HeaderList<'_>) {
    assert_clean(list, "forwarded");
    let listed = connection_listed(request.headers.iter().map(|(n, v)| (&n[..], &v[..])));
    for (name, _) in list {
        assert!(!is_hop_by_hop(name.as_bytes()), "hop-by-hop {name} forwarded");
        let lower = name.to_ascii_lowercase();
        // The engine's own validators are added whatever the request's Connection says.
        if lower != "if-none-match" && lower != "if-modified-since" {
            assert!(!listed.iter().any(|l| l == lower.as_bytes()), "{name} is listed in Connection but forwarded");
        }
    }
}

/// What the harness knows about how a policy was built, for the security invariants.
#[derive(Debug, Clone, Copy)]
pub struct Origin {
    /// The request the stored response answered carried Authorization.
    pub authorized: bool,
    /// Built by the constructor (or revalidation), not read from bytes: serialized bytes can
    /// describe any policy (SECURITY.md), e.g. a stored Set-Cookie under `set_cookie = strip`.
    pub constructed: bool,
}

/// Everything `evaluate` answers for `request` at `now_ms`, checked against the other
/// questions and the security rules.
pub fn check_evaluation(p: &CachePolicy, origin: Origin, request: &Req, now_ms: i64) -> Decision {
    let now = time(now_ms);
    let view = request.view();
    let e = p.evaluate(&view, now);
    let d = e.decision();
    assert_eq!(p.satisfies_without_revalidation(&view, now), matches!(d, Decision::Fresh | Decision::Stale), "satisfies disagrees with {d:?}");
    assert_eq!(e.reason().is_none(), d == Decision::Fresh, "reason {:?} with {d:?}", e.reason());
    let served = e.response_headers();
    assert_eq!(served.is_some(), d.serves_stored());
    if let Some(list) = &served {
        check_served(p, list);
        assert_eq!(list, &p.response_headers(now));
    }
    let sent = e.revalidation_headers();
    assert_eq!(sent.is_some(), d.contacts_origin());
    if let Some(list) = &sent {
        check_forwarded(request, list);
        assert_eq!(list, &p.revalidation_headers(&view, now));
    }
    check_forwarded(request, &cachepolicy::forward_headers(&view));
    check_forwarded(request, &p.unconditional_headers(&view));

    let o = p.options();
    let cc = p.response_directives();
    // A policy that is not storable never answers anything.
    if !p.storable() {
        assert!(!d.serves_stored(), "unstorable policy served: {d:?}");
        assert!(matches!(d, Decision::NoMatch | Decision::GatewayTimeout), "unstorable policy: {d:?}");
    }
    if d == Decision::Fresh {
        assert!(!p.is_stale(now) && p.time_to_live(now) > Duration::ZERO);
    }
    if matches!(d, Decision::Stale | Decision::StaleWhileRevalidate) {
        assert!(p.is_stale(now));
        // max-stale, stale-while-revalidate and grace never override these.
        assert!(!cc.no_cache, "stale served despite no-cache");
        assert!(!cc.must_revalidate, "stale served despite must-revalidate");
        assert!(!(o.shared && cc.proxy_revalidate), "stale served despite proxy-revalidate in a shared cache");
        assert!(!(o.shared && cc.s_maxage.is_present()), "stale served despite s-maxage in a shared cache");
    }
    // A shared cache never stores private responses, nor authorized ones without permission.
    if o.shared && cc.private {
        assert!(!p.storable(), "private response storable in a shared cache");
    }
    if o.shared && origin.authorized && !o.store_authenticated && !(cc.public || cc.s_maxage.is_present() || cc.must_revalidate) {
        assert!(!p.storable(), "authorized response storable in a shared cache");
    }
    // Set-Cookie in a shared cache: every reuse revalidated unless the origin opted in.
    let cookie = p.stored_headers().any(|(n, _)| n.eq_ignore_ascii_case("set-cookie"));
    if o.shared && cookie && o.set_cookie == SetCookiePolicy::Revalidate && !(cc.public || cc.s_maxage.is_present() || cc.immutable) {
        assert!(!d.serves_stored(), "Set-Cookie response served without revalidation: {d:?}");
    }
    if o.set_cookie == SetCookiePolicy::Refuse && cookie {
        assert!(!p.storable());
    }
    if o.set_cookie == SetCookiePolicy::Strip && origin.constructed {
        assert!(!cookie, "Set-Cookie kept despite strip");
    }
    // Cache-Status is one clean, printable line.
    let status = CacheStatus::from_evaluation("edge cache", &e).with_key(p.primary_key()).to_header_value();
    assert!(status.bytes().all(|b| (b' '..=b'~').contains(&b)), "Cache-Status {status:?}");
    d
}

/// Time-dependent answers move one way as time passes.
pub fn check_monotonic(p: &CachePolicy, a_ms: i64, b_ms: i64) {
    let (early, late) = (time(a_ms.min(b_ms)), time(a_ms.max(b_ms)));
    assert!(p.time_to_live(late) <= p.time_to_live(early), "time to live increased");
    assert!(p.age(late) >= p.age(early), "age decreased");
    assert!(p.retention(late) <= p.retention(early), "retention increased");
    assert!(!p.is_stale(early) || p.is_stale(late), "stale, then fresh again");
    for t in [early, late] {
        assert_eq!(p.is_stale(t), p.time_to_live(t) == Duration::ZERO);
        let _ = (p.expiry_stage(t), p.within_stale_while_revalidate(t));
    }
}

/// Serialize → deserialize is the identity, and the copy answers as the original.
pub fn check_roundtrip(p: &CachePolicy, origin: Origin, request: &Req, now_ms: i64) -> CachePolicy {
    let bytes = p.to_bytes();
    let copy = CachePolicy::from_bytes(&bytes).unwrap_or_else(|e| panic!("own bytes refused: {e}"));
    assert_eq!(copy.to_bytes(), bytes, "re-serialized bytes differ");
    assert_eq!(&copy, p);
    let now = time(now_ms);
    let view = request.view();
    assert_eq!(copy.evaluate(&view, now).decision(), p.evaluate(&view, now).decision());
    assert_eq!(copy.evaluate(&view, now).reason(), p.evaluate(&view, now).reason());
    assert_eq!(copy.response_headers(now), p.response_headers(now));
    assert_eq!(copy.revalidation_headers(&view, now), p.revalidation_headers(&view, now));
    assert_eq!(copy.time_to_live(now), p.time_to_live(now));
    assert_eq!(copy.storable(), p.storable());
    assert_eq!(copy.not_storable_reason(), p.not_storable_reason());
    assert_eq!(copy.secondary_key(), p.secondary_key());
    assert_eq!(copy.primary_key(), p.primary_key());
    check_evaluation(&copy, origin, request, now_ms);
    copy
}

/// A time in Unix milliseconds, mostly near T0 (see [`when`]).
#[derive(Debug, Clone, Copy)]
pub struct At(pub i64);

impl<'a> Arbitrary<'a> for At {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(At(when(u)?))
    }
}

/// Header lines for [`Arbitrary`] derives.
#[derive(Debug, Clone)]
pub struct ExtraLines(pub Lines);

impl<'a> Arbitrary<'a> for ExtraLines {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(ExtraLines(lines(u, 4)?))
    }
}
