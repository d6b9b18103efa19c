# bench/lib.sh - what every load run shares: the release build, a server on
# SQLite or a private PostgreSQL cluster, JSON helpers, the per-route server
# time from /metrics. Sourced by bench/*.sh after they parse their flags.
#   bench_args "$@"               --postgresql, --duration D, --connections N
#                                 (sets $backend, $duration, $connections)
#   bench_build                   release build into $BUFFR_BENCH_BUILD (build-bench)
#   bench_start_server DB_URL     start it (sets $base, stops it on exit);
#                                 BENCH_SERVER_ARGS adds flags ("--threads 8"),
#                                 BENCH_SERVER_PREFIX runs it under a command
#                                 ("taskset -c 0": the server on core 0;
#                                 BENCH_WRK_PREFIX="taskset -c 1" for wrk in
#                                 orders.sh, with WRK_THREADS=1)
#   bench_database BACKEND        echo a fresh database URL (sqlite | postgresql)
#   json '["field"]' < answer     read a JSON field
#   bench_server_time PATTERN     mean server time per route matching PATTERN

bench_args() {
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
}

bench_build() {
  scripts/deps.sh bench
  build=${BUFFR_BENCH_BUILD:-build-bench}
  # -UBUFFR_MODULES: always every module, whatever the directory was configured with.
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DBUFFR_TESTS=OFF -UBUFFR_MODULES >/dev/null
  cmake --build "$build" --target buffr -j"$(nproc)" >/dev/null
}

work=$(mktemp -d /tmp/buffr-bench.XXXXXX)
server_pid=""
bench_cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  fi
  if [ -d "$work/pg" ]; then
    scripts/pg-test-cluster.sh stop "$work/pg" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap bench_cleanup EXIT

bench_database() {
  if [ "$1" = postgresql ]; then
    mkdir -p "$work/pg"
    scripts/pg-test-cluster.sh start "$work/pg" >/dev/null
    cat "$work/pg/url"
  else
    echo "sqlite:$work/buffr.db"
  fi
}

bench_start_server() {
  ${BENCH_SERVER_PREFIX:-} "$build/buffr" serve --listen 127.0.0.1:0 --database "$1" --data-dir "$work" \
    --access-log false --login-ip-limit 1000000 --login-account-limit 1000000 \
    ${BENCH_SERVER_ARGS:-} >"$work/stdout" 2>"$work/stderr" &
  server_pid=$!
  for _ in $(seq 100); do
    grep -q 'listening on' "$work/stdout" 2>/dev/null && break
    sleep 0.1
  done
  base=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$work/stdout")
  [ -n "$base" ] || { cat "$work/stderr" >&2; exit 1; }
}

json() { python3 -c 'import json,sys; print(json.load(sys.stdin)'"$1"')'; }

bench_server_time() {
  curl -s "$base/metrics" | grep -E '^buffr_http_request_duration_seconds_(sum|count)' |
    grep -E "$1" | python3 -c '
import re, sys
seen = {}
for line in sys.stdin:
    m = re.match(r"(\S+)_(sum|count)\{(.*)\} (\S+)", line)
    if m:
        seen.setdefault(m.group(3), {})[m.group(2)] = float(m.group(4))
for labels, v in sorted(seen.items()):
    if v.get("count"):
        print("%-80s count %8d  mean %.3f ms" % (labels, v["count"], 1000 * v["sum"] / v["count"]))
'
}
