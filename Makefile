# Thin wrapper over the CMake presets. The two commands of the README:
#   make demo   install what is missing, build Release, run spark-control --demo on :9999
#   make test   install what is missing, build the sanitizer suite, run it through ctest
#               (it includes a 3 s run of each libFuzzer target; `make fuzz` runs them longer)
.PHONY: deps demo release test bench fuzz format clean

DEMO_LISTEN ?= 0.0.0.0:9999
JOBS ?= $(shell nproc)

deps:
	scripts/install-deps

release: deps
	cmake --preset release
	cmake --build --preset release -j $(JOBS)

demo: release
	build/release/web/spark-control --demo --listen $(DEMO_LISTEN)

# The stages (TSan build + concurrency tests, ASan + UBSan build, ctest) and their times at
# the end: scripts/test-suite. TSAN_MIN_TESTS is the floor of the TSan stage.
TSAN_MIN_TESTS ?= 31

test: deps
	JOBS=$(JOBS) TSAN_MIN_TESTS=$(TSAN_MIN_TESTS) scripts/test-suite

# Seconds per target; the targets run two at a time (FUZZ_JOBS). One target: make fuzz FUZZ_TARGETS=NAME
FUZZ_SECONDS ?= 120
FUZZ_TARGETS ?=

fuzz: deps
	tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ_TARGETS)

bench: release
	scripts/install-deps --bench
	bench/run

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf build
