"""Times the shared benchmark workloads (../../shared/bench/workloads.json, or the path given).

    python python/benches/workloads.py [path/to/workloads.json]

One line per workload: the best per-iteration time over several timeit repeats.
"""

import json
import os
import sys
import timeit

from cachepolicy import CachePolicy


def load(path):
    with open(path) as f:
        w = json.load(f)

    def request(r):
        return {"method": r["method"], "url": r["url"], "headers": [tuple(h) for h in r["headers"]]}

    def response(r):
        return {"status": r["status"], "headers": [tuple(h) for h in r["headers"]]}

    return w["t0"], request(w["request"]), response(w["response"]), request(w["new_request"]), response(w["not_modified_response"])


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(here, "..", "..", "..", "shared", "bench", "workloads.json")
    t0, req, res, new_req, not_modified = load(sys.argv[1] if len(sys.argv) > 1 else default)
    policy = CachePolicy(req, res, now=t0)

    def a_hit():
        p = CachePolicy(req, res, now=t0)
        p.storable()
        if not p.satisfies_without_revalidation(new_req, now=t0 + 10):
            raise AssertionError("workload A must be a fresh hit")
        p.response_headers(now=t0 + 10)

    def b_revalidate():
        policy.revalidation_headers(new_req, now=t0 + 7200)

    def c_304():
        policy.revalidated_policy(new_req, not_modified, now=t0 + 4600)

    def d_roundtrip():
        CachePolicy.from_bytes(policy.to_bytes()).storable()

    assert policy.revalidated_policy(new_req, not_modified, now=t0 + 4600).modified is False
    for name, fn in [("A_hit", a_hit), ("B_revalidate", b_revalidate), ("C_304", c_304), ("D_roundtrip", d_roundtrip)]:
        timer = timeit.Timer(fn)
        n, _ = timer.autorange()
        best = min(timer.repeat(repeat=7, number=n)) / n
        print(f"{name:14s} {best * 1e9:8.0f} ns")


if __name__ == "__main__":
    main()
