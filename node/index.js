'use strict';

/*
 * cachepolicy: the `http-cache-semantics` 4.x API over the Rust `cachepolicy` engine (RFC 9111).
 *
 * The boundary (see README.md, "How it is built"): a policy is this JS object, holding the
 * caller's header objects as the original package does. The engine's policy is built from the
 * fields its rules read, passed as separate string arguments, and kept in a per-thread cache in
 * the addon, keyed by `_id` (rebuilt from this object after eviction: no native handle per
 * policy). Answers come back as numbers in a per-thread Float64Array. This file copies header
 * objects as the engine instructs and converts shapes and units; it decides nothing itself.
 */

const native = require('./cachepolicy.node');

const T = native.tables();
const S = T.scratch;

// Scratch slots: `slot` in src/lib.rs.
const ID = 0;
const NOW = 1;
const STATUS = 2;
const CACHE_HEURISTIC = 3;
const IMMUTABLE_MIN_TTL = 4;
const RESPONSE_TIME = 5;
const REQUEST_TIME = 6;
const FLAGS = 7;
const MISS = 8;
const NOT_STORABLE = 9;
const NPM_MAX_AGE = 10;
const LIFETIME = 11;
const DATE_VALUE = 12;
const DATE_PLAN = 13;
const AGE_PLAN = 14;
const DECISION = 15;
const REASON = 16;
const AGE = 17;
const AGE_HEADER = 18;
const RETENTION = 19;
const TIME_TO_LIVE = 20;
const STALE = 21;
const STALE_WHILE_REVALIDATE = 22;
const SOURCE = 23;
const OUTCOME = 24;
const MODIFIED = 25;
const MATCHES = 26;
const STALE_IF_ERROR = 27;
const INVALIDATED = 28;
const PRESENT = 29;
const REVALIDATION = 32;
/** `S[PRESENT]` bit in `decide`: the request's URL is the stored one (not sent). */
const SAME_URL = 1 << 11;

// FLAGS bits: `flag` in src/lib.rs.
const F_SHARED = 1;
const F_IGNORE_CARGO_CULT = 2;
const F_INVALIDATED = 4;
const F_SHARED_GIVEN = 8;
const F_HAS_OPTIONS = 16;
const F_SET_COOKIE = 32;
const F_WANT_NAMES = 64;

// DATE_PLAN / AGE_PLAN: `plan` in src/lib.rs (1: delete).
const PLAN_KEEP = 0;
const PLAN_FIXED = 2;
const PLAN_NOW = 3;
const AGE_PER_CALL = 0;

// Revalidation instructions: `instruction` in src/lib.rs.
const KEEP = 0;
const DELETE = 1;
const SET_RETURNED = 2;
const SET_ETAG = 3;
const SET_LAST_MODIFIED = 4;

// `decide` modes.
const MODE_DECISION = 1;
const MODE_EVALUATE = 2;
const MODE_REVALIDATION = 3;
const MODE_STALE_IF_ERROR = 4;

// Decision indices (T.decisions).
const FRESH = 0;
const STALE_HIT = 1;
const STALE_WHILE_REVALIDATE_HIT = 2;

// The request fields `decide` takes, in order (REQUEST_FIELDS in src/lib.rs).
const REQUEST_FIELDS = [
    'cache-control',
    'pragma',
    'host',
    'authorization',
    'if-none-match',
    'if-modified-since',
    'if-match',
    'if-unmodified-since',
    'if-range',
    'range',
    'connection',
];

const FULL_RESPONSE_LINES = 1;
const FULL_REVALIDATION_LINES = 2;
const FULL_REVALIDATE = 3;
const FULL_INVALIDATION_TARGETS = 4;
const FULL_EXPIRY_STAGE = 5;
const FULL_LOST_UPDATE_LINES = 6;
const FULL_PRIMARY_KEY = 7;
const FULL_REQUEST_PRIMARY_KEY = 8;
const FULL_SECONDARY_KEY = 9;
const FULL_REQUEST_SECONDARY_KEY = 10;
const FULL_CACHE_STATUS = 11;
const FULL_SELECT_VARIANT = 12;
const FULL_CHECK = 13;

/** A set of names as an object (`set[name] === true`), for the cold paths. */
function nameSet(names) {
    const set = {};
    for (const name of names) set[name] = true;
    return set;
}
/**
 * Field names the engine never serves (RESPONSE_DROP) or forwards (REVALIDATION_DROP). A field
 * named `__proto__` is not copied into the objects returned (assigning it would set their
 * prototype), as the original's copies lose it; the exact-lines methods keep it. (A `Set`: a
 * keyed load per name on an object of names is a megamorphic lookup.)
 */
const RESPONSE_DROP = new Set([...T.responseDrop, '__proto__']);
const REVALIDATION_DROP = new Set([...T.revalidationDrop, '__proto__']);

/** Options this package adds to the original's four, read by the engine. */
const EXTENSION_OPTIONS = [
    'profile',
    'trustServerDate',
    'cacheEtags',
    'requestNoCache',
    'targetedFields',
    'ignoreRequestCacheControl',
    'honorRequestNoCache',
    'storeAuthenticated',
    'ignoreSMaxage',
    'gracePeriod',
    'ignoreNoStore',
    'storeHttps',
    'bypassRangeAndConditional',
    'storeOnly2xx',
    'setCookie',
    'suppressAge',
    'replaceDate',
];

const EMPTY = Object.freeze({});
const NO_NAMES = Object.freeze([]);

/** The request fields a Vary value selects on (beyond REQUEST_FIELDS), as the engine lists them. */
const VARY_NAMES = new Map();
const hasOwn = Object.prototype.hasOwnProperty;

/** `h[name]` when it is the object's own field (a header named `constructor` is not inherited). */
function own(h, name) {
    return hasOwn.call(h, name) ? h[name] : undefined;
}

function extensionOptions(options) {
    let ext = null;
    for (const key of EXTENSION_OPTIONS) {
        const value = options[key];
        if (value !== undefined) {
            if (ext === null) ext = {};
            ext[key] = value;
        }
    }
    return ext;
}

/**
 * Header objects as the original takes them; also Node's flat `rawHeaders` arrays, arrays of
 * `[name, value]` pairs, and WHATWG `Headers`: names lower-cased, repeated lines as arrays.
 */
