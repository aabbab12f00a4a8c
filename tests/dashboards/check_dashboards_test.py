#!/usr/bin/env python3
"""The dashboard checker finds each breach it is written for: every case breaks one convention
in an otherwise valid dashboard (dashboards/spark-control-overview.json) and expects the
checker's sentence for it; the untouched dashboard passes."""

import copy
import json
import unittest

import check_dashboards
import promql

FAMILIES = promql.load_families()
OVERVIEW = json.loads((check_dashboards.ROOT / "dashboards" / "spark-control-overview.json").read_text())
LLM = json.loads((check_dashboards.ROOT / "dashboards" / "spark-control-llm.json").read_text())


def panel(dashboard, title):
    return next(p for p in check_dashboards.panels_of(dashboard) if p.get("title") == title)


def variable(dashboard, name):
    return next(v for v in dashboard["templating"]["list"] if v["name"] == name)


class CheckerTest(unittest.TestCase):
    def assertFinds(self, mutate, expected, original=OVERVIEW):
        dashboard = copy.deepcopy(original)
        mutate(dashboard)
        problems = check_dashboards.check_dashboard(dashboard, FAMILIES)
        self.assertTrue(any(expected in p for p in problems), f"{expected!r} not in {problems}")

    def assertFindsInQuery(self, title, expr, expected, original=OVERVIEW):
        """The first query of panel `title`, changed to expr, breaks the convention `expected` names."""
        self.assertFinds(lambda d: panel(d, title)["targets"][0].update(expr=expr), expected, original)

    def test_the_overview_passes(self):
        self.assertEqual(check_dashboards.check_dashboard(copy.deepcopy(OVERVIEW), FAMILIES), [])

    def test_panel_without_unit(self):
        self.assertFinds(lambda d: panel(d, "Probe latency")["fieldConfig"]["defaults"].pop("unit"), "no unit")

    def test_unit_typo(self):
        self.assertFinds(lambda d: panel(d, "Probe latency")["fieldConfig"]["defaults"].update(unit="seconds"),
                         "unit 'seconds' is not one the checker knows")

    def test_panel_without_thresholds(self):
        self.assertFinds(lambda d: panel(d, "Memory")["fieldConfig"]["defaults"].pop("thresholds"), "no thresholds")

    def test_panel_without_description(self):
        self.assertFinds(lambda d: panel(d, "Memory").pop("description"), "no description")

    def test_panel_without_query(self):
        self.assertFinds(lambda d: panel(d, "Memory").update(targets=[]), "no query")

    def test_duplicate_id(self):
        self.assertFinds(lambda d: panel(d, "Memory").update(id=panel(d, "CPU")["id"]), "is also used by 'Memory'")

    def test_overlapping_panels(self):
        self.assertFinds(lambda d: panel(d, "Memory")["gridPos"].update(x=panel(d, "CPU")["gridPos"]["x"] - 1),
                         "overlaps 'Memory'")

    def test_panel_off_the_grid(self):
        self.assertFinds(lambda d: panel(d, "CPU")["gridPos"].update(w=7), "off the 24-column grid")

    def test_hard_coded_datasource(self):
        self.assertFinds(lambda d: panel(d, "CPU").update(datasource={"type": "prometheus", "uid": "abc123"}),
                         "datasource must be")

    def test_hard_coded_datasource_in_a_query(self):
        self.assertFinds(lambda d: panel(d, "CPU")["targets"][0].update(datasource="Prometheus"),
                         "query A: datasource must be")

    def test_no_datasource_variable(self):
        self.assertFinds(lambda d: d["templating"]["list"].pop(0), "no datasource variable named DS_PROMETHEUS")

    def test_no_inputs(self):
        self.assertFinds(lambda d: d.pop("__inputs"), "__inputs has no prometheus datasource input")

    def test_requires_lacks_a_panel_type(self):
        self.assertFinds(lambda d: d.update(__requires=[r for r in d["__requires"] if r["id"] != "bargauge"]),
                         "__requires lacks panel bargauge")

    def test_undefined_variable(self):
        self.assertFinds(lambda d: panel(d, "Memory")["targets"][0].update(
            expr='process_resident_memory_bytes{instance=~"$host"}'), "uses $host, which is not defined")

    def test_variable_used_before_its_definition(self):
        self.assertFinds(lambda d: d["templating"]["list"].insert(1, d["templating"]["list"].pop(2)),
                         "variable service: uses $cluster, which is not defined before it")

    def test_variable_query_not_label_values(self):
        self.assertFinds(lambda d: variable(d, "service").update(definition="query_result(up)",
                                                                  query={"query": "query_result(up)"}),
                         "query must be label_values(selector, label)")

    def test_variable_on_a_label_the_family_lacks(self):
        query = 'label_values(spark_control_service_up{cluster=~"$cluster"}, spark)'
        self.assertFinds(lambda d: variable(d, "service").update(definition=query, query={"query": query}),
                         "spark_control_service_up has no label spark")

    def test_unknown_metric(self):
        self.assertFinds(lambda d: panel(d, "Memory")["targets"][0].update(expr="process_virtual_memory_bytes"),
                         "unknown metric process_virtual_memory_bytes")

    def test_counter_outside_rate(self):
        self.assertFinds(lambda d: panel(d, "Connectivity events")["targets"][0].update(
            expr='sum by (type) (spark_control_events_total{cluster=~"$cluster"})'),
            "spark_control_events_total is a counter")

    def test_histogram_bucket_outside_rate(self):
        self.assertFinds(lambda d: panel(d, "Probe latency")["targets"][0].update(
            expr='histogram_quantile(0.5, spark_control_probe_duration_seconds_bucket{cluster=~"$cluster"})'),
            "spark_control_probe_duration_seconds_bucket is a counter")

    def test_rate_over_a_fixed_range(self):
        self.assertFinds(lambda d: panel(d, "Connectivity events")["targets"][0].update(
            expr='sum by (type) (rate(spark_control_events_total{cluster=~"$cluster"}[5m]))'),
            "rate[5m]: use $__rate_interval")

    def test_job_name_matcher(self):
        self.assertFinds(lambda d: panel(d, "Service state")["targets"][0].update(
            expr='spark_control_service_up{cluster=~"$cluster", job="spark-control"}'), "is filtered on job")

    def test_label_the_family_lacks(self):
        self.assertFinds(lambda d: panel(d, "Service state")["targets"][0].update(
            expr='spark_control_service_up{cluster=~"$cluster", services=~"$service"}'),
            "spark_control_service_up has no label services")

    def test_grouping_by_an_unknown_label(self):
        self.assertFinds(lambda d: panel(d, "Connectivity events")["targets"][0].update(
            expr='sum by (kind) (rate(spark_control_events_total{cluster=~"$cluster"}[$__rate_interval]))'),
            "grouping by kind")

    def test_series_not_filtered_on_cluster(self):
        self.assertFinds(lambda d: panel(d, "Service state")["targets"][0].update(
            expr='spark_control_service_up{service=~"$service"}'), "is not filtered on $cluster")

    def test_dashboard_without_cluster_variable(self):
        def drop_cluster(dashboard):
            dashboard["templating"]["list"] = [v for v in dashboard["templating"]["list"] if v["name"] != "cluster"]
        self.assertFinds(drop_cluster, "no cluster variable")
        self.assertFinds(drop_cluster, "no cluster variable", original=LLM)

    def test_cluster_variable_with_one_value(self):
        self.assertFinds(lambda d: variable(d, "cluster").update(multi=False, includeAll=False),
                         "variable cluster: must be multi-value with All")

    def test_cluster_variable_not_refreshed(self):
        self.assertFinds(lambda d: variable(d, "cluster").update(refresh=1), "variable cluster: refresh must be 2")

    def test_series_filtered_on_one_cluster_only(self):
        self.assertFindsInQuery("Service state", 'spark_control_service_up{cluster="$cluster", service=~"$service"}',
                                "is not filtered on $cluster")

    def test_vllm_series_not_filtered_on_cluster(self):
        self.assertFindsInQuery("KV-cache usage", 'max by (cluster, model_name) (vllm:kv_cache_usage_perc)',
                                "vllm:kv_cache_usage_perc is not filtered on $cluster", original=LLM)

    def test_variable_not_filtered_on_cluster(self):
        query = "label_values(spark_control_service_up, service)"
        self.assertFinds(lambda d: variable(d, "service").update(definition=query, query={"query": query}),
                         "variable service: spark_control_service_up is not filtered on $cluster")

    def test_aggregation_adds_up_the_clusters(self):
        self.assertFindsInQuery(
            "Connectivity events", 'sum by (type) (rate(spark_control_events_total{cluster=~"$cluster"}[$__rate_interval]))',
            "query A: sum adds up the clusters into one series")

    def test_quantile_over_every_cluster(self):
        self.assertFindsInQuery("Time to first token", 'histogram_quantile(0.5, sum by (model_name, le) (rate('
                                'vllm:time_to_first_token_seconds_bucket{cluster=~"$cluster"}[$__rate_interval])))',
                                "sum adds up the clusters", original=LLM)

    def test_legend_without_cluster(self):
        self.assertFinds(lambda d: panel(d, "Current model")["targets"][0].update(legendFormat="{{served_name}}"),
                         "the legend does not name {{cluster}}")

    def test_unstable_uid(self):
        self.assertFinds(lambda d: d.update(uid="a8Fz3kQ"), "uid 'a8Fz3kQ' must be a stable spark-control-")


