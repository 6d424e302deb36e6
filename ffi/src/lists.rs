//! What the library hands out: header lists, string lists and byte buffers, each an owned,
//! immutable handle with accessors and one free function.
//!
//! Why handles rather than caller-provided callbacks: a handle can be kept while the caller
//! builds its own response or request, indexed in any order, passed between threads and fed
//! back in (its lines are `cachepolicy_header`s); callbacks would force every caller into one
//! visiting order and a `void *` context, and would run foreign code inside the library's
//! panic boundary.

use std::ffi::c_char;

use crate::boundary::{borrow, free_handle, out, guard, Failure};
use crate::input::cachepolicy_header;
use crate::status::cachepolicy_status;

/// An owned list of header field lines, in order. Made by the functions that return header
/// lists; freed with `cachepolicy_headers_free`. Immutable: may be read from several threads
/// at once.
///
/// Each name and value is followed by a NUL byte, so it can also be used as a C string;
/// values never contain NUL (the engine turns NUL, CR and LF into spaces).
#[derive(Debug, Default)]
pub struct cachepolicy_headers {
    bytes: Vec<u8>,
    /// (name start, name length, value start, value length) in `bytes`.
    lines: Vec<[usize; 4]>,
}

impl cachepolicy_headers {
    pub(crate) fn from_lines<'a, N, V>(lines: impl IntoIterator<Item = (N, V)>) -> Self
    where
        N: AsRef<[u8]> + 'a,
        V: AsRef<[u8]> + 'a,
    {
        let mut list = cachepolicy_headers { bytes: Vec::with_capacity(512), lines: Vec::with_capacity(16) };
        for (name, value) in lines {
            let name_start = list.push(name.as_ref());
            let value_start = list.push(value.as_ref());
            list.lines.push([name_start, name.as_ref().len(), value_start, value.as_ref().len()]);
        }
        list
    }

    fn push(&mut self, b: &[u8]) -> usize {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(b);
        self.bytes.push(0);
        start
    }

    fn line(&self, index: usize) -> Option<cachepolicy_header> {
        let &[name, name_len, value, value_len] = self.lines.get(index)?;
        let at = |i: usize| self.bytes[i..].as_ptr().cast::<c_char>();
        Some(cachepolicy_header { name: at(name), name_len, value: at(value), value_len })
    }
}

/// The number of lines in a header list.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_headers_count(headers: *const cachepolicy_headers, count_out: *mut usize) -> cachepolicy_status {
    guard(std::ptr::null_mut(), || {
        let count_out = unsafe { out(count_out, "count_out") }?;
        count_out.set(0);
        count_out.set(unsafe { borrow(headers, "headers") }?.lines.len());
        Ok(())
    })
}

/// Line `index` (from 0) of a header list: `*line_out` receives pointers into `headers`,
/// valid until `cachepolicy_headers_free(headers)`. `CACHEPOLICY_STATUS_INVALID_ARGUMENT`
/// when `index` is not below the count.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_headers_get(
    headers: *const cachepolicy_headers,
    index: usize,
    line_out: *mut cachepolicy_header,
) -> cachepolicy_status {
    guard(std::ptr::null_mut(), || {
        let line_out = unsafe { out(line_out, "line_out") }?;
        line_out.set(cachepolicy_header { name: std::ptr::null(), name_len: 0, value: std::ptr::null(), value_len: 0 });
        let headers = unsafe { borrow(headers, "headers") }?;
        let line = headers.line(index).ok_or_else(|| Failure::invalid_argument(format!("index {index} is past the end ({})", headers.lines.len())))?;
        line_out.set(line);
        Ok(())
    })
}

/// Frees a header list. NULL is allowed and does nothing.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_headers_free(headers: *mut cachepolicy_headers) {
    unsafe { free_handle(headers) }
}

/// An owned list of strings (URIs), in order. Made by `cachepolicy_policy_invalidation_targets`;
/// freed with `cachepolicy_strings_free`. Immutable: may be read from several threads at once.
#[derive(Debug, Default)]
pub struct cachepolicy_strings {
    /// Each string followed by a NUL byte.
    items: Vec<Box<[u8]>>,
}

