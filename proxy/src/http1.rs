//! The client-facing HTTP/1.1 codec (RFC 9112): request heads parsed with `httparse`,
//! request bodies (Content-Length or chunked) decoded as they arrive, responses written with
//! interim (1xx) responses first.
//!
//! Why not hyper's server: hyper 1.x's HTTP/1 server cannot send 1xx responses other than
//! its own `100 Continue`, and a proxy must forward 103 Early Hints and friends (RFC 9110
//! §15.2). The origin side uses hyper's client.

use std::io;
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::{Method, Version};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::time::timeout;

/// Most header lines accepted in a request head.
const MAX_HEADERS: usize = 128;
/// Longest chunk-size or trailer line accepted.
const MAX_LINE: usize = 8 << 10;

/// How a request body is delimited (RFC 9112 §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// No body.
    None,
    /// Content-Length bytes.
    Length(u64),
    /// Chunked transfer coding.
    Chunked,
}

/// A parsed request head.
#[derive(Debug)]
pub struct RequestHead {
    /// The method (extension methods included).
    pub method: Method,
    /// The request target as sent.
    pub target: String,
    /// HTTP/1.0 or HTTP/1.1.
    pub version: Version,
    /// The header lines, in order (names lower-cased).
    pub headers: HeaderMap,
    /// How the body is delimited.
    pub framing: Framing,
    /// Whether the connection may serve another request after this one.
    pub keep_alive: bool,
    /// `Expect: 100-continue` was sent with a body.
    pub expect_continue: bool,
}

/// Why a request head could not be read; each maps to an error response.
#[derive(Debug)]
pub enum HeadError {
    /// Malformed: 400.
    Bad(&'static str),
    /// Too large: 431.
    TooLarge,
    /// The client sent part of a head and then nothing: 408.
    Timeout,
    /// The connection failed or closed mid-head: no response possible.
    Io,
}

/// The reading half of a client connection, with its buffer.
pub struct Reader {
    io: OwnedReadHalf,
    buf: BytesMut,
}

impl Reader {
    /// Wraps the reading half.
    pub fn new(io: OwnedReadHalf) -> Reader {
        Reader { io, buf: BytesMut::with_capacity(8 << 10) }
    }

