//! Output: a [`Report`] (what the engine said about one file) as a human-readable block or a
//! JSON object. Pure formatting: every answer in a report comes from the engine.

use std::fmt::Write;

use cachepolicy::{format_http_date, Decision, FreshnessSource, Reason};

/// A request as shown: method, target and Host.
#[derive(Debug, Clone)]
pub struct Shown {
    /// The method.
    pub method: String,
    /// The request target as written.
    pub target: String,
    /// The Host header, if any.
    pub host: Option<String>,
}

/// Where the time of reception came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceivedFrom {
    /// The response's `Date` header.
    Date,
    /// A `# received:` comment line.
    Comment,
    /// The `--received` flag.
    Flag,
}

impl ReceivedFrom {
    /// A stable code for JSON: `date`, `comment` or `flag`.
    pub fn code(self) -> &'static str {
        match self {
            ReceivedFrom::Date => "date",
            ReceivedFrom::Comment => "comment",
            ReceivedFrom::Flag => "flag",
        }
    }

    fn text(self) -> &'static str {
        match self {
            ReceivedFrom::Date => "its Date",
            ReceivedFrom::Comment => "# received",
            ReceivedFrom::Flag => "--received",
        }
    }
}

/// Header lines as text (values decoded lossily).
pub type TextHeaders = Vec<(String, String)>;

/// Everything the engine answered about one exchange file.
#[derive(Debug, Clone)]
pub struct Report {
    /// The file name as given.
    pub file: String,
    /// The stored request.
    pub request: Shown,
    /// The response status code and reason phrase.
    pub status: (u16, String),
    /// A shared cache (not `--private`).
    pub shared: bool,
    /// The heuristic fraction in use.
    pub heuristic: f64,
    /// When the response was received, Unix seconds, and where that came from.
    pub received: (i64, ReceivedFrom),
    /// The evaluation time, Unix seconds.
    pub at: i64,
    /// Why the response is not storable, if it is not.
    pub not_storable: Option<Reason>,
    /// Freshness lifetime in seconds and its source.
    pub lifetime: (u64, FreshnessSource),
    /// Age at the evaluation time, seconds.
    pub age: u64,
    /// Time to live at the evaluation time, seconds.
    pub ttl: u64,
    /// Whether the response is stale at the evaluation time.
    pub stale: bool,
    /// The later request, or `None` when the original request is evaluated again.
    pub later: Option<Shown>,
    /// The engine's decision for the (later) request.
    pub decision: Decision,
    /// Why, unless a plain fresh hit.
    pub reason: Option<Reason>,
    /// Headers to serve the stored response with, when it is served.
    pub serve: Option<TextHeaders>,
    /// Request headers to send to the origin, when it is contacted.
    pub send: Option<TextHeaders>,
}

/// A label and a short human phrase per decision; `conditional` tells whether the request
/// headers the engine gave carry validators.
fn decision_text(d: Decision, conditional: bool) -> (&'static str, &'static str) {
    match d {
        Decision::Fresh => ("FRESH", "serve the stored response"),
        Decision::Stale => ("STALE", "serve the stored response although it is stale"),
        Decision::StaleWhileRevalidate => {
            ("STALE-WHILE-REVALIDATE", "serve the stored response now, revalidate it in the background")
        }
        Decision::Revalidate if conditional => {
            ("REVALIDATE", "send a conditional request; serve the stored response if the origin answers 304")
        }
        Decision::Revalidate => {
            ("REVALIDATE", "ask the origin first (no validators stored: not a conditional request)")
        }
        Decision::NoMatch => ("NO MATCH", "the stored response cannot answer: forward the request"),
        Decision::GatewayTimeout => ("504", "reply 504 Gateway Timeout without contacting the origin"),
    }
}

/// What the request headers sent to the origin are for, per decision.
fn send_label(d: Decision) -> &'static str {
    match d {
        Decision::StaleWhileRevalidate => "revalidate in the background with",
        Decision::NoMatch => "forward with",
        _ => "send to the origin",
    }
}

