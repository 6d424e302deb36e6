//! A stable binary serialization of a policy.
//!
//! Format version 1 (all integers little-endian; `bytes` = u32 length + that many bytes):
//!
//! ```text
//! magic "CPOL" · version u8 = 1
//! options: switches u32 (bit per boolean option, in the order of OPTION_BITS)
//!          · request_no_cache u8 (0 revalidate, 1 reload)
//!          · set_cookie u8 (0 revalidate, 1 refuse, 2 strip, 3 keep)
//!          · cache_heuristic f64 · immutable_min_time_to_live u64 ms · grace_period u64 ms
//!          · targeted field count u32, each: bytes
//! flags u8: 1 request had Authorization · 2 request said no-store · 4 invalidated by a HEAD
//!           response · 8 request had Range or preconditions (bypassed)
//! request_time i64 ms · response_time i64 ms · status u16
//! method bytes · url bytes · host u8 (0 absent, 1 present) [bytes]
//! vary count u32, each: name bytes · present u8 [value bytes]
//! field count u32, each: name bytes · value bytes · served u8
//! ```
//!
//! Reading validates everything the constructor validates and rejects unknown versions,
//! unknown flag bits, truncation and trailing bytes. Derived facts are recomputed, so a
//! round trip gives an equal policy.

use std::time::Duration;

use crate::error::{Error, ErrorKind};
use crate::headers::{classify, needs_sanitizing, sanitize, Arena, Field};
use crate::options::{Options, RequestNoCache, SetCookiePolicy};
use crate::policy::{check_method, check_status, check_url, header_name, CachePolicy, Stored};
use crate::vary::{Selected, Selections};

const MAGIC: &[u8; 4] = b"CPOL";
/// The serialization format version this build writes and reads.
pub const FORMAT_VERSION: u8 = 1;
const KNOWN_FLAGS: u8 = 0b1111;

/// The boolean options, bit 0 upwards.
fn option_bits(o: &Options) -> [bool; 14] {
    [
        o.shared,
        o.ignore_cargo_cult,
        o.trust_server_date,
        o.cache_etags,
        o.ignore_request_cache_control,
        o.honor_request_no_cache,
        o.store_authenticated,
        o.ignore_s_maxage,
        o.ignore_no_store,
        o.store_https,
        o.bypass_range_and_conditional,
        o.store_only_2xx,
        o.suppress_age,
        o.replace_date,
    ]
}

fn set_option_bits(o: &mut Options, bits: u32) {
    let b = |i: u32| bits & (1 << i) != 0;
    o.shared = b(0);
    o.ignore_cargo_cult = b(1);
    o.trust_server_date = b(2);
    o.cache_etags = b(3);
    o.ignore_request_cache_control = b(4);
    o.honor_request_no_cache = b(5);
    o.store_authenticated = b(6);
    o.ignore_s_maxage = b(7);
    o.ignore_no_store = b(8);
    o.store_https = b(9);
    o.bypass_range_and_conditional = b(10);
    o.store_only_2xx = b(11);
    o.suppress_age = b(12);
    o.replace_date = b(13);
}

impl CachePolicy {
    /// Serializes the policy (format documented in this module; versioned, stable).
    pub fn to_bytes(&self) -> Vec<u8> {
        let s = &self.stored;
        let a = &s.arena;
        let mut out = Vec::with_capacity(self.serialized_len_bound());
        out.extend_from_slice(MAGIC);
        out.push(FORMAT_VERSION);
        let o = &s.options;
        let bits = option_bits(o).iter().enumerate().fold(0u32, |acc, (i, &on)| acc | u32::from(on) << i);
        out.extend_from_slice(&bits.to_le_bytes());
        out.push(match o.request_no_cache {
            RequestNoCache::Revalidate => 0,
            RequestNoCache::Reload => 1,
        });
        out.push(match o.set_cookie {
            SetCookiePolicy::Revalidate => 0,
            SetCookiePolicy::Refuse => 1,
            SetCookiePolicy::Strip => 2,
            SetCookiePolicy::Keep => 3,
        });
        out.extend_from_slice(&o.cache_heuristic.to_le_bytes());
        out.extend_from_slice(&(o.immutable_min_ms() as u64).to_le_bytes());
        out.extend_from_slice(&(o.grace_ms() as u64).to_le_bytes());
        out.extend_from_slice(&(o.targeted_fields.len() as u32).to_le_bytes());
        for name in &o.targeted_fields {
            put(&mut out, name.as_bytes());
        }
        let flags = u8::from(s.request_authorized)
            | u8::from(s.request_no_store) << 1
            | u8::from(s.invalidated) << 2
            | u8::from(s.request_bypassed) << 3;
        out.push(flags);
        out.extend_from_slice(&s.request_time.to_le_bytes());
        out.extend_from_slice(&s.response_time.to_le_bytes());
        out.extend_from_slice(&s.status.to_le_bytes());
        put(&mut out, a.text(s.method).as_bytes());
        put(&mut out, a.text(s.url).as_bytes());
        match s.host {
            Some(h) => {
                out.push(1);
                put(&mut out, a.text(h).as_bytes());
            }
            None => out.push(0),
        }
        out.extend_from_slice(&(s.vary.len() as u32).to_le_bytes());
        for v in &s.vary {
            put(&mut out, a.text(v.name).as_bytes());
            match v.value {
                Some(val) => {
                    out.push(1);
                    put(&mut out, a.get(val));
                }
                None => out.push(0),
            }
        }
        out.extend_from_slice(&(s.fields.len() as u32).to_le_bytes());
        for f in &s.fields {
            put(&mut out, a.text(f.name).as_bytes());
            put(&mut out, a.get(f.value));
            out.push(u8::from(f.served));
        }
        out
    }

