#!/usr/bin/env bash
# PostgreSQL for the collector's tests (Debian's package): installs it if missing, starts the
# cluster on 127.0.0.1:5432 and creates the role and database `metrics` (password `metrics`,
# CREATEDB so that each test gets a fresh database). Idempotent: safe to run twice.
set -euo pipefail

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi

# Debian creates a cluster with the package; create one if it is missing.
if [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
  ver="$(ls /usr/lib/postgresql | sort -V | tail -n1)"
  pg_createcluster "$ver" main
fi
read -r ver name port status _ < <(pg_lsclusters -h | head -n1)
if [ "$port" != 5432 ]; then
  echo "postgres: cluster $ver/$name listens on port $port, expected 5432" >&2
  exit 1
fi
if [ "$status" != online ]; then
  pg_ctlcluster "$ver" "$name" start
fi

for _ in $(seq 1 50); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 0.2
done
pg_isready -h 127.0.0.1 -p 5432

psql_admin() { su postgres -c "psql -v ON_ERROR_STOP=1 -qtA -c \"$1\""; }
if [ "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname = 'metrics'")" != 1 ]; then
  psql_admin "CREATE ROLE metrics LOGIN CREATEDB PASSWORD 'metrics'"
fi
if [ "$(psql_admin "SELECT 1 FROM pg_database WHERE datname = 'metrics'")" != 1 ]; then
  psql_admin "CREATE DATABASE metrics OWNER metrics"
fi
echo "postgres: ready at postgres://metrics:metrics@127.0.0.1:5432/metrics"
