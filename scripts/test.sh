#!/usr/bin/env bash
# Install everything the tests need (Python packages, Debian's Chromium, the npm copy of
# Leaflet) and run lint and the whole test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh requirements-test.txt

# Debian's Chromium (browser tests) and poppler-utils (the PDF exports are read back by
# pdftoppm and pdftotext, readers independent of the code that wrote them).
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/pdftoppm ] || missing+=(poppler-utils)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing Debian's ${missing[*]} for the tests"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "==> missing ${missing[*]}: the tests that need them will be skipped (apt-get install ${missing[*]})"
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
