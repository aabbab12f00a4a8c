// The pure parts of the settings form: which fields it has, the merge patch of what changed,
// the pin notes, and when a config shown is stale. Unit-tested in tests/ui/settings.test.mjs.
import { orderedNames, sparkLabel } from "../lib/format.js";

export function getPath(obj, path) {
  return path.split(".").reduce((o, k) => (o && typeof o === "object" ? o[k] : undefined), obj);
}

// The value a field shows: "" for a missing one.
export function fieldText(config, path) {
  const value = getPath(config, path);
  return value === null || value === undefined ? "" : String(value);
}

// The services rows of the form: vLLM first, then config.services by name, with their prefix.
export function serviceRows(config) {
  const services = config.services || {};
  return [["vllm", "vllm", config.vllm || {}]].concat(
    orderedNames(services).map((n) => [n, "services." + n, services[n] || {}])
  );
}

// A service host left empty means the host of its Spark: the placeholder says which.
export function hostPlaceholder(config, svc) {
  const spark = svc && svc.spark;
  const sparkHost = spark && config.sparks && config.sparks[spark] && config.sparks[spark].host;
  if (sparkHost) return sparkHost + " (" + sparkLabel(spark) + ")";
  return spark ? sparkLabel(spark) + "’s host" : "";
}

// The service a host field belongs to (null for a Spark's host or a non-host field).
export function serviceOfHostField(config, path) {
  if (!/\.host$/.test(path) || path.startsWith("sparks.")) return null;
  return path.startsWith("vllm.") ? config.vllm : (config.services || {})[path.split(".")[1]];
}

// The note under a pinned field. `pinned_by` (GET /api/config) maps a path to the environment
// variable or flag that pins it; without it the note stays generic. null: not pinned.
export function pinNote(config, path) {
  const pinned = Array.isArray(config.pinned) ? config.pinned : [];
  const source = config.pinned_by && typeof config.pinned_by === "object" ? config.pinned_by[path] : undefined;
  if (!pinned.includes(path) && !source) return null;
  if (typeof source !== "string" || !source) return "Pinned by a command-line flag or environment variable";
  return source.startsWith("-") ? "Pinned by the command-line flag " + source : "Pinned by the environment variable " + source;
}

// The JSON merge patch of the fields that changed. `fields`: [{path, kind, text, loaded,
// readOnly}] with text as typed. An empty host or user unsets it (""); an empty port is null
// (the default); a port that is not digits goes as typed, for the server to name the error.
export function buildPatch(fields) {
  const patch = {};
  for (const { path, kind, text: raw, loaded, readOnly } of fields) {
    if (readOnly) continue;
    const text = raw.trim();
    if (text === loaded) continue;
    let value;
    if (kind === "port") value = text === "" ? null : /^\d+$/.test(text) ? Number(text) : text;
    else value = text;
    const keys = path.split(".");
    let node = patch;
    for (const key of keys.slice(0, -1)) node = node[key] || (node[key] = {});
    node[keys[keys.length - 1]] = value;
  }
  return patch;
}

// Whether the form's config still matches /api/status: the Sparks' hosts and the set of
// services. Another tab or an API client may have changed it. The form edits the default
// cluster (config `cluster`): another cluster's status says nothing about it.
export function configMatchesStatus(config, status) {
  if (!isFormCluster(config, status)) return true;
  const sparks = status.sparks || {};
  const cfgSparks = config.sparks || {};
  const sameHosts =
    Object.keys(sparks).length === Object.keys(cfgSparks).length &&
    Object.keys(sparks).every((n) => cfgSparks[n] && (cfgSparks[n].host || null) === (sparks[n].host || null));
  const cfgServices = ["vllm", ...Object.keys(config.services || {})].sort().join(",");
  return sameHosts && Object.keys(status.services).sort().join(",") === cfgServices;
}

// Whether `status` is of the cluster the form edits (the default one, config `cluster`).
export const isFormCluster = (config, status) => !config.cluster || !status.cluster || config.cluster === status.cluster;

// The note over the form while the page shows another cluster than the one it edits.
export const formClusterNote = (config, status) =>
  isFormCluster(config, status)
    ? ""
    : "This form edits the default cluster, " + config.cluster + ". Cluster " + status.cluster +
      " is set in the clusters list of the configuration (PUT /api/config, or the operator's config file).";

// The hint under the admin token field.
export function tokenHint(authRequired, haveToken) {
  if (!authRequired) {
    return "Sent as Authorization: Bearer … with every change and kept only in this browser (localStorage). This server does not require one.";
  }
  return haveToken
    ? "This server requires a token for changes; it is sent as Authorization: Bearer … and kept only in this browser."
    : "This server requires an admin token for changes. It is kept only in this browser (localStorage).";
}
