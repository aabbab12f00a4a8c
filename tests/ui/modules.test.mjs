// The UI's module graph: every module imports in node without a DOM (pure helpers must not
// touch document/window at import time), stays within 400 lines, and imports only files the
// server serves (web/ui/ itself, lib/ and sections/: GET /assets/{file} and
// /assets/{lib,sections}/{file}) by a relative path with its .js extension.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const UI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../web/ui");
const SERVED_DIRS = ["", "lib", "sections"];
const MAX_LINES = 400;

const modules = SERVED_DIRS.flatMap((dir) =>
  fs
    .readdirSync(path.join(UI, dir))
    .filter((f) => f.endsWith(".js"))
    .map((f) => path.join(dir, f))
);
const importsOf = (source) => [...source.matchAll(/^\s*(?:import|export)\s(?:[^;]*?from\s+)?"([^"]+)"/gms)].map((m) => m[1]);

describe("UI modules", () => {
  test("index.html loads main.js as a module", () => {
    const html = fs.readFileSync(path.join(UI, "index.html"), "utf8");
    assert.match(html, /<script type="module" src="\/assets\/main\.js"><\/script>/);
    assert.ok(modules.includes("main.js"));
  });

  for (const file of modules) {
    test(file, async () => {
      const source = fs.readFileSync(path.join(UI, file), "utf8");
      const lines = source.split("\n").length - 1;
      assert.ok(lines <= MAX_LINES, `${file} has ${lines} lines`);
      for (const spec of importsOf(source)) {
        assert.match(spec, /^\.\.?\/.*\.js$/, `${file} imports ${spec}: relative, with .js`);
        const target = path.relative(UI, path.resolve(path.dirname(path.join(UI, file)), spec));
        assert.ok(SERVED_DIRS.includes(path.dirname(target) === "." ? "" : path.dirname(target)), `${file} → ${target} is not served`);
        assert.ok(fs.existsSync(path.join(UI, target)), `${file} → ${target} does not exist`);
      }
      // main.js starts the page; every other module only defines things when imported.
      if (file !== "main.js") await import(pathToFileURL(path.join(UI, file)).href);
    });
  }
});
