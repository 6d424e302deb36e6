'use strict';
// The compatibility contract with http-cache-semantics 4.x: module shape, class behaviour
// (subclasses, now() overrides), exceptions, the version-1 object format in both directions,
// and this package's additions.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const Original = require('http-cache-semantics');
const CachePolicy = require('..');

const T0 = Date.parse('Tue, 14 Nov 2023 22:13:20 GMT');
const req = { method: 'GET', url: '/page', headers: { host: 'example.com', 'accept-encoding': 'gzip' } };
const res = {
    status: 200,
    headers: {
        date: 'Tue, 14 Nov 2023 22:13:20 GMT',
        'cache-control': 'public, max-age=600, stale-while-revalidate=60',
        etag: '"v1"',
        'last-modified': 'Tue, 07 Nov 2023 22:13:20 GMT',
        vary: 'accept-encoding',
        connection: 'keep-alive',
        'keep-alive': 'timeout=5',
        'content-type': 'text/html',
    },
};

function at(C, t) {
    const clock = { t };
    class Clocked extends C {
        now() {
            return clock.t;
        }
    }
    return { clock, Clocked };
}

test('module.exports is the CachePolicy class; ESM default import is the same class', async () => {
    assert.equal(typeof CachePolicy, 'function');
    assert.equal(CachePolicy.name, 'CachePolicy');
    assert.equal(typeof CachePolicy.fromObject, 'function');
    const esm = await import(path.join(__dirname, '..', 'index.mjs'));
    assert.equal(esm.default, CachePolicy);
    for (const name of Object.getOwnPropertyNames(Original.prototype)) {
        if (name.startsWith('_') || name === 'constructor') continue;
        assert.equal(typeof CachePolicy.prototype[name], 'function', `method ${name}`);
    }
});

test('the same exceptions as the original', () => {
    for (const C of [CachePolicy, Original]) {
        assert.throws(() => new C(req, undefined), /Response headers missing/);
        assert.throws(() => new C(req, { status: 200 }), /Response headers missing/);
        assert.throws(() => new C(undefined, res), /Request headers missing/);
        assert.throws(() => new C({ url: '/' }, res), /Request headers missing/);
        const p = new C(req, res);
        assert.throws(() => p.satisfiesWithoutRevalidation({}), /Request headers missing/);
        assert.throws(() => p.evaluateRequest(undefined), /Request headers missing/);
        assert.throws(() => p.revalidationHeaders({}), /Request headers missing/);
        assert.throws(() => p.revalidatedPolicy(req, { status: 200 }), /Response headers missing/);
        assert.throws(() => C.fromObject({ v: 2 }), /Invalid serialization/);
        assert.throws(() => C.fromObject(null), /Response headers missing/);
        assert.throws(() => p._fromObject(p.toObject()), /Reinitialized/);
    }
});

test('subclasses: their now() is the clock for every time-dependent answer', () => {
    const { clock, Clocked } = at(CachePolicy, T0);
    const p = new Clocked(req, res);
    assert.ok(p instanceof Clocked && p instanceof CachePolicy);
    clock.t = T0 + 100 * 1000;
    assert.equal(p.age(), 100);
    assert.equal(p.maxAge(), 600);
    assert.equal(p.timeToLive(), (600 + 60 - 100) * 1000);
    assert.equal(p.stale(), false);
    assert.equal(p.responseHeaders().age, '100');
    assert.equal(p.satisfiesWithoutRevalidation(req), true);
    clock.t = T0 + 630 * 1000;
    assert.equal(p.stale(), true);
    assert.equal(p.useStaleWhileRevalidate(), true);
    assert.equal(p.satisfiesWithoutRevalidation(req), false);
    const e = p.evaluateRequest(req);
    assert.equal(e.response.headers.age, '630');
    assert.equal(e.revalidation.synchronous, false);
    clock.t = T0 + 700 * 1000;
    assert.equal(p.useStaleWhileRevalidate(), false);
    assert.equal(p.evaluateRequest(req).revalidation.synchronous, true);
});

