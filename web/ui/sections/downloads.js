// Downloads: paste a repo id or a huggingface.co URL, choose Spark 1 or both Sparks, start
// (POST /api/downloads). Running downloads come live from /api/status (progress measured on
// disk: percent, bytes, rate, ETA, stalled) with Cancel; finished ones from GET /api/jobs (the
// jobs section loads it) with the error and its advice, or Add to catalog. A download started
// from this page opens the Add to catalog form, filled in, when it succeeds.
import { api } from "../lib/api.js";
import { authOk } from "../lib/auth-prompt.js";
import { $, announce, h, placeAfter, setData, setNoteTone, setText } from "../lib/dom.js";
import {
  ADVICE,
  adviceFor,
  catalogModelFor,
  downloadBody,
  isDownloadJob,
  jobRepo,
  modeText,
  parseHfInput,
  progressParts,
  stalledText,
} from "../lib/downloads.js";
import { fieldErrors, showFailure } from "../lib/form-errors.js";
import { clockTime, duration, fullTime, parseTs } from "../lib/format.js";
import { jobTitle, phaseName } from "../lib/jobs.js";
import { serverNow } from "../lib/state.js";
import { prefillAddModel } from "./add-model.js";
import { cancelJob, statePill } from "./jobs.js";

const SHOWN_DONE = 5; // finished downloads listed

// Running downloads first (as /api/status lists them), then the recent finished ones.
export function shownDownloads(state) {
  const running = [...state.jobs.running.values()].filter(isDownloadJob);
  const ids = new Set(running.map((j) => j.id));
  const done = state.jobs.recent.filter((j) => isDownloadJob(j) && !ids.has(j.id)).slice(0, SHOWN_DONE);
  return [...running, ...done];
}

// The line under a finished download.
export function outcomeText(job, models) {
  if (job.state === "succeeded") {
    const r = job.result || {};
    const size = typeof r.size_bytes === "number" ? progressParts({ bytes_done: r.size_bytes })[0] : "";
    const rev = r.revision ? "revision " + String(r.revision).slice(0, 7) : "";
    const entry = catalogModelFor(models, jobRepo(job));
    const where = entry ? "in the catalog as “" + (entry.name || entry.id) + "”" : "";
    return ["Downloaded", size, rev, where].filter(Boolean).join(" · ");
  }
  if (job.state === "cancelled") return "Cancelled";
  const err = job.error || {};
  return err.message || err.code || "Failed";
}

function createRow(store, job) {
  const refs = { id: job.id };
  const hid = "dl-" + job.id.replace(/[^a-z0-9_-]/gi, "_") + "-title";
  refs.title = h("h3", { id: hid, class: "dl-repo" });
  refs.mode = h("span", { class: "badge mode" });
  refs.pill = h("span");
  refs.since = h("span", { class: "job-when" });
  refs.phase = h("span", { class: "job-phase" });
  refs.bar = h("progress", { max: 100, "aria-labelledby": hid });
  refs.facts = h("p", { class: "dl-facts" });
  refs.stalled = h("p", { class: "dl-stalled", role: "status", hidden: true });
  refs.progress = h("div", { class: "dl-progress" }, h("div", { class: "job-progress" }, refs.phase, refs.bar), refs.facts, refs.stalled);
  refs.outcome = h("p", { class: "dl-outcome" });
  refs.advice = h("p", { class: "dl-advice", hidden: true });
  refs.logBtn = h("button", { type: "button", class: "btn btn-small", "aria-controls": "job-log" }, "Show log");
  refs.logBtn.addEventListener("click", () => store.dispatch({ type: "open-log", id: refs.id, scroll: true }));
  refs.cancel = h("button", { type: "button", class: "btn btn-small btn-danger-quiet" }, "Cancel");
  refs.cancel.addEventListener("click", () => cancelJob(store, refs));
  refs.add = h("button", { type: "button", class: "btn btn-small btn-primary", hidden: true }, "Add to catalog");
  refs.add.addEventListener("click", () => refs.entry && prefillAddModel(refs.entry, refs.repo));
  refs.note = h("p", { class: "note", hidden: true });
  refs.root = h(
    "article",
    { class: "job download", dataset: { job: job.id }, "aria-labelledby": hid },
    h("div", { class: "job-head" }, refs.title, refs.mode, refs.pill, refs.since),
    refs.progress,
    refs.outcome,
    refs.advice,
    h("div", { class: "job-actions" }, refs.add, refs.cancel, refs.logBtn),
    refs.note
  );
  return refs;
}

function updateProgress(refs, job) {
  const p = job.progress || {};
  setText(refs.phase, phaseName(job));
  if (typeof p.percent !== "number") {
    if (refs.bar.hasAttribute("value")) refs.bar.removeAttribute("value");
  } else if (refs.bar.value !== p.percent) {
    refs.bar.value = Math.max(0, Math.min(100, p.percent));
  }
  setText(refs.facts, progressParts(p).join(" · "));
  const stalled = stalledText(p);
  setText(refs.stalled, stalled);
  refs.stalled.hidden = !stalled;
  setData(refs.root, "stalled", String(!!p.stalled));
}

