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

# PostgreSQL server for tests/test_postgres_storage.py: started when none answers on
# 127.0.0.1:5432, with role `esf` (password `esf`) owning database `esf_dagster_test`
# (the default of ESF_TEST_PG_URL). Skipped when ESF_TEST_PG_URL names a server of your own.
if [ -z "${ESF_TEST_PG_URL:-}" ]; then
  as_postgres() {
    if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
  }
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    ver="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
    # Debian's package creates cluster "main" unless told not to; create it if it is missing.
    pg_lsclusters -h | awk -v v="$ver" '$1 == v && $2 == "main"' | grep -q . \
      || $SUDO pg_createcluster "$ver" main >/dev/null
    echo "test-deps: starting PostgreSQL $ver (cluster main) ..."
    $SUDO pg_ctlcluster "$ver" main start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
    pg_isready -h 127.0.0.1 -p 5432
  fi
  # Through the local socket, as the superuser (peer auth); both steps are idempotent.
  as_postgres psql -q -v ON_ERROR_STOP=1 -d postgres -c "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'esf') THEN
        CREATE ROLE esf LOGIN PASSWORD 'esf';
      END IF; END \$\$;"
  as_postgres psql -tA -d postgres -c "SELECT 1 FROM pg_database WHERE datname = 'esf_dagster_test'" \
    | grep -q 1 || as_postgres createdb -O esf esf_dagster_test
fi
