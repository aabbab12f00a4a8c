#!/usr/bin/env python3
"""Checks dashboards/alerts.yml beyond what promtool does: every alert has a severity, a summary,
a description and a runbook_url whose anchor is a section of docs/runbooks.md (and every
section there belongs to an alert); its expression reads only families of families.txt with
their own labels, counters only inside rate()/increase(), never a job name; it keeps `cluster`
(no aggregation drops it) and its summary names {{ $labels.cluster }}, unless it alerts on
absent() series, which have no cluster; and tests/dashboards/alerts_test.yml has, for every
alert, a case where it fires (expecting the cluster label) and one where it stays quiet. Needs
PyYAML (Debian's python3-yaml).

Exit 0 when all is well; otherwise every problem is printed, one a line, and the exit is 1."""

import re
import sys
from pathlib import Path

import yaml

import promql

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "dashboards" / "alerts.yml"
RULE_TESTS = Path(__file__).with_name("alerts_test.yml")
RUNBOOKS = ROOT / "docs" / "runbooks.md"
RUNBOOK_URL = "https://github.com/spark-control/spark-control/blob/main/docs/runbooks.md#"
SEVERITIES = {"critical", "warning", "info"}
ALERT_NAME = re.compile(r"^SparkControl[A-Z][A-Za-z]+$")
CLUSTER_IN_TEXT = "{{ $labels.cluster }}"


def has_cluster(rule):
    """False for a rule on absent() series: nothing is there, so no cluster is known."""
    return not rule.get("expr", "").lstrip().startswith("absent(")


def github_anchor(heading):
    """The anchor GitHub gives a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def runbook_sections():
    return [github_anchor(line[3:]) for line in RUNBOOKS.read_text().splitlines() if line.startswith("## ")]


def check_rules(rules, families, sections):
    problems = []
    for rule in rules:
        name = rule.get("alert")
        if not name:
            problems.append(f"recording rule {rule.get('record')}: this file holds alerts only")
            continue
        if not ALERT_NAME.match(name):
            problems.append(f"{name}: alert names are SparkControl + CamelCase")
        if rule.get("labels", {}).get("severity") not in SEVERITIES:
            problems.append(f"{name}: severity label must be one of {sorted(SEVERITIES)}")
        annotations = rule.get("annotations", {})
        for key in ("summary", "description", "runbook_url"):
            if not annotations.get(key):
                problems.append(f"{name}: no {key} annotation")
        url = annotations.get("runbook_url", "")
        if url != RUNBOOK_URL + name.lower():
            problems.append(f"{name}: runbook_url must be {RUNBOOK_URL + name.lower()}")
        if name.lower() not in sections:
            problems.append(f"{name}: docs/runbooks.md has no section ## {name}")
        problems += [f"{name}: {p}" for p in promql.problems(rule["expr"], families, {"": None})]
        if has_cluster(rule):
            problems += [f"{name}: {p}" for p in _cluster_problems(rule)]
    names = {r.get("alert", "").lower() for r in rules}
    problems += [f"docs/runbooks.md: section #{s} belongs to no alert" for s in sections if s not in names]
    return problems


def _cluster_problems(rule):
    """One spark-control serves several clusters: an alert keeps `cluster` and names it."""
    problems = [f"{a.name} drops the cluster label: keep it, as in {a.name} by (cluster, ...)"
                for a in promql.cluster_dropping(rule["expr"])]
    if CLUSTER_IN_TEXT not in rule.get("annotations", {}).get("summary", ""):
        problems.append(f"the summary must name the cluster ({CLUSTER_IN_TEXT})")
    return problems


def check_coverage(rules, tests):
    """Every alert fires in some case and stays quiet in another."""
    fires, quiet, problems = set(), set(), []
    clustered = {r["alert"] for r in rules if "alert" in r and has_cluster(r)}
    for group in tests.get("tests", []):
        for case in group.get("alert_rule_test", []):
            (fires if case.get("exp_alerts") else quiet).add(case["alertname"])
            if case["alertname"] in clustered and any("cluster" not in a.get("exp_labels", {})
                                                      for a in case.get("exp_alerts") or []):
                problems.append(f"{case['alertname']}: a case in {group['name']!r} expects no cluster label")
    names = {r["alert"] for r in rules if "alert" in r}
    problems += [f"{n}: no case in alerts_test.yml where it fires" for n in sorted(names - fires)]
    problems += [f"{n}: no case in alerts_test.yml where it stays quiet" for n in sorted(names - quiet)]
    problems += [f"alerts_test.yml tests {n}, which is not an alert" for n in sorted((fires | quiet) - names)]
    return problems


def main():
    rules = [r for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]]
    problems = check_rules(rules, promql.load_families(), runbook_sections())
    problems += check_coverage(rules, yaml.safe_load(RULE_TESTS.read_text()))
    for problem in problems:
        print(problem)
    print(f"{len(rules)} alert rules: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
