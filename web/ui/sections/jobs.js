// Jobs: the running ones (from /api/status, live, with progress and Cancel) and the recent
// finished ones (GET /api/jobs, reloaded when the set of running jobs changes), each with its
// log (job-log.js) and, for a failure, its error and log tail.
import { api, oneAtATime } from "../lib/api.js";
import { actionError, authOk } from "../lib/auth-prompt.js";
import { $, confirmAction, h, icon, setData, setNote, setText } from "../lib/dom.js";
import { clockTime, duration, fullTime, parseTs } from "../lib/format.js";
import { JOB_STATES, jobTitle, phaseText } from "../lib/jobs.js";
import { isAutomatic } from "../lib/recovery.js";
import { findJob, serverNow } from "../lib/state.js";

export function statePill(state) {
  const [mark, text] = JOB_STATES[state] || ["dash", state || "?"];
  return h("span", { class: "pill job-pill", dataset: { state } }, icon(mark), text);
}

// The label of a job the automatic recovery started (hidden for the others).
export function automaticTag(job) {
  return h("span", { class: "badge automatic", hidden: !isAutomatic(job), title: "Started by automatic recovery", text: "automatic" });
}

const showLog = (store, id) => () => store.dispatch({ type: "open-log", id, scroll: true });

function createRow(store, job) {
  const refs = { id: job.id };
  const hid = "job-" + job.id.replace(/[^a-z0-9_-]/gi, "_") + "-title";
  refs.title = h("h3", { id: hid });
  refs.pill = h("span");
  refs.auto = automaticTag(job);
  refs.since = h("span", { class: "job-since" });
  refs.phase = h("span", { class: "job-phase" });
  refs.bar = h("progress", { max: 100, "aria-labelledby": hid });
  refs.logBtn = h(
    "button",
    { type: "button", class: "btn btn-small", "aria-controls": "job-log", onclick: showLog(store, job.id) },
    "Show log"
  );
  refs.cancel = h(
    "button",
    { type: "button", class: "btn btn-small btn-danger-quiet", onclick: () => cancelJob(store, refs) },
    "Cancel"
  );
  refs.note = h("p", { class: "note", hidden: true });
  refs.root = h(
    "article",
    { class: "job", dataset: { job: job.id }, "aria-labelledby": hid },
    h("div", { class: "job-head" }, refs.title, refs.auto, refs.pill, refs.since),
    h("div", { class: "job-progress" }, refs.phase, refs.bar),
    h("div", { class: "job-actions" }, refs.logBtn, refs.cancel),
    refs.note
  );
  return refs;
}

function updateRow(refs, job, state) {
  const title = jobTitle(job, state.models.list);
  setData(refs.root, "state", job.state);
  setData(refs.root, "kind", job.kind);
  setText(refs.title, title);
  refs.auto.hidden = !isAutomatic(job);
  if (refs.pill.dataset.state !== job.state) {
    const pill = statePill(job.state);
    refs.pill.replaceWith(pill);
    refs.pill = pill;
  }
  if (job.started_at) {
    refs.since.dataset.since = job.started_at;
    refs.since.title = "Started " + fullTime(job.started_at);
    setText(refs.since, duration(serverNow(state) - parseTs(job.started_at)));
  }
  setText(refs.phase, phaseText(job));
  const pct = job.progress && typeof job.progress.percent === "number" ? job.progress.percent : null;
  if (pct === null) {
    if (refs.bar.hasAttribute("value")) refs.bar.removeAttribute("value");
  } else if (refs.bar.value !== pct) {
    refs.bar.value = Math.max(0, Math.min(100, pct));
  }
  refs.cancel.setAttribute("aria-label", "Cancel " + title);
  refs.logBtn.setAttribute("aria-label", "Show the log of " + title);
}

// Asks, then cancels the job of `refs` (its id, cancel button and note); shared with Downloads.
export async function cancelJob(store, refs) {
  const state = store.getState();
  const job = findJob(state, refs.id) || { id: refs.id };
  const ok = await confirmAction({
    title: "Cancel “" + jobTitle(job, state.models.list) + "”?",
    text:
      job.kind === "swap"
        ? "The remote process is killed. vLLM may be left without a model until you swap again."
        : job.kind === "download"
          ? "The download stops on the Sparks. Partial files stay: starting it again resumes."
          : "The remote process is killed; what it did so far stays done.",
    ok: "Cancel job",
  });
  if (!ok) return;
  refs.cancel.disabled = true;
  setNote(refs.note, "busy", "Cancelling…");
  try {
    await api("DELETE", "/api/jobs/" + encodeURIComponent(refs.id));
    authOk();
    setNote(refs.note, "", "Cancel requested; the job stops in a moment.");
  } catch (e) {
    refs.cancel.disabled = false;
    setNote(refs.note, "fail", actionError(e, "cancel again"));
  }
}