function headersObject(headers) {
    if (headers === null || typeof headers !== 'object') return headers;
    if (Array.isArray(headers)) return fromLines(headers);
    if (typeof headers.entries === 'function' && typeof headers.get === 'function') {
        return fromPairs(headers.entries());
    }
    return headers;
}

function addLine(out, name, value) {
    const key = String(name).toLowerCase();
    const v = String(value);
    if (!hasOwn.call(out, key)) out[key] = v;
    else if (Array.isArray(out[key])) out[key].push(v);
    else out[key] = [out[key], v];
}

function fromLines(lines) {
    const out = Object.create(null);
    if (lines.length > 0 && Array.isArray(lines[0])) {
        for (const [name, value] of lines) addLine(out, name, value);
    } else {
        for (let i = 0; i + 1 < lines.length; i += 2) addLine(out, lines[i], lines[i + 1]);
    }
    return out;
}

function fromPairs(entries) {
    const out = Object.create(null);
    for (const [name, value] of entries) addLine(out, name, value);
    return out;
}

/** A header object as a flat `[name, value, …]` list for the exact-lines functions. */
function flatten(headers, out = [], skip = null) {
    if (headers === null || typeof headers !== 'object') return out;
    for (const name in headers) {
        if (skip !== null && skip[name] === true) continue;
        const value = headers[name];
        if (Array.isArray(value)) {
            for (const v of value) out.push(name, String(v));
        } else if (value !== undefined && value !== null) {
            out.push(name, String(value));
        }
    }
    return out;
}

/** The lines of a header list given as an array or `Headers`, in order (`null` for objects). */
function rawLines(headers) {
    if (headers === null || typeof headers !== 'object') return null;
    let entries;
    if (Array.isArray(headers)) {
        if (headers.length > 0 && Array.isArray(headers[0])) entries = headers;
        else {
            const out = [];
            for (let i = 0; i + 1 < headers.length; i += 2) out.push(String(headers[i]).toLowerCase(), String(headers[i + 1]));
            return out;
        }
    } else if (typeof headers.entries === 'function' && typeof headers.get === 'function') {
        entries = headers.entries();
    } else {
        return null;
    }
    const out = [];
    for (const [n, v] of entries) out.push(String(n).toLowerCase(), String(v));
    return out;
}

/*
 * Compact transfer of header lines (`unpack` in src/lib.rs): the names and values are appended
 * to one string and their lengths written into the per-thread Int32Array, so that the addon
 * reads a whole list with one Node-API call instead of several per line. PIECES keeps the
 * strings packed, so that the addon can answer with references to them instead of new strings.
 */
const PACK = T.lengths;
/** Added to a name reference the addon answers with when the name is not lower-case. */
const LOWER_CASE = T.lowerCaseRef;
const PIECES = [];
let packText = '';
let packCount = 0;
/** A value packed was not a string (see `_revalidate`). */
let packConverted = false;
/** Counts packings: a `toString` that packs while another packing runs is noticed. */
let packEpoch = 0;

function packStart() {
    packText = '';
    packCount = 0;
    packConverted = false;
    return ++packEpoch;
}

/** Whether `packPiece` keeps the strings in PIECES (only those the addon may refer to). */
let packKeep = false;

function packPiece(s) {
    packText += s;
    PACK[4 + packCount] = s.length;
    if (packKeep) PIECES[packCount] = s;
    packCount++;
}

/** Packs one field's lines as `flatten` lists them; returns their number. */
function packValue(name, value) {
    if (typeof value === 'string') {
        packPiece(name);
        packPiece(value);
        return 1;
    }
    if (Array.isArray(value)) {
        for (const v of value) {
            if (typeof v !== 'string') packConverted = true;
            packPiece(name);
            packPiece(String(v));
        }
        return value.length;
    }
    if (value === undefined || value === null) return 0;
    packConverted = true;
    packPiece(name);
    packPiece(String(value));
    return 1;
}

/** Packs a header object's lines as `flatten` lists them; returns their number. */
function packObject(headers, skip) {
    if (headers === null || typeof headers !== 'object') return 0;
    let lines = 0;
    for (const name in headers) {
        if (skip !== null && skip[name] === true) continue;
        lines += packValue(name, headers[name]);
    }
    return lines;
}

/** Packs a flat `[name, value, …]` list of strings; returns the number of lines. */
function packFlat(flat) {
    let lines = 0;
    for (let i = 0; i + 1 < flat.length; i += 2) {
        packPiece(flat[i]);
        packPiece(flat[i + 1]);
        lines++;
    }
    return lines;
}

function toPairs(flat) {
    const out = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
    return out;
}

/** `Date` for the current second, formatted once per second (only with `replaceDate`). */
let dateSecond = NaN;
let dateText = '';
function httpDate(ms) {
    const second = Math.floor(ms / 1000);
    if (second !== dateSecond) {
        dateSecond = second;
        dateText = new Date(second * 1000).toUTCString();
    }
    return dateText;
}

/** The original package's parse of Cache-Control into its `toObject()` format (`rescc`). */
function legacyDirectives(header) {
    const cc = {};
    if (!header) return cc;
    for (const part of String(header).trim().split(/,/)) {
        const [k, v] = part.split(/=/, 2);
        cc[k.trim()] = v === undefined ? true : v.trim().replace(/^"|"$/g, '');
    }
    return cc;
}

function legacyFormat(cc) {
    if (!cc || typeof cc !== 'object') return undefined;
    const parts = [];
    for (const k in cc) parts.push(cc[k] === true ? k : `${k}=${cc[k]}`);
    return parts.length ? parts.join(', ') : undefined;
}

function error(message, code) {
    const e = new Error(message);
    if (code) e.code = code;
    return e;
}

