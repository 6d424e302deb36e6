//! One line per request on stderr, written by a thread of its own so that a slow terminal
//! never holds up a response; lines are dropped (and counted) when it falls behind.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::Arc;

/// The request log.
#[derive(Clone)]
pub struct Logger {
    tx: Option<SyncSender<String>>,
    dropped: Arc<AtomicU64>,
}

impl Logger {
    /// A logger writing to stderr, or discarding everything when `enabled` is false.
    pub fn new(enabled: bool) -> Logger {
        let dropped = Arc::new(AtomicU64::new(0));
        if !enabled {
            return Logger { tx: None, dropped };
        }
        let (tx, rx) = sync_channel::<String>(8192);
        let lost = Arc::clone(&dropped);
        std::thread::Builder::new()
            .name("cachepolicy-proxy-log".into())
            .spawn(move || {
                let stderr = std::io::stderr();
                let mut out = std::io::BufWriter::with_capacity(64 << 10, stderr.lock());
                while let Ok(line) = rx.recv() {
                    let _ = writeln!(out, "{line}");
                    while let Ok(line) = rx.try_recv() {
                        let _ = writeln!(out, "{line}");
                    }
                    let n = lost.swap(0, Ordering::Relaxed);
                    if n > 0 {
                        let _ = writeln!(out, "cachepolicy-proxy: {n} log lines dropped");
                    }
                    let _ = out.flush();
                }
            })
            .map(|_| Logger { tx: Some(tx), dropped: Arc::clone(&dropped) })
            .unwrap_or(Logger { tx: None, dropped })
    }

    /// Whether lines are written at all.
    pub fn enabled(&self) -> bool {
        self.tx.is_some()
    }

    /// Queues a line.
    pub fn line(&self, line: String) {
        if let Some(tx) = &self.tx {
            if let Err(TrySendError::Full(_)) = tx.try_send(line) {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}
