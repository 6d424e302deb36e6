"""Every shared test vector in tests/vectors/*.json (format: tests/vectors/README.md).

Each case runs twice: with headers as lists of ``(str, str)`` tuples, and with headers as
lists of ``[bytes, bytes]`` lists, so both input shapes go through the whole vector set.
"""

from __future__ import annotations

import json
import math
import pathlib
from typing import Any, Callable

import pytest

import cachepolicy
from cachepolicy import CachePolicy, CachePolicyError

VECTORS = pathlib.Path(__file__).resolve().parents[2] / "tests" / "vectors"


def load_cases() -> list[Any]:
    cases = []
    for path in sorted(VECTORS.glob("*.json")):
        for case in json.loads(path.read_text(encoding="utf-8"))["cases"]:
            cases.append(pytest.param(case, id=f"{path.stem}:{case['name']}"))
    return cases


CASES = load_cases()


def raw(v: Any) -> bytes:
    """A vector header value as bytes: text, or {"hex": "..."}."""
    if isinstance(v, dict):
        return bytes.fromhex(v["hex"])
    return v.encode("utf-8")


def as_text(b: bytes) -> str:
    """What the binding returns for these bytes: UTF-8, else Latin-1."""
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        return b.decode("latin-1")


def headers_as_str(lines: list[Any]) -> list[tuple[Any, Any]]:
    out: list[tuple[Any, Any]] = []
    for name, value in lines:
        # Text stays text; raw bytes that are not UTF-8 can only be given as bytes.
        n = name if isinstance(name, str) else raw(name)
        v = value if isinstance(value, str) else raw(value)
        out.append((n, v))
    return out


def headers_as_bytes(lines: list[Any]) -> list[list[bytes]]:
    return [[raw(name), raw(value)] for name, value in lines]


SHAPES: dict[str, Callable[[list[Any]], Any]] = {"str": headers_as_str, "bytes": headers_as_bytes}


def request_of(v: dict[str, Any], shape: str) -> dict[str, Any]:
    return {"method": v.get("method", "GET"), "url": v["url"], "headers": SHAPES[shape](v.get("headers", []))}


def response_of(v: dict[str, Any], shape: str) -> dict[str, Any]:
    return {"status": v.get("status", 200), "headers": SHAPES[shape](v.get("headers", []))}


def options_of(case: dict[str, Any]) -> dict[str, Any]:
    return dict(case.get("options") or {})


def build(case: dict[str, Any], shape: str, options: dict[str, Any]) -> CachePolicy:
    return CachePolicy(
        request_of(case["request"], shape),
        response_of(case["response"], shape),
        now=case["response_time"],
        request_time=case.get("request_time", case["response_time"]),
        **options,
    )


def same_headers(got: list[tuple[str, str]] | None, want: list[Any], what: str) -> None:
    assert got is not None, f"{what}: none returned"
    for name, value in got:
        assert type(name) is str and type(value) is str, f"{what}: not (str, str): {(name, value)!r}"
    expected = [(as_text(raw(n)), as_text(raw(v))) for n, v in want]
    assert [(n.lower(), v) for n, v in got] == [(n.lower(), v) for n, v in expected], what


def close(got: float, want: float, what: str) -> None:
    assert math.isclose(got, want, abs_tol=0.001), f"{what}: got {got}, want {want}"


@pytest.mark.parametrize("shape", ["str", "bytes"])
@pytest.mark.parametrize("case", CASES)
def test_vector(case: dict[str, Any], shape: str) -> None:
    options = options_of(case)
    if "construct_error" in case:
        with pytest.raises(CachePolicyError) as info:
            build(case, shape, options)
        assert info.value.kind == case["construct_error"]  # type: ignore[attr-defined]
        return
    policy = build(case, shape, options)
    for i, step in enumerate(case["steps"]):
        op = step["op"]
        now = step.get("now", case["response_time"])
        expect = step.get("expect")
        request = request_of(step["request"], shape) if "request" in step else None
        what = f"step {i} ({op})"
        if op == "storable":
            assert policy.storable() == expect, what
            if "reason" in step:
                assert policy.not_storable_reason() == step["reason"], what
        elif op == "freshness_lifetime":
            close(policy.max_age(), expect, what)
        elif op == "freshness_source":
            assert policy.freshness_source() == expect, what
        elif op == "age":
            close(policy.age(now=now), expect, what)
        elif op == "time_to_live":
            close(policy.time_to_live(now=now), expect, what)
        elif op == "stale":
            assert policy.stale(now=now) == expect, what
        elif op == "satisfies":
            assert policy.satisfies_without_revalidation(request, now=now) == expect, what
        elif op == "evaluate":
            e = policy.evaluate(request, now=now)
            assert e.decision == expect["decision"], what
            if "reason" in expect:
                assert e.reason == expect["reason"], what
            if "response_headers" in expect:
                same_headers(e.response_headers, expect["response_headers"], what)
            if "revalidation_headers" in expect:
                same_headers(e.revalidation_headers, expect["revalidation_headers"], what)
        elif op == "response_headers":
            same_headers(policy.response_headers(now=now), expect, what)
        elif op == "revalidation_headers":
            same_headers(policy.revalidation_headers(request, now=now), expect, what)
        elif op == "revalidate":
            response = None if step["response"] is None else response_of(step["response"], shape)
            result = policy.revalidated_policy(request, response, now=now)
            assert result.modified == expect["modified"], what
            if "matches" in expect:
                assert result.matches == expect["matches"], what
            policy = result.policy
        elif op == "retention":
            close(policy.retention(now=now), expect, what)
        elif op == "expiry_stage":
            assert policy.expiry_stage(now=now) == expect, what
        elif op == "lost_update_headers":
            same_headers(policy.lost_update_headers(request), expect, what)
        elif op == "primary_key":
            got = policy.primary_key() if request is None else cachepolicy.primary_key(request)
            assert got == expect, what
        elif op == "secondary_key":
            assert policy.secondary_key(request) == expect, what
        elif op == "cache_status":
            got = policy.cache_status(
                request,
                step.get("cache", "cache"),
                now=now,
                fwd_status=step.get("fwd_status"),
                stored=step.get("stored", False),
                collapsed=step.get("collapsed", False),
                key=step.get("key"),
            )
            assert got == expect, what
        elif op == "select_variant":
            others = [build(v, shape, options) for v in step["variants"]]
            candidates = [policy, *others]
            chosen = cachepolicy.select_variant(candidates, request)
            index = None if chosen is None else next(i for i, p in enumerate(candidates) if p is chosen)
            assert index == expect, what
        elif op == "invalidation_targets":
            assert policy.invalidation_targets() == expect, what
        elif op == "roundtrip":
            data = policy.to_bytes()
            copy = CachePolicy.from_bytes(data)
            assert copy.to_bytes() == data, what
            assert copy == policy, what
            policy = copy
        else:
            pytest.fail(f"{what}: unknown op")


def test_every_vector_file_is_loaded() -> None:
    names = [p.values[0]["name"] for p in CASES]
    assert len(names) == len(set(names)), "vector names are unique"
    assert len(names) >= 700
