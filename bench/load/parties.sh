#!/usr/bin/env bash
# The mock parties under load from wrk (32 connections, bounded time) on 127.0.0.1, in one run:
#   1. nginx serving the bytes of one location response from a file (the physical-limit baseline);
#   2. the mock CPO: GET /scpi/sender/2.2/locations/Loc1 (with the token and routing headers), measured in rounds
#      alternating with nginx's (bench_wrk_pair);
#   3. the mock MSP: PUT /scpi/receiver/2.2/sessions/CH/CPO/{id}, each a new session validated and stored in SQLite.
# Usage: bench/load/parties.sh [seconds]
# BENCH_MOCK_ARGS adds options to both mocks' command lines (e.g. "--console-buffer 0" to measure without the console).
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/load/lib.sh
seconds=${1:-10}
bench_ensure_tools
cmake --preset bench >/dev/null
cmake --build --preset bench --target scn-tools >/dev/null
bin=build/bench/scn-tools
read -ra mock_args <<<"${BENCH_MOCK_ARGS:-}"

cpo_port=$(bench_free_port)
msp_port=$(bench_free_port)
nginx_port=$(bench_free_port)
taskset -c 0 "$bin" mock --cpo --offline --port "$cpo_port" --db "$BENCH_TMP/cpo.db" "${mock_args[@]}" >"$BENCH_TMP/cpo.log" 2>&1 &
BENCH_PIDS+=($!)
taskset -c 0 "$bin" mock --msp --offline --port "$msp_port" --db "$BENCH_TMP/msp.db" "${mock_args[@]}" >"$BENCH_TMP/msp.log" 2>&1 &
BENCH_PIDS+=($!)
bench_wait_port "$cpo_port"
bench_wait_port "$msp_port"
bench_wait_log "$BENCH_TMP/cpo.log" "Accepting requests with Authorization Token"
bench_wait_log "$BENCH_TMP/msp.log" "Accepting requests with Authorization Token"
cpo_token=$(awk '/Accepting requests with Authorization Token/ {print $NF}' "$BENCH_TMP/cpo.log")
msp_token=$(awk '/Accepting requests with Authorization Token/ {print $NF}' "$BENCH_TMP/msp.log")

headers=(-H "X-Request-ID: 1" -H "X-Correlation-ID: 1" -H "SCPI-From-Country-Code: CH" -H "SCPI-From-Party-Id: MSP"
         -H "SCPI-To-Country-Code: CH" -H "SCPI-To-Party-Id: CPO")
mkdir -p "$BENCH_TMP/www"
curl -s "http://127.0.0.1:$cpo_port/scpi/sender/2.2/locations/Loc1" -H "Authorization: Token $cpo_token" \
    "${headers[@]}" >"$BENCH_TMP/www/location.json"
BENCH_NGINX_SENDFILE=off bench_start_nginx "$BENCH_TMP/www" "$nginx_port"

python3 - "$BENCH_TMP/put.lua" "$msp_token" <<'PY'
import json, sys
session = json.load(open("data/cpo/sessions.json"))[0]
session["status"] = "ACTIVE"
body = json.dumps(session, separators=(",", ":")).replace(session["id"], "SESSION_ID")
lua = f'''
counter = 0
local template = {json.dumps(body)}
local headers = {{}}
headers["Authorization"] = "Token {sys.argv[2]}"
headers["Content-Type"] = "application/json"
headers["X-Request-ID"] = "1"
headers["X-Correlation-ID"] = "1"
headers["SCPI-From-Country-Code"] = "CH"
headers["SCPI-From-Party-Id"] = "CPO"
headers["SCPI-To-Country-Code"] = "CH"
headers["SCPI-To-Party-Id"] = "MSP"
request = function()
  counter = counter + 1
  local id = string.format("bench-%08d-%04d", counter, math.random(0, 9999))
  local body = string.gsub(template, "SESSION_ID", id)
  return wrk.format("PUT", "/scpi/receiver/2.2/sessions/CH/CPO/" .. id, headers, body)
end
'''
open(sys.argv[1], "w").write(lua)
PY

nginx_args=("http://127.0.0.1:$nginx_port/location.json")
cpo_args=("http://127.0.0.1:$cpo_port/scpi/sender/2.2/locations/Loc1" -H "Authorization: Token $cpo_token" "${headers[@]}")
{
    read -r n_rps n_p50 n_p99 n_err
    read -r c_rps c_p50 c_p99 c_err
} <<<"$(bench_wrk_pair nginx_args cpo_args "$seconds" 32)"
read -r m_rps m_p50 m_p99 m_err <<<"$(bench_wrk "http://127.0.0.1:$msp_port/" "$seconds" 32 -s "$BENCH_TMP/put.lua")"
stored=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from sessions').fetchone()[0])" "$BENCH_TMP/msp.db")

echo "location response: $(wc -c <"$BENCH_TMP/www/location.json") bytes; sessions stored by the MSP: $stored"
printf "%-34s %12s %10s %10s %8s\n" "measurement" "req/s" "p50 ms" "p99 ms" "non-2xx"
printf "%-34s %12s %10s %10s %8s\n" "nginx, location file (baseline)" "$n_rps" "$n_p50" "$n_p99" "$n_err"
printf "%-34s %12s %10s %10s %8s\n" "mock CPO, GET one location" "$c_rps" "$c_p50" "$c_p99" "$c_err"
printf "%-34s %12s %10s %10s %8s\n" "mock MSP, PUT session (stored)" "$m_rps" "$m_p50" "$m_p99" "$m_err"
echo "mock CPO GET / nginx: $(bench_ratio "$c_rps" "$n_rps")"
echo "mock MSP PUT / mock CPO GET: $(bench_ratio "$m_rps" "$c_rps")"
