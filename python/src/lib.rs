//! The Python binding of `cachepolicy`, an HTTP caching policy engine (RFC 9111).
//!
//! The native module `cachepolicy._cachepolicy`, re-exported by the `cachepolicy` package.
//! The binding is thin: `convert` turns Python objects into the engine's inputs and its
//! answers back into Python objects; `policy` maps each method onto the engine; `errors`
//! names the argument an engine error is about. Every caching decision comes from the core.

use pyo3::prelude::*;

mod convert;
mod errors;
mod policy;

pub use errors::CachePolicyError;
pub use policy::{Evaluation, PyCachePolicy, Revalidation};

/// HTTP caching policy engine (RFC 9111, RFC 5861, RFC 8246): may I store this response, may I
/// serve it to this request, with which headers, how do I revalidate it.
// No state is shared without synchronisation: policies are frozen (their one lazily built
// field is a `OnceLock`), and inputs are read from immutable tuples and str/bytes objects, so
// free-threaded builds need no GIL for this module.
#[pymodule(gil_used = false)]
fn _cachepolicy(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add_class::<PyCachePolicy>()?;
    m.add_class::<Evaluation>()?;
    m.add_class::<Revalidation>()?;
    m.add_function(wrap_pyfunction!(policy::primary_key, m)?)?;
    m.add_function(wrap_pyfunction!(policy::select_variant, m)?)?;
    m.add_function(wrap_pyfunction!(policy::cache_status_miss, m)?)?;
    m.add("CachePolicyError", py.get_type::<CachePolicyError>())?;
    m.add("FORMAT_VERSION", cachepolicy::FORMAT_VERSION)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
