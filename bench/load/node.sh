#!/usr/bin/env bash
# The local node's routing cost, in one run (32 connections, bounded time, everything on 127.0.0.1):
#   1. direct: GET /scpi/sender/2.2/locations/Loc1 sent straight to the mock CPO (with the token the node uses);
#   2. routed: the same request sent as the MSP to the node, which checks it and forwards it to the same CPO;
#   3. for reference, nginx as a plain reverse proxy in front of the same CPO (pooled upstream connections, no checks):
#      what one relay hop costs on this machine with no work done per request.
# The node and the CPO are separate processes sharing CPU 0 (wrk on CPU 1), so routed traffic pays for both;
# BENCH_PIN=0 lets every process use both cores instead.
# Usage: [BENCH_PIN=0] bench/load/node.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/load/lib.sh
seconds=${1:-10}
bench_ensure_tools
cmake --preset bench >/dev/null
cmake --build --preset bench --target scn-tools >/dev/null
bin=$PWD/build/bench/scn-tools

node_port=$(bench_free_port)
cpo_port=$(bench_free_port)
proxy_port=$(bench_free_port)
msp_port=$(bench_free_port)
cat >"$BENCH_TMP/config.json" <<JSON
{"scn": {"node": "http://127.0.0.1:$node_port"},
 "registry": {"backend": "embedded", "path": "$BENCH_TMP/registry.db"},
 "node": {"port": $node_port, "public_url": "http://127.0.0.1:$node_port", "api_key": "bench",
          "db": "$BENCH_TMP/node.db"},
 "cpo": {"port": $cpo_port, "publicIP": "http://127.0.0.1:$cpo_port", "db": "$BENCH_TMP/cpo.db", "data": "data/cpo",
         "roles": [{"country_code": "CH", "party_id": "CPO", "role": "CPO", "business_details": {"name": "CPO"}}]},
 "msp": {"port": $msp_port, "publicIP": "http://127.0.0.1:$msp_port", "db": "$BENCH_TMP/msp.db", "data": "data/msp",
         "roles": [{"country_code": "CH", "party_id": "MSP", "role": "EMSP", "business_details": {"name": "MSP"}}]}}
JSON
run() { "$bin" --config "$BENCH_TMP/config.json" "$@"; }
token_a() {
    curl -sf -XPOST "http://127.0.0.1:$node_port/admin/generate-registration-token" -H 'Authorization: Token bench' \
        -d '[]' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

bench_on_cpu 0 "$bin" --config "$BENCH_TMP/config.json" node >"$BENCH_TMP/node.log" 2>&1 &
BENCH_PIDS+=($!)
bench_wait_port "$node_port"
sleep 0.3
# The MSP registers and exits (only its TOKEN_C is needed); the CPO registers and keeps serving.
TOKEN_A=$(token_a) SIGNER_KEY=0x$(openssl rand -hex 32) run mock --msp --register-only >"$BENCH_TMP/msp.log" 2>&1
msp_token=$(awk '/use Authorization Token/ {print $NF}' "$BENCH_TMP/msp.log")
TOKEN_A=$(token_a) SIGNER_KEY=0x$(openssl rand -hex 32) bench_on_cpu 0 "$bin" --config "$BENCH_TMP/config.json" \
    mock --cpo >"$BENCH_TMP/cpo.log" 2>&1 &
BENCH_PIDS+=($!)
bench_wait_log "$BENCH_TMP/cpo.log" "use Authorization Token"
cpo_token_b=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"select value from settings where key='token_b'\").fetchone()[0])" "$BENCH_TMP/cpo.db")

headers=(-H "X-Request-ID: 1" -H "X-Correlation-ID: 1" -H "SCPI-From-Country-Code: CH" -H "SCPI-From-Party-Id: MSP"
         -H "SCPI-To-Country-Code: CH" -H "SCPI-To-Party-Id: CPO")
path=/scpi/sender/2.2/locations/Loc1
direct=$(curl -s "http://127.0.0.1:$cpo_port$path" -H "Authorization: Token $cpo_token_b" "${headers[@]}")
routed=$(curl -s "http://127.0.0.1:$node_port$path" -H "Authorization: Token $msp_token" "${headers[@]}")
python3 - "$direct" "$routed" <<'PY'
import json, sys
d, r = (json.loads(x) for x in sys.argv[1:3])
assert d["status_code"] == 1000 and r["status_code"] == 1000, (d.get("status_message"), r.get("status_message"))
assert d["data"] == r["data"], "the node must relay the CPO's answer unchanged"
PY

