//! Target URIs: validation, comparison (RFC 9111 §4 "the presented target URI and that of the
//! stored response match", normalised as RFC 9110 §4.2.3 allows) and reference resolution for
//! invalidation (RFC 3986 §5.2).

/// True when `url` can be a request target: non-empty, no whitespace or control characters.
pub(crate) fn is_valid_url(url: &str) -> bool {
    use crate::headers::{any_byte_where, bytes_below, ONES};
    // A byte up to SP, or DEL (a zero byte once DEL is xor-ed out); bytes above 0x7F (UTF-8)
    // are allowed. Checked a word at a time, padding with an allowed byte.
    let invalid_in_word = |x: u64| bytes_below(x, 0x21) | bytes_below(x ^ (ONES * 0x7F), 1);
    !url.is_empty() && !any_byte_where(url.as_bytes(), b'a', invalid_in_word, |b| b <= b' ' || b == 0x7f)
}

/// The parts of a target URI that identify a resource, borrowed from the URL (or `Host`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Target<'a> {
    /// `None` for origin-form (`/path`): the scheme is not known.
    pub scheme: Option<&'a str>,
    /// Host and port, default port removed; from `Host` for origin-form targets.
    pub authority: &'a str,
    /// Path and query; `None` stands for an empty path ("/").
    pub path: &'a str,
}

impl<'a> Target<'a> {
    /// Splits a request target; an origin-form target takes its authority from `host`.
    /// Other forms (authority-form, `*`, opaque URIs) keep the whole text as path.
    pub fn parse(url: &'a str, host: Option<&'a str>) -> Self {
        let bytes = url.as_bytes();
        let url = &url[..bytes.iter().position(|&b| b == b'#').unwrap_or(bytes.len())];
        let bytes = url.as_bytes();
        match bytes {
            [b'/', b'/', ..] => {
                let (authority, path) = split_authority(&url[2..]);
                Target { scheme: None, authority, path }
            }
            [b'/', ..] => Target { scheme: None, authority: host.map_or("", |h| h.trim()), path: url },
            _ => match split_scheme(url) {
                Some((scheme, rest)) if rest.starts_with("//") => {
                    let (authority, path) = split_authority(&rest[2..]);
                    Target { scheme: Some(scheme), authority: without_default_port(scheme, authority), path }
                }
                _ => Target { scheme: None, authority: "", path: url },
            },
        }
    }

    /// Whether two targets name the same resource: scheme and host compared case-insensitively
    /// (a missing scheme matches any), default ports dropped, an empty path equal to "/".
    pub fn matches(&self, other: &Target<'_>) -> bool {
        let scheme_ok = match (self.scheme, other.scheme) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => true,
        };
        scheme_ok && self.authority.eq_ignore_ascii_case(other.authority) && path_eq(self.path, other.path)
    }

    /// Same origin (RFC 6454 via RFC 9111 §4.4): scheme (when both known) and authority.
    pub fn same_origin(&self, other: &Target<'_>) -> bool {
        let scheme_ok = match (self.scheme, other.scheme) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => true,
        };
        scheme_ok && self.authority.eq_ignore_ascii_case(other.authority)
    }

    /// The normalised text: `scheme://authority/path`, or `//authority/path` without a scheme.
    pub fn normalized(&self) -> String {
        let path = if self.path.is_empty() || self.path.starts_with('?') { "/" } else { "" };
        let mut s = String::with_capacity(self.authority.len() + self.path.len() + 12);
        if let Some(scheme) = self.scheme {
            s.push_str(&scheme.to_ascii_lowercase());
            s.push(':');
        }
        if self.scheme.is_some() || !self.authority.is_empty() {
            s.push_str("//");
            s.push_str(&self.authority.to_ascii_lowercase());
        }
        s.push_str(path);
        s.push_str(self.path);
        s
    }
}

/// Paths equal once an empty path counts as "/" (RFC 9110 §4.2.3).
fn path_eq(a: &str, b: &str) -> bool {
    fn implied_slash(p: &str) -> bool {
        p.is_empty() || p.starts_with('?')
    }
    implied_slash(a) == implied_slash(b) && a == b || (a.strip_prefix('/') == Some(b) && implied_slash(b)) || (b.strip_prefix('/') == Some(a) && implied_slash(a))
}

/// `scheme ":" rest` when the text starts with a valid scheme (RFC 3986 §3.1).
fn split_scheme(url: &str) -> Option<(&str, &str)> {
    let bytes = url.as_bytes();
    if !bytes.first()?.is_ascii_alphabetic() {
        return None;
    }
    let colon = bytes.iter().position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))?;
    (bytes[colon] == b':').then(|| (&url[..colon], &url[colon + 1..]))
}

/// `authority` and the path (with query) that follows it.
fn split_authority(rest: &str) -> (&str, &str) {
    let end = rest.bytes().position(|b| b == b'/' || b == b'?').unwrap_or(rest.len());
    rest.split_at(end)
}

fn without_default_port<'a>(scheme: &str, authority: &'a str) -> &'a str {
    let default = if scheme.eq_ignore_ascii_case("http") {
        ":80"
    } else if scheme.eq_ignore_ascii_case("https") {
        ":443"
    } else {
        return authority;
    };
    authority.strip_suffix(default).unwrap_or(authority)
}

