"""Shared exchanges for the API tests. Times are fixed: T0 is when the response arrived."""

from __future__ import annotations

from typing import Any

import pytest

T0 = 1_700_000_000.0  # Tue, 14 Nov 2023 22:13:20 GMT
DATE = "Tue, 14 Nov 2023 22:13:20 GMT"
URL = "https://example.com/app.js"


@pytest.fixture
def request_dict() -> dict[str, Any]:
    return {"method": "GET", "url": URL, "headers": [("host", "example.com"), ("accept", "*/*")]}


@pytest.fixture
def response_dict() -> dict[str, Any]:
    return {
        "status": 200,
        "headers": [
            ("date", DATE),
            ("cache-control", "max-age=3600"),
            ("etag", '"v1"'),
            ("last-modified", "Tue, 07 Nov 2023 22:13:20 GMT"),
            ("connection", "keep-alive"),
            ("content-type", "text/javascript"),
        ],
    }
