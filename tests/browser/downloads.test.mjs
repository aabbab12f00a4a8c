// Browser tests of model downloads and the Sparks' caches (downloads.mjs) on a demo server of
// their own, in a process of their own: ctest runs them beside ui.test.mjs (each takes about a
// minute on the 2 CI cores, one after the other they were the suite's longest test).
// Environment and screenshots as ui.test.mjs. Run: node --test tests/browser/downloads.test.mjs

import { describe } from "node:test";

import { demoServer, useBrowser } from "./harness.mjs";
import { downloadTests } from "./downloads.mjs";

useBrowser();

describe("model downloads and the cache view", { timeout: 120_000 }, () => {
  const server = demoServer();
  downloadTests(server);
});
