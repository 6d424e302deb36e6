//! Runs the built `cachepolicy` binary on the shipped examples and on temporary files.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

/// The workspace root, where `examples/` lives (the demo runs from there).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cachepolicy"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let out = child.wait_with_output().unwrap();
    let run = Run {
        code: out.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    };
    assert!(!run.stderr.contains("panicked"), "panic: {}", run.stderr);
    run
}

fn run(args: &[&str]) -> Run {
    run_with_stdin(args, b"")
}

/// `explain --json` on one file with extra flags: the file's object.
fn json(file: &str, flags: &[&str]) -> Value {
    let mut args = vec!["explain", "--json"];
    args.extend_from_slice(flags);
    args.push(file);
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("valid JSON");
    assert_eq!(v.as_array().map(Vec::len), Some(1));
    v[0].clone()
}

/// A temporary exchange file, removed on drop.
struct Temp(PathBuf);

impl Temp {
    fn new(text: &str) -> Temp {
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!("cachepolicy-cli-{}-{}.http", std::process::id(), N.fetch_add(1, Ordering::Relaxed));
        let path = std::env::temp_dir().join(name);
        std::fs::write(&path, text).unwrap();
        Temp(path)
    }
    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The value of the first header named `name` in a JSON header list.
fn header<'v>(list: &'v Value, name: &str) -> Option<&'v str> {
    list.as_array()?
        .iter()
        .find(|pair| pair[0].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)))
        .and_then(|pair| pair[1].as_str())
}

fn examples() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".http"))
        .map(|n| format!("examples/{n}"))
        .collect();
    files.sort();
    files
}

const SIMPLE: &str = "GET /p HTTP/1.1\nHost: example.com\n\nHTTP/1.1 200 OK\n\
                      Date: Tue, 14 Nov 2023 22:13:20 GMT\nCache-Control: max-age=100\nETag: \"v1\"\n";

// ---- the shipped examples ----

#[test]
fn demo_command_explains_every_example_in_one_block_each() {
    let files = examples();
    assert!((5..=6).contains(&files.len()), "{files:?}");
    let mut args = vec!["explain"];
    args.extend(files.iter().map(String::as_str));
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "");
    for f in &files {
        assert_eq!(r.stdout.matches(&format!("== {f} ==\n")).count(), 1, "{f}");
    }
    assert_eq!(r.stdout.matches("\n  decision    ").count(), files.len());
    assert_eq!(r.stdout.split("\n\n").count(), files.len(), "blocks separated by one blank line");
}

#[test]
fn every_example_gives_valid_json_with_the_documented_fields() {
    let files = examples();
    let mut args = vec!["explain", "--json"];
    args.extend(files.iter().map(String::as_str));
    let r = run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let objects = v.as_array().unwrap();
    assert_eq!(objects.len(), files.len());
    for (o, f) in objects.iter().zip(&files) {
        assert_eq!(o["file"], f.as_str());
        for key in ["request", "status", "storable", "freshness_lifetime", "freshness_source", "age", "time_to_live"] {
            assert!(!o[key].is_null(), "{f}: {key}");
        }
        assert!(o["decision"].is_string(), "{f}");
    }
}

#[test]
fn cdn_script_is_served_stale_while_revalidating_with_validators() {
    let v = json("examples/1-cdn-script.http", &[]);
    assert_eq!(v["storable"], true);
    assert_eq!((v["freshness_lifetime"].as_u64(), v["freshness_source"].as_str()), (Some(600), Some("max-age")));
    assert_eq!((v["age"].as_u64(), v["time_to_live"].as_u64(), v["stale"].as_bool()), (Some(630), Some(0), Some(true)));
    assert_eq!(v["decision"], "stale_while_revalidate");
    assert_eq!(v["reason"]["code"], "stale_while_revalidate");
    let served = &v["response_headers"];
    assert_eq!(header(served, "age"), Some("630"));
    assert_eq!(header(served, "connection"), None, "hop-by-hop fields are not served");
    assert_eq!(header(served, "keep-alive"), None);
    let sent = &v["request_headers"];
    assert_eq!(header(sent, "if-none-match"), Some("\"3f9a1c-bc55\""));
    assert_eq!(header(sent, "if-modified-since"), Some("Wed, 30 Oct 2024 09:12:44 GMT"));
    // Before the window: fresh; after it: revalidate.
    assert_eq!(json("examples/1-cdn-script.http", &["--at", "+599"])["decision"], "fresh");
    let late = json("examples/1-cdn-script.http", &["--at", "+11m"]);
    assert_eq!((late["decision"].as_str(), late["reason"]["code"].as_str()), (Some("revalidate"), Some("stale")));
}

