//! Targeted Cache-Control fields such as `CDN-Cache-Control` (RFC 9213).
//!
//! A cache lists the targeted fields it obeys, most specific first. The first of them that a
//! response carries with a valid, non-empty value replaces Cache-Control and Expires for that
//! cache's decisions (RFC 9213 §2.2); if none qualifies, Cache-Control applies as usual. Targeted
//! fields are Structured Field Dictionaries (RFC 8941 §3.2): a value that does not parse is
//! ignored as a whole. Fields are kept in stored and forwarded responses (§2.2: caches further
//! along may obey them too).

use std::collections::HashMap;

use crate::directives::ResponseDirectives;
use crate::headers::{Arena, Field, FieldKind};
use crate::options::Options;

/// The response directives this cache obeys, and which targeted field (index into
/// `options.targeted_fields`) supplied them, if any.
pub(crate) fn response_directives(arena: &Arena, fields: &[Field], options: &Options) -> (ResponseDirectives, Option<usize>) {
    let (mut cc, targeted) = obeyed(arena, fields, options);
    if options.ignore_s_maxage {
        cc.s_maxage = crate::directives::Delta::Absent;
    }
    (cc, targeted)
}

fn obeyed(arena: &Arena, fields: &[Field], options: &Options) -> (ResponseDirectives, Option<usize>) {
    for (index, target) in options.targeted_fields.iter().enumerate() {
        let lines: Vec<&[u8]> = fields
            .iter()
            .filter(|f| arena.text(f.name).eq_ignore_ascii_case(target))
            .map(|f| arena.get(f.value))
            .collect();
        if lines.is_empty() {
            continue;
        }
        let combined = lines.join(&b", "[..]);
        if let Some(members) = parse_dictionary(&combined).filter(|m| !m.is_empty()) {
            let mut d = ResponseDirectives::default();
            for (key, value) in members {
                match value {
                    Value::Bool(false) => {}
                    Value::Bool(true) => d.apply(key, None),
                    Value::Bare(v) => d.apply(key, Some(v)),
                }
            }
            return (d, Some(index));
        }
    }
    let lines = |k: FieldKind| fields.iter().filter(move |f| f.kind == k).map(|f| arena.get(f.value));
    (ResponseDirectives::parse(lines(FieldKind::CacheControl), lines(FieldKind::Pragma)), None)
}

/// A dictionary member's value, as the directive parser wants it.
#[derive(Debug, PartialEq, Eq)]
enum Value<'a> {
    Bool(bool),
    /// An integer, decimal, token or string content (inner lists and binary are kept as text
    /// too, and are not meaningful to any directive).
    Bare(&'a [u8]),
}

