"""Type stubs of the native module (the Rust binding of the cachepolicy engine)."""

from typing import Any, Iterable, List, Literal, Mapping, Optional, Protocol, Sequence, Tuple, TypedDict, Union

__version__: str
FORMAT_VERSION: int

# ---- inputs ---------------------------------------------------------------------------------

HeaderText = Union[str, bytes]
"""A header name or value: ``str``, or ``bytes`` (raw octets, e.g. Latin-1)."""

HeaderPairs = Iterable[Union[Tuple[HeaderText, HeaderText], Sequence[HeaderText]]]
HeaderMapping = Mapping[Any, Any]
Headers = Union[HeaderPairs, HeaderMapping, None]
"""A list of ``(name, value)`` pairs, a dict (a value may be a list of values), or a
multi-valued mapping (``httpx.Headers``, ``email.message.Message``, urllib3's
``HTTPHeaderDict``, requests' ``CaseInsensitiveDict``); duplicates are kept."""

class _RequestObject(Protocol):
    """requests.PreparedRequest, httpx.Request, or anything with these attributes."""

    @property
    def method(self) -> Optional[Union[str, bytes]]: ...
    @property
    def url(self) -> object: ...
    @property
    def headers(self) -> Any: ...

class _UrllibRequest(Protocol):
    """urllib.request.Request."""

    @property
    def full_url(self) -> str: ...
    def get_method(self) -> str: ...
    def header_items(self) -> List[Tuple[str, str]]: ...

class _ResponseWithStatusCode(Protocol):
    """requests.Response, httpx.Response."""

    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Any: ...

class _ResponseWithStatus(Protocol):
    """http.client.HTTPResponse, urllib3.HTTPResponse, aiohttp.ClientResponse."""

    @property
    def status(self) -> int: ...
    @property
    def headers(self) -> Any: ...

RequestLike = Union[Mapping[str, Any], _RequestObject, _UrllibRequest]
"""``{"method": "GET", "url": "https://...", "headers": [...]}`` (method defaults to GET,
headers to none) or a request object."""

ResponseLike = Union[Mapping[str, Any], _ResponseWithStatusCode, _ResponseWithStatus]
"""``{"status": 200, "headers": [...]}`` (status defaults to 200) or a response object."""

HeaderList = List[Tuple[str, str]]

Decision = Literal["fresh", "stale", "stale_while_revalidate", "revalidate", "no_match", "gateway_timeout"]
FreshnessSource = Literal["s-maxage", "max-age", "expires", "heuristic", "immutable", "none"]
ExpiryStage = Literal["fresh", "soft_expired", "hard_expired"]
Outcome = Literal["not_modified", "modified", "not_matched", "head_mismatch", "stale_if_error", "failed"]
Profile = Literal["shared", "private", "accelerator"]

class Options(TypedDict):
    """``CachePolicy.options``: the constructor's option keywords with their values."""

    shared: bool
    cache_heuristic: float
    immutable_min_time_to_live: float
    ignore_cargo_cult: bool
    trust_server_date: bool
    cache_etags: bool
    request_no_cache: Literal["revalidate", "reload"]
    targeted_fields: List[str]
    ignore_request_cache_control: bool
    honor_request_no_cache: bool
    store_authenticated: bool
    ignore_s_maxage: bool
    grace_period: float
    ignore_no_store: bool
    store_https: bool
    bypass_range_and_conditional: bool
    store_only_2xx: bool
    set_cookie: Literal["revalidate", "refuse", "strip", "keep"]
    suppress_age: bool
    replace_date: bool

# ---- the API --------------------------------------------------------------------------------

class CachePolicyError(ValueError):
    """A value the engine refuses; ``kind`` is its stable code (``invalid_method``,
    ``invalid_url``, ``invalid_status``, ``invalid_header_name``, ``invalid_option``,
    ``invalid_serialization``)."""

    kind: str

