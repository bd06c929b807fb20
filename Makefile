# numasim — the two set-up commands of the README, and helpers.
#   make run   installs what is missing (libnuma-dev), builds, boots a shipped topology and
#              runs a short multi-threaded stress on it (the fallback between its nodes)
#   make test  installs what is missing, builds, runs the whole test suite
#   make tsan  the concurrent tests under ThreadSanitizer
#   make fuzz  the libFuzzer targets of every reader, FUZZ_SECONDS each (docs/fuzzing.md)
#   make man   regenerates docs/numasim.1 (swift-argument-parser's generate-manual plugin)
SWIFT ?= swift
TOPOLOGY ?= topologies/nehalem-2s-qemu.yaml
WORKLOAD ?= workloads/quick-fallback.yaml
FUZZ_SECONDS ?= 60

.PHONY: run test deps build release tsan fuzz man clean

deps:
	@./scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

run: deps
	$(SWIFT) build -c release
	.build/release/numasim topology show -t $(TOPOLOGY)
	@echo
	.build/release/numasim zonelist -t $(TOPOLOGY) --zones
	@echo
	.build/release/numasim stress -t $(TOPOLOGY) -w $(WORKLOAD) --threads 2 --quiet

test: deps
	$(SWIFT) build
	$(SWIFT) test

# ThreadSanitizer over the concurrent engine's tests (scripts/tsan.sh; CI runs it after `test`).
tsan: deps
	./scripts/tsan.sh

# libFuzzer over every reader, FUZZ_SECONDS each (scripts/fuzz.sh; Fuzz/ is a package of its own).
# Pre-release: make fuzz FUZZ_SECONDS=30
fuzz: deps
	./scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The manual page from the command line's own help (swift-argument-parser's generate-manual
# plugin, which builds numasim and asks it for its help). MAN_DATE keeps the page's date fixed so
# that regenerating an unchanged CLI changes nothing; set it when releasing.
MAN_DATE ?= 2026-12-04
man: deps
	$(SWIFT) package --allow-writing-to-package-directory generate-manual --configuration debug --date $(MAN_DATE)
	cp .build/plugins/GenerateManual/outputs/numasim/numasim.1 docs/numasim.1
	@echo "docs/numasim.1 regenerated (man -l docs/numasim.1)"

clean:
	rm -rf .build .build-tsan Fuzz/.build
