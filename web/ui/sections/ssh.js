// SSH access: spark-control's public key (to paste into authorized_keys), and per Spark whether
// SSH works; an unknown or changed host key shows its fingerprint and a Trust button.
import { api } from "../lib/api.js";
import { actionError, authOk } from "../lib/auth-prompt.js";
import { $, confirmAction, copyButton, h, icon, setData, setNote, setText } from "../lib/dom.js";
import { sparkLabel } from "../lib/format.js";
import { refreshStatus } from "../lib/live.js";

const KEY_RETRIES = 40; // while the server still generates its key (503)
const KEY_RETRY_MS = 1500;

// [state, text] of a Spark's SSH line.
export function sshState(spark) {
  if (!spark.host) return ["off", "No host set"];
  if (spark.ssh_up === true) return ["up", "SSH works"];
  if (spark.ssh_up === false) return ["down", "SSH fails"];
  return ["unknown", "Not checked yet"];
}

async function loadPublicKey(attempt = 0) {
  const box = $("ssh-key");
  try {
    const key = await api("GET", "/api/ssh/public-key", undefined, { scoped: false });
    const parts = [
      h(
        "div",
        { class: "ssh-key-row" },
        h("code", { class: "ssh-pub", id: "ssh-pub", text: key.public_key || "" }),
        copyButton(() => key.public_key, "public key")
      ),
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
    if ((e.status === 503 || e.status === 404) && attempt < KEY_RETRIES) {
      box.replaceChildren(h("p", { class: "ssh-key-loading", id: "ssh-key-status", text: "Generating spark-control’s SSH key…" }));
      setTimeout(() => loadPublicKey(attempt + 1), KEY_RETRY_MS);
      return;
    }
    box.replaceChildren(
      h("p", { class: "svc-error", id: "ssh-key-status" }, icon("warn"), h("span", { text: "Could not load the public key: " + e.message })),
      h("button", { type: "button", class: "btn btn-small", onclick: () => loadPublicKey(0) }, "Try again")
    );
  }
}

function keyChangedWarning(name) {
  return h(
    "p",
    { class: "svc-error key-changed", role: "alert" },
    icon("warn"),
    h(
      "span",
      {},
      h("strong", { text: "The host key of " + sparkLabel(name) + " CHANGED. " }),
      "That happens when the Spark was reinstalled — or when something intercepts the connection. Trust the new key only if you know why it changed."
    )
  );
}

// Over 80 lines: one closure owns the section's state; its inner functions are short.
export function mountSsh(store) {
  const rows = new Map(); // spark -> refs

  async function trust(refs, err, btn) {
    if (err.code === "host_key_mismatch") {
      const ok = await confirmAction({
        title: "Trust the new host key of " + sparkLabel(refs.name) + "?",
        text: [
          "The key this Spark presents changed to ",
          h("code", { text: err.fingerprint }),
          ". Only continue if you reinstalled it or regenerated its host keys.",
        ],
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
      refreshStatus(store);
    } catch (e) {
      btn.disabled = false;
      setNote(refs.note, "fail", e.status === 409 ? "Not trusted: " + e.message + " Check the Spark and try again." : actionError(e));
    }
  }

  function trustParts(refs, err) {
    const mismatch = err.code === "host_key_mismatch";
    return [
      h(
        "div",
        { class: "ssh-trust" },
        h("span", { class: "label", text: mismatch ? "New key" : "It presents" }),
        h("code", { class: "ssh-host-fp", text: err.fingerprint }),
        h(
          "button",
          {
            type: "button",
            class: "btn btn-small " + (mismatch ? "btn-danger-quiet" : "btn-primary"),
            "aria-label": "Trust the host key " + err.fingerprint + " of " + sparkLabel(refs.name),
            onclick: (ev) => trust(refs, err, ev.currentTarget),
          },
          icon("key"),
          "Trust this host key"
        )
      ),
      h(
        "p",
        { class: "hint" },
        "Compare it with the output of ",
        h("code", { text: "ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub" }),
        " on the Spark itself."
      ),
    ];
  }

  function updateRow(refs, spark) {
    const [state, text] = sshState(spark);
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
      if (err.code === "host_key_mismatch") parts.push(keyChangedWarning(refs.name));
      parts.push(h("p", { class: "ssh-msg" }, h("code", { text: err.code }), " ", err.message || ""));
      const hostKey = err.code === "host_key_unknown" || err.code === "host_key_mismatch";
      if (hostKey && err.fingerprint) parts.push(...trustParts(refs, err));
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

  function createRow(name) {
    const refs = {
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
    return refs;
  }

  store.subscribe((state, prev) => {
    if (!state.status || state.status === prev.status) return;
    const sparks = state.status.sparks || {};
    for (const [name, refs] of rows) {
      if (!(name in sparks)) {
        refs.root.remove();
        rows.delete(name);
      }
    }
    for (const name of Object.keys(sparks).sort()) {
      let refs = rows.get(name);
      if (!refs) {
        refs = createRow(name);
        rows.set(name, refs);
        $("ssh-sparks").append(refs.root);
      }
      updateRow(refs, sparks[name] || {});
    }
  });
  loadPublicKey();
}