/// Resolves a URI reference against a base target (RFC 3986 §5.2.2), giving the normalised
/// target it names; `None` for references that cannot be resolved.
pub(crate) fn resolve(base: &Target<'_>, reference: &str) -> Option<String> {
    let reference = reference.trim().split('#').next().unwrap_or("");
    if !is_valid_url(reference) && !reference.is_empty() {
        return None;
    }
    let base_path = if base.path.starts_with('/') { base.path } else { "/" };
    let (base_path, base_query) = match base_path.find('?') {
        Some(q) => (&base_path[..q], Some(&base_path[q..])),
        None => (base_path, None),
    };
    let (scheme, authority, path_query): (Option<&str>, String, String);
    if let Some((s, rest)) = split_scheme(reference) {
        let t = Target::parse(reference, None);
        if !rest.starts_with("//") {
            return None;
        }
        (scheme, authority, path_query) = (Some(s), t.authority.to_string(), dot_free(t.path));
    } else if let Some(rest) = reference.strip_prefix("//") {
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let auth = base.scheme.map_or(&rest[..end], |s| without_default_port(s, &rest[..end]));
        (scheme, authority, path_query) = (base.scheme, auth.to_string(), dot_free(&rest[end..]));
    } else {
        let merged = if reference.is_empty() {
            format!("{base_path}{}", base_query.unwrap_or(""))
        } else if reference.starts_with('?') {
            format!("{base_path}{reference}")
        } else if reference.starts_with('/') {
            reference.to_string()
        } else {
            let dir = &base_path[..base_path.rfind('/').map_or(0, |i| i + 1)];
            format!("{dir}{reference}")
        };
        (scheme, authority, path_query) = (base.scheme, base.authority.to_string(), dot_free(&merged));
    }
    Some(Target { scheme, authority: &authority, path: &path_query }.normalized())
}

/// A path (with optional query) with its dot segments removed (RFC 3986 §5.2.4).
fn dot_free(path_query: &str) -> String {
    let (path, query) = match path_query.find('?') {
        Some(q) => (&path_query[..q], &path_query[q..]),
        None => (path_query, ""),
    };
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    for (i, seg) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match *seg {
            "." => {
                if last {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let mut p = out.join("/");
    if path.starts_with('/') && !p.starts_with('/') {
        p.insert(0, '/');
    }
    p + query
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(url: &str) -> Target<'_> {
        Target::parse(url, Some("example.com"))
    }

    #[test]
    fn rfc9110_4_2_3_normalisation_for_matching() {
        assert!(t("https://EXAMPLE.com:443/a").matches(&t("https://example.com/a")));
        assert!(t("http://example.com").matches(&t("http://example.com/")));
        assert!(t("http://example.com:80/?q").matches(&t("http://example.com?q")));
        assert!(t("/a").matches(&t("https://example.com/a")));
        assert!(!t("https://example.com/a").matches(&t("http://example.com/a")));
        assert!(!t("https://example.com/a").matches(&t("https://example.com/A")));
        assert!(!t("https://example.com:8443/a").matches(&t("https://example.com/a")));
        assert!(t("https://example.com/a#frag").matches(&t("https://example.com/a")));
    }

    #[test]
    fn urls_with_space_or_control_characters_are_invalid() {
        for bad in ["", "a b", "/x\r\n", "/\u{7f}", "/\t"] {
            assert!(!is_valid_url(bad), "{bad:?}");
        }
        assert!(is_valid_url("/ünï"));
        assert!(is_valid_url("*"));
        // Every ASCII byte, and a two-byte character, at every position of every length up to 20.
        for len in 1..=20 {
            for pos in 0..len {
                for c in (0..=127u8).map(char::from).chain(['é']) {
                    let url: String = (0..len).map(|i| if i == pos { c } else { '/' }).collect();
                    let naive = url.bytes().all(|b| b > b' ' && b != 0x7f);
                    assert_eq!(is_valid_url(&url), naive, "{url:?}");
                }
            }
        }
    }

    #[test]
    fn rfc3986_5_4_reference_resolution_examples() {
        let base = Target::parse("http://a/b/c/d;p?q", None);
        for (r, want) in [
            ("g", "http://a/b/c/g"),
            ("./g", "http://a/b/c/g"),
            ("g/", "http://a/b/c/g/"),
            ("/g", "http://a/g"),
            ("//g", "http://g/"),
            ("?y", "http://a/b/c/d;p?y"),
            ("g?y", "http://a/b/c/g?y"),
            ("#s", "http://a/b/c/d;p?q"),
            ("", "http://a/b/c/d;p?q"),
            (".", "http://a/b/c/"),
            ("..", "http://a/b/"),
            ("../g", "http://a/b/g"),
            ("../..", "http://a/"),
            ("../../../g", "http://a/g"),
            ("/./g", "http://a/g"),
            ("g/../h", "http://a/b/c/h"),
            ("HTTPS://A:443/x", "https://a/x"),
        ] {
            assert_eq!(resolve(&base, r).as_deref(), Some(want), "{r}");
        }
        assert_eq!(resolve(&base, "mailto:x@y"), None);
    }
}
