# Entry points for people and CI. `make test` is everything CI checks; `make demo` runs the
# tools on examples/.
CARGO ?= cargo
SHELL_SCRIPTS := $(wildcard scripts/*) $(wildcard examples/*/demo)

.PHONY: build test fmt-check clippy unit man man-check shellcheck flake-check lint demo bench fuzz-smoke ci

build:
	$(CARGO) build --release --workspace

test: fmt-check clippy unit man-check shellcheck flake-check

lint: fmt-check clippy shellcheck

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

# The cross-tool tests in tests/ run the tool binaries, so build them first.
unit:
	$(CARGO) build --workspace --bins --locked
	$(CARGO) test --workspace --locked

man:
	$(CARGO) xtask man

man-check:
	$(CARGO) xtask man --check

shellcheck:
	@if [ -n "$(SHELL_SCRIPTS)" ]; then shellcheck -s sh $(SHELL_SCRIPTS); else echo "shellcheck: no scripts yet"; fi

flake-check:
	nix-instantiate --parse flake.nix > /dev/null
	sh scripts/check-flake-apps

demo: build
	sh scripts/demo

bench:
	sh scripts/bench

fuzz-smoke:
	sh scripts/fuzz-smoke

ci:
	bash .ci/run
