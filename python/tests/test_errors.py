"""Wrong types raise TypeError, bad values ValueError, each naming the argument; nothing
crashes the interpreter."""

from __future__ import annotations

import math
from typing import Any

import pytest

from cachepolicy import CachePolicy, CachePolicyError, select_variant

from conftest import T0, URL

REQ = {"url": URL}
RES = {"status": 200, "headers": [("cache-control", "max-age=60")]}


def policy() -> CachePolicy:
    return CachePolicy(REQ, RES, now=T0)


@pytest.mark.parametrize(
    "request_, response, match",
    [
        (42, RES, "request: expected a mapping"),
        ({"headers": []}, RES, "request: missing 'url'"),
        ({"url": URL, "header": []}, RES, "request: unexpected key 'header'"),
        ({"url": 5}, RES, r"request\.url: expected str"),
        ({"url": None}, RES, r"request\.url: expected str"),
        ({"url": URL, "method": 1}, RES, r"request\.method: expected str or bytes, got int"),
        ({"url": URL, "headers": "accept: */*"}, RES, r"request\.headers: expected a list"),
        ({"url": URL, "headers": [("a", "b", "c")]}, RES, r"request\.headers\[0\]: expected a \(name, value\) pair"),
        ({"url": URL, "headers": ["ab"]}, RES, r"request\.headers\[0\]: expected a \(name, value\) pair, got str"),
        ({"url": URL, "headers": [(1, "b")]}, RES, r"request\.headers\[0\] name: expected str or bytes, got int"),
        (REQ, {"status": "200"}, r"response\.status: expected int, got str"),
        (REQ, {"status": True}, r"response\.status: expected int, got bool"),
        (REQ, {"status": 200, "headers": [("a", None)]}, r"response\.headers\[0\] value: expected str or bytes, got NoneType"),
        (REQ, {"status": 200, "headers": 12}, r"response\.headers: expected a list"),
        (REQ, object(), "response: expected a mapping"),
        (REQ, {"status": 200, "body": b""}, "response: unexpected key 'body'"),
    ],
)
def test_wrong_types_raise_type_error(request_: Any, response: Any, match: str) -> None:
    with pytest.raises(TypeError, match=match):
        CachePolicy(request_, response, now=T0)


