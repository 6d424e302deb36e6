//! Header field lines: what callers pass in, and how a policy stores them (RFC 9110 §5).
//!
//! Callers hand over raw `(name, value)` lines, duplicates and order kept. A policy copies the
//! lines it keeps into one byte arena and indexes them; each name is classified once, so later
//! questions ("the ETag?") never compare strings again.

use std::borrow::Cow;

/// A list of header field lines, in order, duplicates kept: `(name, value)` as bytes.
///
/// Implemented for slices, arrays and vectors of pairs of anything byte-like (`&str`,
/// `String`, `&[u8]`, `Vec<u8>`), and for [`http::HeaderMap`].
pub trait HeaderSource {
    /// The field lines in order.
    fn header_lines(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_;
}

impl<N: AsRef<[u8]>, V: AsRef<[u8]>> HeaderSource for [(N, V)] {
    fn header_lines(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.iter().map(|(n, v)| (n.as_ref(), v.as_ref()))
    }
}

impl<N: AsRef<[u8]>, V: AsRef<[u8]>, const K: usize> HeaderSource for [(N, V); K] {
    fn header_lines(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.as_slice().header_lines()
    }
}

impl<N: AsRef<[u8]>, V: AsRef<[u8]>> HeaderSource for Vec<(N, V)> {
    fn header_lines(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.as_slice().header_lines()
    }
}

impl<T: HeaderSource + ?Sized> HeaderSource for &T {
    fn header_lines(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        (**self).header_lines()
    }
}

impl HeaderSource for http::HeaderMap {
    fn header_lines(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.iter().map(|(n, v)| (n.as_str().as_bytes(), v.as_bytes()))
    }
}

/// A request as the policy sees it: method, target URI and header lines.
///
/// Implemented for [`Request`], [`http::Request`] and [`http::request::Parts`].
pub trait HttpRequest {
    /// The method, e.g. `GET` (case-sensitive, RFC 9110 §9.1).
    fn method(&self) -> &str;
    /// The target URI: absolute (`https://host/path`) or origin-form (`/path`, with `Host`).
    fn url(&self) -> Cow<'_, str>;
    /// The header field lines in order.
    fn header_lines(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_;
}

/// A response as the policy sees it: status code and header lines.
///
/// Implemented for [`Response`], [`http::Response`] and [`http::response::Parts`].
pub trait HttpResponse {
    /// The status code.
    fn status(&self) -> u16;
    /// The header field lines in order.
    fn header_lines(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_;
}

/// A request given as raw parts.
///
/// ```
/// use cachepolicy::Request;
/// let req = Request { method: "GET", url: "https://example.com/", headers: &[("accept", "text/html")] };
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Request<'a, H: HeaderSource + ?Sized> {
    /// The method, e.g. `GET`.
    pub method: &'a str,
    /// The target URI, absolute or origin-form.
    pub url: &'a str,
    /// The header field lines.
    pub headers: &'a H,
}

/// A response given as raw parts.
#[derive(Debug, Clone, Copy)]
pub struct Response<'a, H: HeaderSource + ?Sized> {
    /// The status code.
    pub status: u16,
    /// The header field lines.
    pub headers: &'a H,
}

impl<H: HeaderSource + ?Sized> HttpRequest for Request<'_, H> {
    fn method(&self) -> &str {
        self.method
    }
    fn url(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.url)
    }
    fn header_lines(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.headers.header_lines()
    }
}

impl<H: HeaderSource + ?Sized> HttpResponse for Response<'_, H> {
    fn status(&self) -> u16 {
        self.status
    }
    fn header_lines(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.headers.header_lines()
    }
}

fn uri_text(uri: &http::Uri) -> Cow<'_, str> {
    if uri.scheme().is_some() {
        Cow::Owned(uri.to_string())
    } else {
        Cow::Borrowed(uri.path_and_query().map_or("/", |p| p.as_str()))
    }
}

impl HttpRequest for http::request::Parts {
    fn method(&self) -> &str {
        self.method.as_str()
    }
    fn url(&self) -> Cow<'_, str> {
        uri_text(&self.uri)
    }
    fn header_lines(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.headers.header_lines()
    }
}

impl<B> HttpRequest for http::Request<B> {
    fn method(&self) -> &str {
        self.method().as_str()
    }
    fn url(&self) -> Cow<'_, str> {
        uri_text(self.uri())
    }
    fn header_lines(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.headers().header_lines()
    }
}

