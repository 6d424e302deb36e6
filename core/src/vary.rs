//! Vary: which request fields select the stored response, and whether a new request presents
//! the same values (RFC 9111 §4.1).
//!
//! Values are compared after the transformations §4.1 allows: combining field lines (RFC 9110
//! §5.3) and removing whitespace where the syntax allows it. Concretely, outside quoted strings:
//! lines are joined as list members, whitespace at the ends and around commas is removed, each
//! comma is followed by one space, and runs of spaces and tabs become one space. Most request
//! values (`gzip, deflate, br`) already have that form and are compared as they are.

use crate::headers::{is_ows, next_member, Arena, Field, FieldKind, HttpRequest, Span};

/// A field named by Vary and the original request's normalised value (`None`: absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Selected {
    /// Lower-cased field name.
    pub name: Span,
    pub value: Option<Span>,
}

/// Records, for each distinct name in the response's Vary lines (and in `also`: fields the
/// cache keys on by configuration), the request's value.
pub(crate) fn select(arena: &mut Arena, fields: &[Field], request: &impl HttpRequest, also: &[&str]) -> Vec<Selected> {
    let mut selected: Vec<Selected> = Vec::new();
    // Names are read from `bytes` and written to `text`; values the other way round.
    let Arena { text, bytes } = arena;
    for field in fields.iter().filter(|f| f.kind == FieldKind::Vary) {
        let (mut pos, end) = (field.value.start as usize, field.value.end as usize);
        while let Some((m_start, m_end, next)) = next_member(&bytes[pos..end]) {
            let name = &bytes[pos + m_start..pos + m_end];
            pos += next;
            let start = text.len();
            // `*` matches nothing (§4.1); a member that is not text can name no request field.
            match std::str::from_utf8(name) {
                Ok(name) if name != "*" => text.push_str(name),
                _ => continue,
            }
            select_name_at(text, start, bytes, &mut selected, request);
        }
    }
    for name in also {
        let start = text.len();
        text.push_str(name);
        select_name_at(text, start, bytes, &mut selected, request);
    }
    selected
}

/// Takes the name at the end of `text` (from `start`): lower-cases it and, unless it is
/// already selected, records the request's normalised value for it.
fn select_name_at(text: &mut String, start: usize, bytes: &mut Vec<u8>, selected: &mut Vec<Selected>, request: &impl HttpRequest) {
    text[start..].make_ascii_lowercase();
    let name = &text[start..];
    if selected.iter().any(|s| &text[s.name.start as usize..s.name.end as usize] == name) {
        text.truncate(start);
        return;
    }
    let name_span = Span { start: start as u32, end: text.len() as u32 };
    let mut lines = request.header_lines().filter(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes())).map(|(_, v)| v).peekable();
    let value = lines.next().map(|first| {
        let value_start = bytes.len() as u32;
        match lines.peek() {
            None if is_canonical(first) => bytes.extend_from_slice(first),
            _ => bytes.extend(Normalized::new(std::iter::once(first).chain(lines))),
        }
        Span { start: value_start, end: bytes.len() as u32 }
    });
    selected.push(Selected { name: name_span, value });
}

/// Whether `request` presents the same values for every selected field.
pub(crate) fn matches(arena: &Arena, selected: &[Selected], request: &impl HttpRequest) -> bool {
    selected.iter().all(|s| {
        let name = arena.text(s.name).as_bytes();
        let mut lines = request.header_lines().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v).peekable();
        let Some(first) = lines.next() else { return s.value.is_none() };
        let Some(stored) = s.value.map(|v| arena.get(v)) else { return false };
        match lines.peek() {
            None if is_canonical(first) => first == stored,
            _ => Normalized::new(std::iter::once(first).chain(lines)).eq(stored.iter().copied()),
        }
    })
}

/// The normalised value of a request's field lines named `name`, `None` when absent.
pub(crate) fn normalized_value(request: &impl HttpRequest, name: &str) -> Option<Vec<u8>> {
    let mut lines = request.header_lines().filter(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes())).map(|(_, v)| v).peekable();
    lines.peek()?;
    Some(Normalized::new(lines).collect())
}

/// True when a one-line value is already in normalised form (so equals its normalisation).
fn is_canonical(v: &[u8]) -> bool {
    let ends_ok = v.first() != Some(&b' ') && v.last() != Some(&b' ');
    ends_ok
        && !v.iter().any(|&b| b == b'\t' || b == b'"')
        && v.windows(2).all(|w| match (w[0], w[1]) {
            (b' ', b' ' | b',') => false,
            (b',', next) => next == b' ' || next == b',',
            _ => true,
        })
}

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
    }

    #[test]
    fn canonical_values_equal_their_normalisation() {
        for v in ["gzip, deflate, br", "en-US, en;q=0.9", "a,, b", "x,", "Mozilla/5.0 (X11; Linux x86_64)", "", "a b"] {
            assert!(is_canonical(v.as_bytes()), "{v}");
            assert_eq!(norm(&[v]), v, "{v}");
        }
        for v in [" a", "a ", "a  b", "a ,b", "a,b", "a\tb", "\"q\""] {
            assert!(!is_canonical(v.as_bytes()), "{v}");
        }
    }
}