fn source_text(source: FreshnessSource, heuristic: f64) -> String {
    match source {
        FreshnessSource::SMaxAge => "from s-maxage (shared cache)".into(),
        FreshnessSource::MaxAge => "from max-age".into(),
        FreshnessSource::Expires => "from Expires minus Date".into(),
        FreshnessSource::Heuristic => {
            let percent = (heuristic * 1e6).round() / 1e4;
            format!("heuristic: {percent}% of Date minus Last-Modified (RFC 9111 §4.2.2)")
        }
        FreshnessSource::Immutable => "the minimum for an immutable response (RFC 8246)".into(),
        FreshnessSource::None => "none: no freshness information".into(),
    }
}

/// `3600 s (1h)`; seconds alone under a minute.
pub fn duration(secs: u64) -> String {
    if secs < 60 {
        return format!("{secs} s");
    }
    let units = [(secs / 86_400, "d"), (secs / 3600 % 24, "h"), (secs / 60 % 60, "m"), (secs % 60, "s")];
    let parts: Vec<String> = units.iter().filter(|(n, _)| *n > 0).map(|(n, unit)| format!("{n}{unit}")).collect();
    format!("{secs} s ({})", parts.join(" "))
}

/// `+600 s` or `-30 s`.
fn offset(secs: i64) -> String {
    if secs < 0 {
        format!("-{}", duration(secs.unsigned_abs()))
    } else {
        format!("+{}", duration(secs as u64))
    }
}

fn shown(r: &Shown) -> String {
    match &r.host {
        Some(host) => format!("{} {}  (host {})", r.method, r.target, printable(host)),
        None => format!("{} {}", r.method, r.target),
    }
}

/// Control characters escaped, so a file cannot drive the terminal.
fn printable(s: &str) -> String {
    s.chars().flat_map(|c| if c.is_control() { c.escape_default().collect() } else { vec![c] }).collect()
}

fn reason_line(out: &mut String, r: Reason) {
    let _ = writeln!(out, "  {:<12}{}  [{}]", "why", r.description(), r.code());
}

fn header_lines(out: &mut String, label: &str, headers: &TextHeaders) {
    let _ = writeln!(out, "  {label}:");
    for (name, value) in headers {
        let _ = writeln!(out, "      {}: {}", printable(name), printable(value));
    }
}

/// The human-readable block for one file, ending with a newline.
pub fn human(r: &Report) -> String {
    let mut out = String::new();
    let row = |out: &mut String, label: &str, text: String| {
        let _ = writeln!(out, "  {label:<12}{text}");
    };
    let _ = writeln!(out, "== {} ==", r.file);
    row(&mut out, "request", shown(&r.request));
    let (code, phrase) = &r.status;
    let status = if phrase.is_empty() { code.to_string() } else { format!("{code} {}", printable(phrase)) };
    row(
        &mut out,
        "response",
        format!("{status}, received {} ({})", format_http_date(r.received.0), r.received.1.text()),
    );
    let cache = if r.shared { "shared cache" } else { "private cache" };
    match r.not_storable {
        None => row(&mut out, "storable", format!("yes, in a {cache}")),
        Some(reason) => {
            row(&mut out, "storable", format!("NO, in a {cache}"));
            reason_line(&mut out, reason);
        }
    }
    let (lifetime, source) = r.lifetime;
    if r.not_storable.is_none() {
        row(&mut out, "freshness", format!("{}, {}", duration(lifetime), source_text(source, r.heuristic)));
    }
    row(&mut out, "at", format!("{} = {}", offset(r.at - r.received.0), format_http_date(r.at)));
    if r.not_storable.is_none() {
        row(&mut out, "age", duration(r.age));
        let ttl = match r.age.saturating_sub(lifetime) {
            _ if !r.stale => format!("{}: fresh", duration(r.ttl)),
            0 => "0 s: stale".to_string(),
            over => format!("0 s: stale by {}", duration(over)),
        };
        row(&mut out, "ttl", ttl);
    }
    let asked = match &r.later {
        Some(later) => format!("the later request: {}", shown(later)),
        None => "the original request again".to_string(),
    };
    row(&mut out, "asking", asked);
    let conditional =
        r.send.iter().flatten().any(|(name, _)| {
            name.eq_ignore_ascii_case("if-none-match") || name.eq_ignore_ascii_case("if-modified-since")
        });
    let (label, text) = decision_text(r.decision, conditional);
    row(&mut out, "decision", format!("{label}: {text}"));
    if let Some(reason) = r.reason {
        reason_line(&mut out, reason);
    }
    if let Some(serve) = &r.serve {
        header_lines(&mut out, "serve with", serve);
    }
    if let Some(send) = &r.send {
        header_lines(&mut out, send_label(r.decision), send);
    }
    out
}

