//! The in-memory store: stored responses filed by primary key, several Vary variants per key,
//! evicted least-recently-used first so that header and body bytes stay within a bound; and
//! the registry that collapses concurrent misses for one key into one origin request.
//!
//! The store decides nothing about HTTP caching: which variant answers a request, whether a
//! response may be stored and which stored responses a new one replaces all come from the
//! engine (`select_variant`, `storable`, `secondary_key_for`).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use cachepolicy::CachePolicy;
use tokio::sync::watch;

/// Most variants kept for one primary key; the oldest goes first.
pub const MAX_VARIANTS: usize = 32;

/// Bytes counted for a stored response besides its header lines and body (the policy's own
/// bookkeeping, the map entry).
const OVERHEAD: usize = 512;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// One stored response: its policy (which holds the stored header lines) and its body.
#[derive(Debug)]
pub struct Stored {
    /// Unique for the life of the process.
    pub id: u64,
    /// The engine's policy for the exchange.
    pub policy: CachePolicy,
    /// The complete body.
    pub body: Bytes,
    /// Bytes counted against the store's bound.
    pub size: usize,
    /// A background refresh (stale-while-revalidate) is running for this response.
    pub refreshing: AtomicBool,
}

impl Stored {
    /// Wraps a policy and its complete body.
    pub fn new(policy: CachePolicy, body: Bytes) -> Arc<Stored> {
        let headers: usize = policy.stored_headers().map(|(n, v)| n.len() + v.len() + 4).sum();
        let size = headers + body.len() + policy.url().len() + OVERHEAD;
        Arc::new(Stored { id: NEXT_ID.fetch_add(1, Ordering::Relaxed), policy, body, size, refreshing: AtomicBool::new(false) })
    }
}

struct Entry {
    /// Shared with readers; replaced (never changed in place) on updates.
    variants: Arc<Vec<Arc<Stored>>>,
    size: usize,
    tick: u64,
}

struct Inner {
    map: HashMap<String, Entry>,
    /// Recency order: tick → key. The smallest tick is the least recently used key.
    lru: BTreeMap<u64, String>,
    next_tick: u64,
    bytes: usize,
}

/// The store's counters, for tests and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreStats {
    /// Primary keys held.
    pub keys: usize,
    /// Stored responses held.
    pub responses: usize,
    /// Bytes counted against the bound.
    pub bytes: usize,
}

/// Stored responses by primary key, bounded by bytes.
pub struct Store {
    inner: Mutex<Inner>,
    max_bytes: usize,
}

