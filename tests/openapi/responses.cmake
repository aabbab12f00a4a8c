# Every JSON response and SSE frame the integration tests receive is recorded (the test HTTP
# helper, tests/support/response_log.h) and checked against docs/openapi.yaml after them:
# `openapi_responses_reset` empties the log before the first integration test (fixture setup),
# `openapi_responses` validates it after the last (fixture cleanup), and consumes it, so running
# it alone (`ctest -R openapi_responses`) fails for want of a log instead of passing on old ones.
# `openapi_responses_selftest` checks the validator against tests/openapi/testdata/fixture.yaml.
# Included by tests/CMakeLists.txt, which gives the integration tests SPARK_RESPONSE_LOG and
# FIXTURES_REQUIRED spark_response_log.
set(_openapi_tests ${CMAKE_CURRENT_LIST_DIR})
add_test(NAME openapi_responses_reset COMMAND ${CMAKE_COMMAND} -E rm -f ${SPARK_RESPONSE_LOG})
set_tests_properties(openapi_responses_reset PROPERTIES FIXTURES_SETUP spark_response_log
                     LABELS integration)
add_test(NAME openapi_responses
         COMMAND ${SPARK_PYTHON3} ${_openapi_tests}/validate_responses.py --consume
                 --document ${PROJECT_SOURCE_DIR}/docs/openapi.yaml ${SPARK_RESPONSE_LOG})
set_tests_properties(openapi_responses PROPERTIES FIXTURES_CLEANUP spark_response_log
                     LABELS "integration;openapi" TIMEOUT 120)
add_test(NAME openapi_responses_selftest
         COMMAND ${SPARK_PYTHON3} ${_openapi_tests}/validate_responses_test.py)
set_tests_properties(openapi_responses_selftest PROPERTIES LABELS openapi TIMEOUT 60)
