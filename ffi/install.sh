#!/usr/bin/env bash
# Installs the C library: include/cachepolicy.h, libcachepolicy.so (SONAME
# libcachepolicy.so.<ABI major>, with the usual symlinks), libcachepolicy.a and a pkg-config
# file. Called by `make install PREFIX=... [DESTDIR=...] [LIBDIR=...] [INCLUDEDIR=...]`.
set -euo pipefail
cd "$(dirname "$0")/.."

PREFIX=${PREFIX:-/usr/local}
LIBDIR=${LIBDIR:-$PREFIX/lib}
INCLUDEDIR=${INCLUDEDIR:-$PREFIX/include}
DESTDIR=${DESTDIR:-}
TARGET_DIR=${CARGO_TARGET_DIR:-target}

cargo build --release -p cachepolicy-ffi

header=include/cachepolicy.h
major=$(sed -n 's/^#define CACHEPOLICY_ABI_MAJOR \([0-9][0-9]*\)$/\1/p' "$header")
minor=$(sed -n 's/^#define CACHEPOLICY_ABI_MINOR \([0-9][0-9]*\)$/\1/p' "$header")
version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"$/\1/p' Cargo.toml)
[ -n "$major" ] && [ -n "$minor" ] && [ -n "$version" ] || { echo "install: cannot read the ABI version or package version" >&2; exit 1; }

case "$(uname -s)" in
    Darwin) libs_private="-lSystem -lc -lm" ;;
    *) libs_private="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc" ;;
esac

libdir="$DESTDIR$LIBDIR"
includedir="$DESTDIR$INCLUDEDIR"
install -d "$libdir" "$includedir" "$libdir/pkgconfig"
install -m 644 "$header" "$includedir/cachepolicy.h"
install -m 644 "$TARGET_DIR/release/libcachepolicy.a" "$libdir/libcachepolicy.a"
if [ "$(uname -s)" = Darwin ]; then
    install -m 755 "$TARGET_DIR/release/libcachepolicy.dylib" "$libdir/libcachepolicy.$major.dylib"
    ln -sf "libcachepolicy.$major.dylib" "$libdir/libcachepolicy.dylib"
else
    # The real file carries major.minor; the SONAME (set by ffi/build.rs) the major only.
    install -m 755 "$TARGET_DIR/release/libcachepolicy.so" "$libdir/libcachepolicy.so.$major.$minor"
    ln -sf "libcachepolicy.so.$major.$minor" "$libdir/libcachepolicy.so.$major"
    ln -sf "libcachepolicy.so.$major" "$libdir/libcachepolicy.so"
fi
sed -e "s|@PREFIX@|$PREFIX|" -e "s|@LIBDIR@|$LIBDIR|" -e "s|@INCLUDEDIR@|$INCLUDEDIR|" \
    -e "s|@VERSION@|$version|" -e "s|@LIBS_PRIVATE@|$libs_private|" \
    ffi/cachepolicy.pc.in > "$libdir/pkgconfig/cachepolicy.pc"
chmod 644 "$libdir/pkgconfig/cachepolicy.pc"
echo "installed libcachepolicy $version (ABI $major.$minor) into ${DESTDIR}${PREFIX}"