class CachePolicy {
    /**
     * @param {{url?: string, method?: string, headers: object}} req the request
     * @param {{status?: number, headers: object}} res the response to it
     * @param {object} [options] shared, cacheHeuristic, immutableMinTimeToLive (ms),
     *     ignoreCargoCult, and this package's extensions (see README.md)
     */
    constructor(req, res, options) {
        const opts = options === undefined || options === null ? EMPTY : options;
        if (opts._fromObject) {
            this._fromObject(opts._fromObject);
            return;
        }
        if (!res || !res.headers) {
            throw Error('Response headers missing');
        }
        this._assertRequestHasHeaders(req);
        // A policy `revalidatedPolicy` is building: the addon holds it already (see `_adopt`).
        const merged = ADOPT !== null && ADOPT.opts === opts && ADOPT.res === res && ADOPT.req === req ? ADOPT : null;
        const resHeaders = merged !== null ? merged.object : headersObject(res.headers);
        const reqHeaders = headersObject(req.headers);

        this._responseTime = this.now();
        this._requestTime = opts.requestTime != null ? +opts.requestTime : this._responseTime;
        if (opts.requestTime != null && !Number.isFinite(this._requestTime)) {
            throw error(`option requestTime must be a finite number of ms, got ${String(opts.requestTime)}`, 'ERR_CACHEPOLICY_INVALID_OPTION');
        }
        this._isShared = opts.shared !== false;
        this._sharedGiven = opts.shared !== undefined;
        this._ignoreCargoCult = !!opts.ignoreCargoCult;
        this._cacheHeuristic = opts.cacheHeuristic !== undefined ? opts.cacheHeuristic : 0.1;
        this._immutableMinTtl = opts.immutableMinTimeToLive !== undefined ? opts.immutableMinTimeToLive : 24 * 3600 * 1000;
        this._ext = opts === EMPTY ? null : extensionOptions(opts);
        this._status = 'status' in res ? res.status : 200;
        this._resHeaders = resHeaders;
        // Lines given as a list keep their order for the exact-lines methods.
        this._resLines = merged !== null ? merged.lines : resHeaders === res.headers ? null : rawLines(res.headers);
        this._method = 'method' in req ? req.method : 'GET';
        this._url = req.url;
        this._host = reqHeaders.host;
        // Present with any value, also empty (RFC 9111 §3.5 names the field; the original tests truthiness).
        this._noAuthorization = reqHeaders.authorization == null;
        // Like the original, keep the request's headers only when later requests are compared
        // with them (Vary), or when options key stored responses on request fields.
        this._reqHeaders = resHeaders.vary || this._keepsRequest() ? reqHeaders : null;
        this._reqCC = reqHeaders['cache-control'];
        // `toObject()`'s rescc and reqcc, made once when first asked (as the original keeps them).
        this._rescc = undefined;
        this._reqcc = undefined;
        this._invalidated = false;
        this._id = 0;
        if (merged !== null && this._adopts(merged)) this._adopt(merged);
        else this._load(reqHeaders);
    }

    /**
     * Whether the policy the addon merged (`_revalidate`) is the one `_load` would build from this
     * object: received at the time it was merged, with the options it was merged with, from
     * request fields that read the same both ways.
     */
    _adopts(m) {
        if (!m.exact || this._responseTime !== m.now || this._requestTime !== m.now) return false;
        // `_load` passes no Authorization when this object says there is none.
        if (this._noAuthorization && m.authorization) return false;
        if (this._isShared !== m.isShared || this._ignoreCargoCult !== m.ignoreCargoCult) return false;
        if (this._cacheHeuristic !== m.cacheHeuristic || this._immutableMinTtl !== m.immutableMinTtl) return false;
        const a = this._ext;
        const b = m.ext;
        if (a === b) return true;
        if (a === null || b === null) return false;
        for (const key of EXTENSION_OPTIONS) if (a[key] !== b[key]) return false;
        // `shared` given or not decides only with a profile.
        return this._sharedGiven === m.sharedGiven || a.profile === undefined || a.profile === null;
    }

    /** Takes the facts `_load` reads from the addon from the merge that built the policy. */
    _adopt(m) {
        this._varyNames = m.names;
        this._id = m.id;
        this._notStorable = m.notStorable;
        this._npmMaxAge = m.npmMaxAge;
        this._lifetime = m.lifetime;
        this._dateValue = m.dateValue;
        this._datePlan = m.datePlan;
        this._agePlan = m.agePlan;
        this._source = m.source;
        this._invalidated = m.invalidated;
        this._plan = m.plan;
        this._clearNumbers();
    }

    /**
     * Forgets the time-dependent numbers (`_keepNumbers`). Every field is made here, not when
     * first kept: all policies then have one shape, and the loads of their fields stay monomorphic.
     */
    _clearNumbers() {
        this._numbersAt = NaN;
        this._ageAt = NaN;
        this._age = NaN;
        this._ageHeader = NaN;
        this._retention = NaN;
        this._timeToLive = NaN;
        this._isStale = false;
        this._withinSwr = false;
    }

    _keepsRequest() {
        const ext = this._ext;
        return ext !== null && (ext.storeAuthenticated || ext.bypassRangeAndConditional || ext.profile === 'accelerator');
    }

