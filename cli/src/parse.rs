//! Exchange files: text → the stored request, its response, an optional later request, and
//! the time hints written as comments.
//!
//! # Format
//!
//! ```text
//! # received: Tue, 14 Nov 2023 22:13:20 GMT     (optional; default: the response's Date)
//! # at: +600                                    (optional; default: +0)
//! GET /app.js HTTP/1.1                          the request line and header lines
//! Host: cdn.example.com
//!                                               a blank line
//! HTTP/1.1 200 OK                               the status line and header lines
//! Cache-Control: max-age=300
//!                                               a blank line, then optionally a body,
//! GET /app.js HTTP/1.1                          and optionally a later request
//! Host: cdn.example.com
//! ```
//!
//! The `curl -v` form is accepted too: when the first significant line starts with `>`, only
//! lines starting with `>` (request) and `<` (response) are read, their prefix removed; every
//! other line (the body curl prints, `{ [data]` notes) is skipped, and a change of direction
//! ends a header block even without its blank line.
//!
//! In both forms, lines starting with `#` are comments (`# received:` and `# at:` are read) and
//! lines starting with `*` (curl's connection notes) are skipped. Between the response headers
//! and the later request, lines that are not a request line are taken as the body and
//! skipped. Everything after the later request's headers (say, the response it got) is
//! ignored. Header blocks are strict: a line that is neither `Name: value`, a continuation
//! (starting with whitespace) nor blank is an error naming its line.

use std::fmt;

use cachepolicy::parse_http_date;

/// Header field lines in order: name and raw value (values need not be UTF-8).
pub type Headers = Vec<(String, Vec<u8>)>;

/// A request line and its header block.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestPart {
    /// 1-based line number of the request line.
    pub line: usize,
    /// The method, e.g. `GET`.
    pub method: String,
    /// The request target as written: origin-form (`/x`) or absolute (`https://h/x`).
    pub target: String,
    /// The header field lines.
    pub headers: Headers,
}

impl RequestPart {
    /// The first `Host` value, for display.
    pub fn host(&self) -> Option<String> {
        header(&self.headers, "host").map(|v| String::from_utf8_lossy(v).into_owned())
    }
}

/// A status line and its header block.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponsePart {
    /// 1-based line number of the status line.
    pub line: usize,
    /// The status code, 100–999.
    pub status: u16,
    /// The reason phrase, possibly empty (HTTP/2 status lines have none).
    pub reason: String,
    /// The header field lines.
    pub headers: Headers,
}

/// When to evaluate: relative to the time of reception, or an absolute time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// Seconds after the response was received.
    After(u64),
    /// Unix seconds.
    Absolute(i64),
}

/// One parsed exchange file.
#[derive(Debug, Clone, PartialEq)]
pub struct Exchange {
    /// The request the response answered.
    pub request: RequestPart,
    /// The response to store.
    pub response: ResponsePart,
    /// The later request to evaluate, if the file has one.
    pub later: Option<RequestPart>,
    /// `# received: <HTTP-date>`, in Unix seconds.
    pub received: Option<i64>,
    /// `# at: <when>`.
    pub at: Option<At>,
}

/// Why a file could not be read as an exchange, with the 1-based line at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The line at fault (the last line, for a file that ends too early).
    pub line: usize,
    /// What was expected.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

fn err<T>(line: usize, message: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError { line, message: message.into() })
}

/// The first value of the header named `name` (case-insensitive).
pub fn header<'h>(headers: &'h Headers, name: &str) -> Option<&'h [u8]> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_slice())
}

/// Parses an exchange file.
pub fn parse_exchange(text: &[u8]) -> Result<Exchange, ParseError> {
    let raw: Vec<(usize, &[u8])> =
        text.split(|&b| b == b'\n').enumerate().map(|(i, l)| (i + 1, l.strip_suffix(b"\r").unwrap_or(l))).collect();
    let last_line = raw.len().max(1);
    let mut received = None;
    let mut at = None;
    let is_blank = |l: &[u8]| l.iter().all(u8::is_ascii_whitespace);
    let significant = |l: &&[u8]| !is_blank(l) && !l.starts_with(b"#") && !l.starts_with(b"*");
    let curl = raw.iter().map(|&(_, l)| l).find(significant).is_some_and(|l| l.starts_with(b">"));

    // The lines that matter, prefixes removed, comments read.
    let mut lines: Vec<(usize, &[u8])> = Vec::with_capacity(raw.len());
    let mut direction = None;
    for &(n, l) in &raw {
        if let Some(comment) = l.strip_prefix(b"#") {
            read_comment(n, comment, &mut received, &mut at)?;
            continue;
        }
        if l.starts_with(b"*") {
            continue;
        }
        if !curl {
            lines.push((n, l));
            continue;
        }
        let Some(&d @ (b'>' | b'<')) = l.first() else { continue };
        let rest = &l[1..];
        if direction.is_some_and(|prev| prev != d) {
            lines.push((n, b""));
        }
        direction = Some(d);
        lines.push((n, rest.strip_prefix(b" ").unwrap_or(rest)));
    }

    let mut it = lines.into_iter().peekable();
    while it.next_if(|(_, l)| is_blank(l)).is_some() {}
    let Some((n, l)) = it.next() else {
        return err(last_line, "no request: expected a request line such as `GET /path HTTP/1.1`");
    };
    let Some((method, target)) = request_line(l) else {
        return err(n, format!("expected a request line such as `GET /path HTTP/1.1`, got `{}`", excerpt(l)));
    };
    let request = RequestPart { line: n, method, target, headers: header_block(&mut it)? };

    while it.next_if(|(_, l)| is_blank(l)).is_some() {}
    let Some((n, l)) = it.next() else {
        return err(last_line, "no response: expected a status line such as `HTTP/1.1 200 OK` after the request");
    };
    let (status, reason) = status_line(n, l)?;
    let response = ResponsePart { line: n, status, reason, headers: header_block(&mut it)? };

    // Skip the body, if any, up to the later request.
    let mut later = None;
    while let Some((n, l)) = it.next() {
        if let Some((method, target)) = request_line(l) {
            later = Some(RequestPart { line: n, method, target, headers: header_block(&mut it)? });
            break;
        }
    }
    Ok(Exchange { request, response, later, received, at })
}

