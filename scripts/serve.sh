#!/usr/bin/env bash
# Quick start: install what is missing, build, and run the server with demo
# data on SQLite (./data/buffr.db) at http://127.0.0.1:8080.
# Extra arguments go to `buffr serve` (e.g. --listen 0.0.0.0:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh serve
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUFFR_TESTS=OFF >/dev/null
cmake --build build --target buffr -j"$(nproc)"
mkdir -p data
exec build/buffr serve --demo-data --data-dir ./data --database "sqlite:./data/buffr.db" "$@"
