#!/usr/bin/env bash
# System packages the test suite needs beyond the venv, installed by the project itself:
#   - Debian's chromium: the dashboards are tested in a real headless browser (playwright
#     drives /usr/bin/chromium; no browser download);
#   - PostgreSQL: Dagster's instance storage is tested on a real server (ESF_DAGSTER_PG_URL).
# Idempotent and quick when everything is there; needs root (or sudo) only to install.
set -euo pipefail

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test-deps: installing ${missing[*]} (Debian packages) ..."
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
