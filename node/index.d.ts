// Types for `cachepolicy`: the shared surface is compatible with @types/http-cache-semantics
// (checked by test/types.ts); this package's additions are marked as such.

export = CachePolicy;

declare class CachePolicy {
    constructor(req: CachePolicy.HttpRequest, res: CachePolicy.HttpResponse, options?: CachePolicy.Options);

    /** The current time in milliseconds; override it (subclass or instance) to control the clock. */
    now(): number;

    /** `true` if the response can be stored in a cache. If `false`, store neither the request nor the response. */
    storable(): boolean;

    /** `true` when the stored response can answer `newRequest` without contacting the server. */
    satisfiesWithoutRevalidation(newRequest: CachePolicy.HttpRequest): boolean;

    /** How the cache can answer `newRequest`: a response to serve, a request to send, or both (stale-while-revalidate). */
    evaluateRequest(newRequest: CachePolicy.HttpRequest): CachePolicy.EvaluateRequestResult;

    /** The headers to serve the stored response with: hop-by-hop fields removed, `Age` updated. */
    responseHeaders(): CachePolicy.Headers;

    /** The status code of the stored response. */
    status(): number;

    /** The response's `Date` in ms, or the time it was received when it has no valid one. */
    date(): number;

    /** The current age in seconds (RFC 9111 §4.2.3). May be fractional. */
    age(): number;

    /** The freshness lifetime in seconds; 0 for a response that may not be stored. */
    maxAge(): number;

    /** How long the entry is worth keeping, in ms: freshness plus the stale windows it may be served in. */
    timeToLive(): number;

    /** `true` when the age has reached the freshness lifetime (or the response may not be stored). */
    stale(): boolean;

    /** `true` while stale-while-revalidate allows serving the stale response (RFC 5861). */
    useStaleWhileRevalidate(): boolean;

    /** Creates a policy from an object `toObject()` wrote (this package's or the original's). */
    static fromObject(obj: CachePolicy.CachePolicyObject): CachePolicy;

    /** A JSON-serializable object in the original package's version-1 format. */
    toObject(): CachePolicy.CachePolicyObject;

    /** The request headers to send to the origin to revalidate the stored response. */
    revalidationHeaders(newRequest: CachePolicy.HttpRequest): CachePolicy.Headers;

    /** Merges the origin's answer to a revalidation request: `{policy, modified, matches}`. */
    revalidatedPolicy(
        revalidationRequest: CachePolicy.HttpRequest,
        revalidationResponse?: CachePolicy.HttpResponse,
    ): CachePolicy.RevalidationPolicy;

    // ---- Additions (not in http-cache-semantics) ----

    /** Why the response may not be stored (a reason code), or `null`. */
    notStorableReason(): string | null;
    /** The engine's decision for `newRequest` and the reason code for it. */
    explainRequest(newRequest: CachePolicy.HttpRequest): CachePolicy.Explanation;
    /** The freshness lifetime in seconds (RFC 9111 §4.2.1), also for responses that may not be stored. */
    freshnessLifetime(): number;
    /** Where the freshness lifetime came from. */
    freshnessSource(): 's-maxage' | 'max-age' | 'expires' | 'heuristic' | 'immutable' | 'none';
    /** Seconds until the response becomes stale: max(0, lifetime − age). */
    remainingFreshness(): number;
    /** Whether the stored response may be served when the origin fails to answer `newRequest` (RFC 5861 §4). */
    withinStaleIfError(newRequest: CachePolicy.HttpRequest): boolean;
    /** The URIs to invalidate after this unsafe request got this response (RFC 9111 §4.4). */
    invalidationTargets(): string[];
    /** The exact header lines to serve (values sanitized, order and repeated lines kept). */
    responseHeaderLines(): Array<[string, string]>;
    /** The exact header lines of the conditional request for `newRequest`. */
    revalidationHeaderLines(newRequest: CachePolicy.HttpRequest): Array<[string, string]>;
    /** Where the response stands in a two-stage expiry. */
    expiryStage(): 'fresh' | 'soft_expired' | 'hard_expired';
    /** The precondition lines protecting a PUT, PATCH or DELETE against lost updates (RFC 9110 §13.1). */
    lostUpdateHeaderLines(newRequest: CachePolicy.HttpRequest): Array<[string, string]>;
    /** The primary cache key the response is stored under (RFC 9111 §2). */
    primaryKey(): string;
    /** The secondary key (RFC 9111 §4.1) of the stored response, or the one `newRequest` has. */
    secondaryKey(newRequest?: CachePolicy.HttpRequest): string;
    /** The Cache-Status member (RFC 9211) for how this cache handled `newRequest`. */
    cacheStatus(newRequest: CachePolicy.HttpRequest, params?: CachePolicy.CacheStatusParams): string;
    /** The primary cache key of a request. */
    static primaryKey(req: CachePolicy.HttpRequest): string;
    /** Of several stored responses for one primary key, the one to use for `req`. */
    static selectVariant<T extends CachePolicy>(policies: Iterable<T>, req: CachePolicy.HttpRequest): T | undefined;
    /** Checks an exchange as the engine does (header names included); throws its error. */
    static check(req: CachePolicy.HttpRequest, res: CachePolicy.HttpResponse, options?: CachePolicy.Options): true;
    /** A one-line explanation of a reason code. */
    static describeReason(code: string): string | undefined;
}

