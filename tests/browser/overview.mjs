// Browser tests of the overview: the UI's module graph as served, the desktop page (cards,
// heartbeat strips, the live log and its filters, endpoints, the settings form with field
// errors) and the phone layout.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

import {
  SHOTS,
  SHOT_DELAY_MS,
  apiConfigStatus,
  assertFitsWidth,
  filledBeats,
  getJson,
  moduleGraph,
  openPage,
  phone,
  rawGet,
  waitForCards,
} from "./harness.mjs";

// The module graph and the desktop page; `server` is a demoServer.
export function overviewTests(server) {
  test("every UI module is served with the CSP; nothing outside lib/ and sections/", async () => {
    const graph = await moduleGraph(server.url);
    assert.ok(graph.size >= 10, `main.js imports the sections (${[...graph.keys()]})`);
    for (const [where, response] of graph) {
      assert.equal(response.status, 200, where);
      assert.equal(response.headers["content-type"], "text/javascript; charset=utf-8", where);
      assert.match(response.headers["content-security-policy"], /script-src 'self'/, where);
      assert.match(where, /^\/assets\/(?:(?:lib|sections)\/)?[a-z-]+\.js$/);
    }
    const lib = await rawGet(server.url, "/assets/lib/dom.js");
    const source = new URL("../../web/ui/lib/dom.js", import.meta.url);
    assert.equal(lib.body, fs.readFileSync(source, "utf8"), "served as written");
    // Dot segments are resolved (by CivetWeb) before routing: they name a file of the table or
    // nothing, never a file outside it.
    const main = (await rawGet(server.url, "/assets/main.js")).body;
    for (const dots of ["/assets/lib/../main.js", "/assets/lib/%2e%2e/main.js"]) {
      assert.equal((await rawGet(server.url, dots)).body, main, dots);
    }
    for (const bad of ["/assets/lib/nope.js", "/assets/other/dom.js", "/assets/lib/../../CMakeLists.txt",
      "/assets/..%2fCMakeLists.txt", "/assets/%2e%2e/%2e%2e/etc/passwd", "/assets/lib/dom.js/x", "/assets/sections/",
      "/assets/package.json", "/assets/app.js"]) {
      const response = await rawGet(server.url, bad);
      assert.equal(response.status, 404, bad);
      assert.equal(JSON.parse(response.body).error.code, "not_found", bad);
    }
  });

  test("desktop: cards, heartbeats, live log, endpoints, settings form", async () => {
    const { page, context, modules, assertClean } = await openPage(server.url, {}, [apiConfigStatus(400)]);
    try {
      // Every module of the graph loaded (the page does not start without all of them).
      await page.locator("#conn[data-conn='live']").waitFor();
      const graph = await moduleGraph(server.url);
      assert.deepEqual([...new Set(modules)].sort(), [...graph.keys()].sort(), "the page loaded every module");
      // Keyboard: the first Tab stop is the skip link, which leads to the content.
      await page.keyboard.press("Tab");
      assert.equal(await page.evaluate(() => document.activeElement?.className), "skip-link");
      await page.keyboard.press("Enter");
      assert.equal(await page.evaluate(() => document.activeElement?.id), "main");

      // Header: product, the default cluster (named, or chosen in the switcher), live connection.
      await assert.doesNotReject(page.locator(".brand-name", { hasText: "spark-control" }).waitFor());
      const { clusters } = await getJson(`${server.url}/api/clusters`);
      if (clusters.length > 1) await page.locator("#cluster-pick").waitFor();
      else await page.locator("#cluster-name", { hasText: clusters[0].name }).waitFor();
      assert.equal(await page.locator("#cluster-select").inputValue(), clusters.length > 1 ? clusters[0].name : "");
      await page.locator("#conn[data-conn='live']", { hasText: "Live" }).waitFor();

      // Three service cards, each up or down, in a fixed order, with a readable pill.
      await waitForCards(page);
      const names = await page.locator("#service-cards .svc").evaluateAll((els) => els.map((e) => e.dataset.service));
      assert.deepEqual(names, ["vllm", "parakeet", "magpie"]);
      for (const name of names) {
        const card = page.locator(`.svc[data-service="${name}"]`);
        const state = await card.getAttribute("data-state");
        assert.equal((await card.locator(".pill").innerText()).trim(), state === "up" ? "Up" : "Down");
        assert.match(await card.locator(".url-row code").innerText(), /^http:\/\/127\.0\.0\.\d:\d+$/);
      }
      const vllm = page.locator('.svc[data-service="vllm"]');
      await vllm.locator(".svc-model", { hasText: "RedHatAI/Qwen3.6-35B-A3B-NVFP4" }).waitFor();
      assert.equal(await page.locator(".svc .beats").first().locator("i").count(), 60);

      // The heartbeat strip fills as probes arrive (every 2 s in the demo), pushed over SSE.
      const before = await filledBeats(page, "vllm");
      assert.ok(before >= 1, "the strip shows the probes so far");
      await page.waitForFunction(
        (n) => document.querySelectorAll('.svc[data-service="vllm"] .beats i.ok, .svc[data-service="vllm"] .beats i.fail').length > n,
        before
      );

      // The log has its first page, then a new event appears live.
      await page.locator("#log-list li").first().waitFor();
      const newest = Number(await page.locator("#log-list li").first().getAttribute("data-id"));
      await page.waitForFunction((id) => Number(document.querySelector("#log-list li")?.dataset.id) > id, newest);
      const liveId = Number(await page.locator("#log-list li").first().getAttribute("data-id"));
      const { events } = await getJson(`${server.url}/api/events?since=${liveId - 1}&limit=1`);
      assert.equal(events[0].id, liveId, "the live row is a real event");
      const row = page.locator(`#log-list li[data-id="${liveId}"]`);
      assert.equal(await row.getAttribute("data-service"), events[0].service);
      assert.equal(await row.getAttribute("class").then((c) => c.includes("fail")), !events[0].ok, "failures are highlighted");

      // Filters: by service, by type.
      await page.selectOption("#filter-service", "parakeet");
      await page.waitForFunction(() => {
        const rows = [...document.querySelectorAll("#log-list li")];
        return rows.length > 0 && rows.every((r) => r.dataset.service === "parakeet");
      });
      await page.selectOption("#filter-service", "");
      await page.selectOption("#filter-type", "transition");
      await page.waitForFunction(() => {
        const rows = [...document.querySelectorAll("#log-list li")];
        return rows.length > 0 && rows.every((r) => r.dataset.type === "transition");
      });
      await page.selectOption("#filter-type", "");

      // Endpoints: what /api/endpoints tells LAN apps, with copyable URLs.
      const endpoints = await getJson(`${server.url}/api/endpoints`);
      for (const [name, ep] of Object.entries(endpoints)) {
        const item = page.locator(`#endpoint-list li[data-service="${name}"]`);
        assert.equal(await item.locator("code").innerText(), ep.base_url, `${name} endpoint`);
        assert.equal(await item.locator("button.btn-copy").count(), 1);
      }
      await page.locator('#endpoint-list li[data-service="vllm"]', { hasText: endpoints.vllm.model }).waitFor();

      if (SHOT_DELAY_MS) await page.waitForTimeout(SHOT_DELAY_MS);
      await page.screenshot({ path: path.join(SHOTS, "desktop-dark.png") });
      await page.emulateMedia({ colorScheme: "light" });
      await page.waitForTimeout(500); // let colour transitions finish
      await page.screenshot({ path: path.join(SHOTS, "desktop-light.png") });
      await page.emulateMedia({ colorScheme: "dark" });

      // The copy button works (falls back to execCommand on plain-http LAN addresses).
      await page.locator('.svc[data-service="vllm"] .btn-copy').click();
      await page.locator('.svc[data-service="vllm"] .btn-copy', { hasText: /Copied|Ctrl\+C/ }).waitFor();

      // Settings: saving Spark 1's host through the form changes GET /api/config.
      const host = page.locator('input[name="sparks.spark1.host"]');
      assert.equal(await host.inputValue(), "127.0.0.1");
      assert.equal(await page.locator("#config-reset").isDisabled(), true);
      await host.fill("localhost");
      await page.locator("#form-status", { hasText: "Unsaved changes" }).waitFor();
      await page.locator("#config-save").click();
      await page.locator("#form-status[data-tone='ok']", { hasText: "Saved" }).waitFor();
      assert.equal((await getJson(`${server.url}/api/config`)).sparks.spark1.host, "localhost");
      assert.equal(await host.inputValue(), "localhost");
      assert.equal(await page.locator("#config-reset").isDisabled(), true, "nothing left unsaved");

      // A bad port: the API's field error appears at the field, which gets focus.
      const port = page.locator('input[name="sparks.spark2.port"]');
      await port.fill("99999");
      await page.locator("#config-save").click();
      const error = page.locator("#f-sparks-spark2-port-error");
      await error.waitFor({ state: "visible" });
      assert.match(await error.innerText(), /1 to 65535/);
      assert.equal(await port.getAttribute("aria-invalid"), "true");
      assert.equal(await page.evaluate(() => document.activeElement?.name), "sparks.spark2.port");
      await page.locator("#form-status[data-tone='fail']").waitFor();
      assert.equal((await getJson(`${server.url}/api/config`)).sparks.spark2.port, 22, "nothing saved");
      // Typing clears the error; discarding restores the saved value.
      await port.fill("2222");
      await error.waitFor({ state: "hidden" });
      await page.locator("#config-reset").click();
      assert.equal(await port.inputValue(), "22");

      // Leave the demo's addresses as they were for the next test (null = back to the demo's value).
      const restore = await fetch(`${server.url}/api/config`, {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sparks: { spark1: { host: null } } }),
        signal: AbortSignal.timeout(5_000),
      });
      assert.equal(restore.status, 200);
      assert.equal((await restore.json()).sparks.spark1.host, "127.0.0.1");

      await assertClean();
    } finally {
      await context.close();
    }
  });
}