impl cachepolicy_strings {
    pub(crate) fn from_strings(strings: Vec<String>) -> Self {
        let items = strings
            .into_iter()
            .map(|s| {
                let mut b = s.into_bytes();
                b.push(0);
                b.into_boxed_slice()
            })
            .collect();
        cachepolicy_strings { items }
    }
}

/// The number of strings in a string list.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_strings_count(strings: *const cachepolicy_strings, count_out: *mut usize) -> cachepolicy_status {
    guard(std::ptr::null_mut(), || {
        let count_out = unsafe { out(count_out, "count_out") }?;
        count_out.set(0);
        count_out.set(unsafe { borrow(strings, "strings") }?.items.len());
        Ok(())
    })
}

/// String `index` (from 0) of a string list: `*string_out` receives a NUL-terminated UTF-8
/// string owned by `strings` (valid until `cachepolicy_strings_free(strings)`) and
/// `*length_out` its length without the NUL. `CACHEPOLICY_STATUS_INVALID_ARGUMENT` when
/// `index` is not below the count.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_strings_get(
    strings: *const cachepolicy_strings,
    index: usize,
    string_out: *mut *const c_char,
    length_out: *mut usize,
) -> cachepolicy_status {
    guard(std::ptr::null_mut(), || {
        let string_out = unsafe { out(string_out, "string_out") }?;
        let length_out = unsafe { out(length_out, "length_out") }?;
        string_out.set(std::ptr::null());
        length_out.set(0);
        let strings = unsafe { borrow(strings, "strings") }?;
        let item = strings.items.get(index).ok_or_else(|| Failure::invalid_argument(format!("index {index} is past the end ({})", strings.items.len())))?;
        string_out.set(item.as_ptr().cast());
        length_out.set(item.len() - 1);
        Ok(())
    })
}

/// Frees a string list. NULL is allowed and does nothing.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_strings_free(strings: *mut cachepolicy_strings) {
    unsafe { free_handle(strings) }
}

/// An owned byte buffer: serialized policies, and text (cache keys, `Cache-Status` values).
/// Freed with `cachepolicy_bytes_free`. A NUL byte follows the contents (not counted in
/// their length), so text can also be used as a C string. Immutable: may be read from
/// several threads at once.
#[derive(Debug, Default)]
pub struct cachepolicy_bytes {
    /// The contents, then a NUL.
    bytes: Vec<u8>,
}

impl cachepolicy_bytes {
    pub(crate) fn new(mut bytes: Vec<u8>) -> Self {
        bytes.push(0);
        cachepolicy_bytes { bytes }
    }

    pub(crate) fn text(text: String) -> Self {
        Self::new(text.into_bytes())
    }

    fn contents(&self) -> &[u8] {
        &self.bytes[..self.bytes.len() - 1]
    }
}

/// The contents of a byte buffer: `*data_out` receives a pointer owned by `bytes` (valid
/// until `cachepolicy_bytes_free(bytes)`; a NUL byte follows the contents), `*length_out` the
/// number of bytes (without that NUL).
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_bytes_get(
    bytes: *const cachepolicy_bytes,
    data_out: *mut *const u8,
    length_out: *mut usize,
) -> cachepolicy_status {
    guard(std::ptr::null_mut(), || {
        let data_out = unsafe { out(data_out, "data_out") }?;
        let length_out = unsafe { out(length_out, "length_out") }?;
        data_out.set(std::ptr::null());
        length_out.set(0);
        let bytes = unsafe { borrow(bytes, "bytes") }?;
        data_out.set(bytes.contents().as_ptr());
        length_out.set(bytes.contents().len());
        Ok(())
    })
}

/// Frees a byte buffer. NULL is allowed and does nothing.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_bytes_free(bytes: *mut cachepolicy_bytes) {
    unsafe { free_handle(bytes) }
}
