// The connectivity log: state changes seen by the prober and reports sent by LAN apps, newest
// first, live; filters by service, type and failures. The first page is fetched once the stream
// has delivered its first `state`, so no event can fall between the page and the stream (the
// store de-duplicates ids).
import { CLUSTER_SWITCHED, api } from "../lib/api.js";
import { $, h, icon, setText } from "../lib/dom.js";
import { clockTime, displayName, fullTime, latency } from "../lib/format.js";
import { recoveryActionText } from "../lib/recovery.js";

const MAX_ROWS = 300; // rendered in the log
const PAGE = 100; // first page of the log
const TAGS = { transition: "state change", report: "report", recovery: "recovery" };

export function matches(ev, filters) {
  if (filters.service && ev.service !== filters.service) return false;
  if (filters.type && ev.type !== filters.type) return false;
  if (filters.failures && ev.ok) return false;
  return true;
}

// "12 events · 3 failed"
export function countText(shown, failures, loaded) {
  if (!loaded) return "Loading…";
  return shown + (shown === 1 ? " event" : " events") + (failures ? " · " + failures + " failed" : "");
}

// The events of an `events` action that were new to the store, oldest first.
export function addedEvents(action, prevById) {
  const seen = new Set();
  const added = [];
  for (const ev of action.events || []) {
    if (!ev || typeof ev.id !== "number" || prevById.has(ev.id) || seen.has(ev.id)) continue;
    seen.add(ev.id);
    added.push(ev);
  }
  return added.sort((a, b) => a.id - b.id);
}

function eventRow(ev, fresh) {
  const name = h("b", { text: displayName(ev.service) });
  const err = ev.error ? [": ", h("span", { class: "err", text: ev.error })] : "";
  let msg;
  if (ev.type === "transition") {
    msg = ev.ok ? [name, " is up"] : [name, " went down", err];
  } else if (ev.type === "recovery") {
    msg = [name, " " + recoveryActionText(ev.action), ev.reason ? ": " + ev.reason : ""];
  } else {
    const source = h("b", { text: ev.source || "a client" });
    msg = ev.ok ? [source, " reached ", name] : [source, " could not reach ", name, err];
  }
  const meta = [h("span", { class: "tag " + ev.type, text: TAGS[ev.type] || ev.type })];
  if (ev.type === "transition" && ev.source && ev.source !== "poller") meta.push(h("span", { class: "tag", text: ev.source }));
  meta.push(h("span", { class: "ms", text: typeof ev.ms === "number" ? latency(ev.ms) : "" }));
  return h(
    "li",
    {
      class: (ev.ok ? "ok" : "fail") + (fresh ? " fresh" : ""),
      dataset: { id: String(ev.id), service: ev.service, type: ev.type, ok: String(!!ev.ok), action: ev.action || "" },
    },
    h("time", { datetime: ev.ts, title: fullTime(ev.ts), text: clockTime(ev.ts) }),
    h(
      "span",
      { class: "mark" },
      icon(ev.ok ? "check" : "cross"),
      h("span", { class: "sr-only", text: ev.ok ? "OK" : "Failed" })
    ),
    h("span", { class: "msg" }, msg),
    h("span", { class: "meta" }, meta)
  );
}

// Over 80 lines: one closure owns the section's state; its inner functions are short.
export function mountEvents(store) {
  const filters = { service: "", type: "", failures: false };

  function updateCount() {
    const list = $("log-list");
    const { loaded } = store.getState().events;
    $("log-empty").hidden = list.childElementCount > 0 || !loaded;
    let failures = 0;
    for (const li of list.children) if (li.dataset.ok === "false") failures++;
    setText($("log-count"), countText(list.childElementCount, failures, loaded));
  }

  function render() {
    const events = [...store.getState().events.byId.values()];
    const list = events.filter((ev) => matches(ev, filters)).sort((a, b) => b.id - a.id).slice(0, MAX_ROWS);
    $("log-list").replaceChildren(...list.map((ev) => eventRow(ev, false)));
    updateCount();
  }

  // Live events newer than anything shown are prepended (oldest first, so the newest ends on top).
  function prependLive(added) {
    const ol = $("log-list");
    const first = ol.firstElementChild;
    const firstId = first ? Number(first.dataset.id) : 0;
    const shown = added.filter((ev) => matches(ev, filters));
    if (!shown.every((ev) => ev.id > firstId)) return false;
    for (const ev of shown) ol.prepend(eventRow(ev, true));
    while (ol.childElementCount > MAX_ROWS) ol.lastElementChild.remove();
    updateCount();
    return true;
  }

  async function load() {
    const params = new URLSearchParams({ limit: String(PAGE) });
    if (filters.service) params.set("service", filters.service);
    if (filters.type) params.set("type", filters.type);
    let events = [];
    try {
      events = (await api("GET", "/api/events?" + params)).events || [];
    } catch (e) {
      if (e.code === CLUSTER_SWITCHED) return; // the new cluster's stream loads its own page
      /* otherwise shown as loaded: the stream still adds what happens next */
    }
    store.dispatch({ type: "events-loaded" });
    store.dispatch({ type: "events", events, live: false });
    render();
  }

  function updateServiceFilter(names) {
    const select = $("filter-service");
    const known = new Set([...select.options].map((o) => o.value));
    const seen = new Set(names);
    for (const ev of store.getState().events.byId.values()) seen.add(ev.service);
    for (const name of [...seen].sort()) {
      if (!known.has(name)) select.append(h("option", { value: name, text: displayName(name) }));
    }
  }

  function onFilterChange() {
    filters.service = $("filter-service").value;
    filters.type = $("filter-type").value;
    filters.failures = $("filter-failures").checked;
    render();
    // The in-memory window may hold few events of a rare kind: fetch a page for this filter.
    if (filters.service || filters.type) load();
  }

  store.subscribe((state, prev, action) => {
    if (action.type === "status" && state.status !== prev.status) {
      updateServiceFilter(Object.keys(state.status.services));
      if (action.source === "stream" && !state.events.loaded) load();
    }
    if (action.type === "cluster" && state.cluster !== prev.cluster) render(); // empty until the stream's first state
    if (action.type !== "events" || state.events === prev.events) return;
    const added = addedEvents(action, prev.events.byId);
    if (!(action.live && state.events.loaded && prependLive(added))) render();
  });

  for (const id of ["filter-service", "filter-type", "filter-failures"]) $(id).addEventListener("change", onFilterChange);
  $("log-filters").addEventListener("submit", (e) => e.preventDefault());
  $("log-list").setAttribute("tabindex", "0");
  updateCount();
}