    /** Builds (or rebuilds, after eviction) the engine's policy from this object. */
    _load(reqHeaders) {
        const h = this._resHeaders || EMPTY;
        const q = reqHeaders || this._reqHeaders;
        const vary = h.vary;
        let names = vary === undefined ? NO_NAMES : typeof vary === 'string' ? VARY_NAMES.get(vary) : undefined;
        // Every value is read before the scratch is written: a getter may run the caller's code.
        const setCookie = h['set-cookie'] !== undefined;
        const reqCC = q ? q['cache-control'] : this._reqCC;
        const host = this._host;
        // Whatever its type: one line, as `_state` gives it.
        const authorization = this._noAuthorization ? undefined : q && q.authorization !== undefined ? String(q.authorization) : '';
        const cc = h['cache-control'];
        const pragma = h.pragma;
        const date = h.date;
        const expires = h.expires;
        const lastModified = h['last-modified'];
        const age = h.age;
        const etag = h.etag;
        const contentLocation = h['content-location'];
        const location = h.location;
        const connection = h.connection;
        // The values of the request fields the Vary value names, when known (read here too).
        const n = names === undefined ? 0 : names.length;
        const value0 = n > 0 && q ? own(q, names[0]) : undefined;
        const values = n > 1 ? names.map((name) => (q ? own(q, name) : undefined)) : NO_NAMES;
        // Not strings: read as `String(value)` by the addon; `undefined` and `null` are absent.
        const method = this._method === null ? undefined : this._method;
        const url = this._url === null ? undefined : this._url;
        const ext = this._ext;
        this._scratchState();
        S[ID] = this._id;
        S[FLAGS] += (names === undefined ? F_WANT_NAMES : 0) + (setCookie ? F_SET_COOKIE : 0);
        // Bit i: the i-th header-field argument is present (absent ones are not read).
        S[PRESENT] =
            (reqCC != null ? 1 : 0) |
            (host != null ? 4 : 0) |
            (authorization != null ? 8 : 0) |
            (cc != null ? 16 : 0) |
            (pragma != null ? 32 : 0) |
            (date != null ? 64 : 0) |
            (expires != null ? 128 : 0) |
            (lastModified != null ? 256 : 0) |
            (age != null ? 512 : 0) |
            (etag != null ? 1024 : 0) |
            (vary != null ? 2048 : 0) |
            (contentLocation != null ? 8192 : 0) |
            (location != null ? 16384 : 0) |
            (connection != null ? 32768 : 0);
        // After the options: the values of the request fields the Vary value names, when known.
        const extras =
            n === 0
                ? native.load(method, url, q, reqCC, undefined, host, authorization, h, cc, pragma, date, expires,
                      lastModified, age, etag, vary, undefined, contentLocation, location, connection, ext)
                : n === 1
                  ? native.load(method, url, q, reqCC, undefined, host, authorization, h, cc, pragma, date, expires,
                        lastModified, age, etag, vary, undefined, contentLocation, location, connection, ext, value0)
                  : native.load(method, url, q, reqCC, undefined, host, authorization, h, cc, pragma, date, expires,
                        lastModified, age, etag, vary, undefined, contentLocation, location, connection, ext, ...values);
        if (names === undefined) {
            names = extras[1];
            if (typeof vary === 'string') {
                if (VARY_NAMES.size >= 1000) VARY_NAMES.clear();
                VARY_NAMES.set(vary, names);
            }
        }
        this._varyNames = names;
        this._id = S[ID];
        this._notStorable = S[NOT_STORABLE];
        this._npmMaxAge = S[NPM_MAX_AGE];
        this._lifetime = S[LIFETIME];
        this._dateValue = S[DATE_VALUE];
        this._datePlan = S[DATE_PLAN];
        this._agePlan = S[AGE_PLAN];
        this._source = S[SOURCE];
        this._invalidated = S[INVALIDATED] === 1;
        this._plan = extras;
        this._clearNumbers();
    }

    /** Writes the stored state's numbers into the scratch. */
    _scratchState() {
        const status = this._status;
        const n = typeof status === 'number' ? status : +status;
        // Not an integer (200.5): refused as the engine refuses a status outside 100–999.
        S[STATUS] = n === Math.floor(n) ? n : NaN;
        S[CACHE_HEURISTIC] = this._cacheHeuristic;
        S[IMMUTABLE_MIN_TTL] = this._immutableMinTtl;
        S[RESPONSE_TIME] = this._responseTime;
        S[REQUEST_TIME] = this._requestTime;
        S[FLAGS] =
            (this._isShared ? F_SHARED : 0) |
            (this._ignoreCargoCult ? F_IGNORE_CARGO_CULT : 0) |
            (this._invalidated ? F_INVALIDATED : 0) |
            (this._sharedGiven !== false ? F_SHARED_GIVEN : 0) |
            (this._ext !== null ? F_HAS_OPTIONS : 0);
    }

    /**
     * You can monkey-patch it for testing.
     * @returns {number} Current time in milliseconds.
     */
    now() {
        return Date.now();
    }

    _assertRequestHasHeaders(req) {
        if (!req || !req.headers) {
            throw Error('Request headers missing');
        }
    }

    /** One `decide` call for a request (reloading the policy if it was evicted). */
    _decide(mode, req, h, now) {
        let r = this._decideOnce(mode, req, h, now);
        if (S[MISS] !== 0) {
            this._load(null);
            r = this._decideOnce(mode, req, h, now);
        }
        if (mode === MODE_DECISION || mode === MODE_EVALUATE) {
            // `decide` answers the age too (responseHeaders() needs it right after).
            this._ageAt = now;
            this._age = S[AGE];
            this._ageHeader = S[AGE_HEADER];
        }
        return r;
    }

    _decideOnce(mode, req, h, now) {
        const method = req.method ? req.method : this._method;
        // The stored URL again (the usual case) is not sent: the addon reads the policy's own.
        const sameUrl = typeof this._url === 'string' && req.url === this._url;
        const url = this._url === undefined || sameUrl ? undefined : req.url;
        const names = this._varyNames;
        const cc = h['cache-control'];
        const pragma = h.pragma;
        const host = h.host;
        const authorization = h.authorization;
        const ifNoneMatch = h['if-none-match'];
        const ifModifiedSince = h['if-modified-since'];
        const ifMatch = h['if-match'];
        const ifUnmodifiedSince = h['if-unmodified-since'];
        const ifRange = h['if-range'];
        const range = h.range;
        const connection = h.connection;
        // Read before the scratch is written (a getter may run the caller's code).
        const value0 = names.length > 0 ? own(h, names[0]) : undefined;
        const values = names.length > 1 ? names.map((n) => own(h, n)) : NO_NAMES;
        S[ID] = this._id;
        S[NOW] = now;
        // Bit i: the i-th of REQUEST_FIELDS is present (absent ones are not read).
        S[PRESENT] =
            (cc != null ? 1 : 0) |
            (pragma != null ? 2 : 0) |
            (host != null ? 4 : 0) |
            (authorization != null ? 8 : 0) |
            (ifNoneMatch != null ? 16 : 0) |
            (ifModifiedSince != null ? 32 : 0) |
            (ifMatch != null ? 64 : 0) |
            (ifUnmodifiedSince != null ? 128 : 0) |
            (ifRange != null ? 256 : 0) |
            (range != null ? 512 : 0) |
            (connection != null ? 1024 : 0) |
            (sameUrl ? SAME_URL : 0);
        switch (names.length) {
            case 0:
                return native.decide(mode, method, url, h, cc, pragma, host, authorization, ifNoneMatch,
                    ifModifiedSince, ifMatch, ifUnmodifiedSince, ifRange, range, connection);
            case 1:
                return native.decide(mode, method, url, h, cc, pragma, host, authorization, ifNoneMatch,
                    ifModifiedSince, ifMatch, ifUnmodifiedSince, ifRange, range, connection, value0);
            default:
                return native.decide(mode, method, url, h, cc, pragma, host, authorization, ifNoneMatch,
                    ifModifiedSince, ifMatch, ifUnmodifiedSince, ifRange, range, connection, ...values);
        }
    }

