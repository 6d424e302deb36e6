#!/usr/bin/env bash
# Every benchmark of the project, one combined table (`make bench`; not part of `make test`).
#
#   bash bench/run.sh
#
# For each language and each workload of ../shared/bench/workloads.json (A fresh hit,
# B revalidation headers, C 304 merge, D serialize round trip): our time per operation, the
# peer's on identical inputs in the same run, the ratio and whether the target is met:
#   Rust    criterion: this engine vs the http-cache-semantics crate (+ building its http types)
#   C       the C ABI (static libcachepolicy.a) beside the Rust figure: the boundary's cost
#   Python  ./python vs CacheControl and hishel, in a virtual environment under target/bench
#           (the default abi3 build that `pip install ./python` makes, then the build for this
#           interpreter only; BENCH_PYTHON_NATIVE=0 skips the second)
#   Node    ./node vs the npm http-cache-semantics (node/bench/bench.js)
# plus Rust heap allocations per operation, callgrind instruction counts (A and B; C and D too), the
# serialized size of the workload's policy against the npm package's JSON.
#
# Everything is built first, then measured one after the other, so that our own compiles do
# not disturb the timings. Works from a fresh clone: installs valgrind from Debian when missing
# (as root), the peers from crates.io, PyPI and npm. Results and logs: target/bench/
# (report.txt, report.md, and the raw figures each report line comes from).
#
# Environment: CACHEPOLICY_WORKLOADS (default ../shared/bench/workloads.json beside the
# repository), WARM_UP / MEASUREMENT (criterion seconds, default 1 / 2), PYTHON (python3),
# BENCH_PYTHON_NATIVE (1).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=$root/target/bench
mkdir -p "$out"
started=$(date +%s)
step() { printf '== bench: %s\n' "$*" >&2; }
fail() {
    printf 'bench/run.sh: FAILED: %s\n' "$*" >&2
    exit 1
}
trap 'fail "command failed (line $LINENO): $BASH_COMMAND (logs in target/bench/)"' ERR

workloads=${CACHEPOLICY_WORKLOADS:-$root/../shared/bench/workloads.json}
[ -f "$workloads" ] || fail "workload file not found: $workloads (set CACHEPOLICY_WORKLOADS)"
workloads=$(cd "$(dirname "$workloads")" && pwd)/$(basename "$workloads")
export CACHEPOLICY_WORKLOADS=$workloads
python=${PYTHON:-python3}
warm_up=${WARM_UP:-1}
measurement=${MEASUREMENT:-2}

