// Service cards: state pill, model, latency, up/down since, the heartbeat strip of the last 60
// probes, the failure reason, automatic recovery (recovery-card.js), the base URL, and the
// action buttons (service-actions.js).
import { $, copyButton, h, icon, placeAfter, setData, setText } from "../lib/dom.js";
import {
  KINDS,
  REASONS,
  SLOTS,
  axisLabel,
  clockTime,
  displayName,
  duration,
  fullTime,
  latency,
  orderedNames,
  parseTs,
  serviceState,
} from "../lib/format.js";
import { serverNow } from "../lib/state.js";
import { recoveryCard } from "./recovery-card.js";
import { serviceActions } from "./service-actions.js";

const SLOW_MS = 1000; // a successful probe slower than this is drawn amber
const PILLS = {
  up: ["check", "Up"],
  down: ["cross", "Down"],
  off: ["dash", "Not configured"],
  unknown: ["dash", "Unknown"],
};

// The class and title of one heartbeat slot (null: no probe yet).
export function beat(probe) {
  if (!probe) return { cls: "", title: "" };
  const cls = probe.ok ? (probe.ms > SLOW_MS ? "ok slow" : "ok") : "fail";
  return { cls, title: clockTime(probe.ts) + " · " + (probe.ok ? "ok" : "failed") + " · " + latency(probe.ms) };
}

// The failure line of a card that is down or not configured.
export function failureText(state, svc) {
  if (state === "off") return "No host set — add Spark addresses under Configure Sparks.";
  const reason = REASONS[svc.reason] || (svc.reason ? svc.reason.replace(/_/g, " ") : "Probe failed");
  return reason + (svc.error && svc.error !== reason ? ": " + svc.error : "");
}

function createCard(name, actions, recovery) {
  const id = "svc-" + name.replace(/[^a-z0-9_-]/gi, "_");
  const refs = {};
  refs.pill = h("span", { class: "pill" });
  refs.kind = h("span", { class: "kind" });
  refs.model = h("p", { class: "svc-model", hidden: name !== "vllm" });
  const stat = (label) => {
    const dt = h("dt", { text: label });
    const dd = h("dd", { text: "—" });
    return [h("div", {}, dt, dd), dt, dd];
  };
  let latencyBox, sinceBox, okBox;
  [latencyBox, , refs.latency] = stat("Latency");
  [sinceBox, refs.sinceLabel, refs.since] = stat("Since");
  [okBox, , refs.okRate] = stat("Probes OK");
  refs.slots = Array.from({ length: SLOTS }, () => h("i"));
  refs.beats = h("div", { class: "beats", role: "img" }, refs.slots);
  refs.axisStart = h("span", { text: "" });
  refs.errorText = h("span");
  refs.error = h("p", { class: "svc-error", hidden: true }, icon("warn"), refs.errorText);
  refs.url = h("code");
  refs.urlUnset = h("span", { class: "unset", text: "No address: host not configured", hidden: true });
  refs.copy = copyButton(() => refs.url.textContent, displayName(name) + " base URL");
  refs.root = h(
    "article",
    { class: "svc", id, dataset: { service: name }, "aria-labelledby": id + "-name" },
    h(
      "div",
      { class: "svc-head" },
      h("div", { class: "svc-title" }, h("h3", { id: id + "-name", text: displayName(name) }), refs.kind),
      refs.pill
    ),
    refs.model,
    h("dl", { class: "stats" }, latencyBox, sinceBox, okBox),
    refs.beats,
    h("div", { class: "beats-axis", "aria-hidden": "true" }, refs.axisStart, h("span", { text: "now" })),
    refs.error,
    recovery.create(name, refs),
    actions.create(name, refs),
    h("div", { class: "url-row" }, refs.url, refs.urlUnset, refs.copy)
  );
  return refs;
}

function updatePill(refs, state) {
  if (refs.pill.dataset.key === state) return;
  refs.pill.dataset.key = state;
  refs.pill.dataset.state = state;
  const [mark, text] = PILLS[state];
  refs.pill.replaceChildren(icon(mark), text);
}

function updateSince(refs, svc, state, now) {
  setText(refs.sinceLabel, state === "up" ? "Up for" : state === "down" ? "Down for" : "Since");
  if (svc.last_change && (state === "up" || state === "down")) {
    refs.since.dataset.since = svc.last_change;
    setText(refs.since, duration(now - parseTs(svc.last_change)));
    refs.since.title = "Since " + fullTime(svc.last_change);
  } else {
    delete refs.since.dataset.since;
    setText(refs.since, "—");
    refs.since.removeAttribute("title");
  }
}