declare namespace CachePolicy {
    /** Header objects as Node gives them; also flat `rawHeaders` arrays, `[name, value]` pairs and WHATWG `Headers` (additions). */
    type HeadersInput = Headers | string[] | Array<[string, string]> | globalThis.Headers;

    interface HttpRequest {
        url?: string | undefined;
        method?: string | undefined;
        headers: HeadersInput;
    }

    type Request = HttpRequest;

    interface HttpResponse {
        status?: number | undefined;
        headers: HeadersInput;
    }

    type Response = HttpResponse;

    interface Options {
        /** A shared cache (proxy) rather than a private one. @default true */
        shared?: boolean | undefined;
        /** Fraction of the time since Last-Modified used as heuristic freshness. @default 0.1 */
        cacheHeuristic?: number | undefined;
        /** Minimum freshness of `immutable` responses without max-age, in ms. @default 86400000 */
        immutableMinTimeToLive?: number | undefined;
        /** Ignore anti-cache directives when the cargo-cult `pre-check`/`post-check` are present. @default false */
        ignoreCargoCult?: boolean | undefined;
        /** Use the response's Date for its age (RFC 9111 §4.2.3). @default true */
        trustServerDate?: boolean | undefined;

        // ---- Additions ----
        /** When the request was sent (ms), for the response-delay part of the age (RFC 9111 §4.2.3). */
        requestTime?: number | undefined;
        /** A named set of options: `shared`, `private` or `accelerator`. */
        profile?: 'shared' | 'private' | 'accelerator' | undefined;
        /** Store responses with only an ETag (equal priority) rather than only time-cacheable ones. @default true */
        cacheEtags?: boolean | undefined;
        /** What a request's no-cache means. @default 'revalidate' */
        requestNoCache?: 'revalidate' | 'reload' | undefined;
        /** Targeted Cache-Control fields this cache obeys, most specific first (RFC 9213). */
        targetedFields?: string[] | undefined;
        ignoreRequestCacheControl?: boolean | undefined;
        honorRequestNoCache?: boolean | undefined;
        storeAuthenticated?: boolean | undefined;
        ignoreSMaxage?: boolean | undefined;
        /** ms past freshness a response may still be served while one caller refreshes it. */
        gracePeriod?: number | undefined;
        ignoreNoStore?: boolean | undefined;
        storeHttps?: boolean | undefined;
        bypassRangeAndConditional?: boolean | undefined;
        storeOnly2xx?: boolean | undefined;
        setCookie?: 'revalidate' | 'refuse' | 'strip' | 'keep' | undefined;
        suppressAge?: boolean | undefined;
        replaceDate?: boolean | undefined;
    }

    interface CachePolicyObject {
        v: number;
        t: number;
        sh: boolean;
        ch: number;
        imm: number;
        icc?: boolean | undefined;
        st: number;
        resh: Headers;
        rescc: { [key: string]: string };
        m: string;
        u?: string | undefined;
        h?: string | undefined;
        a: boolean;
        reqh: Headers | null;
        reqcc: { [key: string]: string };
        /** Additions: request time, HEAD-invalidated, extension options. */
        rt?: number | undefined;
        inv?: boolean | undefined;
        x?: Options | null | undefined;
        shg?: boolean | undefined;
    }

    interface Headers {
        [header: string]: string | string[] | undefined;
    }

    interface RevalidationPolicy {
        /** The policy to keep from now on. */
        policy: CachePolicy;
        /** `true` when the stored body can no longer be used. */
        modified: boolean;
        matches: boolean;
    }

    interface EvaluateRequestRevalidation {
        synchronous: boolean;
        headers: CachePolicy.Headers;
    }

    interface EvaluateRequestHitWithoutRevalidationResult {
        response: {
            headers: CachePolicy.Headers;
            status: number;
        };
        revalidation: undefined;
    }

    interface EvaluateRequestHitWithRevalidationResult {
        response: {
            headers: CachePolicy.Headers;
            status: number;
        };
        revalidation: EvaluateRequestRevalidation;
    }

    interface EvaluateRequestMissResult {
        response: undefined;
        revalidation: EvaluateRequestRevalidation;
    }

    type EvaluateRequestResult =
        | EvaluateRequestHitWithRevalidationResult
        | EvaluateRequestHitWithoutRevalidationResult
        | EvaluateRequestMissResult;

    interface Explanation {
        decision: 'fresh' | 'stale' | 'stale_while_revalidate' | 'revalidate' | 'no_match' | 'gateway_timeout';
        reason: string | null;
    }

    interface CacheStatusParams {
        cache?: string | undefined;
        fwdStatus?: number | undefined;
        stored?: boolean | undefined;
        collapsed?: boolean | undefined;
        key?: string | undefined;
    }
}
