"""The security invariants and the bad-input matrix of SECURITY.md, through the Python binding:
a shared cache never stores or serves private or (without permission) authorized responses;
Set-Cookie responses are revalidated even under max-stale; max-stale never overrides
must-revalidate, proxy-revalidate or no-cache; Vary: * and hostile Vary names never match
wrongly; CR, LF and NUL never reach a header handed out; hostile and huge inputs give their
documented exception or a conservative answer in bounded time; one policy shared by 8 threads
answers identically; memory stays flat over 1,000,000 constructions."""

from __future__ import annotations

import math
import os
import sys
import threading
import time
from typing import Any

import pytest

from cachepolicy import CachePolicy, CachePolicyError, primary_key, select_variant

from conftest import DATE, T0, URL

RES_FRESH = [("date", DATE), ("cache-control", "max-age=600"), ("etag", '"v1"')]


def make(response_headers: Any, request_headers: Any = (), **options: Any) -> CachePolicy:
    return CachePolicy(
        {"url": URL, "headers": list(request_headers)},
        {"status": 200, "headers": [("date", DATE), *response_headers]},
        now=T0,
        **options,
    )


def decision(policy: CachePolicy, request_headers: Any = (), after: float = 1) -> tuple[str, str | None]:
    e = policy.evaluate({"url": URL, "headers": list(request_headers)}, now=T0 + after)
    return e.decision, e.reason


def clean(lines: list[tuple[str, str]]) -> bool:
    return all(not any(c in v for c in "\r\n\0") and not any(c <= " " or c == ":" for c in n) for n, v in lines)


# ---- a shared cache never stores or serves what it must not -------------------------------


@pytest.mark.parametrize("cc", ["private", "private, max-age=600", "PRIVATE, public, s-maxage=60", "max-age=600, Private"])
def test_shared_cache_never_stores_or_serves_private(cc: str) -> None:
    policy = make([("cache-control", cc)])
    assert not policy.storable()
    assert policy.not_storable_reason() == "private_in_shared_cache"
    for request in [[], [("cache-control", "max-stale")], [("cache-control", "only-if-cached")]]:
        assert not policy.evaluate({"url": URL, "headers": request}, now=T0 + 1).serves_stored
        assert not policy.satisfies_without_revalidation({"url": URL, "headers": request}, now=T0 + 1)
    assert policy.retention(now=T0) == 0
    assert make([("cache-control", cc)], shared=False).storable()
    assert make([("cache-control", cc)], profile="private").storable()


def test_private_fields_are_not_stored_by_a_shared_cache() -> None:
    policy = make([("cache-control", 'max-age=600, private="x-user"'), ("x-user", "alice"), ("x-other", "1")])
    names = [n for n, _ in policy.response_headers(now=T0 + 1)]
    assert "x-user" not in names and "x-other" in names
    assert "alice" not in repr(policy.to_bytes())


@pytest.mark.parametrize("auth", [("authorization", "Bearer alice"), ("Authorization", ""), ("AUTHORIZATION", "Basic YTpi")])
def test_shared_cache_never_stores_authorized_responses_without_permission(auth: tuple[str, str]) -> None:
    for cc in ["max-age=600", "max-age=600, immutable", "max-age=600, proxy-revalidate"]:
        policy = make([("cache-control", cc)], [auth])
        assert policy.not_storable_reason() == "authorization_in_shared_cache"
        assert not policy.evaluate({"url": URL, "headers": [auth]}, now=T0 + 1).serves_stored
    for cc in ["public, max-age=600", "s-maxage=600", "max-age=600, must-revalidate"]:
        assert make([("cache-control", cc)], [auth]).storable()
    assert make([("cache-control", "max-age=600")], [auth], shared=False).storable()
    # An accelerator keys on Authorization: served only to the same value.
    keyed = make([("cache-control", "max-age=600")], [("authorization", "Bearer alice")], store_authenticated=True)
    assert decision(keyed, [("authorization", "Bearer alice")]) == ("fresh", None)
    assert decision(keyed, [("authorization", "Bearer mallory")]) == ("no_match", "vary_mismatch")
    assert decision(keyed, []) == ("no_match", "vary_mismatch")


