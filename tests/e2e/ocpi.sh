#!/usr/bin/env bash
# Plain OCPI 2.2.1 (`"protocol": "ocpi-2.2.1"`): a mock CPO and a mock MSP on their own, the MSP registering with the
# CPO by the credentials handshake (no node, no registry); then the walkthrough over /ocpi/ paths with OCPI-*
# headers and Base64 tokens: locations, a session started and stopped, its CDR (with the 2.2.1-only
# home_charging_compensation); raw tokens are accepted too; and `scn-tools check` against the OCPI CPO.
set -euo pipefail
bin=$1
dir=$(mktemp -d)
cd "$dir"
cleanup() {
    [[ -n "${cpo_pid:-}" ]] && kill "$cpo_pid" 2>/dev/null || true
    [[ -n "${msp_pid:-}" ]] && kill "$msp_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT INT TERM
fail() {
    echo "FAILED: $*" >&2
    for log in "$dir"/*.log "$dir"/*.out; do
        [[ -f $log ]] && { echo "--- $log ---" >&2; tail -c 3000 "$log" >&2; }
    done
    exit 1
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() {  # file, text
    for _ in $(seq 1 150); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    fail "no \"$2\" in $1"
}

cpo_port=$(free_port)
msp_port=$(free_port)
control_port=$(free_port)
cat >cpo.json <<JSON
{"cpo": {"protocol": "ocpi-2.2.1", "port": $cpo_port, "publicIP": "http://127.0.0.1:$cpo_port", "db": "cpo.db",
         "session_update_interval": 1, "control_port": $control_port, "strict": true}}
JSON
"$bin" --config cpo.json mock --cpo >cpo.log 2>&1 &
cpo_pid=$!
wait_for cpo.log "Accepting requests with Authorization Token"
grep -q "CPO server listening for OCPI 2.2.1 requests" cpo.log || fail "the CPO does not say it speaks OCPI"
token_a=$(grep -o "Accepting requests with Authorization Token [^ ]*" cpo.log | awk '{print $NF}')
b64=$(printf %s "$token_a" | base64 -w0)

# The versions endpoint over /ocpi/, with the token Base64-encoded (and raw: many servers send it so).
versions=$(curl -sf "http://127.0.0.1:$cpo_port/ocpi/versions" -H "Authorization: Token $b64")
[[ $(jq -r '.data[0].version' <<<"$versions") == 2.2.1 ]] || fail "versions: $versions"
[[ $(jq -r '.data[0].url' <<<"$versions") == "http://127.0.0.1:$cpo_port/ocpi/versions/2.2.1" ]] ||
    fail "versions URL: $versions"
raw=$(curl -sf "http://127.0.0.1:$cpo_port/ocpi/versions" -H "Authorization: Token $token_a")
[[ $(jq -r '.status_code' <<<"$raw") == 1000 ]] || fail "a raw token is refused: $raw"
details=$(curl -sf "http://127.0.0.1:$cpo_port/ocpi/versions/2.2.1" -H "Authorization: Token $b64")
[[ $(jq -r '.data.endpoints[] | select(.identifier == "locations") | .url' <<<"$details") == \
    "http://127.0.0.1:$cpo_port/ocpi/sender/2.2.1/locations" ]] || fail "details: $details"

# The MSP registers with the CPO: credentials handshake with the CPO's token as TOKEN_A.
cat >msp.json <<JSON
{"msp": {"protocol": "ocpi-2.2.1", "port": $msp_port, "publicIP": "http://127.0.0.1:$msp_port", "db": "msp.db",
         "control_port": 0,
         "peer": {"url": "http://127.0.0.1:$cpo_port/ocpi/versions", "token_a": "$token_a"}}}
JSON
"$bin" --config msp.json mock --msp >msp.log 2>&1 &
msp_pid=$!
wait_for msp.log "Registered with http://127.0.0.1:$cpo_port/ocpi/versions by the credentials handshake"
grep -q "POST /ocpi/2.2.1/credentials 200" cpo.log || fail "no credentials POST at the CPO"
grep -q "GET /ocpi/versions 200" msp.log || fail "the CPO did not read the MSP's versions"

# The walkthrough, as the MSP: straight to the CPO, OCPI headers, Base64 tokens.
"$bin" --config msp.json request --as msp get locations >locations.out || fail "locations"
[[ $(jq '.data | length' locations.out) == 10 ]] || fail "locations: $(head -c 300 locations.out)"
grep -q "GET /ocpi/sender/2.2.1/locations 200" cpo.log || fail "not over /ocpi/: $(grep locations cpo.log)"
"$bin" --config msp.json request --as msp start-session --location Loc1 --evse CH-CPO-S1E100001 >start.out ||
    fail "start-session"
[[ $(jq -r .data.result start.out) == ACCEPTED ]] || fail "start: $(cat start.out)"
wait_for msp.log "async command result \[START_SESSION"
wait_for msp.log " ACTIVE - "
session_id=$(grep -o "Session [0-9a-f-]\{36\} ACTIVE" msp.log | head -1 | awk '{print $2}')
grep -q "PUT /ocpi/receiver/2.2.1/sessions/CH/CPO/$session_id" msp.log || fail "session push not over /ocpi/"
"$bin" --config msp.json request --as msp stop-session "$session_id" >stop.out || fail "stop-session"
wait_for msp.log " COMPLETED - "
wait_for msp.log "POST /ocpi/receiver/2.2.1/cdrs 201"

# The CDR as the CPO serves it, asked with the TOKEN_C the MSP received (the offline token was TOKEN_A, spent by
# the registration), Base64-encoded: the 2.2.1-only member is there, the routing headers come back as OCPI's.
token_c=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select value from settings where key=\"peer_token_c\"").fetchone()[0])' msp.db)
spent=$(curl -s "http://127.0.0.1:$cpo_port/ocpi/versions" -H "Authorization: Token $b64")
[[ $(jq -r .status_code <<<"$spent") != 1000 ]] || fail "TOKEN_A still accepted after the registration"
cdrs=$(curl -sf "http://127.0.0.1:$cpo_port/ocpi/sender/2.2.1/cdrs" \
    -H "Authorization: Token $(printf %s "$token_c" | base64 -w0)" -H "X-Request-ID: 1" -H "X-Correlation-ID: 1" \
    -H "OCPI-from-country-code: CH" -H "OCPI-from-party-id: MSP" -H "OCPI-to-country-code: CH" \
    -H "OCPI-to-party-id: CPO" -D headers.out) || fail "CDRs with the Base64 TOKEN_C"
[[ $(jq '.data | length' <<<"$cdrs") -ge 1 ]] || fail "no CDR: $cdrs"
[[ $(jq '.data[-1].home_charging_compensation' <<<"$cdrs") == false ]] || fail "CDR: $(jq -c '.data[-1]' <<<"$cdrs")"
grep -qi "^OCPI-to-party-id: MSP" headers.out || fail "routing headers not OCPI's: $(cat headers.out)"
grep -qi "^SCPI-" headers.out && fail "SCPI headers in an OCPI answer: $(cat headers.out)"

# OCPI 2.2.1 made cdr_token's country_code and party_id required: an OCPI MSP refuses a CDR without them.
token_b=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select value from settings where key=\"peer_token_b\"").fetchone()[0])' msp.db)
old_cdr=$(jq -c '.data[-1] | .id = "OLD-1" | del(.cdr_token.country_code, .cdr_token.party_id)' <<<"$cdrs")
refused=$(curl -s -XPOST "http://127.0.0.1:$msp_port/ocpi/receiver/2.2.1/cdrs" \
    -H "Authorization: Token $(printf %s "$token_b" | base64 -w0)" -H "Content-Type: application/json" \
    -H "X-Request-ID: 2" -H "X-Correlation-ID: 2" -H "OCPI-from-country-code: CH" -H "OCPI-from-party-id: CPO" \
    -H "OCPI-to-country-code: CH" -H "OCPI-to-party-id: MSP" -d "$old_cdr")
[[ $(jq -r .status_code <<<"$refused") == 2001 ]] || fail "a 2.2 cdr_token accepted: $refused"
[[ $(jq -r .status_message <<<"$refused") == "\$.cdr_token: missing country_code and party_id (required since OCPI 2.2.1)" ]] ||
    fail "message: $refused"

# The control API shows what the CPO received as it was sent: OCPI paths and headers.
received=$(curl -sf "http://127.0.0.1:$control_port/control/received?module=cdrs")
[[ $(jq -r '.requests[-1].path' <<<"$received") == /ocpi/sender/2.2.1/cdrs ]] ||
    fail "recorded: $(head -c 600 <<<"$received")"
[[ $(jq -r '.requests[-1].headers["OCPI-from-party-id"]' <<<"$received") == MSP ]] ||
    fail "recorded headers: $(head -c 600 <<<"$received")"

# The checker, in OCPI mode, against the CPO.
"$bin" check --protocol ocpi-2.2.1 --versions-url "http://127.0.0.1:$cpo_port/ocpi/versions" --token "$token_c" \
    --role cpo --from CH/CHK --to CH/CPO --json check.json >check.out 2>&1 || true
[[ $(jq .summary.failed check.json) == 0 ]] || fail "check: $(grep ^FAIL check.out)"
echo "ocpi: all checks passed"
