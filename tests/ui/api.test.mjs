// Unit tests of the UI's API client (web/ui/lib/api.js) against stand-ins for fetch and
// localStorage, and of the live connection's timing rules (lib/live.js).
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ApiError, TOKEN_KEY, api, describeError, oneAtATime, storeToken, token } from "../../web/ui/lib/api.js";
import { nextRetryMs, silenceLimitMs } from "../../web/ui/lib/live.js";

function memoryStorage() {
  const items = new Map();
  return {
    getItem: (k) => (items.has(k) ? items.get(k) : null),
    setItem: (k, v) => items.set(k, String(v)),
    removeItem: (k) => items.delete(k),
  };
}

describe("api", () => {
  let calls;
  let answer;
  beforeEach(() => {
    calls = [];
    answer = () => new Response(JSON.stringify({ ok: true }), { status: 200 });
    globalThis.localStorage = memoryStorage();
    globalThis.fetch = async (path, init) => {
      calls.push({ path, init });
      return answer();
    };
  });
  afterEach(() => {
    delete globalThis.localStorage;
    delete globalThis.fetch;
  });

  test("a mutation carries the stored token and a JSON body; a GET carries no token", async () => {
    storeToken("s3cret");
    assert.equal(globalThis.localStorage.getItem(TOKEN_KEY), "s3cret");
    assert.deepEqual(await api("PUT", "/api/config", { a: 1 }), { ok: true });
    assert.equal(calls[0].init.headers.Authorization, "Bearer s3cret");
    assert.equal(calls[0].init.headers["Content-Type"], "application/json");
    assert.equal(calls[0].init.body, '{"a":1}');
    await api("GET", "/api/status");
    assert.equal(calls[1].init.headers.Authorization, undefined);
    storeToken("");
    assert.equal(token(), "");
  });

  test("an error answer becomes an ApiError with status, code, field and message", async () => {
    answer = () =>
      new Response(JSON.stringify({ error: { code: "invalid_field", message: "port: too big", field: "port" } }), { status: 400 });
    const e = await api("PUT", "/api/config", {}).then(
      () => null,
      (err) => err
    );
    assert.ok(e instanceof ApiError);
    assert.deepEqual([e.status, e.code, e.field, e.message], [400, "invalid_field", "port", "port: too big"]);
  });

  test("a body that is not JSON, a 204, and no answer at all", async () => {
    answer = () => new Response("<html>bad gateway</html>", { status: 502 });
    await assert.rejects(api("GET", "/api/status"), { status: 502, message: "HTTP 502" });
    answer = () => new Response(null, { status: 204 });
    assert.equal(await api("DELETE", "/api/models/x"), null);
    globalThis.fetch = async () => {
      throw new TypeError("Failed to fetch");
    };
    await assert.rejects(api("GET", "/api/status"), { status: 0, code: "network", message: "spark-control is not reachable" });
  });

  test("without storage the token is empty", () => {
    globalThis.localStorage = {
      getItem() {
        throw new Error("denied");
      },
    };
    assert.equal(token(), "");
  });

  test("host_refused names the host name the page was opened under", () => {
    const parts = describeError(403, { error: { code: "host_refused", message: "unknown host" } }, "spark.local");
    assert.equal(parts.code, "host_refused");
    assert.match(parts.message, /^unknown host\. This page was opened as "spark\.local"/);
    assert.match(parts.message, /add "spark\.local" to http\.allowed_hosts/);
  });
});

describe("one load at a time", () => {
  test("calls during a load lead to exactly one more load after it", async () => {
    const releases = [];
    let runs = 0;
    const load = oneAtATime(() => {
      runs++;
      return new Promise((resolve) => releases.push(resolve));
    });
    load();
    load();
    load();
    assert.equal(runs, 1, "one at a time");
    releases[0]();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(runs, 2, "the calls made meanwhile became one more run");
    releases[1]();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(runs, 2, "and nothing after that");
  });

  test("a failed load does not block the next one", async () => {
    let runs = 0;
    const load = oneAtATime(async () => {
      runs++;
      throw new Error("offline");
    });
    await assert.rejects(load(), /offline/);
    await assert.rejects(load(), /offline/);
    assert.equal(runs, 2);
  });
});

describe("live connection", () => {
  test("retries back off to 15 s", () => {
    const seq = [1000];
    for (let i = 0; i < 6; i++) seq.push(nextRetryMs(seq[seq.length - 1]));
    assert.deepEqual(seq, [1000, 2000, 4000, 8000, 15000, 15000, 15000]);
  });

  test("silence means a dead link after 45 s, or three intervals when longer", () => {
    assert.equal(silenceLimitMs(2), 45000);
    assert.equal(silenceLimitMs(30), 90000);
  });
});
