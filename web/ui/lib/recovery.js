// Automatic recovery as the UI shows it: a service card's recovery line (from /api/status
// `recovery`), the text of a `recovery` event in the connectivity log, and jobs started by the
// recovery ("automatic"). Pure functions (no DOM), unit-tested in tests/ui/recovery.test.mjs.
import { displayName, duration } from "./format.js";

// What each decision of the recovery says in the log (event `action`).
export const RECOVERY_ACTIONS = {
  waiting: "recovery waiting",
  recovering: "recovering automatically",
  succeeded: "recovered",
  failed: "recovery attempt failed",
  tripped: "recovery stopped",
  resumed: "recovery resumed",
  skipped: "recovery skipped",
  held: "recovery held",
};

// A job the recovery started (`"trigger": "recovery"`), not a person.
export const isAutomatic = (job) => !!job && job.trigger === "recovery";

// "12 s" until `untilMs` from `nowMs`; "a moment" once it is due.
export function untilText(untilMs, nowMs) {
  const ms = untilMs - nowMs;
  return Number.isFinite(ms) && ms >= 500 ? duration(ms) : "a moment";
}

// The card's recovery line for `rec` ({state, attempts, next_at, last_reason, job}):
// {state, tone, text, until?, job?, resume?, reason} or null when there is nothing to say (no
// recovery data; idle while the service is up). Idle while it is down says why nothing
// happens (held by a job, stopped by the user, no model to relaunch). `maxFailures`: config
// recovery.max_failures when known.
export function recoveryLine(rec, maxFailures, down = false) {
  if (!rec || !rec.state) return null;
  if (rec.state === "idle") {
    return down && rec.last_reason ? { state: "idle", tone: "muted", text: "Not recovering automatically", reason: rec.last_reason } : null;
  }
  const attempts = Number.isInteger(rec.attempts) ? rec.attempts : 0;
  const of = Number.isInteger(maxFailures) ? " of " + maxFailures : "";
  const line = { state: rec.state, reason: rec.last_reason || "" };
  switch (rec.state) {
    case "waiting":
      return { ...line, tone: "warn", text: "Automatic recovery, attempt " + (attempts + 1) + of + ", in", until: rec.next_at || "" };
    case "recovering":
      return { ...line, tone: "busy", text: "Recovering automatically (attempt " + Math.max(attempts, 1) + of + ")", job: rec.job || "" };
    case "tripped":
      return {
        ...line,
        tone: "fail",
        text: "Automatic recovery stopped after " + attempts + (attempts === 1 ? " attempt" : " attempts"),
        resume: true,
      };
    case "off":
      return { ...line, tone: "muted", text: "Automatic recovery off" };
    default:
      return { ...line, tone: "muted", text: "Recovery: " + rec.state };
  }
}

// "recovery waiting", "recovered", …: an event's action as the log says it.
export const recoveryActionText = (action) => RECOVERY_ACTIONS[action] || (action ? "recovery " + action : "recovery");

// The message of a `recovery` event: "vLLM recovered: qwen36 is serving again".
export function recoveryEventText(ev) {
  return displayName(ev.service) + " " + recoveryActionText(ev.action) + (ev.reason ? ": " + ev.reason : "");
}

// What the demo's crash answer says on the card: "The container vllm_node exited 1; …".
export function crashText(answer) {
  if (!answer || !answer.container) return "Crashed; automatic recovery takes over";
  const how = answer.oom_killed ? "was OOM-killed (exit " + answer.exit_code + ")" : "exited " + answer.exit_code;
  return "The container " + answer.container + " " + how + "; automatic recovery takes over";
}