class CachePolicy:
    """The caching policy of one stored response (RFC 9111, RFC 5861, RFC 8246).

    Immutable and safe to share between threads. Every ``now`` is seconds since the epoch;
    ``None`` means the current time. Header values come back as ``str``: UTF-8, or Latin-1 for
    bytes that are not valid UTF-8.
    """

    def __init__(
        self,
        request: RequestLike,
        response: ResponseLike,
        *,
        now: Optional[float] = None,
        request_time: Optional[float] = None,
        profile: Optional[Profile] = None,
        shared: Optional[bool] = None,
        cache_heuristic: Optional[float] = None,
        immutable_min_time_to_live: Optional[float] = None,
        ignore_cargo_cult: Optional[bool] = None,
        trust_server_date: Optional[bool] = None,
        cache_etags: Optional[bool] = None,
        request_no_cache: Optional[Literal["revalidate", "reload"]] = None,
        targeted_fields: Optional[Sequence[str]] = None,
        ignore_request_cache_control: Optional[bool] = None,
        honor_request_no_cache: Optional[bool] = None,
        store_authenticated: Optional[bool] = None,
        ignore_s_maxage: Optional[bool] = None,
        grace_period: Optional[float] = None,
        ignore_no_store: Optional[bool] = None,
        store_https: Optional[bool] = None,
        bypass_range_and_conditional: Optional[bool] = None,
        store_only_2xx: Optional[bool] = None,
        set_cookie: Optional[Literal["revalidate", "refuse", "strip", "keep"]] = None,
        suppress_age: Optional[bool] = None,
        replace_date: Optional[bool] = None,
    ) -> None:
        """The policy of ``response``, received for ``request`` at ``now`` (default: the
        current time), the request sent at ``request_time`` (default: ``now``). ``profile``
        (``"shared"`` default, ``"private"``, ``"accelerator"``) sets every option; each other
        keyword overrides one (``None``: the profile's value). Defaults: shared=True,
        cache_heuristic=0.1, immutable_min_time_to_live=86400, ignore_cargo_cult=False,
        trust_server_date=True, cache_etags=True, request_no_cache="revalidate",
        targeted_fields=[], honor_request_no_cache=True, grace_period=0, store_https=True,
        set_cookie="revalidate", the other switches False."""
    def storable(self) -> bool:
        """Whether the response may be stored at all (RFC 9111 §3)."""
    def not_storable_reason(self) -> Optional[str]:
        """Why not, as a reason code; ``None`` when storable."""
    def satisfies_without_revalidation(self, new_request: RequestLike, now: Optional[float] = None) -> bool:
        """Whether the stored response can be served for ``new_request`` without contacting the origin."""
    def evaluate(self, new_request: RequestLike, now: Optional[float] = None) -> Evaluation:
        """The whole decision for ``new_request``."""
    def response_headers(self, now: Optional[float] = None) -> HeaderList:
        """The headers to serve the stored response with (hop-by-hop removed, Age updated)."""
    def revalidation_headers(self, new_request: RequestLike, now: Optional[float] = None) -> HeaderList:
        """The headers of the conditional request to send to the origin."""
    def revalidated_policy(
        self, revalidation_request: RequestLike, revalidation_response: Optional[ResponseLike], now: Optional[float] = None
    ) -> Revalidation:
        """Merges the origin's answer (``None``: no answer came); ``policy, modified = result``."""
    def time_to_live(self, now: Optional[float] = None) -> float:
        """Seconds until the response becomes stale (0 when stale)."""
    def age(self, now: Optional[float] = None) -> float:
        """The current age in seconds (RFC 9111 §4.2.3)."""
    def max_age(self) -> float:
        """The freshness lifetime in seconds (RFC 9111 §4.2.1)."""
    def freshness_source(self) -> FreshnessSource:
        """Where the freshness lifetime came from."""
    def stale(self, now: Optional[float] = None) -> bool:
        """Whether the response is stale at ``now``."""
    def retention(self, now: Optional[float] = None) -> float:
        """Seconds a store should keep the entry (freshness plus the longer stale window)."""
    def within_stale_while_revalidate(self, now: Optional[float] = None) -> bool:
        """Whether it may be served while revalidated in the background (RFC 5861 §3)."""
    def within_stale_if_error(self, new_request: RequestLike, now: Optional[float] = None) -> bool:
        """Whether it may be served when the origin fails (RFC 5861 §4)."""
    def expiry_stage(self, now: Optional[float] = None) -> ExpiryStage:
        """``fresh``, ``soft_expired`` (serve, let one caller refresh) or ``hard_expired``."""
    def invalidation_targets(self) -> List[str]:
        """URIs to invalidate after this unsafe request got this response (RFC 9111 §4.4)."""
    def lost_update_headers(self, request: RequestLike) -> HeaderList:
        """Preconditions to add to a PUT/PATCH/DELETE of this resource."""
    def primary_key(self) -> str:
        """The primary cache key this response is stored under."""
    def secondary_key(self, request: Optional[RequestLike] = None) -> str:
        """The secondary (Vary) key: the stored response's, or ``request``'s for it."""
    def cache_status(
        self,
        new_request: RequestLike,
        cache: str,
        *,
        now: Optional[float] = None,
        fwd_status: Optional[int] = None,
        stored: bool = False,
        collapsed: bool = False,
        key: Optional[str] = None,
        detail: Optional[str] = None,
    ) -> str:
        """The ``Cache-Status`` list member (RFC 9211) for answering ``new_request``."""
    def explain(self, new_request: Optional[RequestLike] = None, now: Optional[float] = None) -> str:
        """A few lines of text on what the engine thinks of this response (and request)."""
    def stored_headers(self) -> HeaderList:
        """The stored response's header lines as stored."""
    @property
    def status(self) -> int:
        """The status code of the stored response."""
    @property
    def method(self) -> str:
        """The method of the request the response answered."""
    @property
    def url(self) -> str:
        """The target URI of the request the response answered."""
    @property
    def response_time(self) -> float:
        """When the response was received, seconds since the epoch."""
    @property
    def date(self) -> float:
        """The response's Date (else when received), seconds since the epoch."""
    @property
    def options(self) -> Options:
        """The options the policy was built with."""
    def to_bytes(self) -> bytes:
        """The policy serialized (stable, versioned format)."""
    @classmethod
    def from_bytes(cls, data: bytes) -> CachePolicy:
        """Reads a policy written by ``to_bytes()``."""
    def __reduce__(self) -> Tuple[Any, Tuple[bytes]]: ...
    def __copy__(self) -> CachePolicy: ...
    def __deepcopy__(self, memo: Any) -> CachePolicy: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

