// Browser tests of several clusters (the demo runs `lab`, the default, and `prod`): the switcher
// in the header, the cluster in the page URL (a copied link opens it, the back button returns),
// the event stream and every section following the switch, the all-clusters row, an unknown
// cluster in the URL (or the one shown, removed live) falling back to the default with a note,
// and the phone layout at 390 px.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";

import { SHOTS, apiStatus, assertFitsWidth, getJson, openPage, phone, waitForCards } from "./harness.mjs";

const LAB_MODEL = "RedHatAI/Qwen3.6-35B-A3B-NVFP4";
const PROD_MODEL = "google/gemma-4-26B-A4B-it";

const servedModel = (page, name) => page.locator("#summary-sub .model-name", { hasText: name }).waitFor();
const clusterOfUrl = (page) => new URL(page.url()).searchParams.get("cluster");

// The newest log row is an event of `cluster` (ids are unique across clusters: one log).
async function assertLogOf(page, url, cluster) {
  await page.locator("#log-list li").first().waitFor();
  const id = Number(await page.locator("#log-list li").first().getAttribute("data-id"));
  const { events } = await getJson(`${url}/api/events?cluster=${cluster}&since=${id - 1}&limit=1`);
  assert.equal(events[0] && events[0].id, id, `the log shows the events of ${cluster}`);
}

// The services and endpoints of the page are those of `cluster`.
async function assertSectionsOf(page, url, cluster) {
  const status = await getJson(`${url}/api/status?cluster=${cluster}`);
  await page.locator('.svc[data-service="vllm"] .url-row code', { hasText: status.services.vllm.base_url }).waitFor();
  const endpoints = await getJson(`${url}/api/clusters/${cluster}/endpoints`);
  await page.locator('#endpoint-list li[data-service="vllm"] code', { hasText: endpoints.vllm.base_url }).waitFor();
}

async function switcherTest(server) {
  const { clusters } = await getJson(`${server.url}/api/clusters`);
  assert.deepEqual(clusters.map((c) => [c.name, c.default]), [["lab", true], ["prod", false]]);
  const { page, context, assertClean } = await openPage(server.url);
  try {
    // The switcher lists both; the page shows the default, lab, with Qwen3.6.
    await page.locator("#cluster-pick").waitFor();
    assert.equal(await page.locator("#cluster-name").isHidden(), true, "the select replaces the name");
    const options = await page.locator("#cluster-select option").evaluateAll((os) => os.map((o) => o.value));
    assert.deepEqual(options, ["lab", "prod"]);
    assert.equal(await page.locator("#cluster-select").inputValue(), "lab");
    await servedModel(page, LAB_MODEL);
    await waitForCards(page);
    await assertSectionsOf(page, server.url, "lab");

    // The all-clusters row: both, each with its model, services and jobs; lab is the one shown.
    const cards = page.locator("#cluster-list .cluster-card");
    await page.locator('.cluster-card[data-cluster="prod"] .cl-model', { hasText: /Gemma 4/ }).waitFor();
    assert.deepEqual(await cards.evaluateAll((els) => els.map((e) => e.dataset.cluster)), ["lab", "prod"]);
    await page.locator('.cluster-card[data-cluster="lab"] .cl-model', { hasText: /Qwen3\.6/ }).waitFor();
    for (const card of await cards.all()) {
      assert.match(await card.locator(".cl-services").innerText(), /^\d+\/\d+ up$/);
      assert.match(await card.locator(".cl-jobs").innerText(), /^(no jobs|\d+ jobs? running)$/);
    }
    assert.equal(await page.locator('.cluster-card[data-cluster="lab"]').getAttribute("aria-current"), "true");
    assert.equal(await page.locator('.cluster-card[data-cluster="prod"]').getAttribute("href"), `${server.url}/?cluster=prod`);

    // Choosing prod: the URL names it, the overview shows Gemma 4, the stream and every section follow.
    await page.selectOption("#cluster-select", "prod");
    await page.waitForURL(/[?&]cluster=prod\b/);
    await servedModel(page, PROD_MODEL);
    await page.locator("#conn[data-conn='live']").waitFor();
    await assertSectionsOf(page, server.url, "prod");
    await assertLogOf(page, server.url, "prod");
    assert.equal(await page.locator('.cluster-card[data-cluster="prod"]').getAttribute("aria-current"), "true");
    assert.match(await page.title(), /spark-control · prod$/);
    assert.equal(await page.locator("#footer-status").getAttribute("href"), "/api/status?cluster=prod");
    await page.locator("#settings-cluster-note", { hasText: "edits the default cluster, lab" }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, "desktop-clusters-dark.png"), clip: { x: 0, y: 0, width: 1280, height: 420 } });

    // The back button returns to lab.
    await page.goBack();
    await page.waitForURL((u) => !u.searchParams.has("cluster"));
    await servedModel(page, LAB_MODEL);
    assert.equal(await page.locator("#cluster-select").inputValue(), "lab");
    await assertSectionsOf(page, server.url, "lab");
    await page.locator("#settings-cluster-note").waitFor({ state: "hidden" });

    // A row entry switches too, from the keyboard.
    await page.locator('.cluster-card[data-cluster="prod"]').focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(/[?&]cluster=prod\b/);
    await servedModel(page, PROD_MODEL);

    // A copied link opens prod directly.
    await page.goto(`${server.url}/?cluster=prod#services`);
    await servedModel(page, PROD_MODEL);
    assert.equal(await page.locator("#cluster-select").inputValue(), "prod");
    await assertSectionsOf(page, server.url, "prod");
    await assertLogOf(page, server.url, "prod");

    // An unknown cluster: the default with a note, and the URL no longer names it.
    await page.goto(`${server.url}/?cluster=nope`);
    await page.locator("#cluster-note", { hasText: "There is no cluster named “nope”; showing the default cluster, lab." }).waitFor();
    await servedModel(page, LAB_MODEL);
    assert.equal(clusterOfUrl(page), null);
    await page.selectOption("#cluster-select", "prod");
    await page.locator("#cluster-note").waitFor({ state: "hidden" });
    await assertClean();
  } finally {
    await context.close();
  }
}

