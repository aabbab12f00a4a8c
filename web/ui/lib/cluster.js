// Which cluster the page shows. The page URL owns the choice (`?cluster=NAME`; none = the
// server's default cluster), so a copied link opens the same cluster; every API call and event
// stream of the page carries it (api.js, live.js, job-log.js). Pure helpers; `location` is
// read only when pageCluster() is called.

// The cluster named by a page URL's query string ("" = the default cluster).
export function clusterOfSearch(search) {
  return new URLSearchParams(search || "").get("cluster") || "";
}

// The cluster the page shows now ("" = the default; also outside a browser).
export const pageCluster = () => (globalThis.location ? clusterOfSearch(globalThis.location.search) : "");

// `path` (which may carry a query already) scoped to `cluster`; unchanged for "".
export function withCluster(path, cluster) {
  if (!cluster) return path;
  return path + (path.includes("?") ? "&" : "?") + "cluster=" + encodeURIComponent(cluster);
}

// The page URL `href` switched to `cluster`: the default cluster drops the parameter (the bare
// URL shows it); other query parameters and the fragment stay.
export function pageUrlFor(href, cluster, isDefault) {
  const url = new URL(href);
  if (!cluster || isDefault) url.searchParams.delete("cluster");
  else url.searchParams.set("cluster", cluster);
  return url.href;
}

// The discovery document of a cluster, as LAN apps should fetch it.
export const discoveryPath = (cluster) =>
  cluster ? "/api/clusters/" + encodeURIComponent(cluster) + "/endpoints" : "/api/endpoints";

// The name of the default cluster in a GET /api/clusters list ("" when empty).
export function defaultCluster(list) {
  const found = (list || []).find((c) => c.default) || (list || [])[0];
  return found ? found.name : "";
}

// The cluster the page shows, resolved against the list: `wanted` ("" = the default) when it is
// listed, else the default with `unknown` naming what the URL asked for.
export function resolveCluster(list, wanted) {
  const fallback = defaultCluster(list);
  if (!wanted || !list || !list.length) return { name: wanted || fallback, unknown: "" };
  if (list.some((c) => c.name === wanted)) return { name: wanted, unknown: "" };
  return { name: fallback, unknown: wanted };
}

// The note shown when the URL names a cluster the server does not have.
export const unknownClusterText = (unknown, fallback) =>
  "There is no cluster named “" + unknown + "”; showing the default cluster" + (fallback ? ", " + fallback : "") + ".";

// One line of GET /api/clusters as the overview row shows it. `models` is the catalog
// (GET /api/models) to name the model; the line carries its catalog id or served name.
export function clusterFacts(line, models) {
  const entry = (models || []).find((m) => m.id === line.model || m.served_name === line.model);
  const model = line.model ? (entry && entry.name) || line.model : "No model served";
  const total = Number(line.services_total) || 0;
  const up = Number(line.services_up) || 0;
  const jobs = Number(line.jobs_running) || 0;
  return {
    model,
    services: up + "/" + total + " up",
    jobs: jobs === 0 ? "no jobs" : jobs === 1 ? "1 job running" : jobs + " jobs running",
    tone: total === 0 ? "off" : up === total ? "ok" : "fail",
  };
}
