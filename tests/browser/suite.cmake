# Browser tests: the real spark-control binary (--demo) driven through Debian's Chromium with
# playwright-core (installed by scripts/install-deps with `npm ci` from package-lock.json).
# Run: ctest -L browser --output-on-failure
find_program(SPARK_NODE node)
set(SPARK_CHROMIUM /usr/bin/chromium CACHE FILEPATH "Chromium used by the browser tests")
set(_browser_env
  "SPARK_CONTROL_BIN=$<TARGET_FILE:spark-control>"
  "CHROMIUM_PATH=${SPARK_CHROMIUM}"
  "SCREENSHOT_DIR=${CMAKE_BINARY_DIR}/tests/browser/screenshots")
if(SPARK_NODE)
  add_test(NAME browser_ui
           COMMAND ${SPARK_NODE} --test --test-reporter=spec ${CMAKE_CURRENT_LIST_DIR}/ui.test.mjs
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
else()
  # Registered anyway, so a machine without Node.js fails loudly instead of skipping silently.
  add_test(NAME browser_ui
           COMMAND ${CMAKE_COMMAND} -E echo "browser_ui: node not found; run scripts/install-deps")
  set_tests_properties(browser_ui PROPERTIES WILL_FAIL TRUE)
endif()
set_tests_properties(browser_ui PROPERTIES
  LABELS browser
  TIMEOUT 360
  ENVIRONMENT "${_browser_env}")