#[test]
fn cdn_script_vary_accept_encoding_rejects_another_encoding() {
    let text = std::fs::read_to_string(root().join("examples/1-cdn-script.http")).unwrap();
    let later = "\nGET /assets/app.js HTTP/1.1\nHost: cdn.shop.example\nAccept-Encoding: identity\n";
    let t = Temp::new(&(text.clone() + later));
    let v = json(t.path(), &["--at", "+0"]);
    assert_eq!((v["decision"].as_str(), v["reason"]["code"].as_str()), (Some("no_match"), Some("vary_mismatch")));
    let same = "\nGET /assets/app.js HTTP/1.1\nHost: cdn.shop.example\nAccept-Encoding: gzip, deflate, br\n";
    let t = Temp::new(&(text + same));
    assert_eq!(json(t.path(), &["--at", "+0"])["decision"], "fresh");
}

#[test]
fn private_page_is_not_stored_by_a_shared_cache_but_is_by_a_private_one() {
    let v = json("examples/2-private-account-page.http", &[]);
    assert_eq!(v["storable"], false);
    assert_eq!(v["not_storable_reason"]["code"], "private_in_shared_cache");
    assert_eq!((v["decision"].as_str(), v["reason"]["code"].as_str()), (Some("no_match"), Some("not_storable")));
    assert!(v["response_headers"].is_null());
    assert_eq!(header(&v["request_headers"], "cookie"), Some("session=8c1f0e2a9b7d4c36"));

    let private = json("examples/2-private-account-page.http", &["--private"]);
    assert_eq!((private["storable"].as_bool(), private["shared"].as_bool()), (Some(true), Some(false)));
    assert_eq!(private["decision"], "fresh");
    assert!(private["reason"].is_null());

    let human = run(&["explain", "examples/2-private-account-page.http"]).stdout;
    assert!(human.contains("  storable    NO, in a shared cache\n"), "{human}");
    assert!(human.contains("[private_in_shared_cache]"), "{human}");
    assert!(human.contains("  decision    NO MATCH: "), "{human}");
}

#[test]
fn api_no_cache_response_is_revalidated_with_if_none_match() {
    let v = json("examples/3-api-etag-no-cache.http", &[]);
    assert_eq!(v["storable"], true);
    assert_eq!(v["later_request"]["target"], "/v1/orders/1842");
    assert_eq!((v["decision"].as_str(), v["reason"]["code"].as_str()), (Some("revalidate"), Some("response_no_cache")));
    assert!(v["response_headers"].is_null());
    let sent = &v["request_headers"];
    assert_eq!(header(sent, "if-none-match"), Some("\"o1842-v7\""));
    assert_eq!(header(sent, "user-agent"), Some("shop-mobile/4.12 (Android 14)"), "the later request's fields");
}

#[test]
fn api_example_human_output_is_stable() {
    let r = run(&["explain", "examples/3-api-etag-no-cache.http"]);
    let expected = "\
== examples/3-api-etag-no-cache.http ==
  request     GET /v1/orders/1842  (host api.shop.example)
  response    200 OK, received Tue, 21 Jan 2025 16:20:05 GMT (its Date)
  storable    yes, in a shared cache
  freshness   0 s, none: no freshness information
  at          +120 s (2m) = Tue, 21 Jan 2025 16:22:05 GMT
  age         120 s (2m)
  ttl         0 s: stale by 120 s (2m)
  asking      the later request: GET /v1/orders/1842  (host api.shop.example)
  decision    REVALIDATE: send a conditional request; serve the stored response if the origin answers 304
  why         revalidate: the response said no-cache (RFC 9111 §5.2.2.4)  [response_no_cache]
  send to the origin:
      Host: api.shop.example
      Accept: application/json
      User-Agent: shop-mobile/4.12 (Android 14)
      if-none-match: \"o1842-v7\"
";
    assert_eq!(r.stdout, expected);
}

