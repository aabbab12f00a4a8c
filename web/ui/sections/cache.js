// The cache view: per Spark the models in its Hugging Face cache (GET /api/cache, the server's
// last scan: reads never wait on SSH) with size, revision, last change and whether the catalog
// uses it or vLLM serves it; Delete (confirmed) frees the disk as a job, refused with the reason
// for the served model. The server rescans after every download or delete job, and on Refresh
// (POST /api/cache/refresh): the view reloads until the scan time changes; it reloads at once
// when the served model or the catalog changes (the badges are computed on each read).
import { api, oneAtATime } from "../lib/api.js";
import { actionError, authOk } from "../lib/auth-prompt.js";
import { $, announce, confirmAction, h, icon, setNote, setText } from "../lib/dom.js";
import { bytesText, deleteBlocked, isDeleteJob, modifiedMs, scannedKey, scannedSince, sparkEntries } from "../lib/downloads.js";
import { clockTime, duration, fullTime, sparkLabel } from "../lib/format.js";
import { serverNow } from "../lib/state.js";

const RESCAN_TRIES = 15; // reloads, a second apart, while waiting for a new scan
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const badge = (text, cls, title) => h("span", { class: "badge " + cls, title, text });

// The badges of a cached model.
export function cacheBadges(model) {
  const list = [];
  if (model.serving) list.push(h("span", { class: "pill serving", dataset: { state: "up" } }, icon("check"), "Serving"));
  if (model.in_catalog) list.push(badge("In catalog", "in-catalog", "A catalog model uses this repo"));
  if (model.complete === false) list.push(badge("Incomplete", "incomplete", "Partial files: downloading it again resumes"));
  return list;
}