@pytest.mark.parametrize(
    "request_, response, kind, match",
    [
        ({"url": URL, "method": "G ET"}, RES, "invalid_method", r"^request\.method: invalid method"),
        ({"url": "a b"}, RES, "invalid_url", r"^request\.url: invalid url"),
        ({"url": ""}, RES, "invalid_url", r"^request\.url"),
        (REQ, {"status": 99}, "invalid_status", r"^response\.status: invalid status 99"),
        (REQ, {"status": 70000}, "invalid_status", r"^response\.status"),
        (REQ, {"status": -1}, "invalid_status", r"^response\.status"),
        (REQ, {"headers": [("ok", "1"), ("bad name", "v")]}, "invalid_header_name", r"^response\.headers\[1\] name: invalid header name"),
        ({"url": URL, "headers": [(":path", "/")]}, RES, "invalid_header_name", r"^request\.headers\[0\] name"),
    ],
)
def test_values_the_engine_refuses_raise_value_error(request_: Any, response: Any, kind: str, match: str) -> None:
    with pytest.raises(CachePolicyError, match=match) as info:
        CachePolicy(request_, response, now=T0)
    assert isinstance(info.value, ValueError)
    assert info.value.kind == kind


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"cache_heuristic": -0.5}, CachePolicyError, "cache_heuristic must be"),
        ({"cache_heuristic": math.nan}, CachePolicyError, "cache_heuristic must be"),
        ({"cache_heuristic": "0.1"}, TypeError, "cache_heuristic"),
        ({"shared": 1}, TypeError, "shared"),
        ({"immutable_min_time_to_live": -1}, ValueError, "immutable_min_time_to_live"),
        ({"grace_period": math.inf}, ValueError, "grace_period"),
        ({"profile": "turbo"}, CachePolicyError, r"^profile: unknown profile"),
        ({"request_no_cache": "sometimes"}, ValueError, r"request_no_cache: expected one of"),
        ({"set_cookie": "eat"}, ValueError, r"set_cookie: expected one of"),
        ({"targeted_fields": "cdn-cache-control"}, TypeError, r"targeted_fields: expected a list of str"),
        ({"targeted_fields": [1]}, TypeError, r"targeted_fields\[0\]: expected str"),
        ({"targeted_fields": ["cdn cache control"]}, CachePolicyError, r"targeted_fields"),
        ({"now": "yesterday"}, TypeError, "now"),
        ({"now": math.nan}, ValueError, "^now: must be a finite number"),
        ({"now": math.inf}, ValueError, "^now"),
        ({"now": 1e300}, ValueError, "^now"),
        ({"request_time": -math.inf}, ValueError, "^request_time"),
        ({"unknown_option": True}, TypeError, "unknown_option"),
    ],
)
def test_bad_options(kwargs: dict[str, Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        CachePolicy(REQ, RES, **kwargs)


def test_method_arguments_are_named() -> None:
    p = policy()
    with pytest.raises(TypeError, match="new_request: expected a mapping"):
        p.satisfies_without_revalidation(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="^now"):
        p.time_to_live(now=math.nan)
    with pytest.raises(TypeError, match="revalidation_response: expected a mapping"):
        p.revalidated_policy(REQ, 304)  # type: ignore[arg-type]
    with pytest.raises(CachePolicyError, match=r"^revalidation_response\.status") as info:
        p.revalidated_policy(REQ, {"status": 1000}, now=T0)
    assert info.value.kind == "invalid_status"
    with pytest.raises(ValueError, match="fwd_status"):
        p.cache_status(REQ, "edge", fwd_status=70000)
    with pytest.raises(TypeError, match=r"policies\[1\]: expected CachePolicy"):
        select_variant([p, "x"], REQ)  # type: ignore[list-item]
    with pytest.raises(CachePolicyError, match=r"^request\.url"):
        __import__("cachepolicy").primary_key({"url": ""})


def test_text_that_cannot_be_utf8() -> None:
    with pytest.raises(ValueError, match=r"response\.headers\[0\] value: str is not encodable"):
        CachePolicy(REQ, {"headers": [("x", "\udcff")]}, now=T0)
    with pytest.raises(ValueError, match=r"request\.url: bytes are not UTF-8"):
        CachePolicy({"url": b"https://example.com/\xff"}, RES, now=T0)


def test_from_bytes_refuses_what_is_not_a_policy() -> None:
    data = policy().to_bytes()
    for bad in [b"", b"nope", data[:-1], data + b"x", b"CPOL\xff" + data[5:]]:
        with pytest.raises(CachePolicyError) as info:
            CachePolicy.from_bytes(bad)
        assert info.value.kind == "invalid_serialization" or info.value.kind.startswith("invalid_")
        assert str(info.value).startswith("data: ")
    with pytest.raises(TypeError):
        CachePolicy.from_bytes("CPOL")  # type: ignore[arg-type]


def test_corrupted_bytes_never_crash() -> None:
    data = bytearray(policy().to_bytes())
    for i in range(len(data)):
        for flip in (0x01, 0x80, 0xFF):
            corrupted = bytes(data[:i]) + bytes([data[i] ^ flip]) + bytes(data[i + 1 :])
            try:
                p = CachePolicy.from_bytes(corrupted)
            except CachePolicyError:
                continue
            p.storable()
            p.response_headers(now=T0)
            p.time_to_live(now=T0)


def test_hostile_header_objects_are_errors_not_crashes() -> None:
    class Exploding:
        def items(self) -> Any:
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        CachePolicy(REQ, {"headers": Exploding()}, now=T0)

    class Weird(str):
        pass

    p = CachePolicy(REQ, {"headers": [(Weird("cache-control"), Weird("max-age=5"))]}, now=T0)
    assert p.max_age() == 5
    assert p.response_headers(now=T0)[0] == ("cache-control", "max-age=5")
    assert type(p.response_headers(now=T0)[0][0]) is str


def test_policies_are_immutable() -> None:
    p = policy()
    with pytest.raises(AttributeError):
        p.status = 404  # type: ignore[misc]
    with pytest.raises(AttributeError):
        p.anything = 1  # type: ignore[attr-defined]
