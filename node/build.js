'use strict';
// Builds the addon from source (package.json `prepare`): `cargo build --release` of this crate,
// then copies the library cargo produced to cachepolicy.node. Needs only cargo, so that
// `npm install ./node` works without this package's devDependencies.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const output = execFileSync(
    'cargo',
    ['build', '--release', '--manifest-path', path.join(__dirname, 'Cargo.toml'), '--message-format=json-render-diagnostics'],
    { cwd: __dirname, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 256 * 1024 * 1024 },
).toString();

let library;
for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    const message = JSON.parse(line);
    if (message.reason === 'compiler-artifact' && message.target.name === 'cachepolicy_node') {
        library = message.filenames.find((f) => /\.(so|dylib|dll)$/.test(f)) || library;
    }
}
if (!library) {
    console.error('build.js: cargo produced no cachepolicy_node library');
    process.exit(1);
}
fs.copyFileSync(library, path.join(__dirname, 'cachepolicy.node'));
console.log(`build.js: ${path.relative(__dirname, library)} -> cachepolicy.node`);
