//! Client connections: accept within a bound, read requests one after another (keep-alive,
//! pipelining), stream request bodies to the origin while the handler works, forward 1xx
//! responses, write the reply, log one line.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::{Method, Version};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Semaphore};

use crate::http1::{finish_head, status_line, BodyState, Framing, HeadError, Reader, RequestHead, Wire, Writer};
use crate::origin::OutBody;
use crate::proxy::{error_reply, handle, ClientRequest, Reply, ReplyBody, State};

/// Accepts connections forever, serving at most `max_connections` at once.
pub async fn serve(state: Arc<State>, listener: TcpListener) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(state.config.max_connections));
    loop {
        let permit = Arc::clone(&permits).acquire_owned().await.expect("never closed");
        let (stream, peer) = match listener.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                // Out of file descriptors and the like: back off briefly, keep serving.
                if state.logger.enabled() {
                    state.logger.line(format!("cachepolicy-proxy: accept failed: {e}"));
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            connection(state, stream, peer).await;
            drop(permit);
        });
    }
}

fn refuse(status: u16, decision: &'static str, text: &str) -> Box<Reply> {
    Box::new(error_reply(status, decision, text))
}

/// The request as the handler sees it, or the reply that refuses it.
fn client_request(state: &State, head: &mut RequestHead) -> Result<ClientRequest, Box<Reply>> {
    if head.method == Method::CONNECT {
        return Err(refuse(501, "refused", "501 Not Implemented: CONNECT is not supported by this reverse proxy"));
    }
    let (host, path) = if head.target.starts_with('/') {
        let mut hosts = head.headers.get_all(http::header::HOST).iter();
        let host = match (hosts.next(), hosts.next()) {
            (Some(h), None) => h.to_str().map_err(|_| refuse(400, "refused", "400 Bad Request: invalid Host"))?.to_string(),
            (None, _) if head.version == Version::HTTP_10 => state.config.origin.clone(),
            _ => return Err(refuse(400, "refused", "400 Bad Request: exactly one Host is required")),
        };
        (host, head.target.clone())
    } else if let Ok(uri) = head.target.parse::<http::Uri>() {
        // Absolute form (RFC 9112 §3.2.2): its authority replaces Host.
        let (Some(authority), Some("http" | "https")) = (uri.authority(), uri.scheme_str()) else {
            return Err(refuse(400, "refused", "400 Bad Request: unsupported request target"));
        };
        let host = authority.as_str().to_string();
        if let Ok(v) = http::HeaderValue::from_str(&host) {
            head.headers.insert(http::header::HOST, v);
        }
        (host, uri.path_and_query().map_or("/", |p| p.as_str()).to_string())
    } else {
        return Err(refuse(400, "refused", "400 Bad Request: unsupported request target"));
    };
    if host.is_empty() || host.bytes().any(|b| b <= b' ' || b == b'/' || b == b'?' || b == b'#' || b == b'@' || b >= 0x7f) {
        return Err(refuse(400, "refused", "400 Bad Request: invalid Host"));
    }
    let body_length = match head.framing {
        Framing::Length(n) => Some(n),
        _ => None,
    };
    let headers = std::mem::take(&mut head.headers);
    Ok(ClientRequest { method: head.method.clone(), url: format!("http://{host}{path}"), path, headers, version: head.version, body_length })
}

