#!/usr/bin/env bash
# Debian's Chromium, headless, for the collector's report page test
# (collector/tests/report_page.rs). Installs it if missing. Idempotent: safe to run twice.
set -euo pipefail

if ! command -v chromium >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
chromium --version
