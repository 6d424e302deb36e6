"""HTTP caching policy engine (RFC 9111, RFC 5861, RFC 8246).

``CachePolicy(request, response)`` answers the questions an HTTP cache must ask: may I store
this response (``storable()``), may I serve it to this new request
(``satisfies_without_revalidation()``, ``evaluate()``), with which headers
(``response_headers()``), how do I revalidate it (``revalidation_headers()``,
``revalidated_policy()``). The rules run in Rust; this package re-exports the native module.
"""

from ._cachepolicy import (
    FORMAT_VERSION,
    CachePolicy,
    CachePolicyError,
    Evaluation,
    Revalidation,
    __version__,
    cache_status_miss,
    primary_key,
    select_variant,
)

__all__ = [
    "CachePolicy",
    "CachePolicyError",
    "Evaluation",
    "Revalidation",
    "FORMAT_VERSION",
    "__version__",
    "cache_status_miss",
    "primary_key",
    "select_variant",
]
