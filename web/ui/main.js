// spark-control control UI: plain DOM and ES modules, no framework, no build step; served under
// a strict CSP (script-src 'self', style-src 'self'), so nothing writes HTML strings or style
// attributes.
//
// Data flow: one store (lib/store.js, reducer in lib/state.js) owns the shared state; sections
// (sections/*.js) subscribe to it and render, and change it only by dispatching actions.
// GET /api/status, /api/endpoints, /api/config, /api/jobs, /api/models and /api/cache once at start; then one
// EventSource on /api/events/stream (lib/live.js): `state` carries the full /api/status (every
// section re-renders from it, no polling), `event` carries connectivity events. A job's log is
// its own EventSource (sections/job-log.js). With several clusters, GET /api/clusters first:
// the page URL names the cluster shown (lib/cluster.js, sections/clusters.js), and every call
// above carries it. GET /api/update at start and after update and swap jobs (the banner and
// the version line; /api/status `update` keeps them live). See docs/ui.md.
import { pageCluster } from "./lib/cluster.js";
import { duration, parseTs } from "./lib/format.js";
import { refreshStatus, startLive } from "./lib/live.js";
import { untilText } from "./lib/recovery.js";
import { initialState, reduce, serverNow } from "./lib/state.js";
import { createStore } from "./lib/store.js";
import { mountAddModel } from "./sections/add-model.js";
import { mountCache } from "./sections/cache.js";
import { fetchClusters, mountClusters, settleUrlCluster } from "./sections/clusters.js";
import { mountDownloads } from "./sections/downloads.js";
import { mountEndpoints } from "./sections/endpoints.js";
import { mountEvents } from "./sections/events.js";
import { mountJobLog } from "./sections/job-log.js";
import { mountJobs } from "./sections/jobs.js";
import { mountModels } from "./sections/models.js";
import { mountOverview } from "./sections/overview.js";
import { mountServices } from "./sections/services.js";
import { mountSettings } from "./sections/settings.js";
import { mountSsh } from "./sections/ssh.js";
import { mountUpdate } from "./sections/update.js";

// Sections render in this order for every action.
const SECTIONS = [
  mountOverview,
  mountUpdate,
  mountServices,
  mountEndpoints,
  mountEvents,
  mountSettings,
  mountJobs,
  mountJobLog,
  mountModels,
  mountAddModel,
  mountDownloads,
  mountCache,
  mountSsh,
];

// "Up for 3 min" and the like count on between updates, countdowns ("in 12 s") down.
function tick(store) {
  const t = serverNow(store.getState());
  for (const el of document.querySelectorAll("[data-since]")) {
    const text = duration(t - parseTs(el.dataset.since));
    if (el.textContent !== text) el.textContent = text;
  }
  for (const el of document.querySelectorAll("[data-until]")) {
    const text = untilText(parseTs(el.dataset.until), t);
    if (el.textContent !== text) el.textContent = text;
  }
}

async function start() {
  document.body.dataset.conn = "connecting";
  // Before anything asks for it: a cluster the server does not have leaves the URL.
  const clusters = await fetchClusters();
  const note = settleUrlCluster(clusters);
  const store = createStore(reduce, initialState(pageCluster()));
  mountClusters(store, clusters, note);
  for (const mount of SECTIONS) mount(store);
  refreshStatus(store);
  startLive(store);
  setInterval(() => tick(store), 1000);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
