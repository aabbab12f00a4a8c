// Browser tests of the control UI: the real spark-control binary in --demo mode, driven through
// Debian's Chromium with playwright-core. Asserts what a user sees: service cards and their
// heartbeat strips, live connectivity events, endpoints, the settings form (save, field errors,
// pinned fields, the admin-token prompt), a phone layout without horizontal scrolling, and no
// console errors or CSP violations. Saves desktop and phone screenshots to SCREENSHOT_DIR.
//
// Environment: SPARK_CONTROL_BIN (required), CHROMIUM_PATH (default /usr/bin/chromium),
// SCREENSHOT_DIR (default: a temp dir), SCREENSHOT_DELAY_S (extra wait before the screenshots,
// e.g. 120 for README pictures with full heartbeat strips; default 0).
// Run: node --test tests/browser/   (or ctest -L browser in a build dir)

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
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

// A page that records console errors, page errors and CSP violations. `allow` holds predicates
// for console messages a test provokes on purpose (Chromium logs every 4xx fetch as an error).
async function openPage(url, options = {}, allow = []) {
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
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
    });
  });
  await page.goto(url + "/");
  return {
    page,
    context,
    async assertClean() {
      const csp = await page.evaluate(() => window.__csp);
      assert.deepEqual(csp, [], "CSP violations");
      assert.deepEqual(problems, [], "console errors");
    },
  };
}

const apiConfigStatus = (...codes) => (text, where) =>
  /\/api\/config$/.test(where) && codes.some((c) => text.includes(`status of ${c}`));

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

  test("desktop: cards, heartbeats, live log, endpoints, settings form", async () => {
    const { page, context, assertClean } = await openPage(server.url, {}, [apiConfigStatus(400)]);
    try {
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
      const widths = await page.evaluate(() => ({
        doc: document.documentElement.scrollWidth,
        view: window.innerWidth,
        cards: [...document.querySelectorAll(".svc")].map((c) => c.getBoundingClientRect().right),
      }));
      assert.ok(widths.doc <= widths.view, `page is ${widths.doc}px wide in a ${widths.view}px viewport`);
      for (const right of widths.cards) assert.ok(right <= widths.view, "cards fit the screen");
      // Body text stays at a readable size.
      const fontSize = await page.evaluate(() => parseFloat(getComputedStyle(document.querySelector(".log .msg")).fontSize));
      assert.ok(fontSize >= 13, `log text is ${fontSize}px`);
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
    const { page, context, assertClean } = await openPage(server.url, {}, [apiConfigStatus(401)]);
    try {
      const pinned = page.locator('input[name="sparks.spark2.host"]');
      await page.waitForFunction(() => document.querySelector('input[name="sparks.spark2.host"]')?.readOnly === true);
      assert.equal(await pinned.inputValue(), "127.0.0.2");
      await page.locator("#f-sparks-spark2-host-pin", { hasText: "SPARK2_HOST" }).waitFor();
      await page.locator("#token-hint", { hasText: "requires an admin token" }).waitFor();

      const user = page.locator('input[name="sparks.spark1.user"]');
      await user.fill("alice");
      await page.locator("#config-save").click();
      await page.locator("#auth-prompt", { hasText: "admin token" }).waitFor({ state: "visible" });
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