async function removedLiveTest(server) {
  const putClusters = async (clusters) => {
    const response = await fetch(`${server.url}/api/config`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ clusters }),
      signal: AbortSignal.timeout(5_000),
    });
    assert.equal(response.status, 200, `PUT clusters ${JSON.stringify(clusters)}`);
  };
  // Until the page falls back, its calls for prod answer 404 (Chromium logs each).
  const { page, context, assertClean } = await openPage(server.url, {}, [apiStatus(/[?&]cluster=prod\b/, 404)]);
  try {
    await page.goto(`${server.url}/?cluster=prod`);
    await servedModel(page, PROD_MODEL);
    await putClusters([]); // over the demo's list: lab alone
    await page.locator("#cluster-note", { hasText: "There is no cluster named “prod”; showing the default cluster, lab." }).waitFor();
    assert.equal(clusterOfUrl(page), null);
    await servedModel(page, LAB_MODEL);
    await page.locator("#cluster-name", { hasText: "lab" }).waitFor();
    assert.equal(await page.locator("#cluster-pick").isHidden(), true, "one cluster: no switcher");
    assert.equal(await page.locator("#clusters").isHidden(), true, "one cluster: no row");
    await putClusters(null); // the demo's list again
    await page.locator('.cluster-card[data-cluster="prod"]').waitFor();
    await page.locator("#cluster-pick").waitFor();
    await assertClean();
  } finally {
    await context.close();
  }
}

async function phoneFitTest(server) {
  const { page, context, assertClean } = await openPage(server.url, phone(390, 844));
  try {
    await page.locator('.cluster-card[data-cluster="prod"] .cl-model', { hasText: /Gemma 4/ }).waitFor();
    await waitForCards(page);
    await assertFitsWidth(page, "#cluster-pick, .cluster-card, .topbar .conn");
    await page.locator('.cluster-card[data-cluster="prod"]').tap();
    await page.waitForURL(/[?&]cluster=prod\b/);
    await servedModel(page, PROD_MODEL);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SHOTS, "phone-clusters-light.png"), clip: { x: 0, y: 0, width: 390, height: 560 } });
    await assertClean();
  } finally {
    await context.close();
  }
}

export function clusterTests(server) {
  test("clusters: switcher, URL, back button, all-clusters row, unknown cluster", () => switcherTest(server));
  test("clusters: the cluster shown is removed live, then comes back", () => removedLiveTest(server));
  test("clusters: the switcher and the row fit a 390 px phone", () => phoneFitTest(server));
}