#[test]
fn heuristic_image_is_fresh_for_a_tenth_of_its_age() {
    let v = json("examples/4-heuristic-image.http", &[]);
    assert_eq!((v["freshness_lifetime"].as_u64(), v["freshness_source"].as_str()), (Some(86_400), Some("heuristic")));
    assert_eq!((v["age"].as_u64(), v["time_to_live"].as_u64()), (Some(21_600), Some(64_800)));
    assert_eq!(v["decision"], "fresh");
    assert_eq!(header(&v["response_headers"], "age"), Some("21600"));

    let small = json("examples/4-heuristic-image.http", &["--heuristic", "0.01"]);
    assert_eq!(small["freshness_lifetime"], 8640);
    assert_eq!((small["decision"].as_str(), small["reason"]["code"].as_str()), (Some("revalidate"), Some("stale")));
    assert_eq!(header(&small["request_headers"], "if-modified-since"), Some("Fri, 31 May 2024 08:00:00 GMT"));
    let human = run(&["explain", "examples/4-heuristic-image.http"]).stdout;
    assert!(human.contains("heuristic: 10% of Date minus Last-Modified"), "{human}");
}

#[test]
fn stale_response_is_served_within_max_stale_only() {
    let v = json("examples/5-stale-max-stale.http", &[]);
    assert_eq!(v["stale"], true);
    assert_eq!((v["decision"].as_str(), v["reason"]["code"].as_str()), (Some("stale"), Some("max_stale")));
    assert_eq!(header(&v["response_headers"], "age"), Some("150"));
    assert!(v["request_headers"].is_null(), "the origin is not contacted");
    // 340 s stale: beyond max-stale=300.
    let late = json("examples/5-stale-max-stale.http", &["--at", "+400"]);
    assert_eq!((late["decision"].as_str(), late["reason"]["code"].as_str()), (Some("revalidate"), Some("stale")));
    // --at overrides `# at:`.
    assert_eq!(json("examples/5-stale-max-stale.http", &["--at", "+10"])["decision"], "fresh");
}

#[test]
fn curl_verbose_example_uses_s_maxage_and_the_upstream_age() {
    let v = json("examples/6-curl-verbose.http", &[]);
    assert_eq!((v["status"].as_u64(), v["request"]["host"].as_str()), (Some(200), Some("docs.example.org")));
    assert_eq!((v["freshness_lifetime"].as_u64(), v["freshness_source"].as_str()), (Some(3600), Some("s-maxage")));
    assert_eq!((v["age"].as_u64(), v["time_to_live"].as_u64()), (Some(3000), Some(600)));
    assert_eq!(v["decision"], "fresh");
    let served = &v["response_headers"];
    assert_eq!(header(served, "age"), Some("3000"));
    assert_eq!(header(served, "x-cache"), Some("HIT"));
    assert_eq!(served.as_array().unwrap().len(), 10, "headers only, no body or curl notes");
    // A private cache ignores s-maxage: max-age=300 is long past.
    let private = json("examples/6-curl-verbose.http", &["--private"]);
    assert_eq!(private["freshness_source"], "max-age");
    assert_eq!(private["decision"], "revalidate");
    assert_eq!(header(&private["request_headers"], "if-none-match"), Some("\"678f62a5-4737\""));
}

// ---- temporary files: formats, times, options ----

#[test]
fn received_comment_and_absolute_at_are_read() {
    let t =
        Temp::new(&format!("# received: Tue, 14 Nov 2023 22:14:00 GMT\n# at: Tue, 14 Nov 2023 22:15:00 GMT\n{SIMPLE}"));
    let v = json(t.path(), &[]);
    assert_eq!((v["received_unix"].as_i64(), v["received_from"].as_str()), (Some(1_700_000_040), Some("comment")));
    assert_eq!(v["at_unix"], 1_700_000_100);
    // Received 40 s after its Date: apparent age 40, plus 60 s resident.
    assert_eq!(v["age"], 100);
    assert_eq!((v["decision"].as_str(), v["reason"]["code"].as_str()), (Some("revalidate"), Some("stale")));
    // --no-trust-date: the age counts from reception only.
    let untrusted = json(t.path(), &["--no-trust-date"]);
    assert_eq!((untrusted["age"].as_u64(), untrusted["decision"].as_str()), (Some(60), Some("fresh")));
    // --received overrides the comment.
    let flagged = json(t.path(), &["--received=Tue, 14 Nov 2023 22:13:20 GMT", "--at", "+5"]);
    assert_eq!((flagged["received_from"].as_str(), flagged["age"].as_u64()), (Some("flag"), Some(5)));
}

