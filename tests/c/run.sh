#!/usr/bin/env bash
# The C ABI's tests (`make test-c`). From a fresh clone it:
#   1. runs the Rust tests of ffi/: the committed header is what cbindgen generates, its ABI
#      macros match ffi/Cargo.toml, and the whole vector set passes through the C ABI;
#   2. installs the library with `make install` into a temporary prefix and checks the layout
#      (header, libcachepolicy.so with its SONAME and symlinks, libcachepolicy.a, cachepolicy.pc);
#   3. checks that the C tests call every function the header declares;
#   4. compiles the C tests (-std=c99 -Wall -Wextra -Werror -pedantic) against the shared and
#      the static library with AddressSanitizer + UndefinedBehaviorSanitizer, and runs them;
#   5. runs them once more under valgrind (zero errors, zero leaks of any kind) and the
#      threads test under helgrind;
#   6. compiles the header as C++17 and runs that program;
#   7. builds examples/c/example.c exactly as the README says, with pkg-config, and runs it.
# Any failure stops the script with a message and a non-zero exit status.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
started=$(date +%s)

step() { printf '\n== tests/c: %s\n' "$*"; }
fail() {
    printf '\ntests/c/run.sh: FAILED: %s\n' "$*" >&2
    exit 1
}
trap 'fail "command failed (line $LINENO): $BASH_COMMAND"' ERR

# Tools: install what is missing (as root, with apt-get), else say what to install.
missing=()
command -v cc >/dev/null || missing+=(gcc)
command -v c++ >/dev/null || missing+=(g++)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v valgrind >/dev/null || missing+=(valgrind)
command -v readelf >/dev/null || missing+=(binutils)
if ((${#missing[@]})); then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        step "installing ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        fail "missing tools: ${missing[*]} (install them, e.g. apt-get install ${missing[*]})"
    fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/cachepolicy-c.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
libdir=$prefix/lib

step "Rust tests of the C ABI (header, ABI version, vectors through extern \"C\")"
cargo test -p cachepolicy-ffi

step "make install PREFIX=$prefix"
make --no-print-directory install PREFIX="$prefix"
major=$(sed -n 's/^#define CACHEPOLICY_ABI_MAJOR \([0-9][0-9]*\)$/\1/p' include/cachepolicy.h)
for f in include/cachepolicy.h lib/libcachepolicy.a lib/libcachepolicy.so "lib/libcachepolicy.so.$major" lib/pkgconfig/cachepolicy.pc; do
    [ -e "$prefix/$f" ] || fail "make install did not install $f"
done
cmp -s include/cachepolicy.h "$prefix/include/cachepolicy.h" || fail "the installed header differs from include/cachepolicy.h"
soname=$(readelf -d "$libdir/libcachepolicy.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libcachepolicy.so.$major" ] || fail "SONAME is '$soname', want libcachepolicy.so.$major"
export PKG_CONFIG_PATH=$libdir/pkgconfig
version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"$/\1/p' Cargo.toml)
[ "$(pkg-config --modversion cachepolicy)" = "$version" ] || fail "pkg-config version is not $version"
echo "installed: SONAME $soname, pkg-config cachepolicy $version"

step "every function declared in the header is exercised by tests/c"
declared=$(grep -v '^ *\*' include/cachepolicy.h | grep -v '^ */\*' | grep -o 'cachepolicy_[a-z0-9_]*(' | tr -d '(' | sort -u)
uncalled=""
for fn in $declared; do
    grep -q "$fn(" tests/c/test_*.c || uncalled="$uncalled $fn"
done
[ -z "$uncalled" ] || fail "not exercised by tests/c/test_*.c:$uncalled"
echo "$(echo "$declared" | wc -l) functions declared, all exercised"

cflags="-std=c99 -Wall -Wextra -Werror -pedantic -g $(pkg-config --cflags cachepolicy)"
sanitize="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
shared_libs="$(pkg-config --libs cachepolicy) -Wl,-rpath,$libdir -pthread"
# `-l:libcachepolicy.a` picks the archive although the shared library sits beside it.
static_libs="$(pkg-config --static --libs cachepolicy | sed 's/-lcachepolicy\b/-l:libcachepolicy.a/') -pthread"
tests="test_api test_errors test_threads test_security"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

step "C tests, shared library, AddressSanitizer + UndefinedBehaviorSanitizer"
for t in $tests; do
    # shellcheck disable=SC2086
    cc $cflags $sanitize "tests/c/$t.c" -o "$work/$t-shared" $shared_libs
    readelf -d "$work/$t-shared" | grep -q "NEEDED.*\[libcachepolicy.so.$major\]" || fail "$t-shared does not load libcachepolicy.so.$major"
    "$work/$t-shared" || fail "$t (shared, sanitizers)"
done

step "C tests, static library, AddressSanitizer + UndefinedBehaviorSanitizer"
for t in $tests; do
    # shellcheck disable=SC2086
    cc $cflags $sanitize "tests/c/$t.c" -o "$work/$t-static" $static_libs
    if readelf -d "$work/$t-static" | grep -q 'NEEDED.*libcachepolicy'; then fail "$t-static links the shared library"; fi
    "$work/$t-static" || fail "$t (static, sanitizers)"
done

step "C tests under valgrind (memcheck: zero errors, zero leaks of any kind)"
for t in $tests; do
    # shellcheck disable=SC2086
    cc $cflags -O1 "tests/c/$t.c" -o "$work/$t-plain" $shared_libs
    CACHEPOLICY_TEST_ITERATIONS=300 valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=all \
        --errors-for-leak-kinds=all "$work/$t-plain" || fail "$t under valgrind"
done
step "threads test under valgrind's helgrind (no data races)"
CACHEPOLICY_TEST_ITERATIONS=50 valgrind -q --tool=helgrind --error-exitcode=98 "$work/test_threads-plain" || fail "test_threads under helgrind"

step "the header as C++17"
# shellcheck disable=SC2086
c++ -std=c++17 -Wall -Wextra -Werror -pedantic $(pkg-config --cflags cachepolicy) tests/c/header_cxx.cpp -o "$work/header_cxx" $shared_libs
"$work/header_cxx" || fail "header_cxx"

step "examples/c/example.c, built as the README shows"
# shellcheck disable=SC2046
cc examples/c/example.c $(pkg-config --cflags --libs cachepolicy) -o "$work/example"
output=$(LD_LIBRARY_PATH=$libdir "$work/example")
echo "$output"
grep -q '^decision: fresh$' <<<"$output" || fail "the example did not print 'decision: fresh'"

trap - ERR
printf '\ntests/c/run.sh: all C ABI tests passed in %ss\n' "$(($(date +%s) - started))"
