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
. bench/lib.sh
bench_build

echo "== building the data set ($rooms rooms, $reservations reservations over 3 years)"
summary=$(python3 bench/reservations_data.py --binary "$build/buffr" --db "$work/buffr.db" \
  --lua-dir "$work" --rooms "$rooms" --reservations "$reservations")
echo "$summary" | python3 -c 'import json,sys; s=json.load(sys.stdin); print("   %d rooms, %d reservations, %d room-nights (occupancy %.0f%%), built in %ss" % (s["rooms"], s["reservations"], s["room_nights"], 100*s["occupancy"], s["seconds"]))'
field() { printf '%s' "$summary" | python3 -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])"; }
email=$(field email)
password=$(field password)

bench_start_server "sqlite:$work/buffr.db"

login=$(curl -sf "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$email\",\"password\":\"$password\"}")
BENCH_TOKEN=$(printf '%s' "$login" | json '["access_token"]')
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
bench_server_time 'availability|/reservations"'
