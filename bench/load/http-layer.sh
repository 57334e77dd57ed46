#!/usr/bin/env bash
# The HTTP layer alone against nginx: both serve the same bytes (a single-location SCPI response) to wrk with 32
# connections on 127.0.0.1; server on CPU 0, wrk on CPU 1. Usage: bench/load/http-layer.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/load/lib.sh
seconds=${1:-10}
bench_ensure_tools
cmake --preset bench >/dev/null
cmake --build --preset bench --target http_echo_server >/dev/null

mkdir -p "$BENCH_TMP/www"
python3 - "$BENCH_TMP/www/body.json" <<'PY'
import json, sys
loc = json.load(open("data/cpo/locations.json"))[0]
json.dump({"status_code": 1000, "data": loc, "timestamp": "2019-10-14T12:02:45.006Z"}, open(sys.argv[1], "w"),
          separators=(",", ":"))
PY
nginx_port=$(bench_free_port)
ours_port=$(bench_free_port)
BENCH_NGINX_SENDFILE=off bench_start_nginx "$BENCH_TMP/www" "$nginx_port"
taskset -c 0 build/bench/bench/http_echo_server "$ours_port" "$BENCH_TMP/www/body.json" &
BENCH_PIDS+=($!)
bench_wait_port "$ours_port"

nginx_args=("http://127.0.0.1:$nginx_port/body.json")
ours_args=("http://127.0.0.1:$ours_port/body")
{
    read -r n_rps n_p50 n_p99 n_err
    read -r o_rps o_p50 o_p99 o_err
} <<<"$(bench_wrk_pair nginx_args ours_args "$seconds" 32)"
echo "bytes per response body: $(wc -c <"$BENCH_TMP/www/body.json")"
printf "%-22s %12s %10s %10s %8s\n" "server" "req/s" "p50 ms" "p99 ms" "errors"
printf "%-22s %12s %10s %10s %8s\n" "nginx (baseline)" "$n_rps" "$n_p50" "$n_p99" "$n_err"
printf "%-22s %12s %10s %10s %8s\n" "scn_http" "$o_rps" "$o_p50" "$o_p99" "$o_err"
echo "ratio scn_http / nginx: $(bench_ratio "$o_rps" "$n_rps")"