bench_start_nginx_proxy "$cpo_port" "$proxy_port"
proxied=$(curl -s "http://127.0.0.1:$proxy_port$path" -H "Authorization: Token $cpo_token_b" "${headers[@]}")
python3 -c 'import json,sys; assert json.loads(sys.argv[1])["status_code"] == 1000' "$proxied"

direct_args=("http://127.0.0.1:$cpo_port$path" -H "Authorization: Token $cpo_token_b" "${headers[@]}")
routed_args=("http://127.0.0.1:$node_port$path" -H "Authorization: Token $msp_token" "${headers[@]}")
{
    read -r d_rps d_p50 d_p99 d_err
    read -r r_rps r_p50 r_p99 r_err
} <<<"$(bench_wrk_pair direct_args routed_args "$seconds" 32)"

read -r p_rps p_p50 p_p99 p_err <<<"$(bench_wrk "http://127.0.0.1:$proxy_port$path" "$seconds" 32 \
    -H "Authorization: Token $cpo_token_b" "${headers[@]}")"

printf "%-36s %12s %10s %10s %8s\n" "measurement" "req/s" "p50 ms" "p99 ms" "non-2xx"
printf "%-36s %12s %10s %10s %8s\n" "direct to the mock CPO (baseline)" "$d_rps" "$d_p50" "$d_p99" "$d_err"
printf "%-36s %12s %10s %10s %8s\n" "through the local node" "$r_rps" "$r_p50" "$r_p99" "$r_err"
printf "%-36s %12s %10s %10s %8s\n" "nginx reverse proxy (reference)" "$p_rps" "$p_p50" "$p_p99" "$p_err"
echo "routed / direct throughput: $(bench_ratio "$r_rps" "$d_rps")"
echo "nginx proxy / direct throughput: $(bench_ratio "$p_rps" "$d_rps")"
echo "routed / nginx proxy throughput: $(bench_ratio "$r_rps" "$p_rps")"
echo "added p50 latency (ms): $(python3 -c 'import sys; print(round(float(sys.argv[1]) - float(sys.argv[2]), 3))' "$r_p50" "$d_p50")"

# User-space instructions the node spends per routed request, counted by callgrind (hardware counters are not
# available on every machine): the node is restarted under callgrind on the same port and database, warmed up, its
# counters zeroed, then 8 connections run for a while; the instructions divided by the requests wrk completed.
if [[ "${BENCH_CALLGRIND:-1}" == 1 ]] && command -v valgrind >/dev/null; then
    node_pid=$(ss -ltnpH "sport = :$node_port" | sed -E 's/.*pid=([0-9]+).*/\1/' | head -1)
    kill "$node_pid"
    while ss -ltnH "sport = :$node_port" | grep -q .; do sleep 0.1; done
    valgrind --tool=callgrind --callgrind-out-file="$BENCH_TMP/callgrind.%p" \
        "$bin" --config "$BENCH_TMP/config.json" node >"$BENCH_TMP/node-callgrind.log" 2>&1 &
    BENCH_PIDS+=($!)
    bench_wait_port "$node_port" 600
    grind_pid=$(ss -ltnpH "sport = :$node_port" | sed -E 's/.*pid=([0-9]+).*/\1/' | head -1)
    wrk -t1 -c8 -d3s --timeout 20s "${routed_args[@]}" >/dev/null
    callgrind_control -z "$grind_pid" >/dev/null 2>&1
    counted=$(wrk -t1 -c8 -d"${BENCH_CALLGRIND_SECONDS:-20}s" --timeout 20s "${routed_args[@]}")
    callgrind_control -d "$grind_pid" >/dev/null 2>&1
    requests=$(awk '/requests in/ {print $1}' <<<"$counted")
    dump=$(ls -t "$BENCH_TMP"/callgrind.* | head -1)
    instructions=$(awk '/^(summary|totals):/ {print $2; exit}' "$dump")
    echo "node user-space instructions per routed request: $((instructions / requests)) (callgrind, $requests requests)"
fi
