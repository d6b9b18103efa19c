#!/usr/bin/env bash
# Load runs against a release build of the real server on SQLite (and on
# PostgreSQL with --postgresql): property reads and logins, with wrk.
#   bench/run.sh [--postgresql] [--duration 10s] [--connections 32]
# Figures are printed; copy them into bench/README.md with the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=10s
connections=32
backend=sqlite
while [ $# -gt 0 ]; do
  case "$1" in
    --postgresql) backend=postgresql ;;
    --duration) duration=$2; shift ;;
    --connections) connections=$2; shift ;;
    *) echo "usage: $0 [--postgresql] [--duration D] [--connections N]" >&2; exit 2 ;;
  esac
  shift
done
scripts/deps.sh bench
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DBUFFR_TESTS=OFF >/dev/null
cmake --build build-bench --target buffr -j"$(nproc)" >/dev/null

work=$(mktemp -d /tmp/buffr-bench.XXXXXX)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  [ "$backend" = postgresql ] && scripts/pg-test-cluster.sh stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ "$backend" = postgresql ]; then
  mkdir -p "$work/pg"
  scripts/pg-test-cluster.sh start "$work/pg" >/dev/null
  db_url=$(cat "$work/pg/url")
else
  db_url="sqlite:$work/buffr.db"
fi

build-bench/buffr serve --listen 127.0.0.1:0 --database "$db_url" --data-dir "$work" \
  --access-log false --login-ip-limit 1000000 --login-account-limit 1000000 \
  >"$work/stdout" 2>"$work/stderr" &
server_pid=$!
for _ in $(seq 100); do
  grep -q 'listening on' "$work/stdout" 2>/dev/null && break
  sleep 0.1
done
base=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$work/stdout")
[ -n "$base" ] || { cat "$work/stderr"; exit 1; }

email="loadrun-$RANDOM$RANDOM@example.com"
password="Quiet-Harbour-Lantern-$RANDOM"
register=$(curl -sf "$base/api/v1/auth/register" -H 'Content-Type: application/json' \
  -d "{\"tenant_name\":\"Bench Hotels\",\"email\":\"$email\",\"password\":\"$password\",\"full_name\":\"Bench Owner\"}")
token=$(printf '%s' "$register" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
property=$(curl -sf "$base/api/v1/properties" -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $token" \
  -d '{"name":"Bench Lodge","type":"hotel","timezone":"Europe/Paris","currency":"EUR"}')
pid=$(printf '%s' "$property" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')

cat >"$work/get.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $token"
LUA
cat >"$work/login.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"$email","password":"$password"}'
LUA

echo "== $backend: GET /api/v1/properties/{pid} ($connections connections, $duration)"
wrk -t2 -c"$connections" -d"$duration" --latency -s "$work/get.lua" "$base/api/v1/properties/$pid"
echo
echo "== $backend: GET /api/v1/properties (list) ($connections connections, $duration)"
wrk -t2 -c"$connections" -d"$duration" --latency -s "$work/get.lua" "$base/api/v1/properties"
echo
echo "== $backend: POST /api/v1/auth/login (8 connections, $duration; Argon2id 64 MiB, 2 passes)"
wrk -t2 -c8 -d"$duration" --latency -s "$work/login.lua" "$base/api/v1/auth/login"
echo
echo "== server-side time per route (from /metrics)"
curl -s "$base/metrics" | grep -E '^buffr_http_request_duration_seconds_(sum|count)' | grep -E 'properties|login' || true
