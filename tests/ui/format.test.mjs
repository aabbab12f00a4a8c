// Unit tests of the UI's text helpers (web/ui/lib/format.js, lib/jobs.js).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  axisLabel,
  clockTime,
  displayName,
  duration,
  estimateSkew,
  latency,
  orderedNames,
  serviceState,
  sparkLabel,
  stateChanges,
} from "../../web/ui/lib/format.js";
import { isFinishedJob, jobTitle, phaseText, serviceJob, serviceJobText, swapBusy } from "../../web/ui/lib/jobs.js";

describe("format", () => {
  test("durations round to the unit a reader needs", () => {
    assert.equal(duration(-5000), "0 s");
    assert.equal(duration(59_400), "59 s");
    assert.equal(duration(60_000), "1 min");
    assert.equal(duration(59 * 60_000), "59 min");
    assert.equal(duration(60 * 60_000), "1 h");
    assert.equal(duration(61 * 60_000), "1 h 1 min");
    assert.equal(duration(47 * 3600_000), "47 h");
    assert.equal(duration(48 * 3600_000), "2 d");
    assert.equal(duration(49 * 3600_000), "2 d 1 h");
  });

  test("latencies: a decimal below 10 ms, seconds from 1,000 ms, a dash for nothing", () => {
    assert.equal(latency(3.14159), "3.1 ms");
    assert.equal(latency(10), "10 ms");
    assert.equal(latency(999.4), "999 ms");
    assert.equal(latency(1234), "1.23 s");
    for (const none of [null, undefined, NaN, Infinity]) assert.equal(latency(none), "—");
  });

  test("clock time in the local zone, empty for a bad timestamp", () => {
    const local = new Date(2026, 10, 24, 9, 5, 7);
    assert.equal(clockTime(local.toISOString()), "09:05:07");
    assert.equal(clockTime("not a time"), "");
    assert.equal(clockTime(""), "");
  });

  test("names", () => {
    assert.equal(displayName("vllm"), "vLLM");
    assert.equal(displayName("whisper"), "Whisper");
    assert.equal(displayName(""), "");
    assert.equal(sparkLabel("spark2"), "Spark 2");
    assert.equal(sparkLabel("gpu-box"), "gpu-box");
  });

  test("service state and order", () => {
    assert.equal(serviceState(undefined), "unknown");
    assert.equal(serviceState({ up: true, reason: "not_configured" }), "off");
    assert.equal(serviceState({ up: true }), "up");
    assert.equal(serviceState({ up: false }), "down");
    assert.equal(serviceState({}), "unknown");
    assert.deepEqual(orderedNames({ zeta: 1, magpie: 1, alpha: 1, vllm: 1, parakeet: 1 }), [
      "vllm", "parakeet", "magpie", "alpha", "zeta",
    ]);
  });

  test("the heartbeat axis spans 59 median intervals", () => {
    const at = (s) => ({ ts: new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString() });
    assert.equal(axisLabel([at(0)]), "");
    assert.equal(axisLabel([at(0), at(2), at(4), at(30)]), "2 min ago"); // median 2 s × 59 = 118 s
    assert.equal(axisLabel([at(0), at(1)]), "59 s ago");
    assert.equal(axisLabel([at(0), at(0)]), "", "no interval, no label");
    const minutes = [at(0), { ts: new Date(Date.UTC(2026, 0, 1, 0, 1, 0)).toISOString() }];
    assert.equal(axisLabel(minutes), "59 min ago");
  });

  test("clock skew counts only beyond one probe interval", () => {
    const status = (ts) => ({ services: { vllm: { history: [{ ts: "2026-01-01T00:00:00Z" }, { ts }] } } });
    const now = Date.parse("2026-01-01T00:01:00Z");
    assert.equal(estimateSkew(status("2026-01-01T00:00:59Z"), 2, now), 0, "a probe 1 s old is no skew");
    assert.equal(estimateSkew(status("2026-01-01T00:01:10Z"), 2, now), 10_000, "server ahead");
    assert.equal(estimateSkew(status("2026-01-01T00:00:50Z"), 2, now), -10_000, "server behind");
    assert.equal(estimateSkew(status("2026-01-01T00:00:50Z"), 10, now), 0, "within a 10 s interval + 5 s");
    assert.equal(estimateSkew({ services: { vllm: { history: [] } } }, 2, now), null, "no probe, no estimate");
  });

  test("state changes for screen readers", () => {
    const prev = { services: { vllm: { up: true }, parakeet: { up: true }, magpie: {} } };
    const next = {
      services: { vllm: { up: false, reason: "timeout" }, parakeet: { up: false, error: "HTTP 503" }, magpie: {} },
    };
    assert.deepEqual(stateChanges(prev, next), ["vLLM is down: Timed out", "Parakeet is down: HTTP 503"]);
    assert.deepEqual(stateChanges(null, next), []);
    assert.deepEqual(stateChanges(next, { services: { vllm: { up: true }, parakeet: { reason: "not_configured" } } }), [
      "vLLM is up",
      "Parakeet is not configured",
    ]);
  });
});

