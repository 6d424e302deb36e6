//! Test harness: a scripted origin on 127.0.0.1:0 (raw TCP, so that it can lie, stall and
//! hang up), the proxy in-process on 127.0.0.1:0, and two small clients (raw HTTP/1.1 for
//! inspecting interim responses and framing, hyper for the load test).
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cachepolicy_proxy::{Config, Proxy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{AbortHandle, JoinHandle};

/// One request as the origin received it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// What the origin does with a request.
pub enum Action {
    /// A response: interim responses first, then (after `delay`) the head and body.
    Send { status: u16, headers: Vec<(String, String)>, body: Vec<u8>, interim: Vec<(u16, Vec<(String, String)>)>, delay: Duration },
    /// These bytes as they are, then close the connection.
    Raw(Vec<u8>),
    /// Close the connection without answering.
    Close,
    /// Never answer (until the test ends).
    Stall,
}

/// `status` with these header lines and body.
pub fn respond(status: u16, headers: &[(&str, &str)], body: &str) -> Action {
    Action::Send {
        status,
        headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
        body: body.as_bytes().to_vec(),
        interim: Vec::new(),
        delay: Duration::ZERO,
    }
}

/// `200` with these header lines and body.
pub fn ok(headers: &[(&str, &str)], body: &str) -> Action {
    respond(200, headers, body)
}

/// The same action, answered after `delay`.
pub fn delayed(action: Action, delay: Duration) -> Action {
    match action {
        Action::Send { status, headers, body, interim, .. } => Action::Send { status, headers, body, interim, delay },
        other => other,
    }
}

type Handler = dyn Fn(&Seen, usize) -> Action + Send + Sync;

/// A scripted origin server.
pub struct Origin {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    count: Arc<AtomicUsize>,
    accept: JoinHandle<()>,
    conns: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Origin {
    /// Starts an origin answering each request with `handler(request, n)`, `n` counting
    /// requests from 1.
    pub async fn start(handler: impl Fn(&Seen, usize) -> Action + Send + Sync + 'static) -> Origin {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let count = Arc::new(AtomicUsize::new(0));
        let conns = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let (s, c, cs) = (seen.clone(), count.clone(), conns.clone());
        let accept = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                let (s, c, h) = (s.clone(), c.clone(), handler.clone());
                let task = tokio::spawn(async move { origin_conn(stream, s, c, h).await });
                cs.lock().unwrap().push(task.abort_handle());
            }
        });
        Origin { addr, seen, count, accept, conns }
    }

    /// `http://127.0.0.1:port`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests received so far.
    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    /// The requests received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The last request received.
    pub fn last(&self) -> Seen {
        self.seen.lock().unwrap().last().cloned().expect("a request reached the origin")
    }

    /// Stops listening and drops every connection: later connects are refused.
    pub fn stop(&self) {
        self.accept.abort();
        for c in self.conns.lock().unwrap().drain(..) {
            c.abort();
        }
    }
}

impl Drop for Origin {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn origin_conn(mut stream: TcpStream, seen: Arc<Mutex<Vec<Seen>>>, count: Arc<AtomicUsize>, handler: Arc<Handler>) {
    let mut buf = Vec::new();
    loop {
        let Some((req, used)) = read_request(&mut stream, &mut buf).await else { return };
        buf.drain(..used);
        let n = count.fetch_add(1, Ordering::SeqCst) + 1;
        seen.lock().unwrap().push(req.clone());
        match handler(&req, n) {
            Action::Send { status, headers, body, interim, delay } => {
                for (code, lines) in interim {
                    let mut out = format!("HTTP/1.1 {code} Interim\r\n");
                    for (n, v) in lines {
                        out.push_str(&format!("{n}: {v}\r\n"));
                    }
                    out.push_str("\r\n");
                    if stream.write_all(out.as_bytes()).await.is_err() {
                        return;
                    }
                }
                tokio::time::sleep(delay).await;
                let mut out = format!("HTTP/1.1 {status} Scripted\r\n");
                let has_length = headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-length"));
                for (n, v) in &headers {
                    out.push_str(&format!("{n}: {v}\r\n"));
                }
                let bodiless = req.method == "HEAD" || status == 204 || status == 304;
                if !has_length && status != 204 && status != 304 {
                    out.push_str(&format!("content-length: {}\r\n", body.len()));
                }
                out.push_str("\r\n");
                let mut bytes = out.into_bytes();
                if !bodiless {
                    bytes.extend_from_slice(&body);
                }
                if stream.write_all(&bytes).await.is_err() {
                    return;
                }
            }
            Action::Raw(bytes) => {
                let _ = stream.write_all(&bytes).await;
                let _ = stream.shutdown().await;
                return;
            }
            Action::Close => return,
            Action::Stall => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return;
            }
        }
    }
}

