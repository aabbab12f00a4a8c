// What the Downloads section computes before it touches the DOM: a pasted repo id or
// huggingface.co URL turned into {repo, revision}, sizes and rates in human units, a download's
// progress line, the advice for its failure, and the cache view's facts. Pure functions (no
// DOM), unit-tested in tests/ui/downloads.test.mjs.
import { duration } from "./format.js";

// The server's allow-list (it decides; this only answers early): ORG/NAME or NAME, no "--" or
// "..", not ending in ".git".
const REPO_RE = /^(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?\/)?[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?$/;
const REVISION_RE = /^[A-Za-z0-9._/-]{1,128}$/;
const HUB_HOSTS = ["huggingface.co", "www.huggingface.co", "hf.co"];
const REVISION_PARTS = ["tree", "blob", "resolve", "commit"];
const NOT_MODELS = { datasets: "a dataset", spaces: "a Space" };

export const isRepoId = (id) => REPO_RE.test(id) && !id.includes("--") && !id.includes("..") && !id.endsWith(".git");
const isRevision = (rev) => REVISION_RE.test(rev) && !rev.includes("..");

function decode(part) {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

// The path parts of a huggingface.co URL, or null when `text` is not one.
function hubPath(text) {
  const withScheme = /^[a-z]+:\/\//i.test(text) ? text : /^(www\.)?(huggingface|hf)\.co\//i.test(text) ? "https://" + text : "";
  if (!withScheme) return null;
  let url;
  try {
    url = new URL(withScheme);
  } catch {
    return [];
  }
  if (!HUB_HOSTS.includes(url.hostname.toLowerCase())) return [];
  return url.pathname.split("/").filter(Boolean);
}

// A repo id or a huggingface.co URL (…/ORG/NAME, …/tree/REV, …/blob/REV/file, …/resolve/REV/file)
// → {repo, revision} (revision null = main) or {error}.
export function parseHfInput(text) {
  const input = String(text || "").trim();
  if (!input) return { error: "Enter a repo id such as Qwen/Qwen3-0.6B, or paste its Hugging Face URL." };
  const parts = hubPath(input);
  let repo = input;
  let revision = null;
  if (parts) {
    if (!parts.length) return { error: "Not a Hugging Face model URL: it should start with https://huggingface.co/ORG/NAME." };
    if (NOT_MODELS[parts[0]]) return { error: "That URL points to " + NOT_MODELS[parts[0]] + ", not a model." };
    const at = parts.findIndex((p) => REVISION_PARTS.includes(p));
    const name = at < 0 ? parts : parts.slice(0, at);
    if (name.length > 2) return { error: "Not a Hugging Face model URL: expected …/ORG/NAME." };
    repo = name.map(decode).join("/");
    if (at >= 0 && parts[at + 1]) revision = decode(parts[at + 1]);
  }
  if (!isRepoId(repo)) return { error: "“" + repo + "” is not a Hugging Face repo id: use ORG/NAME, e.g. Qwen/Qwen3-0.6B." };
  if (revision === "main") revision = null;
  if (revision !== null && !isRevision(revision)) return { error: "“" + revision + "” is not a revision (branch, tag or commit)." };
  return { repo, revision };
}

// The POST /api/downloads body.
export function downloadBody(parsed, mode) {
  const body = { hf_repo: parsed.repo, mode: mode === "cluster" ? "cluster" : "solo" };
  if (parsed.revision) body.revision = parsed.revision;
  return body;
}

const UNITS = ["B", "kB", "MB", "GB", "TB", "PB"];

// 22317809664 → "22.3 GB" (decimal units, as Hugging Face and df -H show them).
export function bytesText(n) {
  if (typeof n !== "number" || !Number.isFinite(n) || n < 0) return "—";
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return value.toFixed(digits).replace(/\.0$/, "") + " " + UNITS[unit];
}

export const rateText = (bps) => (typeof bps === "number" && bps > 0 ? bytesText(bps) + "/s" : "");

// "about 3 min left" ("" when unknown).
export const etaText = (s) => (typeof s === "number" && Number.isFinite(s) && s >= 0 ? "about " + duration(s * 1000) + " left" : "");

// The parts of a running download's progress line: percent, bytes, rate, ETA, stalled.
export function progressParts(progress) {
  const p = progress || {};
  const parts = [];
  if (typeof p.percent === "number") parts.push(Math.floor(p.percent) + "%");
  if (typeof p.bytes_done === "number") {
    parts.push(bytesText(p.bytes_done) + (typeof p.bytes_total === "number" ? " of " + bytesText(p.bytes_total) : ""));
  }
  if (!p.stalled) {
    if (rateText(p.rate_bps)) parts.push(rateText(p.rate_bps));
    if (etaText(p.eta_s)) parts.push(etaText(p.eta_s));
  }
  return parts;
}

// The stalled note ("" while bytes arrive).
export function stalledText(progress) {
  const p = progress || {};
  if (!p.stalled) return "";
  const since = typeof p.stalled_s === "number" ? " for " + duration(p.stalled_s * 1000) : "";
  return "No new bytes" + since + " — still waiting. Cancel it if the Spark lost its network; starting it again resumes.";
}

// What to do about a failed download, by error code ("" when the message says it all).
export const ADVICE = {
  auth_required:
    "This repo is gated: accept its licence on huggingface.co with your account, then give Spark 1 a token " +
    "(HF_TOKEN for the SSH user, or the file ~/.cache/huggingface/token) and start again.",
  not_found: "Hugging Face has no such repo or revision (or it is private): check the id and the revision.",
  disk_full: "Not enough room in the Hugging Face cache: delete models you no longer need below, then start again.",
  interrupted: "spark-control lost track of it (restarted while the Spark was unreachable). Start it again: it resumes.",
  cancelled: "Partial files stay in the cache: starting the same download again resumes.",
  ssh_unreachable: "A Spark did not answer over SSH. Check it is on, then start again: it resumes.",
};

// What the server's message already says, per code: then the advice would only repeat it.
const SAID = { auth_required: /HF_TOKEN/, disk_full: /delete|free up/i };

export function adviceFor(job) {
  if (!job) return "";
  if (!job.error) return job.state === "cancelled" ? ADVICE.cancelled : "";
  const { code, message } = job.error;
  return SAID[code] && SAID[code].test(message || "") ? "" : ADVICE[code] || "";
}

// The repo a download (or cache delete) job is about.
export const jobRepo = (job) => (job && job.request && job.request.hf_repo) || (job && job.target) || "";

export const isDeleteJob = (job) => !!job && job.kind === "download" && job.action === "delete";
export const isDownloadJob = (job) => !!job && job.kind === "download" && job.action !== "delete";

// "Spark 1" / "Both Sparks" for a download's mode.
export const modeText = (mode) => (mode === "cluster" ? "Both Sparks" : "Spark 1");

// Why a cached model cannot be deleted now ("" when it can).
export function deleteBlocked(model, runningJobs) {
  if (model.serving) return "vLLM serves this model now: swap to another one first.";
  for (const job of runningJobs || []) {
    if (job.kind === "download" && jobRepo(job) === model.hf_repo) {
      return isDeleteJob(job) ? "Being deleted." : "It is downloading: cancel the download first.";
    }
  }
  return "";
}

// The catalog model that serves `repo`, if any.
export const catalogModelFor = (models, repo) => (models || []).find((m) => m.hf_repo === repo) || null;

// The Spark entries of GET /api/cache in order: spark1, spark2, then the rest by name.
export function sparkEntries(cache) {
  const sparks = (cache && cache.sparks) || {};
  return Object.keys(sparks)
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
    .map((name) => [name, sparks[name] || {}]);
}

// When each Spark was scanned: changes once the server has rescanned after a job or a refresh.
// Whether every Spark's listing comes from a scan at or after `iso` (a job's ended_at: the
// server rescans after each download job, so such a scan shows what the job left).
export const scannedSince = (cache, iso) => {
  const after = Date.parse(iso);
  return sparkEntries(cache).every(([, s]) => s.scanned_at && Date.parse(s.scanned_at) >= after);
};
export const scannedKey = (cache) => JSON.stringify(sparkEntries(cache).map(([name, s]) => [name, s.scanned_at || null]));

// A cached model's last change in ms since the epoch (the API may give seconds or a timestamp).
export function modifiedMs(modified) {
  if (typeof modified === "number") return modified * 1000;
  const t = modified ? Date.parse(modified) : NaN;
  return Number.isNaN(t) ? null : t;
}
