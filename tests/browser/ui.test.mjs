// Browser tests of the control UI: the real spark-control binary in --demo mode, driven through
// Debian's Chromium with playwright-core. Asserts what a user sees: service cards and their
// heartbeat strips, live connectivity events, endpoints, the settings form (save, field errors,
// pinned fields, the admin-token prompt), the model catalog (swap with its live job log,
// per-model overrides, custom models), service actions, SSH setup (public key, trusting host
// keys), the cluster switcher and the all-clusters row (the demo runs `lab` and `prod`), a phone
// layout without horizontal scrolling, and no console errors, CSP violations or failed /assets
// requests (every ES module of the UI loads).
// Saves desktop and phone screenshots to SCREENSHOT_DIR (and, with SCREENSHOT_DELAY_S, one of a
// swap in progress).
//
// Environment: SPARK_CONTROL_BIN (required), CHROMIUM_PATH (default /usr/bin/chromium),
// SCREENSHOT_DIR (default: a temp dir), SCREENSHOT_DELAY_S (extra wait before the screenshots,
// e.g. 120 for README pictures with full heartbeat strips; default 0).
// The tests live in overview.mjs, clusters.mjs, models.mjs and access.mjs, the harness in
// harness.mjs; this file runs them in order in one process with one Chromium (a browser start
// costs seconds). Downloads and the caches run beside it (downloads.test.mjs, its own ctest).
// Run: node --test tests/browser/   (or ctest -L browser in a build dir)

import { describe } from "node:test";

import { SHOT_DELAY_MS, demoServer, useBrowser } from "./harness.mjs";
import { adminTokenTests, sshHostKeyTests } from "./access.mjs";
import { clusterTests } from "./clusters.mjs";
import { modelTests } from "./models.mjs";
import { overviewTests, phoneTest } from "./overview.mjs";

useBrowser();

describe("control UI against the demo cluster", { timeout: 190_000 + 2 * SHOT_DELAY_MS }, () => {
  const server = demoServer();
  overviewTests(server);
  clusterTests(server); // before the model tests swap lab's model
  modelTests(server);
  sshHostKeyTests(server);
  phoneTest(server); // shows the jobs the model tests left
});

describe("admin token and pinned fields", { timeout: 90_000 }, () => {
  const server = demoServer({ SPARK_CONTROL_TOKEN: "s3cret-token", SPARK2_HOST: "127.0.0.2" });
  adminTokenTests(server);
});
