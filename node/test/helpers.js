'use strict';
// Shared by the tests: the vector files, and converting their header lists.

const fs = require('node:fs');
const path = require('node:path');

const VECTORS = path.join(__dirname, '..', '..', 'tests', 'vectors');

function vectorFiles() {
    return fs
        .readdirSync(VECTORS)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => ({ file: f, cases: JSON.parse(fs.readFileSync(path.join(VECTORS, f), 'utf8')).cases }));
}

/** A vector's header text: a string, or `{hex}` bytes as a Latin-1 string (as Node gives bytes). */
function text(v) {
    if (typeof v === 'string') return v;
    return Buffer.from(v.hex, 'hex').toString('latin1');
}

function pairs(headers) {
    return (headers || []).map(([n, v]) => [text(n), text(v)]);
}

/** Lines grouped by lower-cased name in first-appearance order: the object form. */
function grouped(lines) {
    const out = new Map();
    for (const [n, v] of lines) {
        const k = n.toLowerCase();
        if (!out.has(k)) out.set(k, v);
        else if (Array.isArray(out.get(k))) out.get(k).push(v);
        else out.set(k, [out.get(k), v]);
    }
    return [...out.entries()];
}

function needsSanitizing(v) {
    return /[\r\n\0]/.test(v) || /^[ \t]|[ \t]$/.test(v);
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** True when the object API can show these lines exactly (it passes values and names through). */
function objectExpressible(lines) {
    return lines.every(([n, v]) => TOKEN.test(n) && !needsSanitizing(v));
}

const OPTION_NAMES = {
    shared: 'shared',
    cache_heuristic: 'cacheHeuristic',
    ignore_cargo_cult: 'ignoreCargoCult',
    trust_server_date: 'trustServerDate',
    profile: 'profile',
    cache_etags: 'cacheEtags',
    request_no_cache: 'requestNoCache',
    targeted_fields: 'targetedFields',
    ignore_request_cache_control: 'ignoreRequestCacheControl',
    honor_request_no_cache: 'honorRequestNoCache',
    store_authenticated: 'storeAuthenticated',
    ignore_s_maxage: 'ignoreSMaxage',
    ignore_no_store: 'ignoreNoStore',
    store_https: 'storeHttps',
    bypass_range_and_conditional: 'bypassRangeAndConditional',
    store_only_2xx: 'storeOnly2xx',
    set_cookie: 'setCookie',
    suppress_age: 'suppressAge',
    replace_date: 'replaceDate',
};
const SECONDS_OPTIONS = { immutable_min_time_to_live: 'immutableMinTimeToLive', grace_period: 'gracePeriod' };

/** A vector's options in this package's names and units. */
function options(o) {
    const out = {};
    for (const [k, v] of Object.entries(o || {})) {
        if (OPTION_NAMES[k]) out[OPTION_NAMES[k]] = v;
        else if (SECONDS_OPTIONS[k]) out[SECONDS_OPTIONS[k]] = v * 1000;
        else throw new Error(`unknown option ${k}`);
    }
    return out;
}

function request(r) {
    return { method: r.method === undefined ? 'GET' : r.method, url: r.url, headers: pairs(r.headers) };
}

function response(r) {
    return { status: r.status === undefined ? 200 : r.status, headers: pairs(r.headers) };
}

module.exports = { vectorFiles, text, pairs, grouped, objectExpressible, options, request, response };