impl HttpResponse for http::response::Parts {
    fn status(&self) -> u16 {
        self.status.as_u16()
    }
    fn header_lines(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.headers.header_lines()
    }
}

impl<B> HttpResponse for http::Response<B> {
    fn status(&self) -> u16 {
        self.status().as_u16()
    }
    fn header_lines(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.headers().header_lines()
    }
}

/// A header list produced by the policy: names and values borrowed where possible.
pub type HeaderList<'a> = Vec<(&'a str, Cow<'a, [u8]>)>;

/// The fields whose meaning the engine knows; everything else is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldKind {
    Age,
    Authorization,
    CacheControl,
    Connection,
    ContentEncoding,
    ContentLength,
    ContentLocation,
    ContentRange,
    Date,
    ETag,
    Expires,
    Host,
    /// Keep-Alive, Proxy-Connection, Proxy-Authenticate, Proxy-Authorization, TE, Trailer, Upgrade.
    HopByHop,
    IfMatch,
    IfModifiedSince,
    IfNoneMatch,
    IfRange,
    IfUnmodifiedSince,
    LastModified,
    Location,
    Pragma,
    Range,
    SetCookie,
    TransferEncoding,
    Vary,
    Other,
}

impl FieldKind {
    /// Hop-by-hop fields a cache never stores or forwards (RFC 9110 §7.6.1, RFC 9111 §3.1).
    pub(crate) fn is_hop_by_hop(self) -> bool {
        matches!(self, FieldKind::Connection | FieldKind::HopByHop | FieldKind::TransferEncoding)
    }

    /// Range and the preconditions (RFC 9110 §13.1, §14.2).
    pub(crate) fn is_range_or_precondition(self) -> bool {
        matches!(
            self,
            FieldKind::Range
                | FieldKind::IfMatch
                | FieldKind::IfNoneMatch
                | FieldKind::IfModifiedSince
                | FieldKind::IfUnmodifiedSince
                | FieldKind::IfRange
        )
    }
}

/// Classifies a field name case-insensitively without allocating: the length and first
/// letter narrow the candidates to one or two comparisons.
pub(crate) fn classify(name: &[u8]) -> FieldKind {
    use FieldKind::*;
    let Some(&first) = name.first() else { return Other };
    let (expected, kind): (&[u8], FieldKind) = match (name.len(), first | 0x20) {
        (2, b't') => (b"te", HopByHop),
        (3, b'a') => (b"age", Age),
        (4, b'd') => (b"date", Date),
        (4, b'e') => (b"etag", ETag),
        (4, b'h') => (b"host", Host),
        (4, b'v') => (b"vary", Vary),
        (5, b'r') => (b"range", Range),
        (6, b'p') => (b"pragma", Pragma),
        (7, b'e') => (b"expires", Expires),
        (7, b't') => (b"trailer", HopByHop),
        (7, b'u') => (b"upgrade", HopByHop),
        (8, b'l') => (b"location", Location),
        (8, b'i') if name[3] | 0x20 == b'm' => (b"if-match", IfMatch),
        (8, b'i') => (b"if-range", IfRange),
        (10, b'c') => (b"connection", Connection),
        (10, b'k') => (b"keep-alive", HopByHop),
        (10, b's') => (b"set-cookie", SetCookie),
        (13, b'a') => (b"authorization", Authorization),
        (13, b'c') if name[2] | 0x20 == b'c' => (b"cache-control", CacheControl),
        (13, b'c') => (b"content-range", ContentRange),
        (13, b'l') => (b"last-modified", LastModified),
        (13, b'i') => (b"if-none-match", IfNoneMatch),
        (14, b'c') => (b"content-length", ContentLength),
        (16, b'c') if name[8] | 0x20 == b'e' => (b"content-encoding", ContentEncoding),
        (16, b'c') => (b"content-location", ContentLocation),
        (16, b'p') => (b"proxy-connection", HopByHop),
        (17, b't') => (b"transfer-encoding", TransferEncoding),
        (17, b'i') => (b"if-modified-since", IfModifiedSince),
        (18, b'p') => (b"proxy-authenticate", HopByHop),
        (19, b'p') => (b"proxy-authorization", HopByHop),
        (19, b'i') => (b"if-unmodified-since", IfUnmodifiedSince),
        _ => return Other,
    };
    if eq_known_name(name, expected) {
        kind
    } else {
        Other
    }
}

