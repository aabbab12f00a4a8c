#!/usr/bin/env python3
"""Structural check of the Grafana dashboards in dashboards/*.json (standard library only).

Checks the conventions of dashboards people import from grafana.com and the repository's
metric contract: __inputs/__requires, every datasource reference is ${DS_PROMETHEUS} and a
datasource variable of that name exists, every panel has a description, a unit, thresholds
and at least one query, ids are unique, panels sit on the 24-column grid without overlapping,
every variable used is defined, every metric is in families.txt with its own labels, counters
appear only inside rate()/increase(), ranges are $__rate_interval (or $__range for totals over
the dashboard's time range), nothing depends on the scrape job's name, and dashboard uids are
stable and unique. Several clusters: every dashboard has a multi-value `cluster` variable, every
spark_control_ and vllm: series is filtered on it, no aggregation sums clusters into one series
(except a heatmap-format query: one distribution) and every legend of per-cluster series names
{{cluster}}.

Usage: check_dashboards.py [DASHBOARD.json ...]   (default: every dashboards/*.json)
Exit 0 when all is well; otherwise every problem is printed, one a line, and the exit is 1."""

import json
import re
import sys
from pathlib import Path

import promql

ROOT = Path(__file__).resolve().parents[2]
DS_VARIABLE = "DS_PROMETHEUS"
DATASOURCE = {"type": "prometheus", "uid": "${" + DS_VARIABLE + "}"}
GRID_COLUMNS = 24
# Grafana's own variables a query may use.
BUILTIN_VARIABLES = {"__rate_interval", "__interval", "__range"}
CLUSTER_MATCHER = ("cluster", "=~", "$cluster")
DASHBOARD_RANGES = {
    "rate": {"$__rate_interval"},
    "irate": {"$__rate_interval"},
    "increase": {"$__rate_interval", "$__range"},
    "": {"$__rate_interval", "$__range"},
}
# Grafana unit ids the dashboards use (a typo renders as a bare number); "suffix:" units are free.
UNITS = {"s", "ms", "dtdurations", "bytes", "percentunit", "short", "none", "reqps", "ops", "cps",
         "bool_on_off", "dateTimeFromNow"}
UID = re.compile(r"^spark-control-[a-z0-9-]+$")
VARIABLE_USE = re.compile(r"\$\{([A-Za-z0-9_]+)(?::[a-z]+)?\}|\$([A-Za-z0-9_]+)|\[\[([A-Za-z0-9_]+)\]\]")


