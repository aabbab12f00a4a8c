// Text for what the API reports: names, durations, latencies, times, service states. Pure
// functions (no DOM), unit-tested in tests/ui/format.test.mjs.

export const NAMES = { vllm: "vLLM", parakeet: "Parakeet", magpie: "Magpie" };
export const KINDS = { llm: "LLM", stt: "Speech-to-text", tts: "Text-to-speech" };
export const REASONS = {
  timeout: "Timed out",
  refused: "Connection refused",
  reset: "Connection reset",
  http_status: "Unhealthy response",
  bad_body: "Unexpected response",
  dns: "Host name not resolved",
  not_configured: "Not configured",
};
export const SLOTS = 60; // heartbeat strip length (API: the last 60 probes)

export const displayName = (name) => NAMES[name] || (name ? name.charAt(0).toUpperCase() + name.slice(1) : "");
export const sparkLabel = (name) => (/^spark(\d+)$/.test(name) ? "Spark " + name.slice(5) : name);
export const parseTs = (ts) => (ts ? Date.parse(ts) : NaN);
export const capitalize = (s) => (s ? s.charAt(0).toUpperCase() + s.slice(1) : "");

export function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return s + " s";
  const m = Math.floor(s / 60);
  if (m < 60) return m + " min";
  const hours = Math.floor(m / 60);
  if (hours < 48) return hours + " h" + (m % 60 ? " " + (m % 60) + " min" : "");
  const days = Math.floor(hours / 24);
  return days + " d" + (hours % 24 ? " " + (hours % 24) + " h" : "");
}

export function latency(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  if (ms < 10) return ms.toFixed(1) + " ms";
  if (ms < 1000) return Math.round(ms) + " ms";
  return (ms / 1000).toFixed(2) + " s";
}

const pad = (n) => String(n).padStart(2, "0");

// "14:03:07" in the browser's time zone; "" for a missing or bad timestamp.
export function clockTime(ts) {
  const d = new Date(parseTs(ts));
  return Number.isNaN(d.getTime()) ? "" : pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
}

export function fullTime(ts) {
  const d = new Date(parseTs(ts));
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

// up | down | off (not configured) | unknown (no probe yet)
export function serviceState(svc) {
  if (!svc) return "unknown";
  if (svc.reason === "not_configured") return "off";
  if (svc.up === true) return "up";
  if (svc.up === false) return "down";
  return "unknown";
}

// vLLM, Parakeet, Magpie first, then the rest by name.
export function orderedNames(services) {
  const rank = (n) => (n === "vllm" ? 0 : n === "parakeet" ? 1 : n === "magpie" ? 2 : 3);
  return Object.keys(services).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

// The left end of a heartbeat strip: "2 min ago" from the median probe interval.
export function axisLabel(history, slots = SLOTS) {
  if (history.length < 2) return "";
  const diffs = [];
  for (let i = 1; i < history.length; i++) diffs.push(parseTs(history[i].ts) - parseTs(history[i - 1].ts));
  diffs.sort((a, b) => a - b);
  const interval = diffs[Math.floor(diffs.length / 2)];
  if (!(interval > 0)) return "";
  const span = interval * (slots - 1);
  return (span < 90000 ? duration(span) : Math.round(span / 60000) + " min") + " ago";
}

// Server clock minus browser clock (ms), estimated from the newest probe timestamp. The newest
// probe is at most one interval (plus its timeout) old: only a larger gap counts as skew.
export function estimateSkew(status, intervalS, browserNowMs) {
  let newest = 0;
  for (const svc of Object.values((status && status.services) || {})) {
    const last = svc.history && svc.history[svc.history.length - 1];
    if (last) newest = Math.max(newest, parseTs(last.ts) || 0);
  }
  if (!newest) return null; // no estimate: keep the previous one
  const intervalMs = (intervalS || 2) * 1000;
  const diff = newest - browserNowMs;
  return diff > 2000 || diff < -(intervalMs + 5000) ? diff : 0;
}

// What a screen reader hears when services change state between two /api/status.
export function stateChanges(prev, status) {
  const changes = [];
  if (!prev) return changes;
  for (const [name, svc] of Object.entries(status.services)) {
    const before = serviceState(prev.services[name]);
    const after = serviceState(svc);
    if (before === after || after === "unknown") continue;
    if (after === "up") changes.push(displayName(name) + " is up");
    else if (after === "down") changes.push(displayName(name) + " is down: " + (svc.error || REASONS[svc.reason] || "probe failed"));
    else if (after === "off") changes.push(displayName(name) + " is not configured");
  }
  return changes;
}
