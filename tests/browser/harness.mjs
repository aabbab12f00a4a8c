// The browser tests' harness (ui.test.mjs imports the parts): the real spark-control binary in
// --demo mode on a free port, one headless Chromium (playwright-core) for the whole run, pages
// that record console errors, CSP violations and failed /assets requests, and small helpers
// for the HTTP API.
//
// Environment: SPARK_CONTROL_BIN (required), CHROMIUM_PATH (default /usr/bin/chromium),
// SCREENSHOT_DIR (default: a temp dir), SCREENSHOT_DELAY_S (extra wait before the screenshots,
// e.g. 120 for README pictures with full heartbeat strips; default 0).

import { after, before } from "node:test";
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
export const SHOTS = process.env.SCREENSHOT_DIR || fs.mkdtempSync(path.join(os.tmpdir(), "spark-ui-shots-"));
export const SHOT_DELAY_MS = Number(process.env.SCREENSHOT_DELAY_S || 0) * 1000;
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

// A spark-control started before the tests of the enclosing describe and stopped after them;
// `url` and `pid` are set once it listens.
export function demoServer(extraEnv = {}) {
  const handle = { url: undefined, pid: undefined };
  let server;
  before(async () => {
    server = await startServer(extraEnv);
    handle.url = server.url;
    handle.pid = server.pid;
  });
  after(async () => {
    if (server) await server.stop();
  });
  return handle;
}

export async function getJson(url) {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  assert.equal(response.status, 200, `GET ${url}`);
  return response.json();
}

// A GET with the path sent as written (fetch would resolve "..").
export function rawGet(url, rawPath) {
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
export async function moduleGraph(url) {
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

// One Chromium for the whole run: call once, at the top level of the test file.
export function useBrowser() {
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
}

// A page that records console errors, page errors, CSP violations and /assets requests that
// fail (a module that does not load stops the whole UI). `allow` holds predicates for console
// messages a test provokes on purpose (Chromium logs every 4xx fetch as an error). `modules`
// lists the paths of the scripts loaded under /assets.
export async function openPage(url, options = {}, allow = [], setup = null) {
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
    if (!isAsset(request.url())) return;
    const error = request.failure()?.errorText || "";
    // Chromium's favicon loader cancels its own request when the page changes its URL
    // (history.pushState/replaceState, as the cluster switcher does): not a serving failure.
    if (error === "net::ERR_ABORTED" && new URL(request.url()).pathname === "/assets/favicon.svg") return;
    problems.push(`asset failed: ${request.url()} ${error}`);
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

export const apiConfigStatus = (...codes) => (text, where) =>
  /\/api\/config$/.test(where) && codes.some((c) => text.includes(`status of ${c}`));
// The same for any API path (a RegExp matched against the request URL).
export const apiStatus = (route, ...codes) => (text, where) =>
  route.test(where) && codes.some((c) => text.includes(`status of ${c}`));

export const filledBeats = (page, service) =>
  page.locator(`.svc[data-service="${service}"] .beats i.ok, .svc[data-service="${service}"] .beats i.fail`).count();

// Browser context options of a phone `width` × `height` px wide (light, touch, 2× pixels).
export const phone = (width, height) => ({
  viewport: { width, height },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  colorScheme: "light",
});

// Nothing scrolls sideways, and every element matching `selector` ends inside the viewport.
export async function assertFitsWidth(page, selector) {
  const widths = await page.evaluate((sel) => ({
    doc: document.documentElement.scrollWidth,
    view: window.innerWidth,
    rights: [...document.querySelectorAll(sel)].map((c) => c.getBoundingClientRect().right),
  }), selector);
  assert.ok(widths.doc <= widths.view, `page is ${widths.doc}px wide in a ${widths.view}px viewport`);
  for (const right of widths.rights) assert.ok(right <= widths.view, `${selector} fit the screen`);
}

export async function waitForCards(page) {
  await page.waitForFunction(() => {
    const cards = [...document.querySelectorAll("#service-cards .svc")];
    return cards.length === 3 && cards.every((c) => ["up", "down"].includes(c.dataset.state));
  });
}
