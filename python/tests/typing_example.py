"""A typed use of the whole API: `mypy --strict` must accept it (python/run-tests.sh checks)."""

from __future__ import annotations

from typing import List, Mapping, Optional, Tuple

import cachepolicy
from cachepolicy import CachePolicy, CachePolicyError, Evaluation

Headers = List[Tuple[str, str]]


def serve(policy: CachePolicy, request: Mapping[str, object], now: float) -> Optional[Headers]:
    evaluation: Evaluation = policy.evaluate(request, now=now)
    if evaluation.decision in ("fresh", "stale", "stale_while_revalidate"):
        return evaluation.response_headers
    return None


def main() -> None:
    request = {"method": "GET", "url": "https://example.com/", "headers": [("accept", "*/*")]}
    response = {"status": 200, "headers": [("cache-control", "max-age=60"), ("etag", '"a"')]}
    policy = CachePolicy(request, response, shared=False, cache_heuristic=0.1, now=1_700_000_000.0)
    storable: bool = policy.storable()
    ttl: float = policy.time_to_live(now=1_700_000_010.0)
    headers: Headers = policy.response_headers()
    conditional: Headers = policy.revalidation_headers(request)
    new_policy, modified = policy.revalidated_policy(request, {"status": 304, "headers": [("etag", '"a"')]})
    fresh_again: bool = new_policy.satisfies_without_revalidation(request)
    outcome: str = policy.revalidated_policy(request, None).outcome
    data: bytes = policy.to_bytes()
    copy: CachePolicy = CachePolicy.from_bytes(data)
    key: str = cachepolicy.primary_key(request) + copy.secondary_key()
    chosen: Optional[CachePolicy] = cachepolicy.select_variant([policy, new_policy], request)
    status: str = policy.cache_status(request, "edge", stored=True)
    try:
        CachePolicy({"url": ""}, response)
    except CachePolicyError as error:
        kind: str = error.kind
        print(kind)
    print(storable, ttl, headers, conditional, modified, fresh_again, outcome, key, chosen, status, serve(policy, request, 0.0))
    print(policy.options["shared"], policy.max_age(), policy.age(), policy.stale(), policy.explain(request))


if __name__ == "__main__":
    main()
