"""Serialization, pickling and copying; policies shared between threads."""

from __future__ import annotations

import copy
import pickle
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from cachepolicy import CachePolicy

from conftest import DATE, T0, URL

REQ = {"url": URL, "headers": [("accept", "text/html")]}
RES = {
    "status": 200,
    "headers": [("date", DATE), ("cache-control", "max-age=60"), ("etag", '"e"'), ("vary", "accept"), (b"x-raw", b"\xff")],
}


def make() -> CachePolicy:
    return CachePolicy(REQ, RES, shared=False, cache_heuristic=0.25, now=T0, request_time=T0 - 1)


def test_to_bytes_round_trip() -> None:
    policy = make()
    data = policy.to_bytes()
    assert isinstance(data, bytes)
    copy_ = CachePolicy.from_bytes(data)
    assert copy_.to_bytes() == data
    assert copy_ == policy and hash(copy_) == hash(policy)
    assert copy_.options == policy.options
    assert copy_.response_headers(now=T0 + 5) == policy.response_headers(now=T0 + 5)
    assert copy_.evaluate(REQ, now=T0 + 5).decision == "fresh"
    assert CachePolicy.from_bytes(bytearray(data)) == policy
    assert CachePolicy.from_bytes(memoryview(data)) == policy


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_every_protocol(protocol: int) -> None:
    policy = make()
    copy_ = pickle.loads(pickle.dumps(policy, protocol=protocol))
    assert type(copy_) is CachePolicy
    assert copy_ == policy
    assert copy_.time_to_live(now=T0 + 10) == policy.time_to_live(now=T0 + 10)


def test_pickle_inside_containers_and_revalidation_results() -> None:
    policy = make()
    result = policy.revalidated_policy(REQ, {"status": 304, "headers": [("etag", '"e"')]}, now=T0 + 100)
    box = pickle.loads(pickle.dumps({"entry": [policy, result.policy]}))
    assert box["entry"][0] == policy and box["entry"][1] == result.policy
    assert box["entry"][1] != policy


def test_copy_returns_the_same_immutable_policy() -> None:
    policy = make()
    assert copy.copy(policy) is policy
    assert copy.deepcopy(policy) is policy
    assert {policy: 1}[CachePolicy.from_bytes(policy.to_bytes())] == 1
    assert policy != "policy"


def test_shared_between_threads() -> None:
    policy = make()
    expected = policy.response_headers(now=T0 + 10)
    barrier = threading.Barrier(8)

    def work(i: int) -> list[Any]:
        barrier.wait()
        out = []
        for j in range(300):
            now = T0 + 10
            assert policy.satisfies_without_revalidation(REQ, now=now)
            assert policy.response_headers(now=now) == expected
            assert policy.evaluate({"url": URL, "headers": [("accept", f"x/{i}")]}, now=now).reason == "vary_mismatch"
            mine = CachePolicy(REQ, {"headers": [("cache-control", f"max-age={i * 1000 + j}")]}, now=T0)
            out.append(mine.max_age())
            assert pickle.loads(pickle.dumps(policy)) == policy
        return out

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(8)))
    for i, ages in enumerate(results):
        assert ages == [float(i * 1000 + j) for j in range(300)]


def test_lazily_built_header_tuples_race_safely() -> None:
    # A deserialized policy builds its header tuples on first use; many threads at once.
    for _ in range(20):
        policy = CachePolicy.from_bytes(make().to_bytes())
        barrier = threading.Barrier(4)
        seen: list[list[tuple[str, str]]] = []

        def first_use() -> None:
            barrier.wait()
            seen.append(policy.stored_headers())

        threads = [threading.Thread(target=first_use) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(s == seen[0] for s in seen)
        assert ("x-raw", "\xff") in seen[0]
