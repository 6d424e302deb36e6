"""The documented API, method by method, read like the user docs."""

from __future__ import annotations

import time
from typing import Any

import cachepolicy
from cachepolicy import CachePolicy, Evaluation, Revalidation

from conftest import DATE, T0, URL


def test_module_exports_the_documented_names() -> None:
    for name in ["CachePolicy", "CachePolicyError", "Evaluation", "Revalidation", "primary_key", "select_variant", "cache_status_miss"]:
        assert name in cachepolicy.__all__
        assert getattr(cachepolicy, name).__doc__, f"{name} has a docstring"
    assert isinstance(cachepolicy.__version__, str)
    assert cachepolicy.FORMAT_VERSION >= 1


def test_every_public_method_has_a_docstring() -> None:
    for cls in [CachePolicy, Evaluation, Revalidation]:
        for name in dir(cls):
            if not name.startswith("_"):
                assert getattr(cls, name).__doc__, f"{cls.__name__}.{name} has no docstring"


def test_fresh_hit(request_dict: dict[str, Any], response_dict: dict[str, Any]) -> None:
    policy = CachePolicy(request_dict, response_dict, shared=True, now=T0)
    assert policy.storable()
    assert policy.not_storable_reason() is None
    assert policy.satisfies_without_revalidation(request_dict, now=T0 + 10)
    assert policy.time_to_live(now=T0 + 10) == 3590.0
    assert policy.age(now=T0 + 10) == 10.0
    assert policy.max_age() == 3600.0
    assert policy.freshness_source() == "max-age"
    assert not policy.stale(now=T0 + 10)
    assert policy.stale(now=T0 + 3600)
    headers = policy.response_headers(now=T0 + 10)
    assert headers == [
        ("date", DATE),
        ("cache-control", "max-age=3600"),
        ("etag", '"v1"'),
        ("last-modified", "Tue, 07 Nov 2023 22:13:20 GMT"),
        ("content-type", "text/javascript"),
        ("age", "10"),
    ]


def test_unchanged_lines_are_the_callers_own_tuples(request_dict: dict[str, Any], response_dict: dict[str, Any]) -> None:
    policy = CachePolicy(request_dict, response_dict, now=T0)
    served = policy.response_headers(now=T0 + 10)
    given = response_dict["headers"]
    assert served[0] is given[0] and served[1] is given[1] and served[4] is given[5]
    conditional = policy.revalidation_headers(request_dict, now=T0 + 7200)
    assert conditional[0] is request_dict["headers"][0]
    # Values that changed are new tuples.
    assert conditional[-2:] == [("if-none-match", '"v1"'), ("if-modified-since", "Tue, 07 Nov 2023 22:13:20 GMT")]


def test_now_defaults_to_the_current_time(request_dict: dict[str, Any]) -> None:
    response = {"status": 200, "headers": [("cache-control", "max-age=600")]}
    before = time.time()
    policy = CachePolicy(request_dict, response)
    assert before - 1 <= policy.response_time <= time.time() + 1
    assert 598 <= policy.time_to_live() <= 600
    assert policy.satisfies_without_revalidation(request_dict)
    assert [n for n, _ in policy.response_headers()] == ["cache-control", "date", "age"]


def test_evaluate_returns_the_whole_decision(request_dict: dict[str, Any], response_dict: dict[str, Any]) -> None:
    policy = CachePolicy(request_dict, response_dict, now=T0)
    hit = policy.evaluate(request_dict, now=T0 + 10)
    assert isinstance(hit, Evaluation)
    assert (hit.decision, hit.reason, hit.serves_stored, hit.contacts_origin) == ("fresh", None, True, False)
    assert hit.response_headers is not None and hit.response_headers[-1] == ("age", "10")
    assert hit.revalidation_headers is None
    assert "fresh" in hit.description
    assert repr(hit) == "<Evaluation fresh>"
    stale = policy.evaluate(request_dict, now=T0 + 7200)
    assert (stale.decision, stale.reason) == ("revalidate", "stale")
    assert stale.response_headers is None
    assert stale.revalidation_headers is not None
    assert ("if-none-match", '"v1"') in stale.revalidation_headers
    assert "RFC 9111" in stale.description
    other = policy.evaluate({"url": "https://example.com/other"}, now=T0 + 10)
    assert (other.decision, other.reason) == ("no_match", "url_mismatch")