STALE_REQUESTS = [[("cache-control", "max-stale")], [("Cache-Control", "max-stale=999999, stale-if-error=999999")]]


def test_set_cookie_is_revalidated_even_under_max_stale() -> None:
    policy = make([("cache-control", "max-age=600, stale-while-revalidate=600, stale-if-error=600"), ("set-cookie", "session=alice"), ("etag", '"v1"')])
    assert policy.storable()
    for after in [0, 1, 700, 100_000]:
        assert decision(policy, [], after)[0] == "revalidate"
        for request in STALE_REQUESTS:
            assert decision(policy, request, after)[0] == "revalidate", (request, after)
    req = {"url": URL, "headers": [("cache-control", "stale-if-error=999999")]}
    assert not policy.within_stale_if_error(req, now=T0 + 700)
    assert policy.revalidated_policy(req, {"status": 503}, now=T0 + 700).outcome != "stale_if_error"
    assert decision(make([("cache-control", "public, max-age=600"), ("set-cookie", "a=1")]))[0] == "fresh"
    assert decision(make([("cache-control", "max-age=600"), ("set-cookie", "a=1")], shared=False))[0] == "fresh"
    assert make([("cache-control", "max-age=600"), ("set-cookie", "a=1")], set_cookie="refuse").not_storable_reason() == "set_cookie_refused"


@pytest.mark.parametrize(
    "cc, shared",
    [
        ("max-age=10, must-revalidate", True),
        ("max-age=10, must-revalidate", False),
        ("max-age=10, proxy-revalidate", True),
        ("s-maxage=10", True),
        ("max-age=10, no-cache", True),
        ("max-age=10, no-cache", False),
        ("max-age=10, Must-Revalidate, stale-while-revalidate=1000, stale-if-error=1000", True),
    ],
)
def test_max_stale_never_overrides_must_revalidate_proxy_revalidate_or_no_cache(cc: str, shared: bool) -> None:
    for grace in [0, 100_000]:
        policy = make([("cache-control", cc), ("etag", '"v1"')], shared=shared, grace_period=grace)
        for request in [*STALE_REQUESTS, []]:
            assert decision(policy, request, 100)[0] == "revalidate", (cc, request)
        req = {"url": URL, "headers": [("cache-control", "stale-if-error=100000")]}
        assert not policy.within_stale_if_error(req, now=T0 + 100)
        assert policy.revalidated_policy(req, None, now=T0 + 100).outcome == "failed"
    # Without them, max-stale serves the stale response.
    assert decision(make([("cache-control", "max-age=10")], shared=shared), STALE_REQUESTS[0], 100)[0] == "stale"


# ---- Vary ----------------------------------------------------------------------------------


@pytest.mark.parametrize("vary", ["*", "accept-encoding, *", " * "])
def test_vary_star_never_matches(vary: str) -> None:
    request = [("accept-encoding", "gzip")]
    policy = make([("cache-control", "public, max-age=600"), ("vary", vary)], request)
    assert policy.not_storable_reason() == "vary_star"
    assert decision(policy, request) == ("no_match", "not_storable")
    assert select_variant([policy], {"url": URL, "headers": request}) is None


@pytest.mark.parametrize("name", ["__proto__", "constructor", "toString", "hasOwnProperty", "__class__", "__dict__", "__init__", "prototype"])
def test_hostile_vary_names_are_ordinary_names(name: str) -> None:
    policy = make([("cache-control", "max-age=600"), ("vary", name)], [(name, "a")])
    assert decision(policy, [(name, "a")]) == ("fresh", None)
    assert decision(policy, [(name.upper(), " a ")]) == ("fresh", None)
    assert decision(policy, [(name, "b")]) == ("no_match", "vary_mismatch")
    assert decision(policy, []) == ("no_match", "vary_mismatch")
    # A dict with that key, and an object whose attribute has that name, are just headers.
    assert decision(policy, {name: "a"}.items()) == ("fresh", None)
    absent = make([("cache-control", "max-age=600"), ("vary", name)])
    assert decision(absent, []) == ("fresh", None)
    assert decision(absent, [(name, "")])[0] == "no_match"


