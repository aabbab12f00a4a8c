// Unit tests of the Downloads section's pure parts (web/ui/lib/downloads.js and what
// sections/downloads.js, cache.js and add-model.js compute): a pasted repo or huggingface.co URL
// turned into the repo id and revision, sizes, rates and ETAs in human units, the stalled line,
// the advice per error code, which cached model may be deleted, and the catalog prefill.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  adviceFor,
  bytesText,
  deleteBlocked,
  downloadBody,
  etaText,
  modifiedMs,
  parseHfInput,
  progressParts,
  rateText,
  scannedKey,
  sparkEntries,
  stalledText,
} from "../../web/ui/lib/downloads.js";
import { argsText, splitArgs } from "../../web/ui/sections/add-model.js";
import { outcomeText, shownDownloads } from "../../web/ui/sections/downloads.js";
import { initialState } from "../../web/ui/lib/state.js";
import { jobTitle } from "../../web/ui/lib/jobs.js";

describe("a pasted repo or URL", () => {
  test("repo ids pass as typed, trimmed", () => {
    assert.deepEqual(parseHfInput("  Qwen/Qwen3-0.6B "), { repo: "Qwen/Qwen3-0.6B", revision: null });
    assert.deepEqual(parseHfInput("gpt2"), { repo: "gpt2", revision: null });
  });

  test("huggingface.co URLs become the id and the revision", () => {
    const of = (url) => parseHfInput(url);
    assert.deepEqual(of("https://huggingface.co/RedHatAI/Qwen3.6-35B-A3B-NVFP4"), { repo: "RedHatAI/Qwen3.6-35B-A3B-NVFP4", revision: null });
    assert.deepEqual(of("https://huggingface.co/Qwen/Qwen3-0.6B/tree/v1.1"), { repo: "Qwen/Qwen3-0.6B", revision: "v1.1" });
    assert.deepEqual(of("https://huggingface.co/Qwen/Qwen3-0.6B/tree/main"), { repo: "Qwen/Qwen3-0.6B", revision: null });
    assert.deepEqual(of("https://huggingface.co/Qwen/Qwen3-0.6B/blob/0f2a9c1e/config.json"), { repo: "Qwen/Qwen3-0.6B", revision: "0f2a9c1e" });
    assert.deepEqual(of("https://huggingface.co/Qwen/Qwen3-0.6B/resolve/main/model.safetensors?download=true"), { repo: "Qwen/Qwen3-0.6B", revision: null });
    assert.deepEqual(of("https://huggingface.co/Qwen/Qwen3-0.6B/tree/refs%2Fpr%2F3"), { repo: "Qwen/Qwen3-0.6B", revision: "refs/pr/3" });
    assert.deepEqual(of("huggingface.co/google/gemma-4-26B-A4B-it#model-card"), { repo: "google/gemma-4-26B-A4B-it", revision: null });
    assert.deepEqual(of("https://hf.co/gpt2"), { repo: "gpt2", revision: null });
  });

  test("what is not a model repo is refused with a reason", () => {
    assert.match(parseHfInput("").error, /Enter a repo id/);
    assert.match(parseHfInput("https://huggingface.co/datasets/org/data").error, /a dataset/);
    assert.match(parseHfInput("https://huggingface.co/spaces/org/app").error, /a Space/);
    assert.match(parseHfInput("https://example.com/org/name").error, /Not a Hugging Face model URL/);
    assert.match(parseHfInput("https://huggingface.co/").error, /Not a Hugging Face model URL/);
    for (const bad of ["x$(touch /tmp/p)", "../..", "--help", "a/b/c", "org/na--me", "org/name.git", "org name"]) {
      assert.match(parseHfInput(bad).error, /is not a Hugging Face repo id/, bad);
    }
    assert.match(parseHfInput("https://huggingface.co/a/b/tree/..%2F..").error, /not a revision/);
  });

  test("the POST body names the mode, and the revision only when there is one", () => {
    assert.deepEqual(downloadBody({ repo: "a/b", revision: null }, "cluster"), { hf_repo: "a/b", mode: "cluster" });
    assert.deepEqual(downloadBody({ repo: "a/b", revision: "v2" }, "anything"), { hf_repo: "a/b", mode: "solo", revision: "v2" });
  });
});

