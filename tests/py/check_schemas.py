"""An independent consumer of the generated schemas (Python's jsonschema): every schema is a
valid draft 2020-12 schema, every sample payload is valid against its version's schema, and
the same payload with an extra property is rejected.

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
    valid = rejected = 0
    for path in sorted(payload_dir.glob("*/*.json")):
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
        altered = dict(payload, unexpectedField=1)
        if validator.is_valid(altered):
            problems.append(f"{name}: a payload with an unknown field is accepted")
        else:
            rejected += 1
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"schemas: {len(schemas)} valid; payloads: {valid} valid, {rejected} rejected when altered")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
