// Writes schemas/*.schema.json from the zod schemas (dist/desired/json-schema.js; run
// `npm run build` first — `npm run schemas` does both). test/desired/json-schema.test.ts
// fails when the committed files differ from what this writes.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { jsonSchemaFiles } = await import(path.join(root, "dist", "desired", "json-schema.js"));
for (const [file, text] of Object.entries(jsonSchemaFiles())) {
  const target = path.join(root, file);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, text);
  process.stdout.write(`wrote ${file}\n`);
}
