//! Vary: which request fields select the stored response, and whether a new request presents
//! the same values (RFC 9111 §4.1).
//!
//! Values are compared after the transformations §4.1 allows: combining field lines (RFC 9110
//! §5.3) and removing whitespace where the syntax allows it. Concretely, outside quoted strings:
//! lines are joined as list members, whitespace at the ends and around commas is removed, each
//! comma is followed by one space, and runs of spaces and tabs become one space. Most request
//! values (`gzip, deflate, br`) already have that form and are compared as they are.

use std::collections::{HashMap, HashSet};

use crate::headers::{any_byte_where, eq_lowercase, is_ows, next_member, token_str, zero_bytes, Arena, Field, FieldKind, HttpRequest, Span, ONES};

/// A field named by Vary and the original request's normalised value (`None`: absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Selected {
    /// Lower-cased field name.
    pub name: Span,
    pub value: Option<Span>,
}

/// The selected fields of one response, in Vary order: the usual one or two are kept inline,
/// so that selecting them allocates nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Selections {
    Inline(u8, [Selected; 2]),
    Heap(Vec<Selected>),
}

impl Default for Selections {
    fn default() -> Self {
        const UNUSED: Selected = Selected { name: Span { start: 0, end: 0 }, value: None };
        Selections::Inline(0, [UNUSED; 2])
    }
}

impl Selections {
    pub(crate) fn push(&mut self, s: Selected) {
        match self {
            Selections::Inline(len, items) if usize::from(*len) < items.len() => {
                items[usize::from(*len)] = s;
                *len += 1;
            }
            Selections::Inline(_, items) => {
                let mut all = items.to_vec();
                all.push(s);
                *self = Selections::Heap(all);
            }
            Selections::Heap(all) => all.push(s),
        }
    }
}

impl std::ops::Deref for Selections {
    type Target = [Selected];

    fn deref(&self) -> &[Selected] {
        match self {
            Selections::Inline(len, items) => &items[..usize::from(*len)],
            Selections::Heap(all) => all,
        }
    }
}

impl<'a> IntoIterator for &'a Selections {
    type Item = &'a Selected;
    type IntoIter = std::slice::Iter<'a, Selected>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Beyond this many selecting names, a request's lines are indexed by name once (and names
/// deduplicated with a set) instead of scanned per name, so that a response naming many fields
/// costs time linear in the lines, not their product. The usual few names allocate nothing.
const INDEX_ABOVE: usize = 8;

/// A request's field lines, looked up by (lower-case) name.
pub(crate) struct Lookup<'r, R: HttpRequest> {
    request: &'r R,
    index: Option<HashMap<Vec<u8>, Vec<&'r [u8]>>>,
}

impl<'r, R: HttpRequest> Lookup<'r, R> {
    /// For looking up `names` names: scanning for a few, an index for many.
    pub(crate) fn new(request: &'r R, names: usize) -> Self {
        let mut lookup = Lookup { request, index: None };
        if names > INDEX_ABOVE {
            lookup.build_index();
        }
        lookup
    }

    fn build_index(&mut self) {
        let mut index: HashMap<Vec<u8>, Vec<&'r [u8]>> = HashMap::new();
        for (n, v) in self.request.header_lines() {
            index.entry(n.to_ascii_lowercase()).or_default().push(v);
        }
        self.index = Some(index);
    }

    /// The values of the lines named `name` (lower-case), in order.
    pub(crate) fn values<'s>(&'s self, name: &'s [u8]) -> Values<'r, 's, impl Iterator<Item = &'r [u8]> + 's> {
        match &self.index {
            Some(index) => Values::Indexed(indexed(index, name)),
            None => Values::Scanned(self.scan(name)),
        }
    }

    /// [`values`](Self::values) without an index.
    fn scan<'s>(&'s self, name: &'s [u8]) -> impl Iterator<Item = &'r [u8]> + 's {
        self.request.header_lines().filter(move |(n, _)| same_name(n, name)).map(|(_, v)| v)
    }
}

/// [`Lookup::values`] from an index.
fn indexed<'r, 's>(index: &'s HashMap<Vec<u8>, Vec<&'r [u8]>>, name: &[u8]) -> std::slice::Iter<'s, &'r [u8]> {
    index.get(name).map_or(&[][..], Vec::as_slice).iter()
}