test('an instance whose now is overridden controls its own clock', () => {
    const fresh = { status: 200, headers: { 'cache-control': 'max-age=600' } };
    const p = new CachePolicy(req, fresh);
    const q = new CachePolicy(req, fresh);
    p.now = () => q._responseTime + 50 * 1000;
    assert.equal(Math.round(p.age()), 50);
    assert.ok(q.age() < 5);
});

test("a subclass's fromObject and revalidatedPolicy return the subclass", () => {
    const { clock, Clocked } = at(CachePolicy, T0);
    const p = new Clocked(req, res);
    const copy = Clocked.fromObject(JSON.parse(JSON.stringify(p.toObject())));
    assert.ok(copy instanceof Clocked);
    clock.t = T0 + 700 * 1000;
    const r = p.revalidatedPolicy(req, { status: 304, headers: { etag: '"v1"', date: 'Tue, 14 Nov 2023 22:25:00 GMT' } });
    assert.deepEqual([r.modified, r.matches], [false, true]);
    assert.ok(r.policy instanceof Clocked);
    assert.equal(r.policy.satisfiesWithoutRevalidation(req), true);
    const m = p.revalidatedPolicy(req, { status: 200, headers: { 'cache-control': 'max-age=5' } });
    assert.deepEqual([m.modified, m.matches], [true, false]);
    assert.ok(m.policy instanceof Clocked);
});

test('toObject() writes the original version-1 format; each package reads the other', () => {
    const { Clocked } = at(CachePolicy, T0);
    const { Clocked: OriginalClocked } = at(Original, T0);
    const ours = new Clocked(req, res).toObject();
    const theirs = new OriginalClocked(req, res).toObject();
    assert.deepEqual(Object.keys(ours), Object.keys(theirs));
    assert.deepEqual(ours, theirs);
    for (const [From, To] of [[Clocked, OriginalClocked], [OriginalClocked, Clocked]]) {
        const obj = JSON.parse(JSON.stringify(new From(req, res).toObject()));
        const back = To.fromObject(obj);
        assert.equal(back.storable(), true);
        assert.equal(back.maxAge(), 600);
        assert.equal(back.satisfiesWithoutRevalidation(req), true);
        assert.equal(back.satisfiesWithoutRevalidation({ ...req, headers: { ...req.headers, 'accept-encoding': 'br' } }), false);
    }
});

test('fromObject of objects the original wrote, across its options', () => {
    const cases = [
        [{ shared: false }, { ...res.headers, 'cache-control': 'private, max-age=60' }],
        [{ cacheHeuristic: 0.5 }, { date: res.headers.date, 'last-modified': res.headers['last-modified'] }],
        [{ immutableMinTimeToLive: 1000 }, { date: res.headers.date, 'cache-control': 'max-age=30, immutable' }],
        [{}, { date: res.headers.date, 'cache-control': 'no-store' }],
        [{}, { date: res.headers.date, 'cache-control': 'max-age=60', 'set-cookie': ['a=1'] }],
    ];
    for (const [options, headers] of cases) {
        const { clock, Clocked: OriginalClocked } = at(Original, T0);
        const original = new OriginalClocked({ ...req, headers: { ...req.headers, authorization: options.shared === false ? 'x' : undefined } }, { status: 200, headers }, options);
        const obj = JSON.parse(JSON.stringify(original.toObject()));
        const { clock: ourClock, Clocked } = at(CachePolicy, T0);
        const ours = Clocked.fromObject(obj);
        for (const t of [T0, T0 + 10000, T0 + 100000]) {
            clock.t = ourClock.t = t;
            assert.equal(ours.storable(), original.storable(), JSON.stringify(headers));
            assert.equal(ours.maxAge(), original.maxAge(), JSON.stringify(headers));
            assert.equal(ours.satisfiesWithoutRevalidation(req), original.satisfiesWithoutRevalidation(req), JSON.stringify(headers));
        }
        assert.deepEqual(Clocked.fromObject(ours.toObject()).toObject(), ours.toObject());
    }
});

