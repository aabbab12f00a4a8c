// "Add custom model": POST /api/models from the form in index.html; the API's field errors
// (args[2] belongs to the args field) are shown at their fields.
import { api } from "../lib/api.js";
import { authOk } from "../lib/auth-prompt.js";
import { $, scrollBehavior, setNoteTone } from "../lib/dom.js";
import { fieldErrors, showFailure } from "../lib/form-errors.js";

export const ADD_FIELDS = ["name", "hf_repo", "mode", "served_name", "args", "id", "swap_timeout_s"];

// Splits "--a 1 --b 'x y'" into words; single or double quotes group, backslash escapes.
// null when a quote is not closed.
export function splitArgs(text) {
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

// The POST body from the form's values (name → text); {body} or {error: {field, message}}.
// Optional fields go only when filled; a timeout that is not a number goes as typed, for the
// server to name the error.
export function addModelBody(values) {
  const value = (name) => String(values[name] || "").trim();
  const body = { name: value("name"), hf_repo: value("hf_repo"), mode: value("mode") || "solo" };
  if (value("served_name")) body.served_name = value("served_name");
  if (value("id")) body.id = value("id");
  if (value("swap_timeout_s")) {
    const n = Number(value("swap_timeout_s"));
    body.swap_timeout_s = Number.isFinite(n) ? n : value("swap_timeout_s");
  }
  if (value("args")) {
    const words = splitArgs(value("args"));
    if (!words) return { error: { field: "args", message: "A quote is not closed." } };
    body.args = words;
  }
  return { body };
}

// Args as the form's text: words with spaces or quotes in double quotes (splitArgs reads it back).
export const argsText = (args) =>
  (Array.isArray(args) ? args : []).map((w) => (/[\s'"\\]/.test(w) || w === "" ? '"' + w.replace(/["\\]/g, "\\$&") + '"' : w)).join(" ");

// Opens the form filled from a download's result.catalog_entry (`from` names the download).
export function prefillAddModel(entry, from) {
  $("add-model-form").reset();
  const values = { ...entry, mode: entry.mode === "cluster" ? "cluster" : "solo", args: argsText(entry.args) };
  for (const name of ["name", "hf_repo", "mode", "id", "args"]) {
    const input = $("am-" + name);
    input.value = values[name] || "";
    input.removeAttribute("aria-invalid");
    $("am-" + name + "-error").hidden = true;
  }
  const details = $("add-model");
  details.open = true;
  setNoteTone($("add-model-status"), "", "Filled in from the download of " + from + ": check the name, then add it to the catalog.");
  details.scrollIntoView({ behavior: scrollBehavior(), block: "start" });
  $("am-name").focus({ preventScroll: true });
}

export function mountAddModel(store) {
  const field = (name) =>
    ADD_FIELDS.includes(name) ? { input: $("am-" + name), error: $("am-" + name + "-error") } : undefined;
  const errors = fieldErrors(field, { nested: true });
  const status = $("add-model-status");

  async function add(event) {
    event.preventDefault();
    for (const name of ADD_FIELDS) errors.clear(name);
    const { body, error } = addModelBody(Object.fromEntries(ADD_FIELDS.map((n) => [n, field(n).input.value])));
    if (error) {
      errors.show(error.field, error.message);
      setNoteTone(status, "fail", "Not added: check the highlighted field.");
      return;
    }
    const save = $("add-model-save");
    save.disabled = true;
    setNoteTone(status, "", "Adding…");
    try {
      const data = await api("POST", "/api/models", body);
      authOk();
      const model = data && data.model;
      $("add-model-form").reset();
      const what = model ? model.id : "a custom model";
      setNoteTone(status, "ok", "Added “" + (model ? model.name : body.name) + "” as " + what + ".");
      if (model) store.dispatch({ type: "model-added", model });
    } catch (e) {
      showFailure(status, e, errors, { failed: "Not added", again: "add it again" });
    } finally {
      save.disabled = false;
    }
  }

  $("add-model-form").addEventListener("submit", add);
  for (const name of ADD_FIELDS) field(name).input.addEventListener("input", () => errors.clear(name));
}
