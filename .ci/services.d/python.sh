#!/usr/bin/env bash
# Python's jsonschema, the independent consumer of the generated schemas
# (tests/tests/other_languages.rs runs tests/py/check_schemas.py). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v python3 >/dev/null || ! python3 -m pip --version >/dev/null 2>&1; then
  apt-get update
  apt-get install -y python3 python3-pip
fi
# The version range of tests/py/requirements.txt: >=4.18,<5.
if python3 -c 'import jsonschema, sys; from importlib.metadata import version; major, minor = map(int, version("jsonschema").split(".")[:2]); sys.exit(0 if major == 4 and minor >= 18 else 1)' 2>/dev/null; then
  exit 0
fi
python3 -m pip install --quiet -r tests/py/requirements.txt \
  || python3 -m pip install --quiet --break-system-packages -r tests/py/requirements.txt
