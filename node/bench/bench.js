'use strict';
// Side-by-side timing on shared/bench/workloads.json: this package against http-cache-semantics.
// Usage: node bench/bench.js [iterations-scale]
const path = require('node:path');
const fs = require('node:fs');

const workloadsPath = [
    path.join(__dirname, '../../shared/bench/workloads.json'),
    path.join(__dirname, '../../../shared/bench/workloads.json'),
    '/work/shared/bench/workloads.json',
].find((p) => fs.existsSync(p));
if (!workloadsPath) {
    console.error('shared/bench/workloads.json not found');
    process.exit(1);
}
const w = JSON.parse(fs.readFileSync(workloadsPath, 'utf8'));
const scale = Number(process.argv[2] || 1);

const implementations = {
    'http-cache-semantics': require('http-cache-semantics'),
    cachepolicy: require('..'),
};

const object = (lines) => Object.fromEntries(lines);
const req = { method: w.request.method, url: w.request.url, headers: object(w.request.headers) };
const res = { status: w.response.status, headers: object(w.response.headers) };
const newReq = { method: w.new_request.method, url: w.new_request.url, headers: object(w.new_request.headers) };
const notModified = { status: w.not_modified_response.status, headers: object(w.not_modified_response.headers) };
const t0 = w.t0 * 1000;

function time(fn, n) {
    for (let i = 0; i < Math.min(n, 20000); i++) fn();
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    return Number(process.hrtime.bigint() - start) / n;
}

const workloads = {
    A_hit(C) {
        let clock = t0;
        class P extends C { now() { return clock; } }
        return () => {
            clock = t0;
            const p = new P(req, res);
            clock = t0 + 10000;
            if (!p.storable() || !p.satisfiesWithoutRevalidation(newReq)) throw new Error('not a hit');
            return p.responseHeaders();
        };
    },
    B_revalidate(C) {
        let clock = t0;
        class P extends C { now() { return clock; } }
        const p = new P(req, res);
        clock = t0 + 7200 * 1000;
        return () => p.revalidationHeaders(newReq);
    },
    C_304(C) {
        let clock = t0;
        class P extends C { now() { return clock; } }
        const p = new P(req, res);
        clock = t0 + 4600 * 1000;
        return () => {
            const r = p.revalidatedPolicy(newReq, notModified);
            if (r.modified) throw new Error('modified');
            return r;
        };
    },
    D_roundtrip(C) {
        let clock = t0;
        class P extends C { now() { return clock; } }
        const p = new P(req, res);
        return () => P.fromObject(JSON.parse(JSON.stringify(p.toObject()))).storable();
    },
};

const iterations = { A_hit: 200000, B_revalidate: 500000, C_304: 50000, D_roundtrip: 50000 };
console.log(`node ${process.version}, best of 5 interleaved rounds, ns per iteration`);
for (const [name, make] of Object.entries(workloads)) {
    const n = Math.round(iterations[name] * scale);
    const best = {};
    for (let round = 0; round < 5; round++) {
        for (const [label, C] of Object.entries(implementations)) {
            const t = time(make(C), n);
            best[label] = Math.min(best[label] ?? Infinity, t);
        }
    }
    const original = best['http-cache-semantics'];
    const ours = best.cachepolicy;
    console.log(
        `${name.padEnd(13)} http-cache-semantics ${original.toFixed(0).padStart(6)} ns   cachepolicy ${ours.toFixed(0).padStart(6)} ns   ${(original / ours).toFixed(2)}x`,
    );
}