@pytest.mark.parametrize("vary, odd", [("accept encoding", "accept encoding"), ('"accept-encoding"', '"accept-encoding"'), ("a=b", "a=b")])
def test_vary_names_that_are_not_tokens_match_only_requests_without_them(vary: str, odd: str) -> None:
    policy = make([("cache-control", "max-age=600"), ("vary", vary)], [("accept-encoding", "gzip")])
    copy = CachePolicy.from_bytes(policy.to_bytes())
    assert copy == policy
    assert decision(copy, [("accept-encoding", "gzip")])[0] == "fresh"
    assert decision(policy, [(odd, "x")])[0] == "no_match"


def test_vary_values_cannot_forge_secondary_key_lines() -> None:
    policy = make([("cache-control", "max-age=600"), ("vary", "accept-encoding, x-a")], [("accept-encoding", "gzip,\r\n deflate")])
    assert policy.secondary_key() == "accept-encoding=gzip, deflate\nx-a"
    assert decision(policy, [("accept-encoding", "gzip, deflate")])[0] == "fresh"
    forged = {"url": URL, "headers": [("accept-encoding", "gzip, deflate\nx-a=1")]}
    assert policy.evaluate(forged, now=T0 + 1).decision == "no_match"
    assert policy.secondary_key(forged) != policy.secondary_key()
    raw = make([("cache-control", "max-age=600"), ("vary", "x-v")], [(b"x-v", b"\xff")])
    assert raw.secondary_key() == "x-v~ff"
    for value, matches in [(b"\xff", True), (b"\xfe", False), ("\ufffd".encode(), False)]:
        other = {"url": URL, "headers": [(b"x-v", value)]}
        assert (raw.secondary_key(other) == raw.secondary_key()) is matches
        assert (raw.evaluate(other, now=T0 + 1).decision == "fresh") is matches


# ---- no header injection -------------------------------------------------------------------

EVIL = "v\r\nSet-Cookie: evil=1\r\n\r\n<html>\0"


def test_cr_lf_nul_never_reach_a_header_handed_out() -> None:
    request = [("host", "example.com"), ("x-b", EVIL), ("if-none-match", '"c"\r\nX: y'), (b"x-raw", b"a\r\nb\x00")]
    policy = make([("cache-control", "max-age=600"), ("x-a", EVIL), ("etag", '"v1\r\nX: y"'), (b"x-bytes", b"\r\n\x00\xff")], request)
    served = policy.response_headers(now=T0 + 1)
    assert clean(served), served
    assert ("x-a", "v  Set-Cookie: evil=1    <html>") in served
    req = {"url": URL, "headers": request}
    for after in [1, 700]:
        e = policy.evaluate(req, now=T0 + after)
        for lines in [e.response_headers, e.revalidation_headers, policy.revalidation_headers(req, now=T0 + after)]:
            assert lines is None or clean(lines), lines
    assert clean(policy.lost_update_headers({"method": "PUT", "url": URL, "headers": request}))
    assert clean(policy.stored_headers())
    merged = policy.revalidated_policy(req, {"status": 304, "headers": [("etag", '"v1  X: y"'), ("x-a", EVIL)]}, now=T0 + 700).policy
    assert clean(merged.response_headers(now=T0 + 701))
    assert all(c in " -~" or c.isprintable() for c in policy.cache_status(req, "edge\r\nX: y", key="k\r\n", detail="d\0"))
    assert "\r" not in policy.cache_status(req, "edge\r\nX: y", key="k\r\n", detail="d\0")


@pytest.mark.parametrize(
    "request_, kind",
    [
        ({"url": URL, "method": "GET\r\nX: y"}, "invalid_method"),
        ({"url": URL + "\r\nX: y"}, "invalid_url"),
        ({"url": URL, "headers": [("x\r\ny", "1")]}, "invalid_header_name"),
        ({"url": URL, "headers": [("x-a:", "1")]}, "invalid_header_name"),
        ({"url": URL, "headers": [(b"x\x00", b"1")]}, "invalid_header_name"),
    ],
)
def test_cr_lf_in_names_methods_and_urls_are_refused(request_: dict[str, Any], kind: str) -> None:
    with pytest.raises(CachePolicyError) as info:
        CachePolicy(request_, {"headers": [("cache-control", "max-age=60")]}, now=T0)
    assert info.value.kind == kind


