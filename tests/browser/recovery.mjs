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

export function recoveryTests(server) {
  test("a simulated crash of vLLM is recovered automatically, on the card, in Jobs and in the log", async () => {
    // A fresh demo: no swap in the job history, so the recovery relaunches the model it saw
    // vLLM serve (as after installing spark-control next to a vLLM launched by hand).
    const { page, context, assertClean } = await openPage(server.url);
    try {
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
      assert.equal(jobs.jobs.length, 1, "the recovery's swap is the only job");
      const [recovery] = jobs.jobs;
      assert.deepEqual([recovery.kind, recovery.trigger, recovery.state], ["swap", "recovery", "succeeded"]);
      await assertClean();
    } finally {
      await context.close();
    }
  });
}
