// The spark-vllm-docker update as shown: the header banner (from GET /api/update, also
// /api/status `update`), the commit list, the version line and the rollback hint. Pure
// functions (no DOM), unit-tested in tests/ui/update.test.mjs.
import { duration, parseTs, sparkLabel } from "./format.js";
import { phaseName } from "./jobs.js";

// "sha256:0123456789abcdef…" → "0123456789ab" (what `docker images` shows); "" for none.
export function shortImageId(id) {
  if (!id) return "";
  const hex = String(id).replace(/^sha256:/, "");
  return hex.slice(0, 12);
}

export const shortSha = (sha) => (sha ? String(sha).slice(0, 7) : "");

// "3 h ago", "2 d 4 h ago"; "" for a missing or bad time. `now`: server time in ms.
export function ago(ts, now) {
  const t = parseTs(ts);
  if (!Number.isFinite(t)) return "";
  return duration(Math.max(0, now - t)) + " ago";
}

// "2026-12-01 10:32 UTC": a date everybody reads the same.
export function utcMinute(ts) {
  const t = parseTs(ts);
  if (!Number.isFinite(t)) return "";
  const iso = new Date(t).toISOString();
  return iso.slice(0, 10) + " " + iso.slice(11, 16) + " UTC";
}

const plural = (n, one, many) => n + " " + (n === 1 ? one : many);

// The running update job of `running` (an iterable of jobs), if any.
export function updateJob(running) {
  for (const job of running) if (job.kind === "update") return job;
  return null;
}

// The header banner: {state, tone, text, action} or null (nothing to say). `job`: a running
// update job. tone: info | warn | fail. action: "details" (opens the dialog) or "".
export function updateBanner(update, job = null) {
  if (job) {
    const what = job.action === "rollback" ? "Rolling back the vLLM image" : "Updating the vLLM image";
    return { state: "running", tone: "info", text: what + " · " + phaseName(job) + "…", action: "details" };
  }
  if (!update) return null;
  switch (update.state) {
    case "behind": {
      const n = update.behind || 0;
      const text = "spark-vllm-docker: " + plural(n, "commit", "commits") + " behind";
      return { state: "behind", tone: "info", text, action: "details" };
    }
    case "dirty": {
      const text =
        update.ahead > 0
          ? "spark-vllm-docker on the head has local commits (" + plural(update.ahead, "commit", "commits") + " ahead): update it by hand"
          : "spark-vllm-docker on the head has local changes: update it by hand";
      return { state: "dirty", tone: "warn", text, action: "details" };
    }
    case "detached":
      return { state: "detached", tone: "warn", text: "spark-vllm-docker on the head is on a detached HEAD (no branch): update it by hand", action: "details" };
    case "unknown":
      if (!update.error) return null;
      return { state: "unknown", tone: "fail", text: "Update check failed: " + update.error, action: "details" };
    default:
      return null;
  }
}

// The rollback hint banner: {text, job, update_job} or null.
export function rollbackBanner(update) {
  const hint = update && update.rollback_hint;
  if (!hint) return null;
  const text = hint.text || "This started after the update of " + utcMinute(hint.updated_at) + ": Roll back";
  return { text: text.replace(/:\s*Roll back\.?$/, "."), job: hint.job || "", update_job: hint.update_job || "" };
}

// The commit list: [{sha, short, subject, when}] newest first.
export function commitItems(update, now) {
  const list = (update && Array.isArray(update.commits) && update.commits) || [];
  return list.map((c) => ({ sha: c.sha, short: shortSha(c.sha), subject: c.subject || "", when: ago(c.date, now), date: c.date }));
}

// "Showing the newest 20 of 35 commits" when the list is cut; "" otherwise.
export function commitsNote(update) {
  const shown = (update && Array.isArray(update.commits) && update.commits.length) || 0;
  const behind = (update && update.behind) || 0;
  return behind > shown ? "Showing the newest " + shown + " of " + behind + " commits." : "";
}

// Per Spark: "Spark 1 0123456789ab" or "Spark 2 no image".
function sparkIds(sparks) {
  return Object.keys(sparks || {})
    .sort()
    .map((name) => sparkLabel(name) + " " + (sparks[name] ? shortImageId(sparks[name]) : "no image"));
}

// The version line: {parts: [text…], mismatch: text|"", rollback: bool} or null without an image.
export function versionLine(update, now) {
  const image = update && update.image;
  if (!image) return null;
  const parts = [];
  parts.push("vLLM " + (image.vllm_version || "version unknown (vLLM is down)"));
  const built = ago(image.built_at, now);
  parts.push("image built " + (built || "at an unknown time") + (image.built_at ? " (" + utcMinute(image.built_at) + ")" : ""));
  parts.push(sparkIds(image.sparks).join(" · "));
  let mismatch = "";
  if (image.mismatch) {
    const head = image.id;
    const odd = Object.keys(image.sparks || {})
      .sort()
      .filter((name) => image.sparks[name] !== head)
      .map(sparkLabel);
    mismatch = odd.join(" and ") + (odd.length === 1 ? " holds" : " hold") + " a different image than the head: a copy that did not finish? Apply the update again to copy it.";
  }
  return { parts: parts.filter(Boolean), mismatch, rollback: !!update.previous_image };
}

// The confirm text of a rollback.
export function rollbackText(update, now) {
  const prev = update && update.previous_image;
  if (!prev) return "";
  const built = ago(prev.built_at, now);
  return (
    "vllm-node:previous (" + shortImageId(prev.id) + (built ? ", built " + built : "") + ") becomes the launch image on every Spark " +
    "again, and the model served now is relaunched on it. vLLM is down until it is ready."
  );
}

// What the dialog says about a finished apply job.
export function applyOutcome(job) {
  if (!job) return null;
  if (job.state === "succeeded") {
    return { tone: "ok", text: "Updated. The running model keeps the old image until its next launch.", relaunch: true };
  }
  if (job.state === "failed") {
    const e = job.error || {};
    return { tone: "fail", text: "The update failed: " + (e.message || e.code || "unknown error"), relaunch: false };
  }
  if (job.state === "cancelled") return { tone: "", text: "The update was cancelled.", relaunch: false };
  return null;
}
