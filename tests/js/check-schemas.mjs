// An independent consumer of the generated schemas: ajv (draft 2020-12) in strict mode.
// Every schema compiles, every sample payload is valid against its version's schema, and the
// same payload with an extra property is rejected. Version by version: a newer version's
// payload is rejected by the schema of the version before it, and each payload is rejected
// with an unknown key in a nested object and with a count out of range (-1).
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
const schemaOf = new Map();
for (const name of files(schemaDir)) {
  const schema = JSON.parse(fs.readFileSync(path.join(schemaDir, name), "utf8"));
  schemaOf.set(name, schema);
  // A fresh instance per schema: the `$id`s of different payloads' schemas may share `$defs` names.
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  try {
    validators.set(name, ajv.compile(schema));
  } catch (error) {
    problems.push(`${name}: rejected by ajv in strict mode: ${error.message}`);
  }
}
// `baseline` first, then the versions in numeric order.
const versionKey = (name) => {
  const label = path.basename(name, ".json");
  return label === "baseline" ? [0] : [1, ...label.split(".").map(Number)];
};
const byVersion = (a, b) => {
  const [x, y] = [versionKey(a), versionKey(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] ?? -1) !== (y[i] ?? -1)) return (x[i] ?? -1) - (y[i] ?? -1);
  }
  return 0;
};
const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
// The object schema `node` describes: through a `$ref`, or the first `anyOf` branch that is
// one (an `Option`); null when it is not a struct (has no `properties`).
const resolve = (root, node) => {
  if (node.$ref) node = root.$defs[node.$ref.split("/").pop()];
  for (const branch of node.anyOf ?? []) {
    const found = resolve(root, branch);
    if (found) return found;
  }
  return node.properties ? node : null;
};
// The first nested struct (per the schema, not a map) directly inside `value`, or null.
const nestedStruct = (schema, value) => {
  const found = Object.entries(value).find(
    ([key, child]) => isObject(child) && resolve(schema, schema.properties[key] ?? {}),
  );
  return found ? found[1] : null;
};
// A copy of `value` with its first integer leaf replaced; null when it has none.
const withFirstCount = (value, replacement) => {
  const copy = JSON.parse(JSON.stringify(value));
  const walk = (node) => {
    for (const [key, child] of Object.entries(node)) {
      if (Number.isInteger(child)) {
        node[key] = replacement;
        return true;
      }
      if (isObject(child) && walk(child)) return true;
    }
    return false;
  };
  return walk(copy) ? copy : null;
};

let valid = 0;
let rejected = 0;
let newer = 0;
let nested = 0;
let outOfRange = 0;
const payloads = files(payloadDir);
const payloadNames = [...new Set(payloads.map((name) => name.split("/")[0]))].sort();
for (const payloadName of payloadNames) {
  let previous = null;
  const names = payloads.filter((name) => name.split("/")[0] === payloadName).sort(byVersion);
  for (const name of names) {
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
    if (previous) {
      if (previous.validate(payload)) problems.push(`${name}: accepted by the older schema ${previous.name}`);
      else newer++;
    }
    previous = { name, validate };
    const altered = JSON.parse(JSON.stringify(payload));
    const inner = nestedStruct(schemaOf.get(name), altered);
    if (inner) {
      inner.unexpectedNested = 1;
      if (validate(altered)) problems.push(`${name}: a payload with an unknown nested key is accepted`);
      else nested++;
    }
    const negative = withFirstCount(payload, -1);
    if (negative) {
      if (validate(negative)) problems.push(`${name}: a payload with a negative count is accepted`);
      else outOfRange++;
    }
  }
}
for (const problem of problems) console.error(problem);
console.log(`schemas: ${validators.size} valid; payloads: ${valid} valid, ${rejected} rejected when altered`);
console.log(
  `by version: ${newer} rejected by the previous version's schema; ` +
    `${nested} rejected with an unknown nested key; ${outOfRange} rejected with a negative count`,
);
process.exit(problems.length ? 1 : 0);