    /// At least the length [`to_bytes`](Self::to_bytes) writes (the arena holds every name and
    /// value once), so that its buffer is allocated once.
    fn serialized_len_bound(&self) -> usize {
        let s = &self.stored;
        // Magic, version, options, flags, times, status, the method, URL and host lengths and
        // markers, the two counts.
        const FIXED: usize = 4 + 1 + (4 + 1 + 1 + 8 + 8 + 8 + 4) + 1 + (8 + 8 + 2) + (4 + 4 + 1 + 4) + (4 + 4);
        let targeted: usize = s.options.targeted_fields.iter().map(|t| 4 + t.len()).sum();
        // Per field: name and value lengths and the served marker; per Vary name the same.
        FIXED + targeted + s.arena.text.len() + s.arena.bytes.len() + 9 * s.fields.len() + 9 * s.vary.len()
    }

    /// Reads a policy written by [`to_bytes`](Self::to_bytes); errors (kind
    /// `InvalidSerialization`, or the constructor's kinds for invalid content) on anything else.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        let mut r = Reader { bytes, pos: 0 };
        if r.take(4)? != MAGIC {
            return Err(bad("not a serialized cache policy (bad magic)"));
        }
        let version = r.u8()?;
        if version != FORMAT_VERSION {
            return Err(bad(&format!("unsupported serialization version {version} (this build reads {FORMAT_VERSION})")));
        }
        let mut options = Options::default();
        let bits = u32::from_le_bytes(r.array()?);
        if bits >> option_bits(&options).len() != 0 {
            return Err(bad("unknown option bits"));
        }
        set_option_bits(&mut options, bits);
        options.request_no_cache = match r.u8()? {
            0 => RequestNoCache::Revalidate,
            1 => RequestNoCache::Reload,
            _ => return Err(bad("unknown request_no_cache value")),
        };
        options.set_cookie = match r.u8()? {
            0 => SetCookiePolicy::Revalidate,
            1 => SetCookiePolicy::Refuse,
            2 => SetCookiePolicy::Strip,
            3 => SetCookiePolicy::Keep,
            _ => return Err(bad("unknown set_cookie value")),
        };
        options.cache_heuristic = f64::from_le_bytes(r.array()?);
        options.immutable_min_time_to_live = Duration::from_millis(u64::from_le_bytes(r.array()?));
        options.grace_period = Duration::from_millis(u64::from_le_bytes(r.array()?));
        let targeted = r.count()?;
        for _ in 0..targeted {
            options.targeted_fields.push(r.text("targeted field")?.to_string());
        }
        options.validate()?;
        let flags = r.u8()?;
        if flags & !KNOWN_FLAGS != 0 {
            return Err(bad("unknown flags"));
        }
        let request_time = i64::from_le_bytes(r.array()?);
        let response_time = i64::from_le_bytes(r.array()?);
        let status = u16::from_le_bytes(r.array()?);
        check_status(status)?;
        let mut arena = Arena::with_capacity(bytes.len(), bytes.len());
        let method = r.text("method")?;
        check_method(method)?;
        let method = arena.push_text(method);
        let url = r.text("url")?;
        check_url(url)?;
        let url = arena.push_text(url);
        let host = match r.u8()? {
            0 => None,
            1 => Some(arena.push_text(r.text("host")?)),
            _ => return Err(bad("bad host marker")),
        };
        let vary_count = r.count()?;
        let mut vary = Selections::default();
        for _ in 0..vary_count {
            let name = arena.push_text(vary_name(r.bytes()?)?);
            arena.text[name.start as usize..].make_ascii_lowercase();
            let value = match r.u8()? {
                0 => None,
                1 => Some(arena.push(r.bytes()?)),
                _ => return Err(bad("bad vary marker")),
            };
            vary.push(Selected { name, value });
        }
        let field_count = r.count()?;
        let mut fields = Vec::with_capacity(field_count);
        for _ in 0..field_count {
            let name = r.bytes()?;
            let kind = classify(name);
            let name = arena.push_text(header_name(name, kind)?);
            let value = r.bytes()?;
            let value = if needs_sanitizing(value) { arena.push(&sanitize(value)) } else { arena.push(value) };
            let served = match r.u8()? {
                0 => false,
                1 => true,
                _ => return Err(bad("bad field marker")),
            };
            if kind.is_hop_by_hop() {
                return Err(bad("hop-by-hop field in a stored response"));
            }
            fields.push(Field { name, value, kind, served });
        }
        if r.pos != bytes.len() {
            return Err(bad("trailing bytes after the policy"));
        }
        let stored = Stored {
            options,
            request_time: request_time.min(response_time),
            response_time,
            status,
            request_authorized: flags & 1 != 0,
            request_no_store: flags & 2 != 0,
            invalidated: flags & 4 != 0,
            request_bypassed: flags & 8 != 0,
            arena,
            method,
            url,
            host,
            fields,
            vary,
        };
        let (cc, targeted) = crate::targeted::response_directives(&stored.arena, &stored.fields, &stored.options);
        Ok(CachePolicy::from_stored(stored, cc, targeted))
    }
}

