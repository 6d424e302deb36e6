//! Many clients at once, with a hyper client: no response lost or mixed up, the store and
//! the bytes being collected stay within their bounds, and origin faults under load leave
//! the proxy serving.

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::*;
use http_body_util::{BodyExt, Empty};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;

/// A keep-alive hyper connection to the proxy.
async fn connect(addr: std::net::SocketAddr) -> http1::SendRequest<Empty<Bytes>> {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (sender, conn) = http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(conn);
    sender
}

async fn fetch(sender: &mut http1::SendRequest<Empty<Bytes>>, path: &str, headers: &[(&str, &str)]) -> Result<(u16, String), String> {
    sender.ready().await.map_err(|e| e.to_string())?;
    let mut req = http::Request::builder().uri(path).header("host", "load.example");
    for (n, v) in headers {
        req = req.header(*n, *v);
    }
    let resp = sender.send_request(req.body(Empty::new()).unwrap()).await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let body = resp.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dozens_of_clients_get_every_response_right_within_the_memory_bound() {
    let origin = Origin::start(|req, _| {
        let key = req.header("x-k").unwrap_or("-").to_string();
        let body = format!("{} {}{}", req.path, key, ".".repeat(700));
        match req.path.split('/').nth(1) {
            Some("c") => ok(&[("cache-control", "max-age=60")], &body),
            Some("v") => ok(&[("cache-control", "max-age=60"), ("vary", "x-k")], &body),
            Some("s") => delayed(ok(&[("cache-control", "max-age=60")], &body), Duration::from_millis(20)),
            _ => ok(&[("cache-control", "no-store")], &body),
        }
    })
    .await;
    let max_bytes = 24 << 10;
    let (proxy, p) = start_proxy(&origin, |c| {
        c.max_bytes = max_bytes;
        c.max_object_bytes = 4 << 10;
    })
    .await;
    let clients = 60;
    let per_client = 30;
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            tokio::spawn(async move {
                let mut sender = connect(proxy).await;
                let mut ok = 0;
                for i in 0..per_client {
                    let n = (c * 7 + i * 13) % 40;
                    let kind = ["c", "v", "u", "s"][n % 4];
                    let path = format!("/{kind}/{}", n / 4);
                    let k = ["a", "b", "c"][(c + i) % 3];
                    let (status, body) = fetch(&mut sender, &path, &[("x-k", k)]).await.expect("a response");
                    let want_key = if kind == "c" || kind == "s" { format!("{path} ") } else { format!("{path} {k}") };
                    assert_eq!(status, 200);
                    assert!(body.starts_with(&want_key), "{path} with x-k {k} got {:?}", &body[..body.len().min(40)]);
                    assert_eq!(body.len(), want_key.len() + 700 + if kind == "c" || kind == "s" { 1 } else { 0 });
                    ok += 1;
                }
                ok
            })
        })
        .collect();
    let mut total = 0;
    for t in tasks {
        total += tokio::time::timeout(Duration::from_secs(30), t).await.expect("clients finish").unwrap();
        assert!(p.stats().bytes <= max_bytes);
    }
    assert_eq!(total, clients * per_client, "no response lost");
    assert!(p.stats().bytes <= max_bytes, "{:?}", p.stats());
    assert!(origin.count() < total, "the cache answered some: {} origin requests", origin.count());
    assert_eq!(p.collecting_bytes(), 0);
    assert_eq!(p.collapsing(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn origin_faults_under_load_never_hang_a_client_or_poison_the_store() {
    let origin = Origin::start(|req, n| {
        if req.path == "/healthy" {
            return ok(&[("cache-control", "max-age=60")], "healthy");
        }
        match n % 6 {
            0 => Action::Close,
            1 => Action::Raw(b"HTTP/1.1 200 OK\r\ncache-control: max-age=60\r\ncontent-length: 50\r\n\r\ncut".to_vec()),
            2 => respond(503, &[], "unavailable"),
            3 => Action::Stall,
            4 => delayed(ok(&[("cache-control", "no-store")], "slow but fine"), Duration::from_millis(50)),
            _ => Action::Raw(b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nabcXYZ garbage after the body".to_vec()),
        }
    })
    .await;
    let (proxy, p) = start_proxy(&origin, |c| c.response_timeout = Duration::from_millis(400)).await;
    let tasks: Vec<_> = (0..40)
        .map(|c| {
            tokio::spawn(async move {
                let mut outcomes = Vec::new();
                for i in 0..6 {
                    let mut client = Client::connect(proxy).await;
                    let r = client.request("GET", &format!("/fault/{c}/{i}"), &[], None).await;
                    outcomes.push((r.status, r.complete, r.text()));
                }
                outcomes
            })
        })
        .collect();
    let mut well_formed = 0;
    for t in tasks {
        for (status, complete, text) in tokio::time::timeout(Duration::from_secs(30), t).await.expect("no client hangs").unwrap() {
            well_formed += (text == "abc") as usize;
            match status {
                200 if complete => assert!(["slow but fine", "abc"].contains(&text.as_str()), "{text:?}"),
                200 => assert_eq!(text, "cut", "only the short body arrives incomplete"),
                502..=504 => {}
                other => panic!("unexpected status {other}"),
            }
        }
    }
    // Only the well-formed responses (the bytes past Content-Length dropped) were stored.
    assert_eq!(p.stats().responses, well_formed, "no faulty response was stored");
    assert_eq!(p.collecting_bytes(), 0);
    assert_eq!(get(proxy, "/healthy").await.text(), "healthy");
    assert_eq!(get(proxy, "/healthy").await.text(), "healthy");
    assert_eq!(p.stats().responses, well_formed + 1);
}
