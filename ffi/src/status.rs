//! One status enum for every function, and the error object that carries a message.

use std::ffi::{c_char, CString};

use cachepolicy_core::ErrorKind;

use crate::boundary::{free_handle, guard, optional_out, out, Failure};

/// What a function returned: `CACHEPOLICY_STATUS_OK`, or why it failed. On failure, out
/// parameters hold NULL, zero or false, and nothing was allocated.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cachepolicy_status {
    /// Success.
    Ok = 0,
    /// A required pointer argument was NULL (or a `(pointer, length)` pair had a NULL pointer
    /// and a non-zero length).
    NullPointer = 1,
    /// An argument was out of range: an index past the end of a list, a length larger than
    /// `PTRDIFF_MAX`.
    InvalidArgument = 2,
    /// The method is not a token (RFC 9110 §9.1), or not UTF-8.
    InvalidMethod = 3,
    /// The URL is empty, holds whitespace or control characters, or is not UTF-8.
    InvalidUrl = 4,
    /// The status code is outside 100–999 (RFC 9110 §15).
    InvalidStatus = 5,
    /// A header field name is not a token (RFC 9110 §5.1).
    InvalidHeaderName = 6,
    /// An option value is out of range: a negative or NaN heuristic, a negative duration, a
    /// number that names no value of the option's enum, a field name that is not a token, an
    /// unknown profile name.
    InvalidOption = 7,
    /// Serialized bytes are truncated, corrupt, foreign or of an unknown format version.
    InvalidSerialization = 8,
    /// The engine refused an input for a reason newer than this header.
    InvalidInput = 9,
    /// A bug in the library was caught at the boundary (a Rust panic). The library remains
    /// usable; please report it with the message.
    Panic = 10,
}

impl cachepolicy_status {
    const ALL: [cachepolicy_status; 11] = [
        cachepolicy_status::Ok,
        cachepolicy_status::NullPointer,
        cachepolicy_status::InvalidArgument,
        cachepolicy_status::InvalidMethod,
        cachepolicy_status::InvalidUrl,
        cachepolicy_status::InvalidStatus,
        cachepolicy_status::InvalidHeaderName,
        cachepolicy_status::InvalidOption,
        cachepolicy_status::InvalidSerialization,
        cachepolicy_status::InvalidInput,
        cachepolicy_status::Panic,
    ];

    /// The status with this number, if any.
    pub fn from_u32(value: u32) -> Option<Self> {
        Self::ALL.get(value as usize).copied()
    }

    /// Stable snake_case code; the engine's refusals use the engine's error kind codes.
    pub fn code(self) -> &'static str {
        self.texts().0
    }

    fn texts(self) -> (&'static str, &'static str) {
        use cachepolicy_status::*;
        match self {
            Ok => ("ok\0", "success\0"),
            NullPointer => ("null_pointer\0", "a required pointer argument was NULL\0"),
            InvalidArgument => ("invalid_argument\0", "an integer argument was out of range\0"),
            InvalidMethod => ("invalid_method\0", "the method is not a token (RFC 9110 §9.1)\0"),
            InvalidUrl => ("invalid_url\0", "the URL is empty or holds whitespace or control characters\0"),
            InvalidStatus => ("invalid_status\0", "the status code is outside 100-999 (RFC 9110 §15)\0"),
            InvalidHeaderName => ("invalid_header_name\0", "a header field name is not a token (RFC 9110 §5.1)\0"),
            InvalidOption => ("invalid_option\0", "an option value is out of range\0"),
            InvalidSerialization => ("invalid_serialization\0", "serialized bytes are truncated, corrupt or of an unknown version\0"),
            InvalidInput => ("invalid_input\0", "the engine refused an input\0"),
            Panic => ("panic\0", "internal error: a bug in libcachepolicy was caught\0"),
        }
    }
}

