// Browser tests of access: trusting SSH host keys (an unknown one, a changed one), and with an
// admin token configured, pinned read-only fields and the token prompt.
import { test } from "node:test";
import assert from "node:assert/strict";

import { apiConfigStatus, apiStatus, getJson, openPage } from "./harness.mjs";

// The SSH host keys of the demo's Sparks, injected into the status; `server` is a demoServer.
export function sshHostKeyTests(server) {
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
}

// `server` is a demoServer started with SPARK_CONTROL_TOKEN=s3cret-token, SPARK2_HOST=127.0.0.2.
export function adminTokenTests(server) {
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
}
