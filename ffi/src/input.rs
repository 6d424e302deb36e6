//! What callers pass in: requests, responses and header lines as borrowed `(pointer, length)`
//! pairs. Nothing is copied until the engine keeps it; a request given to `evaluate` is read
//! in place.

use std::borrow::Cow;
use std::ffi::c_char;

use cachepolicy_core::{HttpRequest, HttpResponse};

use crate::boundary::{borrow, slice, Failure};
use crate::status::cachepolicy_status;

/// One header field line: a name and a value as bytes, not NUL-terminated, not necessarily
/// UTF-8. A pointer may be NULL only when its length is 0. Lines keep their order and
/// duplicates; names are compared case-insensitively.
///
/// The same struct describes the lines of the header lists this library hands out
/// (`cachepolicy_headers_get`), so a list it returns can be passed back in.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct cachepolicy_header {
    /// The field name: must be a token (RFC 9110 §5.1).
    pub name: *const c_char,
    /// Length of `name` in bytes.
    pub name_len: usize,
    /// The field value: any bytes. CR, LF and NUL become spaces; surrounding whitespace is
    /// removed (RFC 9110 §5.5).
    pub value: *const c_char,
    /// Length of `value` in bytes.
    pub value_len: usize,
}

/// A request: method, target URI and header lines, all borrowed for the duration of the call.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct cachepolicy_request {
    /// The method, e.g. `GET` (case-sensitive; a token, RFC 9110 §9.1).
    pub method: *const c_char,
    /// Length of `method` in bytes.
    pub method_len: usize,
    /// The target URI: absolute (`https://host/path`) or origin-form (`/path`, with a `Host`
    /// header). UTF-8, no whitespace or control characters.
    pub url: *const c_char,
    /// Length of `url` in bytes.
    pub url_len: usize,
    /// The header lines: an array of `headers_len` lines (may be NULL when `headers_len` is 0).
    pub headers: *const cachepolicy_header,
    /// Number of lines in `headers`.
    pub headers_len: usize,
}

/// A response: status code and header lines, borrowed for the duration of the call.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct cachepolicy_response {
    /// The status code, 100–999. An `int32_t` so that any value a caller holds can be passed
    /// and refused with `CACHEPOLICY_STATUS_INVALID_STATUS`.
    pub status: i32,
    /// The header lines: an array of `headers_len` lines (may be NULL when `headers_len` is 0).
    pub headers: *const cachepolicy_header,
    /// Number of lines in `headers`.
    pub headers_len: usize,
}

/// Header lines whose pointers were all checked.
#[derive(Clone, Copy)]
pub(crate) struct Lines<'a>(&'a [cachepolicy_header]);

impl<'a> Lines<'a> {
    /// # Safety
    /// `p` is NULL or valid for `len` headers, each of whose non-NULL pointers is valid for
    /// its length, all unchanged for `'a`.
    pub unsafe fn check(p: *const cachepolicy_header, len: usize, what: impl std::fmt::Display + Copy) -> Result<Self, Failure> {
        let lines = unsafe { slice(p, len, what) }?;
        for (i, h) in lines.iter().enumerate() {
            unsafe { slice(h.name, h.name_len, format_args!("{what}[{i}].name")) }?;
            unsafe { slice(h.value, h.value_len, format_args!("{what}[{i}].value")) }?;
        }
        Ok(Lines(lines))
    }

    fn iter(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + 'a {
        // SAFETY: every pointer was checked by `Lines::check` (NULL only with length 0,
        // lengths within isize::MAX); validity for 'a is the caller's contract.
        self.0.iter().map(|h| unsafe { (bytes(h.name, h.name_len), bytes(h.value, h.value_len)) })
    }
}

/// # Safety
/// Checked by [`Lines::check`] or [`slice`] first.
unsafe fn bytes<'a>(p: *const c_char, len: usize) -> &'a [u8] {
    if len == 0 {
        &[]
    } else {
        unsafe { std::slice::from_raw_parts(p.cast(), len) }
    }
}

/// A request checked at the boundary: method and URL are UTF-8, every pointer is valid.
pub(crate) struct RequestView<'a> {
    method: &'a str,
    url: &'a str,
    headers: Lines<'a>,
}

/// Shows at most 40 bytes of an input in a message, escaped.
fn excerpt(b: &[u8]) -> String {
    let mut s = b[..b.len().min(40)].escape_ascii().to_string();
    if b.len() > 40 {
        s.push('…');
    }
    s
}

impl<'a> RequestView<'a> {
    /// # Safety
    /// `p` is NULL or a request whose pointers are valid as documented, unchanged for `'a`.
    pub unsafe fn check(p: *const cachepolicy_request, what: &str) -> Result<Self, Failure> {
        let r = unsafe { borrow(p, what) }?;
        let method = unsafe { slice(r.method.cast::<u8>(), r.method_len, format_args!("{what}.method")) }?;
        let method = std::str::from_utf8(method).map_err(|_| {
            Failure::new(cachepolicy_status::InvalidMethod, format!("invalid method \"{}\": not UTF-8, so not a token (RFC 9110 §9.1)", excerpt(method)))
        })?;
        let url = unsafe { slice(r.url.cast::<u8>(), r.url_len, format_args!("{what}.url")) }?;
        let url = std::str::from_utf8(url)
            .map_err(|_| Failure::new(cachepolicy_status::InvalidUrl, format!("invalid url \"{}\": not UTF-8", excerpt(url))))?;
        let headers = unsafe { Lines::check(r.headers, r.headers_len, format_args!("{what}.headers")) }?;
        Ok(RequestView { method, url, headers })
    }
}

impl HttpRequest for RequestView<'_> {
    fn method(&self) -> &str {
        self.method
    }
    fn url(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.url)
    }
    fn header_lines(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.headers.iter()
    }
}

/// A response checked at the boundary.
pub(crate) struct ResponseView<'a> {
    status: u16,
    headers: Lines<'a>,
}

impl<'a> ResponseView<'a> {
    /// # Safety
    /// `p` is NULL or a response whose pointers are valid as documented, unchanged for `'a`.
    pub unsafe fn check(p: *const cachepolicy_response, what: &str) -> Result<Self, Failure> {
        let r = unsafe { borrow(p, what) }?;
        // The engine checks 100–999; values that do not even fit its type are refused here.
        let status = u16::try_from(r.status).map_err(|_| {
            Failure::new(cachepolicy_status::InvalidStatus, format!("invalid status {}: must be 100-999 (RFC 9110 §15)", r.status))
        })?;
        let headers = unsafe { Lines::check(r.headers, r.headers_len, format_args!("{what}.headers")) }?;
        Ok(ResponseView { status, headers })
    }
}

impl HttpResponse for ResponseView<'_> {
    fn status(&self) -> u16 {
        self.status
    }
    fn header_lines(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.headers.iter()
    }
}
