// docs/openapi.yaml is a valid OpenAPI 3.1 document (checked against the official schema by
// @seriousme/openapi-schema-validator) and every schema in it compiles as JSON Schema 2020-12
// under Ajv's strict mode (the OpenAPI schema does not look inside Schema Objects, so a
// misspelled `type` would pass it); schema examples match their schemas; every operation lists
// the statuses the HTTP layer answers before its handler; info.version is the project's.
// The checks also reject a broken copy, so none can pass by checking nothing.
// Run: ctest -L docs --output-on-failure (OPENAPI_DOCUMENT=FILE checks another file).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020 from "ajv/dist/2020.js";

const documentPath =
  process.env.OPENAPI_DOCUMENT ??
  fileURLToPath(new URL("../../docs/openapi.yaml", import.meta.url));

async function loadDocument() {
  const validator = new Validator();
  const result = await validator.validate(readFileSync(documentPath, "utf8"));
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
  return structuredClone(validator.specification);
}

async function lint(spec) {
  const validator = new Validator();
  const result = await validator.validate(spec);
  return { ...result, version: validator.version };
}

// The components' schemas under $defs of one schema resource, so their $refs resolve there.
function rewriteRefs(node) {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node === null || typeof node !== "object") return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] =
      key === "$ref" && typeof value === "string"
        ? value.replace("#/components/schemas/", "openapi-schemas#/$defs/")
        : rewriteRefs(value);
  }
  return out;
}

// Every media-type schema and SSE event payload of every operation, by a readable name.
function operationSchemas(spec) {
  const found = [];
  const addContent = (where, content) => {
    for (const [type, media] of Object.entries(content ?? {})) {
      if (media.schema) found.push([`${where} ${type}`, media.schema]);
      for (const [event, frame] of Object.entries(media["x-sse-events"] ?? {})) {
        found.push([`${where} event ${event}`, frame.data]);
      }
    }
  };
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (typeof op !== "object" || !op.responses) continue;
      addContent(`${method.toUpperCase()} ${path} body`, op.requestBody?.content);
      for (const [status, response] of Object.entries(op.responses)) {
        addContent(`${method.toUpperCase()} ${path} ${status}`, response.content);
      }
    }
  }
  for (const [name, response] of Object.entries(spec.components.responses ?? {})) {
    addContent(`response ${name}`, response.content);
  }
  return found;
}

// Compiles every schema strictly; returns the failures as "name: message".
function compileAll(spec) {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  const failures = [];
  try {
    ajv.addSchema({ $id: "openapi-schemas", $defs: rewriteRefs(spec.components.schemas) });
  } catch (error) {
    return [`components.schemas: ${error.message}`];
  }
  const named = [
    ...Object.keys(spec.components.schemas).map((name) => [
      `schema ${name}`,
      { $ref: `openapi-schemas#/$defs/${name}` },
    ]),
    ...operationSchemas(spec).map(([name, schema]) => [name, rewriteRefs(schema)]),
  ];
  for (const [name, schema] of named) {
    try {
      ajv.compile(schema);
    } catch (error) {
      failures.push(`${name}: ${error.message}`);
    }
  }
  return failures;
}

test("docs/openapi.yaml is a valid OpenAPI 3.1 document", async () => {
  const result = await lint(readFileSync(documentPath, "utf8"));
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
  assert.equal(result.version, "3.1");
});

test("the linter rejects a broken copy", async () => {
  const spec = await loadDocument();
  spec.paths["/api/events"].get.parameters[0].in = "queery";
  assert.equal((await lint(spec)).valid, false);
  const unresolved = await loadDocument();
  unresolved.paths["/api/jobs"].get.responses["200"].content["application/json"].schema =
    { $ref: "#/components/schemas/NoSuchSchema" };
  assert.equal((await lint(unresolved)).valid, false);
});