function recentRow(store, job, models, openTails) {
  const title = jobTitle(job, models);
  const took = job.ended_at && job.started_at ? duration(parseTs(job.ended_at) - parseTs(job.started_at)) : "";
  const when = job.ended_at
    ? h("time", { datetime: job.ended_at, title: fullTime(job.ended_at), text: clockTime(job.ended_at) })
    : "";
  const parts = [
    h(
      "div",
      { class: "job-head" },
      statePill(job.state),
      h("b", { class: "job-name", text: title }),
      automaticTag(job),
      h("span", { class: "job-when" }, when, took ? " · took " + took : ""),
      h(
        "button",
        {
          type: "button",
          class: "btn btn-small",
          "aria-controls": "job-log",
          "aria-label": "Show the full log of " + title,
          onclick: showLog(store, job.id),
        },
        "Full log"
      )
    ),
  ];
  const err = job.error;
  if (err) {
    parts.push(h("p", { class: "job-error" }, icon("warn"), h("span", {}, h("code", { text: err.code }), " ", err.message || "")));
  }
  if (err && Array.isArray(err.log_tail) && err.log_tail.length) {
    const details = h(
      "details",
      { class: "log-tail", open: openTails.has(job.id) },
      h("summary", { text: "Last " + err.log_tail.length + " log lines" }),
      h("pre", { class: "log-tail-text", tabindex: "0", text: err.log_tail.join("\n") })
    );
    details.addEventListener("toggle", () => {
      if (details.open) openTails.add(job.id);
      else openTails.delete(job.id);
    });
    parts.push(details);
  }
  const dataset = { job: job.id, state: job.state, kind: job.kind, trigger: job.trigger || "user" };
  return h("li", { class: "job job-done", dataset }, parts);
}

export function mountJobs(store) {
  const rows = new Map(); // id -> refs of a running job's row
  const openTails = new Set(); // ids whose log tail is expanded
  let runningKey = "";
  let recentKey = "";

  const load = oneAtATime(async () => {
    try {
      const data = await api("GET", "/api/jobs");
      store.dispatch({ type: "jobs-loaded", jobs: Array.isArray(data && data.jobs) ? data.jobs : [] });
    } catch {
      /* the next change retries */
    }
  });

  function renderRunning(state) {
    const { running } = state.jobs;
    for (const [id, refs] of rows) {
      if (!running.has(id)) {
        refs.root.remove();
        rows.delete(id);
      }
    }
    for (const job of running.values()) {
      let refs = rows.get(job.id);
      if (!refs) {
        refs = createRow(store, job);
        rows.set(job.id, refs);
        $("jobs-running").append(refs.root);
      }
      updateRow(refs, job, state);
    }
  }

  function renderRecent(state) {
    const { recent } = state.jobs;
    const models = state.models.list;
    const key = JSON.stringify(recent.map((j) => [j.id, j.state, j.ended_at, jobTitle(j, models), j.trigger]));
    if (key === recentKey) return;
    recentKey = key;
    $("jobs-recent-box").hidden = recent.length === 0;
    $("jobs-recent").replaceChildren(...recent.map((job) => recentRow(store, job, models, openTails)));
  }

  // The row whose log the viewer shows is marked (data-viewing), in place.
  function render(state) {
    renderRunning(state);
    renderRecent(state);
    const id = state.viewing.id;
    for (const el of document.querySelectorAll("#jobs .job[data-job]")) setData(el, "viewing", String(el.dataset.job === id));
    $("jobs-idle").hidden = state.jobs.running.size > 0 || id !== "" || state.jobs.recent.length > 0;
  }

  store.subscribe((state, prev, action) => {
    if (action.type === "status" && state.status !== prev.status) {
      const key = [...state.jobs.running.keys()].sort().join(",");
      const gone = [...prev.jobs.running.keys()].some((id) => !state.jobs.running.has(id));
      if (key !== runningKey) {
        runningKey = key;
        if (gone || state.jobs.running.size) load();
      }
    }
    if (action.type === "job-ended") load();
    if (action.type === "cluster" && state.cluster !== prev.cluster) {
      runningKey = "";
      load();
    }
    if (state.jobs !== prev.jobs || state.models !== prev.models || state.viewing !== prev.viewing || state.status !== prev.status) {
      render(state);
    }
  });
  load();
}
