// spark-control control UI. Plain DOM, no framework, no build step; served under a strict CSP
// (script-src 'self', style-src 'self'), so nothing here writes HTML strings or style attributes.
//
// Data flow: GET /api/status, /api/endpoints and /api/config once at start; then one
// EventSource on /api/events/stream: `state` carries the full /api/status (every section
// re-renders from it, no polling), `event` carries connectivity events. The first page of the
// log comes from GET /api/events once the stream has delivered its first `state`, so no event
// can fall between the page and the stream (ids are de-duplicated). EventSource resumes with
// Last-Event-ID on its own; if it gives up, we reopen it with ?since=<last id seen>.
//
// Jobs (swaps, service actions): /api/status `jobs` lists the running ones (live, with progress);
// finished ones come from GET /api/jobs when that set changes. A job's log is its own EventSource
// on /api/jobs/{id}/log, closed on `event: end`. The model catalog comes from GET /api/models,
// reloaded when the served model changes and after every catalog change.
//
// Later capabilities (downloads, update, GPUs, diarization) add a <section> to index.html and
// register a renderer with `sections.push({ onStatus(status, prev) })`.
"use strict";

(() => {
  const TOKEN_KEY = "spark-control.admin-token";
  const MAX_EVENTS = 1000; // kept in memory
  const MAX_ROWS = 300; // rendered in the log
  const PAGE = 100; // first page of the log
  const SLOTS = 60; // heartbeat strip length (API: the last 60 probes)
  const SLOW_MS = 1000; // a successful probe slower than this is drawn amber

  const NAMES = { vllm: "vLLM", parakeet: "Parakeet", magpie: "Magpie" };
  const KINDS = { llm: "LLM", stt: "Speech-to-text", tts: "Text-to-speech" };
  const REASONS = {
    timeout: "Timed out",
    refused: "Connection refused",
    reset: "Connection reset",
    http_status: "Unhealthy response",
    bad_body: "Unexpected response",
    dns: "Host name not resolved",
    not_configured: "Not configured",
  };
  // Environment variables that pin config keys (API.md "Configuration").
  const PIN_SOURCES = {
    "sparks.spark1.host": "SPARK1_HOST",
    "sparks.spark1.user": "SPARK1_USER",
    "sparks.spark2.host": "SPARK2_HOST",
    "sparks.spark2.user": "SPARK2_USER",
  };

  // ---------------------------------------------------------------- DOM helpers

  const $ = (id) => document.getElementById(id);

  // h("div", {class: "x", dataset: {a: 1}, onclick: fn, text: "..."}, child, "text", ...)
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    if (props) {
      for (const [key, value] of Object.entries(props)) {
        if (value === undefined || value === null || value === false) continue;
        if (key === "class") el.className = value;
        else if (key === "text") el.textContent = value;
        else if (key === "dataset") Object.assign(el.dataset, value);
        else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
        else if (key in el && typeof value !== "string") el[key] = value;
        else el.setAttribute(key, value === true ? "" : String(value));
      }
    }
    append(el, children);
    return el;
  }
  function append(el, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }
  function icon(name, cls = "icon") {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", cls);
    svg.setAttribute("aria-hidden", "true");
    const use = document.createElementNS(ns, "use");
    use.setAttribute("href", "#i-" + name);
    svg.append(use);
    return svg;
  }
  function setText(el, text) {
    if (el.textContent !== text) el.textContent = text;
  }
  function setData(el, key, value) {
    if (el.dataset[key] !== value) el.dataset[key] = value;
  }

  let announceTimer = 0;
  function announce(message) {
    const region = $("announcer");
    clearTimeout(announceTimer);
    region.textContent = "";
    announceTimer = setTimeout(() => (region.textContent = message), 60);
  }

  // ---------------------------------------------------------------- formatting

  const displayName = (name) => NAMES[name] || (name ? name.charAt(0).toUpperCase() + name.slice(1) : "");
  const sparkLabel = (name) => (/^spark(\d+)$/.test(name) ? "Spark " + name.slice(5) : name);
  let skewMs = 0; // server clock minus browser clock, estimated from probe timestamps
  const now = () => Date.now() + skewMs;
  const parseTs = (ts) => (ts ? Date.parse(ts) : NaN);

  function duration(ms) {
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) return s + " s";
    const m = Math.floor(s / 60);
    if (m < 60) return m + " min";
    const hours = Math.floor(m / 60);
    if (hours < 48) return hours + " h" + (m % 60 ? " " + (m % 60) + " min" : "");
    const days = Math.floor(hours / 24);
    return days + " d" + (hours % 24 ? " " + (hours % 24) + " h" : "");
  }
  function latency(ms) {
    if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
    if (ms < 10) return ms.toFixed(1) + " ms";
    if (ms < 1000) return Math.round(ms) + " ms";
    return (ms / 1000).toFixed(2) + " s";
  }
  const pad = (n) => String(n).padStart(2, "0");
  function clockTime(ts) {
    const d = new Date(parseTs(ts));
    return Number.isNaN(d.getTime()) ? "" : pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }
  function fullTime(ts) {
    const d = new Date(parseTs(ts));
    return Number.isNaN(d.getTime()) ? "" : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
  }

  // ---------------------------------------------------------------- API

  // host_refused: the server does not know the name this page was opened under (its guard
  // against DNS rebinding). Say which name, and the fixes that work from a browser.
  function hostRefusedText(message) {
    const name = location.hostname;
    return (
      (message ? message + ". " : "") +
      'This page was opened as "' + name + '". To make changes from it, open the panel by its IP ' +
      'address, or add "' + name + '" to http.allowed_hosts in the operator config and restart, ' +
      "or enter the admin token under Admin token (when one is set)."
    );
  }

  class ApiError extends Error {
    constructor(status, body) {
      const err = (body && body.error) || {};
      super(err.code === "host_refused" ? hostRefusedText(err.message) : err.message || "HTTP " + status);
      this.status = status;
      this.code = err.code || "";
      this.field = err.field || "";
    }
  }

  function token() {
    try {
      return localStorage.getItem(TOKEN_KEY) || "";
    } catch {
      return "";
    }
  }

  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const t = token();
    if (t && method !== "GET") headers.Authorization = "Bearer " + t;
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        credentials: "same-origin",
      });
    } catch (e) {
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
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }

  // ---------------------------------------------------------------- state

  const S = {
    status: null,
    endpoints: null,
    endpointsKey: "",
    config: null,
    events: new Map(), // id -> event
    eventsLoaded: false,
    lastEventId: 0,
    conn: "connecting",
  };
  const sections = []; // {onStatus(status, prev)}

  function applyStatus(status) {
    if (!status || typeof status !== "object" || !status.services) return;
    const prev = S.status;
    S.status = status;
    estimateSkew(status);
    for (const section of sections) {
      try {
        section.onStatus(status, prev);
      } catch (e) {
        console.warn("spark-control: a section failed to render", e);
      }
    }
  }

  function estimateSkew(status) {
    let newest = 0;
    for (const svc of Object.values(status.services)) {
      const h0 = svc.history && svc.history[svc.history.length - 1];
      if (h0) newest = Math.max(newest, parseTs(h0.ts) || 0);
    }
    if (!newest) return;
    const intervalMs = ((S.config && S.config.probe && S.config.probe.interval_s) || 2) * 1000;
    const diff = newest - Date.now();
    // The newest probe is at most one interval (plus its timeout) old: only a larger gap is skew.
    if (diff > 2000 || diff < -(intervalMs + 5000)) skewMs = diff;
    else skewMs = 0;
  }

  function serviceState(svc) {
    if (!svc) return "unknown";
    if (svc.reason === "not_configured") return "off";
    if (svc.up === true) return "up";
    if (svc.up === false) return "down";
    return "unknown";
  }

  function orderedNames(services) {
    const rank = (n) => (n === "vllm" ? 0 : n === "parakeet" ? 1 : n === "magpie" ? 2 : 3);
    return Object.keys(services).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  }

  // ---------------------------------------------------------------- header

  sections.push({
    onStatus(status, prev) {
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

      // Announce state changes of services to screen readers.
      if (prev) {
        const changes = [];
        for (const [name, svc] of Object.entries(status.services)) {
          const before = serviceState(prev.services[name]);
          const after = serviceState(svc);
          if (before === after || after === "unknown") continue;
          if (after === "up") changes.push(displayName(name) + " is up");
          else if (after === "down") changes.push(displayName(name) + " is down: " + (svc.error || REASONS[svc.reason] || "probe failed"));
          else if (after === "off") changes.push(displayName(name) + " is not configured");
        }
        if (changes.length) announce(changes.join(". ") + ".");
      }
    },
  });

  function setConn(conn) {
    if (S.conn === conn) return;
    S.conn = conn;
    const el = $("conn");
    el.dataset.conn = conn;
    document.body.dataset.conn = conn;
    const text = {
      connecting: "Connecting…",
      live: "Live",
      reconnecting: "Reconnecting…",
      offline: "Offline · retrying",
    }[conn];
    setText(el.querySelector(".conn-text"), text);
    el.title =
      conn === "live"
        ? "Receiving live updates from spark-control"
        : "The live update stream is interrupted; the page shows the last known state";
  }

  // ---------------------------------------------------------------- overview

  sections.push({
    onStatus(status) {
      const names = orderedNames(status.services);
      const states = names.map((n) => [n, serviceState(status.services[n])]);
      const configured = states.filter(([, s]) => s !== "off");
      const down = configured.filter(([, s]) => s === "down");
      const unknown = configured.filter(([, s]) => s === "unknown");
      let tone = "ok";
      let title;
      let mark = "check";
      if (!configured.length) {
        tone = "warn";
        mark = "warn";
        title = "No services configured yet";
      } else if (down.length) {
        tone = "fail";
        mark = "cross";
        title =
          down.length === configured.length
            ? (configured.length === 1 ? displayName(down[0][0]) + " is down" : "All services down")
            : down.map(([n]) => displayName(n)).join(", ") + (down.length === 1 ? " is" : " are") + " down";
      } else if (unknown.length) {
        tone = "unknown";
        mark = "dash";
        title = "Waiting for the first probes…";
      } else {
        title = configured.length === 1 ? "Service up" : "All " + configured.length + " services up";
      }
      const off = states.length - configured.length;
      if (off && configured.length) title += " · " + off + " not configured";

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
      const swapText = swap ? jobTitle(swap) + " · " + phaseText(swap) : "";
      const subKey = model + "|" + since + "|" + configured.length + "|" + swapText;
      if (sub.dataset.key !== subKey) {
        sub.dataset.key = subKey;
        const swapPart = swap ? h("a", { class: "summary-job", href: "#jobs", text: swapText }) : null;
        if (!configured.length) {
          sub.replaceChildren("Set the Sparks’ addresses below to start probing.");
        } else if (model) {
          sub.replaceChildren(
            "Serving ",
            h("span", { class: "model-name", text: model }),
            since ? h("span", {}, " for ", h("span", { dataset: { since }, text: duration(now() - parseTs(since)) })) : "",
            swapPart ? [" · ", swapPart] : ""
          );
        } else {
          sub.replaceChildren(swapPart || "vLLM is not serving a model right now");
        }
      }

      // Sparks
      const sparks = status.sparks || {};
      const sparkNames = Object.keys(sparks).sort();
      const chipsKey = JSON.stringify(sparks);
      const box = $("sparks");
      if (box.dataset.key !== chipsKey) {
        box.dataset.key = chipsKey;
        box.replaceChildren(
          ...sparkNames.map((name) => {
            const spark = sparks[name] || {};
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
          })
        );
      }
      const anyHost = sparkNames.some((n) => sparks[n] && sparks[n].host);
      $("setup-callout").hidden = anyHost || sparkNames.length === 0;
    },
  });

  // ---------------------------------------------------------------- service cards

  const cards = new Map();

  function copyButton(getText, what) {
    const label = h("span", { text: "Copy" });
    const btn = h("button", { type: "button", class: "btn btn-copy", "aria-label": "Copy " + what }, icon("copy"), label);
    let timer = 0;
    btn.addEventListener("click", async () => {
      const text = getText();
      if (!text) return;
      const ok = await copyText(text);
      clearTimeout(timer);
      btn.classList.toggle("copied", ok);
      label.textContent = ok ? "Copied" : "Press Ctrl+C";
      announce(ok ? "Copied " + what : "Copy failed; the address is selected, press Control C");
      if (!ok) selectText(btn.parentElement.querySelector("code"));
      timer = setTimeout(() => {
        btn.classList.remove("copied");
        label.textContent = "Copy";
      }, 1800);
    });
    return btn;
  }

  async function copyText(text) {
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
        return true;
      }
    } catch {
      /* fall through: plain http on a LAN address is not a secure context */
    }
    const area = h("textarea", { class: "sr-only", readonly: true, "aria-hidden": "true" });
    area.value = text;
    document.body.append(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch {
      ok = false;
    }
    area.remove();
    return ok;
  }

  function selectText(el) {
    if (!el) return;
    const range = document.createRange();
    range.selectNodeContents(el);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function createCard(name) {
    const id = "svc-" + name.replace(/[^a-z0-9_-]/gi, "_");
    const refs = {};
    refs.pill = h("span", { class: "pill" });
    refs.kind = h("span", { class: "kind" });
    refs.model = h("p", { class: "svc-model", hidden: name !== "vllm" });
    const stat = (label) => {
      const dt = h("dt", { text: label });
      const dd = h("dd", { text: "—" });
      return [h("div", {}, dt, dd), dt, dd];
    };
    let latencyBox, sinceBox, okBox;
    [latencyBox, , refs.latency] = stat("Latency");
    [sinceBox, refs.sinceLabel, refs.since] = stat("Since");
    [okBox, , refs.okRate] = stat("Probes OK");
    refs.beats = h("div", { class: "beats", role: "img" });
    refs.slots = [];
    for (let i = 0; i < SLOTS; i++) {
      const slot = h("i");
      refs.slots.push(slot);
      refs.beats.append(slot);
    }
    refs.axisStart = h("span", { text: "" });
    refs.errorText = h("span");
    refs.error = h("p", { class: "svc-error", hidden: true }, icon("warn"), refs.errorText);
    refs.url = h("code");
    refs.urlUnset = h("span", { class: "unset", text: "No address: host not configured", hidden: true });
    refs.root = h(
      "article",
      { class: "svc", id, dataset: { service: name }, "aria-labelledby": id + "-name" },
      h(
        "div",
        { class: "svc-head" },
        h("div", { class: "svc-title" }, h("h3", { id: id + "-name", text: displayName(name) }), refs.kind),
        refs.pill
      ),
      refs.model,
      h("dl", { class: "stats" }, latencyBox, sinceBox, okBox),
      refs.beats,
      h("div", { class: "beats-axis", "aria-hidden": "true" }, refs.axisStart, h("span", { text: "now" })),
      refs.error,
      createCardActions(name, refs),
      h("div", { class: "url-row" }, refs.url, refs.urlUnset, copyButton(() => refs.url.textContent, displayName(name) + " base URL"))
    );
    return refs;
  }

  function updateCard(name, refs, svc, status) {
    const state = serviceState(svc);
    setData(refs.root, "state", state);
    setText(refs.kind, KINDS[svc.kind] || svc.kind || "");

    const pillKey = state;
    if (refs.pill.dataset.key !== pillKey) {
      refs.pill.dataset.key = pillKey;
      refs.pill.dataset.state = state;
      const [mark, text] = {
        up: ["check", "Up"],
        down: ["cross", "Down"],
        off: ["dash", "Not configured"],
        unknown: ["dash", "Unknown"],
      }[state];
      refs.pill.replaceChildren(icon(mark), text);
    }

    updateModel(name, refs, state);

    setText(refs.latency, state === "up" ? latency(svc.latency_ms) : "—");
    const sinceLabel = state === "up" ? "Up for" : state === "down" ? "Down for" : "Since";
    setText(refs.sinceLabel, sinceLabel);
    if (svc.last_change && (state === "up" || state === "down")) {
      refs.since.dataset.since = svc.last_change;
      setText(refs.since, duration(now() - parseTs(svc.last_change)));
      refs.since.title = "Since " + fullTime(svc.last_change);
    } else {
      delete refs.since.dataset.since;
      setText(refs.since, "—");
      refs.since.removeAttribute("title");
    }

    // Heartbeat strip: the newest probe on the right, empty slots on the left until 60 arrive.
    const history = Array.isArray(svc.history) ? svc.history.slice(-SLOTS) : [];
    const okCount = history.filter((p) => p.ok).length;
    const offset = SLOTS - history.length;
    for (let i = 0; i < SLOTS; i++) {
      const slot = refs.slots[i];
      const probe = i >= offset ? history[i - offset] : null;
      const cls = probe ? (probe.ok ? (probe.ms > SLOW_MS ? "ok slow" : "ok") : "fail") : "";
      if (slot.className !== cls) slot.className = cls;
      const title = probe ? clockTime(probe.ts) + " · " + (probe.ok ? "ok" : "failed") + " · " + latency(probe.ms) : "";
      if (slot.title !== title) slot.title = title;
    }
    refs.beats.setAttribute(
      "aria-label",
      history.length
        ? "Last " + history.length + " probes: " + okCount + " succeeded, " + (history.length - okCount) + " failed"
        : "No probes yet"
    );
    if (history.length) {
      const pct = Math.round((okCount / history.length) * 100);
      refs.okRate.replaceChildren(pct + "%", h("small", { text: okCount + "/" + history.length }));
    } else {
      refs.okRate.replaceChildren("—");
    }
    setText(refs.axisStart, axisLabel(history));

    // Reason and error text
    if (state === "down" || state === "off") {
      const reason = REASONS[svc.reason] || (svc.reason ? svc.reason.replace(/_/g, " ") : "Probe failed");
      let text;
      if (state === "off") text = "No host set — add Spark addresses under Configure Sparks.";
      else text = reason + (svc.error && svc.error !== reason ? ": " + svc.error : "");
      setText(refs.errorText, text);
      refs.error.classList.toggle("neutral", state === "off");
      refs.error.hidden = false;
    } else {
      refs.error.hidden = true;
    }

    const url = svc.base_url || "";
    setText(refs.url, url);
    refs.url.hidden = !url;
    refs.urlUnset.hidden = !!url;
    refs.root.querySelector(".url-row .btn-copy").disabled = !url;
    updateCardActions(name, refs);
  }

  // vLLM: the model it serves now (from /api/status); other services: their configured model
  // (from /api/endpoints), shown only when known.
  function updateModel(name, refs, state) {
    const status = S.status;
    let model;
    if (name === "vllm") model = status && status.model && status.model.served_name;
    else model = S.endpoints && S.endpoints[name] && S.endpoints[name].model;
    refs.model.hidden = name !== "vllm" && !model;
    refs.model.classList.toggle("none", !model);
    if (model) {
      if (refs.model.dataset.model !== model) {
        refs.model.dataset.model = model;
        refs.model.replaceChildren(h("span", { class: "label", text: "Model" }), model);
        refs.model.title = model;
      }
    } else if (refs.model.dataset.model !== "") {
      refs.model.dataset.model = "";
      refs.model.replaceChildren(state === "up" ? "Model not reported yet" : "No model being served");
      refs.model.removeAttribute("title");
    }
  }

  function axisLabel(history) {
    if (history.length < 2) return "";
    const diffs = [];
    for (let i = 1; i < history.length; i++) diffs.push(parseTs(history[i].ts) - parseTs(history[i - 1].ts));
    diffs.sort((a, b) => a - b);
    const interval = diffs[Math.floor(diffs.length / 2)];
    if (!(interval > 0)) return "";
    const span = interval * (SLOTS - 1);
    return (span < 90000 ? duration(span) : Math.round(span / 60000) + " min") + " ago";
  }

  sections.push({
    onStatus(status) {
      const box = $("service-cards");
      const names = orderedNames(status.services);
      for (const [name, refs] of cards) {
        if (!(name in status.services)) {
          refs.root.remove();
          cards.delete(name);
        }
      }
      let prevEl = null;
      for (const name of names) {
        let refs = cards.get(name);
        if (!refs) {
          refs = createCard(name);
          cards.set(name, refs);
        }
        updateCard(name, refs, status.services[name], status);
        const expected = prevEl ? prevEl.nextElementSibling : box.firstElementChild;
        if (expected !== refs.root) box.insertBefore(refs.root, expected);
        prevEl = refs.root;
      }
      updateServiceFilter(names);
      maybeRefreshEndpoints(status);
      maybeRefreshConfig(status);
    },
  });

  // ---------------------------------------------------------------- endpoints

  let endpointsTimer = 0;
  let endpointsInFlight = false;

  function endpointsKey(status) {
    return JSON.stringify(
      orderedNames(status.services).map((n) => [n, status.services[n].up, status.services[n].base_url])
    ) + (status.model ? status.model.served_name : "");
  }

  function maybeRefreshEndpoints(status) {
    const key = endpointsKey(status);
    if (key === S.endpointsKey) return;
    clearTimeout(endpointsTimer);
    endpointsTimer = setTimeout(() => loadEndpoints(key), 150);
  }

  async function loadEndpoints(key) {
    if (endpointsInFlight) return;
    endpointsInFlight = true;
    try {
      S.endpoints = await api("GET", "/api/endpoints");
      if (key !== undefined) S.endpointsKey = key;
      renderEndpoints();
    } catch {
      /* shown as stale; the next state change retries */
    } finally {
      endpointsInFlight = false;
    }
  }

  function renderEndpoints() {
    const list = $("endpoint-list");
    const eps = S.endpoints || {};
    const names = orderedNames(eps);
    const rows = names.map((name) => {
      const ep = eps[name] || {};
      const ready = ep.base_url ? String(!!ep.ready) : "none";
      const kind = name === "vllm" ? "OpenAI-compatible" : KINDS[ep.kind] || ep.kind || "";
      const meta = [];
      if (ep.model) meta.push(h("span", {}, "model ", h("span", { class: "mono", text: ep.model })));
      if (ep.open_webui_url) {
        if (meta.length) meta.push(" · ");
        meta.push(h("a", { href: ep.open_webui_url, target: "_blank", rel: "noopener noreferrer", text: "Open WebUI" }));
      }
      if (!meta.length) meta.push(ep.base_url ? (ep.ready ? "ready" : "not ready — the latest probe failed") : "");
      else meta.push(" · ", ep.ready ? "ready" : "not ready");
      return h(
        "li",
        { class: "ep", dataset: { service: name, ready } },
        h(
          "div",
          { class: "ep-name" },
          h("span", { class: "dot", role: "img", "aria-label": ep.ready ? "ready" : "not ready" }),
          h("span", { class: "ep-title" }, h("b", { text: displayName(name) }), h("small", { text: kind }))
        ),
        h(
          "div",
          { class: "ep-main" },
          ep.base_url ? h("code", { text: ep.base_url }) : h("span", { class: "unset", text: "not configured" }),
          h("span", { class: "ep-meta" }, meta)
        ),
        h("div", {}, ep.base_url ? copyButton(() => ep.base_url, displayName(name) + " endpoint URL") : null)
      );
    });
    const discovery = location.origin + "/api/endpoints";
    rows.push(
      h(
        "li",
        { class: "ep", dataset: { service: "_discovery", ready: "none" } },
        h("div", { class: "ep-name" }, h("span", { class: "ep-title" }, h("b", { text: "Discovery" }), h("small", { text: "JSON for LAN apps" }))),
        h(
          "div",
          { class: "ep-main" },
          h("code", { text: discovery }),
          h("span", { class: "ep-meta", text: "Apps that read this pick up new addresses and models on their own." })
        ),
        h("div", {}, copyButton(() => discovery, "discovery URL"))
      )
    );
    list.replaceChildren(...rows);
    for (const [name, refs] of cards) updateModel(name, refs, refs.root.dataset.state);
  }

  // ---------------------------------------------------------------- connectivity log

  const filters = { service: "", type: "", failures: false };

  function updateServiceFilter(names) {
    const select = $("filter-service");
    const known = new Set([...select.options].map((o) => o.value));
    const seen = new Set(names);
    for (const ev of S.events.values()) seen.add(ev.service);
    for (const name of [...seen].sort()) {
      if (!known.has(name)) select.append(h("option", { value: name, text: displayName(name) }));
    }
  }

  function matches(ev) {
    if (filters.service && ev.service !== filters.service) return false;
    if (filters.type && ev.type !== filters.type) return false;
    if (filters.failures && ev.ok) return false;
    return true;
  }

  function addEvents(list, live) {
    const added = [];
    for (const ev of list) {
      if (!ev || typeof ev.id !== "number" || S.events.has(ev.id)) continue;
      S.events.set(ev.id, ev);
      if (ev.id > S.lastEventId) S.lastEventId = ev.id;
      added.push(ev);
    }
    if (S.events.size > MAX_EVENTS) {
      const ids = [...S.events.keys()].sort((a, b) => a - b);
      for (const id of ids.slice(0, S.events.size - MAX_EVENTS)) S.events.delete(id);
    }
    if (!added.length) return;
    if (live && S.eventsLoaded) {
      const ol = $("log-list");
      const first = ol.firstElementChild;
      const firstId = first ? Number(first.dataset.id) : 0;
      const shown = added.filter(matches).sort((a, b) => a.id - b.id);
      // Live events are newer than anything shown: prepend them (oldest first, so newest ends on top).
      if (shown.every((ev) => ev.id > firstId)) {
        for (const ev of shown) ol.prepend(eventRow(ev, true));
        while (ol.childElementCount > MAX_ROWS) ol.lastElementChild.remove();
        updateLogCount();
        return;
      }
    }
    renderLog();
  }

  function eventRow(ev, fresh) {
    const name = h("b", { text: displayName(ev.service) });
    let msg;
    if (ev.type === "transition") {
      msg = ev.ok ? [name, " is up"] : [name, " went down", ev.error ? [": ", h("span", { class: "err", text: ev.error })] : ""];
    } else {
      const source = h("b", { text: ev.source || "a client" });
      msg = ev.ok
        ? [source, " reached ", name]
        : [source, " could not reach ", name, ev.error ? [": ", h("span", { class: "err", text: ev.error })] : ""];
    }
    const meta = [h("span", { class: "tag " + ev.type, text: ev.type === "transition" ? "state change" : "report" })];
    if (ev.type === "transition" && ev.source && ev.source !== "poller") meta.push(h("span", { class: "tag", text: ev.source }));
    meta.push(h("span", { class: "ms", text: typeof ev.ms === "number" ? latency(ev.ms) : "" }));
    return h(
      "li",
      {
        class: (ev.ok ? "ok" : "fail") + (fresh ? " fresh" : ""),
        dataset: { id: String(ev.id), service: ev.service, type: ev.type, ok: String(!!ev.ok) },
      },
      h("time", { datetime: ev.ts, title: fullTime(ev.ts), text: clockTime(ev.ts) }),
      h("span", { class: "mark" }, icon(ev.ok ? "check" : "cross"), h("span", { class: "sr-only", text: ev.ok ? "OK" : "Failed" })),
      h("span", { class: "msg" }, msg),
      h("span", { class: "meta" }, meta)
    );
  }

  function renderLog() {
    const list = [...S.events.values()].filter(matches).sort((a, b) => b.id - a.id).slice(0, MAX_ROWS);
    $("log-list").replaceChildren(...list.map((ev) => eventRow(ev, false)));
    updateLogCount();
  }

  function updateLogCount() {
    const shown = $("log-list").childElementCount;
    $("log-empty").hidden = shown > 0 || !S.eventsLoaded;
    let failures = 0;
    for (const li of $("log-list").children) if (li.dataset.ok === "false") failures++;
    setText(
      $("log-count"),
      S.eventsLoaded ? shown + (shown === 1 ? " event" : " events") + (failures ? " · " + failures + " failed" : "") : "Loading…"
    );
  }

  async function loadEvents() {
    const params = new URLSearchParams({ limit: String(PAGE) });
    if (filters.service) params.set("service", filters.service);
    if (filters.type) params.set("type", filters.type);
    try {
      const data = await api("GET", "/api/events?" + params);
      S.eventsLoaded = true;
      addEvents(data.events || [], false);
      renderLog();
    } catch {
      S.eventsLoaded = true;
      renderLog();
    }
  }

  function onFilterChange() {
    filters.service = $("filter-service").value;
    filters.type = $("filter-type").value;
    filters.failures = $("filter-failures").checked;
    renderLog();
    // The in-memory window may hold few events of a rare kind: fetch a page for this filter.
    if (filters.service || filters.type) loadEvents();
  }

  // ---------------------------------------------------------------- settings form

  const form = {
    fields: new Map(), // path -> {input, error, kind}
    loaded: new Map(), // path -> string as shown when loaded
    shapeKey: "",
  };

  function fieldId(path) {
    return "f-" + path.replace(/[^a-z0-9]/gi, "-");
  }

  function makeField(path, label, kind, placeholder, compact) {
    const id = fieldId(path);
    const input = h("input", {
      id,
      name: path,
      type: "text",
      autocomplete: "off",
      spellcheck: "false",
      autocapitalize: "off",
      inputmode: kind === "port" ? "numeric" : undefined,
      placeholder: placeholder || "",
    });
    const error = h("p", { class: "field-error", id: id + "-error", hidden: true });
    const pin = h("p", { class: "pin-note", id: id + "-pin", hidden: true });
    input.setAttribute("aria-describedby", id + "-error " + id + "-pin");
    input.addEventListener("input", () => {
      clearFieldError(path);
      updateDirty();
    });
    form.fields.set(path, { input, error, pin, kind });
    return h(
      "div",
      { class: "field" },
      h("label", { for: id, class: compact ? "sr-only" : undefined, text: label }),
      input,
      error,
      pin
    );
  }

  function buildForm(config) {
    form.fields.clear();
    const sparks = Object.keys(config.sparks || {}).sort();
    $("spark-fieldsets").replaceChildren(
      ...sparks.map((name) =>
        h(
          "fieldset",
          { class: "group", dataset: { spark: name } },
          h("legend", { text: sparkLabel(name) }),
          h(
            "div",
            { class: "grid-3" },
            makeField("sparks." + name + ".host", "Host or IP", "host", "e.g. 192.168.1.50"),
            makeField("sparks." + name + ".user", "SSH user", "user", "e.g. nvidia"),
            makeField("sparks." + name + ".port", "SSH port", "port", "22")
          )
        )
      )
    );
    const services = [["vllm", config.vllm || {}]].concat(
      orderedNames(config.services || {}).map((n) => [n, config.services[n] || {}])
    );
    $("service-rows").replaceChildren(
      h(
        "div",
        { class: "svc-row svc-row-head", "aria-hidden": "true" },
        h("span", { text: "Service" }),
        h("span", { text: "Host or IP" }),
        h("span", { text: "Port" })
      ),
      ...services.map(([name, svc]) => {
        const prefix = name === "vllm" ? "vllm" : "services." + name;
        const spark = svc.spark || "";
        return h(
          "div",
          { class: "svc-row", dataset: { service: name } },
          h("div", { class: "svc-row-name" }, displayName(name), h("small", { text: spark ? "on " + sparkLabel(spark) : "" })),
          makeField(prefix + ".host", displayName(name) + " host", "host", hostPlaceholder(config, svc), true),
          makeField(prefix + ".port", displayName(name) + " port", "port", "", true)
        );
      })
    );
  }

  function hostPlaceholder(config, svc) {
    const spark = svc && svc.spark;
    const sparkHost = spark && config.sparks && config.sparks[spark] && config.sparks[spark].host;
    if (sparkHost) return sparkHost + " (" + sparkLabel(spark) + ")";
    return spark ? sparkLabel(spark) + "’s host" : "";
  }

  function getPath(obj, path) {
    return path.split(".").reduce((o, k) => (o && typeof o === "object" ? o[k] : undefined), obj);
  }

  function populateForm(config) {
    const shapeKey = JSON.stringify([Object.keys(config.sparks || {}).sort(), Object.keys(config.services || {}).sort()]);
    if (shapeKey !== form.shapeKey) {
      form.shapeKey = shapeKey;
      buildForm(config);
    }
    const pinned = new Set(Array.isArray(config.pinned) ? config.pinned : []);
    form.loaded.clear();
    for (const [path, f] of form.fields) {
      const value = getPath(config, path);
      const text = value === null || value === undefined ? "" : String(value);
      form.loaded.set(path, text);
      f.input.value = text;
      const isPinned = pinned.has(path);
      f.input.readOnly = isPinned;
      f.pin.hidden = !isPinned;
      if (isPinned) {
        const source = PIN_SOURCES[path];
        f.pin.replaceChildren(
          icon("lock"),
          source ? "Pinned by the environment variable " + source : "Pinned by a command-line flag or environment variable"
        );
      }
      clearFieldError(path);
    }
    // Service host placeholders follow the Sparks' hosts.
    for (const [path, f] of form.fields) {
      if (!/\.host$/.test(path) || path.startsWith("sparks.")) continue;
      const svc = path.startsWith("vllm.") ? config.vllm : (config.services || {})[path.split(".")[1]];
      f.input.placeholder = hostPlaceholder(config, svc);
    }
    updateDirty();
  }

  function isDirty() {
    for (const [path, f] of form.fields) if (f.input.value.trim() !== form.loaded.get(path)) return true;
    return false;
  }

  function updateDirty() {
    const dirty = isDirty();
    $("config-reset").disabled = !dirty;
    const status = $("form-status");
    if (dirty) setFormStatus("Unsaved changes", "dirty");
    else if (status.dataset.tone === "dirty") setFormStatus("", "");
  }

  function setFormStatus(text, tone) {
    const status = $("form-status");
    status.dataset.tone = tone || "";
    setText(status, text);
  }

  function clearFieldError(path) {
    const f = form.fields.get(path);
    if (!f) return;
    f.input.removeAttribute("aria-invalid");
    f.error.hidden = true;
    f.error.textContent = "";
  }

  function showFieldError(path, message) {
    const f = form.fields.get(path);
    if (!f) return false;
    f.input.setAttribute("aria-invalid", "true");
    // The API prefixes messages with the field path; the field is already labelled.
    f.error.textContent = message.startsWith(path + ": ") ? message.slice(path.length + 2) : message;
    f.error.hidden = false;
    f.input.focus();
    return true;
  }

  function buildPatch() {
    const patch = {};
    for (const [path, f] of form.fields) {
      if (f.input.readOnly) continue;
      const text = f.input.value.trim();
      if (text === form.loaded.get(path)) continue;
      let value;
      if (f.kind === "port") value = text === "" ? null : /^\d+$/.test(text) ? Number(text) : text;
      else value = text; // "" unsets a host or user
      const keys = path.split(".");
      let node = patch;
      for (const key of keys.slice(0, -1)) node = node[key] || (node[key] = {});
      node[keys[keys.length - 1]] = value;
    }
    return patch;
  }

  async function saveConfig(event) {
    event.preventDefault();
    for (const path of form.fields.keys()) clearFieldError(path);
    $("form-warnings").hidden = true;
    const patch = buildPatch();
    if (!Object.keys(patch).length) {
      setFormStatus("Nothing to save: no field changed.", "");
      return;
    }
    const save = $("config-save");
    save.disabled = true;
    setFormStatus("Saving…", "");
    try {
      const result = await api("PUT", "/api/config", patch);
      $("auth-prompt").hidden = true;
      $("access-fieldset").classList.remove("attention");
      const warnings = Array.isArray(result.warnings) ? result.warnings : [];
      delete result.warnings;
      S.config = result;
      populateForm(result);
      setFormStatus("Saved at " + clockTime(new Date().toISOString()) + ". Probes use the new addresses now.", "ok");
      if (warnings.length) {
        $("form-warnings").replaceChildren(...warnings.map((w) => h("li", { text: w })));
        $("form-warnings").hidden = false;
      }
      refreshStatus();
      loadEndpoints();
    } catch (e) {
      handleSaveError(e);
    } finally {
      save.disabled = false;
    }
  }

  // The 401 prompt above the settings form; every mutation that gets a 401 leads here.
  function showAuthPrompt(again) {
    $("auth-prompt-text").replaceChildren(
      token()
        ? "The admin token in this browser was refused. Enter the current token under "
        : "This server needs an admin token to make changes. Enter it under ",
      h("strong", { text: "Admin token" }),
      " below, then " + again + "."
    );
    $("auth-prompt").hidden = false;
    $("access-fieldset").classList.add("attention");
  }

  function handleSaveError(e) {
    if (e.status === 401) {
      showAuthPrompt("save again");
      setFormStatus("Not saved: an admin token is required.", "fail");
      $("admin-token").focus();
      return;
    }
    if (e.field && showFieldError(e.field, e.message)) {
      setFormStatus("Not saved: check the highlighted field.", "fail");
      return;
    }
    setFormStatus("Not saved: " + e.message, "fail");
  }

  let configInFlight = false;
  async function loadConfig() {
    if (configInFlight) return;
    configInFlight = true;
    try {
      const config = await api("GET", "/api/config");
      S.config = config;
      if (!isDirty()) populateForm(config);
    } catch {
      setFormStatus("Could not load the configuration; retrying with the next update.", "fail");
    } finally {
      configInFlight = false;
    }
  }

  // Another tab or an API client may change the config: reload it when the Sparks' hosts or the
  // set of services in /api/status no longer match what the form shows (unless it has edits).
  function maybeRefreshConfig(status) {
    if (!S.config || isDirty()) return;
    const sparks = status.sparks || {};
    const cfgSparks = S.config.sparks || {};
    const sameHosts =
      Object.keys(sparks).length === Object.keys(cfgSparks).length &&
      Object.keys(sparks).every((n) => cfgSparks[n] && (cfgSparks[n].host || null) === (sparks[n].host || null));
    const cfgServices = ["vllm", ...Object.keys(S.config.services || {})].sort().join(",");
    const sameServices = Object.keys(status.services).sort().join(",") === cfgServices;
    if (!sameHosts || !sameServices) loadConfig();
  }

  function setupForm() {
    $("config-form").addEventListener("submit", saveConfig);
    $("config-reset").addEventListener("click", () => {
      if (S.config) populateForm(S.config);
      setFormStatus("Changes discarded.", "");
    });
    const tokenInput = $("admin-token");
    tokenInput.value = token();
    tokenInput.addEventListener("input", () => {
      try {
        const value = tokenInput.value.trim();
        if (value) localStorage.setItem(TOKEN_KEY, value);
        else localStorage.removeItem(TOKEN_KEY);
      } catch {
        /* storage disabled: the token lives only in the field */
      }
      $("access-fieldset").classList.remove("attention");
      updateTokenHint();
    });
    $("token-toggle").addEventListener("click", (e) => {
      const show = tokenInput.type === "password";
      tokenInput.type = show ? "text" : "password";
      e.currentTarget.textContent = show ? "Hide" : "Show";
      e.currentTarget.setAttribute("aria-pressed", String(show));
    });
    $("token-forget").addEventListener("click", () => {
      tokenInput.value = "";
      tokenInput.dispatchEvent(new Event("input"));
      announce("Admin token removed from this browser");
    });
    $("setup-go").addEventListener("click", () => {
      $("settings").scrollIntoView({ behavior: "smooth", block: "start" });
      const first = form.fields.get("sparks.spark1.host");
      if (first) first.input.focus({ preventScroll: true });
    });
  }

  function updateTokenHint() {
    const required = S.status && S.status.auth_required;
    const hint = $("token-hint");
    const text = required
      ? token()
        ? "This server requires a token for changes; it is sent as Authorization: Bearer … and kept only in this browser."
        : "This server requires an admin token for changes. It is kept only in this browser (localStorage)."
      : "Sent as Authorization: Bearer … with every change and kept only in this browser (localStorage). This server does not require one.";
    setText(hint, text);
  }
  sections.push({ onStatus: updateTokenHint });

  // ---------------------------------------------------------------- actions: shared pieces

  const reducedMotion = () => window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  // A note next to an action: tone "" | "ok" | "fail" | "busy"; content: text or nodes.
  function setNote(el, tone, ...content) {
    el.dataset.tone = tone || "";
    el.replaceChildren(...content.flat().filter((c) => c !== null && c !== undefined && c !== false));
    el.hidden = el.childNodes.length === 0;
  }

  // What to show for a failed mutation. A 401 also opens the token prompt of the settings form.
  function actionError(e, again) {
    if (e.status === 401) {
      showAuthPrompt(again || "try again");
      return [
        "An admin token is required. ",
        h("a", {
          href: "#access-fieldset",
          text: "Enter it under Configure Sparks",
          onclick: (ev) => {
            ev.preventDefault();
            $("access-fieldset").scrollIntoView({ behavior: reducedMotion() ? "auto" : "smooth", block: "center" });
            $("admin-token").focus({ preventScroll: true });
          },
        }),
        ".",
      ];
    }
    return [e.message];
  }

  function authOk() {
    $("auth-prompt").hidden = true;
    $("access-fieldset").classList.remove("attention");
  }

  // A modal confirmation (<dialog>); resolves true when the user confirms. Cancel has the focus.
  function confirmAction({ title, text, ok }) {
    const dialog = $("confirm-dialog");
    setText($("confirm-title"), title);
    $("confirm-text").replaceChildren(...[text].flat());
    setText($("confirm-ok"), ok);
    if (dialog.open) return Promise.resolve(false);
    dialog.returnValue = "";
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
      dialog.showModal();
      $("confirm-cancel").focus();
    });
  }

  // ---------------------------------------------------------------- jobs

  const MAX_LOG_LINES = 3000; // lines kept in the log viewer's DOM
  const RECENT_JOBS = 8; // finished jobs listed
  const ACTIONS = { start: "Start", stop: "Stop", restart: "Restart", "fix-cache-ownership": "Fix cache ownership" };
  const JOB_STATES = {
    queued: ["dash", "Queued"],
    running: ["dash", "Running"],
    succeeded: ["check", "Succeeded"],
    failed: ["cross", "Failed"],
    cancelled: ["dash", "Cancelled"],
  };
  const PHASES = {
    reconciling: "Checking the cluster",
    stopping: "Stopping the old model",
    launching: "Launching",
    loading: "Loading the model",
    ready: "Ready",
    downloading: "Downloading",
    copying: "Copying to Spark 2",
    pulling: "Pulling",
    building: "Building",
    running: "Running",
  };

  const J = {
    running: new Map(), // id -> job, from /api/status (plus jobs this page just started)
    started: new Map(), // id -> ms: jobs started here, kept until /api/status lists them
    recent: [], // finished jobs, newest first, from GET /api/jobs
    rows: new Map(), // id -> refs of a running job's row
    runningKey: "",
    recentKey: "",
    openTails: new Set(), // ids whose log tail is expanded
    jobsInFlight: false,
    jobsAgain: false,
  };
  const isFinishedJob = (job) => job && ["succeeded", "failed", "cancelled"].includes(job.state);

  function modelName(id) {
    const m = M.list.find((x) => x.id === id);
    return m ? m.name : id;
  }

  function jobTitle(job) {
    if (!job) return "";
    if (job.kind === "swap") return "Swap to " + modelName(job.target);
    if (job.kind === "service") {
      const action = ACTIONS[job.action] || job.action || "Action";
      return job.action === "fix-cache-ownership" ? action + " · " + displayName(job.target) : action + " " + displayName(job.target);
    }
    if (job.kind === "download") return "Download " + job.target;
    if (job.kind === "update") return "Update the vLLM image";
    return (job.kind || "job") + " " + (job.target || "");
  }

  function phaseText(job) {
    const p = job.progress || {};
    const phase = PHASES[p.phase] || (p.phase ? p.phase.charAt(0).toUpperCase() + p.phase.slice(1) : job.state === "queued" ? "Waiting to start" : "Working");
    return typeof p.percent === "number" ? phase + " · " + Math.round(p.percent) + "%" : phase;
  }

  function statePill(state) {
    const [mark, text] = JOB_STATES[state] || ["dash", state || "?"];
    return h("span", { class: "pill job-pill", dataset: { state } }, icon(mark), text);
  }

  // A swap (or anything else that takes vLLM down) is running: swap buttons are disabled.
  function swapBusy() {
    for (const job of J.running.values()) {
      if (job.kind === "swap" || job.kind === "update" || (job.kind === "service" && job.target === "vllm")) return job;
    }
    return null;
  }

  // The running job that acts on `service` (a swap counts for vLLM).
  function serviceJob(service) {
    for (const job of J.running.values()) {
      if (job.kind === "service" && job.target === service) return job;
      if (service === "vllm" && job.kind === "swap") return job;
    }
    return null;
  }

  function findJob(id) {
    return J.running.get(id) || J.recent.find((j) => j.id === id) || (viewer.job && viewer.job.id === id ? viewer.job : null);
  }

  // A job this page started: shown at once, before the next `state` frame lists it.
  function jobStarted(job) {
    if (!job || !job.id) return;
    if (!isFinishedJob(job)) {
      J.running.set(job.id, job);
      J.started.set(job.id, Date.now());
    }
    renderJobs();
    onJobsChanged();
  }

  sections.push({
    onStatus(status) {
      const list = Array.isArray(status.jobs) ? status.jobs : [];
      const next = new Map(list.map((j) => [j.id, j]));
      for (const [id, t] of J.started) {
        if (next.has(id) || Date.now() - t > 5000) J.started.delete(id);
        else if (J.running.has(id) && !J.recent.some((j) => j.id === id)) next.set(id, J.running.get(id));
      }
      const gone = [...J.running.keys()].some((id) => !next.has(id));
      J.running = next;
      renderJobs();
      const key = [...next.keys()].sort().join(",");
      if (key !== J.runningKey) {
        J.runningKey = key;
        if (gone || next.size) loadJobs();
      }
      onJobsChanged();
    },
  });

  function renderJobs() {
    const box = $("jobs-running");
    for (const [id, refs] of J.rows) {
      if (!J.running.has(id)) {
        refs.root.remove();
        J.rows.delete(id);
      }
    }
    for (const job of J.running.values()) {
      let refs = J.rows.get(job.id);
      if (!refs) {
        refs = createJobRow(job);
        J.rows.set(job.id, refs);
        box.append(refs.root);
        setData(refs.root, "viewing", String(!$("job-log").hidden && viewer.id === job.id));
      }
      updateJobRow(refs, job);
    }
    $("jobs-idle").hidden = J.running.size > 0 || !$("job-log").hidden || J.recent.length > 0;
  }

  function createJobRow(job) {
    const refs = { id: job.id };
    const hid = "job-" + job.id.replace(/[^a-z0-9_-]/gi, "_") + "-title";
    refs.title = h("h3", { id: hid });
    refs.pill = h("span");
    refs.since = h("span", { class: "job-since" });
    refs.phase = h("span", { class: "job-phase" });
    refs.bar = h("progress", { max: 100, "aria-labelledby": hid });
    refs.logBtn = h("button", { type: "button", class: "btn btn-small", "aria-controls": "job-log", onclick: () => openJobLog(job.id, { scroll: true }) }, "Show log");
    refs.cancel = h("button", { type: "button", class: "btn btn-small btn-danger-quiet", onclick: () => cancelJob(refs.id, refs) }, "Cancel");
    refs.note = h("p", { class: "note", hidden: true });
    refs.root = h(
      "article",
      { class: "job", dataset: { job: job.id }, "aria-labelledby": hid },
      h("div", { class: "job-head" }, refs.title, refs.pill, refs.since),
      h("div", { class: "job-progress" }, refs.phase, refs.bar),
      h("div", { class: "job-actions" }, refs.logBtn, refs.cancel),
      refs.note
    );
    return refs;
  }

  function updateJobRow(refs, job) {
    setData(refs.root, "state", job.state);
    setData(refs.root, "kind", job.kind);
    setText(refs.title, jobTitle(job));
    if (refs.pill.dataset.state !== job.state) {
      const pill = statePill(job.state);
      refs.pill.replaceWith(pill);
      refs.pill = pill;
    }
    if (job.started_at) {
      refs.since.dataset.since = job.started_at;
      refs.since.title = "Started " + fullTime(job.started_at);
      setText(refs.since, duration(now() - parseTs(job.started_at)));
    }
    setText(refs.phase, phaseText(job));
    const pct = job.progress && typeof job.progress.percent === "number" ? job.progress.percent : null;
    if (pct === null) {
      if (refs.bar.hasAttribute("value")) refs.bar.removeAttribute("value");
    } else if (refs.bar.value !== pct) {
      refs.bar.value = Math.max(0, Math.min(100, pct));
    }
    refs.cancel.setAttribute("aria-label", "Cancel " + jobTitle(job));
    refs.logBtn.setAttribute("aria-label", "Show the log of " + jobTitle(job));
  }

  // The row whose log the viewer shows is marked (data-viewing), in place.
  function markViewing() {
    const id = $("job-log").hidden ? "" : viewer.id;
    for (const el of document.querySelectorAll("#jobs .job[data-job]")) setData(el, "viewing", String(el.dataset.job === id));
  }

  async function cancelJob(id, refs) {
    const job = findJob(id) || { id };
    const ok = await confirmAction({
      title: "Cancel “" + jobTitle(job) + "”?",
      text:
        job.kind === "swap"
          ? "The remote process is killed. vLLM may be left without a model until you swap again."
          : "The remote process is killed; what it did so far stays done.",
      ok: "Cancel job",
    });
    if (!ok) return;
    refs.cancel.disabled = true;
    setNote(refs.note, "busy", "Cancelling…");
    try {
      await api("DELETE", "/api/jobs/" + encodeURIComponent(id));
      authOk();
      setNote(refs.note, "", "Cancel requested; the job stops in a moment.");
    } catch (e) {
      refs.cancel.disabled = false;
      setNote(refs.note, "fail", actionError(e, "cancel again"));
    }
  }

  async function loadJobs() {
    if (J.jobsInFlight) {
      J.jobsAgain = true;
      return;
    }
    J.jobsInFlight = true;
    try {
      const data = await api("GET", "/api/jobs");
      const jobs = Array.isArray(data && data.jobs) ? data.jobs : [];
      J.recent = jobs.filter(isFinishedJob).slice(0, RECENT_JOBS);
      renderRecent();
      onJobsChanged();
    } catch {
      /* the next change retries */
    } finally {
      J.jobsInFlight = false;
      if (J.jobsAgain) {
        J.jobsAgain = false;
        loadJobs();
      }
    }
  }

  // A job that ended while its log was open: known before GET /api/jobs answers.
  function jobEnded(job) {
    if (!job || !job.id) return;
    J.running.delete(job.id);
    J.started.delete(job.id);
    // Replacing in place keeps the order when an old job's log was replayed.
    const at = J.recent.findIndex((j) => j.id === job.id);
    if (at >= 0) J.recent = J.recent.map((j) => (j.id === job.id ? job : j));
    else J.recent = [job, ...J.recent].slice(0, RECENT_JOBS);
    renderJobs();
    renderRecent();
    onJobsChanged();
    loadJobs();
    if (job.kind === "swap" || (job.kind === "service" && job.target === "vllm")) loadModels();
  }

  function renderRecent() {
    const key = JSON.stringify(J.recent.map((j) => [j.id, j.state, j.ended_at, jobTitle(j)]));
    if (key === J.recentKey) return;
    J.recentKey = key;
    $("jobs-recent-box").hidden = J.recent.length === 0;
    $("jobs-recent").replaceChildren(...J.recent.map(recentRow));
    markViewing();
    $("jobs-idle").hidden = J.running.size > 0 || !$("job-log").hidden || J.recent.length > 0;
  }

  function recentRow(job) {
    const title = jobTitle(job);
    const took = job.ended_at && job.started_at ? duration(parseTs(job.ended_at) - parseTs(job.started_at)) : "";
    const parts = [
      h(
        "div",
        { class: "job-head" },
        statePill(job.state),
        h("b", { class: "job-name", text: title }),
        h("span", { class: "job-when" },
          job.ended_at ? h("time", { datetime: job.ended_at, title: fullTime(job.ended_at), text: clockTime(job.ended_at) }) : "",
          took ? " · took " + took : ""),
        h("button", {
          type: "button",
          class: "btn btn-small",
          "aria-controls": "job-log",
          "aria-label": "Show the full log of " + title,
          onclick: () => openJobLog(job.id, { scroll: true }),
        }, "Full log")
      ),
    ];
    const err = job.error;
    if (err) {
      parts.push(
        h("p", { class: "job-error" }, icon("warn"), h("span", {}, h("code", { text: err.code }), " ", err.message || ""))
      );
    }
    if (err && Array.isArray(err.log_tail) && err.log_tail.length) {
      const details = h(
        "details",
        { class: "log-tail", open: J.openTails.has(job.id) },
        h("summary", { text: "Last " + err.log_tail.length + " log lines" }),
        h("pre", { class: "log-tail-text", tabindex: "0", text: err.log_tail.join("\n") })
      );
      details.addEventListener("toggle", () => {
        if (details.open) J.openTails.add(job.id);
        else J.openTails.delete(job.id);
      });
      parts.push(details);
    }
    return h("li", { class: "job job-done", dataset: { job: job.id, state: job.state, kind: job.kind } }, parts);
  }

  // ------------------------------------------------ the log viewer (one job at a time, SSE)

  const viewer = {
    id: "",
    job: null,
    es: null,
    lastSeq: 0,
    pending: [],
    flushTimer: 0,
    count: 0,
    dropped: 0,
    follow: true,
  };

  function openJobLog(id, { scroll = false } = {}) {
    const box = $("job-log");
    if (viewer.id === id && (viewer.es || viewer.job) && !box.hidden) {
      if (scroll) box.scrollIntoView({ behavior: reducedMotion() ? "auto" : "smooth", block: "nearest" });
      return;
    }
    closeJobLog(false);
    viewer.id = id;
    viewer.job = findJob(id);
    viewer.lastSeq = 0;
    viewer.count = 0;
    viewer.dropped = 0;
    viewer.follow = true;
    $("job-log-lines").replaceChildren();
    $("job-log-follow").hidden = true;
    box.hidden = false;
    box.dataset.job = id;
    updateViewerHead("connecting");
    const es = new EventSource("/api/jobs/" + encodeURIComponent(id) + "/log");
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
      if (box.dataset.phase !== "live") updateViewerHead("live");
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
      flushLines();
      if (job) viewer.job = job;
      if (!viewer.count) {
        $("job-log-lines").append(
          h("li", { class: "log-none", text: "No log lines are available for this job: logs are not kept across a restart of spark-control." })
        );
      }
      updateViewerHead("ended");
      if (job) jobEnded(job);
    });
    es.onerror = () => {
      if (es !== viewer.es) return;
      if (es.readyState === EventSource.CLOSED) {
        viewer.es = null;
        updateViewerHead("gone");
      } else {
        updateViewerHead("reconnecting"); // the browser resumes after Last-Event-ID
      }
    };
    renderJobs();
    markViewing();
    if (scroll) box.scrollIntoView({ behavior: reducedMotion() ? "auto" : "smooth", block: "nearest" });
  }

  function closeJobLog(hide = true) {
    if (viewer.es) viewer.es.close();
    viewer.es = null;
    clearTimeout(viewer.flushTimer);
    viewer.flushTimer = 0;
    viewer.pending = [];
    if (hide) {
      viewer.id = "";
      viewer.job = null;
      $("job-log").hidden = true;
      $("job-log").dataset.job = "";
      $("job-log-lines").replaceChildren();
      renderJobs();
      markViewing();
    }
  }

  function updateViewerHead(phase) {
    const box = $("job-log");
    box.dataset.phase = phase;
    const job = viewer.job || findJob(viewer.id);
    setText($("job-log-title"), "Log · " + (job ? jobTitle(job) : viewer.id));
    let text;
    if (phase === "connecting") text = "Connecting…";
    else if (phase === "live") text = "Streaming live";
    else if (phase === "reconnecting") text = "Reconnecting…";
    else if (phase === "gone") text = "This log is no longer available";
    else if (job && job.state) {
      text = "Ended · " + (JOB_STATES[job.state] ? JOB_STATES[job.state][1] : job.state);
      if (job.error) text += ": " + (job.error.message || job.error.code);
    } else text = "Ended";
    if (viewer.dropped) text += " · showing the last " + MAX_LOG_LINES.toLocaleString("en") + " lines";
    const el = $("job-log-state");
    el.dataset.state = phase === "ended" && job ? job.state : phase;
    setText(el, text);
  }

  function queueLine(line) {
    viewer.pending.push(line);
    if (viewer.pending.length > MAX_LOG_LINES) {
      viewer.dropped += viewer.pending.length - MAX_LOG_LINES;
      viewer.pending.splice(0, viewer.pending.length - MAX_LOG_LINES);
    }
    if (!viewer.flushTimer) viewer.flushTimer = setTimeout(flushLines, 40);
  }

  function flushLines() {
    clearTimeout(viewer.flushTimer);
    viewer.flushTimer = 0;
    if (!viewer.pending.length) return;
    const ol = $("job-log-lines");
    const frag = document.createDocumentFragment();
    for (const line of viewer.pending) {
      const stream = line.stream === "stderr" || line.stream === "system" ? line.stream : "stdout";
      frag.append(
        h(
          "li",
          { dataset: { stream, seq: String(line.seq) } },
          h("time", { datetime: line.ts, title: fullTime(line.ts), text: clockTime(line.ts) }),
          stream === "stdout" ? null : h("span", { class: "sr-only", text: stream + ": " }),
          h("span", { class: "tx", text: line.text || "" })
        )
      );
    }
    viewer.pending = [];
    // Follow the end only if the box is at its end now: a scroll-up whose scroll event is not
    // delivered yet must win over new lines.
    const atEnd = ol.scrollHeight - ol.scrollTop - ol.clientHeight < 24;
    ol.append(frag);
    viewer.count = ol.childElementCount;
    let trimmed = false;
    while (viewer.count > MAX_LOG_LINES) {
      ol.firstElementChild.remove();
      viewer.count--;
      viewer.dropped++;
      trimmed = true;
    }
    if (trimmed) updateViewerHead($("job-log").dataset.phase);
    if (viewer.follow && atEnd) ol.scrollTop = ol.scrollHeight;
  }

  function onLogScroll() {
    const ol = $("job-log-lines");
    const atBottom = ol.scrollHeight - ol.scrollTop - ol.clientHeight < 24;
    viewer.follow = atBottom;
    $("job-log-follow").hidden = atBottom;
  }

  function setupJobs() {
    $("job-log-lines").addEventListener("scroll", onLogScroll, { passive: true });
    $("job-log-follow").addEventListener("click", () => {
      const ol = $("job-log-lines");
      viewer.follow = true;
      ol.scrollTop = ol.scrollHeight;
      $("job-log-follow").hidden = true;
    });
    $("job-log-close").addEventListener("click", () => {
      closeJobLog(true);
      $("jobs-h").focus({ preventScroll: true }); // the button is gone: keep the focus nearby
    });
    $("job-log-wrap").addEventListener("change", (e) => $("job-log-lines").classList.toggle("wrap", e.currentTarget.checked));
    loadJobs();
  }

  // Everything that shows jobs elsewhere (model rows, service cards) follows here.
  function onJobsChanged() {
    renderModels();
    for (const [name, refs] of cards) updateCardActions(name, refs);
  }

  // ---------------------------------------------------------------- service actions

  const cardJobs = new Map(); // service -> id of the latest job started from its card

  function createCardActions(name, refs) {
    const label = displayName(name);
    const mk = (action, iconName, text) =>
      h(
        "button",
        {
          type: "button",
          class: "btn btn-small",
          dataset: { action },
          "aria-label": (ACTIONS[action] || text) + " " + label,
          onclick: () => serviceAction(name, action, refs),
        },
        iconName ? icon(iconName) : null,
        text
      );
    refs.actionBtns = [mk("start", "play", "Start"), mk("stop", "stop", "Stop"), mk("restart", "restart", "Restart")];
    if (name === "magpie") refs.actionBtns.push(mk("fix-cache-ownership", null, "Fix cache ownership"));
    refs.jobNote = h("div", { class: "svc-job", hidden: true, role: "status", "aria-live": "polite" });
    refs.actionNote = h("p", { class: "note", hidden: true });
    return [h("div", { class: "svc-actions", role: "group", "aria-label": label + " actions" }, refs.actionBtns), refs.jobNote, refs.actionNote];
  }

  function updateCardActions(name, refs) {
    if (!refs.actionBtns) return;
    const running = serviceJob(name);
    const off = refs.root.dataset.state === "off";
    for (const btn of refs.actionBtns) {
      btn.disabled = !!running || off || refs.pendingAction === true;
      btn.title = off ? "No host set" : running ? "Wait for “" + jobTitle(running) + "” to finish" : "";
    }
    // The job of this service: a running one, else the latest one started from this card.
    const job = running || (cardJobs.has(name) ? findJob(cardJobs.get(name)) : null);
    const key = job ? [job.id, job.state, phaseText(job), viewer.id === job.id].join("|") : "";
    if (refs.jobNote.dataset.key === key) return;
    refs.jobNote.dataset.key = key;
    if (!job) {
      refs.jobNote.hidden = true;
      refs.jobNote.replaceChildren();
      return;
    }
    const finished = isFinishedJob(job);
    let text = jobTitle(job) + ": ";
    if (!finished) text += phaseText(job).toLowerCase() + "…";
    else if (job.state === "succeeded") text += "done" + (job.ended_at ? " at " + clockTime(job.ended_at) : "");
    else text += (JOB_STATES[job.state] || ["", job.state])[1].toLowerCase() + (job.error ? " — " + (job.error.message || job.error.code) : "");
    refs.jobNote.dataset.state = job.state;
    refs.jobNote.replaceChildren(
      statePill(job.state),
      h("span", { class: "svc-job-text", text }),
      h("button", {
        type: "button",
        class: "btn btn-link",
        "aria-controls": "job-log",
        "aria-label": "Show the log of " + jobTitle(job),
        onclick: () => openJobLog(job.id, { scroll: true }),
      }, "Log")
    );
    refs.jobNote.hidden = false;
  }

  const STOP_TEXT = {
    vllm: "The model is unloaded on both Sparks; LAN apps have no LLM until you start vLLM again or swap in a model.",
    parakeet: "LAN apps lose speech-to-text until Parakeet is started again.",
    magpie: "LAN apps lose text-to-speech until Magpie is started again.",
  };

  async function serviceAction(name, action, refs) {
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
    updateCardActions(name, refs);
    setNote(refs.actionNote, "busy", (ACTIONS[action] || action) + "…");
    try {
      const data = await api("POST", "/api/services/" + encodeURIComponent(name) + "/" + action);
      authOk();
      setNote(refs.actionNote, "");
      const job = data && data.job;
      if (job) {
        cardJobs.set(name, job.id);
        jobStarted(job);
        announce(jobTitle(job) + " started");
        // A swap (vLLM restart/start) shows its log at once; other actions when the viewer is free.
        if (job.kind === "swap") openJobLog(job.id, { scroll: true });
        else if (!viewer.es) openJobLog(job.id);
      }
    } catch (e) {
      setNote(refs.actionNote, "fail", actionError(e));
    } finally {
      refs.pendingAction = false;
      updateCardActions(name, refs);
    }
  }

  // ---------------------------------------------------------------- models

  const M = {
    list: [],
    loaded: false,
    rows: new Map(), // id -> refs
    inFlight: false,
    again: false,
    modelKey: undefined, // status.model.id the list was loaded for
  };
  const OVERRIDES = [
    { key: "max_model_len", label: "Max model length", kind: "int", hint: "--max-model-len, tokens", min: 1, step: 1 },
    { key: "gpu_memory_utilization", label: "GPU memory utilization", kind: "ratio", hint: "--gpu-memory-utilization, 0.05–0.98", min: 0.05, max: 0.98, step: 0.01 },
    { key: "fastsafetensors", label: "fastsafetensors loading", kind: "bool", hint: "--load-format fastsafetensors" },
    { key: "prefix_caching", label: "Prefix caching", kind: "bool", hint: "--enable-prefix-caching" },
    { key: "fp8_kv_cache", label: "FP8 KV cache", kind: "bool", hint: "--kv-cache-dtype fp8" },
  ];

  async function loadModels() {
    if (M.inFlight) {
      M.again = true;
      return;
    }
    M.inFlight = true;
    try {
      const data = await api("GET", "/api/models");
      M.list = Array.isArray(data && data.models) ? data.models : [];
      M.loaded = true;
      renderModels();
      // Titles of jobs name models: refresh them once the catalog is known.
      renderRecent();
      renderJobs();
    } catch {
      if (!M.loaded) setText($("models-empty"), "Could not load the catalog; retrying with the next update.");
    } finally {
      M.inFlight = false;
      if (M.again) {
        M.again = false;
        loadModels();
      }
    }
  }

  function currentModelId() {
    if (S.status) return (S.status.model && S.status.model.id) || null;
    const m = M.list.find((x) => x.current);
    return m ? m.id : null;
  }

  sections.push({
    onStatus(status) {
      // `current` follows /api/status; the list is reloaded when the served model changes.
      const id = (status.model && status.model.id) || null;
      if (M.modelKey !== undefined && id !== M.modelKey) loadModels();
      M.modelKey = id;
      renderModels();
    },
  });

  function renderModels() {
    if (!M.loaded) return;
    const box = $("model-list");
    const ids = new Set(M.list.map((m) => m.id));
    for (const [id, refs] of M.rows) {
      if (!ids.has(id)) {
        refs.root.remove();
        M.rows.delete(id);
      }
    }
    let prevEl = null;
    for (const model of M.list) {
      let refs = M.rows.get(model.id);
      if (!refs) {
        refs = createModelRow(model);
        M.rows.set(model.id, refs);
      }
      updateModelRow(refs, model);
      const expected = prevEl ? prevEl.nextElementSibling : box.firstElementChild;
      if (expected !== refs.root) box.insertBefore(refs.root, expected);
      prevEl = refs.root;
    }
    $("models-empty").hidden = M.list.length > 0;
    if (!M.list.length) setText($("models-empty"), "The catalog is empty.");
  }

  function createModelRow(model) {
    const base = "model-" + model.id.replace(/[^a-z0-9_-]/gi, "_");
    const refs = { id: model.id, fields: new Map(), loadedKey: "" };
    refs.name = h("h3", { id: base + "-name" });
    refs.badges = h("span", { class: "badges" });
    refs.repo = h("code", { class: "model-repo" });
    refs.served = h("span", { class: "model-served" });
    refs.swap = h("button", { type: "button", class: "btn btn-small btn-primary", onclick: () => swapTo(refs) });
    refs.del = h(
      "button",
      { type: "button", class: "btn btn-small btn-danger-quiet", hidden: true, onclick: () => deleteModel(refs) },
      icon("trash"),
      "Delete"
    );
    refs.note = h("p", { class: "note", hidden: true });

    // Advanced: the five per-model overrides.
    const grid = h("div", { class: "adv-grid" });
    for (const o of OVERRIDES) {
      const fid = base + "-" + o.key;
      let input;
      if (o.kind === "bool") {
        input = h(
          "select",
          { id: fid, name: o.key, "aria-describedby": fid + "-hint " + fid + "-error" },
          h("option", { value: "", text: "Default" }),
          h("option", { value: "true", text: "On" }),
          h("option", { value: "false", text: "Off" })
        );
      } else {
        input = h("input", {
          id: fid,
          name: o.key,
          type: "number",
          inputmode: o.kind === "int" ? "numeric" : "decimal",
          min: String(o.min),
          step: String(o.step),
          max: o.max ? String(o.max) : undefined,
          placeholder: "default",
          autocomplete: "off",
          "aria-describedby": fid + "-hint " + fid + "-error",
        });
      }
      const error = h("p", { class: "field-error", id: fid + "-error", hidden: true });
      input.addEventListener("input", () => {
        clearModelFieldError(refs, o.key);
        updateAdvDirty(refs);
      });
      input.addEventListener("change", () => updateAdvDirty(refs));
      refs.fields.set(o.key, { input, error, o });
      grid.append(
        h(
          "div",
          { class: "field" },
          h("label", { for: fid, text: o.label }),
          input,
          h("p", { class: "hint", id: fid + "-hint" }, h("code", { text: o.hint })),
          error
        )
      );
    }
    refs.command = h("code", { class: "model-command" });
    refs.save = h("button", { type: "submit", class: "btn btn-small btn-primary", disabled: true }, "Save");
    refs.reset = h("button", { type: "button", class: "btn btn-small", onclick: () => resetOverrides(refs) }, "Reset to defaults");
    refs.discard = h("button", { type: "button", class: "btn btn-small", disabled: true, onclick: () => discardOverrides(refs) }, "Discard");
    refs.advNote = h("p", { class: "form-status", role: "status", "aria-live": "polite" });
    refs.advForm = h(
      "form",
      { class: "adv-form", novalidate: true, "aria-label": "Advanced settings of " + model.name },
      h("p", { class: "hint" }, "Per-model vLLM settings. Empty or ", h("i", { text: "Default" }), " uses the model’s own arguments; a change applies at the next swap or restart."),
      grid,
      h(
        "div",
        { class: "model-command-box" },
        h("span", { class: "label", text: "Launch command" }),
        h("div", { class: "model-command-row" }, refs.command, copyButton(() => refs.command.textContent, "launch command of " + model.name))
      ),
      h("div", { class: "form-actions" }, refs.advNote, refs.discard, refs.reset, refs.save)
    );
    refs.advForm.addEventListener("submit", (e) => {
      e.preventDefault();
      saveOverrides(refs);
    });
    refs.adv = h("details", { class: "model-adv" }, h("summary", {}, h("span", { text: "Advanced" })), refs.advForm);
    refs.adv.querySelector("summary").setAttribute("aria-label", "Advanced settings of " + model.name);

    refs.root = h(
      "article",
      { class: "model", id: base, dataset: { model: model.id }, "aria-labelledby": base + "-name" },
      h(
        "div",
        { class: "model-main" },
        h("div", { class: "model-title" }, refs.name, refs.badges),
        h("div", { class: "model-meta" }, refs.repo, refs.served),
        refs.note
      ),
      h("div", { class: "model-actions" }, refs.swap, refs.del),
      refs.adv
    );
    return refs;
  }

  function badge(text, cls, title) {
    return h("span", { class: "badge " + cls, title, text });
  }

  function updateModelRow(refs, model) {
    refs.model = model;
    const current = currentModelId() === model.id;
    const busy = swapBusy();
    const swapping = busy && busy.kind === "swap" && busy.target === model.id ? busy : null;
    setData(refs.root, "current", String(current));
    setData(refs.root, "source", model.source || "");
    setData(refs.root, "swapping", String(!!swapping));
    setText(refs.name, model.name || model.id);

    const badgeKey = [model.mode, model.source, current, swapping ? phaseText(swapping) : ""].join("|");
    if (refs.badges.dataset.key !== badgeKey) {
      refs.badges.dataset.key = badgeKey;
      const list = [];
      if (current) list.push(h("span", { class: "pill serving", dataset: { state: "up" } }, icon("check"), "Serving"));
      if (swapping) list.push(h("span", { class: "pill swapping", dataset: { state: "busy" } }, icon("swap"), phaseText(swapping)));
      list.push(
        model.mode === "cluster"
          ? badge("Cluster", "mode", "Runs on both Sparks (tensor parallel 2)")
          : badge("Solo", "mode", "Runs on one Spark")
      );
      list.push(model.source === "custom" ? badge("Custom", "source custom", "Added here; can be deleted") : badge("Bundled", "source", "Part of spark-control’s catalog"));
      refs.badges.replaceChildren(...list);
    }
    setText(refs.repo, model.hf_repo || "");
    refs.repo.title = model.hf_repo || "";
    setText(refs.served, model.served_name ? "served as " + model.served_name : "");
    refs.served.hidden = !model.served_name;

    // Swap / Restart
    const label = current ? "Restart" : "Swap";
    if (refs.swap.dataset.label !== label) {
      refs.swap.dataset.label = label;
      refs.swap.replaceChildren(icon(current ? "restart" : "swap"), label);
    }
    refs.swap.setAttribute("aria-label", (current ? "Restart " : "Swap to ") + (model.name || model.id));
    refs.swap.disabled = !!busy || refs.pending === true;
    refs.swap.title = busy ? "Wait for “" + jobTitle(busy) + "” to finish" : current ? "Relaunch this model" : "Stop the current model and serve this one";
    refs.del.hidden = model.source !== "custom";
    refs.del.setAttribute("aria-label", "Delete " + (model.name || model.id));

    // Advanced settings: refill the fields unless the user is editing them.
    setText(refs.command, model.command || "(not available until the Sparks are configured)");
    refs.command.title = model.command || "";
    const key = JSON.stringify(model.overrides || {});
    if (key !== refs.loadedKey && !advDirty(refs)) fillOverrides(refs, model.overrides || {}, key);
    refs.reset.disabled = Object.keys(model.overrides || {}).length === 0 || refs.saving === true;
  }

  function fieldText(o, value) {
    if (value === undefined || value === null) return "";
    return o.kind === "bool" ? String(!!value) : String(value);
  }

  function fillOverrides(refs, overrides, key) {
    refs.loadedKey = key;
    refs.loaded = new Map();
    for (const [k, f] of refs.fields) {
      const text = fieldText(f.o, overrides[k]);
      refs.loaded.set(k, text);
      f.input.value = text;
      clearModelFieldError(refs, k);
    }
    updateAdvDirty(refs);
  }

  function advDirty(refs) {
    if (!refs.loaded) return false;
    for (const [k, f] of refs.fields) {
      if (f.input.value.trim() !== refs.loaded.get(k) || (f.input.validity && f.input.validity.badInput)) return true;
    }
    return false;
  }

  function updateAdvDirty(refs) {
    const dirty = advDirty(refs);
    refs.save.disabled = !dirty || refs.saving === true;
    refs.discard.disabled = !dirty || refs.saving === true;
    if (dirty) setNoteTone(refs.advNote, "dirty", "Unsaved changes");
    else if (refs.advNote.dataset.tone === "dirty") setNoteTone(refs.advNote, "", "");
  }

  function setNoteTone(el, tone, text) {
    el.dataset.tone = tone;
    setText(el, text);
  }

  function clearModelFieldError(refs, key) {
    const f = refs.fields.get(key);
    if (!f) return;
    f.input.removeAttribute("aria-invalid");
    f.error.hidden = true;
    f.error.textContent = "";
  }

  function showModelFieldError(refs, key, message) {
    const f = refs.fields.get(key);
    if (!f) return false;
    f.input.setAttribute("aria-invalid", "true");
    f.error.textContent = message.startsWith(key + ": ") ? message.slice(key.length + 2) : message;
    f.error.hidden = false;
    f.input.focus();
    return true;
  }

  function discardOverrides(refs) {
    fillOverrides(refs, (refs.model && refs.model.overrides) || {}, refs.loadedKey);
    setNoteTone(refs.advNote, "", "Changes discarded.");
  }

  async function saveOverrides(refs) {
    const patch = {};
    for (const [k, f] of refs.fields) {
      clearModelFieldError(refs, k);
      const text = f.input.value.trim();
      if (f.input.validity && f.input.validity.badInput) {
        showModelFieldError(refs, k, "Enter a number, or leave it empty for the default.");
        setNoteTone(refs.advNote, "fail", "Not saved: check the highlighted field.");
        return;
      }
      if (text === refs.loaded.get(k)) continue;
      if (text === "") patch[k] = null;
      else if (f.o.kind === "bool") patch[k] = text === "true";
      else patch[k] = Number(text);
    }
    if (!Object.keys(patch).length) {
      setNoteTone(refs.advNote, "", "Nothing to save: no field changed.");
      return;
    }
    await putOverrides(refs, patch, "Saved");
  }

  async function resetOverrides(refs) {
    const patch = {};
    for (const o of OVERRIDES) patch[o.key] = null;
    for (const k of refs.fields.keys()) clearModelFieldError(refs, k);
    await putOverrides(refs, patch, "Reset to the model’s defaults");
  }

  async function putOverrides(refs, patch, done) {
    refs.saving = true;
    refs.save.disabled = true;
    refs.reset.disabled = true;
    setNoteTone(refs.advNote, "", "Saving…");
    try {
      const data = await api("PUT", "/api/models/" + encodeURIComponent(refs.id) + "/overrides", patch);
      authOk();
      refs.saving = false;
      const model = data && data.model;
      if (model) {
        const i = M.list.findIndex((m) => m.id === model.id);
        if (i >= 0) M.list[i] = model;
        fillOverrides(refs, model.overrides || {}, JSON.stringify(model.overrides || {}));
        updateModelRow(refs, model);
      }
      const current = currentModelId() === refs.id;
      setNoteTone(refs.advNote, "ok", done + " at " + clockTime(new Date().toISOString()) + (current ? ". Restart the model to apply." : ". Applies at the next swap."));
    } catch (e) {
      refs.saving = false;
      if (e.status === 401) {
        refs.advNote.dataset.tone = "fail";
        refs.advNote.replaceChildren(...actionError(e, "save again"));
      } else if (!(e.field && showModelFieldError(refs, e.field, e.message))) {
        setNoteTone(refs.advNote, "fail", "Not saved: " + e.message);
      } else {
        setNoteTone(refs.advNote, "fail", "Not saved: check the highlighted field.");
      }
      updateAdvDirty(refs);
      if (refs.model) refs.reset.disabled = Object.keys(refs.model.overrides || {}).length === 0;
    }
  }

  async function swapTo(refs) {
    const model = refs.model;
    if (!model) return;
    const current = currentModelId() === model.id;
    refs.pending = true;
    refs.swap.disabled = true;
    setNote(refs.note, "busy", current ? "Restarting…" : "Starting the swap…");
    try {
      const data = current
        ? await api("POST", "/api/services/vllm/restart")
        : await api("POST", "/api/swap", { model: model.id });
      authOk();
      setNote(refs.note, "");
      const job = data && data.job;
      if (job) {
        jobStarted(job);
        announce(jobTitle(job) + " started");
        openJobLog(job.id, { scroll: true });
      }
    } catch (e) {
      setNote(refs.note, "fail", actionError(e));
    } finally {
      refs.pending = false;
      renderModels();
    }
  }

  async function deleteModel(refs) {
    const model = refs.model;
    if (!model) return;
    const ok = await confirmAction({
      title: "Delete “" + (model.name || model.id) + "”?",
      text: "It leaves the catalog together with its advanced settings. Files already downloaded to the Sparks stay.",
      ok: "Delete",
    });
    if (!ok) return;
    refs.del.disabled = true;
    setNote(refs.note, "busy", "Deleting…");
    try {
      await api("DELETE", "/api/models/" + encodeURIComponent(model.id));
      authOk();
      M.list = M.list.filter((m) => m.id !== model.id);
      renderModels();
      announce((model.name || model.id) + " deleted from the catalog");
      loadModels();
    } catch (e) {
      refs.del.disabled = false;
      setNote(refs.note, "fail", actionError(e));
    }
  }

  // ------------------------------------------------ add a custom model

  const ADD_FIELDS = ["name", "hf_repo", "mode", "served_name", "args", "id", "swap_timeout_s"];

  // Splits "--a 1 --b 'x y'" into words; single or double quotes group, backslash escapes.
  function splitArgs(text) {
    const words = [];
    let word = null;
    let quote = "";
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (quote) {
        if (c === quote) quote = "";
        else if (c === "\\" && quote === '"' && i + 1 < text.length) word += text[++i];
        else word += c;
      } else if (c === "'" || c === '"') {
        quote = c;
        word = word === null ? "" : word;
      } else if (c === "\\" && i + 1 < text.length) {
        word = (word === null ? "" : word) + text[++i];
      } else if (/\s/.test(c)) {
        if (word !== null) words.push(word);
        word = null;
      } else {
        word = (word === null ? "" : word) + c;
      }
    }
    if (quote) return null;
    if (word !== null) words.push(word);
    return words;
  }

  function addField(name) {
    return { input: $("am-" + name), error: $("am-" + name + "-error") };
  }

  function clearAddErrors() {
    for (const name of ADD_FIELDS) {
      const f = addField(name);
      f.input.removeAttribute("aria-invalid");
      f.error.hidden = true;
      f.error.textContent = "";
    }
  }

  function showAddError(field, message) {
    // "args[2]" belongs to the args field.
    const name = String(field || "").replace(/\[\d+\].*$/, "").replace(/^\./, "");
    if (!ADD_FIELDS.includes(name)) return false;
    const f = addField(name);
    f.input.setAttribute("aria-invalid", "true");
    f.error.textContent = message.startsWith(field + ": ") ? message.slice(field.length + 2) : message;
    f.error.hidden = false;
    f.input.focus();
    return true;
  }

  async function addModel(event) {
    event.preventDefault();
    clearAddErrors();
    const status = $("add-model-status");
    const value = (name) => addField(name).input.value.trim();
    const body = { name: value("name"), hf_repo: value("hf_repo"), mode: value("mode") || "solo" };
    if (value("served_name")) body.served_name = value("served_name");
    if (value("id")) body.id = value("id");
    if (value("swap_timeout_s")) {
      const n = Number(value("swap_timeout_s"));
      body.swap_timeout_s = Number.isFinite(n) ? n : value("swap_timeout_s");
    }
    if (value("args")) {
      const words = splitArgs(value("args"));
      if (!words) {
        showAddError("args", "A quote is not closed.");
        setNoteTone(status, "fail", "Not added: check the highlighted field.");
        return;
      }
      body.args = words;
    }
    const save = $("add-model-save");
    save.disabled = true;
    setNoteTone(status, "", "Adding…");
    try {
      const data = await api("POST", "/api/models", body);
      authOk();
      const model = data && data.model;
      $("add-model-form").reset();
      setNoteTone(status, "ok", "Added “" + (model ? model.name : body.name) + "” as " + (model ? model.id : "a custom model") + ".");
      if (model && !M.list.some((m) => m.id === model.id)) M.list.push(model);
      renderModels();
      loadModels();
    } catch (e) {
      if (e.status === 401) {
        status.dataset.tone = "fail";
        status.replaceChildren(...actionError(e, "add it again"));
      } else if (e.field && showAddError(e.field, e.message)) {
        setNoteTone(status, "fail", "Not added: check the highlighted field.");
      } else {
        setNoteTone(status, "fail", "Not added: " + e.message);
      }
    } finally {
      save.disabled = false;
    }
  }

  function setupModels() {
    $("add-model-form").addEventListener("submit", addModel);
    for (const name of ADD_FIELDS) {
      addField(name).input.addEventListener("input", () => {
        const f = addField(name);
        f.input.removeAttribute("aria-invalid");
        f.error.hidden = true;
      });
    }
    loadModels();
  }

  // ---------------------------------------------------------------- SSH access

  const sshRows = new Map(); // spark -> refs
  const SSH_KEY_RETRIES = 40;

  async function loadPublicKey(attempt = 0) {
    const box = $("ssh-key");
    try {
      const key = await api("GET", "/api/ssh/public-key");
      const parts = [
        h("div", { class: "ssh-key-row" }, h("code", { class: "ssh-pub", id: "ssh-pub", text: key.public_key || "" }), copyButton(() => key.public_key, "public key")),
        h(
          "p",
          { class: "ssh-fp" },
          h("span", { class: "label", text: "Fingerprint" }),
          h("code", { id: "ssh-fingerprint", text: key.fingerprint || "" }),
          key.key_type ? h("span", { class: "badge", text: key.key_type }) : null
        ),
      ];
      if (key.warning) parts.push(h("p", { class: "svc-error" }, icon("warn"), h("span", { text: key.warning })));
      box.replaceChildren(...parts);
    } catch (e) {
      if ((e.status === 503 || e.status === 404) && attempt < SSH_KEY_RETRIES) {
        box.replaceChildren(h("p", { class: "ssh-key-loading", id: "ssh-key-status", text: "Generating spark-control’s SSH key…" }));
        setTimeout(() => loadPublicKey(attempt + 1), 1500);
        return;
      }
      box.replaceChildren(
        h("p", { class: "svc-error", id: "ssh-key-status" }, icon("warn"), h("span", { text: "Could not load the public key: " + e.message })),
        h("button", { type: "button", class: "btn btn-small", onclick: () => loadPublicKey(0) }, "Try again")
      );
    }
  }

  function sshStateText(spark) {
    if (!spark.host) return ["off", "No host set"];
    if (spark.ssh_up === true) return ["up", "SSH works"];
    if (spark.ssh_up === false) return ["down", "SSH fails"];
    return ["unknown", "Not checked yet"];
  }

  sections.push({
    onStatus(status) {
      const sparks = status.sparks || {};
      const names = Object.keys(sparks).sort();
      const list = $("ssh-sparks");
      for (const [name, refs] of sshRows) {
        if (!(name in sparks)) {
          refs.root.remove();
          sshRows.delete(name);
        }
      }
      for (const name of names) {
        let refs = sshRows.get(name);
        if (!refs) {
          refs = {
            name,
            state: h("span", { class: "pill" }),
            host: h("span", { class: "host" }),
            detail: h("div", { class: "ssh-detail" }),
            note: h("p", { class: "note", hidden: true, role: "status" }),
          };
          refs.root = h(
            "li",
            { class: "ssh-spark", dataset: { spark: name } },
            h("div", { class: "ssh-spark-head" }, h("b", { text: sparkLabel(name) }), refs.host, refs.state),
            refs.detail,
            refs.note
          );
          sshRows.set(name, refs);
          list.append(refs.root);
        }
        updateSshRow(refs, sparks[name] || {});
      }
    },
  });

  function updateSshRow(refs, spark) {
    const [state, text] = sshStateText(spark);
    const key = JSON.stringify([spark.host, spark.ssh_up, spark.ssh_error]);
    if (refs.key === key) return;
    refs.key = key;
    setData(refs.root, "ssh", state);
    refs.state.dataset.state = state === "up" ? "up" : state === "down" ? "down" : "off";
    refs.state.replaceChildren(icon(state === "up" ? "check" : state === "down" ? "cross" : "dash"), text);
    setText(refs.host, spark.host || "");
    const err = spark.ssh_error;
    const parts = [];
    if (err) {
      const hostKey = err.code === "host_key_unknown" || err.code === "host_key_mismatch";
      if (err.code === "host_key_mismatch") {
        parts.push(
          h(
            "p",
            { class: "svc-error key-changed", role: "alert" },
            icon("warn"),
            h(
              "span",
              {},
              h("strong", { text: "The host key of " + sparkLabel(refs.name) + " CHANGED. " }),
              "That happens when the Spark was reinstalled — or when something intercepts the connection. Trust the new key only if you know why it changed."
            )
          )
        );
      }
      parts.push(h("p", { class: "ssh-msg" }, h("code", { text: err.code }), " ", err.message || ""));
      if (hostKey && err.fingerprint) {
        parts.push(
          h(
            "div",
            { class: "ssh-trust" },
            h("span", { class: "label", text: err.code === "host_key_mismatch" ? "New key" : "It presents" }),
            h("code", { class: "ssh-host-fp", text: err.fingerprint }),
            h(
              "button",
              {
                type: "button",
                class: "btn btn-small " + (err.code === "host_key_mismatch" ? "btn-danger-quiet" : "btn-primary"),
                "aria-label": "Trust the host key " + err.fingerprint + " of " + sparkLabel(refs.name),
                onclick: (ev) => trustHostKey(refs, err, ev.currentTarget),
              },
              icon("key"),
              "Trust this host key"
            )
          )
        );
        parts.push(h("p", { class: "hint" }, "Compare it with the output of ", h("code", { text: "ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub" }), " on the Spark itself."));
      }
    } else if (!spark.host) {
      parts.push(h("p", { class: "hint", text: "Set its host above first." }));
    }
    refs.detail.replaceChildren(...parts);
    refs.detail.hidden = parts.length === 0;
    // A note about trusting a key stays until the Spark reports another problem.
    if (refs.noteFor && err && err.fingerprint !== refs.noteFor) {
      refs.noteFor = "";
      setNote(refs.note, "");
    }
  }

  async function trustHostKey(refs, err, btn) {
    if (err.code === "host_key_mismatch") {
      const ok = await confirmAction({
        title: "Trust the new host key of " + sparkLabel(refs.name) + "?",
        text: ["The key this Spark presents changed to ", h("code", { text: err.fingerprint }), ". Only continue if you reinstalled it or regenerated its host keys."],
        ok: "Trust the new key",
      });
      if (!ok) return;
    }
    btn.disabled = true;
    refs.noteFor = err.fingerprint;
    setNote(refs.note, "busy", "Checking the key the Spark presents…");
    try {
      await api("POST", "/api/ssh/known-hosts/" + encodeURIComponent(refs.name), { fingerprint: err.fingerprint });
      authOk();
      setNote(refs.note, "ok", "Trusted. spark-control connects to " + sparkLabel(refs.name) + " with this key from now on.");
      refreshStatus();
    } catch (e) {
      btn.disabled = false;
      setNote(refs.note, "fail", e.status === 409 ? "Not trusted: " + e.message + " Check the Spark and try again." : actionError(e));
    }
  }

  // ---------------------------------------------------------------- live connection

  const live = {
    es: null,
    retryMs: 1000,
    retryTimer: 0,
    lastMessage: 0,
    pollTimer: 0,

    open(since) {
      this.close();
      const url = "/api/events/stream" + (since ? "?since=" + since : "");
      const es = new EventSource(url);
      this.es = es;
      es.onopen = () => {
        this.retryMs = 1000;
      };
      es.addEventListener("state", (e) => {
        this.touch();
        let status;
        try {
          status = JSON.parse(e.data);
        } catch {
          return;
        }
        applyStatus(status);
        if (!S.eventsLoaded) loadEvents();
      });
      es.addEventListener("event", (e) => {
        this.touch();
        try {
          addEvents([JSON.parse(e.data)], true);
        } catch {
          /* ignore a malformed event */
        }
      });
      es.onerror = () => {
        if (es !== this.es) return;
        if (es.readyState === EventSource.CLOSED) {
          // The browser gave up (e.g. 503 when the stream cap is reached): retry ourselves.
          setConn("offline");
          this.es = null;
          clearTimeout(this.retryTimer);
          this.retryTimer = setTimeout(() => this.open(S.lastEventId || 0), this.retryMs);
          this.retryMs = Math.min(this.retryMs * 2, 15000);
        } else {
          setConn("reconnecting");
        }
        this.startPolling();
      };
    },

    close() {
      if (this.es) this.es.close();
      this.es = null;
    },

    touch() {
      this.lastMessage = Date.now();
      setConn("live");
      this.stopPolling();
    },

    // While the stream is down, keep the cards roughly current.
    startPolling() {
      if (this.pollTimer) return;
      this.pollTimer = setInterval(() => {
        if (S.conn !== "live") refreshStatus();
      }, 5000);
    },
    stopPolling() {
      clearInterval(this.pollTimer);
      this.pollTimer = 0;
    },

    // The server sends a state at least every probe round; silence means a dead link.
    watchdog() {
      setInterval(() => {
        if (S.conn !== "live" || !this.es) return;
        const intervalS = (S.config && S.config.probe && S.config.probe.interval_s) || 2;
        if (Date.now() - this.lastMessage > Math.max(45000, intervalS * 3000)) {
          setConn("reconnecting");
          this.open(S.lastEventId || 0);
        }
      }, 5000);
    },
  };

  async function refreshStatus() {
    try {
      applyStatus(await api("GET", "/api/status"));
    } catch {
      /* offline: the indicator already says so */
    }
  }

  // ---------------------------------------------------------------- start

  function tick() {
    const t = now();
    for (const el of document.querySelectorAll("[data-since]")) {
      const text = duration(t - parseTs(el.dataset.since));
      if (el.textContent !== text) el.textContent = text;
    }
  }

  function start() {
    document.body.dataset.conn = "connecting";
    setupForm();
    setupJobs();
    setupModels();
    loadPublicKey();
    for (const id of ["filter-service", "filter-type", "filter-failures"]) $(id).addEventListener("change", onFilterChange);
    $("log-filters").addEventListener("submit", (e) => e.preventDefault());
    $("log-list").setAttribute("tabindex", "0");
    updateLogCount();
    loadConfig();
    refreshStatus();
    loadEndpoints();
    live.open(0);
    live.watchdog();
    setInterval(tick, 1000);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