/// Whether field name `n` is `lower` (lower-case) ignoring ASCII case, as [`eq_lowercase`];
/// cheap for the usual names that differ in length or last byte, or are already lower-case.
fn same_name(n: &[u8], lower: &[u8]) -> bool {
    if n.len() != lower.len() {
        return false;
    }
    match (n.last(), lower.last()) {
        // Bytes that differ in more than the case bit differ in any case.
        (Some(&a), Some(&b)) => (a ^ b) & !0x20 == 0 && (n == lower || eq_lowercase(n, lower)),
        _ => true,
    }
}

/// The values [`Lookup::values`] finds: from the index, or by scanning the lines.
pub(crate) enum Values<'r, 's, S: Iterator<Item = &'r [u8]>> {
    Indexed(std::slice::Iter<'s, &'r [u8]>),
    Scanned(S),
}

impl<'r, S: Iterator<Item = &'r [u8]>> Iterator for Values<'r, '_, S> {
    type Item = &'r [u8];

    fn next(&mut self) -> Option<&'r [u8]> {
        match self {
            Values::Indexed(lines) => lines.next().copied(),
            Values::Scanned(lines) => lines.next(),
        }
    }
}

/// Records, for each distinct name in the response's Vary lines (and in `also`: fields the
/// cache keys on by configuration), the request's value.
pub(crate) fn select(arena: &mut Arena, fields: &[Field], request: &impl HttpRequest, also: &[&str]) -> Selections {
    let mut selected = Selections::default();
    let mut lookup = Lookup::new(request, 0);
    // Built only past INDEX_ABOVE names: creating a set costs even when it stays empty.
    let mut seen: Option<HashSet<String>> = None;
    // Names are read from `bytes` and written to `text`; values the other way round.
    let Arena { text, bytes } = arena;
    for field in fields.iter().filter(|f| f.kind == FieldKind::Vary) {
        let (mut pos, end) = (field.value.start as usize, field.value.end as usize);
        while let Some((m_start, m_end, next)) = next_name(&bytes[pos..end]) {
            let name = &bytes[pos + m_start..pos + m_end];
            pos += next;
            let start = text.len();
            // `*` matches nothing (§4.1); a member that is not text can name no request field.
            if name == b"*" || !push_lowercase(text, name) {
                continue;
            }
            select_name_at(text, start, bytes, &mut selected, &mut lookup, &mut seen);
        }
    }
    for name in also {
        let start = text.len();
        text.push_str(name);
        text[start..].make_ascii_lowercase();
        select_name_at(text, start, bytes, &mut selected, &mut lookup, &mut seen);
    }
    selected
}

/// [`next_member`] for a Vary value: a member without quotes or inner whitespace (a field
/// name, as usual) is found in one pass; anything else is left to [`next_member`].
fn next_name(v: &[u8]) -> Option<(usize, usize, usize)> {
    let start = v.iter().position(|&b| b != b',' && !is_ows(b))?;
    let end = v[start..].iter().position(|&b| matches!(b, b',' | b' ' | b'\t' | b'"')).map_or(v.len(), |i| start + i);
    let after = v[end..].iter().position(|&b| !is_ows(b)).map_or(v.len(), |i| end + i);
    match v.get(after) {
        None => Some((start, end, v.len())),
        Some(b',') => Some((start, end, after + 1)),
        Some(_) => next_member(v),
    }
}

/// Appends `name`, lower-cased, to `text` when it is text (a token, as usual); false otherwise.
fn push_lowercase(text: &mut String, name: &[u8]) -> bool {
    let mut buf = [0u8; 32];
    let Some(copy) = buf.get_mut(..name.len()) else {
        let start = text.len();
        let Some(name) = token_str(name).or_else(|| std::str::from_utf8(name).ok()) else { return false };
        text.push_str(name);
        text[start..].make_ascii_lowercase();
        return true;
    };
    copy.copy_from_slice(name);
    // The whole fixed-size buffer lower-cases in a few vector steps, not byte by byte.
    buf.make_ascii_lowercase();
    let lower = &buf[..name.len()];
    match token_str(lower).or_else(|| std::str::from_utf8(lower).ok()) {
        Some(lower) => text.push_str(lower),
        None => return false,
    }
    true
}

