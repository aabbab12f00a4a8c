#!/usr/bin/env python3
"""Death detection (issue 16): how long after a service process is killed with SIGKILL its
`transition ok=false` event is in the connectivity log (GET /api/events, asked every 2 ms on
one keep-alive connection), with the connection watch on (probe.watch_connections: true, the default), next to the anchor measured in the same
run: the same kills with the watch off, where only the poll (probe.interval_s 2) sees them.

On loopback: the real spark-control binary probing one speech service, played by
`python3 -m http.server` serving a `health` file; after each kill the service is started again
on the same port and its `ok=true` transition awaited before the next kill.

Usage: bench/death_bench.py BIN [kills-with-watch] [kills-poll-only]"""

import http.client
import json
import queue
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no bench/__pycache__ in the checkout from the import below
from log_latency import free_port, percentile, summary  # noqa: E402

INTERVAL_S = 2
WAIT_S = 10  # bound on every wait for an event


def start_app(binary, work, service_port, watch):
    (work / "config.yaml").write_text(
        f"services:\n  parakeet: {{host: 127.0.0.1, port: {service_port}}}\n"
        f"probe: {{interval_s: {INTERVAL_S}, timeout_s: 1, "
        f"watch_connections: {'true' if watch else 'false'}}}\n")
    app = subprocess.Popen([binary, "--listen", "127.0.0.1:0", "--config", str(work / "config.yaml"),
                            "--data-dir", str(work / "data"), "--log-level", "warn"],
                           stdout=subprocess.PIPE, text=True)
    base = app.stdout.readline().split("http://")[1].strip()
    return app, base


def follow_transitions(base, arrivals, stop):
    """Puts (time.time_ns() when first seen, ok, source) for every transition of parakeet in
    the log, asking every 2 ms, until `stop` is set or the app ends."""
    conn = http.client.HTTPConnection(base, timeout=WAIT_S)
    since = 0
    try:
        while not stop.is_set():
            conn.request("GET", f"/api/events?since={since}&service=parakeet&type=transition")
            page = json.loads(conn.getresponse().read())
            seen = time.time_ns()
            for event in page["events"]:
                arrivals.put((seen, event["ok"], event["source"]))
            since = page["next"]
            time.sleep(0.002)
    except (OSError, http.client.HTTPException):
        return


def await_transition(arrivals, ok):
    """The arrival time.time_ns() and source of the next transition to `ok`."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        try:
            arrived, state, source = arrivals.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            break
        if state == ok:
            return arrived, source
    raise SystemExit(f"bench: no ok={ok} transition within {WAIT_S} s")


def start_service(root, port):
    return subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1",
                             "--directory", str(root), str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def kill_latencies(binary, work, watch, kills):
    """Milliseconds from each SIGKILL to its ok=false event, and the sources that saw them."""
    root = work / "service"
    root.mkdir()
    (root / "health").write_text("ok\n")
    port = free_port()
    app, base = start_app(binary, work, port, watch)
    arrivals, stop = queue.Queue(), threading.Event()
    follower = threading.Thread(target=follow_transitions, args=(base, arrivals, stop))
    follower.start()
    service = start_service(root, port)
    latencies, sources = [], {}
    try:
        await_transition(arrivals, True)
        for _ in range(kills):
            # Past the watch's re-arm (a connect within its 250 ms retry), at a uniformly random
            # phase of the poll.
            time.sleep(random.uniform(0.3, 0.3 + INTERVAL_S))
            killed = time.time_ns()
            service.kill()
            arrived, source = await_transition(arrivals, False)
            latencies.append((arrived - killed) / 1e6)
            sources[source] = sources.get(source, 0) + 1
            service.wait(timeout=WAIT_S)
            service = start_service(root, port)
            await_transition(arrivals, True)
    finally:
        stop.set()
        follower.join(timeout=WAIT_S)
        service.kill()
        service.wait(timeout=WAIT_S)
        app.terminate()
        app.wait(timeout=WAIT_S)
    return latencies, sources


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    binary = sys.argv[1]
    watched_kills = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    polled_kills = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    work = Path(tempfile.mkdtemp(prefix="spark-death-bench-"))
    try:
        (work / "watch").mkdir()
        (work / "poll").mkdir()
        watched, watched_by = kill_latencies(binary, work / "watch", True, watched_kills)
        polled, polled_by = kill_latencies(binary, work / "poll", False, polled_kills)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"death detection: SIGKILL of a service → its ok=false transition in the log "
          f"(probe.interval_s {INTERVAL_S})")
    for name, ms, by in (("connection watch on:   ", watched, watched_by),
                         ("poll only (watch off): ", polled, polled_by)):
        print(f"  {name} {summary(ms)}   p90 {percentile(ms, 90):.2f} ms   seen by {by}")


if __name__ == "__main__":
    main()
