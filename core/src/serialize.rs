//! A stable binary serialization of a policy.
//!
//! Format version 1 (all integers little-endian; `bytes` = u32 length + that many bytes):
//!
//! ```text
//! magic "CPOL" · version u8 = 1
//! flags u8: 1 shared · 2 ignore_cargo_cult · 4 trust_server_date · 8 request had Authorization
//!           · 16 request said no-store · 32 invalidated by a HEAD response
//! cache_heuristic f64 · immutable_min_time_to_live u64 ms
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

use crate::directives::ResponseDirectives;
use crate::error::{Error, ErrorKind};
use crate::headers::{classify, sanitize, Arena, Field, FieldKind};
use crate::options::Options;
use crate::policy::{check_method, check_status, check_url, header_name, CachePolicy, Stored};
use crate::vary::Selected;

const MAGIC: &[u8; 4] = b"CPOL";
/// The serialization format version this build writes and reads.
pub const FORMAT_VERSION: u8 = 1;
const KNOWN_FLAGS: u8 = 0b11_1111;

impl CachePolicy {
    /// Serializes the policy (format documented in this module; versioned, stable).
    pub fn to_bytes(&self) -> Vec<u8> {
        let s = &self.stored;
        let a = &s.arena;
        let mut out = Vec::with_capacity(64 + a.bytes.len() + 9 * s.fields.len());
        out.extend_from_slice(MAGIC);
        out.push(FORMAT_VERSION);
        let o = &s.options;
        let flags = u8::from(o.shared)
            | u8::from(o.ignore_cargo_cult) << 1
            | u8::from(o.trust_server_date) << 2
            | u8::from(s.request_authorized) << 3
            | u8::from(s.request_no_store) << 4
            | u8::from(s.invalidated) << 5;
        out.push(flags);
        out.extend_from_slice(&o.cache_heuristic.to_le_bytes());
        out.extend_from_slice(&(o.immutable_min_ms() as u64).to_le_bytes());
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
        let flags = r.u8()?;
        if flags & !KNOWN_FLAGS != 0 {
            return Err(bad("unknown flags"));
        }
        let options = Options {
            shared: flags & 1 != 0,
            ignore_cargo_cult: flags & 2 != 0,
            trust_server_date: flags & 4 != 0,
            cache_heuristic: f64::from_le_bytes(r.array()?),
            immutable_min_time_to_live: Duration::from_millis(u64::from_le_bytes(r.array()?)),
        };
        options.validate()?;
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
        let mut vary = Vec::with_capacity(vary_count);
        for _ in 0..vary_count {
            let name = header_name(r.bytes()?)?;
            let name = arena.push_text(&name.to_ascii_lowercase());
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
            let name = header_name(r.bytes()?)?;
            let kind = classify(name.as_bytes());
            let name = arena.push_text(name);
            let value = arena.push(&sanitize(r.bytes()?));
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
            request_authorized: flags & 8 != 0,
            request_no_store: flags & 16 != 0,
            invalidated: flags & 32 != 0,
            arena,
            method,
            url,
            host,
            fields,
            vary,
        };
        let cc = {
            let a = &stored.arena;
            let lines = |k: FieldKind| stored.fields.iter().filter(move |f| f.kind == k).map(|f| a.get(f.value));
            ResponseDirectives::parse(lines(FieldKind::CacheControl), lines(FieldKind::Pragma))
        };
        Ok(CachePolicy::from_stored(stored, cc))
    }
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

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len()).ok_or_else(|| bad("truncated"))?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        Ok(self.take(N)?.try_into().expect("take returns N bytes"))
    }
    fn u8(&mut self) -> Result<u8, Error> {
        Ok(self.take(1)?[0])
    }
    fn text(&mut self, what: &str) -> Result<&'a str, Error> {
        std::str::from_utf8(self.bytes()?).map_err(|_| bad(&format!("{what} is not UTF-8")))
    }
    fn bytes(&mut self) -> Result<&'a [u8], Error> {
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

