//! Thin, allocation-light helpers over raw Node-API calls.
//!
//! The hot functions are registered as plain `napi_callback`s: napi-rs's generated glue costs
//! 60–150 ns per call with arguments, more than the policy work itself (see README.md).
//! Everything here runs on the JS thread that owns `env`.

use std::ffi::c_void;
use std::ptr::null_mut;

use napi::sys::{self, napi_env, napi_value};

/// Arguments read into the stack array; a call with more (a Vary listing many fields passes
/// one value per field) reads them all into a vector instead.
const INLINE_ARGS: usize = 32;

/// A call's arguments and the per-environment data its function was created with.
pub struct Args {
    argv: [napi_value; INLINE_ARGS],
    /// Every argument, when there are more than [`INLINE_ARGS`].
    more: Vec<napi_value>,
    pub argc: usize,
    pub data: *mut c_void,
    env: napi_env,
}

impl Args {
    pub unsafe fn of(env: napi_env, info: sys::napi_callback_info) -> Args {
        let mut args = Args { argv: [null_mut(); INLINE_ARGS], more: Vec::new(), argc: INLINE_ARGS, data: null_mut(), env };
        // `argc` goes in as the array's length and comes out as the number of arguments given.
        sys::napi_get_cb_info(env, info, &mut args.argc, args.argv.as_mut_ptr(), null_mut(), &mut args.data);
        if args.argc > INLINE_ARGS {
            let mut n = args.argc;
            args.more = vec![null_mut(); n];
            sys::napi_get_cb_info(env, info, &mut n, args.more.as_mut_ptr(), null_mut(), null_mut());
        }
        args
    }

    /// The i-th argument, `undefined` past the end.
    pub fn get(&self, i: usize) -> napi_value {
        let given = if self.more.is_empty() { self.argv.get(i) } else { self.more.get(i) };
        match given {
            // `napi_get_cb_info` fills the array's places past the arguments with `undefined`.
            Some(v) if !v.is_null() => *v,
            // SAFETY: `env` is the environment of the call these arguments belong to.
            _ => unsafe { undefined(self.env) },
        }
    }
}

pub unsafe fn type_of(env: napi_env, v: napi_value) -> sys::napi_valuetype {
    let mut t = 0;
    if v.is_null() || sys::napi_typeof(env, v, &mut t) != sys::Status::napi_ok {
        return sys::ValueType::napi_undefined;
    }
    t
}

pub unsafe fn is_nullish(env: napi_env, v: napi_value) -> bool {
    let t = type_of(env, v);
    t == sys::ValueType::napi_undefined || t == sys::ValueType::napi_null
}

/// A byte range inside [`Bytes`].
pub type Range = (u32, u32);

/// One reusable byte buffer per environment, into which strings are read.
#[derive(Default)]
pub struct Bytes {
    pub buf: Vec<u8>,
    /// Scratch for reading strings as UTF-16 (see [`Bytes::latin1`]).
    wide: Vec<u16>,
}

impl Bytes {
    pub fn clear(&mut self) {
        self.buf.clear();
    }

    pub fn get(&self, r: Range) -> &[u8] {
        &self.buf[r.0 as usize..r.1 as usize]
    }

    pub fn push(&mut self, b: &[u8]) -> Range {
        let start = self.buf.len() as u32;
        self.buf.extend_from_slice(b);
        (start, self.buf.len() as u32)
    }

    /// Appends a JS string as Latin-1 bytes, the form Node gives HTTP header bytes in (see
    /// [`Bytes::bytes`]); any other value but `undefined` and `null` as `String(value)`.
    pub unsafe fn latin1(&mut self, env: napi_env, v: napi_value) -> Option<Range> {
        self.text(env, v, false)
    }

    /// Appends a JS string as UTF-8; any other value but `undefined` and `null` as `String(value)`.
    pub unsafe fn utf8(&mut self, env: napi_env, v: napi_value) -> Option<Range> {
        self.text(env, v, true)
    }

