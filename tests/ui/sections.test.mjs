// Unit tests of what the sections compute before they touch the DOM: the overview's summary,
// a heartbeat slot, a card's failure line, the endpoints reload key, the log's filters and
// live rows, the job log's state line, a Spark's SSH line, the served model.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { endpointsKey } from "../../web/ui/sections/endpoints.js";
import { addedEvents, countText, matches } from "../../web/ui/sections/events.js";
import { headText } from "../../web/ui/sections/job-log.js";
import { currentModelId } from "../../web/ui/sections/models.js";
import { summarize } from "../../web/ui/sections/overview.js";
import { beat, failureText } from "../../web/ui/sections/services.js";
import { sshState } from "../../web/ui/sections/ssh.js";
import { initialState } from "../../web/ui/lib/state.js";

describe("sections", () => {
  test("the overview's sentence", () => {
    const of = (services) => summarize({ services }).title;
    assert.equal(of({ vllm: { up: true }, parakeet: { up: true }, magpie: { up: true } }), "All 3 services up");
    assert.equal(of({ vllm: { up: true }, parakeet: { up: false }, magpie: { up: true } }), "Parakeet is down");
    assert.equal(of({ vllm: { up: false }, parakeet: { up: false }, magpie: { up: true } }), "vLLM, Parakeet are down");
    assert.equal(of({ vllm: { up: false }, parakeet: { up: false } }), "All services down");
    assert.equal(of({ vllm: { up: true }, magpie: { reason: "not_configured" } }), "Service up · 1 not configured");
    assert.equal(of({ vllm: {} }), "Waiting for the first probes…");
    const none = summarize({ services: { vllm: { reason: "not_configured" } } });
    assert.deepEqual([none.tone, none.title, none.configured], ["warn", "No services configured yet", 0]);
  });

  test("a heartbeat slot and a card's failure line", () => {
    assert.deepEqual(beat(null), { cls: "", title: "" });
    assert.equal(beat({ ok: true, ms: 1500, ts: "x" }).cls, "ok slow");
    assert.equal(beat({ ok: true, ms: 20, ts: "x" }).cls, "ok");
    assert.equal(beat({ ok: false, ms: 20, ts: "x" }).title, " · failed · 20 ms");
    assert.equal(failureText("down", { reason: "timeout", error: "no answer in 2 s" }), "Timed out: no answer in 2 s");
    assert.equal(failureText("down", { reason: "weird_thing" }), "weird thing");
    assert.equal(failureText("down", { reason: "refused", error: "Connection refused" }), "Connection refused");
    assert.match(failureText("off", {}), /^No host set/);
  });

  test("endpoints reload when an address, an up state or the served model changes", () => {
    const s = { services: { vllm: { up: true, base_url: "http://a:8000" } }, model: { served_name: "m" } };
    const key = endpointsKey(s);
    assert.equal(endpointsKey({ ...s, services: { vllm: { up: true, base_url: "http://a:8000", latency_ms: 3 } } }), key);
    assert.notEqual(endpointsKey({ ...s, services: { vllm: { up: false, base_url: "http://a:8000" } } }), key);
    assert.notEqual(endpointsKey({ ...s, model: { served_name: "n" } }), key);
  });

  test("log filters, the count line and which events are new", () => {
    const ev = { id: 5, service: "parakeet", type: "report", ok: false };
    assert.equal(matches(ev, { service: "", type: "", failures: false }), true);
    assert.equal(matches(ev, { service: "vllm", type: "", failures: false }), false);
    assert.equal(matches(ev, { service: "", type: "transition", failures: false }), false);
    assert.equal(matches({ ...ev, ok: true }, { service: "", type: "", failures: true }), false);
    assert.equal(countText(1, 0, true), "1 event");
    assert.equal(countText(12, 3, true), "12 events · 3 failed");
    assert.equal(countText(0, 0, false), "Loading…");
    const prev = new Map([[4, {}]]);
    const added = addedEvents({ events: [{ id: 7 }, { id: 4 }, { id: 6 }, { id: 7 }, null] }, prev);
    assert.deepEqual(added.map((e) => e.id), [6, 7]);
  });

  test("the job log's state line", () => {
    assert.equal(headText("live", null, 0), "Streaming live");
    assert.equal(headText("ended", { state: "failed", error: { code: "timeout" } }, 0), "Ended · Failed: timeout");
    assert.equal(headText("ended", { state: "succeeded" }, 500), "Ended · Succeeded · showing the last 3,000 lines");
    assert.equal(headText("ended", null, 0), "Ended");
    assert.equal(headText("gone", null, 0), "This log is no longer available");
  });

  test("a Spark's SSH line and the served model", () => {
    assert.deepEqual(sshState({}), ["off", "No host set"]);
    assert.deepEqual(sshState({ host: "a", ssh_up: false }), ["down", "SSH fails"]);
    assert.deepEqual(sshState({ host: "a" }), ["unknown", "Not checked yet"]);
    const s = initialState();
    const catalog = { ...s, models: { list: [{ id: "a" }, { id: "b", current: true }], loaded: true } };
    assert.equal(currentModelId(catalog), "b", "before the first status, the catalog's flag");
    assert.equal(currentModelId({ ...catalog, status: { model: { id: "a" } } }), "a");
    assert.equal(currentModelId({ ...catalog, status: { model: null } }), null);
  });
});
