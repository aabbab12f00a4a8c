// Unit tests of the UI's forms: field-error mapping (web/ui/lib/form-errors.js), the settings
// patch and pin notes (sections/settings-model.js), the add-model body and its argument
// splitting (sections/add-model.js), the per-model overrides patch (sections/model-overrides.js).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { fieldErrors, fieldFor, fieldMessage, showFailure } from "../../web/ui/lib/form-errors.js";
import { addModelBody, splitArgs } from "../../web/ui/sections/add-model.js";
import { overrideText, overridesPatch, resetPatch } from "../../web/ui/sections/model-overrides.js";
import {
  buildPatch,
  configMatchesStatus,
  hostPlaceholder,
  pinNote,
  serviceRows,
  tokenHint,
} from "../../web/ui/sections/settings-model.js";

// A stand-in for an <input> and its <p class="field-error">: what fieldErrors touches.
function fakeField() {
  const attrs = new Map();
  const input = {
    focused: false,
    setAttribute: (k, v) => attrs.set(k, v),
    removeAttribute: (k) => attrs.delete(k),
    focus() {
      this.focused = true;
    },
  };
  return { input, error: { hidden: true, textContent: "" }, attrs };
}

describe("field errors", () => {
  test("an API field maps to a form field; array indexes belong to their field", () => {
    const known = (n) => ["args", "name"].includes(n);
    assert.equal(fieldFor("args[2]", known, { nested: true }), "args");
    assert.equal(fieldFor("name", known), "name");
    assert.equal(fieldFor("args[2]", known), null, "indexes are kept unless nested");
    assert.equal(fieldFor("mode", known, { nested: true }), null);
    assert.equal(fieldFor("", known), null);
    assert.equal(fieldFor(undefined, known), null);
  });

  test("the field prefix of a message is dropped (the field is labelled)", () => {
    assert.equal(fieldMessage("sparks.spark1.port", "sparks.spark1.port: must be 1-65535"), "must be 1-65535");
    assert.equal(fieldMessage("args[2]", "args[2]: --x is not allowed"), "--x is not allowed");
    assert.equal(fieldMessage("name", "a name is required"), "a name is required");
  });

  test("show marks the field, says why and focuses it; clear undoes it", () => {
    const fields = { args: fakeField() };
    const errors = fieldErrors((n) => fields[n], { nested: true });
    assert.equal(errors.show("hf_repo", "bad"), false, "a field the form does not have");
    assert.equal(errors.show("args[1]", "args[1]: --trust-remote-code is not allowed"), true);
    const f = fields.args;
    assert.equal(f.attrs.get("aria-invalid"), "true");
    assert.equal(f.error.textContent, "--trust-remote-code is not allowed");
    assert.equal(f.error.hidden, false);
    assert.equal(f.input.focused, true);
    errors.clear("args");
    assert.equal(f.attrs.has("aria-invalid"), false);
    assert.equal(f.error.hidden, true);
    assert.equal(f.error.textContent, "");
  });
  test("a failed save: the field's error, or the API's message in the status line", () => {
    const fields = { hf_repo: fakeField() };
    const errors = fieldErrors((n) => fields[n]);
    const note = { dataset: {}, textContent: "" };
    const opts = { failed: "Not added", again: "add it again" };
    showFailure(note, { status: 400, field: "hf_repo", message: "hf_repo: not a repo id" }, errors, opts);
    assert.deepEqual([note.dataset.tone, note.textContent], ["fail", "Not added: check the highlighted field."]);
    assert.equal(fields.hf_repo.error.textContent, "not a repo id");
    showFailure(note, { status: 409, field: "", message: "a model with this id exists" }, errors, opts);
    assert.equal(note.textContent, "Not added: a model with this id exists");
    showFailure(note, { status: 400, field: "nope", message: "nope: bad" }, errors, opts);
    assert.equal(note.textContent, "Not added: nope: bad", "a field the form lacks: the whole message");
  });
});