class ReadTest(unittest.TestCase):
    def test_finds_the_function_a_selector_sits_in(self):
        for expr in ('sum by (service) (rate(m_total{a="b"}[$__rate_interval]))',
                     'sum(rate(m_total[$__rate_interval])) by (service)',
                     'histogram_quantile(0.5, sum by (le) (rate(m_total[1m]))) > 0.5 and on (job) up'):
            selector = promql.read(expr).selectors[0]
            self.assertEqual((selector.name, selector.function), ("m_total", "rate"), expr)

    def test_reads_matchers_ranges_and_grouping(self):
        reading = promql.read('max by (cluster) (x{a="1", b=~"$v|c"}[$__range]) * on (job, instance) group_left y')
        self.assertEqual(reading.selectors[0].matchers, [("a", "=", "1"), ("b", "=~", "$v|c")])
        self.assertEqual(reading.selectors[0].range, "$__range")
        self.assertEqual(reading.selectors[1].name, "y")
        self.assertEqual(reading.grouping_labels, {"cluster", "job", "instance"})

    def test_vllm_names_keep_their_colon(self):
        self.assertEqual(promql.read("vllm:num_requests_running").selectors[0].name, "vllm:num_requests_running")

    def test_aggregations_and_what_they_keep(self):
        found = promql.aggregations('max(sum by (cluster, le) (rate(a_bucket[1m])) / sum(b)) without (le) + topk(1, c)')
        self.assertEqual([(a.name, a.modifier, a.labels, a.series) for a in found],
                         [("max", "without", {"le"}, ["a_bucket", "b"]), ("sum", "by", {"cluster", "le"}, ["a_bucket"]),
                          ("sum", "", set(), ["b"]), ("topk", "", set(), ["c"])])
        self.assertEqual([a.keeps("cluster") for a in found], [True, True, False, True])

    def test_label_values(self):
        self.assertEqual(promql.parse_label_values('label_values(up{a="b"}, instance)'), ('up{a="b"}', "instance"))
        self.assertIsNone(promql.parse_label_values("query_result(up)"))


if __name__ == "__main__":
    unittest.main()
