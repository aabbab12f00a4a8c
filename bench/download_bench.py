#!/usr/bin/env python3
"""Downloads (issue 14), each figure next to its anchor measured in the same run, on loopback:
Debian's sshd as Spark 1 (HOME in a temp dir) with the fake `hf` of tests/testdata/fakes writing
real bytes at a steered rate, a fake Hub API (python http.server) as `remote.hf_endpoint`, and
the real spark-control binary.
  1. progress honesty: GET /api/jobs/{id} every 200 ms next to the bytes on disk under blobs/
     at the same moment: lag in seconds of download, rate_bps vs the real rate on disk
  2. cost: spark-control's CPU and SSH commands/s while downloading vs idle for as long
  3. re-attach: SIGKILL mid-download and start again: time to bytes_done moving vs time to the
     first /healthz answer
  4. cancel: DELETE the job: time until no process of the download is left vs the poll interval
Usage: bench/download_bench.py BIN"""

import collections
import getpass
import hashlib
import http.client
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no bench/__pycache__ in the checkout from the import below
from log_latency import api, cpu_seconds, free_port, percentile, start_sshd  # noqa: E402

MIB = 1 << 20
RATE = 20 * MIB                    # what the fake hf is steered to write per second
MAIN_REPO, MAIN_SIZE = "bench/weights-200m", 200 * MIB
LONG_REPO, LONG_RATE = "bench/weights-long", 4 * MIB   # killed, restarted, cancelled
SAMPLE_S = 0.2
REATTACH_RUNS = 5
CANCEL_RUNS = 3


def key_of(repo):
    return repo.replace("/", "--")


def sha_of(repo):
    return hashlib.sha1(repo.encode()).hexdigest()


def shards(total):
    half = total // 2
    return [("config.json", 1234), ("model-00001-of-00002.safetensors", half),
            ("model-00002-of-00002.safetensors", half)]


