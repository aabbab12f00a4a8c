// Models: the catalog vLLM can serve (GET /api/models, reloaded when the served model changes
// and after every catalog change), with Swap / Restart, Delete for custom models and the
// per-model overrides (model-overrides.js). Swap buttons wait while a swap runs.
import { api, oneAtATime } from "../lib/api.js";
import { actionError, authOk } from "../lib/auth-prompt.js";
import { $, announce, confirmAction, h, icon, placeAfter, setData, setNote, setText } from "../lib/dom.js";
import { jobTitle, phaseText, swapBusy } from "../lib/jobs.js";
import { createOverrides } from "./model-overrides.js";

// The id of the model vLLM serves: /api/status's, or the catalog's `current` before a status.
export function currentModelId(state) {
  if (state.status) return (state.status.model && state.status.model.id) || null;
  const m = state.models.list.find((x) => x.current);
  return m ? m.id : null;
}

const badge = (text, cls, title) => h("span", { class: "badge " + cls, title, text });

function badges(model, current, swapping) {
  const list = [];
  if (current) list.push(h("span", { class: "pill serving", dataset: { state: "up" } }, icon("check"), "Serving"));
  if (swapping) list.push(h("span", { class: "pill swapping", dataset: { state: "busy" } }, icon("swap"), phaseText(swapping)));
  list.push(
    model.mode === "cluster"
      ? badge("Cluster", "mode", "Runs on both Sparks (tensor parallel 2)")
      : badge("Solo", "mode", "Runs on one Spark")
  );
  list.push(
    model.source === "custom"
      ? badge("Custom", "source custom", "Added here; can be deleted")
      : badge("Bundled", "source", "Part of spark-control’s catalog")
  );
  return list;
}

