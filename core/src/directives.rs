//! Cache-Control and Pragma parsing (RFC 9111 §5.2, §5.4).
//!
//! Each message's Cache-Control lines are parsed once into a small struct of flags and
//! delta-seconds. Directive names are case-insensitive; arguments may be tokens or quoted
//! strings (§5.2: recipients accept both forms); unknown extensions are ignored (§5.2.3).

use crate::headers::{comma_outside_quotes, is_ows, list_members, trim_ows};

/// The largest delta-seconds value a cache must represent (RFC 9111 §1.2.2): larger values,
/// and overflowing ones, are taken as 2^31.
pub const DELTA_SECONDS_MAX: u32 = 1 << 31;

/// A delta-seconds argument of a response directive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Delta {
    /// The directive is not present.
    #[default]
    Absent,
    /// A valid value in seconds (clamped to 2^31).
    Valid(u32),
    /// Present but not a non-negative integer, or repeated with different values; such
    /// freshness information makes the response stale (RFC 9111 §4.2.1).
    Invalid,
}

impl Delta {
    /// True when the directive appears, valid or not.
    pub fn is_present(self) -> bool {
        self != Delta::Absent
    }

    /// The value in seconds: 0 for an invalid one, `None` when absent.
    pub fn seconds(self) -> Option<u32> {
        match self {
            Delta::Absent => None,
            Delta::Valid(s) => Some(s),
            Delta::Invalid => Some(0),
        }
    }

    /// Repeated directives: equal values agree; different ones are invalid (RFC 9111 §4.2.1).
    /// `secs` is the argument's value, `None` when it is missing or not delta-seconds.
    fn merge(self, secs: Option<u32>) -> Delta {
        let new = secs.map_or(Delta::Invalid, Delta::Valid);
        match self {
            Delta::Absent => new,
            old if old == new => old,
            _ => Delta::Invalid,
        }
    }
}

/// Parses `1*DIGIT`, clamping values past 2^31 (RFC 9111 §1.2.2); `None` for anything else
/// (signs, fractions, empty, other characters).
pub fn parse_delta_seconds(v: &[u8]) -> Option<u32> {
    if v.is_empty() || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut n: u64 = 0;
    for &b in v {
        n = n * 10 + u64::from(b - b'0');
        if n > u64::from(DELTA_SECONDS_MAX) {
            return Some(DELTA_SECONDS_MAX);
        }
    }
    Some(n as u32)
}

/// Response directives (RFC 9111 §5.2.2, RFC 5861, RFC 8246).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResponseDirectives {
    /// `max-age` (§5.2.2.1).
    pub max_age: Delta,
    /// `s-maxage` (§5.2.2.10), for shared caches.
    pub s_maxage: Delta,
    /// `stale-while-revalidate` (RFC 5861 §3).
    pub stale_while_revalidate: Delta,
    /// `stale-if-error` (RFC 5861 §4).
    pub stale_if_error: Delta,
    /// `no-store` (§5.2.2.5).
    pub no_store: bool,
    /// Unqualified `no-cache` (§5.2.2.4), or `Pragma: no-cache` without Cache-Control (§5.4).
    pub no_cache: bool,
    /// `no-cache="field, …"`: the listed fields need revalidation before being sent.
    pub no_cache_fields: bool,
    /// Unqualified `private` (§5.2.2.7).
    pub private: bool,
    /// `private="field, …"`: a shared cache must not store the listed fields.
    pub private_fields: bool,
    /// `public` (§5.2.2.9).
    pub public: bool,
    /// `must-revalidate` (§5.2.2.2).
    pub must_revalidate: bool,
    /// `proxy-revalidate` (§5.2.2.8).
    pub proxy_revalidate: bool,
    /// `must-understand` (§5.2.2.3).
    pub must_understand: bool,
    /// `no-transform` (§5.2.2.6).
    pub no_transform: bool,
    /// `immutable` (RFC 8246).
    pub immutable: bool,
    /// The non-standard `pre-check` (for `ignore_cargo_cult`).
    pub pre_check: bool,
    /// The non-standard `post-check` (for `ignore_cargo_cult`).
    pub post_check: bool,
}