/// Takes the lower-case name at the end of `text` (from `start`): unless it is already
/// selected, records the request's normalised value for it.
fn select_name_at<R: HttpRequest>(
    text: &mut String,
    start: usize,
    bytes: &mut Vec<u8>,
    selected: &mut Selections,
    lookup: &mut Lookup<'_, R>,
    seen: &mut Option<HashSet<String>>,
) {
    let name = &text[start..];
    let span_text = |s: &Selected| &text[s.name.start as usize..s.name.end as usize];
    if selected.len() == INDEX_ABOVE && seen.is_none() {
        // Many names: from now on, a set finds duplicates and an index the request's lines.
        *seen = Some(selected.iter().map(|s| span_text(s).to_string()).collect());
        lookup.build_index();
    }
    let duplicate = match seen {
        None => selected.iter().any(|s| span_text(s) == name),
        Some(seen) => !seen.insert(name.to_string()),
    };
    if duplicate {
        text.truncate(start);
        return;
    }
    let name_span = Span { start: start as u32, end: text.len() as u32 };
    // Each way of finding the lines gets its own loop (not one that asks which, per line).
    let value = match &lookup.index {
        None => store_value(bytes, lookup.scan(name.as_bytes())),
        Some(index) => store_value(bytes, indexed(index, name.as_bytes()).copied()),
    };
    selected.push(Selected { name: name_span, value });
}

/// Appends the normalised value of `lines` to `bytes`; `None` when there are none.
fn store_value<'a>(bytes: &mut Vec<u8>, mut lines: impl Iterator<Item = &'a [u8]>) -> Option<Span> {
    let first = lines.next()?;
    let mut lines = lines.peekable();
    let start = bytes.len() as u32;
    match lines.peek() {
        None if is_canonical(first) => bytes.extend_from_slice(first),
        _ => bytes.extend(Normalized::new(std::iter::once(first).chain(lines))),
    }
    Some(Span { start, end: bytes.len() as u32 })
}

/// Whether `request` presents the same values for every selected field.
pub(crate) fn matches(arena: &Arena, selected: &[Selected], request: &impl HttpRequest) -> bool {
    let lookup = Lookup::new(request, selected.len());
    selected.iter().all(|s| {
        let (name, stored) = (arena.text(s.name).as_bytes(), s.value.map(|v| arena.get(v)));
        match &lookup.index {
            None => same_value(lookup.scan(name), stored),
            Some(index) => same_value(indexed(index, name).copied(), stored),
        }
    })
}

/// Whether `lines` normalise to `stored` (`None`: there must be no lines).
fn same_value<'a>(mut lines: impl Iterator<Item = &'a [u8]>, stored: Option<&[u8]>) -> bool {
    let Some(first) = lines.next() else { return stored.is_none() };
    let Some(stored) = stored else { return false };
    match lines.next() {
        // The stored value is normalised and normalising a value without quoted strings
        // is idempotent, so equal bytes match; a different value in normal form cannot.
        None if first == stored && !has_quote(stored) => true,
        None if is_canonical(first) => false,
        second => Normalized::new([first].into_iter().chain(second).chain(lines)).eq(stored.iter().copied()),
    }
}

/// The normalised value of a request's field lines named `name` (lower-case), `None` when
/// absent.
pub(crate) fn normalized_value<R: HttpRequest>(lookup: &Lookup<'_, R>, name: &str) -> Option<Vec<u8>> {
    let mut lines = lookup.values(name.as_bytes()).peekable();
    lines.peek()?;
    Some(Normalized::new(lines).collect())
}

/// Whether `v` holds a `"`, eight bytes at a time.
fn has_quote(v: &[u8]) -> bool {
    any_byte_where(v, 0, |x| zero_bytes(x ^ (ONES * u64::from(b'"'))), |b| b == b'"')
}

/// True when a one-line value is already in normalised form (so equals its normalisation).
fn is_canonical(v: &[u8]) -> bool {
    if v.first() == Some(&b' ') {
        return false;
    }
    // One table step per byte; the state is what the previous byte was.
    let state = v.iter().fold(usize::from(AFTER_OTHER) << 8, |at, &b| usize::from(CANONICAL[(at | usize::from(b)) & 1023]));
    matches!((state >> 8) as u8, AFTER_OTHER | AFTER_COMMA)
}

const AFTER_OTHER: u8 = 0;
const AFTER_SPACE: u8 = 1;
const AFTER_COMMA: u8 = 2;
const NOT_CANONICAL: u8 = 3;

