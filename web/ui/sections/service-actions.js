// The action buttons of a service card (start, stop, restart, fix cache ownership) and the line
// that shows the card's job. Used by services.js; the jobs themselves live in the store.
import { api } from "../lib/api.js";
import { actionError, authOk } from "../lib/auth-prompt.js";
import { announce, confirmAction, h, icon, setNote } from "../lib/dom.js";
import { clockTime, displayName } from "../lib/format.js";
import { ACTIONS, jobTitle, serviceJob, serviceJobText } from "../lib/jobs.js";
import { findJob } from "../lib/state.js";
import { automaticTag, statePill } from "./jobs.js";

const STOP_TEXT = {
  vllm: "The model is unloaded on both Sparks; LAN apps have no LLM until you start vLLM again or swap in a model.",
  parakeet: "LAN apps lose speech-to-text until Parakeet is started again.",
  magpie: "LAN apps lose text-to-speech until Magpie is started again.",
};

// Over 80 lines: one closure owns the section's state; its inner functions are short.
export function serviceActions(store) {
  const cardJobs = new Map(); // service -> id of the latest job started from its card

  // The buttons and notes of card `name`; adds its refs (actionBtns, jobNote, actionNote).
  function create(name, refs) {
    const label = displayName(name);
    const mk = (action, iconName, text) =>
      h(
        "button",
        {
          type: "button",
          class: "btn btn-small",
          dataset: { action },
          "aria-label": (ACTIONS[action] || text) + " " + label,
          onclick: () => run(name, action, refs),
        },
        iconName ? icon(iconName) : null,
        text
      );
    refs.actionBtns = [mk("start", "play", "Start"), mk("stop", "stop", "Stop"), mk("restart", "restart", "Restart")];
    if (name === "magpie") refs.actionBtns.push(mk("fix-cache-ownership", null, "Fix cache ownership"));
    refs.jobNote = h("div", { class: "svc-job", hidden: true, role: "status", "aria-live": "polite" });
    refs.actionNote = h("p", { class: "note", hidden: true });
    return [
      h("div", { class: "svc-actions", role: "group", "aria-label": label + " actions" }, refs.actionBtns),
      refs.jobNote,
      refs.actionNote,
    ];
  }

  function update(name, refs, state = store.getState()) {
    if (!refs.actionBtns) return;
    const models = state.models.list;
    const running = serviceJob(state.jobs.running.values(), name);
    const off = refs.root.dataset.state === "off";
    for (const btn of refs.actionBtns) {
      btn.disabled = !!running || off || refs.pendingAction === true;
      btn.title = off ? "No host set" : running ? "Wait for “" + jobTitle(running, models) + "” to finish" : "";
    }
    // The job of this service: a running one, else the latest one started from this card.
    const job = running || (cardJobs.has(name) ? findJob(state, cardJobs.get(name)) : null);
    const key = job ? [job.id, job.state, serviceJobText(job, models, clockTime), state.viewing.id === job.id].join("|") : "";
    if (refs.jobNote.dataset.key === key) return;
    refs.jobNote.dataset.key = key;
    if (!job) {
      refs.jobNote.hidden = true;
      refs.jobNote.replaceChildren();
      return;
    }
    refs.jobNote.dataset.state = job.state;
    refs.jobNote.replaceChildren(
      statePill(job.state),
      automaticTag(job),
      h("span", { class: "svc-job-text", text: serviceJobText(job, models, clockTime) }),
      h(
        "button",
        {
          type: "button",
          class: "btn btn-link",
          "aria-controls": "job-log",
          "aria-label": "Show the log of " + jobTitle(job, models),
          onclick: () => store.dispatch({ type: "open-log", id: job.id, scroll: true }),
        },
        "Log"
      )
    );
    refs.jobNote.hidden = false;
  }

  async function run(name, action, refs) {
    const label = displayName(name);
    if (action === "stop") {
      const ok = await confirmAction({
        title: "Stop " + label + "?",
        text: STOP_TEXT[name] || label + " stays down until it is started again.",
        ok: "Stop " + label,
      });
      if (!ok) return;
    }
    refs.pendingAction = true;
    update(name, refs);
    setNote(refs.actionNote, "busy", (ACTIONS[action] || action) + "…");
    try {
      const data = await api("POST", "/api/services/" + encodeURIComponent(name) + "/" + action);
      authOk();
      setNote(refs.actionNote, "");
      const job = data && data.job;
      if (job) {
        cardJobs.set(name, job.id);
        store.dispatch({ type: "job-started", job, now: Date.now() });
        announce(jobTitle(job, store.getState().models.list) + " started");
        // A swap (vLLM restart/start) shows its log at once; other actions when the viewer is free.
        if (job.kind === "swap") store.dispatch({ type: "open-log", id: job.id, scroll: true });
        else store.dispatch({ type: "open-log", id: job.id, ifIdle: true });
      }
    } catch (e) {
      setNote(refs.actionNote, "fail", actionError(e));
    } finally {
      refs.pendingAction = false;
      update(name, refs);
    }
  }

  return { create, update };
}
