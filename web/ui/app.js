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
// Later capabilities (model swap, service actions, downloads, update, GPUs, diarization) add a
// <section> to index.html and register a renderer with `sections.push({ onStatus(status, prev) })`.
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

  class ApiError extends Error {
    constructor(status, body) {
      const err = (body && body.error) || {};
      super(err.message || "HTTP " + status);
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
      const subKey = model + "|" + since + "|" + configured.length;
      if (sub.dataset.key !== subKey) {
        sub.dataset.key = subKey;
        if (!configured.length) {
          sub.replaceChildren("Set the Sparks’ addresses below to start probing.");
        } else if (model) {
          sub.replaceChildren(
            "Serving ",
            h("span", { class: "model-name", text: model }),
            since ? h("span", {}, " for ", h("span", { dataset: { since }, text: duration(now() - parseTs(since)) })) : ""
          );
        } else {
          sub.replaceChildren("vLLM is not serving a model right now");
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
            const sshText = ssh === "up" ? "SSH reachable" : ssh === "down" ? "SSH unreachable" : "SSH not checked yet";
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
    refs.root.querySelector(".btn-copy").disabled = !url;
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

  function handleSaveError(e) {
    if (e.status === 401) {
      const prompt = $("auth-prompt");
      $("auth-prompt-text").replaceChildren(
        token()
          ? "The admin token in this browser was refused. Enter the current token under "
          : "This server needs an admin token to change settings. Enter it under ",
        h("strong", { text: "Admin token" }),
        " below, then save again."
      );
      prompt.hidden = false;
      $("access-fieldset").classList.add("attention");
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