    async fn fill(&mut self, wait: Duration) -> io::Result<usize> {
        if self.buf.capacity() - self.buf.len() < 4096 {
            self.buf.reserve(8 << 10);
        }
        match timeout(wait, self.io.read_buf(&mut self.buf)).await {
            Ok(r) => r,
            Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "client timed out")),
        }
    }

    /// Reads the next request head; `Ok(None)` when the client closed (or idled out)
    /// between requests.
    pub async fn read_head(&mut self, max_bytes: usize, wait: Duration) -> Result<Option<RequestHead>, HeadError> {
        loop {
            // RFC 9112 §2.2: ignore empty lines before a request line.
            while self.buf.starts_with(b"\r\n") {
                self.buf.advance(2);
            }
            if !self.buf.is_empty() {
                let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
                let mut req = httparse::Request::new(&mut headers);
                match req.parse(&self.buf) {
                    Ok(httparse::Status::Complete(n)) => {
                        // Header values share the head's bytes instead of being copied.
                        let base = self.buf.as_ptr() as usize;
                        let method = Method::from_bytes(req.method.unwrap_or_default().as_bytes()).map_err(|_| HeadError::Bad("invalid method"))?;
                        let target = req.path.unwrap_or_default().to_string();
                        let version = if req.version == Some(0) { Version::HTTP_10 } else { Version::HTTP_11 };
                        let mut lines = Vec::with_capacity(req.headers.len());
                        for h in req.headers.iter() {
                            let name = HeaderName::from_bytes(h.name.as_bytes()).map_err(|_| HeadError::Bad("invalid header name"))?;
                            let value = trim(h.value);
                            lines.push((name, value.as_ptr() as usize - base, value.len()));
                        }
                        let bytes = self.buf.split_to(n).freeze();
                        let mut headers = HeaderMap::with_capacity(lines.len());
                        for (name, start, len) in lines {
                            let value = HeaderValue::from_maybe_shared(bytes.slice(start..start + len)).map_err(|_| HeadError::Bad("invalid header value"))?;
                            headers.append(name, value);
                        }
                        return build_head(method, target, version, headers).map(Some);
                    }
                    Ok(httparse::Status::Partial) => {
                        if self.buf.len() > max_bytes {
                            return Err(HeadError::TooLarge);
                        }
                    }
                    Err(httparse::Error::TooManyHeaders) => return Err(HeadError::TooLarge),
                    Err(_) => return Err(HeadError::Bad("malformed request head")),
                }
            }
            match self.fill(wait).await {
                Ok(0) if self.buf.is_empty() => return Ok(None),
                Ok(0) => return Err(HeadError::Io),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                    return if self.buf.is_empty() { Ok(None) } else { Err(HeadError::Timeout) };
                }
                Err(_) => return Err(HeadError::Io),
            }
        }
    }

    /// The next piece of a request body; `Ok(None)` at its end.
    pub async fn read_body(&mut self, state: &mut BodyState, wait: Duration) -> io::Result<Option<Bytes>> {
        loop {
            match *state {
                BodyState::Done => return Ok(None),
                BodyState::Length(0) => {
                    *state = BodyState::Done;
                    return Ok(None);
                }
                BodyState::Length(n) => {
                    if self.buf.is_empty() && self.fill(wait).await? == 0 {
                        return Err(io::ErrorKind::UnexpectedEof.into());
                    }
                    let take = (n.min(self.buf.len() as u64)) as usize;
                    *state = BodyState::Length(n - take as u64);
                    return Ok(Some(self.buf.split_to(take).freeze()));
                }
                BodyState::ChunkSize => {
                    let line = self.read_line(wait).await?;
                    let size = line.split(|&b| b == b';').next().unwrap_or_default();
                    let size = std::str::from_utf8(size).ok().map(str::trim).filter(|s| !s.is_empty() && s.len() <= 15);
                    let size = size.and_then(|s| u64::from_str_radix(s, 16).ok()).ok_or_else(|| bad("invalid chunk size"))?;
                    *state = if size == 0 { BodyState::Trailers } else { BodyState::ChunkData(size) };
                }
                BodyState::ChunkData(n) => {
                    if self.buf.is_empty() && self.fill(wait).await? == 0 {
                        return Err(io::ErrorKind::UnexpectedEof.into());
                    }
                    let take = (n.min(self.buf.len() as u64)) as usize;
                    *state = if take as u64 == n { BodyState::ChunkEnd } else { BodyState::ChunkData(n - take as u64) };
                    return Ok(Some(self.buf.split_to(take).freeze()));
                }
                BodyState::ChunkEnd => {
                    if !self.read_line(wait).await?.is_empty() {
                        return Err(bad("chunk data longer than its size"));
                    }
                    *state = BodyState::ChunkSize;
                }
                BodyState::Trailers => {
                    // Trailer fields are not forwarded (a proxy may drop them, RFC 9110 §6.5.1).
                    if self.read_line(wait).await?.is_empty() {
                        *state = BodyState::Done;
                    }
                }
            }
        }
    }

    async fn read_line(&mut self, wait: Duration) -> io::Result<Bytes> {
        loop {
            if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = self.buf.split_to(i).freeze();
                self.buf.advance(2);
                return Ok(line);
            }
            if self.buf.len() > MAX_LINE {
                return Err(bad("line too long"));
            }
            if self.fill(wait).await? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
    }
}

fn bad(msg: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

/// Where a request body's decoding stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyState {
    /// Bytes left of a Content-Length body.
    Length(u64),
    /// Before a chunk-size line.
    ChunkSize,
    /// Bytes left of a chunk.
    ChunkData(u64),
    /// Before the CRLF after a chunk.
    ChunkEnd,
    /// Reading trailer lines.
    Trailers,
    /// Complete.
    Done,
}

impl BodyState {
    /// The state at the start of a body framed so.
    pub fn start(framing: Framing) -> BodyState {
        match framing {
            Framing::None => BodyState::Done,
            Framing::Length(n) => BodyState::Length(n),
            Framing::Chunked => BodyState::ChunkSize,
        }
    }
}

