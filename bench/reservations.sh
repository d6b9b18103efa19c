#!/usr/bin/env bash
# Reservations load run against a release build of the real server on SQLite:
# a hotel of 200 rooms with 100,000 reservations over 3 years (built by
# bench/reservations_data.py), then wrk on the availability search (7-night
# stays on varied dates) and on booking (1..3-night stays on varied dates
# after the data). Prints wrk's latency distribution (p50/p99) and the
# server-side time per route from /metrics (histogram sum / count).
#   bench/reservations.sh [--duration 10s] [--connections 16] [--rooms 200]
#                         [--reservations 100000]
# Figures are printed; copy them into bench/README.md with the machine.
# BUFFR_BENCH_BUILD names another build directory (default build-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
duration=10s
connections=16
rooms=200
reservations=100000
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift ;;
    --connections) connections=$2; shift ;;
    --rooms) rooms=$2; shift ;;
    --reservations) reservations=$2; shift ;;
    *) echo "usage: $0 [--duration D] [--connections N] [--rooms N] [--reservations N]" >&2
       exit 2 ;;
  esac
  shift
done
scripts/deps.sh bench
build=${BUFFR_BENCH_BUILD:-build-bench}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUFFR_TESTS=OFF >/dev/null
cmake --build "$build" --target buffr -j"$(nproc)" >/dev/null

work=$(mktemp -d /tmp/buffr-resv-bench.XXXXXX)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== building the data set ($rooms rooms, $reservations reservations over 3 years)"
summary=$(python3 bench/reservations_data.py --binary "$build/buffr" --db "$work/buffr.db" \
  --lua-dir "$work" --rooms "$rooms" --reservations "$reservations")
echo "$summary" | python3 -c 'import json,sys; s=json.load(sys.stdin); print("   %d rooms, %d reservations, %d room-nights (occupancy %.0f%%), built in %ss" % (s["rooms"], s["reservations"], s["room_nights"], 100*s["occupancy"], s["seconds"]))'
field() { printf '%s' "$summary" | python3 -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])"; }
email=$(field email)
password=$(field password)

"$build/buffr" serve --listen 127.0.0.1:0 --database "sqlite:$work/buffr.db" --data-dir "$work" \
  --access-log false --login-ip-limit 1000000 --login-account-limit 1000000 \
  >"$work/stdout" 2>"$work/stderr" &
server_pid=$!
for _ in $(seq 100); do
  grep -q 'listening on' "$work/stdout" 2>/dev/null && break
  sleep 0.1
done
base=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$work/stdout")
[ -n "$base" ] || { cat "$work/stderr"; exit 1; }

login=$(curl -sf "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$email\",\"password\":\"$password\"}")
BENCH_TOKEN=$(printf '%s' "$login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
export BENCH_TOKEN

echo
echo "== sqlite: GET availability, 7-night stays, varied dates (1 connection, $duration)"
wrk -t1 -c1 -d"$duration" --latency -s "$work/availability.lua" "$base"
echo
echo "== sqlite: GET availability, 7-night stays, varied dates ($connections connections, $duration)"
wrk -t2 -c"$connections" -d"$duration" --latency -s "$work/availability.lua" "$base"
echo
echo "== sqlite: POST reservations, 1..3 nights, varied dates and types (1 connection, $duration)"
wrk -t1 -c1 -d"$duration" --latency -s "$work/book.lua" "$base"
echo
echo "== sqlite: POST reservations, 1..3 nights, varied dates and types (8 connections, $duration)"
wrk -t2 -c8 -d"$duration" --latency -s "$work/book.lua" "$base"
echo
echo "== server-side time per route (from /metrics: sum / count = mean seconds)"
curl -s "$base/metrics" | grep -E '^buffr_http_request_duration_seconds_(sum|count)' |
  grep -E 'availability|/reservations"' | python3 -c '
import re, sys
seen = {}
for line in sys.stdin:
    m = re.match(r"(\S+)_(sum|count)\{(.*)\} (\S+)", line)
    if m:
        seen.setdefault(m.group(3), {})[m.group(2)] = float(m.group(4))
for labels, v in sorted(seen.items()):
    if v.get("count"):
        print("%-90s count %8d  mean %.3f ms" % (labels, v["count"], 1000 * v["sum"] / v["count"]))
'
