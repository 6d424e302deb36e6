# The two commands (see README.md):
#   make demo   - the engine explaining the shipped example exchanges
#   make test   - build everything and run every test suite (Rust, C, Python, Node)
#   make bench  - every benchmark, one combined table (bench/run.sh; not part of `test`)
.PHONY: demo test test-rust test-c test-python test-node test-proxy bench

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

# Rust (criterion, allocations, callgrind), C, Python and Node against their peers on
# ../shared/bench/workloads.json; docs/BENCHMARKS.md records the latest table.
bench:
	bash bench/run.sh

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

# Security checks beyond `make test` (SECURITY.md); none is part of `test`.
#   make fuzz-smoke  - every fuzz target for ~30 s from the committed corpora (fuzz/smoke.sh;
#                      cargo-fuzz, installed when missing; nightly, or stable with RUSTC_BOOTSTRAP=1)
#   make test-stress - one policy shared by 8 threads x 1,000,000 evaluations with identical
#                      answers, Rust (release), Python and Node (worker threads; C does it in
#                      every `make test-c`)
#   make test-miri   - the core's and the C ABI's Rust tests under Miri (nightly + miri component)
.PHONY: fuzz-smoke test-stress test-miri
fuzz-smoke:
	bash fuzz/smoke.sh

test-stress:
	CACHEPOLICY_STRESS_EVALUATIONS=1000000 cargo test --release -p cachepolicy --test security one_policy_shared_by_8_threads -- --nocapture
	CACHEPOLICY_STRESS_EVALUATIONS=1000000 bash python/run-tests.sh
	CACHEPOLICY_STRESS_EVALUATIONS=1000000 bash node/run-tests.sh

# (The unit tests only: the shared vectors through the C ABI take over 30 minutes under Miri.)
test-miri:
	cargo +nightly miri test -p cachepolicy --lib
	cargo +nightly miri test -p cachepolicy-ffi --lib
