// The JSON API: fetch with the admin token, errors as ApiError {status, code, field, message}.
// Every call carries the cluster the page shows (lib/cluster.js). Browser globals (fetch,
// localStorage, location) are read only when called.
import { pageCluster, withCluster } from "./cluster.js";

export const TOKEN_KEY = "spark-control.admin-token";

// host_refused: the server does not know the name this page was opened under (its guard
// against DNS rebinding). Say which name, and the fixes that work from a browser.
export function hostRefusedText(message, hostname) {
  return (
    (message ? message + ". " : "") +
    'This page was opened as "' + hostname + '". To make changes from it, open the panel by its IP ' +
    'address, or add "' + hostname + '" to http.allowed_hosts in the operator config and restart, ' +
    "or enter the admin token under Admin token (when one is set)."
  );
}

// The parts of an error answer {"error": {"code", "message", "field"}} (any other body: "HTTP n").
export function describeError(status, body, hostname) {
  const err = (body && body.error) || {};
  return {
    status,
    code: err.code || "",
    field: err.field || "",
    message: err.code === "host_refused" ? hostRefusedText(err.message, hostname) : err.message || "HTTP " + status,
  };
}

export class ApiError extends Error {
  constructor(status, body, hostname = globalThis.location ? globalThis.location.hostname : "") {
    const parts = describeError(status, body, hostname);
    super(parts.message);
    this.status = parts.status;
    this.code = parts.code;
    this.field = parts.field;
  }
}

// The admin token kept in this browser ("" when none or storage is disabled).
export function token() {
  try {
    return localStorage.getItem(TOKEN_KEY) || "";
  } catch {
    return "";
  }
}

export function storeToken(value) {
  try {
    if (value) localStorage.setItem(TOKEN_KEY, value);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    /* storage disabled: the token lives only in the field */
  }
}

// An answer for a cluster the page no longer shows: callers treat it as a failure, so it never
// lands in the state of the cluster shown now.
export const CLUSTER_SWITCHED = "cluster_switched";

// Resolves to the parsed body (null for 204); rejects with an ApiError. `scoped: false` sends
// the path without the page's cluster (routes about the process, such as /api/clusters).
export async function api(method, path, body, { scoped = true } = {}) {
  const cluster = scoped ? pageCluster() : "";
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const t = token();
  if (t && method !== "GET") headers.Authorization = "Bearer " + t;
  let response;
  try {
    response = await fetch(withCluster(path, cluster), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(0, { error: { code: "network", message: "spark-control is not reachable" } });
  }
  let data = null;
  if (response.status !== 204) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  if (scoped && pageCluster() !== cluster) {
    const message = "The page switched to another cluster before this answer arrived";
    throw new ApiError(0, { error: { code: CLUSTER_SWITCHED, message } });
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// Wraps an async loader so that one call runs at a time: calls made while it runs lead to one
// more run after it, so the last answer reflects the newest change. The loader handles its own
// errors (a follow-up run has no caller to tell).
export function oneAtATime(load) {
  let running = false;
  let again = false;
  return async function run() {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await load();
    } finally {
      running = false;
      if (again) {
        again = false;
        run();
      }
    }
  };
}
