// The job log viewer: one job at a time, its own EventSource on /api/jobs/{id}/log (replayed
// from the start, then live), closed on `event: end`. Keeps the newest 3,000 lines, follows the
// end until the user scrolls up. The Jobs section's viewer is opened by an `open-log` request
// from any section; the update dialog has a second one (jobLogViewer, ids update-log-*).
import { pageCluster, withCluster } from "../lib/cluster.js";
import { $, h, scrollBehavior, setText } from "../lib/dom.js";
import { clockTime, fullTime } from "../lib/format.js";
import { jobTitle, stateText } from "../lib/jobs.js";
import { findJob } from "../lib/state.js";

const MAX_LOG_LINES = 3000; // lines kept in the viewer's DOM
const FLUSH_MS = 40; // lines are appended in batches
const AT_END_PX = 24;

// The state line of the viewer: "Streaming live", "Ended · Failed: …", …
export function headText(phase, job, dropped) {
  let text;
  if (phase === "connecting") text = "Connecting…";
  else if (phase === "live") text = "Streaming live";
  else if (phase === "reconnecting") text = "Reconnecting…";
  else if (phase === "gone") text = "This log is no longer available";
  else if (job && job.state) {
    text = "Ended · " + stateText(job.state);
    if (job.error) text += ": " + (job.error.message || job.error.code);
  } else text = "Ended";
  if (dropped) text += " · showing the last " + MAX_LOG_LINES.toLocaleString("en") + " lines";
  return text;
}

const atEnd = (ol) => ol.scrollHeight - ol.scrollTop - ol.clientHeight < AT_END_PX;

function lineItem(line) {
  const stream = line.stream === "stderr" || line.stream === "system" ? line.stream : "stdout";
  return h(
    "li",
    { dataset: { stream, seq: String(line.seq) } },
    h("time", { datetime: line.ts, title: fullTime(line.ts), text: clockTime(line.ts) }),
    stream === "stdout" ? null : h("span", { class: "sr-only", text: stream + ": " }),
    h("span", { class: "tx", text: line.text || "" })
  );
}

// The elements of a second viewer (the Jobs section's are in index.html): a head with the title
// and state, the lines and "Jump to latest"; ids PREFIX, PREFIX-title, -state, -lines, -follow.
export function jobLogBox(prefix, title) {
  return h(
    "div",
    { class: "job-log " + prefix, id: prefix, hidden: true },
    h(
      "div",
      { class: "job-log-head" },
      h("h3", { class: "job-log-title", id: prefix + "-title", text: title }),
      h("span", { class: "job-log-state", id: prefix + "-state", role: "status", "aria-live": "polite" })
    ),
    h(
      "div",
      { class: "job-log-body" },
      h("ol", { class: "job-log-lines wrap", id: prefix + "-lines", tabindex: "0", "aria-labelledby": prefix + "-title" }),
      h("button", { type: "button", class: "btn btn-small job-log-follow", id: prefix + "-follow", hidden: true, text: "Jump to latest" })
    )
  );
}

export function mountJobLog(store) {
  jobLogViewer(store, "job-log", { request: "open-log", track: true, closeFocus: "jobs-h" });
}

