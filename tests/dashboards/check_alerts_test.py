#!/usr/bin/env python3
"""The alert checker finds each breach it is written for, one at a time, in a copy of
dashboards/alerts.yml and tests/dashboards/alerts_test.yml; the real files pass."""

import copy
import unittest

import yaml

import check_alerts
import promql

FAMILIES = promql.load_families()
SECTIONS = check_alerts.runbook_sections()
RULES = [r for g in yaml.safe_load(check_alerts.RULES.read_text())["groups"] for r in g["rules"]]
TESTS = yaml.safe_load(check_alerts.RULE_TESTS.read_text())


def rule(rules, name):
    return next(r for r in rules if r.get("alert") == name)


class CheckAlertsTest(unittest.TestCase):
    def assertFinds(self, mutate, expected, sections=SECTIONS):
        rules, tests = copy.deepcopy(RULES), copy.deepcopy(TESTS)
        mutate(rules, tests)
        problems = check_alerts.check_rules(rules, FAMILIES, sections) + check_alerts.check_coverage(rules, tests)
        self.assertTrue(any(expected in p for p in problems), f"{expected!r} not in {problems}")

    def test_the_real_files_pass(self):
        self.assertEqual(check_alerts.check_rules(RULES, FAMILIES, SECTIONS) + check_alerts.check_coverage(RULES, TESTS),
                         [])

    def test_no_severity(self):
        self.assertFinds(lambda r, t: rule(r, "SparkControlSwapFailed")["labels"].clear(),
                         "SparkControlSwapFailed: severity label must be one of")

    def test_no_description(self):
        self.assertFinds(lambda r, t: rule(r, "SparkControlSwapFailed")["annotations"].pop("description"),
                         "SparkControlSwapFailed: no description annotation")

    def test_runbook_link_to_another_section(self):
        self.assertFinds(lambda r, t: rule(r, "SparkControlSwapFailed")["annotations"].update(
            runbook_url=check_alerts.RUNBOOK_URL + "sparkcontroldown"),
            "SparkControlSwapFailed: runbook_url must be")

    def test_alert_without_runbook_section(self):
        self.assertFinds(lambda r, t: None, "SparkControlSwapFailed: docs/runbooks.md has no section",
                         sections=[s for s in SECTIONS if s != "sparkcontrolswapfailed"])

    def test_runbook_section_without_alert(self):
        self.assertFinds(lambda r, t: None, "section #sparkcontrolgpuhot belongs to no alert",
                         sections=SECTIONS + ["sparkcontrolgpuhot"])

    def test_counter_outside_rate(self):
        self.assertFinds(lambda r, t: rule(r, "SparkControlSwapFailed").update(
            expr='spark_control_swaps_total{outcome="failed"} > 0'), "spark_control_swaps_total is a counter")

    def test_job_name_matcher(self):
        self.assertFinds(lambda r, t: rule(r, "SparkControlDown").update(expr='up{job="spark-control"} == 0'),
                         "up is filtered on job")

    def test_summary_without_the_cluster(self):
        self.assertFinds(lambda r, t: rule(r, "SparkControlSwapFailed")["annotations"].update(
            summary="A model swap failed"), "SparkControlSwapFailed: the summary must name the cluster")

    def test_aggregation_drops_the_cluster(self):
        self.assertFinds(lambda r, t: rule(r, "SparkControlReportedFailuresHigh").update(
            expr="sum by (service) (rate(spark_control_health_reports_total[5m])) > 10"),
            "SparkControlReportedFailuresHigh: sum drops the cluster label")

    def test_absent_series_have_no_cluster_to_name(self):
        problems = check_alerts.check_rules([rule(RULES, "SparkControlAbsent")], FAMILIES, ["sparkcontrolabsent"])
        self.assertEqual(problems, [])

    def test_firing_case_without_the_cluster_label(self):
        def forget_cluster(rules, tests):
            case = next(c for g in tests["tests"] for c in g["alert_rule_test"]
                        if c["alertname"] == "SparkControlSwapFailed" and c["exp_alerts"])
            case["exp_alerts"][0]["exp_labels"].pop("cluster")
        self.assertFinds(forget_cluster, "SparkControlSwapFailed: a case in 'swap failed' expects no cluster label")

    def test_alert_never_fires_in_the_tests(self):
        def drop_firing(rules, tests):
            for group in tests["tests"]:
                group["alert_rule_test"] = [c for c in group["alert_rule_test"]
                                            if c["alertname"] != "SparkControlSwapFailed" or not c["exp_alerts"]]
        self.assertFinds(drop_firing, "SparkControlSwapFailed: no case in alerts_test.yml where it fires")

    def test_alert_never_quiet_in_the_tests(self):
        def drop_quiet(rules, tests):
            for group in tests["tests"]:
                group["alert_rule_test"] = [c for c in group["alert_rule_test"]
                                            if c["alertname"] != "SparkControlSwapFailed" or c["exp_alerts"]]
        self.assertFinds(drop_quiet, "SparkControlSwapFailed: no case in alerts_test.yml where it stays quiet")


if __name__ == "__main__":
    unittest.main()
