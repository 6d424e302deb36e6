//! Criterion benches of the four workloads: this engine (`ours`) against the
//! `http-cache-semantics` crate on prebuilt `http` types (`crate`) and building them from the
//! raw pairs inside the operation (`crate_from_pairs`); `http_types` is that building alone.
//!
//!     cd bench && cargo bench --bench workloads -- --warm-up-time 1 --measurement-time 3
//!
//! Results: target/criterion/<workload>/<implementation>/new/estimates.json.

use std::hint::black_box;

use cachepolicy_bench::{ours, peer, Workloads};
use criterion::{criterion_group, criterion_main, Criterion};

fn workloads(c: &mut Criterion) {
    let w = Workloads::load();
    let options = cachepolicy::Options::default();
    let policy = ours::policy(&w);
    let new_request = ours::request(&w.new_request);
    let parts = peer::parts(&w);
    let peer_policy = peer::policy(&w, &parts);

    let mut g = c.benchmark_group("A_hit");
    g.bench_function("ours", |b| {
        b.iter(|| ours::a_hit(black_box(&w), black_box(&options)))
    });
    g.bench_function("crate", |b| {
        b.iter(|| {
            peer::a_hit(
                black_box(&w),
                &parts.request,
                &parts.response,
                &parts.new_request,
            )
        })
    });
    g.bench_function("crate_from_pairs", |b| {
        b.iter(|| peer::a_hit_from_pairs(black_box(&w)))
    });
    g.bench_function("http_types", |b| {
        b.iter(|| {
            (
                peer::request(black_box(&w.request)),
                peer::response(&w.response),
                peer::request(&w.new_request),
            )
        })
    });
    g.finish();

    let mut g = c.benchmark_group("B_revalidate");
    g.bench_function("ours", |b| {
        b.iter(|| ours::b_revalidate(black_box(&w), black_box(&policy), black_box(&new_request)))
    });
    g.bench_function("crate", |b| {
        b.iter(|| peer::b_revalidate(black_box(&w), black_box(&peer_policy), &parts.new_request))
    });
    g.bench_function("crate_from_pairs", |b| {
        b.iter(|| peer::b_revalidate_from_pairs(black_box(&w), black_box(&peer_policy)))
    });
    g.finish();

    let mut g = c.benchmark_group("C_304");
    g.bench_function("ours", |b| {
        b.iter(|| ours::c_304(black_box(&w), black_box(&policy)))
    });
    g.bench_function("crate", |b| {
        b.iter(|| {
            peer::c_304(
                black_box(&w),
                black_box(&peer_policy),
                &parts.new_request,
                &parts.not_modified,
            )
        })
    });
    g.bench_function("crate_from_pairs", |b| {
        b.iter(|| peer::c_304_from_pairs(black_box(&w), black_box(&peer_policy)))
    });
    g.finish();

    let mut g = c.benchmark_group("D_roundtrip");
    g.bench_function("ours", |b| b.iter(|| ours::d_roundtrip(black_box(&policy))));
    g.bench_function("crate", |b| {
        b.iter(|| peer::d_roundtrip(black_box(&peer_policy)))
    });
    g.finish();
}

criterion_group!(benches, workloads);
criterion_main!(benches);
