'use strict';
// The security invariants and the bad-input matrix of SECURITY.md, through the Node binding (the
// Python binding's python/tests/test_security.py, in this API): a shared cache never stores or
// serves private or (without permission) authorized responses; Set-Cookie responses are
// revalidated even under max-stale; max-stale never overrides must-revalidate, proxy-revalidate
// or no-cache; Vary: * and hostile Vary names never match wrongly; CR, LF and NUL never reach a
// header the engine produces; inputs of every wrong type, hostile and huge inputs give the
// original's answer, the documented error, or a conservative answer, in bounded time; one
// policy's serialized form shared by 8 worker threads gives identical answers; resident memory
// stays flat over 1,000,000 constructions.
//
// Environment: CACHEPOLICY_STRESS_EVALUATIONS (evaluations per worker thread, default 20,000;
// `make test-stress` runs 1,000,000), CACHEPOLICY_MEMORY_CONSTRUCTIONS (default 1,000,000).

const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { Worker } = require('node:worker_threads');
const Original = require('http-cache-semantics');
const CachePolicy = require('..');

const DATE = 'Tue, 14 Nov 2023 22:13:20 GMT';
const T0 = Date.parse(DATE);
const PAGE = 'https://example.com/app.js';
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The clock of every policy built by `make` (a subclass overriding now(), as callers do). */
const clock = { t: T0 };
class Clocked extends CachePolicy {
    now() {
        return clock.t;
    }
}

function request(headers = {}, extra = {}) {
    return { url: PAGE, headers, ...extra };
}

/** A policy for a 200 response with `Date: DATE` received at T0. */
function make(responseHeaders, requestHeaders = {}, options) {
    clock.t = T0;
    return new Clocked(request(requestHeaders), { status: 200, headers: { date: DATE, ...responseHeaders } }, options);
}

/**
 * The engine's `[decision, reason]` for a request `after` seconds after T0; the npm methods
 * must agree with it.
 */
function decision(policy, requestHeaders = {}, after = 1) {
    clock.t = T0 + after * 1000;
    const req = request(requestHeaders);
    const { decision: d, reason } = policy.explainRequest(req);
    const served = d === 'fresh' || d === 'stale';
    assert.equal(policy.satisfiesWithoutRevalidation(req), served, `satisfiesWithoutRevalidation agrees with ${d}`);
    assert.equal(policy.evaluateRequest(req).response !== undefined, served || d === 'stale_while_revalidate', `evaluateRequest agrees with ${d}`);
    return [d, reason];
}

/** An object with an own property `name` (also `__proto__`), as JSON.parse creates one. */
function own(name, value) {
    const o = {};
    Object.defineProperty(o, name, { value, enumerable: true, writable: true, configurable: true });
    return o;
}

/** Exact lines: every name a token, no CR, LF or NUL in a value. */
function clean(lines) {
    return lines.every(([n, v]) => TOKEN.test(n) && typeof v === 'string' && !/[\r\n\0]/.test(v));
}

/** A header object's values that are not `given`'s own value for the same name hold no CR, LF, NUL. */
function producedClean(headers, given) {
    for (const [name, value] of Object.entries(headers)) {
        if (Object.prototype.hasOwnProperty.call(given, name) && given[name] === value) continue;
        for (const v of [].concat(value)) assert.doesNotMatch(String(v), /[\r\n\0]/, `${name} produced by the engine`);
    }
}

function throwsCode(f, code, message) {
    assert.throws(f, (e) => {
        assert.ok(e instanceof Error, 'an Error');
        assert.equal(e.code, code);
        if (message) assert.match(e.message, message);
        return true;
    });
}

// ---- a shared cache never stores or serves what it must not ---------------------------------

test('a shared cache never stores or serves a private response, in any spelling or line', () => {
    const forms = [
        { 'cache-control': 'private' },
        { 'cache-control': 'private, max-age=600' },
        { 'cache-control': 'PRIVATE, public, s-maxage=60' },
        { 'cache-control': 'max-age=600, Private' },
        { 'cache-control': ['public, max-age=600', 'private'] },
        { 'cache-control': 'max-age=600', expires: 'Tue, 14 Nov 2023 23:13:20 GMT', pragma: 'no-cache, private' },
    ];
    for (const headers of forms.slice(0, 5)) {
        const policy = make(headers);
        assert.equal(policy.storable(), false, JSON.stringify(headers));
        assert.equal(policy.notStorableReason(), 'private_in_shared_cache');
        for (const req of [{}, { 'cache-control': 'max-stale' }, { 'cache-control': 'only-if-cached' }, { 'cache-control': 'max-stale=999999, stale-if-error=999999' }]) {
            assert.ok(['no_match', 'gateway_timeout'].includes(decision(policy, req)[0]));
            assert.equal(policy.withinStaleIfError(request(req)), false);
        }
        assert.equal(policy.timeToLive(), 0);
        assert.equal(policy.maxAge(), 0);
        assert.equal(CachePolicy.selectVariant([policy], request()), undefined);
        assert.equal(make(headers, {}, { shared: false }).storable(), true);
        assert.equal(make(headers, {}, { profile: 'private' }).storable(), true);
        // The same through Node's rawHeaders form and WHATWG Headers.
        const raw = Object.entries(headers).flatMap(([n, v]) => [].concat(v).flatMap((x) => [n.toUpperCase(), x]));
        clock.t = T0;
        assert.equal(new Clocked(request(), { status: 200, headers: raw }).storable(), false);
        const whatwg = new Headers();
        for (let i = 0; i < raw.length; i += 2) whatwg.append(raw[i], raw[i + 1]);
        assert.equal(new Clocked(request(), { status: 200, headers: whatwg }).storable(), false);
    }
    // `private` in another field is not Cache-Control.
    assert.equal(make(forms[5]).storable(), true);
});

test('private="field": a shared cache does not serve the named fields', () => {
    const policy = make({ 'cache-control': 'max-age=600, private="x-user"', 'x-user': 'alice', 'x-other': '1' });
    assert.equal(policy.storable(), true);
    clock.t = T0 + 1000;
    assert.equal(policy.responseHeaders()['x-user'], undefined);
    assert.equal(policy.responseHeaders()['x-other'], '1');
    assert.ok(!policy.responseHeaderLines().some(([n]) => n === 'x-user'));
    assert.ok(!policy.evaluateRequest(request()).response.headers['x-user']);
});

test('a shared cache never stores a response to an authorized request without public, s-maxage or must-revalidate', () => {
    const authorized = [
        { authorization: 'Bearer alice' },
        { authorization: '' }, // the field is present (RFC 9111 §3.5), whatever its value
        { authorization: 'Basic YTpi', host: 'example.com' },
        ['Authorization', 'Basic YTpi'],
        [['AUTHORIZATION', 'x']],
        new Headers({ Authorization: 'Bearer alice' }),
        // Values of other types count too (the original tests truthiness).
        { authorization: ['Bearer alice'] },
        { authorization: [] },
        { authorization: true },
        { authorization: {} },
        { authorization: Buffer.from('x') },
        { authorization: 7n },
    ];
    for (const auth of authorized) {
        const label = auth instanceof Headers ? 'Headers' : Buffer.isBuffer(auth.authorization) ? 'Buffer' : String(auth.authorization ?? JSON.stringify(auth));
        for (const cc of ['max-age=600', 'max-age=600, immutable', 'max-age=600, proxy-revalidate']) {
            clock.t = T0;
            const policy = new Clocked(request(auth), { status: 200, headers: { date: DATE, 'cache-control': cc } });
            assert.equal(policy.notStorableReason(), 'authorization_in_shared_cache', `${label} ${cc}`);
            assert.equal(decision(policy, auth)[0], 'no_match');
            assert.equal(decision(policy, {})[0], 'no_match');
            // The exact path (every field) agrees with the fast one.
            assert.match(policy.cacheStatus(request(auth)), /fwd=/);
            assert.doesNotMatch(policy.cacheStatus(request(auth)), /;\s*hit/);
        }
        for (const cc of ['public, max-age=600', 's-maxage=600', 'max-age=600, must-revalidate']) {
            clock.t = T0;
            assert.equal(new Clocked(request(auth), { status: 200, headers: { 'cache-control': cc } }).storable(), true, `${label} ${cc}`);
        }
        clock.t = T0;
        assert.equal(new Clocked(request(auth), { status: 200, headers: { 'cache-control': 'max-age=600' } }, { shared: false }).storable(), true);
    }
    // Absent: undefined and null are no field.
    for (const none of [{ authorization: undefined }, { authorization: null }, {}]) assert.equal(make({ 'cache-control': 'max-age=600' }, none).storable(), true);
    // An accelerator keys on Authorization: served only to the same value.
    const keyed = make({ 'cache-control': 'max-age=600' }, { authorization: 'Bearer alice' }, { storeAuthenticated: true });
    assert.deepEqual(decision(keyed, { authorization: 'Bearer alice' }), ['fresh', null]);
    assert.deepEqual(decision(keyed, { authorization: 'Bearer mallory' }), ['no_match', 'vary_mismatch']);
    assert.deepEqual(decision(keyed, {}), ['no_match', 'vary_mismatch']);
    const keyedOdd = make({ 'cache-control': 'max-age=600' }, { authorization: {} }, { storeAuthenticated: true });
    assert.deepEqual(decision(keyedOdd, {}), ['no_match', 'vary_mismatch']);
});

