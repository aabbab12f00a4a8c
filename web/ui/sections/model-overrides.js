// The "Advanced" panel of a catalog row: the five per-model vLLM overrides (PUT
// /api/models/{id}/overrides), the launch command they produce, Save / Discard / Reset.
import { api } from "../lib/api.js";
import { authOk } from "../lib/auth-prompt.js";
import { copyButton, h, setNoteTone, setText } from "../lib/dom.js";
import { clockTime } from "../lib/format.js";
import { fieldErrors, showFailure } from "../lib/form-errors.js";

export const OVERRIDES = [
  { key: "max_model_len", label: "Max model length", kind: "int", hint: "--max-model-len, tokens", min: 1, step: 1 },
  {
    key: "gpu_memory_utilization",
    label: "GPU memory utilization",
    kind: "ratio",
    hint: "--gpu-memory-utilization, 0.05–0.98",
    min: 0.05,
    max: 0.98,
    step: 0.01,
  },
  { key: "fastsafetensors", label: "fastsafetensors loading", kind: "bool", hint: "--load-format fastsafetensors" },
  { key: "prefix_caching", label: "Prefix caching", kind: "bool", hint: "--enable-prefix-caching" },
  { key: "fp8_kv_cache", label: "FP8 KV cache", kind: "bool", hint: "--kv-cache-dtype fp8" },
];
const BY_KEY = new Map(OVERRIDES.map((o) => [o.key, o]));

// The text a field shows for an override value ("" = the model's default).
export function overrideText(key, value) {
  if (value === undefined || value === null) return "";
  return BY_KEY.get(key).kind === "bool" ? String(!!value) : String(value);
}

// The patch of the fields that changed. `fields`: [{key, text, loaded, badInput}]. Empty means
// null (back to the default). Returns {patch} or {error: {key, message}} for a non-number.
export function overridesPatch(fields) {
  const patch = {};
  for (const { key, text: raw, loaded, badInput } of fields) {
    if (badInput) return { error: { key, message: "Enter a number, or leave it empty for the default." } };
    const text = raw.trim();
    if (text === loaded) continue;
    if (text === "") patch[key] = null;
    else if (BY_KEY.get(key).kind === "bool") patch[key] = text === "true";
    else patch[key] = Number(text);
  }
  return { patch };
}

export function resetPatch() {
  return Object.fromEntries(OVERRIDES.map((o) => [o.key, null]));
}

function overrideInput(o, fid) {
  const describedBy = fid + "-hint " + fid + "-error";
  if (o.kind === "bool") {
    return h(
      "select",
      { id: fid, name: o.key, "aria-describedby": describedBy },
      h("option", { value: "", text: "Default" }),
      h("option", { value: "true", text: "On" }),
      h("option", { value: "false", text: "Off" })
    );
  }
  return h("input", {
    id: fid,
    name: o.key,
    type: "number",
    inputmode: o.kind === "int" ? "numeric" : "decimal",
    min: String(o.min),
    step: String(o.step),
    max: o.max ? String(o.max) : undefined,
    placeholder: "default",
    autocomplete: "off",
    "aria-describedby": describedBy,
  });
}