def start_fake_hub(repos):
    """The two Hub requests spark-control's hub check makes: the model info with siblings and
    the HEAD access check (tests/support/fake_hub.cc has the full shape)."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def repo_and_rev(self, prefix, infix):
            path = self.path.split("?")[0]
            if not path.startswith(prefix) or infix not in path:
                return None, None
            repo, rest = path[len(prefix):].split(infix, 1)
            return (repo, rest) if repo in repos else (None, None)

        def answer(self, status, body=b"", headers=()):
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_GET(self):
            repo, _ = self.repo_and_rev("/api/models/", "/revision/")
            if repo is None:
                return self.answer(404, b'{"error": "Repository not found"}')
            siblings = [{"rfilename": name, "size": size} |
                        ({"lfs": {"size": size, "sha256": hashlib.sha256(name.encode()).hexdigest(),
                                  "pointerSize": 134}} if name.endswith(".safetensors") else {})
                        for name, size in repos[repo]]
            body = json.dumps({"id": repo, "modelId": repo, "sha": sha_of(repo), "private": False,
                               "gated": False, "siblings": siblings}).encode()
            self.answer(200, body, [("Content-Type", "application/json")])

        def do_HEAD(self):
            repo, rest = self.repo_and_rev("/", "/resolve/")
            ok = repo is not None and rest.endswith("/.gitattributes")
            self.answer(200 if ok else 404, headers=[("X-Repo-Commit", sha_of(repo or ""))])

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class World:
    """sshd, the fake Hub, the fake hf's steering and spark-control (restartable on the same
    data dir)."""

    def __init__(self, binary, work):
        self.binary, self.work = binary, work
        self.home, self.record = work / "home", work / "commands"
        self.home.mkdir()
        self.record.touch()
        self.sshd, port = start_sshd(work, home=self.home, record=self.record)
        repos = {MAIN_REPO: shards(MAIN_SIZE), LONG_REPO: shards(4096 * MIB)}
        self.hub = start_fake_hub(repos)
        for repo, files in repos.items():
            self.steer(f"hf_files.{key_of(repo)}", "".join(f"{n} {s}\n" for n, s in files))
            self.steer(f"hf_sha.{key_of(repo)}", sha_of(repo) + "\n")
        self.steer("hf_rate", str(RATE))
        self.steer(f"hf_rate.{key_of(LONG_REPO)}", str(LONG_RATE))
        (work / "config.yaml").write_text(
            f"sparks:\n  spark1: {{host: 127.0.0.1, user: {getpass.getuser()}, port: {port}}}\n"
            f"vllm: {{port: {free_port()}}}\nssh: {{key_path: {work / 'client'}}}\n"
            f"remote: {{vllm_docker_dir: {work / 'spark-vllm-docker'}, "
            f"hf_endpoint: 'http://127.0.0.1:{self.hub.server_address[1]}', "
            "hf_home: '~/.cache/huggingface'}\n")
        self.app, self.base = None, None

    def steer(self, name, text):
        (self.work / "state" / name).write_text(text)

    def start_app(self):
        """Starts spark-control; seconds from the start to its first /healthz answer."""
        port = free_port()
        self.base = f"127.0.0.1:{port}"
        started = time.monotonic()
        self.app = subprocess.Popen(
            [self.binary, "--listen", self.base, "--config", str(self.work / "config.yaml"),
             "--data-dir", str(self.work / "data"), "--log-level", "warn"],
            stdout=open(self.work / "app.out", "a"), stderr=open(self.work / "app.err", "a"))
        for _ in range(2000):
            try:
                conn = http.client.HTTPConnection(self.base, timeout=1)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.002)
        raise SystemExit("bench: spark-control did not answer /healthz")

    def kill_app(self):
        self.app.send_signal(signal.SIGKILL)
        self.app.wait(timeout=5)

    def job(self, job_id):
        try:
            status, body = api(self.base, "GET", f"/api/jobs/{job_id}")
        except OSError:
            return None
        return body if status == 200 else None

    def download(self, repo):
        status, body = api(self.base, "POST", "/api/downloads", {"hf_repo": repo, "mode": "solo"})
        assert status == 202, body
        return body["job"]["id"]

    def disk_bytes(self, repo):
        blobs = self.home / ".cache/huggingface/hub" / f"models--{key_of(repo)}" / "blobs"
        try:
            return sum(e.stat().st_size for e in os.scandir(blobs))
        except FileNotFoundError:
            return 0

    def commands(self):
        """The commands sshd ran so far, in order."""
        return self.record.read_bytes().split(b"\0")[:-1]

    def download_processes(self):
        """Pids of the fake hf and the detached script (its path holds the jobs dir)."""
        pids = set()
        for needle in (str(self.work / "fakebin/hf"), str(self.home / ".cache/spark-control/jobs")):
            found = subprocess.run(["pgrep", "-f", needle], capture_output=True, text=True).stdout
            pids.update(found.split())
        return pids


def bytes_done(job):
    progress = (job or {}).get("progress") or {}
    return progress.get("bytes_done")


def wait_moving(world, job_id, above, max_s=20):
    """Polls every 10 ms until bytes_done exceeds `above`; (seconds, bytes_done)."""
    started = time.monotonic()
    while time.monotonic() - started < max_s:
        done = bytes_done(world.job(job_id))
        if isinstance(done, int) and done > above:
            return time.monotonic() - started, done
        time.sleep(0.01)
    raise SystemExit(f"bench: job {job_id} did not move past {above} bytes in {max_s} s")


def marker_of(command):
    """VERB of the ": spark-control-VERB key=value…;" statement the command line holds (after
    the session echo spark-control puts first), else "other"."""
    at = command.find(b": spark-control-")
    return command[at + 16:].split(b";")[0].split(b" ")[0].decode() if at >= 0 else "other"


def disk_time_at(samples, target):
    """When the disk held `target` bytes, interpolated between the samples (t, disk)."""
    for (t0, d0), (t1, d1) in zip(samples, samples[1:]):
        if d0 <= target <= d1 and d1 > d0:
            return t0 + (t1 - t0) * (target - d0) / (d1 - d0)
    return None


def progress_and_cost(world):
    """1 and 2: one download of MAIN_SIZE sampled every 200 ms; its CPU and SSH commands."""
    cpu0, cmd0, t0 = cpu_seconds(world.app.pid), len(world.commands()), time.monotonic()
    job_id = world.download(MAIN_REPO)
    disk, api_samples, job = [], [], None
    deadline = t0 + 4 * MAIN_SIZE / RATE + 30
    while time.monotonic() < deadline:
        job = world.job(job_id)
        now = time.monotonic()
        disk.append((now, world.disk_bytes(MAIN_REPO)))
        if job["state"] != "running":
            break
        api_samples.append((now, bytes_done(job), job["progress"].get("rate_bps")))
        time.sleep(max(0.0, SAMPLE_S - (time.monotonic() - now)))
    assert job["state"] == "succeeded", job
    busy_s = time.monotonic() - t0
    ran = world.commands()[cmd0:]
    busy = (cpu_seconds(world.app.pid) - cpu0, len(ran), busy_s)
    markers = collections.Counter(marker_of(line) for line in ran)

    writing = [(t, d) for t, d in disk if 0 < d < MAIN_SIZE]
    real_rate = (writing[-1][1] - writing[0][1]) / (writing[-1][0] - writing[0][0])
    lags, rate_errors = [], []
    for t, done, rate in api_samples:
        if not isinstance(done, int) or done <= 0 or done >= MAIN_SIZE:
            continue
        at = disk_time_at(disk, done)
        if at is not None:
            lags.append(t - at)
        window = [(tt, d) for tt, d in writing if t - 5 <= tt <= t]
        if isinstance(rate, (int, float)) and len(window) > 5 and window[-1][0] - window[0][0] > 4:
            disk_rate = (window[-1][1] - window[0][1]) / (window[-1][0] - window[0][0])
            rate_errors.append(100 * abs(rate - disk_rate) / disk_rate)

    # The same process idle as long, answering the same 5 GETs a second (the finished job).
    time.sleep(2)  # the cache scan after the job
    cpu0, cmd0, t0 = cpu_seconds(world.app.pid), len(world.commands()), time.monotonic()
    while time.monotonic() - t0 < busy_s:
        world.job(job_id)
        time.sleep(SAMPLE_S)
    idle = (cpu_seconds(world.app.pid) - cpu0, len(world.commands()) - cmd0,
            time.monotonic() - t0)
    return real_rate, lags, rate_errors, busy, idle, markers


def reattach(world):
    """3: one long download; SIGKILL spark-control while it runs and start it again, REATTACH_RUNS
    times. Returns (the job, [(to healthz, to bytes_done moving)])."""
    job_id = world.download(LONG_REPO)
    _, last = wait_moving(world, job_id, 0)
    runs = []
    for _ in range(REATTACH_RUNS):
        _, last = wait_moving(world, job_id, last)
        time.sleep(0.3)
        before = bytes_done(world.job(job_id))
        world.kill_app()
        started = time.monotonic()
        healthz = world.start_app()
        _, last = wait_moving(world, job_id, before)
        runs.append((healthz, time.monotonic() - started))
    return job_id, runs


def cancel(world, job_id):
    """4: DELETE a running download; seconds until no process of it is left, and until the job
    shows cancelled."""
    assert world.download_processes(), "no download process to cancel"
    started = time.monotonic()
    status, body = api(world.base, "DELETE", f"/api/jobs/{job_id}")
    assert status == 202, body
    gone = ended = None
    while time.monotonic() - started < 20 and (gone is None or ended is None):
        now = time.monotonic() - started
        if gone is None and not world.download_processes():
            gone = now
        if ended is None and (world.job(job_id) or {}).get("state") == "cancelled":
            ended = now
        time.sleep(0.01)
    if gone is None or ended is None:
        raise SystemExit(f"bench: cancel of {job_id}: processes gone {gone}, job ended {ended}")
    return gone, ended


def ms(values):
    p50, p99 = percentile(values, 50) * 1000, percentile(values, 99) * 1000
    top = max(values) * 1000
    return f"p50 {p50:6.0f} ms  p99 {p99:6.0f} ms  max {top:6.0f} ms  n={len(values)}"


def report(real_rate, lags, rate_errors, busy, idle, markers, runs, cancels):
    print(f"downloads on loopback (one Spark; fake hf steered to {RATE / MIB:.0f} MiB/s, "
          f"{MAIN_SIZE / MIB:.0f} MiB; job sampled every {SAMPLE_S * 1000:.0f} ms)")
    print(f"  real rate on disk: {real_rate / MIB:.1f} MiB/s (the anchor for the figures below)")
    print(f"  progress lag behind the disk, seconds of download: p50 {percentile(lags, 50):.2f} s  "
          f"p99 {percentile(lags, 99):.2f} s  max {max(lags):.2f} s  n={len(lags)}")
    if rate_errors:
        print(f"  rate_bps vs the disk's rate over the last 5 s: error p50 "
              f"{percentile(rate_errors, 50):.1f} %  p99 {percentile(rate_errors, 99):.1f} %  "
              f"n={len(rate_errors)}")
    for name, (cpu, commands, wall) in (("downloading", busy), ("idle (anchor)", idle)):
        print(f"  {name:14} CPU {100 * cpu / wall:5.2f} % ({cpu * 1000:.0f} ms)  SSH commands "
              f"{commands / wall:5.2f}/s over {wall:.1f} s (5 GETs/s of the job in both)")
    print("  SSH commands while downloading: " +
          ", ".join(f"{verb} {n}" for verb, n in markers.most_common()))
    healthz = [h for h, _ in runs]
    moving = [m for _, m in runs]
    print(f"  re-attach after SIGKILL: restart → bytes_done moving  {ms(moving)}")
    print(f"                 anchor:   restart → first /healthz     {ms(healthz)}")
    print(f"  cancel: DELETE → no process of the download left     {ms([g for g, _ in cancels])}")
    print(f"          DELETE → job cancelled                       {ms([e for _, e in cancels])}")
    print("          anchor: the poll interval                    1000 ms")


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    began, load = time.monotonic(), os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="spark-download-bench-"))
    world = None
    try:
        world = World(sys.argv[1], work)
        world.start_app()
        fingerprint = subprocess.run(["ssh-keygen", "-lf", str(work / "host.pub")],
                                     capture_output=True, text=True, check=True).stdout.split()[1]
        status, body = api(world.base, "POST", "/api/ssh/known-hosts/spark1",
                           {"fingerprint": fingerprint})
        assert status == 200, body
        real_rate, lags, rate_errors, busy, idle, markers = progress_and_cost(world)
        job_id, runs = reattach(world)
        cancels = [cancel(world, job_id)]
        for _ in range(CANCEL_RUNS - 1):
            partial = world.disk_bytes(LONG_REPO)
            job_id = world.download(LONG_REPO)  # resumes the partial files
            wait_moving(world, job_id, partial)
            cancels.append(cancel(world, job_id))
        report(real_rate, lags, rate_errors, busy, idle, markers, runs, cancels)
        runs_of_hf = len((work / "state/hf_pids").read_text().split())
        same = runs_of_hf == 1 + CANCEL_RUNS
        print(f"  hf started {runs_of_hf} times for {1 + CANCEL_RUNS} downloads "
              f"({'no re-attach started another' if same else 'MISMATCH'})")
        print(f"  ({os.cpu_count()} cores, load average {load:.1f} at the start; "
              f"the run took {time.monotonic() - began:.0f} s)")
    finally:
        if world is not None:
            for pid in world.download_processes():
                os.kill(int(pid), signal.SIGKILL)
            for proc in (world.app, world.sshd):
                if proc is not None and proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
                    try:
                        proc.wait(timeout=5)
                    except subprocess.TimeoutExpired:
                        proc.kill()
            world.hub.shutdown()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
