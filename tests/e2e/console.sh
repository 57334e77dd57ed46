#!/usr/bin/env bash
# The live web console (GET /console) of the node and of the mock MSP, driven in headless Chromium: the sandbox
# (on ports of its own: node 18080, CPO 13000/13100, MSP 13001/13101), a START_SESSION through the node, ten minutes of charging on the parties' clock, a STOP_SESSION;
# the event stream carries the command as it is routed; the node's page, open before the stop, receives the CDR live;
# both pages show both parties, the session with its kWh chart and the CDR with its price. Chromium is driven over
# the DevTools protocol on a pipe (console_page.py). Screenshots are kept in the artefacts directory (second
# argument).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(realpath "$1")
artefacts=${2:-$PWD/artefacts}
chromium=${CHROMIUM:-/usr/bin/chromium}
dir=$(mktemp -d)
out=$dir/sandbox.log
cleanup() {
    [[ -n "${events_pid:-}" ]] && kill "$events_pid" 2>/dev/null || true
    [[ -n "${node_page:-}" ]] && kill "$node_page" 2>/dev/null || true
    [[ -n "${pid:-}" ]] && kill "$pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
fail() {
    echo "FAILED: $*" >&2
    echo "--- sandbox output (last 60 lines) ---" >&2
    tail -60 "$out" >&2
    exit 1
}
wait_for() {  # wait_for <text> [seconds]
    for _ in $(seq 1 $((${2:-10} * 10))); do
        grep -qF -- "$1" "$out" && return 0
        sleep 0.1
    done
    fail "no \"$1\" in the sandbox output"
}
[[ -x $chromium ]] || fail "no Chromium at $chromium (scripts/setup-test-tools installs it)"
mkdir -p "$artefacts"

node=http://127.0.0.1:18080
cpo_control=http://127.0.0.1:13100
msp_control=http://127.0.0.1:13101
jq --arg root "$root" '.scn.node = "http://localhost:18080" | .node.port = 18080
    | .node.public_url = "http://localhost:18080" | .cpo.port = 13000 | .cpo.publicIP = "http://localhost:13000"
    | .cpo.control_port = 13100 | .cpo.data = ($root + "/data/cpo") | .msp.port = 13001
    | .msp.publicIP = "http://localhost:13001" | .msp.control_port = 13101 | .msp.data = ($root + "/data/msp")
    | .registry.path = "registry.db"' "$root/config/config.local.json" >"$dir/config.json"
(cd "$dir" && exec "$bin" --config "$dir/config.json" sandbox --dir "$dir/state") >"$out" 2>&1 &
pid=$!
wait_for "Sandbox ready" 30
TOKEN=$(grep -o "To send requests as the MSP, use Authorization Token [0-9a-f-]*" "$out" | awk '{print $NF}')
[[ ${#TOKEN} -eq 36 ]] || fail "no MSP token"
headers=(-H "Authorization: Token $TOKEN" -H "X-Request-ID: 0" -H "X-Correlation-ID: console-1"
         -H "SCPI-From-Country-Code: CH" -H "SCPI-From-Party-Id: MSP" -H "SCPI-To-Country-Code: CH"
         -H "SCPI-To-Party-Id: CPO" -H "Content-Type: application/json")

# The snapshot: both parties, listed in the registry.
snapshot=$(curl -s --max-time 10 $node/console/api/snapshot)
for party in CH/CPO CH/MSP; do
    jq -e --arg p "$party" '.parties.parties | map(select(.id == $p and .status == "CONNECTED" and .registry.listed))
        | length == 1' <<<"$snapshot" >/dev/null || fail "$party not in the node's snapshot: $snapshot"
done

# The event stream, open while the command is routed.
curl -sN --max-time 60 $node/console/api/events >"$dir/events.txt" &
events_pid=$!
for _ in $(seq 1 50); do grep -q "retry:" "$dir/events.txt" && break; sleep 0.1; done
grep -q "retry:" "$dir/events.txt" || fail "the event stream did not open"

start=$(curl -s --max-time 10 -XPOST $node/scpi/receiver/2.2/commands/START_SESSION "${headers[@]}" -d '{"response_url": "http://localhost:13001/scpi/sender/2.2/commands/START_SESSION/0", "location_id": "Loc1", "evse_uid": "CH-CPO-S1E100001", "token": {"country_code": "CH", "party_id": "MSP", "uid": "0", "type": "AD_HOC_USER", "contract_id": "0", "issuer": "test MSP", "valid": true, "whitelist": "NEVER", "last_updated": "2019-10-14T15:45:11.353Z"}}')
[[ $(jq -r .data.result <<<"$start") == ACCEPTED ]] || fail "START_SESSION: $start"
for _ in $(seq 1 50); do grep -q "commands/START_SESSION\"" "$dir/events.txt" && break; sleep 0.1; done
grep -q '"path":"/scpi/receiver/2.2/commands/START_SESSION"' "$dir/events.txt" ||
    fail "the command was not streamed: $(head -c 2000 "$dir/events.txt")"
grep -q "Token $TOKEN" "$dir/events.txt" && fail "a token was streamed in full"
wait_for " ACTIVE - "
SESSION_ID=$(grep -o "Session [0-9a-f-]* ACTIVE" "$out" | head -1 | awk '{print $2}')

# Ten minutes of charging on the parties' clock: an update every 30 s, points for the chart.
curl -s --max-time 30 -XPOST $cpo_control/control/clock/advance -d '{"seconds": 600}' >/dev/null ||
    fail "clock advance"

# The node's page, open (live) before the session stops: the CDR must reach it over the event stream.
page() {  # page <url> <dom file> <png file> <condition> [<ready condition> <ready file>]
    timeout 90 python3 "$root/tests/e2e/console_page.py" "$1" "$2" "$3" "$4" 60 "${@:5}"
}
live="document.getElementById('live').textContent === 'live'"
session_shown="document.querySelector('[data-session=\"$SESSION_ID\"] svg.chart')"
cdr_shown="document.querySelector('.card.cdr .cdr-total')"
page "$node/console" "$dir/node.html" "$artefacts/console-node.png" "$cdr_shown" "$live && $session_shown" \
    "$dir/node-ready" >"$dir/node-page.log" 2>&1 &
node_page=$!
for _ in $(seq 1 300); do [[ -f $dir/node-ready ]] && break; sleep 0.1; done
[[ -f $dir/node-ready ]] || fail "the node's console did not go live with the session: $(cat "$dir/node-page.log")"
grep -q "data-cdr=" "$dir/node.html" 2>/dev/null && fail "the CDR was shown before the session stopped"

stop=$(curl -s --max-time 10 -XPOST $node/scpi/receiver/2.2/commands/STOP_SESSION "${headers[@]}" -d "{\"response_url\": \"http://localhost:13001/scpi/sender/2.2/commands/STOP_SESSION/0\", \"session_id\": \"$SESSION_ID\"}")
[[ $(jq -r .data.result <<<"$stop") == ACCEPTED ]] || fail "STOP_SESSION: $stop"
wait_for "Session $SESSION_ID COMPLETED - " 20
wait_for "CDR " 20
cdr_price=$(printf '%.2f' "$(grep -o "CDR [0-9a-f-]*: [0-9.]* CHF" "$out" | head -1 | awk '{print $3}')")
wait "$node_page" || fail "the node's console did not show the CDR live: $(cat "$dir/node-page.log")"

check_page() {  # check_page <dom file> <what>
    local dom=$1
    for party in CH/CPO CH/MSP; do
        grep -q "data-party=\"$party\"" "$dom" || fail "$2: party $party not shown"
    done
    grep -q "data-session=\"$SESSION_ID\"" "$dom" || fail "$2: session $SESSION_ID not shown"
    grep -q '<svg class="chart"' "$dom" || fail "$2: no session chart"
    [[ $(grep -o '<circle' "$dom" | wc -l) -ge 10 ]] || fail "$2: the chart has fewer than 10 points"
    grep -q 'class="card cdr"' "$dom" || fail "$2: no CDR shown"
    grep -q "class=\"cdr-total\">$cdr_price CHF excl. VAT" "$dom" || fail "$2: the CDR's price ($cdr_price CHF) not shown"
    grep -q '<td>Energy</td>' "$dom" || fail "$2: no energy dimension in the CDR's price"
    grep -q 'tariff 1, element 1' "$dom" || fail "$2: no tariff element in the CDR's price"
    grep -q 'data-command="START_SESSION"' "$dom" || fail "$2: no START_SESSION command"
    grep -q 'data-command="STOP_SESSION"' "$dom" || fail "$2: no STOP_SESSION command"
    grep -q "$TOKEN" "$dom" && fail "$2: a token shown in full"
    return 0
}
check_page "$dir/node.html" "node console"
# The MSP's page, loaded afterwards: the same views from its own record of what it received.
page "$msp_control/console" "$dir/msp.html" "$artefacts/console-msp.png" "$live && $cdr_shown" >"$dir/msp-page.log" 2>&1 ||
    fail "the MSP's console: $(cat "$dir/msp-page.log")"
check_page "$dir/msp.html" "MSP console"

echo "Console: node and MSP pages show both parties, session $SESSION_ID with its chart, the CDR at $cdr_price CHF"
echo "Screenshots:"
ls -1 "$artefacts"/console-*.png