/// `name` equals `lower`, which is lower-cased, ignoring ASCII case.
pub(crate) fn eq_lowercase(name: &[u8], lower: &[u8]) -> bool {
    if name.len() != lower.len() {
        return false;
    }
    for (&b, &l) in name.iter().zip(lower) {
        if b != l && !(l.is_ascii_lowercase() && b | 0x20 == l) {
            return false;
        }
    }
    true
}

/// [`eq_lowercase`] for a `lower` made only of lower-case letters, digits and `-` (the names
/// the engine knows), eight or four bytes at a time. For those bytes bit 6 is set exactly for
/// letters, so shifting it onto bit 5 (the case bit) gives the bits a name may differ in.
pub(crate) fn eq_known_name(name: &[u8], lower: &[u8]) -> bool {
    debug_assert!(lower.iter().all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
    let n = name.len();
    if n != lower.len() {
        return false;
    }
    if n >= 8 {
        // Whole words, then the last eight bytes (overlapping the previous word).
        let mut i = 0;
        while i + 8 < n {
            if !same_word64(&name[i..i + 8], &lower[i..i + 8]) {
                return false;
            }
            i += 8;
        }
        return same_word64(&name[n - 8..], &lower[n - 8..]);
    }
    if n >= 4 {
        return same_word32(&name[..4], &lower[..4]) && same_word32(&name[n - 4..], &lower[n - 4..]);
    }
    name.iter().zip(lower).all(|(&b, &l)| b | ((l >> 1) & 0x20) == l)
}

#[inline(always)]
fn same_word64(name: &[u8], lower: &[u8]) -> bool {
    let (Ok(x), Ok(l)) = (<[u8; 8]>::try_from(name), <[u8; 8]>::try_from(lower)) else { return false };
    let (x, l) = (u64::from_le_bytes(x), u64::from_le_bytes(l));
    x | ((l >> 1) & 0x2020_2020_2020_2020) == l
}

#[inline(always)]
fn same_word32(name: &[u8], lower: &[u8]) -> bool {
    let (Ok(x), Ok(l)) = (<[u8; 4]>::try_from(name), <[u8; 4]>::try_from(lower)) else { return false };
    let (x, l) = (u32::from_le_bytes(x), u32::from_le_bytes(l));
    x | ((l >> 1) & 0x2020_2020) == l
}

/// `tchar` (RFC 9110 §5.6.2) as a lookup table.
const TCHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric() || matches!(b, b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~');
        i += 1;
    }
    t
};

/// `tchar` (RFC 9110 §5.6.2).
pub(crate) fn is_tchar(b: u8) -> bool {
    TCHAR[b as usize]
}

/// `token` (RFC 9110 §5.6.2): the only valid field-name and method syntax.
pub(crate) fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| TCHAR[b as usize])
}

pub(crate) const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = ONES * 0x80;

/// A token as text, `None` when `s` is not a token. Field names are read this way on every
/// call, so the check is the token check alone rather than that plus UTF-8 validation.
pub(crate) fn token_str(s: &[u8]) -> Option<&str> {
    token_str_of(s, FieldKind::Other)
}

/// [`token_str`] for a name already classified as `kind`: a known kind means the name equals
/// a known field name ignoring case, so it is a token and is not checked again.
#[allow(unsafe_code)]
pub(crate) fn token_str_of(s: &[u8], kind: FieldKind) -> Option<&str> {
    if kind == FieldKind::Other && !is_token(s) {
        return None;
    }
    debug_assert!(is_token(s));
    // SAFETY: `s` is a token (checked above, or equal to a known token name ignoring ASCII
    // case, which `classify` only reports for ASCII bytes); every tchar is ASCII, and ASCII
    // bytes are valid UTF-8.
    Some(unsafe { std::str::from_utf8_unchecked(s) })
}

pub(crate) fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Removes leading and trailing optional whitespace (RFC 9110 §5.5).
pub(crate) fn trim_ows(v: &[u8]) -> &[u8] {
    let start = v.iter().position(|&b| !is_ows(b)).unwrap_or(v.len());
    let end = v.iter().rposition(|&b| !is_ows(b)).map_or(start, |e| e + 1);
    &v[start..end]
}

/// True when a value needs [`sanitize`]: CR, LF or NUL inside, or whitespace at an end.
pub(crate) fn needs_sanitizing(v: &[u8]) -> bool {
    v.first().is_some_and(|&b| is_ows(b))
        || v.last().is_some_and(|&b| is_ows(b))
        // Bytes up to CR are rare in values; only then look closer.
        || (any_byte_up_to_cr(v) && v.iter().any(|&b| matches!(b, b'\r' | b'\n' | 0)))
}