async fn connection(state: Arc<State>, stream: TcpStream, peer: SocketAddr) {
    let _ = stream.set_nodelay(true);
    let (r, w) = stream.into_split();
    let mut reader = Reader::new(r);
    let mut writer = Writer::new(w);
    let cfg = &state.config;
    let logging = state.logger.enabled();
    // One channel for the 1xx responses of every request on the connection.
    let (itx, mut irx) = mpsc::channel(32);
    loop {
        let mut head = match reader.read_head(cfg.max_header_bytes, cfg.client_timeout).await {
            Ok(Some(head)) => head,
            Ok(None) | Err(HeadError::Io) => break,
            Err(e) => {
                let reply = match e {
                    HeadError::TooLarge => error_reply(431, "refused", "431 Request Header Fields Too Large"),
                    HeadError::Timeout => error_reply(408, "refused", "408 Request Timeout"),
                    HeadError::Bad(why) => error_reply(400, "refused", &format!("400 Bad Request: {why}")),
                    HeadError::Io => unreachable!(),
                };
                let _ = write_reply(&mut writer, &Method::GET, Version::HTTP_11, false, reply).await;
                break;
            }
        };
        let started = Instant::now();
        let (method, version) = (head.method.clone(), head.version);
        let target = if logging { head.target.clone() } else { String::new() };
        let mut keep_alive = head.keep_alive;
        let req = match client_request(&state, &mut head) {
            Ok(r) => r,
            Err(reply) => {
                let reply = *reply;
                keep_alive &= head.framing == Framing::None;
                let log = (reply.status, reply.decision, if logging { reply.cache_status.clone() } else { String::new() });
                let ok = write_reply(&mut writer, &method, version, keep_alive, reply).await;
                log_line(&state, peer, &method, &target, log, *ok.as_ref().unwrap_or(&0), started);
                if !keep_alive || ok.is_err() {
                    break;
                }
                continue;
            }
        };
        if head.expect_continue && version == Version::HTTP_11 && writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await.is_err() {
            break;
        }
        // The request body goes to the origin as it arrives, through a small channel.
        let (body, body_tx) = match head.framing {
            Framing::None => (OutBody::Empty, None),
            framing => {
                let (tx, rx) = mpsc::channel(4);
                let length = if let Framing::Length(n) = framing { Some(n) } else { None };
                (OutBody::Stream { rx, length }, Some(tx))
            }
        };
        let mut body_state = BodyState::start(head.framing);
        let pump = pump_request(&mut reader, &mut body_state, body_tx, cfg.client_timeout);
        tokio::pin!(pump);
        let mut pump_done = head.framing == Framing::None;
        let mut pump_ok = true;
        let handler = handle(&state, &req, body, itx.clone());
        tokio::pin!(handler);
        let mut write_failed = false;
        let mut reply = loop {
            tokio::select! {
                r = &mut pump, if !pump_done => { pump_done = true; pump_ok = r; }
                Some(i) = irx.recv() => {
                    // 1xx responses are forwarded to HTTP/1.1 clients only (RFC 9110 §15.2);
                    // 101 would switch protocols, which this proxy does not do.
                    if version == Version::HTTP_11 && i.status != 101 && !write_failed {
                        write_failed = writer.write_interim(i.status, &i.headers).await.is_err();
                    }
                }
                reply = &mut handler => break reply,
            }
        };
        while let Ok(i) = irx.try_recv() {
            if version == Version::HTTP_11 && i.status != 101 && !write_failed {
                write_failed = writer.write_interim(i.status, &i.headers).await.is_err();
            }
        }
        if write_failed {
            break;
        }
        let log = (reply.status, reply.decision, if logging { std::mem::take(&mut reply.cache_status) } else { String::new() });
        // A request body the origin did not read keeps the connection from being reused.
        let result = write_reply_pumping(&mut writer, &method, version, keep_alive, reply, &mut pump, &mut pump_done, &mut pump_ok).await;
        log_line(&state, peer, &method, &target, log, *result.as_ref().unwrap_or(&0), started);
        if !pump_done || !pump_ok || result.is_err() {
            keep_alive = false;
        }
        if !keep_alive {
            break;
        }
    }
    writer.shutdown().await;
}

/// Reads the request body into the origin's channel; false when it could not be read whole.
async fn pump_request(reader: &mut Reader, state: &mut BodyState, tx: Option<mpsc::Sender<Result<Bytes, std::io::Error>>>, wait: std::time::Duration) -> bool {
    let Some(tx) = tx else { return true };
    loop {
        match reader.read_body(state, wait).await {
            Ok(Some(data)) => {
                if tx.send(Ok(data)).await.is_err() {
                    return false; // nobody reads it: the connection cannot be reused
                }
            }
            Ok(None) => return true,
            Err(e) => {
                let _ = tx.send(Err(e)).await;
                return false;
            }
        }
    }
}

