// Configure Sparks: the settings form (PUT /api/config with a merge patch of what changed, field
// errors, pinned fields read-only), the admin token kept in localStorage, the 401 prompt.
import { api, storeToken, token } from "../lib/api.js";
import { authOk, showAuthPrompt } from "../lib/auth-prompt.js";
import { $, announce, h, icon, setText } from "../lib/dom.js";
import { clockTime, displayName, sparkLabel } from "../lib/format.js";
import { fieldErrors } from "../lib/form-errors.js";
import { refreshStatus } from "../lib/live.js";
import {
  buildPatch,
  configMatchesStatus,
  fieldText,
  formClusterNote,
  hostPlaceholder,
  pinNote,
  serviceOfHostField,
  serviceRows,
  tokenHint,
} from "./settings-model.js";

const fieldId = (path) => "f-" + path.replace(/[^a-z0-9]/gi, "-");

function setFormStatus(text, tone) {
  const status = $("form-status");
  status.dataset.tone = tone || "";
  setText(status, text);
}

// Over 80 lines: one closure owns the section's state; its inner functions are short.
export function mountSettings(store) {
  const fields = new Map(); // path -> {input, error, pin, kind}
  const loaded = new Map(); // path -> text as shown when loaded
  const errors = fieldErrors((path) => fields.get(path));
  let shapeKey = "";
  let inFlight = false;

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
      errors.clear(path);
      updateDirty();
    });
    fields.set(path, { input, error, pin, kind });
    const labelEl = h("label", { for: id, class: compact ? "sr-only" : undefined, text: label });
    return h("div", { class: "field" }, labelEl, input, error, pin);
  }

  function sparkFieldset(name) {
    const prefix = "sparks." + name;
    return h(
      "fieldset",
      { class: "group", dataset: { spark: name } },
      h("legend", { text: sparkLabel(name) }),
      h(
        "div",
        { class: "grid-3" },
        makeField(prefix + ".host", "Host or IP", "host", "e.g. 192.168.1.50"),
        makeField(prefix + ".user", "SSH user", "user", "e.g. nvidia"),
        makeField(prefix + ".port", "SSH port", "port", "22")
      )
    );
  }

  function serviceRow(config, [name, prefix, svc]) {
    const spark = svc.spark || "";
    return h(
      "div",
      { class: "svc-row", dataset: { service: name } },
      h("div", { class: "svc-row-name" }, displayName(name), h("small", { text: spark ? "on " + sparkLabel(spark) : "" })),
      makeField(prefix + ".host", displayName(name) + " host", "host", hostPlaceholder(config, svc), true),
      makeField(prefix + ".port", displayName(name) + " port", "port", "", true)
    );
  }

  function build(config) {
    fields.clear();
    $("spark-fieldsets").replaceChildren(...Object.keys(config.sparks || {}).sort().map(sparkFieldset));
    $("service-rows").replaceChildren(
      h(
        "div",
        { class: "svc-row svc-row-head", "aria-hidden": "true" },
        h("span", { text: "Service" }),
        h("span", { text: "Host or IP" }),
        h("span", { text: "Port" })
      ),
      ...serviceRows(config).map((row) => serviceRow(config, row))
    );
  }

  function populate(config) {
    const shape = JSON.stringify([Object.keys(config.sparks || {}).sort(), Object.keys(config.services || {}).sort()]);
    if (shape !== shapeKey) {
      shapeKey = shape;
      build(config);
    }
    loaded.clear();
    for (const [path, f] of fields) {
      const text = fieldText(config, path);
      loaded.set(path, text);
      f.input.value = text;
      const note = pinNote(config, path);
      f.input.readOnly = note !== null;
      f.pin.hidden = note === null;
      if (note !== null) f.pin.replaceChildren(icon("lock"), note);
      errors.clear(path);
      // Service host placeholders follow the Sparks' hosts.
      const svc = serviceOfHostField(config, path);
      if (svc !== null) f.input.placeholder = hostPlaceholder(config, svc);
    }
    updateDirty();
  }

  function isDirty() {
    for (const [path, f] of fields) if (f.input.value.trim() !== loaded.get(path)) return true;
    return false;
  }

  function updateDirty() {
    const dirty = isDirty();
    $("config-reset").disabled = !dirty;
    if (dirty) setFormStatus("Unsaved changes", "dirty");
    else if ($("form-status").dataset.tone === "dirty") setFormStatus("", "");
  }

  function patch() {
    return buildPatch(
      [...fields].map(([path, f]) => ({ path, kind: f.kind, text: f.input.value, loaded: loaded.get(path), readOnly: f.input.readOnly }))
    );
  }

  async function save(event) {
    event.preventDefault();
    for (const path of fields.keys()) errors.clear(path);
    $("form-warnings").hidden = true;
    const body = patch();
    if (!Object.keys(body).length) {
      setFormStatus("Nothing to save: no field changed.", "");
      return;
    }
    const button = $("config-save");
    button.disabled = true;
    setFormStatus("Saving…", "");
    try {
      const result = await api("PUT", "/api/config", body, { scoped: false });
      authOk();
      const warnings = Array.isArray(result.warnings) ? result.warnings : [];
      delete result.warnings;
      store.dispatch({ type: "config", config: result, source: "save" });
      populate(result);
      setFormStatus("Saved at " + clockTime(new Date().toISOString()) + ". Probes use the new addresses now.", "ok");
      if (warnings.length) {
        $("form-warnings").replaceChildren(...warnings.map((w) => h("li", { text: w })));
        $("form-warnings").hidden = false;
      }
      refreshStatus(store);
    } catch (e) {
      saveFailed(e);
    } finally {
      button.disabled = false;
    }
  }

  function saveFailed(e) {
    if (e.status === 401) {
      showAuthPrompt("save again");
      setFormStatus("Not saved: an admin token is required.", "fail");
      $("admin-token").focus();
    } else if (e.field && errors.show(e.field, e.message)) {
      setFormStatus("Not saved: check the highlighted field.", "fail");
    } else {
      setFormStatus("Not saved: " + e.message, "fail");
    }
  }

  async function load() {
    if (inFlight) return;
    inFlight = true;
    try {
      const config = await api("GET", "/api/config", undefined, { scoped: false });
      store.dispatch({ type: "config", config, source: "load" });
      if (!isDirty()) populate(config);
    } catch {
      setFormStatus("Could not load the configuration; retrying with the next update.", "fail");
    } finally {
      inFlight = false;
    }
  }

  function updateTokenHint() {
    const { status } = store.getState();
    setText($("token-hint"), tokenHint(!!(status && status.auth_required), !!token()));
  }

  function setupToken() {
    const input = $("admin-token");
    input.value = token();
    input.addEventListener("input", () => {
      storeToken(input.value.trim());
      $("access-fieldset").classList.remove("attention");
      updateTokenHint();
    });
    $("token-toggle").addEventListener("click", (e) => {
      const show = input.type === "password";
      input.type = show ? "text" : "password";
      e.currentTarget.textContent = show ? "Hide" : "Show";
      e.currentTarget.setAttribute("aria-pressed", String(show));
    });
    $("token-forget").addEventListener("click", () => {
      input.value = "";
      input.dispatchEvent(new Event("input"));
      announce("Admin token removed from this browser");
    });
  }

  $("config-form").addEventListener("submit", save);
  $("config-reset").addEventListener("click", () => {
    const { config } = store.getState();
    if (config) populate(config);
    setFormStatus("Changes discarded.", "");
  });
  $("setup-go").addEventListener("click", () => {
    $("settings").scrollIntoView({ behavior: "smooth", block: "start" });
    const first = fields.get("sparks.spark1.host");
    if (first) first.input.focus({ preventScroll: true });
  });
  setupToken();

  store.subscribe((state, prev) => {
    if (!state.status || state.status === prev.status) return;
    // Another tab or an API client may change the config: reload it when it no longer matches.
    if (state.config && !isDirty() && !configMatchesStatus(state.config, state.status)) load();
    updateTokenHint();
    const note = state.config ? formClusterNote(state.config, state.status) : "";
    setText($("settings-cluster-note"), note);
    $("settings-cluster-note").hidden = !note;
  });
  load();
}
