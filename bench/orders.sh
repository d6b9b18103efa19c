#!/usr/bin/env bash
# Load run of order placing against a release build of the real server on
# SQLite (PostgreSQL with --postgresql): wrk POSTs a two-line order (one line
# with a modifier option) at 32 connections; prices, modifiers and taxes
# are checked by the server on every request. Also measures the menu read.
#   bench/orders.sh [--postgresql] [--duration 10s] [--connections 32]
# Figures are printed; copy them into bench/README.md with the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_args "$@"
bench_build
bench_start_server "$(bench_database "$backend")"

post() { curl -sf "$base$1" -H 'Content-Type: application/json' -H "Authorization: Bearer $token" -d "$2"; }

email="chef-$RANDOM$RANDOM@example.com"
password="Quiet-Harbour-$RANDOM-lighthouse-9!"
token=$(curl -sf "$base/api/v1/auth/register" -H 'Content-Type: application/json' \
  -d "{\"tenant_name\":\"Bench Bistro\",\"email\":\"$email\",\"password\":\"$password\",\"full_name\":\"Bench Owner\"}" |
  json '["access_token"]')
pid=$(post /api/v1/properties \
  '{"name":"Bench Bistro","type":"restaurant","timezone":"Europe/Paris","currency":"EUR"}' | json '["id"]')
p="/api/v1/properties/$pid"
curl -sf -X PATCH "$base$p/restaurant/settings" -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $token" -d '{"tax_rate_bp":1000}' >/dev/null
mains=$(post "$p/menu/categories" '{"name":"Mains","station":"grill"}' | json '["id"]')
drinks=$(post "$p/menu/categories" '{"name":"Drinks","station":"bar","tax_rate_bp":2000}' | json '["id"]')
burger=$(post "$p/menu/items" "{\"category_id\":\"$mains\",\"name\":\"Burger\",\"price\":1450}" | json '["id"]')
soda=$(post "$p/menu/items" "{\"category_id\":\"$drinks\",\"name\":\"Soda\",\"price\":350}" | json '["id"]')
group=$(post "$p/menu/modifier-groups" \
  '{"name":"Cooking","min_select":1,"max_select":1,"options":[{"name":"Rare","price_delta":0},{"name":"Well done","price_delta":0}]}')
gid=$(printf '%s' "$group" | json '["id"]')
option=$(printf '%s' "$group" | json '["options"][0]["id"]')
post "$p/menu/items/$burger/modifier-groups" "{\"group_id\":\"$gid\"}" >/dev/null
order="{\"channel\":\"dine_in\",\"table\":\"12\",\"items\":[{\"menu_item_id\":\"$burger\",\"quantity\":2,\"options\":[\"$option\"]},{\"menu_item_id\":\"$soda\",\"quantity\":2}]}"
post "$p/orders" "$order" | json '["total"]' >/dev/null

cat >"$work/order.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
wrk.body = '$order'
LUA
cat >"$work/get.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $token"
LUA

echo "== $backend: POST /api/v1/properties/{pid}/orders ($connections connections, $duration)"
${BENCH_WRK_PREFIX:-} wrk -t"${WRK_THREADS:-2}" -c"$connections" -d"$duration" --latency -s "$work/order.lua" "$base$p/orders"
echo
echo "== $backend: GET /api/v1/properties/{pid}/menu ($connections connections, $duration)"
wrk -t2 -c"$connections" -d"$duration" --latency -s "$work/get.lua" "$base$p/menu"
echo
echo "== server-side time per route (from /metrics)"
bench_server_time 'orders"|/menu"'
