// Unit tests of automatic recovery in the UI (web/ui/lib/recovery.js): a card's recovery line
// per state (idle hidden, waiting with its countdown and attempt, recovering with its job,
// tripped with the reason and Resume, off muted), the countdown text, the log's recovery
// events, the "automatic" jobs and the demo crash's note.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  crashText,
  isAutomatic,
  recoveryActionText,
  recoveryEventText,
  recoveryLine,
  untilText,
} from "../../web/ui/lib/recovery.js";

const NOW = Date.parse("2026-12-01T12:00:00Z");

describe("recovery on the cards", () => {
  test("idle and missing data show nothing", () => {
    assert.equal(recoveryLine(undefined, 3), null);
    assert.equal(recoveryLine({}, 3), null);
    assert.equal(recoveryLine({ state: "idle", attempts: 2, last_reason: "held: swap j12 runs" }, 3), null);
  });

  test("idle while the service is down says why nothing happens", () => {
    const reason = "no swap has made a model ready; waiting for a start or a swap";
    const line = recoveryLine({ state: "idle", attempts: 0, last_reason: reason }, 3, true);
    assert.deepEqual([line.tone, line.text, line.reason, line.resume], ["muted", "Not recovering automatically", reason, undefined]);
    assert.equal(recoveryLine({ state: "idle", attempts: 0, last_reason: null }, 3, true), null, "no reason yet");
  });

  test("waiting counts down to next_at and names the attempt", () => {
    const line = recoveryLine(
      { state: "waiting", attempts: 1, next_at: "2026-12-01T12:00:20Z", last_reason: "vllm_node exited 1 (EngineDeadError)" },
      3
    );
    assert.deepEqual(
      [line.tone, line.text, line.until, line.reason],
      ["warn", "Automatic recovery, attempt 2 of 3, in", "2026-12-01T12:00:20Z", "vllm_node exited 1 (EngineDeadError)"]
    );
    assert.equal(recoveryLine({ state: "waiting", attempts: 0 }).text, "Automatic recovery, attempt 1, in", "max_failures unknown");
    assert.equal(untilText(Date.parse(line.until), NOW), "20 s");
    assert.equal(untilText(NOW + 125_000, NOW), "2 min");
    assert.equal(untilText(NOW - 3000, NOW), "a moment", "due or overdue");
    assert.equal(untilText(NaN, NOW), "a moment");
  });

  test("recovering links its job; tripped offers Resume; off is muted", () => {
    const recovering = recoveryLine({ state: "recovering", attempts: 1, job: "j7", last_reason: "relaunching qwen36" }, 3);
    assert.deepEqual([recovering.tone, recovering.text, recovering.job, recovering.resume], ["busy", "Recovering automatically (attempt 1 of 3)", "j7", undefined]);
    const tripped = recoveryLine({ state: "tripped", attempts: 3, last_reason: "3 failures in 30 min" }, 3);
    assert.deepEqual([tripped.tone, tripped.text, tripped.resume, tripped.reason], ["fail", "Automatic recovery stopped after 3 attempts", true, "3 failures in 30 min"]);
    assert.equal(recoveryLine({ state: "tripped", attempts: 1 }).text, "Automatic recovery stopped after 1 attempt");
    const off = recoveryLine({ state: "off", attempts: 0, last_reason: "" });
    assert.deepEqual([off.tone, off.text, off.reason, off.resume], ["muted", "Automatic recovery off", "", undefined]);
  });
});

describe("recovery in the log and in Jobs", () => {
  test("a recovery event says the decision and its reason", () => {
    const ev = { type: "recovery", service: "vllm", action: "recovering", reason: "vllm_node exited 1 (EngineDeadError); relaunching qwen36, attempt 1 of 3" };
    assert.equal(recoveryEventText(ev), "vLLM recovering automatically: vllm_node exited 1 (EngineDeadError); relaunching qwen36, attempt 1 of 3");
    assert.equal(recoveryEventText({ service: "parakeet", action: "tripped" }), "Parakeet recovery stopped");
    assert.equal(recoveryActionText("succeeded"), "recovered");
    assert.equal(recoveryActionText("pondering"), "recovery pondering", "an action this UI does not know yet");
    assert.equal(recoveryActionText(undefined), "recovery");
  });

  test("jobs the recovery started are automatic", () => {
    assert.equal(isAutomatic({ id: "j1", trigger: "recovery" }), true);
    assert.equal(isAutomatic({ id: "j2", trigger: "user" }), false);
    assert.equal(isAutomatic({ id: "j3" }), false, "a job from before issue 16 has no trigger");
    assert.equal(isAutomatic(null), false);
  });

  test("the demo crash's note", () => {
    assert.equal(
      crashText({ service: "vllm", container: "vllm_node", exit_code: 1, oom_killed: false }),
      "The container vllm_node exited 1; automatic recovery takes over"
    );
    assert.equal(
      crashText({ service: "vllm", container: "vllm_node", exit_code: 137, oom_killed: true }),
      "The container vllm_node was OOM-killed (exit 137); automatic recovery takes over"
    );
    assert.equal(crashText(null), "Crashed; automatic recovery takes over");
  });
});
