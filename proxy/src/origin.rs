//! The origin side: a pooled hyper client with connect and response timeouts, request bodies
//! streamed from the client connection, and 1xx interim responses handed to the caller.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::sync::mpsc;

/// A 1xx response received from the origin, to forward to the client.
#[derive(Debug)]
pub struct Interim {
    /// The status (100–199).
    pub status: u16,
    /// Its header lines.
    pub headers: HeaderMap,
}

/// Why no response came from the origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OriginError {
    /// Could not connect (refused, unreachable, connect timeout): 502.
    Connect,
    /// No response head within the response timeout: 504.
    Timeout,
    /// The connection failed or the response was malformed: 502.
    Broken,
}

impl OriginError {
    /// The status the proxy answers with.
    pub fn status(self) -> u16 {
        match self {
            OriginError::Timeout => 504,
            OriginError::Connect | OriginError::Broken => 502,
        }
    }

    /// A token for logs and `Cache-Status` detail.
    pub fn code(self) -> &'static str {
        match self {
            OriginError::Connect => "origin-unreachable",
            OriginError::Timeout => "origin-timeout",
            OriginError::Broken => "origin-broken",
        }
    }
}

/// A request body for the origin: none, or pieces arriving from the client connection.
pub enum OutBody {
    /// No body.
    Empty,
    /// Pieces from the client; `length` when the client sent Content-Length.
    Stream {
        /// The pieces; an error aborts the request.
        rx: mpsc::Receiver<Result<Bytes, std::io::Error>>,
        /// The Content-Length, if known.
        length: Option<u64>,
    },
}

impl Body for OutBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match self.get_mut() {
            OutBody::Empty => Poll::Ready(None),
            OutBody::Stream { rx, .. } => rx.poll_recv(cx).map(|o| o.map(|r| r.map(Frame::data))),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, OutBody::Empty)
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            OutBody::Empty => SizeHint::with_exact(0),
            OutBody::Stream { length: Some(n), .. } => SizeHint::with_exact(*n),
            OutBody::Stream { .. } => SizeHint::default(),
        }
    }
}

/// The origin: where every forwarded request goes.
pub struct Origin {
    client: Client<HttpConnector, OutBody>,
    /// Never reuses a connection: the one retry of a broken exchange goes over it.
    fresh: Client<HttpConnector, OutBody>,
    authority: String,
    head_timeout: Duration,
    /// Time allowed between two pieces of a response body.
    pub body_timeout: Duration,
}

impl Origin {
    /// A client for `authority` (`host:port`).
    pub fn new(authority: &str, connect_timeout: Duration, response_timeout: Duration) -> Origin {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(connect_timeout));
        connector.set_nodelay(true);
        connector.enforce_http(true);
        let client = Client::builder(TokioExecutor::new())
            // Shorter than common servers' keep-alive timeouts (Node: 5 s), so that a pooled
            // connection is rarely reused just as the origin closes it.
            .pool_idle_timeout(Duration::from_secs(4))
            .pool_max_idle_per_host(1024)
            .build(connector.clone());
        let fresh = Client::builder(TokioExecutor::new()).pool_max_idle_per_host(0).build(connector);
        Origin { client, fresh, authority: authority.to_string(), head_timeout: connect_timeout + response_timeout, body_timeout: response_timeout }
    }

    /// Sends a request; resolves with the response head and its (streaming) body. Interim
    /// responses are sent to `interim` as they arrive (dropped if it is full).
    ///
    /// An idempotent request without a body whose exchange broke off before a response head
    /// (typically a pooled connection the origin closed as it was reused) is retried once over
    /// a new connection, within the same time limit (RFC 9110 §9.2.2, RFC 9112 §9.3.1).
    pub async fn send(
        &self,
        method: &Method,
        path: &str,
        headers: HeaderMap,
        body: OutBody,
        interim: Option<mpsc::Sender<Interim>>,
    ) -> Result<http::Response<Incoming>, OriginError> {
        let deadline = tokio::time::Instant::now() + self.head_timeout;
        let retry = (method.is_idempotent() && matches!(body, OutBody::Empty)).then(|| (headers.clone(), interim.clone()));
        match self.attempt(&self.client, method, path, headers, body, interim, deadline).await {
            Err(OriginError::Broken) => match retry {
                Some((headers, interim)) => self.attempt(&self.fresh, method, path, headers, OutBody::Empty, interim, deadline).await,
                None => Err(OriginError::Broken),
            },
            result => result,
        }
    }

    /// One exchange over `client`, given up at `deadline`.
    #[allow(clippy::too_many_arguments)]
    async fn attempt(
        &self,
        client: &Client<HttpConnector, OutBody>,
        method: &Method,
        path: &str,
        headers: HeaderMap,
        body: OutBody,
        interim: Option<mpsc::Sender<Interim>>,
        deadline: tokio::time::Instant,
    ) -> Result<http::Response<Incoming>, OriginError> {
        let uri = format!("http://{}{}", self.authority, if path.starts_with('/') { path } else { "/" });
        let mut request = Request::builder().method(method.clone()).uri(uri).body(body).map_err(|_| OriginError::Broken)?;
        *request.headers_mut() = headers;
        if let Some(tx) = interim {
            hyper::ext::on_informational(&mut request, move |res| {
                // Bounded: an origin flooding 1xx responses to a client that does not read
                // them loses the excess instead of growing memory.
                let _ = tx.try_send(Interim { status: res.status().as_u16(), headers: res.headers().clone() });
            });
        }
        match tokio::time::timeout_at(deadline, client.request(request)).await {
            Err(_) => Err(OriginError::Timeout),
            Ok(Err(e)) if e.is_connect() => Err(OriginError::Connect),
            Ok(Err(_)) => Err(OriginError::Broken),
            Ok(Ok(response)) => Ok(response),
        }
    }
}

/// Fields that describe one connection, not the message (RFC 9110 §7.6.1), plus the
/// proxy-only ones; never forwarded in either direction.
pub fn is_hop_by_hop(name: &str) -> bool {
    matches!(
        name,
        "connection" | "keep-alive" | "proxy-connection" | "te" | "trailer" | "transfer-encoding" | "upgrade" | "proxy-authorization" | "proxy-authenticate"
    )
}

/// The lower-cased field names a message's Connection lines list.
pub fn connection_listed(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(http::header::CONNECTION)
        .iter()
        .flat_map(|v| v.as_bytes().split(|&b| b == b','))
        .map(|t| String::from_utf8_lossy(crate::http1::trim(t)).to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Appends `(name, value)` pairs given as text and bytes to a header map, skipping any that
/// are not valid header lines.
pub fn append_lines<'a>(map: &mut HeaderMap, lines: impl IntoIterator<Item = (&'a str, &'a [u8])>) {
    for (name, value) in lines {
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_bytes(value)) {
            map.append(n, v);
        }
    }
}