# ---- tools ----
missing=()
for tool in cargo node npm cc "$python"; do command -v "$tool" >/dev/null || fail "$tool is needed (see README.md)"; done
command -v valgrind >/dev/null || missing+=(valgrind)
if ((${#missing[@]})); then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        step "installing ${missing[*]} from Debian"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        fail "missing tools: ${missing[*]} (e.g. apt-get install ${missing[*]})"
    fi
fi

# ---- build everything ----
bench_target=$out/cargo
step "building the Rust benches (bench/, its own workspace; target/bench/cargo)"
(cd bench && CARGO_TARGET_DIR=$bench_target cargo build -q --release --bins && CARGO_TARGET_DIR=$bench_target cargo bench -q --bench workloads --no-run) >"$out/build-rust.log" 2>&1 ||
    { tail -30 "$out/build-rust.log" >&2; fail "building bench/"; }

step "building libcachepolicy.a (cargo build --release -p cachepolicy-ffi) and bench/c/bench.c"
cargo build -q --release -p cachepolicy-ffi >"$out/build-c.log" 2>&1 || { tail -30 "$out/build-c.log" >&2; fail "building the C library"; }
mkdir -p "$out/c"
"$python" bench/c/gen_workloads.py "$workloads" >"$out/c/workloads.h"
target_dir=${CARGO_TARGET_DIR:-$root/target}
cc -std=c99 -O2 -Wall -Wextra -Werror -Iinclude -I"$out/c" bench/c/bench.c -o "$out/c/bench" \
    "$target_dir/release/libcachepolicy.a" -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc

python_variants=(abi3)
[ "${BENCH_PYTHON_NATIVE:-1}" = 1 ] && python_variants+=(native)
for variant in "${python_variants[@]}"; do
    venv=$out/venv-$variant
    step "Python ($variant build): virtual environment target/bench/venv-$variant, pip install ./python + peers"
    {
        [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
        "$venv/bin/python" -m pip install -q --disable-pip-version-check -r bench/python/requirements.txt
        build_args=()
        [ "$variant" = native ] && build_args=(--config-settings=build-args=--no-default-features)
        "$venv/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "${build_args[@]}" ./python
    } >"$out/build-python-$variant.log" 2>&1 || { tail -30 "$out/build-python-$variant.log" >&2; fail "installing the Python environment ($variant)"; }
done

step "Node: npm install in node/ (builds the addon; http-cache-semantics 4.3.0 from npm)"
(cd node && npm install --no-audit --no-fund) >"$out/build-node.log" 2>&1 || { tail -30 "$out/build-node.log" >&2; fail "npm install in node/"; }

# ---- measure, one thing at a time ----
{
    echo "{"
    measured=(core ffi/src python/src node/src node/index.js include)
    dirty=""
    if [ -n "$(git status --porcelain -- "${measured[@]}" 2>/dev/null)" ]; then
        dirty=" + uncommitted changes (diff $(git diff HEAD -- "${measured[@]}" | sha256sum | cut -c1-10))"
    fi
    echo "  \"commit\": \"$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$dirty\","
    echo "  \"cpu\": \"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)\","
    echo "  \"mhz\": \"$(sed -n 's/^cpu MHz[[:space:]]*: //p' /proc/cpuinfo | head -1)\","
    echo "  \"nproc\": $(nproc),"
    echo "  \"load_start\": \"$(cut -d' ' -f1-3 /proc/loadavg)\","
    echo "  \"crate_version\": \"$(sed -n '/^name = "http-cache-semantics"$/{n;s/^version = "\(.*\)"$/\1/p}' bench/Cargo.lock)\","
    echo "  \"versions\": {\"rustc\": \"$(rustc --version | cut -d' ' -f2)\", \"criterion\": \"$(sed -n '/^name = "criterion"$/{n;s/^version = "\(.*\)"$/\1/p}' bench/Cargo.lock)\", \"http\": \"$(sed -n '/^name = "http"$/{n;s/^version = "\(.*\)"$/\1/p}' bench/Cargo.lock)\", \"cc\": \"$(cc -dumpfullversion 2>/dev/null || cc -dumpversion)\", \"valgrind\": \"$(valgrind --version | sed 's/valgrind-//')\"}"
    echo "}"
} >"$out/meta.json"

step "Rust: criterion (warm-up ${warm_up} s, measurement ${measurement} s per bench)"
rm -rf "$out/criterion"
(cd bench && CRITERION_HOME=$out/criterion CARGO_TARGET_DIR=$bench_target cargo bench -q --bench workloads -- \
    --warm-up-time "$warm_up" --measurement-time "$measurement" --noplot) >"$out/criterion.log" 2>&1 ||
    { tail -30 "$out/criterion.log" >&2; fail "criterion"; }

step "Rust: heap allocations per operation"
"$bench_target/release/allocs" >"$out/allocs.json"

step "Rust: instructions per operation under callgrind (A and B, and C and D for the analysis)"
mkdir -p "$out/callgrind"
few=100 many=1100
{
    echo "{"
    first=1
    for wl in A_hit B_revalidate C_304 D_roundtrip; do
        [ $first = 1 ] || echo ","
        first=0
        printf '  "%s": {' "$wl"
        sep=""
        for impl in ours crate; do
            for n in $few $many; do
                valgrind --tool=callgrind --callgrind-out-file="$out/callgrind/$impl-$wl-$n.out" \
                    "$bench_target/release/callgrind" "$impl" "$wl" "$n" >/dev/null 2>>"$out/callgrind/valgrind.log"
            done
            a=$(sed -n 's/^summary: //p' "$out/callgrind/$impl-$wl-$few.out")
            b=$(sed -n 's/^summary: //p' "$out/callgrind/$impl-$wl-$many.out")
            printf '%s"%s": %s' "$sep" "$impl" "$(((b - a) / (many - few)))"
            sep=", "
        done
        printf '}'
        # Where the instructions go, per operation: self and inclusive cost per function.
        for kind in self inclusive; do
            "$python" bench/callgrind_breakdown.py "$out/callgrind/ours-$wl-$few.out" "$out/callgrind/ours-$wl-$many.out" \
                "$few" "$many" --top 40 $([ $kind = inclusive ] && echo --inclusive) >"$out/callgrind/ours-$wl.$kind.txt"
        done
    done
    echo
    echo "}"
} >"$out/callgrind.json"

step "C: the C ABI (time, then instructions per operation under callgrind)"
"$out/c/bench" >"$out/c.jsonl"
{
    echo "{"
    sep=""
    for wl in A_hit B_revalidate C_304 D_roundtrip; do
        for n in $few $many; do
            valgrind --tool=callgrind --callgrind-out-file="$out/callgrind/c-$wl-$n.out" "$out/c/bench" "$wl" "$n" \
                >/dev/null 2>>"$out/callgrind/valgrind.log"
        done
        a=$(sed -n 's/^summary: //p' "$out/callgrind/c-$wl-$few.out")
        b=$(sed -n 's/^summary: //p' "$out/callgrind/c-$wl-$many.out")
        printf '%s  "%s": %s' "$sep" "$wl" "$(((b - a) / (many - few)))"
        sep=$',\n'
    done
    echo
    echo "}"
} >"$out/callgrind-c.json"

for variant in "${python_variants[@]}"; do
    label=Python
    [ "$variant" = native ] && label="Python (native build)"
    step "Python ($variant build) vs CacheControl and hishel"
    "$out/venv-$variant/bin/python" bench/python/bench.py "$workloads" --label "$label" >"$out/python-$variant.jsonl"
done
[ "${BENCH_PYTHON_NATIVE:-1}" = 1 ] || rm -f "$out/python-native.jsonl"

step "Node vs the npm http-cache-semantics"
(cd node && node bench/bench.js --json --workloads "$workloads") >"$out/node.jsonl"

"$python" - "$out/meta.json" <<'EOF'
import json, sys
p = sys.argv[1]
m = json.load(open(p))
m["load_end"] = " ".join(open("/proc/loadavg").read().split()[:3])
json.dump(m, open(p, "w"), indent=2)
EOF

trap - ERR
"$python" bench/report.py "$out" --markdown >"$out/report.md"
"$python" bench/report.py "$out" | tee "$out/report.txt"
printf '\nbench/run.sh: done in %ss; raw figures and logs in target/bench/ (report.md for docs/BENCHMARKS.md)\n' "$(($(date +%s) - started))"
