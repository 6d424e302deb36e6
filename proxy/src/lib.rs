//! # cachepolicy-proxy
//!
//! A small HTTP/1.1 caching reverse proxy built on the `cachepolicy` engine: the engine makes
//! every caching decision (storable? fresh? which variant? what conditional request? how to
//! merge a 304? what to invalidate? what does `Cache-Status` say?), the proxy does the I/O,
//! the storage (an LRU bounded by bytes, several Vary variants per primary key), request
//! collapsing and background refresh.
//!
//! Start one in-process (as the integration tests do):
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let config = cachepolicy_proxy::Config::new("127.0.0.1:8000");
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8001").await?;
//! cachepolicy_proxy::run(config, listener).await
//! # }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cond;
pub mod config;
pub mod http1;
pub mod log;
pub mod origin;
pub mod proxy;
mod server;
pub mod store;

use std::sync::Arc;

pub use config::{Config, USAGE};
pub use proxy::State;
pub use store::StoreStats;

/// A running proxy's shared state, for looking at it while it serves.
#[derive(Clone)]
pub struct Proxy {
    state: Arc<State>,
}

impl Proxy {
    /// A proxy with this configuration (not serving yet).
    pub fn new(config: Config) -> Proxy {
        Proxy { state: Arc::new(State::new(config)) }
    }

    /// Serves connections from `listener` until the task is dropped.
    pub async fn serve(&self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        server::serve(Arc::clone(&self.state), listener).await
    }

    /// The store's counters.
    pub fn stats(&self) -> StoreStats {
        self.state.store.stats()
    }

    /// Bytes of response bodies being collected for storing right now.
    pub fn collecting_bytes(&self) -> usize {
        self.state.collecting_bytes()
    }

    /// Origin requests other requests are waiting on right now.
    pub fn collapsing(&self) -> usize {
        self.state.collapser.inflight()
    }
}

/// Runs a proxy with `config` on `listener` until the task is dropped.
pub async fn run(config: Config, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    Proxy::new(config).serve(listener).await
}

/// Runs a proxy on `config.listen` the way the binary does: one single-threaded event loop
/// per core (`threads`, or the number of cores), each accepting on its own `SO_REUSEPORT`
/// socket, all sharing one store, collapsing registry and origin connection pool. Blocks
/// until a loop fails. `on_ready` is called once every loop listens.
pub fn run_per_core(config: Config, threads: Option<usize>, on_ready: impl FnOnce() + Send + 'static) -> std::io::Result<()> {
    let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    let addr = config.listen;
    let mut config = config;
    config.max_connections = config.max_connections.div_ceil(threads);
    let proxy = Proxy::new(config);
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<std::io::Result<()>>();
    let mut handles = Vec::with_capacity(threads);
    for i in 0..threads {
        let (proxy, ready) = (proxy.clone(), ready_tx.clone());
        let handle = std::thread::Builder::new().name(format!("cachepolicy-proxy-{i}")).spawn(move || -> std::io::Result<()> {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(async move {
                let bound = (|| {
                    let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
                    socket.set_reuseaddr(true)?;
                    #[cfg(unix)]
                    socket.set_reuseport(true)?;
                    socket.bind(addr)?;
                    socket.listen(1024)
                })();
                let listener = match bound {
                    Ok(l) => {
                        let _ = ready.send(Ok(()));
                        l
                    }
                    Err(e) => {
                        let _ = ready.send(Err(std::io::Error::new(e.kind(), e.to_string())));
                        return Err(e);
                    }
                };
                proxy.serve(listener).await
            })
        })?;
        handles.push(handle);
    }
    drop(ready_tx);
    for _ in 0..threads {
        ready_rx.recv().map_err(|_| std::io::Error::other("an event loop did not start"))??;
    }
    on_ready();
    for h in handles {
        h.join().map_err(|_| std::io::Error::other("an event loop panicked"))??;
    }
    Ok(())
}