#[test]
fn only_if_cached_on_a_stale_response_gets_504() {
    let t = Temp::new(&format!(
        "# at: +500\n{SIMPLE}\nGET /p HTTP/1.1\nHost: example.com\nCache-Control: only-if-cached\n"
    ));
    let v = json(t.path(), &[]);
    assert_eq!(
        (v["decision"].as_str(), v["reason"]["code"].as_str()),
        (Some("gateway_timeout"), Some("only_if_cached"))
    );
    assert!(v["response_headers"].is_null() && v["request_headers"].is_null());
    let human = run(&["explain", t.path()]).stdout;
    assert!(human.contains("  decision    504: "), "{human}");
}

#[test]
fn later_request_for_another_url_does_not_match() {
    let t = Temp::new(&format!("{SIMPLE}\nGET /other HTTP/1.1\nHost: example.com\n"));
    let v = json(t.path(), &[]);
    assert_eq!((v["decision"].as_str(), v["reason"]["code"].as_str()), (Some("no_match"), Some("url_mismatch")));
    assert_eq!(header(&v["request_headers"], "if-none-match"), None, "no validators for another resource");
}

#[test]
fn ignore_cargo_cult_drops_no_store_with_pre_and_post_check() {
    let t = Temp::new(
        "GET /p HTTP/1.1\nHost: h\n\nHTTP/1.1 200 OK\nDate: Tue, 14 Nov 2023 22:13:20 GMT\n\
         Cache-Control: no-store, no-cache, must-revalidate, post-check=0, pre-check=0, max-age=60\n",
    );
    assert_eq!(json(t.path(), &[])["not_storable_reason"]["code"], "response_no_store");
    let v = json(t.path(), &["--ignore-cargo-cult"]);
    assert_eq!((v["storable"].as_bool(), v["decision"].as_str()), (Some(true), Some("fresh")));
}

#[test]
fn crlf_bodies_folded_headers_and_stdin_are_accepted() {
    let text = "GET /p HTTP/1.1\r\nHost: example.com\r\n\r\nHTTP/1.1 200 OK\r\nDate: Tue, 14 Nov 2023 22:13:20 GMT\r\n\
                Cache-Control: max-age=100,\r\n  must-revalidate\r\n\r\n<html>\r\nbody\r\n";
    let r = run_with_stdin(&["explain", "--json", "-"], text.as_bytes());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v[0]["file"], "<stdin>");
    assert_eq!(header(&v[0]["response_headers"], "cache-control"), Some("max-age=100, must-revalidate"));
}

#[test]
fn json_escapes_quotes_backslashes_and_control_characters() {
    let t = Temp::new(&format!("{SIMPLE}X-Odd: say \"hi\\\" \u{1}\u{7f} é\n"));
    let v = json(t.path(), &[]);
    assert_eq!(header(&v["response_headers"], "x-odd"), Some("say \"hi\\\" \u{1}\u{7f} é"));
    let human = run(&["explain", t.path()]).stdout;
    assert!(human.contains("X-Odd: say \"hi\\\" \\u{1}\\u{7f} é\n"), "control characters escaped: {human}");
}

// ---- errors: exit 2 and one clear line ----

fn fails(args: &[&str], expected: &[&str]) {
    let r = run(args);
    assert_eq!(r.code, 2, "{args:?}: {}", r.stdout);
    assert_eq!(r.stderr.lines().count(), 1, "one line: {}", r.stderr);
    for e in expected {
        assert!(r.stderr.contains(e), "{args:?}: `{}` lacks `{e}`", r.stderr);
    }
}

#[test]
fn missing_file_names_the_file() {
    fails(&["explain", "no/such/file.http"], &["no/such/file.http", "cannot read"]);
}

#[test]
fn malformed_status_line_names_the_file_and_line() {
    let t = Temp::new("GET / HTTP/1.1\nHost: h\n\nHTTP/1.1 OK\n");
    fails(&["explain", t.path()], &[&format!("{}:4:", t.path()), "malformed status line `HTTP/1.1 OK`"]);
}

