#!/usr/bin/env bash
# ajv (strict mode, draft 2020-12) in tests/js, the JavaScript consumer of the generated
# schemas (tests/tests/other_languages.rs runs tests/js/check-schemas.mjs). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  apt-get update
  apt-get install -y nodejs npm
fi
cd tests/js
if [ -f node_modules/.package-lock.json ] && cmp -s package-lock.json node_modules/.lock-installed; then
  exit 0
fi
npm ci --no-audit --no-fund --silent
cp package-lock.json node_modules/.lock-installed