    unsafe fn text(&mut self, env: napi_env, v: napi_value, utf8: bool) -> Option<Range> {
        if let Some(r) = self.read(env, v, utf8) {
            return Some(r);
        }
        if is_nullish(env, v) {
            return None;
        }
        self.read(env, to_string(env, v)?, utf8)
    }

    /// A string as [`Bytes::bytes`] or UTF-8; `None` for anything else.
    unsafe fn read(&mut self, env: napi_env, v: napi_value, utf8: bool) -> Option<Range> {
        if v.is_null() {
            return None;
        }
        if !utf8 {
            return self.bytes(env, v);
        }
        if self.buf.capacity() - self.buf.len() < 512 {
            self.buf.reserve(4096);
        }
        let start = self.buf.len();
        let spare = self.buf.capacity() - start;
        let mut len = 0usize;
        // One call in the common case; the terminating NUL needs one spare byte.
        if sys::napi_get_value_string_utf8(env, v, self.buf.as_mut_ptr().add(start).cast(), spare, &mut len) != sys::Status::napi_ok {
            return None;
        }
        if len + 1 >= spare {
            let mut exact = 0usize;
            sys::napi_get_value_string_utf8(env, v, null_mut(), 0, &mut exact);
            self.buf.reserve(exact + 1);
            sys::napi_get_value_string_utf8(env, v, self.buf.as_mut_ptr().add(start).cast(), exact + 1, &mut len);
        }
        self.buf.set_len(start + len);
        Some((start as u32, (start + len) as u32))
    }

    /// A string as bytes: Latin-1, one byte per character, when every character is below U+0100
    /// (always so for header text Node gives: it holds bytes as Latin-1); otherwise WTF-8 (UTF-8,
    /// and a lone surrogate as its three-byte form), so that a character above U+00FF is never
    /// read as a byte it is not (Node-API's Latin-1 read keeps only its low byte: U+0170 would
    /// read as `p`, U+010A as LF) and different strings never read as the same bytes.
    unsafe fn bytes(&mut self, env: napi_env, v: napi_value) -> Option<Range> {
        let Bytes { buf, wide } = self;
        wide.clear();
        if wide.capacity() < 512 {
            wide.reserve(512);
        }
        let mut len = 0usize;
        // One call in the common case; the terminating NUL needs one spare place.
        if sys::napi_get_value_string_utf16(env, v, wide.as_mut_ptr(), wide.capacity(), &mut len) != sys::Status::napi_ok {
            return None;
        }
        if len + 1 >= wide.capacity() {
            let mut exact = 0usize;
            sys::napi_get_value_string_utf16(env, v, null_mut(), 0, &mut exact);
            wide.reserve(exact + 1);
            sys::napi_get_value_string_utf16(env, v, wide.as_mut_ptr(), exact + 1, &mut len);
        }
        wide.set_len(len);
        let start = buf.len();
        let mut high = 0u16;
        buf.extend(wide.iter().map(|&c| {
            high |= c;
            c as u8
        }));
        if high > 0xFF {
            buf.truncate(start);
            for c in char::decode_utf16(wide.iter().copied()) {
                match c {
                    Ok(c) => buf.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
                    Err(e) => {
                        let u = e.unpaired_surrogate();
                        buf.extend_from_slice(&[0xE0 | (u >> 12) as u8, 0x80 | ((u >> 6) & 0x3F) as u8, 0x80 | (u & 0x3F) as u8]);
                    }
                }
            }
        }
        Some((start as u32, buf.len() as u32))
    }

    /// Appends a header value as lines, as index.js `flatten` reads one: an array gives one line
    /// per element, `undefined` and `null` none, anything else one line; a value that is not a
    /// string is read as `String(value)` (a field given is present, whatever its type). Tries
    /// the common case (a string) first: `napi_typeof` walks a chain of type checks.
    pub unsafe fn lines(&mut self, env: napi_env, v: napi_value, out: &mut impl FnMut(Range)) {
        if let Some(r) = self.read(env, v, false) {
            return out(r);
        }
        let mut is_array = false;
        if sys::napi_is_array(env, v, &mut is_array) == sys::Status::napi_ok && is_array {
            let mut n = 0u32;
            sys::napi_get_array_length(env, v, &mut n);
            for i in 0..n {
                let mut e = null_mut();
                if sys::napi_get_element(env, v, i, &mut e) == sys::Status::napi_ok {
                    // Every element, as `flatten`'s `String(element)`.
                    let r = match self.read(env, e, false) {
                        Some(r) => Some(r),
                        None => to_string(env, e).and_then(|s| self.read(env, s, false)),
                    };
                    if let Some(r) = r {
                        out(r)
                    }
                }
            }
            return;
        }
        if let Some(r) = self.text(env, v, false) {
            out(r)
        }
    }
}

