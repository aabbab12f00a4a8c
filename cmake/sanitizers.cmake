# Sanitizer builds: the `asan` preset runs the whole suite, `tsan` the concurrency tests.
if(SPARK_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
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
