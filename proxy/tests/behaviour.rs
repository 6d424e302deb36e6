//! End-to-end behaviour: a scripted origin, the proxy in front of it, a client. Each test
//! names the requirement it checks.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;

const NAME: &str = "cachepolicy-proxy";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_hit_is_served_from_the_store_with_a_correct_age() {
    let date = http_date(0);
    let origin = Origin::start(move |_, n| ok(&[("cache-control", "max-age=3600"), ("date", &date), ("age", "30"), ("etag", "\"v1\"")], &format!("body {n}"))).await;
    let (proxy, _) = start_proxy(&origin, |_| {}).await;

    let first = get(proxy, "/fresh").await;
    assert_eq!((first.status, first.text().as_str()), (200, "body 1"));
    assert_eq!(first.cache_status(), format!("{NAME}; fwd=uri-miss; fwd-status=200; stored"));
    assert_eq!(first.header("age"), Some("30"), "a forwarded response keeps the origin's Age");

    let second = get(proxy, "/fresh").await;
    assert_eq!((second.status, second.text().as_str()), (200, "body 1"));
    assert_eq!(origin.count(), 1, "the hit did not reach the origin");
    assert!((30..=32).contains(&second.age()), "Age counts the origin's Age plus the time since: {}", second.age());
    assert!(second.cache_status().starts_with(&format!("{NAME}; hit; ttl=")), "{}", second.cache_status());
    assert_eq!(second.header("etag"), Some("\"v1\""));
    assert_eq!(second.header("content-length"), Some("6"));

    let head = send(proxy, "HEAD", "/fresh", &[]).await;
    assert_eq!((head.status, head.header("content-length")), (200, Some("6")));
    assert!(head.body.is_empty());
    assert_eq!(origin.count(), 1, "a stored GET response answers HEAD");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwards_every_method_and_end_to_end_header_and_keeps_response_lines() {
    let origin = Origin::start(|req, _| {
        let body = format!("{} {} {}", req.method, req.path, String::from_utf8_lossy(&req.body));
        ok(
            &[
                ("x-first", "1"),
                ("set-cookie", "a=1"),
                ("x-second", "2"),
                ("set-cookie", "b=2"),
                ("connection", "x-hop"),
                ("x-hop", "dropped"),
                ("keep-alive", "timeout=5"),
                ("cache-control", "no-store"),
            ],
            &body,
        )
    })
    .await;
    let (proxy, _) = start_proxy(&origin, |_| {}).await;

    let mut c = Client::connect(proxy).await;
    let r = c
        .request("M-SEARCH", "/x?q=1", &[("x-custom", "a"), ("x-custom", "b"), ("connection", "keep-alive, x-secret"), ("x-secret", "s"), ("te", "trailers")], Some(b"payload"))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "M-SEARCH /x?q=1 payload");
    let seen = origin.last();
    assert_eq!(seen.headers.iter().filter(|(n, _)| n == "x-custom").map(|(_, v)| v.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(seen.header("host"), Some("test.example"), "Host is forwarded");
    assert!(seen.header("x-secret").is_none() && seen.header("te").is_none(), "hop-by-hop fields are not forwarded");
    assert_eq!(seen.header("via"), Some("1.1 cachepolicy-proxy"));
    // Response lines: order and duplicates kept, hop-by-hop ones gone.
    let names: Vec<&str> = r.headers.iter().map(|(n, _)| n.as_str()).filter(|n| n.starts_with("x-") || *n == "set-cookie").collect();
    assert_eq!(names, ["x-first", "set-cookie", "set-cookie", "x-second"]);
    assert_eq!(r.all("set-cookie"), ["a=1", "b=2"]);
    assert!(r.header("x-hop").is_none() && r.header("keep-alive").is_none());
    assert!(r.header("date").is_some(), "a Date is added to a response that had none");
    assert!(r.cache_status().contains("fwd=method"), "{}", r.cache_status());

    // Same connection, more methods: a chunked PUT and an OPTIONS.
    c.send_raw(b"PUT /put HTTP/1.1\r\nhost: test.example\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n").await;
    let r = c.read_response(false).await;
    assert_eq!(r.text(), "PUT /put abcde");
    let r = c.request("OPTIONS", "/opt", &[], None).await;
    assert_eq!(r.text(), "OPTIONS /opt ");
}

/// RFC 9111 §3: a response is stored by the time its client has the whole body, so the
/// client's next request is a hit (checked over many sequential pairs: a race shows up).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_is_stored_before_its_client_sees_the_end_of_the_body() {
    let origin = Origin::start(|req, _| ok(&[("cache-control", "max-age=60")], &req.path.repeat(50))).await;
    let (proxy, _) = start_proxy(&origin, |_| {}).await;
    let mut client = Client::connect(proxy).await;
    for i in 0..300 {
        let path = format!("/pair/{i}");
        assert_eq!(client.request("GET", &path, &[], None).await.text(), path.repeat(50));
        let again = client.request("GET", &path, &[], None).await;
        assert!(again.cache_status().contains("; hit"), "{path}: {}", again.cache_status());
    }
    assert_eq!(origin.count(), 300);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keeps_several_vary_variants_per_url() {
    let origin = Origin::start(|req, n| {
        let lang = req.header("accept-language").unwrap_or("none").to_string();
        ok(&[("cache-control", "max-age=3600"), ("vary", "Accept-Language")], &format!("{lang} {n}"))
    })
    .await;
    let (proxy, stats) = start_proxy(&origin, |_| {}).await;

    assert_eq!(get_with(proxy, "/v", &[("accept-language", "en")]).await.text(), "en 1");
    let de = get_with(proxy, "/v", &[("accept-language", "de")]).await;
    assert_eq!(de.text(), "de 2");
    assert!(de.cache_status().contains("fwd=vary-miss"), "{}", de.cache_status());
    assert_eq!(get(proxy, "/v").await.text(), "none 3");
    for _ in 0..2 {
        assert_eq!(get_with(proxy, "/v", &[("accept-language", "en")]).await.text(), "en 1");
        assert_eq!(get_with(proxy, "/v", &[("accept-language", "de")]).await.text(), "de 2");
        assert_eq!(get(proxy, "/v").await.text(), "none 3");
    }
    assert_eq!(origin.count(), 3);
    assert_eq!(stats.stats().responses, 3);
    assert_eq!(stats.stats().keys, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revalidates_stale_responses_and_merges_the_304() {
    let origin = Origin::start(|req, n| match n {
        1 => ok(&[("cache-control", "max-age=0"), ("etag", "\"v1\""), ("x-version", "1"), ("content-type", "text/plain")], "the body"),
        _ => {
            assert_eq!(req.header("if-none-match"), Some("\"v1\""), "the conditional request carries the stored ETag");
            respond(304, &[("cache-control", "max-age=3600"), ("etag", "\"v1\""), ("x-version", "2")], "")
        }
    })
    .await;
    let (proxy, _) = start_proxy(&origin, |_| {}).await;

    assert_eq!(get(proxy, "/r").await.text(), "the body");
    let revalidated = get(proxy, "/r").await;
    assert_eq!((revalidated.status, revalidated.text().as_str()), (200, "the body"));
    assert_eq!(revalidated.header("x-version"), Some("2"), "the 304's fields update the stored response");
    assert_eq!(revalidated.header("content-type"), Some("text/plain"), "fields the 304 lacks are kept");
    // ttl is the remaining freshness before revalidation, rounded down: stale by a few ms.
    assert_eq!(revalidated.cache_status(), format!("{NAME}; fwd=stale; fwd-status=304; ttl=-1; stored"));
    let hit = get(proxy, "/r").await;
    assert_eq!((hit.text().as_str(), hit.header("x-version")), ("the body", Some("2")));
    assert!(hit.cache_status().contains("; hit;"));
    assert_eq!(origin.count(), 2);

    // The client's own validators are answered from the stored response.
    let cond = get_with(proxy, "/r", &[("if-none-match", "\"v1\"")]).await;
    assert_eq!((cond.status, cond.header("etag")), (304, Some("\"v1\"")));
    assert_eq!(origin.count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_304_without_validators_answers_the_one_validator_sent() {
    // Node's http server, among others, sends 304 without ETag or Last-Modified.
    let origin = Origin::start(|req, n| match (req.path.as_str(), n) {
        (_, 1) | (_, 3) => ok(&[("cache-control", "max-age=0, must-revalidate"), ("etag", "\"n1\""), ("x-n", &n.to_string())], "etag body"),
        _ if req.header("if-none-match").is_some() => respond(304, &[("cache-control", "max-age=0, must-revalidate"), ("x-n", &n.to_string())], ""),
        _ => respond(999, &[], "not conditional"),
    })
    .await;
    let (proxy, _) = start_proxy(&origin, |_| {}).await;
    assert_eq!(get(proxy, "/n").await.text(), "etag body");
    let r = get(proxy, "/n").await;
    assert_eq!((r.status, r.text().as_str(), r.header("x-n")), (200, "etag body", Some("2")));
    assert_eq!(origin.count(), 2, "no unconditional repeat");
    // With the client's own validator in the request, a bare 304 is the client's answer.
    get(proxy, "/m").await;
    let r = get_with(proxy, "/m", &[("if-none-match", "\"mine\"")]).await;
    assert_eq!(r.status, 304);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_resource_replaces_the_stored_response() {
    let origin = Origin::start(|_, n| match n {
        1 => ok(&[("cache-control", "max-age=0"), ("last-modified", "Mon, 13 Nov 2023 10:00:00 GMT")], "old"),
        _ => ok(&[("cache-control", "max-age=3600"), ("last-modified", "Tue, 14 Nov 2023 10:00:00 GMT")], "new"),
    })
    .await;
    let (proxy, stats) = start_proxy(&origin, |_| {}).await;
    assert_eq!(get(proxy, "/c").await.text(), "old");
    let changed = get(proxy, "/c").await;
    assert_eq!(changed.text(), "new");
    assert_eq!(origin.last().header("if-modified-since"), Some("Mon, 13 Nov 2023 10:00:00 GMT"));
    assert_eq!(get(proxy, "/c").await.text(), "new");
    assert_eq!(origin.count(), 2);
    assert_eq!(stats.stats().responses, 1, "the new response replaced the old one");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn head_freshens_a_stored_get_response() {
    let origin = Origin::start(|req, n| match (n, req.method.as_str()) {
        (1, "GET") => ok(&[("cache-control", "max-age=0"), ("etag", "\"h1\""), ("x-gen", "1")], "0123456789"),
        (2, "HEAD") => {
            assert_eq!(req.header("if-none-match"), Some("\"h1\""));
            ok(&[("cache-control", "max-age=3600"), ("etag", "\"h1\""), ("x-gen", "2"), ("content-length", "10")], "")
        }
        _ => respond(500, &[], "unexpected"),
    })
    .await;
    let (proxy, _) = start_proxy(&origin, |_| {}).await;
    assert_eq!(get(proxy, "/h").await.text(), "0123456789");
    let head = send(proxy, "HEAD", "/h", &[]).await;
    assert_eq!((head.status, head.header("x-gen")), (200, Some("2")));
    let hit = get(proxy, "/h").await;
    assert_eq!((hit.text().as_str(), hit.header("x-gen")), ("0123456789", Some("2")));
    assert!(hit.cache_status().contains("; hit;"), "{}", hit.cache_status());
    assert_eq!(origin.count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_while_revalidate_serves_stale_and_refreshes_once() {
    let origin = Origin::start(|req, n| match n {
        1 => ok(&[("cache-control", "max-age=0, stale-while-revalidate=60"), ("etag", "\"s1\"")], "stale body"),
        _ => {
            assert_eq!(req.header("if-none-match"), Some("\"s1\""));
            delayed(ok(&[("cache-control", "max-age=3600"), ("etag", "\"s2\"")], "fresh body"), Duration::from_millis(1500))
        }
    })
    .await;
    let (proxy, _) = start_proxy(&origin, |_| {}).await;
    assert_eq!(get(proxy, "/swr").await.text(), "stale body");

    let started = std::time::Instant::now();
    let clients: Vec<_> = (0..12).map(|_| tokio::spawn(get(proxy, "/swr"))).collect();
    for c in clients {
        let r = c.await.unwrap();
        assert_eq!(r.text(), "stale body");
        assert!(r.cache_status().contains("; hit; ttl=-"), "{}", r.cache_status());
    }
    // The refresh takes 1.5 s; a loaded machine may still take a while for 12 clients.
    assert!(started.elapsed() < Duration::from_millis(1000), "stale responses did not wait for the refresh");
    assert!(eventually(Duration::from_secs(5), || origin.count() == 2).await);
    // Past the refresh's answer: still the one refresh, and its response is stored.
    tokio::time::sleep(Duration::from_millis(1800)).await;
    assert_eq!(origin.count(), 2, "exactly one background refresh");
    let fresh = get(proxy, "/swr").await;
    assert_eq!((fresh.text().as_str(), fresh.header("etag")), ("fresh body", Some("\"s2\"")));
    assert_eq!(origin.count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_if_error_covers_origin_errors_and_connection_failures() {
    let origin = Origin::start(|_, n| match n {
        1 => ok(&[("cache-control", "max-age=0, stale-if-error=60")], "kept"),
        2 => respond(503, &[], "down"),
        3 => Action::Close,
        _ => Action::Raw(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n".to_vec()),
    })
    .await;
    let (proxy, _) = start_proxy(&origin, |_| {}).await;
    assert_eq!(get(proxy, "/sie").await.text(), "kept");
    for _ in 0..3 {
        let r = get(proxy, "/sie").await;
        assert_eq!((r.status, r.text().as_str()), (200, "kept"));
        assert!(r.cache_status().contains("detail=stale-if-error"), "{}", r.cache_status());
    }
    origin.stop();
    let refused = get(proxy, "/sie").await;
    assert_eq!((refused.status, refused.text().as_str()), (200, "kept"), "connection refused: stale-if-error");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn origin_failures_give_502_and_504_and_never_stale_when_forbidden() {
    let origin = Origin::start(|req, _| match (req.path.as_str(), 0) {
        ("/stall", _) => Action::Stall,
        ("/mr", _) if req.header("x-again").is_none() => ok(&[("cache-control", "max-age=0, must-revalidate, stale-if-error=60")], "strict"),
        ("/mr", _) => respond(503, &[], "down"),
        _ => Action::Close,
    })
    .await;
    let (proxy, _) = start_proxy(&origin, |c| c.response_timeout = Duration::from_millis(300)).await;

    let started = std::time::Instant::now();
    let stalled = get(proxy, "/stall").await;
    assert_eq!(stalled.status, 504);
    assert!(stalled.cache_status().contains("detail=origin-timeout"), "{}", stalled.cache_status());
    assert!(started.elapsed() < Duration::from_secs(3));

    assert_eq!(get(proxy, "/closed").await.status, 502);

    assert_eq!(get(proxy, "/mr").await.text(), "strict");
    let r = get_with(proxy, "/mr", &[("x-again", "1")]).await;
    assert_eq!((r.status, r.text().as_str()), (503, "down"), "must-revalidate forbids serving stale on error");

    origin.stop();
    let refused = get(proxy, "/nothing-stored").await;
    assert_eq!(refused.status, 502);
    assert!(refused.cache_status().contains("detail=origin-unreachable"), "{}", refused.cache_status());
}

/// RFC 9112 §9.3.1 / RFC 9110 §9.2.2: an exchange that breaks off before a response head
/// (here the origin drops a kept-alive connection as it is reused) is retried once over a
/// new connection when the request is idempotent, never when it is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_exchange_is_retried_once_for_idempotent_requests_only() {
    let origin = Origin::start(|req, n| match (req.method.as_str(), n) {
        (_, 2) | ("POST", _) => Action::Close,
        _ => ok(&[("cache-control", "no-store")], &format!("answer {n}")),
    })
    .await;
    let (proxy, _) = start_proxy(&origin, |_| {}).await;
    assert_eq!(get(proxy, "/first").await.text(), "answer 1");
    let r = get(proxy, "/second").await;
    assert_eq!((r.status, r.text().as_str()), (200, "answer 3"), "the GET went again, over a new connection");
    assert_eq!(origin.count(), 3);

    let posted = send(proxy, "POST", "/form", &[]).await;
    assert_eq!(posted.status, 502);
    assert!(posted.cache_status().contains("detail=origin-broken"), "{}", posted.cache_status());
    assert_eq!(origin.count(), 4, "a POST is never repeated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_misses_for_one_key_make_one_origin_request() {
    let origin = Origin::start(|_, n| delayed(ok(&[("cache-control", "max-age=3600")], &format!("shared {n}")), Duration::from_millis(1000))).await;
    let (proxy, p) = start_proxy(&origin, |_| {}).await;
    let clients: Vec<_> = (0..40).map(|_| tokio::spawn(get(proxy, "/collapse"))).collect();
    let mut collapsed = 0;
    for c in clients {
        let r = c.await.unwrap();
        assert_eq!((r.status, r.text().as_str()), (200, "shared 1"));
        collapsed += r.cache_status().contains("; collapsed") as usize;
    }
    assert_eq!(origin.count(), 1, "one origin request for 40 concurrent misses");
    assert!(collapsed >= 30, "most requests waited for the first one: {collapsed}");
    assert_eq!(p.collapsing(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uncacheable_responses_are_never_shared_between_clients() {
    let origin = Origin::start(|req, n| {
        let who = req.header("x-user").unwrap_or("?").to_string();
        let cc = if req.path == "/private" { "private, max-age=3600" } else { "no-store" };
        delayed(ok(&[("cache-control", cc)], &format!("for {who} #{n}")), Duration::from_millis(100))
    })
    .await;
    let (proxy, p) = start_proxy(&origin, |_| {}).await;
    for path in ["/nostore", "/private"] {
        let before = origin.count();
        let clients: Vec<_> = (0..10)
            .map(|i| {
                tokio::spawn(async move {
                    let user = format!("u{i}");
                    let r = get_with(proxy, path, &[("x-user", user.as_str())]).await;
                    (user, r)
                })
            })
            .collect();
        for c in clients {
            let (user, r) = c.await.unwrap();
            assert!(r.text().starts_with(&format!("for {user} #")), "{path}: {user} got {:?}", r.text());
        }
        assert_eq!(origin.count() - before, 10, "{path}: every request reached the origin");
    }
    assert_eq!(p.stats().responses, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsafe_methods_invalidate_target_location_and_content_location() {
    let origin = Origin::start(|req, n| match req.method.as_str() {
        "POST" if req.path == "/fail" => respond(500, &[], "failed"),
        "POST" | "PUT" | "DELETE" | "M-SEARCH" => {
            respond(201, &[("location", "/loc"), ("content-location", "http://test.example/cl")], "changed")
        }
        _ => ok(&[("cache-control", "max-age=3600")], &format!("{} v{n}", req.path)),
    })
    .await;
    let (proxy, _) = start_proxy(&origin, |_| {}).await;
    for method in ["POST", "PUT", "DELETE", "M-SEARCH"] {
        for path in ["/a", "/loc", "/cl", "/other"] {
            get(proxy, path).await;
        }
        let before = origin.count();
        for path in ["/a", "/loc", "/cl", "/other"] {
            assert!(get(proxy, path).await.cache_status().contains("; hit;"), "{path} is stored");
        }
        assert_eq!(origin.count(), before);
        assert_eq!(send(proxy, method, "/a", &[]).await.status, 201);
        let before = origin.count();
        for path in ["/a", "/loc", "/cl"] {
            let r = get(proxy, path).await;
            assert!(r.cache_status().contains("fwd=uri-miss"), "{method} invalidated {path}: {}", r.cache_status());
        }
        assert!(get(proxy, "/other").await.cache_status().contains("; hit;"), "unrelated URLs stay");
        assert_eq!(origin.count(), before + 3);
    }
    // A failed unsafe request invalidates nothing.
    get(proxy, "/fail").await;
    assert_eq!(send(proxy, "POST", "/fail", &[]).await.status, 500);
    assert!(get(proxy, "/fail").await.cache_status().contains("; hit;"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_that_must_go_to_the_origin_never_get_a_stored_response() {
    let origin = Origin::start(|req, n| {
        let cc = match req.path.as_str() {
            "/no-cache" => "max-age=3600, no-cache",
            _ => "max-age=3600",
        };
        if req.header("if-none-match").is_some() {
            return respond(304, &[("cache-control", cc), ("etag", "\"e\""), ("age", "5")], "");
        }
        ok(&[("cache-control", cc), ("etag", "\"e\""), ("age", "5")], &format!("v{n}"))
    })
    .await;
    let (proxy, _) = start_proxy(&origin, |_| {}).await;
    get(proxy, "/x").await;
    let before = origin.count();
    for cc in [("cache-control", "no-cache"), ("cache-control", "max-age=0"), ("pragma", "no-cache"), ("cache-control", "min-fresh=999999")] {
        let r = get_with(proxy, "/x", &[cc]).await;
        assert!(r.cache_status().contains("fwd=request"), "{cc:?}: {}", r.cache_status());
    }
    assert_eq!(origin.count(), before + 4, "each request went to the origin (conditionally)");

    get(proxy, "/no-cache").await;
    let r = get(proxy, "/no-cache").await;
    assert!(r.cache_status().contains("fwd=stale; fwd-status=304"), "response no-cache: {}", r.cache_status());

    // only-if-cached: served when stored, 504 when not.
    assert_eq!(get_with(proxy, "/x", &[("cache-control", "only-if-cached")]).await.status, 200);
    let r = get_with(proxy, "/nothing", &[("cache-control", "only-if-cached")]).await;
    assert_eq!(r.status, 504);
    assert!(r.cache_status().contains("detail=only-if-cached"));

    // Authorization: the response to it is not stored in a shared cache (RFC 9111 §3.5).
    let before = origin.count();
    get_with(proxy, "/auth", &[("authorization", "Bearer a")]).await;
    get_with(proxy, "/auth", &[("authorization", "Bearer b")]).await;
    assert_eq!(origin.count(), before + 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_status_reports_what_happened() {
    let origin = Origin::start(|req, _| match req.path.as_str() {
        "/vary" => ok(&[("cache-control", "max-age=60"), ("vary", "x-v")], "v"),
        "/nostore" => ok(&[("cache-control", "no-store")], "n"),
        _ => ok(&[("cache-control", "max-age=60"), ("cache-status", "upstream; hit")], "u"),
    })
    .await;
    let (proxy, _) = start_proxy(&origin, |c| c.cache_name = "edge".into()).await;
    assert_eq!(get(proxy, "/nostore").await.cache_status(), "edge; fwd=uri-miss; fwd-status=200");
    let miss = get(proxy, "/up").await;
    assert_eq!(miss.all("cache-status"), ["upstream; hit", "edge; fwd=uri-miss; fwd-status=200; stored"], "appended after the upstream member");
    let hit = get(proxy, "/up").await;
    assert_eq!(hit.all("cache-status")[0], "upstream; hit");
    assert!(hit.all("cache-status")[1].starts_with("edge; hit; ttl=5"), "{:?}", hit.all("cache-status"));
    get_with(proxy, "/vary", &[("x-v", "1")]).await;
    assert_eq!(get_with(proxy, "/vary", &[("x-v", "2")]).await.cache_status(), "edge; fwd=vary-miss; fwd-status=200; stored");
    let deleted = send(proxy, "DELETE", "/up", &[]).await;
    assert_eq!(deleted.all("cache-status").last().copied(), Some("edge; fwd=method; fwd-status=200"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwards_interim_responses() {
    let origin = Origin::start(|req, _| Action::Send {
        status: 200,
        headers: vec![("cache-control".into(), "max-age=60".into())],
        body: format!("got {}", String::from_utf8_lossy(&req.body)).into_bytes(),
        interim: vec![(103, vec![("link".into(), "</style.css>; rel=preload; as=style".into())]), (102, vec![])],
        delay: Duration::from_millis(50),
    })
    .await;
    let (proxy, _) = start_proxy(&origin, |_| {}).await;
    let r = get(proxy, "/early").await;
    assert_eq!(r.interim.len(), 2);
    assert_eq!(r.interim[0].0, 103);
    assert_eq!(r.interim[0].1, vec![("link".to_string(), "</style.css>; rel=preload; as=style".to_string())]);
    assert_eq!(r.interim[1].0, 102);
    assert_eq!((r.status, r.text().as_str()), (200, "got "));
    let hit = get(proxy, "/early").await;
    assert!(hit.interim.is_empty() && hit.cache_status().contains("; hit;"), "the final response was stored");

    // Expect: 100-continue: the client hears 100 Continue before it sends the body.
    let mut c = Client::connect(proxy).await;
    c.send_raw(b"POST /up HTTP/1.1\r\nhost: test.example\r\nexpect: 100-continue\r\ncontent-length: 5\r\n\r\n").await;
    let continue_line = tokio::time::timeout(Duration::from_secs(2), c.read_raw(25)).await.expect("100 Continue before the body");
    assert_eq!(continue_line, b"HTTP/1.1 100 Continue\r\n\r\n");
    c.send_raw(b"hello").await;
    let r = c.read_response(false).await;
    assert_eq!(r.text(), "got hello");
    assert!(origin.last().header("expect").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_shorter_than_its_content_length_is_never_stored() {
    let origin = Origin::start(|req, n| match (req.path.as_str(), n) {
        ("/short", 1) => Action::Raw(b"HTTP/1.1 200 OK\r\ncache-control: max-age=60\r\ncontent-length: 100\r\n\r\nonly ten b".to_vec()),
        ("/short", _) => ok(&[("cache-control", "max-age=60")], "complete"),
        ("/long", _) => Action::Raw(b"HTTP/1.1 200 OK\r\ncache-control: max-age=60\r\ncontent-length: 4\r\n\r\nfourEXTRA GARBAGE".to_vec()),
        _ => respond(404, &[], ""),
    })
    .await;
    let (proxy, p) = start_proxy(&origin, |_| {}).await;
    let short = get(proxy, "/short").await;
    assert!(!short.complete, "the client sees the response cut short, not a complete one");
    assert_eq!(short.header("content-length"), Some("100"));
    let again = get(proxy, "/short").await;
    assert_eq!((again.text().as_str(), again.complete), ("complete", true));
    assert_eq!(origin.count(), 2, "the short body was not stored");

    let long = get(proxy, "/long").await;
    assert_eq!((long.text().as_str(), long.complete), ("four", true));
    let hit = get(proxy, "/long").await;
    assert_eq!(hit.text(), "four");
    assert!(hit.cache_status().contains("; hit;"));
    assert_eq!(p.collecting_bytes(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_body_is_cut_off_and_not_stored() {
    // The origin sends one chunk, then nothing (the connection stays open).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut buf = [0u8; 4096];
        let _ = tokio::io::AsyncReadExt::read(&mut s, &mut buf).await;
        tokio::io::AsyncWriteExt::write_all(&mut s, b"HTTP/1.1 200 OK\r\ncache-control: max-age=60\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n").await.unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
    let stub = Origin::start(|_, _| Action::Close).await;
    let (proxy, p) = start_proxy(&stub, |c| {
        c.origin = addr.to_string();
        c.response_timeout = Duration::from_millis(300);
    })
    .await;
    let started = std::time::Instant::now();
    let r = get(proxy, "/stall").await;
    assert!(!r.complete, "the chunked response ends without its last chunk");
    assert_eq!(r.text(), "hello");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(p.stats().responses, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lru_eviction_keeps_the_store_within_max_bytes() {
    let origin = Origin::start(|req, _| {
        let size = if req.path == "/big" { 40_000 } else { 8_000 };
        ok(&[("cache-control", "max-age=3600")], &"x".repeat(size))
    })
    .await;
    let (proxy, p) = start_proxy(&origin, |c| {
        c.max_bytes = 64 << 10;
        c.max_object_bytes = 16 << 10;
    })
    .await;
    for i in 0..20 {
        assert_eq!(get(proxy, &format!("/item/{i}")).await.body.len(), 8_000);
        assert!(p.stats().bytes <= 64 << 10, "within the bound after {i}: {:?}", p.stats());
    }
    let stats = p.stats();
    assert!((5..=8).contains(&stats.responses), "{stats:?}");
    let before = origin.count();
    assert!(get(proxy, "/item/19").await.cache_status().contains("; hit;"), "the most recent stays");
    assert!(get(proxy, "/item/0").await.cache_status().contains("fwd=uri-miss"), "the oldest went");
    assert_eq!(origin.count(), before + 1);

    let big = get(proxy, "/big").await;
    assert_eq!(big.body.len(), 40_000, "too big to store, still streamed whole");
    assert!(!big.cache_status().contains("stored"));
    assert!(get(proxy, "/big").await.cache_status().contains("fwd=uri-miss"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ranges_and_preconditions_are_answered_from_the_store() {
    let origin = Origin::start(|_, _| ok(&[("cache-control", "max-age=3600"), ("etag", "\"r\""), ("last-modified", "Mon, 13 Nov 2023 10:00:00 GMT")], "0123456789")).await;
    let (proxy, _) = start_proxy(&origin, |_| {}).await;
    get(proxy, "/range").await;
    let r = get_with(proxy, "/range", &[("range", "bytes=2-4")]).await;
    assert_eq!((r.status, r.text().as_str(), r.header("content-range")), (206, "234", Some("bytes 2-4/10")));
    let r = get_with(proxy, "/range", &[("range", "bytes=-3")]).await;
    assert_eq!((r.status, r.text().as_str()), (206, "789"));
    let r = get_with(proxy, "/range", &[("range", "bytes=2-4"), ("if-range", "\"other\"")]).await;
    assert_eq!((r.status, r.text().as_str()), (200, "0123456789"));
    assert_eq!(get_with(proxy, "/range", &[("range", "bytes=50-")]).await.status, 416);
    assert_eq!(get_with(proxy, "/range", &[("if-modified-since", "Mon, 13 Nov 2023 10:00:00 GMT")]).await.status, 304);
    assert_eq!(get_with(proxy, "/range", &[("if-match", "\"nope\"")]).await.status, 412);
    assert_eq!(origin.count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_requests_are_answered_in_order() {
    let origin = Origin::start(|req, _| ok(&[("cache-control", "max-age=60")], &req.path)).await;
    let (proxy, _) = start_proxy(&origin, |_| {}).await;
    let mut c = Client::connect(proxy).await;
    c.send_raw(b"GET /p1 HTTP/1.1\r\nhost: h\r\n\r\nGET /p2 HTTP/1.1\r\nhost: h\r\n\r\nGET /p1 HTTP/1.1\r\nhost: h\r\n\r\n").await;
    for want in ["/p1", "/p2", "/p1"] {
        assert_eq!(c.read_response(false).await.text(), want);
    }
    // HTTP/1.0 without Host: served, then closed.
    let mut c = Client::connect(proxy).await;
    c.send_raw(b"GET /p3 HTTP/1.0\r\n\r\n").await;
    let r = c.read_response(false).await;
    assert_eq!((r.text().as_str(), r.header("connection")), ("/p3", Some("close")));
    // Malformed requests get 400.
    let mut c = Client::connect(proxy).await;
    c.send_raw(b"GET /x HTTP/1.1\r\nhost: h\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n").await;
    assert_eq!(c.read_response(false).await.status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_response_with_content_location_answers_later_gets() {
    let origin = Origin::start(|req, n| match req.method.as_str() {
        "POST" => ok(&[("cache-control", "max-age=3600"), ("content-location", "http://test.example/form")], "posted"),
        _ => ok(&[], &format!("get {n}")),
    })
    .await;
    let (proxy, _) = start_proxy(&origin, |_| {}).await;
    assert_eq!(send(proxy, "POST", "/form", &[]).await.cache_status(), format!("{NAME}; fwd=method; fwd-status=200; stored"));
    let r = get(proxy, "/form").await;
    assert_eq!(r.text(), "posted");
    assert_eq!(origin.count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accelerator_profile_is_the_engines() {
    let origin = Origin::start(|_, n| ok(&[("cache-control", "max-age=3600")], &format!("v{n}"))).await;
    let (proxy, _) = start_proxy(&origin, |c| c.options = cachepolicy::Options::profile("accelerator").unwrap()).await;
    get(proxy, "/acc").await;
    // The accelerator ignores the request's no-cache (the origin's operator decides).
    let r = get_with(proxy, "/acc", &[("cache-control", "no-cache")]).await;
    assert_eq!(r.text(), "v1");
    assert_eq!(origin.count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_one_line_per_request_without_slowing_down() {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let origin = Origin::start(move |_, _| {
        h.fetch_add(1, Ordering::SeqCst);
        ok(&[("cache-control", "max-age=60")], "logged")
    })
    .await;
    let (proxy, _) = start_proxy(&origin, |c| c.log = true).await;
    for _ in 0..3 {
        assert_eq!(get(proxy, "/log").await.text(), "logged");
    }
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}