    _keepNumbers(now) {
        this._numbersAt = now;
        this._ageAt = now;
        this._age = S[AGE];
        this._ageHeader = S[AGE_HEADER];
        this._retention = S[RETENTION];
        this._timeToLive = S[TIME_TO_LIVE];
        this._isStale = S[STALE] === 1;
        this._withinSwr = S[STALE_WHILE_REVALIDATE] === 1;
    }

    /** The time-dependent numbers at `now` (one call per distinct `now`). */
    _numbers(now) {
        if (now === this._numbersAt) return;
        S[ID] = this._id;
        S[NOW] = now;
        native.numbers();
        if (S[MISS] !== 0) {
            this._load(null);
            S[ID] = this._id;
            S[NOW] = now;
            native.numbers();
        }
        this._keepNumbers(now);
    }

    /**
     * @returns {boolean} `false` if the response can never be cached.
     */
    storable() {
        return this._notStorable === 0;
    }

    /**
     * True when the stored response can be used for `req` without contacting the server: it is
     * fresh, or the request's `max-stale` accepts it.
     */
    satisfiesWithoutRevalidation(req) {
        this._assertRequestHasHeaders(req);
        this._decide(MODE_DECISION, req, headersObject(req.headers), this.now());
        const d = S[DECISION];
        return d === FRESH || d === STALE_HIT;
    }

    /**
     * How the cache can answer `req`: `{response?: {headers, status}, revalidation?: {headers,
     * synchronous}}`, as the original returns it.
     */
    evaluateRequest(req) {
        this._assertRequestHasHeaders(req);
        const h = headersObject(req.headers);
        const r = this._decide(MODE_EVALUATE, req, h, this.now());
        const d = S[DECISION];
        if (d === FRESH || d === STALE_HIT) {
            return {
                response: { headers: this.responseHeaders(), status: this._status },
                revalidation: undefined,
            };
        }
        const revalidation = { synchronous: d !== STALE_WHILE_REVALIDATE_HIT, headers: this._revalidationCopy(h, r) };
        if (d === STALE_WHILE_REVALIDATE_HIT) {
            return { response: { headers: this.responseHeaders(), status: this._status }, revalidation };
        }
        return { response: undefined, revalidation };
    }

    /**
     * The response headers to serve the stored response with: hop-by-hop and other unservable
     * fields removed, `Age` updated (RFC 9111 §3.1, §5.1).
     */
    responseHeaders() {
        const now = this.now();
        if (now !== this._ageAt) this._numbers(now);
        const h = this._resHeaders;
        const out = {};
        for (const name in h) {
            if (RESPONSE_DROP.has(name)) continue;
            out[name] = h[name];
        }
        const plan = this._plan;
        if (plan !== undefined) {
            for (let i = 2; i + 1 < plan.length; i += 2) {
                if (plan[i + 1] === null) delete out[plan[i]];
                else out[plan[i]] = plan[i + 1];
            }
        }
        const datePlan = this._datePlan;
        if (datePlan === PLAN_NOW) {
            // In place, as the engine replaces the stored Date.
            out.date = httpDate(now);
        } else if (datePlan !== PLAN_KEEP) {
            delete out.date;
            if (datePlan === PLAN_FIXED) out.date = plan[0];
        }
        if (this._agePlan === AGE_PER_CALL) out.age = `${this._ageHeader}`;
        else delete out.age;
        return out;
    }

    /** The status code of the stored response. */
    status() {
        return this._status;
    }

    /** The response's `Date` (ms), or the time it was received when it has no valid one. */
    date() {
        return this._dateValue;
    }

    /** The current age in seconds (RFC 9111 §4.2.3). May be fractional. */
    age() {
        const now = this.now();
        if (now !== this._ageAt) this._numbers(now);
        return this._age / 1000;
    }

    /** The freshness lifetime in seconds (RFC 9111 §4.2.1); 0 for a response that is not storable. */
    maxAge() {
        return this._npmMaxAge / 1000;
    }

    /**
     * How long the entry is worth keeping, in ms: until the end of its freshness plus the
     * stale-while-revalidate / stale-if-error windows it may be served in.
     */
    timeToLive() {
        this._numbers(this.now());
        return Math.round(this._retention);
    }

    /** True when the age has reached the freshness lifetime (RFC 9111 §4.2). */
    stale() {
        this._numbers(this.now());
        return this._isStale;
    }

    /** True while stale-while-revalidate allows serving the stale response (RFC 5861 §3). */
    useStaleWhileRevalidate() {
        this._numbers(this.now());
        return this._withinSwr;
    }

    static fromObject(obj) {
        return new this(undefined, undefined, { _fromObject: obj });
    }

    _fromObject(obj) {
        if (this._responseTime) throw Error('Reinitialized');
        if (!obj || obj.v !== 1 || !Number.isFinite(obj.t) || (obj.rt !== undefined && !Number.isFinite(obj.rt))) {
            throw Error('Invalid serialization');
        }
        this._responseTime = obj.t;
        this._requestTime = obj.rt !== undefined ? obj.rt : obj.t;
        this._isShared = obj.sh;
        this._sharedGiven = obj.x ? obj.shg === true : true;
        // In the constructor's order: the objects both make have one shape (monomorphic loads).
        this._ignoreCargoCult = !!obj.icc;
        this._cacheHeuristic = obj.ch;
        this._immutableMinTtl = obj.imm !== undefined ? obj.imm : 24 * 3600 * 1000;
        this._ext = obj.x && typeof obj.x === 'object' ? obj.x : null;
        this._status = obj.st;
        this._resHeaders = obj.resh;
        this._resLines = null;
        this._method = obj.m;
        this._url = obj.u;
        this._host = obj.h;
        this._noAuthorization = obj.a;
        this._reqHeaders = obj.reqh;
        this._reqCC = legacyFormat(obj.reqcc);
        this._rescc = undefined;
        this._reqcc = undefined;
        this._invalidated = !!obj.inv;
        this._id = 0;
        this._load(null);
    }

