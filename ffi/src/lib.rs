//! # libcachepolicy — the C ABI of the `cachepolicy` engine
//!
//! This crate builds `libcachepolicy.so` (SONAME `libcachepolicy.so.<ABI major>`) and
//! `libcachepolicy.a`; `include/cachepolicy.h` is generated from it by cbindgen (see
//! `ffi/cbindgen.toml`) and `ffi/tests/header.rs` fails when the committed header is stale.
//!
//! The contract every function follows is stated once, in the header's preamble
//! (`ffi/cbindgen.toml`, `header`): statuses, the optional `cachepolicy_error **error_out`,
//! who owns what, times in Unix milliseconds, and which handles may be shared between threads.
//! Each function's comment says what it borrows, what it returns and which function frees it.
//!
//! Layout:
//! - `boundary`: the one place where panics are caught and failures become statuses;
//!   pointer arguments are checked there too.
//! - `status`: `cachepolicy_status` and the error object.
//! - `input`: the borrowed `(pointer, length)` structs callers pass in.
//! - `lists`: the owned header list, string list and byte buffer handles handed out.
//! - `codes`: decisions, reasons, freshness sources and revalidation outcomes as C enums.
//! - `options`, `policy`: the two main handles.
//! - `keys`, `cache_status`: cache keys and variant selection (RFC 9111 §2, §4.1), and the
//!   `Cache-Status` field (RFC 9211).

// The C names are the Rust names: `cachepolicy_policy`, `cachepolicy_status`, …
#![allow(non_camel_case_types)]
// Every `unsafe extern "C"` function shares one pointer contract (pointers are either NULL or
// valid for the documented use and length; handles come from this library and are not used
// after being freed), stated in the header preamble rather than repeated as `# Safety` sections.
#![allow(clippy::missing_safety_doc)]

mod boundary;
mod cache_status;
mod codes;
mod input;
mod keys;
mod lists;
mod options;
mod policy;
mod status;

pub use cache_status::*;
pub use codes::*;
pub use input::*;
pub use keys::*;
pub use lists::*;
pub use options::*;
pub use policy::*;
pub use status::*;

/// The ABI major version. Incompatible changes (a signature, a struct layout, an enum value)
/// increase it; it is the number in the SONAME, `libcachepolicy.so.1`.
pub const CACHEPOLICY_ABI_MAJOR: u32 = 1;

/// The ABI minor version. Compatible additions (new functions, new enum values at the end)
/// increase it.
pub const CACHEPOLICY_ABI_MINOR: u32 = 0;

/// `(CACHEPOLICY_ABI_MAJOR << 16) | CACHEPOLICY_ABI_MINOR`: compare with
/// `cachepolicy_abi_version()` to check that the library loaded at run time is the one
/// compiled against.
pub const CACHEPOLICY_ABI_VERSION: u32 = (CACHEPOLICY_ABI_MAJOR << 16) | CACHEPOLICY_ABI_MINOR;

/// The library's ABI version, `(major << 16) | minor`, as built. A program compiled against
/// this header can run with the library loaded when the majors are equal and the library's
/// minor is at least the header's.
#[no_mangle]
pub extern "C" fn cachepolicy_abi_version() -> u32 {
    CACHEPOLICY_ABI_VERSION
}

/// The library's release version, e.g. `"0.1.0"`: a static NUL-terminated string, never NULL,
/// never to be freed.
#[no_mangle]
pub extern "C" fn cachepolicy_version() -> *const std::ffi::c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}