// Over 80 lines: one closure owns the section's state; its inner functions are short.
export function mountCache(store) {
  let cache = null;
  let failed = "";
  let key = "";
  const notes = new Map(); // "spark repo" -> [tone, text] of a delete in flight or failed

  const load = oneAtATime(async () => {
    try {
      cache = await api("GET", "/api/cache");
      failed = "";
    } catch (e) {
      failed = e.message;
    }
    render();
  });

  // Reloads until the scan time changes (the server rescans in the background) — or, after a
  // job, until every listing comes from a scan made after the job ended (a scan that finished
  // before the page noticed the job's end counts; one that began before it does not).
  async function reloadWhenRescanned(endedAt = null) {
    const before = scannedKey(cache);
    for (let i = 0; i < RESCAN_TRIES; i++) {
      await load();
      if (endedAt ? scannedSince(cache, endedAt) : scannedKey(cache) !== before) return;
      await sleep(1000);
    }
  }

  // After download jobs ended: their end times (from the server), then the rescan after them.
  async function afterJobs(ids) {
    let endedAt = null;
    try {
      const jobs = await Promise.all(ids.map((id) => api("GET", "/api/jobs/" + encodeURIComponent(id))));
      endedAt = jobs.map((j) => j && j.ended_at).filter(Boolean).sort().pop() || null;
    } catch {
      endedAt = null; // the job left the history: wait for any new scan instead
    }
    await reloadWhenRescanned(endedAt);
  }

  async function refresh() {
    const button = $("cache-refresh");
    button.disabled = true;
    setNote($("cache-status"), "busy", "Scanning the caches…");
    try {
      await api("POST", "/api/cache/refresh");
      authOk();
      await reloadWhenRescanned();
      setNote($("cache-status"), "");
    } catch (e) {
      setNote($("cache-status"), "fail", actionError(e, "refresh again"));
    } finally {
      button.disabled = false;
    }
  }

  async function remove(spark, model) {
    const id = spark + " " + model.hf_repo;
    const ok = await confirmAction({
      title: "Delete " + model.hf_repo + " from " + sparkLabel(spark) + "?",
      text:
        "Frees " + bytesText(model.size_bytes) + " on " + sparkLabel(spark) + ". vLLM cannot load it there until it is " +
        "downloaded again; a catalog entry for it stays.",
      ok: "Delete",
    });
    if (!ok) return;
    notes.set(id, ["busy", "Deleting…"]);
    render(true);
    try {
      const path = "/api/cache/" + encodeURIComponent(spark) + "?repo=" + encodeURIComponent(model.hf_repo);
      const data = await api("DELETE", path);
      authOk();
      if (data && data.job) store.dispatch({ type: "job-started", job: data.job, now: Date.now() });
      announce("Deleting " + model.hf_repo + " from " + sparkLabel(spark));
    } catch (e) {
      notes.set(id, ["fail", actionError(e, "delete again")]);
      render(true);
    }
  }

  function modelRow(spark, model, state) {
    const running = [...state.jobs.running.values()];
    const blocked = deleteBlocked(model, running);
    const reasonId = "cache-" + spark + "-" + model.hf_repo.replace(/[^a-z0-9_-]/gi, "_") + "-why";
    const note = notes.get(spark + " " + model.hf_repo);
    const t = modifiedMs(model.modified);
    const meta = [bytesText(model.size_bytes)];
    if (model.revision) meta.push("revision " + String(model.revision).slice(0, 7));
    const changed = t ? h("span", { title: fullTime(new Date(t).toISOString()), text: "changed " + duration(serverNow(state) - t) + " ago" }) : "";
    return h(
      "li",
      { class: "cache-model", dataset: { repo: model.hf_repo, serving: String(!!model.serving) } },
      h(
        "div",
        { class: "cache-main" },
        h("div", { class: "model-title" }, h("code", { class: "cache-repo", text: model.hf_repo }), h("span", { class: "badges" }, cacheBadges(model))),
        h("div", { class: "model-meta" }, h("span", {}, meta.join(" · "), changed ? " · " : "", changed)),
        blocked ? h("p", { class: "note", id: reasonId, text: blocked }) : null,
        note ? h("p", { class: "note", dataset: { tone: note[0] } }, note[1]) : null
      ),
      h(
        "button",
        {
          type: "button",
          class: "btn btn-small btn-danger-quiet",
          disabled: !!blocked || (note && note[0] === "busy"),
          "aria-label": "Delete " + model.hf_repo + " from " + sparkLabel(spark),
          "aria-describedby": blocked ? reasonId : undefined,
          onclick: () => remove(spark, model),
        },
        icon("trash"),
        "Delete"
      )
    );
  }

  function sparkBlock(name, spark, state) {
    const models = Array.isArray(spark.models) ? spark.models : [];
    const facts = [];
    if (typeof spark.free_bytes === "number") facts.push(bytesText(spark.free_bytes) + " free");
    if (spark.scanned_at) facts.push("scanned " + clockTime(spark.scanned_at));
    return h(
      "div",
      { class: "cache-spark", dataset: { spark: name } },
      h(
        "div",
        { class: "cache-spark-head" },
        h("h4", { text: sparkLabel(name) }),
        spark.path ? h("code", { class: "cache-path", text: spark.path }) : null,
        h("span", { class: "muted", text: facts.join(" · ") })
      ),
      spark.error ? h("p", { class: "job-error" }, icon("warn"), h("span", { text: spark.error })) : null,
      models.length
        ? h("ul", { class: "cache-models" }, models.map((m) => modelRow(name, m, state)))
        : h("p", { class: "empty", text: spark.scanned_at ? "No models in this cache." : "Not scanned yet." })
    );
  }

  // Rebuilt when what it shows changes (`force`: a note changed).
  function render(force = false) {
    const state = store.getState();
    const deleting = [...state.jobs.running.values()].filter((j) => j.kind === "download").map((j) => j.id);
    const next = JSON.stringify([cache, failed, deleting, Math.floor(serverNow(state) / 60000)]);
    if (next === key && !force) return;
    key = next;
    const box = $("cache-sparks");
    if (!cache) {
      box.replaceChildren(h("p", { class: "empty", text: failed ? "Could not load the cache: " + failed : "Loading the caches…" }));
      return;
    }
    box.replaceChildren(...sparkEntries(cache).map(([name, spark]) => sparkBlock(name, spark, state)));
  }

  $("cache-refresh").addEventListener("click", refresh);
  store.subscribe((state, prev, action) => {
    if (action.type === "cluster" && state.cluster !== prev.cluster) {
      cache = null;
      notes.clear();
      load();
      return;
    }
    const ended = [...prev.jobs.running.values()].filter((j) => j.kind === "download" && !state.jobs.running.has(j.id));
    if (ended.length) {
      for (const job of ended) if (isDeleteJob(job)) notes.clear();
      afterJobs(ended.map((j) => j.id));
    }
    // Serving and In catalog are computed when the cache is read: follow the model and catalog.
    const served = (s) => (s.status && s.status.model && s.status.model.id) || null;
    if (served(state) !== served(prev) || action.type === "model-added" || action.type === "model-deleted") load();
    if (state.jobs !== prev.jobs || state.status !== prev.status) render();
  });
  load();
}
