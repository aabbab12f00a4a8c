#!/usr/bin/env python3
"""Every dashboard panel has data in a real Prometheus, one series per cluster.

Starts two spark-control --demo (the second named cluster SECOND_SITE, so that there are always
several clusters) and Debian's Prometheus (1 s scrapes of both and of each demo cluster's fake vLLM
with that cluster's `cluster` target label, under job names nothing may depend on, with
dashboards/alerts.yml loaded), waits until every target has a few samples, starts a demo model
download in every cluster of each spark-control (its download series exist only while it runs) and
waits until Prometheus has those of two clusters, then runs every panel's queries through
/api/v1/query the way Grafana would: each variable resolved by its own label_values query and
substituted twice (its first value, then "All"), $__rate_interval and $__range replaced. Fails when
a query is invalid, when one returns no series (or only NaN) by the deadline unless it reads a
family of NO_DATA_EXPECTED, when one whose legend names {{cluster}} gives series of a single
cluster with All (it adds the clusters up), when a family of NO_DATA_EXPECTED is exported after all
(delete its line then), or when an alert rule does not evaluate. Every process is stopped by its
PID at the end, whatever happens.

Usage: live_query_test.py --spark-control BIN [--prometheus BIN]"""

import argparse
import json
import math
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import check_dashboards
import promql

# Families whose panels may have no data in this test, one a line with the reason. The test
# fails while a listed family is exported, so delete a line as soon as its family lands.
NO_DATA_EXPECTED = {}

# What Grafana puts in for its own variables with the provisioned datasource (scrape interval
# 15 s): $__rate_interval = 4 × 15 s. Right after start-up every window covers all samples.
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__range": "5m", "$__interval": "15s"}
SCRAPE_JOBS = ("any-name-spark-control", "any-name-vllm")  # the dashboards must not care
SECOND_SITE = "site-b"  # the `cluster` of the second spark-control
DOWNLOAD_REPO = "spark-control/dashboards-demo-34"  # the demo downloads it in 20 s, its longest
STARTUP_S = 15      # each process to answer
SAMPLES_S = 30      # every target up with a few samples
DATA_S = 30         # then every panel query has data
STOP_S = 5          # SIGTERM, then SIGKILL


class Failure(Exception):
    pass


def http_get(url, timeout=5.0):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read().decode()


def wait_for(what, deadline_s, probe, interval_s=0.25):
    """Calls probe() until it returns a true value; raises Failure after deadline_s."""
    end = time.monotonic() + deadline_s
    while True:
        try:
            value = probe()
            if value:
                return value
        except (OSError, ValueError, KeyError):
            pass
        if time.monotonic() > end:
            raise Failure(f"timed out after {deadline_s} s waiting for {what}")
        time.sleep(interval_s)


