#!/usr/bin/env bash
# The README's performance numbers: start real servers on 127.0.0.1 and drive them with `oid4vc bench`.
# Usage: ./scripts/bench.sh [OUT_DIR]   (needs ./scripts/test.sh or serve.sh to have created .venv; PostgreSQL
# binaries for the PostgreSQL rows). Every load is bounded by a flow count and a duration.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-bench-results}
FLOWS=${FLOWS:-2000}
PRES=${PRES:-400}
PY=.venv/bin/python
[ -x "$PY" ] || PY=python3
mkdir -p "$OUT"
WORK=$(mktemp -d)
chmod 755 "$WORK"  # the PostgreSQL server user must reach its data directory below it
export OID4VC_ADMIN_TOKEN=bench-$(date +%s)
SERVER_PID=""

port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
stop_server() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; }
cleanup() { stop_server; [ -n "${PGBIN:-}" ] && $AS "$PGBIN/pg_ctl" stop -D "$PGDATA" -m fast >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

start_server() {  # name store_url workers jsonld_workers
  PORT=$(port); BASE="http://127.0.0.1:$PORT"
  OID4VC_STORE_URL="$2" OID4VC_SERVER_JSONLD_WORKERS="$4" "$PY" -m oid4vc serve --host 127.0.0.1 --port "$PORT" \
    --data-dir "$WORK/data-$1" --workers "$3" > "$OUT/server-$1.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do curl -sf "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
  sleep 1
}

DB_PID_ARGS=()  # the PostgreSQL postmaster, whose CPU (its backends') is reported apart from the server's

bench_issuance() {  # name config
  "$PY" -m oid4vc bench issuance --server "$BASE" --config-id "$2" --flows "$FLOWS" --concurrency 32 \
    --duration 120 --server-pid "$SERVER_PID" "${DB_PID_ARGS[@]}" --quiet --json "$OUT/$1.json" > /dev/null
}

bench_steps() {  # name config: server CPU per step, each step of every flow as its own phase
  "$PY" -m oid4vc bench issuance --by-step --server "$BASE" --config-id "$2" --flows "$FLOWS" --concurrency 32 \
    --server-pid "$SERVER_PID" --quiet --json "$OUT/$1.json" > /dev/null
}

bench_presentation() {  # name format
  "$PY" -m oid4vc bench presentation --server "$BASE" --format "$2" --flows "$PRES" --concurrency 32 \
    --duration 120 --server-pid "$SERVER_PID" "${DB_PID_ARGS[@]}" --quiet --json "$OUT/$1.json" > /dev/null
}

"$PY" -m oid4vc bench sign --seconds 3 --workers 2 --json "$OUT/sign.json" > /dev/null

start_server sqlite1 "sqlite:///$WORK/s1.db" 1 2
bench_issuance issue-sqlite-1p-sd-jwt OpenBadgeCredential_dc_sd_jwt
bench_issuance issue-sqlite-1p-jwt-vc OpenBadgeCredential_jwt_vc_json
bench_issuance issue-sqlite-1p-ldp-vc OpenBadgeCredential_ldp_vc
bench_steps steps-sqlite-1p-sd-jwt OpenBadgeCredential_dc_sd_jwt
bench_presentation present-sqlite-1p-sd-jwt dc+sd-jwt
bench_presentation present-sqlite-1p-jwt-vc jwt_vc_json
bench_presentation present-sqlite-1p-ldp-vc ldp_vc
stop_server

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -n "$PGBIN" ] && [ -x "$PGBIN/initdb" ]; then
  PGROOT="$WORK/pg"; PGDATA="$PGROOT/data"; mkdir -p "$PGROOT"; AS=""
  if [ "$(id -u)" = 0 ]; then chown postgres "$PGROOT"; AS="runuser -u postgres --"; fi
  $AS "$PGBIN/initdb" -D "$PGDATA" -A trust -U postgres --no-instructions >/dev/null
  PGPORT=$(port)
  $AS "$PGBIN/pg_ctl" start -D "$PGDATA" -l "$PGROOT/log" -w -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGROOT -c max_connections=200" >/dev/null
  DB_PID_ARGS=(--database-pid "$(head -1 "$PGDATA/postmaster.pid")")
  for n in 1 2; do
    "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres "b$n"
    start_server "pg${n}p" "postgresql://postgres@127.0.0.1:$PGPORT/b$n" "$n" 1
    bench_issuance "issue-postgres-${n}p-sd-jwt" OpenBadgeCredential_dc_sd_jwt
    bench_issuance "issue-postgres-${n}p-jwt-vc" OpenBadgeCredential_jwt_vc_json
    [ "$n" = 2 ] && bench_presentation present-postgres-2p-sd-jwt dc+sd-jwt
    [ "$n" = 2 ] && bench_presentation present-postgres-2p-jwt-vc jwt_vc_json
    stop_server
  done
fi

"$PY" - "$OUT" <<'PYEOF'
import json, pathlib, sys
out = pathlib.Path(sys.argv[1])
sign = json.loads((out / "sign.json").read_text())
print("signing, credentials/s (in process, 2 JSON-LD workers):", {k: v for k, v in sign.items() if "/" in k})
print(f"{'run':32} {'flows/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'srv CPU ms/flow':>16} {'db CPU':>7} {'gen CPU':>8} {'errors':>7} {'healthz p99':>11}")
for f in sorted(out.glob("*.json")):
    if f.name == "sign.json" or f.name.startswith("steps-"):
        continue
    d = json.loads(f.read_text())
    rate = d.get("flows_per_s", d.get("presentations_per_s"))
    lat = d.get("flow_latency") or d["steps"].get("response", {})
    probe = d["steps"].get("probe_healthz", {}).get("p99_ms", "-")
    print(f"{f.stem:32} {rate:>8} {lat.get('p50_ms', 0):>7} {lat.get('p99_ms', 0):>7} "
          f"{d.get('server_cpu_ms_per_flow', '-'):>16} {d.get('database_cpu_ms_per_flow', '-'):>7} {d['generator_cpu_ms_per_flow']:>8} {sum(d['errors'].values()):>7} {probe:>11}")
for f in sorted(out.glob("steps-*.json")):
    d = json.loads(f.read_text())
    costs = {name: step.get("server_cpu_us_per_request") for name, step in d["steps"].items()}
    print(f"{f.stem}: server CPU us/request by step {costs}; flow {d.get('server_cpu_ms_per_flow')} ms")
PYEOF
