#!/usr/bin/env python3
"""spark-vllm-docker updates (issue 15), each figure next to its anchor measured in the same run,
on loopback: Debian's sshd as Spark 1 whose checkout is a real git clone of a local bare
upstream (so `git fetch` costs what git costs, not what a network costs), the fake docker and
build-and-copy.sh of tests/testdata/fakes, a fake vLLM, and the real spark-control binary.
  1. check: POST /api/update/check (fetch, status, rev-list, log over SSH, plus the image
     inspect and GET /version) vs the same git commands run locally in the checkout
  2. reads: GET /api/update (served from memory) vs GET /healthz
  3. follow lag: POST /api/update/apply with a build of BUILD_S seconds: job end vs the build's
     own end (the fake's `Done preparing` line time) — the price of following a detached job
  4. rollback: POST /api/update/rollback (retag + relaunch) vs a plain swap of the same model
Usage: bench/update_bench.py BIN"""

import getpass
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no bench/__pycache__ in the checkout from the import below
from log_latency import (FAKES, api, percentile, start_fake_vllm, start_sshd,  # noqa: E402
                         start_trusting_app)

CHECK_RUNS = 20
READ_RUNS = 500
BUILD_S = 3
OLD = "sha256:" + "0" * 63 + "1"
NEW = "sha256:" + "9" * 63 + "2"


def git(cwd, *args):
    subprocess.run(["git", "-C", str(cwd), "-c", "user.name=bench", "-c", "user.email=b@e.invalid",
                    "-c", "init.defaultBranch=main", *args], check=True, capture_output=True)


def make_checkout(work):
    seed, upstream, checkout = work / "seed", work / "upstream.git", work / "spark-vllm-docker"
    seed.mkdir()
    for script in ("launch-cluster.sh", "build-and-copy.sh"):
        (seed / script).write_bytes((FAKES / script).read_bytes())
        (seed / script).chmod(0o755)
    git(seed, "init", "-q")
    git(seed, "add", ".")
    git(seed, "commit", "-q", "-m", "Initial import")
    git(work, "clone", "-q", "--bare", str(seed), str(upstream))
    git(seed, "remote", "add", "origin", str(upstream))
    for i in range(30):  # an upstream with some history, 5 commits ahead of the checkout at the end
        (seed / f"recipe-{i}.yaml").write_text(f"name: r{i}\n")
        git(seed, "add", ".")
        git(seed, "commit", "-q", "-m", f"Add recipe {i}")
        if i == 24:
            git(seed, "push", "-q", "origin", "HEAD:main")
            subprocess.run(["rm", "-rf", str(checkout)], check=True)
            git(work, "clone", "-q", str(upstream), str(checkout))
    git(seed, "push", "-q", "origin", "HEAD:main")
    return checkout


def timed(fn, runs):
    ms = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - start) * 1000)
    return ms


def fmt(ms):
    return f"p50 {percentile(ms, 50):7.2f} ms  p95 {percentile(ms, 95):7.2f} ms  (n={len(ms)})"


def wait_job(base, job, limit=120):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        _, body = api(base, "GET", f"/api/jobs/{job}")
        if body["state"] not in ("queued", "running"):
            return body, time.time()
        time.sleep(0.02)
    raise SystemExit(f"bench: job {job} did not end")


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    binary = sys.argv[1]
    work = Path(tempfile.mkdtemp(prefix="spark-update-bench-"))
    procs = []
    try:
        sshd, port = start_sshd(work, home=work / "home")
        procs.append(sshd)
        (work / "home").mkdir(exist_ok=True)
        checkout = make_checkout(work)
        state = work / "state"
        (state / "images").mkdir(parents=True, exist_ok=True)
        (state / "images/vllm-node:latest").write_text(f"{OLD} 2026-11-20T09:15:02.1Z\n")
        (state / "build_s").write_text(str(BUILD_S))
        (state / "build_id").write_text(NEW)
        (state / "log_delay").write_text("0.01")
        (state / "containers/vllm_node").write_text("vllm\nserve\nRedHatAI/Qwen3.6-35B-A3B-NVFP4\n")
        vllm = start_fake_vllm(state / "containers/vllm_node")
        (work / "config.yaml").write_text(
            f"sparks:\n  spark1: {{host: 127.0.0.1, user: {getpass.getuser()}, port: {port}}}\n"
            f"vllm: {{port: {vllm.server_address[1]}}}\nssh: {{key_path: {work / 'client'}}}\n"
            f"remote: {{vllm_docker_dir: {checkout}}}\nprobe: {{interval_s: 1, timeout_s: 0.5}}\n")
        app, base = start_trusting_app(binary, work)
        procs.append(app)

        def check():
            status, doc = api(base, "POST", "/api/update/check")
            assert status == 200 and doc["behind"] == 5, doc

        def local_git():
            script = ("git fetch --quiet && git status --porcelain --untracked-files=no >/dev/null && "
                      "git rev-list --count HEAD..@{u} >/dev/null && git log -n 20 --format='%H %cI %s' "
                      "HEAD..@{u} >/dev/null")
            subprocess.run(["bash", "-c", script], cwd=checkout, check=True)

        check()  # the SSH session is up before timing
        ours, anchor = timed(check, CHECK_RUNS), timed(local_git, CHECK_RUNS)
        print("1. update check (git over SSH + image inspect + /version)")
        print(f"   POST /api/update/check       : {fmt(ours)}")
        print(f"   anchor: the git commands here: {fmt(anchor)}")

        reads = timed(lambda: api(base, "GET", "/api/update"), READ_RUNS)
        healthz = timed(lambda: api(base, "GET", "/healthz"), READ_RUNS)
        print("2. reads")
        print(f"   GET /api/update              : {fmt(reads)}")
        print(f"   anchor: GET /healthz         : {fmt(healthz)}")

        status, body = api(base, "POST", "/api/update/apply")
        assert status == 202, body
        started = time.time()
        job, ended = wait_job(base, body["job"]["id"])
        assert job["state"] == "succeeded", job
        build_end = (work / "home/.cache/spark-control").exists() and max(
            p.stat().st_mtime for p in (work / "home/.cache/spark-control").rglob("status"))
        print(f"3. apply with a {BUILD_S} s build: job {ended - started:5.2f} s after POST; "
              f"job end − the build's exit status on disk: {(ended - build_end) * 1000:6.0f} ms "
              f"(anchor: the 1 s poll interval)")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            _, doc = api(base, "GET", "/api/update")
            if doc["previous_image"] and doc["image"]["id"] == NEW and doc["behind"] == 0:
                break
            time.sleep(0.02)
        else:
            raise SystemExit(f"bench: the document did not show the new image: {doc}")
        print(f"   the document shows the new image, previous and 0 behind "
              f"{(time.time() - ended) * 1000:6.0f} ms after the job ended (a full check)")

        status, body = api(base, "POST", "/api/update/rollback")
        assert status == 202, body
        start = time.time()
        job, ended = wait_job(base, body["job"]["id"])
        assert job["state"] == "succeeded", job
        rollback = ended - start
        status, body = api(base, "POST", "/api/swap", {"model": "qwen36"})
        assert status == 202, body
        start = time.time()
        job, ended = wait_job(base, body["job"]["id"])
        assert job["state"] == "succeeded", job
        print(f"4. rollback (retag + relaunch): {rollback:5.2f} s   anchor: a swap of the same "
              f"model: {ended - start:5.2f} s")
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
        subprocess.run(["rm", "-rf", str(work)], check=False)


if __name__ == "__main__":
    main()
