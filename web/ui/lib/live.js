// The live connection: one EventSource on /api/events/stream. `state` frames carry the full
// /api/status, `event` frames connectivity events; both are dispatched to the store. EventSource
// resumes with Last-Event-ID on its own; if it gives up (e.g. 503 at the stream cap), we reopen
// it with ?since=<last id seen>, backing off. While the stream is down, /api/status is polled.
// The stream follows the cluster the page shows: a `cluster` action reopens it from the start.
import { api } from "./api.js";
import { pageCluster, withCluster } from "./cluster.js";
import { probeIntervalS } from "./state.js";

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 15000;
const POLL_MS = 5000;
const WATCHDOG_MS = 5000;

export const nextRetryMs = (ms) => Math.min(ms * 2, MAX_RETRY_MS);

// The server sends a state at least every probe round; this much silence means a dead link.
export const silenceLimitMs = (intervalS) => Math.max(45000, intervalS * 3000);

export async function refreshStatus(store) {
  try {
    store.dispatch({ type: "status", status: await api("GET", "/api/status"), source: "fetch", now: Date.now() });
  } catch {
    /* offline: the indicator already says so */
  }
}

// The JSON of a frame; null when malformed (the frame is ignored).
function frameData(e) {
  try {
    return JSON.parse(e.data);
  } catch {
    return null;
  }
}

// Opens the stream and keeps it open for the life of the page.
export function startLive(store) {
  let es = null;
  let retryMs = FIRST_RETRY_MS;
  let retryTimer = 0;
  let pollTimer = 0;
  let lastMessage = 0;
  const setConn = (conn) => store.dispatch({ type: "conn", conn });
  const lastEventId = () => store.getState().events.lastId || 0;

  function touch() {
    lastMessage = Date.now();
    setConn("live");
    clearInterval(pollTimer);
    pollTimer = 0;
  }

  function startPolling() {
    if (pollTimer) return;
    pollTimer = setInterval(() => {
      if (store.getState().conn !== "live") refreshStatus(store);
    }, POLL_MS);
  }

  function open(since) {
    if (es) es.close();
    const path = "/api/events/stream" + (since ? "?since=" + since : "");
    const stream = new EventSource(withCluster(path, pageCluster()));
    es = stream;
    stream.onopen = () => {
      retryMs = FIRST_RETRY_MS;
    };
    stream.addEventListener("state", (e) => {
      if (stream !== es) return;
      touch();
      const status = frameData(e);
      if (status) store.dispatch({ type: "status", status, source: "stream", now: Date.now() });
    });
    stream.addEventListener("event", (e) => {
      if (stream !== es) return;
      touch();
      const ev = frameData(e);
      if (ev) store.dispatch({ type: "events", events: [ev], live: true });
    });
    stream.onerror = () => {
      if (stream !== es) return;
      if (stream.readyState === EventSource.CLOSED) {
        // The browser gave up (e.g. 503 when the stream cap is reached): retry ourselves.
        setConn("offline");
        es = null;
        clearTimeout(retryTimer);
        retryTimer = setTimeout(() => open(lastEventId()), retryMs);
        retryMs = nextRetryMs(retryMs);
      } else {
        setConn("reconnecting");
      }
      startPolling();
    };
  }

  store.subscribe((state, prev, action) => {
    if (action.type !== "cluster" || state.cluster === prev.cluster) return;
    clearTimeout(retryTimer);
    retryMs = FIRST_RETRY_MS;
    open(0);
    refreshStatus(store);
  });
  open(0);
  setInterval(() => {
    if (store.getState().conn !== "live" || !es) return;
    if (Date.now() - lastMessage > silenceLimitMs(probeIntervalS(store.getState()))) {
      setConn("reconnecting");
      open(lastEventId());
    }
  }, WATCHDOG_MS);
}
