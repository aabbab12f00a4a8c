# Browser tests: the real spark-control binary (--demo) driven through Debian's Chromium with
# playwright-core (installed by scripts/install-deps with `npm ci` from package-lock.json).
# Run: ctest -L browser --output-on-failure
find_program(SPARK_NODE node)
set(SPARK_CHROMIUM /usr/bin/chromium CACHE FILEPATH "Chromium used by the browser tests")
set(_browser_env
  "SPARK_CONTROL_BIN=$<TARGET_FILE:spark-control>"
  "CHROMIUM_PATH=${SPARK_CHROMIUM}"
  "SCREENSHOT_DIR=${CMAKE_BINARY_DIR}/tests/browser/screenshots")
# Separate processes, so ctest runs them side by side; COST makes a fresh build dir (no timing data
# yet) start these long tests first instead of last.
foreach(_suite ui downloads updates recovery)
  if(SPARK_NODE)
    add_test(NAME browser_${_suite}
             COMMAND ${SPARK_NODE} --test --test-reporter=spec
                     ${CMAKE_CURRENT_LIST_DIR}/${_suite}.test.mjs
             WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  else()
    # Registered anyway, so a machine without Node.js fails loudly instead of skipping silently.
    add_test(NAME browser_${_suite}
             COMMAND ${CMAKE_COMMAND} -E echo "browser: node not found; run scripts/install-deps")
    set_tests_properties(browser_${_suite} PROPERTIES WILL_FAIL TRUE)
  endif()
  set_tests_properties(browser_${_suite} PROPERTIES
    LABELS browser
    TIMEOUT 300
    COST 1000
    ENVIRONMENT "${_browser_env}")
endforeach()
