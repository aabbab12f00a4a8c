// Browser tests of the Downloads section and the cache view against the demo's simulated Hub
// and Sparks: a gated repo fails with its advice; a pasted huggingface.co URL downloads with
// moving progress, ends in the Add to catalog form filled in, and the new catalog model swaps
// in; the cache lists the bundled models with their sizes, refuses to delete the served model
// (saying why), and deletes a cancelled download's partial files. Then the same at phone width.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";

import { SHOTS, assertFitsWidth, getJson, openPage, phone } from "./harness.mjs";

const GATED = "acme/gated-llama";
const WANTED = "acme/tiny-chat"; // 7 s in the demo
const PARTIAL = "acme/stall-partial-model"; // stops at 60 %: a cancel always finds it part-way

const row = (page, repo) => page.locator("#download-list .download", { hasText: repo });
const cached = (page, spark, repo) => page.locator(`#cache-sparks .cache-spark[data-spark="${spark}"] .cache-model[data-repo="${repo}"]`);

async function startDownload(page, text, mode = "solo") {
  await page.locator("#dl-repo").fill(text);
  await page.locator(`input[name="dl-mode"][value="${mode}"]`).check();
  await page.locator("#download-start").click();
}

// Waits until the row's bar has shown two different values strictly between 0 and 100, and its
// facts line bytes with a rate; returns a facts line seen.
async function moving(page, repo) {
  const handle = await page.waitForFunction(
    (wanted) => {
      const el = [...document.querySelectorAll("#download-list .download")].find((r) => r.textContent.includes(wanted));
      const bar = el && el.querySelector("progress");
      const seen = (window.__seenPercent = window.__seenPercent || new Set());
      if (bar && bar.hasAttribute("value") && bar.value > 0 && bar.value < 100) seen.add(bar.value);
      const facts = el ? el.querySelector(".dl-facts").textContent : "";
      if (/ of .*\/s/.test(facts)) window.__facts = facts;
      return seen.size >= 2 && window.__facts ? window.__facts : false;
    },
    repo,
    { polling: 100, timeout: 20_000 }
  );
  return handle.jsonValue();
}

// A picture of the Downloads section (the sticky top bar hidden meanwhile: it would cover it).
async function shoot(page, name) {
  await page.evaluate(() => (document.querySelector(".topbar").hidden = true));
  await page.locator("#downloads").screenshot({ path: path.join(SHOTS, name) });
  await page.evaluate(() => (document.querySelector(".topbar").hidden = false));
}

