//! Counts heap allocations: the satisfies path on a fresh hit allocates nothing.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, UNIX_EPOCH};

use cachepolicy::{CachePolicy, Options, Request, Response};

struct Counting;
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn rfc9111_4_satisfies_and_evaluate_allocate_nothing_on_a_fresh_hit() {
    let t0 = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let req_headers = [("host", "www.example.com"), ("accept-encoding", "gzip, deflate, br"), ("cache-control", "max-age=600")];
    let req = Request { method: "GET", url: "https://www.example.com/app.js", headers: &req_headers };
    let res_headers = [
        ("date", "Tue, 14 Nov 2023 22:13:20 GMT"),
        ("cache-control", "public, max-age=3600, stale-while-revalidate=60"),
        ("etag", "\"5f2b\""),
        ("vary", "Accept-Encoding"),
        ("connection", "keep-alive"),
    ];
    let policy = CachePolicy::new(&req, &Response { status: 200, headers: &res_headers }, &Options::default(), t0).unwrap();
    let now = t0 + Duration::from_secs(10);
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    let fresh = policy.satisfies_without_revalidation(&req, now);
    let decision = policy.evaluate(&req, now).decision();
    let after = ALLOCATIONS.load(Ordering::SeqCst);
    assert!(fresh);
    assert_eq!(decision, cachepolicy::Decision::Fresh);
    assert_eq!(after - before, 0, "allocations on the satisfies path");
}
