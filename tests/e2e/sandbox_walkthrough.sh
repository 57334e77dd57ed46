#!/usr/bin/env bash
# The README walkthrough against `scn-tools sandbox`, with curl as the README shows it: locations, tariffs, CDRs,
# sessions, START_SESSION and STOP_SESSION with the MSP's log lines and a CDR priced from tariff 1, RESERVE_NOW
# holding the EVSE for its token, CANCEL_RESERVATION, then Ctrl-C (SIGINT) and a clean exit.
# With `--chain`, the same walkthrough runs with the registry on a local chain (tools/chain): the first start lists
# the node and both parties (paid by SPENDER_KEY), the reference registry CLI sees them, a second start needs no key.
set -euo pipefail
bin=$1
mode=${2:-embedded}
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d)
out=$dir/sandbox.log
cleanup() {
    [[ -n "${pid:-}" ]] && kill "$pid" 2>/dev/null || true
    [[ -n "${chain_pid:-}" ]] && kill "$chain_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
fail() {
    echo "FAILED: $*" >&2
    echo "--- sandbox output ---" >&2
    cat "$out" >&2
    exit 1
}
wait_for() {  # wait_for <text> [seconds]
    for _ in $(seq 1 $((${2:-10} * 10))); do
        grep -qF -- "$1" "$out" && return 0
        sleep 0.1
    done
    fail "no \"$1\" in the sandbox output"
}

sandbox_args=(--dir "$dir/state")
if [[ $mode == --chain ]]; then
    chain_port=18545
    node "$root/tools/chain/local-chain.js" --port $chain_port --stop-after 300 >"$dir/chain.log" 2>&1 &
    chain_pid=$!
    for _ in $(seq 1 300); do grep -q '"registry"' "$dir/chain.log" && break; sleep 0.1; done
    grep -q '"registry"' "$dir/chain.log" || fail "the local chain did not start: $(cat "$dir/chain.log")"
    sandbox_args+=(--chain "http://127.0.0.1:$chain_port" --registry-address "$(jq -r .registry "$dir/chain.log")")
    # Funded dev key 2 pays for the three listings.
    export SPENDER_KEY=0x0dbbe8e4ae425a6d2687f1a7e3ba17bc98c673636790f1b8ad91193c05875ef1
fi
"$bin" sandbox "${sandbox_args[@]}" >"$out" 2>&1 &
pid=$!
wait_for "Sandbox ready" 30
if [[ $mode == --chain ]]; then
    grep -q "Registry: .*mined in block" "$out" || fail "no listing transactions"
    grep -q -- "$SPENDER_KEY" "$out" && fail "a key was logged"
    echo "{\"provider\":{\"host\":\"127.0.0.1\",\"port\":$chain_port}}" >"$dir/network.json"
    for party in CPO MSP; do
        node "$root/tools/chain/node_modules/@shareandcharge/ocn-registry/dist/cli.js" get-party -c CH $party \
            --network-file "$dir/network.json" | grep -q "http://localhost:8080" ||
            fail "the reference registry CLI does not list CH/$party under the sandbox node"
    done
fi
TOKEN=$(grep -o "To send requests as the MSP, use Authorization Token [0-9a-f-]*" "$out" | awk '{print $NF}')
[[ ${#TOKEN} -eq 36 ]] || fail "no MSP token"

# GET locations, tariffs, cdrs, sessions
[[ $(curl -s localhost:8080/scpi/sender/2.2/locations -H "Authorization: Token $TOKEN" -H "X-Request-ID: 0" -H "X-Correlation-ID: 0" -H "SCPI-From-Country-Code: CH" -H "SCPI-From-Party-Id: MSP" -H "SCPI-To-Country-Code: CH" -H "SCPI-To-Party-Id: CPO" | jq '.data | length') == 10 ]] || fail "ten locations"
[[ $(curl -s localhost:8080/scpi/sender/2.2/locations -H "Authorization: Token $TOKEN" -H "X-Request-ID: 0" -H "X-Correlation-ID: 0" -H "SCPI-From-Country-Code: CH" -H "SCPI-From-Party-Id: MSP" -H "SCPI-To-Country-Code: CH" -H "SCPI-To-Party-Id: CPO" | jq .status_code) == 1000 ]] || fail "status 1000"
[[ $(curl -s localhost:8080/scpi/sender/2.2/tariffs -H "Authorization: Token $TOKEN" -H "X-Request-ID: 0" -H "X-Correlation-ID: 0" -H "SCPI-From-Country-Code: CH" -H "SCPI-From-Party-Id: MSP" -H "SCPI-To-Country-Code: CH" -H "SCPI-To-Party-Id: CPO" | jq '.data | length') == 4 ]] || fail "four tariffs"
[[ $(curl -s localhost:8080/scpi/sender/2.2/cdrs -H "Authorization: Token $TOKEN" -H "X-Request-ID: 0" -H "X-Correlation-ID: 0" -H "SCPI-From-Country-Code: CH" -H "SCPI-From-Party-Id: MSP" -H "SCPI-To-Country-Code: CH" -H "SCPI-To-Party-Id: CPO" | jq .status_code) == 1000 ]] || fail "cdrs"
[[ $(curl -s localhost:8080/scpi/sender/2.2/sessions -H "Authorization: Token $TOKEN" -H "X-Request-ID: 0" -H "X-Correlation-ID: 0" -H "SCPI-From-Country-Code: CH" -H "SCPI-From-Party-Id: MSP" -H "SCPI-To-Country-Code: CH" -H "SCPI-To-Party-Id: CPO" | jq .status_code) == 1000 ]] || fail "sessions"

# START_SESSION
start=$(curl -s -XPOST localhost:8080/scpi/receiver/2.2/commands/START_SESSION -H "Authorization: Token $TOKEN" -H "X-Request-ID: 0" -H "X-Correlation-ID: 0" -H "SCPI-From-Country-Code: CH" -H "SCPI-From-Party-Id: MSP" -H "SCPI-To-Country-Code: CH" -H "SCPI-To-Party-Id: CPO" -H "Content-Type: application/json" -d '{"response_url": "http://localhost:3001/scpi/sender/2.2/commands/START_SESSION/0", "location_id": "Loc1", "evse_uid": "CH-CPO-S1E100001", "token": {"country_code": "CH", "party_id": "MSP", "uid": "0", "type": "AD_HOC_USER", "contract_id": "0", "issuer": "test MSP", "valid": true, "whitelist": "NEVER", "last_updated": "2019-10-14T15:45:11.353Z"}}')
[[ $(jq -r .data.result <<<"$start") == ACCEPTED && $(jq .data.timeout <<<"$start") == 30 ]] || fail "START_SESSION: $start"
wait_for "async command result [START_SESSION 0]: ACCEPTED"
wait_for " ACTIVE - "
SESSION_ID=$(grep -o "Session [0-9a-f-]* ACTIVE" "$out" | head -1 | awk '{print $2}')

# STOP_SESSION
stop=$(curl -s -XPOST localhost:8080/scpi/receiver/2.2/commands/STOP_SESSION -H "Authorization: Token $TOKEN" -H "X-Request-ID: 0" -H "X-Correlation-ID: 0" -H "SCPI-From-Country-Code: CH" -H "SCPI-From-Party-Id: MSP" -H "SCPI-To-Country-Code: CH" -H "SCPI-To-Party-Id: CPO" -H "Content-Type: application/json" -d "{\"response_url\": \"http://localhost:3001/scpi/sender/2.2/commands/STOP_SESSION/0\", \"session_id\": \"$SESSION_ID\"}")
[[ $(jq -r .data.result <<<"$stop") == ACCEPTED ]] || fail "STOP_SESSION: $stop"
wait_for "Session $SESSION_ID COMPLETED - "
wait_for "CDR "
# Tariff 1: FLAT 0.50 + 0.25 CHF per started kWh; a session of a few seconds is below 1 kWh: 0.75 CHF.
grep -qE "msp +\| CDR [0-9a-f-]+: 0.75 CHF" "$out" || fail "CDR priced from tariff 1"

# RESERVE_NOW, a START_SESSION by another token, CANCEL_RESERVATION
EXPIRY=$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M:%S.000Z)
reserve=$(curl -s -X POST http://localhost:8080/scpi/receiver/2.2/commands/RESERVE_NOW -H "Authorization: Token $TOKEN" -H "Content-Type: application/json" -H "SCPI-From-Country-Code: CH" -H "SCPI-From-Party-ID: MSP" -H "SCPI-To-Country-Code: CH" -H "SCPI-To-Party-ID: CPO" -H "X-Correlation-ID: 1" -H "X-Request-ID: 1" -d "{\"response_url\": \"http://localhost:3001/scpi/sender/2.2/commands/RESERVE_NOW/0\", \"token\": {\"country_code\": \"CH\", \"party_id\": \"MSP\", \"uid\": \"1\", \"type\": \"APP_USER\", \"contract_id\": \"1\", \"issuer\": \"some msp\", \"valid\": true, \"whitelist\": \"NEVER\", \"last_updated\": \"2019-11-05T10:36:41.778Z\"}, \"expiry_date\": \"$EXPIRY\", \"reservation_id\": \"1\", \"location_id\": \"Loc2\", \"evse_uid\": \"CH-CPO-S2E100001\"}")
[[ $(jq -r .data.result <<<"$reserve") == ACCEPTED ]] || fail "RESERVE_NOW: $reserve"
wait_for "async command result [RESERVE_NOW 0]: ACCEPTED"
other=$(curl -s -XPOST localhost:8080/scpi/receiver/2.2/commands/START_SESSION -H "Authorization: Token $TOKEN" -H "X-Request-ID: 0" -H "X-Correlation-ID: 0" -H "SCPI-From-Country-Code: CH" -H "SCPI-From-Party-Id: MSP" -H "SCPI-To-Country-Code: CH" -H "SCPI-To-Party-Id: CPO" -H "Content-Type: application/json" -d '{"response_url": "http://localhost:3001/scpi/sender/2.2/commands/START_SESSION/2", "location_id": "Loc2", "evse_uid": "CH-CPO-S2E100001", "token": {"country_code": "CH", "party_id": "MSP", "uid": "2", "type": "APP_USER", "contract_id": "2", "issuer": "some msp", "valid": true, "whitelist": "NEVER", "last_updated": "2019-11-05T10:36:41.778Z"}}')
[[ $(jq -r .data.result <<<"$other") == REJECTED ]] || fail "another token charged at a reserved EVSE: $other"
cancel=$(curl -s -X POST http://localhost:8080/scpi/receiver/2.2/commands/CANCEL_RESERVATION -H "Authorization: Token $TOKEN" -H "Content-Type: application/json" -H "SCPI-From-Country-Code: CH" -H "SCPI-From-Party-ID: MSP" -H "SCPI-To-Country-Code: CH" -H "SCPI-To-Party-ID: CPO" -H "X-Correlation-ID: 1" -H "X-Request-ID: 1" -d '{"response_url": "http://localhost:3001/scpi/sender/2.2/commands/CANCEL_RESERVATION/0", "reservation_id": "1"}')
[[ $(jq -r .data.result <<<"$cancel") == ACCEPTED ]] || fail "CANCEL_RESERVATION: $cancel"
wait_for "async command result [CANCEL_RESERVATION 0]: ACCEPTED"

# Ctrl-C stops everything within a few seconds, cleanly.
kill -INT "$pid"
for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
kill -0 "$pid" 2>/dev/null && fail "still running 5 s after SIGINT"
wait "$pid" || fail "exit status $? after SIGINT"
pid=

if [[ $mode == --chain ]]; then
    # The second start finds everything listed and connected: no key, no transaction, up in seconds.
    unset SPENDER_KEY
    : >"$out"
    "$bin" sandbox "${sandbox_args[@]}" >"$out" 2>&1 &
    pid=$!
    wait_for "Sandbox ready" 5
    grep -q "transaction" "$out" && fail "the second start sent a transaction"
    kill -INT "$pid"
    wait "$pid" || fail "exit status $? after SIGINT (second start)"
    pid=
fi
echo "sandbox walkthrough: all checks passed"
