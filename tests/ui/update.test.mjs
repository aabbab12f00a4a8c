// Unit tests of the update texts (web/ui/lib/update.js): the banner per checkout state, the
// rollback hint, the commit list, the version line with its mismatch warning, short ids and
// what the dialog says after an apply.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  ago,
  applyOutcome,
  commitItems,
  commitsNote,
  rollbackBanner,
  rollbackText,
  shortImageId,
  shortSha,
  updateBanner,
  updateJob,
  utcMinute,
  versionLine,
} from "../../web/ui/lib/update.js";
import { jobTitle, phaseText } from "../../web/ui/lib/jobs.js";

const NOW = Date.parse("2026-12-01T12:00:00Z");
const ID1 = "sha256:" + "1a2b3c4d5e6f".repeat(5) + "abcd";
const ID2 = "sha256:" + "9f8e7d6c5b4a".repeat(5) + "0123";

const doc = (extra = {}) => ({
  state: "behind",
  behind: 4,
  ahead: 0,
  branch: "main",
  error: null,
  commits: [
    { sha: "c0ffee0123456789c0ffee0123456789c0ffee01", subject: "Switch to nightly wheels", date: "2026-12-01T07:00:00Z" },
    { sha: "bead000123456789bead000123456789bead0001", subject: "Bump FlashInfer", date: "2026-11-29T10:00:00-08:00" },
  ],
  image: { id: ID1, built_at: "2026-11-24T09:00:00Z", vllm_version: "0.11.1", sparks: { spark1: ID1, spark2: ID1 }, mismatch: false },
  previous_image: null,
  rollback_hint: null,
  ...extra,
});