const STALE_REQUESTS = [{ 'cache-control': 'max-stale' }, { 'cache-control': 'max-stale=999999, stale-if-error=999999' }];

test('a response that sets a cookie is revalidated, even under max-stale', () => {
    const policy = make({ 'cache-control': 'max-age=600, stale-while-revalidate=600, stale-if-error=600', 'set-cookie': 'session=alice', etag: '"v1"' });
    assert.equal(policy.storable(), true);
    for (const after of [0, 1, 700, 100000]) {
        assert.equal(decision(policy, {}, after)[0], 'revalidate');
        for (const req of STALE_REQUESTS) assert.equal(decision(policy, req, after)[0], 'revalidate', `${JSON.stringify(req)} at ${after}`);
    }
    clock.t = T0 + 700 * 1000;
    const req = request({ 'cache-control': 'stale-if-error=999999' });
    assert.equal(policy.withinStaleIfError(req), false);
    const r = policy.revalidatedPolicy(req, { status: 503, headers: {} });
    assert.notEqual(r.policy, policy, 'the 503 is not answered with the stored response');
    assert.throws(() => policy.revalidatedPolicy(req), /Response headers missing/);
    // Array form, and a value of another type: still a cookie.
    for (const cookie of [['a=1', 'b=2'], [], true]) assert.equal(decision(make({ 'cache-control': 'max-age=600', 'set-cookie': cookie }))[0], 'revalidate');
    assert.equal(decision(make({ 'cache-control': 'public, max-age=600', 'set-cookie': 'a=1' }))[0], 'fresh');
    assert.equal(decision(make({ 'cache-control': 'max-age=600', 'set-cookie': 'a=1' }, {}, { shared: false }))[0], 'fresh');
    assert.equal(make({ 'cache-control': 'max-age=600', 'set-cookie': 'a=1' }, {}, { setCookie: 'refuse' }).notStorableReason(), 'set_cookie_refused');
});

test('max-stale never overrides must-revalidate, proxy-revalidate, s-maxage or no-cache', () => {
    const cases = [
        ['max-age=10, must-revalidate', true],
        ['max-age=10, must-revalidate', false],
        ['max-age=10, proxy-revalidate', true],
        ['s-maxage=10', true],
        ['max-age=10, no-cache', true],
        ['max-age=10, no-cache', false],
        ['max-age=10, Must-Revalidate, stale-while-revalidate=1000, stale-if-error=1000', true],
    ];
    for (const [cc, shared] of cases) {
        for (const gracePeriod of [0, 100000 * 1000]) {
            const policy = make({ 'cache-control': cc, etag: '"v1"' }, {}, { shared, gracePeriod });
            for (const req of [...STALE_REQUESTS, {}]) assert.equal(decision(policy, req, 100)[0], 'revalidate', `${cc} shared=${shared} ${JSON.stringify(req)}`);
            clock.t = T0 + 100 * 1000;
            const req = request({ 'cache-control': 'stale-if-error=100000' });
            assert.equal(policy.withinStaleIfError(req), false);
            assert.throws(() => policy.revalidatedPolicy(req), /Response headers missing/);
            assert.equal(policy.useStaleWhileRevalidate(), false);
        }
    }
    // Without them, max-stale serves the stale response.
    for (const shared of [true, false]) assert.equal(decision(make({ 'cache-control': 'max-age=10' }, {}, { shared }), STALE_REQUESTS[0], 100)[0], 'stale');
});

// ---- Vary --------------------------------------------------------------------------------------

test('Vary: * never matches', () => {
    for (const vary of ['*', 'accept-encoding, *', ' * ', ['accept-encoding', '*']]) {
        const req = { 'accept-encoding': 'gzip' };
        const policy = make({ 'cache-control': 'public, max-age=600', vary }, req);
        assert.equal(policy.notStorableReason(), 'vary_star');
        assert.deepEqual(decision(policy, req), ['no_match', 'not_storable']);
        assert.equal(CachePolicy.selectVariant([policy], request(req)), undefined);
        assert.equal(policy.timeToLive(), 0);
    }
});

test('hostile Vary names are ordinary names: own properties only, never inherited ones', () => {
    // Header objects hold lower-case names, as Node gives them (Vary names are compared so).
    const names = ['__proto__', 'constructor', 'tostring', 'hasownproperty', 'prototype', 'valueof', '__definegetter__', 'isprototypeof'];
    for (const name of names) {
        const policy = make({ 'cache-control': 'max-age=600', vary: name }, own(name, 'a'));
        assert.deepEqual(decision(policy, own(name, 'a')), ['fresh', null], name);
        assert.deepEqual(decision(policy, JSON.parse(`{"${name}": "a"}`)), ['fresh', null], name);
        assert.deepEqual(decision(policy, [name.toUpperCase(), ' a ']), ['fresh', null], name);
        assert.deepEqual(decision(policy, new Headers([[name, 'a']])), ['fresh', null], name);
        assert.deepEqual(decision(policy, own(name, 'b')), ['no_match', 'vary_mismatch'], name);
        assert.deepEqual(decision(policy, {}), ['no_match', 'vary_mismatch'], name);
        assert.deepEqual(decision(policy, Object.create(null)), ['no_match', 'vary_mismatch'], name);
        // A prototype holding the field does not make it a header.
        assert.deepEqual(decision(policy, Object.create(own(name, 'a'))), ['no_match', 'vary_mismatch'], name);
        assert.equal(policy.secondaryKey(), `${name}=a`);
        assert.notEqual(policy.secondaryKey(request({})), policy.secondaryKey());

        const absent = make({ 'cache-control': 'max-age=600', vary: name });
        assert.deepEqual(decision(absent, {}), ['fresh', null], name);
        assert.deepEqual(decision(absent, Object.create(null)), ['fresh', null], name);
        assert.deepEqual(decision(absent, Object.create(own(name, 'a'))), ['fresh', null], name);
        assert.equal(decision(absent, own(name, ''))[0], 'no_match', name);
        assert.equal(decision(absent, own(name, 'a'))[0], 'no_match', name);
    }
    // Object.prototype itself polluted: still not a header where Vary selects.
    const polluted = 'x-polluted';
    const policy = make({ 'cache-control': 'max-age=600', vary: polluted }, { [polluted]: 'a' });
    const absent = make({ 'cache-control': 'max-age=600', vary: polluted });
    Object.prototype[polluted] = 'a'; // eslint-disable-line no-extend-native
    try {
        assert.equal(decision(policy, {})[0], 'no_match');
        assert.equal(decision(absent, {})[0], 'fresh');
        assert.equal(decision(make({ 'cache-control': 'max-age=600', vary: polluted }), {})[0], 'fresh');
        assert.equal(decision(make({ 'cache-control': 'max-age=600', vary: polluted }), { [polluted]: 'a' })[0], 'no_match');
    } finally {
        delete Object.prototype[polluted];
    }
});

