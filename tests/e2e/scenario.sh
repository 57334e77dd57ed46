#!/usr/bin/env bash
# `scn-tools scenario` against the sandbox: every built-in scenario passes, a failing expectation stops the run
# with a line saying what differed and a non-zero exit, and the same seed gives the same uids.
set -euo pipefail
bin=$1
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
    [[ -f sandbox.log ]] && tail -40 sandbox.log >&2
    exit 1
}

"$bin" sandbox --dir state >sandbox.log 2>&1 &
pid=$!
eval "$("$bin" sandbox --wait-ready --dir state --timeout 60)" || fail "the sandbox did not get ready"

mapfile -t names < <("$bin" scenario list | awk '{print $1}' | sort)
[[ ${#names[@]} == 7 ]] || fail "built-in scenarios: ${names[*]}"
for name in "${names[@]}"; do
    "$bin" scenario run "$name" --dir state >"$name.out" 2>&1 || { cat "$name.out" >&2; fail "scenario $name"; }
    tail -1 "$name.out" | grep -qx passed || fail "scenario $name: $(tail -3 "$name.out")"
done

# A failing expectation: the step says what it expected and got, later steps do not run, the exit status is 1.
cat >wrong.json <<'JSON'
{ "steps": [
  { "name": "ask for Loc1", "scpi": "msp", "method": "GET", "path": "sender/2.2/locations/Loc1",
    "expect": { "body.data.id": "Loc2" } },
  { "name": "never run", "advance": 60 } ] }
JSON
if "$bin" scenario run wrong.json --dir state >wrong.out 2>&1; then fail "a failing scenario exited 0"; fi
grep -qx 'FAIL  1  ask for Loc1: expected body.data.id = "Loc2", got "Loc1"' wrong.out || fail "$(cat wrong.out)"
! grep -q "never run" wrong.out || fail "a step after the failure ran"

# The same seed, the same uids: the command result URLs the MSP received are equal in two runs.
result_paths() {
    curl -s "$SCN_MSP_CONTROL/control/received?module=commands" | jq -r '[.requests[] | select(.method == "POST") | .path] | join(" ")'
}
"$bin" scenario run command-without-result --dir state --seed 11 >/dev/null || fail "seed 11"
"$bin" scenario run rejected-start --dir state --seed 11 >/dev/null || fail "seed 11"
"$bin" scenario run happy-path --dir state --seed 11 >/dev/null || fail "first run with seed 11"
first=$(result_paths)
"$bin" scenario run happy-path --dir state --seed 11 >/dev/null || fail "second run with seed 11"
[[ -n $first && $(result_paths) == "$first" ]] || fail "seed 11 gave $first, then $(result_paths)"
"$bin" scenario run happy-path --dir state --seed 12 >/dev/null || fail "seed 12"
[[ $(result_paths) != "$first" ]] || fail "another seed gave the same uids"

kill -INT "$pid"
wait "$pid" || fail "sandbox exit status $?"
pid=
echo "scn-tools scenario: all checks passed"