impl ResponseDirectives {
    /// Parses all Cache-Control lines of a response; `pragma` lines count only when there
    /// is no Cache-Control line (§5.4).
    pub fn parse<'a>(
        cache_control: impl Iterator<Item = &'a [u8]>,
        pragma: impl Iterator<Item = &'a [u8]>,
    ) -> Self {
        let mut d = ResponseDirectives::default();
        let mut any = false;
        for line in cache_control {
            any = true;
            d.parse_line(line);
        }
        if !any && pragma_no_cache(pragma) {
            d.no_cache = true;
        }
        d
    }

    /// One Cache-Control line, read as [`directives`] reads it, in one pass: known names are
    /// recognized where they start and delta-seconds are read as the argument is scanned. A
    /// quoted or spaced argument, or text after one, hands the rest of the line to [`directives`].
    fn parse_line(&mut self, line: &[u8]) {
        let mut pos = 0;
        while pos < line.len() {
            let b = line[pos];
            if b == b',' || is_ows(b) {
                pos += 1;
                continue;
            }
            let start = pos;
            let mut known = known_prefix(&line[pos..]).map(|(known, len)| {
                pos += len;
                known
            });
            // More of the name, and it is not a known one (known names hold no delimiter, so
            // the scan may go on from where one ends).
            while pos < line.len() && !matches!(line[pos], b',' | b'=' | b' ' | b'\t') {
                known = None;
                pos += 1;
            }
            match line.get(pos) {
                None | Some(b',') => {
                    if let Some(known) = known {
                        self.set(known, || None, || false);
                    }
                }
                Some(b'=') if pos > start => {
                    pos += 1;
                    let arg_start = pos;
                    // Leading digits as delta-seconds (RFC 9111 §1.2.2): nine cannot reach 2^31.
                    let mut secs = 0u32;
                    while let Some(digit) = line.get(pos).map(|b| b.wrapping_sub(b'0')).filter(|&d| d < 10) {
                        secs = secs.wrapping_mul(10).wrapping_add(u32::from(digit));
                        pos += 1;
                    }
                    let digits_end = pos;
                    while pos < line.len() && !matches!(line[pos], b',' | b' ' | b'\t' | b'"') {
                        pos += 1;
                    }
                    if !matches!(line.get(pos), None | Some(b',')) || pos == arg_start {
                        return self.parse_rest(&line[start..]);
                    }
                    if let Some(known) = known {
                        let secs = || match (digits_end == pos, pos - arg_start) {
                            (false, _) => None,
                            (true, 0..=9) => Some(secs),
                            (true, _) => parse_delta_seconds(&line[arg_start..pos]),
                        };
                        // A non-empty token is a one-member list, so it qualifies no-cache/private.
                        self.set(known, secs, || true);
                    }
                }
                // Whitespace after the name, or an empty name.
                _ => return self.parse_rest(&line[start..]),
            }
            // Past the comma (or the end), and the usual space after a comma.
            pos += 1 + usize::from(line.get(pos + 1) == Some(&b' '));
        }
    }

    /// [`parse_line`](Self::parse_line)'s general case, from the first directive it does not
    /// take directly.
    fn parse_rest(&mut self, rest: &[u8]) {
        for d in directives(rest) {
            self.apply(d.name, d.arg);
        }
    }

    /// One directive; unknown ones are ignored (§5.2.3).
    pub(crate) fn apply(&mut self, name: &[u8], arg: Option<&[u8]>) {
        let Some(known) = known_response_directive(name) else { return };
        self.set(
            known,
            || arg.and_then(parse_delta_seconds),
            || arg.is_some_and(|a| list_members(a).next().is_some()),
        );
    }

    /// Records `known`; `secs` gives its delta-seconds argument (`None` when missing or
    /// invalid), `qualified` whether its argument lists field names.
    #[inline(always)]
    fn set(&mut self, known: Known, secs: impl Fn() -> Option<u32>, qualified: impl Fn() -> bool) {
        use Known::*;
        match known {
            MaxAge => self.max_age = self.max_age.merge(secs()),
            SMaxAge => self.s_maxage = self.s_maxage.merge(secs()),
            StaleWhileRevalidate => self.stale_while_revalidate = self.stale_while_revalidate.merge(secs()),
            StaleIfError => self.stale_if_error = self.stale_if_error.merge(secs()),
            NoStore => self.no_store = true,
            NoCache if qualified() => self.no_cache_fields = true,
            NoCache => self.no_cache = true,
            Private if qualified() => self.private_fields = true,
            Private => self.private = true,
            Public => self.public = true,
            MustRevalidate => self.must_revalidate = true,
            ProxyRevalidate => self.proxy_revalidate = true,
            MustUnderstand => self.must_understand = true,
            NoTransform => self.no_transform = true,
            Immutable => self.immutable = true,
            PreCheck => self.pre_check = true,
            PostCheck => self.post_check = true,
        }
    }
}

