#!/usr/bin/env bash
# Many sessions at once: an offline mock CPO with 12,000 generated locations and its offline mock MSP, registered with
# each other by the credentials handshake (the MSP's `peer.token_a` is the CPO's token), the CPO pushing session
# updates every second. On 127.0.0.1, every phase bounded in time:
#   1. GET one location from 32 keep-alive connections for a few seconds (the baseline rate);
#   2. START_SESSION for N distinct AVAILABLE EVSEs from the same connections, as fast as answers come, within the
#      start window: sessions started, the rate as a ratio to the GET rate, p50/p99 of the last 1,000;
#   3. the burst: how long after the last START answer the CPO's outbox is empty again (every START's result, its
#      location change and its session's first state delivered), and the CPU used meanwhile;
#   4. then 30 s while they charge: the CPO's and the MSP's CPU use (utime + stime from /proc), and three samples of
#      200 sessions read back from the MSP's sessions receiver: the age of its copy (wall clock minus last_updated)
#      and how many it lacks;
#   5. STOP_SESSION for every one, the CDRs and command results the MSP received within a bounded wait, then the
#      CPO's CPU use for 10 s once all are stopped.
# The CPO runs on CPU 0, the MSP and the load client (build/bench/bench/sessions_load) on CPU 1; BENCH_PIN=0 leaves
# all three unpinned. BENCH_GET_SECONDS, BENCH_BURST_WAIT, BENCH_CHARGE_SECONDS, BENCH_IDLE_SECONDS, BENCH_CDR_WAIT
# (defaults 5, 60, 30, 10, 120) change the phases; BENCH_KEEP=1 keeps the parties' logs and databases in $BENCH_TMP.
# Usage: bench/load/sessions.sh [sessions, default 10000] [start window in seconds, default 240]
set -euo pipefail
cd "$(dirname "$0")/../.."
own_tmp=${BENCH_TMP:-}
source bench/load/lib.sh
sessions=${1:-10000}
seconds=${2:-240}
cmake --preset bench >/dev/null
cmake --build --preset bench --target scn-tools sessions_load >/dev/null
bin=$PWD/build/bench/scn-tools
load=$PWD/build/bench/bench/sessions_load

sessions_cleanup() {
    bench_cleanup
    # The logs grow by some 10,000 lines a second while the sessions charge: gone unless asked for.
    [[ -n "$own_tmp" || "${BENCH_KEEP:-0}" == 1 ]] || rm -rf "$BENCH_TMP"
}
trap sessions_cleanup EXIT

# 12,000 generated locations (about 15,000 AVAILABLE EVSEs), written once.
data=$PWD/build/bench-data/locations-12000-both
if [[ -f "$data/locations.idx" && "$(head -c 8 "$data/locations.idx")" != SCNIDX03 ]]; then
    rm -rf "$data"
fi
if [[ ! -f "$data/locations.idx" ]]; then
    echo "generating 12000 locations in $data (once)..."
    "$bin" generate locations --count 12000 --out "$data" >/dev/null
fi

pin_cpo=() pin_other=()
if [[ "${BENCH_PIN:-1}" != 0 ]]; then
    pin_cpo=(taskset -c 0)
    pin_other=(taskset -c 1)
fi

cpo_port=$(bench_free_port)
cpo_control=$(bench_free_port)
msp_port=$(bench_free_port)
msp_control=$(bench_free_port)
cat >"$BENCH_TMP/cpo.json" <<JSON
{ "cpo": { "port": $cpo_port, "bind": "127.0.0.1", "publicIP": "http://127.0.0.1:$cpo_port",
           "control_port": $cpo_control, "data": "$data", "db": "$BENCH_TMP/cpo.db",
           "session_update_interval": 1 } }
JSON
"${pin_cpo[@]}" "$bin" --config "$BENCH_TMP/cpo.json" mock --cpo --offline >"$BENCH_TMP/cpo.log" 2>&1 &
cpo_pid=$!
BENCH_PIDS+=("$cpo_pid")
bench_wait_port "$cpo_port"
bench_wait_log "$BENCH_TMP/cpo.log" "Accepting requests with Authorization Token"
cpo_token=$(awk '/Accepting requests with Authorization Token/ {print $NF}' "$BENCH_TMP/cpo.log")
# The CPO parses the data set into memory after start-up (warm_data): the measurements begin once it has.
bench_wait_log "$BENCH_TMP/cpo.log" "Locations held in memory"

# The MSP registers with the CPO (OCPI 2.2 §7): the CPO then pushes sessions, CDRs and command results to it, and
# accepts the MSP's TOKEN_C, which the load client sends.
cat >"$BENCH_TMP/msp.json" <<JSON
{ "msp": { "port": $msp_port, "bind": "127.0.0.1", "publicIP": "http://127.0.0.1:$msp_port",
           "control_port": $msp_control, "db": "$BENCH_TMP/msp.db",
           "peer": { "url": "http://127.0.0.1:$cpo_port/scpi/versions", "token_a": "$cpo_token" } } }
JSON
"${pin_other[@]}" "$bin" --config "$BENCH_TMP/msp.json" mock --msp --offline >"$BENCH_TMP/msp.log" 2>&1 &
msp_pid=$!
BENCH_PIDS+=("$msp_pid")
bench_wait_port "$msp_port"
bench_wait_log "$BENCH_TMP/msp.log" "Accepting requests with Authorization Token"
bench_wait_log "$BENCH_TMP/msp.log" "by the credentials handshake; requests to"
msp_token=$(awk '/Accepting requests with Authorization Token/ {print $NF}' "$BENCH_TMP/msp.log")
token_c=$(python3 -c '
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True, timeout=10)
print(db.execute("select value from settings where key = ?", ("peer_token_c",)).fetchone()[0])' "$BENCH_TMP/msp.db")
partners=$(curl -s --max-time 10 "http://127.0.0.1:$cpo_control/control/state" |
           python3 -c 'import json,sys; print(", ".join(p["country_code"] + "/" + p["party_id"] + " via " + p["via"] for p in json.load(sys.stdin)["partners"]))')

echo "CPO: 127.0.0.1:$cpo_port (pid $cpo_pid${pin_cpo:+, CPU 0}), partners: $partners"
echo "MSP: 127.0.0.1:$msp_port (pid $msp_pid${pin_other:+, CPU 1}); load client: $load${pin_other:+ on CPU 1}"
echo "$(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), commit $(git rev-parse --short HEAD)"
"${pin_other[@]}" python3 bench/load/sessions.py --load "$load" --token "$token_c" --msp-token "$msp_token" \
    --data "$data" --tmp "$BENCH_TMP" --cpo-db "$BENCH_TMP/cpo.db" --cpo-port "$cpo_port" --cpo-control "$cpo_control" --msp-port "$msp_port" \
    --msp-control "$msp_control" --cpo-pid "$cpo_pid" --msp-pid "$msp_pid" --sessions "$sessions" \
    --seconds "$seconds" --get-seconds "${BENCH_GET_SECONDS:-5}" --charge-seconds "${BENCH_CHARGE_SECONDS:-30}" \
    --idle-seconds "${BENCH_IDLE_SECONDS:-10}" --cdr-wait "${BENCH_CDR_WAIT:-120}" --burst-wait "${BENCH_BURST_WAIT:-60}"
echo "log sizes: CPO $(du -h "$BENCH_TMP/cpo.log" | cut -f1), MSP $(du -h "$BENCH_TMP/msp.log" | cut -f1)"