async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<(Seen, usize)> {
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut req = httparse::Request::new(&mut headers);
        if let Ok(httparse::Status::Complete(head)) = req.parse(buf) {
            let seen_headers: Vec<(String, String)> =
                req.headers.iter().map(|h| (h.name.to_ascii_lowercase(), String::from_utf8_lossy(h.value).into_owned())).collect();
            let mut seen = Seen { method: req.method?.to_string(), path: req.path?.to_string(), headers: seen_headers, body: Vec::new() };
            let mut used = head;
            if let Some(len) = seen.header("content-length").and_then(|v| v.parse::<usize>().ok()) {
                while buf.len() < head + len {
                    read_more(stream, buf).await?;
                }
                seen.body = buf[head..head + len].to_vec();
                used = head + len;
            } else if seen.header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
                let mut pos = head;
                loop {
                    let line_end = loop {
                        if let Some(i) = buf[pos..].windows(2).position(|w| w == b"\r\n") {
                            break pos + i;
                        }
                        read_more(stream, buf).await?;
                    };
                    let size = usize::from_str_radix(std::str::from_utf8(&buf[pos..line_end]).ok()?.split(';').next()?.trim(), 16).ok()?;
                    pos = line_end + 2;
                    while buf.len() < pos + size + 2 {
                        read_more(stream, buf).await?;
                    }
                    if size == 0 {
                        pos += 2;
                        break;
                    }
                    seen.body.extend_from_slice(&buf[pos..pos + size]);
                    pos += size + 2;
                }
                used = pos;
            }
            return Some((seen, used));
        }
        read_more(stream, buf).await?;
    }
}

async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<()> {
    let mut chunk = [0u8; 8192];
    let n = stream.read(&mut chunk).await.ok()?;
    if n == 0 {
        return None;
    }
    buf.extend_from_slice(&chunk[..n]);
    Some(())
}

/// The test configuration: quiet, short timeouts.
pub fn config(origin: &Origin) -> Config {
    let mut c = Config::new(origin.addr.to_string());
    c.log = false;
    c.connect_timeout = Duration::from_secs(1);
    c.response_timeout = Duration::from_secs(2);
    c.client_timeout = Duration::from_secs(5);
    c
}

/// A proxy in front of `origin`, configured by `tweak`.
pub async fn start_proxy(origin: &Origin, tweak: impl FnOnce(&mut Config)) -> (SocketAddr, Proxy) {
    let mut c = config(origin);
    tweak(&mut c);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let proxy = Proxy::new(c);
    let serving = proxy.clone();
    tokio::spawn(async move { serving.serve(listener).await });
    (addr, proxy)
}

/// A response as the client received it.
#[derive(Debug, Clone, Default)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub interim: Vec<(u16, Vec<(String, String)>)>,
    /// The body arrived whole (per its framing).
    pub complete: bool,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn cache_status(&self) -> String {
        self.header("cache-status").unwrap_or_default().to_string()
    }
    pub fn age(&self) -> u64 {
        self.header("age").and_then(|a| a.parse().ok()).expect("an Age header")
    }
}

