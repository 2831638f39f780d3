#!/usr/bin/env bash
# Install oid4vc into .venv and start a development server (SQLite and keys in ./oid4vc-data, admin token
# printed on first start). Extra arguments go to `oid4vc serve` (e.g. --host 0.0.0.0 --port 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet -e .
exec .venv/bin/oid4vc serve "$@"
