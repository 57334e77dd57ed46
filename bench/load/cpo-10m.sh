#!/usr/bin/env bash
# The mock CPO with 10,000,000 generated locations: time to ready, peak RSS, and
# GET locations?offset=<random>&limit=100 under wrk (32 connections, bounded time) against nginx serving the bytes
# of one such page from a file.
# Usage: [BENCH_FORMAT=both|compressed|plain] bench/load/cpo-10m.sh [count] [seconds]   (data in build/bench-data)
# The data set is written once per format (`generate --format`, default both: 1.9 GB of LZ4 blocks and 18 GB of
# plain lines for 10,000,000 locations).
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/load/lib.sh
count=${1:-10000000}
seconds=${2:-10}
bench_ensure_tools
cmake --preset bench >/dev/null
cmake --build --preset bench --target scn-tools >/dev/null
bin=$PWD/build/bench/scn-tools
format=${BENCH_FORMAT:-both}
data=$PWD/build/bench-data/locations-$count-$format
magic=SCNIDX03
[[ "$format" == plain ]] && magic=SCNIDX02
# A data set of another format (written by an earlier version) is written anew.
if [[ -f "$data/locations.idx" && "$(head -c 8 "$data/locations.idx")" != "$magic" ]]; then
    rm -rf "$data"
fi
if [[ ! -f "$data/locations.idx" ]]; then
    echo "generating $count locations in $data (once)..."
    /usr/bin/time -f "generated in %e s" "$bin" generate locations --count "$count" --out "$data" \
        --format "$format" >/dev/null
fi
du -sh "$data" | awk '{print "data set on disk: " $1}'

port=$(bench_free_port)
started=$(date +%s.%N)
taskset -c 0 "$bin" mock --cpo --offline --port "$port" --data "$data" --db "$BENCH_TMP/cpo.db" >"$BENCH_TMP/cpo.log" 2>&1 &
pid=$!
BENCH_PIDS+=($pid)
bench_wait_port "$port"
ready=$(date +%s.%N)
bench_wait_log "$BENCH_TMP/cpo.log" "Accepting requests with Authorization Token"
token=$(awk '/Accepting requests with Authorization Token/ {print $NF}' "$BENCH_TMP/cpo.log")
# The CPO reads the data set into the page cache in the background when it fits in memory: measure the served
# pages once that is done (at most 10 minutes), as a server that has been up for a while would serve them.
# Both files of a data set in both forms are read, one after the other.
files=1
[[ "$format" == both ]] && files=2
warm="not read ahead (does not fit in available memory)"
bench_wait_log "$BENCH_TMP/cpo.log" "into the page cache in the background\|Not reading" || true
if grep -q "into the page cache in the background" "$BENCH_TMP/cpo.log"; then
    for _ in $(seq 1 6000); do
        (($(grep -c "is in memory" "$BENCH_TMP/cpo.log") >= files)) && break
        grep -q "Not reading" "$BENCH_TMP/cpo.log" && break
        sleep 0.1
    done
    warm=$(grep -o "[a-z0-9.]* is in memory (.*)\|Not reading .*" "$BENCH_TMP/cpo.log" | paste -sd ';' - ||
           echo "still reading after 10 minutes")
fi
headers=(-H "Authorization: Token $token" -H "X-Request-ID: 1" -H "X-Correlation-ID: 1"
         -H "SCPI-From-Country-Code: CH" -H "SCPI-From-Party-Id: MSP" -H "SCPI-To-Country-Code: CH"
         -H "SCPI-To-Party-Id: CPO")
total=$(curl -s -D - -o /dev/null "http://127.0.0.1:$port/scpi/sender/2.2/locations?limit=1" "${headers[@]}" |
        awk -F': ' 'tolower($1)=="x-total-count" {print $2}' | tr -d '\r')

mkdir -p "$BENCH_TMP/www"
curl -s "http://127.0.0.1:$port/scpi/sender/2.2/locations?offset=$((count / 2))&limit=100" "${headers[@]}" \
    >"$BENCH_TMP/www/page.json"
python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); assert e["status_code"] == 1000 and len(e["data"]) == 100, e.get("status_message")' \
    "$BENCH_TMP/www/page.json"
nginx_port=$(bench_free_port)
bench_start_nginx "$BENCH_TMP/www" "$nginx_port"

cat >"$BENCH_TMP/random.lua" <<LUA
math.randomseed(42)
request = function()
  local offset = math.random(0, $count - 100)
  return wrk.format("GET", "/scpi/sender/2.2/locations?offset=" .. offset .. "&limit=100")
end
LUA
nginx_args=("http://127.0.0.1:$nginx_port/page.json")
cpo_args=("http://127.0.0.1:$port/" -s "$BENCH_TMP/random.lua" "${headers[@]}")
{
    read -r n_rps n_p50 n_p99 n_err
    read -r c_rps c_p50 c_p99 c_err
} <<<"$(bench_wrk_pair nginx_args cpo_args "$seconds" 32)"
if ! kill -0 "$pid" 2>/dev/null; then
    echo "the CPO is no longer running; its log ends with:" >&2
    tail -5 "$BENCH_TMP/cpo.log" >&2
    exit 1
fi
rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")

echo "locations served (X-Total-Count): $total"
echo "time to ready: $(python3 -c "print(f'{$ready - $started:.2f} s')")"
echo "data set in the page cache: $warm"
echo "peak RSS of the CPO after the run: $((rss_kb / 1024)) MB"
echo "page bytes: $(wc -c <"$BENCH_TMP/www/page.json")"
printf "%-40s %10s %8s %8s %8s\n" "measurement" "req/s" "p50 ms" "p99 ms" "non-2xx"
printf "%-40s %10s %8s %8s %8s\n" "nginx, one 100-location page (baseline)" "$n_rps" "$n_p50" "$n_p99" "$n_err"
printf "%-40s %10s %8s %8s %8s\n" "mock CPO, random 100-location pages" "$c_rps" "$c_p50" "$c_p99" "$c_err"
echo "mock CPO / nginx: $(bench_ratio "$c_rps" "$n_rps")"
