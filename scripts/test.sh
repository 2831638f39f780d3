#!/usr/bin/env bash
# Install everything the tests need into .venv (Python) and conformance/interop/node_modules (the third-party
# wallet libraries, pinned in package-lock.json), then run lint, types, layer contracts and the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

if command -v npm >/dev/null 2>&1; then
  (cd conformance/interop && npm ci --no-audit --no-fund --loglevel=error)
else
  echo "npm not found: the interop tests against third-party wallet libraries will be skipped" >&2
fi

# The PostgreSQL store's contract tests start a throwaway server from the initdb/pg_ctl binaries.
if command -v initdb >/dev/null 2>&1 || compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null; then
  :
elif [ -n "${CI:-}" ]; then
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql
else
  echo "PostgreSQL binaries not found: the PostgreSQL store tests will be skipped" >&2
fi

# The browser tests (conformance/browser) drive Debian's Chromium through Playwright for Python; Playwright's own
# browser download is never used (`playwright install` cannot reach its servers here).
if [ -x /usr/bin/chromium ]; then
  :
elif [ -n "${CI:-}" ]; then
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
else
  echo "Chromium not found at /usr/bin/chromium: the browser tests will be skipped" >&2
fi

echo "== ruff"; .venv/bin/ruff check oid4vc tests conformance
echo "== mypy"; .venv/bin/mypy
echo "== import contracts"; .venv/bin/lint-imports --no-cache
echo "== pytest"; .venv/bin/pytest "$@"
