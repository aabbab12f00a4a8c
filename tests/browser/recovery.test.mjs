// Browser test of automatic recovery (recovery.mjs) on a demo server of its own, in a process
// of its own (the crash takes vLLM down for ~15 s, which the other suites must not see).
// Environment and screenshots as ui.test.mjs. Run: node --test tests/browser/recovery.test.mjs

import { describe } from "node:test";

import { demoServer, useBrowser } from "./harness.mjs";
import { recoveryTests } from "./recovery.mjs";

useBrowser();

describe("automatic recovery of a simulated crash", { timeout: 40_000 }, () => {
  const server = demoServer();
  recoveryTests(server);
});