def test_revalidation_with_a_304(request_dict: dict[str, Any], response_dict: dict[str, Any]) -> None:
    policy = CachePolicy(request_dict, response_dict, now=T0)
    later = T0 + 7200
    headers = policy.revalidation_headers(request_dict, now=later)
    assert ("if-none-match", '"v1"') in headers
    result = policy.revalidated_policy({"url": URL, "headers": headers}, {"status": 304, "headers": [("etag", '"v1"')]}, now=later)
    assert isinstance(result, Revalidation)
    assert (result.modified, result.matches, result.outcome) == (False, True, "not_modified")
    new_policy, modified = result
    assert new_policy is result.policy and modified is False
    assert result[0] is new_policy and result[1] is False and len(result) == 2
    assert new_policy.satisfies_without_revalidation(request_dict, now=later + 10)
    assert new_policy.response_time == later
    assert "modified=False" in repr(result)


def test_revalidation_with_a_new_response_or_none(request_dict: dict[str, Any], response_dict: dict[str, Any]) -> None:
    policy = CachePolicy(request_dict, response_dict, now=T0)
    replaced = policy.revalidated_policy(request_dict, {"status": 200, "headers": [("cache-control", "max-age=5")]}, now=T0 + 7200)
    assert (replaced.modified, replaced.outcome) == (True, "modified")
    assert replaced.policy.max_age() == 5
    failed = policy.revalidated_policy(request_dict, None, now=T0 + 7200)
    assert (failed.modified, failed.matches, failed.outcome) == (True, False, "failed")
    assert failed.policy == policy


def test_stale_windows_and_retention(request_dict: dict[str, Any]) -> None:
    response = {"headers": [("date", DATE), ("cache-control", "max-age=60, stale-while-revalidate=30, stale-if-error=300")]}
    policy = CachePolicy(request_dict, response, now=T0)
    assert policy.retention(now=T0) == 360
    assert policy.within_stale_while_revalidate(now=T0 + 80)
    assert not policy.within_stale_while_revalidate(now=T0 + 95)
    assert policy.within_stale_if_error(request_dict, now=T0 + 200)
    assert policy.expiry_stage(now=T0 + 10) == "fresh"
    assert policy.expiry_stage(now=T0 + 80) == "soft_expired"
    assert policy.expiry_stage(now=T0 + 95) == "hard_expired"
    assert policy.evaluate(request_dict, now=T0 + 80).decision == "stale_while_revalidate"


def test_invalidation_after_post() -> None:
    request = {"method": "POST", "url": "https://example.com/items", "headers": []}
    response = {"status": 201, "headers": [("location", "/items/7"), ("content-location", "https://other.example/x")]}
    policy = CachePolicy(request, response, now=T0)
    assert not policy.storable()
    assert policy.invalidation_targets() == ["https://example.com/items", "https://example.com/items/7"]


def test_keys_variants_and_cache_status(request_dict: dict[str, Any]) -> None:
    response = {"headers": [("date", DATE), ("cache-control", "max-age=60"), ("vary", "Accept")]}
    policy = CachePolicy(request_dict, response, now=T0)
    assert policy.primary_key() == "GET https://example.com/app.js"
    assert cachepolicy.primary_key({"method": "HEAD", "url": "HTTPS://EXAMPLE.COM:443/app.js"}) == "GET https://example.com/app.js"
    assert policy.secondary_key() == "accept=*/*"
    assert policy.secondary_key({"url": URL, "headers": [("accept", "text/html")]}) == "accept=text/html"
    newer = CachePolicy(request_dict, {"headers": [("cache-control", "max-age=60"), ("vary", "Accept")]}, now=T0 + 5)
    assert cachepolicy.select_variant([policy, newer], request_dict) is newer
    assert cachepolicy.select_variant([policy], {"url": URL, "headers": [("accept", "x/y")]}) is None
    assert policy.cache_status(request_dict, "edge", now=T0 + 10) == "edge; hit; ttl=50"
    assert policy.cache_status(request_dict, "edge", now=T0 + 100, fwd_status=304, stored=True) == "edge; fwd=stale; fwd-status=304; ttl=-40; stored"
    assert cachepolicy.cache_status_miss("edge", fwd_status=200, stored=True) == "edge; fwd=uri-miss; fwd-status=200; stored"


