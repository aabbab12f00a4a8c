#!/usr/bin/env python3
"""Swap log latency: how long a line printed on a Spark takes to reach a browser's SSE stream
(GET /api/jobs/{id}/log), next to the anchor measured in the same run: the same kind of line
read straight from Debian's OpenSSH client (`ssh host 'cmd'`), i.e. the SSH transport alone.

Everything runs on loopback: Debian's sshd on a free port with the fake spark-vllm-docker tools
of tests/testdata/fakes, a fake vLLM HTTP endpoint, and spark-control. The fake `docker logs`
prints "stamp N EPOCH_NS" lines; latency = arrival time - EPOCH_NS. Also reports the CPU
spark-control spends while its SSH session idles.

Usage: bench/log_latency.py BIN [lines]"""

import getpass
import http.client
import http.server
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FAKES = ROOT / "tests" / "testdata" / "fakes"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def summary(ms):
    return f"p50 {percentile(ms, 50):6.2f} ms   p99 {percentile(ms, 99):6.2f} ms   max {max(ms):6.2f} ms   n={len(ms)}"


def start_sshd(work, home=None, record=None):
    """Debian's sshd on a free loopback port with the fakes of tests/testdata/fakes on PATH.
    `home`: the sessions' HOME (so ~/.cache lands in the temp dir); `record`: a file every
    command run is appended to, NUL-terminated (as tests/support/sshd.cc records them)."""
    for sub in ("fakebin", "spark-vllm-docker", "state/containers", "hf-home"):
        (work / sub).mkdir(parents=True, exist_ok=True)
    shutil.copy(FAKES / "docker", work / "fakebin/docker")
    shutil.copy(FAKES / "hf", work / "fakebin/hf")
    shutil.copy(FAKES / "launch-cluster.sh", work / "spark-vllm-docker/launch-cluster.sh")
    for key in ("host", "client"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(work / key)], check=True)
    shutil.copy(work / "client.pub", work / "authorized_keys")
    port = free_port()
    (work / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {work / 'host'}\nPidFile none\n"
        f"AuthorizedKeysFile {work / 'authorized_keys'}\nStrictModes no\nUsePAM no\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "PermitRootLogin prohibit-password\nUseDNS no\nMaxStartups 100\n"
        f"SetEnv PATH={work / 'fakebin'}:/usr/bin:/bin SPARK_FAKE_STATE={work / 'state'}"
        + (f" HOME={home}" if home else "") + "\n"
        + (f"ForceCommand printf '%s\\0' \"$SSH_ORIGINAL_COMMAND\" >> {record}; "
           "cd ~ && eval \"$SSH_ORIGINAL_COMMAND\"\n" if record else ""))
    Path("/run/sshd").mkdir(exist_ok=True)
    proc = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", str(work / "sshd_config")],
                            stderr=open(work / "sshd.log", "w"))
    for _ in range(500):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return proc, port
        except OSError:
            time.sleep(0.01)
    raise SystemExit("bench: sshd did not start")


def start_trusting_app(binary, work):
    """spark-control on work/config.yaml and work/data, Spark 1's host key (work/host.pub, as
    start_sshd made it) confirmed. Returns the process and its host:port."""
    app = subprocess.Popen([binary, "--listen", "127.0.0.1:0", "--config", str(work / "config.yaml"),
                            "--data-dir", str(work / "data"), "--log-level", "warn"],
                           stdout=subprocess.PIPE, text=True)
    base = app.stdout.readline().split("http://")[1].strip()
    fingerprint = subprocess.run(["ssh-keygen", "-lf", str(work / "host.pub")], capture_output=True,
                                 text=True, check=True).stdout.split()[1]
    status, body = api(base, "POST", "/api/ssh/known-hosts/spark1", {"fingerprint": fingerprint})
    assert status == 200, body
    return app, base


