# Sanitizer builds: the `asan` preset runs the whole suite, `tsan` the concurrency tests.
#
# In the asan build the product's code is instrumented and the test programs' own sources are
# not (targets with the SPARK_UNINSTRUMENTED property, tests/CMakeLists.txt): they are 63 % of
# its compile time, instrumented they compile twice as slowly, and what ASan and UBSan are
# there to catch is in the product's code, which every test runs instrumented. Every binary
# links the sanitizer runtimes, so the tests' own heap memory is still checked by ASan's
# allocator (use after free, double free, leaks). The cost: an inline function (a template
# from a header) that a test object defines as well may be linked uninstrumented where it is
# not inlined. The tsan build instruments everything: ThreadSanitizer needs to see the
# synchronisation of the tests' own threads too.
if(SPARK_SANITIZE)
  set(spark_sanitize_flags -fsanitize=address$<COMMA>undefined -fno-sanitize-recover=undefined)
  add_compile_options(
    "$<$<NOT:$<BOOL:$<TARGET_PROPERTY:SPARK_UNINSTRUMENTED>>>:${spark_sanitize_flags}>"
    -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
if(SPARK_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()
if(SPARK_SANITIZE OR SPARK_TSAN)
  # GCC 12 reports false -Wmaybe-uninitialized positives inside libstdc++'s <regex> and
  # <functional> once sanitizer instrumentation changes inlining (GCC's manual warns the
  # warning is unreliable with -fsanitize); the release and debug builds keep it.
  add_compile_options(-Wno-maybe-uninitialized)
endif()
