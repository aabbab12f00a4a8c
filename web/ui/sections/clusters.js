// Several clusters: the switcher in the header (a select) and the all-clusters row over the
// overview (per cluster its model, services up and running jobs, each a link to it), both shown
// only when GET /api/clusters lists more than one. The page URL owns the choice
// (lib/cluster.js): switching pushes `?cluster=NAME` (the back button returns), then a `cluster`
// action makes every section start afresh for it. The list is refetched every 5 s; rows are
// updated in place. A URL naming a cluster the server does not have falls back to the default
// with a note.
import { api, oneAtATime } from "../lib/api.js";
import {
  clusterFacts,
  defaultCluster,
  pageCluster,
  pageUrlFor,
  resolveCluster,
  unknownClusterText,
  withCluster,
} from "../lib/cluster.js";
import { $, announce, h, placeAfter, setData, setText } from "../lib/dom.js";

const REFRESH_MS = 5000;

// GET /api/clusters; null when it fails (the page then shows what its URL names).
export async function fetchClusters() {
  try {
    const data = await api("GET", "/api/clusters", undefined, { scoped: false });
    return Array.isArray(data && data.clusters) ? data.clusters : null;
  } catch {
    return null;
  }
}

// Drops a cluster the server does not have from the page URL (before anything asks for it);
// returns the note that says so ("" when the URL was fine).
export function settleUrlCluster(list) {
  const { name, unknown } = resolveCluster(list, pageCluster());
  if (!unknown) return "";
  history.replaceState(history.state, "", pageUrlFor(location.href, "", true));
  return unknownClusterText(unknown, name);
}

function showNote(text) {
  setText($("cluster-note"), text);
  $("cluster-note").hidden = !text;
}

function createRow(name, onPick) {
  const refs = {
    name: h("b", { class: "cl-name", text: name }),
    model: h("span", { class: "cl-model" }),
    services: h("span", { class: "cl-services" }),
    jobs: h("span", { class: "cl-jobs" }),
  };
  refs.link = h(
    "a",
    { class: "cluster-card", dataset: { cluster: name } },
    refs.name,
    refs.model,
    h("span", { class: "cl-meta" }, refs.services, " · ", refs.jobs)
  );
  refs.link.addEventListener("click", (e) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return; // new tab etc.
    e.preventDefault();
    onPick(name);
  });
  refs.root = h("li", {}, refs.link);
  return refs;
}

function updateRow(refs, line, shown, href, models) {
  const facts = clusterFacts(line, models);
  setText(refs.model, facts.model);
  setText(refs.services, facts.services);
  setText(refs.jobs, facts.jobs);
  setData(refs.link, "tone", facts.tone);
  if (refs.link.getAttribute("href") !== href) refs.link.setAttribute("href", href);
  if (line.name === shown) refs.link.setAttribute("aria-current", "true");
  else refs.link.removeAttribute("aria-current");
}

function renderSelect(list, shown) {
  const select = $("cluster-select");
  const key = list.map((c) => c.name).join("\n");
  if (select.dataset.key !== key) {
    select.dataset.key = key;
    select.replaceChildren(...list.map((c) => h("option", { value: c.name, text: c.name })));
  }
  if (select.value !== shown) select.value = shown;
}

export function mountClusters(store, first, note) {
  let list = first || [];
  const rows = new Map(); // name -> refs

  const shown = () => store.getState().cluster || defaultCluster(list);

  function render() {
    const several = list.length > 1;
    $("footer-status").href = withCluster("/api/status", pageCluster());
    $("cluster-pick").hidden = !several;
    $("cluster-name").hidden = several;
    $("clusters").hidden = !several;
    if (!several) return;
    const current = shown();
    renderSelect(list, current);
    const box = $("cluster-list");
    for (const [name, refs] of rows) {
      if (!list.some((c) => c.name === name)) {
        refs.root.remove();
        rows.delete(name);
      }
    }
    const models = store.getState().models.list;
    let prevEl = null;
    for (const line of list) {
      let refs = rows.get(line.name);
      if (!refs) {
        refs = createRow(line.name, (name) => switchTo(name));
        rows.set(line.name, refs);
      }
      prevEl = placeAfter(box, prevEl, refs.root); // in list order, moved only when out of it
      updateRow(refs, line, current, pageUrlFor(location.href, line.name, line.default), models);
    }
  }

  function switchTo(name) {
    const href = pageUrlFor(location.href, name, name === defaultCluster(list));
    if (href !== location.href) history.pushState(history.state, "", href);
    showNote("");
    store.dispatch({ type: "cluster", cluster: pageCluster() });
    announce("Showing cluster " + name);
  }

  // The cluster shown was removed from the configuration: back to the default.
  function fallBack() {
    const note = settleUrlCluster(list);
    if (!note) return;
    showNote(note);
    store.dispatch({ type: "cluster", cluster: pageCluster() });
    announce(note);
  }

  const refresh = oneAtATime(async () => {
    const next = await fetchClusters();
    if (!next) return;
    list = next;
    fallBack();
    render();
  });

  $("cluster-select").addEventListener("change", (e) => switchTo(e.currentTarget.value));
  window.addEventListener("popstate", () => {
    showNote(settleUrlCluster(list)); // a cluster removed since that history entry
    store.dispatch({ type: "cluster", cluster: pageCluster() });
    refresh();
  });
  store.subscribe((state, prev) => {
    if (state.cluster !== prev.cluster || state.models !== prev.models) render();
  });
  showNote(note || "");
  render();
  setInterval(refresh, REFRESH_MS);
}
