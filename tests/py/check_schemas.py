"""An independent consumer of the generated schemas (Python's jsonschema): every schema is a
valid draft 2020-12 schema, every sample payload is valid against its version's schema, and
the same payload with an extra property is rejected. Version by version: a newer version's
payload is rejected by the schema of the version before it, and each payload is rejected with
an unknown key in a nested object and with a count out of range (-1).

Usage: check_schemas.py SCHEMA_DIR PAYLOAD_DIR
  SCHEMA_DIR/{payload}/{version}.json are schemas; PAYLOAD_DIR/{payload}/{version}.json are
  sample payloads of the same versions. Exit 0 when all hold, 1 when one does not, 3 when
  jsonschema is missing.
"""

import json
import pathlib
import sys

try:
    from jsonschema import Draft202012Validator
except ImportError:
    print("the Python package jsonschema is missing; run .ci/services", file=sys.stderr)
    sys.exit(3)


def version_key(path):
    """`baseline` first, then the versions in numeric order."""
    label = path.stem
    if label == "baseline":
        return (0,)
    return (1,) + tuple(int(part) for part in label.split("."))


def resolve(root, node):
    """The object schema `node` describes: through a `$ref`, or the first `anyOf` branch that
    is one (an `Option`); None when it is not a struct (has no `properties`)."""
    if "$ref" in node:
        node = root["$defs"][node["$ref"].split("/")[-1]]
    for branch in node.get("anyOf", []):
        found = resolve(root, branch)
        if found is not None:
            return found
    return node if "properties" in node else None


def nested_struct(schema, value):
    """The first nested struct (per the schema, not a map) directly inside `value`, or None."""
    for key, child in value.items():
        child_schema = resolve(schema, schema["properties"].get(key, {}))
        if isinstance(child, dict) and child_schema is not None:
            return child
    return None


def with_first_count(value, replacement):
    """A copy of `value` with its first integer leaf replaced; None when it has none."""
    value = json.loads(json.dumps(value))

    def walk(node):
        for key, child in node.items():
            if isinstance(child, int) and not isinstance(child, bool):
                node[key] = replacement
                return True
            if isinstance(child, dict) and walk(child):
                return True
        return False

    return value if walk(value) else None


def main(schema_dir, payload_dir):
    schema_dir, payload_dir = pathlib.Path(schema_dir), pathlib.Path(payload_dir)
    problems = []
    schemas = {}
    for path in sorted(schema_dir.glob("*/*.json")):
        schema = json.loads(path.read_text())
        try:
            Draft202012Validator.check_schema(schema)
        except Exception as error:  # SchemaError, with the failing keyword
            problems.append(f"{path.relative_to(schema_dir)}: not a valid draft 2020-12 schema: {error}")
            continue
        schemas[path.relative_to(schema_dir)] = schema
    valid = rejected = newer = nested = out_of_range = 0
    for payload_name in sorted(d.name for d in payload_dir.iterdir() if d.is_dir()):
        previous = None
        for path in sorted((payload_dir / payload_name).glob("*.json"), key=version_key):
            name = path.relative_to(payload_dir)
            schema = schemas.get(name)
            if schema is None:
                problems.append(f"{name}: no schema for this payload")
                continue
            validator = Draft202012Validator(schema)
            payload = json.loads(path.read_text())
            errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(payload)]
            if errors:
                problems.append(f"{name}: the sample payload is invalid: {errors}")
            else:
                valid += 1
            if validator.is_valid(dict(payload, unexpectedField=1)):
                problems.append(f"{name}: a payload with an unknown field is accepted")
            else:
                rejected += 1
            if previous is not None:
                older_name, older = previous
                if older.is_valid(payload):
                    problems.append(f"{name}: accepted by the older schema {older_name}")
                else:
                    newer += 1
            previous = (name, validator)
            altered = json.loads(json.dumps(payload))
            inner = nested_struct(schema, altered)
            if inner is not None:
                inner["unexpectedNested"] = 1
                if validator.is_valid(altered):
                    problems.append(f"{name}: a payload with an unknown nested key is accepted")
                else:
                    nested += 1
            negative = with_first_count(payload, -1)
            if negative is not None:
                if validator.is_valid(negative):
                    problems.append(f"{name}: a payload with a negative count is accepted")
                else:
                    out_of_range += 1
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"schemas: {len(schemas)} valid; payloads: {valid} valid, {rejected} rejected when altered")
    print(
        f"by version: {newer} rejected by the previous version's schema; "
        f"{nested} rejected with an unknown nested key; {out_of_range} rejected with a negative count"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