function updateRow(refs, job, state) {
  const running = !["succeeded", "failed", "cancelled"].includes(job.state);
  const repo = jobRepo(job);
  refs.repo = repo;
  setData(refs.root, "state", job.state);
  setText(refs.title, repo);
  setText(refs.mode, modeText(job.request && job.request.mode));
  if (refs.pill.dataset.state !== job.state) {
    const pill = statePill(job.state);
    refs.pill.replaceWith(pill);
    refs.pill = pill;
  }
  const when = running ? job.started_at : job.ended_at;
  if (when) {
    refs.since.title = (running ? "Started " : "Ended ") + fullTime(when);
    setText(refs.since, running ? "for " + duration(serverNow(state) - parseTs(when)) : clockTime(when));
  }
  refs.progress.hidden = !running;
  if (running) updateProgress(refs, job);
  refs.outcome.hidden = running;
  if (!running) setText(refs.outcome, outcomeText(job, state.models.list));
  setData(refs.outcome, "tone", job.state === "failed" ? "fail" : job.state === "succeeded" ? "ok" : "");
  const advice = running ? "" : adviceFor(job);
  setText(refs.advice, advice);
  refs.advice.hidden = !advice;
  refs.entry = job.result && job.result.catalog_entry;
  refs.add.hidden = !refs.entry || job.state !== "succeeded" || !!catalogModelFor(state.models.list, repo);
  refs.cancel.hidden = !running;
  const title = jobTitle(job, state.models.list);
  refs.cancel.setAttribute("aria-label", "Cancel " + title);
  refs.logBtn.setAttribute("aria-label", "Show the log of " + title);
  refs.add.setAttribute("aria-label", "Add " + repo + " to the catalog");
}

// Over 80 lines: one closure owns the section's state; its inner functions are short.
export function mountDownloads(store) {
  const rows = new Map(); // job id -> refs
  const startedHere = new Set(); // ids started from this page: success opens Add to catalog
  const input = $("dl-repo");
  const status = $("download-status");
  const errors = fieldErrors((name) =>
    ["hf_repo", "revision"].includes(name) ? { input, error: $("dl-repo-error") } : undefined
  );

  function showParsed() {
    errors.clear("hf_repo");
    const text = input.value.trim();
    const parsed = text ? parseHfInput(text) : null;
    const same = parsed && !parsed.error && parsed.repo === text && !parsed.revision;
    setText($("dl-repo-hint"), !parsed || parsed.error || same ? "" : "Repo " + parsed.repo + (parsed.revision ? " at revision " + parsed.revision : ""));
  }

  async function start(event) {
    event.preventDefault();
    errors.clear("hf_repo");
    const parsed = parseHfInput(input.value);
    if (parsed.error) {
      errors.show("hf_repo", parsed.error);
      setNoteTone(status, "fail", "Not started: check the repo.");
      return;
    }
    const mode = document.querySelector('input[name="dl-mode"]:checked');
    const button = $("download-start");
    button.disabled = true;
    setNoteTone(status, "", "Checking " + parsed.repo + " on Hugging Face…");
    try {
      const data = await api("POST", "/api/downloads", downloadBody(parsed, mode && mode.value));
      authOk();
      const job = data && data.job;
      setNoteTone(status, "ok", "Started the download of " + parsed.repo + ".");
      input.value = "";
      showParsed();
      if (job) {
        startedHere.add(job.id);
        store.dispatch({ type: "job-started", job, now: Date.now() });
        announce("Download of " + parsed.repo + " started");
      }
    } catch (e) {
      showFailure(status, e, errors, { failed: "Not started", again: "start it again" });
      if (ADVICE[e.code]) status.append(" " + ADVICE[e.code]);
    } finally {
      button.disabled = false;
    }
  }

  function render(state) {
    const list = shownDownloads(state);
    const ids = new Set(list.map((j) => j.id));
    for (const [id, refs] of rows) {
      if (!ids.has(id)) {
        refs.root.remove();
        rows.delete(id);
      }
    }
    const box = $("download-list");
    let prevEl = null;
    for (const job of list) {
      let refs = rows.get(job.id);
      if (!refs) {
        refs = createRow(store, job);
        rows.set(job.id, refs);
      }
      updateRow(refs, job, state);
      prevEl = placeAfter(box, prevEl, refs.root);
    }
    box.hidden = list.length === 0;
  }

  // A download started here that succeeded: its catalog entry goes into the Add form, once.
  function offerCatalog(state) {
    for (const job of state.jobs.recent) {
      if (!startedHere.has(job.id) || !isDownloadJob(job) || !["succeeded", "failed", "cancelled"].includes(job.state)) continue;
      startedHere.delete(job.id);
      const entry = job.result && job.result.catalog_entry;
      if (job.state === "succeeded" && entry && !catalogModelFor(state.models.list, jobRepo(job))) {
        prefillAddModel(entry, jobRepo(job));
        announce(jobRepo(job) + " downloaded; add it to the catalog");
      } else {
        announce("Download of " + jobRepo(job) + " " + job.state);
      }
    }
  }

  $("download-form").addEventListener("submit", start);
  input.addEventListener("input", showParsed);
  store.subscribe((state, prev) => {
    if (state.jobs !== prev.jobs || state.models !== prev.models || state.status !== prev.status) render(state);
    if (state.jobs.recent !== prev.jobs.recent) offerCatalog(state);
  });
}
