//! The boundary between C and Rust: every exported function's body runs inside [`guard`],
//! which catches panics and turns failures into a status (and an error object when the
//! caller asked for one). Pointer arguments are checked here before they are used.

use std::any::Any;
use std::fmt::Display;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::{self, NonNull};

use crate::status::{cachepolicy_error, cachepolicy_status, status_of};

/// Why a call failed, before it becomes a status and, maybe, an error object.
#[derive(Debug)]
pub struct Failure {
    pub status: cachepolicy_status,
    pub message: String,
}

impl Failure {
    pub fn new(status: cachepolicy_status, message: impl Into<String>) -> Self {
        Failure { status, message: message.into() }
    }

    /// A required pointer argument was NULL.
    pub fn null(what: impl Display) -> Self {
        Failure::new(cachepolicy_status::NullPointer, format!("{what} is NULL"))
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Failure::new(cachepolicy_status::InvalidArgument, message)
    }

    fn panic(payload: Box<dyn Any + Send>) -> Self {
        let detail = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        Failure::new(cachepolicy_status::Panic, format!("internal error (please report): {detail}"))
    }
}

impl From<cachepolicy_core::Error> for Failure {
    fn from(e: cachepolicy_core::Error) -> Self {
        Failure::new(status_of(e.kind()), e.message())
    }
}

/// Runs `body`, catching panics. `error_out`, when not NULL, is set to NULL first and to a
/// new error object when the call fails.
///
/// # Safety
/// `error_out` is NULL or valid for writing one pointer.
pub unsafe fn guard(error_out: *mut *mut cachepolicy_error, body: impl FnOnce() -> Result<(), Failure>) -> cachepolicy_status {
    if !error_out.is_null() {
        // SAFETY: a non-NULL `error_out` points to writable storage for one pointer (contract).
        unsafe { error_out.write(ptr::null_mut()) };
    }
    // The closure only reads immutable handles or writes to its own out parameters, so a
    // panic cannot leave anything the caller can see half-updated.
    let result = catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|payload| Err(Failure::panic(payload)));
    match result {
        Ok(()) => cachepolicy_status::Ok,
        Err(failure) => {
            if !error_out.is_null() {
                let error = Box::new(cachepolicy_error::new(failure.status, &failure.message));
                // SAFETY: as above.
                unsafe { error_out.write(Box::into_raw(error)) };
            }
            failure.status
        }
    }
}

/// A checked out parameter: written with [`Out::set`], never read.
pub struct Out<T>(NonNull<T>);

impl<T> Out<T> {
    pub fn set(&self, value: T) {
        // SAFETY: non-NULL and, by the contract, valid for writing one `T`.
        unsafe { self.0.as_ptr().write(value) }
    }
}

/// Checks a required out parameter.
///
/// # Safety
/// `p` is NULL or valid for writing one `T`.
pub unsafe fn out<T>(p: *mut T, what: &str) -> Result<Out<T>, Failure> {
    NonNull::new(p).map(Out).ok_or_else(|| Failure::null(what))
}

/// An optional out parameter: `None` when the caller passed NULL.
///
/// # Safety
/// As [`out`].
pub unsafe fn optional_out<T>(p: *mut T) -> Option<Out<T>> {
    NonNull::new(p).map(Out)
}

/// Borrows a required handle or struct argument.
///
/// # Safety
/// `p` is NULL or points to a live `T` that stays unchanged during the call.
pub unsafe fn borrow<'a, T>(p: *const T, what: impl Display) -> Result<&'a T, Failure> {
    unsafe { p.as_ref() }.ok_or_else(|| Failure::null(what))
}

/// Borrows a required handle argument for mutation.
///
/// # Safety
/// `p` is NULL or points to a live `T` no one else uses during the call.
pub unsafe fn borrow_mut<'a, T>(p: *mut T, what: &str) -> Result<&'a mut T, Failure> {
    unsafe { p.as_mut() }.ok_or_else(|| Failure::null(what))
}

/// Borrows a `(pointer, length)` array: NULL with length 0 is the empty array.
///
/// # Safety
/// `p` is NULL, or valid for reading `len` consecutive `T`s that stay unchanged during the call.
pub unsafe fn slice<'a, T>(p: *const T, len: usize, what: impl Display) -> Result<&'a [T], Failure> {
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(Failure::new(cachepolicy_status::NullPointer, format!("{what} is NULL with length {len}")));
    }
    if !matches!(len.checked_mul(std::mem::size_of::<T>()), Some(bytes) if bytes <= isize::MAX as usize) {
        return Err(Failure::invalid_argument(format!("{what}: length {len} is too large")));
    }
    // SAFETY: non-NULL, length checked against isize::MAX, validity by the contract.
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// Hands a new object to the caller.
pub fn into_handle<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Frees a handle made by [`into_handle`]; NULL does nothing.
///
/// # Safety
/// `p` is NULL or came from [`into_handle`] for this `T` and was not freed yet.
pub unsafe fn free_handle<T>(p: *mut T) {
    if !p.is_null() {
        drop(unsafe { Box::from_raw(p) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::{cachepolicy_error_free, cachepolicy_error_message, cachepolicy_error_status};

    #[test]
    fn a_panic_becomes_a_status_and_an_error_object() {
        let mut error: *mut cachepolicy_error = std::ptr::null_mut();
        let status = unsafe { guard(&mut error, || panic!("boom {}", 42)) };
        assert_eq!(status, cachepolicy_status::Panic);
        assert_eq!(unsafe { cachepolicy_error_status(error) }, cachepolicy_status::Panic);
        let (mut message, mut length) = (std::ptr::null(), 0usize);
        assert_eq!(unsafe { cachepolicy_error_message(error, &mut message, &mut length) }, cachepolicy_status::Ok);
        let text = unsafe { std::ffi::CStr::from_ptr(message) }.to_str().unwrap();
        assert!(text.contains("boom 42"), "{text}");
        assert_eq!(text.len(), length);
        unsafe { cachepolicy_error_free(error) };
        // Without an error object, and with a payload that is not a string.
        assert_eq!(unsafe { guard(std::ptr::null_mut(), || std::panic::panic_any(7u8)) }, cachepolicy_status::Panic);
    }

    #[test]
    fn slices_check_null_and_length() {
        let empty: &[u8] = unsafe { slice(std::ptr::null(), 0, "x") }.unwrap();
        assert!(empty.is_empty());
        assert_eq!(unsafe { slice::<u8>(std::ptr::null(), 1, "x") }.unwrap_err().status, cachepolicy_status::NullPointer);
        let byte = 0u8;
        assert_eq!(unsafe { slice(&byte, usize::MAX, "x") }.unwrap_err().status, cachepolicy_status::InvalidArgument);
    }
}
