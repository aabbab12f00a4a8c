#!/usr/bin/env python3
"""Time from exec to the first successful GET /metrics, over N runs (standard library only)."""
import http.client
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def first_scrape_ms(binary: str) -> float:
    port = free_port()
    with tempfile.TemporaryDirectory() as data:
        start = time.perf_counter()
        proc = subprocess.Popen([binary, "--listen", f"127.0.0.1:{port}", "--data-dir", data],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = start + 5
            while time.perf_counter() < deadline:
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                    conn.request("GET", "/metrics")
                    if conn.getresponse().status == 200:
                        return (time.perf_counter() - start) * 1000
                except OSError:
                    time.sleep(0.001)
            raise RuntimeError("no scrape within 5 s")
        finally:
            proc.terminate()
            proc.wait(timeout=5)


def main() -> None:
    binary, runs = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20
    samples = sorted(first_scrape_ms(binary) for _ in range(runs))
    print(f"{statistics.median(samples):.1f} {samples[-1]:.1f}")


if __name__ == "__main__":
    main()
