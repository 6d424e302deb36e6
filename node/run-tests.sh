#!/usr/bin/env bash
# The Node binding's tests, as `make test-node` runs them, from a fresh clone:
# npm install (its `prepare`, build.js, builds the addon from source with cargo), node --test,
# then the type check.
set -euo pipefail
cd "$(dirname "$0")"
npm install --no-audit --no-fund
node --test test/
npx --no-install tsc -p tsconfig.json
echo "node: type check passed"