def panels_of(dashboard):
    """Every panel, rows' nested panels (collapsed rows) included."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def variables_used(text):
    return {next(g for g in match.groups() if g) for match in VARIABLE_USE.finditer(text)}


def check_dashboard(dashboard, families):
    """Every problem of one dashboard (a parsed JSON object), as sentences."""
    problems = []
    problems += _check_header(dashboard)
    defined = set(BUILTIN_VARIABLES)
    for variable in dashboard.get("templating", {}).get("list", []):
        problems += _check_variable(variable, defined, families)
        defined.add(variable.get("name"))
    names = [v.get("name") for v in dashboard.get("templating", {}).get("list", [])]
    if "cluster" not in names:
        problems.append("no cluster variable (label_values(spark_control_build_info, cluster), multi-value "
                        "with All): every series exists once per cluster")
    for name in {n for n in names if names.count(n) > 1}:
        problems.append(f"variable {name} is defined twice")

    ids = {}
    placed = []
    for panel in panels_of(dashboard):
        where = f"panel {panel.get('title')!r} (id {panel.get('id')})"
        if not isinstance(panel.get("id"), int):
            problems.append(f"{where}: no integer id")
        elif panel["id"] in ids:
            problems.append(f"{where}: id {panel['id']} is also used by {ids[panel['id']]!r}")
        else:
            ids[panel["id"]] = panel.get("title")
        problems += [f"{where}: {p}" for p in _check_grid(panel, placed)]
        if panel.get("type") != "row":
            problems += [f"{where}: {p}" for p in _check_panel(panel, defined, families)]
    return problems


def _check_header(dashboard):
    problems = []
    uid = dashboard.get("uid", "")
    if not UID.match(uid) or len(uid) > 40:
        problems.append(f"uid {uid!r} must be a stable spark-control-... name of at most 40 characters")
    if dashboard.get("id") is not None:
        problems.append("id must be null (Grafana assigns it)")
    for key in ("title", "description", "schemaVersion"):
        if not dashboard.get(key):
            problems.append(f"no {key}")
    if "spark-control" not in dashboard.get("tags", []):
        problems.append("tags must include spark-control (the dashboards link each other by tag)")
    inputs = dashboard.get("__inputs", [])
    if not any(i.get("name") == DS_VARIABLE and i.get("type") == "datasource" and i.get("pluginId") == "prometheus"
               for i in inputs):
        problems.append(f"__inputs has no prometheus datasource input named {DS_VARIABLE}")
    required = {(r.get("type"), r.get("id")) for r in dashboard.get("__requires", [])}
    for need in {("grafana", "grafana"), ("datasource", "prometheus")} | {
            ("panel", p["type"]) for p in panels_of(dashboard) if p.get("type") != "row"}:
        if need not in required:
            problems.append(f"__requires lacks {need[0]} {need[1]}")
    variables = dashboard.get("templating", {}).get("list", [])
    if not any(v.get("name") == DS_VARIABLE and v.get("type") == "datasource" and v.get("query") == "prometheus"
               for v in variables):
        problems.append(f"no datasource variable named {DS_VARIABLE} (provisioned dashboards need it: "
                        "file provisioning does not fill __inputs)")
    for annotation in dashboard.get("annotations", {}).get("list", []):
        if not annotation.get("builtIn") and annotation.get("datasource") != DATASOURCE:
            problems.append(f"annotation {annotation.get('name')!r}: datasource must be {DATASOURCE}")
    return problems


def _check_variable(variable, defined, families):
    name = variable.get("name")
    where = f"variable {name}"
    if variable.get("type") == "datasource":
        return []
    if variable.get("type") != "query":
        return [f"{where}: type {variable.get('type')!r}; the dashboards use query variables only"]
    problems = []
    if variable.get("datasource") != DATASOURCE:
        problems.append(f"{where}: datasource must be {DATASOURCE}")
    query = variable.get("query")
    query = query.get("query", "") if isinstance(query, dict) else query or ""
    if variable.get("definition") != query:
        problems.append(f"{where}: definition differs from the query")
    parsed = promql.parse_label_values(query)
    if not parsed:
        return problems + [f"{where}: query must be label_values(selector, label), not {query!r}"]
    selector, label = parsed
    try:
        promql.tokens(selector)
    except ValueError as error:
        return problems + [f"{where}: {error}"]
    family = next((families[s.name] for s in promql.read(selector).selectors if s.name in families), None)
    if family and label not in family.labels | promql.TARGET_LABELS:
        problems.append(f"{where}: {family.name} has no label {label}")
    problems += [f"{where}: {p}" for p in promql.problems(selector, families, DASHBOARD_RANGES, uses_values=False)]
    problems += [f"{where}: uses ${v}, which is not defined before it" for v in sorted(variables_used(query) - defined)]
    if name == "cluster":
        problems += _check_cluster_variable(variable, label)
    else:
        problems += [f"{where}: {p}" for p in _unfiltered(selector)]
    if not variable.get("description"):
        problems.append(f"{where}: no description")
    return problems


def _check_cluster_variable(variable, label):
    problems = []
    if label != "cluster":
        problems.append(f"variable cluster: lists the label {label}, not cluster")
    if not variable.get("multi") or not variable.get("includeAll"):
        problems.append("variable cluster: must be multi-value with All (one, several or every cluster)")
    if variable.get("refresh") != 2:
        problems.append("variable cluster: refresh must be 2 (on time range change): clusters come and go")
    return problems


def _unfiltered(expr):
    """The series of clustered families in expr that are not filtered on $cluster."""
    return [f"{s.name} is not filtered on $cluster (cluster=~\"$cluster\")" for s in promql.read(expr).selectors
            if promql.is_clustered(s.name) and CLUSTER_MATCHER not in s.matchers]


def _check_clusters(target):
    """A query over several clusters keeps them apart: filtered on $cluster, grouped by cluster,
    {{cluster}} in the legend. A heatmap-format query is one distribution, summed over clusters."""
    expr = target["expr"]
    problems = _unfiltered(expr)
    if target.get("format") == "heatmap":
        return problems
    problems += [f"{a.name} adds up the clusters into one series: keep cluster, as in {a.name} by (cluster, ...)"
                 for a in promql.cluster_dropping(expr)]
    selectors = promql.read(expr).selectors
    if selectors and promql.is_clustered(selectors[0].name) and "{{cluster}}" not in target.get("legendFormat", ""):
        problems.append("the legend does not name {{cluster}}: series of several clusters would look alike")
    return problems


def _check_grid(panel, placed):
    grid = panel.get("gridPos", {})
    if not all(isinstance(grid.get(k), int) for k in ("x", "y", "w", "h")):
        return ["gridPos needs integer x, y, w and h"]
    x, y, w, h = grid["x"], grid["y"], grid["w"], grid["h"]
    if x < 0 or y < 0 or w < 1 or h < 1 or x + w > GRID_COLUMNS:
        return [f"gridPos {grid} is off the {GRID_COLUMNS}-column grid"]
    problems = [f"overlaps {title!r}" for title, (ox, oy, ow, oh) in placed
                if x < ox + ow and ox < x + w and y < oy + oh and oy < y + h]
    placed.append((panel.get("title"), (x, y, w, h)))
    return problems


def _check_panel(panel, defined, families):
    problems = []
    if panel.get("datasource") != DATASOURCE:
        problems.append(f"datasource must be {DATASOURCE}")
    for key in ("title", "description"):
        if not panel.get(key):
            problems.append(f"no {key}")
    defaults = panel.get("fieldConfig", {}).get("defaults", {})
    unit = defaults.get("unit")
    if not unit:
        problems.append("no unit (fieldConfig.defaults.unit)")
    elif unit not in UNITS and not unit.startswith("suffix:"):
        problems.append(f"unit {unit!r} is not one the checker knows (typo?)")
    steps = defaults.get("thresholds", {}).get("steps", [])
    if not steps or steps[0].get("value") is not None:
        problems.append("no thresholds (fieldConfig.defaults.thresholds.steps starting at null)")
    targets = panel.get("targets", [])
    if not targets:
        problems.append("no query")
    text = json.dumps({k: v for k, v in panel.items() if k != "datasource"})
    for variable in sorted(variables_used(text) - defined):
        problems.append(f"uses ${variable}, which is not defined")
    ref_ids = [t.get("refId") for t in targets]
    if len(set(ref_ids)) != len(ref_ids):
        problems.append(f"refIds repeat: {ref_ids}")
    for target in targets:
        if target.get("datasource") != DATASOURCE:
            problems.append(f"query {target.get('refId')}: datasource must be {DATASOURCE}")
        expr = target.get("expr", "")
        if not expr:
            problems.append(f"query {target.get('refId')}: no expr")
            continue
        try:
            promql.tokens(expr)
        except ValueError as error:
            problems.append(f"query {target.get('refId')}: {error}")
            continue
        problems += [f"query {target.get('refId')}: {p}"
                     for p in promql.problems(expr, families, DASHBOARD_RANGES) + _check_clusters(target)]
    return problems


def main(paths):
    families = promql.load_families()
    paths = [Path(p) for p in paths] or sorted((ROOT / "dashboards").glob("*.json"))
    if not paths:
        print("no dashboards found")
        return 1
    problems, uids, panels = [], {}, 0
    for path in paths:
        try:
            dashboard = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            problems.append(f"{path.name}: {error}")
            continue
        problems += [f"{path.name}: {p}" for p in check_dashboard(dashboard, families)]
        panels += sum(1 for _ in panels_of(dashboard))
        uid = dashboard.get("uid")
        if uid in uids:
            problems.append(f"{path.name}: uid {uid} is also the uid of {uids[uid]}")
        uids[uid] = path.name
    for problem in problems:
        print(problem)
    print(f"{len(paths)} dashboards, {panels} panels and rows: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