test('Vary names that are not tokens name a field no request has', () => {
    for (const vary of ['accept encoding', '"accept-encoding"', 'a=b', 'x\ty']) {
        const policy = make({ 'cache-control': 'max-age=600', vary }, { 'accept-encoding': 'gzip' });
        assert.equal(decision(policy, { 'accept-encoding': 'gzip' })[0], 'fresh', vary);
        assert.equal(decision(policy, { ...own(vary.trim(), 'x'), 'accept-encoding': 'gzip' })[0], 'no_match', vary);
        assert.equal(Clocked.fromObject(JSON.parse(JSON.stringify(policy.toObject()))).secondaryKey(), policy.secondaryKey());
        // A stored request that has such a field: the engine refuses its name.
        clock.t = T0;
        throwsCode(() => new Clocked(request(own(vary, 'x')), { headers: { 'cache-control': 'max-age=600', vary } }), 'ERR_CACHEPOLICY_INVALID_HEADER_NAME', /invalid header name/);
    }
});

test('every field a long Vary names is compared (one argument per field, past 32 arguments)', () => {
    for (const n of [17, 18, 40, 300]) {
        const names = Array.from({ length: n }, (_, i) => `x-v${i}`);
        const stored = Object.fromEntries(names.map((name) => [name, 'a']));
        const response = { 'cache-control': 'max-age=600', vary: names.join(', ') };
        const lastB = { ...stored, [names[n - 1]]: 'b' };
        // The first build reads the names; later builds of the same Vary pass their values.
        for (const [policy, mine] of [[make(response, stored), stored], [make(response, stored), stored], [make(response, lastB), lastB]]) {
            assert.equal(decision(policy, mine)[0], 'fresh', `${n} names`);
            for (const i of [0, 16, 17, n - 1]) {
                if (i >= n) continue;
                const other = { ...mine, [names[i]]: mine[names[i]] === 'a' ? 'z' : 'a' };
                assert.deepEqual(decision(policy, other), ['no_match', 'vary_mismatch'], `${n} names, field ${i} differs`);
                const missing = { ...mine };
                delete missing[names[i]];
                assert.deepEqual(decision(policy, missing), ['no_match', 'vary_mismatch'], `${n} names, field ${i} missing`);
            }
        }
    }
});

test('Vary values of other types compare as String(value); absent never matches present', () => {
    const vary = { 'cache-control': 'max-age=600', vary: 'x-v' };
    for (const value of [5, true, { a: 1 }, ['a', 'b'], Buffer.from('gzip'), 10n, Symbol('s'), new Date(T0)]) {
        const policy = make(vary, { 'x-v': value });
        const text = Array.isArray(value) ? value : String(value);
        assert.equal(decision(policy, { 'x-v': text })[0], 'fresh', String(text));
        assert.equal(decision(policy, { 'x-v': value })[0], 'fresh', String(text));
        assert.equal(decision(policy, {})[0], 'no_match', String(text));
        assert.equal(decision(policy, { 'x-v': 'other' })[0], 'no_match', String(text));
        assert.equal(decision(make(vary), { 'x-v': value })[0], 'no_match', String(text));
    }
});

// ---- no header injection -------------------------------------------------------------------

const EVIL = 'v\r\nSet-Cookie: evil=1\r\n\r\n<html>\0';

test('CR, LF and NUL never reach a header the engine produces', () => {
    const requestHeaders = { host: 'example.com', 'x-b': EVIL, 'if-none-match': '"c"\r\nX: y', 'x-raw': 'a\r\nb\0' };
    const responseHeaders = { 'cache-control': 'max-age=600', 'x-a': EVIL, etag: '"v1\r\nX: y"', 'last-modified': 'Tue, 07 Nov 2023 22:13:20 GMT\r\nX: y', 'x-bytes': '\r\n\0\xff' };
    const policy = make(responseHeaders, requestHeaders);
    const req = request(requestHeaders);
    clock.t = T0 + 1000;
    // The exact lines are sanitized (RFC 9110 §5.5): CR, LF and NUL become spaces.
    const served = policy.responseHeaderLines();
    assert.ok(clean(served), JSON.stringify(served));
    assert.ok(served.some(([n, v]) => n === 'x-a' && v === 'v  Set-Cookie: evil=1    <html>'));
    // The objects pass the caller's values through as given (README: Node's HTTP parser never
    // produces values that need it); every value the engine produces is clean.
    const full = { date: DATE, ...responseHeaders };
    producedClean(policy.responseHeaders(), full);
    for (const after of [1, 700]) {
        clock.t = T0 + after * 1000;
        const e = policy.evaluateRequest(req);
        if (e.response) producedClean(e.response.headers, full);
        if (e.revalidation) producedClean(e.revalidation.headers, requestHeaders);
        producedClean(policy.revalidationHeaders(req), requestHeaders);
        assert.ok(clean(policy.revalidationHeaderLines(req)));
        assert.ok(clean(policy.responseHeaderLines()));
    }
    clock.t = T0 + 700 * 1000;
    assert.ok(clean(policy.lostUpdateHeaderLines({ method: 'PUT', url: PAGE, headers: requestHeaders })));
    // A merged 304: every header of the new policy comes from the engine.
    const merged = policy.revalidatedPolicy(req, { status: 304, headers: { etag: '"v1  X: y"', 'x-a': EVIL, 'x-new': 'n\r\nX: y' } });
    assert.equal(merged.modified, false);
    clock.t = T0 + 701 * 1000;
    for (const [name, value] of Object.entries(merged.policy.responseHeaders())) assert.doesNotMatch(String(value), /[\r\n\0]/, name);
    assert.ok(clean(merged.policy.responseHeaderLines()));
    // Cache-Status is an RFC 8941 item: printable ASCII only.
    const status = policy.cacheStatus(req, { cache: 'edge\r\nX: y', key: 'k\r\n\0', fwdStatus: 200 });
    assert.match(status, /^[\x20-\x7e]*$/);
    // Keys are not header values (SECURITY.md): they keep the text, so escape them before use.
    assert.equal(typeof policy.primaryKey(), 'string');
});

test('CR and LF in methods, URLs and header names are refused; in a later request never forwarded', () => {
    const response = { headers: { 'cache-control': 'max-age=60' } };
    throwsCode(() => new CachePolicy({ url: PAGE, method: 'GET\r\nX: y', headers: {} }, response), 'ERR_CACHEPOLICY_INVALID_METHOD', /invalid method/);
    throwsCode(() => new CachePolicy({ url: `${PAGE}\r\nX: y`, headers: {} }, response), 'ERR_CACHEPOLICY_INVALID_URL', /invalid url/);
    for (const name of ['x\r\ny', 'x-a:', 'x\0', 'x y', '']) {
        throwsCode(() => CachePolicy.check({ url: PAGE, headers: own(name, '1') }, response), 'ERR_CACHEPOLICY_INVALID_HEADER_NAME', /invalid header name/);
        throwsCode(() => CachePolicy.check({ url: PAGE, headers: {} }, { headers: { ...response.headers, ...own(name, '1') } }), 'ERR_CACHEPOLICY_INVALID_HEADER_NAME');
    }
    const policy = make({ 'cache-control': 'max-age=600', etag: '"v1"' });
    clock.t = T0 + 700 * 1000;
    const sent = policy.revalidationHeaderLines(request({ 'x\r\ninjected': '1', ok: '1' }));
    assert.deepEqual(sent.map(([n]) => n), ['ok', 'if-none-match']);
    assert.deepEqual(decision(policy, { 'x\r\ninjected': '1' }, 1), ['fresh', null]);
});

// ---- the bad-input matrix ------------------------------------------------------------------

const OK_RES = { status: 200, headers: { 'cache-control': 'max-age=60' } };
const WRONG = [null, undefined, 0, 5, NaN, '', 'x', true, [], [1, 2], {}, () => 1, Symbol('s'), 10n];

/** What `f` does with a package: `['ok', answer]` or `['throws', class, message]`. */
function outcome(f, C) {
    try {
        return ['ok', f(C)];
    } catch (e) {
        return ['throws', e.constructor.name, e.message];
    }
}

test('requests and responses of wrong types: the original\'s errors', () => {
    for (const bad of WRONG) {
        for (const C of [CachePolicy, Original]) {
            assert.throws(() => new C(bad, OK_RES), /^Error: Request headers missing$/, String(bad));
            assert.throws(() => new C(request(), bad), /^Error: Response headers missing$/, String(bad));
            const policy = new C(request(), OK_RES);
            for (const method of ['satisfiesWithoutRevalidation', 'evaluateRequest', 'revalidationHeaders', 'revalidatedPolicy']) {
                assert.throws(() => policy[method](bad), /Request headers missing/, `${method}(${String(bad)})`);
            }
        }
        const policy = new CachePolicy(request(), OK_RES);
        for (const method of ['explainRequest', 'withinStaleIfError', 'revalidationHeaderLines', 'lostUpdateHeaderLines', 'secondaryKey', 'cacheStatus']) {
            if (bad === undefined && method === 'secondaryKey') continue; // the stored response's own key
            assert.throws(() => policy[method](bad), /Request headers missing/, `${method}(${String(bad)})`);
        }
    }
});