impl Store {
    /// An empty store holding at most `max_bytes`.
    pub fn new(max_bytes: usize) -> Store {
        Store { inner: Mutex::new(Inner { map: HashMap::new(), lru: BTreeMap::new(), next_tick: 0, bytes: 0 }), max_bytes }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent data (every update is complete
        // before anything can panic), so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The stored responses for `key`, marking the key as recently used.
    pub fn lookup(&self, key: &str) -> Arc<Vec<Arc<Stored>>> {
        let mut inner = self.lock();
        let inner = &mut *inner;
        let Some(entry) = inner.map.get_mut(key) else { return Arc::default() };
        // Keys among the most recently used quarter keep their place: the order of hot keys
        // does not matter for eviction, and skipping the move keeps hits cheap.
        let recent = inner.next_tick - entry.tick <= (inner.lru.len() as u64 / 4).max(1);
        if !recent {
            if let Some(k) = inner.lru.remove(&entry.tick) {
                entry.tick = inner.next_tick;
                inner.next_tick += 1;
                inner.lru.insert(entry.tick, k);
            }
        }
        Arc::clone(&entry.variants)
    }

    /// Files `new` under `key`, first removing the stored responses `superseded` says it
    /// replaces; then evicts least recently used keys until the bound holds. A response
    /// larger than the whole bound is not stored.
    pub fn insert(&self, key: &str, new: Arc<Stored>, superseded: impl Fn(&Stored) -> bool) {
        let mut inner = self.lock();
        let inner = &mut *inner;
        if new.size > self.max_bytes {
            return;
        }
        let tick = inner.next_tick;
        inner.next_tick += 1;
        let entry = match inner.map.get_mut(key) {
            Some(e) => {
                inner.lru.remove(&e.tick);
                e
            }
            None => inner.map.entry(key.to_string()).or_insert(Entry { variants: Arc::default(), size: 0, tick }),
        };
        entry.tick = tick;
        inner.lru.insert(tick, key.to_string());
        let before = entry.size;
        let mut variants: Vec<Arc<Stored>> = entry.variants.iter().filter(|v| !superseded(v)).cloned().collect();
        variants.push(new);
        if variants.len() > MAX_VARIANTS {
            let excess = variants.len() - MAX_VARIANTS;
            variants.drain(..excess);
        }
        entry.variants = Arc::new(variants);
        entry.size = entry.variants.iter().map(|v| v.size).sum();
        inner.bytes = inner.bytes - before + entry.size;
        while inner.bytes > self.max_bytes {
            let Some((&oldest, _)) = inner.lru.iter().next() else { break };
            let victim = inner.lru.remove(&oldest).unwrap_or_default();
            if victim == key && inner.lru.is_empty() {
                // Only the new entry is left and it is too big with its old variants:
                // keep the newest variant alone.
                let e = inner.map.get_mut(key).expect("present");
                let keep = Arc::clone(e.variants.last().expect("the new variant"));
                e.variants = Arc::new(vec![keep]);
                inner.bytes = inner.bytes - e.size + e.variants[0].size;
                e.size = e.variants[0].size;
                inner.lru.insert(oldest, victim);
                break;
            }
            if let Some(e) = inner.map.remove(&victim) {
                inner.bytes -= e.size;
            }
        }
    }

    /// Replaces the stored response `old_id` of `key` with `new` (after a revalidation), or
    /// files `new` if `old_id` is gone meanwhile.
    pub fn replace(&self, key: &str, old_id: u64, new: Arc<Stored>) {
        self.insert(key, new, |v| v.id == old_id);
    }

    /// Removes the stored response `id` of `key`, if still there.
    pub fn remove(&self, key: &str, id: u64) {
        let mut inner = self.lock();
        let inner = &mut *inner;
        let Some(entry) = inner.map.get_mut(key) else { return };
        let before = entry.size;
        entry.variants = Arc::new(entry.variants.iter().filter(|v| v.id != id).cloned().collect());
        entry.size = entry.variants.iter().map(|v| v.size).sum();
        inner.bytes = inner.bytes - before + entry.size;
        if entry.variants.is_empty() {
            let tick = entry.tick;
            inner.map.remove(key);
            inner.lru.remove(&tick);
        }
    }

    /// Removes every stored response for `key` (RFC 9111 §4.4 invalidation).
    pub fn invalidate(&self, key: &str) -> bool {
        let mut inner = self.lock();
        let inner = &mut *inner;
        match inner.map.remove(key) {
            Some(e) => {
                inner.lru.remove(&e.tick);
                inner.bytes -= e.size;
                true
            }
            None => false,
        }
    }

    /// Current counters.
    pub fn stats(&self) -> StoreStats {
        let inner = self.lock();
        StoreStats { keys: inner.map.len(), responses: inner.map.values().map(|e| e.variants.len()).sum(), bytes: inner.bytes }
    }
}

/// What a request that misses learns from the collapsing registry.
pub enum Join {
    /// No origin request is under way for the key: this request makes it; waiters are
    /// released when the guard is dropped (after the response was stored, or found not
    /// storable).
    Lead(LeaderGuard),
    /// Another request is fetching the key: wait for it, then look again.
    Wait(watch::Receiver<bool>),
    /// The key's last response could not be stored: do not wait for others.
    Pass,
}

struct Registry {
    inflight: HashMap<String, watch::Sender<bool>>,
    /// Keys whose last response was not storable, until when ("hit-for-pass").
    pass: HashMap<String, Instant>,
}

/// Collapses concurrent misses for the same primary key (RFC 9111 §4: a cache may use one
/// response to satisfy several requests).
pub struct Collapser {
    registry: Mutex<Registry>,
    pass_for: Duration,
}

impl Default for Collapser {
    fn default() -> Self {
        Collapser { registry: Mutex::new(Registry { inflight: HashMap::new(), pass: HashMap::new() }), pass_for: Duration::from_secs(10) }
    }
}

impl Collapser {
    fn lock(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Lead, wait or pass for `key`.
    pub fn join(self: &Arc<Self>, key: &str) -> Join {
        let mut r = self.lock();
        if let Some(until) = r.pass.get(key) {
            if *until > Instant::now() {
                return Join::Pass;
            }
            r.pass.remove(key);
        }
        if let Some(tx) = r.inflight.get(key) {
            return Join::Wait(tx.subscribe());
        }
        let (tx, _) = watch::channel(false);
        r.inflight.insert(key.to_string(), tx);
        Join::Lead(LeaderGuard { collapser: Arc::clone(self), key: key.to_string(), pass: false })
    }

    /// Requests being fetched for others to wait on.
    pub fn inflight(&self) -> usize {
        self.lock().inflight.len()
    }

    fn finish(&self, key: &str, pass: bool) {
        let mut r = self.lock();
        if let Some(tx) = r.inflight.remove(key) {
            tx.send_replace(true);
        }
        if pass {
            if r.pass.len() > 10_000 {
                let now = Instant::now();
                r.pass.retain(|_, until| *until > now);
            }
            r.pass.insert(key.to_string(), Instant::now() + self.pass_for);
        }
    }
}

/// Held by the request that fetches a key for others; dropping it releases the waiters.
pub struct LeaderGuard {
    collapser: Arc<Collapser>,
    key: String,
    pass: bool,
}

impl LeaderGuard {
    /// The response will not be stored: release the waiters now, and let later requests for
    /// the key go to the origin without waiting for a while.
    pub fn release_uncacheable(mut self) {
        self.pass = true;
    }
}

impl Drop for LeaderGuard {
    fn drop(&mut self) {
        self.collapser.finish(&self.key, self.pass);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cachepolicy::{Options, Request, Response};
    use std::time::SystemTime;

    fn stored(url: &str, body: usize) -> Arc<Stored> {
        let req = Request { method: "GET", url, headers: &[("host", "h")] };
        let res = Response { status: 200, headers: &[("cache-control", "max-age=60")] };
        let p = CachePolicy::new(&req, &res, &Options::default(), SystemTime::now()).unwrap();
        Stored::new(p, Bytes::from(vec![b'x'; body]))
    }

    #[test]
    fn evicts_least_recently_used_within_the_bound() {
        let one = stored("http://h/1", 1000).size;
        let store = Store::new(one * 3);
        store.insert("a", stored("http://h/1", 1000), |_| false);
        store.insert("b", stored("http://h/1", 1000), |_| false);
        store.insert("c", stored("http://h/1", 1000), |_| false);
        assert_eq!(store.lookup("a").len(), 1); // a is now the most recent
        store.insert("d", stored("http://h/1", 1000), |_| false);
        assert!(store.lookup("b").is_empty(), "b was least recently used");
        assert_eq!(store.lookup("a").len(), 1);
        assert!(store.stats().bytes <= one * 3);
        store.insert("huge", stored("http://h/1", one * 4), |_| false);
        assert!(store.lookup("huge").is_empty());
    }

    #[test]
    fn replace_remove_and_invalidate() {
        let store = Store::new(1 << 20);
        let a = stored("http://h/1", 10);
        let id = a.id;
        store.insert("k", a, |_| false);
        store.insert("k", stored("http://h/1", 20), |_| false);
        assert_eq!(store.lookup("k").len(), 2);
        store.replace("k", id, stored("http://h/1", 30));
        assert_eq!(store.lookup("k").len(), 2);
        assert!(store.lookup("k").iter().all(|v| v.id != id));
        let first = store.lookup("k")[0].id;
        store.remove("k", first);
        assert_eq!(store.lookup("k").len(), 1);
        assert!(store.invalidate("k"));
        assert_eq!(store.stats(), StoreStats { keys: 0, responses: 0, bytes: 0 });
    }

    #[tokio::test]
    async fn one_leader_many_waiters() {
        let c = Arc::new(Collapser::default());
        let Join::Lead(guard) = c.join("k") else { panic!("first request leads") };
        let Join::Wait(mut rx) = c.join("k") else { panic!("second waits") };
        drop(guard);
        rx.wait_for(|done| *done).await.unwrap();
        assert_eq!(c.inflight(), 0);
        let Join::Lead(guard) = c.join("k") else { panic!("leads again") };
        guard.release_uncacheable();
        assert!(matches!(c.join("k"), Join::Pass));
    }
}
