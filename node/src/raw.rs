//! Thin, allocation-light helpers over raw Node-API calls.
//!
//! The hot functions are registered as plain `napi_callback`s: napi-rs's generated glue costs
//! 60–150 ns per call with arguments, more than the policy work itself (see README.md).
//! Everything here runs on the JS thread that owns `env`.

use std::ffi::c_void;
use std::ptr::null_mut;

use napi::sys::{self, napi_env, napi_value};

pub const MAX_ARGS: usize = 32;

/// A call's arguments and the per-environment data its function was created with.
pub struct Args {
    pub argv: [napi_value; MAX_ARGS],
    pub argc: usize,
    pub data: *mut c_void,
}

impl Args {
    pub unsafe fn of(env: napi_env, info: sys::napi_callback_info) -> Args {
        let mut args = Args { argv: [null_mut(); MAX_ARGS], argc: MAX_ARGS, data: null_mut() };
        sys::napi_get_cb_info(env, info, &mut args.argc, args.argv.as_mut_ptr(), null_mut(), &mut args.data);
        args.argc = args.argc.min(MAX_ARGS);
        args
    }

    /// The i-th argument (`undefined` past the end: `napi_get_cb_info` fills those in).
    pub fn get(&self, i: usize) -> napi_value {
        self.argv[i]
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

    /// Appends a JS string as Latin-1 bytes (the form Node gives HTTP header bytes in); `None`
    /// for anything that is not a string.
    pub unsafe fn latin1(&mut self, env: napi_env, v: napi_value) -> Option<Range> {
        self.read(env, v, false)
    }

    /// Appends a JS string as UTF-8; `None` for anything that is not a string.
    pub unsafe fn utf8(&mut self, env: napi_env, v: napi_value) -> Option<Range> {
        self.read(env, v, true)
    }

    unsafe fn read(&mut self, env: napi_env, v: napi_value, utf8: bool) -> Option<Range> {
        if v.is_null() {
            return None;
        }
        let get = |ptr: *mut u8, cap: usize, len: &mut usize| {
            if utf8 {
                sys::napi_get_value_string_utf8(env, v, ptr.cast(), cap, len)
            } else {
                sys::napi_get_value_string_latin1(env, v, ptr.cast(), cap, len)
            }
        };
        if self.buf.capacity() - self.buf.len() < 512 {
            self.buf.reserve(4096);
        }
        let start = self.buf.len();
        let spare = self.buf.capacity() - start;
        let mut len = 0usize;
        // One call in the common case; the terminating NUL needs one spare byte.
        if get(self.buf.as_mut_ptr().add(start), spare, &mut len) != sys::Status::napi_ok {
            return None;
        }
        if len + 1 >= spare {
            let mut exact = 0usize;
            get(null_mut(), 0, &mut exact);
            self.buf.reserve(exact + 1);
            get(self.buf.as_mut_ptr().add(start), exact + 1, &mut len);
        }
        self.buf.set_len(start + len);
        Some((start as u32, (start + len) as u32))
    }

    /// Appends a header value as lines: a string (or number) is one line, an array one line
    /// per element; `undefined`, `null` and other types give none. Tries the common case (a
    /// string) first: `napi_typeof` walks a chain of type checks.
    pub unsafe fn lines(&mut self, env: napi_env, v: napi_value, out: &mut impl FnMut(Range)) {
        if let Some(r) = self.latin1(env, v) {
            return out(r);
        }
        let mut is_array = false;
        if sys::napi_is_array(env, v, &mut is_array) == sys::Status::napi_ok && is_array {
            let mut n = 0u32;
            sys::napi_get_array_length(env, v, &mut n);
            for i in 0..n {
                let mut e = null_mut();
                if sys::napi_get_element(env, v, i, &mut e) == sys::Status::napi_ok {
                    if let Some(r) = self.scalar(env, e) {
                        out(r)
                    }
                }
            }
            return;
        }
        if let Some(r) = self.scalar(env, v) {
            out(r)
        }
    }

    /// A string, or a number as its decimal text.
    unsafe fn scalar(&mut self, env: napi_env, v: napi_value) -> Option<Range> {
        if let Some(r) = self.latin1(env, v) {
            return Some(r);
        }
        let mut n = 0.0;
        if sys::napi_get_value_double(env, v, &mut n) != sys::Status::napi_ok {
            return None;
        }
        let mut s = null_mut();
        sys::napi_coerce_to_string(env, v, &mut s);
        self.latin1(env, s)
    }
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