test('header collections of wrong types: as the original (no fields), or a documented form', () => {
    const summary = (C, reqHeaders, resHeaders) => {
        const p = new C({ url: PAGE, headers: reqHeaders }, { status: 200, headers: resHeaders });
        return [p.storable(), p.maxAge(), p.satisfiesWithoutRevalidation({ url: PAGE, headers: reqHeaders })];
    };
    for (const bad of [5, 'abc', true, () => 1, 10n, Symbol('s')]) {
        assert.deepEqual(outcome((C) => summary(C, bad, OK_RES.headers), CachePolicy), outcome((C) => summary(C, bad, OK_RES.headers), Original), `request headers ${String(bad)}`);
        // Response headers of these types hold no field: storable, not fresh (the original also
        // reads a string's characters as fields and gives 0, like this).
        const [kind, [storable, maxAge]] = outcome((C) => summary(C, {}, bad), CachePolicy);
        assert.deepEqual([kind, storable, maxAge], ['ok', true, 0], `response headers ${String(bad)}`);
    }
    for (const missing of [0, '', null, undefined, false, NaN]) {
        assert.throws(() => new CachePolicy({ url: PAGE, headers: missing }, OK_RES), /Request headers missing/);
        assert.throws(() => new CachePolicy(request(), { headers: missing }), /Response headers missing/);
    }
    // Arrays are Node's rawHeaders (odd element ignored) or [name, value] pairs; Map and WHATWG
    // Headers are read through entries() (README, "Beyond the original").
    const forms = [['Cache-Control', 'max-age=60', 'odd'], [['cache-control', 'max-age=60']], new Map([['cache-control', 'max-age=60']]), new Headers({ 'Cache-Control': 'max-age=60' })];
    for (const headers of forms) {
        const p = new CachePolicy(request(), { status: 200, headers });
        assert.deepEqual([p.storable(), p.maxAge()], [true, 60]);
    }
    const objects = [Object.create(null), Object.assign(Object.create(null), { 'cache-control': 'max-age=60' })];
    for (const headers of objects) {
        const p = new CachePolicy({ url: PAGE, headers: Object.create(null) }, { status: 200, headers });
        assert.equal(p.storable(), true);
        assert.deepEqual(Object.getPrototypeOf(p.responseHeaders()), Object.prototype);
        assert.deepEqual(p.revalidationHeaders({ url: PAGE, headers: Object.create(null) }), {});
    }
});

const ODD_VALUES = [
    ['number', 60],
    ['true', true],
    ['false', false],
    ['NaN', NaN],
    ['object', { a: 1 }],
    ['nested array', [['max-age=60']]],
    ['mixed array', ['max-age=60', 5, null, {}]],
    ['empty array', []],
    ['Symbol', Symbol('x')],
    ['BigInt', 10n],
    ['function', () => 1],
    ['Buffer', Buffer.from('max-age=60')],
    ['Date', new Date(T0)],
    ['Symbol in array', [Symbol('s')]],
];

test('header values of wrong types: present, read as String(value); no crash on any path', () => {
    const responseFields = ['cache-control', 'pragma', 'x-other', 'date', 'expires', 'last-modified', 'age', 'etag', 'vary', 'set-cookie', 'connection', 'content-location', 'location'];
    const requestFields = ['cache-control', 'pragma', 'authorization', 'host', 'x-v', 'if-none-match', 'if-modified-since', 'connection', 'range'];
    for (const [label, value] of ODD_VALUES) {
        for (const field of responseFields) {
            const policy = make({ 'cache-control': 'max-age=60', [field]: value, etag: '"e"' }, { 'x-v': 'a' });
            clock.t = T0 + 1000;
            policy.storable();
            policy.satisfiesWithoutRevalidation(request({ 'x-v': 'a' }));
            policy.responseHeaders();
            policy.evaluateRequest(request());
            assert.ok(clean(policy.responseHeaderLines()), `${field}: ${label}`);
            clock.t = T0 + 100 * 1000;
            policy.revalidationHeaders(request());
            assert.ok(clean(policy.revalidationHeaderLines(request())));
            // `toObject` writes Cache-Control in the original's parsed form, with String():
            // String([Symbol()]) throws (Array.prototype.join), a TypeError from the caller's value.
            if (label === 'Symbol in array' && field === 'cache-control') {
                assert.throws(() => policy.toObject(), TypeError);
            } else {
                const copy = Clocked.fromObject(policy.toObject());
                assert.equal(copy.storable(), policy.storable(), `${field}: ${label}`);
            }
            policy.revalidatedPolicy(request(), { status: 304, headers: { [field]: value } });
        }
        for (const field of requestFields) {
            const headers = { [field]: value, 'x-v': 'a' };
            if (label === 'Symbol in array' && field === 'authorization') {
                // Authorization is read as one line, String(value): String([Symbol()]) throws.
                assert.throws(() => make({ 'cache-control': 'max-age=60' }, headers), TypeError);
                continue;
            }
            const policy = make({ 'cache-control': 'max-age=60', vary: 'x-v', etag: '"e"' }, headers);
            clock.t = T0 + 1000;
            policy.satisfiesWithoutRevalidation(request(headers));
            clock.t = T0 + 100 * 1000;
            policy.revalidationHeaders(request(headers));
            policy.evaluateRequest(request(headers));
            assert.ok(clean(policy.revalidationHeaderLines(request(headers))), `${field}: ${label}`);
            // String([Symbol()]) throws (Array.prototype.join): where the package converts a
            // stored field with String(), that TypeError is what the caller's value gives.
            try {
                policy.revalidatedPolicy(request(headers), { status: 304, headers: { etag: '"e"' } });
            } catch (e) {
                assert.ok(label === 'Symbol in array' && e instanceof TypeError, `${field}: ${label}: ${e.stack}`);
            }
        }
    }
    // Read as the text String() gives them: the directives of a Buffer or an object's toString.
    for (const cc of [Buffer.from('private, max-age=60'), { toString: () => 'private, max-age=60' }, ['max-age=60', { toString: () => 'private' }]]) {
        assert.equal(make({ 'cache-control': cc }).notStorableReason(), 'private_in_shared_cache');
    }
    assert.equal(make({ 'cache-control': 60 }).maxAge(), 0);
    assert.equal(make({ 'cache-control': ['max-age=60', 5] }).maxAge(), 60);
    // A value whose toString throws: that exception, from the constructor.
    const boom = { toString() {
        throw new RangeError('boom');
    } };
    assert.throws(() => make({ 'cache-control': boom }), /^RangeError: boom$/);
    assert.throws(() => make({ 'cache-control': 'max-age=60', vary: 'x-v' }, { 'x-v': boom }), /^RangeError: boom$/);
    const policy = make({ 'cache-control': 'max-age=60' });
    assert.throws(() => policy.satisfiesWithoutRevalidation(request({ 'cache-control': boom })), /^RangeError: boom$/);
    assert.equal(policy.satisfiesWithoutRevalidation(request()), true, 'the policy still answers afterwards');
});

test('a getter or toString that calls back into the package while it reads headers: an Error', () => {
    const nested = () => new CachePolicy(request({ 'x-v': 'b' }), { headers: { 'cache-control': 'max-age=60', vary: 'x-v' } }).storable();
    const value = { toString: () => (nested(), 'a') };
    const getter = Object.defineProperty({}, 'x-v', { enumerable: true, get: () => (nested(), 'a') });
    // A value that is not a string is read by the addon, with String(): refused.
    throwsCode(() => make({ 'cache-control': 'max-age=60', vary: 'x-v' }, { 'x-v': value }), 'ERR_CACHEPOLICY_REENTRANT');
    throwsCode(() => make({ 'cache-control': 'max-age=60', etag: [value] }), 'ERR_CACHEPOLICY_REENTRANT');
    // A getter runs in JS or in the addon (which is the package's business): no crash. (Run in
    // JS between the scratch writes and the addon call, its nested call can change the answer.)
    const policy = make({ 'cache-control': 'max-age=60', vary: 'x-v' }, { 'x-v': 'a' });
    for (const f of [() => make({ 'cache-control': 'max-age=60', vary: 'x-v' }, getter).storable(), () => policy.explainRequest(request(getter))]) {
        try {
            f();
        } catch (e) {
            assert.equal(e.code, 'ERR_CACHEPOLICY_REENTRANT', e.stack);
        }
    }
    // Afterwards every call works, and the answers are right.
    assert.equal(nested(), true);
    assert.deepEqual(decision(policy, { 'x-v': 'a' }), ['fresh', null]);
    assert.deepEqual(decision(policy, { 'x-v': 'b' }), ['no_match', 'vary_mismatch']);
});

