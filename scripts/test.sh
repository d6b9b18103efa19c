#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds the release binary
# (build/buffr) and a test build with AddressSanitizer
# and UndefinedBehaviorSanitizer (clang), starts a private PostgreSQL cluster,
# runs unit tests, API tests on SQLite and PostgreSQL and short fuzz runs
# through CTest, then stops the cluster. Exit status is CTest's.
#   FUZZ_SECONDS=N   how long each fuzz target runs (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test

pgdir=$(mktemp -d /tmp/buffr-pg.XXXXXX)
cleanup() { scripts/pg-test-cluster.sh stop "$pgdir" >/dev/null 2>&1 || true; rm -rf "$pgdir"; }
trap cleanup EXIT
scripts/pg-test-cluster.sh start "$pgdir" >/dev/null
export BUFFR_TEST_PG_URL
BUFFR_TEST_PG_URL=$(cat "$pgdir/url")
echo "PostgreSQL test cluster: $BUFFR_TEST_PG_URL"

# The quick start's release build (the system compiler, optimised, whose
# warnings differ from clang's at -O0) must build too.
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUFFR_TESTS=OFF >/dev/null
cmake --build build --target buffr -j"$(nproc)" >/dev/null

cmake -S . -B build-test -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
  -DBUFFR_SANITIZE=ON -DBUFFR_FUZZ=ON -DBUFFR_FUZZ_SECONDS="${FUZZ_SECONDS:-20}" >/dev/null
cmake --build build-test -j"$(nproc)"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
cd build-test
ctest --output-on-failure -j"$(nproc)" "$@"