/// Reads `# received: <HTTP-date>` and `# at: <when>`; other comments are ignored.
fn read_comment(n: usize, comment: &[u8], received: &mut Option<i64>, at: &mut Option<At>) -> Result<(), ParseError> {
    let comment = String::from_utf8_lossy(comment);
    let Some((key, value)) = comment.split_once(':') else { return Ok(()) };
    match key.trim().to_ascii_lowercase().as_str() {
        "received" => match parse_date(value) {
            Some(t) => *received = Some(t),
            None => return err(n, format!("`# received:` needs an HTTP-date such as `{EXAMPLE_DATE}`")),
        },
        "at" => *at = Some(parse_at(value).or_else(|m| err(n, format!("`# at:` {m}")))?),
        _ => {}
    }
    Ok(())
}

/// An example HTTP-date, for messages.
pub const EXAMPLE_DATE: &str = "Tue, 14 Nov 2023 22:13:20 GMT";

/// Parses an HTTP-date (any of the three forms) into Unix seconds.
pub fn parse_date(text: &str) -> Option<i64> {
    parse_http_date(text.trim().as_bytes(), reference_year())
}

/// The year that resolves two-digit RFC 850 years: the current one.
fn reference_year() -> i64 {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    1970 + (secs / 31_556_952) as i64
}

/// Parses a `--at` / `# at:` value: `+SECONDS` (or `+N` with a unit `s`, `m`, `h`, `d`) after
/// reception, or an absolute HTTP-date.
pub fn parse_at(text: &str) -> Result<At, String> {
    let text = text.trim();
    let relative = text.strip_prefix('+').unwrap_or(text);
    let (digits, unit) = match relative.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => relative.split_at(i),
        None => (relative, ""),
    };
    let multiplier = match unit {
        "" | "s" => Some(1),
        "m" => Some(60),
        "h" => Some(3600),
        "d" => Some(86_400),
        _ => None,
    };
    if let (Ok(n), Some(m)) = (digits.parse::<u64>(), multiplier) {
        return n.checked_mul(m).map(At::After).ok_or_else(|| format!("`{text}` is too far in the future"));
    }
    parse_date(text)
        .map(At::Absolute)
        .ok_or_else(|| format!("needs `+SECONDS` (e.g. `+600`, `+10m`, `+2h`) or an HTTP-date, got `{text}`"))
}

/// `METHOD SP target SP HTTP/version`, the method a token; `None` otherwise.
fn request_line(l: &[u8]) -> Option<(String, String)> {
    let text = std::str::from_utf8(l).ok()?;
    let mut parts = text.split_ascii_whitespace();
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    let ok = parts.next().is_none() && is_token(method) && version.starts_with("HTTP/");
    ok.then(|| (method.to_string(), target.to_string()))
}

/// `HTTP/version SP 3DIGIT [SP reason]`.
fn status_line(n: usize, l: &[u8]) -> Result<(u16, String), ParseError> {
    let text = String::from_utf8_lossy(l);
    let mut parts = text.trim().splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    let code = parts.next().unwrap_or("");
    let status = code.parse::<u16>().ok().filter(|s| code.len() == 3 && (100..=999).contains(s));
    match status {
        Some(status) if version.starts_with("HTTP/") => Ok((status, parts.next().unwrap_or("").trim().to_string())),
        _ => err(n, format!("malformed status line `{}`: expected one such as `HTTP/1.1 200 OK`", excerpt(l))),
    }
}

