// The shared state of the UI and its reducer (pure: the time of an action travels in the action,
// so tests replay them). Sections dispatch these actions (facts unless marked as a request):
//   cluster {cluster}                                   the page switched to this cluster ("" =
//                                                       the default): its state starts afresh
//   status {status, source: "stream" | "fetch", now}   a /api/status arrived
//   conn {conn}                                         connecting | live | reconnecting | offline
//   config {config, source: "load" | "save"}            GET or PUT /api/config answered
//   endpoints {endpoints}                               GET /api/endpoints answered
//   events {events, live}                               connectivity events (de-duplicated here)
//   events-loaded                                       the first page of the log is in
//   jobs-loaded {jobs}                                  GET /api/jobs answered
//   job-started {job, now}                              a mutation answered 202 {"job"}
//   job-ended {job}                                     a job log's `end` frame
//   models {models}                                     GET /api/models answered
//   model-saved {model} | model-added {model} | model-deleted {id}
//   open-log {id, scroll}                               request: show this job's log
//   viewing {id, job}                                   the log viewer shows this job ("" = closed)
import { estimateSkew } from "./format.js";
import { isFinishedJob } from "./jobs.js";

export const MAX_EVENTS = 1000; // connectivity events kept in memory
export const RECENT_JOBS = 8; // finished jobs listed
const STARTED_GRACE_MS = 5000; // a job started here is shown this long before /api/status lists it

export function initialState(cluster = "") {
  return {
    cluster, // the cluster shown, as the page URL names it ("" = the default)
    status: null,
    skewMs: 0, // server clock minus browser clock
    conn: "connecting",
    config: null,
    endpoints: null,
    events: { byId: new Map(), lastId: 0, loaded: false },
    jobs: { running: new Map(), started: new Map(), recent: [] },
    models: { list: [], loaded: false },
    viewing: { id: "", job: null },
  };
}

// The browser's clock corrected by the estimated skew.
export const serverNow = (state, browserNow = Date.now()) => browserNow + state.skewMs;

export const probeIntervalS = (state) => (state.config && state.config.probe && state.config.probe.interval_s) || 2;

export function findJob(state, id) {
  const { running, recent } = state.jobs;
  const viewing = state.viewing.job && state.viewing.job.id === id ? state.viewing.job : null;
  return running.get(id) || recent.find((j) => j.id === id) || viewing;
}

export function reduce(state, action) {
  switch (action.type) {
    case "cluster":
      return switchCluster(state, action.cluster || "");
    case "status":
      return applyStatus(state, action);
    case "conn":
      return state.conn === action.conn ? state : { ...state, conn: action.conn };
    case "config":
      return { ...state, config: action.config };
    case "endpoints":
      return { ...state, endpoints: action.endpoints };
    case "events":
      return addEvents(state, action.events);
    case "events-loaded":
      return state.events.loaded ? state : { ...state, events: { ...state.events, loaded: true } };
    case "jobs-loaded":
      return withJobs(state, { recent: (action.jobs || []).filter(isFinishedJob).slice(0, RECENT_JOBS) });
    case "job-started":
      return jobStarted(state, action.job, action.now);
    case "job-ended":
      return jobEnded(state, action.job);
    case "models":
      return { ...state, models: { list: action.models || [], loaded: true } };
    case "model-saved":
      return withModels(state, state.models.list.map((m) => (m.id === action.model.id ? action.model : m)));
    case "model-added":
      if (state.models.list.some((m) => m.id === action.model.id)) return state;
      return withModels(state, [...state.models.list, action.model]);
    case "model-deleted":
      return withModels(state, state.models.list.filter((m) => m.id !== action.id));
    case "viewing":
      return { ...state, viewing: { id: action.id || "", job: action.id ? action.job || null : null } };
    default:
      return state; // requests (open-log) change nothing here
  }
}

// Everything but the process-wide config and the catalog (reloaded, but shown meanwhile)
// belongs to the cluster shown.
function switchCluster(state, cluster) {
  if (cluster === state.cluster) return state;
  return { ...initialState(cluster), config: state.config, models: state.models };
}

const withJobs = (state, jobs) => ({ ...state, jobs: { ...state.jobs, ...jobs } });
const withModels = (state, list) => ({ ...state, models: { ...state.models, list } });

function applyStatus(state, { status, now }) {
  if (!status || typeof status !== "object" || !status.services) return state;
  const skew = estimateSkew(status, probeIntervalS(state), now);
  // The running jobs are the status's, plus jobs started here that it does not list yet.
  const { running, started, recent } = state.jobs;
  const nextRunning = new Map((Array.isArray(status.jobs) ? status.jobs : []).map((j) => [j.id, j]));
  const nextStarted = new Map(started);
  for (const [id, t] of started) {
    if (nextRunning.has(id) || now - t > STARTED_GRACE_MS) nextStarted.delete(id);
    else if (running.has(id) && !recent.some((j) => j.id === id)) nextRunning.set(id, running.get(id));
  }
  return {
    ...withJobs(state, { running: nextRunning, started: nextStarted }),
    status,
    skewMs: skew === null ? state.skewMs : skew,
  };
}

function addEvents(state, list) {
  const byId = new Map(state.events.byId);
  let lastId = state.events.lastId;
  for (const ev of list || []) {
    if (!ev || typeof ev.id !== "number" || byId.has(ev.id)) continue;
    byId.set(ev.id, ev);
    if (ev.id > lastId) lastId = ev.id;
  }
  if (byId.size === state.events.byId.size) return state;
  if (byId.size > MAX_EVENTS) {
    const ids = [...byId.keys()].sort((a, b) => a - b);
    for (const id of ids.slice(0, byId.size - MAX_EVENTS)) byId.delete(id);
  }
  return { ...state, events: { ...state.events, byId, lastId } };
}

function jobStarted(state, job, now) {
  if (!job || !job.id || isFinishedJob(job)) return state;
  const running = new Map(state.jobs.running).set(job.id, job);
  const started = new Map(state.jobs.started).set(job.id, now);
  return withJobs(state, { running, started });
}

// A job that ended while its log was open: known before GET /api/jobs answers. Replacing it in
// place keeps the order when an old job's log was replayed.
function jobEnded(state, job) {
  if (!job || !job.id) return state;
  const running = new Map(state.jobs.running);
  running.delete(job.id);
  const started = new Map(state.jobs.started);
  started.delete(job.id);
  const { recent } = state.jobs;
  const nextRecent = recent.some((j) => j.id === job.id)
    ? recent.map((j) => (j.id === job.id ? job : j))
    : [job, ...recent].slice(0, RECENT_JOBS);
  const viewing = state.viewing.id === job.id ? { id: job.id, job } : state.viewing;
  return { ...withJobs(state, { running, started, recent: nextRecent }), viewing };
}
