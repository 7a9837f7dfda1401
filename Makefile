# portfolio-sync: the two commands are `make up` (run the system) and `make test` (what CI runs).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# Debian packages the build and the tests need (C libraries, servers the tests start, openssl for TLS tests,
# chromium for the monitor's browser test, python3-venv for the Kubernetes manifests' validator); kubectl renders the
# Kubernetes manifests: Debian's kubernetes-client when neither kubectl nor kustomize is on PATH.
DEBIAN_PACKAGES := pkg-config libhiredis-dev libpq-dev libcurl4-openssl-dev libssl-dev redis-server postgresql openssl chromium python3-venv \
	$(if $(shell command -v kubectl || command -v kustomize),,kubernetes-client)
SWIFT_BUILD_FLAGS ?=
TEST_LOG := .build/test-output.log

.PHONY: help deps build release test lint format up down clean logs bench chaos fuzz compose-test

help: ## List the targets
	@grep -E '^[a-z -]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 16

deps: ## Install missing Debian packages (apt-get)
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -q; \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $$missing; \
	fi

build: deps ## Debug build of every target
	swift build $(SWIFT_BUILD_FLAGS)

release: deps ## Release build (some compiler failures only show in release builds)
	swift build -c release $(SWIFT_BUILD_FLAGS)

lint: ## Check formatting against .swift-format
	@out=$$(swift format lint -r Shared Services Tests Package.swift 2>&1); \
	if [ -n "$$out" ]; then echo "$$out"; echo "run 'make format'"; exit 1; fi

format: ## Reformat every Swift file
	swift format -i -r Shared Services Tests Package.swift

test: deps lint ## Build (debug and release), run every test, print the summary
	@start=$$(date +%s); \
	swift build -c release $(SWIFT_BUILD_FLAGS); \
	echo "release build: $$(( $$(date +%s) - start )) s"; \
	start=$$(date +%s); \
	status=0; swift test $(SWIFT_BUILD_FLAGS) 2>&1 | tee $(TEST_LOG) || status=$$?; \
	echo "swift test: $$(( $$(date +%s) - start )) s"; \
	grep -E '^(✔|✘) Test run with|Executed [0-9]+ tests' $(TEST_LOG) || true; \
	exit $$status

up: ## Run the whole system locally: install what is missing, build, start, seed a demo, sync
	compose/local/up.sh

down: ## Stop what `make up` started (by pid); the data stays in .run/
	compose/local/down.sh

clean: ## Stop the local stack and remove its data (.run/)
	compose/local/down.sh
	rm -rf .run

logs: ## Follow a service's log: make logs SERVICE=psync-dispatcher
	compose/local/logs.sh "$(SERVICE)"

bench: deps ## Benchmarks (release build); figures go to BENCHMARKS.md and Tests/Benchmarks/results.json (BENCH_SCALE=large adds 100k accounts)
	swift build -c release $(SWIFT_BUILD_FLAGS)
	.build/release/psync-bench persistence
	.build/release/psync-bench dispatch
	.build/release/psync-bench latency
	.build/release/psync-bench memory
	.build/release/psync-bench ratelimit
	.build/release/psync-bench overview
	.build/release/psync-bench webhooks
	rm -rf .build/micro && mkdir -p .build/micro
	swift package --disable-sandbox benchmark --target Micro --format histogramPercentiles --path .build/micro --no-progress
	.build/release/psync-bench micro --input .build/micro
	Tests/Benchmarks/Scripts/copy-formats.sh
	.build/release/psync-bench e2e $(if $(filter large,$(BENCH_SCALE)),--large --tuned-setting PSYNC_RESULT_BATCH_SIZE=500 --tuned-setting PSYNC_ACCOUNT_CONCURRENCY=0,)
	.build/release/psync-bench e2e --broker ZERODHA --accounts 10000
	.build/release/psync-bench e2e --broker mixed --accounts 10000 --repeats 1

compose-test: ## The compose stack, offline and on loopback only, with 3 SANDBOX gateway replicas (needs root)
	swift build -c release $(SWIFT_BUILD_FLAGS)
	compose/test/run.sh

fuzz: ## schemathesis against every service (with and without a token), on a private local stack
	swift build -c release $(SWIFT_BUILD_FLAGS)
	Tests/Fuzz/fuzz.sh

CHAOS_ACCOUNTS ?= 5000
CHAOS_FLAGS ?=

chaos: deps ## Fault injection on a private stack (release build): lost and duplicated work; CHAOS_ACCOUNTS=5000
	swift build -c release $(SWIFT_BUILD_FLAGS)
	.build/release/psync-chaos --accounts $(CHAOS_ACCOUNTS) $(CHAOS_FLAGS)
