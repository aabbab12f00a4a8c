// Browser tests of the spark-vllm-docker update (updates.mjs) on a demo server of their own, in
// a process of their own: ctest runs them beside ui.test.mjs and downloads.test.mjs (the apply
// builds for ~20 s, the relaunch and the rollback each load a model). Environment and
// screenshots as ui.test.mjs. Run: node --test tests/browser/updates.test.mjs

import { describe } from "node:test";

import { demoServer, useBrowser } from "./harness.mjs";
import { updateTests } from "./updates.mjs";

useBrowser();

describe("spark-vllm-docker update, image and rollback", { timeout: 150_000 }, () => {
  const server = demoServer();
  updateTests(server);
});
