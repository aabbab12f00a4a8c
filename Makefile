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

# ThreadSanitizer runs the whole concurrency_tests binary (tests/concurrency: the types threads
# share, under contention) and fails if it ran fewer than TSAN_MIN_TESTS; the ASan + UBSan
# build then runs the whole suite (its ctest summary is the last thing printed).
TSAN_MIN_TESTS ?= 23

test: deps
	cmake --preset tsan
	cmake --build --preset tsan -j $(JOBS) --target concurrency_tests
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" tests/concurrency/run $(TSAN_MIN_TESTS) build/tsan/tests/concurrency_tests --gtest_brief=1
	cmake --preset asan
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan

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
