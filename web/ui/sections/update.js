// The spark-vllm-docker update (GET /api/update, /api/status `update`): the header banner
// ("N commits behind", local changes, a failed check, an update running), the rollback hint
// banner, the version line under the overview with Roll back, and the update dialog: the
// commits, Apply (confirmed), the build log streaming in a job log viewer of its own, and after
// success "Relaunch now". Texts come from lib/update.js.
import { api } from "../lib/api.js";
import { actionError, authOk } from "../lib/auth-prompt.js";
import { $, announce, confirmAction, h, setNote, setText } from "../lib/dom.js";
import { findJob, serverNow } from "../lib/state.js";
import {
  applyOutcome,
  commitItems,
  commitsNote,
  rollbackBanner,
  rollbackText,
  updateBanner,
  updateJob,
  versionLine,
} from "../lib/update.js";
import { jobLogBox, jobLogViewer } from "./job-log.js";

// The document shown: the live one of /api/status, else the last one fetched here.
const currentUpdate = (state, fetched) => (state.status && state.status.update) || fetched;

// Over 80 lines: one closure owns the section's state; its inner functions are short.
export function mountUpdate(store) {
  const local = { fetched: null, applyId: "", busy: false, key: "" };
  const dialog = $("update-dialog");
  dialog.append(jobLogBox("update-log", "Build log"));
  jobLogViewer(store, "update-log", { request: "open-update-log" });

  async function fetchUpdate() {
    try {
      local.fetched = await api("GET", "/api/update");
      render(store.getState());
    } catch {
      /* the banner waits for /api/status */
    }
  }

  function renderBanner(state, update) {
    const banner = updateBanner(update, updateJob(state.jobs.running.values()));
    const box = $("update-banner");
    box.hidden = !banner;
    if (!banner) return;
    box.dataset.tone = banner.tone;
    box.dataset.state = banner.state;
    setText($("update-banner-text"), banner.text);
    setText($("update-banner-open"), banner.state === "behind" ? "What’s new" : "Details");
  }

  function renderHint(update) {
    const hint = rollbackBanner(update);
    $("rollback-banner").hidden = !hint;
    if (hint) setText($("rollback-banner-text"), hint.text);
  }

  function renderVersion(state, update) {
    const line = versionLine(update, serverNow(state));
    const box = $("version-line");
    box.hidden = !line;
    if (!line) return;
    setText($("version-text"), line.parts.join(" · "));
    $("version-mismatch").hidden = !line.mismatch;
    setText($("version-mismatch"), line.mismatch);
    $("rollback-go").hidden = !line.rollback;
    $("rollback-go").disabled = local.busy || !!updateJob(state.jobs.running.values());
  }

  function renderDialog(state, update) {
    if (!dialog.open) return;
    const now = serverNow(state);
    const items = commitItems(update, now);
    const running = updateJob(state.jobs.running.values());
    const banner = updateBanner(update, running);
    setText($("update-summary"), banner ? banner.text : "spark-vllm-docker is up to date.");
    const key = JSON.stringify(items.map((c) => [c.sha, c.when]));
    if ($("update-commits").dataset.key !== key) {
      $("update-commits").dataset.key = key;
      $("update-commits").replaceChildren(
        ...items.map((c) =>
          h(
            "li",
            { class: "update-commit", dataset: { sha: c.sha } },
            h("code", { class: "update-sha", text: c.short }),
            h("span", { class: "update-subject", text: c.subject }),
            h("time", { class: "update-when", datetime: c.date, text: c.when })
          )
        )
      );
    }
    $("update-commits").hidden = items.length === 0;
    const note = commitsNote(update);
    $("update-commits-note").hidden = !note;
    setText($("update-commits-note"), note);
    const behind = update && update.state === "behind";
    $("update-apply").disabled = local.busy || !!running || !behind;
    $("update-check").disabled = local.busy || !!running;
    renderOutcome(state);
  }

  function renderOutcome(state) {
    const job = local.applyId ? findJob(state, local.applyId) : null;
    const outcome = applyOutcome(job);
    $("update-outcome").hidden = !outcome;
    if (!outcome) return;
    $("update-outcome").dataset.tone = outcome.tone;
    setText($("update-outcome-text"), outcome.text);
    $("update-relaunch").hidden = !outcome.relaunch;
  }

  function render(state) {
    const update = currentUpdate(state, local.fetched);
    renderBanner(state, update);
    renderHint(update);
    renderVersion(state, update);
    renderDialog(state, update);
  }

  function openDialog() {
    if (!dialog.open) dialog.showModal();
    const running = updateJob(store.getState().jobs.running.values());
    if (running) {
      local.applyId = running.id;
      store.dispatch({ type: "open-update-log", id: running.id });
    }
    render(store.getState());
  }

  // POSTs `path`; a started job is shown in `viewer` ("dialog" or the Jobs section).
  async function post(path, busyText, viewer) {
    local.busy = true;
    setNote($("update-status"), "busy", busyText);
    render(store.getState());
    try {
      const data = await api("POST", path);
      authOk();
      setNote($("update-status"), "");
      const job = data && data.job;
      if (job) {
        store.dispatch({ type: "job-started", job, now: Date.now() });
        announce(busyText.replace(/…$/, "") + " started");
        if (viewer === "dialog") {
          local.applyId = job.id;
          store.dispatch({ type: "open-update-log", id: job.id });
        } else {
          store.dispatch({ type: "open-log", id: job.id, scroll: true });
        }
      } else if (data && data.state) {
        local.fetched = data; // POST /api/update/check answers the document
      }
      return data;
    } catch (e) {
      setNote($("update-status"), "fail", actionError(e));
      return null;
    } finally {
      local.busy = false;
      render(store.getState());
    }
  }

  async function apply() {
    const update = currentUpdate(store.getState(), local.fetched);
    const n = (update && update.behind) || 0;
    const ok = await confirmAction({
      title: "Apply the update?",
      text:
        "git pull on the head, then build-and-copy.sh builds the vllm-node image and copies it to the other Spark (" +
        n +
        " new commit" +
        (n === 1 ? "" : "s") +
        "). The image in use now is kept as vllm-node:previous for a rollback; the running model keeps it until its next launch.",
      ok: "Apply update",
    });
    if (ok) await post("/api/update/apply", "Updating…", "dialog");
  }

  async function rollback() {
    const state = store.getState();
    const text = rollbackText(currentUpdate(state, local.fetched), serverNow(state));
    const ok = await confirmAction({ title: "Roll back the vLLM image?", text: text || "The previous image becomes the launch image again.", ok: "Roll back" });
    if (!ok) return;
    if (dialog.open) dialog.close();
    await post("/api/update/rollback", "Rolling back…", "jobs");
  }

  async function relaunch() {
    const data = await post("/api/services/vllm/restart", "Relaunching vLLM…", "jobs");
    if (data && data.job && dialog.open) dialog.close();
  }

  $("update-banner-open").addEventListener("click", openDialog);
  $("update-close").addEventListener("click", () => dialog.close());
  $("update-apply").addEventListener("click", apply);
  $("update-check").addEventListener("click", () => post("/api/update/check", "Checking…", "dialog"));
  $("update-relaunch").addEventListener("click", relaunch);
  $("rollback-go").addEventListener("click", rollback);
  $("rollback-banner-go").addEventListener("click", rollback);

  store.subscribe((state, prev, action) => {
    if (action.type === "cluster" && state.cluster !== prev.cluster) {
      Object.assign(local, { fetched: null, applyId: "" });
      if (dialog.open) dialog.close();
      fetchUpdate();
    }
    // An update or a launch ended: the image or the version may have changed.
    if (action.type === "job-ended" && action.job && ["update", "swap"].includes(action.job.kind)) fetchUpdate();
    render(state);
  });
  fetchUpdate();
}