test('strings that are not byte strings: characters above U+00FF never read as other bytes', () => {
    // Node-API reads Latin-1 by keeping the low byte: U+0170 would read as "p", U+010A as LF.
    assert.equal(make({ 'cache-control': '\u0170rivate, max-age=60' }).storable(), true, '"\u0170rivate" is not private');
    assert.equal(make({ 'cache-control': '\u0170ublic, max-age=60' }, { authorization: 'x' }).storable(), false, '"\u0170ublic" is not public');
    assert.equal(make({ 'cache-control': 'max-age=\u0136\u0130' }).maxAge(), 0);
    assert.equal(new Original(request(), { headers: { 'cache-control': '\u0170ublic, max-age=60' } }).storable(), true);
    const vary = { 'cache-control': 'max-age=600', vary: 'x-v' };
    for (const [stored, later] of [['a', '\u0161'], ['\u0161', 'a'], ['\uD800', '\uD801'], ['\uD800', '\uFFFD'], ['\uD800', '\u0000'], ['\u00e9', '\u00c3\u00a9'], ['\u0100', '\u0000']]) {
        const policy = make(vary, { 'x-v': stored });
        assert.equal(decision(policy, { 'x-v': stored })[0], 'fresh', JSON.stringify(stored));
        assert.equal(decision(policy, { 'x-v': later })[0], 'no_match', `${JSON.stringify(stored)} vs ${JSON.stringify(later)}`);
    }
    // Such a string stands for its UTF-8 bytes: the same bytes as a Latin-1 string holding them.
    assert.equal(decision(make(vary, { 'x-v': '\u0100' }), { 'x-v': '\u00c4\u0080' })[0], 'fresh');
    // A lone surrogate or U+010A/U+010D is not CR or LF in what the engine produces.
    const policy = make({ 'cache-control': 'max-age=60', 'x-a': 'a\u010d\u010aSet-Cookie: x', 'x-b': '\uD800\uDC00\uDBFF' });
    clock.t = T0 + 1000;
    assert.ok(clean(policy.responseHeaderLines()));
    assert.equal(policy.responseHeaders()['x-a'], 'a\u010d\u010aSet-Cookie: x', 'the object passes the value through');
    // A later request's method is compared as given.
    assert.equal(decision(make({ 'cache-control': 'max-age=60' }), {}, 1)[0], 'fresh');
    clock.t = T0 + 1000;
    assert.equal(make({ 'cache-control': 'max-age=60' }).satisfiesWithoutRevalidation(request({}, { method: 'G\u0145T' })), false);
    throwsCode(() => new CachePolicy({ url: PAGE, method: 'G\u0145T', headers: {} }, OK_RES), 'ERR_CACHEPOLICY_INVALID_METHOD');
    // A URL with a lone surrogate is read as UTF-8 (U+FFFD): accepted, compared as such.
    const lone = new CachePolicy({ url: '/a\uD800', headers: {} }, OK_RES);
    assert.equal(lone.satisfiesWithoutRevalidation({ url: '/a\uD800', headers: {} }), true);
    assert.equal(lone.satisfiesWithoutRevalidation({ url: '/a', headers: {} }), false);
});

test('NUL and Buffers: NUL reads as a space in produced lines; a Buffer as its UTF-8 text', () => {
    const policy = make({ 'cache-control': 'max-age=60\0, private', 'x-bin': '\xff\0\x80\xfe', 'x-empty': '' });
    assert.equal(policy.storable(), false, 'NUL separates nothing: private still counts');
    const ok = make({ 'cache-control': 'max-age=60', 'x-bin': '\xff\0\x80\xfe', 'x-empty': '', 'x-buf': Buffer.from('\xff\0') });
    clock.t = T0 + 1000;
    const lines = Object.fromEntries(ok.responseHeaderLines());
    assert.equal(lines['x-bin'], '\xff \x80\xfe', 'Latin-1 bytes kept, NUL as a space');
    assert.equal(lines['x-empty'], '');
    assert.equal(lines['x-buf'], String(Buffer.from('\xff\0')).replace(/\0/g, ' ').trim());
    assert.ok(Buffer.isBuffer(ok.responseHeaders()['x-buf']), 'the object passes the Buffer through');
    throwsCode(() => new CachePolicy({ url: PAGE, method: 'G\0T', headers: {} }, OK_RES), 'ERR_CACHEPOLICY_INVALID_METHOD');
    throwsCode(() => new CachePolicy({ url: '/a\0', headers: {} }, OK_RES), 'ERR_CACHEPOLICY_INVALID_URL');
});

test('URLs and methods of other types are read as String(value); invalid ones are refused', () => {
    const later = (url, method) => new CachePolicy({ url: PAGE, headers: {} }, OK_RES).satisfiesWithoutRevalidation({ url, method, headers: {} });
    for (const url of [5, {}, ['x'], new URL('https://example.com/other'), true, Symbol('u')]) {
        assert.equal(later(url), false, String(url));
        assert.equal(later(url), new Original({ url: PAGE, headers: {} }, OK_RES).satisfiesWithoutRevalidation({ url, headers: {} }), String(url));
    }
    // A URL object is its href.
    const fromUrl = new CachePolicy({ url: new URL(PAGE), headers: {} }, OK_RES);
    assert.equal(fromUrl.satisfiesWithoutRevalidation(request()), true);
    assert.equal(fromUrl.satisfiesWithoutRevalidation({ url: 'https://example.com/other', headers: {} }), false);
    for (const url of ['', '/a b', '/a\r\nX: y', '/a\tb', '/a\0']) {
        throwsCode(() => new CachePolicy({ url, headers: {} }, OK_RES), 'ERR_CACHEPOLICY_INVALID_URL', /invalid url/);
        throwsCode(() => CachePolicy.primaryKey({ url, headers: {} }), 'ERR_CACHEPOLICY_INVALID_URL');
    }
    // Methods: a number is the token "5" (not storable, as in the original); an object's text
    // is not a token.
    const m5 = new CachePolicy({ method: 5, url: PAGE, headers: {} }, OK_RES);
    assert.equal(m5.storable(), new Original({ method: 5, url: PAGE, headers: {} }, OK_RES).storable());
    assert.equal(later(PAGE, 5), false);
    assert.equal(later(PAGE, { toString: () => 'GET' }), true);
    for (const method of ['', 'G T', 'GET\r\n', '{}', {}, ['G', 'T']]) {
        throwsCode(() => new CachePolicy({ method, url: PAGE, headers: {} }, OK_RES), 'ERR_CACHEPOLICY_INVALID_METHOD', /invalid method/);
    }
    assert.equal(later(PAGE, 'G T'), false);
    // undefined and null: the default, GET.
    for (const method of [undefined, null]) assert.equal(new CachePolicy({ method, url: PAGE, headers: {} }, OK_RES).storable(), true);
    assert.equal(later(PAGE, null), true);
    assert.equal(new CachePolicy({ method: 'get', url: PAGE, headers: {} }, OK_RES).storable(), false, 'methods are case-sensitive');
});

test('statuses outside 100–999, or not integers, are refused', () => {
    for (const status of ['abc', NaN, Infinity, -Infinity, -1, 0, -0, 99, 1000, 65736, 1e9, 2 ** 31, 200.5, null, undefined, {}, true, '']) {
        throwsCode(() => new CachePolicy(request(), { status, headers: OK_RES.headers }), 'ERR_CACHEPOLICY_INVALID_STATUS', /invalid status/);
        throwsCode(() => CachePolicy.fromObject({ ...new CachePolicy(request(), OK_RES).toObject(), st: status }), 'ERR_CACHEPOLICY_INVALID_STATUS');
    }
    assert.throws(() => new CachePolicy(request(), { status: 200n, headers: OK_RES.headers }), TypeError);
    // Text and one-element arrays convert as Number() does; the status answered is as given.
    for (const status of ['200', ' 200 ', [200], 200]) {
        const p = new CachePolicy(request(), { status, headers: OK_RES.headers });
        assert.deepEqual([p.storable(), p.maxAge(), p.status()], [true, 60, status]);
    }
    for (const status of [100, 199, 304, 206]) assert.equal(new CachePolicy(request(), { status, headers: OK_RES.headers }).storable(), false);
});

