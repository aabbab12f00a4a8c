#!/usr/bin/env python3
"""Load and soak (issue 10, "Matrices: Load"): spark-control --demo under wrk on /metrics and on
POST /api/health-event while demo swaps stream their logs to a job-log client and 64 SSE
clients follow /api/events/stream, each from its own loopback address (127.0.0.2 …), so a
per-client stream cap does not apply. Checks, printed PASS/FAIL:
  - no errors: wrk saw no non-2xx answers and no socket errors, no swap request failed;
  - no lost event: every SSE client saw a gap-free run of ids ending at the log's last id, and
    every 202 wrk counted is in spark_control_health_reports_total{source="soak"};
  - RSS flat: VmRSS sampled every few seconds; the mean of the last fifth of the run against
    the mean of the second fifth (after warm-up).
Usage: bench/soak.py BIN [seconds=600] [--sse N] [--event-rate N/s] [--metrics-connections N]
"""
import argparse
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ID_LINE = re.compile(rb"^id: (\d+)$", re.M)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(base, path):
    with urllib.request.urlopen(base + path, timeout=10) as r:
        return json.loads(r.read())


def metric(base, series):
    with urllib.request.urlopen(base + "/metrics", timeout=10) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(series + " "):
                return float(line.split()[-1])
    return 0.0


class SseClient(threading.Thread):
    """Follows `path` (/api/events/stream) from `source_ip`; keeps count, first, last and sum
    of ids, and how many ids did not follow the last one by 1 (out_of_order) or did not
    exceed it (backwards)."""

    def __init__(self, port, source_ip, stop, path="/api/events/stream"):
        super().__init__(daemon=True)
        self.port, self.source_ip, self.stop, self.path = port, source_ip, stop, path
        self.count = self.first = self.last = self.total = 0
        self.out_of_order = self.backwards = 0
        self.error = None

    def run(self):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30,
                                              source_address=(self.source_ip, 0))
            conn.request("GET", self.path)
            resp = conn.getresponse()
            if resp.status != 200:
                self.error = f"HTTP {resp.status}"
                return
            pending = b""
            while not self.stop.is_set():
                data = resp.read1(65536)
                if not data:
                    self.error = "stream closed by the server"
                    return
                pending += data
                cut = pending.rfind(b"\n") + 1
                ids = [int(m) for m in ID_LINE.findall(pending[:cut])]
                pending = pending[cut:]
                for i in ids:
                    if self.count and i != self.last + 1:
                        self.out_of_order += 1
                    if self.count and i <= self.last:
                        self.backwards += 1
                    if not self.count:
                        self.first = i
                    self.count += 1
                    self.last = i
                    self.total += i
        except Exception as e:  # reported, never raised in a thread
            self.error = repr(e)

    def gap_free(self):
        n = self.last - self.first + 1
        return self.count == n and self.total == n * (self.first + self.last) // 2 and not self.out_of_order


class Swapper(threading.Thread):
    """Starts demo swaps back to back and reads each job's log stream to its `end`."""

    def __init__(self, base, port, stop):
        super().__init__(daemon=True)
        self.base, self.port, self.stop = base, port, stop
        self.outcomes, self.errors, self.lines = {}, [], 0

    def run(self):
        models = ["gemma4", "qwen36"]
        n = 0
        while not self.stop.is_set():
            req = urllib.request.Request(self.base + "/api/swap", method="POST",
                                         data=json.dumps({"model": models[n % 2]}).encode(),
                                         headers={"Content-Type": "application/json"})
            n += 1
            try:
                with urllib.request.urlopen(req, timeout=10) as r:
                    job = json.loads(r.read())["job"]
            except urllib.error.HTTPError as e:
                if e.code != 409:
                    self.errors.append(f"swap: HTTP {e.code} {e.read()[:200]!r}")
                time.sleep(1)
                continue
            except Exception as e:
                self.errors.append(f"swap: {e!r}")
                time.sleep(1)
                continue
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                conn.request("GET", f"/api/jobs/{job['id']}/log")
                resp = conn.getresponse()
                text = b""
                while b"event: end" not in text and not self.stop.is_set():
                    data = resp.read1(65536)
                    if not data:
                        break
                    text += data
                self.lines += text.count(b"event: line")
                state = get_json(self.base, f"/api/jobs/{job['id']}")["state"]
                self.outcomes[state] = self.outcomes.get(state, 0) + 1
            except Exception as e:
                self.errors.append(f"job log: {e!r}")


WRK_EVENT_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"service":"vllm","ok":true,"source":"soak","ms":12.5}'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) accepted = 0; refused = 0; wait_ms = tonumber(args[1]) end
function delay() return wait_ms end
function response(status, headers, body)
  if status == 202 then accepted = accepted + 1 else refused = refused + 1 end
end
function done(summary, latency, requests)
  local a, r = 0, 0
  for _, t in ipairs(threads) do a = a + t:get("accepted"); r = r + t:get("refused") end
  io.write(string.format("ACCEPTED %d REFUSED %d\\n", a, r))