/// The response directives this engine knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    MaxAge,
    SMaxAge,
    StaleWhileRevalidate,
    StaleIfError,
    NoStore,
    NoCache,
    Private,
    Public,
    MustRevalidate,
    ProxyRevalidate,
    MustUnderstand,
    NoTransform,
    Immutable,
    PreCheck,
    PostCheck,
}

/// A lower-case directive name, compared case-insensitively a word at a time: each word of
/// the input, its letters' 0x20 bit set, must equal the name's word (non-letters compare
/// exactly, so `\r` is not taken for `-`).
struct Name {
    len: usize,
    /// Offset, lower-case bytes and letter bits of up to three (overlapping) words: 4 bytes
    /// wide for names shorter than 8, else 8.
    words: [(usize, u64, u64); 3],
    count: usize,
}

impl Name {
    const fn new(lower: &[u8]) -> Name {
        let len = lower.len();
        assert!(len >= 4 && len <= 24);
        let width = if len >= 8 { 8 } else { 4 };
        let mut words = [(0, 0, 0); 3];
        let mut count = 0;
        let mut at = 0;
        loop {
            let start = if at + width > len { len - width } else { at };
            let (mut word, mut letters, mut i) = (0u64, 0u64, 0);
            while i < width {
                let b = lower[start + i];
                assert!(!b.is_ascii_uppercase());
                word |= (b as u64) << (8 * i);
                if b.is_ascii_lowercase() {
                    letters |= 0x20 << (8 * i);
                }
                i += 1;
            }
            words[count] = (start, word, letters);
            count += 1;
            if start + width == len {
                return Name { len, words, count };
            }
            at += width;
        }
    }

    /// True when `s` starts with this name, letters in any case.
    #[inline(always)]
    fn starts(&self, s: &[u8]) -> bool {
        if s.len() < self.len {
            return false;
        }
        self.words[..self.count].iter().all(|&(at, word, letters)| {
            let w = if self.len >= 8 {
                u64::from_le_bytes(s[at..at + 8].try_into().unwrap())
            } else {
                u64::from(u32::from_le_bytes(s[at..at + 4].try_into().unwrap()))
            };
            w | letters == word
        })
    }
}

/// The known response directive `s` starts with, and its length: the one candidate its
/// leading letters allow is compared whole. No known name is a prefix of another.
#[inline(always)]
fn known_prefix(s: &[u8]) -> Option<(Known, usize)> {
    use Known::*;
    // Each candidate is compared with its words and letter bits as constants.
    macro_rules! candidate {
        ($name:literal, $known:expr) => {{
            const NAME: Name = Name::new($name);
            NAME.starts(s).then_some(($known, NAME.len))
        }};
    }
    // Folded for choosing only; `starts` compares exactly.
    let letter = |i: usize| s.get(i).map_or(0, |b| b | 0x20);
    match letter(0) {
        b'm' if letter(1) == b'a' => candidate!(b"max-age", MaxAge),
        b'm' if letter(5) == b'r' => candidate!(b"must-revalidate", MustRevalidate),
        b'm' => candidate!(b"must-understand", MustUnderstand),
        b'p' => match (letter(1), letter(2)) {
            (b'u', _) => candidate!(b"public", Public),
            (b'o', _) => candidate!(b"post-check", PostCheck),
            (_, b'i') => candidate!(b"private", Private),
            (_, b'e') => candidate!(b"pre-check", PreCheck),
            _ => candidate!(b"proxy-revalidate", ProxyRevalidate),
        },
        b's' if letter(1) == b'-' => candidate!(b"s-maxage", SMaxAge),
        b's' if letter(6) == b'w' => candidate!(b"stale-while-revalidate", StaleWhileRevalidate),
        b's' => candidate!(b"stale-if-error", StaleIfError),
        b'n' => match letter(3) {
            b's' => candidate!(b"no-store", NoStore),
            b'c' => candidate!(b"no-cache", NoCache),
            _ => candidate!(b"no-transform", NoTransform),
        },
        b'i' => candidate!(b"immutable", Immutable),
        _ => None,
    }
}

