#!/usr/bin/env bash
# Install (if needed) and start a local PostgreSQL with PostGIS for the store tests, and
# create the role and database they use: postgresql+psycopg://nam:nam@127.0.0.1:5432/nam_test
# Needs root on Debian. Safe to run again.
set -euo pipefail
if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
  echo "==> installing Debian's postgresql and postgis"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgis >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | grep -q "^$version main"; then
  pg_createcluster "$version" main >/dev/null
fi
pg_ctlcluster "$version" main start 2>/dev/null || true
for _ in $(seq 1 30); do
  su postgres -c "pg_isready -q" && break
  sleep 1
done
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='nam'\"" | grep -q 1 \
  || su postgres -c "psql -qc \"CREATE ROLE nam LOGIN PASSWORD 'nam' CREATEDB\""
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='nam_test'\"" | grep -q 1 \
  || su postgres -c "createdb -O nam nam_test"
su postgres -c "psql -q -d nam_test -c 'CREATE EXTENSION IF NOT EXISTS postgis'" >/dev/null 2>&1 || true
# A template with PostGIS enabled (needs a superuser): each test run copies it.
su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='nam_template'\"" | grep -q 1 \
  || su postgres -c "createdb -O nam nam_template"
su postgres -c "psql -q -d nam_template -c 'CREATE EXTENSION IF NOT EXISTS postgis'" >/dev/null 2>&1 || true
su postgres -c "psql -qc \"UPDATE pg_database SET datistemplate = true WHERE datname = 'nam_template'\"" >/dev/null
echo "==> PostgreSQL $version ready: postgresql+psycopg://nam:nam@127.0.0.1:5432/nam_test"