/// Whether `v` holds a byte ≤ 0x0D, eight bytes at a time.
fn any_byte_up_to_cr(v: &[u8]) -> bool {
    any_byte_where(v, 0xFF, |x| bytes_below(x, 14), |b| b <= b'\r')
}

/// Whether some byte of `v` passes a test given twice: `word` marks (at least one) high bit of
/// a word holding such a byte, `byte` tests one byte. Words of eight bytes cover `v`, the last
/// overlapping the one before; 4–7 bytes take two overlapping four-byte words padded with
/// `pad` (a byte that fails the test); fewer are tested a byte at a time.
#[inline(always)]
pub(crate) fn any_byte_where(v: &[u8], pad: u8, word: impl Fn(u64) -> u64, byte: impl Fn(u8) -> bool) -> bool {
    let n = v.len();
    if n < 8 {
        if n >= 4 {
            return (word(word32_padded(&v[..4], pad)) | word(word32_padded(&v[n - 4..], pad))) & HIGH_BITS != 0;
        }
        return v.iter().any(|&b| byte(b));
    }
    let mut seen = 0;
    let mut i = 0;
    while i + 8 < n {
        seen |= word(word64(&v[i..i + 8]));
        i += 8;
    }
    (seen | word(word64(&v[n - 8..]))) & HIGH_BITS != 0
}

/// The high bit of each byte of `x` below `n` (≤ 128), or of some byte when another is
/// (enough to tell whether there is one): only such bytes borrow into their high bit when `n`
/// is subtracted from each, among bytes whose high bit is clear.
#[inline(always)]
pub(crate) fn bytes_below(x: u64, n: u8) -> u64 {
    x.wrapping_sub(ONES * u64::from(n)) & !x & HIGH_BITS
}

/// Eight bytes as a little-endian word (`b` has eight bytes).
#[inline(always)]
pub(crate) fn word64(b: &[u8]) -> u64 {
    <[u8; 8]>::try_from(b).map_or(0, u64::from_le_bytes)
}

/// Four bytes as a word whose upper four bytes are `pad` (`b` has four bytes).
#[inline(always)]
pub(crate) fn word32_padded(b: &[u8], pad: u8) -> u64 {
    <[u8; 4]>::try_from(b).map_or(0, |w| u64::from(u32::from_le_bytes(w))) | (u64::from(pad) * ONES) << 32
}

/// A field value as RFC 9110 §5.5 says to process it: CR, LF and NUL replaced by SP (they are
/// invalid and dangerous: header injection), then leading and trailing whitespace removed.
#[inline]
pub(crate) fn sanitize(v: &[u8]) -> Cow<'_, [u8]> {
    if needs_sanitizing(v) {
        Cow::Owned(sanitized(v))
    } else {
        Cow::Borrowed(v)
    }
}

/// [`sanitize`]'s rare case, out of line.
#[cold]
fn sanitized(v: &[u8]) -> Vec<u8> {
    let cleaned: Vec<u8> = v.iter().map(|&b| if matches!(b, b'\r' | b'\n' | 0) { b' ' } else { b }).collect();
    trim_ows(&cleaned).to_vec()
}

/// The members of a comma-separated list value (RFC 9110 §5.6.1), trimmed, empty ones
/// skipped; commas inside quoted strings do not split.
pub(crate) fn list_members(v: &[u8]) -> impl Iterator<Item = &[u8]> + '_ {
    let mut pos = 0;
    std::iter::from_fn(move || {
        let (start, end, next) = next_member(&v[pos..])?;
        let member = &v[pos + start..pos + end];
        pos += next;
        Some(member)
    })
}

/// The next non-empty list member of `v`: its start and end, and where the rest begins.
pub(crate) fn next_member(v: &[u8]) -> Option<(usize, usize, usize)> {
    // Skip separators; the member runs to the next comma outside quotes, trailing
    // whitespace removed.
    let start = v.iter().position(|&b| b != b',' && !is_ows(b))?;
    let stop = start + comma_outside_quotes(&v[start..]).unwrap_or(v.len() - start);
    let end = start + trim_ows(&v[start..stop]).len();
    Some((start, end, (stop + 1).min(v.len())))
}

/// Position of the first comma that is not inside a quoted string.
pub(crate) fn comma_outside_quotes(v: &[u8]) -> Option<usize> {
    let mut i = 0;
    loop {
        i += comma_or_quote(&v[i..])?;
        if v[i] == b',' {
            return Some(i);
        }
        // A quoted string (RFC 9110 §5.6.4): to its closing quote, a backslash escaping the
        // byte after it; unterminated, it runs to the end.
        i += 1;
        loop {
            match *v.get(i)? {
                b'\\' => i += 2,
                b'"' => break,
                _ => i += 1,
            }
        }
        i += 1;
    }
}

