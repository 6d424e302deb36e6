"""Every accepted input shape gives the same answers: mappings, header lists and mappings of
every kind, and real request/response objects of requests, httpx, http.client, urllib and
urllib3, all built without network."""

from __future__ import annotations

import email.message
import http.client
import io
import urllib.request
from typing import Any

import pytest

from cachepolicy import CachePolicy

from conftest import DATE, T0, URL

RESPONSE_LINES = [
    ("Date", DATE),
    ("Cache-Control", "max-age=60"),
    ("Set-Cookie", "a=1"),
    ("Set-Cookie", "b=2"),
    ("ETag", '"x"'),
    ("Vary", "Accept"),
]
SERVED = [("Date", DATE), ("Cache-Control", "max-age=60"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("ETag", '"x"'), ("Vary", "Accept"), ("age", "10")]
REQUEST = {"method": "GET", "url": URL, "headers": [("Accept", "text/html")]}


def served(response: Any, request: Any = REQUEST) -> list[tuple[str, str]]:
    policy = CachePolicy(request, response, shared=False, now=T0)
    assert policy.satisfies_without_revalidation(REQUEST, now=T0 + 10)
    return policy.response_headers(now=T0 + 10)


def lower(lines: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(n.lower(), v) for n, v in lines]


@pytest.mark.parametrize(
    "headers",
    [
        RESPONSE_LINES,
        tuple(RESPONSE_LINES),
        [list(line) for line in RESPONSE_LINES],
        [(n.encode(), v.encode()) for n, v in RESPONSE_LINES],
        [(n, v.encode()) for n, v in RESPONSE_LINES],
        iter(RESPONSE_LINES),
    ],
    ids=["list-of-tuples", "tuple-of-tuples", "list-of-lists", "bytes", "bytes-values", "iterator"],
)
def test_header_sequences(headers: Any) -> None:
    assert served({"status": 200, "headers": headers}) == SERVED


def test_dict_headers_with_list_values() -> None:
    headers = {"Date": DATE, "Cache-Control": "max-age=60", "Set-Cookie": ["a=1", "b=2"], "ETag": '"x"', "Vary": "Accept"}
    assert served({"status": 200, "headers": headers}) == SERVED


def test_email_message_keeps_duplicates() -> None:
    message = email.message.Message()
    for name, value in RESPONSE_LINES:
        message[name] = value
    assert served({"status": 200, "headers": message}) == SERVED


def test_http_client_response() -> None:
    raw = "HTTP/1.1 200 OK\r\n" + "".join(f"{n}: {v}\r\n" for n, v in RESPONSE_LINES) + "Content-Length: 2\r\n\r\nok"

    class FakeSocket:
        def makefile(self, mode: str) -> io.BytesIO:
            return io.BytesIO(raw.encode("latin-1"))

    response = http.client.HTTPResponse(FakeSocket())  # type: ignore[arg-type]
    response.begin()
    assert served(response)[:-1] == SERVED[:-1] + [("Content-Length", "2")]


def test_urllib_request() -> None:
    request = urllib.request.Request(URL, headers={"Accept": "text/html"})
    assert request.get_method() == "GET"
    assert served({"status": 200, "headers": RESPONSE_LINES}, request=request) == SERVED
    post = urllib.request.Request(URL, data=b"x", method=None)
    policy = CachePolicy(post, {"status": 200, "headers": [("cache-control", "max-age=60")]}, now=T0)
    assert policy.method == "POST"


def test_mapping_defaults_and_other_mappings() -> None:
    from types import MappingProxyType

    policy = CachePolicy(MappingProxyType({"url": URL}), MappingProxyType({"headers": {"cache-control": "max-age=60"}}), now=T0)
    assert (policy.method, policy.status, policy.max_age()) == ("GET", 200, 60)
    assert CachePolicy({"url": URL}, {"status_code": 404, "headers": None}, now=T0).status == 404


def test_url_objects_and_bytes() -> None:
    class Url:
        def __str__(self) -> str:
            return URL

    assert CachePolicy({"url": Url()}, {}, now=T0).url == URL
    assert CachePolicy({"url": URL.encode(), "method": b"GET"}, {}, now=T0).url == URL


def test_requests_objects() -> None:
    requests = pytest.importorskip("requests")
    from requests.structures import CaseInsensitiveDict

    prepared = requests.Request("GET", URL, headers={"Accept": "text/html"}).prepare()
    response = requests.Response()
    response.status_code = 200
    response.headers = CaseInsensitiveDict({n: v for n, v in RESPONSE_LINES if n != "Set-Cookie"})
    response.headers["Set-Cookie"] = "a=1, b=2"  # requests folds duplicates
    policy = CachePolicy(prepared, response, shared=False, now=T0)
    assert policy.satisfies_without_revalidation(prepared, now=T0 + 10)
    assert ("Set-Cookie", "a=1, b=2") in policy.response_headers(now=T0 + 10)
    assert policy.revalidation_headers(prepared, now=T0 + 3600)[-1] == ("if-none-match", '"x"')


def test_httpx_objects() -> None:
    httpx = pytest.importorskip("httpx")
    request = httpx.Request("GET", URL, headers={"Accept": "text/html"})
    response = httpx.Response(200, headers=RESPONSE_LINES, request=request)
    policy = CachePolicy(request, response, shared=False, now=T0)
    assert policy.satisfies_without_revalidation(request, now=T0 + 10)
    # httpx lower-cases names; duplicates are kept through multi_items().
    assert policy.response_headers(now=T0 + 10) == lower(SERVED)
    other = httpx.Request("GET", URL, headers={"Accept": "application/json"})
    assert policy.evaluate(other, now=T0 + 10).reason == "vary_mismatch"


def test_urllib3_objects() -> None:
    urllib3 = pytest.importorskip("urllib3")
    headers = urllib3.HTTPHeaderDict()
    for name, value in RESPONSE_LINES:
        headers.add(name, value)
    assert lower(served({"status": 200, "headers": headers})) == lower(SERVED)
    response = urllib3.HTTPResponse(body=b"", headers=headers, status=200, preload_content=False)
    assert lower(served(response)) == lower(SERVED)


def test_evaluate_and_revalidate_take_every_shape() -> None:
    httpx = pytest.importorskip("httpx")
    policy = CachePolicy(REQUEST, {"status": 200, "headers": RESPONSE_LINES}, shared=False, now=T0)
    not_modified = httpx.Response(304, headers={"ETag": '"x"', "Date": DATE})
    result = policy.revalidated_policy(httpx.Request("GET", URL, headers={"Accept": "text/html"}), not_modified, now=T0 + 100)
    assert (result.modified, result.matches) == (False, True)