test('options of wrong types: the original\'s reading, or ERR_CACHEPOLICY_INVALID_OPTION', () => {
    const auth = { url: PAGE, headers: { authorization: 'x' } };
    // `shared` is false only when it is false (the safe default otherwise), as in the original.
    for (const options of [{ shared: 'yes' }, { shared: 0 }, { shared: null }, { shared: '' }, 5, 'x', [], true, undefined]) {
        for (const C of [CachePolicy, Original]) assert.equal(new C(auth, OK_RES, options).storable(), false, `${C.name} ${JSON.stringify(options)}`);
    }
    // null: no options (the original throws a TypeError destructuring it).
    assert.equal(new CachePolicy(auth, OK_RES, null).storable(), false);
    assert.equal(new CachePolicy(auth, OK_RES, { shared: false }).storable(), true);
    const heuristic = { headers: { date: DATE, 'last-modified': 'Tue, 14 Nov 2023 20:00:00 GMT' } };
    const bad = [
        { cacheHeuristic: -1 },
        { cacheHeuristic: NaN },
        { cacheHeuristic: 'x' },
        { cacheHeuristic: Infinity },
        { cacheHeuristic: {} },
        { immutableMinTimeToLive: -5 },
        { immutableMinTimeToLive: 'x' },
        { immutableMinTimeToLive: NaN },
        { profile: 'bogus' },
        { profile: 5 },
        { trustServerDate: 'no' },
        { gracePeriod: -1 },
        { gracePeriod: 'x' },
        { setCookie: 'x' },
        { requestNoCache: true },
        { targetedFields: ['a b'] },
        { requestTime: 'x' },
        { requestTime: NaN },
        { requestTime: -Infinity },
        { requestTime: {} },
    ];
    for (const options of bad) {
        throwsCode(() => make(heuristic.headers, {}, options), 'ERR_CACHEPOLICY_INVALID_OPTION');
    }
    // Converted as numbers, as the original computes with them, on every path.
    const text = make(heuristic.headers, {}, { cacheHeuristic: '0.5', immutableMinTimeToLive: '1000' });
    assert.equal(text.maxAge(), new Original(request(), heuristic, { cacheHeuristic: 0.5 }).maxAge());
    assert.ok(clean(text.responseHeaderLines()));
    assert.equal(typeof text.secondaryKey(), 'string');
    assert.equal(make(heuristic.headers, {}, { cacheHeuristic: null }).maxAge(), 0);
    assert.equal(make({ 'cache-control': 'immutable' }, {}, { immutableMinTimeToLive: '1000' }).maxAge(), 1);
    // Infinity: the longest lifetime the engine has (saturated, no overflow).
    const forever = make({ 'cache-control': 'immutable' }, {}, { immutableMinTimeToLive: Infinity });
    assert.ok(forever.maxAge() >= 1e9 && Number.isFinite(forever.maxAge()));
    assert.ok(Number.isFinite(forever.timeToLive()));
    // Unknown names are ignored (callers pass their whole request options).
    assert.equal(make({ 'cache-control': 'max-age=60' }, {}, { method: 'POST', agent: {}, hooks: [] }).storable(), true);
    assert.equal(make({ 'cache-control': 'max-age=60' }, {}, { requestTime: null }).storable(), true);
});

test('prototype-named headers as own properties are ordinary headers', () => {
    const text = '{"__proto__": "x", "constructor": "y", "prototype": "z", "hasOwnProperty": "w", "tostring": "v", "cache-control": "max-age=60"}';
    const headers = JSON.parse(text);
    assert.ok(Object.prototype.hasOwnProperty.call(headers, '__proto__'));
    const policy = make(JSON.parse(text), JSON.parse(text));
    clock.t = T0 + 1000;
    assert.deepEqual([policy.storable(), policy.maxAge(), policy.satisfiesWithoutRevalidation(request(headers))], [true, 60, true]);
    for (const out of [policy.responseHeaders(), policy.revalidationHeaders(request(headers)), policy.evaluateRequest(request(headers)).response.headers]) {
        assert.equal(Object.getPrototypeOf(out), Object.prototype);
        assert.equal(out.constructor, 'y');
        assert.equal(out.prototype, 'z');
        assert.equal(out.hasOwnProperty, 'w');
        assert.equal(out.tostring, 'v');
        // `__proto__` cannot be an own property of a plain object built by assignment: dropped,
        // as the original drops it (the exact lines keep it).
        assert.ok(!Object.prototype.hasOwnProperty.call(out, '__proto__'));
    }
    assert.ok(policy.responseHeaderLines().some(([n, v]) => n === '__proto__' && v === 'x'));
    const copy = Clocked.fromObject(JSON.parse(JSON.stringify(policy.toObject())));
    assert.equal(copy.satisfiesWithoutRevalidation(request(headers)), true);
    // A `__proto__` field holding an object never becomes the prototype of what is returned.
    const evil = JSON.parse('{"__proto__": {"x-evil": "1", "cache-control": "private"}, "cache-control": "max-age=60"}');
    const p = make(evil, JSON.parse('{"__proto__": {"authorization": "x"}}'));
    clock.t = T0 + 1000;
    assert.equal(p.storable(), true);
    for (const out of [p.responseHeaders(), p.revalidationHeaders(request(evil))]) {
        assert.equal(Object.getPrototypeOf(out), Object.prototype);
        const names = [];
        for (const name in out) names.push(name);
        assert.ok(!names.includes('x-evil'), names.join());
    }
    // Names from rawHeaders go into objects without a prototype: `__proto__` is a name there.
    clock.t = T0;
    const fromRaw = new Clocked({ url: PAGE, headers: ['__proto__', 'a', 'Constructor', 'b'] }, { headers: ['Cache-Control', 'max-age=60', 'Vary', '__proto__, constructor'] });
    assert.equal(decision(fromRaw, own('__proto__', 'a'))[0], 'no_match');
    assert.equal(decision(fromRaw, { ...own('__proto__', 'a'), constructor: 'b' })[0], 'fresh');
});

test('a one-megabyte value in every role', () => {
    const mb = 'x'.repeat(1 << 20);
    for (const name of ['cache-control', 'vary', 'connection', 'etag', 'date', 'age', 'x-big', 'authorization']) {
        for (const value of [mb, '9'.repeat(1 << 20), '"'.repeat(1 << 20), ','.repeat(1 << 20), 'a,'.repeat(1 << 19)]) {
            const requestHeaders = { host: 'example.com', [name]: value, 'if-none-match': value };
            const policy = make({ [name]: value, 'cache-control': name === 'cache-control' ? [value, 'max-age=60'] : 'max-age=60' }, requestHeaders);
            const req = request(requestHeaders);
            clock.t = T0 + 1000;
            const e = policy.evaluateRequest(req);
            if (e.response) producedClean(e.response.headers, { date: DATE, [name]: value, 'cache-control': 'max-age=60' });
            assert.ok(clean(policy.responseHeaderLines()));
            clock.t = T0 + 100 * 1000;
            policy.revalidationHeaders(req);
            assert.ok(clean(policy.revalidationHeaderLines(req)));
            const copy = Clocked.fromObject(JSON.parse(JSON.stringify(policy.toObject())));
            assert.equal(copy.storable(), policy.storable());
            policy.revalidatedPolicy(req, { status: 304, headers: { [name]: value } });
        }
    }
    const bigUrl = `${PAGE}/${mb}`;
    clock.t = T0;
    const policy = new Clocked({ url: bigUrl, headers: {} }, OK_RES);
    assert.deepEqual(decision(policy, {}, 1), ['no_match', 'url_mismatch']);
    clock.t = T0 + 1000;
    assert.equal(policy.satisfiesWithoutRevalidation({ url: bigUrl, headers: {} }), true);
});

