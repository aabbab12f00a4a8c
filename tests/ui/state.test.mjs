// Unit tests of the UI's store (web/ui/lib/store.js) and its reducer (lib/state.js).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { MAX_EVENTS, RECENT_JOBS, findJob, initialState, reduce, serverNow } from "../../web/ui/lib/state.js";
import { createStore } from "../../web/ui/lib/store.js";

const T0 = Date.parse("2026-11-24T12:00:00Z");
const status = (jobs = [], extra = {}) => ({ services: { vllm: { up: true, history: [] } }, jobs, ...extra });
const replay = (actions, state = initialState()) => actions.reduce(reduce, state);

describe("reducer", () => {
  test("a status without services is ignored", () => {
    const s0 = initialState();
    assert.equal(reduce(s0, { type: "status", status: null, now: T0 }), s0);
    assert.equal(reduce(s0, { type: "status", status: { cluster: "x" }, now: T0 }), s0);
  });

  test("a job started here shows until /api/status lists it, for at most 5 s", () => {
    const job = { id: "j1", kind: "swap", state: "queued" };
    let s = replay([{ type: "job-started", job, now: T0 }]);
    assert.equal(s.jobs.running.get("j1"), job);
    s = reduce(s, { type: "status", status: status([]), now: T0 + 1000 });
    assert.ok(s.jobs.running.has("j1"), "kept: the status does not list it yet");
    s = reduce(s, { type: "status", status: status([]), now: T0 + 6000 });
    assert.equal(s.jobs.running.size, 0, "dropped after the grace period");

    const listed = { ...job, state: "running" };
    s = replay([
      { type: "job-started", job, now: T0 },
      { type: "status", status: status([listed]), now: T0 + 500 },
      { type: "status", status: status([]), now: T0 + 1000 },
    ]);
    assert.equal(s.jobs.running.size, 0, "once listed, the status alone decides");
  });

  test("a finished job started here is not shown as running", () => {
    const s = replay([{ type: "job-started", job: { id: "j1", state: "failed" }, now: T0 }]);
    assert.equal(s.jobs.running.size, 0);
  });

  test("an ended job leaves the running set and heads the recent list, which keeps 8", () => {
    const old = Array.from({ length: RECENT_JOBS }, (_, i) => ({ id: "old" + i, state: "succeeded" }));
    const running = { id: "j1", kind: "swap", state: "running" };
    let s = replay([
      { type: "jobs-loaded", jobs: [{ id: "r", state: "running" }, ...old] },
      { type: "job-started", job: running, now: T0 },
      { type: "viewing", id: "j1", job: running },
      { type: "job-ended", job: { ...running, state: "succeeded" } },
    ]);
    assert.equal(s.jobs.recent.length, RECENT_JOBS);
    assert.deepEqual(s.jobs.recent.map((j) => j.id).slice(0, 2), ["j1", "old0"]);
    assert.equal(s.jobs.running.size, 0);
    assert.equal(s.viewing.job.state, "succeeded", "the viewer knows how it ended");
    assert.equal(findJob(s, "j1").state, "succeeded");

    // A replayed old job is replaced in place.
    s = reduce(s, { type: "job-ended", job: { id: "old3", state: "failed" } });
    assert.equal(s.jobs.recent[4].id, "old3");
    assert.equal(s.jobs.recent[4].state, "failed");
  });

  test("events are de-duplicated by id and capped at the newest 1,000", () => {
    const ev = (id) => ({ id, service: "vllm", type: "transition", ok: true });
    let s = replay([{ type: "events", events: [ev(2), ev(1), ev(2), null, { id: "x" }] }]);
    assert.deepEqual([...s.events.byId.keys()], [2, 1]);
    assert.equal(s.events.lastId, 2);
    const same = reduce(s, { type: "events", events: [ev(1)] });
    assert.equal(same, s, "nothing new, no new state");
    s = reduce(s, { type: "events", events: Array.from({ length: MAX_EVENTS + 5 }, (_, i) => ev(i + 3)) });
    assert.equal(s.events.byId.size, MAX_EVENTS);
    assert.equal(Math.min(...s.events.byId.keys()), 8);
    assert.equal(s.events.lastId, MAX_EVENTS + 7);
  });

  test("the catalog: loaded, saved, added once, deleted", () => {
    const a = { id: "a", name: "A" };
    let s = replay([{ type: "models", models: [a] }]);
    assert.equal(s.models.loaded, true);
    s = replay(
      [
        { type: "model-saved", model: { ...a, overrides: { fp8_kv_cache: true } } },
        { type: "model-added", model: { id: "b" } },
        { type: "model-added", model: { id: "b", name: "again" } },
      ],
      s
    );
    assert.deepEqual(s.models.list, [{ ...a, overrides: { fp8_kv_cache: true } }, { id: "b" }]);
    s = reduce(s, { type: "model-deleted", id: "a" });
    assert.deepEqual(s.models.list.map((m) => m.id), ["b"]);
  });

  test("the skew follows the newest probe and is kept when a status has none", () => {
    const probed = status([], {
      services: { vllm: { up: true, history: [{ ts: new Date(T0 + 60_000).toISOString() }] } },
    });
    let s = reduce(initialState(), { type: "status", status: probed, now: T0 });
    assert.equal(s.skewMs, 60_000);
    assert.equal(serverNow(s, T0), T0 + 60_000);
    s = reduce(s, { type: "status", status: status(), now: T0 });
    assert.equal(s.skewMs, 60_000);
  });

  test("requests and unknown actions change nothing", () => {
    const s0 = initialState();
    assert.equal(reduce(s0, { type: "open-log", id: "x" }), s0);
    assert.equal(reduce(s0, { type: "conn", conn: "connecting" }), s0);
    assert.equal(reduce(s0, { type: "conn", conn: "live" }).conn, "live");
  });
});

describe("store", () => {
  test("subscribers see every action in order, also those dispatched while rendering", () => {
    const log = [];
    const store = createStore((state, action) => [...state, action.type], []);
    store.subscribe((state, prev, action) => {
      log.push(["first", action.type, state.length, prev.length]);
      if (action.type === "a") store.dispatch({ type: "b" });
    });
    store.subscribe((state, prev, action) => log.push(["second", action.type, state.length, prev.length]));
    store.dispatch({ type: "a" });
    assert.deepEqual(log, [
      ["first", "a", 1, 0],
      ["second", "a", 1, 0],
      ["first", "b", 2, 1],
      ["second", "b", 2, 1],
    ]);
    assert.deepEqual(store.getState(), ["a", "b"]);
  });

  test("a subscriber that throws does not stop the others; unsubscribe stops calls", () => {
    const errors = [];
    const store = createStore((n) => n + 1, 0, (e) => errors.push(e.message));
    const seen = [];
    store.subscribe(() => {
      throw new Error("broken section");
    });
    const stop = store.subscribe((state) => seen.push(state));
    store.dispatch({ type: "x" });
    stop();
    store.dispatch({ type: "x" });
    assert.deepEqual(seen, [1]);
    assert.deepEqual(errors, ["broken section", "broken section"]);
    assert.equal(store.getState(), 2);
  });
});