def test_invalid_names_in_later_requests_are_never_forwarded() -> None:
    policy = make(RES_FRESH[1:])
    sent = policy.revalidation_headers({"url": URL, "headers": [("x\r\ninjected", "1"), ("ok", "1")]}, now=T0 + 700)
    assert [n for n, _ in sent] == ["ok", "if-none-match"]


# ---- the bad-input matrix ------------------------------------------------------------------


def test_non_utf8_bytes_and_nul() -> None:
    policy = make([("cache-control", "max-age=60"), (b"x-bin", b"\xff\x00\x80\xfe"), (b"x-empty", b"")])
    served = dict(policy.response_headers(now=T0 + 1))
    assert served["x-bin"] == "\xff \x80\xfe"  # Latin-1 for bytes that are not UTF-8; NUL as a space
    assert served["x-empty"] == ""
    for name in [b"x-\xff", b"x\x00", b"", b" x", b"x y", "é"]:
        with pytest.raises(CachePolicyError, match="invalid header name"):
            make([(name, "1")])
    with pytest.raises(ValueError):
        CachePolicy({"url": b"https://example.com/\xff"}, {}, now=T0)
    with pytest.raises(CachePolicyError):
        CachePolicy({"url": URL, "method": "G\0T"}, {}, now=T0)
    with pytest.raises(ValueError):
        make([("x", "\udcff")])


@pytest.mark.parametrize("status", [-1, 0, 99, 1000, 70000, 2**31, 2**64, -(2**63)])
def test_status_outside_100_999_is_refused(status: int) -> None:
    with pytest.raises((CachePolicyError, ValueError, OverflowError)) as info:
        CachePolicy({"url": URL}, {"status": status}, now=T0)
    assert "status" in str(info.value)


@pytest.mark.parametrize(
    "cc, lifetime",
    [
        ("max-age=-1", 0),
        ("max-age=1.5", 0),
        ("max-age=", 0),
        ("max-age=5, max-age=6", 0),
        ("max-age=99999999999999999999999999999", 2**31),
        ("max-age=18446744073709551616", 2**31),
    ],
)
def test_negative_and_overflowing_numbers(cc: str, lifetime: int) -> None:
    policy = make([("cache-control", cc), ("age", "-5")])
    assert policy.max_age() == lifetime
    for bad in ["max-age=-1", "max-stale=-1", "max-stale=1e9", "min-fresh=99999999999999999999"]:
        assert decision(make([("cache-control", "max-age=60")]), [("cache-control", bad)], 700)[0] != "stale"


@pytest.mark.parametrize("now", [-1e12, -1.0, 0.0, 1e12, 9.2e15])
def test_extreme_but_finite_times(now: float) -> None:
    policy = CachePolicy({"url": URL}, {"headers": [("cache-control", "max-age=60")]}, now=T0)
    assert policy.time_to_live(now=now) >= 0
    assert policy.evaluate({"url": URL}, now=now).decision in {"fresh", "revalidate"}
    CachePolicy({"url": URL}, {"headers": [("cache-control", "max-age=60")]}, now=now, request_time=now)


@pytest.mark.parametrize("now", [math.nan, math.inf, -math.inf, 1e300, 2**70])
def test_times_that_are_not_times_are_refused(now: float) -> None:
    with pytest.raises((ValueError, OverflowError)):
        CachePolicy({"url": URL}, {}, now=now)


@pytest.mark.parametrize("date", ["garbage", "0", "-1", "Sun, 32 Nov 1994 08:49:37 GMT", "Tue, 14 Nov 2023 22:13:20 UTC", "\0"])
def test_invalid_dates(date: str) -> None:
    policy = CachePolicy({"url": URL}, {"headers": [("date", date), ("expires", date), ("last-modified", date)]}, now=T0)
    assert policy.date == T0
    assert policy.max_age() == 0
    assert ("date", DATE) in policy.response_headers(now=T0)


