// What a job is called and how far it got; which running job blocks what. Pure functions
// (no DOM), unit-tested in tests/ui/jobs.test.mjs.
import { capitalize, displayName } from "./format.js";

export const ACTIONS = { start: "Start", stop: "Stop", restart: "Restart", "fix-cache-ownership": "Fix cache ownership" };
export const JOB_STATES = {
  queued: ["dash", "Queued"],
  running: ["dash", "Running"],
  succeeded: ["check", "Succeeded"],
  failed: ["cross", "Failed"],
  cancelled: ["dash", "Cancelled"],
};
const PHASES = {
  reconciling: "Checking the cluster",
  stopping: "Stopping the old model",
  launching: "Launching",
  loading: "Loading the model",
  ready: "Ready",
  downloading: "Downloading",
  copying: "Copying to Spark 2",
  deleting: "Deleting from the cache",
  pulling: "Pulling",
  building: "Building",
  rolling_back: "Rolling back the image",
  relaunching: "Relaunching",
  running: "Running",
};

export const isFinishedJob = (job) => !!job && ["succeeded", "failed", "cancelled"].includes(job.state);

// `models`: the catalog (GET /api/models), to name a swap's target.
export function jobTitle(job, models = []) {
  if (!job) return "";
  if (job.kind === "swap") {
    const model = models.find((m) => m.id === job.target);
    return "Swap to " + (model ? model.name : job.target);
  }
  if (job.kind === "service") {
    const action = ACTIONS[job.action] || job.action || "Action";
    return job.action === "fix-cache-ownership"
      ? action + " · " + displayName(job.target)
      : action + " " + displayName(job.target);
  }
  const repo = (job.request && job.request.hf_repo) || job.target;
  if (job.kind === "download" && job.action === "delete") return "Delete " + repo + " from the cache";
  if (job.kind === "download") return "Download " + repo;
  if (job.kind === "update") return job.action === "rollback" ? "Roll back the vLLM image" : "Update the vLLM image";
  return (job.kind || "job") + " " + (job.target || "");
}

// "Downloading", "Waiting to start", …: the phase alone.
export function phaseName(job) {
  const p = job.progress || {};
  return PHASES[p.phase] || (p.phase ? capitalize(p.phase) : job.state === "queued" ? "Waiting to start" : "Working");
}

export function phaseText(job) {
  const p = job.progress || {};
  const phase = phaseName(job);
  return typeof p.percent === "number" ? phase + " · " + Math.round(p.percent) + "%" : phase;
}

// "Succeeded", "Failed", …: a job state as shown.
export function stateText(state) {
  return JOB_STATES[state] ? JOB_STATES[state][1] : state;
}

// A running job that takes vLLM down (a swap, an image update, a vLLM action): swap buttons
// wait for it. `running`: the running jobs (an iterable).
export function swapBusy(running) {
  for (const job of running) {
    if (job.kind === "swap" || job.kind === "update" || (job.kind === "service" && job.target === "vllm")) return job;
  }
  return null;
}

// The running job that acts on `service` (a swap counts for vLLM).
export function serviceJob(running, service) {
  for (const job of running) {
    if (job.kind === "service" && job.target === service) return job;
    if (service === "vllm" && job.kind === "swap") return job;
  }
  return null;
}

// The line a service card shows for its job: "Restart Parakeet: done at 14:03:07".
export function serviceJobText(job, models, clockTime) {
  let text = jobTitle(job, models) + ": ";
  if (!isFinishedJob(job)) text += phaseText(job).toLowerCase() + "…";
  else if (job.state === "succeeded") text += "done" + (job.ended_at ? " at " + clockTime(job.ended_at) : "");
  else text += stateText(job.state).toLowerCase() + (job.error ? " — " + (job.error.message || job.error.code) : "");
  return text;
}