// A viewer on the elements PREFIX, PREFIX-lines, -title, -state, -follow (and -close, -wrap when
// present). `request`: the action type that opens a job in it; `track`: it dispatches `viewing`
// (the Jobs section's viewer). Over 80 lines: one closure owns the viewer's state; its inner
// functions are short.
export function jobLogViewer(store, prefix, { request, track = false, closeFocus = "" }) {
  const viewer = { id: "", job: null, es: null, lastSeq: 0, pending: [], flushTimer: 0, count: 0, dropped: 0, follow: true };
  const el = (part) => $(prefix + (part ? "-" + part : ""));
  const box = el("");
  const ol = el("lines");

  function updateHead(phase) {
    box.dataset.phase = phase;
    const state = store.getState();
    const job = viewer.job || findJob(state, viewer.id);
    setText(el("title"), "Log · " + (job ? jobTitle(job, state.models.list) : viewer.id));
    const head = el("state");
    head.dataset.state = phase === "ended" && job ? job.state : phase;
    setText(head, headText(phase, job, viewer.dropped));
  }

  function queueLine(line) {
    viewer.pending.push(line);
    if (viewer.pending.length > MAX_LOG_LINES) {
      viewer.dropped += viewer.pending.length - MAX_LOG_LINES;
      viewer.pending.splice(0, viewer.pending.length - MAX_LOG_LINES);
    }
    if (!viewer.flushTimer) viewer.flushTimer = setTimeout(flush, FLUSH_MS);
  }

  function flush() {
    clearTimeout(viewer.flushTimer);
    viewer.flushTimer = 0;
    if (!viewer.pending.length) return;
    const frag = document.createDocumentFragment();
    for (const line of viewer.pending) frag.append(lineItem(line));
    viewer.pending = [];
    // Follow the end only if the box is at its end now: a scroll-up whose scroll event is not
    // delivered yet must win over new lines.
    const follow = viewer.follow && atEnd(ol);
    ol.append(frag);
    viewer.count = ol.childElementCount;
    let trimmed = false;
    while (viewer.count > MAX_LOG_LINES) {
      ol.firstElementChild.remove();
      viewer.count--;
      viewer.dropped++;
      trimmed = true;
    }
    if (trimmed) updateHead(box.dataset.phase);
    if (follow) ol.scrollTop = ol.scrollHeight;
  }

  function listen(id) {
    const es = new EventSource(withCluster("/api/jobs/" + encodeURIComponent(id) + "/log", pageCluster()));
    viewer.es = es;
    es.addEventListener("line", (e) => {
      if (es !== viewer.es) return;
      let line;
      try {
        line = JSON.parse(e.data);
      } catch {
        return;
      }
      if (typeof line.seq === "number") {
        if (line.seq <= viewer.lastSeq) return; // replayed after a reconnect
        viewer.lastSeq = line.seq;
      }
      queueLine(line);
      if (box.dataset.phase !== "live") updateHead("live");
    });
    es.addEventListener("end", (e) => {
      if (es !== viewer.es) return;
      es.close();
      viewer.es = null;
      let job = null;
      try {
        job = JSON.parse(e.data);
      } catch {
        job = null;
      }
      flush();
      if (!viewer.count) {
        const text = "No log lines are available for this job: logs are not kept across a restart of spark-control.";
        ol.append(h("li", { class: "log-none", text }));
      }
      if (job) viewer.job = job;
      updateHead("ended");
      if (job) store.dispatch({ type: "job-ended", job });
    });
    es.onerror = () => {
      if (es !== viewer.es) return;
      if (es.readyState === EventSource.CLOSED) {
        viewer.es = null;
        updateHead("gone");
      } else {
        updateHead("reconnecting"); // the browser resumes after Last-Event-ID
      }
    };
  }

  function open(id, { scroll = false, ifIdle = false } = {}) {
    if (ifIdle && viewer.es) return;
    const scrollTo = () => scroll && box.scrollIntoView({ behavior: scrollBehavior(), block: "nearest" });
    if (viewer.id === id && (viewer.es || viewer.job) && !box.hidden) {
      scrollTo();
      return;
    }
    close(false);
    const job = findJob(store.getState(), id);
    Object.assign(viewer, { id, job, lastSeq: 0, count: 0, dropped: 0, follow: true });
    ol.replaceChildren();
    el("follow").hidden = true;
    box.hidden = false;
    box.dataset.job = id;
    if (track) store.dispatch({ type: "viewing", id, job });
    updateHead("connecting");
    listen(id);
    scrollTo();
  }

  function close(hide = true) {
    if (viewer.es) viewer.es.close();
    viewer.es = null;
    clearTimeout(viewer.flushTimer);
    viewer.flushTimer = 0;
    viewer.pending = [];
    if (!hide) return;
    viewer.id = "";
    viewer.job = null;
    box.hidden = true;
    box.dataset.job = "";
    ol.replaceChildren();
    if (track) store.dispatch({ type: "viewing", id: "" });
  }

  ol.addEventListener(
    "scroll",
    () => {
      viewer.follow = atEnd(ol);
      el("follow").hidden = viewer.follow;
    },
    { passive: true }
  );
  el("follow").addEventListener("click", () => {
    viewer.follow = true;
    ol.scrollTop = ol.scrollHeight;
    el("follow").hidden = true;
  });
  if (el("close")) {
    el("close").addEventListener("click", () => {
      close(true);
      if (closeFocus) $(closeFocus).focus({ preventScroll: true }); // the button is gone: keep the focus nearby
    });
  }
  if (el("wrap")) el("wrap").addEventListener("change", (e) => ol.classList.toggle("wrap", e.currentTarget.checked));

  store.subscribe((state, prev, action) => {
    if (action.type === request) open(action.id, action);
    if (action.type === "cluster" && state.cluster !== prev.cluster && viewer.id) close(true); // another cluster's job
  });
}
