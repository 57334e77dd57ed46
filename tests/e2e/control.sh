#!/usr/bin/env bash
# The control API as a user drives it: the sandbox's mock CPO (3100) and MSP (3101), every endpoint with curl, bad
# input answered 4xx without changing anything, and the README's Python and JavaScript example tests, which must
# also be in the README word for word.
set -euo pipefail
bin=$1
src=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d)
cd "$dir"
cleanup() {
    [[ -n "${pid:-}" ]] && kill "$pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
fail() {
    echo "FAILED: $*" >&2
    [[ -f sandbox.log ]] && tail -50 sandbox.log >&2
    exit 1
}
# `call METHOD URL [BODY]` prints "<http status> <body>".
call() {
    local out
    out=$(curl -s -X "$1" "$2" ${3:+-d "$3"} -w '\n%{http_code}')
    echo "$(tail -1 <<<"$out") $(sed '$d' <<<"$out")"
}
expect_status() {  # expect_status STATUS METHOD URL [BODY]
    local want=$1
    shift
    local got
    got=$(call "$@")
    [[ ${got%% *} == "$want" ]] || fail "$1 $2 ${3:-}: expected HTTP $want, got $got"
    echo "${got#* }"
}

"$bin" sandbox --dir state >sandbox.log 2>&1 &
pid=$!
eval "$("$bin" sandbox --wait-ready --dir state --timeout 60)" || fail "the sandbox did not get ready"
[[ $SCN_CPO_CONTROL == http://127.0.0.1:3100 && $SCN_MSP_CONTROL == http://127.0.0.1:3101 ]] ||
    fail "control URLs: $SCN_CPO_CONTROL $SCN_MSP_CONTROL"
export SCN_NODE_URL SCN_MSP_TOKEN SCN_CPO_CONTROL SCN_MSP_CONTROL
cpo=$SCN_CPO_CONTROL
msp=$SCN_MSP_CONTROL

# Every endpoint answers; the index lists them.
[[ $(expect_status 200 GET "$cpo/control" | jq '.endpoints | length') == 12 ]] || fail "GET /control"
state=$(expect_status 200 GET "$cpo/control/state")
[[ $(jq '.evses | length' <<<"$state") == 20 && $(jq -r .party <<<"$state") == CPO ]] || fail "CPO state: $state"
[[ $(expect_status 200 GET "$msp/control/state" | jq -r '.partners[0].party_id') == CPO ]] || fail "MSP state"
[[ $(expect_status 200 GET "$cpo/control/clock" | jq -r .offset_ms) == 0 ]] || fail "GET /control/clock"

# Bad input: a clear 4xx with a message, and nothing changes.
[[ $(expect_status 404 PUT "$cpo/control/evses/NOPE/status" '{"status":"OUTOFORDER"}' | jq -r .error) == \
   "no EVSE NOPE at this CPO" ]] || fail "unknown EVSE"
expect_status 400 PUT "$cpo/control/evses/CH-CPO-S1E100001/status" '{"status":"BROKEN"}' |
    grep -q "is not one of" || fail "unknown status"
expect_status 400 PUT "$cpo/control/evses/CH-CPO-S1E100001/status" '{"status":' >/dev/null
expect_status 400 PUT "$cpo/control/faults" '[{"module":"locations","http_status":999}]' >/dev/null
expect_status 400 PUT "$cpo/control/commands/START_SESSION/next" '{"result":"LATER"}' >/dev/null
expect_status 400 POST "$cpo/control/clock/advance" '{"seconds":-5}' >/dev/null
expect_status 404 PUT "$msp/control/evses/CH-CPO-S1E100001/status" '{"status":"OUTOFORDER"}' >/dev/null
[[ $(expect_status 200 GET "$cpo/control/state" | jq -r '.evses[0].status') == AVAILABLE ]] || fail "changed"
[[ $(expect_status 200 GET "$cpo/control/faults" | jq '.faults | length') == 0 ]] || fail "a fault was kept"
[[ $(expect_status 200 GET "$cpo/control/commands" | jq 'length') == 0 ]] || fail "a script was kept"

# Scripted commands and faults, seen with curl before the examples use them.
expect_status 200 PUT "$cpo/control/commands/STOP_SESSION/next" '{"response":"UNKNOWN_SESSION"}' >/dev/null
[[ $(expect_status 200 GET "$cpo/control/commands" | jq -r .STOP_SESSION.response) == UNKNOWN_SESSION ]] ||
    fail "GET /control/commands"
expect_status 200 PUT "$cpo/control/faults" '[{"module":"tariffs","http_status":500}]' >/dev/null
[[ $(expect_status 200 DELETE "$cpo/control/faults" | jq -c .faults) == "[]" ]] || fail "DELETE /control/faults"
expect_status 200 POST "$cpo/control/reset" >/dev/null
[[ $(expect_status 200 GET "$cpo/control/commands" | jq 'length') == 0 ]] || fail "reset keeps scripts"

# The README's example tests, as a user runs them.
extract() {  # the README's code block right after the line naming the file
    awk -v name="$1" 'index($0, "<!-- " name " -->") {found=1; next} found && /^```/ {if (inside) exit; inside=1; next}
                      inside {print}' "$src/README.md"
}
for example in examples/control/charge_for_an_hour.py examples/control/partner_quirks.test.mjs; do
    diff <(extract "$example") "$src/$example" >/dev/null || fail "the README's copy of $example differs from the file"
done
python3 "$src/examples/control/charge_for_an_hour.py" >python.out 2>&1 || { cat python.out >&2; fail "Python example"; }
node --test "$src/examples/control/partner_quirks.test.mjs" >node.out 2>&1 || { cat node.out >&2; fail "JS example"; }
grep -q "^# pass 2" node.out || { cat node.out >&2; fail "the JS example ran no tests"; }
[[ $(expect_status 200 GET "$cpo/control/clock" | jq .offset_ms) -ge 3600000 ]] || fail "the clock moved on"

kill -INT "$pid"
wait "$pid" || fail "sandbox exit status $?"
pid=
echo "control API: all checks passed"