@pytest.mark.parametrize(
    "request_",
    [{"url": ""}, {"url": "/a b"}, {"url": URL, "method": ""}, {"url": URL, "method": "G T"}, {"url": URL, "method": "GËT"}],
)
def test_invalid_method_or_url(request_: dict[str, Any]) -> None:
    with pytest.raises(CachePolicyError) as info:
        CachePolicy(request_, {}, now=T0)
    assert info.value.kind in {"invalid_method", "invalid_url"}
    with pytest.raises(CachePolicyError):
        primary_key(request_)


@pytest.mark.parametrize(
    "value",
    [None, 1, 1.5, True, object(), [("a",)], [("a", "b", "c")], [(1, 2)], [("a", None)], {"a": 1}, {"a": [1]}, {1: "a"}, "x: y", b"x: y", [b"ab"]],
)
def test_wrong_types_for_headers_raise_type_error_not_crash(value: Any) -> None:
    if value is None:
        CachePolicy({"url": URL, "headers": value}, {"headers": value}, now=T0)
        return
    with pytest.raises(TypeError):
        CachePolicy({"url": URL, "headers": value}, {}, now=T0)
    with pytest.raises(TypeError):
        CachePolicy({"url": URL}, {"headers": value}, now=T0)
    policy = make(RES_FRESH[1:])
    with pytest.raises(TypeError):
        policy.evaluate({"url": URL, "headers": value}, now=T0)


@pytest.mark.parametrize("value", [None, 1, "200", 200.0, b"200", [200], True])
def test_wrong_types_for_status_and_times(value: Any) -> None:
    with pytest.raises((TypeError, CachePolicyError)):
        CachePolicy({"url": URL}, {"status": value}, now=T0)
    if isinstance(value, (str, bytes, list)):
        with pytest.raises(TypeError):
            CachePolicy({"url": URL}, {}, now=value)


def test_a_one_megabyte_value_in_every_role() -> None:
    mb = "x" * (1 << 20)
    started = time.monotonic()
    for name in ["cache-control", "vary", "connection", "etag", "date", "age", "x-big"]:
        for value in [mb, "9" * (1 << 20), '"' * (1 << 20), "," * (1 << 20)]:
            request = [("host", "example.com"), (name, value), ("if-none-match", value)]
            policy = make([(name, value), ("cache-control", "max-age=60")], request)
            req = {"url": URL, "headers": request}
            e = policy.evaluate(req, now=T0 + 1)
            assert e.response_headers is None or clean(e.response_headers)
            policy.revalidation_headers(req, now=T0 + 100)
            assert CachePolicy.from_bytes(policy.to_bytes()) == policy
            policy.revalidated_policy(req, {"status": 304, "headers": [(name, value)]}, now=T0 + 100)
    big_url = URL + "/" + mb
    assert CachePolicy({"url": big_url}, {"headers": [("cache-control", "max-age=60")]}, now=T0).evaluate({"url": big_url}, now=T0 + 1).decision == "fresh"
    assert time.monotonic() - started < 60


def test_100000_header_lines_take_linear_time() -> None:
    n = 100_000
    lines = [(f"x-h{i}", "v") for i in range(n)]
    started = time.monotonic()
    policy = CachePolicy({"url": URL, "headers": lines}, {"headers": [*lines, ("cache-control", "max-age=60"), ("vary", ", ".join(n for n, _ in lines))]}, now=T0)
    assert policy.evaluate({"url": URL, "headers": lines}, now=T0 + 1).decision == "fresh"
    assert len(policy.response_headers(now=T0 + 1)) == n + 4
    assert len(policy.revalidation_headers({"url": URL, "headers": lines}, now=T0 + 100)) == n
    assert policy.evaluate({"url": URL, "headers": lines[:-1]}, now=T0 + 1).decision == "no_match"
    hostile = [("connection", name) for name, _ in lines] + lines
    assert policy.revalidation_headers({"url": URL, "headers": hostile}, now=T0 + 100) == []
    as_dict = dict(lines)
    assert CachePolicy({"url": URL, "headers": as_dict}, {"headers": as_dict}, now=T0).status == 200
    assert time.monotonic() - started < 60