/// A JSON string literal (RFC 8259 §7).
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_opt(s: Option<&str>) -> String {
    s.map_or_else(|| "null".to_string(), json_string)
}

fn json_request(r: &Shown) -> String {
    format!(
        r#"{{"method":{},"target":{},"host":{}}}"#,
        json_string(&r.method),
        json_string(&r.target),
        json_opt(r.host.as_deref())
    )
}

fn json_reason(r: Option<Reason>) -> String {
    r.map_or_else(
        || "null".to_string(),
        |r| format!(r#"{{"code":{},"description":{}}}"#, json_string(r.code()), json_string(r.description())),
    )
}

fn json_headers(h: Option<&TextHeaders>) -> String {
    h.map_or_else(
        || "null".to_string(),
        |h| {
            let lines: Vec<String> =
                h.iter().map(|(n, v)| format!("[{},{}]", json_string(n), json_string(v))).collect();
            format!("[{}]", lines.join(","))
        },
    )
}

/// The report as one JSON object on one line. Keys: `file`, `request` and `later_request`
/// (`{method, target, host}`; `later_request` null without one), `status`, `shared`,
/// `received`/`at` (HTTP-dates) with `received_unix`/`at_unix`, `received_from` (`date`,
/// `comment`, `flag`), `storable`, `not_storable_reason`, `freshness_lifetime`,
/// `freshness_source`, `age`, `time_to_live` (seconds), `stale`, `decision` (a
/// [`Decision::code`]), `reason` (`{code, description}` or null), `response_headers` and
/// `request_headers` (`[[name, value], ...]` or null).
pub fn json(r: &Report) -> String {
    let fields = [
        ("file", json_string(&r.file)),
        ("request", json_request(&r.request)),
        ("status", r.status.0.to_string()),
        ("shared", r.shared.to_string()),
        ("received", json_string(&format_http_date(r.received.0))),
        ("received_unix", r.received.0.to_string()),
        ("received_from", json_string(r.received.1.code())),
        ("at", json_string(&format_http_date(r.at))),
        ("at_unix", r.at.to_string()),
        ("storable", r.not_storable.is_none().to_string()),
        ("not_storable_reason", json_reason(r.not_storable)),
        ("freshness_lifetime", r.lifetime.0.to_string()),
        ("freshness_source", json_string(r.lifetime.1.code())),
        ("age", r.age.to_string()),
        ("time_to_live", r.ttl.to_string()),
        ("stale", r.stale.to_string()),
        ("later_request", r.later.as_ref().map_or_else(|| "null".to_string(), json_request)),
        ("decision", json_string(r.decision.code())),
        ("reason", json_reason(r.reason)),
        ("response_headers", json_headers(r.serve.as_ref())),
        ("request_headers", json_headers(r.send.as_ref())),
    ];
    let body: Vec<String> = fields.iter().map(|(k, v)| format!("{}:{v}", json_string(k))).collect();
    format!("{{{}}}", body.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration(0), "0 s");
        assert_eq!(duration(59), "59 s");
        assert_eq!(duration(3600), "3600 s (1h)");
        assert_eq!(duration(90_061), "90061 s (1d 1h 1m 1s)");
        assert_eq!(duration(31_536_000), "31536000 s (365d)");
    }

    #[test]
    fn json_strings_escape_quotes_backslashes_and_controls() {
        assert_eq!(json_string("a\"b\\c\n\u{1}é"), r#""a\"b\\c\n\u0001é""#);
    }
}
