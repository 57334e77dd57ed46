#!/usr/bin/env bash
# `scn-tools check` as a user runs it: against the sandbox's CPO and MSP through the node, against an offline mock
# CPO straight at its versions URL (JSON and JUnit reports), and against a URL where nothing answers.
set -euo pipefail
bin=$1
dir=$(mktemp -d)
cd "$dir"
cleanup() {
    [[ -n "${pid:-}" ]] && kill "$pid" 2>/dev/null || true
    [[ -n "${mock_pid:-}" ]] && kill "$mock_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
fail() {
    echo "FAILED: $*" >&2
    for log in "$dir"/*.log "$dir"/*.out; do
        [[ -f $log ]] && { echo "--- $log ---" >&2; cat "$log" >&2; }
    done
    exit 1
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# A strict CPO: it refuses a sessions list without date_from (P-07), which the default one answers for the
# original walkthrough's sake.
echo '{"cpo": {"strict": true}}' >strict.json
"$bin" --config strict.json sandbox --dir state >sandbox.log 2>&1 &
pid=$!
eval "$("$bin" sandbox --wait-ready --dir state --timeout 60)" || fail "the sandbox did not get ready"

"$bin" check --node "$SCN_NODE_URL" --token "$SCN_MSP_TOKEN" --from CH/MSP --to CH/CPO --role cpo \
    --json cpo.json --active >cpo.out || fail "checks of the CPO through the node failed"
[[ $(jq .summary.failed cpo.json) == 0 && $(jq .summary.passed cpo.json) -ge 30 ]] || fail "cpo.json: $(jq .summary cpo.json)"
grep -q "^PASS  P-02  locations: limit=1 pages followed by Link cover the list once$" cpo.out || fail "no progress lines"
[[ $(jq -r '.checks[] | select(.id == "M-01") | .status' cpo.json) == passed ]] || fail "M-01 through the node"
"$bin" check --node "$SCN_NODE_URL" --token "$SCN_CPO_TOKEN" --from CH/CPO --to CH/MSP --role emsp \
    --json msp.json --active >msp.out || fail "checks of the MSP through the node failed"
[[ $(jq .summary.failed msp.json) == 0 ]] || fail "msp.json: $(jq .summary msp.json)"
kill -INT "$pid"
wait "$pid" || fail "sandbox exit status $?"
pid=

port=$(free_port)
"$bin" --config strict.json mock --cpo --offline --port "$port" --db cpo.db >mock.log 2>&1 &
mock_pid=$!
for _ in $(seq 1 100); do
    grep -q "Accepting requests with Authorization Token" mock.log && break
    sleep 0.1
done
token=$(grep -o "Accepting requests with Authorization Token [^ ]*" mock.log | awk '{print $NF}')
"$bin" check --versions-url "http://127.0.0.1:$port/scpi/versions" --token "$token" --role cpo --from CH/CHK \
    --to CH/CPO --junit direct.xml >direct.out || fail "direct checks of the offline CPO failed"
grep -q '<testsuite name="scn-tools check http://127.0.0.1:'"$port"'/scpi/versions" tests="[0-9]*" failures="0"' \
    direct.xml || fail "JUnit report: $(head -3 direct.xml)"
grep -q "PASS  G-04  Routing headers come back swapped" direct.out || fail "G-04 not checked directly"

closed=$(free_port)
started=$(date +%s)
if "$bin" check --versions-url "http://127.0.0.1:$closed/scpi/versions" --token x --role cpo >closed.out 2>&1; then
    fail "a check of nothing passed"
fi
(($(date +%s) - started < 10)) || fail "took more than 10 s to give up on a closed port"
grep -q "^FAIL  V-01" closed.out || fail "no failed V-01: $(cat closed.out)"
if "$bin" check --token x --role cpo >usage.out 2>&1; then
    fail "no target accepted"
fi
grep -q "say where the party is" usage.out || fail "usage: $(cat usage.out)"
echo "check: all checks passed"
