// Browser test of automatic recovery against the demo (recovery.backoff_s [5, 20, 60]):
// "Simulate a crash" on the vLLM card kills the fake vLLM; the card shows the recovery waiting
// with its countdown, then recovering with a link to the job; Jobs labels the recovery's swap
// "automatic"; the connectivity log shows the recovery's decisions; vLLM comes back up and the
// card's recovery line goes away. The speech cards offer the crash too.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";

import { SHOTS, getJson, openPage, waitForCards } from "./harness.mjs";

const card = (page, service) => page.locator(`.svc[data-service="${service}"]`);

// vLLM's recovery relaunches what the job history says a swap made ready: the demo starts
// with none, so a user's restart comes first (a swap of the served model, ~8 s).
async function restartVllm(url) {
  const response = await fetch(`${url}/api/services/vllm/restart`, { method: "POST", signal: AbortSignal.timeout(5_000) });
  assert.equal(response.status, 202);
  const { job } = await response.json();
  for (let i = 0; i < 60; i++) {
    const status = await getJson(`${url}/api/status`);
    if (status.services.vllm.up && !status.jobs.some((j) => j.id === job.id)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.fail("the restart of vLLM did not end within 15 s");
}

export function recoveryTests(server) {
  test("a simulated crash of vLLM is recovered automatically, on the card, in Jobs and in the log", async () => {
    const restarted = restartVllm(server.url);
    const { page, context, assertClean } = await openPage(server.url);
    try {
      await restarted;
      await waitForCards(page);
      const vllm = card(page, "vllm");
      await vllm.locator(".svc-recovery").waitFor({ state: "hidden" });
      for (const service of ["vllm", "parakeet", "magpie"]) {
        await card(page, service).getByRole("button", { name: /^Simulate a crash of / }).waitFor();
      }

      await vllm.getByRole("button", { name: "Simulate a crash of vLLM" }).click();
      await vllm.locator(".svc-demo .note", { hasText: "The container vllm_node exited 1" }).waitFor();
      await page.locator('.svc[data-service="vllm"][data-state="down"]').waitFor();
      const waiting = vllm.locator('.svc-recovery[data-state="waiting"]');
      await waiting.waitFor();
      assert.match(await waiting.innerText(), /Automatic recovery, attempt 1 of 3, in \d+ s/);
      assert.match(await waiting.locator(".rec-reason").innerText(), /vllm_node/);

      // After the first backoff (5 s in the demo): a swap with trigger recovery.
      const recovering = vllm.locator('.svc-recovery[data-state="recovering"]');
      await recovering.waitFor({ timeout: 15_000 });
      await page.locator("#jobs-running .job .badge.automatic:not([hidden])").waitFor();
      await vllm.locator(".svc-job .badge.automatic:not([hidden])").waitFor();
      await page.locator("#services").screenshot({ path: path.join(SHOTS, "desktop-recovery-dark.png") });
      await recovering.getByRole("button", { name: /^Show the log of the automatic recovery/ }).click();
      await page.locator("#job-log").waitFor();

      // The relaunch loads the model (~8 s): vLLM is up, the recovery idle again.
      await page.locator('.svc[data-service="vllm"][data-state="up"]').waitFor({ timeout: 25_000 });
      await vllm.locator(".svc-recovery").waitFor({ state: "hidden" });
      await page.locator('#jobs-recent li.job-done[data-trigger="recovery"][data-state="succeeded"] .badge.automatic').waitFor();
      await page.locator('#log-list li[data-type="recovery"][data-action="succeeded"]').waitFor();
      assert.ok(await page.locator('#log-list li[data-type="recovery"]').count() >= 2, "its decisions are in the log");

      const jobs = await getJson(`${server.url}/api/jobs`);
      const [recovery, user] = jobs.jobs;
      assert.deepEqual([recovery.kind, recovery.trigger, recovery.state], ["swap", "recovery", "succeeded"]);
      assert.equal(user.trigger, "user", "the restart before it");
      await assertClean();
    } finally {
      await context.close();
    }
  });
}
