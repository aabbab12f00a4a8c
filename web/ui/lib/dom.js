// DOM helpers. Nothing here touches `document` or `window` until called, so node can import it.
// The CSP forbids HTML strings and style attributes: elements are built with h().

export const $ = (id) => document.getElementById(id);

// h("div", {class: "x", dataset: {a: 1}, onclick: fn, text: "..."}, child, "text", ...)
export function h(tag, props, ...children) {
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

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// An icon from the sprite in index.html (#i-<name>).
export function icon(name, cls = "icon") {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("class", cls);
  svg.setAttribute("aria-hidden", "true");
  const use = document.createElementNS(ns, "use");
  use.setAttribute("href", "#i-" + name);
  svg.append(use);
  return svg;
}

export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

export function setData(el, key, value) {
  if (el.dataset[key] !== value) el.dataset[key] = value;
}

let announceTimer = 0;
// Says `message` through the polite live region (#announcer).
export function announce(message) {
  const region = $("announcer");
  clearTimeout(announceTimer);
  region.textContent = "";
  announceTimer = setTimeout(() => (region.textContent = message), 60);
}

export const reducedMotion = () =>
  typeof window !== "undefined" && window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

export const scrollBehavior = () => (reducedMotion() ? "auto" : "smooth");

// A note next to an action: tone "" | "ok" | "fail" | "busy"; content: text or nodes.
export function setNote(el, tone, ...content) {
  el.dataset.tone = tone || "";
  el.replaceChildren(...content.flat().filter((c) => c !== null && c !== undefined && c !== false));
  el.hidden = el.childNodes.length === 0;
}

// A form status line: a tone and one text.
export function setNoteTone(el, tone, text) {
  el.dataset.tone = tone;
  setText(el, text);
}

// A modal confirmation (<dialog>); resolves true when the user confirms. Cancel has the focus.
export function confirmAction({ title, text, ok }) {
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

// A "Copy" button for the text getText() returns; `what` names it for screen readers.
export function copyButton(getText, what) {
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

// Moves `el` to follow `prevEl` in `box` (the first child when prevEl is null), if it is not
// there already; returns el. Keeps keyed rows in order without rebuilding them.
export function placeAfter(box, prevEl, el) {
  const expected = prevEl ? prevEl.nextElementSibling : box.firstElementChild;
  if (expected !== el) box.insertBefore(el, expected);
  return el;
}
