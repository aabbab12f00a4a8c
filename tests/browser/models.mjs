// Browser tests of the model catalog and jobs: swap with its live job log (autoscroll, the
// 3,000-line cap), per-model overrides, custom models, service actions with their confirmations,
// cancel, and the SSH key shown for setup.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";

import { SHOTS, SHOT_DELAY_MS, apiStatus, getJson, openPage } from "./harness.mjs";

// `server` is a demoServer; the test leaves finished jobs and a swapped model behind.
export function modelTests(server) {
  test("models, swap with its live log, overrides, custom models, service actions, SSH key", async () => {
    const { page, context, assertClean } = await openPage(server.url, {}, [
      apiStatus(/\/api\/models$/, 400),
      apiStatus(/\/api\/models\/[^/]+\/overrides$/, 400),
      apiStatus(/\/api\/services\/magpie\/fix-cache-ownership$/, 503),
    ]);
    try {
      // The catalog: the five bundled models, qwen36 marked as serving (its button restarts it).
      const { models } = await getJson(`${server.url}/api/models`);
      await page.locator('#model-list .model[data-model="qwen36"][data-current="true"] .pill.serving', { hasText: "Serving" }).waitFor();
      const rows = await page.locator("#model-list .model").evaluateAll((els) => els.map((e) => e.dataset.model));
      assert.deepEqual(rows, models.map((m) => m.id));
      const qwen = page.locator('.model[data-model="qwen36"]');
      assert.equal((await qwen.locator(".model-repo").innerText()).trim(), "RedHatAI/Qwen3.6-35B-A3B-NVFP4");
      assert.equal((await qwen.locator(".model-actions .btn-primary").innerText()).trim(), "Restart");
      assert.match(await qwen.locator(".badges").innerText(), /Solo[\s\S]*Bundled/);
      assert.match(await page.locator('.model[data-model="qwen3-235b-fp8"] .badges').innerText(), /Cluster/);
      const gemma = page.locator('.model[data-model="gemma4"]');
      const gemmaSwap = gemma.locator(".model-actions .btn-primary");
      assert.equal((await gemmaSwap.innerText()).trim(), "Swap");
      assert.equal(await gemmaSwap.getAttribute("aria-label"), "Swap to Gemma 4 26B-A4B");
      assert.equal(await qwen.locator(".model-actions .btn-danger-quiet").isVisible(), false, "bundled models cannot be deleted");

      // SSH setup: the public key with its SHA256 fingerprint, as GET /api/ssh/public-key says.
      await page.locator("#ssh-fingerprint").waitFor();
      const key = await getJson(`${server.url}/api/ssh/public-key`);
      assert.match(await page.locator("#ssh-fingerprint").innerText(), /^SHA256:[A-Za-z0-9+/]{20,}=*$/);
      assert.equal(await page.locator("#ssh-fingerprint").innerText(), key.fingerprint);
      assert.equal(await page.locator("#ssh-pub").innerText(), key.public_key);
      assert.equal(await page.locator("#ssh-key .btn-copy").getAttribute("aria-label"), "Copy public key");
      await page.locator('#ssh-sparks li[data-spark="spark1"] .ssh-spark-head', { hasText: "Spark 1" }).waitFor();

      // Advanced settings: an override changes the launch command; a bad value gets a field error.
      const vl = page.locator('.model[data-model="qwen3-vl"]');
      await vl.locator(".model-adv > summary").click();
      const command = vl.locator(".model-command");
      assert.doesNotMatch(await command.innerText(), /--max-model-len/);
      await vl.locator('input[name="max_model_len"]').fill("32768");
      await vl.locator('select[name="fp8_kv_cache"]').selectOption("true");
      await vl.locator(".adv-form .form-status", { hasText: "Unsaved changes" }).waitFor();
      await vl.locator(".adv-form button[type=submit]").click();
      await vl.locator(".adv-form .form-status[data-tone='ok']", { hasText: "Saved" }).waitFor();
      await vl.locator(".model-command", { hasText: "--max-model-len 32768" }).waitFor();
      assert.match(await command.innerText(), /--kv-cache-dtype fp8/);
      const saved = (await getJson(`${server.url}/api/models`)).models.find((m) => m.id === "qwen3-vl");
      assert.deepEqual(saved.overrides, { max_model_len: 32768, fp8_kv_cache: true });
      assert.equal(await command.innerText(), saved.command);
      const util = vl.locator('input[name="gpu_memory_utilization"]');
      await util.fill("90");
      await vl.locator(".adv-form button[type=submit]").click();
      const utilError = vl.locator("#model-qwen3-vl-gpu_memory_utilization-error");
      await utilError.waitFor({ state: "visible" });
      assert.match(await utilError.innerText(), /0\.05/);
      assert.equal(await util.getAttribute("aria-invalid"), "true");
      await util.fill("0.85");
      await utilError.waitFor({ state: "hidden" });
      await vl.locator(".adv-form button[type=submit]").click();
      await vl.locator(".model-command", { hasText: "--gpu-memory-utilization 0.85" }).waitFor();
      await vl.locator(".adv-form button", { hasText: "Reset to defaults" }).click();
      await page.waitForFunction(() => {
        const text = document.querySelector('.model[data-model="qwen3-vl"] .model-command')?.textContent || "";
        return text && !text.includes("--max-model-len") && !text.includes("--gpu-memory-utilization");
      });
      assert.equal(await vl.locator('input[name="max_model_len"]').inputValue(), "");
      assert.deepEqual((await getJson(`${server.url}/api/models`)).models.find((m) => m.id === "qwen3-vl").overrides, {});

      // Add a custom model: a repo that is not a repo id gets a field error, a good one appears.
      await page.locator("#add-model > summary").click();
      await page.locator("#am-name").fill("Qwen3 0.6B");
      await page.locator("#am-hf_repo").fill("x$(reboot)");
      await page.locator("#add-model-save").click();
      const repoError = page.locator("#am-hf_repo-error");
      await repoError.waitFor({ state: "visible" });
      assert.ok((await repoError.innerText()).length > 5, "the API's message is shown");
      assert.equal(await page.locator("#am-hf_repo").getAttribute("aria-invalid"), "true");
      assert.equal(await page.evaluate(() => document.activeElement?.id), "am-hf_repo");
      await page.locator("#add-model-status[data-tone='fail']").waitFor();
      await page.locator("#am-hf_repo").fill("Qwen/Qwen3-0.6B");
      await repoError.waitFor({ state: "hidden" });
      await page.locator("#add-model-save").click();
      await page.locator("#add-model-status[data-tone='ok']", { hasText: "qwen3-0-6b" }).waitFor();
      const custom = page.locator('.model[data-model="qwen3-0-6b"]');
      await custom.waitFor();
      assert.match(await custom.locator(".badges").innerText(), /Custom/);
      assert.equal((await custom.locator(".model-repo").innerText()).trim(), "Qwen/Qwen3-0.6B");
      assert.equal(await page.locator("#am-hf_repo").inputValue(), "", "the form is cleared");
      // Delete asks first; Cancel keeps it, Delete removes it.
      await custom.locator("button", { hasText: "Delete" }).click();
      await page.locator("#confirm-dialog[open]").waitFor();
      await page.locator("#confirm-cancel").click();
      await page.locator("#confirm-dialog").waitFor({ state: "hidden" });
      assert.equal(await custom.count(), 1);
      await custom.locator("button", { hasText: "Delete" }).click();
      await page.locator("#confirm-ok").click();
      await custom.waitFor({ state: "detached" });
      assert.equal((await getJson(`${server.url}/api/models`)).models.some((m) => m.id === "qwen3-0-6b"), false);

      // Swap to gemma4: the job and its log open at once and stream; swap buttons are disabled
      // while it runs (so the UI cannot provoke 409 swap_running).
      await gemmaSwap.click();
      const log = page.locator("#job-log");
      await log.waitFor({ state: "visible" });
      await page.locator("#job-log-title", { hasText: "Swap to Gemma 4 26B-A4B" }).waitFor();
      await page.locator('#jobs-running .job[data-kind="swap"]').waitFor();
      await page.waitForFunction(() => {
        const running = document.querySelector('#jobs-running .job[data-kind="swap"]');
        const buttons = [...document.querySelectorAll("#model-list .model-actions .btn-primary")];
        return running && buttons.length >= 5 && buttons.every((b) => b.disabled);
      });
      await page.locator("#summary-sub .summary-job", { hasText: "Swap to Gemma 4 26B-A4B" }).waitFor();
      const vllmActions = page.locator('.svc[data-service="vllm"] .svc-actions button');
      assert.ok(await vllmActions.evaluateAll((els) => els.every((b) => b.disabled)), "vLLM actions wait for the swap");
      // Lines arrive while the job runs (live, not only replayed at the end).
      await page.waitForFunction(() => document.querySelectorAll("#job-log-lines li").length >= 2);
      const early = await page.locator("#job-log-lines li").count();
      await page.waitForFunction(
        (n) => document.querySelectorAll("#job-log-lines li").length > n && document.querySelector("#job-log")?.dataset.phase === "live",
        early,
        { timeout: 20_000 }
      );
      // The viewer follows the end of the log until the user scrolls up; "Jump to latest" goes back.
      const logLines = page.locator("#job-log-lines");
      await page.waitForFunction(() => {
        const ol = document.querySelector("#job-log-lines");
        return ol.scrollHeight > ol.clientHeight + 40 && document.querySelector("#job-log")?.dataset.phase === "live";
      }, null, { timeout: 20_000 });
      const atEnd = () => logLines.evaluate((ol) => ol.scrollHeight - ol.scrollTop - ol.clientHeight < 24);
      assert.ok(await atEnd(), "the log follows its end");
      await logLines.evaluate((ol) => {
        ol.scrollTop = 0;
      });
      await page.locator("#job-log-follow").waitFor({ state: "visible" });
      const seen = await page.locator("#job-log-lines li").count();
      await page.waitForFunction((n) => document.querySelectorAll("#job-log-lines li").length > n, seen, { timeout: 20_000 });
      assert.equal(await logLines.evaluate((ol) => ol.scrollTop), 0, "no autoscroll once the user scrolled up");
      await page.locator("#job-log-follow").click();
      await page.locator("#job-log-follow").waitFor({ state: "hidden" });
      assert.ok(await atEnd(), "back at the end");
      if (SHOT_DELAY_MS) {
        await page.evaluate(() => document.getElementById("jobs").scrollIntoView({ block: "start", behavior: "instant" }));
        await page.waitForTimeout(300); // let the progress bar's transition settle
        await page.screenshot({ path: path.join(SHOTS, "desktop-swap-dark.png") });
      }
      await page.locator("#job-log-state[data-state='succeeded']", { hasText: "Succeeded" }).waitFor({ timeout: 40_000 });
      const lines = await page.locator("#job-log-lines li").evaluateAll((els) => els.map((e) => [e.dataset.stream, e.textContent]));
      assert.ok(lines.some(([, text]) => text.includes("Application startup complete.")), "the vLLM log is shown");
      assert.ok(lines.some(([stream]) => stream === "system"), "system lines are marked");
      // Then: the overview, the catalog and the job list show the new model.
      await page.locator("#summary-sub .model-name", { hasText: "google/gemma-4-26B-A4B-it" }).waitFor();
      await page.locator('.model[data-model="gemma4"][data-current="true"] .pill.serving').waitFor();
      assert.equal(await qwen.getAttribute("data-current"), "false");
      await page.waitForFunction(() => document.querySelector('.model[data-model="gemma4"] .model-actions .btn-primary')?.textContent.trim() === "Restart");
      await page.waitForFunction(() => [...document.querySelectorAll("#model-list .model-actions .btn-primary")].every((b) => !b.disabled));
      await page.locator('#jobs-recent li[data-kind="swap"][data-state="succeeded"]', { hasText: "Gemma 4" }).waitFor();
      assert.equal(await page.locator("#jobs-running .job").count(), 0);
      const swapJob = (await getJson(`${server.url}/api/jobs`)).jobs.find((j) => j.kind === "swap");
      assert.equal(swapJob.state, "succeeded");
      assert.equal(swapJob.target, "gemma4");

      // Service actions: restart Parakeet → a job shows on its card and succeeds.
      const parakeet = page.locator('.svc[data-service="parakeet"]');
      await parakeet.locator('button[data-action="restart"]').click();
      await parakeet.locator(".svc-job", { hasText: "Restart Parakeet" }).waitFor();
      await parakeet.locator('.svc-job[data-state="succeeded"]').waitFor({ timeout: 30_000 });
      await page.locator('#jobs-recent li[data-kind="service"][data-state="succeeded"]', { hasText: "Restart Parakeet" }).waitFor();
      assert.equal(await parakeet.locator('button[data-action="restart"]').isDisabled(), false);
      const restart = (await getJson(`${server.url}/api/jobs`)).jobs.find((j) => j.kind === "service" && j.target === "parakeet");
      assert.equal(restart.action, "restart");
      assert.equal(restart.state, "succeeded");

      // The viewer keeps at most 3,000 lines: a long log (a stand-in for the swap's log route)
      // keeps its newest lines; stderr lines look different from stdout ones.
      const longLog =
        Array.from({ length: 3500 }, (_, i) => {
          const line = { seq: i + 1, ts: "2026-11-24T12:00:00.000Z", stream: i % 7 ? "stdout" : "stderr", text: `line ${i + 1}` };
          return `event: line\nid: ${i + 1}\ndata: ${JSON.stringify(line)}\n\n`;
        }).join("") + `event: end\ndata: ${JSON.stringify(swapJob)}\n\n`;
      const swapLogRoute = new RegExp(`/api/jobs/${swapJob.id}/log$`);
      await page.route(swapLogRoute, (route) => route.fulfill({ status: 200, contentType: "text/event-stream", body: longLog }));
      await page.locator(`#jobs-recent li[data-job="${swapJob.id}"] button`, { hasText: "Full log" }).click();
      await page.locator("#job-log-state[data-state='succeeded']", { hasText: "last 3,000 lines" }).waitFor();
      assert.equal(await page.locator("#job-log-lines li").count(), 3000);
      assert.equal(await page.locator("#job-log-lines li").first().getAttribute("data-seq"), "501");
      assert.match(await page.locator("#job-log-lines li").last().innerText(), /line 3500$/);
      const colors = await page.evaluate(() =>
        ["stdout", "stderr"].map((s) => getComputedStyle(document.querySelector(`#job-log-lines li[data-stream="${s}"]`)).color)
      );
      assert.notEqual(colors[0], colors[1], "stderr lines are styled differently");
      await page.unroute(swapLogRoute);

      // Stop asks first; cancelling the dialog starts nothing.
      const jobsBefore = (await getJson(`${server.url}/api/jobs`)).jobs.length;
      const magpie = page.locator('.svc[data-service="magpie"]');
      await magpie.locator('button[data-action="stop"]').click();
      await page.locator("#confirm-dialog[open]", { hasText: "Stop Magpie?" }).waitFor();
      await page.keyboard.press("Escape");
      await page.locator("#confirm-dialog").waitFor({ state: "hidden" });
      assert.equal((await getJson(`${server.url}/api/jobs`)).jobs.length, jobsBefore);
      // Fix cache ownership without services.magpie.cache_dir: the API's message is shown.
      await magpie.locator('button[data-action="fix-cache-ownership"]').click();
      await magpie.locator(".note[data-tone='fail']", { hasText: "cache_dir" }).waitFor();

      // Cancel (after a confirmation): a swap back to qwen36 ends Cancelled, with its error and
      // the log tail on demand.
      await qwen.locator(".model-actions .btn-primary").click();
      const running = page.locator('#jobs-running .job[data-kind="swap"]');
      await running.waitFor();
      await running.locator("button", { hasText: "Cancel" }).click();
      await page.locator("#confirm-dialog[open]", { hasText: "Swap to Qwen3.6" }).waitFor();
      await page.locator("#confirm-ok").click();
      await page.locator("#job-log-state[data-state='cancelled']", { hasText: "Cancelled" }).waitFor({ timeout: 30_000 });
      const cancelled = page.locator('#jobs-recent li[data-kind="swap"][data-state="cancelled"]');
      await cancelled.locator(".job-error", { hasText: "cancelled" }).waitFor();
      await cancelled.locator(".log-tail > summary").click();
      await cancelled.locator(".log-tail-text", { hasText: "cancel requested" }).waitFor();
      // vLLM's Start relaunches the last model (a swap job whose log opens at once).
      await page.locator('.svc[data-service="vllm"] button[data-action="start"]').click();
      await page.locator("#job-log-state[data-state='live']").waitFor();
      await page.locator("#job-log-state[data-state='succeeded']").waitFor({ timeout: 40_000 });
      const relaunch = (await getJson(`${server.url}/api/jobs`)).jobs[0];
      assert.equal(relaunch.kind, "swap");
      assert.equal(relaunch.state, "succeeded");
      const relaunched = models.find((m) => m.id === relaunch.target);
      await page.locator("#summary-sub .model-name", { hasText: relaunched.hf_repo }).waitFor();

      await assertClean();
    } finally {
      await context.close();
    }
  });
}
