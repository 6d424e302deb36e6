//! `cachepolicy`: the command line of the caching policy engine.
//!
//! `cachepolicy explain FILE...` reads HTTP exchanges written as text (see [`parse`] for the
//! format), asks the engine about each, and prints what it said (see [`render`]).

mod parse;
mod render;

use std::io::{Read, Write};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cachepolicy::{CachePolicy, ErrorKind, HeaderList, Options, Request, Response};

use parse::{header, parse_at, parse_date, parse_exchange, At, RequestPart, EXAMPLE_DATE};
use render::{ReceivedFrom, Report, Shown, TextHeaders};

const USAGE: &str = "\
cachepolicy - explain what an HTTP cache (RFC 9111) does with an exchange

USAGE:
    cachepolicy explain [OPTIONS] FILE...
    cachepolicy --help | --version

Each FILE (or - for standard input) holds an HTTP exchange as text: the request line and
headers, a blank line, the status line and headers; optionally a body, then a later request
(request line and headers) to evaluate against the stored response. Without a later request,
the original request is evaluated again. The `curl -v` form (lines prefixed `> ` and `< `,
`* ` notes and body lines skipped) is accepted too. Anything after the later request's
headers is ignored.

Lines starting with # are comments; two are read. The response counts as received at
--received, else at a `# received: <HTTP-date>` line, else at its Date header. It is
evaluated at --at, else at a `# at: WHEN` line, else at +0. WHEN is +SECONDS after
reception (or +10m, +2h, +1d), or an absolute HTTP-date.

OPTIONS:
    --private              a private (browser) cache instead of a shared one
    --heuristic F          heuristic freshness fraction of Date - Last-Modified (default 0.1)
    --no-trust-date        age from the time of reception, not the Date header
    --ignore-cargo-cult    ignore no-cache/no-store with pre-check/post-check
    --received DATE        when the response was received (HTTP-date)
    --at WHEN              +SECONDS (or +10m, +2h, +1d) after reception, or an HTTP-date
    --json                 print a JSON array, one object per file
    -h, --help             print this help
    -V, --version          print the version

JSON:
    One object per file: file, request {method, target, host}, status, shared, received,
    received_unix, received_from, at, at_unix, storable, not_storable_reason {code,
    description}, freshness_lifetime, freshness_source, age, time_to_live (seconds), stale,
    later_request, decision (fresh, stale, stale_while_revalidate, revalidate, no_match,
    gateway_timeout), reason {code, description}, response_headers and request_headers
    ([[name, value], ...] or null).

EXIT STATUS:
    0 success; 2 usage error, or a file that cannot be read or parsed (the others are
    still explained).
";

/// Settings shared by every file.
struct Config {
    options: Options,
    received: Option<i64>,
    at: Option<At>,
    json: bool,
}