def running(process, name):
    """True while the process runs; raises Failure naming its exit code once it has stopped."""
    if process.poll() is not None:
        raise Failure(f"{name} exited with code {process.returncode}")
    return True


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Processes:
    """Processes started by this test; stop() ends each by its PID."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.running = []

    def start(self, name, argv):
        out = open(self.workdir / f"{name}.out", "w")
        err = open(self.workdir / f"{name}.err", "w")
        process = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        self.running.append((name, process, out, err))
        return process

    def stop(self):
        for name, process, out, err in reversed(self.running):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(STOP_S)
                except subprocess.TimeoutExpired:
                    print(f"{name} (pid {process.pid}) ignored SIGTERM for {STOP_S} s: killing it")
                    process.kill()
                    process.wait(STOP_S)
            out.close()
            err.close()
        self.running.clear()

    def tails(self):
        for name, _, _, _ in self.running:
            text = (self.workdir / f"{name}.err").read_text(errors="replace").strip().splitlines()
            if text:
                print(f"--- last lines of {name}'s stderr\n" + "\n".join(text[-15:]))


class Prometheus:
    def __init__(self, url):
        self.url = url

    def api(self, path, **params):
        query = urllib.parse.urlencode(params, doseq=True)
        try:
            body = json.loads(http_get(f"{self.url}/api/v1/{path}?{query}"))
        except urllib.error.HTTPError as error:  # 400 and 422 carry the reason as JSON
            body = json.loads(error.read().decode())
        if body.get("status") != "success":
            raise Failure(f"{body.get('errorType')}: {body.get('error')}")
        return body["data"]

    def query(self, expr):
        """Samples of an instant query as a list of (labels, value)."""
        data = self.api("query", query=expr)
        if data["resultType"] == "scalar":
            return [({}, float(data["result"][1]))]
        return [(r["metric"], float(r["value"][1])) for r in data["result"]]

    def label_values(self, selector, label):
        return sorted(self.api(f"label/{label}/values", **{"match[]": selector, "start": time.time() - 600}))


def start_spark_control(processes, binary, workdir, name, cluster=None):
    """Starts one spark-control --demo (named cluster `cluster` if given); returns its URL and
    its vLLM targets."""
    argv = [binary, "--demo", "--listen", "127.0.0.1:0", "--data-dir", str(workdir / f"{name}-data")]
    if cluster:
        (workdir / f"{name}.yaml").write_text(f"cluster: {cluster}\n")
        argv += ["--config", str(workdir / f"{name}.yaml")]
    process = processes.start(name, argv)
    stdout = workdir / f"{name}.out"

    def listening():
        running(process, name)
        for line in stdout.read_text().splitlines():
            if line.startswith("listening on http://"):
                return line.split()[-1]
        return None

    url = wait_for(f"{name}'s `listening on` line", STARTUP_S, listening)
    return urllib.parse.urlsplit(url).netloc, vllm_targets(url)


def vllm_targets(url):
    """[(cluster name, host:port of its vLLM)]: every cluster of GET /api/clusters, or the one
    cluster of /api/status where that route does not exist."""
    try:
        names = [c["name"] for c in json.loads(http_get(f"{url}/api/clusters"))["clusters"]]
    except urllib.error.HTTPError:
        names = [json.loads(http_get(f"{url}/api/status"))["cluster"]]
    targets = []
    for name in names:
        endpoints = json.loads(http_get(f"{url}/api/endpoints?cluster={urllib.parse.quote(name)}"))
        targets.append((name, urllib.parse.urlsplit(endpoints["vllm"]["base_url"]).netloc))
    return targets


def start_download(netloc, cluster):
    """POST /api/downloads of DOWNLOAD_REPO to one cluster of a spark-control --demo."""
    body = json.dumps({"hf_repo": DOWNLOAD_REPO, "mode": "solo"}).encode()
    url = f"http://{netloc}/api/downloads?cluster={urllib.parse.quote(cluster)}"
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            if response.status != 202:
                raise Failure(f"POST /api/downloads to {netloc} answered {response.status}")
    except urllib.error.HTTPError as error:
        raise Failure(f"POST /api/downloads to {netloc} answered {error.code}: {error.read().decode()}")


def start_prometheus(processes, binary, workdir, spark_controls, vllms):
    """Scrapes the spark-controls, and each cluster's vLLM with the cluster's name as a target
    label (as dashboards/prometheus.yml shows)."""
    port = free_port()
    config = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(check_dashboards.ROOT / "dashboards" / "alerts.yml")],
        "scrape_configs": [
            {"job_name": SCRAPE_JOBS[0], "static_configs": [{"targets": spark_controls}]},
            {"job_name": SCRAPE_JOBS[1], "static_configs": [{"targets": [target], "labels": {"cluster": name}}
                                                            for name, target in vllms]},
        ],
    }
    (workdir / "prometheus.yml").write_text(json.dumps(config, indent=1))  # JSON is YAML
    process = processes.start("prometheus", [binary, f"--config.file={workdir / 'prometheus.yml'}",
                                             f"--storage.tsdb.path={workdir / 'tsdb'}",
                                             f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"])
    url = f"http://127.0.0.1:{port}"
    wait_for("Prometheus to be ready", STARTUP_S,
             lambda: running(process, "prometheus") and "Ready" in http_get(f"{url}/-/ready"))
    return Prometheus(url)


def regex_escape(value):
    """Grafana's escaping of a multi-value variable's value inside a PromQL regex string."""
    return "".join("\\" * 4 if c == "\\" else "\\\\" + c if c in "$^*{}[]'+?.()|" else c for c in value)


def variable_values(prometheus, dashboard):
    """{mode: {"$name": text}} for mode "first value" and "All", resolved in order as Grafana
    does, plus the problems met (a variable with no value that no exception explains)."""
    modes = {"first value": {}, "All": {}}
    problems = []
    for variable in dashboard["templating"]["list"]:
        if variable["type"] != "query":
            continue
        query = variable["query"]["query"] if isinstance(variable["query"], dict) else variable["query"]
        selector, label = promql.parse_label_values(query)
        for mode, values in modes.items():
            found = prometheus.label_values(substitute(selector, values), label)
            if not found:
                if not excused_by(selector):
                    problems.append(f"variable {variable['name']}: {query} has no values")
                values["$" + variable["name"]] = ""
            elif not variable.get("multi") and not variable.get("includeAll"):
                values["$" + variable["name"]] = found[0]
            elif mode == "All" and len(found) > 1:
                values["$" + variable["name"]] = "(" + "|".join(regex_escape(v) for v in found) + ")"
            else:
                values["$" + variable["name"]] = regex_escape(found[0])
    return modes, problems


def substitute(expr, values):
    for name in sorted({**GRAFANA_VARIABLES, **values}, key=len, reverse=True):
        expr = expr.replace(name, {**GRAFANA_VARIABLES, **values}[name])
    return expr


def panel_queries(dashboard):
    """(where, expr, whether its legend names {{cluster}}) of every panel query."""
    for panel in check_dashboards.panels_of(dashboard):
        for target in panel.get("targets", []):
            yield (f"{dashboard['uid']} / {panel['title']} / {target['refId']}", target["expr"],
                   "{{cluster}}" in target.get("legendFormat", ""))


def excused_by(expr):
    """The NO_DATA_EXPECTED families an expression reads."""
    return sorted({FAMILIES[s.name].name for s in promql.read(expr).selectors if s.name in FAMILIES}
                  & NO_DATA_EXPECTED.keys())


def run_panel_queries(prometheus, dashboards):
    """Queries every panel until each has data or DATA_S has passed; returns the problems."""
    pending = {(d["uid"], where, expr, mode, per_cluster) for d in dashboards
               for where, expr, per_cluster in panel_queries(d) for mode in ("first value", "All")}
    problems, checked, clusters_seen = [], len(pending), {}
    end = time.monotonic() + DATA_S
    while pending:
        variable_problems = []
        for dashboard in dashboards:
            modes, found = variable_values(prometheus, dashboard)
            variable_problems += found
            for query in sorted(q for q in pending if q[0] == dashboard["uid"]):
                _, where, expr, mode, per_cluster = query
                try:
                    samples = prometheus.query(substitute(expr, modes[mode]))
                except Failure as error:
                    problems.append(f"{where} ({mode}): invalid query {substitute(expr, modes[mode])}\n    {error}")
                    pending.discard(query)
                    continue
                clusters = {labels.get("cluster") for labels, value in samples if not math.isnan(value)}
                clusters_seen[query] = clusters
                if clusters and (mode != "All" or not per_cluster or len(clusters) > 1):
                    pending.discard(query)
        if all(excused_by(query[2]) for query in pending) or time.monotonic() > end:
            break
        time.sleep(1)
    excused = {}
    for query in sorted(pending):
        _, where, expr, mode, _ = query
        families = excused_by(expr)
        if families:
            excused.setdefault(families[0], set()).add(where)
        elif clusters_seen.get(query):
            problems.append(f"{where} ({mode}): series of cluster {clusters_seen[query]} only, not one per "
                            f"cluster: {expr}")
        else:
            problems.append(f"{where} ({mode}): no data after {DATA_S} s: {expr}")
    print(f"{checked} panel queries run")
    for family, wheres in sorted(excused.items()):
        print(f"no data, as expected ({NO_DATA_EXPECTED[family]}): {family}: {', '.join(sorted(wheres))}")
    return sorted(set(variable_problems)) + problems


def stale_exceptions(prometheus):
    problems = []
    for name, reason in NO_DATA_EXPECTED.items():
        pattern = "|".join(FAMILY_BY_NAME[name].series_names())
        if prometheus.query(f'count({{__name__=~"{pattern}"}})'):
            problems.append(f"{name} is exported now, but NO_DATA_EXPECTED says \"{reason}\": "
                            "delete its line in tests/dashboards/live_query_test.py")
    return problems


def rule_problems(prometheus):
    def evaluated():
        rules = [r for g in prometheus.api("rules")["groups"] for r in g["rules"]]
        return rules if rules and all(r["health"] != "unknown" for r in rules) else None

    rules = wait_for("every alert rule to be evaluated", SAMPLES_S, evaluated)
    print(f"{len(rules)} alert rules evaluated")
    return [f"alert rule {r['name']}: {r['health']}: {r.get('lastError')}" for r in rules if r["health"] != "ok"]


FAMILIES = promql.load_families()
FAMILY_BY_NAME = {f.name: f for f in FAMILIES.values()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spark-control", required=True)
    parser.add_argument("--prometheus", default="/usr/bin/prometheus")
    args = parser.parse_args()
    dashboards = [json.loads(p.read_text()) for p in sorted((check_dashboards.ROOT / "dashboards").glob("*.json"))]
    workdir = Path(tempfile.mkdtemp(prefix="dashboards-live-"))
    processes = Processes(workdir)
    started = time.monotonic()
    problems = []
    try:
        first, first_vllms = start_spark_control(processes, args.spark_control, workdir, "spark-control")
        second, second_vllms = start_spark_control(processes, args.spark_control, workdir, "spark-control-b",
                                                   SECOND_SITE)
        vllms = first_vllms + second_vllms
        prometheus = start_prometheus(processes, args.prometheus, workdir, [first, second], vllms)
        print(f"clusters: {', '.join(name for name, _ in vllms)}")
        wait_for("every target to be up with 3 samples", SAMPLES_S, lambda: len(
            prometheus.query("count_over_time(up[1m]) >= 3 and up == 1")) == 2 + len(vllms))
        print(f"targets up with samples after {time.monotonic() - started:.1f} s")
        for netloc, clusters in ((first, first_vllms), (second, second_vllms)):
            for cluster, _ in clusters:
                start_download(netloc, cluster)
        wait_for("the demo downloads of two clusters in Prometheus", SAMPLES_S, lambda: len(
            {labels["cluster"] for labels, _ in prometheus.query("spark_control_download_size_bytes")})
            >= 2)
        print(f"demo downloads running after {time.monotonic() - started:.1f} s")
        problems += run_panel_queries(prometheus, dashboards)
        problems += stale_exceptions(prometheus)
        problems += rule_problems(prometheus)
    except Failure as error:
        problems.append(str(error))
    finally:
        if problems:
            processes.tails()
        processes.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    for problem in problems:
        print("FAIL:", problem)
    print(f"{len(problems)} problems in {time.monotonic() - started:.1f} s")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