/// `String(v)`; `None` when that throws (the exception stays pending: the call throws it).
pub unsafe fn to_string(env: napi_env, v: napi_value) -> Option<napi_value> {
    let (mut global, mut string, mut out) = (null_mut(), null_mut(), null_mut());
    sys::napi_get_global(env, &mut global);
    if sys::napi_get_named_property(env, global, c"String".as_ptr(), &mut string) != sys::Status::napi_ok {
        return None;
    }
    (sys::napi_call_function(env, global, string, 1, &v, &mut out) == sys::Status::napi_ok && !out.is_null()).then_some(out)
}

/// `obj[name]` for an own or inherited property (`undefined` when `obj` is not an object).
pub unsafe fn property(env: napi_env, obj: napi_value, name: &str) -> napi_value {
    let mut out = null_mut();
    if type_of(env, obj) != sys::ValueType::napi_object {
        return undefined(env);
    }
    let mut key = null_mut();
    sys::napi_create_string_latin1(env, name.as_ptr().cast(), name.len() as isize, &mut key);
    let mut own = false;
    // Own properties only: a header named `constructor` must not find Object.prototype's.
    if sys::napi_has_own_property(env, obj, key, &mut own) != sys::Status::napi_ok || !own {
        return undefined(env);
    }
    sys::napi_get_property(env, obj, key, &mut out);
    out
}

pub unsafe fn undefined(env: napi_env) -> napi_value {
    let mut out = null_mut();
    sys::napi_get_undefined(env, &mut out);
    out
}

pub unsafe fn number(env: napi_env, v: napi_value) -> Option<f64> {
    let mut out = 0.0;
    (type_of(env, v) == sys::ValueType::napi_number && sys::napi_get_value_double(env, v, &mut out) == sys::Status::napi_ok)
        .then_some(out)
}

pub unsafe fn boolean(env: napi_env, v: napi_value) -> Option<bool> {
    let mut out = false;
    (type_of(env, v) == sys::ValueType::napi_boolean && sys::napi_get_value_bool(env, v, &mut out) == sys::Status::napi_ok)
        .then_some(out)
}

pub unsafe fn latin1_string(env: napi_env, b: &[u8]) -> napi_value {
    let mut out = null_mut();
    sys::napi_create_string_latin1(env, b.as_ptr().cast(), b.len() as isize, &mut out);
    out
}

pub unsafe fn utf8_string(env: napi_env, s: &str) -> napi_value {
    let mut out = null_mut();
    sys::napi_create_string_utf8(env, s.as_ptr().cast(), s.len() as isize, &mut out);
    out
}

pub unsafe fn array(env: napi_env, items: impl IntoIterator<Item = napi_value>) -> napi_value {
    let mut out = null_mut();
    sys::napi_create_array(env, &mut out);
    for (i, v) in items.into_iter().enumerate() {
        sys::napi_set_element(env, out, i as u32, v);
    }
    out
}

pub unsafe fn null(env: napi_env) -> napi_value {
    let mut out = null_mut();
    sys::napi_get_null(env, &mut out);
    out
}

/// Throws a JS `Error` with `code` and `message`; returns the value to return from the callback.
pub unsafe fn throw(env: napi_env, code: &str, message: &str) -> napi_value {
    let code = std::ffi::CString::new(code).unwrap_or_default();
    let message = std::ffi::CString::new(message.replace('\0', " ")).unwrap_or_default();
    sys::napi_throw_error(env, code.as_ptr(), message.as_ptr());
    null_mut()
}
