# Warnings every target of ours compiles with; the code builds with zero warnings.
add_library(spark_warnings INTERFACE)
target_compile_options(spark_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                                                -Wnon-virtual-dtor -Wold-style-cast)
if(DEFINED ENV{CI} OR SPARK_WERROR)
  target_compile_options(spark_warnings INTERFACE -Werror)
endif()
