#!/usr/bin/env bash
# Install everything the tests need (Python packages, Debian's Chromium, the npm copy of
# Leaflet) and run lint and the whole test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh requirements-test.txt

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing Debian's chromium for the browser tests"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "==> /usr/bin/chromium missing: browser tests will be skipped (apt-get install chromium)"
  fi
fi

if [ -z "${NAM_TEST_POSTGRES_URL:-}" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  # As root on Debian, start the PostgreSQL the store tests use (elsewhere they skip).
  bash scripts/postgres.sh || echo "==> PostgreSQL could not be started: its tests will skip"
fi

echo "==> ruff"
.venv/bin/ruff check .
echo "==> pytest"
exec .venv/bin/python -m pytest "$@"
