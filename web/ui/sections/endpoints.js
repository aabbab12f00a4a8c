// Endpoints: what LAN apps get from GET /api/endpoints, with copy buttons, plus the discovery
// URL itself (of the cluster shown). Reloaded when a service's address, its up state or the
// served model changes, and when the page switches cluster.
import { api } from "../lib/api.js";
import { discoveryPath, pageCluster } from "../lib/cluster.js";
import { $, copyButton, h, setText } from "../lib/dom.js";
import { KINDS, displayName, orderedNames } from "../lib/format.js";

// What of /api/status shows in /api/endpoints: a change of it means a reload.
export function endpointsKey(status) {
  const services = orderedNames(status.services).map((n) => [n, status.services[n].up, status.services[n].base_url]);
  return JSON.stringify(services) + (status.model ? status.model.served_name : "");
}

function endpointRow(name, ep) {
  const ready = ep.base_url ? String(!!ep.ready) : "none";
  const kind = name === "vllm" ? "OpenAI-compatible" : KINDS[ep.kind] || ep.kind || "";
  const meta = [];
  if (ep.model) meta.push(h("span", {}, "model ", h("span", { class: "mono", text: ep.model })));
  if (ep.open_webui_url) {
    if (meta.length) meta.push(" · ");
    meta.push(h("a", { href: ep.open_webui_url, target: "_blank", rel: "noopener noreferrer", text: "Open WebUI" }));
  }
  if (!meta.length) meta.push(ep.base_url ? (ep.ready ? "ready" : "not ready — the latest probe failed") : "");
  else meta.push(" · ", ep.ready ? "ready" : "not ready");
  return h(
    "li",
    { class: "ep", dataset: { service: name, ready } },
    h(
      "div",
      { class: "ep-name" },
      h("span", { class: "dot", role: "img", "aria-label": ep.ready ? "ready" : "not ready" }),
      h("span", { class: "ep-title" }, h("b", { text: displayName(name) }), h("small", { text: kind }))
    ),
    h(
      "div",
      { class: "ep-main" },
      ep.base_url ? h("code", { text: ep.base_url }) : h("span", { class: "unset", text: "not configured" }),
      h("span", { class: "ep-meta" }, meta)
    ),
    h("div", {}, ep.base_url ? copyButton(() => ep.base_url, displayName(name) + " endpoint URL") : null)
  );
}

function discoveryRow() {
  const discovery = location.origin + discoveryPath(pageCluster());
  return h(
    "li",
    { class: "ep", dataset: { service: "_discovery", ready: "none" } },
    h(
      "div",
      { class: "ep-name" },
      h("span", { class: "ep-title" }, h("b", { text: "Discovery" }), h("small", { text: "JSON for LAN apps" }))
    ),
    h(
      "div",
      { class: "ep-main" },
      h("code", { text: discovery }),
      h("span", { class: "ep-meta", text: "Apps that read this pick up new addresses and models on their own." })
    ),
    h("div", {}, copyButton(() => discovery, "discovery URL"))
  );
}

function render(endpoints) {
  const eps = endpoints || {};
  const rows = orderedNames(eps).map((name) => endpointRow(name, eps[name] || {}));
  $("endpoint-list").replaceChildren(...rows, discoveryRow());
  $("endpoints-link").href = discoveryPath(pageCluster());
  setText($("endpoints-link"), discoveryPath(pageCluster()));
}

export function mountEndpoints(store) {
  let loadedKey = ""; // endpointsKey of the status the list was loaded for
  let timer = 0;
  let inFlight = false;

  async function load(key) {
    if (inFlight) return;
    inFlight = true;
    try {
      const endpoints = await api("GET", "/api/endpoints");
      if (key !== undefined) loadedKey = key;
      store.dispatch({ type: "endpoints", endpoints });
    } catch {
      /* shown as stale; the next state change retries */
    } finally {
      inFlight = false;
    }
  }

  store.subscribe((state, prev, action) => {
    if (state.endpoints !== prev.endpoints) render(state.endpoints);
    if (action.type === "config" && action.source === "save") load();
    if (action.type === "cluster" && state.cluster !== prev.cluster) loadedKey = ""; // its first status reloads
    if (!state.status || state.status === prev.status) return;
    const key = endpointsKey(state.status);
    if (key === loadedKey) return;
    clearTimeout(timer);
    timer = setTimeout(() => load(key), 150);
  });
  load();
}
