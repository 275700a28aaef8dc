#!/usr/bin/env bash
# Install (first time) and start the dashboard on the embedded demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh requirements.txt
exec .venv/bin/streamlit run app.py "$@"