/// [`is_canonical`]'s transitions, indexed by state × 256 + byte, giving the next state × 256:
/// no tab, quote, CR, LF or NUL; no space before a space or comma; each comma followed by a
/// space or comma.
const CANONICAL: [u16; 1024] = {
    let mut t = [(NOT_CANONICAL as u16) << 8; 1024];
    let mut b = 0;
    while b < 256 {
        let (after_other, after_space, after_comma) = match b as u8 {
            b'\t' | b'"' | b'\r' | b'\n' | 0 => (NOT_CANONICAL, NOT_CANONICAL, NOT_CANONICAL),
            b' ' => (AFTER_SPACE, NOT_CANONICAL, AFTER_SPACE),
            b',' => (AFTER_COMMA, NOT_CANONICAL, AFTER_COMMA),
            _ => (AFTER_OTHER, AFTER_OTHER, NOT_CANONICAL),
        };
        t[(AFTER_OTHER as usize) << 8 | b] = (after_other as u16) << 8;
        t[(AFTER_SPACE as usize) << 8 | b] = (after_space as u16) << 8;
        t[(AFTER_COMMA as usize) << 8 | b] = (after_comma as u16) << 8;
        b += 1;
    }
    t
};

/// The normalised bytes of a field's lines, produced without allocating.
struct Normalized<'a, I: Iterator<Item = &'a [u8]>> {
    lines: I,
    current: &'a [u8],
    /// A byte to emit after the space just returned.
    held: Option<u8>,
    any_line: bool,
    /// Something other than whitespace was emitted since the last comma.
    emitted: bool,
    pending_space: bool,
    in_quotes: bool,
    escaped: bool,
}

impl<'a, I: Iterator<Item = &'a [u8]>> Normalized<'a, I> {
    fn new(lines: I) -> Self {
        Normalized {
            lines,
            current: &[],
            held: None,
            any_line: false,
            emitted: false,
            pending_space: false,
            in_quotes: false,
            escaped: false,
        }
    }

    fn emit(&mut self, b: u8) -> u8 {
        self.emitted = true;
        self.in_quotes = b == b'"';
        b
    }
}

