//! Errors for inputs the engine refuses.

use std::fmt;

/// What kind of input was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The method is not a token (RFC 9110 §9.1).
    InvalidMethod,
    /// The URL is empty or holds whitespace or control characters.
    InvalidUrl,
    /// The status code is outside 100–999 (RFC 9110 §15).
    InvalidStatus,
    /// A header field name is not a token (RFC 9110 §5.1).
    InvalidHeaderName,
    /// An option is out of range (e.g. a negative or NaN heuristic).
    InvalidOption,
    /// Serialized bytes are truncated, corrupt or of an unknown version.
    InvalidSerialization,
}

impl ErrorKind {
    /// A stable snake_case code, e.g. `invalid_status`.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::InvalidMethod => "invalid_method",
            ErrorKind::InvalidUrl => "invalid_url",
            ErrorKind::InvalidStatus => "invalid_status",
            ErrorKind::InvalidHeaderName => "invalid_header_name",
            ErrorKind::InvalidOption => "invalid_option",
            ErrorKind::InvalidSerialization => "invalid_serialization",
        }
    }
}

/// An input the engine refuses, with a message naming what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, message: message.into() }
    }

    /// What kind of input was refused.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Shows at most 40 bytes of an input in an error message, escaped.
pub(crate) fn excerpt(b: &[u8]) -> String {
    let shown = &b[..b.len().min(40)];
    let mut s: String = shown.escape_ascii().to_string();
    if b.len() > 40 {
        s.push('…');
    }
    s
}
