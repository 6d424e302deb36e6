'use strict';
// Random exchanges for the differential test, and the facts about them that decide which
// documented deviations apply.

const T0 = 1700000000000;

// A small deterministic PRNG (mulberry32), so a failure names a reproducible case.
function rng(seed) {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

const httpDate = (ms) => new Date(ms).toUTCString();

function generate(seed) {
    const r = rng(seed);
    const pick = (list) => list[Math.floor(r() * list.length)];
    const chance = (p) => r() < p;
    const t0 = T0 + Math.floor(r() * 1000) * 1000;

    const responseDirectives = [
        'max-age=60', 'max-age=3600', 'max-age=0', 's-maxage=120', 'public', 'private', 'no-cache', 'no-store',
        'must-revalidate', 'proxy-revalidate', 'immutable', 'stale-while-revalidate=30', 'stale-if-error=300',
        'no-transform', 'max-age=abc', 'Max-Age=60', 'max-age="60"', 'private="set-cookie"', 'no-cache="x-extra"',
        'pre-check=0', 'post-check=0', 'max-age=60, max-age=30',
    ];
    const requestDirectives = ['no-cache', 'no-store', 'max-age=0', 'max-age=30', 'min-fresh=10', 'max-stale', 'max-stale=20', 'only-if-cached', 'stale-if-error=100', 'MAX-AGE=5'];
    const res = {};
    if (chance(0.9)) {
        const n = 1 + Math.floor(r() * 3);
        const cc = [];
        for (let i = 0; i < n; i++) cc.push(pick(responseDirectives));
        res['cache-control'] = cc.join(', ');
    }
    if (chance(0.85)) res.date = chance(0.9) ? httpDate(t0 - pick([0, 0, 0, 5000, 60000, 3600000])) : pick(['garbage', '0', '2023-11-14T22:13:20Z']);
    if (chance(0.25)) res.expires = chance(0.85) ? httpDate(t0 + pick([-60000, 0, 30000, 600000, 7200000])) : pick(['0', '-1', 'never']);
    if (chance(0.4)) res['last-modified'] = httpDate(t0 - pick([1000, 86400000, 864000000, 8640000000]));
    if (chance(0.2)) res.age = pick(['0', '10', '100', '4000', 'abc', '-5', '10, 20']);
    if (chance(0.5)) res.etag = pick(['"v1"', 'W/"v1"', '"v2"']);
    if (chance(0.25)) res.vary = pick(['accept-encoding', 'Accept-Encoding', 'accept-encoding, accept-language', '*', 'origin', 'constructor']);
    if (chance(0.15)) res['set-cookie'] = pick(['a=1', ['a=1', 'b=2']]);
    if (chance(0.1)) res.pragma = 'no-cache';
    if (chance(0.2)) res.connection = pick(['keep-alive', 'close', 'x-extra', 'X-Extra']);
    if (chance(0.1)) res['keep-alive'] = 'timeout=5';
    if (chance(0.1)) res['proxy-connection'] = 'keep-alive';
    if (chance(0.1)) res.warning = pick(['110 - "stale"', '299 - "misc"']);
    if (chance(0.2)) res['x-extra'] = 'yes';
    if (chance(0.1)) res['content-location'] = pick(['/a', 'https://example.com/a', '/b']);
    res['content-type'] = 'text/plain';

    const reqHeaders = (variant) => {
        const h = { host: variant && chance(0.05) ? 'other.example' : 'example.com' };
        if (chance(0.3)) h['accept-encoding'] = pick(['gzip', 'br', 'gzip, br', 'gzip,br']);
        if (chance(0.2)) h['accept-language'] = pick(['en', 'fr']);
        if (chance(0.05)) h.origin = 'https://a.example';
        if (chance(0.05)) h.constructor = 'x';
        if (variant) {
            if (chance(0.35)) {
                const n = 1 + Math.floor(r() * 2);
                const cc = [];
                for (let i = 0; i < n; i++) cc.push(pick(requestDirectives));
                h['cache-control'] = cc.join(', ');
            }
            if (chance(0.05)) h.pragma = 'no-cache';
            if (chance(0.2)) h['if-none-match'] = pick(['"v0"', '"v1"', '*', 'W/"v1"']);
            if (chance(0.15)) h['if-modified-since'] = httpDate(t0 - 1000);
            if (chance(0.05)) h['if-match'] = '"v1"';
            if (chance(0.05)) h['if-range'] = '"v1"';
            if (chance(0.05)) h.range = 'bytes=0-1';
            if (chance(0.05)) h.connection = pick(['keep-alive', 'X-Foo']);
            if (chance(0.05)) h['x-foo'] = '1';
            if (chance(0.05)) h.te = 'trailers';
            if (chance(0.05)) h.date = httpDate(t0);
            if (chance(0.05)) h['proxy-connection'] = 'close';
        } else {
            if (chance(0.1)) h['cache-control'] = pick(['no-store', 'max-age=0', 'no-cache']);
            if (chance(0.1)) h.authorization = 'Bearer x';
        }
        return h;
    };
    const method = chance(0.9) ? 'GET' : pick(['HEAD', 'POST', 'PUT']);
    const req = { method, url: '/a', headers: reqHeaders(false) };
    const newReq = {
        method: chance(0.9) ? 'GET' : pick(['HEAD', 'POST']),
        url: chance(0.93) ? '/a' : pick(['/b', '/a?x', '/A']),
        headers: reqHeaders(true),
    };
    const status = chance(0.8) ? 200 : pick([203, 204, 206, 301, 302, 304, 307, 404, 410, 500, 503]);
    const options = {};
    if (chance(0.3)) options.shared = false;
    if (chance(0.1)) options.cacheHeuristic = pick([0, 0.5]);
    if (chance(0.1)) options.immutableMinTimeToLive = 3600 * 1000;
    if (chance(0.05)) options.ignoreCargoCult = true;
    const later = pick([0, 1000, 10000, 59000, 60000, 61000, 90000, 600000, 3600000, 86400000 * 3]);
    const revalidation = chance(0.5)
        ? {
              status: pick([304, 304, 304, 200, 500, 503]),
              headers: Object.assign(
                  chance(0.7) ? { etag: pick(['"v1"', 'W/"v1"', '"v2"']) } : {},
                  chance(0.5) ? { 'cache-control': pick(['max-age=600', 'no-cache', 'public']) } : {},
                  chance(0.3) ? { date: httpDate(t0 + later) } : {},
                  chance(0.2) ? { 'x-new': '1' } : {},
                  chance(0.2) && res['last-modified'] ? { 'last-modified': res['last-modified'] } : {},
              ),
          }
        : undefined;
    return { seed, t0, req, res: { status, headers: res }, newReq, options, later, revalidation };
}

// ---- Facts about an input, for the deviation predicates ----

const directives = (v) =>
    String(v || '')
        .split(',')
        .map((d) => d.trim())
        .filter(Boolean);
const names = (v) => directives(v).map((d) => d.split('=')[0].trim().toLowerCase());
const has = (v, name) => names(v).includes(name);
const isImfDate = (v) => typeof v === 'string' && /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(v);
const UNDERSTOOD = new Set([200, 203, 204, 300, 301, 302, 303, 307, 308, 404, 405, 410, 414, 501]);

function facts(c) {
    const h = c.res.headers;
    const cc = h['cache-control'];
    const shared = c.options.shared !== false;
    const q = c.newReq.headers;
    const ccNames = names(cc);
    const lower = (v) => String(v || '');
    const f = {
        shared,
        // Directive syntax the original reads differently (case, quotes, repeats, bad numbers).
        ccSyntax:
            /[A-Z"]/.test(lower(cc)) ||
            new Set(ccNames).size !== ccNames.length ||
            directives(cc).some((d) => /^(max-age|s-maxage|stale-while-revalidate|stale-if-error)=/.test(d) && !/=\d+$/.test(d)),
        reqCcSyntax: /[A-Z"]/.test(lower(q['cache-control'])) || new Set(names(q['cache-control'])).size !== names(q['cache-control']).length,
        dateSyntax: ['date', 'expires', 'last-modified'].some((k) => h[k] !== undefined && !isImfDate(h[k])),
        apparentAge: isImfDate(h.date) && Date.parse(h.date) < c.t0,
        ageSyntax: h.age !== undefined && !/^\d+$/.test(h.age),
        mustRevalidate: has(cc, 'must-revalidate'),
        proxyRevalidate: shared && has(cc, 'proxy-revalidate'),
        sMaxage: shared && has(cc, 's-maxage'),
        noCache: has(cc, 'no-cache') || (cc === undefined && /no-cache/.test(h.pragma || '')),
        status: !UNDERSTOOD.has(c.res.status) && c.res.status !== 206,
        post: c.req.method === 'POST' || c.req.method === 'PUT',
        // A new response to a revalidation becomes a policy for the new request's method.
        revalidationPost: c.revalidation !== undefined && (c.newReq.method === 'POST' || c.newReq.method === 'PUT'),
        private: has(cc, 'private'),
        varyStar: names(h.vary).includes('*'),
        cookie: shared && h['set-cookie'] !== undefined,
        immutable: has(cc, 'immutable') && !has(cc, 'max-age') && !(shared && has(cc, 's-maxage')),
        maxStale: has(q['cache-control'], 'max-stale'),
        requestPragma: q.pragma !== undefined && q['cache-control'] !== undefined,
        head: c.newReq.method === 'HEAD' || c.req.method === 'HEAD',
        target: c.newReq.url !== c.req.url || c.newReq.headers.host !== c.req.headers.host,
        varyWhitespace:
            h.vary !== undefined &&
            names(h.vary).some((n) => {
                const a = c.req.headers[n];
                const b = q[n];
                return typeof a === 'string' && typeof b === 'string' && a !== b && a.replace(/\s/g, '') === b.replace(/\s/g, '');
            }),
        prototypeNames: 'constructor' in q && Object.prototype.hasOwnProperty.call(q, 'constructor'),
        heuristicWarning: h['last-modified'] !== undefined || has(cc, 'immutable'),
        warning: h.warning !== undefined,
        unservedFields:
            h['proxy-connection'] !== undefined ||
            (h.connection !== undefined && !['keep-alive', 'close'].includes(h.connection)) ||
            directives(cc).some((d) => /^(private|no-cache)=/.test(d)),
        cargoCult: c.options.ignoreCargoCult === true && has(cc, 'pre-check') && has(cc, 'post-check'),
        windows: has(cc, 'stale-while-revalidate') || has(cc, 'stale-if-error'),
        requestValidators: q['if-none-match'] !== undefined || q['if-modified-since'] !== undefined,
        weakOrPrecondition:
            String(h.etag || '').startsWith('W/') ||
            q['if-match'] !== undefined ||
            q['if-unmodified-since'] !== undefined ||
            c.newReq.method !== 'GET',
        requestHopByHop: q.date !== undefined || q['proxy-connection'] !== undefined || q.connection !== undefined,
        requestNoStore: has(c.req.headers['cache-control'], 'no-store'),
        onlyIfCached: has(q['cache-control'], 'only-if-cached'),
        revalidation304: c.revalidation !== undefined && c.revalidation.status === 304,
        revalidationError: c.revalidation !== undefined && c.revalidation.status >= 500,
        emptyAuthorization: shared && c.req.headers.authorization === '',
    };
    f.staleForbidden = f.mustRevalidate || f.proxyRevalidate || f.sMaxage || (f.cookie && !has(cc, 'public') && !has(cc, 'immutable') && !f.sMaxage);
    return f;
}

module.exports = { generate, facts };