end
"""


def wrk_summary(text):
    total = int(re.search(r"(\d+) requests in", text).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    m = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", text)
    p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)] if m else float("nan")
    return {"total": total, "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": sum(map(int, sock.groups())) if sock else 0, "rps": rps, "p99": p99}


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("bin")
    p.add_argument("seconds", nargs="?", type=int, default=600)
    p.add_argument("--sse", type=int, default=64)
    p.add_argument("--event-rate", type=int, default=500, help="health-event posts per second")
    p.add_argument("--metrics-connections", type=int, default=4)
    p.add_argument("--sample-s", type=float, default=5.0)
    a = p.parse_args()

    work = tempfile.mkdtemp(prefix="spark-soak-")
    with open(f"{work}/soak.yaml", "w") as f:
        f.write(f"limits: {{report_rate_per_client: 0, max_sse_clients: {a.sse + 8}}}\n")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([a.bin, "--demo", "--listen", f"127.0.0.1:{port}", "--config",
                             f"{work}/soak.yaml", "--data-dir", f"{work}/data"],
                            stdout=subprocess.PIPE, stderr=open(f"{work}/stderr.log", "w"))
    stop = threading.Event()
    procs = []
    try:
        if not proc.stdout.readline().startswith(b"listening on "):
            sys.exit(f"soak: {a.bin} did not start (see {work}/stderr.log)")
        clients = [SseClient(port, f"127.0.0.{2 + i}", stop) for i in range(a.sse)]
        for c in clients:
            c.start()
        swapper = Swapper(base, port, stop)
        swapper.start()
        with open(f"{work}/event.lua", "w") as f:
            f.write(WRK_EVENT_LUA)
        conns = 4
        wait_ms = max(1, conns * 1000 // max(1, a.event_rate))
        before = metric(base, 'spark_control_health_reports_total{cluster="default",service="vllm",source="soak",outcome="ok"}')
        wrk_events = subprocess.Popen(["wrk", "-t1", f"-c{conns}", f"-d{a.seconds}s", "--latency",
                                       "-s", f"{work}/event.lua", f"{base}/api/health-event", "--", str(wait_ms)],
                                      stdout=subprocess.PIPE, text=True)
        wrk_metrics = subprocess.Popen(["wrk", "-t1", f"-c{a.metrics_connections}", f"-d{a.seconds}s",
                                        "--latency", f"{base}/metrics"], stdout=subprocess.PIPE, text=True)
        procs = [wrk_events, wrk_metrics]
        samples = []
        t0 = time.monotonic()
        while wrk_events.poll() is None or wrk_metrics.poll() is None:
            samples.append((time.monotonic() - t0, rss_kb(proc.pid)))
            time.sleep(a.sample_s)
        events_out, metrics_out = wrk_events.stdout.read(), wrk_metrics.stdout.read()
        ev, me = wrk_summary(events_out), wrk_summary(metrics_out)
        accepted = int(re.search(r"ACCEPTED (\d+)", events_out).group(1))
        refused = int(re.search(r"REFUSED (\d+)", events_out).group(1))
        after = metric(base, 'spark_control_health_reports_total{cluster="default",service="vllm",source="soak",outcome="ok"}')
        # Every SSE client catches up with the log's newest id (bounded wait).
        newest = 0
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            newest = get_json(base, "/api/events?limit=1")["events"][-1]["id"]
            if all(c.last >= newest or c.error for c in clients):
                break
            time.sleep(0.2)
        # What the clients saw up to now: stopping the server below ends their streams.
        errors = [c.error for c in clients if c.error] + list(swapper.errors)
        alive = proc.poll() is None
        stop.set()
    finally:
        stop.set()
        for q in procs:
            if q.poll() is None:
                q.kill()
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()

    print(f"soak: {a.seconds} s, {a.sse} SSE clients, health-event at ~{a.event_rate}/s, "
          f"/metrics with {a.metrics_connections} connections, {os.cpu_count()} cores, binary {a.bin}")
    print(f"  /metrics      : {me['total']} requests, {me['rps']:.0f} req/s, p99 {me['p99']:.2f} ms, "
          f"non-2xx {me['non2xx']}, socket errors {me['socket_errors']}")
    print(f"  health-event  : {ev['total']} requests, {ev['rps']:.0f} req/s, p99 {ev['p99']:.2f} ms, "
          f"202 {accepted}, other {refused}, socket errors {ev['socket_errors']}")
    print(f"  reports counted by the process (source=soak): {after - before:.0f}")
    print(f"  swaps: {swapper.outcomes}, {swapper.lines} log lines streamed")
    gapped = [c for c in clients if not c.gap_free()]
    behind = [c for c in clients if c.last < newest]
    counts = sorted(c.count for c in clients)
    print(f"  SSE clients: {len(clients)}; events each: min {counts[0]}, max {counts[-1]}; "
          f"newest id {newest}; with gaps {len(gapped)}, behind {len(behind)}")
    print(f"  errors while loaded: {len(errors)} {errors[:3]}")
    warm = [kb for t, kb in samples if a.seconds * 0.2 <= t < a.seconds * 0.4]
    last = [kb for t, kb in samples if t >= a.seconds * 0.8]
    rss = [kb for _, kb in samples]
    warm_mb = sum(warm) / len(warm) / 1024 if warm else float("nan")
    last_mb = sum(last) / len(last) / 1024 if last else float("nan")
    print(f"  RSS MB: start {rss[0] / 1024:.1f}, min {min(rss) / 1024:.1f}, max {max(rss) / 1024:.1f}, "
          f"end {rss[-1] / 1024:.1f}; mean of 2nd fifth {warm_mb:.1f}, of last fifth {last_mb:.1f} "
          f"({len(rss)} samples every {a.sample_s:g} s)")
    step = max(1, len(samples) // 12)
    print("  RSS samples (s:MB): " + " ".join(f"{t:.0f}:{kb / 1024:.1f}" for t, kb in samples[::step]))
    checks = [
        ("no errors", me["non2xx"] == 0 and me["socket_errors"] == 0 and ev["socket_errors"] == 0
         and refused == 0 and not errors and alive),
        ("no lost event", not gapped and not behind and accepted <= after - before <= accepted + 4),
        ("RSS flat (last fifth within 10% of the second)", last_mb <= warm_mb * 1.10),
    ]
    for name, ok in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {name}")


if __name__ == "__main__":
    main()
