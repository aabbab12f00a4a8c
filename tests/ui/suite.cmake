# Unit tests of the UI's ES modules (web/ui/lib, web/ui/sections) with Node's built-in test
# runner: the modules are imported directly, no browser, no build step. One ctest per file.
# Run: ctest -L ui --output-on-failure   (or node --test tests/ui/*.test.mjs)
find_program(SPARK_NODE node)
file(GLOB _ui_tests CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*.test.mjs)
foreach(_ui_test IN LISTS _ui_tests)
  get_filename_component(_ui_name ${_ui_test} NAME_WE)
  if(SPARK_NODE)
    add_test(NAME ui_${_ui_name} COMMAND ${SPARK_NODE} --test ${_ui_test} WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  else()
    # Registered anyway, so a machine without Node.js fails loudly instead of skipping silently.
    add_test(NAME ui_${_ui_name} COMMAND ${CMAKE_COMMAND} -E echo "ui tests: node not found; run scripts/install-deps")
    set_tests_properties(ui_${_ui_name} PROPERTIES WILL_FAIL TRUE)
  endif()
  set_tests_properties(ui_${_ui_name} PROPERTIES LABELS ui TIMEOUT 60)
endforeach()
