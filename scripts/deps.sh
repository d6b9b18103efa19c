#!/usr/bin/env bash
# Install the Debian 12 packages Buffr Host needs, when any is missing.
#   scripts/deps.sh serve   - to build and run the server
#   scripts/deps.sh test    - also the test suite (clang sanitizers, cmocka, PostgreSQL)
#   scripts/deps.sh bench   - also the load generator
set -euo pipefail

serve_pkgs=(build-essential cmake pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev
  libpq-dev libsodium-dev libpwquality-dev cracklib-runtime liboath-dev iso-codes tzdata
  ca-certificates libqrencode-dev libpng-dev libical-dev)
test_pkgs=(clang libclang-rt-14-dev libcmocka-dev postgresql python3 sqlite3)
bench_pkgs=(wrk)

want=("${serve_pkgs[@]}")
case "${1:-serve}" in
  serve) ;;
  test) want+=("${test_pkgs[@]}") ;;
  bench) want+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  *) echo "usage: $0 serve|test|bench" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "Installing: ${missing[*]}" >&2
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then sudo=(sudo); else
    echo "Missing packages and no root: apt-get install ${missing[*]}" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
