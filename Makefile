# The two commands (see README.md):
#   make demo   - the engine explaining the shipped example exchanges
#   make test   - build everything and run every test suite (Rust, C, Python, Node)
.PHONY: demo test test-rust test-c test-python test-node test-proxy

demo:
	cargo run -q --release -p cachepolicy-cli -- explain examples/*.http

test: test-rust test-c test-python test-node test-proxy

test-rust:
	cargo test --workspace --exclude cachepolicy-python --exclude cachepolicy-node --exclude cachepolicy-proxy
	cargo clippy --workspace --exclude cachepolicy-python --exclude cachepolicy-node --exclude cachepolicy-proxy --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc -q --no-deps -p cachepolicy

test-c:
	bash tests/c/run.sh

test-python:
	bash python/run-tests.sh

test-node:
	bash node/run-tests.sh

# The caching reverse proxy (proxy/README.md); its benchmark is proxy/bench/run.sh.
test-proxy:
	cargo test -p cachepolicy-proxy
	cargo clippy -p cachepolicy-proxy --all-targets -- -D warnings

# The C library (see ffi/README.md): header, shared and static library, pkg-config file.
#   make install PREFIX=/usr/local [DESTDIR=/staging] [LIBDIR=...] [INCLUDEDIR=...]
PREFIX ?= /usr/local
.PHONY: install
install:
	PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" LIBDIR="$(LIBDIR)" INCLUDEDIR="$(INCLUDEDIR)" bash ffi/install.sh
