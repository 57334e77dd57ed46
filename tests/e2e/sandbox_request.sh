#!/usr/bin/env bash
# The walkthrough again, with `scn-tools request` instead of curl: headers and tokens come from the parties' stored
# credentials, output is raw JSON when piped, the exit status says whether the answer was status 1000.
set -euo pipefail
bin=$1
dir=$(mktemp -d)
cd "$dir"
out=$dir/sandbox.log
cleanup() {
    [[ -n "${pid:-}" ]] && kill "$pid" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
fail() {
    echo "FAILED: $*" >&2
    cat "$out" >&2
    exit 1
}
wait_for() {
    for _ in $(seq 1 100); do
        grep -qF -- "$1" "$out" && return 0
        sleep 0.1
    done
    fail "no \"$1\" in the sandbox output"
}

"$bin" sandbox >"$out" 2>&1 &
pid=$!
wait_for "Sandbox ready"
request() { "$bin" request "$@"; }

[[ $(request --as msp --to CH/CPO get locations | jq '.data | length') == 10 ]] || fail "ten locations"
[[ $(request --as msp get locations/Loc1 | jq -r .data.id) == Loc1 ]] || fail "one location"
[[ $(request --as msp --all get "locations?limit=3" | jq '.data | length') == 10 ]] || fail "--all follows Link"
[[ $(request --as cpo --to CH/MSP get tokens | jq '.data | length') == 7 ]] || fail "the MSP's tokens"
[[ $(request --as msp get hubclientinfo | jq -r '[.data[] | .party_id + ":" + .status] | sort | join(",")') == \
   "CPO:CONNECTED,MSP:CONNECTED" ]] || fail "hubclientinfo from the node"
if request --as msp get locations/Loc99 >/dev/null 2>&1; then fail "a non-1000 answer must exit non-zero"; fi

[[ $(request --as msp start-session --location Loc1 --evse CH-CPO-S1E100001 | jq -r .data.result) == ACCEPTED ]] ||
    fail "start-session"
wait_for "]: ACCEPTED"
wait_for " ACTIVE - "
session=$(grep -o "msp  | Session [0-9a-f-]* ACTIVE" "$out" | head -1 | awk '{print $4}')
[[ $(request --as msp stop-session "$session" | jq -r .data.result) == ACCEPTED ]] || fail "stop-session"
wait_for "Session $session COMPLETED"
[[ $(request --as msp reserve --location Loc2 --evse CH-CPO-S2E100001 --reservation-id r1 | jq -r .data.result) == \
   ACCEPTED ]] || fail "reserve"
[[ $(request --as msp start-session --location Loc2 --evse CH-CPO-S2E100001 --token other | jq -r .data.result) == \
   REJECTED ]] || fail "another token at a reserved EVSE"
[[ $(request --as msp cancel-reservation r1 | jq -r .data.result) == ACCEPTED ]] || fail "cancel-reservation"

kill -INT "$pid"
wait "$pid" || fail "exit status after SIGINT"
pid=
echo "scn-tools request: all checks passed"