/// The position of the first ',' or '"' in `v`, eight bytes at a time.
fn comma_or_quote(v: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i + 8 <= v.len() {
        let x = word64(&v[i..i + 8]);
        let found = zero_bytes(x ^ (ONES * u64::from(b','))) | zero_bytes(x ^ (ONES * u64::from(b'"')));
        if found != 0 {
            return Some(i + found.trailing_zeros() as usize / 8);
        }
        i += 8;
    }
    v[i..].iter().position(|&b| b == b',' || b == b'"').map(|p| i + p)
}

/// The high bit of exactly the zero bytes of `x` (no borrow crosses bytes).
#[inline(always)]
pub(crate) fn zero_bytes(x: u64) -> u64 {
    !(((x & !HIGH_BITS) + !HIGH_BITS) | x) & HIGH_BITS
}

/// A byte range inside a policy's arena.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Span {
    pub start: u32,
    pub end: u32,
}

/// A policy's storage: text (names, method, URL: checked once, so never re-validated) and
/// bytes (field values, which need not be UTF-8), addressed by spans.
#[derive(Debug, Clone, Default)]
pub(crate) struct Arena {
    pub text: String,
    pub bytes: Vec<u8>,
}

impl Arena {
    pub fn with_capacity(text: usize, bytes: usize) -> Self {
        Arena { text: String::with_capacity(text), bytes: Vec::with_capacity(bytes) }
    }
    /// Appends bytes; the span addresses [`get`](Self::get).
    #[inline]
    pub fn push(&mut self, b: &[u8]) -> Span {
        let start = self.bytes.len() as u32;
        self.bytes.extend_from_slice(b);
        Span { start, end: self.bytes.len() as u32 }
    }
    pub fn get(&self, s: Span) -> &[u8] {
        &self.bytes[s.start as usize..s.end as usize]
    }
    /// Appends text; the span addresses [`text`](Self::text).
    #[inline]
    pub fn push_text(&mut self, t: &str) -> Span {
        let start = self.text.len() as u32;
        self.text.push_str(t);
        Span { start, end: self.text.len() as u32 }
    }
    /// Appends bytes as text, invalid UTF-8 replaced by U+FFFD (valid text, the usual case,
    /// is copied as it is).
    pub fn push_text_lossy(&mut self, b: &[u8]) -> Span {
        match std::str::from_utf8(b) {
            Ok(t) => self.push_text(t),
            Err(_) => self.push_text(&String::from_utf8_lossy(b)),
        }
    }
    pub fn text(&self, s: Span) -> &str {
        &self.text[s.start as usize..s.end as usize]
    }
}

