#!/usr/bin/env bash
# Install what the app needs into .venv, and the local copy of Leaflet (so maps work
# without a CDN). Safe to run again: it only installs what is missing or changed.
set -euo pipefail
cd "$(dirname "$0")/.."
REQUIREMENTS="${1:-requirements.txt}"
PYTHON="${PYTHON:-python3}"

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PYTHON" -m venv .venv
fi
echo "==> installing Python packages from $REQUIREMENTS"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"

if command -v npm >/dev/null 2>&1; then
  echo "==> installing Leaflet and Leaflet.draw from npm into static/vendor"
  npm install --silent --no-audit --no-fund
  mkdir -p static/vendor/leaflet static/vendor/leaflet-draw
  cp -R node_modules/leaflet/dist/. static/vendor/leaflet/
  cp -R node_modules/leaflet-draw/dist/. static/vendor/leaflet-draw/
else
  echo "==> npm not found: maps will load Leaflet from its CDN (needs internet)"
fi
