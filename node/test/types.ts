// Type-checked by run-tests.sh (tsc --noEmit): this package's types against @types/http-cache-semantics.
import CachePolicy = require('..');
import Original = require('http-cache-semantics');

const req: Original.Request = { url: '/', method: 'GET', headers: { host: 'example.com' } };
const res: Original.Response = { status: 200, headers: { 'cache-control': 'max-age=60' } };
const options: Original.Options = { shared: false, cacheHeuristic: 0.1, immutableMinTimeToLive: 1000, ignoreCargoCult: true };

// The original's types are accepted, and ours can stand in for the original's.
const policy = new CachePolicy(req, res, options);
const asOriginal: Original = policy;
const Class: typeof Original = CachePolicy;
const fromOriginal: CachePolicy = CachePolicy.fromObject(new Class(req, res).toObject());
const object: Original.CachePolicyObject = policy.toObject();
const evaluation: Original.EvaluateRequestResult = policy.evaluateRequest(req);
const revalidation: Original.RevalidationPolicy = policy.revalidatedPolicy(req, res);
const headers: Original.Headers = policy.responseHeaders();
const conditional: Original.Headers = policy.revalidationHeaders(req);
const numbers: number[] = [policy.age(), policy.maxAge(), policy.timeToLive(), policy.date(), policy.status(), policy.now()];
const flags: boolean[] = [policy.storable(), policy.stale(), policy.satisfiesWithoutRevalidation(req), policy.useStaleWhileRevalidate()];

if (evaluation.revalidation) {
    const sync: boolean = evaluation.revalidation.synchronous;
    void sync;
}
if (evaluation.response) {
    const served: Original.Headers = evaluation.response.headers;
    void served;
}

// Subclasses.
class Clocked extends CachePolicy {
    override now(): number {
        return 0;
    }
}
const clocked: CachePolicy = Clocked.fromObject(object);

// Additions.
const raw = new CachePolicy({ url: '/', headers: ['Host', 'example.com'] }, { headers: [['cache-control', 'max-age=60']] }, { trustServerDate: false, profile: 'private', requestTime: 0 });
const explained: CachePolicy.Explanation = raw.explainRequest({ url: '/', headers: new Headers() });
const reason: string | null = raw.notStorableReason();
const lines: Array<[string, string]> = raw.responseHeaderLines();
const targets: string[] = raw.invalidationTargets();
const variant: CachePolicy | undefined = CachePolicy.selectVariant([raw, policy], req);

void [asOriginal, fromOriginal, revalidation, headers, conditional, numbers, flags, clocked, explained, reason, lines, targets, variant];
