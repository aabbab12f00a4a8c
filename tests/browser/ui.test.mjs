// Browser tests of the control UI: the real spark-control binary in --demo mode, driven through
// Debian's Chromium with playwright-core. Asserts what a user sees: service cards and their
// heartbeat strips, live connectivity events, endpoints, the settings form (save, field errors,
// pinned fields, the admin-token prompt), the model catalog (swap with its live job log,
// per-model overrides, custom models), service actions, SSH setup (public key, trusting host
// keys), a phone layout without horizontal scrolling, and no console errors, CSP violations or
// failed /assets requests (every ES module of the UI loads).
// Saves desktop and phone screenshots to SCREENSHOT_DIR (and, with SCREENSHOT_DELAY_S, one of a
// swap in progress).
//
// Environment: SPARK_CONTROL_BIN (required), CHROMIUM_PATH (default /usr/bin/chromium),
// SCREENSHOT_DIR (default: a temp dir), SCREENSHOT_DELAY_S (extra wait before the screenshots,
// e.g. 120 for README pictures with full heartbeat strips; default 0).
// Run: node --test tests/browser/   (or ctest -L browser in a build dir)

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";

let chromium;
try {
  ({ chromium } = await import("playwright-core"));
} catch (e) {
  throw new Error("playwright-core is not installed: run scripts/install-deps (npm ci in the repo root)\n" + e.message);
}

const BIN = process.env.SPARK_CONTROL_BIN;
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const SHOTS = process.env.SCREENSHOT_DIR || fs.mkdtempSync(path.join(os.tmpdir(), "spark-ui-shots-"));
const SHOT_DELAY_MS = Number(process.env.SCREENSHOT_DELAY_S || 0) * 1000;
const WAIT = 15_000; // default bound for every wait on the page

// Variables that would pin config keys or point the process elsewhere; each test sets its own.
const SCRUB = ["SPARK1_HOST", "SPARK1_USER", "SPARK2_HOST", "SPARK2_USER", "SSH_KEY_PATH",
  "SPARK_CONTROL_TOKEN", "SPARK_CONTROL_REPORT_TOKEN", "SPARK_CONTROL_DATA"];

// ------------------------------------------------------------------ the process under test

async function startServer(extraEnv = {}) {
  assert.ok(BIN, "SPARK_CONTROL_BIN must name the spark-control binary");
  assert.ok(fs.existsSync(BIN), `no binary at ${BIN}`);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "spark-ui-data-"));
  const env = { ...process.env };
  for (const key of SCRUB) delete env[key];
  Object.assign(env, extraEnv);
  const proc = spawn(BIN, ["--demo", "--listen", "127.0.0.1:0", "--data-dir", dataDir, "--log-level", "warn"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  proc.stderr.on("data", (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no 'listening on' line within 10 s; stderr: " + stderr)), 10_000);
    const lines = readline.createInterface({ input: proc.stdout });
    lines.on("line", (line) => {
      const m = /^listening on (http:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1].replace(/\/$/, ""));
      }
    });
    proc.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`spark-control exited with ${code} before listening; stderr: ${stderr}`));
    });
  });
  proc.stdout.resume();
  return {
    url,
    pid: proc.pid,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((resolve) => proc.once("exit", resolve));
        process.kill(proc.pid, "SIGTERM");
        const timer = setTimeout(() => {
          if (proc.exitCode === null && proc.signalCode === null) process.kill(proc.pid, "SIGKILL");
        }, 5_000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function getJson(url) {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  assert.equal(response.status, 200, `GET ${url}`);
  return response.json();
}

// A GET with the path sent as written (fetch would resolve "..").
function rawGet(url, rawPath) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const request = http.get({ hostname, port, path: rawPath, timeout: 5_000 }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode, headers: response.headers, body }));
    });
    request.on("timeout", () => request.destroy(new Error(`GET ${rawPath} timed out`)));
    request.on("error", reject);
  });
}

// The UI's module graph as the server serves it: /assets/main.js and every module it imports,
// transitively (relative specifiers resolved as the browser does).
async function moduleGraph(url) {
  const seen = new Map(); // path -> response
  const queue = ["/assets/main.js"];
  while (queue.length && seen.size < 100) {
    const where = queue.shift();
    if (seen.has(where)) continue;
    const response = await rawGet(url, where);
    seen.set(where, response);
    for (const m of response.body.matchAll(/^\s*(?:import|export)\s(?:[^;]*?from\s+)?"([^"]+)"/gms)) {
      queue.push(new URL(m[1], "http://ui" + where).pathname);
    }
  }
  return seen;
}

// ------------------------------------------------------------------ the browser

let browser;

