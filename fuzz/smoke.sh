#!/usr/bin/env bash
# A short run of every fuzz target (`make fuzz-smoke`): ~30 s each by default, with AddressSanitizer
# and debug assertions (overflow checks) on, starting from the committed corpora in
# fuzz/corpus/<target>/. New inputs go to a temporary directory, so the corpora stay as committed.
#
#   bash fuzz/smoke.sh                 # every target, 30 s each
#   FUZZ_SECONDS=600 bash fuzz/smoke.sh lifecycle vary   # some targets, longer
#
# Needs cargo-fuzz (installed with `cargo install cargo-fuzz` when missing) and a nightly
# toolchain; without one, the stable toolchain is told to accept the nightly flags
# (RUSTC_BOOTSTRAP=1). A crash, a hang (-timeout), a leak or an out-of-memory stops the script
# with a non-zero status; the input is saved in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")"

seconds=${FUZZ_SECONDS:-30}
targets=("$@")
if ((${#targets[@]} == 0)); then
    targets=(cache_control http_date vary lifecycle deserialize ffi)
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== fuzz: installing cargo-fuzz (cargo install cargo-fuzz --locked)"
    cargo install cargo-fuzz --locked
fi
if cargo +nightly --version >/dev/null 2>&1; then
    fuzz=(cargo +nightly fuzz)
else
    echo "== fuzz: no nightly toolchain; using stable with RUSTC_BOOTSTRAP=1"
    export RUSTC_BOOTSTRAP=1
    fuzz=(cargo fuzz)
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/cachepolicy-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "== fuzz: building ${targets[*]}"
for t in "${targets[@]}"; do
    "${fuzz[@]}" build --debug-assertions "$t"
done

summary=()
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "$work/$t"
    echo "== fuzz: $t for ${seconds}s"
    log="$work/$t.log"
    if ! "${fuzz[@]}" run --debug-assertions "$t" "$work/$t" "corpus/$t" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 >"$log" 2>&1; then
        tail -n 40 "$log"
        echo "fuzz/smoke.sh: FAILED: $t (the input is in fuzz/artifacts/$t/)" >&2
        exit 1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    summary+=("$t: ${runs:-?} executions, no crash")
done
printf '== fuzz: %s\n' "${summary[@]}"
