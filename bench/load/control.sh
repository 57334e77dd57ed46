#!/usr/bin/env bash
# What the control API costs the mock CPO: two mock CPOs on CPU 0, one with its control API off (--control-port 0),
# one with it on (every request recorded, the fault list checked), GET /scpi/sender/2.2/locations/Loc1 from wrk
# (32 connections) in alternating rounds; prints both and the ratio on/off.
# Usage: bench/load/control.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/load/lib.sh
seconds=${1:-10}
bench_ensure_tools
cmake --preset bench >/dev/null
cmake --build --preset bench --target scn-tools >/dev/null
bin=build/bench/scn-tools
a_port=$(bench_free_port); b_port=$(bench_free_port)
taskset -c 0 "$bin" mock --cpo --offline --port "$a_port" --control-port 0 --db "$BENCH_TMP/a.db" >"$BENCH_TMP/a.log" 2>&1 &
BENCH_PIDS+=($!)
taskset -c 0 "$bin" mock --cpo --offline --port "$b_port" --control-port "$(bench_free_port)" --db "$BENCH_TMP/b.db" >"$BENCH_TMP/b.log" 2>&1 &
BENCH_PIDS+=($!)
bench_wait_log "$BENCH_TMP/a.log" "Accepting requests with Authorization Token"
bench_wait_log "$BENCH_TMP/b.log" "Accepting requests with Authorization Token"
a_token=$(awk '/Accepting requests with Authorization Token/ {print $NF}' "$BENCH_TMP/a.log")
b_token=$(awk '/Accepting requests with Authorization Token/ {print $NF}' "$BENCH_TMP/b.log")
headers=(-H "X-Request-ID: 1" -H "X-Correlation-ID: 1" -H "SCPI-From-Country-Code: CH" -H "SCPI-From-Party-Id: MSP"
         -H "SCPI-To-Country-Code: CH" -H "SCPI-To-Party-Id: CPO")
a_args=("http://127.0.0.1:$a_port/scpi/sender/2.2/locations/Loc1" -H "Authorization: Token $a_token" "${headers[@]}")
b_args=("http://127.0.0.1:$b_port/scpi/sender/2.2/locations/Loc1" -H "Authorization: Token $b_token" "${headers[@]}")
{
    read -r a_rps a_p50 a_p99 a_err
    read -r b_rps b_p50 b_p99 b_err
} <<<"$(bench_wrk_pair a_args b_args "$seconds" 32)"
echo "control off: $a_rps req/s p50 $a_p50; control on: $b_rps req/s p50 $b_p50; on/off: $(bench_ratio "$b_rps" "$a_rps")"