// The strip: the newest probe on the right, empty slots on the left until 60 arrive.
function updateBeats(refs, svc) {
  const history = Array.isArray(svc.history) ? svc.history.slice(-SLOTS) : [];
  const okCount = history.filter((p) => p.ok).length;
  const offset = SLOTS - history.length;
  for (let i = 0; i < SLOTS; i++) {
    const { cls, title } = beat(i >= offset ? history[i - offset] : null);
    const slot = refs.slots[i];
    if (slot.className !== cls) slot.className = cls;
    if (slot.title !== title) slot.title = title;
  }
  refs.beats.setAttribute(
    "aria-label",
    history.length
      ? "Last " + history.length + " probes: " + okCount + " succeeded, " + (history.length - okCount) + " failed"
      : "No probes yet"
  );
  if (history.length) {
    const pct = Math.round((okCount / history.length) * 100);
    refs.okRate.replaceChildren(pct + "%", h("small", { text: okCount + "/" + history.length }));
  } else {
    refs.okRate.replaceChildren("—");
  }
  setText(refs.axisStart, axisLabel(history));
}

function updateCard(refs, svc, now) {
  const state = serviceState(svc);
  setData(refs.root, "state", state);
  setText(refs.kind, KINDS[svc.kind] || svc.kind || "");
  updatePill(refs, state);
  setText(refs.latency, state === "up" ? latency(svc.latency_ms) : "—");
  updateSince(refs, svc, state, now);
  updateBeats(refs, svc);
  if (state === "down" || state === "off") {
    setText(refs.errorText, failureText(state, svc));
    refs.error.classList.toggle("neutral", state === "off");
    refs.error.hidden = false;
  } else {
    refs.error.hidden = true;
  }
  const url = svc.base_url || "";
  setText(refs.url, url);
  refs.url.hidden = !url;
  refs.urlUnset.hidden = !!url;
  refs.copy.disabled = !url;
}

// vLLM: the model it serves now (from /api/status); other services: their configured model
// (from /api/endpoints), shown only when known.
function updateModel(name, refs, state) {
  const { status, endpoints } = state;
  const model =
    name === "vllm"
      ? status && status.model && status.model.served_name
      : endpoints && endpoints[name] && endpoints[name].model;
  refs.model.hidden = name !== "vllm" && !model;
  refs.model.classList.toggle("none", !model);
  if (model) {
    if (refs.model.dataset.model !== model) {
      refs.model.dataset.model = model;
      refs.model.replaceChildren(h("span", { class: "label", text: "Model" }), model);
      refs.model.title = model;
    }
  } else if (refs.model.dataset.model !== "") {
    refs.model.dataset.model = "";
    refs.model.replaceChildren(refs.root.dataset.state === "up" ? "Model not reported yet" : "No model being served");
    refs.model.removeAttribute("title");
  }
}

export function mountServices(store) {
  const cards = new Map(); // service -> refs
  const actions = serviceActions(store);
  const recovery = recoveryCard(store);

  function renderCards(state) {
    const { services } = state.status;
    const box = $("service-cards");
    for (const [name, refs] of cards) {
      if (!(name in services)) {
        refs.root.remove();
        cards.delete(name);
      }
    }
    let prevEl = null;
    for (const name of orderedNames(services)) {
      let refs = cards.get(name);
      if (!refs) {
        refs = createCard(name, actions, recovery);
        cards.set(name, refs);
      }
      updateCard(refs, services[name], serverNow(state));
      updateModel(name, refs, state);
      actions.update(name, refs, state);
      recovery.update(name, refs, state);
      prevEl = placeAfter(box, prevEl, refs.root);
    }
  }

  store.subscribe((state, prev) => {
    if (state.status && state.status !== prev.status) {
      renderCards(state);
      return;
    }
    if (state.endpoints !== prev.endpoints) for (const [name, refs] of cards) updateModel(name, refs, state);
    if (state.config !== prev.config && state.status) for (const [name, refs] of cards) recovery.update(name, refs, state);
    if (state.jobs !== prev.jobs || state.viewing !== prev.viewing || state.models !== prev.models) {
      for (const [name, refs] of cards) actions.update(name, refs, state);
    }
  });
}