/// Header lines up to a blank line or the end; continuation lines are joined with a space
/// (RFC 9112 §5.2).
fn header_block<'a>(it: &mut impl Iterator<Item = (usize, &'a [u8])>) -> Result<Headers, ParseError> {
    let mut headers: Headers = Vec::new();
    for (n, l) in it {
        if l.iter().all(u8::is_ascii_whitespace) {
            break;
        }
        if matches!(l[0], b' ' | b'\t') {
            let Some((_, value)) = headers.last_mut() else {
                return err(n, "a continuation line (starting with whitespace) with no header line before it");
            };
            value.push(b' ');
            value.extend_from_slice(trim(l));
            continue;
        }
        let name = l.iter().position(|&b| b == b':').map(|colon| (&l[..colon], &l[colon + 1..]));
        match name {
            Some((name, value)) if is_token_bytes(name) => {
                headers.push((String::from_utf8_lossy(name).into_owned(), trim(value).to_vec()));
            }
            Some((name, _)) => {
                return err(n, format!("invalid header name `{}`: a name is a token, with no spaces", excerpt(name)))
            }
            None => {
                return err(n, format!("expected a header line `Name: value` or a blank line, got `{}`", excerpt(l)))
            }
        }
    }
    Ok(headers)
}

/// Removes leading and trailing whitespace (`<[u8]>::trim_ascii` needs Rust 1.80).
fn trim(v: &[u8]) -> &[u8] {
    let start = v.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(v.len());
    let end = v.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(start, |e| e + 1);
    &v[start..end]
}

/// RFC 9110 §5.6.2 `token`.
fn is_token_bytes(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn is_token(s: &str) -> bool {
    is_token_bytes(s.as_bytes())
}

/// At most 60 characters of a line, escaped, for messages.
fn excerpt(l: &[u8]) -> String {
    let text = String::from_utf8_lossy(l);
    let mut s: String = text.chars().take(60).flat_map(char::escape_debug).collect();
    if text.chars().count() > 60 {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: &str = "# at: +30\nGET /a HTTP/1.1\nHost: h\n\nHTTP/1.1 200 OK\nCache-Control: max-age=60\n\
                         X-Long: a\n  b\n\nbody text\nmore body\n\nGET /a HTTP/1.1\nHost: h\n\nHTTP/1.1 304 Not Modified\n";

    #[test]
    fn plain_form_with_body_continuation_and_later_request() {
        let x = parse_exchange(PLAIN.as_bytes()).unwrap();
        assert_eq!((x.request.method.as_str(), x.request.target.as_str(), x.request.line), ("GET", "/a", 2));
        assert_eq!(x.request.host().as_deref(), Some("h"));
        assert_eq!((x.response.status, x.response.reason.as_str(), x.response.line), (200, "OK", 5));
        assert_eq!(header(&x.response.headers, "x-long"), Some(&b"a b"[..]));
        let later = x.later.unwrap();
        assert_eq!((later.line, later.headers.len()), (13, 1));
        assert_eq!(x.at, Some(At::After(30)));
        assert_eq!(x.received, None);
    }

    #[test]
    fn curl_form_skips_notes_and_body_and_splits_on_direction() {
        let text = "*   Trying 1.2.3.4:443...\r\n> GET /x HTTP/2\r\n> Host: h\r\n> Accept: */*\r\n< HTTP/2 200 \r\n\
                    < etag: \"1\"\r\n<\r\n{ [5 bytes data]\r\nhello\r\n* Connection #0 to host h left intact\r\n";
        let x = parse_exchange(text.as_bytes()).unwrap();
        assert_eq!(x.request.headers.len(), 2);
        assert_eq!((x.response.status, x.response.reason.as_str()), (200, ""));
        assert_eq!(x.response.headers, vec![("etag".to_string(), b"\"1\"".to_vec())]);
        assert!(x.later.is_none());
    }

    #[test]
    fn errors_name_the_line() {
        let bad = |t: &str| parse_exchange(t.as_bytes()).unwrap_err();
        assert_eq!(bad("GET / HTTP/1.1\n\nHTTP/1.1 OK\n").line, 3);
        assert!(bad("GET / HTTP/1.1\n\nHTTP/1.1 OK\n").message.contains("malformed status line"));
        assert_eq!(bad("").line, 1);
        assert_eq!(bad("GET / HTTP/1.1\nHost h\n\nHTTP/1.1 200 OK\n").line, 2);
        assert_eq!(bad("GET / HTTP/1.1\nBad Name: x\n").line, 2);
        assert_eq!(bad("GET / HTTP/1.1\nHost: h\n").line, 3);
        assert_eq!(bad("hello\n").line, 1);
        assert_eq!(bad("GET / HTTP/1.1\n\nHTTP/1.1 099 Low\n").line, 3);
        assert_eq!(bad("# received: yesterday\nGET / HTTP/1.1\n").line, 1);
        assert_eq!(bad("\n# at: soon\n").line, 2);
    }

    #[test]
    fn at_values() {
        assert_eq!(parse_at("+0"), Ok(At::After(0)));
        assert_eq!(parse_at(" 90 "), Ok(At::After(90)));
        assert_eq!(parse_at("+10m"), Ok(At::After(600)));
        assert_eq!(parse_at("+2h"), Ok(At::After(7200)));
        assert_eq!(parse_at("+1d"), Ok(At::After(86_400)));
        assert_eq!(parse_at(EXAMPLE_DATE), Ok(At::Absolute(1_700_000_000)));
        assert!(parse_at("+5x").is_err());
        assert!(parse_at("-5").is_err());
        assert!(parse_at("+").is_err());
    }
}
