// Unit tests of the cluster the page shows (web/ui/lib/cluster.js): the page URL names it, every
// API call carries it (lib/api.js, against a stand-in fetch and location), an answer for a
// cluster the page left is refused, the reducer starts afresh on a switch, and the settings form
// does not take another cluster's status for a changed config.
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { CLUSTER_SWITCHED, api } from "../../web/ui/lib/api.js";
import {
  clusterFacts,
  clusterOfSearch,
  defaultCluster,
  discoveryPath,
  pageCluster,
  pageUrlFor,
  resolveCluster,
  unknownClusterText,
  withCluster,
} from "../../web/ui/lib/cluster.js";
import { initialState, reduce } from "../../web/ui/lib/state.js";
import { configMatchesStatus, formClusterNote } from "../../web/ui/sections/settings-model.js";

const LIST = [
  { name: "lab", default: true, model: "qwen36", services_up: 3, services_total: 3, jobs_running: 0 },
  { name: "prod", default: false, model: "gemma4", services_up: 2, services_total: 3, jobs_running: 1 },
];

describe("the cluster in the page URL", () => {
  test("read from the query string; none means the default", () => {
    assert.equal(clusterOfSearch("?cluster=prod"), "prod");
    assert.equal(clusterOfSearch("?x=1&cluster=a%20b"), "a b");
    assert.equal(clusterOfSearch(""), "");
    assert.equal(clusterOfSearch("?cluster="), "");
    assert.equal(pageCluster(), "", "outside a browser");
  });

  test("API paths carry it, after a query they already have", () => {
    assert.equal(withCluster("/api/status", ""), "/api/status");
    assert.equal(withCluster("/api/status", "prod"), "/api/status?cluster=prod");
    assert.equal(withCluster("/api/events?limit=100", "prod"), "/api/events?limit=100&cluster=prod");
    assert.equal(withCluster("/api/jobs/j1/log", "a&b"), "/api/jobs/j1/log?cluster=a%26b");
    assert.equal(discoveryPath(""), "/api/endpoints");
    assert.equal(discoveryPath("prod"), "/api/clusters/prod/endpoints");
  });

  test("switching keeps the fragment and other parameters; the default drops the parameter", () => {
    assert.equal(pageUrlFor("http://h:1/#models", "prod", false), "http://h:1/?cluster=prod#models");
    assert.equal(pageUrlFor("http://h:1/?cluster=prod&x=1#log", "lab", true), "http://h:1/?x=1#log");
    assert.equal(pageUrlFor("http://h:1/?cluster=prod", "", false), "http://h:1/");
  });

  test("an unknown cluster resolves to the default, named in the note", () => {
    assert.equal(defaultCluster(LIST), "lab");
    assert.equal(defaultCluster([]), "");
    assert.deepEqual(resolveCluster(LIST, "prod"), { name: "prod", unknown: "" });
    assert.deepEqual(resolveCluster(LIST, ""), { name: "lab", unknown: "" });
    assert.deepEqual(resolveCluster(LIST, "nope"), { name: "lab", unknown: "nope" });
    assert.deepEqual(resolveCluster(null, "nope"), { name: "nope", unknown: "" }, "no list: trust the URL");
    assert.equal(unknownClusterText("nope", "lab"), "There is no cluster named “nope”; showing the default cluster, lab.");
  });

  test("one line of the overview row: model by catalog name, services, jobs, tone", () => {
    const models = [{ id: "gemma4", name: "Gemma 4 26B-A4B", served_name: "google/gemma-4-26B-A4B-it" }];
    assert.deepEqual(clusterFacts(LIST[1], models), { model: "Gemma 4 26B-A4B", services: "2/3 up", jobs: "1 job running", tone: "fail" });
    assert.deepEqual(clusterFacts(LIST[0], []), { model: "qwen36", services: "3/3 up", jobs: "no jobs", tone: "ok" });
    const idle = { name: "x", model: null, services_up: 0, services_total: 0, jobs_running: 2 };
    assert.deepEqual(clusterFacts(idle, models), { model: "No model served", services: "0/0 up", jobs: "2 jobs running", tone: "off" });
  });
});

describe("api() and the page's cluster", () => {
  let calls;
  let onFetch;
  beforeEach(() => {
    calls = [];
    onFetch = () => {};
    globalThis.location = { search: "?cluster=prod", hostname: "h" };
    globalThis.fetch = async (path) => {
      calls.push(path);
      onFetch();
      return new Response(JSON.stringify({ ok: true }), { status: 200 });
    };
  });
  afterEach(() => {
    delete globalThis.location;
    delete globalThis.fetch;
  });

  test("every call carries the cluster, unless it is about the process", async () => {
    await api("GET", "/api/status");
    await api("POST", "/api/swap", { model: "gemma4" });
    await api("GET", "/api/clusters", undefined, { scoped: false });
    assert.deepEqual(calls, ["/api/status?cluster=prod", "/api/swap?cluster=prod", "/api/clusters"]);
  });

  test("an answer that arrives after a switch is refused", async () => {
    onFetch = () => (globalThis.location.search = "");
    await assert.rejects(api("GET", "/api/endpoints"), { code: CLUSTER_SWITCHED, status: 0 });
    assert.deepEqual(await api("GET", "/api/clusters", undefined, { scoped: false }), { ok: true });
  });
});

describe("switching cluster in the state", () => {
  test("everything of the old cluster goes; config and catalog stay", () => {
    let s = initialState();
    assert.equal(s.cluster, "");
    s = reduce(s, { type: "status", status: { services: {}, cluster: "lab" }, now: 0 });
    s = reduce(s, { type: "config", config: { cluster: "lab" } });
    s = reduce(s, { type: "models", models: [{ id: "qwen36" }] });
    s = reduce(s, { type: "events", events: [{ id: 1 }] });
    s = reduce(s, { type: "conn", conn: "live" });
    const next = reduce(s, { type: "cluster", cluster: "prod" });
    assert.equal(next.cluster, "prod");
    assert.equal(next.status, null);
    assert.equal(next.events.byId.size, 0);
    assert.equal(next.conn, "connecting");
    assert.equal(next.config, s.config);
    assert.equal(next.models, s.models);
    assert.equal(reduce(next, { type: "cluster", cluster: "prod" }), next, "the same cluster changes nothing");
  });

  test("the settings form edits the default cluster only", () => {
    const config = { cluster: "lab", sparks: { spark1: { host: "127.0.0.1" } }, services: {} };
    const prod = { cluster: "prod", sparks: { spark1: { host: "127.0.0.3" } }, services: { vllm: {} } };
    assert.equal(configMatchesStatus(config, prod), true, "prod's hosts do not mean the config changed");
    assert.equal(configMatchesStatus(config, { ...prod, cluster: "lab" }), false);
    assert.match(formClusterNote(config, prod), /edits the default cluster, lab\. Cluster prod/);
    assert.equal(formClusterNote(config, { ...prod, cluster: "lab" }), "");
  });
});
