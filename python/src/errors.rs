//! The exception for inputs the engine refuses, naming the argument that held them.

use cachepolicy::{Error, ErrorKind};
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::convert::{is_token, Line};

create_exception!(
    cachepolicy,
    CachePolicyError,
    PyValueError,
    "A value the engine refuses: an invalid method, URL, status, header name or option, or \
     bytes that are not a serialized policy. `kind` is the stable code of what was wrong \
     (`invalid_method`, `invalid_url`, `invalid_status`, `invalid_header_name`, \
     `invalid_option`, `invalid_serialization`)."
);

/// The engine's error as a `CachePolicyError` whose message starts with `argument` (empty:
/// the engine's message names it already).
pub fn refused(py: Python<'_>, error: &Error, argument: &str) -> PyErr {
    let message = match argument {
        "" => error.message().to_string(),
        _ => format!("{argument}: {}", error.message()),
    };
    let err = CachePolicyError::new_err(message);
    // Setting an attribute on a fresh exception instance cannot fail in practice; if it did,
    // the message still says everything.
    let _ = err.value(py).setattr("kind", error.kind().code());
    err
}

/// The argument an error of constructing from `request` and `response` is about.
pub fn argument_of(
    error: &Error,
    request: (&str, &[Line<'_, '_>]),
    response: (&str, &[Line<'_, '_>]),
) -> String {
    match error.kind() {
        ErrorKind::InvalidMethod => format!("{}.method", request.0),
        ErrorKind::InvalidUrl => format!("{}.url", request.0),
        ErrorKind::InvalidStatus => format!("{}.status", response.0),
        ErrorKind::InvalidHeaderName => {
            for (arg, lines) in [response, request] {
                if let Some(i) = lines.iter().position(|l| !is_token(&l.name)) {
                    return format!("{arg}.headers[{i}] name");
                }
            }
            format!("{}.headers", response.0)
        }
        // The engine's messages about options start with the option's name.
        ErrorKind::InvalidOption => String::new(),
        _ => "data".to_string(),
    }
}