test("every schema compiles as strict JSON Schema 2020-12", async () => {
  const spec = await loadDocument();
  assert.deepEqual(compileAll(spec), []);
  assert.ok(operationSchemas(spec).length > 40, "the walk found the operations' schemas");
});

test("the schema check rejects a misspelled type", async () => {
  const spec = await loadDocument();
  spec.components.schemas.Job.properties.id.type = "strin";
  const failures = compileAll(spec);
  assert.equal(failures.length > 0, true);
});

test("every example of a component schema matches its schema", async () => {
  const spec = await loadDocument();
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  ajv.addSchema({ $id: "openapi-schemas", $defs: rewriteRefs(spec.components.schemas) });
  let checked = 0;
  for (const [name, schema] of Object.entries(spec.components.schemas)) {
    const validate = ajv.getSchema(`openapi-schemas#/$defs/${name}`);
    for (const example of schema.examples ?? []) {
      if (typeof example === "object" && example !== null) {
        assert.equal(validate(example), true, `${name}: ${ajv.errorsText(validate.errors)}`);
        checked += 1;
      }
    }
  }
  assert.ok(checked >= 2, "the Endpoints and Error examples were checked");
});

const clusterParameter = "#/components/parameters/Cluster";

// Whether the operation (or its path) has a parameter that `matches`.
function takesParameter(item, op, matches) {
  return [...(item.parameters ?? []), ...(op.parameters ?? [])].some(matches);
}

// What the HTTP layer answers before a handler runs (web/src/request_admission.cc,
// request_guard.cc, sse_connections.cc, and the `?cluster=` check of web/src/app.cc), required
// of every operation it applies to.
function missingAdmissionResponses(spec) {
  const missing = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (typeof op !== "object" || !op.responses) continue;
      const guarded = (op.security ?? []).some((s) => "adminBearer" in s);
      const streams = "text/event-stream" in (op.responses["200"]?.content ?? {});
      const want = ["403"];
      if (takesParameter(item, op, (p) => p.$ref === clusterParameter)) want.push("404");
      if (guarded) want.push("401", "429");
      if (guarded && (method === "post" || method === "put")) want.push("413", "415");
      if (streams) want.push("503");
      for (const status of want) {
        if (!(status in op.responses)) missing.push(`${method.toUpperCase()} ${path} ${status}`);
      }
    }
  }
  return missing;
}

test("every operation lists what the HTTP layer may answer before its handler", async () => {
  const spec = await loadDocument();
  assert.deepEqual(missingAdmissionResponses(spec), []);
  delete spec.paths["/api/swap"].post.responses["415"];
  assert.deepEqual(missingAdmissionResponses(spec), ["POST /api/swap 415"]);
});

// Operations without the `cluster` query parameter (every route takes it: web/src/app.cc; the
// shared one answers 404 for an unknown name, GET / has its own that does not).
function withoutClusterParameter(spec) {
  const isCluster = (p) =>
    p.$ref === clusterParameter || (p.name === "cluster" && p.in === "query");
  const missing = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (typeof op !== "object" || !op.responses) continue;
      if (!takesParameter(item, op, isCluster)) missing.push(`${method.toUpperCase()} ${path}`);
    }
  }
  return missing;
}

test("every operation takes ?cluster=", async () => {
  const spec = await loadDocument();
  assert.deepEqual(withoutClusterParameter(spec), []);
  spec.paths["/api/jobs"].parameters = [];
  assert.deepEqual(withoutClusterParameter(spec), ["GET /api/jobs"]);
});

test("info.version is the project's version (CMakeLists.txt)", async () => {
  const spec = await loadDocument();
  const cmake = readFileSync(new URL("../../CMakeLists.txt", import.meta.url), "utf8");
  const version = /project\(spark-control VERSION ([0-9.]+)/.exec(cmake)?.[1];
  assert.ok(version, "CMakeLists.txt names the project's version");
  assert.equal(spec.info.version, version);
});