describe("settings form", () => {
  test("the patch holds only changed, writable fields; empty unsets", () => {
    const field = (path, kind, text, loaded, readOnly = false) => ({ path, kind, text, loaded, readOnly });
    const patch = buildPatch([
      field("sparks.spark1.host", "host", " 10.0.0.5 ", "10.0.0.4"),
      field("sparks.spark1.user", "user", "", "nvidia"),
      field("sparks.spark1.port", "port", "", "2222"),
      field("sparks.spark2.host", "host", "changed", "pinned", true),
      field("sparks.spark2.port", "port", "22x", ""),
      field("vllm.port", "port", "8000", "8000"),
      field("services.magpie.port", "port", "9001", "9000"),
    ]);
    assert.deepEqual(patch, {
      sparks: { spark1: { host: "10.0.0.5", user: "", port: null }, spark2: { port: "22x" } },
      services: { magpie: { port: 9001 } },
    });
    assert.deepEqual(buildPatch([field("vllm.host", "host", "a", "a")]), {});
  });

  test("a pinned field names what pins it, from pinned_by; generic without it", () => {
    const config = {
      pinned: ["sparks.spark2.host", "sparks.spark1.user", "http.listen"],
      pinned_by: { "sparks.spark2.host": "SPARK2_HOST", "http.listen": "--listen" },
    };
    assert.equal(pinNote(config, "sparks.spark2.host"), "Pinned by the environment variable SPARK2_HOST");
    assert.equal(pinNote(config, "http.listen"), "Pinned by the command-line flag --listen");
    assert.equal(pinNote(config, "sparks.spark1.user"), "Pinned by a command-line flag or environment variable");
    assert.equal(pinNote(config, "sparks.spark1.host"), null);
    assert.equal(pinNote({ pinned: ["sparks.spark1.host"] }, "sparks.spark1.host"), "Pinned by a command-line flag or environment variable");
    assert.equal(pinNote({}, "sparks.spark1.host"), null);
  });

  test("service rows and host placeholders", () => {
    const config = { sparks: { spark1: { host: "10.0.0.4" }, spark2: {} }, vllm: { spark: "spark1" }, services: { magpie: { spark: "spark2" }, parakeet: {} } };
    assert.deepEqual(serviceRows(config).map(([name, prefix]) => [name, prefix]), [
      ["vllm", "vllm"],
      ["parakeet", "services.parakeet"],
      ["magpie", "services.magpie"],
    ]);
    assert.equal(hostPlaceholder(config, config.vllm), "10.0.0.4 (Spark 1)");
    assert.equal(hostPlaceholder(config, config.services.magpie), "Spark 2’s host");
    assert.equal(hostPlaceholder(config, undefined), "");
  });

  test("the form reloads when the status shows other hosts or services", () => {
    const config = { sparks: { spark1: { host: "a" }, spark2: {} }, services: { parakeet: {}, magpie: {} } };
    const status = { sparks: { spark1: { host: "a" }, spark2: { host: null } }, services: { vllm: {}, parakeet: {}, magpie: {} } };
    assert.equal(configMatchesStatus(config, status), true);
    assert.equal(configMatchesStatus(config, { ...status, sparks: { spark1: { host: "b" }, spark2: {} } }), false);
    assert.equal(configMatchesStatus(config, { ...status, services: { vllm: {}, parakeet: {} } }), false);
  });

  test("the token hint says whether the server requires one", () => {
    assert.match(tokenHint(false, false), /does not require one/);
    assert.match(tokenHint(true, false), /requires an admin token/);
    assert.match(tokenHint(true, true), /requires a token for changes/);
  });
});

describe("add a custom model", () => {
  test("arguments split on spaces; quotes group, backslash escapes", () => {
    assert.deepEqual(splitArgs("--a 1  --b 'x y'"), ["--a", "1", "--b", "x y"]);
    assert.deepEqual(splitArgs(`--json "{\\"k\\": 1}"`), ["--json", '{"k": 1}']);
    assert.deepEqual(splitArgs("a\\ b ''"), ["a b", ""]);
    assert.deepEqual(splitArgs("--x 'it''s'"), ["--x", "its"]);
    assert.deepEqual(splitArgs("   "), []);
    assert.equal(splitArgs("--x 'open"), null);
  });

  test("the body: optional fields only when filled, an unclosed quote is a field error", () => {
    assert.deepEqual(addModelBody({ name: " Q ", hf_repo: "Qwen/Qwen3-0.6B", mode: "" }), {
      body: { name: "Q", hf_repo: "Qwen/Qwen3-0.6B", mode: "solo" },
    });
    assert.deepEqual(
      addModelBody({ name: "Q", hf_repo: "r", mode: "cluster", served_name: "q", id: "q1", swap_timeout_s: "900", args: "--max-num-seqs 8" }).body,
      { name: "Q", hf_repo: "r", mode: "cluster", served_name: "q", id: "q1", swap_timeout_s: 900, args: ["--max-num-seqs", "8"] }
    );
    assert.equal(addModelBody({ swap_timeout_s: "soon" }).body.swap_timeout_s, "soon", "the server names the error");
    assert.deepEqual(addModelBody({ args: "--x 'a" }), { error: { field: "args", message: "A quote is not closed." } });
  });
});

describe("model overrides", () => {
  const entry = (key, text, loaded = "", badInput = false) => ({ key, text, loaded, badInput });

  test("the patch: numbers, on/off, empty back to the default", () => {
    const { patch } = overridesPatch([
      entry("max_model_len", "32768"),
      entry("gpu_memory_utilization", "", "0.8"),
      entry("fastsafetensors", "false"),
      entry("prefix_caching", "true", "true"),
    ]);
    assert.deepEqual(patch, { max_model_len: 32768, gpu_memory_utilization: null, fastsafetensors: false });
  });

  test("a field the browser cannot read as a number is an error at that field", () => {
    const { error } = overridesPatch([entry("max_model_len", "", "", true)]);
    assert.equal(error.key, "max_model_len");
    assert.match(error.message, /Enter a number/);
  });

  test("texts shown and the reset patch", () => {
    assert.equal(overrideText("fp8_kv_cache", 1), "true");
    assert.equal(overrideText("max_model_len", 4096), "4096");
    assert.equal(overrideText("max_model_len", null), "");
    assert.deepEqual(Object.values(resetPatch()), [null, null, null, null, null]);
  });
});