// The phone layout; after the model tests, so the jobs they left are on the page too.
export function phoneTest(server) {
  test("phone: readable at 375 px, no sideways scrolling", async () => {
    const { page, context, assertClean } = await openPage(server.url, phone(375, 812));
    try {
      await waitForCards(page);
      await page.locator("#log-list li").first().waitFor();
      await page.locator("#endpoint-list li").first().waitFor();
      // The new sections too: the catalog with an open Advanced panel, the add form, the jobs
      // (the earlier test left finished ones), the SSH key.
      await page.locator('#model-list .model[data-model="qwen3-vl"]').waitFor();
      await page.locator('.model[data-model="qwen3-vl"] .model-adv > summary').click();
      await page.locator("#add-model > summary").click();
      await page.locator("#ssh-fingerprint").waitFor();
      await assertFitsWidth(page, ".svc, .model, .job, .ssh-spark, #ssh-setup, .cluster-card");
      // Body text stays at a readable size.
      const fontSize = await page.evaluate(() => parseFloat(getComputedStyle(document.querySelector(".log .msg")).fontSize));
      assert.ok(fontSize >= 13, `log text is ${fontSize}px`);
      await page.evaluate(() => window.scrollTo(0, 0)); // the pictures show the top of the page
      if (SHOT_DELAY_MS) await page.waitForTimeout(SHOT_DELAY_MS);
      await page.screenshot({ path: path.join(SHOTS, "phone-light.png") });
      await page.emulateMedia({ colorScheme: "dark" });
      await page.waitForTimeout(500);
      await page.screenshot({ path: path.join(SHOTS, "phone-dark.png") });
      await assertClean();
    } finally {
      await context.close();
    }
  });
}