enum Command {
    Help,
    Version,
    Explain(Config, Vec<String>),
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match parse_args(&args) {
        Ok(Command::Help) => {
            print(USAGE);
            ExitCode::SUCCESS
        }
        Ok(Command::Version) => {
            print(&format!("cachepolicy {}\n", env!("CARGO_PKG_VERSION")));
            ExitCode::SUCCESS
        }
        Ok(Command::Explain(config, files)) => run(&config, &files),
        Err(message) => {
            eprintln!("cachepolicy: {message} (see cachepolicy --help)");
            ExitCode::from(2)
        }
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error worth a panic.
fn print(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// Parses the command line; `Err` is a one-line usage error.
fn parse_args(args: &[String]) -> Result<Command, String> {
    match args.first().map(String::as_str) {
        None => return Err("missing command: try `cachepolicy explain FILE...`".into()),
        Some("-h" | "--help" | "help") => return Ok(Command::Help),
        Some("-V" | "--version") => return Ok(Command::Version),
        Some("explain") => {}
        Some(other) => return Err(format!("unknown command `{other}`")),
    }
    let mut config = Config { options: Options::default(), received: None, at: None, json: false };
    let mut files = Vec::new();
    let mut rest = args[1..].iter();
    let mut options_done = false;
    while let Some(arg) = rest.next() {
        if options_done || arg == "-" || !arg.starts_with('-') {
            files.push(arg.clone());
            continue;
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f, Some(v.to_string())),
            None => (arg.as_str(), None),
        };
        if inline.is_some() && !matches!(flag, "--heuristic" | "--received" | "--at") {
            return Err(format!("{flag} takes no value"));
        }
        let mut value = || inline.clone().or_else(|| rest.next().cloned()).ok_or(format!("{flag} needs a value"));
        match flag {
            "--" => options_done = true,
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--json" => config.json = true,
            "--private" => config.options.shared = false,
            "--no-trust-date" => config.options.trust_server_date = false,
            "--ignore-cargo-cult" => config.options.ignore_cargo_cult = true,
            "--heuristic" => {
                let v = value()?;
                config.options.cache_heuristic =
                    v.parse().map_err(|_| format!("--heuristic needs a number such as 0.1, got `{v}`"))?;
                config.options.validate().map_err(|e| format!("--heuristic: {e}"))?;
            }
            "--received" => {
                let v = value()?;
                let t = parse_date(&v).ok_or(format!("--received needs an HTTP-date such as `{EXAMPLE_DATE}`"))?;
                config.received = Some(t);
            }
            "--at" => config.at = Some(parse_at(&value()?).map_err(|m| format!("--at {m}"))?),
            _ => return Err(format!("unknown option `{arg}`")),
        }
    }
    if files.is_empty() {
        return Err("explain needs at least one FILE".into());
    }
    Ok(Command::Explain(config, files))
}

/// Explains every file in order; errors go to stderr and make the exit status 2.
fn run(config: &Config, files: &[String]) -> ExitCode {
    let mut failed = false;
    if config.json {
        print("[");
    }
    let mut first = true;
    for file in files {
        match explain(file, config) {
            Ok(report) if config.json => print(&format!("{}\n{}", if first { "" } else { "," }, render::json(&report))),
            Ok(report) => print(&format!("{}{}", if first { "" } else { "\n" }, render::human(&report))),
            Err(message) => {
                eprintln!("cachepolicy: {message}");
                failed = true;
                continue;
            }
        }
        first = false;
    }
    if config.json {
        print("\n]\n");
    }
    if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

/// The latest time accepted: the end of year 9999, the last an HTTP-date can show.
const MAX_TIME: i64 = 253_402_300_799;

/// Unix seconds as a `SystemTime`, for the years an HTTP-date can show (1970–9999).
fn system_time(secs: i64) -> Option<SystemTime> {
    let secs = u64::try_from(secs).ok().filter(|&s| s <= MAX_TIME as u64)?;
    UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

fn text_headers(list: HeaderList<'_>) -> TextHeaders {
    list.into_iter().map(|(n, v)| (n.to_string(), String::from_utf8_lossy(&v).into_owned())).collect()
}

fn shown(r: &RequestPart) -> Shown {
    Shown { method: r.method.clone(), target: r.target.clone(), host: r.host() }
}

/// Reads, parses and evaluates one file; `Err` is a one-line message naming the file.
fn explain(path: &str, config: &Config) -> Result<Report, String> {
    let file = if path == "-" { "<stdin>" } else { path };
    let bytes = if path == "-" {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes).map(|_| bytes)
    } else {
        std::fs::read(path)
    };
    let bytes = bytes.map_err(|e| format!("{file}: cannot read: {e}"))?;
    let at_line = |line: usize, message: String| format!("{file}:{line}: {message}");
    let ex = parse_exchange(&bytes).map_err(|e| at_line(e.line, e.message))?;

    let date = header(&ex.response.headers, "date").and_then(|v| parse_date(&String::from_utf8_lossy(v)));
    let received = match (config.received, ex.received, date) {
        (Some(t), _, _) => (t, ReceivedFrom::Flag),
        (None, Some(t), _) => (t, ReceivedFrom::Comment),
        (None, None, Some(t)) => (t, ReceivedFrom::Date),
        (None, None, None) => {
            let message = format!(
                "no time of reception: the response has no valid Date; add `# received: {EXAMPLE_DATE}` or pass --received"
            );
            return Err(at_line(ex.response.line, message));
        }
    };
    let at = match config.at.or(ex.at).unwrap_or(At::After(0)) {
        At::After(secs) => received.0.saturating_add(i64::try_from(secs).unwrap_or(i64::MAX)),
        At::Absolute(t) => t,
    };
    let out_of_range =
        |what: &str| at_line(ex.request.line, format!("the {what} time is out of range (years 1970 to 9999)"));
    let received_time = system_time(received.0).ok_or_else(|| out_of_range("reception"))?;
    let at_time = system_time(at).ok_or_else(|| out_of_range("evaluation"))?;

    let request = Request { method: &ex.request.method, url: &ex.request.target, headers: &ex.request.headers };
    let response = Response { status: ex.response.status, headers: &ex.response.headers };
    let policy = CachePolicy::new(&request, &response, &config.options, received_time).map_err(|e| {
        let line = if e.kind() == ErrorKind::InvalidStatus { ex.response.line } else { ex.request.line };
        at_line(line, format!("the engine refused this exchange: {e}"))
    })?;

    let asked = ex.later.as_ref().unwrap_or(&ex.request);
    let asked_request = Request { method: &asked.method, url: &asked.target, headers: &asked.headers };
    let evaluation = policy.evaluate(&asked_request, at_time);
    Ok(Report {
        file: file.to_string(),
        request: shown(&ex.request),
        status: (ex.response.status, ex.response.reason.clone()),
        shared: config.options.shared,
        heuristic: config.options.cache_heuristic,
        received,
        at,
        not_storable: policy.not_storable_reason(),
        lifetime: (policy.freshness_lifetime().as_secs(), policy.freshness_source()),
        age: policy.age(at_time).as_secs(),
        ttl: policy.time_to_live(at_time).as_secs(),
        stale: policy.is_stale(at_time),
        later: ex.later.as_ref().map(shown),
        decision: evaluation.decision(),
        reason: evaluation.reason(),
        serve: evaluation.response_headers().map(text_headers),
        send: evaluation.revalidation_headers().map(text_headers),
    })
}