// Over 80 lines: one closure owns the section's state; its inner functions are short.
export function mountModels(store) {
  const rows = new Map(); // id -> refs
  let modelKey; // status.model.id the list was loaded for

  const load = oneAtATime(async () => {
    try {
      const data = await api("GET", "/api/models");
      store.dispatch({ type: "models", models: Array.isArray(data && data.models) ? data.models : [] });
    } catch {
      if (!store.getState().models.loaded) setText($("models-empty"), "Could not load the catalog; retrying with the next update.");
    }
  });

  function createRow(model) {
    const base = "model-" + model.id.replace(/[^a-z0-9_-]/gi, "_");
    const refs = { id: model.id };
    refs.name = h("h3", { id: base + "-name" });
    refs.badges = h("span", { class: "badges" });
    refs.repo = h("code", { class: "model-repo" });
    refs.served = h("span", { class: "model-served" });
    refs.swap = h("button", { type: "button", class: "btn btn-small btn-primary", onclick: () => swapTo(refs) });
    refs.del = h(
      "button",
      { type: "button", class: "btn btn-small btn-danger-quiet", hidden: true, onclick: () => deleteModel(refs) },
      icon("trash"),
      "Delete"
    );
    refs.note = h("p", { class: "note", hidden: true });
    refs.adv = createOverrides(refs, base, model.name, {
      onSaved: (saved) => store.dispatch({ type: "model-saved", model: saved }),
      isCurrent: () => currentModelId(store.getState()) === refs.id,
    });
    refs.root = h(
      "article",
      { class: "model", id: base, dataset: { model: model.id }, "aria-labelledby": base + "-name" },
      h(
        "div",
        { class: "model-main" },
        h("div", { class: "model-title" }, refs.name, refs.badges),
        h("div", { class: "model-meta" }, refs.repo, refs.served),
        refs.note
      ),
      h("div", { class: "model-actions" }, refs.swap, refs.del),
      refs.adv.root
    );
    return refs;
  }

  function updateRow(refs, model, state) {
    refs.model = model;
    const name = model.name || model.id;
    const current = currentModelId(state) === model.id;
    const busy = swapBusy(state.jobs.running.values());
    const swapping = busy && busy.kind === "swap" && busy.target === model.id ? busy : null;
    setData(refs.root, "current", String(current));
    setData(refs.root, "source", model.source || "");
    setData(refs.root, "swapping", String(!!swapping));
    setText(refs.name, name);
    const badgeKey = [model.mode, model.source, current, swapping ? phaseText(swapping) : ""].join("|");
    if (refs.badges.dataset.key !== badgeKey) {
      refs.badges.dataset.key = badgeKey;
      refs.badges.replaceChildren(...badges(model, current, swapping));
    }
    setText(refs.repo, model.hf_repo || "");
    refs.repo.title = model.hf_repo || "";
    setText(refs.served, model.served_name ? "served as " + model.served_name : "");
    refs.served.hidden = !model.served_name;

    const label = current ? "Restart" : "Swap";
    if (refs.swap.dataset.label !== label) {
      refs.swap.dataset.label = label;
      refs.swap.replaceChildren(icon(current ? "restart" : "swap"), label);
    }
    refs.swap.setAttribute("aria-label", (current ? "Restart " : "Swap to ") + name);
    refs.swap.disabled = !!busy || refs.pending === true;
    refs.swap.title = busy
      ? "Wait for “" + jobTitle(busy, state.models.list) + "” to finish"
      : current
        ? "Relaunch this model"
        : "Stop the current model and serve this one";
    refs.del.hidden = model.source !== "custom";
    refs.del.setAttribute("aria-label", "Delete " + name);
    refs.adv.update(model);
  }

  function render(state = store.getState()) {
    const { list, loaded } = state.models;
    if (!loaded) return;
    const box = $("model-list");
    const ids = new Set(list.map((m) => m.id));
    for (const [id, refs] of rows) {
      if (!ids.has(id)) {
        refs.root.remove();
        rows.delete(id);
      }
    }
    let prevEl = null;
    for (const model of list) {
      let refs = rows.get(model.id);
      if (!refs) {
        refs = createRow(model);
        rows.set(model.id, refs);
      }
      updateRow(refs, model, state);
      prevEl = placeAfter(box, prevEl, refs.root);
    }
    $("models-empty").hidden = list.length > 0;
    if (!list.length) setText($("models-empty"), "The catalog is empty.");
  }

  async function swapTo(refs) {
    const model = refs.model;
    if (!model) return;
    const current = currentModelId(store.getState()) === model.id;
    refs.pending = true;
    refs.swap.disabled = true;
    setNote(refs.note, "busy", current ? "Restarting…" : "Starting the swap…");
    try {
      const data = current
        ? await api("POST", "/api/services/vllm/restart")
        : await api("POST", "/api/swap", { model: model.id });
      authOk();
      setNote(refs.note, "");
      const job = data && data.job;
      if (job) {
        store.dispatch({ type: "job-started", job, now: Date.now() });
        announce(jobTitle(job, store.getState().models.list) + " started");
        store.dispatch({ type: "open-log", id: job.id, scroll: true });
      }
    } catch (e) {
      setNote(refs.note, "fail", actionError(e));
    } finally {
      refs.pending = false;
      render();
    }
  }

  async function deleteModel(refs) {
    const model = refs.model;
    if (!model) return;
    const ok = await confirmAction({
      title: "Delete “" + (model.name || model.id) + "”?",
      text: "It leaves the catalog together with its advanced settings. Files already downloaded to the Sparks stay.",
      ok: "Delete",
    });
    if (!ok) return;
    refs.del.disabled = true;
    setNote(refs.note, "busy", "Deleting…");
    try {
      await api("DELETE", "/api/models/" + encodeURIComponent(model.id));
      authOk();
      store.dispatch({ type: "model-deleted", id: model.id });
      announce((model.name || model.id) + " deleted from the catalog");
    } catch (e) {
      refs.del.disabled = false;
      setNote(refs.note, "fail", actionError(e));
    }
  }

  store.subscribe((state, prev, action) => {
    if (action.type === "status" && state.status !== prev.status) {
      // `current` follows /api/status; the list is reloaded when the served model changes.
      const id = (state.status.model && state.status.model.id) || null;
      if (modelKey !== undefined && id !== modelKey) load();
      modelKey = id;
    }
    const job = action.type === "job-ended" ? action.job : null;
    const vllmJob = job && (job.kind === "swap" || (job.kind === "service" && job.target === "vllm"));
    const switched = action.type === "cluster" && state.cluster !== prev.cluster; // its launch lines differ
    if (vllmJob || switched || action.type === "model-added" || action.type === "model-deleted") load();
    if (state.models !== prev.models || state.jobs !== prev.jobs || state.status !== prev.status) render(state);
  });
  load();
}
