"""A tiny HTTP cache around urllib, driven by cachepolicy.

Run it: ``python examples/python/cached_fetch.py``. It starts a local http.server on
127.0.0.1, fetches the same URL several times through the cache, and prints what the cache
did each time: a miss, fresh hits served from memory, then (once the response is stale) a
revalidation answered by 304 Not Modified, which refreshes the stored entry without a body.
"""

from __future__ import annotations

import http.server
import threading
import time
import urllib.error
import urllib.request
from typing import Dict, List, Optional, Tuple

from cachepolicy import CachePolicy

Headers = List[Tuple[str, str]]


class CachedFetcher:
    """GETs through an in-memory cache that follows the origin's caching headers."""

    def __init__(self) -> None:
        # url -> (policy, body). A real cache would key by policy.primary_key() and store
        # policy.to_bytes() next to the body.
        self.entries: Dict[str, Tuple[CachePolicy, bytes]] = {}

    def get(self, url: str, headers: Optional[Headers] = None) -> Tuple[int, Headers, bytes, str]:
        """Returns (status, headers, body, what the cache did)."""
        request = {"method": "GET", "url": url, "headers": headers or []}
        entry = self.entries.get(url)
        if entry is not None:
            policy, body = entry
            decision = policy.evaluate(request)
            if decision.serves_stored and decision.response_headers is not None:
                return policy.status, decision.response_headers, body, "hit"
            if decision.decision == "revalidate" and decision.revalidation_headers is not None:
                conditional = {"method": "GET", "url": url, "headers": decision.revalidation_headers}
                status, response_headers, new_body = self._fetch(url, decision.revalidation_headers)
                result = policy.revalidated_policy(conditional, {"status": status, "headers": response_headers})
                new_policy, modified = result
                if not modified:
                    self.entries[url] = (new_policy, body)
                    return new_policy.status, new_policy.response_headers(), body, "revalidated (304)"
                if new_policy.storable():
                    self.entries[url] = (new_policy, new_body)
                return status, response_headers, new_body, "revalidated (changed)"
        status, response_headers, body = self._fetch(url, headers or [])
        policy = CachePolicy(request, {"status": status, "headers": response_headers}, shared=False)
        if policy.storable():
            self.entries[url] = (policy, body)
        return status, response_headers, body, "miss" + ("" if policy.storable() else " (not storable)")

    @staticmethod
    def _fetch(url: str, headers: Headers) -> Tuple[int, Headers, bytes]:
        request = urllib.request.Request(url, headers=dict(headers))
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, list(response.headers.items()), response.read()
        except urllib.error.HTTPError as error:  # 304 and other statuses arrive as errors
            return error.code, list(error.headers.items()), error.read()


class Origin(http.server.BaseHTTPRequestHandler):
    """Serves one resource, fresh for 1 second, with an ETag; counts what it sent."""

    bodies_sent = 0
    not_modified_sent = 0

    def do_GET(self) -> None:
        etag = '"v1"'
        if self.headers.get("If-None-Match") == etag:
            Origin.not_modified_sent += 1
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Cache-Control", "max-age=1")
            self.end_headers()
            return
        Origin.bodies_sent += 1
        body = b"hello from the origin\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=1")
        self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> List[str]:
    """Runs the demonstration; returns what the cache did for each fetch."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Origin)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/greeting"
    fetcher = CachedFetcher()
    what = []
    try:
        for i in range(5):
            if i == 3:
                time.sleep(1.2)  # let the stored response go stale
            status, headers, body, did = fetcher.get(url)
            age = dict((n.lower(), v) for n, v in headers).get("age", "-")
            print(f"fetch {i + 1}: {status} {body!r} age={age} -> {did}")
            what.append(did)
    finally:
        server.shutdown()
        server.server_close()
    print(f"origin sent {Origin.bodies_sent} body, {Origin.not_modified_sent} Not Modified")
    return what


if __name__ == "__main__":
    main()
