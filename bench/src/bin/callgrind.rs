//! Runs one workload N times, for counting instructions under valgrind:
//!
//!     callgrind <ours|crate> <A_hit|B_revalidate|C_304|D_roundtrip> <iterations>
//!
//! bench/run.sh runs it under `valgrind --tool=callgrind` with two iteration counts and divides
//! the difference of the totals by the difference of the counts, so the setup (reading the
//! workload file, building the policy B–D start from) cancels out.

use std::hint::black_box;

use cachepolicy::Options;
use cachepolicy_bench::{ours, peer, Workloads};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, imp, workload, n] = &args[..] else {
        eprintln!(
            "usage: callgrind <ours|crate> <A_hit|B_revalidate|C_304|D_roundtrip> <iterations>"
        );
        std::process::exit(2);
    };
    let n: u64 = n.parse().expect("iterations");
    let w = Workloads::load();
    match imp.as_str() {
        "ours" => {
            let options = Options::default();
            let policy = ours::policy(&w);
            let new_req = ours::request(&w.new_request);
            for _ in 0..n {
                match workload.as_str() {
                    "A_hit" => drop(black_box(ours::a_hit(black_box(&w), &options))),
                    "B_revalidate" => drop(black_box(ours::b_revalidate(
                        black_box(&w),
                        &policy,
                        &new_req,
                    ))),
                    "C_304" => drop(black_box(ours::c_304(black_box(&w), &policy))),
                    "D_roundtrip" => drop(black_box(ours::d_roundtrip(black_box(&policy)))),
                    other => panic!("unknown workload {other}"),
                }
            }
        }
        "crate" => {
            let parts = peer::parts(&w);
            let policy = peer::policy(&w, &parts);
            for _ in 0..n {
                match workload.as_str() {
                    "A_hit" => drop(black_box(peer::a_hit(
                        black_box(&w),
                        &parts.request,
                        &parts.response,
                        &parts.new_request,
                    ))),
                    "B_revalidate" => drop(black_box(peer::b_revalidate(
                        black_box(&w),
                        &policy,
                        &parts.new_request,
                    ))),
                    "C_304" => drop(black_box(peer::c_304(
                        black_box(&w),
                        &policy,
                        &parts.new_request,
                        &parts.not_modified,
                    ))),
                    "D_roundtrip" => drop(black_box(peer::d_roundtrip(black_box(&policy)))),
                    other => panic!("unknown workload {other}"),
                }
            }
        }
        other => panic!("unknown implementation {other}"),
    }
}