/// The status for an engine error kind.
pub(crate) fn status_of(kind: ErrorKind) -> cachepolicy_status {
    match kind {
        ErrorKind::InvalidMethod => cachepolicy_status::InvalidMethod,
        ErrorKind::InvalidUrl => cachepolicy_status::InvalidUrl,
        ErrorKind::InvalidStatus => cachepolicy_status::InvalidStatus,
        ErrorKind::InvalidHeaderName => cachepolicy_status::InvalidHeaderName,
        ErrorKind::InvalidOption => cachepolicy_status::InvalidOption,
        ErrorKind::InvalidSerialization => cachepolicy_status::InvalidSerialization,
        // `ErrorKind` is non-exhaustive: a kind added to the engine later still fails cleanly.
        _ => cachepolicy_status::InvalidInput,
    }
}

fn text_of(text: &'static str) -> *const c_char {
    debug_assert!(text.ends_with('\0'));
    text.as_ptr().cast()
}

/// The stable snake_case code of a status (`"ok"`, `"null_pointer"`, `"invalid_method"`, …;
/// the engine's refusals use the error kind codes of `tests/vectors/README.md`).
/// A static NUL-terminated string, never to be freed; NULL when `status` names no status.
#[no_mangle]
pub extern "C" fn cachepolicy_status_code(status: u32) -> *const c_char {
    cachepolicy_status::from_u32(status).map_or(std::ptr::null(), |s| text_of(s.texts().0))
}

/// A one-line English description of a status. A static NUL-terminated string, never to be
/// freed; NULL when `status` names no status.
#[no_mangle]
pub extern "C" fn cachepolicy_status_description(status: u32) -> *const c_char {
    cachepolicy_status::from_u32(status).map_or(std::ptr::null(), |s| text_of(s.texts().1))
}

/// Why a call failed: its status and a message naming what was wrong (e.g. which header
/// name, which argument). Created by functions that take a `cachepolicy_error **error_out`;
/// owned by the caller, freed with `cachepolicy_error_free`. Immutable: may be read from
/// several threads at once.
#[derive(Debug)]
pub struct cachepolicy_error {
    status: cachepolicy_status,
    message: CString,
}

impl cachepolicy_error {
    pub(crate) fn new(status: cachepolicy_status, message: &str) -> Self {
        // Messages are built by this library and the engine, which escape what they quote;
        // a NUL byte is replaced rather than trusted.
        let message = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
        cachepolicy_error { status, message }
    }
}

/// The status of an error object; `CACHEPOLICY_STATUS_NULL_POINTER` when `error` is NULL.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_error_status(error: *const cachepolicy_error) -> cachepolicy_status {
    match unsafe { error.as_ref() } {
        Some(e) => e.status,
        None => cachepolicy_status::NullPointer,
    }
}

/// The message of an error object: `*message_out` receives a NUL-terminated UTF-8 string
/// owned by `error` (valid until `cachepolicy_error_free(error)`), and `*length_out`, when
/// `length_out` is not NULL, its length without the NUL.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_error_message(
    error: *const cachepolicy_error,
    message_out: *mut *const c_char,
    length_out: *mut usize,
) -> cachepolicy_status {
    guard(std::ptr::null_mut(), || {
        let length_out = unsafe { optional_out(length_out) };
        if let Some(length_out) = &length_out {
            length_out.set(0);
        }
        let message_out = unsafe { out(message_out, "message_out") }?;
        message_out.set(std::ptr::null());
        let error = unsafe { error.as_ref() }.ok_or_else(|| Failure::null("error"))?;
        message_out.set(error.message.as_ptr());
        if let Some(length_out) = &length_out {
            length_out.set(error.message.as_bytes().len());
        }
        Ok(())
    })
}

/// Frees an error object. NULL is allowed and does nothing.
#[no_mangle]
pub unsafe extern "C" fn cachepolicy_error_free(error: *mut cachepolicy_error) {
    unsafe { free_handle(error) }
}