describe("job text", () => {
  const models = [{ id: "gemma4", name: "Gemma 4 26B-A4B" }];

  test("titles name the model of a swap and the action of a service job", () => {
    assert.equal(jobTitle({ kind: "swap", target: "gemma4" }, models), "Swap to Gemma 4 26B-A4B");
    assert.equal(jobTitle({ kind: "swap", target: "other" }, models), "Swap to other");
    assert.equal(jobTitle({ kind: "service", action: "restart", target: "parakeet" }), "Restart Parakeet");
    assert.equal(jobTitle({ kind: "service", action: "fix-cache-ownership", target: "magpie" }), "Fix cache ownership · Magpie");
    assert.equal(jobTitle({ kind: "update" }), "Update the vLLM image");
    assert.equal(jobTitle({ kind: "diarize", target: "x" }), "diarize x");
    assert.equal(jobTitle(null), "");
  });

  test("phases: known names, a percentage, a fallback", () => {
    assert.equal(phaseText({ progress: { phase: "loading", percent: 41.6 } }), "Loading the model · 42%");
    assert.equal(phaseText({ progress: { phase: "warming" } }), "Warming");
    assert.equal(phaseText({ state: "queued" }), "Waiting to start");
    assert.equal(phaseText({ state: "running" }), "Working");
  });

  test("which running job blocks swaps and service buttons", () => {
    const restart = { kind: "service", action: "restart", target: "parakeet" };
    const swap = { kind: "swap", target: "gemma4" };
    assert.equal(swapBusy([restart]), null);
    assert.equal(swapBusy([restart, swap]), swap);
    assert.deepEqual(swapBusy([{ kind: "service", target: "vllm" }]), { kind: "service", target: "vllm" });
    assert.equal(serviceJob([restart], "parakeet"), restart);
    assert.equal(serviceJob([swap], "vllm"), swap);
    assert.equal(serviceJob([swap], "magpie"), null);
  });

  test("a service card's job line", () => {
    const clock = () => "12:00:00";
    const job = { kind: "service", action: "restart", target: "parakeet" };
    assert.equal(serviceJobText({ ...job, state: "running", progress: { phase: "running" } }, [], clock), "Restart Parakeet: running…");
    assert.equal(serviceJobText({ ...job, state: "succeeded", ended_at: "x" }, [], clock), "Restart Parakeet: done at 12:00:00");
    assert.equal(
      serviceJobText({ ...job, state: "failed", error: { code: "exit_status", message: "exit 1" } }, [], clock),
      "Restart Parakeet: failed — exit 1"
    );
    assert.equal(isFinishedJob({ state: "cancelled" }), true);
    assert.equal(isFinishedJob({ state: "running" }), false);
    assert.equal(isFinishedJob(null), false);
  });
});
