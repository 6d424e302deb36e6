//! Vary: which request fields select the stored response, and whether a new request presents
//! the same values (RFC 9111 §4.1).
//!
//! Values are compared after the transformations §4.1 allows: combining field lines (RFC 9110
//! §5.3) and removing whitespace where the syntax allows it. Concretely: lines are joined with a
//! comma, whitespace around commas and at the ends is removed, and runs of spaces and tabs
//! outside quoted strings become one space.

use crate::headers::{is_ows, list_members, Arena, Field, FieldKind, HttpRequest, Span};

/// A field named by Vary and the original request's normalised value (`None`: absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Selected {
    /// Lower-cased field name.
    pub name: Span,
    pub value: Option<Span>,
}

/// Records, for each distinct name in the response's Vary lines, the request's value.
pub(crate) fn select(arena: &mut Arena, fields: &[Field], request: &impl HttpRequest) -> Vec<Selected> {
    let mut selected: Vec<Selected> = Vec::new();
    for i in 0..fields.len() {
        if fields[i].kind != FieldKind::Vary {
            continue;
        }
        let vary_value = arena.get(fields[i].value).to_vec();
        for name in list_members(&vary_value) {
            if name == b"*" || selected.iter().any(|s| arena.get(s.name).eq_ignore_ascii_case(name)) {
                continue;
            }
            let name_span = arena.push(&name.to_ascii_lowercase());
            let mut lines = request.header_lines().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v).peekable();
            let value = lines.peek().is_some().then(|| {
                let start = arena.bytes.len() as u32;
                arena.bytes.extend(Normalized::new(lines));
                Span { start, end: arena.bytes.len() as u32 }
            });
            selected.push(Selected { name: name_span, value });
        }
    }
    selected
}

/// Whether `request` presents the same values for every selected field.
pub(crate) fn matches(arena: &Arena, selected: &[Selected], request: &impl HttpRequest) -> bool {
    selected.iter().all(|s| {
        let name = arena.get(s.name);
        let mut lines = request.header_lines().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v).peekable();
        match (s.value, lines.peek().is_some()) {
            (None, present) => !present,
            (Some(_), false) => false,
            (Some(v), true) => Normalized::new(lines).eq(arena.get(v).iter().copied()),
        }
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
                    self.pending_space = false;
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
                self.pending_space = self.emitted;
            } else if b == b',' {
                self.pending_space = false;
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
        assert_eq!(norm(&["gzip,deflate"]), "gzip,deflate");
        assert_eq!(norm(&[" gzip ,  deflate "]), "gzip,deflate");
        assert_eq!(norm(&["gzip", "deflate"]), "gzip,deflate");
        assert_eq!(norm(&["Mozilla/5.0   (X11;\tLinux)"]), "Mozilla/5.0 (X11; Linux)");
        assert_eq!(norm(&["a\t \tb"]), "a b");
        assert_eq!(norm(&["\"x  , y\"  ,z"]), "\"x  , y\",z");
        assert_eq!(norm(&[""]), "");
        assert_eq!(norm(&["", "a"]), ",a");
    }
}