/// The known response directive `name` is, case-insensitively.
fn known_response_directive(name: &[u8]) -> Option<Known> {
    known_prefix(name).filter(|&(_, len)| len == name.len()).map(|(known, _)| known)
}

/// `max-stale` in a request (§5.2.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MaxStale {
    /// Not present, or present with an invalid value (then ignored: no stale response).
    #[default]
    Absent,
    /// Without a value: any staleness is acceptable.
    Any,
    /// Staleness up to this many seconds is acceptable.
    Seconds(u32),
}

/// Request directives (RFC 9111 §5.2.1, RFC 5861 §4).
///
/// Repeated or bad values are read conservatively: the smallest `max-age` and `max-stale`,
/// the largest `min-fresh`; a bad `max-age` counts as 0, a bad `min-fresh` or `max-stale`
/// value is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RequestDirectives {
    /// `max-age` (§5.2.1.1).
    pub max_age: Option<u32>,
    /// `max-stale` (§5.2.1.2).
    pub max_stale: MaxStale,
    /// `min-fresh` (§5.2.1.3).
    pub min_fresh: Option<u32>,
    /// `no-cache` (§5.2.1.4), or `Pragma: no-cache` without Cache-Control (§5.4).
    pub no_cache: bool,
    /// `no-store` (§5.2.1.5).
    pub no_store: bool,
    /// `only-if-cached` (§5.2.1.7).
    pub only_if_cached: bool,
    /// `stale-if-error` (RFC 5861 §4).
    pub stale_if_error: Option<u32>,
}

impl RequestDirectives {
    /// Parses all Cache-Control lines of a request; `pragma` lines count only when there is
    /// no Cache-Control line (§5.4).
    pub fn parse<'a>(
        cache_control: impl Iterator<Item = &'a [u8]>,
        pragma: impl Iterator<Item = &'a [u8]>,
    ) -> Self {
        let mut b = RequestDirectives::builder();
        cache_control.for_each(|line| b.cache_control(line));
        pragma.for_each(|line| b.pragma(line));
        b.finish()
    }

    /// Collects a request's Cache-Control and Pragma lines in any order (one pass over the
    /// request's lines), then [`finish`](RequestDirectivesBuilder::finish)es.
    pub fn builder() -> RequestDirectivesBuilder {
        RequestDirectivesBuilder::default()
    }

    fn apply(&mut self, name: &[u8], arg: Option<&[u8]>) {
        let is = |n: &str| n.as_bytes().eq_ignore_ascii_case(name);
        let secs = arg.and_then(parse_delta_seconds);
        if is("max-age") {
            let v = secs.unwrap_or(0);
            self.max_age = Some(self.max_age.map_or(v, |old| old.min(v)));
        } else if is("min-fresh") {
            if let Some(v) = secs {
                self.min_fresh = Some(self.min_fresh.map_or(v, |old| old.max(v)));
            }
        } else if is("max-stale") {
            self.max_stale = match (self.max_stale, arg, secs) {
                (_, Some(_), None) => self.max_stale,
                (MaxStale::Seconds(old), _, Some(v)) => MaxStale::Seconds(old.min(v)),
                (_, _, Some(v)) => MaxStale::Seconds(v),
                (MaxStale::Absent, None, _) => MaxStale::Any,
                (keep, None, _) => keep,
            };
        } else if is("no-cache") {
            self.no_cache = true;
        } else if is("no-store") {
            self.no_store = true;
        } else if is("only-if-cached") {
            self.only_if_cached = true;
        } else if is("stale-if-error") {
            if let Some(v) = secs {
                self.stale_if_error = Some(self.stale_if_error.map_or(v, |old| old.min(v)));
            }
        }
    }
}