/// One stored response field line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Field {
    /// Text span: field names are tokens.
    pub name: Span,
    pub value: Span,
    pub kind: FieldKind,
    /// False for lines never sent to a client: hop-by-hop, Connection-listed, `no-cache="…"`.
    pub served: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_is_case_insensitive_and_knows_hop_by_hop_fields() {
        assert_eq!(classify(b"Cache-Control"), FieldKind::CacheControl);
        assert_eq!(classify(b"ETAG"), FieldKind::ETag);
        assert_eq!(classify(b"proxy-connection"), FieldKind::HopByHop);
        assert_eq!(classify(b"Keep-Alive"), FieldKind::HopByHop);
        assert_eq!(classify(b"x-cache-control"), FieldKind::Other);
        assert_eq!(classify(b""), FieldKind::Other);
        for name in ["connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"] {
            assert!(classify(name.as_bytes()).is_hop_by_hop(), "{name}");
        }
    }

    #[test]
    fn eq_lowercase_differs_only_in_the_case_of_letters() {
        assert!(eq_lowercase(b"If-None-MATCH", b"if-none-match"));
        assert!(eq_lowercase(b"proxy-authorization", b"proxy-authorization"));
        assert!(!eq_lowercase(b"if\rnone-match", b"if-none-match"));
        assert!(!eq_lowercase(b"if-none-matcH2", b"if-none-match"));
        // 0x0D (CR) and 0x10–0x19 differ from '-' and digits by 0x20 too: not a case pair.
        assert!(!eq_lowercase(b"te\r", b"te-"));
        assert!(!eq_lowercase(b"a\x11", b"a1"));
        assert!(!eq_lowercase(b"Age", b"agf"));
    }

    #[test]
    fn eq_known_name_agrees_with_eq_lowercase() {
        // Every byte at every position of names of every length up to 19 (the longest known).
        for len in 1..=19 {
            let lower: Vec<u8> = (0..len).map(|i| b"ab-z09m"[i % 7]).collect();
            for pos in 0..len {
                for b in 0..=255u8 {
                    let mut name = lower.clone();
                    name[pos] = b;
                    assert_eq!(eq_known_name(&name, &lower), eq_lowercase(&name, &lower), "{len} {pos} {b}");
                }
            }
            assert!(!eq_known_name(&lower[1..], &lower));
        }
    }

    #[test]
    fn bytes_up_to_cr_are_found_at_every_position() {
        for len in 0..20 {
            for pos in 0..len {
                for bad in [0u8, b'\t', b'\n', b'\r'] {
                    let mut v = vec![b'a'; len];
                    v[pos] = bad;
                    assert!(any_byte_up_to_cr(&v), "{len} {pos} {bad}");
                }
                let mut v = vec![b'a'; len];
                v[pos] = 0xff;
                v[len - 1 - pos] = 14;
                assert!(!any_byte_up_to_cr(&v), "{len} {pos}");
            }
        }
    }

    #[test]
    fn rfc9110_5_6_2_tokens() {
        assert!(is_token(b"Cache-Control"));
        assert!(is_token(b"x!#$%&'*+-.^_`|~1"));
        for bad in [&b""[..], b"a b", b"a:b", b"a\r", b"\xff", b"(x)", b"a\"b"] {
            assert!(!is_token(bad));
        }
    }

    #[test]
    fn rfc9110_5_5_sanitize_replaces_cr_lf_nul_and_trims() {
        assert_eq!(&*sanitize(b"  a\r\nb\0c "), b"a  b c");
        assert!(matches!(sanitize(b"plain"), Cow::Borrowed(_)));
        assert_eq!(&*sanitize(b"\r\n"), b"");
    }

    #[test]
    fn rfc9110_5_6_1_list_members_skip_empty_and_respect_quotes() {
        let m: Vec<_> = list_members(b" a , ,b,\"c, d\" ,, e\\,").collect();
        assert_eq!(m, vec![&b"a"[..], b"b", b"\"c, d\"", b"e\\"]);
        assert_eq!(list_members(b"\"unterminated, x").count(), 1);
    }

    proptest::proptest! {
        /// The one-pass `next_member` finds what splitting at commas outside quotes and
        /// trimming each item finds (RFC 9110 §5.6.1).
        #[test]
        fn rfc9110_5_6_1_next_member_splits_and_trims(v in "[a ,\t\"\\\\]{0,16}") {
            let v = v.as_bytes();
            let mut expected = Vec::new();
            let mut pos = 0;
            while pos < v.len() {
                let end = pos + comma_outside_quotes(&v[pos..]).unwrap_or(v.len() - pos);
                let lead = v[pos..end].iter().take_while(|&&b| is_ows(b)).count();
                let item = trim_ows(&v[pos..end]);
                if !item.is_empty() {
                    expected.push((pos + lead, pos + lead + item.len(), (end + 1).min(v.len())));
                }
                pos = (end + 1).min(v.len());
                if end == v.len() { break; }
            }
            let mut found = Vec::new();
            let mut base = 0;
            while let Some((s, e, n)) = next_member(&v[base..]) {
                found.push((base + s, base + e, base + n));
                base += n;
            }
            proptest::prop_assert_eq!(found, expected);
        }

        /// The word-wise `comma_outside_quotes` finds what a byte-at-a-time scan of quoted
        /// strings and their escapes finds (RFC 9110 §5.6.4).
        #[test]
        fn rfc9110_5_6_4_comma_outside_quotes_agrees_with_a_byte_scan(v in "[a, \"\\\\]{0,40}") {
            let v = v.as_bytes();
            let (mut in_quotes, mut escaped, mut expected) = (false, false, None);
            for (i, &b) in v.iter().enumerate() {
                match (in_quotes, b) {
                    (true, _) if escaped => escaped = false,
                    (true, b'\\') => escaped = true,
                    (true, b'"') | (false, b'"') => in_quotes = !in_quotes,
                    (false, b',') => {
                        expected = Some(i);
                        break;
                    }
                    _ => {}
                }
            }
            proptest::prop_assert_eq!(comma_outside_quotes(v), expected);
        }
    }
}
