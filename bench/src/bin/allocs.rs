//! Heap allocations per operation for the four workloads, for this engine (with workload A
//! split into its four steps) and for the `http-cache-semantics` crate, counted by a global
//! allocator that wraps the system one. Prints one JSON object.
//!
//!     cd bench && cargo run --release --bin allocs

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use cachepolicy::{CachePolicy, Options};
use cachepolicy_bench::{ours, peer, Workloads};

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size() as u64, Relaxed);
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size() as u64, Relaxed);
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A reallocation is a new allocation as far as the cost goes.
        ALLOCATIONS.fetch_add(1, Relaxed);
        BYTES.fetch_add(new_size as u64, Relaxed);
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const ITERATIONS: u64 = 1000;

/// Allocations and bytes per call of `f`, averaged over `ITERATIONS` calls after a warm-up.
fn count<R>(mut f: impl FnMut() -> R) -> (f64, f64) {
    black_box(f());
    let (a0, b0) = (ALLOCATIONS.load(Relaxed), BYTES.load(Relaxed));
    for _ in 0..ITERATIONS {
        black_box(f());
    }
    let (a1, b1) = (ALLOCATIONS.load(Relaxed), BYTES.load(Relaxed));
    (
        (a1 - a0) as f64 / ITERATIONS as f64,
        (b1 - b0) as f64 / ITERATIONS as f64,
    )
}

fn main() {
    let w = Workloads::load();
    let options = Options::default();
    let policy = ours::policy(&w);
    let req = ours::request(&w.request);
    let res = ours::response(&w.response);
    let new_req = ours::request(&w.new_request);
    let parts = peer::parts(&w);
    let peer_policy = peer::policy(&w, &parts);

    let mut rows: Vec<(&str, &str, (f64, f64))> = vec![
        ("A_hit", "ours", count(|| ours::a_hit(&w, &options))),
        (
            "A_hit.new",
            "ours",
            count(|| CachePolicy::new(&req, &res, &options, w.t0).unwrap()),
        ),
        ("A_hit.storable", "ours", count(|| policy.storable())),
        (
            "A_hit.satisfies",
            "ours",
            count(|| policy.satisfies_without_revalidation(&new_req, w.at(10))),
        ),
        (
            "A_hit.response_headers",
            "ours",
            count(|| policy.response_headers(w.at(10)).len()),
        ),
        (
            "B_revalidate",
            "ours",
            count(|| ours::b_revalidate(&w, &policy, &new_req).len()),
        ),
        ("C_304", "ours", count(|| ours::c_304(&w, &policy))),
        ("D_roundtrip", "ours", count(|| ours::d_roundtrip(&policy))),
    ];
    rows.extend([
        (
            "A_hit",
            "crate",
            count(|| peer::a_hit(&w, &parts.request, &parts.response, &parts.new_request)),
        ),
        (
            "A_hit",
            "crate_from_pairs",
            count(|| peer::a_hit_from_pairs(&w)),
        ),
        (
            "B_revalidate",
            "crate",
            count(|| peer::b_revalidate(&w, &peer_policy, &parts.new_request)),
        ),
        (
            "B_revalidate",
            "crate_from_pairs",
            count(|| peer::b_revalidate_from_pairs(&w, &peer_policy)),
        ),
        (
            "C_304",
            "crate",
            count(|| peer::c_304(&w, &peer_policy, &parts.new_request, &parts.not_modified)),
        ),
        (
            "C_304",
            "crate_from_pairs",
            count(|| peer::c_304_from_pairs(&w, &peer_policy)),
        ),
        (
            "D_roundtrip",
            "crate",
            count(|| peer::d_roundtrip(&peer_policy)),
        ),
    ]);

    let body: Vec<String> = rows
        .iter()
        .map(|(workload, imp, (n, bytes))| {
            format!("{{\"workload\":\"{workload}\",\"impl\":\"{imp}\",\"allocations\":{n},\"bytes\":{bytes}}}")
        })
        .collect();
    println!(
        "{{\"allocations\":[{}],\"serialized\":{{\"ours\":{},\"crate_bincode\":{}}}}}",
        body.join(","),
        ours::serialized_len(&w),
        peer::serialized_len(&w)
    );
}
