// Writes operations.js: every operation of ../../api/openapi.json by its
// operationId, with its method, path template and whether it takes an
// Idempotency-Key, for index.js to make one typed call per route (the
// types come from schema.d.ts's operations). With --check it only fails
// when the committed operations.js differs from what it would write.
import { readFileSync, writeFileSync } from "node:fs";

const doc = JSON.parse(readFileSync(new URL("../../../api/openapi.json", import.meta.url)));
const takesKey = (op) => (op.parameters || []).some((p) => p.$ref === "#/components/parameters/IdempotencyKey" || (p.in === "header" && p.name === "Idempotency-Key"));
const ops = [];
for (const [path, item] of Object.entries(doc.paths)) {
  for (const [method, op] of Object.entries(item)) {
    if (!op.operationId) continue;
    ops.push([op.operationId, { method: method.toUpperCase(), path, key: takesKey(op) }]);
  }
}
ops.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
const lines = ops.map(([id, o]) => `  ${id}: { method: ${JSON.stringify(o.method)}, path: ${JSON.stringify(o.path)}, key: ${o.key} },`);
const text = `// Generated from api/openapi.json by scripts/generate-operations.mjs
// (npm run generate): do not edit. Every operation of the API by its
// operationId: its method, path template, and whether it is a write that
// takes an Idempotency-Key.
export const operations = Object.freeze({
${lines.join("\n")}
});
`;
const out = new URL("../operations.js", import.meta.url);
if (process.argv.includes("--check")) {
  if (readFileSync(out, "utf8") !== text) {
    console.error("sdk/typescript/operations.js is out of date with api/openapi.json: run npm run generate in sdk/typescript and commit it");
    process.exit(1);
  }
  console.log("operations.js is current");
} else {
  writeFileSync(out, text);
}