/// A name selected by Vary, as construction records it: any non-empty UTF-8 list member other
/// than `*`, without surrounding whitespace or CR, LF, NUL. Not necessarily a token: a response
/// may name a field no request can have (`Vary: accept encoding`), which matches only requests
/// without it (RFC 9111 §4.1), and its policy must read back like any other.
fn vary_name(name: &[u8]) -> Result<&str, Error> {
    let text = std::str::from_utf8(name).map_err(|_| bad("a Vary name is not UTF-8"))?;
    let trimmed = !name.is_empty() && !crate::headers::is_ows(name[0]) && !crate::headers::is_ows(name[name.len() - 1]);
    if !trimmed || name == b"*" || name.iter().any(|&b| matches!(b, b'\r' | b'\n' | 0)) {
        return Err(bad("invalid Vary name"));
    }
    Ok(text)
}

fn put(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b);
}

fn bad(what: &str) -> Error {
    Error::new(ErrorKind::InvalidSerialization, format!("invalid serialized policy: {what}"))
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

/// The input ended before the item being read (small, so results stay in registers).
struct Truncated;

impl From<Truncated> for Error {
    fn from(_: Truncated) -> Error {
        bad("truncated")
    }
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Truncated> {
        let out = self.bytes.get(self.pos..).and_then(|rest| rest.get(..n)).ok_or(Truncated)?;
        self.pos += n;
        Ok(out)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], Truncated> {
        self.take(N)?.try_into().map_err(|_| Truncated)
    }
    fn u8(&mut self) -> Result<u8, Truncated> {
        Ok(self.take(1)?[0])
    }
    fn text(&mut self, what: &str) -> Result<&'a str, Error> {
        std::str::from_utf8(self.bytes()?).map_err(|_| bad(&format!("{what} is not UTF-8")))
    }
    fn bytes(&mut self) -> Result<&'a [u8], Truncated> {
        let n = u32::from_le_bytes(self.array()?) as usize;
        self.take(n)
    }
    /// A count, bounded by what the remaining bytes could hold (each item is ≥ 5 bytes).
    fn count(&mut self) -> Result<usize, Error> {
        let n = u32::from_le_bytes(self.array()?) as usize;
        if n > (self.bytes.len() - self.pos) / 5 {
            return Err(bad("count larger than the data"));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use crate::{CachePolicy, Options, Request, Response};
    use std::time::SystemTime;

    #[test]
    fn serialized_length_is_bounded_so_the_buffer_never_grows() {
        let request = Request { method: "GET", url: "https://example.com/", headers: &[("host", "example.com"), ("accept", "a")][..] };
        for lines in [&[][..], &[("vary", "accept, x-other"), ("etag", "\"x\""), ("cache-control", "max-age=1")][..]] {
            let response = Response { status: 200, headers: lines };
            let options = Options { targeted_fields: vec!["cdn-cache-control".into()], ..Options::default() };
            let p = CachePolicy::new(&request, &response, &options, SystemTime::UNIX_EPOCH).unwrap();
            let bytes = p.to_bytes();
            assert!(bytes.len() <= p.serialized_len_bound(), "{} > {}", bytes.len(), p.serialized_len_bound());
            assert!(bytes.len() + 16 >= p.serialized_len_bound(), "the bound is loose");
        }
    }
}