before(async () => {
  assert.ok(fs.existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: run scripts/install-deps`);
  fs.mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    // --no-sandbox: CI runs as root. The rest keeps Chromium off the (closed) network.
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  if (browser) await browser.close();
});

// A page that records console errors, page errors, CSP violations and /assets requests that
// fail (a module that does not load stops the whole UI). `allow` holds predicates for console
// messages a test provokes on purpose (Chromium logs every 4xx fetch as an error). `modules`
// lists the paths of the scripts loaded under /assets.
async function openPage(url, options = {}, allow = [], setup = null) {
  const context = await browser.newContext({ colorScheme: "dark", viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  page.setDefaultNavigationTimeout(WAIT);
  const problems = [];
  page.on("console", (msg) => {
    if (msg.type() !== "error" && msg.type() !== "warning") return;
    const where = msg.location() && msg.location().url;
    if (allow.some((ok) => ok(msg.text(), where || ""))) return;
    problems.push(`console ${msg.type()}: ${msg.text()} (${where || "?"})`);
  });
  page.on("pageerror", (error) => problems.push("page error: " + error.message));
  const modules = [];
  const isAsset = (u) => new URL(u).pathname.startsWith("/assets/");
  page.on("response", (response) => {
    if (!isAsset(response.url())) return;
    const where = new URL(response.url()).pathname;
    if (response.status() >= 400) problems.push(`asset ${response.status()}: ${where}`);
    else if (where.endsWith(".js")) modules.push(where);
  });
  page.on("requestfailed", (request) => {
    if (isAsset(request.url())) problems.push(`asset failed: ${request.url()} ${request.failure()?.errorText || ""}`);
  });
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
    });
  });
  if (setup) await setup(page);
  await page.goto(url + "/");
  // The modules load before the load event: a missing one is known now (and the page is dead).
  assert.deepEqual(problems.filter((p) => p.startsWith("asset")), [], "every /assets request succeeds");
  return {
    page,
    context,
    modules,
    async assertClean() {
      const csp = await page.evaluate(() => window.__csp);
      assert.deepEqual(csp, [], "CSP violations");
      assert.deepEqual(problems, [], "console errors");
    },
  };
}

const apiConfigStatus = (...codes) => (text, where) =>
  /\/api\/config$/.test(where) && codes.some((c) => text.includes(`status of ${c}`));
// The same for any API path (a RegExp matched against the request URL).
const apiStatus = (route, ...codes) => (text, where) =>
  route.test(where) && codes.some((c) => text.includes(`status of ${c}`));

async function sendJson(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  return { status: response.status, body: response.status === 204 ? null : await response.json() };
}

const filledBeats = (page, service) =>
  page.locator(`.svc[data-service="${service}"] .beats i.ok, .svc[data-service="${service}"] .beats i.fail`).count();

async function waitForCards(page) {
  await page.waitForFunction(() => {
    const cards = [...document.querySelectorAll("#service-cards .svc")];
    return cards.length === 3 && cards.every((c) => ["up", "down"].includes(c.dataset.state));
  });
}

// ------------------------------------------------------------------ tests

describe("control UI against the demo cluster", { timeout: 150_000 + 2 * SHOT_DELAY_MS }, () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    if (server) await server.stop();
  });

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

      // Header: product, cluster, live connection.
      await assert.doesNotReject(page.locator(".brand-name", { hasText: "spark-control" }).waitFor());
      await page.locator("#cluster-name", { hasText: "default" }).waitFor();
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

  test("SSH host keys: trusting an unknown key, a warning for a changed one", async () => {
    // The demo's Sparks present known keys; an unknown and a changed one are injected into the
    // status the page receives (the stream and the polling fallback), the trust POSTs are real.
    const DEMO_FP = "SHA256:c3BhcmstY29udHJvbCBkZW1vIGhvc3Qga2V5AAA";
    const status = await getJson(`${server.url}/api/status`);
    status.sparks.spark1 = {
      host: "127.0.0.1", ssh_up: false,
      ssh_error: { code: "host_key_unknown", message: "first connection to spark1", fingerprint: "SHA256:bm90IHRoZSBrZXkgdGhlIGhvc3QgaGFz" },
    };
    status.sparks.spark2 = {
      host: "127.0.0.2", ssh_up: false,
      ssh_error: { code: "host_key_mismatch", message: "the host key of spark2 changed", fingerprint: DEMO_FP },
    };
    const body = JSON.stringify(status);
    const { page, context, assertClean } = await openPage(
      server.url,
      {},
      [apiStatus(/\/api\/ssh\/known-hosts\/spark1$/, 409)],
      async (p) => {
        await p.route(/\/api\/events\/stream/, (route) =>
          route.fulfill({ status: 200, contentType: "text/event-stream", body: `retry: 600000\nevent: state\ndata: ${body}\n\n` }));
        await p.route(/\/api\/status$/, (route) => route.fulfill({ status: 200, contentType: "application/json", body }));
      }
    );
    try {
      const spark1 = page.locator('#ssh-sparks li[data-spark="spark1"]');
      const spark2 = page.locator('#ssh-sparks li[data-spark="spark2"]');
      await spark1.locator(".ssh-host-fp", { hasText: "SHA256:bm90" }).waitFor();
      assert.equal(await spark1.locator(".key-changed").count(), 0);
      await spark2.locator(".key-changed", { hasText: "CHANGED" }).waitFor();
      assert.equal(await spark2.locator(".ssh-host-fp").innerText(), DEMO_FP);

      // spark1 now presents another key than the one shown: the server refuses, the page says so.
      await spark1.locator("button", { hasText: "Trust this host key" }).click();
      await spark1.locator(".note[data-tone='fail']", { hasText: "Not trusted" }).waitFor();

      // A changed key asks first; then the fingerprint is POSTed and accepted.
      const trust = spark2.locator("button", { hasText: "Trust this host key" });
      assert.equal(await trust.getAttribute("aria-label"), `Trust the host key ${DEMO_FP} of Spark 2`);
      await trust.click();
      await page.locator("#confirm-dialog[open]", { hasText: DEMO_FP }).waitFor();
      await page.locator("#confirm-ok").click();
      await spark2.locator(".note[data-tone='ok']", { hasText: "Trusted" }).waitFor();
      await assertClean();
    } finally {
      await context.close();
    }
  });

  test("phone: readable at 375 px, no sideways scrolling", async () => {
    const { page, context, assertClean } = await openPage(server.url, {
      viewport: { width: 375, height: 812 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      colorScheme: "light",
    });
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
      const widths = await page.evaluate(() => ({
        doc: document.documentElement.scrollWidth,
        view: window.innerWidth,
        cards: [...document.querySelectorAll(".svc, .model, .job, .ssh-spark, #ssh-setup")].map((c) => c.getBoundingClientRect().right),
      }));
      assert.ok(widths.doc <= widths.view, `page is ${widths.doc}px wide in a ${widths.view}px viewport`);
      for (const right of widths.cards) assert.ok(right <= widths.view, "cards fit the screen");
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
});

describe("admin token and pinned fields", { timeout: 90_000 }, () => {
  let server;
  before(async () => {
    server = await startServer({ SPARK_CONTROL_TOKEN: "s3cret-token", SPARK2_HOST: "127.0.0.2" });
  });
  after(async () => {
    if (server) await server.stop();
  });

  test("a pinned field is read-only; a 401 prompts for the token; with it the save works", async () => {
    const { page, context, assertClean } = await openPage(server.url, {}, [
      apiConfigStatus(401),
      apiStatus(/\/api\/services\/parakeet\/restart$/, 401),
    ]);
    try {
      // A button's mutation without the token: a message at the button and the token prompt.
      await page.locator('.svc[data-service="parakeet"] button[data-action="restart"]').click();
      await page.locator('.svc[data-service="parakeet"] .note[data-tone="fail"]', { hasText: "admin token is required" }).waitFor();
      await page.locator("#auth-prompt", { hasText: "admin token" }).waitFor({ state: "visible" });
      assert.equal((await getJson(`${server.url}/api/jobs`)).jobs.length, 0, "nothing started");

      const pinned = page.locator('input[name="sparks.spark2.host"]');
      await page.waitForFunction(() => document.querySelector('input[name="sparks.spark2.host"]')?.readOnly === true);
      assert.equal(await pinned.inputValue(), "127.0.0.2");
      await page.locator("#f-sparks-spark2-host-pin", { hasText: "SPARK2_HOST" }).waitFor();
      await page.locator("#token-hint", { hasText: "requires an admin token" }).waitFor();

      const user = page.locator('input[name="sparks.spark1.user"]');
      await user.fill("alice");
      await page.locator("#config-save").click();
      // (The prompt is already up from the button above: wait for the form's own answer.)
      await page.locator("#form-status[data-tone='fail']", { hasText: "admin token is required" }).waitFor();
      await page.locator("#auth-prompt", { hasText: "save again" }).waitFor({ state: "visible" });
      assert.equal(await page.evaluate(() => document.activeElement?.id), "admin-token");
      assert.equal((await getJson(`${server.url}/api/config`)).sparks.spark1.user, "demo", "nothing saved");

      await page.locator("#admin-token").fill("s3cret-token");
      await page.locator("#config-save").click();
      await page.locator("#form-status[data-tone='ok']", { hasText: "Saved" }).waitFor();
      await page.locator("#auth-prompt").waitFor({ state: "hidden" });
      assert.equal((await getJson(`${server.url}/api/config`)).sparks.spark1.user, "alice");
      assert.equal(await page.evaluate(() => localStorage.getItem("spark-control.admin-token")), "s3cret-token");

      // The token survives a reload (kept in localStorage).
      await page.reload();
      assert.equal(await page.locator("#admin-token").inputValue(), "s3cret-token");
      await assertClean();
    } finally {
      await context.close();
    }
  });
});