fn log_line(state: &State, peer: SocketAddr, method: &Method, target: &str, (status, decision, cache_status): (u16, &str, String), bytes: u64, started: Instant) {
    if !state.logger.enabled() {
        return;
    }
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let target: String = target.chars().take(256).map(|c| if c.is_control() { '?' } else { c }).collect();
    state.logger.line(format!("{} {peer} \"{method} {target}\" {status} {bytes} {decision} \"{cache_status}\" {ms:.1}ms", cachepolicy::format_http_date(unix_secs())));
}

fn unix_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

fn wire_for(method: &Method, version: Version, body: &ReplyBody) -> Wire {
    let head_request = *method == Method::HEAD;
    match body {
        ReplyBody::None(length) => Wire::NoBody(*length),
        ReplyBody::Full(b) if head_request => Wire::NoBody(Some(b.len() as u64)),
        ReplyBody::Full(b) => Wire::Length(b.len() as u64),
        ReplyBody::Stream { length, .. } if head_request => Wire::NoBody(*length),
        ReplyBody::Stream { length: Some(n), .. } => Wire::Length(*n),
        ReplyBody::Stream { .. } if version == Version::HTTP_11 => Wire::Chunked,
        ReplyBody::Stream { .. } => Wire::Close,
    }
}

/// Writes a reply; the body bytes written, or an error when the connection must close.
async fn write_reply(w: &mut Writer, method: &Method, version: Version, keep_alive: bool, reply: Reply) -> std::io::Result<u64> {
    let pump = std::future::pending::<bool>();
    let mut pump = std::pin::pin!(pump);
    let (mut done, mut ok) = (true, true);
    write_reply_pumping(w, method, version, keep_alive, reply, &mut pump, &mut done, &mut ok).await
}

#[allow(clippy::too_many_arguments)]
async fn write_reply_pumping<F: std::future::Future<Output = bool>>(
    w: &mut Writer,
    method: &Method,
    version: Version,
    keep_alive: bool,
    reply: Reply,
    pump: &mut std::pin::Pin<&mut F>,
    pump_done: &mut bool,
    pump_ok: &mut bool,
) -> std::io::Result<u64> {
    let wire = wire_for(method, version, &reply.body);
    // Without a known length the end of the body is the end of the connection.
    let keep_alive = keep_alive && wire != Wire::Close;
    let mut head = Vec::with_capacity(reply.head.len() + 96);
    status_line(&mut head, reply.status, reply.reason.as_deref());
    head.extend_from_slice(&reply.head);
    finish_head(&mut head, wire, version, keep_alive);
    match reply.body {
        ReplyBody::Full(body) if !matches!(wire, Wire::NoBody(_)) => {
            if body.len() <= 32 << 10 {
                head.extend_from_slice(&body);
                w.write_all(&head).await?;
            } else {
                w.write_all(&head).await?;
                w.write_all(&body).await?;
            }
            Ok(body.len() as u64)
        }
        ReplyBody::Stream { mut rx, length } if !matches!(wire, Wire::NoBody(_)) => {
            w.write_all(&head).await?;
            let mut written = 0u64;
            loop {
                tokio::select! {
                    r = pump.as_mut(), if !*pump_done => { *pump_done = true; *pump_ok = r; }
                    piece = rx.recv() => match piece {
                        Some(Ok(data)) => {
                            written += data.len() as u64;
                            if length.is_some_and(|n| written > n) {
                                return Err(std::io::ErrorKind::InvalidData.into());
                            }
                            w.write_body(wire, &data).await?;
                        }
                        // The origin broke off: end without the final chunk (or short of
                        // Content-Length) and close, so the client sees it incomplete.
                        Some(Err(())) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
                        None => break,
                    },
                }
            }
            if length.is_some_and(|n| written != n) {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            w.finish_body(wire).await?;
            if wire == Wire::Close {
                return Err(std::io::ErrorKind::Other.into());
            }
            Ok(written)
        }
        _ => {
            w.write_all(&head).await?;
            Ok(0)
        }
    }
}