def test_bogus_serialized_bytes() -> None:
    import random

    rng = random.Random(7)
    data = make(RES_FRESH[1:]).to_bytes()
    for i in range(2000):
        if i % 2:
            candidate = bytearray(data)
            for _ in range(3):
                candidate[rng.randrange(len(candidate))] = rng.randrange(256)
        else:
            candidate = bytearray(b"CPOL\x01" + bytes(rng.randrange(256) for _ in range(rng.randrange(200))))
        try:
            policy = CachePolicy.from_bytes(bytes(candidate))
        except CachePolicyError as e:
            assert e.kind.startswith("invalid_")
            continue
        assert clean(policy.response_headers(now=T0))
        policy.evaluate({"url": URL}, now=T0)
    for bad in [b"", b"\0" * 100, b"CPOL\x01\xff\xff\xff\xff", bytes(range(256))]:
        with pytest.raises(CachePolicyError):
            CachePolicy.from_bytes(bad)
    with pytest.raises(TypeError):
        CachePolicy.from_bytes(None)  # type: ignore[arg-type]


# ---- threads and memory --------------------------------------------------------------------


def test_one_policy_shared_by_8_threads_gives_identical_answers() -> None:
    """8 threads × CACHEPOLICY_STRESS_EVALUATIONS evaluations (default 20,000; the issue's
    1,000,000 with `make test-stress`), each checked against the single-threaded answer."""
    per_thread = int(os.environ.get("CACHEPOLICY_STRESS_EVALUATIONS", "20000"))
    policy = make(
        [("cache-control", "max-age=2000, stale-while-revalidate=1000"), ("etag", '"v1"'), ("vary", "accept-encoding")],
        [("accept-encoding", "gzip")],
    )
    requests = [
        {"url": URL, "headers": [("accept-encoding", "gzip")]},
        {"url": URL, "headers": [("accept-encoding", "br")]},
        {"url": URL, "headers": [("accept-encoding", "gzip"), ("cache-control", "max-stale=600")]},
    ]
    times = [T0 + 20 * i for i in range(300)]
    expected = [[policy.evaluate(r, now=t).decision for t in times] for r in requests]
    assert {"fresh", "no_match", "stale", "stale_while_revalidate", "revalidate"} <= {d for row in expected for d in row}
    barrier = threading.Barrier(8)
    mismatches = [0] * 8

    def work(index: int) -> None:
        barrier.wait()
        count = 0
        for i in range(per_thread):
            k = (i * 7 + index * 13) % (len(requests) * len(times))
            r, t = k % len(requests), k // len(requests)
            if policy.evaluate(requests[r], now=times[t]).decision != expected[r][t]:
                count += 1
        mismatches[index] = count

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert mismatches == [0] * 8


def resident_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
def test_resident_memory_stays_flat_over_a_million_constructions() -> None:
    """CACHEPOLICY_MEMORY_CONSTRUCTIONS (default 1,000,000) policies built, evaluated,
    serialized and dropped: resident memory after equals memory after the first 50,000."""
    total = int(os.environ.get("CACHEPOLICY_MEMORY_CONSTRUCTIONS", "1000000"))
    request = {"url": URL, "headers": [("accept-encoding", "gzip"), ("x-id", "0")]}
    response = {"status": 200, "headers": [("date", DATE), ("cache-control", "max-age=600"), ("etag", '"v1"'), ("vary", "accept-encoding"), ("x-big", "y" * 200)]}
    warm = min(50_000, total // 4)
    baseline = 0
    for i in range(total):
        policy = CachePolicy(request, response, now=T0)
        if i % 10 == 0:
            policy.evaluate(request, now=T0 + 1).response_headers
            CachePolicy.from_bytes(policy.to_bytes())
        if i == warm:
            baseline = resident_bytes()
    grown = resident_bytes() - baseline
    assert grown < 8 * 1024 * 1024, f"resident memory grew by {grown} bytes over {total - warm} constructions"