describe("progress in human units", () => {
  test("bytes, rates and ETAs", () => {
    assert.equal(bytesText(0), "0 B");
    assert.equal(bytesText(950), "950 B");
    assert.equal(bytesText(22317809664), "22.3 GB");
    assert.equal(bytesText(236408141824), "236 GB");
    assert.equal(bytesText(5e12), "5 TB");
    assert.equal(bytesText(null), "—");
    assert.equal(rateText(310e6), "310 MB/s");
    assert.equal(rateText(0), "", "no rate when nothing moves");
    assert.equal(etaText(42), "about 42 s left");
    assert.equal(etaText(3 * 3600 + 300), "about 3 h 5 min left");
    assert.equal(etaText(null), "");
  });

  test("a running download's line, and the stalled state instead of rate and ETA", () => {
    const p = { percent: 41.7, bytes_done: 9.1e9, bytes_total: 22.3e9, rate_bps: 3.1e8, eta_s: 42, stalled: false };
    assert.deepEqual(progressParts(p), ["41%", "9.1 GB of 22.3 GB", "310 MB/s", "about 42 s left"]);
    assert.equal(stalledText(p), "");
    const stalled = { ...p, rate_bps: 0, eta_s: null, stalled: true, stalled_s: 125 };
    assert.deepEqual(progressParts(stalled), ["41%", "9.1 GB of 22.3 GB"]);
    assert.match(stalledText(stalled), /^No new bytes for 2 min — still waiting/);
    assert.deepEqual(progressParts({ percent: null, bytes_done: null }), [], "nothing known yet");
  });
});

describe("outcomes", () => {
  test("each failure code has its advice", () => {
    const failed = (code) => adviceFor({ state: "failed", error: { code, message: "m" } });
    assert.match(failed("auth_required"), /accept its licence.*HF_TOKEN/);
    assert.match(failed("not_found"), /no such repo/);
    assert.match(failed("disk_full"), /delete models/);
    assert.equal(failed("remote_command_failed"), "");
    assert.match(adviceFor({ state: "cancelled", error: null }), /resumes/);
    const told = { state: "failed", error: { code: "auth_required", message: "gated: set HF_TOKEN for the Spark user" } };
    assert.equal(adviceFor(told), "", "no advice that repeats the message");
  });

  test("the list: running first, then finished downloads; cache deletes are not downloads", () => {
    const state = initialState();
    const run = { id: "j3", kind: "download", state: "running", request: { hf_repo: "a/b", mode: "solo" } };
    const del = { id: "j4", kind: "download", action: "delete", state: "running", target: "c/d" };
    state.jobs.running = new Map([["j3", run], ["j4", del]]);
    state.jobs.recent = [{ id: "j2", kind: "download", state: "failed" }, { id: "j1", kind: "swap", state: "succeeded" }];
    assert.deepEqual(shownDownloads(state).map((j) => j.id), ["j3", "j2"]);
    assert.equal(jobTitle(del), "Delete c/d from the cache");
    assert.equal(jobTitle(run), "Download a/b");
  });

  test("a finished download's line", () => {
    const ok = { state: "succeeded", request: { hf_repo: "a/b" }, result: { size_bytes: 22.3e9, revision: "0123456789abcdef" } };
    assert.equal(outcomeText(ok, []), "Downloaded · 22.3 GB · revision 0123456");
    assert.equal(outcomeText(ok, [{ id: "b", name: "B", hf_repo: "a/b" }]), "Downloaded · 22.3 GB · revision 0123456 · in the catalog as “B”");
    assert.equal(outcomeText({ state: "failed", error: { code: "disk_full", message: "needs 5 TB, 3.2 TB free" } }, []), "needs 5 TB, 3.2 TB free");
  });
});

describe("the cache view", () => {
  test("the served model and one being downloaded cannot be deleted, with the reason", () => {
    const model = { hf_repo: "a/b", serving: false };
    assert.equal(deleteBlocked(model, []), "");
    assert.match(deleteBlocked({ ...model, serving: true }, []), /vLLM serves this model/);
    assert.match(deleteBlocked(model, [{ kind: "download", request: { hf_repo: "a/b" } }]), /downloading/);
    assert.equal(deleteBlocked(model, [{ kind: "download", request: { hf_repo: "x/y" } }]), "");
    assert.equal(deleteBlocked(model, [{ kind: "download", action: "delete", target: "a/b" }]), "Being deleted.");
  });

  test("Sparks in order, scan times and modification times", () => {
    const cache = { sparks: { spark2: { scanned_at: null }, spark10: {}, spark1: { scanned_at: "2026-12-01T00:00:00Z" } } };
    assert.deepEqual(sparkEntries(cache).map(([n]) => n), ["spark1", "spark2", "spark10"]);
    const key = scannedKey(cache);
    assert.notEqual(scannedKey({ sparks: { ...cache.sparks, spark2: { scanned_at: "2026-12-01T00:01:00Z" } } }), key);
    assert.equal(modifiedMs(1795996800), 1795996800000);
    assert.equal(modifiedMs("2026-11-30T00:00:00Z"), Date.parse("2026-11-30T00:00:00Z"));
    assert.equal(modifiedMs(null), null);
  });

  test("a catalog entry's args go into the form and come back unchanged", () => {
    for (const args of [[], ["--max-num-seqs", "8"], ["--chat-template", "a b", 'say "hi"', "back\\slash", ""]]) {
      assert.deepEqual(splitArgs(argsText(args)), args);
    }
  });
});
