# Warnings every target of ours compiles with; the code builds with zero warnings.
add_library(spark_warnings INTERFACE)
target_compile_options(spark_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                                                -Wnon-virtual-dtor -Wold-style-cast)
# Request threads have ~100 KiB stacks (PITFALLS.md "Stack depth"): no function takes more than
# 16 KiB of one (a 64 KiB buffer in ReadFile jumped the guard page). The largest, under ASan,
# is about 12 KiB.
target_compile_options(spark_warnings INTERFACE -Wframe-larger-than=16384)
if(DEFINED ENV{CI} OR SPARK_WERROR)
  target_compile_options(spark_warnings INTERFACE -Werror)
endif()