/// Parses an RFC 8941 §4.2.2 dictionary; `None` when the value is not a valid one.
fn parse_dictionary(input: &[u8]) -> Option<Vec<(&[u8], Value<'_>)>> {
    let mut p = Parser { s: input, pos: 0 };
    p.skip(|b| b == b' ');
    let mut members: Vec<(&[u8], Value<'_>)> = Vec::new();
    // Where each key is in `members`, so that a repeated key is found without a scan (a value
    // with many members would otherwise cost their square).
    let mut positions: HashMap<&[u8], usize> = HashMap::new();
    while !p.done() {
        let key = p.key()?;
        let value = if p.eat(b'=') {
            if p.peek() == Some(b'(') {
                let start = p.pos;
                p.inner_list()?;
                Value::Bare(&input[start..p.pos])
            } else {
                p.bare_item()?
            }
        } else {
            Value::Bool(true)
        };
        p.parameters()?;
        // A repeated key overrides the value (§4.2.2); keys are distinct directives, so their
        // order does not matter.
        match positions.get(key) {
            Some(&i) => members[i].1 = value,
            None => {
                positions.insert(key, members.len());
                members.push((key, value));
            }
        }
        p.skip(|b| b == b' ' || b == b'\t');
        if p.done() {
            break;
        }
        if !p.eat(b',') {
            return None;
        }
        p.skip(|b| b == b' ' || b == b'\t');
        if p.done() {
            return None; // trailing comma
        }
    }
    Some(members)
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> Parser<'a> {
    fn done(&self) -> bool {
        self.pos >= self.s.len()
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }
    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        self.pos += usize::from(hit);
        hit
    }
    fn skip(&mut self, f: impl Fn(u8) -> bool) {
        while self.peek().is_some_and(&f) {
            self.pos += 1;
        }
    }
    fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a [u8] {
        let start = self.pos;
        self.skip(f);
        &self.s[start..self.pos]
    }

    /// `key = ( lcalpha / "*" ) *( lcalpha / DIGIT / "_" / "-" / "." / "*" )`
    fn key(&mut self) -> Option<&'a [u8]> {
        if !self.peek().is_some_and(|b| b.is_ascii_lowercase() || b == b'*') {
            return None;
        }
        Some(self.take_while(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'.' | b'*')))
    }

    fn bare_item(&mut self) -> Option<Value<'a>> {
        let start = self.pos;
        match self.peek()? {
            b'-' | b'0'..=b'9' => {
                self.eat(b'-');
                let int = self.take_while(|b| b.is_ascii_digit());
                if int.is_empty() || int.len() > 15 {
                    return None;
                }
                if self.eat(b'.') {
                    let frac = self.take_while(|b| b.is_ascii_digit());
                    if int.len() > 12 || frac.is_empty() || frac.len() > 3 {
                        return None;
                    }
                }
                Some(Value::Bare(&self.s[start..self.pos]))
            }
            b'"' => {
                self.pos += 1;
                let content_start = self.pos;
                loop {
                    match self.peek()? {
                        b'\\' => {
                            self.pos += 1;
                            if !matches!(self.peek()?, b'"' | b'\\') {
                                return None;
                            }
                        }
                        b'"' => break,
                        0x20..=0x7e => {}
                        _ => return None,
                    }
                    self.pos += 1;
                }
                let content = &self.s[content_start..self.pos];
                self.pos += 1;
                Some(Value::Bare(content))
            }
            b'?' => {
                self.pos += 1;
                let v = match self.peek()? {
                    b'0' => false,
                    b'1' => true,
                    _ => return None,
                };
                self.pos += 1;
                Some(Value::Bool(v))
            }
            b':' => {
                self.pos += 1;
                self.take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
                self.eat(b':').then(|| Value::Bare(&self.s[start..self.pos]))
            }
            b if b.is_ascii_alphabetic() || b == b'*' => {
                let token = self.take_while(|b| crate::headers::is_token(&[b]) || b == b':' || b == b'/');
                Some(Value::Bare(token))
            }
            _ => None,
        }
    }

    fn inner_list(&mut self) -> Option<()> {
        self.pos += 1; // "("
        loop {
            self.skip(|b| b == b' ');
            if self.eat(b')') {
                return self.parameters();
            }
            self.bare_item()?;
            self.parameters()?;
            if !matches!(self.peek()?, b' ' | b')') {
                return None;
            }
        }
    }

    /// `*( ";" *SP key [ "=" bare-item ] )`, validated and discarded.
    fn parameters(&mut self) -> Option<()> {
        while self.eat(b';') {
            self.skip(|b| b == b' ');
            self.key()?;
            if self.eat(b'=') {
                self.bare_item()?;
            }
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8941_3_2_dictionaries_parse() {
        let d = parse_dictionary(b"max-age=60, must-revalidate, private=\"set-cookie\", x=?0, y=(a b);q=1").unwrap();
        assert_eq!(d[0], (&b"max-age"[..], Value::Bare(b"60")));
        assert_eq!(d[1], (&b"must-revalidate"[..], Value::Bool(true)));
        assert_eq!(d[2], (&b"private"[..], Value::Bare(b"set-cookie")));
        assert_eq!(d[3], (&b"x"[..], Value::Bool(false)));
        assert_eq!(parse_dictionary(b"").unwrap().len(), 0);
        assert_eq!(parse_dictionary(b"a=1, a=2").unwrap(), vec![(&b"a"[..], Value::Bare(b"2"))]);
    }

    #[test]
    fn rfc8941_4_2_invalid_dictionaries_are_rejected() {
        for bad in [&b"Max-Age=60"[..], b"max-age=60,", b"max-age==1", b"a=\"unterminated", b"a=1 b=2", b"a=1234567890123456", b"a=\"\xff\"", b"a=?2", b",a"] {
            assert!(parse_dictionary(bad).is_none(), "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