    /** A JSON-serializable object in the original package's format (version 1). */
    toObject() {
        const obj = {
            v: 1,
            t: this._responseTime,
            sh: this._isShared,
            ch: this._cacheHeuristic,
            imm: this._immutableMinTtl,
            icc: this._ignoreCargoCult,
            st: this._status,
            resh: this._resHeaders,
            rescc: this._rescc === undefined ? (this._rescc = this._legacyResponseDirectives()) : this._rescc,
            m: this._method,
            u: this._url,
            h: this._host,
            a: this._noAuthorization,
            reqh: this._reqHeaders,
            reqcc: this._reqcc === undefined ? (this._reqcc = legacyDirectives(this._reqCC)) : this._reqcc,
        };
        // This package's additions; the original ignores unknown keys.
        if (this._requestTime !== this._responseTime) obj.rt = this._requestTime;
        if (this._invalidated) obj.inv = true;
        if (this._ext !== null) {
            obj.x = this._ext;
            if (this._sharedGiven) obj.shg = true;
        }
        return obj;
    }

    /** `rescc` as the original writes it (it reads it back instead of parsing `resh`). */
    _legacyResponseDirectives() {
        const h = this._resHeaders || EMPTY;
        const cc = legacyDirectives(h['cache-control']);
        if (this._ignoreCargoCult && 'pre-check' in cc && 'post-check' in cc) {
            for (const k of ['pre-check', 'post-check', 'no-cache', 'no-store', 'must-revalidate']) delete cc[k];
        }
        if (h['cache-control'] == null && /no-cache/.test(h.pragma)) cc['no-cache'] = true;
        return cc;
    }

    /**
     * The request headers to send to the origin server to revalidate the stored response
     * (RFC 9111 §4.3.1): hop-by-hop fields removed, validators added when it can be used.
     */
    revalidationHeaders(incomingReq) {
        this._assertRequestHasHeaders(incomingReq);
        const h = headersObject(incomingReq.headers);
        const r = this._decide(MODE_REVALIDATION, incomingReq, h, this.now());
        return this._revalidationCopy(h, r);
    }

    /** Copies request headers as the last `decide` instructed. */
    _revalidationCopy(h, returned) {
        const out = {};
        for (const name in h) {
            if (REVALIDATION_DROP.has(name)) continue;
            out[name] = h[name];
        }
        for (let i = 0; i < REQUEST_FIELDS.length; i++) {
            const code = S[REVALIDATION + i];
            if (code === KEEP) continue;
            const name = REQUEST_FIELDS[i];
            if (code === DELETE) delete out[name];
            else if (code === SET_RETURNED) out[name] = returned;
            else if (code === SET_ETAG) out[name] = this._resHeaders.etag;
            else if (code === SET_LAST_MODIFIED) out[name] = this._resHeaders['last-modified'];
        }
        if (Array.isArray(returned)) {
            for (let i = 0; i + 1 < returned.length; i += 2) {
                if (returned[i + 1] === null) delete out[returned[i]];
                else out[returned[i]] = returned[i + 1];
            }
        }
        return out;
    }

    /**
     * Merges the server's answer to a revalidation request (RFC 9111 §4.3.3–§4.3.5):
     * `{policy, modified, matches}`. `response` may be missing when the server could not be
     * reached: then the stored response is kept while stale-if-error allows.
     */
    revalidatedPolicy(request, response) {
        this._assertRequestHasHeaders(request);
        const now = this.now();
        const h = headersObject(request.headers);
        if (!response) {
            // No answer at all: keep the stored response while stale-if-error allows.
            this._decide(MODE_STALE_IF_ERROR, request, h, now);
            if (S[STALE_IF_ERROR] === 1) return { policy: this, modified: false, matches: true };
            throw Error('Response headers missing');
        }
        if (!response.headers) {
            // An answer without headers: only an error the engine may answer with stale-if-error.
            const status = 'status' in response ? response.status : 200;
            this._full(FULL_REVALIDATE, now, request, h, typeof status === 'number' ? status : +status, EMPTY);
            if (T.outcomes[S[OUTCOME]] === 'stale_if_error') return { policy: this, modified: false, matches: true };
            throw Error('Response headers missing');
        }
        const status = 'status' in response ? response.status : 200;
        const newStatus = typeof status === 'number' ? status : +status;
        const m = this._revalidate(now, request, h, newStatus, response.headers);
        const merged = m === false ? this._full(FULL_REVALIDATE, now, request, h, newStatus, response.headers) : m === undefined ? undefined : m.flat;
        const outcome = T.outcomes[S[OUTCOME]];
        const modified = S[MODIFIED] === 1;
        const matches = S[MATCHES] === 1;
        let policy = this;
        if (outcome === 'not_modified') {
            const req = { method: this._method, url: request.url, headers: h };
            const res = { status: this._status, headers: merged };
            const options = this._options();
            if (m) {
                m.req = req;
                m.res = res;
                m.opts = options;
                ADOPT = m;
            }
            try {
                policy = new this.constructor(req, res, options);
            } finally {
                ADOPT = null;
            }
        } else if (outcome === 'modified') {
            policy = new this.constructor(request, response, this._options());
        } else if (outcome === 'head_mismatch') {
            policy = this.constructor.fromObject(Object.assign(this.toObject(), { inv: true }));
        }
        return { policy, modified, matches };
    }

    _options() {
        const options = {
            // With a profile, `shared` not given means the profile's (not the default, true).
            shared: this._sharedGiven || this._ext === null || this._ext.profile == null ? this._isShared : undefined,
            cacheHeuristic: this._cacheHeuristic,
            immutableMinTimeToLive: this._immutableMinTtl,
            ignoreCargoCult: this._ignoreCargoCult,
        };
        return this._ext === null ? options : Object.assign(options, this._ext);
    }

