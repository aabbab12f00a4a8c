#!/usr/bin/env python3
"""The connectivity log under expensive readers (standard library only).

With N events on disk (default 1,000,000, written in the format spark-control writes), starts
BIN on that data dir and measures, in one run:
  - the first query after start (it indexes the files it reads) and GET /api/events?since=X at
    several positions (median and max of 20 each);
  - POST /api/health-event latency from one keep-alive client for S seconds, with no readers,
    then with 16 parallel expensive readers: 8 ask for a service no event has (`service=zzz`,
    newest and since=0) and 8 replay the whole log over SSE from `Last-Event-ID: 0`; and what
    the readers got done meanwhile (answers, 503 busy answers, events replayed).
Usage: bench/event_log_bench.py BIN [seconds] [events]
"""
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

READERS = 16
TARGET_P99_MS = 5.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_log(data: str, events: int) -> None:
    """events.4.jsonl … events.1.jsonl hold the events (ids 1..N); events.jsonl is empty."""
    os.makedirs(data, mode=0o700)
    services = ["vllm", "parakeet", "magpie"]
    per_file = -(-events // 4)
    next_id = 1
    for n in (4, 3, 2, 1):
        last = min(events, next_id + per_file - 1)
        with open(os.path.join(data, f"events.{n}.jsonl"), "w") as f:
            lines = []
            for i in range(next_id, last + 1):
                kind = "transition" if i % 100 == 0 else "report"
                ms = i % 1000 / 10
                lines.append(
                    f'{{"id":{i},"ts":"2026-11-30T12:{i // 60000 % 60:02d}:{i // 1000 % 60:02d}.'
                    f'{i % 1000:03d}Z","service":"{services[i % 3]}","type":"{kind}",'
                    f'"ok":{"true" if i % 7 else "false"},"source":"bench-{i % 5}",'
                    f'"error":{"null" if i % 7 else chr(34) + "HTTP 503" + chr(34)},"ms":{ms}}}\n')
                if len(lines) == 10000:
                    f.writelines(lines)
                    lines = []
            f.writelines(lines)
        next_id = last + 1
    open(os.path.join(data, "events.jsonl"), "w").close()


def timed_get(port: int, path: str) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    start = time.perf_counter()
    conn.request("GET", path)
    reply = conn.getresponse()
    body = reply.read()
    elapsed = (time.perf_counter() - start) * 1000
    if reply.status != 200:
        raise RuntimeError(f"GET {path}: {reply.status} {body[:200]!r}")
    conn.close()
    return elapsed


def post_latencies(port: int, seconds: float) -> list:
    body = json.dumps({"service": "vllm", "ok": True, "source": "bench", "ms": 12.5})
    headers = {"Content-Type": "application/json"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    samples = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        start = time.perf_counter()
        conn.request("POST", "/api/health-event", body, headers)
        reply = conn.getresponse()
        reply.read()
        samples.append((time.perf_counter() - start) * 1000)
        if reply.status != 202:
            raise RuntimeError(f"health-event: {reply.status}")
    conn.close()
    return samples


def reader(kind: str, port: int) -> None:
    """Runs until SIGTERM: one expensive reader, query after query. Then prints what it got
    done: `filter ANSWERS BUSY` (busy = 503 answers) or `replay EVENTS`."""
    done = {"answers": 0, "busy": 0, "events": 0}

    def report(*_):
        if kind == "filter":
            print(f"filter {done['answers']} {done['busy']}", flush=True)
        else:
            print(f"replay {done['events']}", flush=True)
        os._exit(0)

    signal.signal(signal.SIGTERM, report)
    paths = ["/api/events?service=zzz&limit=1000", "/api/events?since=0&service=zzz&limit=1000"]
    n = 0
    while True:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        if kind == "filter":
            conn.request("GET", paths[n % 2])
            reply = conn.getresponse()
            reply.read()
            done["answers" if reply.status == 200 else "busy"] += 1
        else:  # replay the whole log, then reconnect
            conn.request("GET", "/api/events/stream", headers={"Last-Event-ID": "0"})
            reply = conn.getresponse()
            tail = b""
            while True:
                chunk = reply.read1(1 << 16)
                done["events"] += (tail + chunk).count(b"\nid: ") - tail.count(b"\nid: ")
                if not chunk or b"event: state" in tail + chunk:
                    break
                tail = chunk[-16:]
        conn.close()
        n += 1


def stop_readers(readers: list) -> dict:
    """Stops the readers; what they got done, summed by kind."""
    for r in readers:
        r.terminate()
    totals = {"filter": [0, 0], "replay": [0]}
    for r in readers:
        out, _ = r.communicate(timeout=30)
        fields = out.split()
        if fields:
            for i, value in enumerate(fields[1:]):
                totals[fields[0]][i] += int(value)
    return totals


def p(samples: list, q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    if len(sys.argv) >= 3 and sys.argv[1] == "--reader":
        reader(sys.argv[2], int(sys.argv[3]))
        return
    binary = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10
    events = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000
    with tempfile.TemporaryDirectory(prefix="spark-eventlog-") as work:
        data = os.path.join(work, "data")
        write_log(data, events)
        disk_mb = sum(os.path.getsize(os.path.join(data, f)) for f in os.listdir(data)) / 1e6
        with open(os.path.join(work, "c.yaml"), "w") as f:
            f.write("limits: {report_rate_per_client: 0}\n")
        port = free_port()
        start = time.perf_counter()
        out = open(os.path.join(work, "out.txt"), "w")
        server = subprocess.Popen(
            [binary, "--listen", f"127.0.0.1:{port}", "--config", os.path.join(work, "c.yaml"),
             "--data-dir", data], stdout=out, stderr=subprocess.DEVNULL)
        readers = []
        try:
            while True:
                try:
                    timed_get(port, "/healthz")
                    break
                except OSError:
                    if time.perf_counter() - start > 10:
                        raise
            ready_ms = (time.perf_counter() - start) * 1000
            print(f"connectivity log: {events} events on disk ({disk_mb:.0f} MB in 5 files); "
                  f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
            print(f"  start to first answer: {ready_ms:.1f} ms")
            first = timed_get(port, f"/api/events?since={events // 2}&limit=100")
            print(f"  first query after start (indexes the files it needs): {first:.1f} ms")
            print("  GET /api/events?since=X&limit=100   median ms   max ms  (20 each)")
            for since in (0, events // 4, events // 2, events * 3 // 4, events - 50):
                ms = [timed_get(port, f"/api/events?since={since}&limit=100") for _ in range(20)]
                print(f"    since={since:<9}                   {statistics.median(ms):9.2f} "
                      f"{max(ms):8.2f}")
            ms = [timed_get(port, "/api/events?service=zzz&limit=1000") for _ in range(20)]
            print(f"    service=zzz (matches nothing)         {statistics.median(ms):9.2f} "
                  f"{max(ms):8.2f}")
            quiet = post_latencies(port, seconds)
            for i in range(READERS):
                kind = "filter" if i % 2 == 0 else "replay"
                readers.append(subprocess.Popen([sys.executable, __file__, "--reader", kind,
                                                 str(port)], stdout=subprocess.PIPE, text=True))
            time.sleep(1)  # the readers are connected and busy
            loaded = post_latencies(port, seconds)
            load = os.getloadavg()[0]
            got = stop_readers(readers)
            readers = []
        finally:
            for r in readers:
                r.kill()
            for r in readers:
                r.wait()
            server.terminate()
            server.wait(timeout=10)
            out.close()
        print(f"  POST /api/health-event, one keep-alive client, {seconds:.0f} s each "
              f"(load average {load:.1f} at the end)")
        print("                               requests    p50 ms    p99 ms    max ms")
        for name, samples in (("no readers", quiet), (f"{READERS} expensive readers", loaded)):
            print(f"    {name:24} {len(samples):9} {p(samples, 0.5):9.2f} {p(samples, 0.99):9.2f} "
                  f"{max(samples):9.2f}")
        print(f"  readers meanwhile (about {seconds + 1:.0f} s): {got['filter'][0]} filter answers, "
              f"{got['filter'][1]} busy (503), {got['replay'][0]} events replayed over SSE")
        ok = p(loaded, 0.99) <= TARGET_P99_MS
        print(f"  target: p99 <= {TARGET_P99_MS} ms with readers -> {'met' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