// `server` is a demoServer of its own: it swaps the served model.
export function downloadTests(server) {
  test("downloads: gated advice, live progress, pre-filled catalog entry and swap, cache view and delete", async () => {
    const { page, context, assertClean } = await openPage(server.url);
    try {
      // The cache view: the bundled models with their sizes; the served one cannot be deleted.
      const qwen = cached(page, "spark1", "RedHatAI/Qwen3.6-35B-A3B-NVFP4");
      await qwen.waitFor();
      assert.match(await qwen.innerText(), /22\.3 GB/);
      await qwen.locator(".pill.serving").waitFor();
      assert.equal(await qwen.locator("button", { hasText: "Delete" }).isDisabled(), true);
      assert.match(await qwen.locator(".note").innerText(), /vLLM serves this model/);
      await cached(page, "spark2", "Qwen/Qwen2.5-72B-Instruct").waitFor();
      assert.equal(await cached(page, "spark2", "RedHatAI/Qwen3.6-35B-A3B-NVFP4").count(), 0, "a solo model is on Spark 1 only");

      // A gated repo: the job fails with auth_required and says what to do.
      await startDownload(page, GATED);
      const gated = row(page, GATED);
      await gated.locator(".dl-outcome").waitFor({ timeout: 20_000 });
      assert.equal(await gated.getAttribute("data-state"), "failed");
      assert.match(await gated.innerText(), /accept the licence[\s\S]*HF_TOKEN/i, "the error says what to do");

      // A pasted URL becomes the repo id; the download shows moving progress, bytes and a rate.
      await page.locator("#dl-repo").fill(`https://huggingface.co/${WANTED}/tree/main`);
      await page.locator("#dl-repo-hint", { hasText: `Repo ${WANTED}` }).waitFor();
      await page.locator("#download-start").click();
      await row(page, WANTED).locator("progress").waitFor();
      const facts = await moving(page, WANTED);
      assert.match(facts, /^\d+% · [\d.]+ [kMG]?B of [\d.]+ GB · [\d.]+ [kMG]?B\/s/);
      await shoot(page, "desktop-downloads-dark.png");

      // Success opens Add to catalog, filled in from result.catalog_entry; adding and swapping
      // are one click each.
      await page.locator("#add-model[open]").waitFor({ timeout: 30_000 });
      assert.equal(await page.locator("#am-hf_repo").inputValue(), WANTED);
      const job = (await getJson(`${server.url}/api/jobs`)).jobs.find((j) => j.kind === "download" && j.state === "succeeded");
      const entry = job.result.catalog_entry;
      assert.equal(entry.hf_repo, WANTED);
      assert.equal(await page.locator("#am-id").inputValue(), entry.id);
      assert.equal(await page.locator("#am-name").inputValue(), entry.name);
      assert.equal(await page.locator("#am-mode").inputValue(), entry.mode);
      assert.equal(await page.evaluate(() => document.activeElement?.id), "am-name");
      assert.match(await row(page, WANTED).locator(".dl-outcome").innerText(), /^Downloaded · [\d.]+ GB · revision [0-9a-f]{7}/);
      await page.locator("#add-model-save").click();
      const model = page.locator(`#model-list .model[data-model="${entry.id}"]`);
      await model.waitFor();
      await row(page, WANTED).locator(".dl-outcome", { hasText: "in the catalog as" }).waitFor();
      assert.equal(await row(page, WANTED).locator("button", { hasText: "Add to catalog" }).isVisible(), false);
      await model.locator(".model-actions .btn-primary", { hasText: "Swap" }).click();
      await page.locator(`.model[data-model="${entry.id}"][data-current="true"] .pill.serving`).waitFor({ timeout: 40_000 });

      // The cache follows: the download is listed, served now, so it cannot be deleted.
      const wanted = cached(page, "spark1", WANTED);
      await wanted.locator(".pill.serving").waitFor({ timeout: 20_000 });
      assert.equal(await wanted.locator("button", { hasText: "Delete" }).isDisabled(), true);
      assert.equal(await qwen.locator("button", { hasText: "Delete" }).isDisabled(), false, "qwen36 is no longer served");

      // Cancel half-way keeps the partial files; Delete (after a confirmation) frees them.
      await startDownload(page, PARTIAL);
      await moving(page, PARTIAL);
      await row(page, PARTIAL).locator("button", { hasText: "Cancel" }).click();
      await page.locator("#confirm-dialog[open]", { hasText: PARTIAL }).waitFor();
      await page.locator("#confirm-ok").click();
      await row(page, PARTIAL).locator(".dl-advice", { hasText: "resumes" }).waitFor({ timeout: 20_000 });
      const partial = cached(page, "spark1", PARTIAL);
      await partial.locator(".badge.incomplete").waitFor({ timeout: 20_000 });
      await partial.locator("button", { hasText: "Delete" }).click();
      await page.locator("#confirm-dialog[open]", { hasText: `Delete ${PARTIAL} from Spark 1?` }).waitFor();
      await page.locator("#confirm-ok").click();
      await partial.waitFor({ state: "detached", timeout: 20_000 });
      const cache = await getJson(`${server.url}/api/cache`);
      assert.equal(cache.sparks.spark1.models.some((m) => m.hf_repo === PARTIAL), false);
      await assertClean();
    } finally {
      await context.close();
    }
  });

  test("downloads at phone width: no sideways scrolling", async () => {
    const { page, context, assertClean } = await openPage(server.url, phone(375, 812));
    try {
      await row(page, WANTED).waitFor();
      await cached(page, "spark1", WANTED).waitFor();
      await page.locator("#downloads").scrollIntoViewIfNeeded();
      await assertFitsWidth(page, "#download-form, #download-list .download, .cache-spark, .cache-model");
      await shoot(page, "phone-downloads-light.png");
      await assertClean();
    } finally {
      await context.close();
    }
  });
}