// The panel of catalog row `refs` (refs.id, refs.model). `onSaved(model)` takes the answer;
// `isCurrent()` says whether the model is the one served now.
// Over 80 lines: one closure owns the section's state; its inner functions are short.
export function createOverrides(refs, base, name, { onSaved, isCurrent }) {
  const fields = new Map(); // key -> {input, error}
  let loaded = null; // key -> text as loaded
  let loadedKey = "";
  let saving = false;
  const errors = fieldErrors((key) => fields.get(key));
  const grid = h("div", { class: "adv-grid" });
  const command = h("code", { class: "model-command" });
  const save = h("button", { type: "submit", class: "btn btn-small btn-primary", disabled: true }, "Save");
  const reset = h("button", { type: "button", class: "btn btn-small", onclick: () => put(resetPatch(), "Reset to the model’s defaults") }, "Reset to defaults");
  const discard = h("button", { type: "button", class: "btn btn-small", disabled: true, onclick: onDiscard }, "Discard");
  const note = h("p", { class: "form-status", role: "status", "aria-live": "polite" });
  const overridden = () => Object.keys((refs.model && refs.model.overrides) || {}).length > 0;

  for (const o of OVERRIDES) {
    const fid = base + "-" + o.key;
    const input = overrideInput(o, fid);
    const error = h("p", { class: "field-error", id: fid + "-error", hidden: true });
    input.addEventListener("input", () => {
      errors.clear(o.key);
      updateDirty();
    });
    input.addEventListener("change", updateDirty);
    fields.set(o.key, { input, error });
    const hint = h("p", { class: "hint", id: fid + "-hint" }, h("code", { text: o.hint }));
    grid.append(h("div", { class: "field" }, h("label", { for: fid, text: o.label }), input, hint, error));
  }

  function dirty() {
    if (!loaded) return false;
    for (const [k, f] of fields) {
      if (f.input.value.trim() !== loaded.get(k) || (f.input.validity && f.input.validity.badInput)) return true;
    }
    return false;
  }

  function updateDirty() {
    const isDirty = dirty();
    save.disabled = !isDirty || saving;
    discard.disabled = !isDirty || saving;
    if (isDirty) setNoteTone(note, "dirty", "Unsaved changes");
    else if (note.dataset.tone === "dirty") setNoteTone(note, "", "");
  }

  function fill(overrides) {
    loadedKey = JSON.stringify(overrides);
    loaded = new Map();
    for (const [k, f] of fields) {
      const text = overrideText(k, overrides[k]);
      loaded.set(k, text);
      f.input.value = text;
      errors.clear(k);
    }
    updateDirty();
  }

  function onDiscard() {
    fill((refs.model && refs.model.overrides) || {});
    setNoteTone(note, "", "Changes discarded.");
  }

  async function onSubmit(e) {
    e.preventDefault();
    for (const k of fields.keys()) errors.clear(k);
    const entries = [...fields].map(([key, f]) => ({
      key,
      text: f.input.value,
      loaded: loaded.get(key),
      badInput: !!(f.input.validity && f.input.validity.badInput),
    }));
    const { patch, error } = overridesPatch(entries);
    if (error) {
      errors.show(error.key, error.message);
      setNoteTone(note, "fail", "Not saved: check the highlighted field.");
    } else if (!Object.keys(patch).length) {
      setNoteTone(note, "", "Nothing to save: no field changed.");
    } else {
      await put(patch, "Saved");
    }
  }

  async function put(patch, done) {
    for (const k of fields.keys()) errors.clear(k);
    saving = true;
    save.disabled = true;
    reset.disabled = true;
    setNoteTone(note, "", "Saving…");
    try {
      const data = await api("PUT", "/api/models/" + encodeURIComponent(refs.id) + "/overrides", patch);
      authOk();
      saving = false;
      const model = data && data.model;
      if (model) {
        fill(model.overrides || {});
        onSaved(model);
      }
      const applies = isCurrent() ? ". Restart the model to apply." : ". Applies at the next swap.";
      setNoteTone(note, "ok", done + " at " + clockTime(new Date().toISOString()) + applies);
    } catch (e) {
      saving = false;
      showFailure(note, e, errors, { failed: "Not saved", again: "save again" });
      updateDirty();
      if (refs.model) reset.disabled = !overridden();
    }
  }

  const form = h(
    "form",
    { class: "adv-form", novalidate: true, "aria-label": "Advanced settings of " + name },
    h(
      "p",
      { class: "hint" },
      "Per-model vLLM settings. Empty or ",
      h("i", { text: "Default" }),
      " uses the model’s own arguments; a change applies at the next swap or restart."
    ),
    grid,
    h(
      "div",
      { class: "model-command-box" },
      h("span", { class: "label", text: "Launch command" }),
      h("div", { class: "model-command-row" }, command, copyButton(() => command.textContent, "launch command of " + name))
    ),
    h("div", { class: "form-actions" }, note, discard, reset, save)
  );
  form.addEventListener("submit", onSubmit);
  const summary = h("summary", { "aria-label": "Advanced settings of " + name }, h("span", { text: "Advanced" }));
  const root = h("details", { class: "model-adv" }, summary, form);

  // Refills the fields from `model` unless the user is editing them.
  function update(model) {
    setText(command, model.command || "(not available until the Sparks are configured)");
    command.title = model.command || "";
    const key = JSON.stringify(model.overrides || {});
    if (key !== loadedKey && !dirty()) fill(model.overrides || {});
    reset.disabled = !overridden() || saving;
  }

  return { root, update };
}
