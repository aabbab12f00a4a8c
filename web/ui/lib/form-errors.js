// Field errors of a form: the API names the field of a 400 in `error.field`; its message is
// shown under that field, which gets aria-invalid and the focus. One helper for the settings
// form, the per-model overrides and the add-model form.
import { actionError } from "./auth-prompt.js";
import { setNoteTone } from "./dom.js";

// The form field an API `field` belongs to ("args[2]" → "args"), or null when the form has none.
// `known(name)` says whether the form has that field; `nested` strips array indexes.
export function fieldFor(field, known, { nested = false } = {}) {
  let name = String(field || "");
  if (nested) name = name.replace(/\[\d+\].*$/, "").replace(/^\./, "");
  return name && known(name) ? name : null;
}

// The message without the "field: " prefix the API puts in front (the field is labelled).
export function fieldMessage(field, message) {
  const text = String(message || "");
  return field && text.startsWith(field + ": ") ? text.slice(field.length + 2) : text;
}

// `lookup(name)` → {input, error} (the <p class="field-error">) or undefined.
export function fieldErrors(lookup, options = {}) {
  function clear(name) {
    const f = lookup(name);
    if (!f) return;
    f.input.removeAttribute("aria-invalid");
    f.error.hidden = true;
    f.error.textContent = "";
  }
  // Shows `message` at the field the API named; false when the form has no such field.
  function show(field, message) {
    const name = fieldFor(field, (n) => !!lookup(n), options);
    if (!name) return false;
    const f = lookup(name);
    f.input.setAttribute("aria-invalid", "true");
    f.error.textContent = fieldMessage(field, message);
    f.error.hidden = false;
    f.input.focus();
    return true;
  }
  return { show, clear };
}

// Shows why a form's mutation failed in its status line `note`: a 401 leads to the token
// prompt, a field error to its field, anything else as the API's message. `failed` starts the
// line ("Not added"), `again` ends the prompt ("add it again").
export function showFailure(note, e, errors, { failed, again }) {
  if (e.status === 401) {
    note.dataset.tone = "fail";
    note.replaceChildren(...actionError(e, again));
  } else if (e.field && errors.show(e.field, e.message)) {
    setNoteTone(note, "fail", failed + ": check the highlighted field.");
  } else {
    setNoteTone(note, "fail", failed + ": " + e.message);
  }
}
