//! Configuration: what the command line sets, with sane defaults.

use std::net::SocketAddr;
use std::time::Duration;

use cachepolicy::Options;

/// How the proxy runs. Build one with [`Config::new`] and adjust the public fields, or parse
/// a command line with [`Config::from_args`].
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen (used by the binary; [`crate::run`] takes a bound listener).
    pub listen: SocketAddr,
    /// The origin's authority, `host:port` (from `--origin http://host:port`).
    pub origin: String,
    /// The engine profile's name: `shared` (default), `accelerator` or `private`.
    pub profile: String,
    /// The engine options (from the profile, then `targeted_fields`).
    pub options: Options,
    /// Upper bound of the store: header and body bytes of every stored response.
    pub max_bytes: usize,
    /// Responses with larger bodies are streamed through but not stored (default: an
    /// eighth of `max_bytes`).
    pub max_object_bytes: usize,
    /// The name this cache gives itself in `Cache-Status` and `Via`.
    pub cache_name: String,
    /// Time allowed to connect to the origin.
    pub connect_timeout: Duration,
    /// Time allowed for the origin's response head, and between two pieces of its body.
    pub response_timeout: Duration,
    /// Time a client may take to send a request head (and the idle time of a kept-alive
    /// connection), and between two pieces of a request body.
    pub client_timeout: Duration,
    /// Client connections served at once; further ones wait to be accepted.
    pub max_connections: usize,
    /// Largest request head accepted from a client.
    pub max_header_bytes: usize,
    /// Write one log line per request to stderr.
    pub log: bool,
    /// Event loops (threads) for [`crate::run_per_core`]; `None`: one per core.
    pub threads: Option<usize>,
}

impl Config {
    /// Defaults for a proxy in front of `origin` (`host:port`): shared profile, 64 MiB store,
    /// 10 s timeouts, CDN-Cache-Control obeyed (RFC 9213).
    pub fn new(origin: impl Into<String>) -> Config {
        let max_bytes = 64 << 20;
        let mut options = Options::profile("shared").expect("the shared profile exists");
        options.targeted_fields = vec!["cdn-cache-control".to_string()];
        Config {
            listen: "127.0.0.1:8001".parse().expect("a valid address"),
            origin: origin.into(),
            profile: "shared".to_string(),
            options,
            max_bytes,
            max_object_bytes: max_bytes / 8,
            cache_name: "cachepolicy-proxy".to_string(),
            connect_timeout: Duration::from_secs(10),
            response_timeout: Duration::from_secs(10),
            client_timeout: Duration::from_secs(30),
            max_connections: 4096,
            max_header_bytes: 64 << 10,
            log: true,
            threads: None,
        }
    }

    /// Parses the command line (without the program name). `Ok(None)` after `--help`.
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Result<Option<Config>, String> {
        let mut args = args.into_iter();
        let mut listen = None;
        let mut origin = None;
        let mut profile = "shared".to_string();
        let mut max_bytes: Option<usize> = None;
        let mut max_object_bytes: Option<usize> = None;
        let mut cache_name = None;
        let mut targeted: Option<Vec<String>> = None;
        let mut connect_timeout = None;
        let mut response_timeout = None;
        let mut client_timeout = None;
        let mut max_connections = None;
        let mut log = true;
        let mut threads = None;
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
                _ => (arg.clone(), None),
            };
            let mut value = |name: &str| -> Result<String, String> {
                inline.clone().or_else(|| args.next()).ok_or_else(|| format!("{name} needs a value"))
            };
            match flag.as_str() {
                "-h" | "--help" => return Ok(None),
                "--listen" => listen = Some(value("--listen")?.parse::<SocketAddr>().map_err(|e| format!("--listen: {e}"))?),
                "--origin" => origin = Some(parse_origin(&value("--origin")?)?),
                "--profile" => profile = value("--profile")?,
                "--max-bytes" => max_bytes = Some(parse_size(&value("--max-bytes")?)?),
                "--max-object-bytes" => max_object_bytes = Some(parse_size(&value("--max-object-bytes")?)?),
                "--cache-name" => cache_name = Some(value("--cache-name")?),
                "--targeted-fields" => {
                    targeted = Some(value("--targeted-fields")?.split(',').map(|s| s.trim().to_ascii_lowercase()).filter(|s| !s.is_empty()).collect())
                }
                "--connect-timeout" => connect_timeout = Some(parse_duration(&value("--connect-timeout")?)?),
                "--response-timeout" => response_timeout = Some(parse_duration(&value("--response-timeout")?)?),
                "--client-timeout" => client_timeout = Some(parse_duration(&value("--client-timeout")?)?),
                "--max-connections" => {
                    max_connections = Some(value("--max-connections")?.parse::<usize>().map_err(|e| format!("--max-connections: {e}"))?)
                }
                "--threads" => threads = Some(value("--threads")?.parse::<usize>().map_err(|e| format!("--threads: {e}"))?.max(1)),
                "--quiet" => log = false,
                other => return Err(format!("unknown argument {other:?} (see --help)")),
            }
        }
        let origin = origin.ok_or("--origin is required")?;
        let mut config = Config::new(origin);
        let mut options = Options::profile(&profile).map_err(|e| format!("--profile: {}", e.message()))?;
        options.targeted_fields = targeted.unwrap_or_else(|| config.options.targeted_fields.clone());
        options.validate().map_err(|e| format!("--targeted-fields: {}", e.message()))?;
        config.options = options;
        config.profile = profile;
        if let Some(l) = listen {
            config.listen = l;
        }
        if let Some(m) = max_bytes {
            config.max_bytes = m;
            config.max_object_bytes = m / 8;
        }
        if let Some(m) = max_object_bytes {
            config.max_object_bytes = m;
        }
        if let Some(n) = cache_name {
            if n.is_empty() || n.bytes().any(|b| b.is_ascii_control()) {
                return Err("--cache-name must be non-empty printable text".to_string());
            }
            config.cache_name = n;
        }
        if let Some(t) = connect_timeout {
            config.connect_timeout = t;
        }
        if let Some(t) = response_timeout {
            config.response_timeout = t;
        }
        if let Some(t) = client_timeout {
            config.client_timeout = t;
        }
        if let Some(n) = max_connections {
            config.max_connections = n.max(1);
        }
        config.log = log;
        config.threads = threads;
        Ok(Some(config))
    }
}

