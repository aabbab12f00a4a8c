# Dashboards and alert rules (dashboards/): a structural check of the Grafana JSON (with a
# self-test of the checker), a live test that runs every panel query in Debian's Prometheus
# scraping spark-control --demo, and promtool's check and unit tests of the alert rules.
# Run: ctest -L dashboards --output-on-failure
set(SPARK_PYTHON3 /usr/bin/python3 CACHE FILEPATH "Python of the dashboard tests (Debian's, with python3-yaml)")
set(_dashboards_tests ${CMAKE_CURRENT_LIST_DIR})

add_test(NAME dashboards_structure COMMAND ${SPARK_PYTHON3} ${_dashboards_tests}/check_dashboards.py)
add_test(NAME dashboards_checker_selftest COMMAND ${SPARK_PYTHON3} ${_dashboards_tests}/check_dashboards_test.py)
set_tests_properties(dashboards_structure dashboards_checker_selftest PROPERTIES LABELS dashboards TIMEOUT 60)