def start_fake_vllm(container):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            lines = container.read_text().splitlines() if container.exists() else []
            if len(lines) < 3:
                self.send_response(503)
                self.end_headers()
                return
            body = json.dumps({"object": "list", "data": [{"id": lines[2], "object": "model"}]}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def api(base, method, path, body=None):
    conn = http.client.HTTPConnection(base, timeout=10)
    conn.request(method, path, json.dumps(body) if body is not None else None,
                 {"Content-Type": "application/json"})
    reply = conn.getresponse()
    return reply.status, json.loads(reply.read() or b"null")


def stamped_latencies(stream_lines):
    out = []
    for arrived, text in stream_lines:
        parts = text.split()
        if len(parts) == 3 and parts[0] == "stamp":
            out.append((arrived - int(parts[2])) / 1e6)
    return out


def via_spark_control(base, lines):
    status, body = api(base, "POST", "/api/swap", {"model": "qwen36"})
    assert status == 202, body
    job = body["job"]["id"]
    conn = http.client.HTTPConnection(base, timeout=120)
    conn.request("GET", f"/api/jobs/{job}/log")
    reply = conn.getresponse()
    received, event = [], None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        raw = reply.fp.readline()
        if not raw:
            break
        now = time.time_ns()
        line = raw.decode().rstrip("\r\n")
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: ") and event == "line":
            received.append((now, json.loads(line[6:])["text"]))
        elif line.startswith("data: ") and event == "end":
            assert json.loads(line[6:])["state"] == "succeeded", line
            break
    return stamped_latencies(received)


def via_openssh(work, port, lines):
    command = f"for i in $(seq 1 {lines}); do echo stamp $i $(date +%s%N); sleep 0.02; done"
    proc = subprocess.Popen(
        ["ssh", "-q", "-i", str(work / "client"), "-p", str(port), "-o", "BatchMode=yes",
         "-o", "StrictHostKeyChecking=no", "-o", f"UserKnownHostsFile={work / 'ssh_known'}",
         f"{getpass.getuser()}@127.0.0.1", command], stdout=subprocess.PIPE)
    received = []
    for raw in proc.stdout:
        received.append((time.time_ns(), raw.decode().strip()))
    proc.wait(timeout=60)
    return stamped_latencies(received)


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    binary, lines = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 300
    work = Path(tempfile.mkdtemp(prefix="spark-log-bench-"))
    procs = []
    try:
        sshd, port = start_sshd(work)
        procs.append(sshd)
        (work / "state/logs_mode").write_text("stamped")
        (work / "state/stamp_lines").write_text(str(lines))
        (work / "state/log_delay").write_text("0.02")
        (work / "state/follow_s").write_text("5")
        vllm = start_fake_vllm(work / "state/containers/vllm_node")
        (work / "config.yaml").write_text(
            f"sparks:\n  spark1: {{host: 127.0.0.1, user: {getpass.getuser()}, port: {port}}}\n"
            f"vllm: {{port: {vllm.server_address[1]}}}\nssh: {{key_path: {work / 'client'}}}\n"
            f"remote: {{vllm_docker_dir: {work / 'spark-vllm-docker'}}}\n")
        app, base = start_trusting_app(binary, work)
        procs.append(app)

        anchor = via_openssh(work, port, lines)
        ours = via_spark_control(base, lines)
        print(f"log line → client latency on loopback ({lines} lines, 20 ms apart)")
        print(f"  spark-control (sshd → libssh2 → job log → SSE): {summary(ours)}")
        print(f"  anchor: OpenSSH client stdout               : {summary(anchor)}")
        print(f"  target: p99 ≤ 100 ms → {'met' if percentile(ours, 99) <= 100 else 'MISSED'}")

        # Idle: the session stays open (keepalives every 15 s); measure spark-control's CPU.
        time.sleep(1)
        before = cpu_seconds(app.pid)
        time.sleep(10)
        used = cpu_seconds(app.pid) - before
        print(f"  CPU while the SSH session idles: {used * 1000:.0f} ms over 10 s "
              f"(includes probing every 2 s)")
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