test('responseHeaders and revalidationHeaders: shapes of the original', () => {
    const { clock, Clocked } = at(CachePolicy, T0);
    const p = new Clocked(req, res);
    clock.t = T0 + 10000;
    const h = p.responseHeaders();
    assert.equal(h.connection, undefined);
    assert.equal(h['keep-alive'], undefined);
    assert.equal(h.date, res.headers.date, 'the stored Date is kept (deviation: the original sends the current time)');
    assert.equal(h.age, '10');
    assert.equal(h['content-type'], 'text/html');
    assert.equal(p.status(), 200);
    assert.equal(p.date(), T0);
    const r = p.revalidationHeaders({ ...req, headers: { ...req.headers, 'if-none-match': '"v0"', te: 'trailers' } });
    assert.deepEqual(r, { host: 'example.com', 'accept-encoding': 'gzip', 'if-none-match': '"v0", "v1"', 'if-modified-since': res.headers['last-modified'] });
    const miss = p.evaluateRequest({ ...req, url: '/other' });
    assert.deepEqual(Object.keys(miss), ['response', 'revalidation']);
    assert.equal(miss.response, undefined);
    assert.equal(miss.revalidation.synchronous, true);
    const hit = p.evaluateRequest(req);
    assert.deepEqual(hit.response.status, 200);
    assert.equal(hit.revalidation, undefined);
});