/// The usage text.
pub const USAGE: &str = "\
cachepolicy-proxy: an HTTP/1.1 caching reverse proxy driven by the cachepolicy engine

USAGE:
    cachepolicy-proxy --origin http://HOST:PORT [OPTIONS]

OPTIONS:
    --listen ADDR             address to listen on (default 127.0.0.1:8001)
    --origin URL              the origin server, http://host:port (required)
    --profile NAME            shared (default), accelerator or private
    --max-bytes N             store bound in bytes, headers and bodies (default 64M; K, M, G suffixes)
    --max-object-bytes N      largest body stored (default max-bytes / 8)
    --cache-name NAME         name in Cache-Status and Via (default cachepolicy-proxy)
    --targeted-fields LIST    targeted Cache-Control fields obeyed, RFC 9213 (default cdn-cache-control; '' for none)
    --connect-timeout DUR     origin connect timeout (default 10s; ms, s suffixes)
    --response-timeout DUR    origin response head / body idle timeout (default 10s)
    --client-timeout DUR      client request head / idle keep-alive timeout (default 30s)
    --max-connections N       client connections served at once (default 4096)
    --threads N               event loops, one per core by default
    --quiet                   no per-request log lines
    -h, --help                this text
";

fn parse_origin(s: &str) -> Result<String, String> {
    let rest = s.strip_prefix("http://").ok_or_else(|| format!("--origin must be an http:// URL, got {s:?}"))?;
    let authority = rest.trim_end_matches('/');
    if authority.is_empty() || authority.contains('/') || authority.contains('@') {
        return Err(format!("--origin must be http://host:port (no path), got {s:?}"));
    }
    if authority.parse::<http::uri::Authority>().is_err() {
        return Err(format!("--origin: invalid authority {authority:?}"));
    }
    Ok(authority.to_string())
}

fn parse_size(s: &str) -> Result<usize, String> {
    let s = s.trim();
    let (digits, mult) = match s.char_indices().last() {
        Some((i, 'k' | 'K')) => (&s[..i], 1usize << 10),
        Some((i, 'm' | 'M')) => (&s[..i], 1 << 20),
        Some((i, 'g' | 'G')) => (&s[..i], 1 << 30),
        _ => (s, 1),
    };
    digits.parse::<usize>().ok().and_then(|n| n.checked_mul(mult)).ok_or_else(|| format!("invalid size {s:?}"))
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let bad = || format!("invalid duration {s:?} (e.g. 500ms, 10s)");
    if let Some(ms) = s.strip_suffix("ms") {
        return ms.parse::<u64>().map(Duration::from_millis).map_err(|_| bad());
    }
    let secs = s.strip_suffix('s').unwrap_or(s);
    secs.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0).map(Duration::from_secs_f64).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn parses_the_documented_flags() {
        let c = Config::from_args(args("--listen 127.0.0.1:9 --origin http://127.0.0.1:8000 --profile accelerator --max-bytes 1M --cache-name edge --connect-timeout 250ms --response-timeout 2s --quiet"))
            .unwrap()
            .unwrap();
        assert_eq!(c.origin, "127.0.0.1:8000");
        assert_eq!(c.max_bytes, 1 << 20);
        assert_eq!(c.max_object_bytes, 1 << 17);
        assert_eq!(c.cache_name, "edge");
        assert!(c.options.store_authenticated);
        assert_eq!(c.options.targeted_fields, ["cdn-cache-control"]);
        assert_eq!(c.connect_timeout, Duration::from_millis(250));
        assert_eq!(c.response_timeout, Duration::from_secs(2));
        assert!(!c.log);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(Config::from_args(args("--origin https://x")).is_err());
        assert!(Config::from_args(args("--origin http://x/path")).is_err());
        assert!(Config::from_args(args("--origin http://x:1 --profile nope")).is_err());
        assert!(Config::from_args(args("--listen 1.2.3.4:5")).is_err());
        assert!(Config::from_args(args("--origin http://x:1 --bogus")).is_err());
        assert!(Config::from_args(args("--help")).unwrap().is_none());
        let c = Config::from_args(args("--origin=http://x:1 --targeted-fields=")).unwrap().unwrap();
        assert!(c.options.targeted_fields.is_empty());
    }
}
