# The API documents (label docs): docs/openapi.yaml is valid OpenAPI 3.1 and its schemas compile
# as JSON Schema 2020-12, with the linter locked in package-lock.json (scripts/install-deps runs
# `npm ci`). Without Node.js the command is SPARK_NODE-NOTFOUND and the test fails, never skips.
# Run: ctest -L docs --output-on-failure
find_program(SPARK_NODE node)
add_test(NAME openapi_lint
         COMMAND ${SPARK_NODE} --test --test-reporter=spec
                 ${CMAKE_CURRENT_LIST_DIR}/openapi_lint.test.mjs
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(openapi_lint PROPERTIES LABELS docs TIMEOUT 60)

# docs/api.md's route table and error-code table against docs/openapi.yaml and error_code.cc.
add_test(NAME api_md_tables
         COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/api_md_tables.py ${PROJECT_SOURCE_DIR})
set_tests_properties(api_md_tables PROPERTIES LABELS docs TIMEOUT 60)