test('Node rawHeaders arrays, [name, value] pairs and WHATWG Headers are accepted', () => {
    const raw = [];
    for (const [k, v] of Object.entries(res.headers)) raw.push(k.toUpperCase(), v);
    const forms = [raw, Object.entries(res.headers), new Headers(res.headers)];
    const { clock, Clocked } = at(CachePolicy, T0);
    const expected = new Clocked(req, res);
    for (const headers of forms) {
        clock.t = T0;
        const p = new Clocked({ ...req, headers: new Headers(req.headers) }, { status: 200, headers });
        clock.t = T0 + 5000;
        assert.equal(p.storable(), true);
        assert.equal(p.maxAge(), 600);
        assert.deepEqual(p.responseHeaders(), expected.responseHeaders());
        assert.equal(p.satisfiesWithoutRevalidation({ ...req, headers: ['Host', 'example.com', 'Accept-Encoding', 'gzip'] }), true);
    }
    const twoLines = new Clocked(req, { status: 200, headers: ['Cache-Control', 'max-age=60', 'cache-control', 'public', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2'] });
    assert.deepEqual(twoLines.responseHeaderLines().slice(0, 4), [['cache-control', 'max-age=60'], ['cache-control', 'public'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2']]);
});

test('additions: reasons, explain, invalidation, exact lines, keys, options', () => {
    const { clock, Clocked } = at(CachePolicy, T0);
    const privateOne = new Clocked(req, { status: 200, headers: { 'cache-control': 'private, max-age=60' } });
    assert.equal(privateOne.storable(), false);
    assert.equal(privateOne.notStorableReason(), 'private_in_shared_cache');
    assert.match(CachePolicy.describeReason('private_in_shared_cache'), /RFC 9111/);
    const p = new Clocked(req, res);
    clock.t = T0 + 630 * 1000;
    assert.deepEqual(p.explainRequest(req), { decision: 'stale_while_revalidate', reason: 'stale_while_revalidate' });
    assert.equal(p.freshnessLifetime(), 600);
    assert.equal(p.freshnessSource(), 'max-age');
    assert.equal(p.remainingFreshness(), 0);
    assert.equal(p.withinStaleIfError(req), false);
    assert.ok(p.responseHeaderLines().some(([n, v]) => n === 'age' && v === '630'));
    const post = new Clocked({ method: 'POST', url: 'https://example.com/a', headers: {} }, { status: 201, headers: { location: '/a/1' } });
    assert.deepEqual(post.invalidationTargets(), ['https://example.com/a', 'https://example.com/a/1']);
    assert.equal(CachePolicy.primaryKey({ method: 'HEAD', url: 'https://Example.com/a', headers: {} }), 'GET https://example.com/a');
    const untrusted = new Clocked(req, { status: 200, headers: { date: 'Tue, 14 Nov 2023 21:13:20 GMT', 'cache-control': 'max-age=600' } }, { trustServerDate: false });
    clock.t = T0 + 630 * 1000;
    assert.equal(untrusted.age(), 0);
    assert.throws(() => new Clocked(req, res, { cacheHeuristic: -1 }), (e) => e.code === 'ERR_CACHEPOLICY_INVALID_OPTION');
    assert.throws(() => new Clocked({ method: 'G T', url: '/', headers: {} }, res), (e) => e.code === 'ERR_CACHEPOLICY_INVALID_METHOD');
});

test('documented deviations, one example each', () => {
    const { clock, Clocked } = at(CachePolicy, T0);
    // RFC 9111 §5.2.2.2: a fresh must-revalidate response may be served.
    const mr = new Clocked(req, { status: 200, headers: { 'cache-control': 'max-age=60, must-revalidate' } });
    clock.t = T0 + 10000;
    assert.equal(mr.satisfiesWithoutRevalidation(req), true);
    // RFC 9111 §4.2.4: request max-stale does not override shared-cache rules.
    const sm = new Clocked(req, { status: 200, headers: { 'cache-control': 's-maxage=60' } });
    clock.t = T0 + 120000;
    assert.equal(sm.satisfiesWithoutRevalidation({ ...req, headers: { ...req.headers, 'cache-control': 'max-stale' } }), false);
    // RFC 9111 §4.1: header names like constructor are ordinary names.
    const v = new Clocked({ ...req, headers: {} }, { status: 200, headers: { 'cache-control': 'max-age=60', vary: 'constructor' } });
    clock.t = T0 + 120;
    assert.equal(v.satisfiesWithoutRevalidation({ ...req, headers: {} }), true);
    assert.equal(v.satisfiesWithoutRevalidation({ ...req, headers: { constructor: 'x' } }), false);
});

test('policies evicted from the per-thread cache are rebuilt from the object', () => {
    const { clock, Clocked } = at(CachePolicy, T0);
    const first = new Clocked(req, res);
    for (let i = 0; i < 3000; i++) new Clocked(req, { status: 200, headers: { 'cache-control': `max-age=${i}` } });
    clock.t = T0 + 10000;
    assert.equal(first.satisfiesWithoutRevalidation(req), true);
    assert.equal(first.responseHeaders().age, '10');
    assert.deepEqual(first.revalidationHeaders(req)['if-none-match'], '"v1"');
});

test('worker threads each have their own engine state', async () => {
    const code = `
        const { parentPort, workerData } = require('node:worker_threads');
        const CachePolicy = require(workerData.path);
        let ok = 0;
        for (let i = 0; i < 2000; i++) {
            const p = new CachePolicy({ url: '/' + i, headers: {} }, { headers: { 'cache-control': 'max-age=' + (i + 1) } });
            if (p.maxAge() === i + 1 && p.satisfiesWithoutRevalidation({ url: '/' + i, headers: {} })) ok++;
        }
        parentPort.postMessage(ok);
    `;
    const run = () =>
        new Promise((resolve, reject) => {
            const w = new Worker(code, { eval: true, workerData: { path: path.join(__dirname, '..') } });
            w.once('message', resolve);
            w.once('error', reject);
        });
    const results = await Promise.all([run(), run(), run()]);
    assert.deepEqual(results, [2000, 2000, 2000]);
});

test('revalidatedPolicy: the policy merged in one call is the one built from the merged object', () => {
    // The merge runs in one addon call and the new policy adopts what the addon built; forcing
    // the path that builds the policy from the merged object instead must give the same answers.
    const { generate } = require('./differential-cases');
    class Exact extends CachePolicy {
        _revalidate() {
            return false;
        }
    }
    const snapshot = (C, c, variant) => {
        const clock = { t: c.t0 };
        class Clocked extends C {
            now() {
                return clock.t;
            }
        }
        const answers = [];
        const record = (f) => {
            try {
                answers.push(JSON.stringify(f()));
            } catch (e) {
                answers.push(`throws ${e.code} ${e.message}`);
            }
        };
        let p = new Clocked(c.req, variant.res, variant.options);
        if (variant.fromObject) p = Clocked.fromObject(JSON.parse(JSON.stringify(p.toObject())));
        clock.t = c.t0 + c.later;
        record(() => {
            for (let round = 0; round < 2; round++) {
                const r = p.revalidatedPolicy(c.newReq, variant.answer);
                answers.push(`${r.modified}/${r.matches}/${r.policy === p}/${r.policy instanceof Clocked}`);
                p = r.policy;
                for (const dt of [1000, 700000, 2 * 86400000]) {
                    clock.t = c.t0 + c.later + dt;
                    record(() => [p.storable(), p.maxAge(), p.age(), p.timeToLive(), p.stale(), p.useStaleWhileRevalidate()]);
                    record(() => [p.satisfiesWithoutRevalidation(c.newReq), p.explainRequest(c.newReq), p.evaluateRequest(c.newReq)]);
                    record(() => [Object.entries(p.responseHeaders()), p.responseHeaderLines(), Object.entries(p.revalidationHeaders(c.newReq))]);
                }
                record(() => [p.toObject(), p.freshnessLifetime(), p.freshnessSource(), p.notStorableReason(), p.date(), p.status()]);
                record(() => [p.remainingFreshness(), p.withinStaleIfError(c.newReq), p.expiryStage(), p.secondaryKey(), p.secondaryKey(c.newReq)]);
            }
        });
        return answers;
    };
    let merged = 0;
    for (let seed = 1; seed <= 400; seed++) {
        const c = generate(seed);
        const pick = (list) => list[seed % list.length];
        const headers = { ...(c.revalidation ? c.revalidation.headers : { etag: c.res.headers.etag || '"v1"' }) };
        if (seed % 5 === 0) headers['X-New'] = ['1', '2'];
        if (seed % 7 === 0) headers.connection = pick(['keep-alive', 'x-new', 'content-type']);
        const variant = {
            res: seed % 6 === 0 ? { status: c.res.status, headers: Object.entries(c.res.headers).flatMap(([k, v]) => [].concat(v).flatMap((x) => [k.toUpperCase(), x])) } : c.res,
            options: seed % 4 === 0 ? { ...c.options, profile: pick(['private', 'shared', 'accelerator']) } : c.options,
            answer: { status: seed % 3 === 0 ? 304 : c.revalidation ? c.revalidation.status : 304, headers },
            fromObject: seed % 8 === 0,
        };
        const fast = snapshot(CachePolicy, c, variant);
        assert.deepEqual(fast, snapshot(Exact, c, variant), `seed ${seed}`);
        if (fast[0] === 'false/true/false/true') merged++;
    }
    assert.ok(merged > 100, `only ${merged} merges`);
});

test('a policy merged from a 304 keeps its options: with a profile and shared not given, the profile decides', () => {
    const { clock, Clocked } = at(CachePolicy, T0);
    const p = new Clocked(req, { status: 200, headers: { 'cache-control': 'private, max-age=60', etag: '"v1"' } }, { profile: 'private' });
    assert.equal(p.storable(), true, 'a private cache stores a private response');
    clock.t = T0 + 120 * 1000;
    const r = p.revalidatedPolicy(req, { status: 304, headers: { etag: '"v1"' } });
    assert.deepEqual([r.modified, r.matches, r.policy.storable()], [false, true, true]);
    assert.equal(Clocked.fromObject(JSON.parse(JSON.stringify(r.policy.toObject()))).storable(), true);
});