    /**
     * Merges an answer with headers in one `revalidate` call, every field packed into one string
     * (see `packPiece`). Returns `false` when the fields do not fit or are not all text the addon
     * reads one byte per character (then `_full` does it), `undefined` unless not modified, else
     * the merged lines as `flat` (as `full` returns them) and what the new policy's constructor
     * adopts (`_adopt`): the addon keeps the merged policy under a new id.
     */
    _revalidate(now, req, h, newStatus, newResHeaders) {
        const epoch = packStart();
        // The stored request fields, as `_state` lists them.
        const q = this._reqHeaders;
        let stored = 0;
        if (this._host !== undefined && this._host !== null) {
            packPiece('host');
            packPiece(String(this._host));
            stored++;
        }
        if (!this._noAuthorization) {
            packPiece('authorization');
            packPiece(q && q.authorization !== undefined ? String(q.authorization) : '');
            stored++;
        }
        stored += packValue('cache-control', this._reqCC);
        stored += packObject(q, STATE_FIELDS);
        // The addon refers to the response lines' strings only.
        packKeep = true;
        const response = this._resLines !== null ? packFlat(this._resLines) : packObject(this._resHeaders, null);
        packKeep = false;
        packConverted = false;
        const lines = rawLines(req.headers);
        const request = lines !== null ? packFlat(lines) : packObject(h, null);
        // The engine merges with the request's lines as packed; `_load` reads strings the same
        // way (see `_adopts`), and passes Authorization as one line.
        const authorization = h.authorization != null;
        const exact = !packConverted && (!authorization || typeof h.authorization === 'string');
        const newLines = rawLines(newResHeaders);
        packKeep = true;
        const answer = newLines !== null ? packFlat(newLines) : packObject(newResHeaders, null);
        packKeep = false;
        if (4 + packCount > PACK.length || packEpoch !== epoch) return false;
        PACK[0] = stored;
        PACK[1] = response;
        PACK[2] = request;
        PACK[3] = answer;
        this._scratchState();
        S[NOW] = now;
        S[OUTCOME] = newStatus;
        const r = native.revalidate(
            typeof this._method === 'string' ? this._method : undefined,
            typeof this._url === 'string' ? this._url : undefined,
            req.method ? req.method : this._method,
            this._url !== undefined ? req.url : undefined,
            this._ext,
            packText,
        );
        if (S[OUTCOME] < 0) return false;
        if (T.outcomes[S[OUTCOME]] !== 'not_modified') return undefined;
        // The merged lines: references to the strings packed, or text the addon returned.
        const text = typeof r === 'string' ? r : r[1];
        let at = 0;
        const count = PACK[0];
        const flat = [];
        const object = Object.create(null);
        const merged = [];
        for (let k = 1; k < 1 + 2 * count; k += 2) {
            // A name reference ≥ LOWER_CASE: the name is not lower-case.
            const nameRef = PACK[k];
            const valueRef = PACK[k + 1];
            let name;
            if (nameRef >= 0) name = PIECES[nameRef >= LOWER_CASE ? nameRef - LOWER_CASE : nameRef];
            else {
                name = text.slice(at, at - 1 - nameRef);
                at -= 1 + nameRef;
            }
            let value;
            if (valueRef >= 0) value = PIECES[valueRef];
            else {
                value = text.slice(at, at - 1 - valueRef);
                at -= 1 + valueRef;
            }
            flat.push(name, value);
            // As `fromLines` and `rawLines` hold them.
            const key = nameRef >= LOWER_CASE || nameRef < 0 ? name.toLowerCase() : name;
            merged.push(key, value);
            const previous = object[key];
            if (previous === undefined) object[key] = value;
            else if (Array.isArray(previous)) previous.push(value);
            else object[key] = [previous, value];
        }
        const names = [];
        for (let i = 1 + 2 * count + 1, end = i + PACK[i - 1]; i < end; i++) {
            names.push(text.slice(at, at + PACK[i]));
            at += PACK[i];
        }
        return {
            flat,
            object,
            lines: merged,
            exact,
            authorization,
            now,
            names,
            id: S[ID],
            notStorable: S[NOT_STORABLE],
            npmMaxAge: S[NPM_MAX_AGE],
            lifetime: S[LIFETIME],
            dateValue: S[DATE_VALUE],
            datePlan: S[DATE_PLAN],
            agePlan: S[AGE_PLAN],
            source: S[SOURCE],
            invalidated: S[INVALIDATED] === 1,
            plan: typeof r === 'string' ? undefined : r[0],
            // The options the addon merged with.
            isShared: this._isShared,
            sharedGiven: this._sharedGiven,
            ignoreCargoCult: this._ignoreCargoCult,
            cacheHeuristic: this._cacheHeuristic,
            immutableMinTtl: this._immutableMinTtl,
            ext: this._ext,
            // Set by `revalidatedPolicy`: the constructor's arguments.
            req: null,
            res: null,
            opts: null,
        };
    }

    /** The stored state as `full` takes it (every stored field). */
    _state() {
        const q = this._reqHeaders;
        const stored = [];
        if (this._host !== undefined && this._host !== null) flatten({ host: this._host }, stored);
        if (!this._noAuthorization) stored.push('authorization', q && q.authorization !== undefined ? String(q.authorization) : '');
        if (this._reqCC !== undefined && this._reqCC !== null) flatten({ 'cache-control': this._reqCC }, stored);
        flatten(q, stored, STATE_FIELDS);
        const status = this._status;
        return [
            this._method === null ? undefined : this._method,
            this._url === null ? undefined : this._url,
            stored,
            this._resLines || flatten(this._resHeaders),
            this._ext,
            typeof status === 'number' ? status : +status,
            // As numbers, as the scratch array converts them for `load` ('0.5' is 0.5).
            +this._cacheHeuristic,
            +this._immutableMinTtl,
            this._responseTime,
            this._requestTime,
            (this._isShared ? F_SHARED : 0) |
                (this._ignoreCargoCult ? F_IGNORE_CARGO_CULT : 0) |
                (this._invalidated ? F_INVALIDATED : 0) |
                (this._sharedGiven !== false ? F_SHARED_GIVEN : 0),
        ];
    }

    /** Calls the engine with every stored field (exact header lists, revalidation, keys). */
    _full(op, now, req, h, newStatus, newResHeaders, extra) {
        // The lines first: `String(value)` may run the caller's code, which may use the scratch.
        const state = this._state();
        const lines = h ? (req && rawLines(req.headers)) || flatten(h) : [];
        const newLines = newResHeaders ? rawLines(newResHeaders) || flatten(newResHeaders) : null;
        S[NOW] = now;
        S[OUTCOME] = newStatus === undefined ? 0 : newStatus;
        return native.full(
            op,
            state,
            req ? (req.method ? req.method : this._method) : undefined,
            req && this._url !== undefined ? req.url : undefined,
            lines,
            newLines,
            extra,
        );
    }