def test_lost_update_headers() -> None:
    get = {"url": URL}
    policy = CachePolicy(get, {"headers": [("etag", '"v1"'), ("cache-control", "max-age=60")]}, now=T0)
    assert policy.lost_update_headers({"method": "PUT", "url": URL}) == [("if-match", '"v1"')]
    assert policy.lost_update_headers({"method": "GET", "url": URL}) == []


def test_options_profiles_and_overrides(request_dict: dict[str, Any]) -> None:
    response = {"headers": [("cache-control", "private, max-age=60")]}
    assert not CachePolicy(request_dict, response, now=T0).storable()
    assert CachePolicy(request_dict, response, shared=False, now=T0).storable()
    assert CachePolicy(request_dict, response, profile="private", now=T0).storable()
    options = CachePolicy(request_dict, response, profile="accelerator", store_https=True, grace_period=30, now=T0).options
    assert options["store_https"] is True and options["store_authenticated"] is True
    assert options["grace_period"] == 30 and options["set_cookie"] == "refuse"
    defaults = CachePolicy(request_dict, response, now=T0).options
    assert defaults == {
        "shared": True,
        "cache_heuristic": 0.1,
        "immutable_min_time_to_live": 86400.0,
        "ignore_cargo_cult": False,
        "trust_server_date": True,
        "cache_etags": True,
        "request_no_cache": "revalidate",
        "targeted_fields": [],
        "ignore_request_cache_control": False,
        "honor_request_no_cache": True,
        "store_authenticated": False,
        "ignore_s_maxage": False,
        "grace_period": 0.0,
        "ignore_no_store": False,
        "store_https": True,
        "bypass_range_and_conditional": False,
        "store_only_2xx": False,
        "set_cookie": "revalidate",
        "suppress_age": False,
        "replace_date": False,
    }
    targeted = CachePolicy(
        request_dict,
        {"headers": [("cache-control", "max-age=10"), ("cdn-cache-control", "max-age=600")]},
        targeted_fields=["cdn-cache-control"],
        now=T0,
    )
    assert targeted.max_age() == 600


def test_heuristic_and_immutable_options(request_dict: dict[str, Any]) -> None:
    response = {"headers": [("date", DATE), ("last-modified", "Tue, 07 Nov 2023 22:13:20 GMT")]}
    assert CachePolicy(request_dict, response, now=T0).max_age() == 7 * 86400 * 0.1
    assert CachePolicy(request_dict, response, cache_heuristic=0.5, now=T0).max_age() == 7 * 86400 * 0.5
    immutable = {"headers": [("date", DATE), ("cache-control", "immutable")]}
    assert CachePolicy(request_dict, immutable, immutable_min_time_to_live=100, now=T0).max_age() == 100


def test_properties_explain_and_repr(request_dict: dict[str, Any], response_dict: dict[str, Any]) -> None:
    policy = CachePolicy(request_dict, response_dict, now=T0 + 2)
    assert (policy.status, policy.method, policy.url) == (200, "GET", URL)
    assert policy.response_time == T0 + 2
    assert policy.date == T0
    assert [n for n, _ in policy.stored_headers()] == ["date", "cache-control", "etag", "last-modified", "content-type"]
    text = policy.explain(request_dict, now=T0 + 10)
    assert "storable: yes" in text and "max-age" in text and "decision: fresh" in text
    assert "storable: no" in CachePolicy(request_dict, {"headers": [("cache-control", "no-store")]}, now=T0).explain()
    assert repr(policy) == "<CachePolicy GET https://example.com/app.js -> 200, storable, max_age=3600>"


def test_header_values_that_are_not_utf8_come_back_as_latin1(request_dict: dict[str, Any]) -> None:
    response = {"headers": [(b"x-name", b"caf\xe9"), ("x-utf8", "café".encode()), ("cache-control", "max-age=60")]}
    policy = CachePolicy(request_dict, response, now=T0)
    assert policy.response_headers(now=T0)[:2] == [("x-name", "café"), ("x-utf8", "café")]


def test_request_time_accounts_for_the_response_delay(request_dict: dict[str, Any], response_dict: dict[str, Any]) -> None:
    policy = CachePolicy(request_dict, response_dict, now=T0, request_time=T0 - 3)
    assert policy.age(now=T0) == 3
