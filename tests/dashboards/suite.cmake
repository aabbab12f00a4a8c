# Dashboards and alert rules (dashboards/): a structural check of the Grafana JSON, a live test
# that runs every panel query in Debian's Prometheus scraping spark-control --demo, promtool's
# check and unit tests of the alert rules (and its check of the example scrape config), and the
# repository's own rule conventions; each checker with a self-test that breaks one rule at a time.
# Run: ctest -L dashboards --output-on-failure
set(SPARK_PYTHON3 /usr/bin/python3 CACHE FILEPATH "Python of the dashboard tests (Debian's, with python3-yaml)")
find_program(SPARK_PROMTOOL promtool)
find_program(SPARK_PROMETHEUS prometheus)
set(_dashboards_tests ${CMAKE_CURRENT_LIST_DIR})

add_test(NAME dashboards_structure COMMAND ${SPARK_PYTHON3} ${_dashboards_tests}/check_dashboards.py)
add_test(NAME dashboards_structure_selftest COMMAND ${SPARK_PYTHON3} ${_dashboards_tests}/check_dashboards_test.py)
add_test(NAME dashboards_rules_conventions COMMAND ${SPARK_PYTHON3} ${_dashboards_tests}/check_alerts.py)
add_test(NAME dashboards_rules_conventions_selftest COMMAND ${SPARK_PYTHON3} ${_dashboards_tests}/check_alerts_test.py)
set(_dashboards_names dashboards_structure dashboards_structure_selftest
    dashboards_rules_conventions dashboards_rules_conventions_selftest)

if(SPARK_PROMTOOL AND SPARK_PROMETHEUS)
  add_test(NAME dashboards_rules_check
           COMMAND ${SPARK_PROMTOOL} check rules ${PROJECT_SOURCE_DIR}/dashboards/alerts.yml)
  add_test(NAME dashboards_rules_unit COMMAND ${SPARK_PROMTOOL} test rules ${_dashboards_tests}/alerts_test.yml)
  add_test(NAME dashboards_example_config
           COMMAND ${SPARK_PROMTOOL} check config ${PROJECT_SOURCE_DIR}/dashboards/prometheus.yml)
  add_test(NAME dashboards_live_prometheus
           COMMAND ${SPARK_PYTHON3} ${_dashboards_tests}/live_query_test.py
                   --spark-control $<TARGET_FILE:spark-control> --prometheus ${SPARK_PROMETHEUS})
  list(APPEND _dashboards_names dashboards_rules_check dashboards_rules_unit dashboards_example_config
       dashboards_live_prometheus)
else()
  # Registered anyway, so a machine without Prometheus fails loudly instead of skipping silently.
  add_test(NAME dashboards_prometheus_missing
           COMMAND ${CMAKE_COMMAND} -E echo "prometheus or promtool not found; run scripts/install-deps")
  set_tests_properties(dashboards_prometheus_missing PROPERTIES WILL_FAIL TRUE)
  list(APPEND _dashboards_names dashboards_prometheus_missing)
endif()
set_tests_properties(${_dashboards_names} PROPERTIES LABELS dashboards TIMEOUT 60)
if(TEST dashboards_live_prometheus)
  set_tests_properties(dashboards_live_prometheus PROPERTIES TIMEOUT 150 COST 500)
endif()