    // ---- Beyond the original: separately named additions ----

    /** Why the response may not be stored (a reason code, see `describeReason`), or null. */
    notStorableReason() {
        return this._notStorable === 0 ? null : T.reasons[this._notStorable - 1];
    }

    /**
     * The engine's decision for `req` and why: `{decision, reason}`. Decisions: `fresh`,
     * `stale`, `stale_while_revalidate`, `revalidate`, `no_match`, `gateway_timeout`.
     */
    explainRequest(req) {
        this._assertRequestHasHeaders(req);
        this._decide(MODE_DECISION, req, headersObject(req.headers), this.now());
        const reason = S[REASON];
        return { decision: T.decisions[S[DECISION]], reason: reason === 0 ? null : T.reasons[reason - 1] };
    }

    /** The freshness lifetime in seconds (RFC 9111 §4.2.1), also for responses not storable. */
    freshnessLifetime() {
        return this._lifetime / 1000;
    }

    /** Where the freshness lifetime came from: `s-maxage`, `max-age`, `expires`, `heuristic`, `immutable`, `none`. */
    freshnessSource() {
        return T.sources[this._source];
    }

    /** Seconds until the response becomes stale: max(0, lifetime − age). */
    remainingFreshness() {
        this._numbers(this.now());
        return this._timeToLive / 1000;
    }

    /** Whether the stored response may be served when the origin fails to answer `req` (RFC 5861 §4). */
    withinStaleIfError(req) {
        this._assertRequestHasHeaders(req);
        this._decide(MODE_STALE_IF_ERROR, req, headersObject(req.headers), this.now());
        return S[STALE_IF_ERROR] === 1;
    }

    /** The URIs to invalidate after this (unsafe) request got this response (RFC 9111 §4.4). */
    invalidationTargets() {
        return this._full(FULL_INVALIDATION_TARGETS, this.now(), null, null);
    }

    /** The exact header lines to serve, `[name, value][]` (values sanitized, order and duplicates kept). */
    responseHeaderLines() {
        return toPairs(this._full(FULL_RESPONSE_LINES, this.now(), null, null));
    }

    /** The exact header lines of the conditional request for `req`, `[name, value][]`. */
    revalidationHeaderLines(req) {
        this._assertRequestHasHeaders(req);
        return toPairs(this._full(FULL_REVALIDATION_LINES, this.now(), req, headersObject(req.headers)));
    }

    /**
     * Where the response stands in a two-stage expiry at the current time: `fresh`,
     * `soft_expired` (serve it while one caller refreshes it) or `hard_expired`.
     */
    expiryStage() {
        return this._full(FULL_EXPIRY_STAGE, this.now(), null, null);
    }

    /**
     * Lost-update protection for a PUT, PATCH or DELETE to this response's URI (RFC 9110
     * §13.1.1, §13.1.4): the precondition lines to add, `[name, value][]` (empty when none).
     */
    lostUpdateHeaderLines(req) {
        this._assertRequestHasHeaders(req);
        return toPairs(this._full(FULL_LOST_UPDATE_LINES, this.now(), req, headersObject(req.headers)));
    }

    /** The primary cache key the response is stored under (RFC 9111 §2), e.g. `GET https://example.com/a`. */
    primaryKey() {
        return this._full(FULL_PRIMARY_KEY, this.now(), null, null);
    }

    /**
     * The secondary key (RFC 9111 §4.1): one `name=value` line per field the response's Vary
     * names, sorted; with `req`, the key that request has (equal exactly when Vary matches).
     */
    secondaryKey(req) {
        if (req === undefined) return this._full(FULL_SECONDARY_KEY, this.now(), null, null);
        this._assertRequestHasHeaders(req);
        return this._full(FULL_REQUEST_SECONDARY_KEY, this.now(), req, headersObject(req.headers));
    }

    /**
     * The `Cache-Status` member (RFC 9211) describing how this cache handled `req` with this
     * stored response. `params`: `{cache, fwdStatus, stored, collapsed, key}`.
     */
    cacheStatus(req, params) {
        this._assertRequestHasHeaders(req);
        return this._full(FULL_CACHE_STATUS, this.now(), req, headersObject(req.headers), undefined, undefined, params || EMPTY);
    }

    /** The primary cache key of a request (RFC 9111 §2). */
    static primaryKey(req) {
        const h = req && req.headers ? headersObject(req.headers) : EMPTY;
        S[NOW] = 0;
        return native.full(FULL_REQUEST_PRIMARY_KEY, undefined, req && req.method ? req.method : 'GET', req ? req.url : undefined, flatten(h), null);
    }

    /**
     * Of several stored responses for one primary key, the one to use for `req` (RFC 9111 §4.1):
     * the most recent of those that can answer it, or `undefined`.
     */
    static selectVariant(policies, req) {
        const list = Array.from(policies);
        if (list.length === 0) return undefined;
        const h = headersObject(req.headers);
        const [first, ...others] = list;
        const i = first._full(FULL_SELECT_VARIANT, first.now(), req, h, undefined, undefined, others.map((p) => p._state()));
        return i < 0 ? undefined : list[i];
    }

    /**
     * Checks an exchange as the engine does, every field included (method and header names
     * tokens, URL, status, options); throws the engine's error (`code` `ERR_CACHEPOLICY_…`).
     * The constructor, like the original's, does not look at header names.
     */
    static check(req, res, options) {
        const policy = new this(req, res, options);
        const state = policy._state();
        state[2] = rawLines(req.headers) || flatten(req.headers, []);
        S[NOW] = policy._responseTime;
        native.full(FULL_CHECK, state, undefined, undefined, [], null);
        return true;
    }

    /** A one-line explanation of a reason code. */
    static describeReason(code) {
        const i = T.reasons.indexOf(code);
        return i < 0 ? undefined : T.reasonTexts[i];
    }
}

/** The merge `revalidatedPolicy` is constructing a policy for (see `_adopt`), else null. */
let ADOPT = null;

/** Fields `_full` takes from the state rather than from the kept request headers. */
const STATE_FIELDS = nameSet(['host', 'authorization', 'cache-control']);

module.exports = CachePolicy;
