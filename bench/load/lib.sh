# Shared helpers for the load benchmarks: every server listens on 127.0.0.1, every run is bounded in time.
# shellcheck shell=bash

BENCH_TMP=${BENCH_TMP:-$(mktemp -d /tmp/scn-bench.XXXXXX)}
chmod 755 "$BENCH_TMP"  # nginx workers run as an unprivileged user
BENCH_PIDS=()

bench_cleanup() {
    for pid in "${BENCH_PIDS[@]}"; do
        # A server started through bench_on_cpu runs under a subshell: stop its children too.
        pkill -P "$pid" 2>/dev/null || true
        kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
}
trap bench_cleanup EXIT

# Installs wrk and nginx when missing (Debian packages).
bench_ensure_tools() {
    local missing=()
    command -v wrk >/dev/null || missing+=(wrk)
    command -v nginx >/dev/null || missing+=(nginx-light)
    command -v valgrind >/dev/null || missing+=(valgrind)
    if ((${#missing[@]})); then
        local sudo=""
        [[ $(id -u) -eq 0 ]] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

# A free TCP port on 127.0.0.1.
bench_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Waits until something answers on 127.0.0.1:$1 ($2 tries 0.1 s apart, default 300).
bench_wait_port() {
    local port=$1 tries=${2:-300}
    for _ in $(seq 1 "$tries"); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "nothing listens on 127.0.0.1:$port after $((tries / 10)) s" >&2
    return 1
}

# Waits (at most 30 s) until file $1 has a line matching $2; the servers' log lines are written in the background,
# a moment after the port opens.
bench_wait_log() {
    local file=$1 pattern=$2
    for _ in $(seq 1 300); do
        if grep -q "$pattern" "$file" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "no line matching '$pattern' in $file after 30 s" >&2
    return 1
}

# Writes an nginx configuration for port $1 and starts it: one worker (pinned with `worker_cpu_affinity $2` unless
# $2 is empty), no access log, long keep-alive, temporary files under $BENCH_TMP; $3 goes into the http block.
bench_run_nginx() {
    local port=$1 affinity=$2 http_part=$3 conf="$BENCH_TMP/nginx-$1.conf"
    cat >"$conf" <<CONF
worker_processes 1;
${affinity:+worker_cpu_affinity $affinity;}
daemon off;
pid $BENCH_TMP/nginx-$port.pid;
error_log $BENCH_TMP/nginx-$port.err warn;
events { worker_connections 1024; }
http {
    access_log off;
    tcp_nodelay on;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    client_body_temp_path $BENCH_TMP/nginx-body;
    proxy_temp_path $BENCH_TMP/nginx-proxy;
    fastcgi_temp_path $BENCH_TMP/nginx-fastcgi;
    uwsgi_temp_path $BENCH_TMP/nginx-uwsgi;
    scgi_temp_path $BENCH_TMP/nginx-scgi;
$http_part
}
CONF
    nginx -c "$conf" -p "$BENCH_TMP" &
    BENCH_PIDS+=($!)
    bench_wait_port "$port"
}

# Starts nginx serving directory $1 on port $2 with one worker on CPU 0 (the physical-limit baseline), open files
# cached. BENCH_NGINX_SENDFILE=off makes it read and write small files in one writev, faster than sendfile's two
# system calls for a 3 KB body on this machine; large bodies go out with sendfile (the default).
bench_start_nginx() {
    local root=$1 port=$2
    bench_run_nginx "$port" 01 "    sendfile ${BENCH_NGINX_SENDFILE:-on};
    open_file_cache max=64 inactive=60s;
    open_file_cache_valid 60s;
    default_type application/json;
    server {
        listen 127.0.0.1:$port;
        root $root;
        location / { try_files \$uri \$uri.json =404; }
    }"
}

# Starts nginx on port $2 as a reverse proxy to 127.0.0.1:$1 with pooled keep-alive connections, one worker (on CPU 0
# unless BENCH_PIN=0): what one relay hop costs at the least, for comparison with the node.
bench_start_nginx_proxy() {
    local upstream=$1 port=$2 affinity=01
    [[ "${BENCH_PIN:-1}" == 0 ]] && affinity=""
    bench_run_nginx "$port" "$affinity" "    upstream party { server 127.0.0.1:$upstream; keepalive 64; keepalive_requests 1000000; }
    server {
        listen 127.0.0.1:$port;
        location / {
            proxy_pass http://party;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_buffering on;
        }
    }"
}

# Runs a command pinned to CPU $1, or unpinned when BENCH_PIN=0 (every process then shares both cores).
bench_on_cpu() {
    local cpu=$1
    shift
    if [[ "${BENCH_PIN:-1}" == 0 ]]; then
        "$@"
    else
        taskset -c "$cpu" "$@"
    fi
}

# Runs wrk on CPU 1 (unpinned with BENCH_PIN=0) and prints "<requests/s> <p50 ms> <p99 ms> <non-2xx>".
# Usage: bench_wrk URL SECONDS CONNECTIONS [wrk args…]
bench_wrk() {
    local url=$1 seconds=$2 connections=$3
    shift 3
    local out
    out=$(bench_on_cpu 1 wrk -t1 -c"$connections" -d"${seconds}s" --timeout 5s --latency "$@" "$url")
    local rps p50 p99 non2xx
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1=="50%" {print $2}' <<<"$out")
    p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
    echo "$rps $(bench_to_ms "$p50") $(bench_to_ms "$p99") ${non2xx:-0}"
}

# Measures a baseline and a subject in alternating rounds (baseline, subject, baseline, …; BENCH_ROUNDS, default 3,
# of seconds/rounds each, at least 2 s), so that a slow spell of the shared machine weighs on both alike. $1 and $2
# name arrays holding each one's wrk arguments (URL first). Prints two lines in bench_wrk's format: the mean req/s
# and the median p50 and p99 over the rounds, the baseline first.
bench_wrk_pair() {
    local -n baseline_args=$1 subject_args=$2
    local seconds=$3 connections=$4 rounds=${BENCH_ROUNDS:-3}
    local per=$((seconds / rounds))
    ((per >= 2)) || per=2
    local base_runs=() subject_runs=()
    for ((r = 0; r < rounds; r++)); do
        base_runs+=("$(bench_wrk "${baseline_args[0]}" "$per" "$connections" "${baseline_args[@]:1}")")
        subject_runs+=("$(bench_wrk "${subject_args[0]}" "$per" "$connections" "${subject_args[@]:1}")")
    done
    local summarise='
import statistics, sys
runs = [line.split() for line in sys.argv[1:]]
col = lambda i: [float(r[i]) for r in runs]
print(f"{statistics.mean(col(0)):.2f} {statistics.median(col(1)):.3f} {statistics.median(col(2)):.3f} {int(sum(col(3)))}")'
    python3 -c "$summarise" "${base_runs[@]}"
    python3 -c "$summarise" "${subject_runs[@]}"
}

# wrk prints latencies as 512.00us, 1.20ms or 2.00s; normalise to milliseconds.
bench_to_ms() {
    python3 -c '
import sys
v = sys.argv[1]
for unit, f in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
    if v.endswith(unit):
        print(round(float(v[: -len(unit)]) * f, 3)); break
else:
    print(v)' "$1"
}

bench_ratio() {
    python3 -c 'import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f"{a / b:.2f}" if b else "n/a")' "$1" "$2"
}