/// Accumulates a request's directives; see [`RequestDirectives::builder`].
#[derive(Debug, Default)]
pub struct RequestDirectivesBuilder {
    directives: RequestDirectives,
    any_cache_control: bool,
    pragma_no_cache: bool,
}

impl RequestDirectivesBuilder {
    /// One Cache-Control line.
    pub fn cache_control(&mut self, line: &[u8]) {
        self.any_cache_control = true;
        for_each_directive(line, |name, arg| self.directives.apply(name, arg));
    }

    /// One Pragma line.
    pub fn pragma(&mut self, line: &[u8]) {
        self.pragma_no_cache |= pragma_no_cache(std::iter::once(line));
    }

    /// The directives; Pragma's no-cache counts only without Cache-Control (§5.4).
    pub fn finish(mut self) -> RequestDirectives {
        if !self.any_cache_control && self.pragma_no_cache {
            self.directives.no_cache = true;
        }
        self.directives
    }
}

/// `Pragma: no-cache` (RFC 9111 §5.4), matched as a list member, case-insensitively.
fn pragma_no_cache<'a>(mut lines: impl Iterator<Item = &'a [u8]>) -> bool {
    lines.any(|line| list_members(line).any(|m| m.eq_ignore_ascii_case(b"no-cache")))
}

/// One directive of a Cache-Control line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Directive<'a> {
    /// The name as written.
    pub name: &'a [u8],
    /// The argument without quotes (escapes left in place); `None` when there is no `=`.
    pub arg: Option<&'a [u8]>,
    /// The whole directive as written, trimmed.
    pub text: &'a [u8],
}

/// The directives of one Cache-Control line, in order; empty items are skipped.
pub fn directives(line: &[u8]) -> impl Iterator<Item = Directive<'_>> {
    // One pass: each byte is looked at once (but for the rare text after an argument).
    let mut pos = 0;
    std::iter::from_fn(move || loop {
        while pos < line.len() && (line[pos] == b',' || is_ows(line[pos])) {
            pos += 1;
        }
        if pos == line.len() {
            return None;
        }
        let start = pos;
        while pos < line.len() && line[pos] != b'=' && line[pos] != b',' {
            pos += 1;
        }
        let name = trim_ows(&line[start..pos]);
        if pos == line.len() || line[pos] == b',' {
            return Some(Directive { name, arg: None, text: name });
        }
        pos += 1;
        while pos < line.len() && is_ows(line[pos]) {
            pos += 1;
        }
        let arg_start = pos;
        let arg = if line.get(pos) == Some(&b'"') {
            // A quoted string (RFC 9110 §5.6.4): up to the closing quote, escapes kept.
            pos += 1;
            let mut escaped = false;
            while pos < line.len() && (escaped || line[pos] != b'"') {
                escaped = !escaped && line[pos] == b'\\';
                pos += 1;
            }
            let arg = &line[arg_start + 1..pos];
            pos = (pos + 1).min(line.len());
            arg
        } else {
            while pos < line.len() && line[pos] != b',' && !is_ows(line[pos]) {
                pos += 1;
            }
            &line[arg_start..pos]
        };
        let text = trim_ows(&line[start..pos]);
        // Whatever follows the argument up to the next comma is ignored.
        if pos < line.len() && line[pos] != b',' {
            pos += comma_outside_quotes(&line[pos..]).unwrap_or(line.len() - pos);
        }
        if !name.is_empty() {
            return Some(Directive { name, arg: Some(arg), text });
        }
    })
}

/// Calls `f(name, argument)` for each directive of one Cache-Control line.
///
/// The same directives as [`directives`], read by one loop: a plain `name` or `name=token`
/// is taken directly, anything else (a quoted argument, stray text) by the general parser.
pub fn for_each_directive(line: &[u8], mut f: impl FnMut(&[u8], Option<&[u8]>)) {
    let mut pos = 0;
    while pos < line.len() {
        let b = line[pos];
        if b == b',' || is_ows(b) {
            pos += 1;
            continue;
        }
        let start = pos;
        while pos < line.len() && !matches!(line[pos], b',' | b'=' | b' ' | b'\t') {
            pos += 1;
        }
        let name = &line[start..pos];
        match line.get(pos) {
            None | Some(b',') => f(name, None),
            Some(b'=') if !name.is_empty() => {
                let arg_start = pos + 1;
                pos = arg_start;
                while pos < line.len() && !matches!(line[pos], b',' | b' ' | b'\t' | b'"') {
                    pos += 1;
                }
                match line.get(pos) {
                    None | Some(b',') if pos > arg_start => f(name, Some(&line[arg_start..pos])),
                    // A quoted, empty or spaced argument, or text after it.
                    _ => return for_rest_of_line(&line[start..], f),
                }
            }
            // Whitespace after the name, or an empty name.
            _ => return for_rest_of_line(&line[start..], f),
        }
    }
}

