#!/usr/bin/env bash
# Python's jsonschema, the independent consumer of the generated schemas
# (tests/tests/other_languages.rs runs tests/py/check_schemas.py). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v python3 >/dev/null; then
  apt-get update
  apt-get install -y python3 python3-pip
fi
if python3 -c 'import jsonschema, sys; sys.exit(0 if int(jsonschema.__version__.split(".")[0]) == 4 else 1)' 2>/dev/null; then
  exit 0
fi
python3 -m pip install --quiet -r tests/py/requirements.txt \
  || python3 -m pip install --quiet --break-system-packages -r tests/py/requirements.txt