describe("update texts", () => {
  test("short ids, dates and ages", () => {
    assert.equal(shortImageId(ID1), "1a2b3c4d5e6f");
    assert.equal(shortImageId(null), "");
    assert.equal(shortSha("c0ffee0123456789"), "c0ffee0");
    assert.equal(utcMinute("2026-12-01T10:32:45.120Z"), "2026-12-01 10:32 UTC");
    assert.equal(utcMinute("garbage"), "");
    assert.equal(ago("2026-12-01T09:00:00Z", NOW), "3 h ago");
    assert.equal(ago(undefined, NOW), "");
  });

  test("the banner for each checkout state", () => {
    assert.equal(updateBanner(doc()).text, "spark-vllm-docker: 4 commits behind");
    assert.equal(updateBanner(doc({ behind: 1 })).text, "spark-vllm-docker: 1 commit behind");
    assert.equal(updateBanner(doc()).action, "details");
    const dirty = updateBanner(doc({ state: "dirty", behind: 2 }));
    assert.deepEqual([dirty.tone, dirty.text], ["warn", "spark-vllm-docker on the head has local changes: update it by hand"]);
    assert.match(updateBanner(doc({ state: "dirty", ahead: 3 })).text, /local commits \(3 commits ahead\)/);
    assert.match(updateBanner(doc({ state: "detached", behind: null })).text, /detached HEAD/);
    const failed = updateBanner(doc({ state: "unknown", error: "git fetch: could not resolve host github.com" }));
    assert.deepEqual([failed.tone, failed.text], ["fail", "Update check failed: git fetch: could not resolve host github.com"]);
    assert.equal(updateBanner(doc({ state: "unknown", error: null })), null, "not checked yet: nothing to say");
    assert.equal(updateBanner(doc({ state: "ok", behind: 0 })), null);
    assert.equal(updateBanner(null), null);
  });

  test("update jobs' titles and phases", () => {
    assert.equal(jobTitle({ kind: "update", action: "apply", target: "vllm-node" }), "Update the vLLM image");
    assert.equal(jobTitle({ kind: "update", action: "rollback", target: "vllm-node" }), "Roll back the vLLM image");
    assert.equal(phaseText({ progress: { phase: "building", percent: null } }), "Building");
    assert.equal(phaseText({ progress: { phase: "rolling_back" } }), "Rolling back the image");
    assert.equal(phaseText({ progress: { phase: "relaunching", percent: 40 } }), "Relaunching · 40%");
  });

  test("a running update job takes over the banner", () => {
    const running = [{ id: "j1", kind: "swap" }, { id: "j2", kind: "update", action: "apply", state: "running", progress: { phase: "building" } }];
    assert.equal(updateJob(running).id, "j2");
    assert.equal(updateJob([{ kind: "swap" }]), null);
    assert.equal(updateBanner(doc(), updateJob(running)).text, "Updating the vLLM image · Building…");
    const rollback = { kind: "update", action: "rollback", state: "running", progress: { phase: "relaunching" } };
    assert.equal(updateBanner(null, rollback).text, "Rolling back the vLLM image · Relaunching…");
  });

  test("the rollback hint banner", () => {
    assert.equal(rollbackBanner(doc()), null);
    const hint = { job: "j20", update_job: "j12", updated_at: "2026-12-01T10:32:00Z", text: "This started after the update of 2026-12-01 10:32 UTC: Roll back" };
    const banner = rollbackBanner(doc({ rollback_hint: hint }));
    assert.deepEqual(banner, { text: "This started after the update of 2026-12-01 10:32 UTC.", job: "j20", update_job: "j12" });
    assert.equal(rollbackBanner(doc({ rollback_hint: { updated_at: "2026-12-01T10:32:00Z" } })).text, "This started after the update of 2026-12-01 10:32 UTC.");
  });

  test("the commit list, newest first, and a cut list says so", () => {
    const items = commitItems(doc(), NOW);
    assert.deepEqual(
      items.map((c) => [c.short, c.subject, c.when]),
      [
        ["c0ffee0", "Switch to nightly wheels", "5 h ago"],
        ["bead000", "Bump FlashInfer", "42 h ago"],
      ]
    );
    assert.deepEqual(commitItems(doc({ commits: undefined }), NOW), []);
    assert.equal(commitsNote(doc({ behind: 2 })), "");
    assert.equal(commitsNote(doc({ behind: 35 })), "Showing the newest 2 of 35 commits.");
  });

  test("the version line, the mismatch warning and when Roll back shows", () => {
    const line = versionLine(doc(), NOW);
    assert.deepEqual(line.parts, ["vLLM 0.11.1", "image built 7 d 3 h ago (2026-11-24 09:00 UTC)", "Spark 1 1a2b3c4d5e6f · Spark 2 1a2b3c4d5e6f"]);
    assert.equal(line.mismatch, "");
    assert.equal(line.rollback, false);
    const odd = versionLine(doc({ image: { ...doc().image, sparks: { spark1: ID1, spark2: ID2 }, mismatch: true } }), NOW);
    assert.match(odd.mismatch, /^Spark 2 holds a different image than the head/);
    assert.match(odd.parts[2], /Spark 2 9f8e7d6c5b4a/);
    const missing = versionLine(doc({ image: { ...doc().image, sparks: { spark1: ID1, spark2: null }, mismatch: true } }), NOW);
    assert.match(missing.parts[2], /Spark 2 no image/);
    const down = versionLine(doc({ image: { ...doc().image, vllm_version: null } }), NOW);
    assert.equal(down.parts[0], "vLLM version unknown (vLLM is down)");
    assert.equal(versionLine(doc({ image: null }), NOW), null);
    const prev = { id: ID2, built_at: "2026-11-30T12:00:00Z", sparks: { spark1: ID2, spark2: ID2 } };
    assert.equal(versionLine(doc({ previous_image: prev }), NOW).rollback, true);
    assert.match(rollbackText(doc({ previous_image: prev }), NOW), /^vllm-node:previous \(9f8e7d6c5b4a, built 24 h ago\) becomes the launch image/);
    assert.equal(rollbackText(doc(), NOW), "");
  });

  test("what the dialog says after an apply", () => {
    assert.equal(applyOutcome(null), null);
    assert.equal(applyOutcome({ state: "running" }), null);
    const ok = applyOutcome({ state: "succeeded" });
    assert.equal(ok.text, "Updated. The running model keeps the old image until its next launch.");
    assert.equal(ok.relaunch, true);
    const failed = applyOutcome({ state: "failed", error: { code: "remote_command_failed", message: "build-and-copy.sh exited 1" } });
    assert.deepEqual([failed.tone, failed.text, failed.relaunch], ["fail", "The update failed: build-and-copy.sh exited 1", false]);
  });
});
