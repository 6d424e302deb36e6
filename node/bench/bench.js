'use strict';
// Side-by-side timing on shared/bench/workloads.json: this package against http-cache-semantics
// (the npm original), in interleaved rounds of the same process.
//
// Usage: node bench/bench.js [iterations-scale] [--json] [--rounds N] [--workloads path]
//   --json   one JSON object per line (what bench/run.sh reads) instead of the text table
//
// A: new CachePolicy(req, res) at t0, storable(), satisfiesWithoutRevalidation(newReq) at
//    t0+10 s, responseHeaders(). B: revalidationHeaders(newReq) at t0+7200 s on a policy built
//    once. C: revalidatedPolicy(newReq, 304) at t0+4600 s (modified must be false). D:
//    fromObject(JSON.parse(JSON.stringify(toObject()))).storable(). Both packages get the same
//    header objects and the same clock (a subclass overriding now()).
const path = require('node:path');
const fs = require('node:fs');

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
};
const positional = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--') && args[i - 1] !== '--json'));

const workloadsPath = [
    option('--workloads'),
    process.env.CACHEPOLICY_WORKLOADS,
    path.join(__dirname, '../../../shared/bench/workloads.json'),
    path.join(__dirname, '../../shared/bench/workloads.json'),
    '/work/shared/bench/workloads.json',
].find((p) => p && fs.existsSync(p));
if (!workloadsPath) {
    console.error('shared/bench/workloads.json not found (pass --workloads path)');
    process.exit(1);
}
const w = JSON.parse(fs.readFileSync(workloadsPath, 'utf8'));
const scale = Number(positional[0] || 1);
const rounds = Number(option('--rounds') || 9);
const json = flag('--json');

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
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    return Number(process.hrtime.bigint() - start) / n;
}

const workloads = {
    A_hit(C) {
        let clock = t0;
        class P extends C {
            now() {
                return clock;
            }
        }
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
        class P extends C {
            now() {
                return clock;
            }
        }
        const p = new P(req, res);
        clock = t0 + 7200 * 1000;
        return () => p.revalidationHeaders(newReq);
    },
    C_304(C) {
        let clock = t0;
        class P extends C {
            now() {
                return clock;
            }
        }
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
        class P extends C {
            now() {
                return clock;
            }
        }
        const p = new P(req, res);
        return () => P.fromObject(JSON.parse(JSON.stringify(p.toObject()))).storable();
    },
};

// Sanity: both agree on the outcomes the workloads rely on.
for (const C of Object.values(implementations)) {
    for (const make of Object.values(workloads)) make(C)();
    const b = workloads.B_revalidate(C)();
    if (!('if-none-match' in b)) throw new Error('workload B: no if-none-match');
}

function serializedBytes(C) {
    let clock = t0;
    class P extends C {
        now() {
            return clock;
        }
    }
    return Buffer.byteLength(JSON.stringify(new P(req, res).toObject()));
}

const iterations = { A_hit: 100000, B_revalidate: 300000, C_304: 30000, D_roundtrip: 30000 };
const meta = {
    node: process.version,
    'http-cache-semantics': require('http-cache-semantics/package.json').version,
    cachepolicy: require('../package.json').version,
    serialized_bytes: Object.fromEntries(Object.entries(implementations).map(([k, C]) => [k, serializedBytes(C)])),
};
if (json) console.log(JSON.stringify({ lang: 'Node', meta }));
else console.log(`node ${process.version}, median of ${rounds} interleaved rounds, ns per iteration`);

const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
};

for (const [name, make] of Object.entries(workloads)) {
    const n = Math.max(1, Math.round((iterations[name] * scale) / rounds));
    const fns = Object.fromEntries(Object.entries(implementations).map(([label, C]) => [label, make(C)]));
    for (const fn of Object.values(fns)) time(fn, Math.min(n, 20000)); // warm-up, JIT
    const samples = Object.fromEntries(Object.keys(fns).map((k) => [k, []]));
    for (let round = 0; round < rounds; round++) {
        for (const [label, fn] of Object.entries(fns)) samples[label].push(time(fn, n));
    }
    const original = median(samples['http-cache-semantics']);
    const ours = median(samples.cachepolicy);
    if (json) {
        for (const [label, s] of Object.entries(samples)) {
            const impl = label === 'cachepolicy' ? 'ours' : label;
            console.log(JSON.stringify({ lang: 'Node', workload: name, impl, ns: median(s), min_ns: Math.min(...s), iterations: n, rounds }));
        }
    } else {
        console.log(
            `${name.padEnd(13)} http-cache-semantics ${original.toFixed(0).padStart(6)} ns   cachepolicy ${ours.toFixed(0).padStart(6)} ns   ${(original / ours).toFixed(2)}x`,
        );
    }
}
if (!json) console.log(`JSON.stringify(toObject()) bytes: ${JSON.stringify(meta.serialized_bytes)}`);