/// A client connection that sends requests one after another (keep-alive).
pub struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    pub async fn connect(addr: SocketAddr) -> Client {
        Client { stream: TcpStream::connect(addr).await.unwrap(), buf: Vec::new() }
    }

    /// Sends raw bytes.
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.unwrap();
    }

    /// Sends a request (Host added) and reads its response.
    pub async fn request(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Resp {
        let mut out = format!("{method} {path} HTTP/1.1\r\nhost: test.example\r\n");
        for (n, v) in headers {
            out.push_str(&format!("{n}: {v}\r\n"));
        }
        if let Some(b) = body {
            out.push_str(&format!("content-length: {}\r\n", b.len()));
        }
        out.push_str("\r\n");
        let mut bytes = out.into_bytes();
        if let Some(b) = body {
            bytes.extend_from_slice(b);
        }
        self.stream.write_all(&bytes).await.unwrap();
        self.read_response(method == "HEAD").await
    }

    /// Reads exactly `n` raw bytes.
    pub async fn read_raw(&mut self, n: usize) -> Vec<u8> {
        while self.buf.len() < n {
            assert!(self.fill().await, "connection closed");
        }
        self.buf.drain(..n).collect()
    }

    /// Reads one response (interim responses collected on the way).
    pub async fn read_response(&mut self, head_request: bool) -> Resp {
        tokio::time::timeout(Duration::from_secs(15), self.read_response_inner(head_request)).await.expect("a response within 15 s")
    }

    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 16384];
        match self.stream.read(&mut chunk).await {
            Ok(0) | Err(_) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
        }
    }

    async fn read_response_inner(&mut self, head_request: bool) -> Resp {
        let mut resp = Resp::default();
        loop {
            let mut headers = [httparse::EMPTY_HEADER; 64];
            let mut r = httparse::Response::new(&mut headers);
            match r.parse(&self.buf) {
                Ok(httparse::Status::Complete(n)) => {
                    let status = r.code.unwrap();
                    let lines: Vec<(String, String)> = r.headers.iter().map(|h| (h.name.to_ascii_lowercase(), String::from_utf8_lossy(h.value).into_owned())).collect();
                    self.buf.drain(..n);
                    if (100..200).contains(&status) {
                        resp.interim.push((status, lines));
                        continue;
                    }
                    resp.status = status;
                    resp.headers = lines;
                    break;
                }
                Ok(httparse::Status::Partial) => {
                    if !self.fill().await {
                        return resp; // status 0: no response
                    }
                }
                Err(e) => panic!("malformed response: {e}"),
            }
        }
        if head_request || resp.status == 204 || resp.status == 304 {
            resp.complete = true;
            return resp;
        }
        if let Some(len) = resp.header("content-length").map(|v| v.parse::<usize>().unwrap()) {
            while self.buf.len() < len {
                if !self.fill().await {
                    resp.body = std::mem::take(&mut self.buf);
                    return resp;
                }
            }
            resp.body = self.buf.drain(..len).collect();
            resp.complete = true;
        } else if resp.header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
            loop {
                let line_end = loop {
                    if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                        break i;
                    }
                    if !self.fill().await {
                        return resp;
                    }
                };
                let size = usize::from_str_radix(std::str::from_utf8(&self.buf[..line_end]).unwrap().trim(), 16).unwrap();
                while self.buf.len() < line_end + 2 + size + 2 {
                    if !self.fill().await {
                        return resp;
                    }
                }
                if size == 0 {
                    self.buf.drain(..line_end + 4);
                    resp.complete = true;
                    break;
                }
                resp.body.extend_from_slice(&self.buf[line_end + 2..line_end + 2 + size]);
                self.buf.drain(..line_end + 2 + size + 2);
            }
        } else {
            while self.fill().await {}
            resp.body = std::mem::take(&mut self.buf);
            resp.complete = true;
        }
        resp
    }
}

/// One request on a new connection.
pub async fn send(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)]) -> Resp {
    Client::connect(addr).await.request(method, path, headers, None).await
}

/// `GET path` on a new connection.
pub async fn get(addr: SocketAddr, path: &str) -> Resp {
    send(addr, "GET", path, &[]).await
}

/// `GET path` with these header lines, on a new connection.
pub async fn get_with(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Resp {
    send(addr, "GET", path, headers).await
}

/// The current time as an HTTP date, shifted by `offset` seconds.
pub fn http_date(offset: i64) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    cachepolicy::format_http_date(now + offset)
}

/// Waits until `cond` holds (checked every 10 ms), at most `limit`.
pub async fn eventually(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    cond()
}
