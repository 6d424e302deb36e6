//! The two-stage expiry pattern against dog-piling, for an accelerator.
//!
//! The engine reports the stage; the lock is the caller's. At the soft expiry exactly one caller
//! refreshes the entry while everyone else keeps getting the old response; past the hard expiry
//! nothing stale is served. Run: `cargo run -p cachepolicy --example two_stage_expiry`.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cachepolicy::{CachePolicy, ExpiryStage, Options, Request, Response};

/// One cache entry: the policy (and, in a real cache, the body) plus the refresh lock.
struct Entry {
    policy: RwLock<CachePolicy>,
    refreshing: AtomicBool,
}

const URL: &str = "http://app.internal/report";

fn fetch_from_origin(now: SystemTime, origin_calls: &AtomicUsize) -> CachePolicy {
    origin_calls.fetch_add(1, Ordering::SeqCst);
    let request = Request { method: "GET", url: URL, headers: &[("host", "app.internal")] };
    let date = cachepolicy::format_http_date(now.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64);
    let headers = [("date", date.as_str()), ("cache-control", "max-age=60")];
    let mut options = Options::profile("accelerator").expect("known profile");
    options.grace_period = Duration::from_secs(30);
    CachePolicy::new(&request, &Response { status: 200, headers: &headers }, &options, now).expect("valid response")
}

/// What one client request does at `now`.
fn handle(entry: &Entry, now: SystemTime, origin_calls: &AtomicUsize) -> &'static str {
    let stage = entry.policy.read().unwrap().expiry_stage(now);
    match stage {
        ExpiryStage::Fresh => "served fresh",
        ExpiryStage::SoftExpired => {
            // Exactly one caller wins the lock and refreshes; the others serve the old response.
            if entry.refreshing.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire).is_ok() {
                let fresh = fetch_from_origin(now, origin_calls);
                *entry.policy.write().unwrap() = fresh;
                entry.refreshing.store(false, Ordering::Release);
                "refreshed (the one caller)"
            } else {
                "served stale while another caller refreshes"
            }
        }
        ExpiryStage::HardExpired => {
            let fresh = fetch_from_origin(now, origin_calls);
            *entry.policy.write().unwrap() = fresh;
            "hard expired: waited for the origin"
        }
    }
}

fn main() {
    let t0 = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let origin_calls = Arc::new(AtomicUsize::new(0));
    let entry = Arc::new(Entry { policy: RwLock::new(fetch_from_origin(t0, &origin_calls)), refreshing: AtomicBool::new(false) });

    println!("t+30s: {}", handle(&entry, t0 + Duration::from_secs(30), &origin_calls));

    // At t+70 s the entry is soft-expired: 16 concurrent requests, one origin call.
    entry.refreshing.store(true, Ordering::Release); // someone is already refreshing...
    let soft = t0 + Duration::from_secs(70);
    let handles: Vec<_> = (0..16)
        .map(|_| {
            let (entry, calls) = (entry.clone(), origin_calls.clone());
            std::thread::spawn(move || handle(&entry, soft, &calls))
        })
        .collect();
    let outcomes: Vec<&str> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    println!("t+70s, 16 requests while a refresh is in flight: {:?}", outcomes.iter().filter(|o| o.starts_with("served stale")).count());
    entry.refreshing.store(false, Ordering::Release); // ...and now it is done
    println!("t+70s: {}", handle(&entry, soft, &origin_calls));
    println!("t+75s: {}", handle(&entry, t0 + Duration::from_secs(75), &origin_calls));
    println!("t+200s: {}", handle(&entry, t0 + Duration::from_secs(200), &origin_calls));
    println!("origin calls: {}", origin_calls.load(Ordering::SeqCst));
}
