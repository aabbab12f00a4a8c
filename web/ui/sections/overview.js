// The header (cluster, warnings, the live indicator, the page title) and the overview: one
// summary line over all services, the running swap, and a chip per Spark.
import { $, announce, h, icon, setText } from "../lib/dom.js";
import { displayName, duration, orderedNames, parseTs, serviceState, sparkLabel, stateChanges } from "../lib/format.js";
import { jobTitle, phaseText } from "../lib/jobs.js";
import { serverNow } from "../lib/state.js";

const CONN_TEXT = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline · retrying",
};

// The summary's tone, icon and title from the services' states.
export function summarize(status) {
  const states = orderedNames(status.services).map((n) => [n, serviceState(status.services[n])]);
  const configured = states.filter(([, s]) => s !== "off");
  const down = configured.filter(([, s]) => s === "down");
  const unknown = configured.filter(([, s]) => s === "unknown");
  let result;
  if (!configured.length) {
    result = { tone: "warn", mark: "warn", title: "No services configured yet" };
  } else if (down.length) {
    const title =
      down.length === configured.length
        ? configured.length === 1
          ? displayName(down[0][0]) + " is down"
          : "All services down"
        : down.map(([n]) => displayName(n)).join(", ") + (down.length === 1 ? " is" : " are") + " down";
    result = { tone: "fail", mark: "cross", title };
  } else if (unknown.length) {
    result = { tone: "unknown", mark: "dash", title: "Waiting for the first probes…" };
  } else {
    const title = configured.length === 1 ? "Service up" : "All " + configured.length + " services up";
    result = { tone: "ok", mark: "check", title };
  }
  const off = states.length - configured.length;
  if (off && configured.length) result.title += " · " + off + " not configured";
  result.configured = configured.length;
  return result;
}

function renderHeader(status, prev) {
  const cluster = status.cluster || "default";
  setText($("cluster-name"), cluster);
  setText($("footer-cluster"), "cluster " + cluster);
  const down = Object.values(status.services).filter((s) => serviceState(s) === "down").length;
  const title = (down ? "(" + down + " down) " : "") + "spark-control · " + cluster;
  if (document.title !== title) document.title = title;

  const warnings = Array.isArray(status.warnings) ? status.warnings : [];
  const box = $("warnings");
  const key = JSON.stringify(warnings);
  if (box.dataset.key !== key) {
    box.dataset.key = key;
    $("warnings-list").replaceChildren(...warnings.map((w) => h("li", { text: w })));
    box.hidden = warnings.length === 0;
  }
  // Screen readers hear state changes of services.
  const changes = stateChanges(prev, status);
  if (changes.length) announce(changes.join(". ") + ".");
}

function renderConn(conn) {
  const el = $("conn");
  el.dataset.conn = conn;
  document.body.dataset.conn = conn;
  setText(el.querySelector(".conn-text"), CONN_TEXT[conn]);
  el.title =
    conn === "live"
      ? "Receiving live updates from spark-control"
      : "The live update stream is interrupted; the page shows the last known state";
}

function renderSummary(state) {
  const { status } = state;
  const { tone, mark, title, configured } = summarize(status);
  const summary = $("summary");
  summary.dataset.tone = tone;
  const markEl = summary.querySelector(".summary-icon");
  if (markEl.dataset.mark !== mark) {
    markEl.dataset.mark = mark;
    markEl.replaceChildren(icon(mark));
  }
  setText($("summary-title"), title);

  const sub = $("summary-sub");
  const model = status.model && status.model.served_name;
  const since = status.model && status.model.since;
  // A running swap is named too: vLLM is down on purpose while it loads the new model.
  const swap = (Array.isArray(status.jobs) ? status.jobs : []).find((j) => j.kind === "swap");
  const swapText = swap ? jobTitle(swap, state.models.list) + " · " + phaseText(swap) : "";
  const vllm = state.endpoints && state.endpoints.vllm;
  const chat = vllm && vllm.open_webui_url;
  const subKey = [model, since, configured, swapText, chat].join("|");
  if (sub.dataset.key === subKey) return;
  sub.dataset.key = subKey;
  const swapPart = swap ? h("a", { class: "summary-job", href: "#jobs", text: swapText }) : null;
  if (!configured) {
    sub.replaceChildren("Set the Sparks’ addresses below to start probing.");
  } else if (model) {
    const forText = since ? duration(serverNow(state) - parseTs(since)) : "";
    sub.replaceChildren(
      "Serving ",
      h("span", { class: "model-name", text: model }),
      since ? h("span", {}, " for ", h("span", { dataset: { since }, text: forText })) : "",
      chat ? [" · ", h("a", { class: "summary-chat", href: chat, target: "_blank", rel: "noopener noreferrer", text: "Open in Open WebUI" })] : "",
      swapPart ? [" · ", swapPart] : ""
    );
  } else {
    sub.replaceChildren(swapPart || "vLLM is not serving a model right now");
  }
}

function sparkChip(name, spark) {
  const ssh = spark.ssh_up === true ? "up" : spark.ssh_up === false ? "down" : "unknown";
  const sshText =
    ssh === "up"
      ? "SSH reachable"
      : ssh === "down"
        ? "SSH unreachable" + (spark.ssh_error && spark.ssh_error.message ? ": " + spark.ssh_error.message : "")
        : "SSH not checked yet";
  return h(
    "div",
    { class: "spark-chip", dataset: { spark: name }, title: sparkLabel(name) + ": " + sshText },
    icon("server"),
    h("b", { text: sparkLabel(name) }),
    spark.host ? h("span", { class: "host", text: spark.host }) : h("span", { class: "host unset", text: "not set" }),
    h("span", { class: "ssh", dataset: { ssh }, role: "img", "aria-label": sshText })
  );
}

function renderSparks(status) {
  const sparks = status.sparks || {};
  const names = Object.keys(sparks).sort();
  const box = $("sparks");
  const key = JSON.stringify(sparks);
  if (box.dataset.key !== key) {
    box.dataset.key = key;
    box.replaceChildren(...names.map((name) => sparkChip(name, sparks[name] || {})));
  }
  const anyHost = names.some((n) => sparks[n] && sparks[n].host);
  $("setup-callout").hidden = anyHost || names.length === 0;
}

export function mountOverview(store) {
  store.subscribe((state, prev) => {
    if (state.conn !== prev.conn) renderConn(state.conn);
    if (!state.status) return;
    const statusChanged = state.status !== prev.status;
    if (statusChanged) {
      renderHeader(state.status, prev.status);
      renderSparks(state.status);
    }
    // The deep link comes with /api/endpoints, which reloads after the served model changes.
    if (statusChanged || state.endpoints !== prev.endpoints) renderSummary(state);
  });
}
