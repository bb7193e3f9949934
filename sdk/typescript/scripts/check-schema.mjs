// Fails when schema.d.ts is not what openapi-typescript (at the version
// package-lock.json pins) makes of ../../api/openapi.json today: after a
// route changes, run `npm run generate` and commit the result.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "tributary-schema-"));
try {
  const out = join(dir, "schema.d.ts");
  execFileSync("npx", ["--no-install", "openapi-typescript", "../../api/openapi.json", "-o", out], { stdio: "inherit" });
  if (!readFileSync(out).equals(readFileSync("schema.d.ts"))) {
    console.error("sdk/typescript/schema.d.ts is out of date with api/openapi.json: run npm run generate in sdk/typescript and commit it");
    process.exit(1);
  }
  console.log("schema.d.ts is current");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
