#!/usr/bin/env bash
# Load runs against a release build of the real server on SQLite (and on
# PostgreSQL with --postgresql): property reads and logins, with wrk.
#   bench/run.sh [--postgresql] [--duration 10s] [--connections 32]
# Figures are printed; copy them into bench/README.md with the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_args "$@"
bench_build
bench_start_server "$(bench_database "$backend")"

email="loadrun-$RANDOM$RANDOM@example.com"
password="Quiet-Harbour-Lantern-$RANDOM"
register=$(curl -sf "$base/api/v1/auth/register" -H 'Content-Type: application/json' \
  -d "{\"tenant_name\":\"Bench Hotels\",\"email\":\"$email\",\"password\":\"$password\",\"full_name\":\"Bench Owner\"}")
token=$(printf '%s' "$register" | json '["access_token"]')
property=$(curl -sf "$base/api/v1/properties" -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $token" \
  -d '{"name":"Bench Lodge","type":"hotel","timezone":"Europe/Paris","currency":"EUR"}')
pid=$(printf '%s' "$property" | json '["id"]')

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
bench_server_time 'properties|login'