#[test]
fn other_parse_errors_name_the_line() {
    let cases = [
        ("", ":1:", "no request"),
        ("hello world\n", ":1:", "expected a request line"),
        ("GET / HTTP/1.1\nHost h\n\nHTTP/1.1 200 OK\n", ":2:", "expected a header line"),
        ("GET / HTTP/1.1\nHost: h\n", ":3:", "no response"),
        ("GET / HTTP/1.1\n\nHTTP/1.1 200 OK\nBad Name: x\n", ":4:", "invalid header name"),
        ("# at: tomorrow\nGET / HTTP/1.1\n\nHTTP/1.1 200 OK\n", ":1:", "`# at:`"),
        ("GET / HTTP/1.1\n\nHTTP/1.1 200 OK\nCache-Control: max-age=1\n", ":3:", "no time of reception"),
        ("GET /\u{1} HTTP/1.1\n\nHTTP/1.1 200 OK\nDate: Tue, 14 Nov 2023 22:13:20 GMT\n", ":1:", "invalid url"),
    ];
    for (text, line, message) in cases {
        let t = Temp::new(text);
        fails(&["explain", t.path()], &[&format!("{}{line}", t.path()), message]);
    }
}

#[test]
fn usage_errors() {
    fails(&["explain", "--bogus", "x.http"], &["unknown option `--bogus`", "--help"]);
    fails(&[], &["missing command"]);
    fails(&["frobnicate"], &["unknown command `frobnicate`"]);
    fails(&["explain"], &["at least one FILE"]);
    fails(&["explain", "--heuristic", "-0.5", "x"], &["--heuristic"]);
    fails(&["explain", "--heuristic", "lots", "x"], &["--heuristic needs a number"]);
    fails(&["explain", "--at", "+3 weeks", "x"], &["--at needs"]);
    fails(&["explain", "x", "--at"], &["--at needs a value"]);
    fails(&["explain", "--received", "yesterday", "x"], &["--received needs an HTTP-date"]);
    fails(&["explain", "--json=yes", "x"], &["--json takes no value"]);
}

#[test]
fn a_bad_file_does_not_stop_the_others() {
    let r = run(&["explain", "missing.http", "examples/4-heuristic-image.http"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("missing.http"));
    assert!(r.stdout.contains("== examples/4-heuristic-image.http =="));
}

#[test]
fn out_of_range_times_are_errors_not_panics() {
    let t = Temp::new(SIMPLE);
    fails(&["explain", "--at", "+9999999999999d", t.path()], &["out of range"]);
    fails(&["explain", "--at", "Thu, 01 Jan 1960 00:00:00 GMT", t.path()], &["out of range"]);
}

#[test]
fn odd_inputs_never_panic() {
    let inputs: [&[u8]; 8] = [
        b"\xff\xfe\x00\x01",
        b"GET / HTTP/1.1\n\nHTTP/1.1 200 OK\nDate: \xff\n",
        b">\n<\n",
        b"> GET / HTTP/1.1\n< HTTP/1.1 200 OK\n< Date: Tue, 14 Nov 2023 22:13:20 GMT\n> GET / HTTP/1.1\n",
        b"GET / HTTP/1.1\n\nHTTP/1.1 999 Weird\nDate: Tue, 14 Nov 2023 22:13:20 GMT\nAge: 99999999999999\n",
        b"GET / HTTP/1.1\n\nHTTP/1.1 200 OK\nDate: Tue, 14 Nov 2023 22:13:20 GMT\nCache-Control: max-age=99999999999999\n",
        b"\n\n\n   \n",
        b"  leading: continuation\nGET / HTTP/1.1\n",
    ];
    for input in inputs {
        let r = run_with_stdin(&["explain", "-"], input);
        assert!(r.code == 0 || r.code == 2, "{input:?}");
        let r = run_with_stdin(&["explain", "--json", "-"], input);
        assert!(serde_json::from_str::<Value>(&r.stdout).is_ok(), "{input:?}: {}", r.stdout);
    }
}

#[test]
fn help_and_version() {
    let r = run(&["--help"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("cachepolicy explain [OPTIONS] FILE...") && r.stdout.contains("--heuristic"));
    assert_eq!(run(&["explain", "--help"]).stdout, r.stdout);
    let r = run(&["--version"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, format!("cachepolicy {}\n", env!("CARGO_PKG_VERSION")).as_str()));
}
