#!/usr/bin/env bash
# The Python binding's test suite, as `make test-python` runs it; works from a fresh clone.
#
# 1. a fresh virtual environment (a temporary directory, removed afterwards);
# 2. `pip install ./python[test]`: the binding built from source through maturin (the abi3
#    wheel, CPython >= 3.10), plus pytest, requests, httpx and mypy from PyPI;
# 3. pytest from the repository root (inside python/ the source folder would shadow the
#    installed package) over python/tests: every shared vector in tests/vectors/, the API with
#    each input shape, errors, pickling, threads, the example;
# 4. mypy --strict on the typed examples.
#
# Environment: PYTHON (default python3) picks the interpreter; PIP_INSTALL_ARGS adds pip
# arguments, e.g. PIP_INSTALL_ARGS='--config-settings=build-args=--no-default-features' for
# the faster build for this interpreter only.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
python="${PYTHON:-python3}"

venv="$(mktemp -d "${TMPDIR:-/tmp}/cachepolicy-python-tests.XXXXXX")"
trap 'rm -rf "$venv"' EXIT

echo "== python: fresh virtual environment ($("$python" --version 2>&1))"
"$python" -m venv "$venv"
py="$venv/bin/python"

echo "== python: pip install ./python[test] (builds the extension from source)"
# shellcheck disable=SC2086
"$py" -m pip install --quiet --disable-pip-version-check ${PIP_INSTALL_ARGS:-} "./python[test]"

echo "== python: pytest python/tests"
"$py" -m pytest python/tests -q -p no:cacheprovider

echo "== python: mypy --strict on the typed examples"
"$py" -m mypy --strict --cache-dir "$venv/mypy-cache" python/tests/typing_example.py examples/python/cached_fetch.py

echo "== python: all passed"
