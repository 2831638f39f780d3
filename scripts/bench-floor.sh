#!/usr/bin/env bash
# The server against the floor of its own stack (scripts/floor_server.py: the same issuance flow with nothing but the
# protocol's own work), and the floor with the server's two middlewares, interleaved so the machine's drift hits all
# three alike.
# Usage: ./scripts/bench-floor.sh [OUT_DIR]   (ROUNDS=2 FLOWS=2000 by default; needs .venv from ./scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-bench-floor-results}
ROUNDS=${ROUNDS:-2}
FLOWS=${FLOWS:-2000}
PY=.venv/bin/python
mkdir -p "$OUT"
WORK=$(mktemp -d)
export OID4VC_ADMIN_TOKEN=bench-$(date +%s)
SERVER_PID=""
port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
stop_server() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; }
trap 'stop_server; rm -rf "$WORK"' EXIT

run() {  # name round: start the server or the floor, run the flows and the per-step phases, stop it
  PORT=$(port); BASE="http://127.0.0.1:$PORT"
  if [ "$1" = server ]; then
    OID4VC_STORE_URL="sqlite:///$WORK/$1-$2.db" "$PY" -m oid4vc serve --host 127.0.0.1 --port "$PORT" \
      --data-dir "$WORK/data-$2" --workers 1 > "$OUT/$1-$2.log" 2>&1 &
  elif [ "$1" = floor ]; then
    "$PY" scripts/floor_server.py "$PORT" "$WORK/$1-$2.db" > "$OUT/$1-$2.log" 2>&1 &
  else
    "$PY" scripts/floor_server.py "$PORT" "$WORK/$1-$2.db" --middlewares > "$OUT/$1-$2.log" 2>&1 &
  fi
  SERVER_PID=$!
  for _ in $(seq 1 100); do curl -sf "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
  sleep 1
  "$PY" -m oid4vc bench issuance --server "$BASE" --config-id OpenBadgeCredential_dc_sd_jwt --flows "$FLOWS" \
    --concurrency 32 --duration 120 --server-pid "$SERVER_PID" --quiet --json "$OUT/flows-$1-$2.json" > /dev/null
  "$PY" -m oid4vc bench issuance --by-step --server "$BASE" --config-id OpenBadgeCredential_dc_sd_jwt \
    --flows "$FLOWS" --concurrency 32 --server-pid "$SERVER_PID" --quiet --json "$OUT/steps-$1-$2.json" > /dev/null
  stop_server
}

for r in $(seq 1 "$ROUNDS"); do run server "$r"; run floor "$r"; run floor+mw "$r"; done

"$PY" - "$OUT" "$ROUNDS" <<'PYEOF'
import json, pathlib, sys
out, rounds = pathlib.Path(sys.argv[1]), int(sys.argv[2])
print(f"{'run':14} {'flows/s':>8} {'p99 ms':>7} {'server CPU ms/flow':>19} {'errors':>7}  server CPU us/request by step")
for r in range(1, rounds + 1):
    for name in ("server", "floor", "floor+mw"):
        d = json.loads((out / f"flows-{name}-{r}.json").read_text())
        s = json.loads((out / f"steps-{name}-{r}.json").read_text())
        steps = ", ".join(f"{k} {v.get('server_cpu_us_per_request')}" for k, v in s["steps"].items()
                          if k in ("offer", "token", "nonce", "credential"))
        print(f"{name + ' #' + str(r):14} {d['flows_per_s']:>8} {d['flow_latency']['p99_ms']:>7} "
              f"{d['server_cpu_ms_per_flow']:>19} {sum(d['errors'].values()):>7}  {steps}")
PYEOF
