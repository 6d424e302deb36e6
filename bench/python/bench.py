"""Times the four workloads of shared/bench/workloads.json for the cachepolicy Python binding and
the comparable decision paths of CacheControl and hishel, on identical inputs, in interleaved
rounds. Prints one JSON object per (workload, implementation).

    python bench/python/bench.py path/to/workloads.json [--label Python] [--rounds 9]

Run by bench/run.sh inside a virtual environment holding ./python, cachecontrol and hishel.

What each workload times (the messages are built once, outside the timing, as a caller holds
them: dicts of (name, value) tuples for cachepolicy, requests.PreparedRequest and
urllib3.HTTPResponse for CacheControl, hishel.Request/Response for hishel):

A  cachepolicy: CachePolicy(request, response, now=t0), storable(), satisfies_without_revalidation
   (new_request, t0+10), response_headers(t0+10).
   CacheControl: controller.cache_response(request, response, body) (its storability decision,
   then the metadata serialized into the cache; the body is kept aside as in its file and redis
   caches, so no body bytes are copied) and controller.cached_request(new_request) (its freshness
   decision, returning the response to serve).
   hishel: CacheMiss(request).next(response) (its storability decision, StoreAndUse), then
   IdleClient().next(new_request, [entry]) (FromCache, with the response headers to serve).
B  cachepolicy: policy.revalidation_headers(new_request, t0+7200).
   CacheControl: controller.conditional_headers(new_request) (the validators to add; it does not
   decide staleness there, so this is less work than the others do).
   hishel: IdleClient().next(new_request, [entry]) at t0+7200 (NeedRevalidation, carrying the
   conditional request).
C  cachepolicy: policy.revalidated_policy(new_request, not_modified, t0+4600) (modified False).
   CacheControl: controller.update_cached_response(new_request, not_modified).
   hishel: NeedRevalidation.next(not_modified) (NeedToBeUpdated, the freshened entry).
D  cachepolicy: CachePolicy.from_bytes(policy.to_bytes()).storable().
   CacheControl: Serializer.loads(request, Serializer.dumps(request, response, b"")).
   hishel: unpack(pack(request, response)) (its storages' msgpack format).
   Neither peer has a storable() to call afterwards.

Clocks: CacheControl and hishel read time.time(); their modules' `time` is replaced by a clock
this script sets, so that "now" is the workload's.
"""

import argparse
import io
import json
import statistics
import sys
import time
import types
import uuid


def load(path):
    with open(path) as f:
        return json.load(f)


class Clock:
    def __init__(self):
        self.now = 0.0

    def time(self):
        return self.now


def calibrate(fn, target=0.02):
    """Iterations per batch so that a batch takes about `target` seconds."""
    n = 1
    while True:
        t = time.perf_counter()
        for _ in range(n):
            fn()
        elapsed = time.perf_counter() - t
        if elapsed > target / 4:
            return max(1, int(n * target / elapsed))
        n *= 2


def batch(fn, n):
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t) / n


def ours_workloads(w):
    from cachepolicy import CachePolicy

    def request(r):
        return {"method": r["method"], "url": r["url"], "headers": [tuple(h) for h in r["headers"]]}

    def response(r):
        return {"status": r["status"], "headers": [tuple(h) for h in r["headers"]]}

    t0 = w["t0"]
    req, res = request(w["request"]), response(w["response"])
    new_req, nm = request(w["new_request"]), response(w["not_modified_response"])
    policy = CachePolicy(req, res, now=t0)

    def a():
        p = CachePolicy(req, res, now=t0)
        if not p.storable() or not p.satisfies_without_revalidation(new_req, now=t0 + 10):
            raise AssertionError("workload A must be a storable fresh hit")
        return p.response_headers(now=t0 + 10)

    def b():
        return policy.revalidation_headers(new_req, now=t0 + 7200)

    def c():
        return policy.revalidated_policy(new_req, nm, now=t0 + 4600)

    def d():
        return CachePolicy.from_bytes(policy.to_bytes()).storable()

    assert any(n.lower() == "if-none-match" for n, _ in b())
    assert c().modified is False
    assert d() is True
    return {"A_hit": (a, None), "B_revalidate": (b, None), "C_304": (c, None), "D_roundtrip": (d, None)}, len(
        policy.to_bytes()
    )