class Evaluation:
    """The whole decision for a new request, from ``CachePolicy.evaluate()``."""

    @property
    def decision(self) -> Decision:
        """What to do."""
    @property
    def reason(self) -> Optional[str]:
        """Why, as a reason code; ``None`` for a fresh hit."""
    @property
    def description(self) -> str:
        """One line of text saying why."""
    @property
    def serves_stored(self) -> bool:
        """Whether the stored response is served now."""
    @property
    def contacts_origin(self) -> bool:
        """Whether a request goes to the origin, now or in the background."""
    @property
    def response_headers(self) -> Optional[HeaderList]:
        """Headers to serve the stored response with, when it is served."""
    @property
    def revalidation_headers(self) -> Optional[HeaderList]:
        """Request headers to send to the origin, when it is contacted."""

# Typed as a (policy, modified) tuple so that `policy, modified = result` type-checks; at run
# time it is its own class that unpacks, indexes and has len() like one.
class Revalidation(Tuple[CachePolicy, bool]):
    """The result of ``CachePolicy.revalidated_policy()``; unpacks as ``policy, modified``."""

    @property
    def policy(self) -> CachePolicy:
        """The policy to keep from now on."""
    @property
    def modified(self) -> bool:
        """True: the stored body can no longer be used."""
    @property
    def matches(self) -> bool:
        """True: the answer was matched to the stored response (or it is kept on error)."""
    @property
    def outcome(self) -> Outcome:
        """What happened."""

def primary_key(request: RequestLike) -> str:
    """The primary cache key of ``request`` (RFC 9111 §2)."""

def select_variant(policies: Iterable[CachePolicy], request: RequestLike) -> Optional[CachePolicy]:
    """Of several stored policies for one primary key, the one that answers ``request``."""

def cache_status_miss(
    cache: str,
    *,
    fwd_status: Optional[int] = None,
    stored: bool = False,
    collapsed: bool = False,
    key: Optional[str] = None,
    detail: Optional[str] = None,
) -> str:
    """The ``Cache-Status`` member of a cache with nothing stored for the URI (``fwd=uri-miss``)."""
