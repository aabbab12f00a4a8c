// Browser tests of the spark-vllm-docker update against the demo's simulated checkout (four
// commits behind) and images: the header banner says how far behind, its dialog lists the
// commits; Apply (confirmed) streams the build log and ends succeeded with "Relaunch now",
// which launches the new image (the version line changes); Roll back (confirmed) brings the
// old image and version back. First the dialog at phone width.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";

import { SHOTS, assertFitsWidth, getJson, openPage, phone } from "./harness.mjs";

const NEWEST = "Switch the default build to the prebuilt nightly wheels";

async function openDialog(page) {
  await page.locator("#update-banner", { hasText: "4 commits behind" }).waitFor({ timeout: 20_000 });
  await page.locator("#update-banner-open").click();
  await page.locator("#update-dialog[open]").waitFor();
  await page.locator("#update-commits .update-commit").nth(3).waitFor();
}

async function confirm(page, title) {
  await page.locator("#confirm-dialog[open]", { hasText: title }).waitFor();
  await page.locator("#confirm-ok").click();
}

// The version line once it names `version` (the monitor reads /version after each launch).
async function versionNamed(page, version, timeout) {
  const line = page.locator("#version-text", { hasText: "vLLM " + version });
  await line.waitFor({ timeout });
  return line.innerText();
}

// `server` is a demoServer of its own: the update changes its images.
export function updateTests(server) {
  test("update dialog at phone width: no sideways scrolling", async () => {
    const { page, context, assertClean } = await openPage(server.url, phone(375, 812));
    try {
      await openDialog(page);
      await assertFitsWidth(page, "#update-banner, #update-dialog, .update-commit, #update-apply");
      await page.locator("#update-dialog").screenshot({ path: path.join(SHOTS, "phone-update-light.png") });
      await page.locator("#update-close").click();
      await page.locator("#update-dialog[open]").waitFor({ state: "detached" });
      await assertClean();
    } finally {
      await context.close();
    }
  });

  test("update: banner, commits, apply with streamed log, relaunch on the new image, rollback", async () => {
    const { page, context, assertClean } = await openPage(server.url);
    try {
      const before = await getJson(`${server.url}/api/update`);
      assert.equal(before.state, "behind");
      assert.equal(before.previous_image, null);
      const oldLine = await versionNamed(page, "0.11.1", 20_000);
      assert.match(oldLine, /image built 7 d/);
      assert.equal(await page.locator("#rollback-go").isVisible(), false, "no previous image: no Roll back");

      // The banner opens the commit list, newest first.
      await openDialog(page);
      assert.equal(await page.locator("#update-commits .update-commit").count(), 4);
      assert.match(await page.locator("#update-commits .update-commit").first().innerText(), new RegExp(NEWEST));

      // Apply, confirmed: the build log streams in the dialog and ends succeeded.
      await page.locator("#update-apply").click();
      await confirm(page, "Apply the update?");
      await page.locator("#update-log-lines li", { hasText: "spark-control-phase building" }).waitFor({ timeout: 20_000 });
      await page.locator("#update-log-state", { hasText: "Streaming live" }).waitFor();
      await page.locator("#update-log-lines li", { hasText: "Building image with command" }).waitFor();
      await page.locator("#update-log-lines li", { hasText: "#2 DONE" }).waitFor();
      await page.screenshot({ path: path.join(SHOTS, "desktop-update-dark.png") });
      await page.locator("#update-outcome", { hasText: "keeps the old image until its next launch" }).waitFor({ timeout: 40_000 });
      await page.locator('#update-log-state[data-state="succeeded"]').waitFor();
      await page.locator("#update-log-lines li", { hasText: "Done preparing vllm-node." }).waitFor();
      await page.locator("#update-banner").waitFor({ state: "hidden", timeout: 20_000 });
      const applied = await getJson(`${server.url}/api/update`);
      assert.equal(applied.behind, 0);
      assert.equal(applied.previous_image.id, before.image.id, "the old image is kept as vllm-node:previous");
      assert.notEqual(applied.image.id, before.image.id);
      assert.equal(applied.image.vllm_version, "0.11.1", "the running model keeps the old image");

      // Relaunch now: the new image runs, and the version line says so.
      await page.locator("#update-relaunch").click();
      await page.locator("#update-dialog[open]").waitFor({ state: "detached" });
      const newLine = await versionNamed(page, "0.11.2rc1.dev", 45_000);
      assert.notEqual(newLine, oldLine);

      // Roll back, confirmed: the old image and version come back.
      await page.locator("#rollback-go").click();
      await confirm(page, "Roll back the vLLM image?");
      await versionNamed(page, "0.11.1", 45_000);
      const rolled = await getJson(`${server.url}/api/update`);
      assert.equal(rolled.image.id, before.image.id);
      for (const id of Object.values(rolled.image.sparks)) assert.equal(id, before.image.id, "every Spark launches the old image");
      await assertClean();
    } finally {
      await context.close();
    }
  });
}