impl<'a, I: Iterator<Item = &'a [u8]>> Iterator for Normalized<'a, I> {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        if let Some(b) = self.held.take() {
            return Some(self.emit(b));
        }
        loop {
            let Some((&b, rest)) = self.current.split_first() else {
                self.current = self.lines.next()?;
                self.in_quotes = false;
                self.escaped = false;
                // A line boundary acts as a comma (RFC 9110 §5.3).
                if std::mem::replace(&mut self.any_line, true) {
                    self.pending_space = true;
                    self.emitted = false;
                    return Some(b',');
                }
                continue;
            };
            self.current = rest;
            // CR, LF and NUL are read as a space, as in every field value (RFC 9110 §5.5).
            let b = if matches!(b, b'\r' | b'\n' | 0) { b' ' } else { b };
            if self.in_quotes {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_quotes = false;
                }
                return Some(b);
            }
            if is_ows(b) {
                self.pending_space |= self.emitted;
            } else if b == b',' {
                // The member ends; the next one starts after one space.
                self.pending_space = true;
                self.emitted = false;
                return Some(b',');
            } else if std::mem::take(&mut self.pending_space) {
                self.held = Some(b);
                return Some(b' ');
            } else {
                return Some(self.emit(b));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(lines: &[&str]) -> String {
        String::from_utf8(Normalized::new(lines.iter().map(|l| l.as_bytes())).collect()).unwrap()
    }

    #[test]
    fn rfc9111_4_1_whitespace_and_line_normalisation() {
        assert_eq!(norm(&["gzip,deflate"]), "gzip, deflate");
        assert_eq!(norm(&[" gzip ,  deflate "]), "gzip, deflate");
        assert_eq!(norm(&["gzip", "deflate"]), "gzip, deflate");
        assert_eq!(norm(&["Mozilla/5.0   (X11;\tLinux)"]), "Mozilla/5.0 (X11; Linux)");
        assert_eq!(norm(&["a\t \tb"]), "a b");
        assert_eq!(norm(&["\"x  , y\"  ,z"]), "\"x  , y\", z");
        assert_eq!(norm(&[""]), "");
        assert_eq!(norm(&["", "a"]), ", a");
        assert_eq!(norm(&["a,,b"]), "a,, b");
        // CR, LF and NUL count as spaces (RFC 9110 §5.5), so they never reach a secondary key.
        assert_eq!(norm(&["gzip,\r\n deflate\0"]), "gzip, deflate");
        assert_eq!(norm(&["a\r\nb", "\"x\ny\""]), "a b, \"x y\"");
    }

    #[test]
    fn canonical_values_equal_their_normalisation() {
        for v in ["gzip, deflate, br", "en-US, en;q=0.9", "a,, b", "x,", "Mozilla/5.0 (X11; Linux x86_64)", "", "a b"] {
            assert!(is_canonical(v.as_bytes()), "{v}");
            assert_eq!(norm(&[v]), v, "{v}");
        }
        for v in [" a", "a ", "a  b", "a ,b", "a,b", "a\tb", "\"q\"", "a\rb", "a\nb", "a\0b"] {
            assert!(!is_canonical(v.as_bytes()), "{v}");
        }
    }

    /// The pairwise rule [`is_canonical`]'s table encodes.
    fn is_canonical_by_pairs(v: &[u8]) -> bool {
        let bad_byte = |b: u8| matches!(b, b'\t' | b'"' | b'\r' | b'\n' | 0);
        v.first() != Some(&b' ')
            && v.last() != Some(&b' ')
            && !v.iter().any(|&b| bad_byte(b))
            && v.windows(2).all(|w| match (w[0], w[1]) {
                (b' ', b' ' | b',') => false,
                (b',', next) => next == b' ' || next == b',',
                _ => true,
            })
    }

    #[test]
    fn selections_keep_order_past_the_inline_ones() {
        let mut all = Selections::default();
        let pick = |i: u32| Selected { name: Span { start: i, end: i + 1 }, value: None };
        for i in 0..5 {
            all.push(pick(i));
            assert_eq!(&all[..], &(0..=i).map(pick).collect::<Vec<_>>()[..]);
        }
    }

    proptest::proptest! {
        #[test]
        fn push_lowercase_lower_cases_text(name in proptest::collection::vec(proptest::prop_oneof![
            proptest::sample::select(b"aZ-@[`{*\"".to_vec()),
            proptest::num::u8::ANY,
        ], 0..40)) {
            let mut text = String::from("X");
            let pushed = push_lowercase(&mut text, &name);
            let expected = std::str::from_utf8(&name).ok().map(str::to_ascii_lowercase);
            proptest::prop_assert_eq!(pushed.then(|| text[1..].to_string()), expected);
            proptest::prop_assert_eq!(pushed || text == "X", true);
        }

        #[test]
        fn has_quote_agrees_with_contains(v in proptest::collection::vec(proptest::prop_oneof![
            proptest::sample::select(b"\"\x22\xa2\x02\x23\x21".to_vec()),
            proptest::num::u8::ANY,
        ], 0..20)) {
            proptest::prop_assert_eq!(has_quote(&v), v.contains(&b'"'));
        }

        #[test]
        fn same_name_agrees_with_eq_lowercase(n in "[aAbB\\-@\\[`{]{0,3}", lower in "[ab\\-@\\[`{]{0,3}") {
            proptest::prop_assert_eq!(same_name(n.as_bytes(), lower.as_bytes()), eq_lowercase(n.as_bytes(), lower.as_bytes()));
        }

        #[test]
        fn canonical_table_agrees_with_pairwise_rule(v in proptest::collection::vec(proptest::prop_oneof![
            proptest::sample::select(b" ,\t\"\r\n\0ab".to_vec()),
            proptest::num::u8::ANY,
        ], 0..12)) {
            proptest::prop_assert_eq!(is_canonical(&v), is_canonical_by_pairs(&v));
        }

        /// The one-pass member scan agrees with the general one on every input.
        #[test]
        fn next_name_agrees_with_next_member(v in "[ \t,aB;\"\\\\*]{0,16}") {
            let v = v.as_bytes();
            proptest::prop_assert_eq!(next_name(v), next_member(v));
        }

        /// `matches` compares a one-line value without quotes with the stored normal form
        /// byte for byte first: sound only because normalising it twice changes nothing.
        #[test]
        fn normalising_without_quotes_is_idempotent(lines in proptest::collection::vec("[ \t,ab\r\n\0]{0,12}", 1..4)) {
            let once: Vec<u8> = Normalized::new(lines.iter().map(|l| l.as_bytes())).collect();
            let twice: Vec<u8> = Normalized::new(std::iter::once(&once[..])).collect();
            proptest::prop_assert_eq!(&twice, &once);
            proptest::prop_assert!(is_canonical(&once));
        }
    }
}