fn build_head(method: Method, target: String, version: Version, headers: HeaderMap) -> Result<RequestHead, HeadError> {
    let has_te = headers.contains_key(http::header::TRANSFER_ENCODING);
    let framing = if has_te {
        // RFC 9112 §6.1: chunked must be the final coding; with Content-Length too, the
        // message is a smuggling attempt or broken: refuse it.
        if version == Version::HTTP_10 || headers.contains_key(http::header::CONTENT_LENGTH) {
            return Err(HeadError::Bad("Transfer-Encoding with Content-Length or in HTTP/1.0"));
        }
        let last = headers.get_all(http::header::TRANSFER_ENCODING).iter().flat_map(|v| v.as_bytes().split(|&b| b == b',')).map(trim).rfind(|c| !c.is_empty());
        if !last.is_some_and(|c| c.eq_ignore_ascii_case(b"chunked")) {
            return Err(HeadError::Bad("unsupported transfer coding"));
        }
        Framing::Chunked
    } else {
        let mut length: Option<u64> = None;
        for v in headers.get_all(http::header::CONTENT_LENGTH) {
            for part in v.as_bytes().split(|&b| b == b',') {
                let part = trim(part);
                let n = std::str::from_utf8(part).ok().filter(|s| !s.is_empty() && s.len() <= 18 && s.bytes().all(|b| b.is_ascii_digit()));
                let n = n.and_then(|s| s.parse::<u64>().ok()).ok_or(HeadError::Bad("invalid Content-Length"))?;
                if length.is_some_and(|l| l != n) {
                    return Err(HeadError::Bad("conflicting Content-Length"));
                }
                length = Some(n);
            }
        }
        match length {
            Some(0) | None => Framing::None,
            Some(n) => Framing::Length(n),
        }
    };
    let tokens = |name| headers.get_all(name).iter().flat_map(|v| v.as_bytes().split(|&b| b == b',')).map(trim).collect::<Vec<_>>();
    let connection = tokens(http::header::CONNECTION);
    let keep_alive = if connection.iter().any(|t| t.eq_ignore_ascii_case(b"close")) {
        false
    } else if version == Version::HTTP_10 {
        connection.iter().any(|t| t.eq_ignore_ascii_case(b"keep-alive"))
    } else {
        true
    };
    let expect_continue = framing != Framing::None && tokens(http::header::EXPECT).iter().any(|t| t.eq_ignore_ascii_case(b"100-continue"));
    Ok(RequestHead { method, target, version, headers, framing, keep_alive, expect_continue })
}

/// Optional whitespace trimmed from both ends.
pub fn trim(v: &[u8]) -> &[u8] {
    let start = v.iter().position(|&b| b != b' ' && b != b'\t').unwrap_or(v.len());
    let end = v.iter().rposition(|&b| b != b' ' && b != b'\t').map_or(start, |i| i + 1);
    &v[start..end]
}

/// The writing half of a client connection.
pub struct Writer {
    io: OwnedWriteHalf,
}

/// How a response body goes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    /// No body (HEAD, 1xx, 204, 304); `Content-Length` is sent when given.
    NoBody(Option<u64>),
    /// Exactly this many bytes.
    Length(u64),
    /// Chunked transfer coding (HTTP/1.1 clients).
    Chunked,
    /// Until the connection closes (HTTP/1.0 clients, unknown length).
    Close,
}

impl Writer {
    /// Wraps the writing half.
    pub fn new(io: OwnedWriteHalf) -> Writer {
        Writer { io }
    }