test('100,000 header lines and 100,000-name lists finish, with right answers (linear time)', () => {
    const n = 100000;
    const names = Array.from({ length: n }, (_, i) => `x-h${i}`);
    const lines = Object.fromEntries(names.map((name) => [name, 'v']));
    const list = names.join(', ');
    const policy = make({ ...lines, 'cache-control': 'max-age=60', vary: list }, lines);
    clock.t = T0 + 1000;
    assert.equal(policy.satisfiesWithoutRevalidation(request(lines)), true);
    assert.equal(Object.keys(policy.responseHeaders()).length, n + 4);
    const missingLast = { ...lines };
    delete missingLast[names[n - 1]];
    assert.deepEqual(decision(policy, missingLast), ['no_match', 'vary_mismatch']);
    assert.deepEqual(decision(policy, { ...lines, [names[n - 1]]: 'w' }), ['no_match', 'vary_mismatch']);
    clock.t = T0 + 100 * 1000;
    assert.equal(Object.keys(policy.revalidationHeaders(request(lines))).length, n);
    assert.equal(policy.revalidationHeaderLines(request(lines)).length, n);
    // A request whose Connection lists every field: none of them is forwarded.
    const hostile = [...names.flatMap((name) => ['connection', name]), ...names.flatMap((name) => [name, 'v'])];
    assert.deepEqual(policy.revalidationHeaders(request(hostile)), {});
    assert.deepEqual(policy.revalidationHeaderLines(request(hostile)), []);
    assert.equal(Clocked.fromObject(JSON.parse(JSON.stringify(policy.toObject()))).storable(), true);
    // The same lines as rawHeaders and as [name, value] pairs.
    const pairs = Object.entries(lines);
    clock.t = T0;
    const fromPairs = new Clocked({ url: PAGE, headers: pairs }, { headers: [...pairs, ['cache-control', 'max-age=60'], ['vary', list]] });
    clock.t = T0 + 1000;
    assert.equal(fromPairs.satisfiesWithoutRevalidation({ url: PAGE, headers: pairs.flat() }), true);
    assert.equal(fromPairs.responseHeaderLines().length, n + 4);
    // Response fields named by Connection, and a Vary listing each name twice.
    const named = make({ ...Object.fromEntries(names.slice(0, 10000).map((name) => [name, 'v'])), 'cache-control': 'max-age=60', connection: names.slice(0, 10000).join(', ') });
    clock.t = T0 + 1000;
    assert.equal(Object.keys(named.responseHeaders()).length, 3);
    const twice = make({ 'cache-control': 'max-age=60', vary: `${list}, ${list}` }, lines);
    assert.equal(twice.satisfiesWithoutRevalidation(request(lines)), true);
});

test('negative and overflowing numbers', () => {
    const cases = [
        ['max-age=-1', 0],
        ['max-age=1.5', 0],
        ['max-age=', 0],
        ['max-age=0x10', 0],
        ['max-age=5, max-age=6', 0],
        ['s-maxage=-5, max-age=60', 0],
        ['max-age=99999999999999999999999999999', 2 ** 31],
        ['max-age=18446744073709551616', 2 ** 31],
        ['max-age=2147483648', 2 ** 31],
    ];
    for (const [cc, lifetime] of cases) {
        const policy = make({ 'cache-control': cc, age: '-5' });
        assert.equal(policy.maxAge(), lifetime, cc);
        assert.ok(Number.isFinite(policy.timeToLive()) && policy.timeToLive() >= 0, cc);
        for (const age of ['-5', '99999999999999999999', '1e3', '']) assert.ok(Number.isFinite(make({ 'cache-control': cc, age }).age()));
    }
    for (const bad of ['max-age=-1', 'max-stale=-1', 'max-stale=1e9', 'min-fresh=99999999999999999999', 'max-stale=0x10']) {
        assert.notEqual(decision(make({ 'cache-control': 'max-age=60' }), { 'cache-control': bad }, 700)[0], 'stale', bad);
    }
    // An overflowing max-stale is the largest delta-seconds: stale responses are acceptable.
    assert.equal(decision(make({ 'cache-control': 'max-age=60' }), { 'cache-control': 'max-stale=99999999999999999999' }, 700)[0], 'stale');
});

test('invalid dates: the time the response was received', () => {
    for (const date of ['garbage', '0', '-1', 'Sun, 32 Nov 1994 08:49:37 GMT', 'Tue, 14 Nov 2023 22:13:20 UTC', '\0', '2023-11-14', 'Tue, 14 Nov 275760 22:13:20 GMT', '99999-01-01']) {
        clock.t = T0;
        const policy = new Clocked(request(), { headers: { date, expires: date, 'last-modified': date } });
        assert.equal(policy.date(), T0, date);
        assert.equal(policy.maxAge(), 0, date);
        assert.equal(policy.responseHeaders().date, DATE, date);
        assert.ok(policy.responseHeaderLines().some(([n, v]) => n === 'date' && v === DATE));
    }
});

test('fromObject with garbage: an Error, or a policy that answers', () => {
    const good = make({ 'cache-control': 'max-age=60', etag: '"e"', vary: 'x-v' }, { 'x-v': 'a' }).toObject();
    const errors = [
        [null, /^Response headers missing$/],
        [undefined, /^Response headers missing$/],
        [{}, /^Invalid serialization$/],
        [5, /^Invalid serialization$/],
        ['x', /^Invalid serialization$/],
        [[], /^Invalid serialization$/],
        [{ ...good, v: 2 }, /^Invalid serialization$/],
        [{ ...good, v: '1' }, /^Invalid serialization$/],
        [{ ...good, t: 'x' }, /^Invalid serialization$/],
        [{ ...good, t: NaN }, /^Invalid serialization$/],
        [{ ...good, t: undefined }, /^Invalid serialization$/],
        [{ ...good, t: Infinity }, /^Invalid serialization$/],
        [{ ...good, rt: 'x' }, /^Invalid serialization$/],
        [{ ...good, ch: 'x' }, 'ERR_CACHEPOLICY_INVALID_OPTION'],
        [{ ...good, ch: -1 }, 'ERR_CACHEPOLICY_INVALID_OPTION'],
        [{ ...good, imm: -1 }, 'ERR_CACHEPOLICY_INVALID_OPTION'],
        [{ ...good, x: { profile: 'bogus' } }, 'ERR_CACHEPOLICY_INVALID_OPTION'],
        [{ ...good, st: 'x' }, 'ERR_CACHEPOLICY_INVALID_STATUS'],
        [{ ...good, st: undefined }, 'ERR_CACHEPOLICY_INVALID_STATUS'],
        [{ ...good, m: 'G T' }, 'ERR_CACHEPOLICY_INVALID_METHOD'],
        [{ ...good, u: 'a b' }, 'ERR_CACHEPOLICY_INVALID_URL'],
    ];
    for (const [obj, expected] of errors) {
        if (typeof expected === 'string') throwsCode(() => CachePolicy.fromObject(obj), expected);
        else assert.throws(() => CachePolicy.fromObject(obj), (e) => e instanceof Error && expected.test(e.message), JSON.stringify(obj));
    }
    const p = CachePolicy.fromObject(good);
    assert.throws(() => p._fromObject(good), /Reinitialized/);
    // Wrong field types that still describe a policy: it answers, conservatively where unsure.
    const answers = [
        { ...good, sh: 'no' },
        { ...good, resh: null },
        { ...good, resh: 5 },
        { ...good, resh: 'abc' },
        { ...good, resh: [] },
        { ...good, resh: { 'cache-control': 5, etag: {}, vary: [1, 2] } },
        { ...good, resh: new Array(100000).fill('max-age=60') },
        { ...good, rescc: 'x' },
        { ...good, m: 5 },
        { ...good, u: 5 },
        { ...good, h: {} },
        { ...good, a: 'x' },
        { ...good, a: false },
        { ...good, reqh: 5 },
        { ...good, reqh: Object.fromEntries(Array.from({ length: 100000 }, (_, i) => [`x${i}`, 'v'])) },
        { ...good, reqcc: 5 },
        { ...good, reqcc: { 'max-stale': true } },
        { ...good, x: 5 },
        { ...good, inv: 'yes' },
        JSON.parse(JSON.stringify(good).replace('{', '{"__proto__": {"v": 1, "resh": {"cache-control": "max-age=9999"}},')),
    ];
    for (const obj of answers) {
        const policy = Clocked.fromObject(obj);
        clock.t = good.t + 1000;
        const req = request({ 'x-v': 'a' });
        policy.storable();
        policy.satisfiesWithoutRevalidation(req);
        policy.responseHeaders();
        assert.ok(clean(policy.responseHeaderLines()));
        clock.t = good.t + 100 * 1000;
        policy.revalidationHeaders(req);
        policy.evaluateRequest(req);
        policy.timeToLive();
    }
    // A request stored as authorized stays so (a: false), whatever else is in the object.
    assert.equal(CachePolicy.fromObject({ ...good, a: false }).storable(), false);
});