/// [`for_each_directive`]'s general case, from the first directive it does not take directly.
fn for_rest_of_line(rest: &[u8], mut f: impl FnMut(&[u8], Option<&[u8]>)) {
    for d in directives(rest) {
        f(d.name, d.arg);
    }
}

/// The field names listed by a qualified directive (`no-cache="a, b"`, `private="a"`) across a
/// message's Cache-Control lines.
pub fn qualified_field_names<'a>(lines: impl Iterator<Item = &'a [u8]>, directive: &str) -> Vec<Vec<u8>> {
    let mut names = Vec::new();
    for line in lines {
        for_each_directive(line, |name, arg| {
            if let (true, Some(arg)) = (name.eq_ignore_ascii_case(directive.as_bytes()), arg) {
                names.extend(list_members(arg).map(|n| n.to_ascii_lowercase()));
            }
        });
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(cc: &[&str]) -> ResponseDirectives {
        ResponseDirectives::parse(cc.iter().map(|s| s.as_bytes()), std::iter::empty())
    }
    fn req(cc: &[&str]) -> RequestDirectives {
        RequestDirectives::parse(cc.iter().map(|s| s.as_bytes()), std::iter::empty())
    }

    #[test]
    fn rfc9111_5_2_names_case_insensitive_and_args_quoted_or_not() {
        let d = res(&["Max-Age=60, PUBLIC", "s-maxage=\"120\""]);
        assert_eq!(d.max_age, Delta::Valid(60));
        assert_eq!(d.s_maxage, Delta::Valid(120));
        assert!(d.public);
    }

    #[test]
    fn rfc9111_5_2_commas_inside_quotes_do_not_split() {
        let d = res(&["private=\"set-cookie, x-foo\", max-age=5"]);
        assert!(d.private_fields && !d.private);
        assert_eq!(d.max_age, Delta::Valid(5));
        let names = qualified_field_names([&b"private=\"Set-Cookie, x-foo\""[..]].into_iter(), "private");
        assert_eq!(names, vec![b"set-cookie".to_vec(), b"x-foo".to_vec()]);
    }

    #[test]
    fn rfc9111_1_2_2_delta_seconds() {
        assert_eq!(parse_delta_seconds(b"0"), Some(0));
        assert_eq!(parse_delta_seconds(b"2147483648"), Some(DELTA_SECONDS_MAX));
        assert_eq!(parse_delta_seconds(b"99999999999999999999999"), Some(DELTA_SECONDS_MAX));
        for bad in [&b""[..], b"-1", b"1.5", b"+1", b"1a", b" 1"] {
            assert_eq!(parse_delta_seconds(bad), None);
        }
    }

    #[test]
    fn rfc9111_4_2_1_invalid_or_conflicting_max_age_is_invalid() {
        assert_eq!(res(&["max-age=-1"]).max_age, Delta::Invalid);
        assert_eq!(res(&["max-age"]).max_age, Delta::Invalid);
        assert_eq!(res(&["max-age=1, max-age=2"]).max_age, Delta::Invalid);
        assert_eq!(res(&["max-age=1", "max-age=1"]).max_age, Delta::Valid(1));
    }

    #[test]
    fn rfc9111_5_4_pragma_only_without_cache_control() {
        let p = [&b"no-cache"[..]];
        assert!(ResponseDirectives::parse(std::iter::empty(), p.into_iter()).no_cache);
        assert!(!ResponseDirectives::parse([&b"max-age=5"[..]].into_iter(), p.into_iter()).no_cache);
        assert!(RequestDirectives::parse(std::iter::empty(), [&b"x, No-Cache"[..]].into_iter()).no_cache);
    }

    #[test]
    fn rfc9111_5_2_1_request_directives_read_conservatively() {
        assert_eq!(req(&["max-age=10, max-age=5"]).max_age, Some(5));
        assert_eq!(req(&["max-age=abc"]).max_age, Some(0));
        assert_eq!(req(&["min-fresh=5, min-fresh=9"]).min_fresh, Some(9));
        assert_eq!(req(&["min-fresh=x"]).min_fresh, None);
        assert_eq!(req(&["max-stale"]).max_stale, MaxStale::Any);
        assert_eq!(req(&["max-stale=10, max-stale"]).max_stale, MaxStale::Seconds(10));
        assert_eq!(req(&["max-stale, max-stale=10, max-stale=4"]).max_stale, MaxStale::Seconds(4));
        assert_eq!(req(&["max-stale=-3"]).max_stale, MaxStale::Absent);
        let d = req(&["no-cache, no-store, only-if-cached, stale-if-error=30"]);
        assert!(d.no_cache && d.no_store && d.only_if_cached);
        assert_eq!(d.stale_if_error, Some(30));
    }

    #[test]
    fn rfc9111_5_2_2_4_qualified_no_cache_is_not_unqualified() {
        let d = res(&["no-cache=\"set-cookie\""]);
        assert!(d.no_cache_fields && !d.no_cache);
        let d = res(&["no-cache=set-cookie"]);
        assert!(d.no_cache_fields && !d.no_cache);
        assert!(res(&["no-cache=\"\""]).no_cache);
    }

    #[test]
    fn rfc9111_5_2_3_unknown_extensions_ignored_and_garbage_survives() {
        let d = res(&["foo=\"bar, baz\", community=\"UCI\", max-age=7, ,,=x, \u{ff}"]);
        assert_eq!(d.max_age, Delta::Valid(7));
        let d = res(&["max-age=\"5"]);
        assert_eq!(d.max_age, Delta::Valid(5));
    }

    /// Every known name, in the spelling a straightforward lookup compares against.
    const KNOWN: [(&str, Known); 15] = [
        ("max-age", Known::MaxAge),
        ("s-maxage", Known::SMaxAge),
        ("stale-while-revalidate", Known::StaleWhileRevalidate),
        ("stale-if-error", Known::StaleIfError),
        ("no-store", Known::NoStore),
        ("no-cache", Known::NoCache),
        ("private", Known::Private),
        ("public", Known::Public),
        ("must-revalidate", Known::MustRevalidate),
        ("proxy-revalidate", Known::ProxyRevalidate),
        ("must-understand", Known::MustUnderstand),
        ("no-transform", Known::NoTransform),
        ("immutable", Known::Immutable),
        ("pre-check", Known::PreCheck),
        ("post-check", Known::PostCheck),
    ];

    fn straightforward_lookup(name: &[u8]) -> Option<Known> {
        KNOWN.iter().find(|(n, _)| n.as_bytes().eq_ignore_ascii_case(name)).map(|&(_, k)| k)
    }

    /// `name` with the letters whose bit is set in `case` upper-cased.
    fn mixed_case(name: &str, case: u32) -> String {
        name.chars().enumerate().map(|(i, c)| if case >> (i % 32) & 1 == 1 { c.to_ascii_uppercase() } else { c }).collect()
    }

    #[test]
    fn rfc9111_5_2_only_letters_match_in_either_case() {
        for (name, known) in KNOWN {
            assert_eq!(known_response_directive(name.to_ascii_uppercase().as_bytes()), Some(known));
            for at in 0..name.len() {
                let mut flipped = name.as_bytes().to_vec();
                flipped[at] ^= 0x20;
                let expected = flipped[at].is_ascii_alphabetic().then_some(known);
                assert_eq!(known_response_directive(&flipped), expected, "{flipped:?}");
            }
        }
    }

    /// Names near the known ones: known, cut, extended, or with one byte replaced.
    fn near_name() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        let bytes = prop_oneof![Just(b'\r'), Just(b'\x0d'), Just(b'-'), Just(b'm'), Just(b'A'), Just(b'='), Just(0xc1), any::<u8>()];
        (0..KNOWN.len(), any::<u32>(), 0..5u8, any::<usize>(), bytes).prop_map(|(i, case, edit, at, b)| {
            let mut name = mixed_case(KNOWN[i].0, case).into_bytes();
            let at = at % name.len();
            match edit {
                0 => {}
                1 => name.truncate(at),
                2 => name.push(b),
                3 => name[at] = b,
                // The other case of a letter; `\r` for `-`.
                _ => name[at] ^= 0x20,
            }
            name
        })
    }

    /// A Cache-Control line of directives near the known ones, with all kinds of arguments and
    /// separators.
    fn cache_control_line() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        const ARGS: [&str; 22] = [
            "", "", "", "=5", "=0", "=3600", "=60", "=-1", "=1a", "=\"5\"", "=\"a, b\"", "=99999999999", "=2147483648",
            "= 5", "=5 ", "=set-cookie", "=\"\"", "=\"x\\\"y\", z", "=", "=a=b", "=5\"x\"", "=\"5\" junk, x",
        ];
        const SEPS: [&str; 8] = [",", ", ", " , ", ",,", " ", "\t,", ",\t", ""];
        let name = prop_oneof![near_name(), "[a-z=\" ,-]{0,6}".prop_map(String::into_bytes)];
        proptest::collection::vec((name, 0..ARGS.len(), 0..SEPS.len()), 0..6).prop_map(|items| {
            let mut line = Vec::new();
            for (name, arg, sep) in items {
                line.extend_from_slice(&name);
                line.extend_from_slice(ARGS[arg].as_bytes());
                line.extend_from_slice(SEPS[sep].as_bytes());
            }
            line
        })
    }

    /// The general parser, directive by directive.
    fn general(lines: &[Vec<u8>]) -> ResponseDirectives {
        let mut d = ResponseDirectives::default();
        for line in lines {
            for x in directives(line) {
                d.apply(x.name, x.arg);
            }
        }
        d
    }

    proptest::proptest! {
        /// The word-at-a-time recognizer agrees with a plain case-insensitive lookup.
        #[test]
        fn rfc9111_5_2_known_names_recognized_case_insensitively(name in near_name(), tail in "[,= a-z]{0,2}") {
            proptest::prop_assert_eq!(known_response_directive(&name), straightforward_lookup(&name));
            let mut s = name.clone();
            s.extend_from_slice(tail.as_bytes());
            let prefix = known_prefix(&s);
            if let Some((_, len)) = prefix {
                proptest::prop_assert_eq!(straightforward_lookup(&s[..len]), prefix.map(|(k, _)| k));
            } else {
                proptest::prop_assert!((1..=s.len()).all(|len| straightforward_lookup(&s[..len]).is_none()));
            }
        }

        /// `parse_line`'s single pass reads what the general parser reads.
        #[test]
        fn rfc9111_5_2_single_pass_agrees_with_the_parser(lines in proptest::collection::vec(cache_control_line(), 1..3)) {
            let fast = ResponseDirectives::parse(lines.iter().map(Vec::as_slice), std::iter::empty());
            proptest::prop_assert_eq!(fast, general(&lines));
        }

        /// The same for arbitrary short lines.
        #[test]
        fn rfc9111_5_2_single_pass_agrees_on_any_line(line in "[a-z= ,\t\"\\\\0-9-]{0,24}") {
            let fast = ResponseDirectives::parse([line.as_bytes()].into_iter(), std::iter::empty());
            proptest::prop_assert_eq!(fast, general(&[line.into_bytes()]));
        }
    }

    proptest::proptest! {
        /// `for_each_directive`'s direct loop reads exactly what the general parser reads.
        #[test]
        fn rfc9111_5_2_fast_directive_loop_agrees_with_the_parser(line in "[a= ,\t\"\\\\0-9x-]{0,24}") {
            let mut fast = Vec::new();
            for_each_directive(line.as_bytes(), |n, a| fast.push((n.to_vec(), a.map(<[u8]>::to_vec))));
            let general: Vec<_> = directives(line.as_bytes()).map(|d| (d.name.to_vec(), d.arg.map(<[u8]>::to_vec))).collect();
            proptest::prop_assert_eq!(fast, general);
        }
    }
}
