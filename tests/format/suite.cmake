# Layout is enforced in `make test` (label format):
#   clang_format    every C++ source is exactly what Debian's clang-format makes of it with the
#                   repository's .clang-format (Google style, 100 columns); fix with `make format`
#   layout          C++ lines ≤ 100 columns (raw strings too); C++ and JS files ≤ 400 lines
#   long_functions  no function body over 80 lines unless a `// long-function: <reason>` line
#                   stands above it (scripts/long-functions)
file(GLOB_RECURSE SPARK_CXX_SOURCES CONFIGURE_DEPENDS
     ${PROJECT_SOURCE_DIR}/exporter/*.cc ${PROJECT_SOURCE_DIR}/exporter/*.h
     ${PROJECT_SOURCE_DIR}/controller/*.cc ${PROJECT_SOURCE_DIR}/controller/*.h
     ${PROJECT_SOURCE_DIR}/web/*.cc ${PROJECT_SOURCE_DIR}/web/*.h
     ${PROJECT_SOURCE_DIR}/tests/*.cc ${PROJECT_SOURCE_DIR}/tests/*.h
     ${PROJECT_SOURCE_DIR}/bench/*.cc ${PROJECT_SOURCE_DIR}/bench/*.h)
file(GLOB_RECURSE SPARK_JS_SOURCES CONFIGURE_DEPENDS
     ${PROJECT_SOURCE_DIR}/web/ui/*.js ${PROJECT_SOURCE_DIR}/tests/*.mjs)
list(FILTER SPARK_CXX_SOURCES EXCLUDE REGEX "/node_modules/")
list(FILTER SPARK_JS_SOURCES EXCLUDE REGEX "/node_modules/")

find_program(SPARK_CLANG_FORMAT clang-format)
if(SPARK_CLANG_FORMAT)
  add_test(NAME clang_format
           COMMAND ${SPARK_CLANG_FORMAT} --dry-run -Werror ${SPARK_CXX_SOURCES}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
else()
  add_test(NAME clang_format COMMAND ${CMAKE_COMMAND} -E echo
           "clang_format: clang-format not found; run scripts/install-deps")
  set_tests_properties(clang_format PROPERTIES WILL_FAIL TRUE)
endif()
add_test(NAME layout
         COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/check_layout.py
                 ${SPARK_CXX_SOURCES} ${SPARK_JS_SOURCES}
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
add_test(NAME long_functions
         COMMAND python3 ${PROJECT_SOURCE_DIR}/scripts/long-functions ${SPARK_CXX_SOURCES}
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(clang_format layout long_functions PROPERTIES LABELS format TIMEOUT 120)