def cachecontrol_workloads(w):
    import cachecontrol.controller
    import requests
    import urllib3
    from cachecontrol import CacheController
    from cachecontrol.cache import SeparateBodyBaseCache
    from cachecontrol.serialize import Serializer

    clock = Clock()
    cachecontrol.controller.time = types.SimpleNamespace(time=clock.time)

    class MemoryCache(SeparateBodyBaseCache):
        """In memory, body kept aside (as its FileCache / RedisCache separate-body variants)."""

        def __init__(self):
            self.data, self.bodies = {}, {}

        def get(self, key):
            return self.data.get(key)

        def set(self, key, value, expires=None):
            self.data[key] = value

        def delete(self, key):
            self.data.pop(key, None)
            self.bodies.pop(key, None)

        def set_body(self, key, body):
            self.bodies[key] = body

        def get_body(self, key):
            body = self.bodies.get(key)
            return None if body is None else io.BytesIO(body)

    def request(r):
        return requests.Request(r["method"], r["url"], headers=dict(r["headers"])).prepare()

    def response(r):
        return urllib3.HTTPResponse(
            body=io.BytesIO(b""),
            headers=urllib3.HTTPHeaderDict([tuple(h) for h in r["headers"]]),
            status=r["status"],
            version=11,
            reason="OK" if r["status"] == 200 else "Not Modified",
            preload_content=False,
            decode_content=False,
        )

    t0 = w["t0"]
    req, res = request(w["request"]), response(w["response"])
    new_req, nm = request(w["new_request"]), response(w["not_modified_response"])
    length = dict((n.lower(), v) for n, v in w["response"]["headers"]).get("content-length", "0")
    body = b"x" * int(length)
    ctrl = CacheController(MemoryCache(), cache_etags=True)
    ctrl.cache_response(req, res, body)
    serializer = Serializer()

    def a():
        clock.now = t0 + 10
        ctrl.cache_response(req, res, body)
        served = ctrl.cached_request(new_req)
        if not served:
            raise AssertionError("workload A must be a fresh hit for CacheControl")
        return served

    def b():
        clock.now = t0 + 7200
        return ctrl.conditional_headers(new_req)

    def c():
        clock.now = t0 + 4600
        return ctrl.update_cached_response(new_req, nm)

    def d():
        return serializer.loads(req, serializer.dumps(req, res, b""))

    assert a()
    assert "If-None-Match" in b()
    assert c().status == 200
    assert d() is not None
    return {"A_hit": (a, None), "B_revalidate": (b, None), "C_304": (c, None), "D_roundtrip": (d, None)}, len(
        serializer.dumps(req, res, b"")
    )


def hishel_workloads(w):
    import hishel._core._spec as spec
    from hishel import CacheMiss, CacheOptions, Entry, FromCache, Headers, IdleClient, NeedRevalidation
    from hishel import NeedToBeUpdated, Request, Response, StoreAndUse
    from hishel._core._storages._packing import pack, unpack

    clock = Clock()
    spec.time = types.SimpleNamespace(time=clock.time)
    options = CacheOptions(shared=True)

    def request(r):
        return Request(method=r["method"], url=r["url"], headers=Headers(dict(r["headers"])))

    def response(r):
        return Response(status_code=r["status"], headers=Headers(dict(r["headers"])))

    t0 = w["t0"]
    req, res = request(w["request"]), response(w["response"])
    new_req, nm = request(w["new_request"]), response(w["not_modified_response"])
    entry_id = uuid.uuid4()  # a storage makes one per entry; made once here

    clock.now = t0
    stored = CacheMiss(request=req, options=options).next(res)
    assert isinstance(stored, StoreAndUse)
    entry = Entry(id=entry_id, request=req, response=stored.response)
    clock.now = t0 + 4600
    revalidating = IdleClient(options=options).next(new_req, [entry])
    assert isinstance(revalidating, NeedRevalidation)

    def a():
        clock.now = t0 + 10
        state = CacheMiss(request=req, options=options).next(res)
        if not isinstance(state, StoreAndUse):
            raise AssertionError("hishel did not store workload A")
        hit = IdleClient(options=options).next(new_req, [Entry(id=entry_id, request=req, response=state.response)])
        if not isinstance(hit, FromCache):
            raise AssertionError("workload A must be a fresh hit for hishel")
        return hit.entry.response.headers

    def b():
        clock.now = t0 + 7200
        return IdleClient(options=options).next(new_req, [entry])

    def c():
        clock.now = t0 + 4600
        return revalidating.next(nm)

    def d():
        return unpack(pack(entry.request, entry.response))

    assert a()
    assert "if-none-match" in b().request.headers
    assert isinstance(c(), NeedToBeUpdated)
    assert d()[1].status_code == 200
    return {"A_hit": (a, None), "B_revalidate": (b, None), "C_304": (c, None), "D_roundtrip": (d, None)}, len(
        pack(entry.request, entry.response)
    )


def version(dist):
    from importlib.metadata import version as v

    return v(dist)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workloads")
    parser.add_argument("--label", default="Python")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--ours-only", action="store_true")
    args = parser.parse_args()
    w = load(args.workloads)

    impls = {}
    sizes = {}
    impls["ours"], sizes["ours"] = ours_workloads(w)
    if not args.ours_only:
        impls["cachecontrol"], sizes["cachecontrol"] = cachecontrol_workloads(w)
        impls["hishel"], sizes["hishel"] = hishel_workloads(w)

    import cachepolicy

    build = "abi3" if ".abi3." in getattr(cachepolicy._cachepolicy, "__file__", "") else "interpreter-specific"
    meta = {
        "python": sys.version.split()[0],
        "cachepolicy_build": build,
        "versions": {d: version(d) for d in (["cachecontrol", "hishel", "requests", "urllib3", "msgpack"] if not args.ours_only else [])},
        "serialized_bytes": sizes,
    }
    print(json.dumps({"lang": args.label, "meta": meta}), flush=True)

    for workload in ["A_hit", "B_revalidate", "C_304", "D_roundtrip"]:
        fns = {name: wl[workload][0] for name, wl in impls.items()}
        sizes_n = {name: calibrate(fn) for name, fn in fns.items()}
        samples = {name: [] for name in fns}
        for _ in range(args.rounds):
            for name, fn in fns.items():
                samples[name].append(batch(fn, sizes_n[name]))
        for name, s in samples.items():
            print(
                json.dumps(
                    {
                        "lang": args.label,
                        "workload": workload,
                        "impl": name,
                        "ns": statistics.median(s) * 1e9,
                        "min_ns": min(s) * 1e9,
                        "iterations": sizes_n[name],
                        "rounds": args.rounds,
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
