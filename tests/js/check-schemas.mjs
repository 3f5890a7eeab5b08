// An independent consumer of the generated schemas: ajv (draft 2020-12) in strict mode.
// Every schema compiles, every sample payload is valid against its version's schema, and the
// same payload with an extra property is rejected.
//
// Usage: node check-schemas.mjs SCHEMA_DIR PAYLOAD_DIR   (same layout as check_schemas.py)
// Exit 0 when all hold, 1 when one does not, 3 when ajv is missing.

import fs from "node:fs";
import path from "node:path";

let Ajv2020, addFormats;
try {
  Ajv2020 = (await import("ajv/dist/2020.js")).default;
  addFormats = (await import("ajv-formats")).default;
} catch {
  console.error("ajv is not installed in tests/js; run .ci/services");
  process.exit(3);
}

const [schemaDir, payloadDir] = process.argv.slice(2);
const files = (dir) =>
  fs.existsSync(dir)
    ? fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .flatMap((d) =>
          fs
            .readdirSync(path.join(dir, d.name))
            .filter((f) => f.endsWith(".json"))
            .map((f) => `${d.name}/${f}`),
        )
        .sort()
    : [];

const problems = [];
const validators = new Map();
for (const name of files(schemaDir)) {
  const schema = JSON.parse(fs.readFileSync(path.join(schemaDir, name), "utf8"));
  // A fresh instance per schema: the `$id`s of different payloads' schemas may share `$defs` names.
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  try {
    validators.set(name, ajv.compile(schema));
  } catch (error) {
    problems.push(`${name}: rejected by ajv in strict mode: ${error.message}`);
  }
}
let valid = 0;
let rejected = 0;
for (const name of files(payloadDir)) {
  const validate = validators.get(name);
  if (!validate) {
    problems.push(`${name}: no schema for this payload`);
    continue;
  }
  const payload = JSON.parse(fs.readFileSync(path.join(payloadDir, name), "utf8"));
  if (validate(payload)) valid++;
  else problems.push(`${name}: the sample payload is invalid: ${JSON.stringify(validate.errors)}`);
  if (validate({ ...payload, unexpectedField: 1 })) {
    problems.push(`${name}: a payload with an unknown field is accepted`);
  } else rejected++;
}
for (const problem of problems) console.error(problem);
console.log(`schemas: ${validators.size} valid; payloads: ${valid} valid, ${rejected} rejected when altered`);
process.exit(problems.length ? 1 : 0);
