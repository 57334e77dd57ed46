#!/usr/bin/env bash
# Crash recovery: the node, the mock CPO and the mock MSP as separate processes (as the README's "Running the pieces
# separately" has them), each killed with SIGKILL at a bad moment and started again on its own database: the CPO in
# the middle of a session, the MSP while the CDR is on its way, the node while it relays session updates. Afterwards
# every session is complete at the MSP in the CPO's final state, each CDR is stored once, and nothing is left queued
# or given up on.
set -euo pipefail
bin=$1
dir=$(mktemp -d)
cd "$dir"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM
fail() {
    echo "FAILED: $*" >&2
    for log in "$dir"/*.log; do
        [[ -f $log ]] && { echo "--- $(basename "$log") ---" >&2; tail -25 "$log" >&2; }
    done
    exit 1
}
wait_for() {  # wait_for FILE TEXT [COUNT]: until FILE has COUNT (default 1) lines with TEXT, at most 30 s
    local n=${3:-1}
    for _ in $(seq 1 300); do
        (($(grep -cF -- "$2" "$1" 2>/dev/null || true) >= n)) && return 0
        sleep 0.1
    done
    fail "no ${n}x \"$2\" in $(basename "$1")"
}
sql() {  # sql DB QUERY: the first column of the first row
    python3 -c 'import sqlite3, sys; r = sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone(); print(r[0] if r else "")' "$@"
}
cat >config.json <<'JSON'
{
  "node": { "api_key": "recovery-key" },
  "cpo": { "session_update_interval": 1, "control_port": 0 },
  "msp": { "control_port": 0 }
}
JSON
run() { "$bin" --config config.json "$@"; }
start_node() {
    "$bin" --config config.json node >>node.log 2>&1 &  # not through run(): $! must be the process itself
    node_pid=$!
    pids+=("$node_pid")
    wait_for node.log "SCN node listening" "$1"
}
start_party() {  # start_party cpo|msp NTH-START
    "$bin" --config config.json mock "--$1" >>"$1.log" 2>&1 &
    eval "${1}_pid=$!"
    pids+=($!)
    wait_for "$1.log" "server listening for SCPI requests" "$2"
}
token_a() {
    curl -s -XPOST localhost:8080/admin/generate-registration-token -H 'Authorization: Token recovery-key' \
        -H 'Content-Type: application/json' -d '[]' | jq -r .token
}
key() { echo "0x$(python3 -c 'import os; print(os.urandom(32).hex())')"; }
now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f} s')" "$1" "$(now)"; }

start_node 1
TOKEN_A=$(token_a) SIGNER_KEY=$(key) run mock --cpo --register-only >register-cpo.log 2>&1 || fail "CPO registration"
TOKEN_A=$(token_a) SIGNER_KEY=$(key) run mock --msp --register-only >register-msp.log 2>&1 || fail "MSP registration"
start_party cpo 1
start_party msp 1

# 1. The CPO is killed in the middle of a session: started again, it resumes the session and keeps pushing.
run request --as msp start-session --location Loc1 --evse CH-CPO-S1E100001 >start1.out || fail "start-session 1"
wait_for msp.log " ACTIVE - " 2
first=$(grep -o "Session [0-9a-f-]* ACTIVE" msp.log | head -1 | awk '{print $2}')
kill -9 "$cpo_pid"
sleep 1
t=$(now)
start_party cpo 2
wait_for cpo.log "Session $first resumed"
before=$(grep -c "Session $first ACTIVE" msp.log)
wait_for msp.log "Session $first ACTIVE" $((before + 1))
echo "recovery: CPO restarted, its session's updates reach the MSP again after $(since "$t")"
wait_for msp.log "Session $first ACTIVE" $((before + 2))

# 2. The MSP is killed, then the session stops: the COMPLETED update and the CDR wait in the CPO's outbox and reach
#    the MSP once it is back.
kill -9 "$msp_pid"
run request --as msp stop-session "$first" >stop1.out || fail "stop-session 1 (the node answers for the CPO)"
wait_for cpo.log "CDR "
sleep 2
t=$(now)
start_party msp 2
wait_for msp.log "Session $first COMPLETED"
wait_for msp.log "CDR "
echo "recovery: MSP restarted, the held-back update and CDR arrive after $(since "$t")"
# The session's last update (the CDR queues behind it, in order) was held back while the MSP was down.
grep -qE "PUT sessions/CH/CPO/$first not delivered" cpo.log || fail "nothing was held back while the MSP was down"

# 3. The node is killed while it relays the updates of a second session; started again on its database, the
#    parties' connections still hold and the updates, the stop and the CDR go through.
run request --as msp start-session --location Loc2 --evse CH-CPO-S2E100001 >start2.out || fail "start-session 2"
wait_for msp.log " ACTIVE - " $(($(grep -c " ACTIVE - " msp.log) + 2))
second=$(grep -o "Session [0-9a-f-]* ACTIVE" msp.log | grep -v "$first" | head -1 | awk '{print $2}')
[[ -n $second ]] || fail "no second session"
kill -9 "$node_pid"
sleep 2
t=$(now)
start_node 2
before=$(grep -c "Session $second ACTIVE" msp.log)
wait_for msp.log "Session $second ACTIVE" $((before + 1))
echo "recovery: node restarted, updates flow again after $(since "$t")"
wait_for msp.log "Session $second ACTIVE" $((before + 2))
grep -qE "PUT sessions/CH/CPO/$second not delivered" cpo.log || fail "no update was held back while the node was down"
run request --as msp stop-session "$second" >stop2.out || fail "stop-session 2"
wait_for msp.log "Session $second COMPLETED"
wait_for msp.log "CDR " 2

# Nothing lost, nothing twice, nothing left behind.
sleep 1
for id in "$first" "$second"; do
    cpo_state=$(sql cpo.db "select json from sessions where id = '$id'")
    msp_state=$(sql msp.db "select json from sessions where id = '$id'")
    [[ $(jq -r .status <<<"$msp_state") == COMPLETED ]] || fail "session $id at the MSP: $msp_state"
    [[ $(jq .kwh <<<"$msp_state") == $(jq .kwh <<<"$cpo_state") ]] || fail "session $id: the MSP has another kWh"
    [[ $(sql msp.db "select count(*) from cdrs where json like '%\"session_id\":\"$id\"%'") == 1 ]] ||
        fail "session $id: not exactly one CDR at the MSP"
done
[[ $(sql cpo.db "select count(*) from outbox") == 0 ]] || fail "pushes left in the CPO's outbox"
[[ $(sql cpo.db "select count(*) from outbox_dead") == 0 ]] || fail "pushes the CPO gave up on: $(sql cpo.db "select last_error from outbox_dead")"
[[ $(sql cpo.db "select count(*) from charging") == 0 ]] || fail "a session still charging at the CPO"
echo "recovery: all checks passed"