test('fromObject of 2,000 corrupted objects: an Error or a policy that answers', () => {
    const good = JSON.parse(JSON.stringify(make({ 'cache-control': 'max-age=60, stale-if-error=60', etag: '"e"', vary: 'x-v', 'set-cookie': 'a=1' }, { 'x-v': 'a', authorization: 'x' }).toObject()));
    const garbage = () => [null, undefined, 0, -1, 1e300, NaN, '', 'x', '\r\n', true, false, [], [1, 'a'], {}, { a: 1 }, new Array(1000).fill('x'), -0, '200', 'GET', 'G T'];
    const keys = Object.keys(good);
    let seed = 7;
    const random = (k) => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed % k;
    };
    for (let i = 0; i < 2000; i++) {
        const obj = JSON.parse(JSON.stringify(good));
        for (let j = 0; j <= random(3); j++) {
            const key = keys[random(keys.length)];
            const target = random(2) === 0 && obj[key] && typeof obj[key] === 'object' ? obj[key] : obj;
            const k = target === obj ? key : Object.keys(target)[0] || 'x';
            const values = garbage();
            target[k] = values[random(values.length)];
        }
        let policy;
        try {
            policy = Clocked.fromObject(obj);
        } catch (e) {
            assert.ok(e instanceof Error, 'an Error');
            assert.ok(/^(Invalid serialization|Response headers missing)$/.test(e.message) || /^ERR_CACHEPOLICY_INVALID_/.test(e.code), `${e.message} ${JSON.stringify(obj)}`);
            continue;
        }
        clock.t = T0 + 1000;
        policy.satisfiesWithoutRevalidation(request({ 'x-v': 'a' }));
        policy.responseHeaders();
        assert.ok(clean(policy.responseHeaderLines()), JSON.stringify(obj));
        policy.revalidationHeaders(request());
        policy.timeToLive();
        JSON.stringify(policy.toObject());
    }
});

// ---- threads and memory --------------------------------------------------------------------

test('one policy\'s serialized form shared by 8 worker threads: identical answers', async (t) => {
    const perThread = Number(process.env.CACHEPOLICY_STRESS_EVALUATIONS || 20000);
    const policy = make(
        { 'cache-control': 'max-age=2000, stale-while-revalidate=1000', etag: '"v1"', 'last-modified': 'Tue, 07 Nov 2023 22:13:20 GMT', vary: 'accept-encoding', connection: 'keep-alive', 'keep-alive': 'timeout=5' },
        { 'accept-encoding': 'gzip' },
    );
    const serialized = JSON.stringify(policy.toObject());
    const requests = [
        { url: PAGE, headers: { 'accept-encoding': 'gzip' } },
        { url: PAGE, headers: { 'accept-encoding': 'br' } },
        { url: PAGE, headers: { 'accept-encoding': 'gzip', 'cache-control': 'max-stale=600' } },
        { url: PAGE, headers: { 'accept-encoding': 'gzip', 'if-none-match': '"v0"', connection: 'x-a', 'x-a': '1' } },
    ];
    const times = Array.from({ length: 300 }, (_, i) => T0 + 20000 * i);
    // One answer: satisfiesWithoutRevalidation, responseHeaders and revalidationHeaders at a time.
    const answerCode = `(policy, clock, req, t) => {
        clock.t = t;
        return JSON.stringify([policy.satisfiesWithoutRevalidation(req), policy.responseHeaders(), policy.revalidationHeaders(req)]);
    }`;
    const answer = eval(answerCode); // eslint-disable-line no-eval
    const main = Clocked.fromObject(JSON.parse(serialized));
    const expected = requests.map((req) => times.map((time) => answer(main, clock, req, time)));
    const decisions = new Set(requests.flatMap((req) => times.map((time) => decision(main, req.headers, (time - T0) / 1000)[0])));
    assert.deepEqual([...decisions].sort(), ['fresh', 'no_match', 'revalidate', 'stale', 'stale_while_revalidate']);
    const code = `
        const { parentPort, workerData } = require('node:worker_threads');
        const CachePolicy = require(workerData.path);
        const clock = { t: 0 };
        class Clocked extends CachePolicy {
            now() {
                return clock.t;
            }
        }
        const answer = ${answerCode};
        const { serialized, requests, times, expected, perThread, index } = workerData;
        let policy = Clocked.fromObject(JSON.parse(serialized));
        let mismatches = 0;
        let first = null;
        const cells = requests.length * times.length;
        for (let i = 0; i < perThread; i++) {
            // A fresh copy from the serialized form now and then: the load path too.
            if (i % 1000 === 999) policy = Clocked.fromObject(JSON.parse(serialized));
            const k = (i * 7 + index * 13) % cells;
            const r = k % requests.length;
            const t = Math.floor(k / requests.length);
            const got = answer(policy, clock, requests[r], times[t]);
            if (got !== expected[r][t]) {
                mismatches++;
                if (first === null) first = { r, t, got, want: expected[r][t] };
            }
        }
        parentPort.postMessage({ mismatches, first, done: perThread });
    `;
    const started = process.hrtime.bigint();
    const run = (index) =>
        new Promise((resolve, reject) => {
            const w = new Worker(code, { eval: true, workerData: { path: path.join(__dirname, '..'), serialized, requests, times, expected, perThread, index } });
            w.once('message', resolve);
            w.once('error', reject);
        });
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => run(i)));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    t.diagnostic(`8 threads x ${perThread} evaluations (satisfiesWithoutRevalidation + responseHeaders + revalidationHeaders): ${seconds.toFixed(1)} s`);
    assert.deepEqual(results, Array.from({ length: 8 }, () => ({ mismatches: 0, first: null, done: perThread })));
});

test('resident memory stays flat over 1,000,000 constructions', { skip: process.platform !== 'linux' && process.platform !== 'darwin' && 'RSS semantics' }, (t) => {
    // In a fresh process, so that the other tests' garbage and worker threads do not count.
    const total = Number(process.env.CACHEPOLICY_MEMORY_CONSTRUCTIONS || 1000000);
    const code = `
        class CachePolicy extends require(${JSON.stringify(path.join(__dirname, '..'))}) {
            now() {
                return ${T0 + 1000};
            }
        }
        const total = ${total};
        const warm = Math.min(100000, Math.floor(total / 4));
        const req = { url: '${PAGE}', headers: { 'accept-encoding': 'gzip', 'x-id': '0' } };
        const res = { status: 200, headers: { date: '${DATE}', 'cache-control': 'max-age=600', etag: '"v1"', vary: 'accept-encoding', 'x-big': 'y'.repeat(200) } };
        let baseline = 0;
        let stored = 0;
        for (let i = 0; i < total; i++) {
            const policy = new CachePolicy(req, res);
            if (policy.storable() && policy.satisfiesWithoutRevalidation(req)) stored++;
            const obj = policy.toObject();
            if (i % 10 === 0) CachePolicy.fromObject(JSON.parse(JSON.stringify(obj))).responseHeaders();
            if (i === warm) baseline = process.memoryUsage().rss;
        }
        process.stdout.write(JSON.stringify({ warm, baseline, end: process.memoryUsage().rss, stored }));
    `;
    const r = JSON.parse(execFileSync(process.execPath, ['-e', code], { encoding: 'utf8', maxBuffer: 1 << 20 }));
    const grown = r.end - r.baseline;
    const mb = (b) => (b / 1048576).toFixed(1);
    t.diagnostic(`rss after ${r.warm}: ${mb(r.baseline)} MB, after ${total}: ${mb(r.end)} MB (grew ${mb(grown)} MB)`);
    assert.equal(r.stored, total);
    assert.ok(grown < 32 * 1048576, `resident memory grew by ${mb(grown)} MB over ${total - r.warm} constructions`);
});