    /// Writes a whole buffer.
    pub async fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.io.write_all(bytes).await
    }

    /// Writes an interim (1xx) response.
    pub async fn write_interim(&mut self, status: u16, headers: &HeaderMap) -> io::Result<()> {
        let mut out = Vec::with_capacity(128);
        status_line(&mut out, status, None);
        for (n, v) in headers {
            header_line(&mut out, n.as_str(), v.as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        self.io.write_all(&out).await
    }

    /// Writes a body piece with the wire's framing.
    pub async fn write_body(&mut self, wire: Wire, data: &[u8]) -> io::Result<()> {
        match wire {
            Wire::NoBody(_) => Ok(()),
            Wire::Length(_) | Wire::Close => self.io.write_all(data).await,
            Wire::Chunked if data.is_empty() => Ok(()),
            Wire::Chunked => {
                let mut piece = Vec::with_capacity(data.len() + 16);
                piece.extend_from_slice(format!("{:x}\r\n", data.len()).as_bytes());
                piece.extend_from_slice(data);
                piece.extend_from_slice(b"\r\n");
                self.io.write_all(&piece).await
            }
        }
    }

    /// Ends a body.
    pub async fn finish_body(&mut self, wire: Wire) -> io::Result<()> {
        if wire == Wire::Chunked {
            self.io.write_all(b"0\r\n\r\n").await?;
        }
        Ok(())
    }

    /// Closes the sending side.
    pub async fn shutdown(&mut self) {
        let _ = self.io.shutdown().await;
    }
}

/// `HTTP/1.1 <status> <reason>\r\n`.
pub fn status_line(out: &mut Vec<u8>, status: u16, reason: Option<&str>) {
    out.extend_from_slice(b"HTTP/1.1 ");
    let status = status.min(999);
    out.extend_from_slice(&[b'0' + (status / 100) as u8, b'0' + (status / 10 % 10) as u8, b'0' + (status % 10) as u8, b' ']);
    let canonical = http::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason());
    let reason = reason.filter(|r| r.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b) || b >= 0x80)).or(canonical).unwrap_or("");
    out.extend_from_slice(reason.as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// `name: value\r\n`.
pub fn header_line(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// The framing lines for `wire` and the connection's fate, then the blank line.
pub fn finish_head(out: &mut Vec<u8>, wire: Wire, version: Version, keep_alive: bool) {
    match wire {
        Wire::NoBody(Some(n)) | Wire::Length(n) => header_line(out, "content-length", n.to_string().as_bytes()),
        Wire::Chunked => header_line(out, "transfer-encoding", b"chunked"),
        Wire::NoBody(None) | Wire::Close => {}
    }
    if !keep_alive || wire == Wire::Close {
        header_line(out, "connection", b"close");
    } else if version == Version::HTTP_10 {
        header_line(out, "connection", b"keep-alive");
    }
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::{TcpListener, TcpStream};

    async fn pair() -> (Reader, TcpStream) {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(l.local_addr().unwrap()).await.unwrap();
        let (server, _) = l.accept().await.unwrap();
        let (r, w) = server.into_split();
        std::mem::forget(w);
        (Reader::new(r), client)
    }

    #[tokio::test]
    async fn parses_heads_and_chunked_bodies() {
        let (mut r, mut c) = pair().await;
        c.write_all(b"\r\nPOST /a?b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nX: 1\r\nx:  2 \r\n\r\n3;ext\r\nabc\r\n2\r\nde\r\n0\r\nT: v\r\n\r\nGET / HTTP/1.0\r\n\r\n").await.unwrap();
        let w = Duration::from_secs(1);
        let head = r.read_head(1 << 16, w).await.unwrap().unwrap();
        assert_eq!(head.method, Method::POST);
        assert_eq!(head.target, "/a?b");
        assert_eq!(head.framing, Framing::Chunked);
        assert!(head.keep_alive);
        let xs: Vec<_> = head.headers.get_all("x").iter().map(|v| v.to_str().unwrap().to_string()).collect();
        assert_eq!(xs, ["1", "2"]);
        let mut st = BodyState::start(head.framing);
        let mut body = Vec::new();
        while let Some(b) = r.read_body(&mut st, w).await.unwrap() {
            body.extend_from_slice(&b);
        }
        assert_eq!(body, b"abcde");
        let head = r.read_head(1 << 16, w).await.unwrap().unwrap();
        assert_eq!(head.version, Version::HTTP_10);
        assert!(!head.keep_alive);
        drop(c);
        assert!(r.read_head(1 << 16, w).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn refuses_smuggling_and_oversize() {
        let (mut r, mut c) = pair().await;
        c.write_all(b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n").await.unwrap();
        assert!(matches!(r.read_head(1 << 16, Duration::from_secs(1)).await, Err(HeadError::Bad(_))));
        let (mut r, mut c) = pair().await;
        c.write_all(b"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n").await.unwrap();
        assert!(matches!(r.read_head(1 << 16, Duration::from_secs(1)).await, Err(HeadError::Bad(_))));
        let (mut r, mut c) = pair().await;
        c.write_all(format!("GET / HTTP/1.1\r\nX: {}\r\n", "a".repeat(2000)).as_bytes()).await.unwrap();
        assert!(matches!(r.read_head(1000, Duration::from_secs(1)).await, Err(HeadError::TooLarge)));
    }
}
