// A service card's automatic recovery (from /api/status `recovery`): the state line (waiting
// with a countdown, recovering with the job's log, tripped with the reason and Resume, off),
// and in the demo (/api/status `demo`) a "Simulate a crash" button. Used by services.js.
import { api } from "../lib/api.js";
import { actionError, authOk } from "../lib/auth-prompt.js";
import { announce, confirmAction, h, icon, setData, setNote, setText } from "../lib/dom.js";
import { displayName, parseTs } from "../lib/format.js";
import { crashText, recoveryLine, untilText } from "../lib/recovery.js";
import { serverNow } from "../lib/state.js";

const ICONS = { warn: "restart", busy: "restart", fail: "warn", muted: "dash" };

// Over 80 lines: one closure owns the cards' recovery parts; its inner functions are short.
export function recoveryCard(store) {
  // The elements of card `name`; adds refs.rec* and refs.crash*.
  function create(name, refs) {
    const label = displayName(name);
    refs.recIcon = h("span", { class: "rec-icon" });
    refs.recText = h("span", { class: "rec-text" });
    refs.recUntil = h("span", { class: "rec-until" });
    refs.recReason = h("p", { class: "rec-reason", hidden: true });
    refs.recLog = h(
      "button",
      { type: "button", class: "btn btn-link", "aria-controls": "job-log", hidden: true, onclick: () => openLog(refs) },
      "Log"
    );
    refs.recResume = h(
      "button",
      { type: "button", class: "btn btn-small", hidden: true, "aria-label": "Resume automatic recovery of " + label, onclick: () => resume(name, refs) },
      icon("play"),
      "Resume"
    );
    refs.recNote = h("p", { class: "note", hidden: true });
    refs.rec = h(
      "div",
      { class: "svc-recovery", hidden: true, role: "status", "aria-live": "polite" },
      h("div", { class: "rec-head" }, refs.recIcon, h("span", { class: "rec-line" }, refs.recText, " ", refs.recUntil), refs.recLog, refs.recResume),
      refs.recReason,
      refs.recNote
    );
    refs.crashBtn = h(
      "button",
      { type: "button", class: "btn btn-small btn-danger-quiet", "aria-label": "Simulate a crash of " + label, onclick: () => crash(name, refs) },
      icon("warn"),
      "Simulate a crash"
    );
    refs.crashNote = h("p", { class: "note", hidden: true });
    refs.demo = h("div", { class: "svc-demo", hidden: true }, refs.crashBtn, refs.crashNote);
    return [refs.rec, refs.demo];
  }

  function update(name, refs, state) {
    const status = state.status || {};
    refs.demo.hidden = status.demo !== true;
    const rec = status.recovery && status.recovery[name];
    const config = state.config && state.config.recovery;
    const down = refs.root.dataset.state === "down";
    const line = recoveryLine(rec, config ? config.max_failures : undefined, down);
    refs.rec.hidden = !line;
    if (!line) {
      delete refs.recUntil.dataset.until;
      return;
    }
    setData(refs.rec, "state", line.state);
    setData(refs.rec, "tone", line.tone);
    if (refs.recIcon.dataset.icon !== ICONS[line.tone]) {
      refs.recIcon.dataset.icon = ICONS[line.tone];
      refs.recIcon.replaceChildren(icon(ICONS[line.tone]));
    }
    setText(refs.recText, line.text);
    if (line.until) {
      refs.recUntil.dataset.until = line.until;
      setText(refs.recUntil, untilText(parseTs(line.until), serverNow(state)));
    } else {
      delete refs.recUntil.dataset.until;
      setText(refs.recUntil, "");
    }
    setText(refs.recReason, line.reason);
    refs.recReason.hidden = !line.reason;
    refs.rec.title = line.reason;
    refs.recLog.hidden = !line.job;
    refs.recLog.dataset.job = line.job || "";
    refs.recLog.setAttribute("aria-label", "Show the log of the automatic recovery of " + displayName(name));
    refs.recResume.hidden = !line.resume;
    if (!line.resume) setNote(refs.recNote, "");
  }

  function openLog(refs) {
    if (refs.recLog.dataset.job) store.dispatch({ type: "open-log", id: refs.recLog.dataset.job, scroll: true });
  }

  async function resume(name, refs) {
    const label = displayName(name);
    const ok = await confirmAction({
      title: "Resume automatic recovery of " + label + "?",
      text:
        "Its failed attempts are forgotten and recovery watches it again. If " + label +
        " is still down, a new attempt starts after the first backoff.",
      ok: "Resume recovery",
    });
    if (!ok) return;
    refs.recResume.disabled = true;
    setNote(refs.recNote, "busy", "Resuming…");
    try {
      await api("POST", "/api/recovery/" + encodeURIComponent(name) + "/resume");
      authOk();
      setNote(refs.recNote, "ok", "Resumed");
      announce("Automatic recovery of " + label + " resumed");
    } catch (e) {
      setNote(refs.recNote, "fail", actionError(e));
    } finally {
      refs.recResume.disabled = false;
    }
  }

  async function crash(name, refs) {
    refs.crashBtn.disabled = true;
    setNote(refs.crashNote, "busy", "Crashing " + displayName(name) + "…");
    try {
      const answer = await api("POST", "/api/demo/crash/" + encodeURIComponent(name));
      authOk();
      setNote(refs.crashNote, "", crashText(answer));
    } catch (e) {
      setNote(refs.crashNote, "fail", actionError(e));
    } finally {
      refs.crashBtn.disabled = false;
    }
  }

  return { create, update };
}
